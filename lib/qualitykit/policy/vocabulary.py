"""The controlled vocabulary of the policy targets — indicators, units and comparators with their
Chinese and English labels — read from ``vocabulary.yaml`` next to this module (data, not code).

* :data:`INDICATORS` — ``name → Indicator(name, unit, zh, description, en, short_zh, short_en)``;
  ``unit`` is the natural unit of a quantitative target, None for indicators of qualitative aims.
* :data:`UNITS` and :data:`COMPARATORS` — the codes, in file order; :func:`unit_label` and
  :func:`comparator_label` give their labels; :data:`UNIT_INFO` and :data:`COMPARATOR_INFO` the
  whole entries.

The structure of a target file (fields, enums of levels and sectors, the rules between fields) is
the JSON Schema ``data/targets/schema.json`` (:mod:`qualitykit.policy.registry`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

import yaml

from qualitykit.errors import InputError, Problem

VOCABULARY_FILE = Path(__file__).with_name("vocabulary.yaml")


@dataclass(frozen=True)
class Indicator:
    """One entry of the controlled indicator vocabulary."""

    name: str
    unit: str | None  # natural unit of a quantitative target; None = only qualitative aims
    zh: str
    description: str
    en: str = ""
    short_zh: str | None = None
    short_en: str | None = None

    def label(self, lang: Literal["zh", "en"] = "zh", *, short: bool = False) -> str:
        """The Chinese or English label (``short``: the short name used in sentences)."""
        if lang == "en":
            return (self.short_en if short else None) or self.en or self.name
        return (self.short_zh if short else None) or self.zh


def _problem(where: str, message: str) -> InputError:
    return InputError([Problem(str(VOCABULARY_FILE), f"{where}: {message}")])


@cache
def _load() -> dict[str, Any]:
    raw = yaml.safe_load(VOCABULARY_FILE.read_text(encoding="utf-8"))
    if not isinstance(raw, dict):
        raise _problem("file", "must be a mapping with units, comparators and indicators")
    for section in ("units", "comparators", "indicators"):
        if not isinstance(raw.get(section), dict) or not raw[section]:
            raise _problem(section, "must be a non-empty mapping")
    for code, entry in raw["units"].items():
        missing = {"zh", "en", "meaning"} - set(entry or {})
        if missing:
            raise _problem(f"unit '{code}'", f"lacks {sorted(missing)}")
    for code, entry in raw["comparators"].items():
        missing = {"symbol", "zh", "en", "meaning", "needs"} - set(entry or {})
        if missing:
            raise _problem(f"comparator '{code}'", f"lacks {sorted(missing)}")
    indicators: dict[str, Indicator] = {}
    for name, entry in raw["indicators"].items():
        entry = entry or {}
        missing = {"unit", "zh", "en", "description"} - set(entry)
        if missing:
            raise _problem(f"indicator '{name}'", f"lacks {sorted(missing)}")
        if entry["unit"] is not None and entry["unit"] not in raw["units"]:
            raise _problem(f"indicator '{name}'", f"unknown unit {entry['unit']!r}")
        indicators[name] = Indicator(
            name=name,
            unit=entry["unit"],
            zh=entry["zh"],
            description=entry["description"],
            en=entry["en"],
            short_zh=entry.get("short_zh"),
            short_en=entry.get("short_en"),
        )
    return {
        "units": MappingProxyType({k: MappingProxyType(dict(v)) for k, v in raw["units"].items()}),
        "comparators": MappingProxyType(
            {k: MappingProxyType(dict(v)) for k, v in raw["comparators"].items()}
        ),
        "indicators": indicators,
    }


INDICATORS: dict[str, Indicator] = _load()["indicators"]
"""The controlled vocabulary of ``indicator`` (``vocabulary.yaml``)."""

UNIT_INFO: MappingProxyType = _load()["units"]
COMPARATOR_INFO: MappingProxyType = _load()["comparators"]
UNITS: tuple[str, ...] = tuple(UNIT_INFO)
COMPARATORS: tuple[str, ...] = tuple(COMPARATOR_INFO)


def unit_label(unit: str, lang: Literal["zh", "en"] = "zh") -> str:
    """The label of a unit code (``pct`` → 百分比 / percent); the code itself if unknown."""
    entry = UNIT_INFO.get(unit)
    return str(entry[lang]) if entry else str(unit)


def unit_suffix(unit: str | None, lang: Literal["zh", "en"] = "zh") -> str:
    """What is printed after a number of this unit (``%``, ``个百分点`` / `` pp``, or nothing)."""
    entry = UNIT_INFO.get(unit or "")
    return "" if entry is None else str(entry.get(f"suffix_{lang}", ""))


def comparator_label(comparator: str, lang: Literal["zh", "en"] = "zh") -> str:
    """The label of a comparator code (``>=`` → 不低于 / at least); the code itself if unknown."""
    entry = COMPARATOR_INFO.get(comparator)
    return str(entry[lang]) if entry else str(comparator)


def comparator_symbol(comparator: str | None) -> str:
    """``>=`` → ``≥`` and so on; the code itself if unknown."""
    entry = COMPARATOR_INFO.get(comparator or "")
    return str(entry["symbol"]) if entry else str(comparator or "")


def is_rate(indicator: str) -> bool:
    """Is the indicator a rate (measured in percent)?"""
    ind = INDICATORS.get(indicator)
    return ind is not None and ind.unit == "pct"
