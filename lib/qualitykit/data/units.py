"""Units of a table: names and codes resolved, abolished codes mapped, non-standard units, totals.

* **Names** (:class:`Resolver`): a unit given by name — ``巴州区``, ``巴中市巴州区``,
  ``四川省巴中市巴州区`` or the suffix-less ``巴州`` — is resolved to its GB/T 2260 code; a name that
  fits several divisions (two 新华区) is resolved within the parent the other rows share, else it is
  an error listing the candidates with their parents. Given both code and name, they are
  cross-checked (a mismatch is an error naming the row and both).
* **Abolished codes** (:func:`code_changes`, ``data/regions/code_changes.csv``): codes abolished
  since 2000 map to their successors with the year of the change (330185 临安市 → 330112 临安区
  2017; 330204 江东区 → 330212 鄞州区 2016), so that a series stays continuous. Each row cites its
  source. Splits (one code into several) have no single successor and are not mapped.
* **Non-standard units** (开发区, 高新区, 新区, 工业园, 经开区 …) have no GB/T 2260 code. The user
  declares them with their parent (:func:`declare_units`: a CSV / DataFrame / list with ``name``
  and ``parent`` — a code or a name — and optional ``code``); each gets a **synthetic code**
  ``X<parent code>-<NN>`` (e.g. ``X511900-01``), which can never collide with a GB/T 2260 code
  (those are six digits). They stay units of their own, listed in the source's unit table; an
  undeclared one is an error saying how to declare it.
* **Totals** (:func:`total_label`): rows labelled 合计, 总计, 小计, 全市, 全省, 全国 (…) are
  totals, not units.
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pandas as pd

from qualitykit.data import regions
from qualitykit.errors import ParameterError

__all__ = [
    "NON_STANDARD_WORDS",
    "TOTAL_WORDS",
    "Resolver",
    "code_changes",
    "declare_units",
    "map_codes",
    "normalise_name",
    "total_label",
]

TOTAL_WORDS: tuple[str, ...] = (
    "合计", "总计", "小计", "共计", "总体", "全市", "全省", "全国", "全区", "全县", "全州",
    "total", "subtotal", "grand total", "all",
)  # fmt: skip
"""Labels of total and subtotal rows (any case; 巴中市合计 and 合计(全市) count too)."""

NON_STANDARD_WORDS: tuple[str, ...] = (
    "开发区", "高新区", "新区", "工业园", "园区", "经开区", "保税区", "试验区", "示范区",
    "产业园", "管委会", "度假区", "集聚区",
)  # fmt: skip
"""Words that mark a unit outside GB/T 2260 (a zone managed by a committee of its parent)."""

_SUFFIXES = ("特别行政区", "自治区", "自治州", "自治县", "自治旗", "林区", "特区", "地区",
             "省", "市", "区", "县", "旗", "盟", "州")  # fmt: skip
_TOTAL = re.compile(
    r"^\s*[(（]?\s*(" + "|".join(re.escape(w) for w in TOTAL_WORDS) + r")\s*[)）]?\s*$"
    r"|(合计|总计|小计|共计)\s*[(（)）]?",
    re.IGNORECASE,
)


def normalise_name(text: object) -> str:
    """NFKC (full-width → half-width), spaces removed."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text)))


def total_label(text: object) -> bool:
    """True for a total or subtotal label: 合计, 总计, 小计, 全市, 全省, 全国, 巴中市合计, Total …"""
    if text is None or (isinstance(text, float) and pd.isna(text)):
        return False
    return bool(_TOTAL.search(normalise_name(text)))


def _stem(name: str) -> str:
    for suf in _SUFFIXES:
        if name.endswith(suf) and len(name) - len(suf) >= 2:
            return name[: -len(suf)]
    return name


# ---------------------------------------------------------------------------------------------
# abolished codes
# ---------------------------------------------------------------------------------------------


def code_changes() -> pd.DataFrame:
    """The crosswalk of abolished codes (:func:`qualitykit.data.regions.code_changes`, its one
    home): ``old_code, old_name, new_code, new_name, year`` (first year of the successor),
    ``change`` (renamed / recoded / merged), ``source``, ``note``."""
    return regions.code_changes()


