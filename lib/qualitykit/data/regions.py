"""GB/T 2260 administrative divisions: codes, names, parents, roll-ups and centroids.

Data: ``data/regions/regions.csv``, built by ``scripts/build_regions.py`` from the ``adcodes.csv`` of
the PyPI package cpca 0.5.5 (MIT, © 2018 QinYuan Du, see ``data/regions/LICENSE-cpca``). Codes are
6-character strings. The table (``regions()``) has one row per division and level:

============== ====================================================================
region_code    6-digit GB/T 2260 code (str)
name_zh        Chinese name
name_en        English name: official for provinces and a few cities, else pinyin with the
               generic part translated (Longwan District, Jingning She Autonomous County)
level          province / city / county
city_code      the prefecture-level unit (municipalities: the municipality itself;
               county-level units directly under a province: themselves)
province_code  ``PP0000``
city_name_zh, province_name_zh, province_name_en
longitude, latitude   centroid (WGS-84 degrees) as cpca gives it; empty where cpca has none
============== ====================================================================

Four prefecture-level cities without county-level divisions (东莞 441900, 中山 442000, 儋州 460400,
嘉峪关 620200) appear twice, as city and as their own county-level unit.
"""

from __future__ import annotations

import weakref
from functools import cache
from typing import Literal

import pandas as pd

from qualitykit.errors import ParameterError
from qualitykit.paths import data_dir

Level = Literal["province", "city", "county"]
LEVELS: tuple[Level, ...] = ("province", "city", "county")
NATIONAL_CODE = "000000"
"""Pseudo-code of the whole country (全国) used by roll-ups and as a benchmark parent."""

PROVINCE_NAME_EN: dict[str, str] = {
    "110000": "Beijing",
    "120000": "Tianjin",
    "130000": "Hebei",
    "140000": "Shanxi",
    "150000": "Inner Mongolia",
    "210000": "Liaoning",
    "220000": "Jilin",
    "230000": "Heilongjiang",
    "310000": "Shanghai",
    "320000": "Jiangsu",
    "330000": "Zhejiang",
    "340000": "Anhui",
    "350000": "Fujian",
    "360000": "Jiangxi",
    "370000": "Shandong",
    "410000": "Henan",
    "420000": "Hubei",
    "430000": "Hunan",
    "440000": "Guangdong",
    "450000": "Guangxi",
    "460000": "Hainan",
    "500000": "Chongqing",
    "510000": "Sichuan",
    "520000": "Guizhou",
    "530000": "Yunnan",
    "540000": "Tibet",
    "610000": "Shaanxi",
    "620000": "Gansu",
    "630000": "Qinghai",
    "640000": "Ningxia",
    "650000": "Xinjiang",
    "710000": "Taiwan",
    "810000": "Hong Kong",
    "820000": "Macao",
}
MAINLAND_PROVINCES: tuple[str, ...] = tuple(c for c in PROVINCE_NAME_EN if c[0] not in "78")
"""The 31 provincial-level divisions of the mainland, covered by the spot-check statistics."""

# Well-known cities in English, for English labels of the seed regions and provincial capitals.
CITY_NAME_EN: dict[str, str] = {
    "330300": "Wenzhou",
    "330303": "Longwan District",
    "421200": "Xianning",
    "431000": "Chenzhou",
    "330900": "Zhoushan",
    "330100": "Hangzhou",
    "420100": "Wuhan",
    "430100": "Changsha",
    "440100": "Guangzhou",
    "440300": "Shenzhen",
    "320100": "Nanjing",
    "320400": "Changzhou",
}


