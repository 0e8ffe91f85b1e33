"""Errors with messages a user can act on.

Every problem found in an input names the file, the row (1-based, as a spreadsheet shows it:
the header is row 1, the first data row is row 2), the column and the offending value.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    """One problem in one input file."""

    file: str
    message: str
    row: int | None = None  # spreadsheet row: header = 1, first data row = 2
    column: str | None = None
    value: object = None

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        text = ", ".join(where) + f": {self.message}"
        if self.value is not None:
            text += f" (value: {self.value!r})"
        return text


class QualityKitError(Exception):
    """Base class of all errors qualitykit raises on purpose (the CLI prints them, no traceback)."""


@dataclass
class InputError(QualityKitError):
    """One or more problems in input data; ``problems`` lists all of them, not only the first."""

    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(self.__str__())

    def __str__(self) -> str:
        n = len(self.problems)
        head = f"{n} problem{'s' if n != 1 else ''} found:"
        return "\n".join([head, *(f"  - {p}" for p in self.problems)])


class ParameterError(QualityKitError, ValueError):
    """A notebook or run parameter that is unknown, of the wrong type or out of range."""


class NoDataError(QualityKitError):
    """The selection (region, years, product) holds no records."""


class QualityKitWarning(UserWarning):
    """A result that needs care: too few points, a zero denominator, an extrapolation."""
