"""Review site: executed notebooks rendered to light HTML pages, and a sortable index page.

* :func:`render_report` turns an executed notebook into one HTML page **without code cells** and
  without the heavy default template: a small page that links one shared stylesheet
  (``assets/report.css``). Common outputs are rendered directly (a few milliseconds); anything
  else goes through nbconvert's ``basic`` template with an exporter built once per process.
* :func:`write_index` writes ``index.html`` listing every task of a run (its status, error and key
  figures) with client-side sorting and filtering in plain JavaScript: it opens from the file system,
  no server, no network.

**Nothing from data, parameters or errors runs as script on these pages.** Page templates are
Jinja templates with autoescaping; Markdown (cells and ``text/markdown`` outputs, where the
narrative puts data values, themselves escaped by :func:`qualitykit.report.narrative.md_text`) is
rendered with raw HTML escaped and harmful link targets dropped; streams, tracebacks and plain text
are escaped; images are ``data:image/…`` URLs (SVG too, as nbconvert does: an ``<img>`` runs no
script) whose alt text is escaped; ``text/html`` outputs (pandas tables) pass through
:func:`sanitize_html`, an allowlist sanitiser (ammonia, via ``nh3``). The nbconvert fallback uses
the same Markdown renderer and sanitiser (``sanitize_html=True``: script and widget outputs are
left out).
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
import nh3

from qualitykit.atomic import write_text

ASSETS = ("report.css",)
REMOVE_TAGS = ("parameters", "injected-parameters", "remove", "remove-cell", "hide")


@cache
def _templates() -> jinja2.Environment:
    loader = jinja2.PackageLoader("qualitykit.report", "templates")
    return jinja2.Environment(loader=loader, autoescape=jinja2.select_autoescape(["html", "j2"]))


@cache
def _exporter() -> Any:
    """nbconvert's ``basic`` HTML exporter, made as safe as the direct renderer: our Markdown
    renderer, our sanitiser for every HTML fragment, no script or widget output."""
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
        sanitize_html=True,
        filters={"markdown2html": markdown_to_html, "clean_html": sanitize_html},
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
    LaTeX, JavaScript — goes through nbconvert's ``basic`` template. ``title`` and ``error`` are
    text (escaped)."""
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
            # safe because every part of the body is escaped or sanitised where it is made:
            # _fast_body / _render_output below, or the nbconvert exporter configured above
            body=jinja2.utils.markupsafe.Markup(body),
        )
    )


# ---- HTML fragments: Markdown and sanitising -----------------------------------------------

