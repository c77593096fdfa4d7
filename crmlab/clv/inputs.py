"""Checking the inputs of the CLV models: the per-customer summaries they are fitted to, and the
arguments of their predictions.

Every "Buy Till You Die" model takes, per customer, the repeat-transaction
count x (``frequency``), the time of the last transaction t_x (``recency``)
and the length of observation T, as :func:`crmlab.customers.transaction_summary`
returns them. A summary that breaks the definitions (recency after T, a
negative count, a recency without a repeat purchase, NaN) would give a finite
but meaningless likelihood, so it is rejected here with the rows named.

Many customers share the same summary, above all in discrete time and in large
bases, and the likelihood only depends on the summary, so identical rows are
fitted once with a weight (their count): :func:`compress`.

The arguments of the predictions (a horizon t, a number of periods, a discount
rate, a retention rate, a margin) go through :func:`check_argument`, which
refuses the impossible ones (negative horizons, NaN, infinities, text, arrays
of the wrong shape) with a ValueError that names the argument and the value.
"""

from __future__ import annotations

import reprlib
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from crmlab.data.errors import MAX_PROBLEMS_SHOWN, DataError, Problem
from crmlab.data.tables import bounds_message

__all__ = ["as_columns", "check_argument", "check_rft", "check_weights", "compress"]

_SOURCE = "customer summary"
#: Below this many rows :func:`compress` sorts with numpy; above it a pandas groupby is faster.
_SORT_LIMIT = 50_000
#: Odd 64-bit multipliers that spread each column's bits over the row hash of :func:`_all_distinct`.
_HASH_MULTIPLIERS = (0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0x27D4EB2F165667C5)


def check_argument(
    value: Any,
    name: str,
    *,
    at_least: float | None = None,
    above: float | None = None,
    at_most: float | None = None,
    below: float | None = None,
    whole: bool = False,
    infinite: bool = False,
    scalar: bool = False,
    length: int | None = None,
) -> Any:
    """A prediction's argument as floats, or a ValueError naming the argument and the offending value.

    The domain is given by the bounds (``at_least`` ≤ v, ``above`` < v,
    v ≤ ``at_most``, v < ``below``) and ``whole`` (whole numbers only, e.g. a
    number of periods). Always refused: text, booleans and other non-numbers,
    NaN, and infinities unless ``infinite`` (then +∞ is allowed, e.g. an
    infinite horizon; −∞ still has to meet the bounds). Shape: ``scalar``
    asks for one number; ``length`` n for one number or a 1-D array of n (one
    per customer; any length when n = 1, e.g. several horizons of one
    customer); otherwise any shape. For an array the message names the
    first bad position (and the index label of a Series).

    Returns a float when ``scalar``, else a float array of the input's shape.

    >>> check_argument(2, "t", at_least=0)
    array(2.)
    >>> check_argument([0.5, -5, -1], "t", at_least=0)
    Traceback (most recent call last):
    ...
    ValueError: t must be ≥ 0 (got -5.0 at position 1, the first of 2)
    >>> check_argument(float("nan"), "discount_rate", at_least=0, scalar=True)
    Traceback (most recent call last):
    ...
    ValueError: discount_rate must be finite (got nan)
    """
    arr = _as_floats(value, name)
    shape = np.shape(arr)
    if scalar and arr.ndim != 0:
        raise ValueError(f"{name} must be a single number (got an array of shape {shape})")
    if length is not None and arr.ndim != 0 and (arr.ndim != 1 or arr.size not in (1, length) and length != 1):
        raise ValueError(f"{name} must be one number or one per customer, {length} values (got an array of shape {shape})")
    missing = np.isnan(arr) if infinite else ~np.isfinite(arr)
    if missing.any():
        must = "must not be NaN" if infinite else "must be finite"
        raise ValueError(f"{name} {must} (got {_where(value, arr, missing)})")
    bad = np.zeros(shape, dtype=bool)
    limits = []
    if at_least is not None:
        bad |= arr < at_least
        limits.append(("[", f"≥ {at_least:g}", at_least))
    if above is not None:
        bad |= arr <= above
        limits.append(("(", f"> {above:g}", above))
    if at_most is not None:
        bad |= arr > at_most
        limits.append(("]", f"≤ {at_most:g}", at_most))
    if below is not None:
        bad |= arr >= below
        limits.append((")", f"< {below:g}", below))
    if whole:
        bad |= np.isfinite(arr) & (arr != np.floor(arr))
    if bad.any():
        if len(limits) == 2:
            (left, _, low), (right, _, high) = limits
            domain = f"in {left}{low:g}, {high:g}{right}"
        else:
            domain = " ".join(text for _, text, _ in limits)
        if whole:
            domain = f"a whole number {domain}".rstrip()
        raise ValueError(f"{name} must be {domain} (got {_where(value, arr, bad)})")
    return float(arr) if scalar else arr


