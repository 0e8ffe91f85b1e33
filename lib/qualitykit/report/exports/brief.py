"""A report as a Word document (python-docx): what the review page shows, in the report's language.

:func:`report_docx` turns an executed notebook into a ``.docx``: the title, then every output in
order — the generated Markdown (section headings from the vocabulary, sentences, notes, lists,
Markdown tables), the tables the notebook shows (the same rows, headers and formatted values as
the page: the pandas HTML of each shown table, read back), and the figures (the PNG each figure
cell shows — the same image the page embeds, at text width, its title as alt text). As on the
review page, the notebook's own Markdown cells (bilingual documentation of the notebook) and its
code are left out, and so are log streams.

Chinese by default: every run of text names a Latin font and an East Asian one (``w:eastAsia``:
宋体 SimSun for text, 黑体 SimHei for headings — the fonts of Chinese official documents, present
on every Chinese Windows and substituted elsewhere), and the styles carry the document language
(``zh-CN`` or ``en-GB``). Written atomically; fixed document times (same notebook, same bytes).
"""

from __future__ import annotations

import base64
import io
from collections.abc import Iterable, Sequence
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from qualitykit.atomic import write_bytes
from qualitykit.report import vocabulary

FONTS = {
    "zh": {"body": ("Times New Roman", "SimSun"), "heading": ("Arial", "SimHei")},
    "en": {"body": ("Calibri", "SimSun"), "heading": ("Calibri", "SimHei")},
}
"""(Latin font, East Asian font) of body text and headings, by language."""
LANG_TAGS = {"zh": "zh-CN", "en": "en-GB"}
FIGURE_WIDTH_CM = 16.0
FIXED_TIME = datetime(2000, 1, 1)
SKIP_TAGS = frozenset({"parameters", "injected-parameters", "remove", "remove-cell", "hide"})


# ---- tables shown by the notebook (pandas HTML) ---------------------------------------------


