"""The one bilingual vocabulary of the reports: every word a reader sees, in Chinese and English.

The words are data (``vocabulary.yaml`` next to this module); this module is the one way the
report layer gets them:

* :func:`term` — headings, phrases and table column headers (``terms``, then ``labels``);
* :func:`label` — figure axis, legend and title texts (``labels``, then ``terms``);
* :func:`value` — a coded value in words (``flag``, ``verdict``, ``cause_5m1e``, ``controllable``,
  ``category``, ``enterprise_size``, ``check_level``, ``trend``, ``period`` and the ``common``
  buckets "Other", "(unmapped)", "(unspecified)"); :func:`status_label`, :func:`flag_label`,
  :func:`verdict_label` and :func:`period_label` name the common kinds;
* the words of the policy targets — indicators, units, comparators
  (:mod:`qualitykit.policy.vocabulary`, their home, next to the target files they describe) and the
  status labels (:data:`qualitykit.policy.reasons.STATUS_LABELS`, next to the status rules that the
  scorecard's reason sentences use) — through :func:`indicator_label`, :func:`unit_label`,
  :func:`comparator_label` and :func:`status_label`;
* region names through :func:`region_name` (:func:`qualitykit.data.regions.name`: official English
  where there is one, else pinyin);
* :func:`warning_text` — the library's known warnings in the report's language;
* :func:`index_values` — ``values_zh`` / ``values_en`` of a coded column of the review index;
* :data:`GLOSSARY` — the official Chinese terms and their one English (``docs/glossary.md``).

The Chinese of ``cause_5m1e``, ``enterprise_size`` and ``check_level`` values is the data layer's
(:mod:`qualitykit.schema`, which also reads Chinese input); the file gives their English.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

import yaml

from qualitykit import schema
from qualitykit.errors import InputError, ParameterError, Problem

__all__ = [
    "GLOSSARY",
    "LABELS",
    "TERMS",
    "VALUES",
    "VOCABULARY_FILE",
    "Lang",
    "check_lang",
    "comparator_label",
    "flag_label",
    "index_values",
    "indicator_label",
    "label",
    "period_label",
    "region_name",
    "status_label",
    "term",
    "unit_label",
    "value",
    "verdict_label",
    "warning_text",
]

Lang = Literal["zh", "en"]
VOCABULARY_FILE = Path(__file__).with_name("vocabulary.yaml")
_FROM_SCHEMA = {
    "cause_5m1e": schema.CAUSE_5M1E_ZH,
    "enterprise_size": schema.ENTERPRISE_SIZE_ZH,
    "check_level": schema.CHECK_LEVEL_ZH,
}


def check_lang(lang: object) -> Lang:
    """``lang`` if it is ``"zh"`` or ``"en"``; a ParameterError otherwise."""
    if lang not in ("zh", "en"):
        raise ParameterError(f"lang must be 'zh' (Chinese) or 'en' (English), got {lang!r}")
    return lang  # type: ignore[return-value]


def _problem(where: str, message: str) -> InputError:
    return InputError([Problem(str(VOCABULARY_FILE), f"{where}: {message}")])


def _pairs(section: str, entries: Any) -> dict[str, MappingProxyType]:
    if not isinstance(entries, dict) or not entries:
        raise _problem(section, "must be a non-empty mapping")
    out = {}
    for key, entry in entries.items():
        if not isinstance(entry, dict) or not {"zh", "en"} <= set(entry):
            raise _problem(f"{section} '{key}'", "needs zh and en")
        out[str(key)] = MappingProxyType({"zh": str(entry["zh"]), "en": str(entry["en"])})
    return out


@cache
def _load() -> dict[str, Any]:
    raw = yaml.safe_load(VOCABULARY_FILE.read_text(encoding="utf-8"))
    if not isinstance(raw, dict):
        raise _problem("file", "must be a mapping with terms, labels, values and glossary")
    values: dict[str, MappingProxyType] = {}
    for kind, entries in (raw.get("values") or {}).items():
        zh = _FROM_SCHEMA.get(kind, {})
        filled = {
            k: {"zh": zh.get(k, (e or {}).get("zh")), "en": (e or {}).get("en")}
            for k, e in (entries or {}).items()
        }
        values[kind] = MappingProxyType(_pairs(f"values.{kind}", filled))
    glossary = raw.get("glossary") or {}
    if not isinstance(glossary, dict) or not all(
        isinstance(e, dict) and "en" in e for e in glossary.values()
    ):
        raise _problem("glossary", "each entry needs en")
    return {
        "terms": MappingProxyType(_pairs("terms", raw.get("terms"))),
        "labels": MappingProxyType(_pairs("labels", raw.get("labels"))),
        "values": MappingProxyType(values),
        "glossary": MappingProxyType({str(k): MappingProxyType(v) for k, v in glossary.items()}),
    }


TERMS: MappingProxyType = _load()["terms"]
"""Headings, phrases and table column headers: ``key → {"zh": …, "en": …}``."""
LABELS: MappingProxyType = _load()["labels"]
"""Figure axis, legend and title texts: ``key → {"zh": …, "en": …}``."""
VALUES: MappingProxyType = _load()["values"]
"""Coded values in words: ``kind → value → {"zh": …, "en": …}``."""
GLOSSARY: MappingProxyType = _load()["glossary"]
"""The official Chinese terms: ``中文 → {"en": …, "note": …}``."""


def term(key: str, lang: Lang = "zh") -> str:
    """A heading, phrase or column header (``terms``, then ``labels``); the key if unknown."""
    lang = check_lang(lang)
    entry = TERMS.get(key) or LABELS.get(key)
    return entry[lang] if entry else key


def label(key: str, lang: Lang = "zh") -> str:
    """A figure label (``labels``, then ``terms``); the key if unknown."""
    lang = check_lang(lang)
    entry = LABELS.get(key) or TERMS.get(key)
    return entry[lang] if entry else key


def value(kind: str | None, code: object, lang: Lang = "zh") -> str:
    """A coded value of ``kind`` in words (then the ``common`` buckets); other values — item and
    region names, free text — unchanged."""
    lang = check_lang(lang)
    if kind == "status":
        return status_label(code, lang)
    key = str(code)
    entry = VALUES.get(kind or "", {}).get(key) or VALUES["common"].get(key)
    return entry[lang] if entry else key


def status_label(status: object, lang: Lang = "zh") -> str:
    """A scorecard status (``met`` … ``qualitative``) in words; the code if unknown."""
    from qualitykit.policy.reasons import status_label as policy_status_label

    return policy_status_label(status, check_lang(lang))


def flag_label(flag: object, lang: Lang = "zh") -> str:
    """A funnel flag (``high`` / ``low`` / ``within``) in words."""
    return value("flag", flag, lang)


def verdict_label(verdict: object, lang: Lang = "zh") -> str:
    """A :func:`qualitykit.stats.benchmark.relative_target` verdict in words."""
    return value("verdict", verdict, lang)


_PERIOD_PATTERNS: tuple[tuple[re.Pattern[str], str, str], ...] = (
    (re.compile(r"^(\d{4})-Q([1-4])$"), "{0} 年第{q}季度", "{0} Q{1}"),
    (re.compile(r"^(\d{4})-H([12])$"), "{0} 年{h}", "{0} H{1}"),
    (re.compile(r"^(\d{4})$"), "{0} 年", "{0}"),
)
_QUARTER_ZH = {"1": "一", "2": "二", "3": "三", "4": "四"}


def period_label(period: object, lang: Lang = "zh") -> str:
    """A period of the published reference tables (``Q2``, ``H1``, ``annual``,
    ``Jun-Sep (4th batch)``, ``2016-Q4`` …) in words; other texts unchanged."""
    lang = check_lang(lang)
    text = str(period).strip()
    entry = VALUES["period"].get(text)
    if entry:
        return entry[lang]
    for pattern, zh, en in _PERIOD_PATTERNS:
        m = pattern.match(text)
        if m:
            g = m.groups()
            if lang == "en":
                return en.format(*g)
            extra = {"q": _QUARTER_ZH.get(g[-1], ""), "h": "上半年" if g[-1] == "1" else "下半年"}
            return zh.format(*g, **extra)
    return text


def indicator_label(indicator: str, lang: Lang = "zh", *, short: bool = False) -> str:
    """A policy indicator (:data:`qualitykit.policy.vocabulary.INDICATORS`) in words."""
    from qualitykit.policy.vocabulary import INDICATORS

    ind = INDICATORS.get(str(indicator))
    return ind.label(check_lang(lang), short=short) if ind else str(indicator)


def unit_label(unit: str, lang: Lang = "zh") -> str:
    """A target unit code (``pct``, ``index``, ``count``, ``pp``) in words."""
    from qualitykit.policy.vocabulary import unit_label as policy_unit_label

    return policy_unit_label(unit, check_lang(lang))


def comparator_label(comparator: str, lang: Lang = "zh") -> str:
    """A target comparator code (``>=``, ``range``, ``above_reference_by`` …) in words."""
    from qualitykit.policy.vocabulary import comparator_label as policy_comparator_label

    return policy_comparator_label(comparator, check_lang(lang))


def region_name(code: object, lang: Lang = "zh", fallback: object = None) -> str:
    """The name of a GB/T 2260 division (English: official or pinyin); ``fallback`` (else the
    code) when the code is unknown — a user-declared unit keeps the name it was given."""
    from qualitykit.data import regions

    try:
        return regions.name(str(code), check_lang(lang))
    except ParameterError:
        return str(code if fallback is None else fallback)


_WARNINGS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"^(\d+%) of expected counts are below 5: the χ² approximation may be poor"),
        "{0} 的期望频数小于 5：χ² 近似可能不准（Cochran 1954），宜先合并稀少的类别（排列图的“其他”）",
    ),
    (
        re.compile(r"^categories with no nonconformity in any group left out of the test: (.*)$"),
        "各组均无不合格的类别未纳入检验：{0}",
    ),
    (
        re.compile(r"^groups with no nonconformity left out of the test: (.*)$"),
        "没有不合格的组未纳入检验：{0}",
    ),
    (
        re.compile(
            r"^forecasting ([\d.]+) years ahead from a trend fitted over ([\d.]+) years: "
            r"a long extrapolation"
        ),
        "由 {1} 年的数据拟合的趋势外推 {0} 年：外推期较长",
    ),
)


def warning_text(message: object, lang: Lang = "zh") -> str:
    """A library warning in the report's language: the known :class:`~qualitykit.errors.
    QualityKitWarning` messages in Chinese for ``zh``; the message unchanged otherwise."""
    text = str(message)
    if check_lang(lang) == "en":
        return text
    for pattern, zh in _WARNINGS:
        m = pattern.match(text)
        if m:
            return zh.format(*m.groups())
    return text


def index_values(kind: str) -> dict[str, dict[str, str]]:
    """``{"values_zh": …, "values_en": …}`` of a coded column of the review index (the notebook
    metadata of ``index_columns``): ``kind`` ``status``, ``flag`` or a :data:`VALUES` kind."""
    if kind == "status":
        from qualitykit.policy.reasons import STATUS_LABELS

        entries: Any = STATUS_LABELS
    else:
        entries = VALUES[kind]
    return {f"values_{lang}": {k: e[lang] for k, e in entries.items()} for lang in ("zh", "en")}
