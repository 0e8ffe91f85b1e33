"""The worked examples of ``data/examples`` as the tests know them: where they are and the figures
of the published 巴中 table, typed once from the source (``data/examples/README.md``) — never taken
from the code under test. Imported by the tests like ``run_helpers``."""

from __future__ import annotations

from qualitykit.paths import data_dir

EXAMPLES = data_dir() / "examples"
"""``data/examples`` as the library finds it (the package data)."""

BAZHONG_UNITS = EXAMPLES / "bazhong_units.csv"
"""The units file declaring 巴中's 经开区 (``X511900-01``)."""

# 巴中市 表3 各行政区域抽查情况, 中国质量新闻网, reprinted 2024-11-01,
# https://m.ryxmt.com.cn/channel/xfts/20241101/475655_2.html — in the table's order
BAZHONG = {
    "511902": ("巴州区", 127, 117),
    "511903": ("恩阳区", 85, 76),
    "X511900-01": ("经开区", 18, 16),
    "511922": ("南江县", 132, 117),
    "511923": ("平昌县", 99, 86),
    "511921": ("通江县", 94, 85),
}
"""code → (name, batches, passed) of each unit (the development zone included)."""

# 合计 as published: 127 + 85 + 18 + 132 + 99 + 94 = 555 batches,
# 117 + 76 + 16 + 117 + 86 + 85 = 497 passed, 合格率 89.55 %
BAZHONG_TOTAL = (555, 497)
"""The table's 合计 row: (batches, passed)."""
