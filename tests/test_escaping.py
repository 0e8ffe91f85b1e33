"""Everything that reaches HTML is escaped: data values in the narrative's Markdown, notebook
outputs on report pages, index cells (fast checks; the browser test is test_escaping_browser.py).

Independent checks: Markdown is rendered by two engines — the review site's renderer and
nbconvert's own (``markdown2html_mistune``, raw HTML allowed, as JupyterLab-like viewers do) — and
the resulting HTML is parsed with the standard library's ``html.parser``: the value must come back
as the same text, and no element other than the sentence's own may appear.
"""

from __future__ import annotations

import base64
import html
import re
from html.parser import HTMLParser
from pathlib import Path

import matplotlib.pyplot as plt
import nbformat
import numpy as np
import pandas as pd
import pytest
from nbconvert.filters.markdown_mistune import markdown2html_mistune

from qualitykit.report import district, narrative, publish
from qualitykit.stats import pareto

PAYLOADS = [
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    '</textarea><svg onload="alert(1)">',
    "[click](javascript:alert(1))",
    "![x](javascript:alert(1))",
    "<http://example.com/a>",
    "**bold** _em_ `code` ~~del~~ | a | b |",
    "# heading",
    "- list item",
    "1. ordered",
    "> quote",
    "=== setext",
    "&lt;script&gt; &#60;b&#62; &amp;",
    "back\\slash \\<b\\>",
    "$x^2$ 苯并[a]芘",
    "two\nlines\n\n# and a heading",
    "snake_case_id a_b_c 标识_x_y _lead trail_ __dunder__",
]


