"""Batch runs: one parameterised notebook × many parameter sets, executed headlessly by papermill.

::

    qualitykit run notebooks/05_district_report.ipynb --each district --within 330000 \\
        --workers 2 --out outputs/zhejiang

Design (DESIGN §5; the throughput issue):

* **Checked before anything runs** — every parameter set is checked against the notebook's
  ``parameters`` cell (:mod:`qualitykit.run.params`): unknown names, wrong types, region codes
  that are not 6-digit GB/T 2260 strings. One message lists every problem; nothing is started.
* **Warm kernels** — each worker process keeps one Jupyter kernel alive for the whole run, with the
  scientific stack imported once. Before each notebook the kernel's namespace is reset (``%reset``,
  matplotlib settings, warning filters, working folder, execution counter restored to their state
  right after start-up), so no state leaks between districts. papermill executes the notebook on
  that kernel (``km=``), so parameter injection and error reporting are papermill's own.
* **Isolation** — an exception fails only its notebook; a per-notebook timeout kills the kernel of
  that notebook only (a watchdog), a dead kernel is replaced; the worker goes on with the next
  district. Worker processes that die are replaced and their task is marked failed.
* **Atomic outputs** — each task writes into ``<run>/.staging/`` and its finished folder
  (``<notebook>/<key>/{<key>.ipynb, <key>.html, tables/…}``) appears in one rename. The journal
  (``journal.jsonl``, one fsync'd line per finished task) and ``manifest.json`` (rewritten atomically)
  tell the truth after a SIGKILL at any moment; ``--resume`` skips tasks whose output is complete and
  re-runs failed or unfinished ones.
* **Shared work once** — a notebook may name, in its metadata ``qualitykit.prepare``, a function
  ``module:function`` called once per run in the parent as ``f(run_dir=, parameter_sets=,
  notebook=)`` with every task's full parameters (the notebook's defaults filled in); the dict it
  returns is added to every task's parameters (e.g. the path of a province's precomputed funnel).
* **Scale-out** — the same task function runs on a local process pool (default) or on a Dask
  distributed cluster (``scheduler="local-dask"`` or a scheduler address).
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import importlib
import json
import multiprocessing
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from importlib import metadata
from itertools import product
from pathlib import Path
from queue import Empty
from typing import Any

import nbformat

from qualitykit.atomic import TMP_SUFFIX, publish_dir, remove_leftovers, write_json
from qualitykit.errors import ParameterError, QualityKitError
from qualitykit.paths import project_root
from qualitykit.run.params import ParamSpec, check_parameter_sets, coerce_text, notebook_parameters

STATUS_OK = "ok"
PACKAGES = (
    "qualitykit",
    "pandas",
    "numpy",
    "scipy",
    "statsmodels",
    "matplotlib",
    "seaborn",
    "pyarrow",
    "papermill",
    "nbclient",
    "nbconvert",
    "ipykernel",
    "jupyter_client",
)


# --------------------------------------------------------------------------------------------
# Tasks
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Task:
    """One notebook execution: a key (folder name, e.g. the region code) and its parameters."""

    key: str
    params: dict[str, Any]


def _safe_key(text: str) -> str:
    keep = "".join(ch if ch.isalnum() or ch in "-_.=" else "_" for ch in text)
    return keep.strip("._")[:120] or "task"


def tasks_from_sets(
    parameter_sets: Sequence[Mapping[str, Any]], key_param: str | None = None
) -> list[Task]:
    """Tasks with keys from ``key_param`` (default: ``region_code`` if present, else the values)."""
    tasks = []
    seen: dict[str, int] = {}
    # when one region has several sets (e.g. a grid), its key also names the other parameters
    repeated_regions = len(parameter_sets) > len(
        {str(p.get("region_code")) for p in parameter_sets}
    )
    for pset in parameter_sets:
        pset = dict(pset)
        if key_param and key_param in pset:
            key = str(pset[key_param])
        elif "region_code" in pset:
            key = str(pset["region_code"])
            others = [f"{k}={v}" for k, v in pset.items() if k != "region_code"]
            if others and repeated_regions:
                key = "_".join([key, *others])
        else:
            key = "_".join(f"{k}={v}" for k, v in pset.items()) or "default"
        key = _safe_key(key)
        if key in seen:
            seen[key] += 1
            key = f"{key}_{seen[key]}"
        else:
            seen[key] = 0
        tasks.append(Task(key, pset))
    return tasks


def read_parameter_file(path: str | Path, specs: Mapping[str, ParamSpec]) -> list[dict[str, Any]]:
    """Parameter sets from a CSV (one row per set, text coerced to the declared types; codes stay
    strings) or a YAML/JSON list of mappings (values must already have the right types)."""
    path = Path(path)
    if not path.exists():
        raise ParameterError(f"parameter file not found: {path}")
    if path.suffix.lower() == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as f:
            rows = list(csv.DictReader(f))
        sets = []
        for i, row in enumerate(rows, start=2):
            pset = {}
            for name, text in row.items():
                if name not in specs:
                    raise ParameterError(
                        f"{path}, column {name!r}: unknown parameter (the notebook declares: "
                        f"{', '.join(sorted(specs))})"
                    )
                try:
                    pset[name] = coerce_text(specs[name], text or "")
                except ParameterError as exc:
                    raise ParameterError(f"{path}, row {i}: {exc}") from None
            sets.append(pset)
        return sets
    import yaml

    with path.open(encoding="utf-8") as f:
        data = yaml.safe_load(f) if path.suffix.lower() in {".yaml", ".yml"} else json.load(f)
    if isinstance(data, dict) and "parameter_sets" in data:
        data = data["parameter_sets"]
    if not isinstance(data, list) or not all(isinstance(d, dict) for d in data):
        raise ParameterError(f"{path}: expected a list of mappings (one per parameter set)")
    return [dict(d) for d in data]


def expand_parameter_sets(
    notebook: str | Path,
    *,
    each: str | None = None,
    within: str | None = None,
    codes: Sequence[str] | None = None,
    params_file: str | Path | None = None,
    grid: Mapping[str, Sequence[Any]] | None = None,
    fixed: Mapping[str, Any] | None = None,
    code_param: str = "region_code",
) -> list[dict[str, Any]]:
    """Parameter sets from the run options: every district (``each="district"``) or city or
    province ``within`` a code, an explicit list of ``codes``, a parameter file, a grid of values
    (cartesian product), plus ``fixed`` values for every set."""
    specs = notebook_parameters(notebook)
    base: list[dict[str, Any]] = [{}]
    if each:
        from qualitykit.data import regions

        level = {
            "district": "county",
            "county": "county",
            "city": "city",
            "province": "province",
        }.get(each)
        if level is None:
            raise ParameterError(f"--each must be district, city or province, got {each!r}")
        parent = within or regions.NATIONAL_CODE
        regions.check_code(parent, "--within code")
        kids = regions.children(parent, level=level)  # type: ignore[arg-type]
        base = [{code_param: c} for c in kids["region_code"]]
        base += [{code_param: c} for c in _units_from(notebook, parent, level, fixed, kids)]
        if not base:
            raise ParameterError(f"no {each} within {parent}")
    elif codes:
        base = [{code_param: c} for c in codes]
    if params_file:
        file_sets = read_parameter_file(params_file, specs)
        base = [{**b, **f} for b in base for f in file_sets]
    if grid:
        names = list(grid)
        combos = list(product(*(grid[n] for n in names)))
        base = [{**b, **dict(zip(names, combo, strict=True))} for b in base for combo in combos]
    if fixed:
        base = [{**b, **fixed} for b in base]
    check_parameter_sets(specs, base)
    return base


# --------------------------------------------------------------------------------------------
# Warm kernels (one per worker process)
# --------------------------------------------------------------------------------------------

_BASELINE_CODE = """\
%matplotlib inline
import qualitykit.run._warm
qualitykit.run._warm.baseline(get_ipython(), {preload!r})
del qualitykit
"""

_RESET_CODE = """\
__import__("qualitykit.run._warm").run._warm.reset(get_ipython(), {cwd!r})
"""

PRELOAD = (
    "numpy",
    "pandas",
    "scipy.stats",
    "statsmodels.api",
    "seaborn",
    "pyarrow.parquet",
    "qualitykit",
    "qualitykit.data.regions",
    "qualitykit.stats.metrics",
    "qualitykit.stats.trends",
    "qualitykit.stats.benchmark",
    "qualitykit.stats.spc",
    "qualitykit.stats.pareto",
    "qualitykit.report.plots",
    "qualitykit.data.dataset",
    "qualitykit.report.framework",
    "qualitykit.report.narrative",
    "qualitykit.report.district",
    "qualitykit.policy.scorecard",
    "qualitykit.policy.targets",
)


class KernelGone(RuntimeError):
    """The kernel died or was killed (timeout)."""


class WarmKernel:
    """A Jupyter kernel kept alive across notebooks, with a clean namespace per notebook.

    An :class:`~jupyter_client.manager.AsyncKernelManager` (what nbclient expects: with a
    synchronous manager nbclient blocks on the output channel and never notices a dead kernel)."""

    def __init__(self, kernel_name: str = "python3", startup_timeout: float = 120.0) -> None:
        self.kernel_name = kernel_name
        self.startup_timeout = startup_timeout
        self.km: Any = None
        self.language_info: dict[str, Any] = {}
        self.control: Any = None
        self.sock_dir: Path | None = None
        self.pid: int | None = None
        self.killed_by_watchdog = False
        self.start()

    def start(self) -> None:
        from jupyter_client.manager import AsyncKernelManager
        from jupyter_core.utils import run_sync

        # IPC sockets in a private temp folder: local only, no TCP ports, no plain-text TCP warning
        sock_dir = Path(tempfile.mkdtemp(prefix="qualitykit-kernel-"))
        self.sock_dir = sock_dir
        self.km = AsyncKernelManager(
            kernel_name=self.kernel_name, transport="ipc", ip=str(sock_dir / "k")
        )
        run_sync(self.km.start_kernel)(extra_arguments=["--HistoryManager.enabled=False"])
        provisioner = getattr(self.km, "provisioner", None)
        process = getattr(provisioner, "process", None)
        self.pid = getattr(process, "pid", None)
        self.killed_by_watchdog = False
        # one long-lived blocking client for set-up, reset and the cells (a new client per
        # notebook would cost a 0.2 s IOPub flush each time)
        self.control = self.km.blocking_client()
        self.control.start_channels()
        self.control.wait_for_ready(timeout=self.startup_timeout)
        self._execute(_BASELINE_CODE.format(preload=PRELOAD), timeout=self.startup_timeout)
        reply = self.control.kernel_info(reply=True, timeout=self.startup_timeout)
        self.language_info = reply["content"].get("language_info", {})

    def _execute(self, code: str, timeout: float) -> None:
        reply = self.control.execute_interactive(
            code, timeout=timeout, store_history=False, output_hook=lambda m: None
        )
        if reply["content"]["status"] != "ok":
            raise KernelGone(f"kernel set-up failed: {reply['content'].get('evalue', '')}")

    def alive(self) -> bool:
        from jupyter_core.utils import run_sync

        try:
            return bool(run_sync(self.km.is_alive)())
        except Exception:  # noqa: BLE001 - a manager in a bad state counts as dead
            return False

    def reset(self, cwd: str | Path) -> None:
        if not self.alive():
            self.restart()
        self._execute(_RESET_CODE.format(cwd=str(cwd)), timeout=60)

    def kill(self) -> None:
        """Kill the kernel process now (the per-notebook watchdog calls this from its thread;
        nbclient then sees a dead kernel and returns)."""
        self.killed_by_watchdog = True
        if self.pid is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(self.pid, signal.SIGKILL)

    def shutdown(self) -> None:
        from jupyter_core.utils import run_sync

        with contextlib.suppress(Exception):
            self.control.stop_channels()
        with contextlib.suppress(Exception):
            run_sync(self.km.shutdown_kernel)(now=True)
        if self.pid is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(self.pid, signal.SIGKILL)
        if self.sock_dir is not None:
            shutil.rmtree(self.sock_dir, ignore_errors=True)

    def restart(self) -> None:
        self.shutdown()
        self.start()


WARM_ENGINE = "qualitykit-warm"


@cache
def _register_engine() -> None:
    """Register the papermill engine ``qualitykit-warm``: papermill parameterises the notebook,
    records its cell metadata and raises for errors as always; the cells run on the worker's
    :class:`WarmKernel` through :func:`_run_cells`."""
    from papermill.engines import Engine, papermill_engines

    class WarmKernelEngine(Engine):
        @classmethod
        def execute_managed_notebook(
            cls,
            nb_man: Any,
            kernel_name: str,
            execution_timeout: float | None = None,
            **kwargs: Any,
        ) -> Any:
            _run_cells(nb_man, kwargs["warm"], execution_timeout)
            _point_to_final(nb_man.nb, *kwargs["rename"])
            return nb_man.nb

    papermill_engines.register(WARM_ENGINE, WarmKernelEngine)


def _run_cells(nb_man: Any, warm: WarmKernel, cell_timeout: float | None) -> None:
    """Execute the code cells of ``nb_man.nb`` one by one on the warm kernel's blocking client.

    What nbclient does, without its asyncio machinery (the largest CPU cost of a worker): one
    ``execute_request`` per cell, its IOPub messages turned into outputs until the kernel is idle,
    its reply checked. The first failing cell stops the notebook (papermill then reports it); a
    dead kernel raises :class:`KernelGone`."""
    from nbclient.exceptions import CellExecutionError, CellTimeoutError
    from nbformat.v4 import output_from_msg

    nb = nb_man.nb
    kc = warm.control
    if warm.language_info:
        nb.metadata["language_info"] = warm.language_info
    for index, cell in enumerate(nb.cells):
        nb_man.cell_start(cell, index)
        try:
            if cell.cell_type != "code" or not cell.source.strip():
                continue
            cell.outputs = []
            msg_id = kc.execute(
                cell.source, store_history=True, allow_stdin=False, stop_on_error=True
            )
            deadline = None if not cell_timeout else time.monotonic() + cell_timeout
            by_display_id: dict[str, list[Any]] = {}
            clear_next = False
            while True:
                try:
                    msg = kc.get_iopub_msg(timeout=0.5)
                except Empty:
                    if not warm.alive():
                        raise KernelGone("the kernel died") from None
                    if deadline is not None and time.monotonic() > deadline:
                        warm.kill()
                        raise CellTimeoutError.error_from_timeout_and_cell(
                            "Cell execution timed out", cell_timeout, cell
                        ) from None
                    continue
                if msg["parent_header"].get("msg_id") != msg_id:
                    continue
                kind, content = msg["msg_type"], msg["content"]
                if kind == "status":
                    if content["execution_state"] == "idle":
                        break
                elif kind == "execute_input":
                    cell.execution_count = content.get("execution_count")
                elif kind == "clear_output":
                    if content.get("wait"):
                        clear_next = True
                    else:
                        cell.outputs = []
                elif kind == "update_display_data":
                    for out in by_display_id.get(
                        content.get("transient", {}).get("display_id"), []
                    ):
                        out.data, out.metadata = content["data"], content.get("metadata", {})
                elif kind in {"stream", "display_data", "execute_result", "error"}:
                    if clear_next:
                        cell.outputs, clear_next = [], False
                    out = output_from_msg(msg)
                    cell.outputs.append(out)
                    display_id = content.get("transient", {}).get("display_id")
                    if display_id:
                        by_display_id.setdefault(display_id, []).append(out)
            while True:  # the reply of this request (the shell channel answers in order)
                reply = kc.get_shell_msg(timeout=cell_timeout or None)
                if reply["parent_header"].get("msg_id") == msg_id:
                    break
            if reply["content"].get("execution_count") is not None:
                cell.execution_count = reply["content"]["execution_count"]
            if reply["content"]["status"] == "error":
                raise CellExecutionError.from_cell_and_msg(cell, reply["content"])
        except CellExecutionError as exc:
            nb_man.cell_exception(nb.cells[index], cell_index=index, exception=exc)
            break
        finally:
            nb_man.cell_complete(nb.cells[index], cell_index=index)


_WARM: WarmKernel | None = None


def _warm_kernel(kernel_name: str) -> WarmKernel:
    global _WARM
    if _WARM is None or _WARM.kernel_name != kernel_name:
        if _WARM is not None:
            _WARM.shutdown()
        _WARM = WarmKernel(kernel_name)
        from multiprocessing import util

        util.Finalize(None, _shutdown_warm, exitpriority=100)  # runs in pool workers at exit
    return _WARM


def _shutdown_warm() -> None:
    global _WARM
    if _WARM is not None:
        _WARM.shutdown()
        _WARM = None


def _die_with_parent() -> None:
    """Linux: deliver SIGKILL to this worker when the run's main process dies (e.g. is killed),
    so that no orphan worker goes on publishing after the run was stopped."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(Exception):
            import ctypes

            libc = ctypes.CDLL("libc.so.6", use_errno=True)
            libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
            if os.getppid() == 1:  # the parent died before prctl took effect
                os._exit(1)


