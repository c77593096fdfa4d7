"""The rules of the canonical transactions table, declared once, and what each engine derives from them.

:data:`TRANSACTIONS_COLUMNS` declares each column of the table (one row per
purchase): its name, its kind (an id, a timestamp, a number, a label),
whether it is required, whether it may be missing, and its value rules (not
empty, non-negative, finite). The three readers check the table by rules
derived from it:

- the pandas reader (:func:`~crmlab.data.read_transactions`): the pandera
  schema :data:`TRANSACTIONS_SCHEMA` (:func:`pandera_schema`);
- the Polars reader (:func:`~crmlab.data.scan_transactions`) and the Spark
  reader (:func:`crmlab.data.spark.spark_transactions`): the row checks of
  :func:`row_checks`, each a message and the conditions (``"null"``,
  ``"empty"``, ``"nan"``, ``"negative"``, ``"infinite"``, ``"unread"``) that
  make a row fail it; each engine writes each condition as its own expression
  and counts the failing rows in one pass.

What an engine cannot express, and how it is checked instead:

- **a value written but not readable** (``12,5`` as an amount, ``31/02/2021``
  as a date): pandera sees only values already converted to the column's
  type, so the pandas reader's coercion step reports each such cell with what
  was written (``not a number``, ``unparseable date``) before the schema runs.
  Polars and Spark cast without failing (a value that does not convert
  becomes null), so the null condition of a required column also catches it
  (``missing or non-numeric amount``); for the optional ``quantity``, a cell
  written but null after the cast is the ``unread`` condition, compared with
  the raw column;
- **the dtypes**: pandera checks them; Polars and Spark do not check types but
  cast every column to its kind, which is the same rule;
- **no other columns** (pandera's ``strict=True``): Polars and Spark select
  the canonical columns and drop the others, as the pandas reader does before
  its schema runs;
- **finite**: pandera runs ``numpy.isfinite``; Polars ``is_infinite`` and
  ``is_nan``; Spark has no ``isinf`` and compares with ±infinity;
- **integer ids**: pandera checks an ``Int64`` id column without the "not
  empty" rule (:data:`_INTEGER_ID_SCHEMA`); Polars and Spark drop the
  ``empty`` condition for them (``row_checks(text_ids=False)``);
- **a missing cell shown as written** (``missing value ('NA')``): every
  engine reads the missing markers of :mod:`crmlab.data.missing` itself and
  shows the raw cell of a failing row (:func:`shown`).

The messages differ between the pandas reader (pandera's check names, read by
:data:`CHECK_MESSAGES`) and the lazy readers (one message per check, from
:func:`row_checks`), as they always have: the lazy readers fold "missing" and
"not a number" into one condition because a failed cast and a missing cell
are both nulls there.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from crmlab.data.errors import DataError, Problem
from crmlab.data.files import _refuse_duplicates

if TYPE_CHECKING:
    import pandera.pandas as pa

    #: The pandera schema of the canonical table with text ids, built on first access (:func:`transactions_schema`).
    TRANSACTIONS_SCHEMA: pa.DataFrameSchema

__all__ = [
    "CANONICAL_COLUMNS",
    "CHECK_MESSAGES",
    "OPTIONAL_COLUMNS",
    "REQUIRED_COLUMNS",
    "TRANSACTIONS_COLUMNS",
    "TRANSACTIONS_SCHEMA",
    "ColumnRule",
    "pandera_schema",
    "row_checks",
    "shown",
    "transactions_schema",
]


@dataclass(frozen=True)
class ColumnRule:
    """One column of the canonical transactions table and the rules its values follow.

    ``kind``: ``"id"`` (text, or integers when the input's column is
    integer-typed), ``"timestamp"`` (``datetime64[ns]``), ``"number"``
    (``float64``) or ``"label"`` (text). ``required``: the table must have the
    column. ``nullable``: a value may be missing. ``not_empty``: text must
    not be empty (once stripped). ``non_negative`` and ``finite``: the rules
    of a money or count column.

    >>> ColumnRule("amount", "number", required=True, non_negative=True, finite=True).nullable
    False
    """

    name: str
    kind: str
    required: bool = False
    nullable: bool | None = None  # default: a required column may not be missing, an optional one may
    not_empty: bool = False
    non_negative: bool = False
    finite: bool = False

    def __post_init__(self) -> None:
        if self.nullable is None:
            object.__setattr__(self, "nullable", not self.required)


#: The canonical transactions table, one row per purchase: the one declaration of its rules.
TRANSACTIONS_COLUMNS: tuple[ColumnRule, ...] = (
    ColumnRule("customer_id", "id", required=True, not_empty=True),
    ColumnRule("date", "timestamp", required=True),
    ColumnRule("amount", "number", required=True, non_negative=True, finite=True),
    ColumnRule("channel", "label"),
    ColumnRule("quantity", "number", non_negative=True, finite=True),
    ColumnRule("category", "label"),
)
_RULES = {rule.name: rule for rule in TRANSACTIONS_COLUMNS}

REQUIRED_COLUMNS: tuple[str, ...] = tuple(rule.name for rule in TRANSACTIONS_COLUMNS if rule.required)
OPTIONAL_COLUMNS: tuple[str, ...] = tuple(rule.name for rule in TRANSACTIONS_COLUMNS if not rule.required)
CANONICAL_COLUMNS: tuple[str, ...] = REQUIRED_COLUMNS + OPTIONAL_COLUMNS

_PANDERA_DTYPES = {"id": str, "timestamp": "datetime64[ns]", "number": float, "label": str}


def pandera_schema(integer_ids: bool = False) -> pa.DataFrameSchema:
    """The pandera schema of the table (the pandas reader's value checks, after type coercion).

    Derived from :data:`TRANSACTIONS_COLUMNS`: each column's dtype by its
    kind, ``nullable``, ``required``; ``not_empty`` as a minimum string
    length of 1, ``non_negative`` as ``ge(0)``, ``finite`` as
    ``numpy.isfinite``; no other columns (``strict``). ``integer_ids``: the
    id column is ``Int64`` and has no string rule.

    >>> sorted(pandera_schema().columns) == sorted(CANONICAL_COLUMNS)
    True
    >>> pandera_schema(integer_ids=True).columns["customer_id"].dtype
    DataType(Int64)
    """
    pa = _pandera()
    finite = pa.Check(lambda s: np.isfinite(s), error="not finite")
    columns = {}
    for rule in TRANSACTIONS_COLUMNS:
        checks = []
        if rule.not_empty and not (integer_ids and rule.kind == "id"):
            checks.append(pa.Check.str_length(min_value=1))
        if rule.non_negative:
            checks.append(pa.Check.ge(0))
        if rule.finite:
            checks.append(finite)
        dtype = "Int64" if integer_ids and rule.kind == "id" else _PANDERA_DTYPES[rule.kind]
        columns[rule.name] = pa.Column(dtype, checks, nullable=rule.nullable, required=rule.required)
    return pa.DataFrameSchema(columns, strict=True, name="transactions")


def _pandera() -> Any:
    """The ``pandera.pandas`` module, imported on first use (about 0.6 s, more with PySpark installed).

    Only the pandas reader's schema needs pandera, so neither importing the data layer nor a
    metric on a Parquet file or a typed frame pays for it. pandera imports ``pyspark.pandas``
    when PySpark is installed (the optional Spark engine), and PySpark warns on import that it
    does not yet fully support pandas 3: not about crmlab's use, so that warning is silenced.

    >>> _pandera().__name__
    'pandera.pandas'
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="PySpark does not yet fully support", category=FutureWarning)
        import pandera.pandas as pa
    return pa


