"""``qualitykit explore``: the explorer as a standalone web app (Voilà), for colleagues who do not
code.

:func:`serve` writes a copy of ``notebooks/06_explorer.ipynb`` with the chosen parameters into a
new temporary folder (``papermill.parameterize_notebook``: the same parameters cell as a batch
run), starts Voilà on it — bound to 127.0.0.1 only, on a free port, with a random access token —
prints the address and waits until Ctrl-C. Voilà shows the notebook's outputs only (no code
cells) and lets the page talk to the widgets, not run code. The temporary folder is removed when
the server stops.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import webbrowser
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qualitykit.data import regions
from qualitykit.errors import ParameterError
from qualitykit.paths import notebooks_dir
from qualitykit.report import narrative

__all__ = ["NOTEBOOK", "Server", "free_port", "start", "write_notebook"]

NOTEBOOK = "06_explorer.ipynb"
HOST = "127.0.0.1"
TEMPLATE = "qualitykit"
"""Voilà template (``explore/jupyter/voila/templates/qualitykit``): Voilà's ``lab`` template
without the stylesheets it links from a CDN, so that the page asks nothing of the internet."""
DENIED_EXTENSIONS: tuple[str, ...] = ("jupyterlab-jupytext",)
"""JupyterLab extensions Voilà must not load: jupytext's needs JupyterLab's document manager,
which Voilà does not have, and fails with a console error."""


def _jupyter_path() -> str:
    """``JUPYTER_PATH`` with the package's own data folder first (its Voilà template)."""
    own = str(Path(__file__).with_name("jupyter"))
    rest = os.environ.get("JUPYTER_PATH", "")
    return os.pathsep.join([own, rest]) if rest else own


def free_port(host: str = HOST) -> int:
    """A port that is free on ``host`` now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def check_parameters(params: Mapping[str, Any]) -> dict[str, Any]:
    """The explorer's parameters, checked before a server starts (codes, language, years,
    data source, units file); relative paths made absolute."""
    from qualitykit.report.framework import resolve_source

    out = dict(params)
    for name in ("region_code", "selected"):
        if out.get(name):
            regions.check_code(out[name], name)
    if "lang" in out:
        narrative.check_lang(out["lang"])
    if out.get("check_level"):
        from qualitykit.explore.state import Explorer

        Explorer.check_level(out["check_level"])
    if out.get("unit_level", "county") not in ("county", "child"):
        raise ParameterError(f"unit_level must be county or child, got {out['unit_level']!r}")
    y0, y1 = out.get("year_from", 0), out.get("year_to", 0)
    if y0 and y1 and y0 > y1:
        raise ParameterError(f"year_from ({y0}) is after year_to ({y1})")
    source = out.get("data_source", "")
    if source:
        resolve_source(source)  # raises a ParameterError naming the path
        if not str(source).startswith("sample:"):
            out["data_source"] = str(Path(source).expanduser().resolve())
    units = out.get("units_file", "")
    if units:
        path = Path(units).expanduser()
        if not path.is_file():
            raise ParameterError(f"units_file {units!r} does not exist (a CSV: name, parent)")
        out["units_file"] = str(path.resolve())
    return out


def write_notebook(folder: Path, params: Mapping[str, Any]) -> Path:
    """``folder/06_explorer.ipynb`` with ``params`` injected after its parameters cell."""
    import nbformat
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    nb = load_notebook_node(str(notebooks_dir() / NOTEBOOK))
    if params:
        nb = parameterize_notebook(nb, dict(params), report_mode=True)
    path = folder / NOTEBOOK
    nbformat.write(nb, str(path))
    return path


@dataclass
class Server:
    """A running Voilà server of the explorer (:func:`start`)."""

    process: subprocess.Popen[bytes]
    url: str
    folder: Path
    log: Path

    def stop(self) -> None:
        """Stop the server and remove its temporary folder."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start(
    params: Mapping[str, Any] | None = None,
    *,
    port: int = 0,
    token: str | None = None,
    timeout: float = 120.0,
) -> Server:
    """Start Voilà on the explorer with ``params`` (names of the notebook's parameters cell)
    and wait until it answers. ``port=0``: a free port; ``token=None``: a random one (``""``:
    none, for tests on a private machine)."""
    params = check_parameters(params or {})
    folder = Path(tempfile.mkdtemp(prefix="qualitykit-explore-"))
    try:
        path = write_notebook(folder, params)
        port = port or free_port()
        token = secrets.token_urlsafe(16) if token is None else token
        log = folder / "voila.log"
        argv = [
            sys.executable,
            "-m",
            "voila",
            str(path),
            "--no-browser",
            f"--port={port}",
            f"--Voila.ip={HOST}",
            f"--token={token}",
            "--VoilaConfiguration.show_tracebacks=False",
            f"--VoilaConfiguration.template={TEMPLATE}",
            f"--VoilaConfiguration.extension_denylist={json.dumps(list(DENIED_EXTENSIONS))}",
            "--Voila.root_dir=" + str(folder),
        ]
        env = {**os.environ, "JUPYTER_PATH": _jupyter_path()}
        with log.open("wb") as f:
            proc = subprocess.Popen(
                argv, stdout=f, stderr=subprocess.STDOUT, cwd=str(folder), env=env
            )
        url = f"http://{HOST}:{port}/" + (f"?token={token}" if token else "")
        server = Server(proc, url, folder, log)
        _wait_until_listening(server, port, timeout)
        return server
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


def _wait_until_listening(server: Server, port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            tail = server.log.read_text(encoding="utf-8", errors="replace").strip().splitlines()
            server.stop()
            raise ParameterError(
                "Voilà stopped before serving the explorer: " + (tail[-1] if tail else "no output")
            )
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.settimeout(0.5)
            if s.connect_ex((HOST, port)) == 0:
                return
        time.sleep(0.3)
    server.stop()
    raise ParameterError(f"Voilà did not answer on {HOST}:{port} within {timeout:g} s")


def serve(
    params: Mapping[str, Any] | None = None, *, port: int = 0, open_browser: bool = False
) -> int:
    """Run the explorer app until Ctrl-C (the ``qualitykit explore`` command); returns 0. The
    parameters are checked before anything starts."""
    server = start(check_parameters(params or {}), port=port)
    try:
        print(f"explorer: {server.url}", flush=True)
        print("(Ctrl-C stops the server)", file=sys.stderr, flush=True)
        if open_browser:
            webbrowser.open(server.url)
        while server.process.poll() is None:
            time.sleep(0.5)
        return 0
    except KeyboardInterrupt:
        return 0
    finally:
        server.stop()
