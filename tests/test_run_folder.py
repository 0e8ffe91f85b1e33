"""The run folder: recognisable, touched only when it is a run folder, one run at a time, and a
final manifest that tells the truth (issue 9, items 2–4 and 7).

* A run folder's ``manifest.json`` says so (``"qualitykit_run": 1`` and the notebook) from the
  moment the run starts.
* ``--overwrite``, ``--resume`` and ``qualitykit demo --out`` touch only run folders; a non-empty
  folder that is not one, a file, or a run folder holding files the runner did not create is
  refused with one line saying what is there and what to do — and left exactly as it was.
* Overwrite removes only what the runner created, never anything outside the run folder.
* An exclusive lock per run folder: a second process is told who holds it (exit code 2).
* A report the manifest calls ok is on disk; one that vanished is marked failed with the reason.
* Published files and folders get the modes ``open()``/``mkdir()`` give under the umask.

Most tests run without a kernel (``run_helpers.kernel_free``); the lock test runs two real
``qualitykit run`` processes.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from qualitykit import run
from qualitykit.cli import main as cli_main
from run_helpers import NB, kernel_free, tree

SETS = [{"region_code": "330302"}, {"region_code": "330303"}]


def _run(capsys, *argv):
    code = cli_main(["run", *map(str, argv)])
    out, err = capsys.readouterr()
    return code, out, err


def _one_line(err: str) -> str:
    assert "Traceback" not in err and "internal error" not in err, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def _quiet(**kw):
    return run.RunOptions(progress=False, workers=1, **kw)


@pytest.fixture
def fake(monkeypatch):
    return kernel_free(monkeypatch)


# ----------------------------------------------------------------------------------------------
# a run folder says so
# ----------------------------------------------------------------------------------------------


def test_a_run_folder_says_so_from_the_start(tmp_path, fake):
    seen = []

    def look(spec):
        seen.append(json.loads((tmp_path / "r" / "manifest.json").read_text(encoding="utf-8")))

    fake.during = look
    result = run.run_batch(NB, SETS, tmp_path / "r", _quiet())
    assert result.ok
    assert seen and seen[0]["qualitykit_run"] == 1
    assert seen[0]["notebook"] == str(NB.resolve())
    final = json.loads((tmp_path / "r" / "manifest.json").read_text(encoding="utf-8"))
    assert final["qualitykit_run"] == 1


# ----------------------------------------------------------------------------------------------
# folders that are not run folders are refused, whatever the flags
# ----------------------------------------------------------------------------------------------


def _not_runs(tmp_path: Path) -> dict[str, Path]:
    sample_copy = tmp_path / "generated"  # a copy of data/sample/generated: it has a manifest
    sample_copy.mkdir()
    (sample_copy / "manifest.json").write_text('{"generator_version": 3}', encoding="utf-8")
    (sample_copy / "records.parquet").write_bytes(b"PAR1" * 1000)
    thesis = tmp_path / "thesis"
    thesis.mkdir()
    (thesis / "thesis.tex").write_text("\\chapter{质量}", encoding="utf-8")
    (thesis / "manifest.json").write_text("{}", encoding="utf-8")
    (thesis / "journal.jsonl").write_text('{"key": "a"}\n', encoding="utf-8")
    (thesis / ".staging").mkdir()
    (thesis / ".staging" / "draft.qk-tmp").write_text("mine", encoding="utf-8")
    (thesis / "assets").mkdir()
    (thesis / "assets" / "report.css").write_text("body{}", encoding="utf-8")
    (thesis / "index.html").write_text("<p>my index</p>", encoding="utf-8")
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "notes.txt").write_text("notes", encoding="utf-8")
    return {"sample copy": sample_copy, "thesis": thesis, "plain": plain}


@pytest.mark.parametrize("flag", [None, "--overwrite", "--resume"])
def test_folders_that_are_not_runs_are_refused_and_untouched(tmp_path, capsys, fake, flag):
    for what, folder in _not_runs(tmp_path).items():
        before = tree(folder)
        argv = [NB, "--codes", "330302", "--out", folder, "--no-progress"]
        code, _, err = _run(capsys, *argv, *([flag] if flag else []))
        line = _one_line(err)
        assert code == 3, (what, err)
        assert "not a qualitykit run folder" in line and str(folder) in line
        assert "another --out" in line
        assert tree(folder) == before, what
    assert fake.executed == []


def test_demo_refuses_a_folder_that_is_not_a_run(tmp_path, capsys, fake):
    folder = _not_runs(tmp_path)["thesis"]
    before = tree(folder)
    code = cli_main(["demo", "--out", str(folder), "--no-open", "--province", "330300"])
    _, err = capsys.readouterr()
    assert code == 3
    assert "not a qualitykit run folder" in err.strip().splitlines()[-1]
    assert tree(folder) == before


def test_an_existing_empty_folder_is_fine(tmp_path, fake):
    (tmp_path / "empty").mkdir()
    assert run.run_batch(NB, SETS, tmp_path / "empty", _quiet()).ok


def test_out_that_is_a_file_is_refused_even_with_overwrite(tmp_path, capsys, fake):
    f = tmp_path / "report.html"
    f.write_text("mine", encoding="utf-8")
    code, _, err = _run(capsys, NB, "--codes", "330302", "--out", f, "--overwrite")
    assert code == 3 and "is a file" in _one_line(err)
    assert f.read_text(encoding="utf-8") == "mine"


# ----------------------------------------------------------------------------------------------
# a run folder with foreign files; what overwrite removes
# ----------------------------------------------------------------------------------------------


def test_a_run_folder_with_foreign_files_is_refused(tmp_path, capsys, fake):
    out = tmp_path / "r"
    assert run.run_batch(NB, SETS, out, _quiet()).ok
    (out / "my notes.txt").write_text("mine", encoding="utf-8")
    (out / NB.stem / "330399").mkdir()  # a report folder the run never made
    before = tree(out)
    for flag in ("--overwrite", "--resume"):
        code, _, err = _run(capsys, NB, "--codes", "330302,330303", "--out", out, flag)
        line = _one_line(err)
        assert code == 3
        assert "my notes.txt" in line and f"{NB.stem}/330399" in line
        assert "move them away" in line
        assert tree(out) == before


def test_a_symlink_in_a_run_folder_is_foreign_and_its_target_untouched(tmp_path, capsys, fake):
    out = tmp_path / "r"
    assert run.run_batch(NB, SETS, out, _quiet()).ok
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "precious.txt").write_text("keep", encoding="utf-8")
    shutil.rmtree(out / "assets")
    (out / "assets").symlink_to(outside, target_is_directory=True)
    code, _, err = _run(capsys, NB, "--codes", "330302", "--out", out, "--overwrite")
    assert code == 3 and "assets" in _one_line(err)
    assert (outside / "precious.txt").read_text(encoding="utf-8") == "keep"


def test_overwrite_removes_only_what_the_runner_created(tmp_path, fake):
    out = tmp_path / "r"
    assert run.run_batch(NB, SETS + [{"region_code": "330304"}], out, _quiet()).ok
    assert (out / NB.stem / "330304").is_dir()
    result = run.run_batch(NB, SETS, out, _quiet(overwrite=True))
    assert result.ok
    assert sorted(p.name for p in (out / NB.stem).iterdir()) == ["330302", "330303"]
    assert {p.name for p in out.iterdir()} <= {
        NB.stem,
        "manifest.json",
        "journal.jsonl",
        "index.html",
        "assets",
        ".staging",
        ".qualitykit.lock",
        ".qualitykit.lock.json",
    }
    journal = (out / "journal.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(journal) == 2  # the old journal went with the old run


def test_a_plain_run_into_an_existing_run_folder_is_refused(tmp_path, capsys, fake):
    out = tmp_path / "r"
    assert run.run_batch(NB, SETS, out, _quiet()).ok
    code, _, err = _run(capsys, NB, "--codes", "330302", "--out", out)
    assert code == 3
    assert "--resume" in _one_line(err) and "--overwrite" in err


# ----------------------------------------------------------------------------------------------
# the final manifest tells the truth
# ----------------------------------------------------------------------------------------------


def test_a_report_that_vanished_is_marked_failed(tmp_path, fake):
    out = tmp_path / "r"

    def remove_first(spec):
        if spec["key"] == "330303":
            shutil.rmtree(out / NB.stem / "330302")

    fake.during = remove_first
    result = run.run_batch(NB, SETS, out, _quiet())
    rows = {t["key"]: t for t in result.manifest["tasks"]}
    assert rows["330303"]["status"] == "ok"
    assert rows["330302"]["status"] == "failed"
    assert "missing on disk" in rows["330302"]["error"]
    assert f"{NB.stem}/330302/330302.ipynb" in rows["330302"]["error"]
    on_disk = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert on_disk["counts"] == {"ok": 1, "failed": 1}
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="fault_report/330302/330302.html"' not in index


# ----------------------------------------------------------------------------------------------
# one run per folder
# ----------------------------------------------------------------------------------------------


@pytest.mark.notebook
def test_a_second_process_is_told_the_folder_is_in_use(tmp_path):
    out = tmp_path / "busy"
    base = [sys.executable, "-m", "qualitykit.cli", "run", str(NB), "--no-progress"]
    base += ["--workers", "1", "--out", str(out)]
    first = subprocess.Popen(
        [*base, "--codes", "330302,330303", "-p", "delay", "4"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    holder = out / ".qualitykit.lock.json"
    deadline = time.time() + 120
    while not holder.exists() and time.time() < deadline:
        time.sleep(0.05)
    assert holder.exists(), "the first run did not take the lock"
    second = subprocess.run(
        [*base, "--codes", "330304", "--overwrite"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert second.returncode == 2, second.stderr
    line = _one_line(second.stderr)
    assert f"run folder {out} is in use by PID {first.pid} (started " in line
    assert first.poll() is None, "the first run had already finished: the test proves nothing"
    out_first, err_first = first.communicate(timeout=300)
    assert first.returncode == 0, err_first
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    for t in manifest["tasks"]:
        assert t["status"] == "ok"
        for rel in t["outputs"].values():
            assert (out / rel).exists(), rel
    assert not (out / NB.stem / "330304").exists()


def test_the_lock_is_free_again_after_a_run(tmp_path, fake):
    out = tmp_path / "r"
    assert run.run_batch(NB, SETS, out, _quiet()).ok
    assert run.run_batch(NB, SETS, out, _quiet(resume=True)).ok


# ----------------------------------------------------------------------------------------------
# file modes
# ----------------------------------------------------------------------------------------------


def _mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


@pytest.mark.skipif(os.name == "nt", reason="POSIX modes")
def test_published_files_get_ordinary_modes(tmp_path, fake):
    old = os.umask(0o022)
    try:
        out = tmp_path / "r"
        assert run.run_batch(NB, SETS, out, _quiet()).ok
    finally:
        os.umask(old)
    for rel in (
        "index.html",
        "manifest.json",
        "assets/report.css",
        f"{NB.stem}/330302/330302.html",
        f"{NB.stem}/330302/330302.ipynb",
    ):
        assert _mode(out / rel) == 0o644, rel
    for rel in ("assets", NB.stem, f"{NB.stem}/330302", f"{NB.stem}/330302/tables"):
        assert _mode(out / rel) == 0o755, rel


@pytest.mark.skipif(os.name == "nt", reason="POSIX modes")
@pytest.mark.parametrize(
    ("umask", "file_mode", "dir_mode"), [(0o022, 0o644, 0o755), (0o027, 0o640, 0o750)]
)
def test_atomic_writes_follow_the_umask(tmp_path, umask, file_mode, dir_mode):
    """In a child process started with the umask (it is read once, at import)."""
    code = textwrap.dedent(
        f"""\
        import os, tempfile, pathlib
        os.umask({umask})
        import pandas as pd
        from qualitykit import atomic
        d = pathlib.Path({str(tmp_path)!r})
        atomic.write_text(d / "page.html", "<p>x</p>")
        atomic.write_json(d / "manifest.json", {{}})
        atomic.write_csv(d / "table.csv", pd.DataFrame({{"a": [1]}}))
        atomic.write_bytes(d / "figure.png", b"png")
        staging = tempfile.mkdtemp(dir=d, suffix=atomic.TMP_SUFFIX)  # as shared/ contexts are made
        atomic.publish_dir(staging, d / "shared" / "district_context")
        """
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
    for name in ("page.html", "manifest.json", "table.csv", "figure.png"):
        assert _mode(tmp_path / name) == file_mode, name
    assert _mode(tmp_path / "shared" / "district_context") == dir_mode


def test_a_run_folder_of_an_earlier_version_is_recognised_and_checked(tmp_path, capsys, fake):
    """Runs written before the mark existed: their provenance block says what they are; all their
    reports are re-run on resume (no input record), and foreign files are refused as ever."""
    out = tmp_path / "old"
    assert run.run_batch(NB, SETS, out, _quiet()).ok
    doc = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    del doc["qualitykit_run"], doc["notebook"]
    for t in doc["tasks"]:
        del t["inputs"], t["reason"]
    (out / "manifest.json").write_text(json.dumps(doc), encoding="utf-8")
    (out / "journal.jsonl").unlink()
    fake.executed.clear()
    result = run.run_batch(NB, SETS, out, _quiet(resume=True))
    assert sorted(fake.executed) == ["330302", "330303"]
    assert {t["reason"] for t in result.manifest["tasks"]} == {"re-run: inputs not recorded"}

    (out / "manifest.json").write_text(json.dumps(doc), encoding="utf-8")
    (out / "thesis.tex").write_text("mine", encoding="utf-8")
    code, _, err = _run(capsys, NB, "--codes", "330302", "--out", out, "--overwrite")
    assert code == 3 and "thesis.tex" in _one_line(err)