class _TableParser(HTMLParser):
    """Rows of cell texts of the first ``<table>`` of a pandas ``to_html`` fragment."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[list[tuple[str, str]]] = []
        self._cell: list[str] | None = None
        self._tag = ""
        self._depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._depth += 1
        elif self._depth == 1 and tag == "tr":
            self.rows.append([])
        elif self._depth == 1 and tag in ("td", "th") and self.rows:
            self._cell, self._tag = [], tag

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._depth -= 1
        elif tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append((self._tag, " ".join("".join(self._cell).split())))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def html_table(fragment: str) -> list[list[str]] | None:
    """The header and rows of a pandas HTML table without its index column (the row numbers),
    or None if ``fragment`` holds no table."""
    parser = _TableParser()
    parser.feed(fragment)
    rows = [r for r in parser.rows if r]
    if not rows:
        return None
    # pandas: the header row starts with an empty <th> over the index; each body row with a <th>
    has_index = rows[0][0] == ("th", "") and all(len(r) > 1 and r[0][0] == "th" for r in rows[1:])
    return [[text for _, text in (r[1:] if has_index else r)] for r in rows]


# ---- Markdown -------------------------------------------------------------------------------


def _inline(children: Iterable[dict[str, Any]], bold: bool = False, italic: bool = False) -> list:
    """(text, bold, italic, code) runs of Markdown inline tokens."""
    runs: list[tuple[str, bool, bool, bool]] = []
    for tok in children:
        kind = tok.get("type")
        if kind in ("text", "inline_html"):
            runs.append((tok.get("raw", ""), bold, italic, False))
        elif kind == "codespan":
            runs.append((tok.get("raw", ""), bold, italic, True))
        elif kind in ("softbreak",):
            runs.append((" ", bold, italic, False))
        elif kind == "linebreak":
            runs.append(("\n", bold, italic, False))
        elif kind == "strong":
            runs += _inline(tok.get("children", []), True, italic)
        elif kind in ("emphasis", "strikethrough"):
            runs += _inline(tok.get("children", []), bold, True)
        elif "children" in tok:  # links, images' alt text: their text
            runs += _inline(tok["children"], bold, italic)
    return runs


def _plain(children: Iterable[dict[str, Any]]) -> str:
    return "".join(r[0] for r in _inline(children))


class _Writer:
    """Adds paragraphs, headings, tables and pictures to a python-docx Document in ``lang``."""

    def __init__(self, lang: str) -> None:
        from docx import Document

        self.lang = lang
        self.doc = Document()
        self.doc.core_properties.created = self.doc.core_properties.modified = FIXED_TIME
        self.doc.core_properties.language = LANG_TAGS[lang]
        self.doc.core_properties.author = "qualitykit"
        self._styles()

    # fonts
    def _fonts(self, element: Any, kind: str) -> None:
        from docx.oxml.ns import qn

        latin, east = FONTS[self.lang][kind]
        rpr = element.get_or_add_rPr()
        fonts = rpr.get_or_add_rFonts()
        for attr in ("w:ascii", "w:hAnsi", "w:cs"):
            fonts.set(qn(attr), latin)
        fonts.set(qn("w:eastAsia"), east)
        for old in rpr.findall(qn("w:lang")):
            rpr.remove(old)
        lang = rpr.makeelement(qn("w:lang"), {})
        lang.set(qn("w:val"), LANG_TAGS[self.lang])
        lang.set(qn("w:eastAsia"), "zh-CN")
        rpr.append(lang)

    def _styles(self) -> None:
        for style in self.doc.styles:
            if getattr(style, "type", None) is None or not hasattr(style, "element"):
                continue
            name = style.name or ""
            kind = "heading" if name.startswith(("Heading", "Title")) else "body"
            if name.startswith(("Normal", "Heading", "Title", "List", "Quote", "Table")):
                self._fonts(style.element, kind)

    def run(self, paragraph: Any, text: str, *, bold=False, italic=False, code=False, kind="body"):
        run = paragraph.add_run(text)
        run.bold = bold or None
        run.italic = italic or None
        self._fonts(run._r, kind)
        if code:
            run.font.name = "Consolas"
        return run

    def heading(self, text: str, level: int) -> None:
        p = self.doc.add_heading("", level=level)
        self.run(p, text, kind="heading")

    def paragraph(self, runs: Sequence[tuple[str, bool, bool, bool]], style: str | None = None):
        p = self.doc.add_paragraph(style=style)
        for text, bold, italic, code in runs:
            self.run(p, text, bold=bold, italic=italic, code=code)
        return p

    def table(self, rows: Sequence[Sequence[str]]) -> None:
        from docx.oxml.ns import qn

        if not rows or not rows[0]:
            return
        width = max(len(r) for r in rows)
        table = self.doc.add_table(rows=0, cols=width)
        table.style = "Table Grid"
        for i, row in enumerate(rows):
            cells = table.add_row().cells
            for j, text in enumerate(row):
                cells[j].text = ""
                self.run(cells[j].paragraphs[0], text, bold=i == 0)
            if i == 0:  # the header row repeats on every page
                trpr = table.rows[0]._tr.get_or_add_trPr()
                trpr.append(trpr.makeelement(qn("w:tblHeader"), {}))
        self.doc.add_paragraph()

    def picture(self, data: bytes, alt: str | None) -> None:
        from docx.shared import Cm

        self.doc.add_picture(io.BytesIO(data), width=Cm(FIGURE_WIDTH_CM))
        if alt:
            for prop in self.doc.inline_shapes[-1]._inline.iter():
                if prop.tag.endswith("}docPr"):
                    prop.set("descr", alt)
                    break

    def markdown(self, source: str) -> None:
        import mistune

        for tok in mistune.create_markdown(renderer=None, plugins=["table", "strikethrough"])(
            source
        ):
            self._block(tok)

    def _block(self, tok: dict[str, Any], style: str | None = None) -> None:
        kind = tok.get("type")
        children = tok.get("children", [])
        if kind == "heading":
            level = int(tok.get("attrs", {}).get("level", 2))
            self.heading(_plain(children), max(1, min(level - 1, 9)))
        elif kind in ("paragraph", "block_text"):
            self.paragraph(_inline(children), style)
        elif kind == "block_quote":
            for child in children:
                self._block(child, "Quote")
        elif kind == "list":
            ordered = tok.get("attrs", {}).get("ordered")
            for item in children:
                for child in item.get("children", []):
                    self._block(child, "List Number" if ordered else "List Bullet")
        elif kind == "table":
            rows = []
            for part in children:
                lines = part["children"] if part["type"] == "table_body" else [part]
                rows += [
                    [_plain(c.get("children", [])) for c in line["children"]] for line in lines
                ]
            self.table(rows)
        elif kind == "block_code":
            self.paragraph([(tok.get("raw", "").rstrip("\n"), False, False, True)], style)

    def save(self, path: Path) -> Path:
        buf = io.BytesIO()
        self.doc.save(buf)
        return write_bytes(path, buf.getvalue())


def _text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def report_docx(nb: Any, path: Path, *, title: str, lang: str = "zh") -> Path:
    """``path`` (.docx) from the executed notebook ``nb`` (an ``nbformat`` node): ``title``, then
    the outputs of its code cells in order (module docstring)."""
    lang = vocabulary.check_lang(lang)
    w = _Writer(lang)
    w.doc.core_properties.title = title
    title_p = w.doc.add_heading("", level=0)
    w.run(title_p, title, kind="heading")
    for cell in nb.cells:
        meta = cell.get("metadata", {})
        if cell.cell_type != "code" or set(meta.get("tags", [])) & SKIP_TAGS:
            continue
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if out.get("output_type") not in ("display_data", "execute_result"):
                continue
            if "text/html" in data:
                rows = html_table(_text(data["text/html"]))
                if rows is not None:
                    w.table(rows)
            elif "image/png" in data:
                alt = out.get("metadata", {}).get("image/png", {}).get("alt")
                w.picture(base64.b64decode("".join(_text(data["image/png"]).split())), alt)
            elif "text/markdown" in data:
                w.markdown(_text(data["text/markdown"]))
    return w.save(path)
