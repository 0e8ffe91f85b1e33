"""Tables as published (issue 10): periods, totals and subtotals, published rates, units given by
name — the part of the validator that reads a table the way statistics offices print it.

:class:`PublishedTableChecks` is mixed into :class:`qualitykit.data.validate._Validator`; its
methods run after the column checks (see that module's docstring for the rules).
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from qualitykit import schema
from qualitykit.data import regions
from qualitykit.data.checks import (
    _CANONICAL_SET,
    _COUNT_COLUMNS,
    _LABEL_COLUMNS,
    _RATE,
    _Col,
    _mask,
    _parse_int,
)
from qualitykit.data.problems import MAX_EXAMPLES_KEPT, Finding, short_list
from qualitykit.data.read import period_from_text
from qualitykit.data.shapes import Kind
from qualitykit.data.units import (
    Resolver,
    _describe,
    _inside,
    common_parent,
    map_codes,
    total_label,
)

__all__ = ["PublishedTableChecks", "parse_period"]

_PERIOD_CODE = re.compile(r"^\s*((?:19|20)\d{2})\s*(?:[-_ ]?(H[12]|Q[1-4]))?\s*$", re.IGNORECASE)


def parse_period(text: object) -> dict[str, object] | None:
    """A period given as a parameter or a period cell: ``2019``, ``2019H2``, ``2023Q3``,
    ``2019年下半年``, ``2023年第三季度`` → ``{"year", "label"[, "half" | "quarter"]}``; None if not
    understood."""
    if text is None:
        return None
    t = str(text).strip()
    m = _PERIOD_CODE.match(t)
    if m:
        out: dict[str, object] = {"year": int(m.group(1)), "label": t}
        part = (m.group(2) or "").upper()
        if part.startswith("H"):
            out["half"] = int(part[1])
        elif part.startswith("Q"):
            out["quarter"] = int(part[1])
        return out
    return period_from_text(t)


class PublishedTableChecks:
    """Mixin of the validator: periods, totals, rates and units of published tables."""

    # attributes the validator provides
    report: Any
    options: dict[str, Any]
    rows: np.ndarray
    raw: Any
    labels: dict[str, str]
    findings: list[Finding]
    kind_now: Kind | None

    def fill_period(self, kind: Kind, columns: dict[str, tuple[int, pd.Series]]) -> bool:
        """No year column: take the year from the ``period`` parameter or the title (noted).
        Returns True when a period was found."""
        if "year" in columns:
            return False
        report, given = self.report, self.options.get("period")
        found = parse_period(given) if given else None
        source = "the period parameter"
        if given and found is None:
            self.header_problem(
                "year",
                f"period {given!r} is not understood: give e.g. '2019', '2019H2', '2023Q3' or "
                "'2019年下半年'",
                value=given,
            )
            return True
        if found is None and report.title:
            found = period_from_text(" ".join(report.title))
            source = "the title"
        if found is None:
            return False
        n = len(self.rows)
        columns["year"] = (-1, pd.Series([str(found["year"])] * n, dtype=str))
        if "period" not in columns:
            columns["period"] = (-1, pd.Series([str(found["label"])] * n, dtype=str))
        if "quarter" in found and "quarter" not in columns:
            columns["quarter"] = (-1, pd.Series([str(found["quarter"])] * n, dtype=str))
        report.period = {**found, "from": "parameter" if source.endswith("parameter") else "title"}
        report.notes.append(f"period {found['label']} (year {found['year']}) taken from {source}")
        return True

    def split_totals(
        self, kind: Kind, columns: dict[str, tuple[int, pd.Series]]
    ) -> tuple[dict[str, tuple[int, pd.Series]], pd.DataFrame | None]:
        """Rows labelled 合计 / 总计 / 小计 / 全市 / 全省 / 全国 … leave the data (counts and item
        counts); their figures are kept for the cross-check of :meth:`post`."""
        if kind not in ("counts", "item_counts"):
            return columns, None
        labels = [c for c in columns if c in _LABEL_COLUMNS or c not in _CANONICAL_SET]
        if not labels:
            return columns, None
        mask = np.zeros(len(self.rows), dtype=bool)
        label_text = pd.Series([""] * len(self.rows), dtype=str)
        for c in labels:
            s = columns[c][1]
            codes, uniques = pd.factorize(s)
            hit_u = np.array([total_label(u) for u in uniques], dtype=bool)
            hit = hit_u[codes] if len(uniques) else np.zeros(len(s), dtype=bool)
            label_text = label_text.where(~(hit & ~mask), s.str.strip())
            mask |= hit
        if not mask.any():
            return columns, None
        tot = {"row": self.rows[mask], "label": label_text[mask].to_numpy()}
        for c in ("year", *_COUNT_COLUMNS, "nc_count", *schema.RATE_COLUMNS):
            if c in columns:
                tot[c] = columns[c][1][mask].to_numpy()
        totals = pd.DataFrame(tot)
        keep = ~mask
        self.rows = self.rows[keep]
        self.raw.numeric = {j: m[keep] for j, m in self.raw.numeric.items()}
        out = {c: (j, s[keep].reset_index(drop=True)) for c, (j, s) in columns.items()}
        return out, totals

    def check_rate(self, name: str, col: _Col) -> pd.Series:
        """A published rate: ``92.13%``, ``92.13`` (percent) or ``0.9213`` (a proportion when every
        value is ≤ 1 and neither the values nor the header say %); returned as a proportion."""
        u, present = col.u, col.present_u
        t = u.str.replace(",", "", regex=False)
        ok = t.str.fullmatch(_RATE).to_numpy(dtype=bool)
        self.add_u(name, "not a rate (expected e.g. 92.13%, 92.13 or 0.9213)", col, present & ~ok)
        v = pd.to_numeric(t.str.rstrip("%％ ").where(ok), errors="coerce")
        header = self.labels.get(name, name)
        percent = bool(t.str.contains("[%％]").any()) or "%" in header or "pct" in header.lower()
        if not percent and v.max(skipna=True) is not pd.NA and not (v.dropna() <= 1).all():
            percent = True
        if not percent and v.notna().any():
            self.report.notes.append(f"'{header}' read as proportions (every value ≤ 1, no %)")
        p = v / 100.0 if percent else v
        self.add_u(name, "rate out of range (expected 0–100 %)", col, _mask((p < 0) | (p > 1)))
        return col.expand(p.astype("Float64"))

    def derive_from_rates(
        self, typed: dict[str, pd.Series], columns: dict[str, tuple[int, pd.Series]]
    ) -> None:
        """Counts from a published rate and batches where a row gives no count (rounded to whole
        batches, said in a note); where counts and a rate are both given, a mismatch beyond
        rounding is a note."""
        b = typed["batches"].astype("Float64")
        for rate, count, other in (("pass_rate", "passed", "nonconforming"),
                                   ("nc_rate", "nonconforming", "passed")):  # fmt: skip
            if rate not in typed:
                continue
            r = typed[rate]
            est = (b * r).round().astype("Int64")
            have_other = typed[other].notna() if other in typed else pd.Series(False, index=b.index)
            have = typed[count].notna() if count in typed else pd.Series(False, index=b.index)
            fill = (~have & ~have_other & est.notna()).to_numpy(bool)
            if fill.any():
                base = (
                    typed[count]
                    if count in typed
                    else pd.Series(pd.NA, index=b.index, dtype="Int64")
                )
                typed[count] = base.mask(pd.Series(fill, index=b.index), est)
                self.report.notes.append(
                    f"'{count}' derived from the published rate '{self.labels.get(rate, rate)}' × "
                    f"batches, rounded to whole batches ({int(fill.sum())} row(s))"
                )
            given = have.to_numpy(bool)
            if given.any():
                off = given & _mask((typed[count].astype("Float64") - b * r).abs() > 0.5 + 5e-4 * b)
                if off.any():
                    i = int(np.flatnonzero(off)[0])
                    self.report.notes.append(
                        f"{int(off.sum())} row(s) where '{count}' and the published rate disagree "
                        f"beyond rounding (first: row {self.rows[i]}: {typed[count].iloc[i]} of "
                        f"{typed['batches'].iloc[i]} vs {100 * float(r.iloc[i]):.2f} %)"
                    )

    def post(self, kind: Kind, frame: pd.DataFrame, totals: pd.DataFrame | None) -> pd.DataFrame:
        """Units by name → codes, abolished codes → successors, a row that is the table's parent
        → a total; totals cross-checked against the sum of the parts (notes, never errors)."""
        frame, parents = self.resolve_units(frame)
        if parents is not None and len(parents):
            totals = (
                pd.concat([totals, parents], ignore_index=True) if totals is not None else parents
            )
        if totals is not None and len(totals):
            self.report_totals(kind, frame, totals)
        return frame

    def resolve_units(self, frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame | None]:
        report = self.report
        resolver = self.options.get("resolver") or Resolver()
        if "region_name" in frame.columns:
            frame = self.names_to_codes(frame, resolver)
        if "region_code" not in frame.columns:
            return frame, None
        if self.options.get("map_codes", True):
            mapped, changes = map_codes(frame["region_code"])
            if len(changes):
                frame = frame.assign(region_code=mapped)
                report.code_changes = changes
                shown = "; ".join(
                    f"{r.old_code} {r.old_name} → {r.new_code} {r.new_name} ({r.year}, {r.rows} "
                    "row" + ("s" if r.rows != 1 else "") + ")"
                    for r in changes.head(10).itertuples()
                )
                more = f" … and {len(changes) - 10} more" if len(changes) > 10 else ""
                report.notes.append(f"abolished codes mapped to their successors: {shown}{more}")
        # a row whose unit is the parent of all other rows' units is the table's own total
        if self.kind_now in ("counts", "item_counts") and frame["region_code"].nunique() > 2:
            uniq = sorted(set(frame["region_code"].dropna().astype(str)))
            city_of = regions._county_city()

            def up(code: str) -> tuple[str | None, str]:  # (city, province prefix) of a unit
                base = code[1:7] if code.startswith("X") else code
                return city_of.get(base, base if base.endswith("00") else None), base[:2]

            ups = {c: up(c) for c in uniq}
            # only a city or province code can be the parent of all the others
            for cand in (c for c in uniq if c.endswith("00") and regions.is_valid_code(c)):
                others = [c for c in uniq if c != cand]
                if cand.endswith("0000"):
                    inside = all(ups[c][1] == cand[:2] for c in others)
                else:
                    inside = all(ups[c][0] == cand for c in others)
                if inside:
                    hit = (frame["region_code"] == cand).fillna(False).to_numpy(bool)
                    label = regions.name(cand)
                    tot = {"row": self.rows[hit], "label": np.array([label] * int(hit.sum()))}
                    for c in ("year", *_COUNT_COLUMNS, "nc_count"):
                        if c in frame:
                            tot[c] = frame.loc[hit, c].astype("string").to_numpy()
                    self.rows = self.rows[~hit]
                    return frame[~hit].reset_index(drop=True), pd.DataFrame(tot)
        return frame, None

    def names_to_codes(self, frame: pd.DataFrame, resolver: Resolver) -> pd.DataFrame:
        report = self.report
        names = frame["region_name"].astype("string")
        given = frame["region_code"].astype("string") if "region_code" in frame else None
        uniq = [n for n in names.dropna().unique().tolist() if str(n).strip()]
        cands = {n: resolver.candidates(n) for n in uniq}
        sure = [c[0] for c in cands.values() if len(c) == 1]
        parent = self.options.get("parent") or common_parent(sure)
        code_of: dict[str, str] = {}
        label = self.labels.get("region_name", "region_name")
        for n, cs in cands.items():
            if len(cs) > 1 and parent is not None:
                inside = [c for c in cs if _inside(c, parent)]
                cs = inside or cs
            rows = self.rows[(names == n).fillna(False).to_numpy(bool)]
            if len(cs) == 1:
                code_of[n] = cs[0]
            elif not cs and resolver.is_non_standard(n):
                self.findings.append(
                    Finding(
                        label,
                        (
                            f"'{n}' is not a GB/T 2260 division (a development zone or similar): declare it "
                            "as a unit of its own with its parent — a CSV with the columns name,parent "
                            f"(e.g. '{n},{parent or '<parent code>'}') passed as units=… "
                            "(qualitykit validate --units FILE)"
                        ),
                        rows.tolist()[:MAX_EXAMPLES_KEPT],
                        [n] * min(len(rows), MAX_EXAMPLES_KEPT),
                        count=len(rows),
                    )
                )
            elif not cs:
                self.findings.append(
                    Finding(
                        label,
                        "unknown unit name: not a GB/T 2260 division "
                        "(check the spelling, or give its 6-digit code in a 地区代码 column)",
                        rows.tolist()[:MAX_EXAMPLES_KEPT],
                        [n] * min(len(rows), MAX_EXAMPLES_KEPT),
                        count=len(rows),
                    )
                )
            elif given is None:
                self.findings.append(
                    Finding(
                        label,
                        f"ambiguous unit name: {len(cs)} divisions are "
                        f"called so ({_describe(cs)}); write it with its city (e.g. "
                        f"'{regions.name(regions.ancestors(cs[0])[1])}{n}') or give the code",
                        rows.tolist()[:MAX_EXAMPLES_KEPT],
                        [n] * min(len(rows), MAX_EXAMPLES_KEPT),
                        count=len(rows),
                    )
                )
        resolved = names.map(code_of).astype("string")
        if given is not None:
            mism = given.notna() & resolved.notna() & (given != resolved)
            ok_multi = pd.Series(
                [isinstance(n, str) and isinstance(g, str) and g in cands.get(n, [])
                 for n, g in zip(names, given, strict=True)], index=names.index)  # fmt: skip
            bad = (mism & ~ok_multi).fillna(False).to_numpy(bool)
            if bad.any():
                det = [f"unit name and code disagree: '{names.iloc[i]}' is {resolved.iloc[i]} "
                       f"{regions.name(str(resolved.iloc[i])) if regions.is_valid_code(str(resolved.iloc[i])) else ''}"
                       f", the code column says {given.iloc[i]}" for i in np.flatnonzero(bad)[:MAX_EXAMPLES_KEPT]]  # fmt: skip
                self.findings.append(Finding(label, "unit name and code disagree",
                    self.rows[bad].tolist()[:MAX_EXAMPLES_KEPT], given[bad].tolist()[:MAX_EXAMPLES_KEPT],
                    det, count=int(bad.sum())))  # fmt: skip
            code = given.fillna(resolved)
        else:
            code = resolved
        dec = resolver.declared
        used = dec[dec["code"].isin(code.dropna().unique().tolist())] if len(dec) else dec
        if len(used):
            report.notes.append(
                "non-standard units kept as units of their own: "
                + short_list(
                    [
                        f"{r.code} {r.name} (in {r.parent_code} {regions.name(r.parent_code)})"
                        for r in used.itertuples()
                    ]
                )  # fmt: skip
            )
        report.units_resolved = int(code.notna().sum())
        return frame.assign(region_code=code.astype("string"))

    def report_totals(self, kind: Kind, frame: pd.DataFrame, totals: pd.DataFrame) -> None:
        report = self.report
        value_cols = [c for c in ("batches", "passed", "nonconforming", "nc_count") if c in totals]
        rows = []
        for t in totals.itertuples(index=False):
            rec = {"row": int(t.row), "label": str(t.label)}
            for c in value_cols:
                v, ok = _parse_int(pd.Series([str(getattr(t, c))], dtype=str))
                rec[c] = int(v.iloc[0]) if ok[0] else None
            if "year" in totals:
                y, ok = _parse_int(pd.Series([str(t.year).removesuffix("年")], dtype=str))
                rec["year"] = int(y.iloc[0]) if ok[0] else None
            rows.append(rec)
        report.totals = rows
        labels = short_list([f"row {r['row']} {r['label']}" for r in rows], 10)
        report.notes.append(f"{len(rows)} total / subtotal row(s) excluded from the data: {labels}")
        # cross-check: one stated total per year (or for the table) against the sum of the parts
        by_year: dict[object, list[dict]] = {}
        for r in rows:
            by_year.setdefault(r.get("year"), []).append(r)
        for year, rs in by_year.items():
            if len(rs) != 1:
                report.notes.append(
                    f"{len(rs)} total rows for {'year ' + str(year) if year else 'the table'}: "
                    "subtotals are not cross-checked"
                )
                continue
            part = frame if year is None or "year" not in frame else frame[frame["year"] == year]
            for c in value_cols:
                stated = rs[0].get(c)
                if stated is None or c not in part:
                    continue
                summed = int(part[c].sum())
                where = f" ({year})" if year else ""
                report.cross_checks.append(
                    {"year": year, "column": c, "parts": summed, "stated": stated,
                     "row": rs[0]["row"], "label": rs[0]["label"]}
                )  # fmt: skip
                if summed == stated:
                    report.notes.append(
                        f"cross-check{where}: '{c}' of the parts sums to the stated total "
                        f"{stated:,} (row {rs[0]['row']} {rs[0]['label']})"
                    )
                else:
                    report.notes.append(
                        f"cross-check{where}: '{c}' of the parts sums to {summed:,}, the stated "
                        f"total (row {rs[0]['row']} {rs[0]['label']}) is {stated:,} — "
                        f"a difference of {stated - summed:+,}"
                    )
