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
the same for every district but the injected parameters; so are the file names ipykernel gives
the cells' code (a pure-Python hash of each source), the code objects of the cells'
statements (:func:`_remember_compiled`) and whether a cell needs the event loop
(:func:`_remember_async_checks`). The objects of the baseline (the imported scientific
stack) are moved out of the collector's sight (:func:`gc.freeze`), so that the collections during
and between notebooks scan only what the notebooks made. ipykernel's output streams skip flushes
with nothing to send (a round trip to the IOPub thread before every display) and send their text
when asked — at a cell's end, before a display — never on a timer (:data:`STREAM_FLUSH_INTERVAL`).

:func:`run_cells` runs the reset and then all the code cells of a notebook in **one** execute
request, each cell through ``run_cell`` exactly as ipykernel runs a request's code (the same
outputs, execution counts, history, tracebacks); after each cell it flushes the output streams
and publishes a ``qualitykit_cell`` IOPub message (:data:`CELL_DONE`) with the cell's reply, by
which the worker's cell loop (:func:`qualitykit.run.engine._run_cells`) attributes the outputs to
cells. A kernel request costs ~4 ms of kernel CPU and ~1 ms of worker CPU of its own, and a
district brief has ten of them.
"""

from __future__ import annotations

import gc
import os
import sys
import warnings
from collections.abc import Iterable
from typing import Any

# the requests by which the worker (qualitykit.run.engine) runs the functions below in the kernel
BASELINE_CODE = """\
%matplotlib inline
import qualitykit.run._warm
qualitykit.run._warm.baseline(get_ipython(), {preload!r})
del qualitykit
"""

RESET_CODE = """\
__import__("qualitykit.run._warm").run._warm.reset(get_ipython(), {cwd!r})
"""

RUN_CODE = """\
__import__("qualitykit.run._warm").run._warm.run_cells(get_ipython(), {cwd!r}, {cells!r}, {new!r}, {clear!r})
"""

_STATE: dict[str, Any] = {}
FULL_GC_EVERY = 50
CELL_DONE = "qualitykit_cell"
"""IOPub message type :func:`run_cells` publishes after each cell (content: ``index`` and the
cell's reply: ``status``, ``execution_count``, with ``ename``, ``evalue``, ``traceback`` on
error; or ``deferred``: the cell needs the kernel's event loop and is left to a request of its
own)."""
_TRANSFORM_CACHE_MAX = 512
_SOURCES: dict[int, str] = {}
"""Cell sources kept from earlier requests of :func:`run_cells`, by the number the worker gave
them (the worker decides what is kept and when it is forgotten)."""


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
    flags = getattr(getattr(ip, "compile", None), "flags", None)
    if isinstance(flags, int):
        _STATE["flags"] = flags
    _fresh_warnings()
    _remember_transforms(ip.input_transformer_manager)
    _remember_code_names(getattr(ip, "compile", None))
    _remember_compiled(ip)
    _remember_async_checks(ip)
    for stream in (sys.stdout, sys.stderr):
        _skip_empty_flushes(stream)
        _flush_when_asked(stream)
    gc.collect()
    gc.freeze()  # the baseline lives as long as the kernel: never scanned again


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


def _remember_code_names(compiler: Any) -> None:
    """Memoise ``compiler.get_code_name`` (the file name a cell's code gets: ipykernel hashes
    the whole source with a pure-Python MurmurHash, ~1 ms per cell) per arguments, on this
    instance only."""
    get_code_name = getattr(compiler, "get_code_name", None)
    if get_code_name is None:
        return
    cache: dict[tuple[str, str, int], str] = {}

    def remembered(raw_code: str, transformed_code: str, number: int) -> str:
        key = (raw_code, transformed_code, number)
        name = cache.get(key)
        if name is None:
            if len(cache) >= _TRANSFORM_CACHE_MAX:
                cache.clear()
            name = cache[key] = get_code_name(raw_code, transformed_code, number)
        return name

    compiler.get_code_name = remembered


def _remember_async_checks(ip: Any) -> None:
    """Memoise ``ip.should_run_async`` per transformed cell, on this instance only: IPython
    compiles the whole cell each time to find a top-level ``await`` (≈ 2 % of a district brief's
    kernel time). Its answer is a function of that text while ``autoawait`` is on and the
    transformation did not fail; any other call goes to IPython as it is."""
    should = getattr(ip, "should_run_async", None)
    if should is None:
        return
    cache: dict[str, bool] = {}

    def remembered(
        raw_cell: str, *, transformed_cell: str | None = None, preprocessing_exc_tuple: Any = None
    ) -> bool:
        if (
            not isinstance(transformed_cell, str)
            or preprocessing_exc_tuple is not None
            or not getattr(ip, "autoawait", True)
        ):
            return bool(
                should(
                    raw_cell,
                    transformed_cell=transformed_cell,
                    preprocessing_exc_tuple=preprocessing_exc_tuple,
                )
            )
        answer = cache.get(transformed_cell)
        if answer is None:
            if len(cache) >= _TRANSFORM_CACHE_MAX:
                cache.clear()
            answer = cache[transformed_cell] = bool(
                should(raw_cell, transformed_cell=transformed_cell)
            )
        return answer

    ip.should_run_async = remembered


_COMPILED_MAX = 2048


def _remember_compiled(ip: Any) -> None:
    """Remember the code objects IPython compiles for each top-level statement of a cell (it
    compiles them one by one, each time: ~5 ms per report), on this kernel's compiler only.

    A code object is a pure function of the statement's syntax tree, the file name, the mode and
    the compiler flags; the tree is one of the cell's transformed source (which IPython keeps in
    :mod:`linecache` under the file name) at the statement's position. So the key is the file
    name, that source, the statement's span, the mode and the flags; nothing is remembered while
    the shell has AST transformers (they may change a tree) or for anything but a parsed
    statement of a cached cell. The future flags a code object sets are set again as
    :class:`codeop.Compile` sets them."""
    import ast
    import codeop
    import linecache

    compiler = getattr(ip, "compile", None)
    base = type(compiler)
    if compiler is None or not issubclass(base, codeop.Compile):
        return
    cache: dict[tuple[Any, ...], Any] = {}
    features = [f.compiler_flag for f in getattr(codeop, "_features", ())]

    class RememberingCompiler(base):  # type: ignore[misc, valid-type]
        def __call__(self, source: Any, filename: str, symbol: str, **kwargs: Any) -> Any:
            entry = linecache.cache.get(filename)
            if (
                kwargs
                or getattr(ip, "ast_transformers", None)
                or not isinstance(source, ast.Module | ast.Interactive)
                or entry is None
                or not isinstance(entry[2], list)
            ):
                return super().__call__(source, filename, symbol, **kwargs)
            spans = tuple(
                (n.lineno, n.col_offset, n.end_lineno, n.end_col_offset) for n in source.body
            )
            key = (filename, "".join(entry[2]), spans, symbol, self.flags)
            code = cache.get(key)
            if code is None:
                if len(cache) >= _COMPILED_MAX:
                    cache.clear()
                code = cache[key] = super().__call__(source, filename, symbol)
            else:
                for flag in features:
                    if code.co_flags & flag:
                        self.flags |= flag
            return code

    RememberingCompiler.__name__ = RememberingCompiler.__qualname__ = base.__name__
    compiler.__class__ = RememberingCompiler


def _skip_empty_flushes(stream: Any) -> None:
    """Make ``stream.flush()`` return at once when nothing was written since the last flush, on
    this instance only (ipykernel's output streams: a flush is a round trip to the IOPub thread,
    ~0.5 ms of wall time, and ipykernel flushes both streams before every display — ~50 times
    per report, nearly always with nothing to send). What was written is flushed as before; the
    messages sent after it still go through the IOPub thread's queue behind it."""
    flush = getattr(stream, "flush", None)
    if flush is None or not hasattr(stream, "_buffers") or not hasattr(stream, "_buffer_lock"):
        return  # not ipykernel's OutStream (or another version of it): left as it is

    def flush_if_written() -> None:
        if getattr(stream, "echo", None) is None:
            with stream._buffer_lock:
                written = any(buf.tell() for buf in stream._buffers.values())
            if not written:
                return
        flush()

    stream.flush = flush_if_written


