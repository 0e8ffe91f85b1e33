"""Regions: the GB/T 2260 table built from cpca, lookups and roll-ups."""

from __future__ import annotations

import pandas as pd
import pytest

from qualitykit.data import industries, regions
from qualitykit.errors import ParameterError


def test_counts_of_levels():
    df = regions.regions()
    assert (df["level"] == "province").sum() == 34
    assert len(regions.counties()) == 2855
    # all 31 mainland provinces have county-level divisions
    assert set(regions.counties()["province_code"]) == set(regions.MAINLAND_PROVINCES)
    assert regions.counties()["region_code"].is_unique


def test_codes_are_strings_of_six_digits():
    df = regions.regions()
    assert df["region_code"].dtype == "string"
    assert df["region_code"].str.fullmatch(r"\d{6}").all()


@pytest.mark.parametrize(
    ("code", "name", "city", "province"),
    [
        ("330303", "龙湾区", "330300", "330000"),  # the Longwan seed document
        ("110101", "东城区", "110000", "110000"),  # municipality: the city level is Beijing itself
        ("429004", "仙桃市", "429004", "420000"),  # directly under the province
        ("500101", "万州区", "500000", "500000"),
    ],
)
def test_lookup_and_parents(code, name, city, province):
    row = regions.lookup(code)
    assert row["name_zh"] == name
    assert regions.parent_code(code, "city") == city
    assert regions.parent_code(code, "province") == province


def test_seed_cities_and_children():
    assert regions.lookup("421200")["level"] == "city"
    kids = regions.children("421200")
    assert "421202" in set(kids["region_code"])  # 咸安区
    assert (kids["level"] == "county").all()
    assert (
        len(regions.children("431000")) == 11
    )  # 郴州: 2 districts, 7 counties, 2 county-level cities
    # a city without county-level divisions is its own county-level unit
    assert list(regions.children("441900")["region_code"]) == ["441900"]


def test_levels_of_a_code():
    assert regions.levels("330303") == ("county",)
    assert regions.levels("441900") == ("city", "county")  # 东莞: no county-level divisions
    assert regions.levels("330000") == ("province",)
    assert regions.levels("000000") == ("national",)


def test_find_by_name():
    assert regions.find("龙湾区")["region_code"].iloc[0] == "330303"
    assert "420000" in set(regions.find("Hubei")["region_code"])


@pytest.mark.parametrize(
    ("bad", "fragment"),
    [
        (330303, "leading zero"),
        ("33030", "6 digits"),
        ("33030x", "6 digits"),
        ("999999", "unknown"),
    ],
)
def test_bad_codes_are_explained(bad, fragment):
    with pytest.raises(ParameterError, match=fragment):
        regions.check_code(bad)


def test_rollup_sums_to_parents_and_nation():
    counts = pd.DataFrame(
        {
            "region_code": pd.array(["330303", "330304", "110101", "429004"], dtype="string"),
            "year": [2020, 2020, 2020, 2021],
            "batches": [3, 4, 5, 6],
            "passed": [2, 3, 5, 6],
        }
    )
    city = regions.rollup(counts, "city", by=["year"])
    assert city.set_index(["region_code", "year"]).loc[("330300", 2020), "batches"] == 7
    prov = regions.rollup(counts, "province")
    assert dict(zip(prov["region_code"], prov["batches"], strict=True)) == {
        "110000": 5,
        "330000": 7,
        "420000": 6,
    }
    nat = regions.rollup(counts, "national")
    assert nat["batches"].item() == 18 and nat["passed"].item() == 16


def test_within_mask():
    codes = pd.Series(["330303", "330304", "421202", "110101"], dtype="string")
    assert regions.within(codes, "330300").tolist() == [True, True, False, False]
    assert regions.within(codes, "420000").tolist() == [False, False, True, False]
    assert regions.within(codes, "000000").all()


def test_industries_29_rpq_divisions():
    df = industries.industries()
    assert len(df) == 29
    assert df["industry_code"].tolist()[0] == "13" and df["industry_code"].tolist()[-1] == "41"
    assert industries.industry_name("19") == "皮革、毛皮、羽毛及其制品和制鞋业"
    assert len(industries.industries(include_non_rpq=True)) == 31


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("330303", ["330303", "330300", "330000", "000000"]),  # 龙湾区 < 温州市 < 浙江省
        ("441900", ["441900", "440000", "000000"]),  # 东莞市: a city that is its own county unit
        ("419001", ["419001", "410000", "000000"]),  # 济源市: directly under 河南省
        ("330300", ["330300", "330000", "000000"]),
        ("330000", ["330000", "000000"]),
        ("000000", ["000000"]),
    ],
)
def test_ancestors_nearest_first(code, expected):
    assert regions.ancestors(code) == expected
