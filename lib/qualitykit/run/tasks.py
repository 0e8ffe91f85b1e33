"""Tasks of a run: one notebook execution per parameter set, its key, and the function a worker
runs for it.

:func:`execute_task` runs in a worker process (local pool or Dask worker): the notebook is executed
into ``<run>/.staging/`` by :func:`qualitykit.run.engine.execute_notebook`, its review page is
rendered, and the finished folder ``<notebook>/<key>/{<key>.ipynb, <key>.html, tables/…}`` appears
in one rename (:func:`qualitykit.atomic.publish_dir`). Failures of the notebook are results, never
exceptions.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import platform
import time
import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qualitykit.atomic import TMP_SUFFIX, publish_dir
from qualitykit.errors import ParameterError

if TYPE_CHECKING:
    import nbformat  # imported where used: a worker process imports this module first (executors)

STATUS_OK = "ok"
_DISK_FULL = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}


@dataclass(frozen=True)
class Task:
    """One notebook execution: a key (folder name, e.g. the region code) and its parameters."""

    key: str
    params: dict[str, Any]


KEY_MAX_BYTES = 120
"""Longest task key in UTF-8 bytes: a key names a folder and files (``<key>.ipynb``) and, with the
longest suffix the runner adds to a temporary name (``.<key>.ipynb.XXXXXXXX.qk-tmp``), stays far
below the 255 bytes a file name may have (a CJK character is 3 bytes)."""
_RESERVED = {"CON", "PRN", "AUX", "NUL"} | {f"{p}{i}" for p in ("COM", "LPT") for i in range(1, 10)}


def _stem(text: str) -> str:
    """A folder-safe form of ``text``: letters (any script), digits, ``- _ . =``; no leading dot;
    never a name Windows reserves."""
    keep = "".join(ch if ch.isalnum() or ch in "-_.=" else "_" for ch in text)
    keep = keep.strip("._") or "task"
    if keep.split(".")[0].upper() in _RESERVED:
        keep = "_" + keep
    return keep


def _fit(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` UTF-8 bytes, at a character boundary."""
    return text.encode("utf-8")[:limit].decode("utf-8", "ignore").rstrip("._")


def _digest(pset: Mapping[str, Any]) -> str:
    text = json.dumps(dict(pset), sort_keys=True, ensure_ascii=False, default=repr)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _raw_key(pset: Mapping[str, Any], key_param: str | None, repeated_regions: bool) -> str:
    if key_param and key_param in pset:
        return str(pset[key_param])
    if "region_code" in pset:
        key = str(pset["region_code"])
        others = [f"{k}={v}" for k, v in pset.items() if k != "region_code"]
        return "_".join([key, *others]) if others and repeated_regions else key
    return "_".join(f"{k}={v}" for k, v in pset.items()) or "default"


def tasks_from_sets(
    parameter_sets: Sequence[Mapping[str, Any]], key_param: str | None = None
) -> list[Task]:
    """Tasks with keys from ``key_param`` (default: ``region_code`` if present, else the values).

    Keys are unique by construction: a key is the folder-safe form of its set's text, and where
    two sets would get the same one (``a b`` and ``a_b``) or a long one had to be cut, each gets
    a short hash of its full parameter set appended (longer hashes if those collide). A key
    depends only on its own set and the sets it collides with, never on the order. Identical
    parameter sets are refused (two identical reports)."""
    sets = [dict(p) for p in parameter_sets]
    digests = [_digest(p) for p in sets]
    first: dict[str, int] = {}
    for i, d in enumerate(digests, start=1):
        if d in first:
            raise ParameterError(
                f"parameter sets {first[d]} and {i} are the same ({_describe(sets[i - 1])}); "
                "each report needs its own set"
            )
        first[d] = i
    # when one region has several sets (e.g. a grid), its key also names the other parameters
    repeated_regions = len(sets) > len({str(p.get("region_code")) for p in sets})
    stems = [_stem(_raw_key(p, key_param, repeated_regions)) for p in sets]
    bases = [_fit(s, KEY_MAX_BYTES) for s in stems]
    counts = Counter(bases)
    hash_len = [8 if b != s or counts[b] > 1 else 0 for b, s in zip(bases, stems, strict=True)]

    def key(i: int) -> str:
        n = hash_len[i]
        return bases[i] if n == 0 else f"{_fit(bases[i], KEY_MAX_BYTES - n - 1)}-{digests[i][:n]}"

    while True:
        keys = [key(i) for i in range(len(sets))]
        groups: dict[str, list[int]] = {}
        for i, k in enumerate(keys):
            groups.setdefault(k.casefold(), []).append(i)  # case-insensitive file systems too
        clashes = [g for g in groups.values() if len(g) > 1]
        if not clashes:
            return [Task(k, p) for k, p in zip(keys, sets, strict=True)]
        for group in clashes:
            for i in group:
                hash_len[i] = 8 if hash_len[i] == 0 else min(64, 2 * hash_len[i])


