"""The cause map (test item → category, 5M1E cause, controllability) and item-name matching.

Item names in published notices vary in writing: full- and half-width characters, Roman numerals
(Ⅵ / VI), a chemical symbol for a name (Cr(Ⅵ) for 六价铬), a qualifier in brackets
(游离甲醛(内底): free formaldehyde *of the insole*). :func:`normalise_item` reduces a name to the
key the map is searched with, keeping the qualifier; :func:`map_items` joins the map through
those keys (exact name first, then the normalised name, then the name without its bracketed
qualifier, then symbol → name), and :func:`unmapped_items` lists what stayed unmapped with its
share, so nobody mistakes "（未归类）" for a finding.

The map is ``data/causes/cause_map.csv`` (reasoning in its README); a user map (CSV path or
DataFrame with ``item, category, cause_5m1e, controllable``) replaces it, and ``extend=`` adds
rows to it or overrides rows of the same item.
"""

from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd

from qualitykit.errors import InputError, ParameterError, Problem
from qualitykit.paths import data_dir

__all__ = [
    "CHEMICAL_NAMES",
    "load_cause_map",
    "map_items",
    "normalise_item",
    "unmapped_items",
]

PathLike = str | os.PathLike[str]

CHEMICAL_NAMES: dict[str, str] = {
    "cr(vi)": "六价铬",
    "cr6+": "六价铬",
    "cr(6+)": "六价铬",
    "crvi": "六价铬",
    "pb": "铅",
    "cd": "镉",
    "hg": "汞",
    "as": "砷",
    "ni": "镍",
    "hcho": "甲醛",
}
"""Chemical symbols written for a test item, with the Chinese name the cause map uses."""

_BRACKET = re.compile(r"^(.*?)[(\[【]([^()\[\]【】]*)[)\]】]\s*$")


def normalise_item(name: object) -> tuple[str, str | None]:
    """``(key, qualifier)`` of a test item name: NFKC (full → half width, Ⅵ → VI), spaces
    removed, a chemical symbol replaced by its name (Cr(Ⅵ) → 六价铬; ``Cr(Ⅵ) 六价铬`` → 六价铬),
    a trailing bracketed qualifier split off (游离甲醛(内底) → ``("游离甲醛", "内底")``)."""
    text = unicodedata.normalize("NFKC", str(name)).strip()
    compact = re.sub(r"\s+", "", text)
    low = compact.lower()
    for sym, zh in sorted(CHEMICAL_NAMES.items(), key=lambda kv: -len(kv[0])):
        if low == sym or low.startswith(sym) and low[len(sym) :] in ("", zh):
            return zh, None
    m = _BRACKET.match(compact)
    if m and m.group(1):
        return m.group(1), m.group(2) or None
    return compact, None


def load_cause_map(
    path: PathLike | pd.DataFrame | None = None, extend: PathLike | pd.DataFrame | None = None
) -> pd.DataFrame:
    """The item → cause map: ``item, category, cause_5m1e, controllable`` (+ ``rule``,
    ``reasoning`` and any other columns of the file).

    Default ``data/causes/cause_map.csv``; ``path`` replaces it by the user's own map,
    ``extend`` adds rows (an item already in the map is overridden by the user's row). Each map is
    checked with :func:`qualitykit.stats.pareto.validate_cause_map` (unique items, 5M1E and
    controllability from ``schema``), every problem reported in one ``InputError``."""
    base = _read_map(path)
    if extend is None:
        return base
    extra = _read_map(extend)
    kept = base[~base["item"].isin(extra["item"])]
    return pd.concat([kept, extra], ignore_index=True)


_MAPS: dict[tuple[str, int, int], pd.DataFrame] = {}
"""Cause maps read from files in this process, by (path, modification time, size): a batch's
briefs read the same map once, and a file written again is read again."""


