"""Review site: executed notebooks rendered to light HTML pages, and a sortable index page.

* :func:`render_report` turns an executed notebook into one HTML page **without code cells** and
  without the heavy default template: nbconvert's ``basic`` template (no per-page CSS or JS) inside a
  small page that links one shared stylesheet (``assets/report.css``). The exporter is built once per
  process and reused, so rendering costs milliseconds, not a process per file.
* :func:`write_index` writes ``index.html`` listing every task of a run (its status, error and key
  figures) with client-side sorting and filtering in plain JavaScript: it opens from the file system,
  no server, no network.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
import nbformat

from qualitykit.atomic import write_text

ASSETS = ("report.css",)
REMOVE_TAGS = ("parameters", "injected-parameters", "remove", "remove-cell", "hide")


@cache
def _templates() -> jinja2.Environment:
    loader = jinja2.PackageLoader("qualitykit.report", "templates")
    return jinja2.Environment(loader=loader, autoescape=jinja2.select_autoescape(["html", "j2"]))


@cache
def _exporter() -> Any:
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    c = Config()
    c.TagRemovePreprocessor.enabled = True
    c.TagRemovePreprocessor.remove_cell_tags = set(REMOVE_TAGS)
    c.TagRemovePreprocessor.remove_all_outputs_tags = {"remove-output"}
    return HTMLExporter(
        config=c,
        template_name="basic",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )


def copy_assets(site_dir: str | Path) -> Path:
    """Copy the shared stylesheet to ``site_dir/assets/`` (atomically, idempotent)."""
    dest = Path(site_dir) / "assets"
    dest.mkdir(parents=True, exist_ok=True)
    for name in ASSETS:
        text = resources.files("qualitykit.report").joinpath("templates", name).read_text("utf-8")
        target = dest / name
        if not target.exists() or target.read_text("utf-8") != text:
            write_text(target, text)
    return dest


def render_report(
    nb: nbformat.NotebookNode,
    *,
    title: str,
    lang: str = "zh",
    css_href: str = "assets/report.css",
    index_href: str | None = None,
    error: str | None = None,
) -> str:
    """HTML of an executed notebook: markdown and outputs only, code and parameter cells removed.

    Notebooks whose outputs are all of the common kinds (markdown, HTML tables, PNG/JPEG/SVG
    images, plain text, errors) are rendered directly (a few milliseconds); anything else — widgets,
    LaTeX, JavaScript — goes through nbconvert's ``basic`` template."""
    body = _fast_body(nb)
    if body is None:
        body, _ = _exporter().from_notebook_node(nb)
    zh = lang.startswith("zh")
    return (
        _templates()
        .get_template("report.html.j2")
        .render(
            title=title,
            lang="zh-CN" if zh else "en",
            css_href=css_href,
            index_href=index_href,
            back_label="返回索引" if zh else "back to the index",
            error=error,
            error_label="运行失败：" if zh else "This report failed:",
            body=jinja2.utils.markupsafe.Markup(body),
        )
    )


_FAST_MIMETYPES = (
    "text/html",
    "image/png",
    "image/jpeg",
    "image/svg+xml",
    "text/markdown",
    "text/plain",
)
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


@cache
def _markdown_renderer() -> Any:
    import mistune

    return mistune.create_markdown(escape=False, plugins=["table", "strikethrough"])


def _render_output(out: Mapping[str, Any]) -> str | None:
    kind = out.get("output_type")
    if kind == "stream":
        if out.get("name") == "stderr":
            return ""  # warnings and logs: kept in the .ipynb, not in the review page
        return f'<pre class="qk-stream">{html.escape(_text(out.get("text", "")))}</pre>'
    if kind == "error":
        tb = _ANSI.sub("", "\n".join(out.get("traceback", [])))
        return f'<pre class="qk-traceback">{html.escape(tb)}</pre>'
    data = out.get("data", {})
    unknown = [m for m in data if m not in _FAST_MIMETYPES]
    if unknown:
        return None
    if "text/html" in data:
        return f'<div class="qk-html">{_text(data["text/html"])}</div>'
    for mime in ("image/png", "image/jpeg"):
        if mime in data:
            b64 = "".join(_text(data[mime]).split())
            return f'<img src="data:{mime};base64,{b64}" alt="">'
    if "image/svg+xml" in data:
        return f'<div class="qk-svg">{_text(data["image/svg+xml"])}</div>'
    if "text/markdown" in data:
        return f'<div class="qk-md">{_markdown_renderer()(_text(data["text/markdown"]))}</div>'
    if "text/plain" in data:
        return f'<pre class="qk-text">{html.escape(_text(data["text/plain"]))}</pre>'
    return ""


