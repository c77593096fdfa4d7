"""Identifiers compared by value: one cleaning of id and label columns for every small-table reader.

An id column can arrive as integers (``7``), as floats (``7.0``: pandas turns
an integer column with a gap into floats, and a CSV written from it holds
``"7.0"``), or as text (``"7"``, ``" 7 "``). These are the same id, so every
reader writes each id the one way :func:`clean_ids` does:

- a missing cell (the lab's one rule, :func:`crmlab.data.missing.missing_cells`)
  is ``None``;
- a whole number — an integer, an integral float, or text of digits followed
  by a decimal point and zeros only (``"7.0"``) — is its digits (``"7"``);
- any other value is its text, stripped of surrounding whitespace.

Text of digits keeps its leading zeros (``"007"`` is not ``"7"``: codes such as
postcodes are written with them), and a fractional number keeps its decimals.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from numbers import Integral, Real
from typing import Any

import numpy as np
import pandas as pd

from crmlab.data.missing import MISSING_VALUES, missing_cells

__all__ = ["clean_id", "clean_ids"]

_INTEGRAL_DECIMAL = re.compile(r"^(-?\d+)\.0*$")


def clean_id(value: Any) -> str:
    """One present id written the lab's one way: whole numbers as their digits, other values as stripped text.

    >>> clean_id(7), clean_id(7.0), clean_id(" 7 "), clean_id("7.0"), clean_id("007"), clean_id(2.5)
    ('7', '7', '7', '7', '007', '2.5')
    """
    if isinstance(value, (bool, np.bool_)):
        return str(value)
    if isinstance(value, Integral):
        return str(int(value))
    if isinstance(value, Real) and math.isfinite(float(value)) and float(value).is_integer():
        return str(int(value))
    text = str(value).strip()
    whole = _INTEGRAL_DECIMAL.match(text)
    return whole.group(1) if whole else text


def clean_ids(values: pd.Series, na_values: Iterable[str] = MISSING_VALUES) -> tuple[pd.Series, pd.Series]:
    """``(ids, missing)``: a column of ids written the lab's one way, and where its cells are missing.

    ``ids`` holds strings, ``None`` where ``missing`` is True (an empty cell or
    one of ``na_values``, by :func:`~crmlab.data.missing.missing_cells`). Ids
    compare by value: ``7``, ``7.0``, ``"7"`` and ``"7.0"`` are all ``"7"``,
    so a ``reply_to`` column of floats (NaN for "no reply") matches an
    ``act_id`` column of integers.

    >>> ids, missing = clean_ids(pd.Series([1.0, None, 3.0]))
    >>> ids.tolist(), missing.tolist()
    (['1', None, '3'], [False, True, False])
    >>> clean_ids(pd.Series([" a ", "NA", "7.0", 7]))[0].tolist()
    ['a', None, '7', '7']
    """
    missing = missing_cells(values, na_values)
    present = values[~missing]
    dtype = present.dtype
    if pd.api.types.is_integer_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
        text = present.astype("int64").astype(str)
    elif pd.api.types.is_float_dtype(dtype) and (present.abs() < 2**53).all() and (present % 1 == 0).all():
        text = present.astype("int64").astype(str)  # 7.0 from an integer column with gaps
    elif isinstance(dtype, pd.StringDtype) or present.map(type).eq(str).all():  # a file's column: text, in one pass
        text = present.str.strip().str.replace(_INTEGRAL_DECIMAL, r"\1", regex=True)
    else:
        text = present.map(clean_id)
    out = np.full(len(values), None, dtype=object)
    out[~missing.to_numpy()] = text.to_numpy(dtype=object)
    return pd.Series(out, index=values.index, dtype=object, name=values.name), missing
