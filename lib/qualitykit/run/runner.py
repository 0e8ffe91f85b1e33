"""The batch runner: one parameterised notebook × many parameter sets, executed headlessly.

::

    qualitykit run notebooks/05_district_report.ipynb --each district --within 330000 \\
        --workers 2 --out outputs/zhejiang

:func:`run_batch` orchestrates (DESIGN §5): every parameter set is checked against the notebook's
``parameters`` cell before anything runs (:mod:`qualitykit.run.params`); the work shared by every
task is done once (the notebook's ``qualitykit.prepare`` hook, see :func:`prepare_shared`); the
tasks (:mod:`qualitykit.run.tasks`) run on an executor (:mod:`qualitykit.run.executors`: local
process pool or Dask) whose workers keep warm kernels (:mod:`qualitykit.run.engine`); each finished
task is journalled and the manifest refreshed (:mod:`qualitykit.run.manifest`); ``--resume``
skips tasks whose output is complete and re-runs the others; ``--update`` keeps the reports
whose own inputs did not change (:func:`qualitykit.run.manifest.changed_inputs` with the finer
inputs of :data:`~qualitykit.run.manifest.UPDATE_CHANGES`: the report's data slice, the rows of
the shared context it reads — the notebook's ``qualitykit.inputs_from`` hook —, package versions
and qualitykit's code) and rebuilds the others; the index page (:mod:`qualitykit.run.index`) is
written at the end.
"""

from __future__ import annotations

import errno
import importlib
import os
import platform
import shutil
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import nbformat

from qualitykit.atomic import remove_leftovers, write_json
from qualitykit.run import folder
from qualitykit.run.executors import executor_for
from qualitykit.run.index import remove_stale_index, write_run_index
from qualitykit.run.manifest import (
    Journal,
    code_fingerprint,
    data_fingerprint,
    file_sha256,
    git_commit,
    package_versions,
    rerun_reason,
    task_inputs,
)
from qualitykit.run.params import check_parameter_sets, notebook_parameters
from qualitykit.run.tasks import STATUS_OK, Task, iso, tasks_from_sets


@dataclass
class RunOptions:
    """Options of :func:`run_batch`."""

    workers: int = max(1, min(2, os.cpu_count() or 1))
    timeout: float = 600.0
    html: bool = True
    resume: bool = False
    update: bool = False  # like resume, comparing each report's own inputs (its data slice …)
    overwrite: bool = False
    scheduler: str | None = None  # None: local process pool; "local-dask"; "tcp://host:port"
    kernel_name: str = "python3"
    engine: str = "loop"  # "loop" (blocking-client cell loop) or "nbclient" (papermill's own)
    lang: str = "zh"
    title: str | None = None
    progress: bool = True
    data_paths: list[str] = field(default_factory=list)
    command: str | None = None
    export: tuple[str, ...] = ()  # formats of qualitykit.report.exports: csv, xlsx, docx


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


def _hook(notebook: Path, name: str) -> Callable[..., Any] | None:
    """The function the notebook's metadata ``qualitykit.<name>`` names (``module:function``)."""
    nb = nbformat.read(str(notebook), as_version=4)
    target = nb.metadata.get("qualitykit", {}).get(name)
    if not target:
        return None
    module, _, func = target.partition(":")
    return getattr(importlib.import_module(module), func)


def _prepare_hook(notebook: Path) -> Callable[..., dict[str, Any]] | None:
    return _hook(notebook, "prepare")


def prepare_shared(
    notebook: str | Path,
    run_dir: str | Path,
    parameter_sets: Sequence[Mapping[str, Any]],
    **extra: Any,
) -> dict[str, Any]:
    """The work shared by every task of a run, done once: the notebook's ``qualitykit.prepare``
    hook called with every set's full parameters (the notebook's defaults filled in) and
    ``extra`` (the runner passes ``data_fingerprint``, :func:`~qualitykit.run.manifest.
    data_fingerprint`, and ``versions``, the package versions and code fingerprint, with which a
    hook may keep its work in ``<run>/shared`` between runs and redo only what changed; a hook
    takes ``**_`` for what it does not use). Returns the extra parameters for every task ({}
    without a hook), checked against the parameters cell."""
    notebook = Path(notebook)
    hook = _prepare_hook(notebook)
    if hook is None:
        return {}
    specs = notebook_parameters(notebook)
    defaults = {name: spec.default for name, spec in specs.items()}
    full = [{**defaults, **p} for p in parameter_sets]
    shared = dict(
        hook(run_dir=Path(run_dir), parameter_sets=full, notebook=notebook, **extra) or {}
    )
    check_parameter_sets(specs, [shared])
    return shared


