"""What each district brief reads beyond its parameters: the batch runner's inputs hook for
incremental runs (``qualitykit run … --update``, issue 14).

``05_district_report`` names :func:`report_inputs` in its metadata (``qualitykit.inputs_from``).
After the prepare hook has written the shared context (:func:`qualitykit.report.district.prepare`),
the runner asks it, for every brief, which partition of the data the brief reads and a
fingerprint of the rows of the shared context it reads; it records both with the brief and, in
``--update`` mode, rebuilds exactly the briefs whose data slice, context rows, notebook,
parameters, package versions or qualitykit code changed (:mod:`qualitykit.run.manifest`).

The prepare hook itself keeps each province's part of the context between runs of one run
folder (:class:`qualitykit.report.district_parts.PartCache`), so that an update after one
province's data changed rebuilds that province's part only.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from qualitykit.data import regions
from qualitykit.errors import ParameterError
from qualitykit.report import district


def report_inputs(
    *, parameter_sets: Sequence[Mapping[str, Any]], shared: Mapping[str, Any], **_: Any
) -> list[dict[str, Any]]:
    """The batch runner's inputs hook (``qualitykit.inputs_from``, used by ``qualitykit run
    --update``): what each brief reads beyond its parameters — ``partition``, the province
    partition of a partitioned data folder its records are read from (``province=330000``; None
    for other data, which are fingerprinted whole), and ``context``, a fingerprint of the rows
    of the shared context it reads: its province's units and funnel lines (its funnel depends on
    its siblings), its province's and the nation's pooled rates, its own scorecard rows, and the
    parameters of the context. A brief whose data slice and context rows did not change shows
    the same numbers."""
    from qualitykit.report import sources

    path = str(shared.get("context_path") or "")
    contexts: dict[str, _ContextPrints | None] = {}
    opened: dict[str, Any] = {}
    out: list[dict[str, Any]] = []
    for pset in parameter_sets:
        code = pset.get("region_code")
        if not isinstance(code, str) or not path:
            out.append({})
            continue
        params = {k: pset.get(k, v) for k, v in district.DEFAULTS.items()}
        key = district.context_key(**params)
        if key not in opened:  # the data opened once per context
            opened[key] = sources.open_data(params["data_source"], **district._data_params(params))
        src = opened[key]
        province = sources.unit_province(src, code)
        if key not in contexts:
            try:
                contexts[key] = _ContextPrints(district.read_context(path, key))
            except ParameterError:
                contexts[key] = None
        prints = contexts[key]
        out.append(
            {
                "partition": f"province={province}" if src.dataset is not None else None,
                "context": None if prints is None else prints.of(province, code),
            }
        )
    return out


class _ContextPrints:
    """Fingerprints of the rows of one context a brief reads, computed once per province."""

    def __init__(self, context: district.Context) -> None:
        self.context = context
        params = {k: v for k, v in next(iter(context.meta.values())).items() if k != "provinces"}
        self.meta = json.dumps(params, sort_keys=True, default=str)
        self.by_province: dict[str, str] = {}
        card = context.scorecard
        self.cards: dict[str, str] = {}
        if card is not None and "for_region_code" in card and len(card):
            for code, rows in card.groupby("for_region_code", sort=False):
                self.cards[str(code)] = _frame_print(rows)

    def of(self, province: str, code: str) -> str:
        if province not in self.by_province:
            ctx = self.context
            parts = [self.meta]
            for frame in (ctx.units, ctx.grid):
                rows = frame[frame["province_code"] == province] if len(frame) else frame
                parts.append(_frame_print(rows))
            areas = ctx.areas
            if len(areas) and "province_code" in areas:
                areas = areas[areas["province_code"].isin([province, regions.NATIONAL_CODE])]
            parts.append(_frame_print(areas))
            self.by_province[province] = hashlib.sha256("|".join(parts).encode()).hexdigest()
        own = self.cards.get(code, "")
        return hashlib.sha256(f"{self.by_province[province]}|{own}".encode()).hexdigest()[:16]


def _frame_print(frame: pd.DataFrame) -> str:
    """A content hash of a table: its columns, their types and every value, in order."""
    h = hashlib.sha256(repr([(str(c), str(t)) for c, t in frame.dtypes.items()]).encode())
    if len(frame):
        h.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return h.hexdigest()
