"""Formatting shared by the sentence modules: numbers, intervals, probabilities, lists, Markdown
escaping, the "no data" note and the words of the vocabulary (:mod:`qualitykit.report.vocabulary`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import pandas as pd

from qualitykit.errors import ParameterError
from qualitykit.report import vocabulary
from qualitykit.report.vocabulary import Lang, check_lang

__all__ = [
    "TEXT",
    "Lang",
    "check_lang",
    "count",
    "flag_label",
    "interval",
    "label_value",
    "md_text",
    "no_data",
    "pct",
    "pp",
    "prob",
    "pval",
    "status_label",
    "t",
    "verdict_label",
]

TEXT = vocabulary.TERMS
"""Headings, phrases and table headers in Chinese and English, by key (the vocabulary's
``terms``; kept under this name for the notebooks)."""


_MD_SPECIAL = re.compile(r"([\\`*\[\]<>&|~$]|:(?=//)|(?<![^\W_])_|_(?![^\W_]))")
_MD_LIST_NUMBER = re.compile(r"\d+(?=[.)])")


def md_text(value: object) -> str:
    """A data value (a name, an item, a parameter, a message) as Markdown that shows it literally.

    Every value from data, parameters or errors goes through this function where it is put into
    Markdown: the characters that start Markdown or HTML syntax (``\\ ` * [ ] < > & | ~ $``,
    ``_`` except inside a word, ``:`` of bare web addresses, and ``# + - =`` or a list number at
    the start) are backslash-escaped (CommonMark §2.4) and line breaks become spaces, so
    ``<script>`` stays text, ``[x](javascript:…)`` no link and ``# …`` no heading — in the review
    site's renderer, nbconvert's and JupyterLab's alike."""
    text = _MD_SPECIAL.sub(r"\\\1", " ".join(str(value).split()))
    number = _MD_LIST_NUMBER.match(text)
    if number:  # "1. x" / "1) x": an ordered list
        return f"{number.group(0)}\\{text[number.end() :]}"
    if text[:1] in ("#", "+", "-", "="):  # a heading, a bullet, a setext underline
        return "\\" + text
    return text


def t(key: str, lang: Lang = "zh") -> str:
    """The text of ``key`` (the vocabulary's terms, then its figure labels); the key if unknown."""
    return vocabulary.term(key, lang)


def label_value(value: object, lang: Lang = "zh", kind: str | None = None) -> str:
    """A value of a coded column (``kind``: ``category``, ``cause_5m1e``, ``controllable``,
    ``enterprise_size``, ``check_level`` …) or the "Other" / unmapped buckets in the chosen
    language; other values (item and region names) unchanged."""
    return vocabulary.value(kind, value, lang)


def status_label(status: object, lang: Lang = "zh") -> str:
    """A scorecard status (``met``, ``not_met``, ``inconclusive``, ``on_track``, ``off_track``,
    ``no_data``, ``qualitative``) in words."""
    return vocabulary.status_label(status, lang)


def flag_label(flag: object, lang: Lang = "zh") -> str:
    """A funnel flag (``high`` / ``low`` / ``within``) in words."""
    return vocabulary.flag_label(flag, lang)


def verdict_label(verdict: object, lang: Lang = "zh") -> str:
    """A :func:`qualitykit.stats.benchmark.relative_target` verdict in words."""
    return vocabulary.verdict_label(verdict, lang)


def ok(x: object) -> bool:
    """True for a finite number (not None, NA, NaN, ±inf or text)."""
    if x is None or x is pd.NA:
        return False
    try:
        return math.isfinite(float(x))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def pct(p: object, digits: int = 1) -> str:
    """A proportion as a percentage: 0.8912 → ``"89.1%"``; NaN → ``"–"``."""
    return f"{100.0 * float(p):.{digits}f}%" if ok(p) else "–"  # type: ignore[arg-type]


def pp(x: object, lang: Lang = "zh", digits: int = 1, signed: bool = True) -> str:
    """Percentage points: 1.23 → ``"+1.2 个百分点"`` / ``"+1.2 pp"``; NaN → ``"–"``."""
    if not ok(x):
        return "–"
    v = float(x)  # type: ignore[arg-type]
    text = f"{v:+.{digits}f}" if signed else f"{v:.{digits}f}"
    if text in ("+0." + "0" * digits, "-0." + "0" * digits):
        text = f"{0.0:.{digits}f}"
    return f"{text} 个百分点" if lang == "zh" else f"{text} pp"


def count(n: object) -> str:
    """A count with thousands separators: 12345 → ``"12,345"``; NA → ``"–"``."""
    return f"{int(round(float(n))):,}" if ok(n) else "–"  # type: ignore[arg-type]


def num(x: object, digits: int = 2) -> str:
    """A number with ``digits`` decimals; NaN → ``"–"``."""
    return f"{float(x):.{digits}f}" if ok(x) else "–"  # type: ignore[arg-type]


def prob(p: object) -> str:
    """A probability as a decimal (never a percentage, which would read as a rate):
    ``0.996``, ``> 0.999``, ``< 0.001``; NaN → ``"–"``."""
    if not ok(p):
        return "–"
    v = float(p)  # type: ignore[arg-type]
    if v > 0.999:
        return "> 0.999"
    if v < 0.001:
        return "< 0.001"
    return f"{v:.3f}"


def pval(p: object) -> str:
    """``"p < 0.001"`` or ``"p = 0.012"``."""
    if not ok(p):
        return "p = –"
    v = float(p)  # type: ignore[arg-type]
    return "p < 0.001" if v < 0.001 else f"p = {v:.3f}"


def interval(
    lo: object,
    hi: object,
    lang: Lang = "zh",
    *,
    kind: Literal["pct", "pp", "num"] = "pct",
    conf: float = 0.95,
    digits: int = 1,
) -> str:
    """``"（95% 置信区间 87.2% 至 90.8%）"`` / ``" (95% CI 87.2% to 90.8%)"``; empty if undefined.

    ``kind``: ``pct`` (proportions), ``pp`` (signed percentage points) or ``num``."""
    if not (ok(lo) and ok(hi)):
        return ""
    if kind == "pct":
        a, b = pct(lo, digits), pct(hi, digits)
    elif kind == "pp":
        a, b = f"{float(lo):+.{digits}f}", f"{float(hi):+.{digits}f}"  # type: ignore[arg-type]
    else:
        a, b = num(lo, digits), num(hi, digits)
    level = f"{100 * conf:g}%"
    if lang == "zh":
        unit = " 个百分点" if kind == "pp" else ""
        return f"（{level} 置信区间 {a} 至 {b}{unit}）"
    unit = " pp" if kind == "pp" else ""
    return f" ({level} CI {a} to {b}{unit})"


def span(y0: object, y1: object, lang: Lang) -> str:
    """``"2015–2024 年"`` / ``"2015–2024"`` (one year: ``"2024 年"``)."""
    a, b = int(y0), int(y1)  # type: ignore[call-overload]
    text = str(a) if a == b else f"{a}–{b}"
    return f"{text} 年" if lang == "zh" else text


def join(items: Sequence[str], lang: Lang) -> str:
    """``a、b、c`` / ``a, b and c``."""
    items = [str(i) for i in items]
    if lang == "zh":
        return "、".join(items)
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def end(text: str, lang: Lang) -> str:
    """The sentence with its full stop."""
    return text + ("。" if lang == "zh" else ".")


_SECTION_NONE: dict[str, tuple[str, str]] = {
    "targets": ("没有适用的政策目标", "no policy target applies"),
    "documents": ("没有符合条件的政策文件", "no document matches"),
    "scorecard": ("没有可评价的政策目标", "no policy target to evaluate"),
    "targets_compared": ("没有抽查合格率目标", "no spot-check pass-rate target"),
}


def no_data(what: str, lang: Lang = "zh", reason: str | None = None) -> str:
    """A short note that a section has no data: ``"**无数据**：龙湾区 2015–2024 年无抽查记录。"``.

    ``what`` is a sentence saying what is missing; a bare section heading (``政策目标``) is turned
    into one (``没有适用的政策目标``), so the note does not repeat the heading above it."""
    lang = check_lang(lang)
    head = "**无数据**：" if lang == "zh" else "**No data:** "
    key = next(
        (k for k, v in vocabulary.TERMS.items() if v[lang] == str(what).strip()),
        None,
    )
    if key is not None:
        zh, en = _SECTION_NONE.get(
            key, (f"没有可用于“{what}”的数据", f"nothing to show for {what}")
        )
        what = zh if lang == "zh" else en
    text = md_text(what)
    if reason is not None:
        text = f"{text}（{md_text(reason)}）" if lang == "zh" else f"{text} ({md_text(reason)})"
    return f"{head}{end(text, lang)}"


def row_of(frame: pd.DataFrame | Mapping[str, Any] | pd.Series) -> Mapping[str, Any]:
    """The one row of a one-row table (a mapping or Series as it is)."""
    if isinstance(frame, pd.DataFrame):
        if len(frame) != 1:
            raise ParameterError(f"expected a one-row table, got {len(frame)} rows")
        return frame.iloc[0].to_dict()
    if isinstance(frame, pd.Series):
        return frame.to_dict()
    return frame


def direction(lo: object, hi: object) -> int:
    """+1 if the interval lies above 0, −1 below, 0 if it includes 0 (or is undefined)."""
    if not (ok(lo) and ok(hi)):
        return 0
    if float(lo) > 0:  # type: ignore[arg-type]
        return 1
    if float(hi) < 0:  # type: ignore[arg-type]
        return -1
    return 0


def term_row(terms: pd.DataFrame, name: str) -> Mapping[str, Any]:
    """The row of ``terms`` whose ``term`` is ``name`` (empty if none)."""
    rows = terms[terms["term"] == name]
    return rows.iloc[0].to_dict() if len(rows) else {}


def names(frame: pd.DataFrame, column: str | None, lang: Lang = "zh", limit: int = 8) -> list[str]:
    """The display names of a table's units (``column``, else ``name`` / ``name_<lang>`` /
    ``name_zh`` / ``region_code``), escaped, at most ``limit`` (then "…")."""
    col = column or next(
        (c for c in ("name", f"name_{lang}", "name_zh", "region_code") if c in frame.columns),
        None,
    )
    if col is None:
        out = [md_text(i) for i in frame.index[:limit]]
    else:
        values = frame[col].astype("string").fillna("–")
        if col == f"name_{lang}" and lang == "en" and "name_zh" in frame.columns:
            values = values.where(values.str.len() > 0, frame["name_zh"].astype("string"))
        out = [md_text(v) for v in values.head(limit)]
    if len(frame) > limit and out:
        if lang == "zh":
            out[-1] += f" 等 {len(frame)} 个"
        else:
            out.append(f"{len(frame) - limit} more")
    return out