@functools.cache
def transactions_schema(integer_ids: bool = False) -> pa.DataFrameSchema:
    """The pandera schema of the canonical table (:func:`pandera_schema`), built once, on first use.

    The value checks applied after type coercion: text ids (:data:`TRANSACTIONS_SCHEMA`), or
    ``integer_ids`` (the same schema with ``customer_id`` an integer column).

    >>> import crmlab.data.schema
    >>> transactions_schema() is transactions_schema() is crmlab.data.schema.TRANSACTIONS_SCHEMA
    True
    """
    return pandera_schema(integer_ids=integer_ids)


def __getattr__(name: str) -> Any:
    """:data:`TRANSACTIONS_SCHEMA` (text ids) and ``_INTEGER_ID_SCHEMA``, built on first access (PEP 562)."""
    if name == "TRANSACTIONS_SCHEMA":
        return transactions_schema()
    if name == "_INTEGER_ID_SCHEMA":
        return transactions_schema(integer_ids=True)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


#: How pandera's check names read to a person.
CHECK_MESSAGES = {
    "not_nullable": "missing value",
    "str_length(1, None)": "empty value",
    "greater_than_or_equal_to(0)": "negative value",
    "not finite": "not a finite number",
}

_MISSING_MESSAGES = {"id": "missing value", "timestamp": "unparseable or missing date"}


