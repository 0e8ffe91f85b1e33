"""open_source on the synthetic sample and on folders: counts agree with an independent count of
the records; shapes that do not belong together are one message."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from qualitykit.data import dataset
from qualitykit.data.shapes import ShapeError, detect_kind, shape_of
from qualitykit.data.source import open_source

GOOD = Path(__file__).parent / "fixtures" / "good_inputs"


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from qualitykit.data import sample

    path = tmp_path_factory.mktemp("tiny") / "s"
    sample.write_sample(path, sample.PRESETS["tiny"], compute_hash=False)
    return path


def test_counts_of_records_match_an_independent_count(tiny: Path):
    src = open_source(tiny)
    assert src.shape == "records"
    got = src.counts("330300", (2015, 2024), by=["check_level"])
    recs = dataset.open_records(tiny, region="330300", years=(2015, 2024))
    # independent: count rows and passes per (district, year, level) with plain Python
    expected: dict[tuple, list[int]] = {}
    for r in recs[["region_code", "year", "check_level", "passed"]].itertuples(index=False):
        e = expected.setdefault((r.region_code, int(r.year), str(r.check_level)), [0, 0])
        e[0] += 1
        e[1] += bool(r.passed)
    got_d = {
        (r.region_code, int(r.year), str(r.check_level)): [r.batches, r.passed]
        for r in got.itertuples(index=False)
    }
    assert got_d == expected
    assert (got["nonconforming"] == got["batches"] - got["passed"]).all()
    assert list(got.columns) == ["region_code", "year", "check_level", "batches", "passed",
                                 "nonconforming"]  # fmt: skip


def test_records_item_counts_and_parent_figure_on_the_sample(tiny: Path):
    src = open_source(tiny)
    nc = dataset.open_nonconformities(tiny, region="330303", cause_map=False)
    ic = src.item_counts("330303")
    assert int(ic["nc_count"].sum()) == len(nc)
    assert ic["nc_count"].is_monotonic_decreasing
    fig = src.parent_figure("330300", (2020, 2020))
    recs = dataset.open_records(tiny, region="330300", years=2020, columns=["passed"])
    assert (fig.batches, fig.passed) == (len(recs), int(recs["passed"].sum()))
    assert fig.label_zh == "本数据中温州市合计" and fig.kind == "data_total"
    assert src.supports("size_classes") and src.supports("pareto")


def test_a_folder_of_csv_files_and_mixed_shapes(tmp_path: Path):
    both = tmp_path / "both"
    both.mkdir()
    shutil.copy(GOOD / "records_utf8.csv", both / "records.csv")
    shutil.copy(GOOD / "nonconformities.csv", both / "nc.csv")
    src = open_source(both)
    assert src.shape == "records" and set(src.frames) == {"records", "nonconformities"}
    assert int(src.counts()["batches"].sum()) == 7  # the fixture's 7 batches
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    shutil.copy(GOOD / "records_utf8.csv", mixed / "records.csv")
    shutil.copy(GOOD / "counts.csv", mixed / "counts.csv")
    with pytest.raises(ShapeError, match="do not belong together"):
        open_source(mixed)
    with pytest.raises(ShapeError, match="need the records"):
        shape_of([("nc.csv", "nonconformities")])


def test_detect_kind_for_item_counts_and_rates():
    assert detect_kind(["item", "nc_count"]) == "item_counts"
    assert detect_kind(["item", "nonconforming"]) == "item_counts"
    assert detect_kind(["batch_id", "item"]) == "nonconformities"
    assert detect_kind(["region_name", "batches", "pass_rate"]) == "counts"
    assert detect_kind(["year", "batches", "passed"]) == "counts"
