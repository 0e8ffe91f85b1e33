"""Resume and task keys (issue 9, items 5, 6 and the full-disk case of 8).

* ``--resume`` compares each task's inputs — notebook hash, data fingerprint, parameters — with
  the record of the run being continued: changed inputs are re-run, and every manifest row says
  why (``reused`` / ``re-run: data changed`` / …). Nothing stale is kept silently.
* Task keys are unique by construction: the parameter sets ``a b``, ``a_b``, ``a_b_1`` give three
  reports whose manifest rows, folders and index links agree; keys fit in 255-byte file names.
* A full disk (ENOSPC while writing the journal, simulated) ends the run with one line and its own
  exit code; the run then resumes.

The runs here need no kernel (``run_helpers.kernel_free``).
"""

from __future__ import annotations

import errno
import json
import re
import shutil
from pathlib import Path

import pytest

from qualitykit import run
from qualitykit.cli import main as cli_main
from qualitykit.errors import ParameterError
from qualitykit.report import vocabulary
from qualitykit.run.folder import inspect
from run_helpers import NB, kernel_free

SETS = [{"region_code": c} for c in ("330302", "330303", "330304")]


def _quiet(**kw):
    return run.RunOptions(progress=False, workers=1, **kw)


@pytest.fixture
def fake(monkeypatch):
    return kernel_free(monkeypatch)


def _reasons(result) -> dict[str, str]:
    return {t["key"]: t["reason"] for t in result.manifest["tasks"]}


# ----------------------------------------------------------------------------------------------
# resume compares inputs
# ----------------------------------------------------------------------------------------------


def test_resume_reuses_what_is_unchanged(tmp_path, fake):
    out = tmp_path / "r"
    first = run.run_batch(NB, SETS, out, _quiet())
    assert set(_reasons(first).values()) == {"new"}
    fake.executed.clear()
    again = run.run_batch(NB, SETS, out, _quiet(resume=True))
    assert fake.executed == []
    assert set(_reasons(again).values()) == {"reused"}
    assert again.manifest["run"]["skipped_complete"] == 3


def test_resume_after_the_data_changed_re_runs_everything(tmp_path, fake):
    data = tmp_path / "records.csv"
    data.write_text("year,batches\n2020,10\n", encoding="utf-8")
    out = tmp_path / "r"
    run.run_batch(NB, SETS, out, _quiet(data_paths=[str(data)]))
    old = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    data.write_text("year,batches\n2020,11\n", encoding="utf-8")
    fake.executed.clear()
    result = run.run_batch(NB, SETS, out, _quiet(data_paths=[str(data)], resume=True))
    assert sorted(fake.executed) == ["330302", "330303", "330304"]
    assert set(_reasons(result).values()) == {"re-run: data changed"}
    new_fp = result.manifest["run"]["data_fingerprint"]
    assert new_fp != old["run"]["data_fingerprint"]
    assert {t["inputs"]["data_fingerprint"] for t in result.manifest["tasks"]} == {new_fp}


def test_resume_after_the_notebook_changed_re_runs_everything(tmp_path, fake):
    nb = tmp_path / NB.name
    shutil.copy(NB, nb)
    out = tmp_path / "r"
    run.run_batch(nb, SETS, out, _quiet())
    doc = json.loads(nb.read_text(encoding="utf-8"))
    doc["cells"].append({"cell_type": "markdown", "metadata": {}, "source": ["edited"], "id": "x"})
    nb.write_text(json.dumps(doc), encoding="utf-8")
    fake.executed.clear()
    result = run.run_batch(nb, SETS, out, _quiet(resume=True))
    assert len(fake.executed) == 3
    assert set(_reasons(result).values()) == {"re-run: notebook changed"}
    assert result.manifest["run"]["notebook_sha256"] == run.file_sha256(nb)


