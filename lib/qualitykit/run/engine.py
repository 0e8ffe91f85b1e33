"""The Jupyter side of a run: warm kernels, the cell loop, the papermill engine.

This is the only module of qualitykit that talks to Jupyter (jupyter_client, nbclient's exceptions,
papermill's engine interface, nbformat's output nodes); the rest of :mod:`qualitykit.run` calls
:func:`execute_notebook`.

* **Warm kernels** — each worker process keeps one Jupyter kernel (:class:`WarmKernel`) alive for
  the whole run, with the scientific stack (:data:`PRELOAD`) imported once. Before each notebook
  the kernel's state is reset by :mod:`qualitykit.run._warm` (namespace, matplotlib settings,
  warning filters, environment, working folder, execution counter), so no state leaks between
  districts. A per-notebook watchdog kills the kernel on timeout; a dead kernel is replaced.
  An ipykernel kernel starts without its debugger (:func:`without_debugger`).
* **The papermill engine** ``qualitykit-warm`` (:func:`register_engine`, papermill's documented
  ``Engine`` interface): papermill parameterises the notebook, records cell metadata and raises
  for errors as always; the cells run on the worker's warm kernel through :func:`_run_cells`.
* **One request per notebook** — the reset and every cell go to the kernel in one execute request
  (:func:`qualitykit.run._warm.run_cells`); after each cell the kernel publishes a
  ``qualitykit_cell`` IOPub message with the reply ipykernel would have sent, which attributes the
  outputs before it to that cell (a request costs ≈ 5 ms of kernel and worker CPU). A failing cell
  stops the run as papermill would; a cell with top-level ``await`` and the cells after it are
  sent one request each (they need the kernel's event loop). The cells a kernel already has from
  an earlier notebook are named by number (:class:`_Batch`); messages are read without parsing
  their dates (:func:`_get_msg`).
"""

from __future__ import annotations

import contextlib
import errno
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from functools import cache
from pathlib import Path
from queue import Empty
from typing import Any

import nbformat

from qualitykit.run._warm import BASELINE_CODE, RESET_CODE, RUN_CODE

HDFS_ONLY = "pyarrow"
"""What papermill imports only for its ``hdfs://`` handler: ``papermill.iorw`` imports
``pyarrow.fs`` (→ pyarrow, numpy: ≈ 0.25 s of CPU per worker) at import and keeps a stand-in that
says "install pyarrow" if that import fails. A run's notebooks are local files, so a local worker
imports papermill with that import failing — for the duration of that one import only: afterwards
pyarrow imports as ever (e.g. for an export that reads a table)."""


def import_papermill_without_hdfs() -> None:
    """Import papermill in a local worker process without :data:`HDFS_ONLY` (see there)."""
    if HDFS_ONLY in sys.modules or "papermill.iorw" in sys.modules:
        return
    sys.modules[HDFS_ONLY] = None  # type: ignore[assignment]
    try:
        import papermill.iorw  # noqa: F401
    except ImportError:
        pass  # papermill missing: the engine says so when it is used
    finally:
        if sys.modules.get(HDFS_ONLY, 0) is None:
            del sys.modules[HDFS_ONLY]


_LAUNCH_WITHOUT_DEBUGGER = (
    "import sys\n"
    "from pathlib import Path\n"
    'if sys.path and (sys.path[0] == "" or Path(sys.path[0]) == Path.cwd()):\n'
    "    del sys.path[0]\n"
    'sys.modules["debugpy"] = None\n'
    "try:\n"
    "    import ipykernel.debugger\n"
    "except ImportError:\n"
    "    pass\n"
    'if sys.modules.get("debugpy", 0) is None:\n'
    '    del sys.modules["debugpy"]\n'
    "from ipykernel import kernelapp\n"
    "kernelapp.launch_new_instance()\n"
)
"""What ``ipykernel_launcher`` does (the working folder out of ``sys.path``, then the kernel
application), with ``ipykernel.debugger`` imported first while ``debugpy`` cannot be imported."""


