"""The checked transactions table: a pandas frame the readers have checked is not checked again.

:func:`~crmlab.data.read_transactions` (and so :func:`~crmlab.data.load_transactions`
and :func:`~crmlab.data.load_cdnow`) and :func:`~crmlab.data.validate_transactions`
mark the canonical frame they return as checked (:func:`mark_checked`). Every
metric of :mod:`crmlab.customers` reads its input through
:func:`~crmlab.data.scan_transactions`, which passes a frame that
:func:`is_checked` recognises straight to Polars, without coercing and checking
it again (at a million rows that check costs more than the metric).

A frame changed after the check is not trusted blindly. The mark is a
fingerprint of the frame: its shape, column names, dtypes and the memory
address of each column's data (the NumPy buffer, or the Arrow buffers of a
string column). Any operation that gives new values gives a column new
memory: an assignment, ``assign``, ``astype``, a filter, a sort, ``concat``,
a copy. Writing into the frame in place (``frame.loc[0, "amount"] = -1``)
would keep the memory, so the mark also holds a shallow copy of the frame
(a *witness*, sharing its memory): under pandas' copy-on-write (the only
mode since pandas 3.0) a frame whose memory another frame shares copies a
column before writing into it, so the column moves and the fingerprint no
longer matches. A frame that shares the checked columns without changing
them (``frame[["customer_id", "date", "amount"]]``, ``frame.copy(deep=False)``)
has the same memory and the same values, and is recognised as checked.

How others do it: pandera's ``check_types`` skips validating a frame that
carries the same schema in its registry (keyed by the object's ``id``, cleared
by a weak reference when the object dies), and trusts it even if its values
were changed in place since; Polars keeps facts such as "sorted" as flags on a
column, which any operation producing a new column drops. This mark keeps
pandera's registry (by ``id``, dropped with the frame) and Polars' rule (a fact
about memory, lost when the memory changes), and the witness closes the
in-place gap. A thin typed wrapper class would change what
:func:`~crmlab.data.read_transactions` returns (a pandas DataFrame that
notebooks use as one), so the readers keep returning plain frames.

The witness costs no memory until the frame is written into; then the
checked columns are kept alive, alongside the changed frame, until the frame
is released.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["is_checked", "mark_checked"]


class _Mark:
    """What the check saw: the fingerprint, the missing markers it applied, and the witness."""

    __slots__ = ("fingerprint", "na_values", "witness")

    def __init__(self, fingerprint: tuple, na_values: tuple[str, ...], witness: pd.DataFrame) -> None:
        self.fingerprint, self.na_values, self.witness = fingerprint, na_values, witness


_marks: dict[int, _Mark] = {}


def _column_memory(values: pd.Series) -> tuple:
    """The addresses of a column's data buffers (Arrow-backed columns: every buffer of every chunk)."""
    array = values.array
    if hasattr(array, "__arrow_array__"):  # pandas' Arrow-backed arrays (the default str dtype): zero copy
        arrow = array.__arrow_array__()
        chunks = getattr(arrow, "chunks", [arrow])
        return tuple(buffer.address for chunk in chunks for buffer in chunk.buffers() if buffer is not None)
    data = np.asarray(array)  # a view of the column's NumPy data, not a copy
    return (data.__array_interface__["data"][0], data.strides)


def fingerprint(frame: pd.DataFrame) -> tuple:
    """Shape, column names, dtypes and the memory of each column: equal only for the same data.

    >>> frame = pd.DataFrame({"amount": [1.0, 2.0]})
    >>> fingerprint(frame) == fingerprint(frame[["amount"]]), fingerprint(frame) == fingerprint(frame.copy())
    (True, False)
    """
    return (
        frame.shape,
        tuple(frame.columns),
        tuple(str(dtype) for dtype in frame.dtypes),
        tuple(_column_memory(frame.iloc[:, i]) for i in range(frame.shape[1])),
    )


def mark_checked(frame: pd.DataFrame, na_values: Iterable[str]) -> pd.DataFrame:
    """Record that ``frame`` is a canonical transactions table, checked with the missing markers ``na_values``.

    Called by the readers on the frame they return (and returns it). Only a
    reader that has coerced and checked every canonical column should call it.

    >>> frame = mark_checked(pd.DataFrame({"customer_id": ["a"], "date": [pd.Timestamp("2021-01-01")],
    ...                                    "amount": [1.0]}), na_values=("NA",))
    >>> is_checked(frame, na_values=("NA",))
    True
    """
    key = id(frame)
    if key not in _marks:
        weakref.finalize(frame, _marks.pop, key, None)
    _marks[key] = _Mark(fingerprint(frame), tuple(na_values), frame.copy(deep=False))
    return frame


def is_checked(frame: Any, na_values: Iterable[str] | None = None) -> bool:
    """True if ``frame`` is (or shares, unchanged, every column of) a table a reader checked.

    With ``na_values``, also that the check read the same cell texts as missing
    (a frame checked with ``na_values=()`` keeps a customer id ``NA``, which the
    default markers would refuse). A frame of another shape, columns, dtypes or
    memory (changed since, see the module's note) is not.

    >>> frame = pd.DataFrame({"customer_id": ["a"], "date": [pd.Timestamp("2021-01-01")], "amount": [1.0]})
    >>> is_checked(frame)
    False
    >>> checked = mark_checked(frame, na_values=())
    >>> is_checked(checked), is_checked(checked.assign(amount=-1.0))
    (True, False)
    >>> checked.loc[0, "amount"] = -1.0  # written in place: the column moves (copy-on-write)
    >>> is_checked(checked)
    False
    """
    if not isinstance(frame, pd.DataFrame):
        return False
    mark = _marks.get(id(frame))
    if mark is None:
        return _shares_a_checked_frame(frame, na_values)
    if na_values is not None and tuple(na_values) != mark.na_values:
        return False
    return mark.fingerprint == fingerprint(frame)


def _shares_a_checked_frame(frame: pd.DataFrame, na_values: Iterable[str] | None) -> bool:
    """Whether an unmarked frame is a checked one's columns, unchanged (a selection or a shallow copy)."""
    if not _marks:
        return False
    seen = fingerprint(frame)
    wanted = None if na_values is None else tuple(na_values)
    for mark in list(_marks.values()):
        if mark.fingerprint == seen and (wanted is None or wanted == mark.na_values):
            return True
    return False