@cache
def regions() -> pd.DataFrame:
    """All divisions (see module docstring for the columns). Cached; do not mutate."""
    path = data_dir() / "regions" / "regions.csv"
    df = pd.read_csv(
        path,
        dtype={
            "region_code": "string",
            "name_zh": "string",
            "level": "string",
            "city_code": "string",
            "province_code": "string",
            "longitude": "float64",
            "latitude": "float64",
        },
        keep_default_na=False,
        na_values={"longitude": [""], "latitude": [""]},
    )
    df["city_code"] = df["city_code"].replace("", pd.NA)
    df = pd.concat([df, _successor_rows(df)], ignore_index=True)
    names = df.drop_duplicates("region_code").set_index("region_code")["name_zh"]
    df["province_name_zh"] = df["province_code"].map(names)
    df["province_name_en"] = df["province_code"].map(PROVINCE_NAME_EN).astype("string")
    df["city_name_zh"] = df["city_code"].map(names)
    en = {**_names_en(), **PROVINCE_NAME_EN, **CITY_NAME_EN}
    df["name_en"] = df["region_code"].map(en).astype("string").fillna("")
    cols = [
        "region_code",
        "name_zh",
        "name_en",
        "level",
        "city_code",
        "city_name_zh",
        "province_code",
        "province_name_zh",
        "province_name_en",
        "longitude",
        "latitude",
    ]
    return df[cols]


def _names_en() -> dict[str, str]:
    """English names of ``names_en.csv`` (pinyin with the generic part translated, built by
    ``scripts/build_region_names_en.py``); the official ones of :data:`PROVINCE_NAME_EN` and
    :data:`CITY_NAME_EN` take precedence."""
    path = data_dir() / "regions" / "names_en.csv"
    if not path.is_file():
        return {}
    table = pd.read_csv(path, dtype="string", keep_default_na=False)
    # plain lists: iterating Arrow-backed strings element by element is slow
    return dict(zip(table["region_code"].tolist(), table["name_en"].tolist(), strict=True))


def _successor_rows(df: pd.DataFrame) -> pd.DataFrame:
    """County-level successors named in ``code_changes.csv`` that cpca's table lacks (e.g.
    330112 临安区, 2017): added so that current codes are valid; no centroid."""
    cc = code_changes()
    # membership by Python sets of plain strings: ``isin`` on Arrow-backed strings converts its
    # values one by one (a few thousand codes cost ~50 ms at every start)
    known = set(df["region_code"].tolist())
    new = cc[[c not in known for c in cc["new_code"].tolist()]].drop_duplicates("new_code")
    cities = set(df.loc[df["level"] == "city", "region_code"].tolist())
    city = new["new_code"].str.slice(0, 4) + "00"
    city = city.where([c in cities for c in city.tolist()], new["new_code"])
    prov = new["new_code"].str.slice(0, 2) + "0000"
    municipal = {"110000", "120000", "310000", "500000"}
    city = city.where([p not in municipal for p in prov.tolist()], prov)
    rows = pd.DataFrame(
        {
            "region_code": new["new_code"],
            "name_zh": new["new_name"],
            "level": "county",
            "city_code": city,
            "province_code": prov,
            "longitude": float("nan"),
            "latitude": float("nan"),
        }
    )
    _CROSSWALK_ONLY.update(rows["region_code"].tolist())
    return rows.astype(
        {c: "string" for c in ("region_code", "name_zh", "level", "city_code", "province_code")}
    )


# ---------------------------------------------------------------------------------------------
# vintage: abolished codes and their successors (the one home of the crosswalk)
# ---------------------------------------------------------------------------------------------


@cache
def code_changes() -> pd.DataFrame:
    """The crosswalk of abolished codes (``data/regions/code_changes.csv``; sources per row in
    ``source``): ``old_code, old_name, new_code, new_name, year`` (first year of the successor),
    ``change`` (renamed / recoded / merged), ``source``, ``note``. Cached; do not mutate."""
    df = pd.read_csv(
        data_dir() / "regions" / "code_changes.csv", dtype="string", keep_default_na=False
    )
    return df.astype({"year": "int64"})


@cache
def successors() -> dict[str, tuple[str, int]]:
    """Abolished code → (its current successor, year of the last change), chains followed
    (A → B → C gives A → C). Splits (one code into several) are not in the crosswalk, so an
    abolished code without a single successor is not a key. Cached; do not mutate."""
    cc = code_changes()
    step = dict(
        zip(
            cc["old_code"].tolist(),
            zip(cc["new_code"].tolist(), cc["year"].tolist(), strict=True),
            strict=True,
        )
    )
    out = {}
    for old in step:
        code, year, seen = old, 0, set()
        while code in step and code not in seen:  # follow chains to the current code
            seen.add(code)
            code, year = step[code][0], int(step[code][1])
        out[old] = (code, year)
    return out