def without_debugger(cmd: list[str]) -> list[str]:
    """The command of an ipykernel kernel (``python -m ipykernel_launcher -f …``, the standard
    kernel spec) that starts it without the Jupyter debugger: ipykernel imports ``debugpy`` at
    start (≈ 0.15 s of CPU per kernel, a third of its start-up) only to serve the debug protocol
    of an interactive front-end, which a batch run never uses. Inside the kernel ``debugpy`` still
    imports as ever (the block covers ipykernel's import only); ``kernel_info`` then reports
    ``debugger: false``. Any other command (another launcher, another language) is returned as
    it is. The code goes through ``exec`` of its ``repr``: one line, whatever the platform's
    command line makes of line breaks."""
    if cmd[1:3] != ["-m", "ipykernel_launcher"]:
        return cmd
    return [cmd[0], "-c", f"exec({_LAUNCH_WITHOUT_DEBUGGER!r})", *cmd[3:]]


@cache
def _batch_kernel_manager() -> type:
    """jupyter_client's :class:`~jupyter_client.manager.AsyncKernelManager` whose kernel command
    goes through :func:`without_debugger`."""
    from jupyter_client.manager import AsyncKernelManager

    class BatchKernelManager(AsyncKernelManager):
        def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
            return without_debugger(super().format_kernel_cmd(extra_arguments))

    return BatchKernelManager


_KNOWN_MAX = 256
"""Most cell sources a kernel keeps by number (:class:`_Batch`); then it starts again."""

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


_DISK_FULL = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}


