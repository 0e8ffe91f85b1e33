"""The Jupyter engine of the batch runner (``qualitykit.run.engine``).

Parity: the warm kernel's blocking-client cell loop must give the same notebook as papermill's own
``NBClientEngine`` — compared cell by cell (cell type, source, execution count, every output with
its data and metadata), ignoring only cell metadata (execution timings). Two references:

* papermill's default engine on a fresh kernel (``pm.execute_notebook`` as a user would call it);
  figures are compared by their MIME types only, since the warm kernel has the report stack
  (plot style, CJK font) imported before the notebook starts;
* papermill's nbclient client on the same warm kernel (``engine="nbclient"``): identical, images
  included.

Fixtures: ``output_kinds`` (streams, Markdown and PNG displays, an execute result, ``clear_output``
with and without ``wait``, display updates within and across cells, a tagged expected error, a
skipped cell, a figure, a final uncaught error) and ``fault_report`` (warnings, a figure, files).
"""

from __future__ import annotations

import ast
import gc
import json
import re
import warnings
from pathlib import Path

import nbformat
import pytest

from qualitykit.run import engine

FIXTURES = Path(__file__).parent / "fixtures" / "notebooks"
KINDS = FIXTURES / "output_kinds.ipynb"
FAULT = FIXTURES / "fault_report.ipynb"
LIB = Path(__file__).resolve().parents[1] / "lib" / "qualitykit"

pytestmark = pytest.mark.notebook


@pytest.fixture(scope="module", autouse=True)
def _warm_kernel():
    yield
    engine.shutdown_warm()


def _papermill(nb: Path, out: Path, params: dict) -> nbformat.NotebookNode:
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    try:
        pm.execute_notebook(
            str(nb),
            str(out),
            parameters=params,
            kernel_name="python3",
            progress_bar=False,
            cwd=str(nb.parent),
        )
    except PapermillExecutionError:
        pass
    return nbformat.read(str(out), as_version=4)


def _warm(nb: Path, out: Path, params: dict, which: str = "loop") -> nbformat.NotebookNode:
    executed, status, error = engine.execute_notebook(nb, out, params, timeout=120, engine=which)
    assert status in {"ok", "failed"}, error
    return nbformat.read(str(out), as_version=4)


def _coalesced_streams(outputs: list) -> list:
    """Consecutive stream outputs of the same stream joined (as nbconvert's
    ``coalesce_streams`` does): where a cell's text is cut into two messages depends on a kernel's
    flush timer — papermill's kernel sends what was printed 0.2 s after the write, so on a busy
    machine ``print("x")`` can reach the notebook as "x" and "\\n"."""
    out: list = []
    for o in outputs:
        if (
            out
            and o.get("output_type") == "stream"
            and out[-1].get("output_type") == "stream"
            and out[-1].get("name") == o.get("name")
        ):
            out[-1] = {**out[-1], "text": out[-1]["text"] + o["text"]}
        else:
            out.append(dict(o))
    return out


def _cells(nb: nbformat.NotebookNode, *, images: bool = True) -> list:
    text = json.dumps(nb, sort_keys=True)
    text = re.sub(r"ipykernel_\d+", "ipykernel_<pid>", text)
    nb = nbformat.from_dict(json.loads(text))
    cells = []
    for c in nb.cells:
        outputs = []
        for o in _coalesced_streams(c.get("outputs", [])):
            o = json.loads(json.dumps(o))
            if not images and "data" in o:
                o["data"] = {
                    k: (v if not k.startswith("image/") else "<image>")
                    for k, v in o["data"].items()
                }
                if any(k.startswith("image/") for k in o["data"]):
                    o["data"].pop("text/plain", None)  # names the figure's size in pixels
                    o["metadata"] = {}
            outputs.append(o)
        cells.append((c.cell_type, c.source, c.get("execution_count"), outputs))
    return cells