_TAGS = frozenset(
    "a abbr b blockquote br caption code col colgroup dd del details div dl dt em h1 h2 h3 h4 h5 "
    "h6 hr i img ins kbd li ol p pre q s samp small span strong sub summary sup table tbody td "
    "tfoot th thead tr u ul var".split()
)
_ATTRIBUTES = {
    "*": {"class", "title", "lang", "dir", "style"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan", "align", "valign"},
    "th": {"colspan", "rowspan", "align", "valign", "scope"},
    "col": {"span"},
    "colgroup": {"span"},
    "ol": {"start"},
}
_STYLE_PROPERTIES = frozenset(
    "text-align vertical-align white-space width min-width max-width font-weight font-style "
    "color background-color".split()
)
_DATA_IMAGE = re.compile(r"data:image/(png|jpeg|gif|webp|svg\+xml);base64,[A-Za-z0-9+/=\s]*")


def _attribute_filter(element: str, attribute: str, value: str) -> str | None:
    if attribute == "src":  # images only as data:image URLs: nothing is fetched
        return value if _DATA_IMAGE.fullmatch(value) else None
    if attribute == "href" and value.lower().lstrip().startswith("data:"):
        return None
    return value


def sanitize_html(fragment: str) -> str:
    """``fragment`` with everything that can run script removed (an allowlist of tags, attributes
    and style properties: tables, text, lists, links to http(s)/mailto, ``data:image`` images;
    ``<script>`` and ``<style>`` dropped with their content). Ammonia, via ``nh3``."""
    return nh3.clean(
        str(fragment),
        tags=set(_TAGS),
        clean_content_tags={"script", "style"},
        attributes={k: set(v) for k, v in _ATTRIBUTES.items()},
        attribute_filter=_attribute_filter,
        url_schemes={"http", "https", "mailto", "data"},
        filter_style_properties=set(_STYLE_PROPERTIES),
    )


@cache
def _markdown_renderer() -> Any:
    import mistune

    # escape=True: raw HTML in Markdown is shown as text; harmful link targets become "#"
    return mistune.create_markdown(escape=True, plugins=["table", "strikethrough"])


def markdown_to_html(source: str) -> str:
    """Markdown as HTML, raw HTML escaped (the renderer of both the direct path and nbconvert's)."""
    return _markdown_renderer()(_text(source))


# ---- the direct renderer -------------------------------------------------------------------

_FAST_MIMETYPES = (
    "text/html",
    "image/png",
    "image/jpeg",
    "image/svg+xml",
    "text/markdown",
    "text/plain",
)
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_BASE64 = re.compile(r"[A-Za-z0-9+/=]*")


def _image(mime: str, b64: str, out: Mapping[str, Any], cell_meta: Mapping[str, Any]) -> str | None:
    if not _BASE64.fullmatch(b64):
        return None
    meta = out.get("metadata", {}).get(mime, {})
    attrs = [f'src="data:{mime};base64,{b64}"']
    for key in ("width", "height"):
        if meta.get(key) is not None:
            attrs.append(f'{key}="{html.escape(str(meta[key]))}"')
    alt = meta.get("alt") or cell_meta.get("alt")
    attrs.append(f'alt="{html.escape(str(alt))}"' if alt else 'alt=""')
    return f"<img {' '.join(attrs)}>"


def _render_output(out: Mapping[str, Any], cell_meta: Mapping[str, Any]) -> str | None:
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
    # nbconvert's display priority (html, svg, png, jpeg, markdown, plain)
    if "text/html" in data:
        return f'<div class="qk-html">{sanitize_html(_text(data["text/html"]))}</div>'
    if "image/svg+xml" in data:
        import base64

        b64 = base64.b64encode(_text(data["image/svg+xml"]).encode("utf-8")).decode("ascii")
        return _image("image/svg+xml", b64, out, cell_meta)
    for mime in ("image/png", "image/jpeg"):
        if mime in data:
            return _image(mime, "".join(_text(data[mime]).split()), out, cell_meta)
    if "text/markdown" in data:
        return f'<div class="qk-md">{markdown_to_html(data["text/markdown"])}</div>'
    if "text/plain" in data:
        return f'<pre class="qk-text">{html.escape(_ANSI.sub("", _text(data["text/plain"])))}</pre>'
    return ""


def _text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _fast_body(nb: nbformat.NotebookNode) -> str | None:
    """The page body without nbconvert, or None when an output needs nbconvert."""
    parts = []
    for cell in nb.cells:
        meta = cell.get("metadata", {})
        tags = set(meta.get("tags", []))
        if tags & set(REMOVE_TAGS):
            continue
        if cell.cell_type == "markdown":
            parts.append(f'<div class="qk-cell qk-md">{markdown_to_html(cell.source)}</div>')
        elif cell.cell_type == "code" and "remove-output" not in tags:
            rendered = []
            for out in cell.get("outputs", []):
                r = _render_output(out, meta)
                if r is None:
                    return None
                rendered.append(r)
            if any(rendered):
                parts.append('<div class="qk-cell">' + "".join(rendered) + "</div>")
    return "\n".join(parts)


@dataclass(frozen=True)
class IndexColumn:
    """A column of the index page. ``kind``: text, int, number, rate (proportion shown as %),
    pp (percentage points), flag (text with a colour class), link (text linking to ``href``),
    interval (``lower–upper / of`` from the row's fields named by ``parts`` = (lower, upper, of),
    e.g. a rank interval "3–9 / 11"; sorted by the value of ``key``, e.g. the mean rank)."""

    key: str
    label: str
    kind: str = "text"
    digits: int = 1
    values: Mapping[str, str] | None = None  # display text of coded values, e.g. {"low": "偏低"}
    parts: tuple[str, ...] = ()  # interval: the fields of the lower and upper end and the total

    @property
    def numeric(self) -> bool:
        """Sorted as numbers (the page's script reads ``data-value``)."""
        return self.kind in NUMERIC_KINDS


NUMERIC_KINDS = frozenset({"int", "number", "rate", "pp", "interval"})


def _whole(v: float) -> str:
    """A rank or count: whole numbers without decimals, a shared (tied) rank with one."""
    return f"{v:.0f}" if float(v).is_integer() else f"{v:.1f}"


def _finite(x: Any) -> float | None:
    from qualitykit.report.narrative import ok

    return float(x) if ok(x) else None


def interval_text(col: IndexColumn, row: Mapping[str, Any]) -> str:
    """The text of an ``interval`` index column's cell, e.g. "3–5 / 11" (also the workbook's)."""
    return _interval_cell(col, row)["text"]


def _interval_cell(col: IndexColumn, row: Mapping[str, Any]) -> dict[str, Any]:
    lower, upper, of = (list(col.parts) + ["", "", ""])[:3]
    lo, hi, n = _finite(row.get(lower)), _finite(row.get(upper)), _finite(row.get(of))
    if lo is None or hi is None:
        return {"text": "–", "sort": "", "cls": ""}
    text = _whole(lo) if lo == hi else f"{_whole(lo)}–{_whole(hi)}"
    if n is not None:
        text += f" / {_whole(n)}"
    mid = _finite(row.get(col.key))
    return {"text": text, "sort": repr(mid if mid is not None else (lo + hi) / 2), "cls": ""}


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
    return {"text": text, "sort": "" if missing else text, "cls": cls, "href": _relative(href)}


_SCHEME = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*:|//|\\\\")


def _relative(href: str | None) -> str | None:
    """``href`` if it is a relative path inside the site (a report page), else None (no link):
    no ``javascript:`` or other scheme, no address on another host."""
    if not href or _SCHEME.match(str(href).strip()):
        return None
    return str(href)


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
            cells[col.key] = (
                _interval_cell(col, t)
                if col.kind == "interval"
                else _cell(col, t.get(col.key), href)
            )
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