def test_resume_re_runs_a_task_whose_parameters_changed(tmp_path, fake):
    out = tmp_path / "r"
    run.run_batch(NB, SETS, out, _quiet())
    changed = [SETS[0], {**SETS[1], "delay": 0.5}, SETS[2]]
    fake.executed.clear()
    result = run.run_batch(NB, changed, out, _quiet(resume=True))
    assert fake.executed == ["330303"]
    assert _reasons(result) == {
        "330302": "reused",
        "330303": "re-run: parameters changed",
        "330304": "reused",
    }
    row = result.manifest["tasks"][1]
    assert row["params"] == {"region_code": "330303", "delay": 0.5}
    assert row["inputs"]["parameters"] == row["params"]


def test_resume_re_runs_failed_and_missing_reports(tmp_path, fake):
    out = tmp_path / "r"
    sets = [SETS[0], {**SETS[1], "fault": "raise"}, SETS[2]]
    run.run_batch(NB, sets, out, _quiet())
    shutil.rmtree(out / NB.stem / "330304")
    fake.executed.clear()
    result = run.run_batch(NB, sets, out, _quiet(resume=True))
    assert sorted(fake.executed) == ["330303", "330304"]
    reasons = _reasons(result)
    assert reasons["330302"] == "reused"
    assert reasons["330303"] == "re-run: failed before"
    assert reasons["330304"] == "re-run: output missing"


def test_task_inputs_record_is_in_the_journal_too(tmp_path, fake):
    out = tmp_path / "r"
    run.run_batch(NB, SETS[:1], out, _quiet())
    rec = json.loads((out / "journal.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert set(rec["inputs"]) == {
        "notebook_sha256",
        "data_fingerprint",
        "parameters",
        "data_slice",  # the finer inputs of --update (tests/test_run_update.py)
        "packages",
        "code",
    }
    assert rec["inputs"]["notebook_sha256"] == run.file_sha256(NB)


# ----------------------------------------------------------------------------------------------
# task keys
# ----------------------------------------------------------------------------------------------


def test_colliding_keys_become_unique_by_construction():
    sets = [{"fault": "a b"}, {"fault": "a_b"}, {"fault": "a_b_1"}]
    keys = [t.key for t in run.tasks_from_sets(sets)]
    assert len(set(keys)) == 3
    again = [t.key for t in run.tasks_from_sets(list(reversed(sets)))]
    assert sorted(again) == sorted(keys)  # a key depends on its own set, not on the order
    assert keys[2] == "fault=a_b_1"  # a stem nobody else has stays as it is


def test_colliding_keys_give_one_report_each(tmp_path, fake):
    sets = [{"fault": "a b"}, {"fault": "a_b"}, {"fault": "a_b_1"}, {"fault": "none"}]
    out = tmp_path / "r"
    result = run.run_batch(NB, sets, out, _quiet())
    assert result.ok and result.manifest["counts"] == {"ok": 4}
    rows = result.manifest["tasks"]
    assert len({r["key"] for r in rows}) == 4
    assert [r["params"] for r in rows] == sets
    index = (out / "index.html").read_text(encoding="utf-8")
    for r in rows:
        folder = out / NB.stem / r["key"]
        nb = json.loads((folder / f"{r['key']}.ipynb").read_text(encoding="utf-8"))
        assert nb["metadata"]["papermill"]["parameters"]["fault"] == r["params"]["fault"]
        assert f'href="{r["outputs"]["html"]}"' in index
    assert len(list((out / NB.stem).iterdir())) == 4


def test_identical_parameter_sets_are_refused():
    with pytest.raises(ParameterError) as e:
        run.tasks_from_sets([{"region_code": "330302"}, {"region_code": "330302"}])
    assert "parameter sets 1 and 2 are the same" in str(e.value)


def test_keys_fit_in_a_file_name():
    long_cjk = "浙" * 200  # 600 bytes
    sets = [{"fault": long_cjk + "甲"}, {"fault": long_cjk + "乙"}, {"fault": "x" * 400}]
    keys = [t.key for t in run.tasks_from_sets(sets)]
    assert len(set(keys)) == 3
    for key in keys:
        assert len(key.encode("utf-8")) <= 120
        # with the longest suffix the runner adds (staging and temporary names)
        assert len(f".{key}.old-12345678.qk-tmp".encode()) <= 255
        assert len(f".{key}.ipynb.abcdefgh.qk-tmp".encode()) <= 255


def test_reserved_and_empty_names_are_not_used_as_folders():
    sets = [{"fault": "CON"}, {"fault": ".."}, {"fault": "nul.txt"}]
    keys = [t.key for t in run.tasks_from_sets(sets, key_param="fault")]
    assert keys == ["_CON", "task", "_nul.txt"]


# ----------------------------------------------------------------------------------------------
# a full disk
# ----------------------------------------------------------------------------------------------


def test_a_full_disk_ends_the_run_with_one_line_and_it_resumes(tmp_path, fake, monkeypatch, capsys):
    from qualitykit.run import manifest

    real_append = manifest.Journal.append
    calls = []

    def fill_up(self, record):
        calls.append(record["key"])
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, "No space left on device", str(self.path))
        return real_append(self, record)

    monkeypatch.setattr(manifest.Journal, "append", fill_up)
    out = tmp_path / "r"
    argv = ["run", str(NB), "--codes", "330302,330303,330304", "--out", str(out), "--no-progress"]
    code = cli_main(argv)
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert code == 5, err
    assert len(lines) == 1 and "internal error" not in err
    assert "no space left on device" in lines[0] and "journal.jsonl" in lines[0]
    assert "--resume" in lines[0]

    monkeypatch.setattr(manifest.Journal, "append", real_append)
    fake.executed.clear()
    code = cli_main([*argv, "--resume"])
    assert code == 0, capsys.readouterr().err
    reasons = _reasons_on_disk(out)
    assert reasons["330302"] == "reused"
    assert set(fake.executed) == {"330303", "330304"}


