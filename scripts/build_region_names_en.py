"""Build data/regions/names_en.csv: an English name for every division of data/regions/regions.csv
(and for the successor codes of data/regions/code_changes.csv that it lacks).

Run once (the CSV is committed; the package does not need pypinyin):

    pip install pypinyin==0.55.0
    python scripts/build_region_names_en.py

Rules (the usual form of Chinese place names in English, as in GB/T 16159 pinyin orthography):
the specific part of the name in pinyin written as one word (syllables joined, an apostrophe
before a syllable starting with a, o or e: Xi'an, Lu'an), capitalised; the generic part
translated — 区 District, 县 County, 旗 Banner, 自治县 Autonomous County, 自治旗 Autonomous
Banner, 新区 New Area, 林区 Forestry District, 特区 Special District, 地区 Prefecture, 盟
League, 自治州 Autonomous Prefecture; a county-level 市 City; a province-level or prefecture-level
市 nothing (Wenzhou). The peoples named in autonomous units take their official English names
(GB/T 3304-1991): 畲族 She, 土家族 Tujia … (景宁畲族自治县 → Jingning She Autonomous County).

Pinyin comes from pypinyin's phrase dictionary (it reads most polyphonic place names right: 乐清
Yueqing, 六安 Lu'an, 蚌埠 Bengbu, 铅山 Yanshan); :data:`OVERRIDES` corrects the ones it gets
wrong. Official English names (provinces and the few cities of
:data:`qualitykit.data.regions.CITY_NAME_EN`) take precedence over this file in
:func:`qualitykit.data.regions.regions`.
"""

from __future__ import annotations

import csv
from pathlib import Path

from pypinyin import lazy_pinyin

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "data" / "regions" / "regions.csv"
CHANGES = ROOT / "data" / "regions" / "code_changes.csv"
TARGET = ROOT / "data" / "regions" / "names_en.csv"

PEOPLES: dict[str, str] = {
    "蒙古族": "Mongol",
    "回族": "Hui",
    "藏族": "Tibetan",
    "维吾尔族": "Uygur",
    "苗族": "Miao",
    "彝族": "Yi",
    "壮族": "Zhuang",
    "布依族": "Bouyei",
    "朝鲜族": "Korean",
    "满族": "Manchu",
    "侗族": "Dong",
    "瑶族": "Yao",
    "白族": "Bai",
    "土家族": "Tujia",
    "哈尼族": "Hani",
    "哈萨克族": "Kazak",
    "傣族": "Dai",
    "黎族": "Li",
    "傈僳族": "Lisu",
    "佤族": "Va",
    "畲族": "She",
    "拉祜族": "Lahu",
    "水族": "Shui",
    "东乡族": "Dongxiang",
    "纳西族": "Naxi",
    "景颇族": "Jingpo",
    "柯尔克孜族": "Kirgiz",
    "土族": "Tu",
    "达斡尔族": "Daur",
    "仫佬族": "Mulao",
    "羌族": "Qiang",
    "布朗族": "Blang",
    "撒拉族": "Salar",
    "毛南族": "Maonan",
    "仡佬族": "Gelao",
    "锡伯族": "Xibe",
    "阿昌族": "Achang",
    "普米族": "Pumi",
    "塔吉克族": "Tajik",
    "怒族": "Nu",
    "乌孜别克族": "Uzbek",
    "俄罗斯族": "Russian",
    "鄂温克族": "Ewenki",
    "德昂族": "De'ang",
    "保安族": "Bonan",
    "裕固族": "Yugur",
    "京族": "Gin",
    "塔塔尔族": "Tatar",
    "独龙族": "Derung",
    "鄂伦春族": "Oroqen",
    "赫哲族": "Hezhen",
    "门巴族": "Monba",
    "珞巴族": "Lhoba",
    "基诺族": "Jino",
    "各族": "",  # 各族自治县: "of the peoples", no name of its own
}
"""The 55 minority peoples in their official English names (GB/T 3304-1991)."""

