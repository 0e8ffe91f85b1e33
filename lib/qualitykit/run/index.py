"""The index page of a run: one row per task (key figures from the ``summary.json`` each notebook
wrote, status, error, link to its page), rendered by :func:`qualitykit.report.publish.write_index`.
Columns come from the notebook metadata ``qualitykit.index_columns``."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

DEFAULT_INDEX_COLUMNS: list[dict[str, Any]] = [
    {"key": "key", "label_zh": "代码", "label_en": "Code", "kind": "text"},
    {
        "key": "status",
        "label_zh": "状态",
        "label_en": "Status",
        "kind": "text",
        "values_zh": {
            "ok": "完成",
            "failed": "失败",
            "timeout": "超时",
            "dead_kernel": "内核崩溃",
            "error": "错误",
            "pending": "未运行",
        },
        "values_en": {
            "ok": "ok",
            "failed": "failed",
            "timeout": "timed out",
            "dead_kernel": "kernel died",
            "error": "error",
            "pending": "not run",
        },
    },
    {"key": "error", "label_zh": "错误", "label_en": "Error", "kind": "text"},
]


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
    ``qualitykit.index_columns`` (key, label_zh, label_en, kind). ``workbook``: also
    ``index.xlsx``, the same table as a sheet (:mod:`qualitykit.report.exports`); ``page=False``
    writes only that. Returns the path of the page (of the workbook without a page)."""
    from qualitykit.report.publish import IndexColumn, write_index

    meta = meta or {}
    zh = lang.startswith("zh")
    col_specs = list(meta.get("index_columns") or [])
    keys = {c["key"] for c in col_specs}
    cols = [c for c in DEFAULT_INDEX_COLUMNS[:1] if c["key"] not in keys] + col_specs
    cols += [c for c in DEFAULT_INDEX_COLUMNS[1:] if c["key"] not in keys]
    columns = [
        IndexColumn(
            c["key"],
            c.get("label_zh" if zh else "label_en") or c["key"],
            c.get("kind", "text"),
            int(c.get("digits", 1)),
            c.get("values_zh" if zh else "values_en"),
        )
        for c in cols
    ]
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
    summary = ", ".join(f"{k}: {v}" for k, v in sorted(counts.items()))
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