@pytest.mark.parametrize(
    ("nb", "params"),
    [
        (KINDS, {"label": "乙"}),
        (KINDS, {"fail": False}),
        (FAULT, {"region_code": "330302"}),
        (FAULT, {"region_code": "330303", "fault": "raise"}),
    ],
)
def test_cell_loop_gives_papermills_outputs(tmp_path, nb, params):
    if "output_dir" in nbformat.read(str(nb), as_version=4).cells[1].source:
        params = {**params, "output_dir": str(tmp_path / "tables")}
    reference = _papermill(nb, tmp_path / "papermill.ipynb", params)
    loop = _warm(nb, tmp_path / "loop.ipynb", params)
    assert _cells(loop, images=False) == _cells(reference, images=False)
    same_kernel = _warm(nb, tmp_path / "nbclient.ipynb", params, which="nbclient")
    assert _cells(loop) == _cells(same_kernel)
    assert loop.metadata["language_info"]["name"] == "python"
    assert loop.metadata["papermill"]["parameters"] == reference.metadata["papermill"]["parameters"]


def _notebook(path: Path, sources: list[str]) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [nbformat.v4.new_code_cell('label = "x"', metadata={"tags": ["parameters"]})]
    nb.cells += [nbformat.v4.new_code_cell(s) for s in sources]
    nbformat.write(nb, str(path))
    return path


def _counting_requests(monkeypatch) -> tuple[object, list[str]]:
    """The warm kernel of this process and the list of the code of each execute request sent
    to it from now on."""
    warm = engine.warm_kernel("python3")
    sent: list[str] = []
    execute = warm.control.execute

    def counting(code, *args, **kwargs):
        sent.append(code)
        return execute(code, *args, **kwargs)

    monkeypatch.setattr(warm.control, "execute", counting)
    return warm, sent


def test_a_notebook_runs_in_one_kernel_request(tmp_path, monkeypatch):
    """The cell loop sends one execute request per notebook (the reset and every cell:
    ``_warm.run_cells``), not one per cell — and gives papermill's outputs all the same (above)."""
    _, sent = _counting_requests(monkeypatch)
    nb = _warm(KINDS, tmp_path / "k.ipynb", {"label": "乙"})
    assert len(sent) == 1 and "run_cells" in sent[0]
    assert sum(c.cell_type == "code" and c.execution_count is not None for c in nb.cells) > 5


def test_the_next_notebook_names_the_cells_the_kernel_keeps(tmp_path, monkeypatch):
    """The cells the kernel already has from the last notebook are named by number, only the
    injected parameters are sent again; the outputs equal those of a request sending every
    source."""
    warm, sent = _counting_requests(monkeypatch)
    warm.known.clear()  # as if new: an earlier test ran this notebook on this kernel
    _warm(KINDS, tmp_path / "first.ipynb", {"label": "甲"})
    assert "clear_output(wait=True)" in sent[-1]  # the first request has the sources
    second = _warm(KINDS, tmp_path / "second.ipynb", {"label": "乙"})
    assert "clear_output(wait=True)" not in sent[-1] and "# Parameters" in sent[-1]
    assert len(sent[-1]) < len(sent[0]) / 2
    warm.known.clear()  # the worker forgets: every source is sent again
    again = _warm(KINDS, tmp_path / "again.ipynb", {"label": "乙"})
    assert "clear_output(wait=True)" in sent[-1]
    assert _cells(second) == _cells(again)


def test_prints_and_displays_keep_their_order(tmp_path):
    """Text written to stdout and stderr comes out before a display that follows it and after
    one that precedes it (the kernel skips only flushes with nothing to send)."""
    nb = _notebook(
        tmp_path / "order.ipynb",
        [
            "import sys\nfrom IPython.display import Markdown, display\n"
            'print("a")\ndisplay(Markdown("b"))\nprint("c", file=sys.stderr)\n'
            'display(Markdown("d"))\nprint("e")',
            'display(Markdown("f"))\nprint("g", file=sys.stderr)',
        ],
    )
    out = _warm(nb, tmp_path / "loop.ipynb", {"label": "y"})
    seen = [
        [o.get("text") or o["data"]["text/markdown"] for o in c.outputs] for c in out.cells[-2:]
    ]
    assert seen == [["a\n", "b", "c\n", "d", "e\n"], ["f", "g\n"]]


def test_a_flush_with_nothing_written_is_skipped():
    """``_warm._skip_empty_flushes`` calls the stream's own flush only when something was
    written; a stream that is not ipykernel's is left as it is."""
    import io
    import threading
    from collections import defaultdict

    from qualitykit.run import _warm

    class Stream:
        echo = None

        def __init__(self):
            self._buffer_lock = threading.RLock()
            self._buffers = defaultdict(io.StringIO)
            self.flushed = 0

        def write(self, text):
            self._buffers[frozenset()].write(text)

        def flush(self):
            self.flushed += 1
            self._buffers = defaultdict(io.StringIO)

    stream = Stream()
    _warm._skip_empty_flushes(stream)
    stream.flush()
    assert stream.flushed == 0
    stream.write("x")
    stream.flush()
    stream.flush()
    assert stream.flushed == 1
    plain = io.StringIO()
    _warm._skip_empty_flushes(plain)
    assert plain.flush == io.StringIO.flush.__get__(plain)  # not ipykernel's: left as it is