class _Page(HTMLParser):
    """Tags, attributes and visible text of an HTML fragment (script/style content not text)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str, str]] = []
        self.text: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += [(tag, k, v or "") for k, v in attrs]
        if tag in ("script", "style"):
            self._hidden += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._hidden = max(0, self._hidden - 1)

    def handle_data(self, data):
        if not self._hidden:
            self.text.append(data)

    @property
    def visible(self) -> str:
        return " ".join("".join(self.text).split())


def _parse(fragment: str) -> _Page:
    p = _Page()
    p.feed(fragment)
    p.close()
    return p


def _assert_inert(page: _Page, *, scripts: int = 0, where: str = "") -> None:
    """No element or attribute that can run script (a page's own script and stylesheet apart)."""
    assert page.tags.count("script") == scripts, where
    dangerous = {"iframe", "object", "embed", "svg", "math", "form", "textarea", "base"}
    assert not dangerous & set(page.tags), (where, set(page.tags))
    links = [v for t, k, v in page.attrs if t == "link" and k == "href"]
    assert page.tags.count("link") == len(links) <= 1, (where, links)
    assert all(h.endswith(".css") and ":" not in h for h in links), (where, links)
    for tag, name, value in page.attrs:
        assert not name.lower().startswith("on"), (where, tag, name, value)
        if name in ("href", "src", "action", "formaction", "xlink:href"):
            v = value.strip().lower()
            assert not v.startswith(("javascript:", "vbscript:", "data:text")), (where, tag, v)
            if tag == "img":
                assert v.startswith("data:image/") or "://" not in v, (where, v)


def _renderers():
    return {
        "review site": publish._markdown_renderer(),
        "nbconvert": markdown2html_mistune,
    }


# ------------------------------------------------------------------------------------------
# Markdown text of data values
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", PAYLOADS)
@pytest.mark.parametrize("engine", ["review site", "nbconvert"])
def test_md_text_comes_back_as_the_same_text(value, engine):
    render = _renderers()[engine]
    for template in ("{v}", "前文 {v} 后文", "**注：** {v}。"):
        out = render(template.format(v=narrative.md_text(value)))
        page = _parse(out)
        expected = " ".join(template.replace("**", "").format(v=value).split())
        assert page.visible == expected, out
        assert set(page.tags) <= {"p", "strong"}, out
        _assert_inert(page, where=out)


def _units(names: list[str]) -> pd.DataFrame:
    batches = np.array([400, 300, 500, 200, 350, 250])
    rates = np.array([0.99, 0.70, 0.90, 0.92, 0.95, 0.60])
    return pd.DataFrame(
        {
            "region_code": [f"3303{i:02d}" for i in range(len(names))],
            "name_zh": names,
            "batches": batches,
            "passed": np.round(batches * rates).astype(int),
        }
    )


def _narratives() -> dict[str, str]:
    p = PAYLOADS
    names = p[:6]
    nc = pd.DataFrame({"item": np.repeat(p[:5], [9, 7, 5, 3, 1])})
    items = pareto.pareto_table(nc, "item")
    cmp = district.compare_units(_units(names), draws=200)
    row = cmp.table.iloc[[1]].assign(province_name=p[2])
    groups = pd.DataFrame(
        {
            "group": np.repeat([p[0], p[1]], 60),
            "item": np.concatenate(
                [np.repeat([p[2], p[3]], [50, 10]), np.repeat([p[2], p[3]], [10, 50])]
            ),
        }
    )
    comparison = pareto.compare_groups(groups, "group", "item", reference=p[0])
    summary = {
        "name": p[0],
        "region_code": "330303",
        "data_status": "ok",
        "year_from": 2015,
        "year_to": 2024,
        "batches": 100,
        "pass_rate": 0.9,
        "ci_lower": 0.85,
        "ci_upper": 0.95,
        "top_item": p[1],
        "top_item_share": 0.3,
        "target_status": p[2],
    }
    targets = pd.DataFrame(
        {
            "target_id": [p[3], p[4]],
            "document_id": ["d1", "d2"],
            "comparator": [">=", ">="],
            "unit": ["pct", "pct"],
            "lower": [90.0, 95.0],
            "deadline_year": [2025, 2025],
        }
    )
    small = pd.DataFrame({"year": [2015, 2020], "period": [p[6], p[6]], "small_share": [0.5, 0.6]})
    out = {
        "district_summary": narrative.district_summary(summary, "zh"),
        "district_summary_en": narrative.district_summary(summary, "en"),
        "pass_rate": narrative.pass_rate(p[7], {"batches": 10, "passed": 9, "pass_rate": 0.9}),
        "pass_rate_en": narrative.pass_rate(
            p[5], {"batches": 9, "passed": 9, "pass_rate": 1}, "en"
        ),
        "pareto": narrative.pareto(items, "zh"),
        "pareto_en": narrative.pareto(items, "en"),
        "district_position": narrative.district_position(row, "zh"),
        "district_position_en": narrative.district_position(row, "en"),
        "funnel": narrative.funnel(cmp.table, "zh", level="95", label_column="name_zh"),
        "ranks": narrative.ranks(cmp.table, "en", label_column="name_zh"),
        "shrinkage": narrative.shrinkage(cmp.shrunk, "zh", label_column="name_zh"),
        "relative_target": narrative.relative_target(
            cmp.relative.assign(verdict="met with confidence"), 2.0, "zh", label_column="name_zh"
        ),
        "comparison": narrative.comparison(comparison, "group", "item", "zh"),
        "comparison_en": narrative.comparison(comparison, "group", "item", "en"),
        "no_data": narrative.no_data(p[8], "zh", reason=p[9]),
        "scorecard": narrative.scorecard(pd.DataFrame({"status": [p[10], "met"]}), "en"),
        "targets_compared": narrative.targets_compared(targets, "zh"),
        "size_mix": narrative.size_mix(small, None, "en"),
        "published": narrative.published(
            pd.DataFrame({"year": [2020], "v": [0.9]}), "v", "zh", name=p[11]
        ),
        "source_list": narrative.source_list(
            ["https://example.com/a?b=1&c=2", p[0], "javascript:alert(1)", "http://x/<b>"], "zh"
        ),
    }
    return out


@pytest.fixture(scope="module")
def narratives() -> dict[str, str]:
    return _narratives()


@pytest.mark.parametrize("engine", ["review site", "nbconvert"])
def test_narrative_shows_data_values_literally(narratives, engine):
    render = _renderers()[engine]
    allowed = {"p", "strong", "em", "ul", "li", "a"}
    shown = set()
    for name, markdown in narratives.items():
        page = _parse(render(markdown))
        _assert_inert(page, where=name)
        assert set(page.tags) <= allowed, (name, page.tags, markdown)
        assert [t for t in page.tags if t == "a"] == [] or name == "source_list", name
        for v in PAYLOADS:
            if " ".join(v.split()) in page.visible:
                shown.add(v)
    # every payload that went in came out as text somewhere (none was dropped or rendered)
    assert shown >= set(PAYLOADS[:12]), set(PAYLOADS[:12]) - shown


def test_source_list_links_only_plain_web_addresses(narratives):
    page = _parse(publish._markdown_renderer()(narratives["source_list"]))
    hrefs = [v for t, k, v in page.attrs if t == "a" and k == "href"]
    assert hrefs == ["https://example.com/a?b=1&c=2"]
    assert "javascript:alert(1)" in page.visible and "http://x/<b>" in page.visible


# ------------------------------------------------------------------------------------------
# report pages
# ------------------------------------------------------------------------------------------


def _png(alt: str | None = None) -> dict:
    fig, ax = plt.subplots(figsize=(1, 1))
    ax.set_title("t")
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    out = nbformat.v4.new_output(
        "display_data",
        data={"image/png": base64.b64encode(buf.getvalue()).decode(), "text/plain": "<Figure>"},
    )
    if alt is not None:
        out.metadata = {"image/png": {"alt": alt}}
    return out


SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script>'
    '<text x="1" y="10">svg-text</text></svg>'
)
HOSTILE_HTML = (
    "<div><script>alert(1)</script><img src=x onerror=alert(2)>"
    '<a href="javascript:alert(3)">link</a><iframe src="javascript:alert(4)"></iframe>'
    '<p style="color: red; background: url(javascript:alert(5))" onclick="alert(6)">para</p>'
    "<form action=javascript:alert(7)><button>b</button></form>"
    '<table class="dataframe"><tr><th>h</th><td>cell</td></tr></table></div>'
)


