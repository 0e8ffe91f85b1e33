"""What each district brief reads beyond its parameters: the batch runner's inputs hook for
incremental runs (``qualitykit run … --update``, issue 14).

``05_district_report`` names :func:`report_inputs` in its metadata (``qualitykit.inputs_from``).
After the prepare hook has written the shared context (:func:`qualitykit.report.district.prepare`),
the runner asks it, for every brief, which partition of the data the brief reads and a
fingerprint of the rows of the shared context it reads; it records both with the brief and, in
``--update`` mode, rebuilds exactly the briefs whose data slice, context rows, notebook,
parameters, package versions or qualitykit code changed (:mod:`qualitykit.run.manifest`).

The prepare hook itself keeps each province's part of the context between runs of one run
folder (:class:`PartCache`), so that an update after one province's data changed rebuilds that
province's part only.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from qualitykit.atomic import write_bytes
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


PARTS_DIR = "district_parts"


class PartCache:
    """Each province's part of a context (``_province_part`` of :mod:`qualitykit.report.district`),
    kept between the runs of one run folder in ``<run>/shared/district_parts/<context
    key>-<province>.pickle`` and reused while its stamp is unchanged: the context's parameters,
    the province, its units' counts (its funnel, ranks and pooled rows follow from them), the
    package versions and qualitykit's code, and the fingerprint of the data its scorecards read
    — the province's slice (hive partition ``province=<code>`` of the records plus the files
    outside partitions), or the slices of every province when they read beyond it (Longwan's
    targets compare with the nation). The files are written and read by the runner only, in its
    own run folder (pickle: a frame comes back exactly as it was, types included, so that the
    context is the same bytes as a full rebuild)."""

    def __init__(self, folder: Path, fingerprint: Any, versions: Mapping[str, Any]) -> None:
        self.folder = folder
        self.fingerprint = fingerprint
        self.versions = json.dumps(dict(versions), sort_keys=True, default=str)
        self.used: set[str] = set()
        self.prints: dict[tuple[str, str], str] = {}  # (data, province) → its slice's print
        self.reused: list[str] = []
        self.rebuilt: list[str] = []

    def _stamp(
        self, key: str, prov: str, units: pd.DataFrame, dataset: Path, slices: Sequence[str]
    ) -> str:
        h = hashlib.sha256(json.dumps([key, prov, self.versions, list(slices)]).encode())
        h.update(repr([(str(c), str(t)) for c, t in units.dtypes.items()]).encode())
        h.update(pd.util.hash_pandas_object(units, index=False).to_numpy().tobytes())
        for s in slices:
            if (str(dataset), s) not in self.prints:
                self.prints[str(dataset), s] = str(self.fingerprint([dataset], f"province={s}"))
            h.update(self.prints[str(dataset), s].encode())
        return h.hexdigest()

    def part(
        self,
        key: str,
        prov: str,
        units: pd.DataFrame,
        dataset: Path,
        build: Callable[[], tuple[Any, ...]],
        provinces: Sequence[str],
    ) -> tuple[Any, ...]:
        """The part of ``prov`` (``build()`` gives it: tables …, and last the regions its
        scorecards read, None if unknown), reused or built and kept; ``provinces``: those of the
        data."""
        import pickle

        path = self.folder / f"{key}-{prov}.pickle"
        self.used.add(path.name)
        with contextlib.suppress(Exception):  # absent, cut short or from other versions: rebuilt
            saved = pickle.loads(path.read_bytes())
            if saved["stamp"] == self._stamp(key, prov, units, dataset, saved["slices"]):
                self.reused.append(prov)
                return tuple(saved["part"])
        part = build()
        self.rebuilt.append(prov)
        read = part[-1]
        if read is None:
            path.unlink(missing_ok=True)
            return part
        own = all(r != regions.NATIONAL_CODE and r[:2] == prov[:2] for r in read)
        slices = [prov] if own else sorted(set(provinces) | {prov})
        stamp = self._stamp(key, prov, units, dataset, slices)
        saved = {"stamp": stamp, "slices": slices, "part": part}
        write_bytes(path, pickle.dumps(saved, protocol=pickle.HIGHEST_PROTOCOL))
        return part

    def forget_unused(self) -> None:
        """Remove the kept parts this run did not use (provinces or parameters no longer run)."""
        if self.folder.is_dir():
            for f in self.folder.glob("*.pickle"):
                if f.name not in self.used:
                    f.unlink(missing_ok=True)


class ReadsRecorded:
    """A scorecard data provider that records the regions it was asked about (a province's
    cached scorecards are valid for its own data slice only if it read nothing else)."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.label, self.indicators = inner, inner.label, inner.indicators
        self.regions: set[str] = set()

    def observe(self, requests: pd.DataFrame) -> Any:
        self.regions.update(str(c) for c in requests["region_code"].dropna())
        return self.inner.observe(requests)