@cache
def _predecessor_map() -> dict[str, tuple[str, ...]]:
    out: dict[str, list[str]] = {}
    for old, (new, _) in successors().items():
        out.setdefault(new, []).append(old)
    return {k: tuple(sorted(v)) for k, v in out.items()}


def predecessors(code: str) -> tuple[str, ...]:
    """The abolished codes whose current successor is ``code`` (330112 临安区 → ``("330185",)``;
    330212 鄞州区 → ``("330204",)``), sorted; ``()`` for a code nobody was mapped to."""
    return _predecessor_map().get(code, ())


def current_code(code: str) -> str:
    """``code`` itself, or the current successor of an abolished code (330185 → 330112)."""
    hit = successors().get(code)
    return code if hit is None else hit[0]


def is_abolished(code: object) -> bool:
    """True for an abolished code that has a single current successor in the crosswalk."""
    return isinstance(code, str) and code in successors()


def abolished_message(code: str, what: str = "region code") -> str:
    """One line saying that ``code`` was abolished, what it now is, and what to do."""
    new, year = successors()[code]
    cc = code_changes()
    old_name = cc.loc[cc["old_code"] == code, "old_name"].iloc[0]
    return (
        f"{what} {code!r} ({old_name}) is an abolished code: since {year} it is {new} "
        f"{name(new)}, and data given under {code} are counted there — use {new!r} "
        "(to keep abolished codes as units of their own, read the data with map_codes=False / "
        "--keep-codes)"
    )


_CROSSWALK_ONLY: set[str] = set()


@cache
def counties(with_successors: bool = False) -> pd.DataFrame:
    """County-level divisions (县级: districts, counties, county-level cities, banners …) of the
    mainland in cpca's table, indexed 0..n-1, sorted by code — the districts of the synthetic
    sample, which keeps cpca's vintage (e.g. 330185 临安市) so that it stays as generated; reading
    maps them to their successors (:mod:`qualitykit.data.dataset`). Successors that only
    ``code_changes.csv`` names (e.g. 330112 临安区) are valid codes (:func:`regions` lists them)
    and are included with ``with_successors=True`` (every county-level code, of either vintage)."""
    df = regions()
    df = df[(df["level"] == "county") & df["province_code"].isin(MAINLAND_PROVINCES)]
    if not with_successors:
        df = df[~df["region_code"].isin(sorted(_CROSSWALK_ONLY))]
    return df.sort_values("region_code").reset_index(drop=True)


def is_valid_code(code: object) -> bool:
    """True for a 6-digit string that is a known division (or the national pseudo-code)."""
    return isinstance(code, str) and (code == NATIONAL_CODE or code in _by_code().index)


@cache
def _by_code() -> pd.DataFrame:
    # one row per code, the coarsest level first (a city that is also its own county is a city)
    order = {lvl: i for i, lvl in enumerate(LEVELS)}
    df = regions().assign(_o=regions()["level"].map(order)).sort_values(["region_code", "_o"])
    return df.drop_duplicates("region_code").drop(columns="_o").set_index("region_code")


def lookup(code: str) -> pd.Series:
    """The division with this code (a city that is its own county-level unit: the city row).

    Raises ParameterError naming the code when it is malformed or unknown."""
    check_code(code)
    if code == NATIONAL_CODE:
        return pd.Series(
            {
                "name_zh": "全国",
                "name_en": "China",
                "level": "national",
                "city_code": pd.NA,
                "province_code": pd.NA,
            },
            name=code,
        )
    return _by_code().loc[code]