def _inputs_hook(notebook: Path) -> Callable[..., list[dict[str, Any]]] | None:
    return _hook(notebook, "inputs_from")


def report_inputs(
    notebook: str | Path,
    run_dir: str | Path,
    parameter_sets: Sequence[Mapping[str, Any]],
    shared: Mapping[str, Any],
) -> list[dict[str, Any]]:
    """What each report reads beyond its parameters, from the notebook's ``qualitykit.inputs_from``
    hook (called after the prepare hook with every set's full parameters and the shared values):
    one dict per set with ``partition`` (the hive partition of a partitioned data folder the report
    reads, e.g. ``province=330000``, or None for all of it) and ``context`` (a fingerprint of the
    rows of the shared context it reads). Without a hook: the whole data, no context."""
    notebook = Path(notebook)
    hook = _inputs_hook(notebook)
    if hook is None:
        return [{} for _ in parameter_sets]
    specs = notebook_parameters(notebook)
    defaults = {name: spec.default for name, spec in specs.items()}
    full = [{**defaults, **p, **shared} for p in parameter_sets]
    out = list(hook(run_dir=Path(run_dir), parameter_sets=full, shared=dict(shared)))
    if len(out) != len(full):
        raise ValueError(
            f"{notebook.name}: the inputs_from hook gave {len(out)} rows for {len(full)} sets"
        )
    return [dict(o or {}) for o in out]


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

    Raises before anything runs: ParameterError if a set does not fit the parameters cell;
    :class:`~qualitykit.run.folder.RunFolderError` if ``run_dir`` is a file, a non-empty folder
    that is not a run folder, a run folder holding foreign files, or a run folder while neither
    ``resume`` nor ``overwrite`` is set; :class:`~qualitykit.run.folder.RunFolderInUse` if another
    process runs in it. A failed file operation (full disk, read-only, name too long) ends the run
    with a :class:`~qualitykit.run.folder.FileSystemError`; the run can be resumed."""
    opts = options or RunOptions()
    notebook = Path(notebook).resolve()
    run_dir = Path(run_dir).resolve()
    specs = notebook_parameters(notebook)
    check_parameter_sets(specs, [dict(p) for p in parameter_sets])
    tasks = tasks_from_sets(parameter_sets, key_param)
    folder.check_name_lengths([run_dir])
    check = partial(folder.check_usable, run_dir, notebook, resume=opts.resume or opts.update)
    check(overwrite=opts.overwrite)  # before creating anything, even the lock
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
        with folder.locked(run_dir, opts.command):
            state = check(overwrite=opts.overwrite, state=folder.inspect(run_dir))
            previous: dict[str, dict[str, Any]] = {}
            if state.kind == "run" and (opts.resume or opts.update):
                previous = {
                    t["key"]: t
                    for t in (state.manifest or {}).get("tasks", [])
                    if t.get("status") != "pending"
                }
                previous.update(Journal.read(run_dir / folder.JOURNAL))
                remove_stale_index(run_dir, state.manifest, opts.export, html=opts.html)
            elif state.kind == "run":
                folder.clear_run(state)
            return _run(notebook, specs, tasks, run_dir, opts, previous)
    except OSError as exc:
        raise folder.file_system_error(exc, str(run_dir)) from exc


def _run(
    notebook: Path,
    specs: Mapping[str, Any],
    tasks: list[Task],
    run_dir: Path,
    opts: RunOptions,
    previous: Mapping[str, dict[str, Any]],
) -> RunResult:
    """The run itself, in a checked and locked run folder (``previous``: the records of the run
    being resumed, by key)."""
    meta = _index_spec(notebook)
    output_param = meta.get("output_param", "output_dir" if "output_dir" in specs else None)
    manifest_path = run_dir / folder.MANIFEST
    nb_hash = file_sha256(notebook)
    run_info: dict[str, Any] = {
        "name": run_dir.name,
        "notebook": str(notebook),
        "notebook_sha256": nb_hash,
        "created": iso(time.time()),
        "finished": None,
    }
    results: dict[str, dict[str, Any]] = {}
    plan: dict[str, tuple[str, dict[str, Any]]] = {}  # key → (reason, inputs)

    def manifest() -> dict[str, Any]:
        rows = []
        for t in tasks:
            rec = results.get(t.key)
            if rec is None:
                reason, inputs = plan.get(t.key, ("new", {}))
                rec = {
                    "key": t.key,
                    "params": t.params,
                    "status": "pending",
                    "error": None,
                    "outputs": {},
                    "summary": {},
                    "reason": reason,
                    "inputs": inputs,
                }
            rows.append(rec)
        counts: dict[str, int] = {}
        for r in rows:
            counts[r["status"]] = counts.get(r["status"], 0) + 1
        return {
            folder.RUN_MARK: folder.RUN_FORMAT,
            "notebook": str(notebook),
            "run": run_info,
            "counts": counts,
            "tasks": rows,
        }

    write_json(manifest_path, manifest())  # the folder is a run folder from now on
    removed = remove_leftovers(run_dir)
    shutil.rmtree(run_dir / folder.STAGING, ignore_errors=True)

    packages, code = package_versions(), code_fingerprint()
    t_prepare = time.perf_counter()
    shared = prepare_shared(
        notebook,
        run_dir,
        [t.params for t in tasks],
        data_fingerprint=data_fingerprint,
        versions={"packages": packages, "code": code},
    )
    t_prepare = time.perf_counter() - t_prepare

    fingerprints = _DataFingerprints(opts.data_paths, shared, run_dir)
    reads = report_inputs(notebook, run_dir, [t.params for t in tasks], shared)
    todo: list[Task] = []
    for t, read in zip(tasks, reads, strict=True):
        inputs = task_inputs(
            nb_hash,
            t.params,
            fingerprints.of(t.params),
            data_slice=fingerprints.of(t.params, read.get("partition")),
            context=read.get("context"),
            packages=packages,
            code=code,
        )
        reason = rerun_reason(previous.get(t.key), inputs, run_dir, update=opts.update)
        if reason is None and set(opts.export) - set(previous[t.key].get("outputs", {})):
            reason = "re-run: exports requested"
        if reason is None:  # its report stands for the new inputs too
            results[t.key] = {**previous[t.key], "reason": "reused", "inputs": inputs}
        else:
            plan[t.key] = (reason, inputs)
            todo.append(t)
    reasons: dict[str, int] = {}
    for key in (t.key for t in tasks):
        r = results[key]["reason"] if key in results else plan[key][0]
        reasons[r] = reasons.get(r, 0) + 1

    run_info.update(
        {
            "git_commit": git_commit(),
            "data_fingerprint": fingerprints.overall(),
            "data_paths": fingerprints.paths(),
            "packages": packages,
            "code_fingerprint": code,
            "machine": {
                "node": platform.node(),
                "cpus": os.cpu_count(),
                "platform": platform.platform(),
            },
            "workers": opts.workers,
            "scheduler": opts.scheduler or "local",
            "engine": opts.engine,
            "timeout_s": opts.timeout,
            "html": opts.html,
            "shared_params": shared,
            "prepare_s": round(t_prepare, 3),
            "command": opts.command,
            "resumed": bool(previous),
            "mode": "update" if opts.update else "resume" if opts.resume else "full",
            "skipped_complete": len(results),
            "reasons": reasons,
            "leftovers_removed": removed,
            "exports": list(opts.export),
        }
    )
    write_json(manifest_path, manifest())
    journal = Journal(run_dir / folder.JOURNAL)
    specs_out = [
        {
            "key": t.key,
            "params": {**t.params, **shared},
            "notebook": str(notebook),
            "run_dir": str(run_dir),
            "timeout": opts.timeout,
            "html": opts.html,
            "kernel_name": opts.kernel_name,
            "engine": opts.engine,
            "lang": str(t.params.get("lang", opts.lang)),
            "output_param": output_param,
            "export": tuple(opts.export),
        }
        for t in todo
    ]
    bar = _Progress(len(tasks), len(results), opts.progress)
    params_of = {t.key: t.params for t in todo}
    last_write, write_cost = time.time(), 0.0
    results_of = _execute(specs_out, opts)
    try:
        for res in results_of:
            key = res["key"]
            res["params"] = params_of[key]
            res["reason"], res["inputs"] = plan[key]
            journal.append(res)  # first the crash-safe record, then the manifest's
            results[key] = res
            bar.update(res)
            if res.get("errno") == errno.ENOSPC:
                raise OSError(errno.ENOSPC, "No space left on device", res.get("error_file"))
            # the manifest is refreshed now and then, less often as it grows (at most ~5 % of
            # the parent's time)
            if time.time() - last_write > max(2.0, 20 * write_cost):
                t0 = time.perf_counter()
                write_json(manifest_path, manifest())
                write_cost = time.perf_counter() - t0
                last_write = time.time()
    finally:
        results_of.close()  # an executor stops its workers now, not when collected
        journal.close()
        bar.close()
        run_info["finished"] = iso(time.time())
        _check_on_disk(run_dir, results)
        final = manifest()  # tasks in the order of the parameter sets
        write_json(manifest_path, final)
        if opts.html or "xlsx" in opts.export:
            write_run_index(
                run_dir,
                final,
                meta=meta,
                lang=opts.lang,
                title=opts.title,
                page=opts.html,
                workbook="xlsx" in opts.export,
            )
    return RunResult(run_dir, final)


def _check_on_disk(run_dir: Path, results: dict[str, dict[str, Any]]) -> None:
    """A report the manifest will call ok is on disk: one whose files vanished (removed while the
    run was going on) is marked failed, with the reason."""
    for key, rec in results.items():
        if rec.get("status") != STATUS_OK:
            continue
        missing = [rel for rel in rec.get("outputs", {}).values() if not (run_dir / rel).exists()]
        if missing:
            outputs = {k: rel for k, rel in rec["outputs"].items() if rel not in missing}
            results[key] = {
                **rec,
                "status": "failed",
                "error": f"its output is missing on disk: {missing[0]} (removed during the run?)",
                "outputs": outputs,  # the index links only to what is there
            }


class _DataFingerprints:
    """The data fingerprint of each task's inputs: the files under ``data_paths`` and under the
    task's parameters that name existing files or folders outside the run folder (by default the
    sample folder), computed once per distinct set of paths."""

    def __init__(self, data_paths: Sequence[str], shared: Mapping[str, Any], run_dir: Path) -> None:
        self.base = [str(p) for p in data_paths]
        self.shared = dict(shared)
        self.run_dir = run_dir
        self.cache: dict[tuple[str, ...], str | None] = {}

    def _paths(self, params: Mapping[str, Any]) -> tuple[str, ...]:
        found = list(self.base)
        for v in {**params, **self.shared}.values():
            if isinstance(v, str) and v and os.path.exists(v):
                p = Path(v).resolve()
                if not p.is_relative_to(self.run_dir.resolve()):
                    found.append(str(p))
        if not found:
            from qualitykit.paths import sample_dir

            found = [str(sample_dir())]
        return tuple(sorted(set(found)))

    def of(self, params: Mapping[str, Any], partition: str | None = None) -> str | None:
        """The fingerprint of the data of ``params``; with ``partition`` of that partition of
        it (:func:`~qualitykit.run.manifest.data_fingerprint`)."""
        paths = self._paths(params)
        if (paths, None) not in self.cache:
            self.cache[paths, None] = data_fingerprint(paths)
        if (paths, partition) not in self.cache:
            self.cache[paths, partition] = data_fingerprint(paths, partition)
        return self.cache[paths, partition]

    def paths(self) -> list[str]:
        return sorted({p for key, _ in self.cache for p in key})

    def overall(self) -> str | None:
        whole = [v for (_, part), v in self.cache.items() if part is None]
        if len(whole) == 1:
            return whole[0]
        return data_fingerprint(self.paths()) if whole else None


def can_resume(run_dir: str | Path, notebook: str | Path) -> bool:
    """True if ``run_dir`` is a run folder of this notebook (same name), free of foreign files."""
    state = folder.inspect(run_dir)
    return (
        state.kind == "run"
        and not state.foreign
        and Path(state.notebook or "").stem == Path(notebook).stem
    )


def _execute(specs: list[dict[str, Any]], opts: RunOptions) -> Iterator[dict[str, Any]]:
    if not specs:
        return (r for r in ())
    return executor_for(opts.scheduler)(
        specs, workers=opts.workers, kernel_name=opts.kernel_name, scheduler=opts.scheduler
    )


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
