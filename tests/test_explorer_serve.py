"""``qualitykit explore`` before a server starts: its arguments are checked (one clear line, no
traceback), and the notebook it serves carries the chosen parameters. Serving itself is tested in
a real browser by ``test_explorer_browser.py``."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from qualitykit.cli import main
from qualitykit.errors import ParameterError
from qualitykit.explore import serve


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--years", "2015"], "--years expects FIRST-LAST"),
        (["--region", "99"], "region_code must be 6 digits"),
        (["--select", "999999"], "unknown selected"),
        (["--years", "2024-2015"], "after year_to"),
        (["--data", "no/such/folder"], "does not exist"),
        (["--check-level", "weekly"], "unknown check level"),
        (["--units-file", "no/such/units.csv"], "does not exist"),
    ],
)
def test_bad_arguments_give_one_line_and_start_nothing(capsys, monkeypatch, argv, message):
    def never(*a, **k):
        raise AssertionError("a server was started")

    monkeypatch.setattr(serve, "start", never)
    assert main(["explore", *argv]) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert err.startswith("qualitykit explore: error:")


def test_the_served_notebook_carries_the_parameters(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine.csv").write_text("region_code,year,batches,passed\n", encoding="utf-8")
    params = serve.check_parameters(
        {"region_code": "330300", "lang": "en", "data_source": "mine.csv", "year_from": 2016}
    )
    assert params["data_source"] == str((tmp_path / "mine.csv").resolve())
    out = tmp_path / "served"
    out.mkdir()
    path = serve.write_notebook(out, params)
    nb = nbformat.read(str(path), as_version=4)
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1
    src = injected[0].source
    assert 'region_code = "330300"' in src and 'lang = "en"' in src
    assert json.dumps(str((tmp_path / "mine.csv").resolve())) in src
    assert 'period = ""' not in src  # only what was given is injected


def test_a_published_table_with_a_zone_is_served_with_its_units_and_period(tmp_path, monkeypatch):
    """``--period`` and ``--units-file`` reach notebook 06 (absolute paths: Voilà runs elsewhere)."""
    examples = Path(__file__).resolve().parents[1] / "data" / "examples"
    monkeypatch.chdir(examples)
    params = serve.check_parameters(
        {"data_source": "bazhong_by_district.xlsx", "units_file": "bazhong_units.csv",
         "period": "2024", "region_code": "511900"}
    )  # fmt: skip
    assert params["units_file"] == str((examples / "bazhong_units.csv").resolve())
    out = tmp_path / "served"
    out.mkdir()
    nb = nbformat.read(str(serve.write_notebook(out, params)), as_version=4)
    src = next(c.source for c in nb.cells if "injected-parameters" in c.metadata.get("tags", []))
    assert 'period = "2024"' in src
    assert json.dumps(str((examples / "bazhong_units.csv").resolve())) in src
    # the injected cell follows the parameters cell, so its values win
    tags = [c.metadata.get("tags", []) for c in nb.cells]
    assert tags.index(["injected-parameters"]) == tags.index(["parameters"]) + 1


def test_voila_template_drops_only_the_cdn_stylesheets():
    folder = Path(serve.__file__).with_name("jupyter") / "voila" / "templates" / serve.TEMPLATE
    assert json.loads((folder / "conf.json").read_text(encoding="utf-8")) == {
        "base_template": "lab"
    }
    text = (folder / "index.html.j2").read_text(encoding="utf-8")
    assert "extends 'lab/index.html.j2'" in text and text.count("cdn.jsdelivr.net") == 2


def test_a_free_port_is_on_the_loopback_address():
    import socket

    port = serve.free_port()
    with socket.socket() as s:
        s.bind((serve.HOST, port))  # free: it binds
    assert serve.HOST == "127.0.0.1"


def test_a_server_that_stops_at_once_is_reported(monkeypatch, tmp_path):
    import subprocess
    import sys

    real = subprocess.Popen

    def failing(argv, **kw):  # Voilà replaced by a process that exits with a message
        return real([sys.executable, "-c", "print('voila: address already in use')"], **kw)

    monkeypatch.setattr(subprocess, "Popen", failing)
    with pytest.raises(ParameterError, match="address already in use"):
        serve.start({"data_source": "sample:tiny"}, timeout=30)
