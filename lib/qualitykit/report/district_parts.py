"""The shared context of the district briefs one province at a time, kept between runs.

:func:`qualitykit.report.district.build_context` builds each province's part with
:func:`province_part` — the comparison of its units (funnel, ranks, shrinkage), its funnel lines,
its pooled rows and its district scorecards (:func:`province_card`) — and, called by the batch
runner's prepare hook, through a :class:`PartCache`, which keeps each part in the run folder and
reuses it while its inputs are unchanged: an ``--update`` after one province's data changed
rebuilds that province's part (and those whose targets read the nation's data) only.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from qualitykit.atomic import write_bytes
from qualitykit.data import regions
from qualitykit.errors import QualityKitWarning
from qualitykit.report import district
from qualitykit.report.comparison import compare_units


def province_part(
    prov: str,
    units: pd.DataFrame,
    src: Any,
    complete: bool,
    k_pp: float,
    years: tuple[int, int],
    registry: list[Any] | None,
) -> tuple[Any, ...]:
    """One province's part of :func:`qualitykit.report.district.build_context`: its units'
    comparison table and funnel lines (None without units), its pooled rows of ``areas``, its
    district scorecards (None without ``registry`` — a list holding the targets once read — or
    without a target) and the regions whose records the scorecards read (None: unknown)."""
    from qualitykit.report import sources

    card, read = (None, set()) if registry is None else province_card(prov, src, years[1], registry)
    parent = prov if complete else (sources.common_parent(src, list(units["region_code"])) or prov)
    total = units[["batches", "passed"]].sum()
    if units.empty:
        rows = [district._area_row(prov, prov, 0, 0, (regions.name(prov), regions.name(prov, "en")),
                          "data_total", "synthetic sample")] if complete else []  # fmt: skip
        return None, None, rows, card, read
    published = None if complete else district._published(src, parent, years)
    cmp = compare_units(
        units,
        k_pp=k_pp,
        **(
            {"parent_batches": published.batches, "parent_passed": published.passed}
            if published is not None and published.batches and published.passed is not None
            else {}
        ),
    )
    if complete:
        label = (regions.name(parent), regions.name(parent, "en"))
        rows = [district._area_row(prov, parent, total["batches"], total["passed"], label,
                          "data_total", "synthetic sample", cmp.overdispersion)]  # fmt: skip
    else:
        own = sources.own_total(src, parent, years)
        rows = [district._area_row(prov, parent, total["batches"], total["passed"],
                          (own.label_zh, own.label_en), "data_total", "these data",
                          cmp.overdispersion)]  # fmt: skip
        if published is not None and published.batches and published.passed is not None:
            rows.append(district._area_row(prov, parent, published.batches, published.passed,
                                  (published.label_zh, published.label_en), "published",
                                  published.source))  # fmt: skip
    tab = cmp.table
    codes = [str(c) for c in tab["region_code"]]
    tab.insert(1, "name_zh", pd.array([sources.unit_name(src, c) for c in codes], "string"))
    tab.insert(2, "name_en", pd.array([sources.unit_name(src, c, "en") for c in codes], "string"))
    tab.insert(3, "city_code", pd.array([sources.unit_city(src, c) for c in codes], "string"))
    tab.insert(4, "province_code", prov)
    if not complete:
        tab["parent_code"] = parent
    return tab, cmp.grid.assign(province_code=prov), rows, card, read


def province_card(
    prov: str, src: Any, as_of: int, registry: list[Any]
) -> tuple[pd.DataFrame | None, set[str] | None]:
    """The district scorecards of one province (:func:`qualitykit.policy.scorecard.
    scorecard_for_districts`, as of ``as_of``; None when no target applies) and the regions
    whose data they read (None: unknown); ``registry`` holds the targets once read (an empty
    list: read them now)."""
    from qualitykit.policy import scorecard
    from qualitykit.policy import targets as tg
    from qualitykit.report.helpers import scorecard_provider
    from qualitykit.report.sources import is_complete

    if not registry:
        registry.append(tg.load_registry())
    if is_complete(src):  # the sample: its records, as the scorecard reads them
        provider = ReadsRecorded(
            scorecard.SampleProvider(None if src.location is None else src.dataset)
        )
    else:
        provider = scorecard_provider(src)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", QualityKitWarning)
        card = scorecard.scorecard_for_districts(prov, provider, registry=registry[0], as_of=as_of)
    read = getattr(provider, "regions", None)
    return (card if card is not None and len(card) else None), read


PARTS_DIR = "district_parts"


class PartCache:
    """Each province's part of a context (:func:`province_part`), kept between the runs of one
    run folder in ``<run>/shared/district_parts/<context key>-<province>.pickle`` and reused while
    its stamp is unchanged: the context's parameters, the province, its units' counts (its
    funnel, ranks and pooled rows follow from them), the package versions and qualitykit's code,
    and the fingerprint of the data its scorecards read — the province's slice (hive partition
    ``province=<code>`` of the records plus the files outside partitions), or the slices of every
    province when they read beyond it (Longwan's targets compare with the nation). The files are
    written and read by the runner only, in its own run folder (pickle: a frame comes back
    exactly as it was, types included, so that the context is the same bytes as a full
    rebuild)."""

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