def _skip_per_output_validation() -> None:
    """nbclient validates every output message on its own with jsonschema (~1 ms each, the
    worker's largest CPU cost after the kernel protocol); papermill validates the whole executed
    notebook again, with fastjsonschema, when it writes it. Keep only that one validation."""
    from nbformat.v4 import nbbase

    nbbase.validate = lambda node, ref=None: None


def _init_worker(kernel_name: str) -> None:
    _die_with_parent()
    _skip_per_output_validation()
    _warm_kernel(kernel_name)


# --------------------------------------------------------------------------------------------
# Executing one task (runs in a worker process: local pool or Dask worker)
# --------------------------------------------------------------------------------------------


def execute_task(spec: Mapping[str, Any]) -> dict[str, Any]:
    """Execute one notebook into the staging area and publish its folder atomically.

    ``spec``: ``key, params, notebook, run_dir, timeout, html, kernel_name, lang, output_param``.
    Returns a result dict (status, error, duration, outputs, summary). Never raises for a failure of
    the notebook itself: failures are results."""
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    _register_engine()

    started = time.time()
    key = spec["key"]
    notebook = Path(spec["notebook"])
    run_dir = Path(spec["run_dir"])
    stem = notebook.stem
    staging = run_dir / ".staging" / f"{key}.{uuid.uuid4().hex[:8]}{TMP_SUFFIX}"
    final = run_dir / stem / key
    staging.mkdir(parents=True, exist_ok=True)
    params = dict(spec["params"])
    if spec.get("output_param"):
        params[spec["output_param"]] = str(staging / "tables")
    ipynb = staging / f"{key}.ipynb"
    status, error = STATUS_OK, None
    executed = None
    warm = _warm_kernel(spec.get("kernel_name", "python3"))
    timeout = float(spec.get("timeout") or 0) or None
    watchdog = threading.Timer(timeout, warm.kill) if timeout else None
    try:
        warm.reset(notebook.parent.resolve())
        if watchdog:
            watchdog.start()
        executed = pm.execute_notebook(
            str(notebook),
            str(ipynb),
            parameters=params,
            engine_name=WARM_ENGINE,
            warm=warm,
            rename=(str(staging), str(final)),
            kernel_name=warm.kernel_name,
            progress_bar=False,
            request_save_on_cell_execute=False,
            execution_timeout=timeout,
            log_output=False,
        )
    except PapermillExecutionError as exc:
        status = "failed"
        error = f"{exc.ename}: {exc.evalue}".strip().rstrip(":") + f" (cell {exc.exec_count})"
    except Exception as exc:  # noqa: BLE001 - a kernel death or timeout must not stop the worker
        if warm.killed_by_watchdog:
            status, error = "timeout", f"timed out after {timeout:g} s; the kernel was stopped"
        elif not warm.alive():
            status, error = "dead_kernel", f"the kernel died ({type(exc).__name__}: {exc})".strip()
        else:
            status, error = "error", f"{type(exc).__name__}: {exc}"
    finally:
        if watchdog:
            watchdog.cancel()
    if status in {"timeout", "dead_kernel"} or not warm.alive():
        with contextlib.suppress(Exception):
            warm.restart()
    summary = _read_summary(staging / "tables" / "summary.json")
    if status != STATUS_OK and not ipynb.exists():
        _write_error_notebook(ipynb, key, error or status)
    outputs = {"ipynb": f"{stem}/{key}/{key}.ipynb"}
    if (staging / "tables").exists():
        outputs["tables"] = f"{stem}/{key}/tables"
    if spec.get("html", True):
        try:
            _render_html(
                executed if executed is not None else ipynb,
                staging / f"{key}.html",
                key=key,
                summary=summary,
                lang=spec.get("lang", "zh"),
                error=error if status != STATUS_OK else None,
            )
            outputs["html"] = f"{stem}/{key}/{key}.html"
        except Exception as exc:  # noqa: BLE001
            if status == STATUS_OK:
                status, error = "error", f"HTML rendering failed: {type(exc).__name__}: {exc}"
    publish_dir(staging, final)
    finished = time.time()
    return {
        "key": key,
        "params": spec["params"],
        "status": status,
        "error": error,
        "duration_s": round(finished - started, 3),
        "started": _iso(started),
        "finished": _iso(finished),
        "outputs": outputs,
        "summary": summary,
        "worker": f"{platform.node()}:{os.getpid()}",
    }


