"""The item table a PLS model is estimated on: checked once, with the respondent and item named.

:func:`checked_items` takes the DataFrame given to :meth:`PLSModel.fit
<crmlab.stats.pls.PLSModel.fit>` and returns the items as floats, or raises
:class:`ItemDataError` listing every problem: a missing item column, a cell
that is not a number, a missing answer (unless ``missing="mean"`` asks for
mean replacement, seminr's ``mean_replacement``), an item with the same answer
from every respondent (its standardised value is undefined).

:class:`ItemDataError` is a ValueError with the fields and the message format
of :class:`crmlab.data.DataError` (source, then one line per problem with its
row and column); it is defined here because :mod:`crmlab.stats` sits below the
data layer and imports nothing from it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["ItemDataError", "checked_items"]

#: How many problems the message lists (as crmlab.data.errors.MAX_PROBLEMS_SHOWN).
_SHOWN = 20


class ItemDataError(ValueError):
    """Item data a PLS model cannot be estimated on: ``source`` and ``problems`` as (message, row, column, value).

    ``row`` is the DataFrame's index label of the respondent, None for a whole-column problem.

    >>> print(ItemDataError("DataFrame", [("missing answer", 3, "IMAG1", None)]))
    DataFrame: 1 problem
      row 3, column 'IMAG1': missing answer
    """

    def __init__(self, source: str, problems: Sequence[tuple[str, Any, str | None, Any]], n_problems: int | None = None):
        self.source = str(source)
        self.problems = list(problems)
        self.n_problems = len(self.problems) if n_problems is None else int(n_problems)
        lines = [f"{self.source}: {self.n_problems} problem{'s' if self.n_problems != 1 else ''}"]
        for message, row, column, value in self.problems[:_SHOWN]:
            where = ([f"row {row}"] if row is not None else []) + ([f"column {column!r}"] if column is not None else [])
            text = message if value is None else f"{message} ({value!r})"
            lines.append(f"  {', '.join(where)}: {text}" if where else f"  {text}")
        if self.n_problems > _SHOWN:
            lines.append(f"  ... and {self.n_problems - _SHOWN} more")
        super().__init__("\n".join(lines))


def checked_items(data: pd.DataFrame, items: Sequence[str], *, missing: str = "refuse", source: str = "DataFrame") -> pd.DataFrame:
    """The ``items`` columns of ``data`` as floats, checked; see the module docstring.

    >>> frame = pd.DataFrame({"a": [1, 2, None], "b": [3, 3, 3]})
    >>> checked_items(frame, ["a", "b"])
    Traceback (most recent call last):
    ...
    crmlab.stats.pls.items.ItemDataError: DataFrame: 2 problems
      row 2, column 'a': missing answer
      column 'b': the same answer from every respondent, so the item cannot be standardised (3.0)
    >>> checked_items(frame[["a"]].assign(c=[1, 5, 2]), ["a", "c"], missing="mean")["a"].tolist()
    [1.0, 2.0, 1.5]
    """
    if missing not in ("refuse", "mean"):
        raise ValueError(f"missing must be 'refuse' or 'mean', got {missing!r}")
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"PLS data must be a pandas DataFrame of items, got {type(data).__name__}")
    absent = [i for i in items if i not in data.columns]
    if absent:
        raise ItemDataError(source, [("no such item column", None, i, None) for i in absent])
    raw = data[list(items)]
    problems: list[tuple[str, Any, str | None, Any]] = []
    values = {}
    for item in items:
        column = raw[item]
        numbers = pd.to_numeric(column, errors="coerce").astype(float)
        empty = column.isna()
        for row in column.index[numbers.isna() & ~empty]:
            problems.append(("not a number", row, item, column[row]))
        if missing == "refuse":
            for row in column.index[empty]:
                problems.append(("missing answer", row, item, None))
        elif empty.all():
            problems.append(("no answers at all", None, item, None))
        numbers = numbers.fillna(numbers.mean()) if missing == "mean" else numbers
        finite = numbers.dropna()
        if len(finite) and (finite == finite.iloc[0]).all():
            problems.append(("the same answer from every respondent, so the item cannot be standardised", None, item, float(finite.iloc[0])))
        values[item] = numbers
    if len(raw) < 3:
        problems.append((f"PLS needs at least three respondents, got {len(raw)}", None, None, None))
    if problems:
        problems.sort(key=lambda p: p[1] is None)
        raise ItemDataError(source, problems[:_SHOWN], n_problems=len(problems))
    out = pd.DataFrame(values, index=raw.index)
    if not np.isfinite(out.to_numpy()).all():
        bad = out.columns[~np.isfinite(out.to_numpy()).all(axis=0)]
        raise ItemDataError(source, [("an infinite value", None, c, None) for c in bad])
    return out