STREAM_FLUSH_INTERVAL = 1e6
"""Seconds after a write before ipykernel's output stream sends it on its own (its default is
0.2 s): in a warm kernel the text is sent when the cell ends, before each display and when the
buffer is flushed, never on a timer — a timer left from the last notebook could otherwise cut a
later cell's text at a random point, and the same notebook would not give the same outputs."""


def _flush_when_asked(stream: Any) -> None:
    """:data:`STREAM_FLUSH_INTERVAL` on ipykernel's output stream ``stream`` (this instance)."""
    if isinstance(getattr(stream, "flush_interval", None), float) and hasattr(
        stream, "_schedule_flush"
    ):
        stream.flush_interval = STREAM_FLUSH_INTERVAL


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
    compiler = getattr(ip, "compile", None)
    if isinstance(getattr(compiler, "flags", None), int) and "flags" in _STATE:
        compiler.flags = _STATE["flags"]  # a notebook's `from __future__ import …` ends with it
    outputs = getattr(getattr(ip, "history_manager", None), "outputs", None)
    if isinstance(outputs, dict):  # IPython 9 keeps every cell's outputs in memory
        outputs.clear()
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


def run_cells(
    ip: Any,
    cwd: str,
    cells: list[tuple[int, str | int, bool]],
    new: dict[int, str] | None = None,
    clear: bool = False,
) -> None:
    """:func:`reset`, then run ``cells`` (``(index, source, allow_error)``; a number instead of
    the source names a source kept from an earlier request, :data:`_SOURCES`, to which ``new``
    adds — after forgetting the others if ``clear``) in order, each as
    ipykernel runs an execute request's code (``ip.run_cell(source, store_history=True)``), and
    publish a :data:`CELL_DONE` message after each with the reply ipykernel would have sent. A
    failing cell stops the run unless ``allow_error``; a cell with top-level ``await`` (which
    needs the kernel's running event loop) is not run here: its message says ``deferred`` and
    the worker runs it and the cells after it one request each."""
    if clear:
        _SOURCES.clear()
    _SOURCES.update(new or {})
    reset(ip, cwd)
    for index, kept, allow_error in cells:
        source = _SOURCES[kept] if isinstance(kept, int) else kept
        if ("await" in source or "async" in source) and _needs_loop(ip, source):
            _publish(ip, {"index": index, "deferred": True})
            return
        res = ip.run_cell(source, store_history=True)
        err = res.error_before_exec if res.error_before_exec is not None else res.error_in_exec
        reply: dict[str, Any] = {"index": index, "execution_count": res.execution_count}
        if res.success and not getattr(ip, "_last_traceback_during_displayhook", False):
            reply["status"] = "ok"
        else:
            reply.update(
                status="error",
                traceback=getattr(ip, "_last_traceback", None) or [],
                ename=type(err).__name__,
                evalue=str(err),
            )
        _publish(ip, reply)
        if reply["status"] != "ok" and not allow_error:
            return


def _needs_loop(ip: Any, source: str) -> bool:
    try:
        return bool(ip.should_run_async(source, transformed_cell=ip.transform_cell(source)))
    except Exception:  # noqa: BLE001 - a cell that does not transform fails in run_cell
        return False


def _publish(ip: Any, content: dict[str, Any]) -> None:
    """Flush the output streams (their text belongs to the cell just run), then publish
    ``content`` as a :data:`CELL_DONE` message on IOPub, behind them, to the current request."""
    sys.stdout.flush()
    sys.stderr.flush()
    pub = ip.display_pub
    pub.session.send(
        pub.pub_socket, CELL_DONE, content, pub.parent_header, ident=CELL_DONE.encode()
    )
