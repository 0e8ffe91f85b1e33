"""Runs: one parameterised notebook × many parameter sets, executed headlessly.

Modules, one concern each: ``params`` (the notebook's parameters cell, parameter files, parameter
sets), ``tasks`` (task keys and the function a worker runs per task), ``engine`` (warm Jupyter
kernels, the cell loop, the papermill engine — the only module touching Jupyter), ``executors``
(local process pool, Dask), ``manifest`` (journal, manifest, provenance), ``runner`` (the
orchestration: :func:`run_batch`), ``index`` (the run's index page), ``_warm`` (code run inside
the kernels).

The public names are importable from here (``from qualitykit.run import run_batch, RunOptions``);
they are imported on first use, so that a kernel importing ``qualitykit.run._warm`` stays light.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "ParamSpec": "params",
    "check_parameter_sets": "params",
    "coerce_text": "params",
    "expand_parameter_sets": "params",
    "notebook_parameters": "params",
    "read_parameter_file": "params",
    "Task": "tasks",
    "execute_task": "tasks",
    "tasks_from_sets": "tasks",
    "PRELOAD": "engine",
    "WarmKernel": "engine",
    "data_fingerprint": "manifest",
    "file_sha256": "manifest",
    "RunOptions": "runner",
    "RunResult": "runner",
    "can_resume": "runner",
    "prepare_shared": "runner",
    "run_batch": "runner",
    "write_run_index": "index",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'qualitykit.run' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"qualitykit.run.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