def _reasons_on_disk(out: Path) -> dict[str, str]:
    doc = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return {t["key"]: t["reason"] for t in doc["tasks"]}


def test_keys_are_safe_folder_names():
    keys = [t.key for t in run.tasks_from_sets([{"fault": "../../etc"}, {"fault": "a/b\\c:d"}])]
    for key in keys:
        assert re.fullmatch(r"[\w\-=.]+", key) and not key.startswith(".")


def test_resume_without_export_removes_the_run_workbook_it_would_leave_stale(tmp_path, fake):
    """``index.xlsx`` of an earlier ``--export xlsx`` run, resumed without it: the rows would be
    the old run's (330303 failed, now ok) — the runner removes it, since its manifest says it wrote
    it; a resume with ``--export xlsx`` writes it afresh."""
    out = tmp_path / "r"
    book = out / "index.xlsx"
    sets = [SETS[0], {**SETS[1], "fault": "raise"}]
    run.run_batch(NB, sets, out, _quiet(export=("xlsx",)))
    before = _workbook_statuses(book)
    assert before["330303"] != before["330302"]  # failed / ok
    fixed = [SETS[0], SETS[1]]
    result = run.run_batch(NB, fixed, out, _quiet(resume=True))
    assert _reasons(result)["330303"].startswith("re-run")
    assert not book.exists() and (out / "index.html").is_file()
    assert result.manifest["run"]["exports"] == [] and inspect(out).foreign == []
    run.run_batch(NB, fixed, out, _quiet(resume=True, export=("xlsx",)))
    after = _workbook_statuses(book)
    assert after["330303"] == after["330302"] == before["330302"]  # both ok now


def _workbook_statuses(book: Path) -> dict[str, str]:
    """key → the status column of the run workbook, read with openpyxl."""
    import openpyxl

    ws = openpyxl.load_workbook(book).active
    header = [c.value for c in ws[1]]
    col = header.index(vocabulary.term("status", "zh"))
    return {r[0]: r[col] for r in ws.iter_rows(min_row=2, values_only=True) if r[0]}


def test_resume_keeps_an_index_workbook_the_runner_did_not_write(tmp_path, fake):
    out = tmp_path / "r"
    run.run_batch(NB, SETS[:1], out, _quiet())  # no --export: the runner wrote no index.xlsx
    (out / "index.xlsx").write_bytes(b"not the runner's")
    run.run_batch(NB, SETS[:1], out, _quiet(resume=True))
    assert (out / "index.xlsx").read_bytes() == b"not the runner's"