def _point_to_final(nb: nbformat.NotebookNode, staging: str, final: str) -> None:
    """The executed notebook names where its tables end up, not the staging folder: the injected
    parameters (cell and papermill metadata) are rewritten in memory, before papermill saves."""
    for cell in nb.cells:
        if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            cell.source = cell.source.replace(staging, final)
    params = nb.metadata.get("papermill", {}).get("parameters", {})
    for name, value in params.items():
        if isinstance(value, str):
            params[name] = value.replace(staging, final)


def _read_summary(path: Path) -> dict[str, Any]:
    try:
        with path.open(encoding="utf-8") as f:
            data = json.load(f)
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _write_error_notebook(path: Path, key: str, error: str) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_markdown_cell(f"# {key}\n\n**This report failed:** {error}"))
    nbformat.write(nb, str(path))


def _render_html(
    source: Path | nbformat.NotebookNode,
    out: Path,
    *,
    key: str,
    summary: Mapping[str, Any],
    lang: str,
    error: str | None,
) -> None:
    """The report page, from the executed notebook in memory (or read back after a failure)."""
    from qualitykit.atomic import write_text
    from qualitykit.report.publish import render_report

    nb = (
        source
        if isinstance(source, nbformat.NotebookNode)
        else nbformat.read(str(source), as_version=4)
    )
    title = str(summary.get("title") or key)
    write_text(
        out,
        render_report(
            nb,
            title=title,
            lang=lang,
            css_href="../../assets/report.css",
            index_href="../../index.html",
            error=error,
        ),
    )


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat(timespec="seconds")


