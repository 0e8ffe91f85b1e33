"""The one bilingual vocabulary (qualitykit.report.vocabulary) and every sentence template of the
narrative and the scorecard reasons rendered in both languages over edge cases — zero, one,
missing, ties, negative changes, NaN, a single unit, a non-standard unit name — checked for:
no CJK in English text (except unit names that exist in Chinese only), no English words in
Chinese text (except whitelisted abbreviations and identifiers), no empty slots, no doubled words.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from qualitykit.data import regions
from qualitykit.errors import ParameterError
from qualitykit.policy import reasons, targets
from qualitykit.policy.status import STATUSES
from qualitykit.report import narrative as nv
from qualitykit.report import vocabulary
from qualitykit.report.figures import style
from qualitykit.stats import benchmark, pareto, trends

ROOT = Path(__file__).resolve().parents[1]

NONSTANDARD = "温州经济技术开发区"
"""A user-declared unit whose name exists in Chinese only (allowed in English text)."""
INPUT_NAMES = (
    "Longwan District",
    "Zhejiang",
    "Jindong District",
    "Cangnan County",
    "Lucheng District",
    "Yueqing City",
    "Rui'an City",
    "Labelling",
    *(f"Unit {i}" for i in range(12)),
    *(f"Item{i}" for i in range(4)),
    "A1",
    "B1",
    "C1",
)
"""Names the edge cases give as data (in English, also to the Chinese templates, which show data
names as given): removed before the Chinese text is checked for English words."""

# ------------------------------------------------------------------------------------------
# the checks
# ------------------------------------------------------------------------------------------

# characters, not \u escapes: pandas hands the pattern to the RE2 of pyarrow, which rejects them (17)
_CJK = re.compile("[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]")
_LATIN_WORD = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ][A-Za-zÀ-ÖØ-öø-ÿ0-9_.'′/-]*")
ZH_WHITELIST = {
    "RPQ",
    "QCI",
    "GB/T",
    "p",
    "z",
    "CI",
    "GLM",
    "Laney",
    "Cramér",
    "V",
    "Holm",
    "Bonferroni",
    "Cochran",
    "np",
    "p′",
    "EMC",
    "5M1E",
    "A",
    "B",
    "C",
}
_EMPTY_SLOTS = ("{}", "{", "}", "None", "<NA>", "  ", "：。", "（）", "()", " .", " ,", "。。")
_NAN = re.compile(r"\b(nan|NaN|inf)\b")
_DOUBLED_EN = re.compile(r"\b(\w+) \1\b", re.IGNORECASE)
_DOUBLED_ZH = re.compile(r"([\u4e00-\u9fff]{2,})\1|在在|的的|了了|，，|；；")


def _problems(text: str, lang: str, allowed_names: tuple[str, ...] = ()) -> list[str]:
    out = []
    plain = re.sub(r"\w+='[^']*'", "", text)  # a parameter as code: food_series='supervision'
    for name in (*allowed_names, *(INPUT_NAMES if lang == "zh" else ())):
        plain = plain.replace(name, "")
    if lang == "en":
        if _CJK.search(plain):
            out.append(f"CJK in English: {_CJK.findall(plain)[:5]}")
    else:
        for word in _LATIN_WORD.findall(re.sub(r"https?://\S+", "", plain)):
            core = word.strip(".'/-")
            if not core or core in ZH_WHITELIST or re.search(r"[\d_]", core):
                continue
            out.append(f"English word in Chinese: {word!r}")
    for slot in _EMPTY_SLOTS:
        if slot in text:
            out.append(f"empty slot {slot!r}")
    if _NAN.search(text):
        out.append(f"NaN shown: {_NAN.findall(text)}")
    doubled = (_DOUBLED_EN if lang == "en" else _DOUBLED_ZH).search(text)
    if doubled:
        out.append(f"doubled: {doubled.group(0)!r}")
    return out


def test_the_checks_catch_what_they_should():
    assert _problems("龙湾区 rate 为 90%", "zh")
    assert _problems("Longwan 龙湾区", "en")
    assert _problems("rate is nan", "en") and _problems("无数据：。", "zh")
    assert _problems("the the rate", "en") and _problems("政策目标政策目标", "zh")
    assert not _problems("RPQ 为 93.9%（p < 0.001，longwan_2006.12）", "zh")
    assert not _problems(f"{NONSTANDARD} had 3 batches.", "en", (NONSTANDARD,))


# ------------------------------------------------------------------------------------------
# edge cases of every template
# ------------------------------------------------------------------------------------------


def _counts(rates: list[float], n: int = 300, start: int = 2015) -> pd.DataFrame:
    years = np.arange(start, start + len(rates))
    return pd.DataFrame(
        {"year": years, "batches": n, "passed": np.round(np.asarray(rates) * n).astype(int)}
    )


def _pareto_table(counts: list[int], vital: int, col: str = "item") -> pd.DataFrame:
    total = max(sum(counts), 1)
    share = np.array(counts, dtype=float) / total
    names = {"item": [f"Item{i}" for i in range(len(counts))]}.get(
        col, ["safety", "labelling", "performance", "hygiene"][: len(counts)]
    )
    return pd.DataFrame(
        {
            "rank": range(1, len(counts) + 1),
            col: names,
            "count": counts,
            "share": share,
            "cum_count": np.cumsum(counts),
            "cum_share": np.cumsum(share),
            "vital_few": [i < vital for i in range(len(counts))],
            "is_other": False,
            "merged": 1,
        }
    )


def _share(m: int, o: int, lo: float, hi: float, unmapped: int = 0) -> dict:
    n = m + o
    return {
        "management": m,
        "operator": o,
        "unspecified": 0,
        "unmapped": unmapped,
        "classified": n,
        "management_share": m / n if n else math.nan,
        "ci_lower": lo,
        "ci_upper": hi,
        "confidence": 0.95,
        "claimed_share": 0.8,
    }


def _units(names: list[str], batches: list[int], passed: list[int]) -> pd.DataFrame:
    return pd.DataFrame({"name": names, "batches": batches, "passed": passed})


def _position(**kw) -> dict:
    row = {
        "flag_998": "within",
        "flag_95": "within",
        "n_units": 12,
        "province_name": "Zhejiang",
        "center": 0.941,
        "pass_rate": 0.95,
        "z": 1.0,
        "z_adjusted": 1.0,
        "rank": 3.0,
        "rank_lower": 1.0,
        "rank_upper": 7.0,
        "shrunk_rate": 0.948,
        "shrunk_lower": 0.93,
        "shrunk_upper": 0.96,
    }
    row.update(kw)
    return row


def _summary(**kw) -> dict:
    s = {
        "name": "Longwan District",
        "region_code": "330303",
        "year_from": 2015,
        "year_to": 2024,
        "data_status": "ok",
        "batches": 143,
        "pass_rate": 0.937,
        "ci_lower": 0.885,
        "ci_upper": 0.967,
        "trend_direction": "falling",
        "trend_pp": -1.4,
        "funnel_flag": "within",
        "funnel_flag_95": "within",
        "top_item": "Labelling",
        "top_item_share": 0.182,
        "target_status": "met",
    }
    s.update(kw)
    return s


def _forecast_row(**kw) -> dict:
    row = {
        "year": 2027,
        "target": 0.95,
        "fitted": 0.96,
        "fit_lower": 0.94,
        "fit_upper": 0.97,
        "pred_lower": 0.93,
        "pred_upper": 0.98,
        "batches": 500,
        "prob_expected_meets": 0.7,
        "prob_observed_meets": 0.6,
    }
    row.update(kw)
    return row


Case = tuple[str, Callable[[str], str], tuple[str, ...]]


def _cases() -> Iterator[Case]:
    quiet = warnings.catch_warnings()
    quiet.__enter__()
    warnings.simplefilter("ignore")
    row = {
        "batches": 1234,
        "passed": 1100,
        "pass_rate": 1100 / 1234,
        "ci_lower": 0.87,
        "ci_upper": 0.9,
    }
    zero = {
        "batches": 0,
        "passed": 0,
        "pass_rate": math.nan,
        "ci_lower": math.nan,
        "ci_upper": math.nan,
    }
    one = {"batches": 1, "passed": 1, "pass_rate": 1.0, "ci_lower": 0.2, "ci_upper": 1.0}
    for label, r in (("normal", row), ("zero", zero), ("one", one)):
        yield (
            f"pass_rate/{label}",
            lambda lang, r=r: nv.pass_rate("Longwan District", r, lang, years=(2015, 2024)),
            (),
        )
    yield "pass_rate/nonstandard", lambda lang: nv.pass_rate(NONSTANDARD, row, lang), (NONSTANDARD,)
    yearly = pd.DataFrame(
        {"year": [2015, 2016, 2017], "batches": [20, 300, 300], "pass_rate": [0.9, 0.9, 0.8]}
    )
    yield "yearly_rates/ties+small", lambda lang: nv.yearly_rates(yearly, lang), ()
    yield "yearly_rates/one", lambda lang: nv.yearly_rates(yearly.iloc[[1]], lang), ()
    yield "yearly_rates/empty", lambda lang: nv.yearly_rates(yearly.iloc[0:0], lang), ()
    std = pd.DataFrame(
        {
            "year": [2015, 2016],
            "crude_pass_rate": [0.9, 0.92],
            "std_pass_rate": [0.88, 0.925],
            "ci_lower": [0.86, 0.9],
            "ci_upper": [0.9, 0.94],
            "weight_covered": [1.0, 0.9],
        }
    )
    yield "standardised/normal", lambda lang: nv.standardised(std, lang), ()
    yield (
        "standardised/nan",
        lambda lang: nv.standardised(std.assign(std_pass_rate=math.nan), lang),
        (),
    )
    for label, rates in (
        ("rising", [0.80, 0.83, 0.86, 0.89, 0.92]),
        ("falling", [0.92, 0.89, 0.86, 0.83, 0.80]),
        ("flat", [0.90, 0.901, 0.899, 0.9, 0.901]),
        ("two", [0.9, 0.95]),
        ("allpass", [1.0, 1.0, 1.0]),
    ):
        res = trends.glm_trend(_counts(rates))
        yield (
            f"trend/{label}",
            lambda lang, res=res: nv.trend(res, lang, name="Longwan District"),
            (),
        )
        fc = trends.forecast(res, 2027, target=0.95)
        yield f"forecast/{label}", lambda lang, fc=fc, res=res: nv.forecast(fc, lang, trend=res), ()
    for label, fr in (
        ("normal", _forecast_row()),
        ("no target", _forecast_row(target=math.nan)),
        ("certain", _forecast_row(prob_observed_meets=1.0, prob_expected_meets=1.0)),
        ("impossible", _forecast_row(prob_observed_meets=0.0, prob_expected_meets=0.0)),
        ("nan fit", _forecast_row(fitted=math.nan)),
    ):
        yield f"forecast_row/{label}", lambda lang, fr=fr: nv.forecast(fr, lang), ()
    t = np.arange(2005.0, 2025.0, 0.25)
    rate = np.where(t < 2006.7, 0.80 - 0.06 * (t - 2005.0), 0.97)
    seg = trends.segmented_regression(
        pd.DataFrame({"t": t, "batches": 120, "passed": np.round(rate * 120).astype(int)}),
        time="t",
        break_at=2006.7,
    )
    yield (
        "segmented/flagged",
        lambda lang: nv.segmented(seg, 2006.7, lang, document="longwan_2006"),
        (),
    )
    few = trends.segmented_regression(
        pd.DataFrame(
            {"t": [2005.0, 2006.0, 2007.0, 2008.0], "batches": 50, "passed": [40, 41, 45, 46]}
        ),
        time="t",
        break_at=2006.5,
    )
    yield "segmented/few", lambda lang: nv.segmented(few, 2006.5, lang), ()
    from qualitykit.report.helpers import control_chart_auto

    cc = pd.DataFrame(
        {
            "year": range(2010, 2020),
            "batches": 200,
            "nonconforming": [10, 12, 9, 30, 11, 10, 12, 9, 11, 10],
        }
    )
    chart, disp = control_chart_auto(cc)
    yield "control_chart", lambda lang: nv.control_chart(chart, lang, dispersion=disp), ()
    yield "pareto/reached", lambda lang: nv.pareto(_pareto_table([50, 30, 10, 10], 2), lang), ()
    yield "pareto/ties", lambda lang: nv.pareto(_pareto_table([25, 25, 25, 25], 4), lang), ()
    yield "pareto/one", lambda lang: nv.pareto(_pareto_table([7], 1), lang), ()
    yield "pareto/zero", lambda lang: nv.pareto(_pareto_table([0, 0], 0), lang), ()
    yield "pareto/none", lambda lang: nv.pareto(None, lang), ()
    yield (
        "pareto/category",
        lambda lang: nv.pareto(_pareto_table([5, 3, 1], 2, "category"), lang),
        (),
    )
    yield (
        "pareto/batches",
        lambda lang: nv.pareto(
            _pareto_table([5, 3, 1], 2, "food_category"), lang, counted="batches"
        ),
        ("safety", "labelling", "performance"),
    )  # raw data values of an unknown column
    for label, sh in (
        ("above", _share(954, 46, 0.938, 0.966, 2)),
        ("straddles", _share(78, 22, 0.69, 0.85)),
        ("below", _share(50, 50, 0.4, 0.6)),
        ("none", _share(0, 0, math.nan, math.nan)),
    ):
        yield f"management_share/{label}", lambda lang, sh=sh: nv.management_share(sh, lang), ()
    data = pd.DataFrame(
        {
            "group": ["2005–2009"] * 4 + ["2010–2024"] * 4,
            "category": ["safety", "labelling", "performance", "hygiene"] * 2,
            "count": [300, 100, 50, 50, 100, 300, 50, 52],
        }
    )
    cmp = pareto.compare_groups(data, "group", "category", count="count")
    yield "comparison/significant", lambda lang: nv.comparison(cmp, "group", "category", lang), ()
    same = data.assign(count=[100, 100, 50, 50, 100, 100, 50, 50])
    cmp0 = pareto.compare_groups(same, "group", "category", count="count")
    yield "comparison/none", lambda lang: nv.comparison(cmp0, "group", "category", lang), ()
    units = _units(
        ["Jindong District", "Cangnan County", "Lucheng District", "Yueqing City", "Rui'an City"],
        [1573, 400, 800, 30, 600],
        [1532, 340, 752, 29, 560],
    )
    for adjust in ("none", "phi"):
        fu = benchmark.funnel_units(units, adjust=adjust)
        yield f"funnel/{adjust}", lambda lang, fu=fu: nv.funnel(fu, lang), ()
        od = fu.attrs["overdispersion"]
        yield f"overdispersion/{adjust}", lambda lang, od=od: nv.overdispersion(od, lang), ()
    single = benchmark.funnel_units(units.iloc[[0]])
    yield "funnel/single", lambda lang: nv.funnel(single, lang), ()
    yield "overdispersion/nan", lambda lang: nv.overdispersion({"phi": math.nan}, lang), ()
    ri = benchmark.rank_intervals(units, draws=200, seed=0)
    yield "ranks/five", lambda lang: nv.ranks(ri, lang), ()
    yield "ranks/one", lambda lang: nv.ranks(ri.iloc[[0]], lang), ()
    big = _units([f"Unit {i}" for i in range(12)], [500] * 12, [400 + 8 * i for i in range(12)])
    yield "ranks/twelve", lambda lang: nv.ranks(benchmark.rank_intervals(big, draws=200), lang), ()
    eb = benchmark.eb_shrinkage(big)
    yield "shrinkage/normal", lambda lang: nv.shrinkage(eb, lang), ()
    flat = benchmark.eb_shrinkage(_units(["A1", "B1", "C1"], [500, 500, 500], [470, 471, 470]))
    yield "shrinkage/degenerate", lambda lang: nv.shrinkage(flat, lang), ()
    rt = benchmark.relative_target(units, k_pp=2.0)
    yield "relative_target", lambda lang: nv.relative_target(rt, 2.0, lang), ()
    yield "relative_target/empty", lambda lang: nv.relative_target(rt.iloc[0:0], 2.0, lang), ()
    for status in [*STATUSES, "unknown_code"]:
        card = pd.DataFrame({"status": [status, "met"]})
        yield f"scorecard/{status}", lambda lang, card=card: nv.scorecard(card, lang), ()
        yield (
            f"district_summary/{status}",
            lambda lang, s=status: nv.district_summary(_summary(target_status=s), lang),
            (),
        )
    yield "scorecard/empty", lambda lang: nv.scorecard(pd.DataFrame({"status": []}), lang), ()
    for f998, f95 in (
        ("high", "high"),
        ("low", "low"),
        ("within", "high"),
        ("within", "low"),
        ("within", "within"),
    ):
        for widened in (False, True):
            pos = _position(flag_998=f998, flag_95=f95, z=5.5, z_adjusted=1.8 if widened else 5.5)
            yield (
                f"district_position/{f998}/{f95}/{widened}",
                lambda lang, p=pos: nv.district_position(p, lang),
                (),
            )
            s = _summary(
                funnel_flag=f998, funnel_flag_95=f95, z=4.4, z_adjusted=1.4 if widened else 4.4
            )
            yield (
                f"district_summary/{f998}/{f95}/{widened}",
                lambda lang, s=s: nv.district_summary(s, lang),
                (),
            )
    yield (
        "district_position/single",
        lambda lang: nv.district_position(_position(n_units=1), lang),
        (),
    )
    yield (
        "district_summary/missing",
        lambda lang: nv.district_summary(
            _summary(
                trend_direction=None,
                funnel_flag=None,
                top_item=None,
                target_status=None,
                ci_lower=None,
            ),
            lang,
        ),
        (),
    )
    yield (
        "district_summary/nonstandard",
        lambda lang: nv.district_summary(_summary(name=NONSTANDARD), lang),
        (NONSTANDARD,),
    )
    tt = targets.targets_table()
    docs = targets.documents_table()
    yield "documents", lambda lang: nv.documents(docs, tt, lang), ()
    yield "documents/empty", lambda lang: nv.documents(docs.iloc[0:0], tt.iloc[0:0], lang), ()
    rates_t = targets.targets_table(indicator="spot_check_pass_rate", qualitative=False)
    yield "targets_compared", lambda lang: nv.targets_compared(rates_t, lang), ()
    yield "targets_compared/empty", lambda lang: nv.targets_compared(rates_t.iloc[0:0], lang), ()
    for r in tt.to_dict("records"):
        yield f"requirement/{r['target_id']}", lambda lang, r=r: nv.requirement(r, lang), ()
    pub = pd.DataFrame({"year": [2017, 2024], "rpq": [0.9371, 0.9393]})
    yield (
        "published/below",
        lambda lang: nv.published(pub, "rpq", lang, name="RPQ", target=0.94, target_year=2025),
        (),
    )
    yield (
        "published/above",
        lambda lang: nv.published(pub, "rpq", lang, name="RPQ", target=0.93),
        (),
    )
    qci = pd.DataFrame({"year": [2024], "qci": [85.2]})
    yield (
        "published/index",
        lambda lang: nv.published(qci, "qci", lang, name="QCI", target=86.0, kind="index"),
        (),
    )
    yield "published/empty", lambda lang: nv.published(pub.iloc[0:0], "rpq", lang, name="RPQ"), ()
    small = pd.DataFrame(
        {
            "year": [2015, 2023],
            "period": ["Jun-Sep (4th batch)", "Dec 2015-Feb 2016"],
            "small_share": [0.6, 0.93],
        }
    )
    yield "size_mix", lambda lang: nv.size_mix(small, lang=lang), ()
    from qualitykit.data.reference import national_pass_rate_series

    series = national_pass_rate_series()
    yield "national_series", lambda lang: nv.national_series(series, lang), ()
    for what in ("政策目标", "no records of Longwan District in 2015–2024"):
        yield (
            f"no_data/{what}",
            lambda lang, w=what: nv.no_data(
                w if (lang == "zh") == bool(_CJK.search(w)) else vocabulary.term("targets", lang),
                lang,
            ),
            (),
        )
    from qualitykit.policy import scorecard

    card = scorecard.evaluate(
        targets.targets_table(document="national_2025"), scorecard.ReferenceProvider()
    )
    # the provider's own words (policy.providers.ReferenceProvider) name the official terms
    provider_terms = ("纲要", "监督抽检", "评价性抽检")
    for r in card.to_dict("records"):
        yield (
            f"reason/{r['target_id']}",
            lambda lang, r=r: reasons.reason_text(r, lang),
            (provider_terms),
        )
    quiet.__exit__(None, None, None)


_CASES = list(_cases())


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize(("name", "render", "allowed"), _CASES, ids=[c[0] for c in _CASES])
def test_every_template_renders_cleanly(name, render, allowed, lang):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        text = render(lang)
    assert isinstance(text, str)
    problems = _problems(text, lang, allowed)
    assert not problems, f"{name} [{lang}]: {problems}\n{text}"


def test_edge_cases_cover_every_public_sentence_function():
    sentence_functions = {
        "pass_rate", "yearly_rates", "standardised", "trend", "forecast", "segmented",
        "control_chart", "pareto", "management_share", "comparison", "funnel", "overdispersion",
        "ranks", "shrinkage", "relative_target", "scorecard", "district_summary",
        "district_position", "documents", "targets_compared", "requirement", "published",
        "size_mix", "national_series", "no_data",
    }  # fmt: skip
    covered = {c[0].split("/")[0].removesuffix("_row") for c in _CASES}
    assert sentence_functions <= covered, sentence_functions - covered


# ------------------------------------------------------------------------------------------
# the vocabulary itself
# ------------------------------------------------------------------------------------------


def _all_pairs() -> Iterator[tuple[str, str, str]]:
    for section in (vocabulary.TERMS, vocabulary.LABELS):
        for key, e in section.items():
            yield key, e["zh"], e["en"]
    for kind, entries in vocabulary.VALUES.items():
        for key, e in entries.items():
            yield f"{kind}.{key}", e["zh"], e["en"]
    for key, e in reasons.STATUS_LABELS.items():
        yield f"status.{key}", e["zh"], e["en"]


def test_one_english_for_each_chinese_term():
    seen: dict[str, set[str]] = {}
    for _key, zh, en in _all_pairs():
        seen.setdefault(zh, set()).add(en.lower().removesuffix("s"))  # a plural is the same term
    # a few short Chinese words are legitimately different things in different places
    ambiguous = {"下限", "上限", "期限", "指标", "地区", "要求", "材料成分", "料"}
    clash = {zh: ens for zh, ens in seen.items() if len(ens) > 1 and zh not in ambiguous}
    assert not clash, clash


def test_every_entry_is_bilingual_and_clean():
    for key, zh, en in _all_pairs():
        assert zh.strip() and en.strip(), key
        assert not _CJK.search(en), (key, en)
        assert (
            _CJK.search(zh)
            or zh in ZH_WHITELIST
            or re.search(r"[\d=+≥≤%()φτ²χ]", zh)
            or (zh.isascii() and len(zh) <= 3)
        ), (key, zh)


def test_status_labels_have_one_home_and_notes():
    assert set(vocabulary.index_values("status")["values_zh"]) == set(STATUSES)
    assert set(vocabulary.VALUES["status_note"]) == set(STATUSES)
    for code in STATUSES:
        assert nv.status_label(code, "zh") == reasons.status_label(code, "zh")
        assert vocabulary.value("status", code, "en") == reasons.STATUS_LABELS[code]["en"]


def test_labels_of_figures_are_the_vocabulary():
    for key, entry in vocabulary.LABELS.items():
        assert style.LABELS[key] == dict(entry)
    assert style._VALUE_ZH["controllable"]["management"] == "管理者可控"


def test_values_of_the_data_layer_keep_their_chinese():
    from qualitykit import schema

    for code, zh in schema.CHECK_LEVEL_ZH.items():
        assert vocabulary.value("check_level", code, "zh") == zh
    for code, zh in schema.CAUSE_5M1E_ZH.items():
        assert vocabulary.value("cause_5m1e", code, "zh") == zh


def test_period_labels():
    assert vocabulary.period_label("Jun-Sep (4th batch)", "zh") == "6–9 月（第四批）"
    assert vocabulary.period_label("2016-Q4", "zh") == "2016 年第四季度"
    assert vocabulary.period_label("2019-H2", "en") == "2019 H2"
    assert vocabulary.period_label("something else", "zh") == "something else"
    for f in ("spot_check_national.csv", "spot_check_by_enterprise_size.csv"):
        table = pd.read_csv(ROOT / "data" / "reference" / f, dtype="string")
        for p in table["period"].dropna().unique():
            if p.startswith(("one release",)):
                continue
            assert _CJK.search(vocabulary.period_label(p, "zh")), p


def test_region_names_in_english_have_no_chinese():
    table = regions.regions()
    assert not table["name_en"].str.contains(_CJK).any()
    assert vocabulary.region_name("330303", "en") == "Longwan District"
    assert vocabulary.region_name("999999", "en", fallback=NONSTANDARD) == NONSTANDARD


def test_check_lang():
    with pytest.raises(ParameterError, match="lang must be 'zh'"):
        vocabulary.term("trend", "fr")  # type: ignore[arg-type]


def test_glossary_document_lists_every_official_term():
    text = (ROOT / "docs" / "glossary.md").read_text(encoding="utf-8")
    for zh, entry in vocabulary.GLOSSARY.items():
        assert zh in text and entry["en"] in text, zh
    for must in (
        "批次合格率",
        "不合格发现率",
        "项次",
        "国家监督抽查",
        "县级监督抽查",
        "产品质量合格率",
        "管理者可控",
    ):
        assert must in vocabulary.GLOSSARY


def test_vocabulary_file_is_valid_yaml_with_its_sections():
    raw = yaml.safe_load(vocabulary.VOCABULARY_FILE.read_text(encoding="utf-8"))
    assert {"terms", "labels", "values", "glossary"} <= set(raw)
