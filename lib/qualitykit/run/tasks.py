"""Tasks of a run: one notebook execution per parameter set, its key, and the function a worker
runs for it.

:func:`execute_task` runs in a worker process (local pool or Dask worker): the notebook is executed
into ``<run>/.staging/`` by :func:`qualitykit.run.engine.execute_notebook`, its review page is
rendered, and the finished folder ``<notebook>/<key>/{<key>.ipynb, <key>.html, tables/…}`` appears
in one rename (:func:`qualitykit.atomic.publish_dir`). Failures of the notebook are results, never
exceptions.
"""

from __future__ import annotations

import json
import os
import platform
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import nbformat

from qualitykit.atomic import TMP_SUFFIX, publish_dir

STATUS_OK = "ok"


@dataclass(frozen=True)
class Task:
    """One notebook execution: a key (folder name, e.g. the region code) and its parameters."""

    key: str
    params: dict[str, Any]


def _safe_key(text: str) -> str:
    keep = "".join(ch if ch.isalnum() or ch in "-_.=" else "_" for ch in text)
    return keep.strip("._")[:120] or "task"


def tasks_from_sets(
    parameter_sets: Sequence[Mapping[str, Any]], key_param: str | None = None
) -> list[Task]:
    """Tasks with keys from ``key_param`` (default: ``region_code`` if present, else the values)."""
    tasks = []
    seen: dict[str, int] = {}
    # when one region has several sets (e.g. a grid), its key also names the other parameters
    repeated_regions = len(parameter_sets) > len(
        {str(p.get("region_code")) for p in parameter_sets}
    )
    for pset in parameter_sets:
        pset = dict(pset)
        if key_param and key_param in pset:
            key = str(pset[key_param])
        elif "region_code" in pset:
            key = str(pset["region_code"])
            others = [f"{k}={v}" for k, v in pset.items() if k != "region_code"]
            if others and repeated_regions:
                key = "_".join([key, *others])
        else:
            key = "_".join(f"{k}={v}" for k, v in pset.items()) or "default"
        key = _safe_key(key)
        if key in seen:
            seen[key] += 1
            key = f"{key}_{seen[key]}"
        else:
            seen[key] = 0
        tasks.append(Task(key, pset))
    return tasks


def execute_task(spec: Mapping[str, Any]) -> dict[str, Any]:
    """Execute one notebook into the staging area and publish its folder atomically.

    ``spec``: ``key, params, notebook, run_dir, timeout, html, kernel_name, lang, output_param,
    engine``.
    Returns a result dict (status, error, duration, outputs, summary). Never raises for a failure of
    the notebook itself: failures are results."""
    from qualitykit.run.engine import execute_notebook

    started = time.time()
    key = spec["key"]
    notebook = Path(spec["notebook"])
    run_dir = Path(spec["run_dir"])
    stem = notebook.stem
    staging = run_dir / ".staging" / f"{key}.{uuid.uuid4().hex[:8]}{TMP_SUFFIX}"
    final = run_dir / stem / key
    staging.mkdir(parents=True, exist_ok=True)
    params = dict(spec["params"])
    if spec.get("output_param"):
        params[spec["output_param"]] = str(staging / "tables")
    ipynb = staging / f"{key}.ipynb"
    timeout = float(spec.get("timeout") or 0) or None
    executed, status, error = execute_notebook(
        notebook,
        ipynb,
        params,
        kernel_name=spec.get("kernel_name", "python3"),
        timeout=timeout,
        rename=(str(staging), str(final)),
        engine=spec.get("engine", "loop"),
    )
    summary = _read_summary(staging / "tables" / "summary.json")
    if status != STATUS_OK and not ipynb.exists():
        _write_error_notebook(ipynb, key, error or status)
    outputs = {"ipynb": f"{stem}/{key}/{key}.ipynb"}
    if (staging / "tables").exists():
        outputs["tables"] = f"{stem}/{key}/tables"
    if spec.get("html", True):
        try:
            _render_html(
                executed if executed is not None else ipynb,
                staging / f"{key}.html",
                key=key,
                summary=summary,
                lang=spec.get("lang", "zh"),
                error=error if status != STATUS_OK else None,
            )
            outputs["html"] = f"{stem}/{key}/{key}.html"
        except Exception as exc:  # noqa: BLE001
            if status == STATUS_OK:
                status, error = "error", f"HTML rendering failed: {type(exc).__name__}: {exc}"
    publish_dir(staging, final)
    finished = time.time()
    return {
        "key": key,
        "params": spec["params"],
        "status": status,
        "error": error,
        "duration_s": round(finished - started, 3),
        "started": iso(started),
        "finished": iso(finished),
        "outputs": outputs,
        "summary": summary,
        "worker": f"{platform.node()}:{os.getpid()}",
    }


def failure(spec: Mapping[str, Any], status: str, error: str) -> dict[str, Any]:
    """The result of a task that could not run (its worker died, its result was lost)."""
    return {
        "key": spec["key"],
        "params": spec["params"],
        "status": status,
        "error": error,
        "duration_s": None,
        "started": None,
        "finished": iso(time.time()),
        "outputs": {},
        "summary": {},
        "worker": None,
    }


def _read_summary(path: Path) -> dict[str, Any]:
    try:
        with path.open(encoding="utf-8") as f:
            data = json.load(f)
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _write_error_notebook(path: Path, key: str, error: str) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_markdown_cell(f"# {key}\n\n**This report failed:** {error}"))
    nbformat.write(nb, str(path))


def _render_html(
    source: Path | nbformat.NotebookNode,
    out: Path,
    *,
    key: str,
    summary: Mapping[str, Any],
    lang: str,
    error: str | None,
) -> None:
    """The report page, from the executed notebook in memory (or read back after a failure)."""
    from qualitykit.atomic import write_text
    from qualitykit.report.publish import render_report

    nb = (
        source
        if isinstance(source, nbformat.NotebookNode)
        else nbformat.read(str(source), as_version=4)
    )
    title = str(summary.get("title") or key)
    write_text(
        out,
        render_report(
            nb,
            title=title,
            lang=lang,
            css_href="../../assets/report.css",
            index_href="../../index.html",
            error=error,
        ),
    )


def iso(t: float) -> str:
    """A UNIX time as an ISO 8601 UTC timestamp (seconds)."""
    return datetime.fromtimestamp(t, UTC).isoformat(timespec="seconds")
