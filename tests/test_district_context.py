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


def test_briefs_from_one_kept_context_equal_briefs_from_a_fresh_one(tmp_path):
    """Districts of one province in both languages, read from one prepared folder (the context
    and what the briefs derive from it per province are kept), give the briefs of an
    interactive run, which builds its own context each time."""
    from qualitykit.report import district
    from qualitykit.report import framework as report

    def start(code, lang):
        return report.start("05_district_report", region_code=code, levels=("county",),
                            years=(2015, 2024), data_source="sample:tiny", lang=lang,
                            output_dir=str(tmp_path / code), record_columns=district.RECORD_COLUMNS,
                            show_scope=False)  # fmt: skip

    codes = ["330302", "330303", "330304"]
    sets = [{"region_code": c, "data_source": "sample:tiny"} for c in codes]
    folder = district.prepare(run_dir=tmp_path, parameter_sets=sets)["context_path"]
    for lang in ("zh", "en", "zh"):
        for code in codes:
            kept = district.analyse(start(code, lang), context_path=folder)
            fresh = district.analyse(start(code, lang))
            assert kept.summary == fresh.summary
            assert kept.parent == fresh.parent and kept.funnel_label == fresh.funnel_label
            for name in ("areas", "position", "targets", "siblings"):
                a, b = getattr(kept, name), getattr(fresh, name)
                if a is None or b is None:
                    assert a is None and b is None, name
                    continue
                cols = [c for c in a.columns if c != "context"]
                pd.testing.assert_frame_equal(  # (text read from Parquet is StringDtype with NA)
                    a[cols].reset_index(drop=True),
                    b[cols].reset_index(drop=True),
                    obj=name,
                    check_dtype=False,
                )
