"""The district context read back per district (``report.district_context``): kept per process,
never stale after the folder is written again."""

from __future__ import annotations

import pandas as pd

from qualitykit.report import district_context as dc


def _context(rate: float) -> dc.Context:
    units = pd.DataFrame(
        {
            "context": ["k", "k", "k"],
            "region_code": pd.array(["330102", "330103", "110101"], dtype="string"),
            "province_code": pd.array(["330000", "330000", "110000"], dtype="string"),
            "pass_rate": [rate, 0.9, 0.8],
        }
    )
    grid = pd.DataFrame(
        {"context": ["k"], "province_code": pd.array(["330000"], dtype="string"), "n": [10]}
    )
    areas = pd.DataFrame(
        {"context": ["k"], "province_code": pd.array(["330000"], dtype="string"), "batches": [5]}
    )
    return dc.Context(units, grid, areas, None, {"k": {"data_source": ""}})


def test_a_context_is_read_once_and_again_when_written_again(tmp_path):
    folder = dc.write_context(_context(0.5), tmp_path / "ctx")
    first = dc.read_context(folder, "k", "330000")
    assert list(first.units["region_code"]) == ["330102", "330103"]
    assert first.units.index.tolist() == [0, 1]
    assert dc.read_context(folder, "k", "330000") is first  # kept
    other = dc.read_context(folder, "k", "110000")
    assert list(other.units["region_code"]) == ["110101"]
    dc.write_context(_context(0.25), folder)  # the folder replaced (e.g. a new run into it)
    again = dc.read_context(folder, "k", "330000")
    assert again is not first
    assert again.units["pass_rate"].iloc[0] == 0.25