def _as_floats(value: Any, name: str) -> np.ndarray:
    """The value as a float array; None, text, booleans and other non-numbers refused (missing cells are NaN)."""
    refused = ValueError(f"{name} must be a number or an array of numbers (got {reprlib.repr(value)})")
    if isinstance(value, (pd.Series, pd.Index)):
        if not pd.api.types.is_numeric_dtype(value.dtype) or pd.api.types.is_bool_dtype(value.dtype):
            raise refused
        return value.to_numpy(dtype=float, na_value=np.nan)
    if value is None:
        raise refused
    try:
        raw = np.asarray(value)
    except ValueError:  # ragged nested sequences
        raise refused from None
    if raw.dtype.kind in "iuf":
        return raw.astype(float)
    if raw.dtype.kind == "O" and not any(isinstance(v, (str, bytes, bool, np.bool_)) for v in raw.flat):
        try:
            return raw.astype(float)
        except (TypeError, ValueError):
            pass
    raise refused


def _where(value: Any, arr: np.ndarray, bad: np.ndarray) -> str:
    """The first offending value, with its position (and index label) in an array, and how many there are."""
    flat = np.flatnonzero(bad)
    text = repr(float(arr.reshape(-1)[flat[0]]))
    if arr.ndim == 0:
        return text
    position = np.unravel_index(flat[0], arr.shape)
    text += f" at position {position[0] if arr.ndim == 1 else tuple(int(i) for i in position)}"
    if isinstance(value, pd.Series) and not isinstance(value.index, pd.RangeIndex):
        text += f" ({value.index[flat[0]]!r})"
    if len(flat) > 1:
        text += f", the first of {len(flat)}"
    return text


def as_columns(
    first: Any, rest: Sequence[Any], names: Sequence[str], *, model: str
) -> tuple[dict[str, np.ndarray], pd.Index]:
    """The model's input columns as float arrays, and the row labels to name in errors.

    ``first`` is either a DataFrame holding the columns ``names`` (the
    output of ``transaction_summary``) or the first column itself, with the
    other columns in ``rest``.

    >>> cols, labels = as_columns([1, 0], [[2.0, 0.0], [5.0, 4.0]], ["frequency", "recency", "T"], model="BetaGeo")
    >>> cols["T"].tolist(), labels.tolist()
    ([5.0, 4.0], [0, 1])
    """
    if isinstance(first, pd.DataFrame):
        if any(r is not None for r in rest):
            raise TypeError(f"{model}: pass either a summary DataFrame or the columns, not both")
        missing = [n for n in names if n not in first.columns]
        if missing:
            raise DataError(
                _SOURCE,
                [Problem(f"missing column (the model needs {', '.join(names)})", column=m) for m in missing],
            )
        values = [first[n] for n in names]
        labels = first.index
    else:
        if len(rest) != len(names) - 1 or any(r is None for r in rest):
            raise TypeError(f"{model}: needs {', '.join(names)} (or a DataFrame with those columns)")
        values = [first, *rest]
        labels = next((v.index for v in values if isinstance(v, pd.Series)), None)
    columns: dict[str, np.ndarray] = {}
    problems: list[Problem] = []
    for name, value in zip(names, values, strict=True):
        try:
            arr = np.asarray(value, dtype=float).reshape(-1)
        except (TypeError, ValueError):
            problems.append(Problem("not numeric", column=name, value=_first_non_number(value)))
            continue
        columns[name] = arr
    if problems:
        raise DataError(_SOURCE, problems)
    lengths = {len(v) for v in columns.values()}
    if len(lengths) != 1:
        raise ValueError(f"{model}: columns {', '.join(names)} differ in length ({sorted(lengths)})")
    n = lengths.pop()
    if n == 0:
        raise DataError(_SOURCE, [Problem("no customers to fit")])
    if labels is None or len(labels) != n:
        labels = pd.RangeIndex(n)
    return columns, labels


