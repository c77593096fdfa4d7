"""The error crmlab raises for bad input data, written for people.

A :class:`DataError` names the source (file or "DataFrame"), and lists each
problem with its row, column and offending value, e.g.::

    DataError: data/tx.csv: 2 problems
      row 1042, column 'amount': negative amount (-12.5)
      row 1043, column 'date': unparseable date ('2021-13-45')
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: How many problems a message lists before it says "... and N more".
MAX_PROBLEMS_SHOWN = 20


@dataclass(frozen=True)
class Problem:
    """One problem in the input: where (row, column) and what (message, value).

    ``row`` is the 1-based data row (the first row under a CSV header is row 1),
    or the index label for an in-memory DataFrame; ``None`` for whole-file or
    whole-column problems.
    """

    message: str
    row: Any = None
    column: str | None = None
    value: Any = None

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        text = self.message if self.value is None else f"{self.message} ({self.value!r})"
        return f"{', '.join(where)}: {text}" if where else text


class DataError(ValueError):
    """Input data that crmlab cannot use, with every problem found (a bounded list).

    Attributes
    ----------
    source : str
        The file path as given, or ``"DataFrame"``.
    problems : list of Problem
        All problems found (the message shows the first ``MAX_PROBLEMS_SHOWN``).
    n_problems : int
        The total count, which may exceed ``len(problems)`` when collection was capped.

    >>> err = DataError("tx.csv", [Problem("negative amount", row=3, column="amount", value=-1.0)])
    >>> print(err)
    tx.csv: 1 problem
      row 3, column 'amount': negative amount (-1.0)
    """

    def __init__(self, source: str, problems: list[Problem], n_problems: int | None = None):
        self.source = str(source)
        self.problems = list(problems)
        self.n_problems = len(self.problems) if n_problems is None else int(n_problems)
        super().__init__(self._format())

    def _format(self) -> str:
        n = self.n_problems
        lines = [f"{self.source}: {n} problem{'s' if n != 1 else ''}"]
        lines += [f"  {p}" for p in self.problems[:MAX_PROBLEMS_SHOWN]]
        if n > MAX_PROBLEMS_SHOWN:
            lines.append(f"  ... and {n - MAX_PROBLEMS_SHOWN} more")
        return "\n".join(lines)
