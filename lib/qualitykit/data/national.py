"""The published national tables of ``00_national_context``, as proportions: the annual national
supervisory spot checks, the manufacturing product-quality pass rate (RPQ), the quality
competitiveness index (QCI), and the spot checks by enterprise size — each row with its
``source_url``. Read from :mod:`qualitykit.data.reference`; nothing is derived but the scale
(percent → proportion) and the selection of national annual rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from qualitykit.data.reference import load_reference, national_pass_rate_series

__all__ = [
    "national_qci",
    "national_rpq",
    "national_spot_checks",
    "size_class_rates",
    "small_firm_share",
]


def national_spot_checks() -> pd.DataFrame:
    """Annual national supervisory spot checks as published
    (:func:`qualitykit.data.reference.national_pass_rate_series`), as proportions: ``year``,
    ``batches``, ``pass_rate`` (batch pass rate, published to 2017), ``nc_rate`` (NC rate,
    published from 2018), ``measure`` (which of the two was published), ``source_url``."""
    s = national_pass_rate_series()
    out = pd.DataFrame(
        {
            "year": s["year"].astype("int64"),
            "batches": s["batches"],
            "pass_rate": s["pass_rate_pct"] / 100.0,
            "nc_rate": s["nc_rate_pct"] / 100.0,
        }
    )
    out["measure"] = pd.array(
        np.where(s["pass_rate_pct"].notna(), "pass_rate", "nc_rate"), dtype="string"
    )
    out["source_url"] = s["source_url"]
    return out


def national_rpq() -> pd.DataFrame:
    """The national manufacturing product-quality pass rate (RPQ, 制造业产品质量合格率) as
    published, annual values only: ``year``, ``rpq`` (proportion), ``publisher``,
    ``source_url``."""
    r = load_reference("rpq_national")
    r = r[(r["period"] == "annual") & r["rpq_pct"].notna()]
    return pd.DataFrame(
        {
            "year": r["year"].astype("int64"),
            "rpq": r["rpq_pct"] / 100.0,
            "publisher": r["publisher"],
            "source_url": r["source_url"],
        }
    ).reset_index(drop=True)


def size_class_rates() -> pd.DataFrame:
    """Published pass / NC rates of national spot checks by enterprise size, national annual
    rows only (``spot_check_by_enterprise_size.csv``): ``year``, ``period``, ``size_class``,
    ``pass_rate``, ``nc_rate`` (proportions, NaN where not published), ``source_url``."""
    z = load_reference("spot_check_by_enterprise_size")
    z = z[(z["region"] == "全国") & (z["period"] == "annual")]
    return pd.DataFrame(
        {
            "year": z["year"].astype("int64"),
            "period": z["period"],
            "size_class": z["size_class"],
            "pass_rate": z["pass_rate_pct"] / 100.0,
            "nc_rate": z["nc_rate_pct"] / 100.0,
            "source_url": z["source_url"],
        }
    ).reset_index(drop=True)


def national_qci() -> pd.DataFrame:
    """The national manufacturing quality competitiveness index (QCI) as published, dated
    national values: ``year``, ``qci`` (index points), ``source_url``."""
    q = load_reference("qci_manufacturing_quality_competitiveness")
    q = q[(q["entity_type"] == "national") & q["year"].notna() & (q["comparator"] == "=")]
    return (
        pd.DataFrame(
            {
                "year": q["year"].astype("int64"),
                "qci": q["qci_value"],
                "source_url": q["source_url"],
            }
        )
        .sort_values("year", kind="stable")
        .reset_index(drop=True)
    )


def small_firm_share() -> pd.DataFrame:
    """Share of small firms among the enterprises of national spot checks, as published
    (``spot_check_by_enterprise_size.csv``, rows for 全国 with a share): ``year``, ``period``,
    ``small_share`` (proportion), ``source_url``."""
    z = load_reference("spot_check_by_enterprise_size")
    z = z[
        (z["region"] == "全国")
        & (z["size_class"] == "small")
        & z["share_of_enterprises_pct"].notna()
    ]
    return pd.DataFrame(
        {
            "year": z["year"].astype("int64"),
            "period": z["period"],
            "small_share": z["share_of_enterprises_pct"] / 100.0,
            "source_url": z["source_url"],
        }
    ).reset_index(drop=True)
