"""Where the tasks of a run execute: a local process pool (default) or a Dask cluster.

An executor is a function ``(specs, workers=, kernel_name=, scheduler=) -> iterator of results``
registered by scheduler kind in :data:`EXECUTORS`; :func:`executor_for` picks one from the
``scheduler`` option (``None`` → ``"local"``, ``"local-dask"`` or an address → ``"dask"``). A new
back-end is one function and one :func:`register` line. Every executor runs
:func:`qualitykit.run.tasks.execute_task` in worker processes that each keep one warm kernel.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import signal
import sys
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from qualitykit.errors import QualityKitError
from qualitykit.run.tasks import execute_task, failure

Executor = Callable[..., Iterator[dict[str, Any]]]

EXECUTORS: dict[str, Executor] = {}
"""Executors by scheduler kind."""


def register(kind: str) -> Callable[[Executor], Executor]:
    """Register the decorated function as the executor of scheduler kind ``kind``."""

    def deco(func: Executor) -> Executor:
        EXECUTORS[kind] = func
        return func

    return deco


def scheduler_kind(scheduler: str | None) -> str:
    """``None`` → ``local``; ``local-dask``/``dask`` or a scheduler address → ``dask``."""
    if not scheduler or scheduler == "local":
        return "local"
    return "dask"


def executor_for(scheduler: str | None) -> Executor:
    return EXECUTORS[scheduler_kind(scheduler)]


# --------------------------------------------------------------------------------------------
# worker processes
# --------------------------------------------------------------------------------------------


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


UNUSED_IN_WORKERS = ("rfc3987_syntax", "rfc3986_validator", "isoduration")
"""Optional modules a local worker process never uses, kept from being imported there:
``jsonschema`` (which nbformat and papermill import) imports ``rfc3987_syntax`` only to offer
the ``iri`` format checks, and that builds a parser at import (≈ 1.3 s of CPU per worker),
``rfc3986_validator`` only for the ``uri`` checks (it compiles its grammar's regular
expressions at import, ≈ 0.04 s) and ``isoduration`` (with ``arrow``, ≈ 0.05 s) only for the
``duration`` format; nbformat validates notebooks without format checks. Python's documented
``sys.modules[name] = None`` makes such an import fail, and jsonschema goes without those checks,
as it does when the module is not installed. Only in the pool's worker processes (never in the
caller's process nor in the kernels, which run the user's code)."""


def _skip_unused_imports() -> None:
    for name in UNUSED_IN_WORKERS:
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]


def _freeze_at_exit() -> None:
    """At the worker's exit — after its warm kernel was shut down (a finalizer of higher
    priority) — move every object out of the garbage collector's sight (:func:`gc.freeze`).

    Python's own finalization then skips the full collections over the worker's long-lived heap
    (≈ 0.1–0.3 s per worker after a run, which the run's caller waits for); the memory goes with
    the process. atexit handlers, module teardown and the exit code are Python's; what is not done
    is finalising objects that only a reference cycle keeps alive (which Python does not promise
    at exit either) — the worker holds no unwritten output: each report's files were written and
    synced before its result was returned (:mod:`qualitykit.run.tasks`)."""
    from multiprocessing import util

    util.Finalize(None, gc.freeze, exitpriority=0)


def _init_worker(kernel_name: str) -> None:
    _die_with_parent()
    _skip_unused_imports()  # before the engine imports nbformat (→ jsonschema)
    from qualitykit.run import engine

    engine.import_papermill_without_hdfs()
    engine.warm_kernel(kernel_name)  # its shutdown is a finalizer of priority 100
    _freeze_at_exit()


# --------------------------------------------------------------------------------------------
# local process pool
# --------------------------------------------------------------------------------------------


@register("local")
def execute_local(
    specs: list[dict[str, Any]], *, workers: int, kernel_name: str, **_: Any
) -> Iterator[dict[str, Any]]:
    """A pool of worker processes, each with a warm kernel, given one task per idle worker.

    Failures of a notebook (exception, timeout, dead kernel) are results of :func:`execute_task`.
    Should a worker process itself die (killed from outside, out of memory), the tasks in flight
    at that moment fail with that error and the pool is rebuilt for the rest; a pool that breaks
    before finishing any task means workers cannot start at all, which stops the run."""
    queue = list(reversed(specs))
    ctx = multiprocessing.get_context("spawn")
    while queue:
        n = max(1, min(workers, len(queue)))
        pool = ProcessPoolExecutor(
            n, mp_context=ctx, initializer=_init_worker, initargs=(kernel_name,)
        )
        in_flight: dict[Future[dict[str, Any]], dict[str, Any]] = {}
        finished_any = broken = False
        try:
            while queue or in_flight:
                while queue and len(in_flight) < n:
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
                        result = failure(in_flight[fut], "error", f"{type(exc).__name__}: {exc}")
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
                yield failure(spec, "error", "a worker process died while this report was running")


# --------------------------------------------------------------------------------------------
# Dask
# --------------------------------------------------------------------------------------------


@register("dask")
def execute_dask(
    specs: list[dict[str, Any]], *, workers: int, kernel_name: str, scheduler: str, **_: Any
) -> Iterator[dict[str, Any]]:
    """The same task function on a Dask cluster: ``local-dask`` starts a local cluster of
    ``workers`` processes (one thread each); an address connects to a running scheduler."""
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise QualityKitError(
            "the Dask scheduler needs dask[distributed]: pip install 'qualitykit[dask]'"
        ) from None
    cluster = None
    if scheduler in {"local-dask", "dask"}:
        cluster = LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
        )
        client = Client(cluster)
    else:
        client = Client(scheduler)
    try:
        client.register_plugin(_warm_kernel_plugin(kernel_name), name="qualitykit-warm-kernel")
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
                yield failure(by_key[fut], "error", f"{type(exc).__name__}: {exc}")
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _warm_kernel_plugin(kernel_name: str) -> Any:
    """A Dask worker plugin: start the warm kernel with the worker, shut it down with the worker.
    (Defined lazily: Dask is an optional extra and slow to import.)"""
    from distributed.diagnostics.plugin import WorkerPlugin

    from qualitykit.run import engine

    class WarmKernelPlugin(WorkerPlugin):
        def setup(self, worker: Any) -> None:
            engine.warm_kernel(kernel_name)

        def teardown(self, worker: Any) -> None:
            engine.shutdown_warm()

    return WarmKernelPlugin()
