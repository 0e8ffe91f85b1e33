"""Distributed for real (issue 14, item 3): a Dask scheduler and two workers started as separate
processes (``dask scheduler``, ``dask worker``) on a free localhost tcp port, and the district
briefs of a city run through ``qualitykit run --scheduler tcp://…`` give the outputs the local
pool gives (tables, pages and notebooks byte for byte, papermill's recorded times aside).

The processes (each with its nanny, worker and kernel children) are stopped with their whole
process tree when the test ends, failed or not. Only localhost is used.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from qualitykit.cli import main as cli_main
from run_helpers import comparable_outputs

pytestmark = [pytest.mark.slow, pytest.mark.notebook]

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "05_district_report.ipynb"
CITY = "330900"  # 舟山市: four districts
DASK = Path(sys.executable).with_name("dask")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _stop_tree(proc: subprocess.Popen) -> None:
    """Stop a process and every process it started (nanny → worker → kernel)."""
    import psutil

    try:
        parent = psutil.Process(proc.pid)
        procs = [*parent.children(recursive=True), parent]
    except psutil.NoSuchProcess:
        procs = []
    for p in procs:
        with contextlib.suppress(psutil.Error):
            p.terminate()
    _, alive = psutil.wait_procs(procs, timeout=15)
    for p in alive:
        with contextlib.suppress(psutil.Error):
            p.kill()
    with contextlib.suppress(Exception):
        proc.wait(timeout=5)


@contextlib.contextmanager
def dask_cluster(tmp: Path, workers: int = 2) -> Iterator[str]:
    """A scheduler and ``workers`` single-threaded workers as separate processes; yields the
    scheduler's address."""
    pytest.importorskip("distributed")
    if not DASK.exists():
        pytest.skip("the dask command is not installed (pip install 'qualitykit[dask]')")
    address = f"tcp://127.0.0.1:{_free_port()}"
    port = address.rsplit(":", 1)[1]
    env = {**os.environ, "DASK_DISTRIBUTED__WORKER__DAEMON": "False"}  # workers start kernels
    procs: list[subprocess.Popen] = []
    logs = []
    try:
        log = (tmp / "scheduler.log").open("wb")
        logs.append(log)
        procs.append(
            subprocess.Popen(
                [str(DASK), "scheduler", "--host", "127.0.0.1", "--port", port, "--no-dashboard"],
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=tmp,
                env=env,
            )
        )
        for i in range(workers):
            log = (tmp / f"worker{i}.log").open("wb")
            logs.append(log)
            procs.append(
                subprocess.Popen(
                    [
                        str(DASK),
                        "worker",
                        address,
                        "--nthreads",
                        "1",
                        "--nworkers",
                        "1",
                        "--no-dashboard",
                        "--host",
                        "127.0.0.1",
                        "--name",
                        f"w{i}",
                    ],  # fmt: skip
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    cwd=tmp,
                    env=env,
                )
            )
        from distributed import Client

        deadline = time.monotonic() + 120
        while True:
            try:
                with Client(address, timeout=5) as client:
                    client.wait_for_workers(workers, timeout=max(1, deadline - time.monotonic()))
                break
            except OSError:
                if time.monotonic() > deadline or any(p.poll() is not None for p in procs):
                    raise RuntimeError(
                        "the Dask cluster did not start: "
                        + (tmp / "scheduler.log").read_text(errors="replace")[-2000:]
                    ) from None
                time.sleep(1)
        yield address
    finally:
        for p in reversed(procs):
            _stop_tree(p)
        for log in logs:
            log.close()


def _run(out: Path, *extra: str) -> int:
    return cli_main(
        [
            "run",
            str(NOTEBOOK),
            "--each",
            "district",
            "--within",
            CITY,
            "-p",
            "data_source",
            "sample:tiny",
            "--workers",
            "2",
            "--no-progress",
            "--out",
            str(out),
            *extra,
        ]  # fmt: skip
    )


def test_a_city_on_a_dask_cluster_gives_the_outputs_of_the_local_pool(tmp_path):
    assert _run(tmp_path / "local") == 0
    with dask_cluster(tmp_path) as address:
        assert _run(tmp_path / "dask", "--scheduler", address) == 0
    import json

    manifest = json.loads((tmp_path / "dask" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["run"]["scheduler"] == address
    assert manifest["counts"] == {"ok": 4}
    workers = {t["worker"] for t in manifest["tasks"]}
    assert len(workers) == 2  # both workers took reports
    local = comparable_outputs(tmp_path / "local")
    dask = comparable_outputs(tmp_path / "dask")
    assert sorted(dask) == sorted(local)
    assert [rel for rel in local if local[rel] != dask[rel]] == []