def _problems(
    labels: pd.Index, bad: np.ndarray, column: str, message: str, values: np.ndarray
) -> tuple[list[Problem], int]:
    idx = np.flatnonzero(bad)
    shown = [Problem(message, row=labels[i], column=column, value=float(values[i])) for i in idx[:MAX_PROBLEMS_SHOWN]]
    return shown, len(idx)


def _raise(found: list[tuple[list[Problem], int]]) -> None:
    problems = [p for shown, _ in found for p in shown]
    total = sum(n for _, n in found)
    if total:
        raise DataError(_SOURCE, problems, n_problems=total)


def check_rft(
    frequency: np.ndarray,
    recency: np.ndarray,
    T: np.ndarray,
    labels: pd.Index,
    *,
    discrete: bool = False,
) -> None:
    """Reject summaries that break the definitions of frequency, recency and T.

    Rules: all finite; frequency a whole number ≥ 0; recency ≥ 0; T > 0;
    recency ≤ T; frequency 0 ⇒ recency 0. In discrete time (BG/BB: x
    transactions in n opportunities, the last at opportunity t_x) also
    x ≤ t_x and whole numbers for t_x and n.

    >>> check_rft(np.array([1.0]), np.array([3.0]), np.array([2.0]), pd.Index(["C1"]))
    Traceback (most recent call last):
    ...
    crmlab.data.errors.DataError: customer summary: 1 problem
      row C1, column 'recency': recency is after T (3.0)
    """
    found: list[tuple[list[Problem], int]] = []
    cols = {"frequency": frequency, "recency": recency, "T": T}
    for name, v in cols.items():
        found.append(_problems(labels, ~np.isfinite(v), name, "missing or infinite value", v))
    _raise(found)
    found.append(_problems(labels, frequency < 0, "frequency", bounds_message(0), frequency))
    found.append(_problems(labels, frequency != np.floor(frequency), "frequency", "frequency is not a whole number", frequency))
    found.append(_problems(labels, recency < 0, "recency", bounds_message(0), recency))
    found.append(_problems(labels, T <= 0, "T", "T must be positive", T))
    found.append(_problems(labels, recency > T, "recency", "recency is after T", recency))
    found.append(
        _problems(labels, (frequency == 0) & (recency != 0), "recency", "recency must be 0 when frequency is 0", recency)
    )
    if discrete:
        found.append(_problems(labels, frequency > recency, "frequency", "more transactions than the recency allows", frequency))
        for name, v in (("recency", recency), ("T", T)):
            found.append(_problems(labels, v != np.floor(v), name, "not a whole number of periods", v))
    _raise(found)


def check_weights(weights: Any, n: int, labels: pd.Index) -> np.ndarray:
    """Weights (counts of identical customers) as a float array: finite, ≥ 0, not all 0.

    >>> check_weights(None, 2, pd.RangeIndex(2)).tolist()
    [1.0, 1.0]
    """
    if weights is None:
        return np.ones(n)
    w = np.asarray(weights, dtype=float).reshape(-1)
    if len(w) != n:
        raise ValueError(f"weights has {len(w)} values for {n} customers")
    found = [_problems(labels, ~np.isfinite(w) | (w < 0), "weights", "weight must be finite and ≥ 0", w)]
    _raise(found)
    if w.sum() <= 0:
        raise DataError(_SOURCE, [Problem("all weights are 0", column="weights")])
    return w


