"""Checking and compressing the per-customer summaries that CLV models are fitted to.

Every "Buy Till You Die" model takes, per customer, the repeat-transaction
count x (``frequency``), the time of the last transaction t_x (``recency``)
and the length of observation T, as :func:`crmlab.customers.transaction_summary`
returns them. A summary that breaks the definitions (recency after T, a
negative count, a recency without a repeat purchase, NaN) would give a finite
but meaningless likelihood, so it is rejected here with the rows named.

Many customers share the same summary, above all in discrete time and in large
bases, and the likelihood only depends on the summary, so identical rows are
fitted once with a weight (their count): :func:`compress`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from crmlab.data.errors import MAX_PROBLEMS_SHOWN, DataError, Problem

__all__ = ["as_columns", "check_rft", "check_weights", "compress"]

_SOURCE = "customer summary"
#: Below this many rows :func:`compress` sorts with numpy; above it a pandas groupby is faster.
_SORT_LIMIT = 50_000


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
            problems.append(Problem("not numeric", column=name))
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
    found.append(_problems(labels, frequency < 0, "frequency", "negative frequency", frequency))
    found.append(_problems(labels, frequency != np.floor(frequency), "frequency", "frequency is not a whole number", frequency))
    found.append(_problems(labels, recency < 0, "recency", "negative recency", recency))
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


def compress(columns: Mapping[str, np.ndarray], weights: np.ndarray) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Identical rows merged into one, with their weights summed.

    The likelihood of these models depends on a customer only through the
    columns, so the weighted log-likelihood of the compressed data equals that
    of the full data, and a fit costs the number of *distinct* summaries.

    >>> cols, w = compress({"x": np.array([1.0, 1.0, 2.0])}, np.ones(3))
    >>> cols["x"].tolist(), w.tolist()
    ([1.0, 2.0], [2.0, 1.0])
    """
    keys = list(columns)
    if len(weights) < _SORT_LIMIT:
        # small inputs: a lexicographic sort is ~15× faster than a pandas groupby (benchmarks/clv_fit.py)
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