def _read_map(path: PathLike | pd.DataFrame | None) -> pd.DataFrame:
    if isinstance(path, pd.DataFrame):
        return _checked_map(path.copy(), "cause map")
    file = Path(path) if path is not None else data_dir() / "causes" / "cause_map.csv"
    if not file.is_file():
        raise ParameterError(f"cause map {str(file)!r} does not exist")
    st = file.stat()
    key = (str(file.resolve()), st.st_mtime_ns, st.st_size)
    if key not in _MAPS:
        raw = pd.read_csv(file, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        if len(_MAPS) >= 8:
            _MAPS.clear()
        _MAPS[key] = _checked_map(raw, file.name)
    return _MAPS[key].copy()


def _checked_map(raw: pd.DataFrame, name: str) -> pd.DataFrame:
    from qualitykit.stats.pareto import validate_cause_map  # lazily: scipy.stats is slow to import

    try:
        clean = validate_cause_map(raw)
    except InputError as e:
        raise InputError(
            [Problem(name, p.message, p.row, p.column, p.value) for p in e.problems]
        ) from None
    out = clean.copy()
    for c in [c for c in raw.columns if c not in clean.columns]:
        out[c] = raw[c].astype("string").reset_index(drop=True)
    return out


def map_items(
    frame: pd.DataFrame,
    cause_map: pd.DataFrame | None = None,
    *,
    item: str = "item",
) -> pd.DataFrame:
    """``frame`` with the map's columns joined through normalised names:

    ============  ==================================================================
    item_key      the name the map was searched with (normalised, qualifier removed)
    qualifier     the bracketed qualifier of the name (内底 of 游离甲醛(内底)), or NA
    category,     from the map (NA where unmapped)
    cause_5m1e,
    controllable
    mapped        bool: the item was found in the map
    ============  ==================================================================
    """
    cm = load_cause_map() if cause_map is None else cause_map
    lookup = cm.set_index("item")
    by_key: dict[str, str] = {}
    for it in lookup.index:
        by_key.setdefault(normalise_item(it)[0].casefold(), it)
        by_key.setdefault(re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(it))).casefold(), it)
    names = frame[item].astype("string")
    uniq = names.dropna().unique().tolist()
    found: dict[str, tuple[str | None, str, str | None]] = {}
    for n in uniq:
        key, qual = normalise_item(n)
        full = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(n)))
        hit = n if n in lookup.index else by_key.get(full.casefold()) or by_key.get(key.casefold())
        found[n] = (hit, key, qual)
    hit = names.map(lambda n: found.get(n, (None,))[0] if isinstance(n, str) else None)
    out = frame.drop(columns=[c for c in ("category", "cause_5m1e", "controllable") if c in frame])
    out = out.assign(
        item_key=names.map(lambda n: found[n][1] if isinstance(n, str) else pd.NA).astype("string"),
        qualifier=names.map(lambda n: found[n][2] if isinstance(n, str) else pd.NA).astype(
            "string"
        ),
        category=hit.map(lookup["category"]).astype("string"),
        cause_5m1e=hit.map(lookup["cause_5m1e"]).astype("string"),
        controllable=hit.map(lookup["controllable"]).astype("string"),
        mapped=hit.notna().to_numpy(bool),
    )
    return out


def unmapped_items(
    frame: pd.DataFrame,
    cause_map: pd.DataFrame | None = None,
    *,
    item: str = "item",
    count: str | None = None,
) -> pd.DataFrame:
    """Items the map does not cover: ``item``, ``count`` (nonconformities; the ``count`` column
    summed when given, e.g. ``nc_count`` of item counts) and ``share`` (of all nonconformities
    in ``frame``, a proportion), most frequent first."""
    mapped = map_items(frame, cause_map, item=item)
    w = (
        np.ones(len(frame), dtype=np.int64)
        if count is None
        else frame[count].fillna(0).to_numpy(np.int64)
    )
    total = int(w.sum())
    miss = ~mapped["mapped"].to_numpy(bool)
    df = pd.DataFrame({"item": mapped.loc[miss, item].astype("string"), "count": w[miss]})
    out = df.groupby("item", sort=True)["count"].sum().reset_index()
    out["count"] = out["count"].astype("int64")
    out["share"] = out["count"] / total if total else np.nan
    return out.sort_values(["count", "item"], ascending=[False, True], kind="stable").reset_index(
        drop=True
    )