def row_checks(present: tuple[str, ...] | list[str] = REQUIRED_COLUMNS, text_ids: bool = True) -> dict[tuple[str, str], tuple[str, ...]]:
    """The lazy readers' row checks of the columns ``present``: (column, message) → the conditions that fail it.

    Derived from :data:`TRANSACTIONS_COLUMNS`, for Polars and Spark to write
    as expressions (a row fails a check when any of its conditions holds):

    - ``"null"``: the value is missing after the cast (a required column);
    - ``"empty"``: an empty text id (``text_ids`` only);
    - ``"nan"``, ``"negative"``, ``"infinite"``: NaN, below 0, ±infinity;
    - ``"unread"``: the cell was written (not a missing marker) but the cast
      gave null (an optional number, where a missing value is allowed).

    A required column's missing-value check also catches a value that does
    not convert (the cast gives null); an optional number's rules are one
    check. Labels have none.

    >>> row_checks()[("amount", "missing or non-numeric amount")]
    ('null', 'nan')
    >>> row_checks(["customer_id", "date", "amount", "quantity"], text_ids=False)[("customer_id", "missing value")]
    ('null',)
    >>> row_checks(["customer_id", "date", "amount", "quantity"])[("quantity", "non-numeric, negative or non-finite quantity")]
    ('unread', 'negative', 'nan', 'infinite')
    """
    checks: dict[tuple[str, str], tuple[str, ...]] = {}
    for rule in TRANSACTIONS_COLUMNS:
        if rule.name not in present or rule.kind == "label":
            continue
        if rule.required:
            missing = ("null", "empty") if rule.not_empty and text_ids else ("null",)
            if rule.kind == "number":
                checks[(rule.name, f"missing or non-numeric {rule.name}")] = ("null", "nan")
            else:
                checks[(rule.name, _MISSING_MESSAGES[rule.kind])] = missing
            if rule.non_negative:
                checks[(rule.name, "negative value")] = ("negative",)
            if rule.finite:
                checks[(rule.name, "not a finite number")] = ("infinite",)
        elif rule.kind == "number":
            words = ["non-numeric", *(["negative"] if rule.non_negative else []), *(["non-finite"] if rule.finite else [])]
            message = f"{', '.join(words[:-1])} or {words[-1]} {rule.name}" if len(words) > 1 else f"{words[0]} {rule.name}"
            checks[(rule.name, message)] = ("unread", *(["negative"] if rule.non_negative else []), *(["nan", "infinite"] if rule.finite else []))
    return checks


def shown(message: str, value: Any) -> Problem:
    """A problem showing the value as written; a null (None, NaN, NA) as "missing value (None)", in every engine.

    >>> shown("missing value", "NA").value, shown("missing value", float("nan")).message
    ('NA', 'missing value (None)')
    """
    if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)):
        return Problem(f"{message} (None)")  # None, NaN, NA or NaT: one word in every engine
    return Problem(message, value=value)


def _apply_mapping(frame: pd.DataFrame, columns: Mapping[str, str] | None, source: str) -> pd.DataFrame:
    """The frame with its column names stripped and renamed by ``columns`` (yours → canonical).

    A name the data holds twice, a mapping to a non-canonical name or from a column the data
    lacks, and two columns that would get the same name are DataErrors.
    """
    frame = frame.rename(columns=lambda c: str(c).strip())
    _refuse_duplicates(frame.columns, source, "the data")
    if not columns:
        return frame
    problems = []
    for user, canonical in columns.items():
        if canonical not in CANONICAL_COLUMNS:
            problems.append(
                Problem(
                    f"columns= maps {user!r} to {canonical!r}, which is not a canonical column "
                    f"({', '.join(CANONICAL_COLUMNS)})"
                )
            )
        elif user not in frame.columns:
            problems.append(
                Problem(f"columns= names {user!r}, which is not in the data (has: {', '.join(map(str, frame.columns))})")
            )
    if problems:
        raise DataError(source, problems)
    sources: dict[str, list[str]] = {}
    for name in frame.columns:
        sources.setdefault(columns.get(name, name), []).append(name)
    clashes = {target: names for target, names in sources.items() if len(names) > 1}
    if clashes:
        raise DataError(
            source,
            [
                Problem(f"columns {' and '.join(map(repr, names))} would both be {target!r}: map only one of them with columns=", column=target)
                for target, names in clashes.items()
            ],
        )
    return frame.rename(columns=dict(columns))
