"""Kernel-side helpers of the warm kernels of :mod:`qualitykit.run.engine` (imported in the kernel).

:func:`baseline` runs once after the kernel starts: it imports the scientific stack and records
the state a fresh kernel has (user namespace names, matplotlib settings, warning filters,
environment). :func:`reset` restores that state before every notebook, so nothing leaks from one
district's notebook to the next. It is much cheaper than ``%reset -f`` (which also runs a full
garbage collection each time, ~0.3 s with pandas loaded): matplotlib settings are restored only
where a notebook changed them, and a full collection runs every :data:`FULL_GC_EVERY` resets
(Python's own collector runs in between).

The static input transformations of IPython (magics, ``!`` commands: a tokenisation of every
cell) are remembered per cell source on this kernel's own transformer — the cells of a batch are
the same for every district but the injected parameters.
"""

from __future__ import annotations

import gc
import os
import warnings
from collections.abc import Iterable
from typing import Any

_STATE: dict[str, Any] = {}
FULL_GC_EVERY = 50
_TRANSFORM_CACHE_MAX = 512


def baseline(ip: Any, preload: Iterable[str]) -> None:
    import importlib

    import matplotlib

    for name in preload:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - a module that fails to import is imported (and fails) later
            pass
    _STATE.update(
        keys=set(ip.user_ns),
        rc=dict(matplotlib.rcParams),
        environ=dict(os.environ),
        count=0,
    )
    _fresh_warnings()
    _remember_transforms(ip.input_transformer_manager)


def _remember_transforms(manager: Any) -> None:
    """Memoise ``manager.transform_cell`` (IPython's static, state-free input transformations)
    per source, on this instance only."""
    transform = manager.transform_cell
    cache: dict[str, str] = {}

    def transform_cell(cell: str) -> str:
        out = cache.get(cell)
        if out is None:
            if len(cache) >= _TRANSFORM_CACHE_MAX:
                cache.clear()
            out = cache[cell] = transform(cell)
        return out

    manager.transform_cell = transform_cell


def _fresh_warnings() -> None:
    """Restore the warning filters (and ``showwarning``) of the baseline and forget which warnings
    were already shown, so that a warning shown by one notebook is shown again by the next —
    through the public :class:`warnings.catch_warnings`: the one entered at the baseline (or at
    the last reset) is exited, which restores the filters and invalidates every module's
    "already shown" registry, and a new one is entered for the next notebook."""
    catcher = _STATE.get("warnings")
    if catcher is not None:
        catcher.__exit__(None, None, None)
    warnings.onceregistry.clear()  # "once" warnings: a registry of the warnings module itself
    catcher = warnings.catch_warnings()
    catcher.__enter__()
    _STATE["warnings"] = catcher


def reset(ip: Any, cwd: str) -> None:
    import matplotlib
    import matplotlib.pyplot as plt

    ns = ip.user_ns
    for k in [k for k in ns if k not in _STATE["keys"]]:
        del ns[k]
    ns["_oh"].clear()
    del ns["_ih"][1:]
    for k in ("_", "__", "___", "_i", "_ii", "_iii"):
        ns[k] = ""
    plt.close("all")
    rc = matplotlib.rcParams
    base = _STATE["rc"]
    changed = {k: v for k, v in base.items() if not _same(dict.__getitem__(rc, k), v)}
    if changed or len(rc) != len(base):
        rc.update(changed)
    _fresh_warnings()
    os.environ.clear()
    os.environ.update(_STATE["environ"])
    os.chdir(cwd)
    ip.execution_count = 1
    _STATE["count"] += 1
    if _STATE["count"] % FULL_GC_EVERY == 0:
        gc.collect()


def _same(a: Any, b: Any) -> bool:
    """``a`` is ``b`` or equal to it (a comparison that fails or is ambiguous counts as changed)."""
    if a is b:
        return True
    try:
        return bool(type(a) is type(b) and a == b)
    except Exception:  # noqa: BLE001 - e.g. arrays: compared as changed, restored
        return False
