"""Units: names → codes, abolished codes → successors, non-standard units, totals.

Expected codes are GB/T 2260 codes read from ``data/regions/regions.csv`` (cpca) and the
crosswalk's cited sources (国函〔2016〕158号 for 宁波; MCA year-end code lists for 临安) — not
from the resolver."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from qualitykit.data import regions, units
from qualitykit.data import validate as val
from qualitykit.errors import ParameterError


@pytest.mark.parametrize(
    "name", ["巴州区", "巴中市巴州区", "四川省巴中市巴州区", "巴州", " 巴州区 "]
)
def test_names_in_every_form_resolve(name: str):
    assert units.Resolver().candidates(name) == ["511902"]


def test_two_xinhua_districts_are_ambiguous_until_the_parent_is_known(tmp_path: Path):
    # 新华区: 130105 (石家庄), 130902 (沧州), 410402 (平顶山)
    assert units.Resolver().candidates("新华区") == ["130105", "130902", "410402"]
    path = tmp_path / "c.csv"
    path.write_text("地区,年份,抽查批次,合格批次\n新华区,2023,10,9\n", encoding="utf-8")
    report = val.validate(path)
    (p,) = report.problems
    assert (p.row, p.column, p.value) == (2, "地区", "新华区")
    assert "ambiguous" in p.message and "130105" in p.message and "石家庄市" in p.message
    # with its siblings the parent is clear: 长安区 and 桥西区 are districts of 石家庄 only
    path.write_text(
        "地区,年份,抽查批次,合格批次\n新华区,2023,10,9\n长安区,2023,5,5\n裕华区,2023,4,4\n",
        encoding="utf-8",
    )
    report = val.validate(path)
    assert report.ok, report.to_text()
    assert report.frame["region_code"].tolist()[0] == "130105"


def test_name_and_code_are_cross_checked(tmp_path: Path):
    path = tmp_path / "c.csv"
    path.write_text("地区代码,地区,年份,抽查批次,合格批次\n330303,龙湾区,2023,10,9\n"
                    "330303,鹿城区,2023,4,4\n", encoding="utf-8")  # fmt: skip
    (p,) = val.validate(path).problems
    assert p.row == 3 and "鹿城区" in p.message and "330302" in p.message and "330303" in p.message


def test_abolished_codes_map_to_successors_with_the_year():
    cc = units.code_changes().set_index("old_code")
    assert tuple(cc.loc["330185", ["new_code", "year"]]) == ("330112", 2017)  # 临安市 → 临安区
    assert tuple(cc.loc["330204", ["new_code", "year"]]) == ("330212", 2016)  # 江东区 → 鄞州区
    assert cc["source"].str.len().min() > 20  # every row cites its source
    mapped, changes = units.map_codes(pd.Series(["330185", "330185", "330303", "330204"]))
    assert mapped.tolist() == ["330112", "330112", "330303", "330212"]
    assert changes.set_index("old_code")["rows"].to_dict() == {"330185": 2, "330204": 1}
    # the successor is a valid unit (cpca's table lacks it) but not a district of the sample
    assert regions.name("330112") == "临安区" and regions.lookup("330112")["city_code"] == "330100"
    assert "330112" not in set(regions.counties()["region_code"])
    assert len(regions.counties()) == 2855


def test_a_series_across_a_code_change_stays_continuous(tmp_path: Path):
    path = tmp_path / "c.csv"
    path.write_text("地区代码,年份,抽查批次,合格批次\n330185,2015,10,9\n330185,2016,12,11\n"
                    "330112,2018,9,9\n", encoding="utf-8")  # fmt: skip
    report = val.validate(path)
    assert report.frame["region_code"].unique().tolist() == ["330112"]
    assert any("330185 临安市 → 330112 临安区 (2017, 2 rows)" in n for n in report.notes)
    assert val.validate(path, map_codes=False).frame["region_code"].nunique() == 2


def test_declared_units_get_synthetic_codes_that_never_collide(tmp_path: Path):
    dec = units.declare_units([{"name": "巴中经开区", "parent": "巴中市"},
                               {"name": "恩阳工业园", "parent": "511900"}])  # fmt: skip
    assert dec["code"].tolist() == ["X511900-01", "X511900-02"]
    assert not dec["code"].str.fullmatch(r"\d{6}").any()
    with pytest.raises(ParameterError, match="parent"):
        units.declare_units([{"name": "某开发区", "parent": "新华区"}])  # ambiguous parent
    with pytest.raises(ParameterError, match="name' and 'parent'"):
        units.declare_units(pd.DataFrame({"unit": ["x"]}))


@pytest.mark.parametrize(
    ("label", "total"),
    [("合计", True), ("总计", True), ("小计", True), ("全市", True), ("全省", True), ("全国", True),
     ("巴中市合计", True), ("Total", True), ("巴州区", False), ("合格", False), ("全", False)],
)  # fmt: skip
def test_total_labels(label: str, total: bool):
    assert units.total_label(label) is total
