"""The key of a funnel's shared layer (``figures.funnel._layer_key``, a cheaper digest since
issue 14) is equal exactly for tables that draw the same layer, and differs for any change of
what the layer draws — a value by 1e-12, a name becoming missing, a flag, the row order, the
limits — while a column the layer does not read (a verdict) keeps it."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd

from qualitykit.report.figures import funnel

HERE = Path(__file__).parent / "fixtures" / "figures" / "district"
_spec = importlib.util.spec_from_file_location("make_reference", HERE / "make_reference.py")
ref = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
_spec.loader.exec_module(ref)  # type: ignore[union-attr]


def _key(units, grid, title="浙江省"):
    return funnel._layer_key(units, grid, "name_zh", False, "zh", title)


def test_layer_key_is_the_content_of_what_the_layer_draws():
    units, grid, _ = ref.read_inputs("330303")
    key = _key(units, grid)
    assert _key(units.copy(), grid.copy()) == key
    assert _key(units.assign(verdict="x"), grid) == key  # not drawn by the layer

    variants = [
        (lambda: (units.assign(pass_rate=units["pass_rate"] + 1e-12), grid)),
        (lambda: (units.assign(name_zh=units["name_zh"].where(units.index != 3, pd.NA)), grid)),
        (lambda: (units.assign(name_zh=units["name_zh"].where(units.index != 3, "<NA>")), grid)),
        (lambda: (units.assign(flag_998="high"), grid)),
        (lambda: (units.iloc[::-1].reset_index(drop=True), grid)),
        (lambda: (units.iloc[::-1], grid)),
        (lambda: (units, grid.assign(upper_998=grid["upper_998"] + 1e-9))),
        (lambda: (units.astype({"batches": "float64"}), grid)),
    ]
    keys = [_key(*make()) for make in variants]
    assert all(k != key for k in keys)
    assert len(set(keys)) == len(keys)
    assert _key(units, grid, title="广东省") != key