def _successors() -> dict[str, tuple[str, int]]:
    return regions.successors()


def map_codes(codes: pd.Series) -> tuple[pd.Series, pd.DataFrame]:
    """Abolished codes replaced by their successors: ``(codes, changes)`` where ``changes`` has
    one row per code that was mapped: ``old_code, old_name, new_code, new_name, year, rows``."""
    succ = _successors()
    c = codes.astype("string")
    hit = c.isin(list(succ)).fillna(False)
    if not hit.any():
        return c, pd.DataFrame(
            columns=["old_code", "old_name", "new_code", "new_name", "year", "rows"]
        )
    mapped = c.where(~hit, c.map(lambda x: succ.get(x, (x, 0))[0] if isinstance(x, str) else x))
    counts = c[hit].value_counts().sort_index()
    cc = code_changes().set_index("old_code")
    rows = []
    for old, n in counts.items():
        new, year = succ[str(old)]
        rows.append(
            {
                "old_code": old,
                "old_name": cc.at[old, "old_name"],
                "new_code": new,
                "new_name": regions.name(new) if regions.is_valid_code(new) else new,
                "year": year,
                "rows": int(n),
            }
        )
    return mapped.astype("string"), pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------------
# non-standard units
# ---------------------------------------------------------------------------------------------

UnitsArg = str | os.PathLike[str] | pd.DataFrame | list[dict[str, str]] | None


def declare_units(units: UnitsArg) -> pd.DataFrame:
    """The user's non-standard units: ``code`` (synthetic ``X<parent>-<NN>`` unless given),
    ``name``, ``parent_code``, ``kind`` (``non-standard``).

    ``units``: a CSV file (UTF-8; headers ``name`` / 名称, ``parent`` / 上级, optional ``code``), a
    DataFrame or a list of dicts with the same keys. ``parent`` is a GB/T 2260 code or a name that
    resolves to one. Every problem is a :class:`~qualitykit.errors.ParameterError` naming the row.
    """
    empty = pd.DataFrame(
        {c: pd.Series(dtype="string") for c in ("code", "name", "parent_code", "kind")}
    )
    if units is None:
        return empty
    where = "units"
    if isinstance(units, pd.DataFrame) and {"code", "name", "parent_code", "kind"} <= set(units):
        return units  # already declared
    if isinstance(units, pd.DataFrame):
        df = units.astype("string")
    elif isinstance(units, list):
        df = pd.DataFrame(units).astype("string")
    else:
        path = Path(units)
        where = path.name
        if not path.is_file():
            raise ParameterError(f"units file {str(path)!r} does not exist")
        df = pd.read_csv(path, dtype="string", keep_default_na=False, encoding="utf-8-sig")
    df = df.rename(columns={"名称": "name", "单位": "name", "上级": "parent", "上级代码": "parent",
                            "代码": "code"})  # fmt: skip
    if not {"name", "parent"} <= set(df.columns):
        raise ParameterError(
            f"{where}: a units declaration needs the columns 'name' and 'parent' (a GB/T 2260 "
            f"code or name), e.g. name,parent / 巴中经济开发区,511900; found {list(df.columns)}"
        )
    out = []
    seq: dict[str, int] = {}
    resolver = Resolver()
    for i, r in enumerate(df.itertuples(index=False), start=2):
        name = normalise_name(r.name)
        parent = normalise_name(r.parent)
        if regions.is_valid_code(parent):
            pcode = parent
        else:
            found = resolver.candidates(parent)
            if len(found) != 1:
                raise ParameterError(
                    f"{where}, row {i}: parent {r.parent!r} of {r.name!r} is "
                    + ("unknown" if not found else f"ambiguous ({_describe(found)})")
                    + ": give its 6-digit GB/T 2260 code"
                )
            pcode = found[0]
        seq[pcode] = seq.get(pcode, 0) + 1
        code = getattr(r, "code", None) if "code" in df.columns else None
        if code is None or pd.isna(code) or not str(code).strip():
            code = f"X{pcode}-{seq[pcode]:02d}"
        elif re.fullmatch(r"\d{6}", str(code)):
            raise ParameterError(
                f"{where}, row {i}: code {code!r} of {r.name!r} looks like a GB/T 2260 code; a "
                "non-standard unit's code must not (leave it empty for X<parent>-<NN>)"
            )
        out.append({"code": str(code), "name": name, "parent_code": pcode, "kind": "non-standard"})
    res = pd.DataFrame(out).astype("string") if out else empty
    dup = res["name"].duplicated() | res["code"].duplicated()
    if dup.any():
        raise ParameterError(f"{where}: unit {res.loc[dup, 'name'].iloc[0]!r} declared twice")
    return res