OVERRIDES: dict[str, str] = {
    "单县": "Shan County",
    "蔚县": "Yu County",
    "长子县": "Zhangzi County",
    "矿区": "Mining District",
    "鄂伦春自治旗": "Oroqen Autonomous Banner",
    "鄂温克族自治旗": "Ewenki Autonomous Banner",
}
"""Names pypinyin's dictionary reads wrongly, or that are not "specific + generic"."""

_GENERIC: dict[str, tuple[tuple[str, str], ...]] = {
    "county": (
        ("自治县", "Autonomous County"),
        ("自治旗", "Autonomous Banner"),
        ("新区", "New Area"),
        ("林区", "Forestry District"),
        ("特区", "Special District"),
        ("区", "District"),
        ("县", "County"),
        ("旗", "Banner"),
        ("市", "City"),
    ),
    "city": (
        ("自治州", "Autonomous Prefecture"),
        ("地区", "Prefecture"),
        ("盟", "League"),
        ("市", ""),
    ),
    "province": (
        ("维吾尔自治区", "Uygur Autonomous Region"),
        ("回族自治区", "Hui Autonomous Region"),
        ("壮族自治区", "Zhuang Autonomous Region"),
        ("自治区", "Autonomous Region"),
        ("特别行政区", "Special Administrative Region"),
        ("省", ""),
        ("市", ""),
    ),
}


FIRST_SYLLABLE: dict[str, str] = {"长": "chang", "朝": "chao"}
"""Readings of a place name's first character that pypinyin's word default gets wrong (长治
Changzhi, 长白 Changbai, 朝阳 Chaoyang; exceptions such as 长子 Zhangzi are in OVERRIDES)."""


def pinyin_word(text: str) -> str:
    """``温州`` → ``Wenzhou``; ``西安`` → ``Xi'an``."""
    out = ""
    syllables = lazy_pinyin(text)
    if syllables and text[:1] in FIRST_SYLLABLE:
        syllables[0] = FIRST_SYLLABLE[text[:1]]
    for i, syllable in enumerate(syllables):
        if i and syllable[:1] in ("a", "o", "e"):
            out += "'"
        out += syllable
    return out[:1].upper() + out[1:]


def english_name(name_zh: str, level: str) -> str:
    """The English name of a division from its Chinese name and level (see the module docstring)."""
    if name_zh in OVERRIDES:
        return OVERRIDES[name_zh]
    stem, generic = name_zh, ""
    for zh, en in _GENERIC.get(level, ()):
        if name_zh.endswith(zh) and len(name_zh) > len(zh):
            stem, generic = name_zh[: -len(zh)], en
            break
    peoples: list[str] = []
    if "Autonomous" in generic:
        found = True
        while found:
            found = False
            for zh, en in sorted(PEOPLES.items(), key=lambda kv: -len(kv[0])):
                if stem.endswith(zh) and len(stem) > len(zh):
                    stem = stem[: -len(zh)]
                    if en:
                        peoples.insert(0, en)
                    found = True
                    break
    people = (
        " and ".join(peoples)
        if len(peoples) <= 2
        else ", ".join(peoples[:-1]) + " and " + peoples[-1]
    )
    parts = [pinyin_word(stem), people, generic]
    return " ".join(p for p in parts if p)


def main() -> None:
    with SOURCE.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    known = {r["region_code"] for r in rows}
    with CHANGES.open(encoding="utf-8", newline="") as f:  # successors cpca lacks (county level)
        for r in csv.DictReader(f):
            if r["new_code"] not in known:
                known.add(r["new_code"])
                rows.append(
                    {"region_code": r["new_code"], "name_zh": r["new_name"], "level": "county"}
                )
    with TARGET.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["region_code", "name_zh", "name_en"])
        for r in rows:
            w.writerow([r["region_code"], r["name_zh"], english_name(r["name_zh"], r["level"])])
    print(f"wrote {TARGET.relative_to(ROOT)} ({len(rows)} rows)")


if __name__ == "__main__":
    main()