def levels(code: str) -> tuple[str, ...]:
    """Every level at which ``code`` is a division, coarsest first: ``("county",)`` for 330303,
    ``("city", "county")`` for 441900 东莞市 (a city without county-level divisions is its own
    county-level unit), ``("national",)`` for the national pseudo-code."""
    check_code(code)
    if code == NATIONAL_CODE:
        return ("national",)
    found = set(regions().loc[regions()["region_code"] == code, "level"])
    return tuple(lvl for lvl in LEVELS if lvl in found)


def check_code(code: object, what: str = "region code") -> str:
    """Return ``code`` if it is a known 6-digit code, else raise a ParameterError that says why."""
    if not isinstance(code, str):
        raise ParameterError(
            f"{what} must be a 6-digit string such as '330303', got {type(code).__name__} {code!r}"
            + (
                " (a leading zero may have been lost: quote the code)"
                if isinstance(code, int)
                else ""
            )
        )
    if len(code) != 6 or not code.isdigit():
        raise ParameterError(f"{what} must be 6 digits (GB/T 2260), got {code!r}")
    if code != NATIONAL_CODE and code not in _by_code().index:
        raise ParameterError(f"unknown {what} {code!r}: not a GB/T 2260 division")
    return code


def name(code: str, lang: Literal["zh", "en"] = "zh") -> str:
    """Display name of a division; English falls back to the Chinese name where none is known."""
    check_code(code)
    if code == NATIONAL_CODE:
        return "China" if lang == "en" else "全国"
    zh, en = _names_by_code()[code]
    return en if lang == "en" and en else zh


def _names_by_code() -> dict[str, tuple[str, str]]:
    """code → (Chinese, English name) of :func:`lookup`'s rows, as plain strings: a report names
    thousands of units, and a row lookup costs about a millisecond. Built from the current
    :func:`_by_code` table (rebuilt when that cache is cleared, e.g. by a test's patched table)."""
    df = _by_code()
    ref, names = _NAMES_SLOT
    if ref is None or ref() is not df:
        zh = df["name_zh"].astype(str).tolist()
        en = df["name_en"].fillna("").astype(str).tolist()
        names = dict(zip(df.index.astype(str).tolist(), zip(zh, en, strict=True), strict=True))
        _NAMES_SLOT[:] = [weakref.ref(df), names]
    return names


_NAMES_SLOT: list = [None, {}]
"""A weak reference to the :func:`_by_code` table :func:`_names_by_code` was built from, and it."""


def find(name_query: str, level: Level | None = None) -> pd.DataFrame:
    """Divisions whose Chinese or English name equals ``name_query`` or starts with it
    (``"龙湾"`` finds 龙湾区). Exact matches come first."""
    df = regions()
    if level is not None:
        df = df[df["level"] == level]
    q = name_query.strip()
    exact = df[(df["name_zh"] == q) | (df["name_en"].str.lower() == q.lower())]
    prefix = df[
        df["name_zh"].str.startswith(q) | df["name_en"].str.lower().str.startswith(q.lower())
    ]
    return (
        pd.concat([exact, prefix]).drop_duplicates(["region_code", "level"]).reset_index(drop=True)
    )


def children(code: str, level: Level | None = None, current: bool = True) -> pd.DataFrame:
    """Divisions directly below ``code``: provinces of the nation, cities of a province, county-level
    units of a city. ``level="county"`` asks for all county-level units within ``code``.

    ``current`` (default): the units of today's vintage — an abolished code with a successor in
    the crosswalk (:func:`successors`; 330185 临安市 → 330112 临安区) is not a unit of its own, its
    successor is. Codes abolished by a split (no single successor, e.g. 330104 江干区) are not in
    the crosswalk and stay listed. ``current=False``: every code of the region table, abolished
    and successor alike (the opt-out, for data kept with their old codes)."""
    check_code(code)
    df = regions()
    row = lookup(code)
    parent_level = row["level"]
    if level is None:
        level = {"national": "province", "province": "city", "city": "county"}.get(parent_level)  # type: ignore[assignment]
        if level is None:
            return df.iloc[0:0]
    sel = df[df["level"] == level]
    if parent_level == "national":
        sel = sel[sel["province_code"].isin(MAINLAND_PROVINCES)]
    elif parent_level == "province":
        sel = sel[sel["province_code"] == code]
    elif parent_level == "city":
        sel = sel[sel["city_code"] == code]
    else:
        sel = sel[sel["region_code"] == code] if level == "county" else sel.iloc[0:0]
    if level == parent_level and level != "county":
        sel = sel[sel["region_code"] != code]
    if current and not (parent_level == "county" and level == "county"):
        old = successors()
        sel = sel[[c not in old for c in sel["region_code"].tolist()]]
    return sel.sort_values("region_code").reset_index(drop=True)


