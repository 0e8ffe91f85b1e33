"""Batch runs: parameter checks before anything runs, fault isolation, atomic outputs, resume after
SIGKILL, no state leaking between districts, and the same runner on Dask.

The notebook under test is ``tests/fixtures/notebooks/fault_report.ipynb``: it raises, hangs or
kills its own kernel on request (parameter ``fault``) and records whether it saw a variable left by
an earlier notebook in the same kernel (``leaked`` in its summary must always be null).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from qualitykit import run as batch
from qualitykit.cli import main as cli_main
from qualitykit.errors import ParameterError
from qualitykit.run.folder import RunFolderError
from qualitykit.run.params import coerce_text, notebook_parameters

NB = Path(__file__).parent / "fixtures" / "notebooks" / "fault_report.ipynb"
CODES = ["330302", "330303", "330304", "330305", "330324", "330326", "330327", "330328"]

pytestmark = pytest.mark.notebook


# ----------------------------------------------------------------------------------------------
# parameter checks (no kernel)
# ----------------------------------------------------------------------------------------------


def test_parameters_cell_is_parsed_with_types_and_help():
    specs = notebook_parameters(NB)
    assert specs["region_code"].type == "str"
    assert specs["region_code"].default == "330303"
    assert "GB/T 2260" in specs["region_code"].help
    assert specs["delay"].base_type == "float"


def test_text_from_the_command_line_keeps_leading_zeros_for_str_parameters():
    specs = notebook_parameters(NB)
    assert coerce_text(specs["region_code"], "010100") == "010100"
    assert coerce_text(specs["delay"], "1.5") == 1.5
    with pytest.raises(ParameterError, match="cannot read 'soon' as float"):
        coerce_text(specs["delay"], "soon")


@pytest.mark.parametrize(
    ("pset", "fragment"),
    [
        ({"region_code": 330303}, "must be str, got int 330303"),
        ({"region_code": 10100}, "leading zeros"),
        ({"region_code": "999999"}, "'999999': not a GB/T 2260 division"),
        ({"region_code": "33030"}, "6 digits"),
        ({"regoin_code": "330303"}, "unknown parameter 'regoin_code'"),
        ({"delay": "1"}, "parameter 'delay' must be float"),
    ],
)
def test_bad_parameter_sets_are_refused_before_anything_runs(tmp_path, pset, fragment):
    with pytest.raises(ParameterError, match=fragment) as info:
        batch.run_batch(NB, [{"region_code": "330303"}, pset], tmp_path / "run")
    assert "nothing was run" in str(info.value)
    assert "parameter set 2" in str(info.value)
    assert not (tmp_path / "run").exists()


def test_every_problem_is_listed_not_only_the_first(tmp_path):
    with pytest.raises(ParameterError) as info:
        batch.run_batch(NB, [{"region_code": 1}, {"region_code": "x"}, {"nope": 1}], tmp_path / "r")
    assert str(info.value).startswith("3 parameter problems")


def test_csv_parameter_file_keeps_codes_as_strings(tmp_path):
    f = tmp_path / "sets.csv"
    f.write_text("region_code,delay\n330303,0.5\n110101,0\n", encoding="utf-8")
    sets = batch.expand_parameter_sets(NB, params_file=f)
    assert sets == [
        {"region_code": "330303", "delay": 0.5},
        {"region_code": "110101", "delay": 0.0},
    ]
    bad = tmp_path / "bad.csv"
    bad.write_text("region_code,colour\n330303,red\n", encoding="utf-8")
    with pytest.raises(ParameterError, match="column 'colour': unknown parameter"):
        batch.expand_parameter_sets(NB, params_file=bad)


def test_each_district_within_a_city_and_grid():
    sets = batch.expand_parameter_sets(
        NB, each="district", within="421200", grid={"delay": [0.0, 1.0]}
    )
    assert len(sets) == 6 * 2  # 咸宁市: 6 county-level divisions
    assert all(isinstance(s["region_code"], str) for s in sets)
    keys = [t.key for t in batch.tasks_from_sets(sets)]
    assert len(set(keys)) == len(keys)


def test_cli_refuses_an_integer_region_code_like_papermill_would_pass(capsys):
    # `papermill -p region_code 010100` would inject the int 10100; our CLI reads the declared type
    rc = cli_main(["run", str(NB), "-p", "region_code", "010100", "--dry-run"])
    err = capsys.readouterr().err
    assert rc == 1
    assert "'010100': not a GB/T 2260 division" in err


# ----------------------------------------------------------------------------------------------
# execution
# ----------------------------------------------------------------------------------------------


def _normalised_notebook(path: Path, run_dir: Path | None = None) -> list:
    """Cell sources and outputs without volatile metadata (timings, ids) or the run folder."""
    text = path.read_text(encoding="utf-8")
    if run_dir is not None:
        text = text.replace(str(run_dir.resolve()), "<run>")
    text = re.sub(r"ipykernel_\d+", "ipykernel_<pid>", text)  # a kernel's temp folder names its pid
    nb = nbformat.reads(text, as_version=4)
    cells = []
    for c in nb.cells:
        outputs = []
        for o in c.get("outputs", []):
            o = dict(o)
            o.pop("metadata", None)
            outputs.append(json.dumps(o, sort_keys=True))
        cells.append((c.cell_type, c.source, c.get("execution_count"), outputs))
    return cells


def _published_files(run_dir: Path) -> dict[str, bytes]:
    """Every file of the published reports (not journal/manifest), by relative path."""
    out = {}
    for p in sorted((run_dir / NB.stem).rglob("*")):
        if p.is_file():
            out[str(p.relative_to(run_dir))] = p.read_bytes()
    return out


def _assert_nothing_partial(run_dir: Path) -> None:
    assert not list(run_dir.rglob("*.qk-tmp")), "temporary files left behind"
    staging = run_dir / ".staging"
    assert not staging.exists() or not any(staging.iterdir())
    for d in (run_dir / NB.stem).iterdir():
        names = {p.name for p in d.iterdir()}
        assert {f"{d.name}.ipynb", f"{d.name}.html"} <= names, f"incomplete report folder {d}"
        nbformat.read(str(d / f"{d.name}.ipynb"), as_version=4)  # parses: not half-written


@pytest.fixture(scope="module")
def fault_run(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("faults") / "run"
    sets = [
        {"region_code": "330302"},
        {"region_code": "330303", "fault": "raise"},
        {"region_code": "330304", "fault": "hang"},
        {"region_code": "330305", "fault": "die"},
        {"region_code": "330324"},
        {"region_code": "330326"},
    ]
    opts = batch.RunOptions(workers=2, timeout=15, progress=False)
    return batch.run_batch(NB, sets, run_dir, opts)


def test_failures_are_isolated_and_summarised(fault_run):
    result = fault_run
    status = {t["key"]: t["status"] for t in result.manifest["tasks"]}
    assert status == {
        "330302": "ok",
        "330303": "failed",
        "330304": "timeout",
        "330305": "dead_kernel",
        "330324": "ok",
        "330326": "ok",
    }
    errors = {t["key"]: t["error"] for t in result.manifest["tasks"]}
    assert "ValueError: injected failure in 330303" in errors["330303"]
    assert "timed out after 15 s" in errors["330304"]
    assert "died" in errors["330305"]
    assert result.manifest["counts"] == {"ok": 3, "failed": 1, "timeout": 1, "dead_kernel": 1}
    assert not result.ok and len(result.failed) == 3  # (the hang ended by its timeout, not waited)


def test_no_state_leaks_between_notebooks_in_a_warm_kernel(fault_run):
    result = fault_run
    for t in result.manifest["tasks"]:
        if t["status"] == "ok":
            assert t["summary"]["leaked"] is None
            assert t["summary"]["name"] == t["key"]


def test_outputs_of_good_and_failed_reports(fault_run):
    result = fault_run
    run_dir = result.run_dir
    _assert_nothing_partial(run_dir)
    ok_nb = nbformat.read(str(run_dir / NB.stem / "330302" / "330302.ipynb"), as_version=4)
    assert ok_nb.metadata["papermill"]["parameters"]["region_code"] == "330302"
    assert any(
        o.get("output_type") == "display_data" for c in ok_nb.cells for o in c.get("outputs", [])
    )
    failed_html = (run_dir / NB.stem / "330303" / "330303.html").read_text(encoding="utf-8")
    assert "injected failure in 330303" in failed_html
    page = (run_dir / NB.stem / "330302" / "330302.html").read_text(encoding="utf-8")
    assert "time.sleep(delay)" not in page  # no code cells in the review pages
    assert "<img" in page
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["run"]["notebook_sha256"] == batch.file_sha256(NB)
    assert manifest["run"]["packages"]["papermill"]
    assert {t["key"] for t in manifest["tasks"]} == {t["key"] for t in result.manifest["tasks"]}
    index = (run_dir / "index.html").read_text(encoding="utf-8")
    for key in ("330302", "330303", "330304", "330305"):
        assert key in index
    assert "injected failure in 330303" in index


@pytest.mark.skipif(os.name == "nt", reason="POSIX modes")
def test_published_files_of_a_real_run_get_ordinary_modes(fault_run):
    """Pages, index, stylesheet, manifest and report folders: what open()/mkdir() give under the
    umask (0644/0755 under 022), not the private modes of temporary files (0600/0700)."""
    import stat

    from qualitykit.atomic import DIR_MODE, FILE_MODE

    result = fault_run
    run_dir = result.run_dir
    for rel in (
        "index.html",
        "manifest.json",
        "assets/report.css",
        f"{NB.stem}/330302/330302.html",
        f"{NB.stem}/330302/330302.ipynb",
    ):
        assert stat.S_IMODE((run_dir / rel).stat().st_mode) == FILE_MODE, rel
    for rel in ("assets", NB.stem, f"{NB.stem}/330302", f"{NB.stem}/330303"):
        assert stat.S_IMODE((run_dir / rel).stat().st_mode) == DIR_MODE, rel


def test_a_timeout_ends_the_whole_process_tree_of_the_notebook(tmp_path):
    """A process the notebook started in a session of its own dies with the timed-out kernel."""
    import psutil

    nb = NB.parent / "spawn_child.ipynb"
    pid_file = tmp_path / "child.pid"
    result = batch.run_batch(
        nb,
        [{"pid_file": str(pid_file)}],
        tmp_path / "run",
        batch.RunOptions(workers=1, timeout=8, progress=False),
    )
    assert [t["status"] for t in result.manifest["tasks"]] == ["timeout"]
    pid = int(pid_file.read_text(encoding="utf-8"))
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                break  # ended; waiting for a parent to collect its exit status
        except psutil.NoSuchProcess:
            break
        time.sleep(0.2)
    else:
        psutil.Process(pid).kill()
        pytest.fail(f"process {pid} started by the notebook survived its timeout")


def test_cli_exit_code_is_non_zero_when_any_report_failed(tmp_path, capsys):
    rc = cli_main(
        [
            "run",
            str(NB),
            "--codes",
            "330302,330303",
            "-p",
            "fault",
            "none",
            "--out",
            str(tmp_path / "ok"),
            "--no-progress",
            "--workers",
            "1",
        ]
    )
    assert rc == 0
    rc = cli_main(
        [
            "run",
            str(NB),
            "--params",
            str(_write_sets(tmp_path)),
            "--out",
            str(tmp_path / "bad"),
            "--no-progress",
            "--workers",
            "1",
        ]
    )
    captured = capsys.readouterr()
    assert rc == 1
    assert "330303: failed: ValueError: injected failure" in captured.err


def _write_sets(tmp_path: Path) -> Path:
    f = tmp_path / "sets.yaml"
    f.write_text(
        "- {region_code: '330302'}\n- {region_code: '330303', fault: raise}\n", encoding="utf-8"
    )
    return f


def test_existing_run_folder_needs_resume_or_overwrite(fault_run):
    result = fault_run
    with pytest.raises(RunFolderError, match="already holds a run"):
        batch.run_batch(NB, [{"region_code": "330302"}], result.run_dir)


def test_a_later_run_without_the_index_removes_the_stale_one(tmp_path):
    """An index page or workbook an earlier run wrote into the folder would describe that run: a
    resumed run without HTML (or without the workbook) removes it; one with them rewrites it.
    (One the runner did not write stays: test_run_resume.py.)"""
    run_dir = tmp_path / "run"
    first = batch.RunOptions(workers=1, timeout=60, progress=False, export=("xlsx",))
    assert batch.run_batch(NB, [{"region_code": "330302"}], run_dir, first).ok
    assert (run_dir / "index.html").is_file() and (run_dir / "index.xlsx").is_file()
    sets = [{"region_code": "330302"}, {"region_code": "330303"}]
    later = batch.RunOptions(workers=1, timeout=60, progress=False, html=False, resume=True)
    result = batch.run_batch(NB, sets, run_dir, later)
    assert result.ok and len(result.manifest["tasks"]) == 2
    assert not (run_dir / "index.html").exists() and not (run_dir / "index.xlsx").exists()
    again = batch.RunOptions(workers=1, timeout=60, progress=False, resume=True)
    batch.run_batch(NB, sets, run_dir, again)
    assert "330303" in (run_dir / "index.html").read_text(encoding="utf-8")
    # a page the runner did not write (its run had no HTML) is left alone
    bare = tmp_path / "bare"
    no_html = batch.RunOptions(workers=1, timeout=60, progress=False, html=False)
    batch.run_batch(NB, sets[:1], bare, no_html)
    (bare / "index.html").write_text("mine", encoding="utf-8")
    resumed = batch.RunOptions(workers=1, timeout=60, progress=False, html=False, resume=True)
    batch.run_batch(NB, sets, bare, resumed)
    assert (bare / "index.html").read_text(encoding="utf-8") == "mine"


def test_same_districts_in_two_orders_give_identical_outputs(tmp_path):
    codes = CODES[:5]
    opts = batch.RunOptions(workers=1, timeout=60, progress=False)
    a = batch.run_batch(NB, [{"region_code": c} for c in codes], tmp_path / "a", opts)
    b = batch.run_batch(NB, [{"region_code": c} for c in reversed(codes)], tmp_path / "b", opts)
    assert a.ok and b.ok
    for c in codes:
        na = _normalised_notebook(tmp_path / "a" / NB.stem / c / f"{c}.ipynb", tmp_path / "a")
        nb_ = _normalised_notebook(tmp_path / "b" / NB.stem / c / f"{c}.ipynb", tmp_path / "b")
        assert na == nb_
        ta = (tmp_path / "a" / NB.stem / c / "tables" / "summary.json").read_bytes()
        assert ta == (tmp_path / "b" / NB.stem / c / "tables" / "summary.json").read_bytes()


@pytest.mark.slow
def test_sigkill_midway_then_resume_equals_a_clean_run(tmp_path):
    sets = [{"region_code": c, "delay": 1.0} for c in CODES]
    cmd = [
        sys.executable,
        "-m",
        "qualitykit.cli",
        "run",
        str(NB),
        "--params",
        str(_yaml(tmp_path, sets)),
        "--workers",
        "2",
        "--no-progress",
        "--out",
        str(tmp_path / "killed"),
    ]
    proc = subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    journal = tmp_path / "killed" / "journal.jsonl"
    deadline = time.time() + 120
    while time.time() < deadline:
        if journal.exists() and len(journal.read_text(encoding="utf-8").splitlines()) >= 2:
            break
        time.sleep(0.05)
    else:
        proc.kill()
        pytest.fail("the run did not start")
    os.kill(proc.pid, signal.SIGKILL)  # the main process only: workers must follow it
    proc.wait()
    time.sleep(1.0)
    run_dir = tmp_path / "killed"
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    done = [t for t in manifest["tasks"] if t["status"] == "ok"]
    assert 0 < len(done) < len(CODES)  # killed midway, and the manifest says so
    for t in done:  # what the manifest calls done is complete on disk
        assert (run_dir / t["outputs"]["ipynb"]).exists() and (
            run_dir / t["outputs"]["html"]
        ).exists()
    for d in (run_dir / NB.stem).iterdir() if (run_dir / NB.stem).exists() else []:
        assert {p.name for p in d.iterdir()} >= {f"{d.name}.ipynb", f"{d.name}.html"}

    resumed = batch.run_batch(
        NB, sets, run_dir, batch.RunOptions(workers=2, resume=True, progress=False)
    )
    assert resumed.ok
    assert resumed.manifest["run"]["skipped_complete"] >= len(done) - 1
    _assert_nothing_partial(run_dir)

    clean = batch.run_batch(
        NB, sets, tmp_path / "clean", batch.RunOptions(workers=2, progress=False)
    )
    assert clean.ok
    got, want = _published_files(run_dir), _published_files(tmp_path / "clean")
    assert got.keys() == want.keys()
    for rel in got:
        if rel.endswith(".ipynb"):
            clean_dir = tmp_path / "clean"
            assert _normalised_notebook(run_dir / rel, run_dir) == _normalised_notebook(
                clean_dir / rel, clean_dir
            )
        elif rel.endswith(".json"):
            assert got[rel] == want[rel], rel
    statuses = {t["key"]: t["status"] for t in resumed.manifest["tasks"]}
    assert statuses == dict.fromkeys(CODES, "ok")


def _yaml(tmp_path: Path, sets: list[dict]) -> Path:
    f = tmp_path / "sets.json"
    f.write_text(json.dumps(sets), encoding="utf-8")
    return f


@pytest.mark.slow
def test_dask_local_cluster_gives_the_same_statuses_and_outputs(tmp_path):
    pytest.importorskip("distributed")
    sets = [
        {"region_code": "330302"},
        {"region_code": "330303", "fault": "raise"},
        {"region_code": "330324"},
    ]
    local = batch.run_batch(
        NB, sets, tmp_path / "local", batch.RunOptions(workers=2, progress=False)
    )
    dask = batch.run_batch(
        NB,
        sets,
        tmp_path / "dask",
        batch.RunOptions(workers=2, progress=False, scheduler="local-dask"),
    )
    assert [(t["key"], t["status"]) for t in dask.manifest["tasks"]] == [
        (t["key"], t["status"]) for t in local.manifest["tasks"]
    ]
    assert dask.manifest["run"]["scheduler"] == "local-dask"
    for key in ("330302", "330324"):
        rel = f"{NB.stem}/{key}/{key}.ipynb"
        assert _normalised_notebook(
            tmp_path / "dask" / rel, tmp_path / "dask"
        ) == _normalised_notebook(tmp_path / "local" / rel, tmp_path / "local")


def test_index_shows_coded_values_in_words(tmp_path):
    manifest = {
        "run": {
            "name": "r",
            "notebook": "nb.ipynb",
            "packages": {"qualitykit": "0"},
            "created": "now",
        },
        "counts": {"ok": 1, "failed": 1},
        "tasks": [
            {
                "key": "330302",
                "status": "ok",
                "error": None,
                "summary": {"funnel_flag": "low"},
                "outputs": {"html": "nb/330302/330302.html"},
            },
            {
                "key": "330303",
                "status": "failed",
                "error": "ValueError: x",
                "summary": {},
                "outputs": {},
            },
        ],
    }
    meta = {
        "index_columns": [
            {
                "key": "funnel_flag",
                "label_zh": "漏斗图",
                "label_en": "Funnel",
                "kind": "flag",
                "values_zh": {"low": "偏低"},
                "values_en": {"low": "low"},
            }
        ]
    }
    page = batch.write_run_index(tmp_path, manifest, meta=meta, lang="zh").read_text(
        encoding="utf-8"
    )
    assert ">偏低<" in page and ">low<" not in page
    assert ">失败<" in page and ">完成<" in page
    assert 'class="qk-flag-low"' in page
    page_en = batch.write_run_index(tmp_path, manifest, meta=meta, lang="en").read_text(
        encoding="utf-8"
    )
    assert ">low<" in page_en and ">failed<" in page_en


# ----------------------------------------------------------------------------------------------
# worker processes: what they import
# ----------------------------------------------------------------------------------------------


def _python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)


def test_a_worker_keeps_jsonschemas_unused_format_plugins_out_and_still_validates():
    """The pool's worker initializer keeps the optional modules it never uses from being
    imported (``executors.UNUSED_IN_WORKERS``) before anything imports nbformat — importing the
    executors imports no nbformat — and nbformat still reads, validates and writes notebooks."""
    done = _python(
        "import sys\n"
        "from qualitykit.run import executors\n"
        "assert 'nbformat' not in sys.modules and 'jsonschema' not in sys.modules\n"
        "executors._skip_unused_imports()\n"
        "import nbformat\n"
        "nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('1')])\n"
        "nbformat.validate(nbformat.reads(nbformat.writes(nb), as_version=4))\n"
        "bad = nbformat.from_dict({**nb, 'cells': [{'cell_type': 'code'}]})\n"
        "try:\n"
        "    nbformat.validate(bad)\n"
        "except nbformat.ValidationError:\n"
        "    pass\n"
        "else:\n"
        "    raise SystemExit('an invalid notebook passed')\n"
        "assert all(sys.modules[m] is None for m in executors.UNUSED_IN_WORKERS)\n"
        "print('ok')\n"
    )
    assert done.stdout.strip() == "ok", done.stderr


def test_the_callers_process_imports_are_left_alone():
    """Only worker processes skip those modules: running the runner's code in the caller's
    process blocks nothing there."""
    done = _python(
        "import sys\n"
        "from qualitykit.run import executors, runner, tasks  # noqa: F401\n"
        "import jsonschema  # noqa: F401\n"
        "assert all(sys.modules.get(m, 0) is not None for m in executors.UNUSED_IN_WORKERS)\n"
        "print('ok')\n"
    )
    assert done.stdout.strip() == "ok", done.stderr


def test_a_worker_imports_papermill_without_pyarrow_and_pyarrow_still_imports():
    """``engine.import_papermill_without_hdfs`` (the worker initializer's): papermill is imported
    without pyarrow (its hdfs:// handler is the "install pyarrow" stand-in), reads and writes a
    local notebook, and pyarrow imports afterwards as ever."""
    done = _python(
        "import sys, tempfile, pathlib\n"
        "from qualitykit.run import engine\n"
        "engine.import_papermill_without_hdfs()\n"
        "import papermill.iorw as iorw\n"
        "assert 'pyarrow' not in sys.modules and 'numpy' not in sys.modules\n"
        "import nbformat\n"
        "p = str(pathlib.Path(tempfile.mkdtemp()) / 'a.ipynb')\n"
        "nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('1')]), p)\n"
        "assert iorw.load_notebook_node(p).cells[0].source == '1'\n"
        "try:\n"
        "    iorw.HadoopFileSystem()\n"
        "except Exception as exc:\n"
        "    assert 'pyarrow' in str(exc), exc\n"
        "else:\n"
        "    raise SystemExit('the hdfs handler was not the stand-in')\n"
        "import pyarrow.fs, pyarrow.parquet  # noqa: F401\n"
        "print('ok')\n"
    )
    assert done.stdout.strip() == "ok", done.stderr


def test_a_worker_shuts_its_kernel_down_and_then_freezes_the_collector_at_exit():
    """The worker initializer's finalizers, at the worker's exit: first the warm kernel is shut
    down, then every object is frozen (``executors._freeze_at_exit``), so that Python's own
    finalization skips the full collections over the worker's heap; atexit handlers still run
    (the one below, registered before multiprocessing's, runs after its finalizers) and the
    exit code is Python's."""
    done = _python(
        "import atexit, gc, sys\n"
        "seen = {}\n"
        "def report():\n"
        "    import psutil\n"
        "    pid = seen['pid']\n"
        "    alive = psutil.pid_exists(pid) and psutil.Process(pid).status() != 'zombie'\n"
        "    print('frozen' if gc.get_freeze_count() else 'not frozen', 'alive' if alive else 'gone')\n"
        "atexit.register(report)\n"
        "from qualitykit.run import engine, executors\n"
        "executors._init_worker('python3')\n"
        "seen['pid'] = engine._WARM.pid\n"
        "assert gc.get_freeze_count() == 0\n"
        "sys.exit(3)\n"
    )
    assert done.returncode == 3, done.stderr
    assert done.stdout.split() == ["frozen", "gone"], (done.stdout, done.stderr)
