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
skips tasks whose output is complete and re-runs the others; the index page
(:mod:`qualitykit.run.index`) is written at the end.
"""

from __future__ import annotations

import importlib
import os
import platform
import shutil
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from qualitykit.atomic import remove_leftovers, write_json
from qualitykit.errors import ParameterError
from qualitykit.run.executors import executor_for
from qualitykit.run.index import write_run_index
from qualitykit.run.manifest import (
    Journal,
    complete,
    data_fingerprint,
    file_sha256,
    git_commit,
    load_manifest,
    package_versions,
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
    overwrite: bool = False
    scheduler: str | None = None  # None: local process pool; "local-dask"; "tcp://host:port"
    kernel_name: str = "python3"
    engine: str = "loop"  # "loop" (blocking-client cell loop) or "nbclient" (papermill's own)
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
            old = load_manifest(manifest_path)
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
        if prev is not None and prev.get("params") == t.params and complete(run_dir, prev):
            results[t.key] = prev
        else:
            todo.append(t)

    run_info = {
        "name": run_dir.name,
        "notebook": str(notebook),
        "notebook_sha256": nb_hash,
        "created": iso(time.time()),
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
            "engine": opts.engine,
            "lang": str(t.params.get("lang", opts.lang)),
            "output_param": output_param,
        }
        for t in todo
    ]
    bar = _Progress(len(tasks), len(results), opts.progress)
    params_of = {t.key: t.params for t in todo}
    last_write, write_cost = time.time(), 0.0
    try:
        for res in _execute(specs_out, opts):
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
        run_info["finished"] = iso(time.time())
        final = manifest()  # tasks in the order of the parameter sets
        write_json(manifest_path, final)
        if opts.html:
            write_run_index(run_dir, final, meta=meta, lang=opts.lang, title=opts.title)
    return RunResult(run_dir, final)


def can_resume(run_dir: str | Path, notebook: str | Path) -> bool:
    """True if ``run_dir`` holds a run of this very notebook (same content hash) to continue."""
    old = load_manifest(Path(run_dir) / "manifest.json")
    return bool(old) and old.get("run", {}).get("notebook_sha256") == file_sha256(notebook)


def _execute(specs: list[dict[str, Any]], opts: RunOptions) -> Any:
    if not specs:
        return iter(())
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