# --------------------------------------------------------------------------------------------
# Run bookkeeping: journal, manifest, provenance
# --------------------------------------------------------------------------------------------


def file_sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def data_fingerprint(paths: Iterable[str | Path]) -> str | None:
    """A short hash of the input data: every file under the given paths (relative name, size and
    content hash; for a generated sample, its manifest's content hash)."""
    h = hashlib.sha256()
    found = False
    for p in sorted({Path(p).resolve() for p in paths}):
        if not p.exists():
            continue
        manifest = p / "manifest.json" if p.is_dir() else None
        if manifest is not None and manifest.exists():
            h.update(manifest.read_bytes())
            found = True
            continue
        files = sorted(f for f in (p.rglob("*") if p.is_dir() else [p]) if f.is_file())
        for f in files:
            h.update(str(f.relative_to(p if p.is_dir() else p.parent)).encode())
            h.update(str(f.stat().st_size).encode())
            h.update(file_sha256(f).encode())
            found = True
    return h.hexdigest()[:16] if found else None


def git_commit() -> str | None:
    try:
        root = project_root()
        sha = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        return sha + ("-dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return None


def package_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        with contextlib.suppress(metadata.PackageNotFoundError):
            out[name] = metadata.version(name)
    return out


class Journal:
    """Append-only record of finished tasks: one JSON line each, flushed and fsync'd."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._f = path.open("a", encoding="utf-8")

    def append(self, record: Mapping[str, Any]) -> None:
        self._f.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
        self._f.flush()
        os.fsync(self._f.fileno())

    def close(self) -> None:
        self._f.close()

    @staticmethod
    def read(path: Path) -> dict[str, dict[str, Any]]:
        """Latest record per key (a line cut short by a kill is ignored)."""
        latest: dict[str, dict[str, Any]] = {}
        if not path.exists():
            return latest
        with path.open(encoding="utf-8") as f:
            for line in f:
                try:
                    rec = json.loads(line)
                except ValueError:
                    continue
                if isinstance(rec, dict) and "key" in rec:
                    latest[rec["key"]] = rec
        return latest


def _complete(run_dir: Path, rec: Mapping[str, Any]) -> bool:
    if rec.get("status") != STATUS_OK:
        return False
    return all((run_dir / rel).exists() for rel in rec.get("outputs", {}).values())


# --------------------------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------------------------


@dataclass
class RunOptions:
    """Options of :func:`run_batch`."""

    workers: int = max(1, min(2, os.cpu_count() or 1))
    timeout: float = 600.0
    html: bool = True
    resume: bool = False
    overwrite: bool = False
    scheduler: str | None = None  # None: local process pool; "local-dask"; "tcp://host:port"
    kernel_name: str = "python3"
    lang: str = "zh"
    title: str | None = None
    progress: bool = True
    data_paths: list[str] = field(default_factory=list)
    command: str | None = None


@dataclass
class RunResult:
    """What a run did: the manifest (also written to ``<run>/manifest.json``)."""

    run_dir: Path
    manifest: dict[str, Any]

    @property
    def failed(self) -> list[dict[str, Any]]:
        return [t for t in self.manifest["tasks"] if t["status"] != STATUS_OK]

    @property
    def ok(self) -> bool:
        return not self.failed


def _prepare_hook(notebook: Path) -> Callable[..., dict[str, Any]] | None:
    nb = nbformat.read(str(notebook), as_version=4)
    target = nb.metadata.get("qualitykit", {}).get("prepare")
    if not target:
        return None
    module, _, func = target.partition(":")
    return getattr(importlib.import_module(module), func)


def _units_from(
    notebook: str | Path, parent: str, level: str, fixed: Mapping[str, Any] | None, kids: Any
) -> list[str]:
    """Units of the data that the region table does not list (declared non-standard units),
    from the notebook's ``qualitykit.units_from`` hook called with the fixed parameters."""
    target = _index_spec(Path(notebook)).get("units_from")
    if not target:
        return []
    module, _, func = target.partition(":")
    hook = getattr(importlib.import_module(module), func)
    params = {n: s.default for n, s in notebook_parameters(notebook).items()} | dict(fixed or {})
    known = set(kids["region_code"])
    return [c for c in hook(within=parent, level=level, parameters=params) if c not in known]


def prepare_shared(
    notebook: str | Path, run_dir: str | Path, parameter_sets: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    """The work shared by every task of a run, done once: the notebook's ``qualitykit.prepare``
    hook called with every set's full parameters (the notebook's defaults filled in). Returns the
    extra parameters for every task ({} without a hook), checked against the parameters cell."""
    notebook = Path(notebook)
    hook = _prepare_hook(notebook)
    if hook is None:
        return {}
    specs = notebook_parameters(notebook)
    defaults = {name: spec.default for name, spec in specs.items()}
    full = [{**defaults, **p} for p in parameter_sets]
    shared = dict(hook(run_dir=Path(run_dir), parameter_sets=full, notebook=notebook) or {})
    check_parameter_sets(specs, [shared])
    return shared


def _index_spec(notebook: Path) -> dict[str, Any]:
    nb = nbformat.read(str(notebook), as_version=4)
    return dict(nb.metadata.get("qualitykit", {}))


def run_batch(
    notebook: str | Path,
    parameter_sets: Sequence[Mapping[str, Any]],
    run_dir: str | Path,
    options: RunOptions | None = None,
    *,
    key_param: str | None = None,
) -> RunResult:
    """Run ``notebook`` once per parameter set into ``run_dir``; return the manifest.

    Raises ParameterError before anything runs if a set does not fit the parameters cell, or if
    ``run_dir`` holds another run and neither ``resume`` nor ``overwrite`` is set."""
    opts = options or RunOptions()
    notebook = Path(notebook).resolve()
    run_dir = Path(run_dir).resolve()
    specs = notebook_parameters(notebook)
    check_parameter_sets(specs, [dict(p) for p in parameter_sets])
    tasks = tasks_from_sets(parameter_sets, key_param)
    meta = _index_spec(notebook)
    output_param = meta.get("output_param", "output_dir" if "output_dir" in specs else None)

    manifest_path = run_dir / "manifest.json"
    journal_path = run_dir / "journal.jsonl"
    nb_hash = file_sha256(notebook)
    previous: dict[str, dict[str, Any]] = {}
    if run_dir.exists() and (manifest_path.exists() or journal_path.exists()):
        if opts.resume:
            old = _load_manifest(manifest_path)
            if old and old.get("run", {}).get("notebook_sha256") not in (None, nb_hash):
                raise ParameterError(
                    f"{run_dir}: the notebook changed since this run started; "
                    "start a new run (another --out) or use --overwrite"
                )
            previous = {
                t["key"]: t for t in (old or {}).get("tasks", []) if t.get("status") != "pending"
            }
            previous.update(Journal.read(journal_path))
        elif opts.overwrite:
            shutil.rmtree(run_dir)
        else:
            raise ParameterError(
                f"{run_dir} already holds a run: use --resume to continue it, --overwrite to replace it, "
                "or another --out"
            )
    run_dir.mkdir(parents=True, exist_ok=True)
    removed = remove_leftovers(run_dir)
    shutil.rmtree(run_dir / ".staging", ignore_errors=True)

    t_prepare = time.perf_counter()
    shared = prepare_shared(notebook, run_dir, [t.params for t in tasks])
    t_prepare = time.perf_counter() - t_prepare

    data_paths = list(opts.data_paths)
    for t in tasks[:1]:
        data_paths += [
            v for v in {**t.params, **shared}.values() if isinstance(v, str) and os.path.exists(v)
        ]
    if not data_paths:
        from qualitykit.paths import sample_dir

        data_paths = [str(sample_dir())]

    results: dict[str, dict[str, Any]] = {}
    todo: list[Task] = []
    for t in tasks:
        prev = previous.get(t.key)
        if prev is not None and prev.get("params") == t.params and _complete(run_dir, prev):
            results[t.key] = prev
        else:
            todo.append(t)

    run_info = {
        "name": run_dir.name,
        "notebook": str(notebook),
        "notebook_sha256": nb_hash,
        "created": _iso(time.time()),
        "finished": None,
        "git_commit": git_commit(),
        "data_fingerprint": data_fingerprint(data_paths),
        "data_paths": sorted(set(data_paths)),
        "packages": package_versions(),
        "machine": {
            "node": platform.node(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
        },
        "workers": opts.workers,
        "scheduler": opts.scheduler or "local",
        "timeout_s": opts.timeout,
        "shared_params": shared,
        "prepare_s": round(t_prepare, 3),
        "command": opts.command,
        "resumed": bool(previous),
        "skipped_complete": len(results),
        "leftovers_removed": removed,
    }

    def manifest() -> dict[str, Any]:
        rows = []
        for t in tasks:
            rec = results.get(t.key)
            rows.append(
                rec
                if rec is not None
                else {
                    "key": t.key,
                    "params": t.params,
                    "status": "pending",
                    "error": None,
                    "outputs": {},
                    "summary": {},
                }
            )
        counts: dict[str, int] = {}
        for r in rows:
            counts[r["status"]] = counts.get(r["status"], 0) + 1
        return {"run": run_info, "counts": counts, "tasks": rows}

    write_json(manifest_path, manifest())
    journal = Journal(journal_path)
    specs_out = [
        {
            "key": t.key,
            "params": {**t.params, **shared},
            "notebook": str(notebook),
            "run_dir": str(run_dir),
            "timeout": opts.timeout,
            "html": opts.html,
            "kernel_name": opts.kernel_name,
            "lang": str(t.params.get("lang", opts.lang)),
            "output_param": output_param,
        }
        for t in todo
    ]
    bar = _Progress(len(tasks), len(results), opts.progress)
    params_of = {t.key: t.params for t in todo}
    last_write, write_cost = time.time(), 0.0
    try:
        for res in _execute_all(specs_out, opts):
            res["params"] = params_of[res["key"]]
            results[res["key"]] = res
            journal.append(res)
            bar.update(res)
            # the journal is the crash-safe record; the manifest is refreshed now and then, less
            # often as it grows (at most ~5 % of the parent's time)
            if time.time() - last_write > max(2.0, 20 * write_cost):
                t0 = time.perf_counter()
                write_json(manifest_path, manifest())
                write_cost = time.perf_counter() - t0
                last_write = time.time()
    finally:
        journal.close()
        bar.close()
        run_info["finished"] = _iso(time.time())
        final = manifest()  # tasks in the order of the parameter sets
        write_json(manifest_path, final)
        if opts.html:
            write_run_index(run_dir, final, meta=meta, lang=opts.lang, title=opts.title)
    return RunResult(run_dir, final)


def can_resume(run_dir: str | Path, notebook: str | Path) -> bool:
    """True if ``run_dir`` holds a run of this very notebook (same content hash) to continue."""
    old = _load_manifest(Path(run_dir) / "manifest.json")
    return bool(old) and old.get("run", {}).get("notebook_sha256") == file_sha256(notebook)


def _load_manifest(path: Path) -> dict[str, Any] | None:
    try:
        with path.open(encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def _execute_all(specs: list[dict[str, Any]], opts: RunOptions) -> Iterator[dict[str, Any]]:
    if not specs:
        return
    if opts.scheduler:
        yield from _execute_dask(specs, opts)
    else:
        yield from _execute_local(specs, opts)


def _failure(spec: Mapping[str, Any], status: str, error: str) -> dict[str, Any]:
    now = time.time()
    return {
        "key": spec["key"],
        "params": spec["params"],
        "status": status,
        "error": error,
        "duration_s": None,
        "started": None,
        "finished": _iso(now),
        "outputs": {},
        "summary": {},
        "worker": None,
    }


def _execute_local(specs: list[dict[str, Any]], opts: RunOptions) -> Iterator[dict[str, Any]]:
    """A pool of worker processes, each with a warm kernel, given one task per idle worker.

    Failures of a notebook (exception, timeout, dead kernel) are results of :func:`execute_task`.
    Should a worker process itself die (killed from outside, out of memory), the tasks in flight
    at that moment fail with that error and the pool is rebuilt for the rest; a pool that breaks
    before finishing any task means workers cannot start at all, which stops the run."""
    queue = list(reversed(specs))
    ctx = multiprocessing.get_context("spawn")
    while queue:
        workers = max(1, min(opts.workers, len(queue)))
        pool = ProcessPoolExecutor(
            workers, mp_context=ctx, initializer=_init_worker, initargs=(opts.kernel_name,)
        )
        in_flight: dict[Future[dict[str, Any]], dict[str, Any]] = {}
        finished_any = broken = False
        try:
            while queue or in_flight:
                while queue and len(in_flight) < workers:
                    spec = queue.pop()
                    in_flight[pool.submit(execute_task, spec)] = spec
                done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                for fut in done:
                    try:
                        result = fut.result()
                    except BrokenProcessPool:
                        broken = True
                        break
                    except Exception as exc:  # noqa: BLE001 - e.g. an unpicklable result
                        result = _failure(in_flight[fut], "error", f"{type(exc).__name__}: {exc}")
                    del in_flight[fut]
                    finished_any = True
                    yield result
                if broken:
                    break
        finally:
            pool.shutdown(wait=not broken, cancel_futures=True)
        if broken:
            if not finished_any:
                raise QualityKitError(
                    "the worker processes could not start (their kernel failed to start?); "
                    "check `python -m ipykernel install --sys-prefix` and run again"
                )
            for spec in in_flight.values():
                yield _failure(spec, "error", "a worker process died while this report was running")


def _execute_dask(specs: list[dict[str, Any]], opts: RunOptions) -> Iterator[dict[str, Any]]:
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise QualityKitError(
            "the Dask scheduler needs dask[distributed]: pip install 'qualitykit[dask]'"
        ) from None
    cluster = None
    if opts.scheduler in {"local-dask", "dask", "local"}:
        cluster = LocalCluster(
            n_workers=opts.workers, threads_per_worker=1, processes=True, dashboard_address=None
        )
        client = Client(cluster)
    else:
        client = Client(opts.scheduler)
    try:
        client.register_plugin(_warm_kernel_plugin(opts.kernel_name), name="qualitykit-warm-kernel")
        futures = client.map(
            execute_task,
            specs,
            pure=False,
            key=[f"qualitykit-{s['key']}-{uuid.uuid4().hex[:6]}" for s in specs],
        )
        by_key = dict(zip(futures, specs, strict=True))
        for fut in as_completed(futures):
            try:
                yield fut.result()
            except Exception as exc:  # noqa: BLE001 - a lost worker fails its task only
                yield _failure(by_key[fut], "error", f"{type(exc).__name__}: {exc}")
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _warm_kernel_plugin(kernel_name: str) -> Any:
    """A Dask worker plugin: start the warm kernel with the worker, shut it down with the worker.
    (Defined lazily: Dask is an optional extra and slow to import.)"""
    from distributed.diagnostics.plugin import WorkerPlugin

    class WarmKernelPlugin(WorkerPlugin):
        def setup(self, worker: Any) -> None:
            _skip_per_output_validation()
            _warm_kernel(kernel_name)

        def teardown(self, worker: Any) -> None:
            _shutdown_warm()

    return WarmKernelPlugin()


class _Progress:
    def __init__(self, total: int, initial: int, enabled: bool) -> None:
        self.bar = None
        self.ok = 0
        self.failed = 0
        if enabled:
            from tqdm import tqdm

            self.bar = tqdm(
                total=total,
                initial=initial,
                unit="report",
                dynamic_ncols=True,
                file=sys.stderr,
                desc="qualitykit run",
            )

    def update(self, res: Mapping[str, Any]) -> None:
        if res["status"] == STATUS_OK:
            self.ok += 1
        else:
            self.failed += 1
        if self.bar is not None:
            self.bar.set_postfix(ok=self.ok, failed=self.failed, refresh=False)
            self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


# --------------------------------------------------------------------------------------------
# Index page of a run
# --------------------------------------------------------------------------------------------

DEFAULT_INDEX_COLUMNS: list[dict[str, Any]] = [
    {"key": "key", "label_zh": "代码", "label_en": "Code", "kind": "text"},
    {
        "key": "status",
        "label_zh": "状态",
        "label_en": "Status",
        "kind": "text",
        "values_zh": {
            "ok": "完成",
            "failed": "失败",
            "timeout": "超时",
            "dead_kernel": "内核崩溃",
            "error": "错误",
            "pending": "未运行",
        },
        "values_en": {
            "ok": "ok",
            "failed": "failed",
            "timeout": "timed out",
            "dead_kernel": "kernel died",
            "error": "error",
            "pending": "not run",
        },
    },
    {"key": "error", "label_zh": "错误", "label_en": "Error", "kind": "text"},
]


def write_run_index(
    run_dir: Path,
    manifest: Mapping[str, Any],
    *,
    meta: Mapping[str, Any] | None = None,
    lang: str = "zh",
    title: str | None = None,
) -> Path:
    """``index.html`` of a run: one row per task with its key figures (from the ``summary.json``
    the notebook wrote), status and error; columns from the notebook metadata
    ``qualitykit.index_columns`` (key, label_zh, label_en, kind)."""
    from qualitykit.report.publish import IndexColumn, write_index

    meta = meta or {}
    zh = lang.startswith("zh")
    col_specs = list(meta.get("index_columns") or [])
    keys = {c["key"] for c in col_specs}
    cols = [c for c in DEFAULT_INDEX_COLUMNS[:1] if c["key"] not in keys] + col_specs
    cols += [c for c in DEFAULT_INDEX_COLUMNS[1:] if c["key"] not in keys]
    columns = [
        IndexColumn(
            c["key"],
            c.get("label_zh" if zh else "label_en") or c["key"],
            c.get("kind", "text"),
            int(c.get("digits", 1)),
            c.get("values_zh" if zh else "values_en"),
        )
        for c in cols
    ]
    rows = []
    for t in manifest["tasks"]:
        row = {
            **t.get("summary", {}),
            "key": t["key"],
            "status": t["status"],
            "error": t.get("error"),
            "html": t.get("outputs", {}).get("html"),
        }
        rows.append(row)
    run = manifest["run"]
    counts = manifest.get("counts", {})
    nb_name = Path(run["notebook"]).stem
    title = (
        title
        or meta.get("index_title_zh" if zh else "index_title_en")
        or f"{nb_name} — {run['name']}"
    )
    summary = ", ".join(f"{k}: {v}" for k, v in sorted(counts.items()))
    subtitle = (
        f"{len(rows)} 份报告（{summary}）；数据指纹 {run.get('data_fingerprint')}；提交 {run.get('git_commit')}"
        if zh
        else f"{len(rows)} reports ({summary}); data fingerprint {run.get('data_fingerprint')}; commit {run.get('git_commit')}"
    )
    footer = (
        f"生成于 {run.get('finished') or run.get('created')}，qualitykit {run['packages'].get('qualitykit')}。"
        if zh
        else f"Generated {run.get('finished') or run.get('created')} by qualitykit {run['packages'].get('qualitykit')}."
    )
    return write_index(
        run_dir, rows, columns=columns, title=title, subtitle=subtitle, footer=footer, lang=lang
    )


__all__ = [
    "RunOptions",
    "RunResult",
    "Task",
    "WarmKernel",
    "data_fingerprint",
    "execute_task",
    "expand_parameter_sets",
    "run_batch",
    "tasks_from_sets",
    "write_run_index",
]
