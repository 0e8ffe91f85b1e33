"""The direct HTML renderer of the review site shows what nbconvert's HTML export shows.

:func:`qualitykit.report.publish.render_report` renders the common outputs itself (a few
milliseconds a page, ``benchmarks/bench_publish.py``) and falls back to nbconvert for anything
else. Here the direct renderer is compared with **stock** nbconvert (``HTMLExporter``, ``basic``
template, no code cells, no prompts, the same tag-removal configuration) on executed notebooks: one
executed here (Chinese Markdown cells with a heading, list, table, emphasis, link and code span; a
pandas table; a matplotlib PNG; an SVG; a Markdown output; stdout; an error) and every executed
notebook of ``tests/golden/notebooks/``. Equal must be

* the visible text, whitespace removed (a browser's rendering of the same text differs only in
  line breaks between blocks), and
* the set of embedded images (SHA-256 of the decoded ``data:`` bytes).

Differences that are deliberate and left out of the comparison: stderr streams (warnings and logs
stay in the ``.ipynb``, not on the review page; they are removed from nbconvert's input) and the
"¶" permalinks nbconvert adds to headings.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import re
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest

from qualitykit.report import publish

GOLDEN = sorted((Path(__file__).parent / "golden" / "notebooks").glob("*.ipynb"))

CELLS = [
    (
        "markdown",
        "# 区县质量简报\n\n批次合格率 **95.2%**，*较上年* 上升；见 [来源](https://www.samr.gov.cn/)。",
    ),
    (
        "markdown",
        "## 主要项目\n\n- 帮底剥离强度\n- 成鞋耐折性能（`代码`）\n\n| 项目 | 占比 |\n|---|---|\n"
        "| 标识 | 12.5% |\n| 勾心纵向刚度 | 8.0% |\n\n> 引用：朱兰 80/20",
    ),
    (
        "code",
        "import pandas as pd\n"
        "pd.DataFrame({'项目': ['标识', '帮底剥离强度'], '批次': [12, 7], '占比': [0.63, 0.37]})",
    ),
    (
        "code",
        "import matplotlib\nmatplotlib.use('module://matplotlib_inline.backend_inline')\n"
        "import matplotlib.pyplot as plt\n"
        "fig, ax = plt.subplots(figsize=(2, 1.5))\nax.plot([1, 2, 3], [3, 1, 2])\nplt.show()",
    ),
    (
        "code",
        "from IPython.display import SVG, Markdown, display\n"
        'display(SVG(\'<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20">'
        '<rect width="10" height="10"/></svg>\'))\n'
        "display(Markdown('**无数据：** 龙湾区 2005 年没有抽查记录。'))",
    ),
    (
        "code",
        "import sys\nprint('合格 95 批，不合格 5 批')\nprint('a warning', file=sys.stderr)\n"
        "{'批次': 100}",
    ),
    ("code", "raise ValueError('区县代码必须是 6 位数字')"),
]


@pytest.fixture(scope="module")
def executed() -> nbformat.NotebookNode:
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook()
    for kind, source in CELLS:
        make = nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell
        nb.cells.append(make(source))
    nb.cells.append(nbformat.v4.new_code_cell("'removed'", metadata={"tags": ["remove-cell"]}))
    NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True).execute()
    kinds = {o["output_type"] for c in nb.cells for o in c.get("outputs", [])}
    assert kinds == {"display_data", "execute_result", "stream", "error"}
    return nb


def _stock_nbconvert(nb: nbformat.NotebookNode) -> str:
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    c = Config()
    c.TagRemovePreprocessor.enabled = True
    c.TagRemovePreprocessor.remove_cell_tags = set(publish.REMOVE_TAGS)
    c.TagRemovePreprocessor.remove_all_outputs_tags = {"remove-output"}
    exporter = HTMLExporter(
        config=c,
        template_name="basic",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    nb = copy.deepcopy(nb)
    for cell in nb.cells:  # deliberate difference: stderr is not shown on review pages
        if "outputs" in cell:
            cell.outputs = [o for o in cell.outputs if o.get("name") != "stderr"]
    body, _ = exporter.from_notebook_node(nb)
    return body


class _Visible(HTMLParser):
    """Visible text and embedded images of an HTML page (script, style, permalinks left out)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.images: set[str] = set()
        self._skip: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("script", "style") or (tag == "a" and "anchor-link" in (a.get("class") or "")):
            self._skip.append(tag)
        if tag == "img" and (a.get("src") or "").startswith("data:"):
            payload = a["src"].split(",", 1)[1]
            self.images.add(hashlib.sha256(base64.b64decode(payload)).hexdigest())

    def handle_endtag(self, tag):
        if self._skip and self._skip[-1] == tag:
            self._skip.pop()

    def handle_data(self, data):
        if not self._skip:
            self.text.append(data)


def _visible(page: str) -> tuple[str, set[str]]:
    v = _Visible()
    v.feed(page)
    v.close()
    return re.sub(r"\s+", "", "".join(v.text)), v.images


def _compare(nb: nbformat.NotebookNode) -> None:
    direct = publish._fast_body(nb)
    assert direct is not None, "the direct renderer declined a notebook of common outputs"
    text_d, images_d = _visible(direct)
    text_n, images_n = _visible(_stock_nbconvert(nb))
    assert text_d == text_n
    assert images_d == images_n


def test_executed_notebook_parity(executed):
    _compare(executed)
    text, images = _visible(publish._fast_body(executed))
    assert "区县质量简报" in text and "帮底剥离强度" in text and "ValueError" in text
    assert "awarning" not in text and "removed" not in text
    assert len(images) == 2  # the PNG and the SVG


@pytest.mark.parametrize("path", GOLDEN, ids=[p.stem for p in GOLDEN])
def test_golden_notebook_parity(path):
    _compare(nbformat.read(str(path), as_version=4))
