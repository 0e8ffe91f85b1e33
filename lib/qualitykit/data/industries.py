"""GB/T 4754-2017 manufacturing divisions (门类 C, 大类 13–43).

``data/industries/industries.csv``: ``industry_code`` (2-character str), ``name_zh``, ``name_en``,
``in_rpq``. The official manufacturing product-quality pass rate (RPQ, 制造业产品质量合格率) covers the
29 divisions 13–41; 42 (废弃资源综合利用业) and 43 (金属制品、机械和设备修理业) are outside it
(SAMR explainer "产品质量合格率解析", see data/reference/README.md).
"""

from __future__ import annotations

from functools import cache
from typing import Literal

import pandas as pd

from qualitykit.paths import data_dir


@cache
def industries(include_non_rpq: bool = False) -> pd.DataFrame:
    """The manufacturing divisions; by default the 29 of the RPQ (13–41)."""
    df = pd.read_csv(
        data_dir() / "industries" / "industries.csv",
        dtype={
            "industry_code": "string",
            "name_zh": "string",
            "name_en": "string",
            "in_rpq": "bool",
        },
    )
    if not include_non_rpq:
        df = df[df["in_rpq"]].reset_index(drop=True)
    return df


def industry_name(code: str, lang: Literal["zh", "en"] = "zh") -> str:
    df = industries(include_non_rpq=True).set_index("industry_code")
    if code not in df.index:
        raise KeyError(f"unknown GB/T 4754-2017 manufacturing division {code!r} (expected 13–43)")
    return str(df.loc[code, "name_zh" if lang == "zh" else "name_en"])


def is_valid_code(code: object) -> bool:
    return isinstance(code, str) and code in set(industries(include_non_rpq=True)["industry_code"])