def _describe(pset: Mapping[str, Any]) -> str:
    from qualitykit.run.params import short

    text = ", ".join(f"{k}={short(v, 30)}" for k, v in list(pset.items())[:3])
    return text if len(pset) <= 3 else text + ", …"


def execute_task(spec: Mapping[str, Any]) -> dict[str, Any]:
    """Execute one notebook into the staging area and publish its folder atomically.

    ``spec``: ``key, params, notebook, run_dir, timeout, html, kernel_name, lang, output_param,
    engine, export`` (the formats of :mod:`qualitykit.report.exports`). Returns a result dict
    (status, error, duration, outputs, summary). Never raises for a failure of the notebook
    itself: failures are results. A file that cannot be written (e.g. a full disk) fails the task with ``errno`` and ``error_file`` in its result, so that the
    runner can stop the run with a clear message."""
    try:
        return _execute_task(spec)
    except OSError as exc:
        res = failure(spec, "error", f"{type(exc).__name__}: {exc}")
        res.update(errno=exc.errno, error_file=exc.filename and os.fsdecode(exc.filename))
        return res


def _execute_task(spec: Mapping[str, Any]) -> dict[str, Any]:
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
        except OSError as exc:
            if exc.errno in _DISK_FULL:
                raise
            if status == STATUS_OK:
                status, error = "error", f"HTML rendering failed: {type(exc).__name__}: {exc}"
        except Exception as exc:  # noqa: BLE001
            if status == STATUS_OK:
                status, error = "error", f"HTML rendering failed: {type(exc).__name__}: {exc}"
    if spec.get("export") and status == STATUS_OK:
        nb = executed if executed is not None else ipynb
        status, error = _export(spec, staging, nb, summary, outputs)
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


def _export(
    spec: Mapping[str, Any],
    staging: Path,
    notebook: Path | nbformat.NotebookNode,
    summary: Mapping[str, Any],
    outputs: dict[str, str],
) -> tuple[str, str | None]:
    """The exports of ``--export`` (:mod:`qualitykit.report.exports`) into the staging folder,
    added to ``outputs``; a failure (but a full disk) fails the task with its reason."""
    from qualitykit.report.exports import export_report

    key, stem = spec["key"], Path(spec["notebook"]).stem
    try:
        written = export_report(
            staging,
            spec["export"],
            key=key,
            notebook=notebook,
            title=str(summary.get("title") or key),
            lang=spec.get("lang", "zh"),
        )
    except Exception as exc:
        if isinstance(exc, OSError) and exc.errno in _DISK_FULL:
            raise
        return "error", f"export failed: {type(exc).__name__}: {exc}"
    outputs.update({fmt: f"{stem}/{key}/{rel}" for fmt, rel in written.items()})
    return STATUS_OK, None


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
    import nbformat

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
    import nbformat

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
