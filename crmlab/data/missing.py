"""One rule for missing cells, the same in every reader and engine (pandas, Polars, Spark).

A cell is missing when it is null, or when, after stripping surrounding
whitespace, it is empty or one of :data:`MISSING_VALUES` — the markers that
spreadsheet, R, SQL and pandas exports write for "no value" (``NA``, ``N/A``,
``NaN``, ``NULL``, ``None``, …), compared exactly as written (case matters:
``Na`` is a value). An empty cell is missing whatever the list: Polars and
Spark read an empty CSV cell as null, so no list could make it a value in
every engine. A missing cell
in a required column is an error that shows what was written; in an optional
label column it is a missing label.

A reader that should keep one of these words as a value (a channel called
``NA`` for North America) passes ``na_values=`` with its own list, e.g.
``na_values=("",)`` for "only empty cells are missing".

:func:`missing_cells` is the rule for pandas, :func:`missing_expr` for Polars;
the Spark reader builds its SQL from the same list.
"""

from __future__ import annotations

from collections.abc import Iterable

from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:  # Polars is imported by the Polars rule alone: the pandas readers and the CLV models do not need it
    import polars as pl

__all__ = ["MISSING_VALUES", "missing_cells", "missing_expr"]

#: Cell texts read as missing (after stripping whitespace), in every reader.
MISSING_VALUES: tuple[str, ...] = ("", "NA", "N/A", "n/a", "NaN", "nan", "NULL", "null", "None", "<NA>", "NaT")


def missing_cells(values: pd.Series, na_values: Iterable[str] = MISSING_VALUES) -> pd.Series:
    """True where a cell is missing: a null, or text that is one of ``na_values`` once stripped.

    >>> missing_cells(pd.Series(["a", " NA ", "", None, "Na"])).tolist()
    [False, True, True, True, False]
    >>> missing_cells(pd.Series(["NA", " "]), na_values=()).tolist()
    [False, True]
    """
    missing = values.isna()
    if values.dtype == object or pd.api.types.is_string_dtype(values):
        text = values.astype("string").str.strip()
        missing = missing | (text.isin(list(na_values)) | text.eq("")).fillna(False).astype(bool)
    return missing.astype(bool)


def missing_expr(text: pl.Expr, na_values: Iterable[str] = MISSING_VALUES) -> pl.Expr:
    """Polars: true where a cell of a String column is missing (null, or empty / one of ``na_values`` once stripped).

    >>> import polars as pl
    >>> pl.DataFrame({"c": ["a", " NA ", "", None, "Na"]}).select(missing_expr(pl.col("c"))).to_series().to_list()
    [False, True, True, True, False]
    """
    stripped = text.str.strip_chars()
    return text.is_null() | stripped.is_in(sorted(set(na_values) | {""})).fill_null(True)
