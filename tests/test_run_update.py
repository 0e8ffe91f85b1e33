"""Incremental runs: ``qualitykit run … --update`` (issue 14, item 2).

* Each report records its own inputs: the fingerprint of its data slice (its partition of a
  partitioned data folder), of the shared-context rows it reads (the notebook's
  ``qualitykit.inputs_from`` hook), the package versions and qualitykit's code, besides the
  notebook hash and parameters. ``--update`` rebuilds exactly the reports whose inputs changed and
  says why in the manifest; ``--resume`` keeps its coarser rule (any data change re-runs all).
* The real district brief: after a correction of one province's data, ``--update`` rebuilds that
  province's briefs only, and its outputs equal a full re-run byte for byte, except the recorded
  execution times of papermill's metadata and the index page's generation time
  (``run_helpers.comparable_outputs``).

The kernel-free runs use ``run_helpers.kernel_free``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from qualitykit import run
from qualitykit.run import manifest, runner
from run_helpers import NB, comparable_outputs, correct_province, kernel_free

SETS = [{"region_code": c} for c in ("330302", "330303", "110101")]


def _quiet(**kw):
    return run.RunOptions(progress=False, workers=1, **kw)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def data(tmp_path) -> Path:
    """A partitioned data folder: one file per province, a shared file, a manifest."""
    root = tmp_path / "data"
    _write(root / "records" / "province=330000" / "part-0.csv", "zj,1\n")
    _write(root / "records" / "province=110000" / "part-0.csv", "bj,1\n")
    _write(root / "enterprises.csv", "e,1\n")
    _write(root / "manifest.json", "{}")
    return root


def test_a_partition_fingerprint_covers_its_partition_and_the_shared_files(data):
    zj = manifest.data_fingerprint([data], "province=330000")
    bj = manifest.data_fingerprint([data], "province=110000")
    assert zj != bj
    _write(data / "records" / "province=110000" / "part-0.csv", "bj,2\n")
    assert manifest.data_fingerprint([data], "province=330000") == zj
    assert manifest.data_fingerprint([data], "province=110000") != bj
    _write(data / "manifest.json", '{"changed": 1}')  # its hashes cover every partition
    assert manifest.data_fingerprint([data], "province=330000") == zj
    _write(data / "enterprises.csv", "e,2\n")  # outside any partition: every report reads it
    assert manifest.data_fingerprint([data], "province=330000") != zj
    one = tmp = data.parent / "one.csv"
    _write(tmp, "a\n")
    assert manifest.data_fingerprint([one], "province=330000") == manifest.data_fingerprint([one])


@pytest.fixture
def hooked(monkeypatch, data):
    """The fixture notebook with an inputs hook: partition by province, context per province."""
    contexts = {"330000": "c-zj", "110000": "c-bj"}

    def hook(*, parameter_sets, shared, **_):
        out = []
        for p in parameter_sets:
            prov = p["region_code"][:2] + "0000"
            out.append({"partition": f"province={prov}", "context": contexts[prov]})
        return out

    monkeypatch.setattr(runner, "_inputs_hook", lambda nb: hook)
    return contexts


def _reasons(result) -> dict[str, str]:
    return {t["key"]: t["reason"] for t in result.manifest["tasks"]}


def test_update_rebuilds_the_reports_of_the_changed_province_only(
    tmp_path, monkeypatch, data, hooked
):
    fake = kernel_free(monkeypatch)
    out = tmp_path / "r"
    opts = {"data_paths": [str(data)]}
    run.run_batch(NB, SETS, out, _quiet(**opts))
    _write(data / "records" / "province=110000" / "part-0.csv", "bj,2\n")
    fake.executed.clear()
    result = run.run_batch(NB, SETS, out, _quiet(update=True, **opts))
    assert fake.executed == ["110101"]
    assert _reasons(result) == {
        "330302": "reused",
        "330303": "reused",
        "110101": "re-run: its data changed",
    }
    info = result.manifest["run"]
    assert info["mode"] == "update"
    assert info["reasons"] == {"reused": 2, "re-run: its data changed": 1}
    # the kept reports now stand for the new data: a later --resume keeps them too
    fake.executed.clear()
    again = run.run_batch(NB, SETS, out, _quiet(resume=True, **opts))
    assert fake.executed == []
    assert set(_reasons(again).values()) == {"reused"}


def test_resume_still_re_runs_everything_after_a_data_change(tmp_path, monkeypatch, data, hooked):
    fake = kernel_free(monkeypatch)
    out = tmp_path / "r"
    run.run_batch(NB, SETS, out, _quiet(data_paths=[str(data)]))
    _write(data / "records" / "province=110000" / "part-0.csv", "bj,2\n")
    _write(data / "manifest.json", '{"content_hash": "new"}')  # as a regenerated sample's
    fake.executed.clear()
    run.run_batch(NB, SETS, out, _quiet(resume=True, data_paths=[str(data)]))
    assert sorted(fake.executed) == ["110101", "330302", "330303"]


def test_update_rebuilds_for_a_changed_context_packages_or_code(
    tmp_path, monkeypatch, data, hooked
):
    fake = kernel_free(monkeypatch)
    out = tmp_path / "r"
    opts = {"data_paths": [str(data)]}
    run.run_batch(NB, SETS, out, _quiet(**opts))
    hooked["330000"] = "c-zj-2"  # e.g. a sibling's counts changed: the funnel changes
    fake.executed.clear()
    result = run.run_batch(NB, SETS, out, _quiet(update=True, **opts))
    assert sorted(fake.executed) == ["330302", "330303"]
    assert _reasons(result)["330302"] == "re-run: its shared context changed"
    versions = {**manifest.package_versions(), "matplotlib": "0.0"}
    monkeypatch.setattr(runner, "package_versions", lambda: versions)
    monkeypatch.setattr(runner, "code_fingerprint", lambda: "edited")
    fake.executed.clear()
    result = run.run_batch(NB, SETS, out, _quiet(update=True, **opts))
    assert len(fake.executed) == 3
    assert set(_reasons(result).values()) == {
        "re-run: package versions changed, qualitykit's code changed"
    }


def test_update_of_a_missing_folder_is_a_full_run_and_new_sets_are_added(tmp_path, monkeypatch):
    fake = kernel_free(monkeypatch)
    out = tmp_path / "r"
    first = run.run_batch(NB, SETS[:2], out, _quiet(update=True))
    assert set(_reasons(first).values()) == {"new"}
    fake.executed.clear()
    result = run.run_batch(NB, SETS, out, _quiet(update=True))
    assert fake.executed == ["110101"]
    assert _reasons(result)["110101"] == "new"


def test_the_code_fingerprint_follows_the_package_files():
    fp = manifest.code_fingerprint()
    assert len(fp) == 16 and fp == manifest.code_fingerprint()


# ----------------------------------------------------------------------------------------------
# the real district brief
# ----------------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.notebook
def test_update_of_the_district_briefs_equals_a_full_re_run(tmp_path):
    from qualitykit.report import sources

    data = tmp_path / "data"
    shutil.copytree(sources.resolve_source("sample:tiny"), data)
    nb = Path(__file__).resolve().parents[1] / "notebooks" / "05_district_report.ipynb"
    codes = ["330302", "330303", "110101", "110102"]
    sets = [{"region_code": c, "data_source": str(data)} for c in codes]
    out = tmp_path / "run"
    opts = {"workers": 2, "progress": False}
    run.run_batch(nb, sets, out, run.RunOptions(**opts))
    correct_province(data, "110000")
    updated = run.run_batch(nb, sets, out, run.RunOptions(update=True, **opts))
    assert _reasons(updated) == {
        "330302": "reused",
        "330303": "reused",
        "110101": "re-run: its data changed, its shared context changed",
        "110102": "re-run: its data changed, its shared context changed",
    }
    assert updated.ok
    after_update = comparable_outputs(out)
    full = run.run_batch(nb, sets, out, run.RunOptions(overwrite=True, **opts))
    assert full.ok
    after_full = comparable_outputs(out)
    assert sorted(after_update) == sorted(after_full)
    differ = [rel for rel in after_full if after_update[rel] != after_full[rel]]
    assert differ == []


@pytest.mark.slow
def test_the_prepare_hook_rebuilds_only_the_parts_of_changed_provinces(tmp_path, monkeypatch):
    """The district prepare hook keeps each province's part of the context in the run folder:
    a second run reuses every part, a run after one province's correction rebuilds that
    province's part (and those that read the nation's data: Longwan's targets compare with it),
    and the context written is the same bytes as one built from scratch."""
    from qualitykit.report import district, district_parts, sources

    data = tmp_path / "data"
    shutil.copytree(sources.resolve_source("sample:tiny"), data)
    sets = [{"region_code": c, "data_source": str(data)} for c in ("330302", "330303", "110101")]
    built: list[str] = []
    part = district_parts.province_part

    def recorded(prov, *args, **kwargs):
        built.append(prov)
        return part(prov, *args, **kwargs)

    monkeypatch.setattr(district_parts, "province_part", recorded)

    def prepare(run_dir: Path, cached: bool = True) -> dict[str, bytes]:
        built.clear()
        extra = {"data_fingerprint": manifest.data_fingerprint, "versions": {"code": "x"}}
        shared = district.prepare(run_dir=run_dir, parameter_sets=sets, **(extra if cached else {}))
        folder = Path(shared["context_path"])
        return {f.name: f.read_bytes() for f in sorted(folder.iterdir())}

    first = prepare(tmp_path / "run")
    assert sorted(built) == ["110000", "330000"]
    assert prepare(tmp_path / "run") == first
    assert built == []  # every part reused
    correct_province(data, "110000")
    updated = prepare(tmp_path / "run")
    assert "110000" in built
    assert set(built) <= {"110000", "330000"}
    assert updated == prepare(tmp_path / "fresh", cached=False)
    assert updated["units.parquet"] != first["units.parquet"]  # the correction shows