def _hostile_notebook(*, force_nbconvert: bool = False) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_markdown_cell("# 标题\n\n" + PAYLOADS[0] + " " + PAYLOADS[1]))
    code = nbformat.v4.new_code_cell("x")
    frame = pd.DataFrame({PAYLOADS[2]: [PAYLOADS[0]]}, index=[PAYLOADS[1]])
    code.outputs = [
        nbformat.v4.new_output("display_data", data={"text/markdown": "段落 " + PAYLOADS[0]}),
        nbformat.v4.new_output(
            "display_data", data={"text/html": frame._repr_html_(), "text/plain": "df"}
        ),
        nbformat.v4.new_output("display_data", data={"text/html": HOSTILE_HTML}),
        nbformat.v4.new_output("display_data", data={"image/svg+xml": SVG}),
        _png(alt=PAYLOADS[2]),
        nbformat.v4.new_output("stream", name="stdout", text="out " + PAYLOADS[1]),
        nbformat.v4.new_output(
            "error",
            ename="ParameterError",
            evalue=PAYLOADS[0],
            traceback=[f"\x1b[0;31mParameterError\x1b[0m: {PAYLOADS[0]}"],
        ),
        nbformat.v4.new_output(
            "execute_result", data={"text/plain": "plain " + PAYLOADS[2]}, execution_count=1
        ),
    ]
    if force_nbconvert:  # an output the direct renderer does not know sends the page to nbconvert
        code.outputs.append(
            nbformat.v4.new_output(
                "display_data",
                data={
                    "application/javascript": "window.__xss = 1",
                    "text/plain": "js",
                },
            )
        )
    nb.cells.append(code)
    return nb


