"""The transactions table's rules, declared once (crmlab.data.schema), and what each engine derives.

Checked against a second implementation: the rules as they were written by hand
for each engine before the declaration (the pandera schema literal, the Polars
and Spark check lists, copied here), which the derived rules must equal, check
for check and message for message; and against hand-worked rows for the Polars
expressions.
"""

from __future__ import annotations

import numpy as np
import pandera.pandas as pa
import polars as pl

from crmlab.data.polars_reader import required_column_checks
from crmlab.data.schema import (
    CANONICAL_COLUMNS,
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    TRANSACTIONS_SCHEMA,
    pandera_schema,
    row_checks,
)

_finite = pa.Check(lambda s: np.isfinite(s), error="not finite")
HAND_WRITTEN_SCHEMA = pa.DataFrameSchema(
    {
        "customer_id": pa.Column(str, pa.Check.str_length(min_value=1), nullable=False),
        "date": pa.Column("datetime64[ns]", nullable=False),
        "amount": pa.Column(float, [pa.Check.ge(0), _finite], nullable=False),
        "channel": pa.Column(str, nullable=True, required=False),
        "quantity": pa.Column(float, [pa.Check.ge(0), _finite], nullable=True, required=False),
        "category": pa.Column(str, nullable=True, required=False),
    },
    strict=True,
    name="transactions",
)


def _described(schema: pa.DataFrameSchema) -> dict:
    return {
        name: (str(c.dtype), c.nullable, c.required, [str(check) for check in c.checks])
        for name, c in schema.columns.items()
    } | {"_frame": (schema.strict, schema.name)}


def test_the_derived_pandera_schema_is_the_hand_written_one():
    assert _described(TRANSACTIONS_SCHEMA) == _described(HAND_WRITTEN_SCHEMA)
    integer = _described(pandera_schema(integer_ids=True))
    assert integer.pop("customer_id") == ("Int64", False, True, [])
    assert {k: v for k, v in _described(HAND_WRITTEN_SCHEMA).items() if k != "customer_id"} == integer


def test_the_column_lists_come_from_the_declaration():
    assert REQUIRED_COLUMNS == ("customer_id", "date", "amount")
    assert OPTIONAL_COLUMNS == ("channel", "quantity", "category")
    assert CANONICAL_COLUMNS == REQUIRED_COLUMNS + OPTIONAL_COLUMNS


def test_the_lazy_row_checks_are_the_hand_written_ones():
    """The Polars and Spark readers' checks as they were written by hand: the same keys, in the same order."""
    assert list(row_checks(CANONICAL_COLUMNS)) == [
        ("customer_id", "missing value"),
        ("date", "unparseable or missing date"),
        ("amount", "missing or non-numeric amount"),
        ("amount", "negative value"),
        ("amount", "not a finite number"),
        ("quantity", "non-numeric, negative or non-finite quantity"),
    ]
    assert row_checks(text_ids=True)[("customer_id", "missing value")] == ("null", "empty")
    assert row_checks(text_ids=False)[("customer_id", "missing value")] == ("null",)
    assert ("quantity", "non-numeric, negative or non-finite quantity") not in row_checks(REQUIRED_COLUMNS)


def test_the_polars_expressions_flag_hand_worked_rows():
    rows = pl.DataFrame(
        {
            "customer_id": ["a", "", None, "d", "e", "f"],
            "date": [1, 1, 1, None, 1, 1],
            "amount": [1.0, 1.0, 1.0, 1.0, -2.0, float("inf")],
        }
    )
    flagged = rows.select(**{f"{c}|{m}": e.fill_null(False) for (c, m), e in required_column_checks().items()})
    assert flagged.to_dict(as_series=False) == {
        "customer_id|missing value": [False, True, True, False, False, False],
        "date|unparseable or missing date": [False, False, False, True, False, False],
        "amount|missing or non-numeric amount": [False, False, False, False, False, False],
        "amount|negative value": [False, False, False, False, True, False],
        "amount|not a finite number": [False, False, False, False, False, True],
    }