def test_stream_text_is_sent_when_asked_not_on_a_timer():
    """ipykernel's stream timer (0.2 s) is pushed out of a run's reach: text leaves at a cell's
    end or before a display, so a timer left by one notebook cannot cut a later cell's text."""
    from qualitykit.run import _warm

    class Stream:
        flush_interval = 0.2

        def _schedule_flush(self):
            pass

    stream = Stream()
    _warm._flush_when_asked(stream)
    assert stream.flush_interval >= 1e5 and Stream.flush_interval == 0.2


def test_cells_with_top_level_await_run_in_requests_of_their_own(tmp_path):
    """A cell with top-level ``await`` needs the kernel's event loop: it and the cells after it
    run one request each, with the same outputs, counts and history as papermill's client."""
    nb = _notebook(
        tmp_path / "awaits.ipynb",
        [
            'print("before", label)',
            'import asyncio\nawait asyncio.sleep(0)\nprint("awaited")',
            'from IPython.display import Markdown, display\ndisplay(Markdown("after"))',
            "len(In), 1 + 1",
        ],
    )
    loop = _warm(nb, tmp_path / "loop.ipynb", {"label": "y"})
    reference = _warm(nb, tmp_path / "nbclient.ipynb", {"label": "y"}, which="nbclient")
    assert _cells(loop) == _cells(reference)
    texts = [o.get("text") for c in loop.cells for o in c.get("outputs", [])]
    assert "awaited\n" in texts and "before y\n" in texts
    assert loop.cells[-1].outputs[0]["data"]["text/plain"] == "(7, 2)"  # In[0] is empty


def test_output_kinds_fixture_exercises_what_it_claims(tmp_path):
    """The parity above is only worth something if the fixture's outputs are what they say."""
    nb = _warm(KINDS, tmp_path / "k.ipynb", {"label": "乙"})
    by_source = {c.source.splitlines()[0] if c.source else "": c for c in nb.cells}
    outs = [c.get("outputs", []) for c in nb.cells]
    flat = [o for cell in outs for o in cell]
    assert {o["output_type"] for o in flat} == {
        "stream",
        "display_data",
        "execute_result",
        "error",
    }
    steps = by_source["for step in range(3):"].outputs
    assert [o["text"] for o in steps] == ["step 2\n"]  # clear_output(wait=True)
    assert [o["text"] for o in by_source['print("cleared at once")'].outputs] == ["kept\n"]
    first = by_source['handle = display(Markdown("first version"), display_id=True)'].outputs
    assert [o["data"]["text/markdown"] for o in first] == ["second version"]
    earlier = by_source['display(Markdown("shown in an earlier cell"), display_id="kinds")']
    assert earlier.outputs[0]["data"]["text/markdown"] == "updated from a later cell"
    assert any("image/png" in o.get("data", {}) for o in flat)
    assert by_source['print("never executed")'].outputs == []
    assert by_source['print("not reached")'].outputs == []
    assert nb.cells[-2].outputs[-1]["ename"] == "ValueError"


def test_no_process_wide_patching_of_nbformat():
    from nbformat.v4 import nbbase

    before = nbbase.validate
    from qualitykit.run import executors  # noqa: F401 - importing must patch nothing

    assert nbbase.validate is before
    assert nbbase.validate.__module__.startswith("nbformat")


