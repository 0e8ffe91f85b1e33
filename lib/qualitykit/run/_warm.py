"""Kernel-side helpers of the warm kernels of :mod:`qualitykit.run.engine` (imported in the kernel).

:func:`baseline` runs once after the kernel starts: it imports the scientific stack and records
the state a fresh kernel has (user namespace names, matplotlib settings, warning filters,
environment). :func:`reset` restores that state before every notebook, so nothing leaks from one
district's notebook to the next. It is much cheaper than ``%reset -f`` (which also runs a full
garbage collection each time, ~0.3 s with pandas loaded); a full collection runs every 25 resets.
"""

from __future__ import annotations

import gc
import os
import warnings
from collections.abc import Iterable
from typing import Any

_STATE: dict[str, Any] = {}


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
    matplotlib.rcParams.update(_STATE["rc"])
    _fresh_warnings()
    os.environ.clear()
    os.environ.update(_STATE["environ"])
    os.chdir(cwd)
    ip.execution_count = 1
    _STATE["count"] += 1
    gc.collect(2 if _STATE["count"] % 25 == 0 else 0)