def _all_distinct(columns: Mapping[str, np.ndarray]) -> bool:
    """Whether no two rows are identical, from a 64-bit hash of each row (a hash table, no sort).

    Equal hashes of different rows (rare) only make the answer False, and the rows are then compressed.
    """
    h = np.zeros(len(next(iter(columns.values()))), np.uint64)
    for column, multiplier in zip(columns.values(), _HASH_MULTIPLIERS, strict=False):
        bits = (np.asarray(column, dtype=float) + 0.0).view(np.uint64)  # + 0.0: −0.0 as 0.0
        h ^= bits * np.uint64(multiplier)
        h = (h << np.uint64(29)) | (h >> np.uint64(35))
    return not pd.Series(h).duplicated().any()


def _mostly_distinct(column: np.ndarray, sample: int = 100_000) -> bool:
    """Whether most of the first ``sample`` values of a column differ (continuous times, not whole days)."""
    head = np.asarray(column)[:sample]
    return len(pd.unique(head)) > len(head) // 2


def compress(columns: Mapping[str, np.ndarray], weights: np.ndarray) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Identical rows merged into one, with their weights summed.

    The likelihood of these models depends on a customer only through the
    columns, so the weighted log-likelihood of the compressed data equals that
    of the full data, and a fit costs the number of *distinct* summaries.
    The rows come out sorted, except that a large input (from 50,000 rows)
    whose rows are all distinct comes back as it is, in its own order.

    >>> cols, w = compress({"x": np.array([1.0, 1.0, 2.0])}, np.ones(3))
    >>> cols["x"].tolist(), w.tolist()
    ([1.0, 2.0], [2.0, 1.0])
    """
    keys = list(columns)
    if len(weights) >= _SORT_LIMIT and _all_distinct(columns):
        # nothing to merge (continuous times): the rows stay in their order, unsorted, which saves seconds
        keep = np.asarray(weights, dtype=float) > 0
        return {k: np.asarray(columns[k], dtype=float)[keep] for k in keys}, np.asarray(weights, dtype=float)[keep]
    if len(weights) < _SORT_LIMIT or _mostly_distinct(columns[keys[-1]]):
        # small inputs: a lexicographic sort is ~15× faster than a pandas groupby (benchmarks/clv_fit.py);
        # so it is on millions of mostly distinct rows (continuous times), where the groupby's combined
        # group index grows faster than the rows (30 s for 5M rows, against 2 s)
        table = np.column_stack([np.asarray(columns[k], dtype=float) for k in keys])
        order = np.lexsort(table.T[::-1])
        ordered = table[order]
        new = np.r_[True, np.any(ordered[1:] != ordered[:-1], axis=1)]
        summed = np.bincount(np.cumsum(new) - 1, weights=np.asarray(weights, dtype=float)[order])
        keep = summed > 0
        unique = ordered[new][keep]
        return {k: unique[:, j].copy() for j, k in enumerate(keys)}, summed[keep]
    frame = pd.DataFrame(dict(columns))
    frame["_w"] = weights
    grouped = frame.groupby(keys, sort=True, as_index=False)["_w"].sum()
    grouped = grouped[grouped["_w"] > 0]
    return {k: grouped[k].to_numpy(dtype=float) for k in columns}, grouped["_w"].to_numpy(dtype=float)


def _first_non_number(values: Any) -> Any:
    """The first value of a column that does not read as a number (for the message), or None."""
    for value in np.asarray(values, dtype=object).reshape(-1):
        try:
            float(value)
        except (TypeError, ValueError):
            return value
    return None