def test_only_the_engine_touches_jupyter():
    """Of the runner's modules, only ``run/engine.py`` imports jupyter_client, nbclient, papermill,
    ipykernel, IPython or traitlets (nbformat's public read/write API is used elsewhere too); no
    module calls private CPython warnings functions. (The notebook framework in ``report/``
    displays through IPython: that is its job.)"""
    jupyter = {"jupyter_client", "jupyter_core", "nbclient", "papermill", "ipykernel", "IPython"}
    jupyter |= {"traitlets"}
    offenders = []
    for path in sorted((LIB / "run").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                if name.split(".")[0] in jupyter and path.name != "engine.py":
                    offenders.append(f"{path.relative_to(LIB)}: {name}")
        if "_filters_mutated" in path.read_text(encoding="utf-8"):
            offenders.append(f"{path.relative_to(LIB)}: warnings._filters_mutated")
    assert offenders == []


def _warn() -> None:
    warnings.warn("from a notebook", UserWarning, stacklevel=1)


def test_warning_filters_are_restored_and_warnings_shown_again():
    """What ``reset`` does between notebooks, through the public warnings API."""
    from qualitykit.run import _warm

    saved, saved_show = list(warnings.filters), warnings.showwarning
    shown: list[str] = []
    try:
        warnings.showwarning = lambda message, *args, **kwargs: shown.append(str(message))
        warnings.simplefilter("default")  # part of the baseline: show each warning once
        baseline = list(warnings.filters)
        _warm._fresh_warnings()
        _warn()
        _warn()  # the same place: not shown again within one notebook
        assert shown == ["from a notebook"]
        warnings.simplefilter("ignore")  # a notebook changes the filters …
        _warm._fresh_warnings()  # … the next notebook starts from the baseline
        assert warnings.filters == baseline
        _warn()
        assert shown == ["from a notebook"] * 2
    finally:
        _warm._STATE.pop("warnings").__exit__(None, None, None)
        warnings.filters[:] = saved
        warnings.showwarning = saved_show


def test_preloaded_modules_exist():
    """The warm kernel imports these before the first notebook; a renamed module would only cost
    time silently (an import that fails is skipped), so the names are checked here."""
    import importlib.util

    missing = [name for name in engine.PRELOAD if importlib.util.find_spec(name) is None]
    assert missing == []


def test_reset_restores_the_settings_a_notebook_changed_and_remembers_transforms(
    tmp_path, monkeypatch
):
    """``reset`` restores only the matplotlib settings that differ from the baseline — all of
    them —, and the kernel's static input transformations are remembered per source with the
    same result as IPython's own."""
    from types import SimpleNamespace

    import matplotlib
    from IPython.core.inputtransformer2 import TransformerManager

    from qualitykit.run import _warm

    monkeypatch.chdir(tmp_path)  # reset changes the working folder
    ip = SimpleNamespace(
        user_ns={"_oh": {}, "_ih": [""]},
        execution_count=5,
        input_transformer_manager=TransformerManager(),
    )
    saved = dict(_warm._STATE)
    with matplotlib.rc_context():
        try:
            _warm.baseline(ip, ())
            before = dict(matplotlib.rcParams)
            matplotlib.rcParams["lines.linewidth"] = 7.5
            matplotlib.rcParams["axes.prop_cycle"] = matplotlib.cycler(color=["r", "g"])
            matplotlib.rcParams["font.family"] = ["serif"]
            ip.user_ns["x"] = 1
            _warm.reset(ip, str(tmp_path))
            assert dict(matplotlib.rcParams) == before
            assert "x" not in ip.user_ns and ip.execution_count == 1
            source = "%matplotlib inline\n!echo hi\nx = 1\n"
            transform = ip.input_transformer_manager.transform_cell
            assert transform(source) == TransformerManager().transform_cell(source)
            assert "run_line_magic" in transform(source)
            assert transform(source) is transform(source)  # remembered
        finally:
            _warm._STATE.pop("warnings").__exit__(None, None, None)
            _warm._STATE.clear()
            _warm._STATE.update(saved)
            gc.unfreeze()  # the baseline froze this test process's objects


def test_compiled_statements_are_remembered_per_source_and_position(monkeypatch):
    """The kernel's compiler gives the code object it compiled before for the same statement
    of the same cached source (same mode and flags), a new one for anything else, sets the
    future flags a remembered code object carries, and remembers nothing while the shell has AST
    transformers."""
    import ast
    import codeop
    from types import SimpleNamespace

    from IPython.core.compilerop import CachingCompiler

    from qualitykit.run import _warm

    compiler = CachingCompiler()
    ip = SimpleNamespace(compile=compiler, ast_transformers=[])
    _warm._remember_compiled(ip)
    assert isinstance(compiler, CachingCompiler)

    def statements(source, number=1):
        name = compiler.cache(source, number)
        return name, [ast.Module([node], []) for node in ast.parse(source).body]

    name, (first, second) = statements("x = 1\ny = x + 1\n")
    a, b = compiler(first, name, "exec"), compiler(second, name, "exec")
    assert a is not b
    name_again, (first_again, second_again) = statements("x = 1\ny = x + 1\n")
    assert compiler(first_again, name_again, "exec") is a
    assert compiler(second_again, name_again, "exec") is b
    other, (changed, _) = statements("x = 2\ny = x + 1\n")
    assert compiler(changed, other, "exec") is not a
    ns = {}
    exec(compiler(changed, other, "exec"), ns)
    assert ns["x"] == 2

    future_name, (future,) = statements("from __future__ import annotations\n")
    code = compiler(future, future_name, "exec")
    flag = codeop._features[-1].compiler_flag  # annotations
    assert compiler.flags & flag
    compiler.flags &= ~flag
    assert (
        compiler(statements("from __future__ import annotations\n")[1][0], future_name, "exec")
        is code
    )
    assert compiler.flags & flag  # set again by the remembered code object

    ip.ast_transformers = [ast.NodeTransformer()]
    name, (first, _) = statements("x = 1\ny = x + 1\n")
    assert compiler(first, name, "exec") is not a


def test_the_async_check_of_a_cell_is_remembered_per_transformed_source(monkeypatch):
    """``should_run_async`` gives IPython's answer, asks IPython once per transformed source
    while ``autoawait`` is on, and passes every other call on."""
    from IPython.core import interactiveshell
    from IPython.core.interactiveshell import InteractiveShell

    from qualitykit.run import _warm

    asked = []
    check = interactiveshell._should_be_async
    monkeypatch.setattr(
        interactiveshell, "_should_be_async", lambda cell: asked.append(cell) or check(cell)
    )
    ip = InteractiveShell.instance()
    try:
        monkeypatch.setattr(ip, "should_run_async", ip.should_run_async)  # undone after
        _warm._remember_async_checks(ip)
        plain, awaiting = "x = 1\n", "import asyncio\nawait asyncio.sleep(0)\n"
        for _ in range(3):
            assert ip.should_run_async(plain, transformed_cell=plain) is False
            assert ip.should_run_async(awaiting, transformed_cell=awaiting) is True
        assert asked == [plain, awaiting]
        assert (
            ip.should_run_async(awaiting, transformed_cell=awaiting, preprocessing_exc_tuple=(1,))
            is False
        )
        with pytest.raises(TypeError):  # IPython's own answer to a call without the transform
            ip.should_run_async(awaiting)
        monkeypatch.setattr(ip, "autoawait", False)
        assert ip.should_run_async(awaiting, transformed_cell=awaiting) is False
    finally:
        InteractiveShell.clear_instance()


def test_messages_are_read_as_jupyter_client_reads_them_but_the_dates():
    """``engine._get_msg`` gives a channel's next message as jupyter_client's ``get_msg`` does
    (signature checked, parts unpacked) with the header dates left as strings."""
    from queue import Empty

    from jupyter_client.session import Session

    session = Session(key=b"secret")
    parent = session.msg("execute_request", {"code": "1"})
    msg = session.msg("display_data", {"data": {"text/plain": "一"}, "metadata": {}}, parent)
    wire = session.serialize(msg, ident=b"topic")

    class Socket:
        def __init__(self, parts):
            self.parts = parts

        def poll(self, timeout_ms):
            return self.parts is not None

        def recv_multipart(self):
            return list(self.parts)

    class Channel:
        def __init__(self, parts):
            self.socket, self.session = Socket(parts), session

    got = engine._get_msg(Channel(wire), 0.1)
    expected = session.deserialize(session.feed_identities(wire)[1])
    for part in ("header", "parent_header"):
        assert isinstance(got[part]["date"], str)
        expected[part]["date"] = got[part]["date"]
    assert {k: v for k, v in got.items() if k != "buffers"} == {
        k: v for k, v in expected.items() if k != "buffers"
    }
    forged = [*wire[:1], b"<IDS|MSG>", b"0" * len(wire[2]), *wire[3:]]
    with pytest.raises(ValueError, match="Signature"):
        engine._get_msg(Channel(forged), 0.1)
    with pytest.raises(Empty):
        engine._get_msg(Channel(None), 0.1)


def test_the_warm_kernel_starts_without_the_debugger_and_the_notebook_sees_no_difference(
    tmp_path,
):
    """``engine.without_debugger``: the warm kernel is ipykernel started without importing
    debugpy; a notebook's ``sys.path`` is that of papermill's own kernel (the standard launcher)
    and it can import debugpy as ever."""
    cmd = ["/env/bin/python", "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    launched = engine.without_debugger(cmd)
    assert launched[0] == cmd[0] and launched[1] == "-c" and launched[3:] == cmd[3:]
    assert "\n" not in launched[2]
    other = ["/env/bin/python", "-m", "other_kernel", "-f", "{connection_file}"]
    assert engine.without_debugger(other) == other

    nb = _notebook(
        tmp_path / "dbg.ipynb",
        [
            "import sys\nprint('debugpy' in sys.modules)",
            "print(sys.path)",
            "import debugpy\nprint(debugpy.__name__)",
        ],
    )
    warm = _warm(nb, tmp_path / "warm.ipynb", {})
    fresh = _papermill(nb, tmp_path / "fresh.ipynb", {})
    texts = [[o.get("text") for o in c.outputs] for c in warm.cells[1:]]
    assert texts[0] == ["False\n"]
    assert texts[2] == ["debugpy\n"]
    assert texts[1] == [o.get("text") for o in fresh.cells[2].outputs]
    assert [o.get("text") for o in fresh.cells[1].outputs] == ["True\n"]  # the reference imports it


def test_shutting_the_warm_kernel_down_ends_what_the_last_notebook_left_running(tmp_path):
    """``WarmKernel.shutdown`` kills the kernel and every process it started — also one in a
    session of its own, which a kill of the kernel's process group would miss — before
    jupyter_client cleans up."""
    import psutil

    pid_file = tmp_path / "child.pid"
    nb = _notebook(
        tmp_path / "child.ipynb",
        [
            "import subprocess, sys\n"
            "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)'],"
            " start_new_session=True)\n"
            f"open({str(pid_file)!r}, 'w').write(str(child.pid))"
        ],
    )
    _warm(nb, tmp_path / "out.ipynb", {})
    child = psutil.Process(int(pid_file.read_text()))
    assert child.is_running()
    kernel = psutil.Process(engine.warm_kernel("python3").pid)
    engine.shutdown_warm()
    assert not kernel.is_running() or kernel.status() == psutil.STATUS_ZOMBIE
    child.wait(timeout=5)  # raises psutil.TimeoutExpired if it was left running


def test_the_warm_kernel_is_ready_without_waiting_for_silence_on_iopub(tmp_path, monkeypatch):
    """``WarmKernel._wait_until_ready`` replaces jupyter_client's ``wait_for_ready`` (whose last
    step listens to IOPub until it has been silent for 0.2 s): a kernel starts with that method
    refused, and the first notebook on it has all its outputs — printed and displayed, in order:
    IOPub was connected."""
    from jupyter_client.blocking.client import BlockingKernelClient

    def refused(*args, **kwargs):
        raise AssertionError("wait_for_ready was called")

    monkeypatch.setattr(BlockingKernelClient, "wait_for_ready", refused)
    engine.shutdown_warm()  # the next notebook starts a new kernel
    nb = _notebook(
        tmp_path / "first.ipynb",
        [
            "print('one')",
            "from IPython.display import Markdown, display\n"
            "display(Markdown('**two**'))\n"
            "print('three')",
        ],
    )
    out = _warm(nb, tmp_path / "out.ipynb", {})
    assert [o.get("text") for o in out.cells[1].outputs] == ["one\n"]
    second = out.cells[2].outputs
    assert [o.output_type for o in second] == ["display_data", "stream"]
    assert second[0].data["text/markdown"] == "**two**" and second[1].text == "three\n"


def test_a_kernel_that_dies_while_starting_is_reported_and_leaves_nothing(tmp_path, monkeypatch):
    """A kernel whose process ends before answering: the start raises ``KernelGone`` (not a wait
    for the start-up timeout) and leaves no socket folder behind."""
    import sys
    import tempfile

    spec = tmp_path / "share" / "jupyter" / "kernels" / "dies"
    spec.mkdir(parents=True)
    argv = [sys.executable, "-c", "import sys; sys.exit(3)", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": "dies", "language": "python"}),
        encoding="utf-8",
    )
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "share" / "jupyter"))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    with pytest.raises(engine.KernelGone, match="died"):
        engine.WarmKernel("dies", startup_timeout=60)
    assert list((tmp_path / "tmp").iterdir()) == []