def _describe(codes: list[str]) -> str:
    parts = []
    for c in codes:
        anc = [regions.name(a) for a in regions.ancestors(c)[1:] if a != regions.NATIONAL_CODE]
        parts.append(f"{c} {regions.name(c)}" + (f" in {''.join(reversed(anc))}" if anc else ""))
    return "; ".join(parts)


# ---------------------------------------------------------------------------------------------
# names → codes
# ---------------------------------------------------------------------------------------------


@cache
def _name_index() -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """(full name → codes, stem → codes) of every division (coarsest level per code)."""
    df = regions.regions().drop_duplicates("region_code")
    full: dict[str, list[str]] = {}
    stem: dict[str, list[str]] = {}
    for code, name in zip(df["region_code"], df["name_zh"], strict=True):
        n = normalise_name(name)
        full.setdefault(n, []).append(str(code))
        s = _stem(n)
        if s != n:
            stem.setdefault(s, []).append(str(code))
    return full, stem


@dataclass
class Resolver:
    """Resolves unit names to codes (GB/T 2260 or the declared non-standard units)."""

    declared: pd.DataFrame = field(default_factory=lambda: declare_units(None))

    def candidates(self, name: str, within: str | None = None) -> list[str]:
        """Codes a name may stand for (declared units first), optionally within a parent."""
        n = normalise_name(name)
        dec = self.declared
        if len(dec):
            hit = dec.loc[(dec["name"] == n) | (dec["name"].map(_stem) == _stem(n)), "code"]
            if len(hit):
                return [str(c) for c in hit]
        full, stem = _name_index()
        found = list(full.get(n, []))
        if not found:
            found = list(stem.get(n, [])) or list(stem.get(_stem(n), []))
        if not found:  # a name with its parents in front: 四川省巴中市巴州区, 巴中市巴州区
            for k in range(2, len(n) - 1):
                head, tail = n[:k], n[k:]
                parents = full.get(head, []) or stem.get(head, [])
                if not parents:
                    continue
                sub = [c for c in self.candidates(tail) if any(_inside(c, p) for p in parents)]
                if sub:
                    found = sub
                    break
        if within is not None:
            found = [c for c in found if _inside(c, within)]
        return sorted(set(found))

    def is_non_standard(self, name: str) -> bool:
        n = normalise_name(name)
        return any(w in n for w in NON_STANDARD_WORDS) and not _name_index()[0].get(n)

    def parent_of(self, code: str) -> str | None:
        dec = self.declared
        if code.startswith("X") and len(dec):
            hit = dec.loc[dec["code"] == code, "parent_code"]
            return str(hit.iloc[0]) if len(hit) else None
        return None


def _inside(code: str, parent: str) -> bool:
    if code.startswith("X"):
        return code[1:7] == parent or _inside(code[1:7], parent)
    if not regions.is_valid_code(code) or not regions.is_valid_code(parent):
        return False
    return parent in regions.ancestors(code)


def common_parent(codes: list[str]) -> str | None:
    """The nearest division containing every code (a city, a province or None)."""
    real = [c[1:7] if c.startswith("X") else c for c in codes if isinstance(c, str)]
    real = [c for c in real if regions.is_valid_code(c)]
    if not real:
        return None
    common = None
    for c in real:
        anc = regions.ancestors(c)
        common = anc if common is None else [a for a in common if a in anc]
    for a in common or []:
        if a != regions.NATIONAL_CODE and a not in real:
            return a
    return None