def kill_tree(pid: int | None) -> None:
    """Kill process ``pid`` and all its descendants (found through their parents, so also those
    that started a session or process group of their own, e.g. ``Popen(...,
    start_new_session=True)``); portable through psutil. The tree is listed before the first
    kill, so that children re-parented by the kernel's death are not lost."""
    import psutil

    if pid is None:
        return
    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.Error:
        return
    for p in procs:
        with contextlib.suppress(psutil.Error):
            p.kill()  # checks the process's identity (pid and start time): never a reused pid
    psutil.wait_procs(procs, timeout=5)


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
        self._async_client: Any = None
        self.sock_dir: Path | None = None
        self.pid: int | None = None
        self.killed_by_watchdog = False
        self.start()

    def start(self) -> None:
        try:
            self._start()
        except BaseException:
            self.shutdown()  # a kernel that failed to start leaves no process nor socket folder
            raise

    def _start(self) -> None:
        from jupyter_core.utils import run_sync

        # IPC sockets in a private temp folder: local only, no TCP ports, no plain-text TCP warning
        sock_dir = Path(tempfile.mkdtemp(prefix="qualitykit-kernel-"))
        self.sock_dir = sock_dir
        self.known: dict[str, int] = {}  # cell sources this kernel keeps, by number (_Batch)
        self.km = _batch_kernel_manager()(
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
        self._wait_until_ready(self.startup_timeout)
        # the kernel imports the scientific stack while this process imports what it needs
        msg_id = self.control.execute(
            BASELINE_CODE.format(preload=PRELOAD), store_history=False, allow_stdin=False
        )
        _preimport()
        self._await_reply(msg_id, self.startup_timeout, "set-up")
        reply = self.control.kernel_info(reply=True, timeout=self.startup_timeout)
        self.language_info = reply["content"].get("language_info", {})

    def _wait_until_ready(self, timeout: float) -> None:
        """jupyter_client's ``wait_for_ready`` (``kernel_info`` until its reply and then a message
        on IOPub arrive) without its last step, listening to IOPub until 0.2 s of silence: an idle
        wait in every kernel's start. What is left on IOPub the cell loop skips, as any request's."""
        deadline = time.monotonic() + timeout
        while True:
            self.control.kernel_info()
            with contextlib.suppress(Empty):
                reply = self.control.shell_channel.get_msg(timeout=1.0)
                if reply["msg_type"] == "kernel_info_reply":
                    with contextlib.suppress(Empty):
                        self.control.iopub_channel.get_msg(timeout=0.2)  # IOPub is connected
                        return
            if not self.alive():
                raise KernelGone("the kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise KernelGone(f"the kernel did not answer within {timeout:g} s of its start")

    def async_client(self) -> Any:
        """A second, asynchronous client of this kernel for nbclient (started on first use)."""
        if self._async_client is None:
            from jupyter_core.utils import run_sync

            self._async_client = self.km.client()
            self._async_client.start_channels()
            run_sync(self._async_client.wait_for_ready)(timeout=self.startup_timeout)
        return self._async_client

    def _execute(self, code: str, timeout: float) -> None:
        msg_id = self.control.execute(code, store_history=False, allow_stdin=False)
        self._await_reply(msg_id, timeout, "set-up")

    def _await_reply(
        self, msg_id: str, timeout: float, what: str, retry_aborted: bool = False
    ) -> bool:
        """Wait for the shell reply to request ``msg_id``; raise :class:`KernelGone` if it failed,
        the kernel died or ``timeout`` seconds passed; with ``retry_aborted`` return False for a
        request the kernel aborted (ipykernel aborts requests that arrive just after a cell
        failed with ``stop_on_error``), else True. (Its IOPub messages are left to the cell loop,
        which skips the messages of other requests.)"""
        deadline = time.monotonic() + timeout
        while True:
            try:
                reply = self.control.shell_channel.get_msg(timeout=1.0)
            except Empty:
                if not self.alive() or time.monotonic() > deadline:
                    raise KernelGone(f"the kernel did not answer ({what})") from None
                continue
            if reply["parent_header"].get("msg_id") == msg_id:
                break
        status = reply["content"]["status"]
        if status == "aborted" and retry_aborted:
            return False
        if status != "ok":
            raise KernelGone(
                f"kernel {what} failed ({status}): {reply['content'].get('evalue', '')}"
            )
        return True

    def alive(self) -> bool:
        from jupyter_core.utils import run_sync

        try:
            return bool(run_sync(self.km.is_alive)())
        except Exception:  # noqa: BLE001 - a manager in a bad state counts as dead
            return False

    def reset(self, cwd: str | Path) -> None:
        """Restore the baseline state before a notebook: one silent execute request whose reply
        is awaited on the shell channel (its IOPub messages are skipped by the cell loop, which
        keeps only the messages of its own requests)."""
        if not self.alive():
            self.restart()
        for attempt in range(3):  # a request right after a failed cell may be aborted: again
            msg_id = self.control.execute(
                RESET_CODE.format(cwd=str(cwd)),
                silent=True,
                store_history=False,
                allow_stdin=False,
            )
            if self._await_reply(msg_id, 60, "reset", retry_aborted=attempt < 2):
                return
            time.sleep(0.1)

    def kill(self) -> None:
        """Kill the kernel and every process it started, now (the per-notebook watchdog calls
        this from its thread; the cell loop then sees a dead kernel and returns)."""
        self.killed_by_watchdog = True
        kill_tree(self.pid)

    def shutdown(self) -> None:
        from jupyter_core.utils import run_sync

        for client in (self.control, self._async_client):
            with contextlib.suppress(Exception):
                client.stop_channels()
        self._async_client = None
        # killed first, with whatever the last notebook left running (listed while the kernel
        # lives: also children with a session of their own); jupyter_client's shutdown then only
        # cleans up (≈ 0.04 s instead of ≈ 0.12 s of polling for the kernel to end)
        kill_tree(self.pid)
        with contextlib.suppress(Exception):
            run_sync(self.km.shutdown_kernel)(now=True)
        if self.sock_dir is not None:
            shutil.rmtree(self.sock_dir, ignore_errors=True)

    def restart(self) -> None:
        self.shutdown()
        self.start()


def _preimport() -> None:
    """Import (and build) what the worker needs for its first report — papermill, the HTML
    renderer's templates and Markdown renderer — while its kernel starts."""
    with contextlib.suppress(Exception):  # only an earlier start; a real failure shows later
        import papermill.engines  # noqa: F401
        from nbclient import exceptions  # noqa: F401

        from qualitykit.report.publish import render_report

        render_report(nbformat.v4.new_notebook(), title="")
        register_engine()


WARM_ENGINE = "qualitykit-warm"
"""The papermill engine of the blocking-client cell loop (:func:`_run_cells`), the default."""
NBCLIENT_WARM_ENGINE = "qualitykit-warm-nbclient"
"""papermill's own nbclient execution on the warm kernel (``km=``): the reference the fast loop is
measured and tested against (``RunOptions(engine="nbclient")``)."""
ENGINES = {"loop": WARM_ENGINE, "nbclient": NBCLIENT_WARM_ENGINE}
"""Engine choices of a run → registered papermill engine names."""


@cache
def register_engine() -> None:
    """Register the papermill engines of the warm kernel (papermill's documented ``Engine``
    interface): papermill parameterises the notebook, records its cell metadata and raises for
    errors as always; the cells run on the worker's :class:`WarmKernel`, through the blocking
    client (``qualitykit-warm``) or through papermill's own nbclient client given the kernel's
    manager (``qualitykit-warm-nbclient``)."""
    from papermill.engines import Engine, papermill_engines

    def engine(run_cells: Callable[..., None]) -> type:
        class WarmEngine(Engine):
            @classmethod
            def execute_managed_notebook(
                cls,
                nb_man: Any,
                kernel_name: str,
                execution_timeout: float | None = None,
                **kwargs: Any,
            ) -> Any:
                run_cells(
                    nb_man, kwargs["warm"], execution_timeout, kernel_name, kwargs.get("reset_cwd")
                )
                if kwargs.get("rename"):
                    _point_to_final(nb_man.nb, *kwargs["rename"])
                return nb_man.nb

        return WarmEngine

    papermill_engines.register(WARM_ENGINE, engine(_run_cells))
    papermill_engines.register(NBCLIENT_WARM_ENGINE, engine(_run_nbclient))


def _run_nbclient(
    nb_man: Any, warm: WarmKernel, cell_timeout: float | None, kernel_name: str, cwd: str | None
) -> None:
    """papermill's own client (nbclient) on the warm kernel: its manager, one asynchronous client
    kept for the kernel's life (a new client per notebook would cost an IOPub flush each time);
    the kernel reset first (``cwd``) in a request of its own."""
    from papermill.clientwrap import PapermillNotebookClient

    if cwd is not None:
        warm.reset(cwd)
    client = PapermillNotebookClient(
        nb_man, km=warm.km, timeout=cell_timeout, kernel_name=kernel_name
    )
    client.kc = warm.async_client()
    client.execute()


def _output(msg_type: str, content: dict[str, Any]) -> nbformat.NotebookNode | None:
    """The output node of an IOPub message, built as :func:`nbformat.v4.output_from_msg` builds it
    but without validating each output on its own (~1 ms each, the worker's largest CPU cost after
    the kernel protocol): papermill validates the whole notebook once when it writes it."""
    if msg_type == "stream":
        out = {"output_type": "stream", "name": content["name"], "text": content["text"]}
    elif msg_type in {"display_data", "execute_result"}:
        out = {
            "output_type": msg_type,
            "data": content.get("data", {}),
            "metadata": content.get("metadata", {}),
        }
        if msg_type == "execute_result":
            out["execution_count"] = content["execution_count"]
    elif msg_type == "error":
        out = {
            "output_type": "error",
            "ename": content["ename"],
            "evalue": content["evalue"],
            "traceback": content["traceback"],
        }
    else:
        return None
    return nbformat.from_dict(out)


class _CellSink:
    """Turns the IOPub messages of a cell into its outputs, as nbclient does: ``clear_output``
    with and without ``wait``, display ids updated across cells, comm messages and the like
    dropped."""

    def __init__(self, nb: nbformat.NotebookNode) -> None:
        self.nb = nb
        self.display_ids: dict[str, dict[int, list[int]]] = {}  # id → cell index → outputs
        self.index = -1
        self.clear_next = False

    def start(self, index: int) -> None:
        self.index = index
        self.clear_next = False
        self.nb.cells[index].outputs = []

    def _forget_display_ids(self) -> None:
        for cell_map in self.display_ids.values():
            if self.index in cell_map:
                cell_map[self.index] = []

    def add(self, kind: str, content: dict[str, Any]) -> None:
        cell = self.nb.cells[self.index]
        transient = content.get("transient")
        display_id = transient.get("display_id") if transient else None
        if display_id and kind in {"execute_result", "display_data", "update_display_data"}:
            for c_index, indices in self.display_ids.get(display_id, {}).items():
                outputs = self.nb.cells[c_index].outputs
                for i in indices:
                    outputs[i]["data"] = nbformat.from_dict(content.get("data", {}))
                    outputs[i]["metadata"] = nbformat.from_dict(content.get("metadata", {}))
        if "execution_count" in content:
            cell.execution_count = content["execution_count"]
        if kind == "clear_output":
            if content.get("wait"):
                self.clear_next = True
            else:
                cell.outputs = []
                self._forget_display_ids()
        elif kind not in {"execute_input", "update_display_data", "status"}:
            out = _output(kind, content)
            if out is None:
                return  # comm messages and the like: nbclient keeps no output either
            if self.clear_next:
                cell.outputs = []
                self._forget_display_ids()
                self.clear_next = False
            if display_id:
                self.display_ids.setdefault(display_id, {}).setdefault(self.index, []).append(
                    len(cell.outputs)
                )
            cell.outputs.append(out)


def _get_msg(channel: Any, timeout: float) -> dict[str, Any]:
    """The next message of a blocking client's channel as its ``get_msg`` gives it (signature
    checked, every part unpacked), but with the headers' dates left as the kernel sent them —
    jupyter_client parses each header's date (~0.1 ms a message, a quarter of the worker's cost
    per message); the cell loop reads no dates. Raises :class:`queue.Empty` after ``timeout``
    seconds. (A channel other than jupyter_client's ``ZMQSocketChannel``: its own ``get_msg``.)"""
    import hmac

    socket, session = getattr(channel, "socket", None), getattr(channel, "session", None)
    if socket is None or session is None or not hasattr(session, "feed_identities"):
        return channel.get_msg(timeout=timeout)
    if not socket.poll(int(timeout * 1000)):
        raise Empty
    _, parts = session.feed_identities(socket.recv_multipart())
    if len(parts) < 5:
        raise TypeError("malformed message, must have at least 5 elements")
    if session.auth is not None and not hmac.compare_digest(parts[0], session.sign(parts[1:5])):
        raise ValueError("Invalid Signature")
    header = session.unpack(parts[1])
    return {
        "header": header,
        "msg_id": header["msg_id"],
        "msg_type": header["msg_type"],
        "parent_header": session.unpack(parts[2]),
        "metadata": session.unpack(parts[3]),
        "content": session.unpack(parts[4]),
        "buffers": [memoryview(b) for b in parts[5:]],
    }


def _next_message(
    warm: WarmKernel, msg_id: str, deadline: float | None, cell: Any, timeout: Any
) -> Any:
    """The next IOPub message of request ``msg_id`` (others are skipped); raises
    :class:`KernelGone` for a dead kernel and nbclient's ``CellTimeoutError`` (after killing the
    kernel) when ``deadline`` passed."""
    from nbclient.exceptions import CellTimeoutError

    iopub = warm.control.iopub_channel
    while True:
        try:
            msg = _get_msg(iopub, 0.5)
        except Empty:
            if not warm.alive():
                raise KernelGone("the kernel died") from None
            if deadline is not None and time.monotonic() > deadline:
                warm.kill()
                raise CellTimeoutError.error_from_timeout_and_cell(
                    "Cell execution timed out", timeout, cell
                ) from None
            continue
        if msg["parent_header"].get("msg_id") == msg_id:
            return msg


class _Batch:
    """All the code cells of a notebook in one execute request (:func:`qualitykit.run._warm.
    run_cells`, which also resets the kernel first); :meth:`cell` returns each cell's reply as
    its :data:`~qualitykit.run._warm.CELL_DONE` message arrives, its outputs added to it.

    The request names the cells the kernel already has (from an earlier notebook of this run) by
    number and sends only the others' sources (the injected parameters always): a short request
    costs the kernel less to parse, hash and keep (ipykernel names each request's code by a
    pure-Python hash of it). The numbers count as known once the kernel ran the request."""

    def __init__(
        self, warm: WarmKernel, cwd: str, cells: list[tuple[int, str, bool, bool]]
    ) -> None:
        self.warm = warm
        known = warm.known
        clear = len(known) + len(cells) > _KNOWN_MAX
        if clear:
            known.clear()
        self.new: dict[str, int] = {}
        request = []
        for index, source, allow_error, unique in cells:
            if unique:  # the injected parameters: sent as they are, never kept
                request.append((index, source, allow_error))
                continue
            number = known.get(source)
            if number is None:
                number = self.new.setdefault(source, len(known) + len(self.new))
            request.append((index, number, allow_error))
        self.code = RUN_CODE.format(
            cwd=cwd, cells=request, new={n: src for src, n in self.new.items()}, clear=clear
        )
        self.attempts = 0
        self.deferred = False
        self.done = False
        self._send()

    def _send(self) -> None:
        self.attempts += 1
        self.msg_id = self.warm.control.execute(
            self.code, silent=True, store_history=False, allow_stdin=False, stop_on_error=False
        )

    def cell(
        self, index: int, sink: _CellSink, cell_timeout: float | None
    ) -> dict[str, Any] | None:
        """The reply of cell ``index`` (None: deferred to a request of its own)."""
        if self.deferred or self.done:
            return None
        from qualitykit.run._warm import CELL_DONE

        cell = sink.nb.cells[index]
        deadline = None if not cell_timeout else time.monotonic() + cell_timeout
        while True:
            msg = _next_message(self.warm, self.msg_id, deadline, cell, cell_timeout)
            kind, content = msg["msg_type"], msg["content"]
            if kind == CELL_DONE:
                if self.new:  # the kernel has run the request: it keeps these sources now
                    self.warm.known.update(self.new)
                    self.new = {}
                if content.get("deferred"):
                    self.deferred = True
                    return None
                cell.execution_count = content["execution_count"]
                return content
            if kind == "status" and content["execution_state"] == "idle":
                reply = _reply(self.warm, self.msg_id, cell_timeout)
                if reply["status"] == "aborted" and self.attempts < 3:
                    time.sleep(0.1)  # a request right after a failed cell may be aborted: again
                    self._send()
                    continue
                self.done = True  # the request ended early: its own failure
                raise RuntimeError(
                    f"the cell runner failed: {reply.get('ename')}: {reply.get('evalue')}"
                )
            sink.add(kind, content)


def _reply(warm: WarmKernel, msg_id: str, timeout: float | None) -> dict[str, Any]:
    """The shell reply's content of request ``msg_id`` (the shell channel answers in order)."""
    while True:
        reply = warm.control.shell_channel.get_msg(timeout=timeout or None)
        if reply["parent_header"].get("msg_id") == msg_id:
            return reply["content"]


def _run_one(warm: WarmKernel, sink: _CellSink, index: int, cell_timeout: float | None) -> Any:
    """Cell ``index`` in an execute request of its own; its reply."""
    cell = sink.nb.cells[index]
    allow_error = "raises-exception" in cell.get("metadata", {}).get("tags", [])
    msg_id = warm.control.execute(
        cell.source, store_history=True, allow_stdin=False, stop_on_error=not allow_error
    )
    deadline = None if not cell_timeout else time.monotonic() + cell_timeout
    while True:
        msg = _next_message(warm, msg_id, deadline, cell, cell_timeout)
        kind, content = msg["msg_type"], msg["content"]
        if kind == "status" and content["execution_state"] == "idle":
            break
        sink.add(kind, content)
    return _reply(warm, msg_id, cell_timeout)


def _runnable(cell: Any) -> bool:
    tags = cell.get("metadata", {}).get("tags", [])
    return cell.cell_type == "code" and bool(cell.source.strip()) and "skip-execution" not in tags


def _run_cells(
    nb_man: Any,
    warm: WarmKernel,
    cell_timeout: float | None,
    kernel_name: str = "",
    cwd: str | None = None,
) -> None:
    """Execute the code cells of ``nb_man.nb`` on the warm kernel's blocking client.

    What nbclient's ``NotebookClient`` does (the same outputs: ``tests/test_run_engine.py``
    compares them), without its asyncio machinery and with one execute request for the whole
    notebook (:class:`_Batch`, given ``cwd``: the kernel is reset first, in the same request)
    instead of one per cell — each request costs ~5 ms of CPU of its own. The IOPub messages
    become outputs until the cell's end (``clear_output`` with and without ``wait``, display
    ids updated across cells); cells tagged ``skip-execution`` are skipped and
    ``raises-exception`` may fail. The first failing cell stops the notebook (papermill then
    reports it); a dead kernel raises :class:`KernelGone`; a cell past ``cell_timeout`` seconds
    stops the kernel. Without ``cwd``, and for cells with top-level ``await``, one request per
    cell."""
    from nbclient.exceptions import CellExecutionError

    nb = nb_man.nb
    if warm.language_info:
        nb.metadata["language_info"] = warm.language_info
    sink = _CellSink(nb)
    batch = None
    if cwd is not None:
        cells = [
            (i, c.source, "raises-exception" in tags, "injected-parameters" in tags)
            for i, c in enumerate(nb.cells)
            if _runnable(c)
            for tags in [c.get("metadata", {}).get("tags", [])]
        ]
        batch = _Batch(warm, cwd, cells)
    for index, cell in enumerate(nb.cells):
        nb_man.cell_start(cell, index)
        try:
            if not _runnable(cell):
                continue
            allow_error = "raises-exception" in cell.get("metadata", {}).get("tags", [])
            sink.start(index)
            reply = batch.cell(index, sink, cell_timeout) if batch is not None else None
            if reply is None:
                reply = _run_one(warm, sink, index, cell_timeout)
            if reply["status"] == "error" and not allow_error:
                raise CellExecutionError.from_cell_and_msg(cell, reply)
        except CellExecutionError as exc:
            nb_man.cell_exception(nb.cells[index], cell_index=index, exception=exc)
            break
        finally:
            nb_man.cell_complete(nb.cells[index], cell_index=index)


_WARM: WarmKernel | None = None


def warm_kernel(kernel_name: str) -> WarmKernel:
    global _WARM
    if _WARM is None or _WARM.kernel_name != kernel_name:
        if _WARM is not None:
            _WARM.shutdown()
        _WARM = WarmKernel(kernel_name)
        from multiprocessing import util

        util.Finalize(None, shutdown_warm, exitpriority=100)  # runs in pool workers at exit
    return _WARM


def shutdown_warm() -> None:
    global _WARM
    if _WARM is not None:
        _WARM.shutdown()
        _WARM = None


def _point_to_final(nb: nbformat.NotebookNode, staging: str, final: str) -> None:
    """The executed notebook names where its tables end up, not the staging folder: the injected
    parameters (cell and papermill metadata) and papermill's ``output_path`` are rewritten in
    memory, before papermill saves. The injected cell gets a fixed id instead of papermill's
    random one (same inputs, same bytes)."""
    for cell in nb.cells:
        if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            cell.source = cell.source.replace(staging, final)
            if "id" in cell:
                cell["id"] = "injected-parameters"
    meta = nb.metadata.get("papermill", {})
    params = meta.get("parameters", {})
    for name, value in params.items():
        if isinstance(value, str):
            params[name] = value.replace(staging, final)
    if isinstance(meta.get("output_path"), str):  # the staging folder's name is random
        meta["output_path"] = meta["output_path"].replace(staging, final)


def execute_notebook(
    notebook: Path,
    output: Path,
    parameters: dict[str, Any],
    *,
    kernel_name: str = "python3",
    timeout: float | None = None,
    rename: tuple[str, str] | None = None,
    engine: str = "loop",
) -> tuple[nbformat.NotebookNode | None, str, str | None]:
    """Execute ``notebook`` with ``parameters`` on this process's warm kernel, writing the
    executed notebook to ``output``; the staging folder ``rename[0]`` is written as ``rename[1]``
    in the saved notebook. Returns ``(executed notebook or None, status, error)`` with status
    ``ok``, ``failed`` (a cell raised), ``timeout``, ``dead_kernel`` or ``error``; never raises for
    a failure of the notebook itself. ``engine``: a key of :data:`ENGINES`."""
    import threading

    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    register_engine()
    status, error, executed = "ok", None, None
    warm = warm_kernel(kernel_name)
    watchdog = threading.Timer(timeout, warm.kill) if timeout else None
    try:
        if not warm.alive():
            warm.restart()
        if watchdog:
            watchdog.start()
        executed = pm.execute_notebook(
            str(notebook),
            str(output),
            parameters=parameters,
            engine_name=ENGINES[engine],
            warm=warm,
            reset_cwd=str(notebook.parent.resolve()),  # the engine resets the kernel first
            rename=rename,
            kernel_name=warm.kernel_name,
            progress_bar=False,
            request_save_on_cell_execute=False,
            execution_timeout=timeout,
            log_output=False,
        )
    except PapermillExecutionError as exc:
        status = "failed"
        error = f"{exc.ename}: {exc.evalue}".strip().rstrip(":") + f" (cell {exc.exec_count})"
    except Exception as exc:  # a kernel death or timeout must not stop the worker
        if isinstance(exc, OSError) and exc.errno in _DISK_FULL:
            raise  # a full disk stops the run (see tasks.execute_task), not only this report
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
    return executed, status, error
