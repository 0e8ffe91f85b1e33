"""Policy-target registry: what Chinese quality-programme documents promise, and by when (DESIGN §3).

Each source document has one YAML file in ``data/targets/`` (see ``data/targets/README.md`` for
the fields, the controlled vocabulary and how deadlines were derived). :func:`load_registry`
reads and validates them; problems are collected over all files and raised together as an
:class:`~qualitykit.errors.InputError` whose messages name the file, the target id and the field.
:func:`targets_table`, :func:`documents_table` and :func:`phases_table` give tidy DataFrames.

A target is *quantitative* when the document gives a number for it (a threshold, a range) or
compares it with a named reference average ("高于全省平均水平"); otherwise it is kept as
``qualitative: true`` with no comparator and no threshold. Thresholds stay in the document's own
unit: ``pct`` = percent 0–100 as printed (divide by 100 to compare with a ``pass_rate``), ``pp`` =
percentage points, ``index`` and ``count`` as printed.

The scorecard that evaluates targets against data is a separate concern (built on this API).
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pandas as pd
import yaml

from qualitykit.data import industries, regions
from qualitykit.errors import InputError, NoDataError, ParameterError, Problem
from qualitykit.paths import data_dir
from qualitykit.schema import CHECK_LEVELS, YEAR_MAX, YEAR_MIN

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Indicator:
    """One entry of the controlled indicator vocabulary."""

    name: str
    unit: str | None  # natural unit of a quantitative target; None = only qualitative aims
    zh: str
    description: str


def _ind(name: str, unit: str | None, zh: str, description: str) -> tuple[str, Indicator]:
    return name, Indicator(name, unit, zh, description)


INDICATORS: dict[str, Indicator] = dict(
    [
        # rates and indices that spot-check and statistical data can measure
        _ind(
            "spot_check_pass_rate",
            "pct",
            "监督抽查（检查）批次合格率",
            "batch pass rate of supervisory spot checks at scope.check_level",
        ),
        _ind(
            "quality_index",
            "index",
            "产品质量指数",
            "product quality index of provincial periodic spot checks (formula not published)",
        ),
        _ind(
            "rpq_pass_rate",
            "pct",
            "制造业产品质量合格率",
            "national manufacturing product-quality pass rate (RPQ, output-weighted)",
        ),
        _ind(
            "quality_competitiveness_index",
            "index",
            "制造业质量竞争力指数",
            "manufacturing quality competitiveness index (QCI, 60–100)",
        ),
        _ind(
            "agri_monitoring_pass_rate",
            "pct",
            "农产品质量安全例行监测合格率",
            "pass rate of routine agricultural-product safety monitoring",
        ),
        _ind("food_sampling_pass_rate", "pct", "食品抽检合格率", "pass rate of food sampling"),
        _ind(
            "export_factory_pass_rate",
            "pct",
            "出口产品出厂合格率",
            "factory-release pass rate of export products",
        ),
        _ind(
            "brand_output_share",
            "pct",
            "名牌产品产值占比",
            "output or sales of brand-name products as a share of the industry's or all industry's",
        ),
        _ind(
            "brand_growth_rate",
            "pct",
            "名牌产品增长幅度",
            "growth of brand products' output, sales, export earnings or profit-tax (scope.measure)",
        ),
        _ind(
            "standard_adoption_rate",
            "pct",
            "采用国际标准或国外先进标准的比例",
            "share adopting international or advanced foreign standards (采标率)",
        ),
        _ind(
            "standard_coverage_rate", "pct", "标准覆盖率", "share of products covered by standards"
        ),
        _ind(
            "green_food_standard_rate",
            "pct",
            "达到绿色食品标准的比例",
            "share of food products meeting the green-food standard",
        ),
        _ind(
            "new_product_output_rate",
            "pct",
            "新产品产值率",
            "new-product output as a share of output",
        ),
        _ind(
            "engineering_pass_rate",
            "pct",
            "工程一次验收合格率",
            "first-time acceptance pass rate of completed construction works",
        ),
        _ind(
            "engineering_excellence_rate",
            "pct",
            "工程优良率",
            "share of construction works rated excellent (优良)",
        ),
        _ind(
            "engineering_compliance_rate",
            "pct",
            "竣工工程达标率",
            "share of completed works meeting national standards or codes",
        ),
        _ind(
            "market_access_rate",
            "pct",
            "市场准入比例",
            "share of enterprises holding market-access approval (licences, certification)",
        ),
        _ind("market_share", "pct", "市场占有率", "market share"),
        _ind(
            "county_acceptance_rate",
            "pct",
            "县区通过省级验收的比例",
            "share of counties/districts passing the provincial acceptance (质量兴县)",
        ),
        _ind(
            "brand_economy_contribution",
            "pct",
            "名牌经济贡献率",
            "contribution of the brand economy to the local economy",
        ),
        # counts
        _ind(
            "brand_product_count",
            "count",
            "名牌产品数",
            "brand-name products (scope.recognition_level: national 中国名牌, provincial 省名牌, …)",
        ),
        _ind("award_count", "count", "质量奖获奖企业数", "enterprises winning a quality award"),
        _ind(
            "demonstration_zone_count",
            "count",
            "质量提升示范区（项目）数",
            "quality-improvement demonstration zones or projects created",
        ),
        _ind(
            "demonstration_cluster_count",
            "count",
            "示范区创建产业集聚区数",
            "industrial clusters selected for demonstration-zone creation",
        ),
        _ind(
            "demonstration_focus_industries",
            "count",
            "示范区创建主导产业数",
            "leading industries or products a demonstration-zone creation centres on",
        ),
        _ind(
            "production_base_count",
            "count",
            "优质产品生产基地数",
            "quality-product production bases",
        ),
        _ind(
            "participating_enterprises",
            "count",
            "参与质量提升活动的企业数",
            "enterprises taking part in the quality-improvement action",
        ),
        _ind(
            "enterprises_improved",
            "count",
            "质量管理水平明显提高的企业数",
            "enterprises whose quality management improves markedly",
        ),
        _ind(
            "key_enterprise_count",
            "count",
            "标志性（龙头骨干）企业数",
            "flagship or leading enterprises cultivated",
        ),
        _ind("key_brand_count", "count", "重点扶持品牌数", "brands selected for priority support"),
        _ind(
            "model_market_count",
            "count",
            "无假货示范街（市场、店）数",
            "counterfeit-free model streets, markets or shops",
        ),
        _ind(
            "service_standard_unit_count",
            "count",
            "服务标准化达标单位数",
            "service units meeting the service-standardisation criteria",
        ),
        _ind(
            "certified_enterprise_count",
            "count",
            "通过质量体系认证的企业数",
            "enterprises certified to a quality-management system",
        ),
        # aims that the documents state without a measure (qualitative only)
        _ind("overall_quality_level", None, "质量总体水平", "overall level of quality"),
        _ind(
            "quality_rank",
            None,
            "质量水平位次",
            "standing among peers (居全省前列, 国内领先, 先进水平)",
        ),
        _ind(
            "quality_management",
            None,
            "企业质量管理",
            "enterprises' quality-management base and level",
        ),
        _ind(
            "quality_control_system",
            None,
            "全过程质量控制（保证）体系",
            "whole-process quality control or assurance systems",
        ),
        _ind("testing_capability", None, "检验能力", "in-house testing capability"),
        _ind("innovation_capacity", None, "技术创新能力", "technical innovation capacity"),
        _ind(
            "regional_competitiveness", None, "区域优势", "regional advantage and competitiveness"
        ),
        _ind(
            "enterprise_competitiveness",
            None,
            "骨干企业素质和竞争力",
            "quality and competitiveness of leading enterprises",
        ),
        _ind("enterprise_compliance", None, "合法经营", "lawful operation of enterprises"),
        _ind(
            "standard_based_production",
            None,
            "按标准组织生产",
            "production organised to (advanced) standards",
        ),
        _ind(
            "industry_self_regulation", None, "行业自律", "industry associations' self-regulation"
        ),
        _ind(
            "industrial_cluster",
            None,
            "产业集群",
            "scale, layout and role of the industrial cluster",
        ),
        _ind(
            "regional_title",
            None,
            "称号与定位",
            "a title or status (质量强市, 质量兴市先进市, 先进制造业基地)",
        ),
        _ind("quality_governance", None, "质量治理格局", "quality-governance arrangement"),
        _ind(
            "engineering_satisfaction",
            None,
            "工程综合满意指标",
            "composite satisfaction with construction works",
        ),
        _ind("service_quality_level", None, "服务质量水平", "level of service quality"),
        _ind("environmental_quality", None, "环境质量", "environmental quality"),
    ]
)
"""The controlled vocabulary of ``indicator``."""

UNITS: tuple[str, ...] = ("pct", "index", "count", "pp")
COMPARATORS: tuple[str, ...] = (">=", "<=", "==", "range", "above_reference", "above_reference_by")
REFERENCE_LEVELS: tuple[str, ...] = ("national", "provincial", "municipal", "county")
ADMIN_LEVELS: tuple[str, ...] = ("national", "provincial", "municipal", "county", "town")
DIRECTIONS: tuple[str, ...] = ("increase", "decrease")
DEADLINE_BASES: tuple[str, ...] = ("stated", "derived")
SECTORS: tuple[str, ...] = (
    "manufacturing",
    "agriculture",
    "construction",
    "service",
    "environment",
)
RECOGNITION_LEVELS: tuple[str, ...] = ("national", "provincial", "municipal", "regional")
SCRIPTS: tuple[str, ...] = ("simplified", "traditional")

SCOPE_KEYS: dict[str, str] = {
    "product": "product name as in the records, e.g. 皮鞋",
    "product_group": "product or enterprise groups named by the document (重点产品, 名牌产品, …)",
    "industry": "industry as the document names it, e.g. 化纤行业",
    "industry_code": "GB/T 4754-2017 manufacturing division, 2-character string",
    "check_level": "national / provincial / municipal / county spot checks",
    "sector": "manufacturing / agriculture / construction / service / environment",
    "recognition_level": "level of a brand, award, title or demonstration zone: national / provincial / municipal / regional",
    "enterprises": "the enterprise population, e.g. 规模以上工业企业",
    "measure": "the quantity measured when the indicator leaves it open (e.g. 出口创汇额)",
    "applies_to": "who must meet it when not the issuing region as a whole (e.g. 各县市区)",
    "per": "period of a recurring target: year",
}

DOCUMENT_FIELDS: dict[str, str] = {
    "schema_version": "format version, 1",
    "id": "document id = file name without .yaml (lower case, digits, _)",
    "title": "title in Chinese (cleaned of mojibake)",
    "title_original": "title exactly as in the source, when it differs",
    "title_en": "English title",
    "doc_number": "document number (文号), e.g. 郴政发〔2010〕4号; null if none",
    "doc_type": "kind of document: 实施方案, 意见, 调研报告, 纲要 …",
    "admin_level": "national / provincial / municipal / county / town",
    "region_code": "GB/T 2260 code of the issuing region (string); null if unknown",
    "region_note": "how the region was identified, or why it is null",
    "issuer": "issuing body; null if not stated",
    "issuer_note": "how the issuer was identified, or why it is null",
    "date": "issuing date YYYY[-MM[-DD]]; null if not stated",
    "date_note": "source of the date, or why it is null",
    "source_file": "file name of the source text in ../shared/seeds/",
    "source_url": "URL of the source",
    "script": "simplified / traditional characters of the source",
    "note": "anything a reader must know",
    "phases": "programme phases: name, start, end, source_sentence, note",
    "targets": "list of targets",
}
DOCUMENT_REQUIRED: tuple[str, ...] = (
    "schema_version",
    "id",
    "title",
    "admin_level",
    "region_code",
    "issuer",
    "date",
    "script",
    "targets",
)

PHASE_FIELDS: dict[str, str] = {
    "name": "phase name as in the document",
    "start": "first day YYYY[-MM[-DD]] or null",
    "end": "last day YYYY[-MM[-DD]] or null",
    "source_sentence": "original sentence, verbatim",
    "note": "how open dates were read",
}

TARGET_FIELDS: dict[str, str] = {
    "id": "<document id>.<2-3 digits>[letter], unique",
    "indicator": "controlled vocabulary (INDICATORS)",
    "qualitative": "true for an aim without a number (no comparator, no threshold); default false",
    "comparator": ">=, <=, ==, range, above_reference, above_reference_by",
    "threshold": "number, for >=, <=, == and a single-number above_reference_by",
    "range": "[low, high], for range and a ranged above_reference_by",
    "unit": "pct (percent 0–100), index, count, pp (percentage points)",
    "reference": "{level, region_code}: the average to beat, for above_reference(_by)",
    "direction": "increase / decrease: the direction a qualitative aim asks for",
    "baseline": "{value, year, note}: the starting value the document states, else null",
    "deadline": "year (int) or YYYY-MM[-DD] string; null if none can be derived",
    "deadline_basis": "stated (in the sentence) / derived (worked out, see deadline_note)",
    "deadline_note": "how a derived deadline was worked out, or why there is none",
    "region_code": "region the target applies to (GB/T 2260 string); null if unknown",
    "scope": "mapping of SCOPE_KEYS: product, industry, check level …",
    "source_sentence": "the original sentence, verbatim (mojibake kept)",
    "clause": "the part of source_sentence that sets this target, verbatim",
    "source_sentence_simplified": "simplified-Chinese rendering of a traditional source",
    "latest_actual": "{value, year, source_url}: latest reported actual from data/reference",
    "note": "reading of the sentence, ambiguities",
}
TARGET_REQUIRED: tuple[str, ...] = ("id", "indicator", "region_code", "deadline", "source_sentence")

_DOC_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


# --------------------------------------------------------------------------------------------
# data classes


@dataclass(frozen=True)
class Reference:
    """The average a relative target is compared with."""

    level: str
    region_code: str | None


@dataclass(frozen=True)
class Target:
    """One target of a document (fields as in ``TARGET_FIELDS``)."""

    id: str
    document_id: str
    indicator: str
    qualitative: bool
    comparator: str | None
    threshold: float | None
    range: tuple[float, float] | None
    unit: str | None
    reference: Reference | None
    direction: str | None
    baseline_value: float | None
    baseline_year: int | None
    deadline: str | None
    deadline_basis: str | None
    deadline_note: str | None
    region_code: str | None
    scope: Mapping[str, Any]
    source_sentence: str
    clause: str | None
    source_sentence_simplified: str | None
    latest_actual_value: float | None
    latest_actual_year: int | None
    note: str | None
    line: int | None = None

    @property
    def lower(self) -> float | None:
        """Lowest value that meets the target (document unit); None if unbounded or qualitative."""
        if self.comparator in (">=", "==", "above_reference_by") and self.threshold is not None:
            return self.threshold
        if self.range is not None:
            return self.range[0]
        return None

    @property
    def upper(self) -> float | None:
        """Highest value the target names (document unit); None if unbounded."""
        if self.comparator in ("<=", "==") and self.threshold is not None:
            return self.threshold
        if self.range is not None:
            return self.range[1]
        return None

    @property
    def deadline_year(self) -> int | None:
        return None if self.deadline is None else int(self.deadline[:4])


@dataclass(frozen=True)
class Phase:
    """A programme phase (工作安排 / 阶段)."""

    name: str
    start: str | None
    end: str | None
    source_sentence: str | None
    note: str | None


@dataclass(frozen=True)
class Document:
    """One policy document and its targets."""

    id: str
    title: str
    title_original: str | None
    title_en: str | None
    doc_number: str | None
    doc_type: str | None
    admin_level: str
    region_code: str | None
    region_note: str | None
    issuer: str | None
    issuer_note: str | None
    date: str | None
    date_note: str | None
    source_file: str | None
    source_url: str | None
    script: str
    note: str | None
    phases: tuple[Phase, ...]
    targets: tuple[Target, ...]
    path: Path


@dataclass(frozen=True)
class Registry:
    """All documents and their targets, validated. Iterating yields the targets."""

    documents: Mapping[str, Document]
    _targets: Mapping[str, Target] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        targets = {t.id: t for d in self.documents.values() for t in d.targets}
        object.__setattr__(self, "_targets", MappingProxyType(targets))
        object.__setattr__(self, "documents", MappingProxyType(dict(self.documents)))

    def __iter__(self) -> Iterator[Target]:
        return iter(self._targets.values())

    def __len__(self) -> int:
        return len(self._targets)

    def document(self, document_id: str) -> Document:
        """The document with this id; ParameterError naming the known ids otherwise."""
        try:
            return self.documents[document_id]
        except KeyError:
            raise ParameterError(
                f"unknown target document {document_id!r}; known: {', '.join(sorted(self.documents))}"
            ) from None

    def target(self, target_id: str) -> Target:
        """The target with this id; ParameterError otherwise."""
        try:
            return self._targets[target_id]
        except KeyError:
            raise ParameterError(f"unknown target id {target_id!r}") from None


# --------------------------------------------------------------------------------------------
# YAML reading: no implicit timestamps (dates stay strings), duplicate keys are errors


class _Loader(yaml.SafeLoader):
    pass


_Loader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _mapping_no_duplicates(loader: _Loader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: set[object] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                "while reading a mapping",
                node.start_mark,
                f"duplicate key {key!r}",
                key_node.start_mark,
            )
        seen.add(key)
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_no_duplicates)


def _line_index(text: str) -> dict[tuple, Any]:
    """1-based line of each key: ("doc", key), ("target", index, key) and ("target", index);
    ("target_id", index) holds the id of each target."""
    lines: dict[tuple, Any] = {}
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError:
        return lines
    if not isinstance(root, yaml.MappingNode):
        return lines
    for key_node, value_node in root.value:
        lines[("doc", key_node.value)] = key_node.start_mark.line + 1
        if key_node.value == "targets" and isinstance(value_node, yaml.SequenceNode):
            for i, item in enumerate(value_node.value):
                lines[("target", i)] = item.start_mark.line + 1
                if isinstance(item, yaml.MappingNode):
                    for k, v in item.value:
                        lines[("target", i, k.value)] = k.start_mark.line + 1
                        if k.value == "id" and isinstance(v, yaml.ScalarNode):
                            lines[("target_id", i)] = v.value
    return lines


# --------------------------------------------------------------------------------------------
# validation


class _Checker:
    """Collects the problems of one file."""

    def __init__(self, path: Path, lines: dict[tuple, Any]):
        self.file = str(path)
        self.lines = lines
        self.problems: list[Problem] = []

    def doc(self, key: str, message: str, value: object = None) -> None:
        self.problems.append(Problem(self.file, message, self.lines.get(("doc", key)), key, value))

    def target(self, i: int, tid: str, key: str, message: str, value: object = None) -> None:
        line = self.lines.get(("target", i, key), self.lines.get(("target", i)))
        self.problems.append(Problem(self.file, f"target '{tid}': {message}", line, key, value))


def _is_number(x: object) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def _date_problem(value: object, *, allow_int: bool) -> str | None:
    """None if ``value`` is a valid YYYY / YYYY-MM / YYYY-MM-DD (or int year), else why not."""
    if allow_int and isinstance(value, int) and not isinstance(value, bool):
        return (
            None if YEAR_MIN <= value <= YEAR_MAX else f"year must be within {YEAR_MIN}–{YEAR_MAX}"
        )
    if not isinstance(value, str):
        return "must be a date string YYYY, YYYY-MM or YYYY-MM-DD" + (
            " or a year" if allow_int else ""
        )
    m = _DATE.match(value)
    if not m:
        return "must look like YYYY, YYYY-MM or YYYY-MM-DD"
    year, month, day = int(m[1]), int(m[2] or 1), int(m[3] or 1)
    if not YEAR_MIN <= year <= YEAR_MAX:
        return f"year must be within {YEAR_MIN}–{YEAR_MAX}"
    try:
        dt.date(year, month, day)
    except ValueError:
        return "is not a calendar date"
    return None


def _date_str(value: object) -> str | None:
    return None if value is None else str(value)


def _region_problem(code: object) -> str | None:
    if isinstance(code, int) and not isinstance(code, bool):
        return "must be a 6-digit string; quote it in YAML ('330303'), a bare number loses leading zeros"
    if not isinstance(code, str) or not re.fullmatch(r"\d{6}", code):
        return "must be a 6-digit GB/T 2260 code string such as '330303'"
    if not regions.is_valid_code(code):
        return "is not a known GB/T 2260 division"
    return None


_REF_REGION_LEVEL = {
    "national": "national",
    "provincial": "province",
    "municipal": "city",
    "county": "county",
}


def _suggest(value: object, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(str(value), list(choices), n=1)
    return f"; did you mean '{close[0]}'?" if close else ""


def _check_scope(c: _Checker, i: int, tid: str, scope: object) -> None:
    if scope is None:
        return
    if not isinstance(scope, dict):
        c.target(
            i,
            tid,
            "scope",
            "must be a mapping such as {product: 皮鞋, check_level: national}",
            scope,
        )
        return
    for key, value in scope.items():
        if key not in SCOPE_KEYS:
            c.target(
                i,
                tid,
                "scope",
                f"unknown scope key '{key}'{_suggest(key, SCOPE_KEYS)}; "
                f"allowed: {', '.join(SCOPE_KEYS)}",
                key,
            )
            continue
        values = value if isinstance(value, list) else [value]
        if not values or not all(isinstance(v, str) and v for v in values):
            c.target(
                i,
                tid,
                "scope",
                f"scope '{key}' must be a non-empty string or list of strings",
                value,
            )
            continue
        allowed = {
            "check_level": CHECK_LEVELS,
            "sector": SECTORS,
            "recognition_level": RECOGNITION_LEVELS,
            "per": ("year",),
        }.get(key)
        for v in values:
            if allowed is not None and v not in allowed:
                c.target(i, tid, "scope", f"scope '{key}' must be one of {', '.join(allowed)}", v)
            if key == "industry_code" and not industries.is_valid_code(v):
                c.target(
                    i,
                    tid,
                    "scope",
                    "scope 'industry_code' is not a GB/T 4754-2017 manufacturing "
                    "division (2-character string 13–43)",
                    v,
                )


def _check_target(c: _Checker, i: int, t: object, doc_id: str) -> None:
    if not isinstance(t, dict):
        c.target(i, f"#{i + 1}", "targets", "each target must be a mapping of fields", t)
        return
    tid = t.get("id") if isinstance(t.get("id"), str) else f"#{i + 1}"
    for key in t:
        if key not in TARGET_FIELDS:
            c.target(
                i,
                tid,
                str(key),
                f"unknown field{_suggest(key, TARGET_FIELDS)}; allowed: {', '.join(TARGET_FIELDS)}",
            )
    for key in TARGET_REQUIRED:
        if key not in t:
            c.target(
                i,
                tid,
                key,
                "is required"
                + (" (use null if none)" if key in ("region_code", "deadline") else ""),
            )

    # id
    if "id" in t:
        if not isinstance(t["id"], str) or not re.fullmatch(
            rf"{re.escape(doc_id)}\.\d{{2,3}}[a-z]?", t["id"]
        ):
            c.target(
                i,
                tid,
                "id",
                f"must be '{doc_id}.' followed by 2–3 digits and an optional letter",
                t["id"],
            )

    # indicator
    indicator = t.get("indicator")
    if "indicator" in t and indicator not in INDICATORS:
        c.target(
            i,
            tid,
            "indicator",
            f"unknown indicator{_suggest(indicator, INDICATORS)} (vocabulary: "
            "data/targets/README.md)",
            indicator,
        )
    info = INDICATORS.get(indicator) if isinstance(indicator, str) else None

    qualitative = t.get("qualitative", False)
    if not isinstance(qualitative, bool):
        c.target(i, tid, "qualitative", "must be true or false", qualitative)
        qualitative = False
    comparator, threshold, rng, unit = (
        t.get("comparator"),
        t.get("threshold"),
        t.get("range"),
        t.get("unit"),
    )
    reference = t.get("reference")

    # types
    if comparator is not None and comparator not in COMPARATORS:
        c.target(i, tid, "comparator", f"must be one of {', '.join(COMPARATORS)}", comparator)
        comparator = "?"
    if threshold is not None and not _is_number(threshold):
        c.target(
            i, tid, "threshold", "must be a number (no % sign; the unit goes in 'unit')", threshold
        )
        threshold = "?"
    if rng is not None:
        if not (isinstance(rng, list) and len(rng) == 2 and all(_is_number(x) for x in rng)):
            c.target(i, tid, "range", "must be a list of two numbers [low, high]", rng)
            rng = "?"
        elif rng[0] > rng[1]:
            c.target(i, tid, "range", "low must not exceed high", rng)
    if unit is not None and unit not in UNITS:
        c.target(i, tid, "unit", f"must be one of {', '.join(UNITS)}{_suggest(unit, UNITS)}", unit)
        unit = "?"

    # comparator / threshold / unit consistency
    if qualitative:
        for key, value in (
            ("comparator", comparator),
            ("threshold", threshold),
            ("range", rng),
            ("reference", reference),
        ):
            if value is not None:
                c.target(
                    i,
                    tid,
                    key,
                    "a qualitative target has no comparator, threshold, range or "
                    "reference (the document gives no number; do not invent one)",
                    value,
                )
    else:
        if comparator is None:
            c.target(
                i,
                tid,
                "comparator",
                "is required for a quantitative target (or set qualitative: true)",
            )
        if unit is None:
            c.target(i, tid, "unit", "is required for a quantitative target")
        if comparator in (">=", "<=", "=="):
            if threshold is None:
                c.target(i, tid, "threshold", f"is required for comparator '{comparator}'")
            if rng is not None:
                c.target(
                    i,
                    tid,
                    "range",
                    f"not allowed with comparator '{comparator}' (use comparator: range)",
                    rng,
                )
        elif comparator == "range":
            if rng is None:
                c.target(i, tid, "range", "is required for comparator 'range'")
            if threshold is not None:
                c.target(
                    i,
                    tid,
                    "threshold",
                    "not allowed with comparator 'range' (use range: [low, high])",
                    threshold,
                )
        elif comparator == "above_reference_by":
            if (threshold is None) == (rng is None):
                c.target(
                    i,
                    tid,
                    "threshold",
                    "comparator 'above_reference_by' needs exactly one of "
                    "threshold (k pp) or range ([low, high] pp)",
                )
            if unit not in (None, "pp", "?"):
                c.target(i, tid, "unit", "must be 'pp' for comparator 'above_reference_by'", unit)
        elif comparator == "above_reference":
            for key, value in (("threshold", threshold), ("range", rng)):
                if value is not None:
                    c.target(
                        i,
                        tid,
                        key,
                        "not allowed with comparator 'above_reference' (use "
                        "above_reference_by for 'k percentage points above')",
                        value,
                    )
        if comparator in ("above_reference", "above_reference_by"):
            if reference is None:
                c.target(i, tid, "reference", f"is required for comparator '{comparator}'")
        elif reference is not None and comparator != "?":
            c.target(
                i,
                tid,
                "reference",
                "only for comparators above_reference and above_reference_by",
                reference,
            )
        if info is not None and comparator != "above_reference_by" and unit not in (None, "?"):
            if info.unit is None:
                c.target(
                    i,
                    tid,
                    "indicator",
                    "this indicator is for qualitative aims only; pick a "
                    "measurable indicator or set qualitative: true",
                    indicator,
                )
            elif unit != info.unit:
                c.target(
                    i, tid, "unit", f"indicator '{indicator}' is measured in '{info.unit}'", unit
                )
        # plausible values
        values = [threshold] if _is_number(threshold) else []
        values += list(rng) if isinstance(rng, list) and all(_is_number(x) for x in rng) else []
        for v in values:
            if unit == "pct" and not 0 <= v <= 100:
                c.target(
                    i,
                    tid,
                    "threshold" if threshold is not None else "range",
                    "a percentage must be within 0–100",
                    v,
                )
            if unit == "count" and (v < 0 or v != int(v)):
                c.target(
                    i,
                    tid,
                    "threshold" if threshold is not None else "range",
                    "a count must be a non-negative whole number",
                    v,
                )
            if unit == "pp" and v < 0:
                c.target(
                    i,
                    tid,
                    "threshold" if threshold is not None else "range",
                    "percentage points above a reference must not be negative",
                    v,
                )

    if reference is not None and reference != "?":
        if (
            not isinstance(reference, dict)
            or set(reference) - {"level", "region_code"}
            or "level" not in reference
        ):
            c.target(
                i,
                tid,
                "reference",
                "must be a mapping {level: provincial, region_code: '430000'}",
                reference,
            )
        else:
            level, code = reference.get("level"), reference.get("region_code")
            if level not in REFERENCE_LEVELS:
                c.target(
                    i,
                    tid,
                    "reference",
                    f"reference level must be one of {', '.join(REFERENCE_LEVELS)}",
                    level,
                )
            if code is not None:
                why = _region_problem(code)
                if why:
                    c.target(i, tid, "reference", f"reference region_code {why}", code)
                elif (
                    level in _REF_REGION_LEVEL
                    and regions.lookup(code)["level"] != _REF_REGION_LEVEL[level]
                ):
                    c.target(
                        i,
                        tid,
                        "reference",
                        f"reference region_code {code} is not a "
                        f"{_REF_REGION_LEVEL[level]}-level division, but level is '{level}'",
                        code,
                    )

    direction = t.get("direction")
    if direction is not None and direction not in DIRECTIONS:
        c.target(i, tid, "direction", f"must be one of {', '.join(DIRECTIONS)}", direction)

    # deadline
    deadline, basis, dnote = t.get("deadline"), t.get("deadline_basis"), t.get("deadline_note")
    if deadline is not None:
        why = _date_problem(deadline, allow_int=True)
        if why:
            c.target(i, tid, "deadline", why, deadline)
        if basis not in DEADLINE_BASES:
            c.target(
                i,
                tid,
                "deadline_basis",
                f"must be one of {', '.join(DEADLINE_BASES)} when a deadline is given",
                basis,
            )
        if basis == "derived" and not (isinstance(dnote, str) and dnote.strip()):
            c.target(
                i,
                tid,
                "deadline_note",
                "a derived deadline needs a note saying how it was worked out",
            )
    elif basis is not None:
        c.target(i, tid, "deadline_basis", "must be null when deadline is null", basis)

    # region
    if t.get("region_code") is not None:
        why = _region_problem(t["region_code"])
        if why:
            c.target(i, tid, "region_code", why, t["region_code"])

    # baseline / latest actual
    for key in ("baseline", "latest_actual"):
        value = t.get(key)
        if value is None:
            continue
        allowed = {"value", "year", "note"} | ({"source_url"} if key == "latest_actual" else set())
        if (
            not isinstance(value, dict)
            or set(value) - allowed
            or not _is_number(value.get("value"))
        ):
            c.target(
                i,
                tid,
                key,
                f"must be a mapping with a numeric 'value' and optional {sorted(allowed - {'value'})}",
                value,
            )
        elif value.get("year") is not None and _date_problem(value["year"], allow_int=True):
            c.target(i, tid, key, "year must be a year", value.get("year"))

    _check_scope(c, i, tid, t.get("scope"))

    # text fields
    for key in ("source_sentence", "clause", "source_sentence_simplified", "deadline_note", "note"):
        value = t.get(key)
        if value is not None and not (isinstance(value, str) and value.strip()):
            c.target(i, tid, key, "must be non-empty text", value)
    if "source_sentence" in t and t["source_sentence"] is None:
        c.target(i, tid, "source_sentence", "must be the original sentence, verbatim")
    sentence, clause = t.get("source_sentence"), t.get("clause")
    if isinstance(sentence, str) and isinstance(clause, str) and clause not in sentence:
        c.target(i, tid, "clause", "must be a verbatim part of source_sentence", clause)


def _check_document(c: _Checker, raw: object, path: Path) -> None:
    if not isinstance(raw, dict):
        c.problems.append(
            Problem(
                c.file,
                "a target file must be a YAML mapping with document fields and a 'targets' list",
            )
        )
        return
    for key in raw:
        if key not in DOCUMENT_FIELDS:
            c.doc(
                str(key),
                f"unknown field{_suggest(key, DOCUMENT_FIELDS)}; allowed: {', '.join(DOCUMENT_FIELDS)}",
            )
    for key in DOCUMENT_REQUIRED:
        if key not in raw:
            c.doc(
                key,
                "is required"
                + (" (use null if unknown)" if key in ("region_code", "issuer", "date") else ""),
            )
    if "schema_version" in raw and raw["schema_version"] != SCHEMA_VERSION:
        c.doc("schema_version", f"must be {SCHEMA_VERSION}", raw["schema_version"])
    doc_id = raw.get("id")
    if "id" in raw:
        if not isinstance(doc_id, str) or not _DOC_ID.match(doc_id):
            c.doc("id", "must be lower-case letters, digits and _ (starting with a letter)", doc_id)
        elif doc_id != path.stem:
            c.doc("id", f"must equal the file name without .yaml ('{path.stem}')", doc_id)
    if not isinstance(doc_id, str):
        doc_id = path.stem
    if "title" in raw and not (isinstance(raw["title"], str) and raw["title"].strip()):
        c.doc("title", "must be the Chinese title", raw["title"])
    if raw.get("admin_level") is not None and raw["admin_level"] not in ADMIN_LEVELS:
        c.doc("admin_level", f"must be one of {', '.join(ADMIN_LEVELS)}", raw["admin_level"])
    if raw.get("script") is not None and raw["script"] not in SCRIPTS:
        c.doc("script", f"must be one of {', '.join(SCRIPTS)}", raw["script"])
    if raw.get("region_code") is not None:
        why = _region_problem(raw["region_code"])
        if why:
            c.doc("region_code", why, raw["region_code"])
    elif "region_code" in raw and not raw.get("region_note"):
        c.doc("region_note", "say why region_code is null")
    if raw.get("date") is not None:
        why = _date_problem(raw["date"], allow_int=False)
        if why:
            c.doc("date", why, raw["date"])
    elif "date" in raw and not raw.get("date_note"):
        c.doc("date_note", "say why date is null")
    if raw.get("source_file") is None and raw.get("source_url") is None:
        c.doc("source_file", "give source_file or source_url (where the text can be read)")
    for key in (
        "title_original",
        "title_en",
        "doc_number",
        "doc_type",
        "region_note",
        "issuer",
        "issuer_note",
        "date_note",
        "source_file",
        "source_url",
        "note",
    ):
        value = raw.get(key)
        if value is not None and not (isinstance(value, str) and value.strip()):
            c.doc(key, "must be non-empty text or null", value)

    phases = raw.get("phases") or []
    if not isinstance(phases, list):
        c.doc("phases", "must be a list", phases)
        phases = []
    for j, ph in enumerate(phases):
        if not isinstance(ph, dict) or not isinstance(ph.get("name"), str):
            c.doc("phases", f"phase #{j + 1} must be a mapping with a 'name'", ph)
            continue
        for key in ph:
            if key not in PHASE_FIELDS:
                c.doc(
                    "phases",
                    f"phase '{ph['name']}': unknown field '{key}'; allowed: {', '.join(PHASE_FIELDS)}",
                )
        for key in ("start", "end"):
            if ph.get(key) is not None:
                why = _date_problem(ph[key], allow_int=False)
                if why:
                    c.doc("phases", f"phase '{ph['name']}' {key} {why}", ph[key])
        start, end = ph.get("start"), ph.get("end")
        if isinstance(start, str) and isinstance(end, str) and start > end:
            c.doc("phases", f"phase '{ph['name']}' ends ({end}) before it starts ({start})")

    targets = raw.get("targets")
    if "targets" in raw and not isinstance(targets, list):
        c.doc("targets", "must be a list of targets", targets)
        return
    seen: set[str] = set()
    for i, t in enumerate(targets or []):
        _check_target(c, i, t, doc_id)
        tid = t.get("id") if isinstance(t, dict) else None
        if isinstance(tid, str):
            if tid in seen:
                c.target(i, tid, "id", "is used twice in this file", tid)
            seen.add(tid)


# --------------------------------------------------------------------------------------------
# building objects


def _float(x: object) -> float | None:
    return None if x is None else float(x)  # type: ignore[arg-type]


def _build_target(t: dict, doc_id: str, line: int | None) -> Target:
    ref = t.get("reference")
    rng = t.get("range")
    base = t.get("baseline") or {}
    latest = t.get("latest_actual") or {}
    deadline = t.get("deadline")
    return Target(
        id=t["id"],
        document_id=doc_id,
        indicator=t["indicator"],
        qualitative=bool(t.get("qualitative", False)),
        comparator=t.get("comparator"),
        threshold=_float(t.get("threshold")),
        range=None if rng is None else (float(rng[0]), float(rng[1])),
        unit=t.get("unit"),
        reference=None if ref is None else Reference(ref["level"], ref.get("region_code")),
        direction=t.get("direction"),
        baseline_value=_float(base.get("value")),
        baseline_year=base.get("year"),
        deadline=None if deadline is None else str(deadline),
        deadline_basis=t.get("deadline_basis"),
        deadline_note=t.get("deadline_note"),
        region_code=t.get("region_code"),
        scope=MappingProxyType(dict(t.get("scope") or {})),
        source_sentence=t["source_sentence"],
        clause=t.get("clause"),
        source_sentence_simplified=t.get("source_sentence_simplified"),
        latest_actual_value=_float(latest.get("value")),
        latest_actual_year=latest.get("year"),
        note=t.get("note"),
        line=line,
    )


def _build_document(raw: dict, path: Path, lines: dict[tuple, Any]) -> Document:
    phases = tuple(
        Phase(
            p["name"],
            _date_str(p.get("start")),
            _date_str(p.get("end")),
            p.get("source_sentence"),
            p.get("note"),
        )
        for p in raw.get("phases") or []
    )
    targets = tuple(
        _build_target(t, raw["id"], lines.get(("target", i))) for i, t in enumerate(raw["targets"])
    )
    return Document(
        id=raw["id"],
        title=raw["title"],
        title_original=raw.get("title_original"),
        title_en=raw.get("title_en"),
        doc_number=raw.get("doc_number"),
        doc_type=raw.get("doc_type"),
        admin_level=raw["admin_level"],
        region_code=raw.get("region_code"),
        region_note=raw.get("region_note"),
        issuer=raw.get("issuer"),
        issuer_note=raw.get("issuer_note"),
        date=_date_str(raw.get("date")),
        date_note=raw.get("date_note"),
        source_file=raw.get("source_file"),
        source_url=raw.get("source_url"),
        script=raw["script"],
        note=raw.get("note"),
        phases=phases,
        targets=targets,
        path=path,
    )


def targets_dir() -> Path:
    """``data/targets/``: one YAML file per document."""
    return data_dir() / "targets"


def _expand(paths: str | Path | Iterable[str | Path] | None) -> list[Path]:
    if paths is None:
        paths = [targets_dir()]
    elif isinstance(paths, str | Path):
        paths = [paths]
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            files.extend(sorted([*p.glob("*.yaml"), *p.glob("*.yml")]))
        elif p.exists():
            files.append(p)
        else:
            raise ParameterError(f"target file or folder not found: {p}")
    return files


def validate_file(path: str | Path) -> list[Problem]:
    """All problems of one target file (empty list: the file is valid on its own)."""
    return _read(Path(path))[1]


def _read(path: Path) -> tuple[Document | None, list[Problem]]:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        return None, [Problem(str(path), f"not UTF-8 text ({exc.reason} at byte {exc.start})")]
    try:
        raw = yaml.load(text, Loader=_Loader)  # _Loader is a SafeLoader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = None if mark is None else mark.line + 1
        problem = getattr(exc, "problem", None) or str(exc)
        message, column = f"not valid YAML: {problem}", None
        if line is not None and (dup := re.match(r"duplicate key '(.+)'$", str(problem))):
            # the file still composes: name the target that holds the duplicate
            lines = _line_index(text)
            starts = sorted((n, k[1]) for k, n in lines.items() if len(k) == 2 and k[0] == "target")
            inside = [i for n, i in starts if n <= line]
            if inside:
                tid = lines.get(("target_id", inside[-1]), f"#{inside[-1] + 1}")
                message, column = f"target '{tid}': {message}", dup[1]
        return None, [Problem(str(path), message, line, column)]
    lines = _line_index(text)
    checker = _Checker(path, lines)
    _check_document(checker, raw, path)
    if checker.problems:
        return None, checker.problems
    return _build_document(raw, path, lines), []


def load_registry(paths: str | Path | Iterable[str | Path] | None = None) -> Registry:
    """Read and validate target files (default: every ``*.yaml`` in ``data/targets/``).

    ``paths`` may name files or folders. All problems of all files are collected and raised as one
    :class:`InputError`; each names the file, the line, the target id and the field. Document and
    target ids must be unique across the files."""
    documents: dict[str, Document] = {}
    problems: list[Problem] = []
    target_files: dict[str, Path] = {}
    for path in _expand(paths):
        doc, found = _read(path)
        problems.extend(found)
        if doc is None:
            continue
        if doc.id in documents:
            problems.append(
                Problem(
                    str(path),
                    f"document id '{doc.id}' is also used by {documents[doc.id].path}",
                    column="id",
                    value=doc.id,
                )
            )
            continue
        for t in doc.targets:
            if t.id in target_files:
                problems.append(
                    Problem(
                        str(path),
                        f"target '{t.id}', field 'id': also used in {target_files[t.id]}",
                        t.line,
                        "id",
                        t.id,
                    )
                )
            target_files[t.id] = path
        documents[doc.id] = doc
    if problems:
        raise InputError(problems)
    if not documents:
        raise NoDataError(
            f"no target files (*.yaml) found in {', '.join(map(str, _expand(paths)))}"
        )
    return Registry(documents)


def verify_sources(registry: Registry, source_dir: str | Path) -> list[Problem]:
    """Check that every ``source_sentence`` (and phase sentence) occurs verbatim in the document's
    ``source_file`` under ``source_dir``. Documents without a source file are skipped."""
    problems: list[Problem] = []
    for doc in registry.documents.values():
        if doc.source_file is None:
            continue
        src = Path(source_dir) / doc.source_file
        if not src.exists():
            problems.append(
                Problem(str(doc.path), f"source file {src} not found", column="source_file")
            )
            continue
        text = src.read_text(encoding="utf-8")
        if doc.title_original is not None and doc.title_original not in text:
            problems.append(
                Problem(
                    str(doc.path),
                    f"title_original not found verbatim in {doc.source_file}",
                    column="title_original",
                )
            )
        for t in doc.targets:
            if t.source_sentence not in text:
                problems.append(
                    Problem(
                        str(doc.path),
                        f"target '{t.id}', field 'source_sentence': not "
                        f"found verbatim in {doc.source_file}",
                        t.line,
                        "source_sentence",
                    )
                )
        for ph in doc.phases:
            if ph.source_sentence is not None and ph.source_sentence not in text:
                problems.append(
                    Problem(
                        str(doc.path),
                        f"phase '{ph.name}', field 'source_sentence': not "
                        f"found verbatim in {doc.source_file}",
                        column="phases",
                    )
                )
    return problems


# --------------------------------------------------------------------------------------------
# tables


def _registry(registry: Registry | None) -> Registry:
    return load_registry() if registry is None else registry


def _ancestor_set(code: str | None) -> set[str]:
    return set() if code is None else set(regions.ancestors(code))


_TARGET_COLUMNS: dict[str, str] = {
    "document_id": "string",
    "target_id": "string",
    "indicator": "string",
    "indicator_zh": "string",
    "qualitative": "boolean",
    "comparator": "string",
    "threshold": "Float64",
    "range_low": "Float64",
    "range_high": "Float64",
    "lower": "Float64",
    "upper": "Float64",
    "unit": "string",
    "reference_level": "string",
    "reference_region_code": "string",
    "direction": "string",
    "baseline_value": "Float64",
    "baseline_year": "Int64",
    "deadline": "string",
    "deadline_year": "Int64",
    "deadline_basis": "string",
    "deadline_note": "string",
    "region_code": "string",
    "check_level": "string",
    "product": "string",
    "industry_code": "string",
    "scope": "string",
    "source_sentence": "string",
    "clause": "string",
    "source_sentence_simplified": "string",
    "latest_actual_value": "Float64",
    "latest_actual_year": "Int64",
    "note": "string",
}


def _scope_text(scope: Mapping[str, Any]) -> str | None:
    if not scope:
        return None
    parts = [f"{k}: {'、'.join(v) if isinstance(v, list) else v}" for k, v in scope.items()]
    return "; ".join(parts)


def _scalar_scope(scope: Mapping[str, Any], key: str) -> str | None:
    v = scope.get(key)
    if v is None:
        return None
    return "、".join(v) if isinstance(v, list) else str(v)


def targets_table(
    registry: Registry | None = None,
    *,
    document: str | Iterable[str] | None = None,
    region_code: str | None = None,
    indicator: str | Iterable[str] | None = None,
    qualitative: bool | None = None,
) -> pd.DataFrame:
    """One row per target, in file order, optionally filtered.

    ``region_code`` keeps the targets whose region is that division or lies within it (a city
    also gets its districts' targets; ``'000000'`` keeps all with a known region).
    ``qualitative=False`` keeps the quantitative targets only.

    ========================= ==================================================================
    document_id, target_id    ids (``target_id`` = ``<document_id>.NN``)
    indicator, indicator_zh   controlled vocabulary (``INDICATORS``) and its Chinese label
    qualitative               True for an aim without a number
    comparator                ``>=``, ``<=``, ``==``, ``range``, ``above_reference(_by)``; NA if qualitative
    threshold                 single value, in ``unit``
    range_low, range_high     bounds of a range, in ``unit``
    lower, upper              the band that meets the target as written (NA = unbounded);
                              ``range`` and ``above_reference_by`` give both
    unit                      ``pct`` (percent 0–100), ``index``, ``count``, ``pp``
    reference_level, …_code   the average to beat (above_reference*)
    direction                 increase / decrease asked by a qualitative aim
    baseline_value, …_year    starting value stated by the document
    deadline, deadline_year   as written (``2010``, ``2008-09``, ``2015-12-31``) and its year
    deadline_basis, …_note    stated / derived, and how it was derived
    region_code               region the target applies to (NA: unknown)
    check_level, product,     the common scope keys, flattened (lists joined with 、)
    industry_code
    scope                     all scope keys as ``key: value; …``
    source_sentence, clause   original sentence and the part that sets this target, verbatim
    source_sentence_simplified simplified rendering of a traditional-character source
    latest_actual_value/_year latest reported actual (national targets, from data/reference)
    note                      reading of the sentence
    ========================= ==================================================================
    """
    reg = _registry(registry)
    docs = _select(reg, document)
    wanted = (
        None
        if indicator is None
        else ({indicator} if isinstance(indicator, str) else set(indicator))
    )
    if wanted is not None and (unknown := wanted - set(INDICATORS)):
        raise ParameterError(f"unknown indicator(s) {sorted(unknown)}; see targets.INDICATORS")
    if region_code is not None:
        regions.check_code(region_code)
    rows = []
    for doc in docs:
        for t in doc.targets:
            if wanted is not None and t.indicator not in wanted:
                continue
            if qualitative is not None and t.qualitative != qualitative:
                continue
            if region_code is not None and region_code not in _ancestor_set(t.region_code):
                continue
            rows.append(
                {
                    "document_id": t.document_id,
                    "target_id": t.id,
                    "indicator": t.indicator,
                    "indicator_zh": INDICATORS[t.indicator].zh,
                    "qualitative": t.qualitative,
                    "comparator": t.comparator,
                    "threshold": t.threshold,
                    "range_low": None if t.range is None else t.range[0],
                    "range_high": None if t.range is None else t.range[1],
                    "lower": t.lower,
                    "upper": t.upper,
                    "unit": t.unit,
                    "reference_level": None if t.reference is None else t.reference.level,
                    "reference_region_code": None
                    if t.reference is None
                    else t.reference.region_code,
                    "direction": t.direction,
                    "baseline_value": t.baseline_value,
                    "baseline_year": t.baseline_year,
                    "deadline": t.deadline,
                    "deadline_year": t.deadline_year,
                    "deadline_basis": t.deadline_basis,
                    "deadline_note": t.deadline_note,
                    "region_code": t.region_code,
                    "check_level": _scalar_scope(t.scope, "check_level"),
                    "product": _scalar_scope(t.scope, "product"),
                    "industry_code": _scalar_scope(t.scope, "industry_code"),
                    "scope": _scope_text(t.scope),
                    "source_sentence": t.source_sentence,
                    "clause": t.clause,
                    "source_sentence_simplified": t.source_sentence_simplified,
                    "latest_actual_value": t.latest_actual_value,
                    "latest_actual_year": t.latest_actual_year,
                    "note": t.note,
                }
            )
    return _frame(rows, _TARGET_COLUMNS)


def _frame(rows: list[dict], columns: dict[str, str]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=list(columns))
    return df.astype(columns)


def _select(reg: Registry, document: str | Iterable[str] | None) -> list[Document]:
    if document is None:
        return list(reg.documents.values())
    ids = [document] if isinstance(document, str) else list(document)
    return [reg.document(d) for d in ids]


_DOCUMENT_COLUMNS: dict[str, str] = {
    "document_id": "string",
    "title": "string",
    "title_en": "string",
    "doc_number": "string",
    "doc_type": "string",
    "admin_level": "string",
    "region_code": "string",
    "region_name": "string",
    "issuer": "string",
    "date": "string",
    "year": "Int64",
    "script": "string",
    "source_file": "string",
    "source_url": "string",
    "n_targets": "int64",
    "n_quantitative": "int64",
    "n_qualitative": "int64",
    "first_deadline_year": "Int64",
    "last_deadline_year": "Int64",
    "n_phases": "int64",
}


def documents_table(registry: Registry | None = None) -> pd.DataFrame:
    """One row per document.

    ==================== ===========================================================
    document_id, title   id (file name) and Chinese title; ``title_en`` English
    doc_number, doc_type 文号 (NA if none) and kind (实施方案, 意见 …)
    admin_level          national / provincial / municipal / county / town
    region_code, …_name  issuing region (NA: unknown) and its Chinese name
    issuer, date, year   issuing body, date as written, its year (NA: undated)
    script               simplified / traditional characters of the source
    source_file, …_url   where the text is
    n_targets, n_quantitative, n_qualitative   numbers of targets
    first/last_deadline_year   earliest and latest target deadline
    n_phases             programme phases recorded
    ==================== ===========================================================
    """
    reg = _registry(registry)
    rows = []
    for d in reg.documents.values():
        years = [t.deadline_year for t in d.targets if t.deadline_year is not None]
        n_qual = sum(t.qualitative for t in d.targets)
        rows.append(
            {
                "document_id": d.id,
                "title": d.title,
                "title_en": d.title_en,
                "doc_number": d.doc_number,
                "doc_type": d.doc_type,
                "admin_level": d.admin_level,
                "region_code": d.region_code,
                "region_name": None if d.region_code is None else regions.name(d.region_code),
                "issuer": d.issuer,
                "date": d.date,
                "year": None if d.date is None else int(d.date[:4]),
                "script": d.script,
                "source_file": d.source_file,
                "source_url": d.source_url,
                "n_targets": len(d.targets),
                "n_quantitative": len(d.targets) - n_qual,
                "n_qualitative": n_qual,
                "first_deadline_year": min(years, default=None),
                "last_deadline_year": max(years, default=None),
                "n_phases": len(d.phases),
            }
        )
    return _frame(rows, _DOCUMENT_COLUMNS)


_PHASE_COLUMNS: dict[str, str] = {
    "document_id": "string",
    "phase": "string",
    "order": "int64",
    "start": "string",
    "end": "string",
    "source_sentence": "string",
    "note": "string",
}


def phases_table(
    registry: Registry | None = None, *, document: str | Iterable[str] | None = None
) -> pd.DataFrame:
    """Programme phases: ``document_id``, ``phase`` (name), ``order`` (1-based), ``start`` and
    ``end`` as written (YYYY[-MM[-DD]], NA = open), ``source_sentence``, ``note``."""
    reg = _registry(registry)
    rows = [
        {
            "document_id": d.id,
            "phase": p.name,
            "order": k,
            "start": p.start,
            "end": p.end,
            "source_sentence": p.source_sentence,
            "note": p.note,
        }
        for d in _select(reg, document)
        for k, p in enumerate(d.phases, start=1)
    ]
    return _frame(rows, _PHASE_COLUMNS)


def vocabulary_table() -> pd.DataFrame:
    """The indicator vocabulary: ``indicator``, ``unit`` (NA: qualitative aims only), ``zh``,
    ``description``."""
    rows = [
        {"indicator": i.name, "unit": i.unit, "zh": i.zh, "description": i.description}
        for i in INDICATORS.values()
    ]
    return _frame(
        rows, {"indicator": "string", "unit": "string", "zh": "string", "description": "string"}
    )


# --------------------------------------------------------------------------------------------
# JSON Schema and README tables (generated from the constants above; see
# scripts/build_targets_docs.py)


def json_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of a target file: structure, types and vocabulary.

    Region codes, the id prefix, date validity and clause-in-sentence are checked by
    :func:`validate_file` only."""
    text = {"type": "string", "minLength": 1}
    opt_text = {"type": ["string", "null"], "minLength": 1}
    date = {"type": "string", "pattern": r"^\d{4}(-\d{2}(-\d{2})?)?$"}
    opt_date = {"anyOf": [date, {"type": "null"}]}
    code = {"type": "string", "pattern": r"^\d{6}$"}
    number = {"type": "number"}
    str_or_list = {"anyOf": [text, {"type": "array", "items": text, "minItems": 1}]}

    def enum_or_list(values: Iterable[str]) -> dict:
        e = {"enum": list(values)}
        return {"anyOf": [e, {"type": "array", "items": e, "minItems": 1}]}

    scope_props = {k: str_or_list for k in SCOPE_KEYS}
    scope_props |= {
        "check_level": enum_or_list(CHECK_LEVELS),
        "sector": enum_or_list(SECTORS),
        "recognition_level": enum_or_list(RECOGNITION_LEVELS),
        "per": {"enum": ["year"]},
        "industry_code": {"type": "string", "pattern": r"^\d{2}$"},
    }
    value_map = {
        "type": "object",
        "required": ["value"],
        "additionalProperties": False,
        "properties": {"value": number, "year": {"type": ["integer", "null"]}, "note": opt_text},
    }
    latest = {**value_map, "properties": {**value_map["properties"], "source_url": opt_text}}
    target = {
        "type": "object",
        "additionalProperties": False,
        "required": list(TARGET_REQUIRED),
        "properties": {
            "id": {"type": "string", "pattern": r"^[a-z][a-z0-9_]*\.\d{2,3}[a-z]?$"},
            "indicator": {"enum": list(INDICATORS)},
            "qualitative": {"type": "boolean"},
            "comparator": {"enum": [*COMPARATORS, None]},
            "threshold": {"type": ["number", "null"]},
            "range": {
                "anyOf": [
                    {"type": "array", "items": number, "minItems": 2, "maxItems": 2},
                    {"type": "null"},
                ]
            },
            "unit": {"enum": [*UNITS, None]},
            "reference": {
                "anyOf": [
                    {"type": "null"},
                    {
                        "type": "object",
                        "required": ["level"],
                        "additionalProperties": False,
                        "properties": {
                            "level": {"enum": list(REFERENCE_LEVELS)},
                            "region_code": {"anyOf": [code, {"type": "null"}]},
                        },
                    },
                ]
            },
            "direction": {"enum": [*DIRECTIONS, None]},
            "baseline": {"anyOf": [value_map, {"type": "null"}]},
            "deadline": {
                "anyOf": [
                    {"type": "integer", "minimum": YEAR_MIN, "maximum": YEAR_MAX},
                    date,
                    {"type": "null"},
                ]
            },
            "deadline_basis": {"enum": [*DEADLINE_BASES, None]},
            "deadline_note": opt_text,
            "region_code": {"anyOf": [code, {"type": "null"}]},
            "scope": {
                "anyOf": [
                    {"type": "null"},
                    {"type": "object", "additionalProperties": False, "properties": scope_props},
                ]
            },
            "source_sentence": text,
            "clause": opt_text,
            "source_sentence_simplified": opt_text,
            "latest_actual": {"anyOf": [latest, {"type": "null"}]},
            "note": opt_text,
        },
        "allOf": [
            {
                "if": {"required": ["qualitative"], "properties": {"qualitative": {"const": True}}},
                "then": {
                    "properties": {
                        "comparator": {"type": "null"},
                        "threshold": {"type": "null"},
                        "range": {"type": "null"},
                        "reference": {"type": "null"},
                    }
                },
                "else": {
                    "required": ["comparator", "unit"],
                    "properties": {"comparator": {"enum": list(COMPARATORS)}},
                },
            },
            {
                "if": {
                    "required": ["comparator"],
                    "properties": {"comparator": {"enum": [">=", "<=", "=="]}},
                },
                "then": {
                    "required": ["threshold"],
                    "properties": {"threshold": number, "range": {"type": "null"}},
                },
            },
            {
                "if": {
                    "required": ["comparator"],
                    "properties": {"comparator": {"const": "range"}},
                },
                "then": {
                    "required": ["range"],
                    "properties": {"range": {"type": "array"}, "threshold": {"type": "null"}},
                },
            },
            {
                "if": {
                    "required": ["comparator"],
                    "properties": {"comparator": {"const": "above_reference"}},
                },
                "then": {
                    "required": ["reference"],
                    "properties": {
                        "reference": {"type": "object"},
                        "threshold": {"type": "null"},
                        "range": {"type": "null"},
                    },
                },
            },
            {
                "if": {
                    "required": ["comparator"],
                    "properties": {"comparator": {"const": "above_reference_by"}},
                },
                "then": {
                    "required": ["reference"],
                    "properties": {"reference": {"type": "object"}, "unit": {"const": "pp"}},
                },
            },
        ],
    }
    phase = {
        "type": "object",
        "required": ["name"],
        "additionalProperties": False,
        "properties": {
            "name": text,
            "start": opt_date,
            "end": opt_date,
            "source_sentence": opt_text,
            "note": opt_text,
        },
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://qualitykit.invalid/schemas/policy-targets-v1.json",
        "title": "qualitykit policy-target file",
        "description": "One source document and its targets. Generated by "
        "scripts/build_targets_docs.py from qualitykit.policy.targets; do not edit by hand.",
        "type": "object",
        "additionalProperties": False,
        "required": list(DOCUMENT_REQUIRED),
        "properties": {
            "schema_version": {"const": SCHEMA_VERSION},
            "id": {"type": "string", "pattern": _DOC_ID.pattern},
            "title": text,
            "title_original": opt_text,
            "title_en": opt_text,
            "doc_number": opt_text,
            "doc_type": opt_text,
            "admin_level": {"enum": list(ADMIN_LEVELS)},
            "region_code": {"anyOf": [code, {"type": "null"}]},
            "region_note": opt_text,
            "issuer": opt_text,
            "issuer_note": opt_text,
            "date": opt_date,
            "date_note": opt_text,
            "source_file": opt_text,
            "source_url": opt_text,
            "script": {"enum": list(SCRIPTS)},
            "note": opt_text,
            "phases": {"type": ["array", "null"], "items": phase},
            "targets": {"type": "array", "items": target},
        },
    }


def _md_cell(x: object) -> str:
    if x is None or (not isinstance(x, str) and pd.isna(x)):
        return ""
    text = str(x).replace("|", "\\|").replace("\n", " ")
    return text.replace("<", "&lt;")


def _md_table(header: list[str], rows: Iterable[Iterable[object]]) -> str:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(out)


def _fmt_num(x: float | None) -> str:
    if x is None:
        return ""
    return f"{x:g}"


_SYMBOL = {">=": "≥", "<=": "≤", "==": "="}


def _value_text(t: Target) -> str:
    if t.qualitative:
        return "(qualitative" + (f", {t.direction}" if t.direction else "") + ")"
    if t.range is not None:
        value = f"{_fmt_num(t.range[0])}–{_fmt_num(t.range[1])}"
    else:
        value = _fmt_num(t.threshold)
    ref = ""
    if t.reference is not None:
        ref = f" {t.reference.level}" + (
            f" ({t.reference.region_code})" if t.reference.region_code else ""
        )
    if t.comparator == "above_reference":
        return f"above{ref}"
    if t.comparator == "above_reference_by":
        return f"above{ref} by {value}"
    if t.comparator == "range":
        return value
    return f"{_SYMBOL.get(t.comparator or '', t.comparator)} {value}"


def registry_markdown(registry: Registry | None = None) -> str:
    """Markdown: the vocabulary and one table of targets per document (for the README)."""
    reg = _registry(registry)
    parts = [
        "### Indicator vocabulary",
        "",
        _md_table(
            ["indicator", "unit", "中文", "meaning"],
            (
                [i.name, i.unit or "(qualitative only)", i.zh, i.description]
                for i in INDICATORS.values()
            ),
        ),
        "",
    ]
    parts += [
        "### Fields of a document",
        "",
        _md_table(
            ["field", "meaning"],
            (
                [f"`{k}`" + (" *" if k in DOCUMENT_REQUIRED else ""), v]
                for k, v in DOCUMENT_FIELDS.items()
            ),
        ),
        "",
        "### Fields of a target",
        "",
        _md_table(
            ["field", "meaning"],
            (
                [f"`{k}`" + (" *" if k in TARGET_REQUIRED else ""), v]
                for k, v in TARGET_FIELDS.items()
            ),
        ),
        "",
        "### Scope keys",
        "",
        _md_table(["key", "meaning"], ([f"`{k}`", v] for k, v in SCOPE_KEYS.items())),
        "",
        "`*` = the key must be present (it may be null where the meaning allows).",
        "",
    ]
    parts += [
        "### Documents",
        "",
        _md_table(
            ["document", "title", "文号", "region", "date", "quantitative", "qualitative"],
            (
                [
                    d.id,
                    d.title,
                    d.doc_number,
                    d.region_code,
                    d.date,
                    sum(not t.qualitative for t in d.targets),
                    sum(t.qualitative for t in d.targets),
                ]
                for d in reg.documents.values()
            ),
        ),
        "",
    ]
    for d in reg.documents.values():
        parts += [f"### `{d.id}` — {d.title}", ""]
        if d.phases:
            parts += [
                _md_table(["phase", "start", "end"], ([p.name, p.start, p.end] for p in d.phases)),
                "",
            ]
        parts += [
            _md_table(
                ["target", "indicator", "target value", "unit", "deadline", "scope", "clause"],
                (
                    [
                        f"`{t.id}`",
                        t.indicator,
                        _value_text(t),
                        t.unit,
                        (t.deadline or "")
                        + (" (derived)" if t.deadline_basis == "derived" else ""),
                        _scope_text(t.scope),
                        t.clause or t.source_sentence,
                    ]
                    for t in d.targets
                ),
            ),
            "",
        ]
    return "\n".join(parts).rstrip() + "\n"
