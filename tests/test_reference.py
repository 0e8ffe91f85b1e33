"""Tests of qualitykit.data.reference: the loader of data/reference/*.csv.

The loader must keep every row and every empty cell (checked against an independent parse with
the ``csv`` module), type columns by name, and return the published annual national spot-check
figures. The expected national values below are the published numbers as printed by their
sources (URLs in data/reference/spot_check_national.csv):

* 2000 78.9 % (State Bureau of Quality and Technical Supervision via People's Daily, 2001-01-18);
* 2011 87.5 % (AQSIQ, 李元平 2012-02-28); 2012 89.8 % (China Daily 2013-01-23);
* 2013 88.9, 2014 92.3, 2016 91.6 % (AQSIQ five-year series 89.8, 88.9, 92.3, 91.1, 91.6 quoted
  2017-01-22); 2015 91.1 % (cbda.cn 2016-02-26); 2017 91.5 % (AQSIQ 2018, tex-asia.com);
* NC rates (不合格发现率): 2018 10.3 % (SAMR 公告2019年第19号), 2021 12.2 %, 2022 9.4 %,
  2023 12.3 %, 2024 14.3 % (SAMR annual 通报).
"""

from __future__ import annotations

import csv
import math

import pandas as pd
import pytest

from qualitykit.data import reference
from qualitykit.errors import InputError, ParameterError

PUBLISHED_PASS = {
    2000: 78.9,
    2011: 87.5,
    2012: 89.8,
    2013: 88.9,
    2014: 92.3,
    2015: 91.1,
    2016: 91.6,
    2017: 91.5,
}
PUBLISHED_NC = {2018: 10.3, 2021: 12.2, 2022: 9.4, 2023: 12.3, 2024: 14.3}
PUBLISHED_BATCHES = {
    2000: 9700,
    2011: 20965,
    2012: 20355,
    2015: 25345,
    2016: 23851,
    2017: 20192,
    2018: 28771,
    2021: 25636,
    2022: 19440,
    2023: 28265,
    2024: 25250,
}


def _raw(name: str) -> tuple[list[str], list[list[str]]]:
    path = reference.reference_dir() / f"{name}.csv"
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


NAMES = sorted(p.stem for p in reference.reference_dir().glob("*.csv"))


def test_list_reference_names_every_file_with_its_row_count() -> None:
    listing = reference.list_reference()
    assert listing["name"].tolist() == NAMES
    assert len(NAMES) == 14
    for name, rows in zip(listing["name"], listing["rows"], strict=True):
        assert rows == len(_raw(name)[1])
    assert listing["description"].notna().all()


@pytest.mark.parametrize("name", NAMES)
def test_loader_keeps_every_row_cell_and_empty(name: str) -> None:
    header, rows = _raw(name)
    df = reference.load_reference(name)
    assert list(df.columns) == header
    assert len(df) == len(rows)
    assert header[-2:] == ["source_url", "note"]
    for j, col in enumerate(header):
        raw = [r[j].strip() for r in rows]
        loaded = df[col]
        for i, text in enumerate(raw):
            if text == "":
                assert pd.isna(loaded.iat[i]), (name, col, i)
                continue
            value = loaded.iat[i]
            assert not pd.isna(value), (name, col, i, text)
            if col == "year" or col.endswith("_year") or col in reference.COUNT_COLUMNS:
                assert int(value) == int(text)
            elif str(loaded.dtype) == "float64":
                assert math.isclose(float(value), float(text))
            else:
                assert value == rows[i][j]  # text kept verbatim


def test_column_types_follow_the_naming_rule() -> None:
    df = reference.load_reference("spot_check_national.csv")
    assert str(df["year"].dtype) == "Int64"
    assert str(df["batches"].dtype) == "Int64"
    assert df["pass_rate_pct"].dtype == "float64"
    assert df["change_pp_reported"].dtype == "float64"
    assert isinstance(df["source_url"].dtype, pd.StringDtype)
    assert isinstance(df["product_types"].dtype, pd.StringDtype)  # "68类" stays text
    qci = reference.load_reference("qci_manufacturing_quality_competitiveness")
    assert qci["qci_value"].dtype == "float64"
    assert qci["year"].isna().any()  # the undated "84.78" statement keeps its empty year


def test_load_returns_a_fresh_copy() -> None:
    a = reference.load_reference("rpq_national")
    a.loc[0, "rpq_pct"] = -1.0
    assert reference.load_reference("rpq_national").loc[0, "rpq_pct"] == 93.71


def test_unknown_name_is_a_parameter_error() -> None:
    with pytest.raises(ParameterError, match="unknown reference file 'nope'"):
        reference.load_reference("nope")
    with pytest.raises(ParameterError):
        reference.load_reference("../regions/regions")


def test_text_in_a_numeric_column_reports_every_cell(tmp_path, monkeypatch) -> None:
    (tmp_path / "bad.csv").write_text(
        "year,batches,pass_rate_pct,source_url,note\n2019,12,90.5,u,\n20x9,1.5,ninety,u,\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(reference, "reference_dir", lambda: tmp_path)
    with pytest.raises(InputError) as info:
        reference.load_reference("bad")
    cols = sorted(p.column for p in info.value.problems)
    assert cols == ["batches", "pass_rate_pct", "year"]
    assert all(p.row == 3 for p in info.value.problems)


def test_national_series_has_the_published_values() -> None:
    s = reference.national_pass_rate_series()
    assert s["year"].tolist() == sorted(PUBLISHED_PASS | PUBLISHED_NC)
    by_year = s.set_index("year")
    for year, pct in PUBLISHED_PASS.items():
        assert by_year.at[year, "pass_rate_pct"] == pct
        assert pd.isna(by_year.at[year, "nc_rate_pct"])  # not published, not derived
    for year, pct in PUBLISHED_NC.items():
        assert by_year.at[year, "nc_rate_pct"] == pct
        assert pd.isna(by_year.at[year, "pass_rate_pct"])
    for year, n in PUBLISHED_BATCHES.items():
        assert by_year.at[year, "batches"] == n
    assert pd.isna(by_year.at[2013, "batches"])
    assert not s["derived"].any()
    assert s["source_url"].str.startswith("http").all()
    assert list(s.columns) == [
        "year",
        "pass_rate_pct",
        "nc_rate_pct",
        "batches",
        "source_url",
        "derived",
    ]


def test_national_series_leaves_out_sub_annual_and_all_level_rows() -> None:
    s = reference.national_pass_rate_series()
    assert 2007 not in set(s["year"])  # 2007 has only an H1 release (80.9 %)
    assert 2019 not in set(s["year"])  # 2019: one release of 60 products, not annual
    assert s.set_index("year").at[2024, "batches"] == 25250  # not the 1.07 M all-level total


def test_derive_fills_the_other_rate_and_flags_it() -> None:
    s = reference.national_pass_rate_series(derive=True).set_index("year")
    assert s.at[2018, "pass_rate_pct"] == pytest.approx(89.7, abs=1e-9)
    assert s.at[2024, "pass_rate_pct"] == pytest.approx(85.7, abs=1e-9)
    assert s.at[2017, "nc_rate_pct"] == pytest.approx(8.5, abs=1e-9)
    assert s.at[2017, "pass_rate_pct"] == 91.5  # the published value is untouched
    assert s["derived"].all()  # every annual row publishes exactly one of the two rates