@pytest.mark.parametrize("path", ["direct", "nbconvert"])
def test_report_page_is_inert_and_shows_text(path):
    nb = _hostile_notebook(force_nbconvert=path == "nbconvert")
    if path == "direct":
        assert publish._fast_body(nb) is not None
    else:
        assert publish._fast_body(nb) is None
    page_html = publish.render_report(nb, title=PAYLOADS[1], error=PAYLOADS[0], lang="en")
    page = _parse(page_html)
    _assert_inert(page, where=path)
    visible = page.visible
    for text in (PAYLOADS[0], PAYLOADS[1], PAYLOADS[2], "段落", "para", "cell", "link"):
        assert text in visible, (path, text)
    title = re.search(r"<title>(.*?)</title>", page_html, re.S).group(1)
    assert html.unescape(title) == PAYLOADS[1]
    alts = [v for t, k, v in page.attrs if t == "img" and k == "alt"]
    assert PAYLOADS[2] in alts
    assert "window.__xss" not in visible


def test_table_cells_keep_their_text():
    """A DataFrame's HTML survives the sanitiser: table, headers and cells as pandas wrote them."""
    frame = pd.DataFrame({"项目": [PAYLOADS[0], "标识"], "占比": ["12.5%", "3.0%"]})
    cleaned = publish.sanitize_html(frame._repr_html_())
    page = _parse(cleaned)
    assert {"table", "thead", "tbody", "tr", "th", "td"} <= set(page.tags)
    assert [t for t in page.tags if t == "td"] == ["td"] * 4
    assert PAYLOADS[0] in page.visible and "12.5%" in page.visible
    _assert_inert(page)


def test_figure_alt_text_is_the_figure_title(tmp_path, monkeypatch):
    from qualitykit.report import framework

    ctx = framework.start("05_district_report", output_dir=str(tmp_path), show_scope=False)
    fig, ax = plt.subplots()
    ax.set_title(PAYLOADS[0])
    shown: list = []
    monkeypatch.setattr(framework, "_display", shown.append)
    ctx.show(fig)
    plt.close(fig)
    (img,) = shown
    assert img._repr_png_()[1].get("alt") == PAYLOADS[0]


# ------------------------------------------------------------------------------------------
# index page
# ------------------------------------------------------------------------------------------


def test_index_cells_are_escaped(tmp_path):
    cols = [
        publish.IndexColumn("key", "Key"),
        publish.IndexColumn("name", PAYLOADS[1]),
        publish.IndexColumn("flag", "Flag", "flag", values={"low": PAYLOADS[0]}),
        publish.IndexColumn("status", "Status"),
        publish.IndexColumn("error", "Error"),
    ]
    tasks = [
        {
            "key": PAYLOADS[2],
            "name": PAYLOADS[0],
            "flag": '" onmouseover="alert(1)',
            "status": PAYLOADS[1],
            "error": PAYLOADS[2],
            "html": "javascript:alert(1)",
        },
        {"key": "b", "name": "x", "flag": "low", "status": "ok", "error": None, "html": "r/b.html"},
    ]
    path = publish.write_index(tmp_path, tasks, columns=cols, title=PAYLOADS[1], footer=PAYLOADS[0])
    page = _parse(path.read_text("utf-8"))
    _assert_inert(page, scripts=1)
    hrefs = [v for t, k, v in page.attrs if t == "a" and k == "href"]
    assert hrefs == ["r/b.html"]
    for text in PAYLOADS[:3]:
        assert text in page.visible


# ------------------------------------------------------------------------------------------
# the source holds no switch that turns escaping off without a reason
# ------------------------------------------------------------------------------------------

SWITCHES = re.compile(r"escape=False|autoescape=False|Markup\(|\|\s*safe\b")


def test_no_escaping_switched_off_without_a_stated_reason():
    lib = Path(publish.__file__).resolve().parents[1]
    found = []
    for path in sorted(lib.rglob("*")):
        if path.suffix not in (".py", ".j2", ".html") or not path.is_file():
            continue
        lines = path.read_text("utf-8").splitlines()
        for i, line in enumerate(lines):
            if SWITCHES.search(line):
                context = "\n".join(lines[max(0, i - 3) : i + 1])
                if "safe because" not in context:
                    found.append(f"{path.relative_to(lib)}:{i + 1}: {line.strip()}")
    assert found == []
