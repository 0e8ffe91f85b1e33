"""The explorer in a real headless browser (Debian chromium driven by Playwright), both ways it is
used: the standalone app (``qualitykit explore``: Voilà, no code cells) and the notebook in
JupyterLab (opened, run, then used). On the tiny sample each test opens the explorer, hovers a
funnel point (its tooltip names the unit), changes the region and the year window, clicks a funnel
point, and checks that the views follow — and that the page logs no console error, throws no
exception and requests nothing that fails (it must work offline).

Both servers listen on 127.0.0.1 on a free port; the Voilà app with its random token, JupyterLab
without a token (a test server that lives for one test module). The browser is the session's
(``conftest.browser``): Playwright's sync API allows one instance per process.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from qualitykit.explore import serve

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PARAMS = {"data_source": "sample:tiny", "region_code": "330000", "selected": "330303"}
LOAD = 600_000  # ms: a kernel start and the first views on a busy 2-core machine
STEP = 120_000  # ms: one interaction


@pytest.fixture(scope="module")
def voila():
    with serve.start(PARAMS, timeout=300) as server:
        yield server.url


def _wait_for_port(port: int, proc: subprocess.Popen, log: Path, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(log.read_text(encoding="utf-8", errors="replace")[-2000:])
        with socket.socket() as s:
            if s.connect_ex((serve.HOST, port)) == 0:
                return
        time.sleep(0.5)
    raise RuntimeError(f"JupyterLab did not answer on port {port}")


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    root = tmp_path_factory.mktemp("lab")
    serve.write_notebook(root, serve.check_parameters(PARAMS))
    settings = root / ".settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False}), encoding="utf-8"
    )
    port = serve.free_port()
    log = root / ".lab.log"
    env = {
        **os.environ,
        "JUPYTERLAB_SETTINGS_DIR": str(root / ".settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(root / ".workspaces"),
        "JUPYTER_RUNTIME_DIR": str(root / ".runtime"),
    }
    argv = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        f"--ServerApp.ip={serve.HOST}",
        f"--ServerApp.port={port}",
        "--IdentityProvider.token=",
        "--ServerApp.password=",
        f"--ServerApp.root_dir={root}",
        "--LabApp.expose_app_in_browser=True",  # lets the test run all cells by command
        "--LabApp.news_url=None",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        argv.append("--allow-root")
    with log.open("wb") as f:
        proc = subprocess.Popen(argv, stdout=f, stderr=subprocess.STDOUT, env=env)
    try:
        _wait_for_port(port, proc, log)
        yield f"http://{serve.HOST}:{port}/lab/tree/{serve.NOTEBOOK}"
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()


def _open(browser, url: str):
    page = browser.new_page(viewport={"width": 1400, "height": 1600})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on(
        "requestfailed",
        lambda r: problems.append(f"request failed: {r.method} {r.url} ({r.failure})"),
    )
    page.goto(url, timeout=LOAD)
    return page, problems


def _text(page, selector: str) -> str:
    return page.eval_on_selector(selector, "e => e.textContent")


def _wait_text(page, selector: str, text: str) -> None:
    page.wait_for_function(
        "([s, t]) => { const e = document.querySelector(s); return e && e.textContent.includes(t); }",
        arg=[selector, text],
        timeout=STEP,
    )


SHOWN_TOOLTIPS = (
    "Array.from(document.querySelectorAll('.bqplot_tooltip_div')).filter(e => "
    "getComputedStyle(e).display !== 'none' && getComputedStyle(e).opacity !== '0')"
    ".map(e => e.innerText).join('\\n')"
)


def _tooltip(page) -> str:
    """The text of the tooltips shown now."""
    return page.evaluate(f"() => {SHOWN_TOOLTIPS}")


def _dot_centres(page) -> list[tuple[float, float]]:
    """The funnel's dots once the chart has settled after a change (the same count twice in a row,
    half a second apart), read in one step: the chart may redraw its marks while we look."""
    js = """els => els.map(e => { const b = e.getBoundingClientRect();
                                  return [b.x + b.width / 2, b.y + b.height / 2]; })"""
    previous: list = []
    for _ in range(STEP // 500):
        now = page.eval_on_selector_all(".qk-funnel-fig .dot", js)
        if now and len(now) == len(previous):
            return [(x, y) for x, y in now]
        previous = now
        page.wait_for_timeout(500)
    raise AssertionError("the funnel's dots did not settle")


def _exercise(page) -> None:
    page.wait_for_selector(".qk-funnel-fig .dot", timeout=LOAD)
    assert "浙江省" in _text(page, ".qk-funnel-fig .mainheading")
    assert "龙湾区" in _text(page, ".qk-trend-fig .mainheading")
    assert "2015–2024" in _text(page, ".qk-scope")
    # hover: the tooltip names the unit with its batches, rate and interval
    page.locator(".qk-funnel-fig .dot").nth(3).hover(force=True)
    # the text is read in the step that finds it shown: bqplot may redraw the tooltip between two
    # steps (a fresh-clone run once read an empty one right after it had been shown)
    tip = page.wait_for_function(
        f"() => {{ const t = {SHOWN_TOOLTIPS}; return t.includes('抽查批次') ? t : null; }}",
        timeout=STEP,
    ).json_value()
    assert "批次合格率" in tip and "95% 置信区间" in tip
    page.mouse.move(0, 0)

    # region: another province — the funnel shows its units
    page.select_option(".qk-province select", label="江苏省")
    _wait_text(page, ".qk-funnel-fig .mainheading", "江苏省")
    _wait_text(page, ".qk-scope", "江苏省")
    assert page.locator(".qk-city select option").count() > 5  # its cities

    # year window: three steps of the slider's lower handle, by keyboard
    handle = page.locator(".qk-years .noUi-handle-lower")
    handle.focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    _wait_text(page, ".qk-scope", "2018–2024")
    page.keyboard.press("Tab")  # leave the slider

    # click a funnel point of another unit than the selected one (ringed: the last dot drawn),
    # as a person does: point at it, read its tooltip, click; the other views show that unit
    centres = _dot_centres(page)
    rx, ry = centres[-1]  # the ring; the point farthest from it is another unit
    far = max(
        range(len(centres) - 1), key=lambda i: (centres[i][0] - rx) ** 2 + (centres[i][1] - ry) ** 2
    )
    before = _tooltip(page)
    page.mouse.move(*centres[far])
    page.wait_for_function(
        f"t => {SHOWN_TOOLTIPS}.includes('抽查批次') && {SHOWN_TOOLTIPS} !== t",
        arg=before,
        timeout=STEP,
    )
    page.wait_for_timeout(500)  # the hover's round trip settles before the click
    first = next(x for x in _tooltip(page).splitlines() if "(" in x)  # "淮安区 (320803)"
    name, code = first.split(" (")[0].strip(), first.split("(")[1].split(")")[0]
    page.mouse.down()
    page.mouse.up()
    _wait_text(page, ".qk-trend-fig .mainheading", name)
    _wait_text(page, ".qk-pareto-fig .mainheading", name)
    assert page.locator(".qk-unit select").input_value() == f"{name} ({code})"
    assert page.locator(".qk-status").inner_text().strip() == ""


def test_standalone_app(browser, voila):
    page, problems = _open(browser, voila)
    _exercise(page)
    html = page.content()  # no code shown: neither the code cell nor its parameters
    assert "from qualitykit.explore import App" not in html and "data_source =" not in html
    assert problems == []


def test_notebook_in_jupyterlab(browser, lab):
    page, problems = _open(browser, lab)
    # the notebook open with its cells and its kernel idle, then Run ▸ Run All Cells
    page.wait_for_function(
        """() => {
            const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
            const k = w && w.sessionContext && w.sessionContext.session
                && w.sessionContext.session.kernel;
            return k && k.status === 'idle' && w.content.widgets.length >= 3;
        }""",
        timeout=LOAD,
    )
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    _exercise(page)
    assert problems == []