def _text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _fast_body(nb: nbformat.NotebookNode) -> str | None:
    """The page body without nbconvert, or None when an output needs nbconvert."""
    parts = []
    for cell in nb.cells:
        tags = set(cell.get("metadata", {}).get("tags", []))
        if tags & set(REMOVE_TAGS):
            continue
        if cell.cell_type == "markdown":
            parts.append(
                f'<div class="qk-cell qk-md">{_markdown_renderer()(_text(cell.source))}</div>'
            )
        elif cell.cell_type == "code" and "remove-output" not in tags:
            rendered = []
            for out in cell.get("outputs", []):
                r = _render_output(out)
                if r is None:
                    return None
                rendered.append(r)
            if any(rendered):
                parts.append('<div class="qk-cell">' + "".join(rendered) + "</div>")
    return "\n".join(parts)


@dataclass(frozen=True)
class IndexColumn:
    """A column of the index page. ``kind``: text, int, number, rate (proportion shown as %),
    pp (percentage points), flag (text with a colour class), link (text linking to ``href``)."""

    key: str
    label: str
    kind: str = "text"
    digits: int = 1
    values: Mapping[str, str] | None = None  # display text of coded values, e.g. {"low": "偏低"}


def _cell(col: IndexColumn, value: Any, href: str | None = None) -> dict[str, Any]:
    missing = value is None or (isinstance(value, float) and math.isnan(value))
    if col.kind in {"int", "number", "rate", "pp"}:
        if missing:
            return {"text": "–", "sort": "", "cls": ""}
        v = float(value)
        if col.kind == "rate":
            text = f"{100 * v:.{col.digits}f}%"
        elif col.kind == "pp":
            text = f"{v:+.{col.digits}f}"
        elif col.kind == "int":
            text = f"{int(round(v)):,}"
        else:
            text = f"{v:.{col.digits}f}"
        return {"text": text, "sort": repr(v), "cls": ""}
    code = "–" if missing else str(value)
    text = (col.values or {}).get(code, code)
    cls = ""
    if col.kind == "flag" and not missing:
        cls = f"qk-flag-{code.split()[0].lower()}"
    if col.key == "status" and not missing:
        cls = f"qk-status-{code}"
    if col.key == "error":
        cls = (cls + " qk-wrap").strip()
    return {"text": text, "sort": "" if missing else text, "cls": cls, "href": href}


def write_index(
    site_dir: str | Path,
    tasks: Sequence[Mapping[str, Any]],
    *,
    columns: Sequence[IndexColumn],
    title: str,
    subtitle: str = "",
    footer: str = "",
    lang: str = "zh",
) -> Path:
    """Write ``site_dir/index.html``.

    ``tasks``: one mapping per report with ``key``, ``status``, ``error`` (or None), ``html`` (path
    relative to ``site_dir`` or None) and the key figures named by ``columns``. The first column
    links to the report; failed reports show their error in an ``error`` column."""
    copy_assets(site_dir)
    zh = lang.startswith("zh")
    rows = []
    for t in tasks:
        cells = {}
        for i, col in enumerate(columns):
            href = t.get("html") if i == 0 else None
            cells[col.key] = _cell(col, t.get(col.key), href)
        rows.append({"status": t.get("status", ""), "cells": cells})
    status_col = next((c for c in columns if c.key == "status"), None)
    status_text = dict(status_col.values or {}) if status_col is not None else {}
    statuses = [
        (s, status_text.get(s, s)) for s in sorted({str(t.get("status", "")) for t in tasks})
    ]
    page = (
        _templates()
        .get_template("index.html.j2")
        .render(
            title=title,
            subtitle=subtitle,
            footer=footer,
            lang="zh-CN" if zh else "en",
            columns=columns,
            rows=rows,
            statuses=statuses,
            labels={
                "filter": "筛选" if zh else "Filter",
                "filter_hint": "名称、代码或错误" if zh else "name, code or error",
                "status": "状态" if zh else "Status",
                "all": "全部" if zh else "all",
            },
        )
    )
    return write_text(Path(site_dir) / "index.html", page)
