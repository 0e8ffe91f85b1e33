"""The index page of a run: one row per task (key figures from the ``summary.json`` each notebook
wrote, status, error, link to its page), rendered by :func:`qualitykit.report.publish.write_index`.
Columns come from the notebook metadata ``qualitykit.index_columns`` (:func:`index_column`);
coded values are shown in words from the one vocabulary (:mod:`qualitykit.report.vocabulary`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

DEFAULT_INDEX_COLUMNS: list[dict[str, Any]] = [
    {"key": "key", "label_zh": "代码", "label_en": "Code", "kind": "text"},
    {"key": "status", "label": "status", "kind": "text", "values": "run_status"},
    {"key": "error", "label_zh": "错误", "label_en": "Error", "kind": "text"},
]
"""The columns every index has: the task's key (linking to its page), its run status in words
and its error."""


def index_column(spec: Mapping[str, Any], lang: str = "zh") -> Any:
    """An :class:`~qualitykit.report.publish.IndexColumn` from one entry of the notebook metadata
    ``qualitykit.index_columns``:

    * ``key`` — the ``summary.json`` field (or ``key`` / ``status`` / ``error`` of the task);
    * ``label_zh`` / ``label_en`` — the header, or ``label``: a key of the vocabulary's terms;
    * ``kind`` — text, int, number, rate, pp, flag, or interval (with ``parts``: the fields of
      the lower and upper end and the total, e.g. ``[rank_lower, rank_upper, n_districts]``
      shown "3–9 / 11");
    * ``values`` — a kind of coded value whose words come from the one vocabulary
      (:func:`qualitykit.report.vocabulary.index_values`: ``status``, ``flag``, ``run_status``,
      ``data_status`` …); ``values_zh`` / ``values_en`` add or override words;
    * ``digits`` — decimals of numbers."""
    from qualitykit.report import vocabulary
    from qualitykit.report.publish import IndexColumn

    lg = "zh" if str(lang).startswith("zh") else "en"
    words: dict[str, str] = {}
    if spec.get("values"):
        words.update(vocabulary.index_values(str(spec["values"]))[f"values_{lg}"])
    words.update(spec.get(f"values_{lg}") or {})
    label = spec.get(f"label_{lg}") or (
        vocabulary.term(str(spec["label"]), lg) if spec.get("label") else str(spec["key"])
    )
    return IndexColumn(
        str(spec["key"]),
        str(label),
        str(spec.get("kind", "text")),
        int(spec.get("digits", 1)),
        words or None,
        tuple(str(p) for p in spec.get("parts") or ()),
    )


def remove_stale_index(
    run_dir: Path, previous: Mapping[str, Any] | None, export: Sequence[str], *, html: bool
) -> list[str]:
    """Remove the run's ``index.xlsx`` and ``index.html`` before a resumed run that will not
    write them (no ``--export xlsx``; ``--no-html``): their rows are the earlier run's and would
    disagree with the new run. Only what the earlier run's manifest (``previous``) says the
    runner wrote is removed — the workbook if it exported ``xlsx``, the page if its reports have
    HTML pages (its manifest's ``run.html``; for a manifest from before that was recorded: if
    its reports have HTML pages); returns the names removed."""
    from qualitykit.report.exports import RUN_WORKBOOK

    run = (previous or {}).get("run") or {}
    tasks = (previous or {}).get("tasks") or []
    wrote = {
        RUN_WORKBOOK: "xlsx" in run.get("exports", []),
        "index.html": bool(
            run["html"]
            if "html" in run
            else any((t.get("outputs") or {}).get("html") for t in tasks)
        ),
    }
    keep = {RUN_WORKBOOK: "xlsx" in export, "index.html": html}
    removed = []
    for name, written in wrote.items():
        path = run_dir / name
        if written and not keep[name] and path.is_file() and not path.is_symlink():
            path.unlink()
            removed.append(name)
    return removed


def write_run_index(
    run_dir: Path,
    manifest: Mapping[str, Any],
    *,
    meta: Mapping[str, Any] | None = None,
    lang: str = "zh",
    title: str | None = None,
    page: bool = True,
    workbook: bool = False,
) -> Path:
    """``index.html`` of a run: one row per task with its key figures (from the ``summary.json``
    the notebook wrote), status and error; columns from the notebook metadata
    ``qualitykit.index_columns`` (:func:`index_column`). ``workbook``: also ``index.xlsx``, the
    same table as a sheet (:mod:`qualitykit.report.exports`); ``page=False`` writes only that.
    Returns the path of the page (of the workbook without a page)."""
    from qualitykit.report.publish import write_index

    meta = meta or {}
    zh = lang.startswith("zh")
    col_specs = list(meta.get("index_columns") or [])
    keys = {c["key"] for c in col_specs}
    cols = [c for c in DEFAULT_INDEX_COLUMNS[:1] if c["key"] not in keys] + col_specs
    cols += [c for c in DEFAULT_INDEX_COLUMNS[1:] if c["key"] not in keys]
    columns = [index_column(c, lang) for c in cols]
    rows = []
    for t in manifest["tasks"]:
        row = {
            **t.get("summary", {}),
            "key": t["key"],
            "status": t["status"],
            "error": t.get("error"),
            "html": t.get("outputs", {}).get("html"),
            "outputs": t.get("outputs", {}),
        }
        rows.append(row)
    run = manifest["run"]
    counts = manifest.get("counts", {})
    nb_name = Path(run["notebook"]).stem
    title = (
        title
        or meta.get("index_title_zh" if zh else "index_title_en")
        or f"{nb_name} — {run['name']}"
    )
    from qualitykit.report import vocabulary

    words = vocabulary.index_values("run_status")["values_zh" if zh else "values_en"]
    summary = ("，" if zh else ", ").join(
        f"{words.get(k, k)} {v}" for k, v in sorted(counts.items())
    )
    subtitle = (
        f"{len(rows)} 份报告（{summary}）；数据指纹 {run.get('data_fingerprint')}；提交 {run.get('git_commit')}"
        if zh
        else f"{len(rows)} reports ({summary}); data fingerprint {run.get('data_fingerprint')}; commit {run.get('git_commit')}"
    )
    footer = (
        f"生成于 {run.get('finished') or run.get('created')}，qualitykit {run['packages'].get('qualitykit')}。"
        if zh
        else f"Generated {run.get('finished') or run.get('created')} by qualitykit {run['packages'].get('qualitykit')}."
    )
    out = run_dir / "index.html"
    if page:
        out = write_index(
            run_dir, rows, columns=columns, title=title, subtitle=subtitle, footer=footer, lang=lang
        )
    if workbook:
        from qualitykit.report.exports import RUN_WORKBOOK
        from qualitykit.report.exports.workbook import index_workbook

        book = index_workbook(
            run_dir / RUN_WORKBOOK, rows, columns, title=title, subtitle=subtitle, lang=lang
        )
        out = out if page else book
    return out
