"""Rebuild data/regions/regions.csv from cpca's adcodes.csv (MIT, https://github.com/DQinYuan/chinese_province_city_area_mapper).

    pip download cpca==0.5.5 --no-deps -d /tmp/cpca && python scripts/build_regions.py /tmp/cpca/cpca-0.5.5-py3-none-any.whl

Rules (documented in data/regions/README.md):
* province: code PP0000; prefecture (city): PPCC00; county-level: PPCCDD with DD != 00.
* placeholder rows named 市辖区 (city districts, no place of their own) are not divisions and are dropped,
  except as the city level of the four municipalities, which is the municipality itself.
* a prefecture-level city with no county-level division (东莞, 中山, 儋州, 嘉峪关) is also its own
  county-level unit, so that every producer location has a county-level code.
* county-level units directly under a province (省直辖县级行政区划, e.g. 429004 仙桃市) are their own city.
"""

from __future__ import annotations

import csv
import io
import sys
import zipfile
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "data" / "regions" / "regions.csv"
MUNICIPALITIES = {"110000", "120000", "310000", "500000"}


def main(wheel: str) -> None:
    with zipfile.ZipFile(wheel) as zf:
        text = zf.read("cpca/resources/adcodes.csv").decode("utf-8")
    rows = {r["adcode"][:6]: r for r in csv.DictReader(io.StringIO(text))}
    out = []

    def coord(r: dict[str, str], key: str) -> str:
        return r[key] or ""

    counties = {c for c, r in rows.items() if c[4:] != "00" and r["name"] != "市辖区"}
    with_children = {c[:4] for c in counties}
    for code in sorted(rows):
        r = rows[code]
        name = r["name"]
        if code[2:] == "0000":
            level = "province"
        elif code[4:] == "00":
            if code[:2] + "0000" in MUNICIPALITIES or name.endswith("直辖县级行政区划"):
                continue  # not a place: the municipality / the province is the city level
            level = "city"
        elif name == "市辖区":
            continue
        else:
            level = "county"
        prov = code[:2] + "0000"
        if level == "province":
            city = ""
        elif prov in MUNICIPALITIES:
            city = prov
        elif level == "county" and rows.get(code[:4] + "00", {}).get("name", "").endswith(
            "直辖县级行政区划"
        ):
            city = code
        else:
            city = code[:4] + "00"
        out.append([code, name, level, city, prov, coord(r, "longitude"), coord(r, "latitude")])
        if level == "city" and code[:4] not in with_children:
            out.append(
                [code, name, "county", code, prov, coord(r, "longitude"), coord(r, "latitude")]
            )
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(
            [
                "region_code",
                "name_zh",
                "level",
                "city_code",
                "province_code",
                "longitude",
                "latitude",
            ]
        )
        w.writerows(out)
    print(f"wrote {len(out)} rows to {OUT}")


if __name__ == "__main__":
    main(sys.argv[1])