def within(region_codes: pd.Series, parent: str) -> pd.Series:
    """Boolean mask: which county-level ``region_codes`` lie within ``parent`` (any level)."""
    check_code(parent)
    if parent == NATIONAL_CODE:
        return pd.Series(True, index=region_codes.index)
    level = lookup(parent)["level"]
    rc = region_codes.astype("string")
    if level == "province":
        return rc.str.slice(0, 2) == parent[:2]
    if level == "city":
        return rc.map(_county_city()).eq(parent).fillna(False).astype(bool)
    return rc == parent


@cache
def _county_city() -> dict[str, str]:
    c = regions()[regions()["level"] == "county"]
    return dict(zip(c["region_code"], c["city_code"], strict=True))


def parent_code(region_code: str, level: Level | Literal["national"]) -> str:
    """The code of the division at ``level`` that contains ``region_code``."""
    check_code(region_code)
    if level == "national":
        return NATIONAL_CODE
    if level == "province":
        return region_code[:2] + "0000"
    if level == "city":
        city = _county_city().get(region_code)
        if city is None:
            row = lookup(region_code)
            city = row["city_code"] if row["level"] == "city" else None
        if city is None or pd.isna(city):
            raise ParameterError(f"{region_code!r} is not within a city-level division")
        return str(city)
    return region_code


def ancestors(code: str) -> list[str]:
    """``code`` and the divisions containing it, nearest first: the division itself, its city
    (where it has one), its province and the nation (``000000``), without duplicates.

    A county-level unit directly under its province (e.g. 济源市 419001) has no city; a city that
    is its own county-level unit (东莞市 441900) appears once."""
    check_code(code)
    if code == NATIONAL_CODE:
        return [code]
    out = [code]
    row = lookup(code)
    city = _county_city().get(code)
    if city is None and row["level"] == "city":
        city = code
    for up in (city, code[:2] + "0000", NATIONAL_CODE):
        if isinstance(up, str) and up not in out:
            out.append(up)
    return out


def add_parents(df: pd.DataFrame, code_column: str = "region_code") -> pd.DataFrame:
    """Return ``df`` with ``city_code`` and ``province_code`` derived from county-level codes.

    Unknown codes get NA (validation in ``io`` reports them before this is called)."""
    rc = df[code_column].astype("string")
    out = df.copy()
    out["city_code"] = rc.map(_county_city()).astype("string")
    out["province_code"] = (rc.str.slice(0, 2) + "0000").astype("string")
    return out


def rollup(
    counts: pd.DataFrame,
    level: Level | Literal["national"],
    code_column: str = "region_code",
    value_columns: tuple[str, ...] = ("batches", "passed"),
    by: list[str] | None = None,
) -> pd.DataFrame:
    """Sum county-level counts up to ``level`` (city, province or national).

    ``counts`` holds ``code_column`` (county-level codes), ``value_columns`` and optional extra
    grouping columns ``by`` (e.g. ``["year"]``). Returns ``region_code``, ``by`` and the sums."""
    by = list(by or [])
    rc = counts[code_column].astype("string")
    if level == "national":
        parent = pd.Series(NATIONAL_CODE, index=counts.index, dtype="string")
    elif level == "province":
        parent = rc.str.slice(0, 2) + "0000"
    elif level == "city":
        parent = rc.map(_county_city()).astype("string")
    else:
        parent = rc
    grouped = counts.assign(region_code=parent).groupby(
        ["region_code", *by], observed=True, sort=True
    )
    return grouped[list(value_columns)].sum().reset_index()
