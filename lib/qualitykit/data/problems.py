"""The report of :func:`qualitykit.data.validate.validate`: problems kept as bounded examples.

Each check that fails (one column, one kind of problem) is a :class:`Finding`: it **counts** every
row that fails and **keeps** at most :data:`MAX_EXAMPLES_KEPT` of them (the first ones, in file
order) as examples with row, column and value. So a file with 60 million bad cells costs the same
memory as one with a hundred (issue 9, item 9): the counts stay exact, the examples are bounded.
A wide file's report is summarised too: at most :data:`MAX_GROUPS_SHOWN` problem kinds are printed
and long lists in notes are cut (:func:`short_list`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from qualitykit.errors import InputError, Problem

__all__ = [
    "MAX_EXAMPLES_KEPT",
    "MAX_GROUPS_SHOWN",
    "MAX_PROBLEMS_SHOWN",
    "Finding",
    "InputFileError",
    "ValidationReport",
    "short_list",
]

MAX_PROBLEMS_SHOWN = 20
"""Problems printed per (column, check) before a "… and N more" line; all are counted."""
MAX_EXAMPLES_KEPT = 100
"""Problems kept (with row, column and value) per (column, check); the rest are only counted."""
MAX_GROUPS_SHOWN = 50
"""Problem kinds (column, check) printed before a "… and N more kinds" line (wide files)."""
MAX_NAMES_SHOWN = 20
"""Names listed in one note (e.g. extra columns) before "… and N more"."""


def short_list(names: list[str], limit: int = MAX_NAMES_SHOWN) -> str:
    """``a, b, c`` — or the first ``limit`` names and "… and N more"."""
    shown = ", ".join(str(n) for n in names[:limit])
    return shown if len(names) <= limit else f"{shown} … and {len(names) - limit:,} more"


@dataclass
class Finding:
    """All cells that fail one check of one column: the exact ``count`` and the first
    :data:`MAX_EXAMPLES_KEPT` rows (with their values and optional per-row messages)."""

    column: str | None
    message: str
    rows: list[int | None]
    values: list[object]
    details: list[str] | None = None  # per-row message, overrides ``message``
    count: int = -1  # -1: len(rows)

    def __post_init__(self) -> None:
        if self.count < 0:
            self.count = len(self.rows)
        self._trim()

    def _trim(self) -> None:
        if len(self.rows) > MAX_EXAMPLES_KEPT:
            self.rows = self.rows[:MAX_EXAMPLES_KEPT]
            self.values = self.values[:MAX_EXAMPLES_KEPT]
            if self.details is not None:
                self.details = self.details[:MAX_EXAMPLES_KEPT]

    def __len__(self) -> int:
        return self.count

    @property
    def kept(self) -> int:
        return len(self.rows)

    def merge(self, other: Finding) -> None:
        """Add the problems of ``other`` (same check, a later chunk of the file)."""
        take = min(MAX_EXAMPLES_KEPT - len(self.rows), other.kept)
        if take > 0:
            if self.details is not None or other.details is not None:
                mine = self.details if self.details is not None else [self.message] * self.kept
                theirs = other.details if other.details is not None else [other.message] * take
                self.details = mine + theirs[:take]
            self.rows += other.rows[:take]
            self.values += other.values[:take]
        self.count += other.count

    def problem(self, file: str, i: int) -> Problem:
        msg = self.details[i] if self.details is not None else self.message
        return Problem(
            file=file, message=msg, row=self.rows[i], column=self.column, value=self.values[i]
        )


@dataclass
class ValidationReport:
    """What :func:`qualitykit.data.validate.validate` found in one file.

    ``problems`` lists the kept examples (at most :data:`MAX_EXAMPLES_KEPT` per check;
    ``problem_count`` counts them all), ``notes`` things worth knowing that are not errors (extra
    columns, numbers read as codes, skipped title rows, totals excluded, codes mapped, the period
    taken from the title), ``summary`` the figures the CLI prints (``kind``, ``rows``,
    ``year_min``, ``year_max``, ``regions``, ``batches``, ``passed``, ``pass_rate`` — a proportion
    in [0, 1] — or for nonconformities ``batches`` and ``items``, for item counts ``items`` and
    ``nonconformities``), ``frame`` the typed table (``None`` when there are problems, or when a
    large file was validated in chunks without keeping it), ``title`` the text above the header and
    ``footer`` the note / source lines below the table, as published.
    """

    file: str
    kind: str | None = None
    format: str | None = None
    encoding: str | None = None
    sheet: str | None = None
    notes: list[str] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    columns: dict[str, str] = field(default_factory=dict)  # header as written -> canonical name
    frame: pd.DataFrame | None = field(default=None, repr=False)
    title: list[str] = field(default_factory=list)
    footer: list[str] = field(default_factory=list)
    period: dict[str, Any] | None = None  # a period from the title or the parameter
    totals: list[dict[str, Any]] = field(default_factory=list)  # excluded total rows
    cross_checks: list[dict[str, Any]] = field(default_factory=list)  # parts vs stated totals
    code_changes: pd.DataFrame | None = field(default=None, repr=False)  # abolished codes mapped
    units_resolved: int | None = None  # rows whose unit was given by name and resolved
    _findings: list[Finding] = field(default_factory=list, repr=False)

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    @property
    def problem_count(self) -> int:
        return sum(f.count for f in self._findings)

    @cached_property
    def problems(self) -> list[Problem]:
        """The kept problems, grouped by check in the order the checks ran, by row within one."""
        return [f.problem(self.file, i) for f in self._findings for i in range(f.kept)]

    def problem_groups(self) -> list[tuple[str | None, str, int]]:
        """``(column, check message, number of problems)`` per check that failed."""
        return [(f.column, f.message, f.count) for f in self._findings if f.count]

    def shown_problems(
        self, max_per_group: int | None = MAX_PROBLEMS_SHOWN, max_groups: int | None = None
    ) -> list[Problem | str]:
        """Problems to print: at most ``max_per_group`` per (column, check) (``None``: all that
        are kept), then a line "… and N more: …"; after ``max_groups`` checks one summary line."""
        out: list[Problem | str] = []
        groups = [f for f in self._findings if f.count]
        for f in groups if max_groups is None else groups[:max_groups]:
            n = f.kept if max_per_group is None else min(f.kept, max_per_group)
            out.extend(f.problem(self.file, i) for i in range(n))
            if f.count > n:
                where = f"column '{f.column}': " if f.column else ""
                out.append(f"… and {f.count - n:,} more: {where}{f.message}")
        if max_groups is not None and len(groups) > max_groups:
            rest = groups[max_groups:]
            cols = {f.column for f in rest if f.column}
            out.append(
                f"… and {len(rest):,} more kinds of problem ({sum(f.count for f in rest):,} "
                f"problems in {len(cols):,} more columns) — use --json for the full list"
            )
        return out

    def summary_line(self) -> str:
        """One line: kind, rows, years, regions, pass rate."""
        s = self.summary
        rows = s.get("rows", 0)
        parts = [str(self.kind), f"{rows:,} row{'s' if rows != 1 else ''}"]
        if s.get("year_min") is not None:
            y0, y1 = s["year_min"], s["year_max"]
            parts.append(f"year {y0}" if y0 == y1 else f"years {y0}–{y1}")
        if s.get("regions") is not None:
            parts.append(f"{s['regions']:,} region{'s' if s['regions'] != 1 else ''}")
        if self.kind == "nonconformities":
            parts.append(f"{s.get('batches', 0):,} batches, {s.get('items', 0):,} distinct items")
        elif self.kind == "item_counts":
            parts.append(
                f"{s.get('items', 0):,} distinct items, {s.get('nonconformities', 0):,} "
                "nonconformities"
            )
        elif s.get("pass_rate") is not None:
            parts.append(
                f"pass rate {100 * s['pass_rate']:.1f} % ({s['passed']:,} of {s['batches']:,} batches)"
            )
        if self.units_resolved:
            parts.append(f"{self.units_resolved:,} unit name(s) resolved")
        if self.code_changes is not None and len(self.code_changes):
            parts.append(f"{len(self.code_changes):,} abolished code(s) mapped")
        for t in self.totals[:3]:
            stated = ", ".join(
                f"{k} {t[k]:,}" for k in ("batches", "passed", "nonconforming", "nc_count")
                if t.get(k) is not None
            )  # fmt: skip
            parts.append(f"total row {t['row']} '{t['label']}' excluded (stated: {stated})")
        if len(self.totals) > 3:
            parts.append(f"{len(self.totals) - 3} more total rows excluded")
        fmt = self.format if self.encoding is None else f"{self.format}, {self.encoding}"
        if self.sheet is not None:
            fmt += f", sheet {self.sheet!r}"
        return ", ".join(parts) + f" [{fmt}]"

    def to_text(
        self, max_per_group: int | None = MAX_PROBLEMS_SHOWN, max_groups: int | None = None
    ) -> str:
        """The report as the CLI prints it (``max_groups`` defaults to :data:`MAX_GROUPS_SHOWN`
        when ``max_per_group`` is set)."""
        if max_groups is None and max_per_group is not None:
            max_groups = MAX_GROUPS_SHOWN
        if self.ok:
            lines = [f"{self.file}: OK — {self.summary_line()}"]
        else:
            n = self.problem_count
            lines = [f"{self.file}: {n:,} problem{'s' if n != 1 else ''}"]
            lines += [f"  {p}" for p in self.shown_problems(max_per_group, max_groups)]
        lines += [f"  note: {note}" for note in self.notes]
        return "\n".join(lines)

    def to_dict(self, max_per_group: int | None = None) -> dict[str, Any]:
        """JSON-ready form; ``problems`` capped per (column, check) when ``max_per_group`` is set
        (``problem_groups`` always holds the full counts)."""
        shown = [p for p in self.shown_problems(max_per_group) if isinstance(p, Problem)]
        return {
            "file": self.file,
            "ok": self.ok,
            "kind": self.kind,
            "format": self.format,
            "encoding": self.encoding,
            "sheet": self.sheet,
            "summary": self.summary,
            "notes": list(self.notes),
            "title": list(self.title),
            "footer": list(self.footer),
            "period": self.period,
            "totals": list(self.totals),
            "columns": dict(self.columns),
            "problem_count": self.problem_count,
            "problem_groups": [
                {"column": c, "message": m, "count": n} for c, m, n in self.problem_groups()
            ],
            "problems": [
                {
                    "file": p.file,
                    "row": p.row,
                    "column": p.column,
                    "value": _jsonable(p.value),
                    "message": p.message,
                }
                for p in shown
            ],
        }


class InputFileError(InputError):
    """The :class:`~qualitykit.errors.InputError` the loaders raise: ``problems`` holds the kept
    problems, ``report`` the full :class:`ValidationReport`; the message shows at most
    :data:`MAX_PROBLEMS_SHOWN` problems per check."""

    def __init__(self, report: ValidationReport) -> None:
        self.report = report
        super().__init__(report.problems)

    def __str__(self) -> str:
        return self.report.to_text()


def _jsonable(value: object) -> object:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, np.generic):
        return value.item()
    return str(value)
