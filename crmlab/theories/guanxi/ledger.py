"""The favour ledger of the Guanxi analyses, read and checked like the transactions.

One row per favour: ``giver``, ``receiver``, ``date``, ``value`` (the
favour's worth, in money or points, > 0) and ``tie_type`` — the base of the
guanxi between the two: ``family``, ``friendship``, ``clan`` (clan, native
place or community) or ``business``; optionally ``favour_id`` and ``kind``
(e.g. a loan, an introduction, a gift).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from crmlab.data.tables import ProblemLog, load_table
from crmlab.data.transactions import _as_string

__all__ = ["FAVOUR_COLUMNS", "TIE_TYPES", "read_favour_ledger"]

REQUIRED = ("giver", "receiver", "date", "value", "tie_type")
OPTIONAL = ("favour_id", "kind")
#: The columns of the canonical favour ledger (required first).
FAVOUR_COLUMNS = REQUIRED + OPTIONAL
#: The bases of guanxi, closest first (Hwang 1987: expressive, mixed, instrumental ties).
TIE_TYPES = ("family", "clan", "friendship", "business")
_ALIASES = {"kin": "family", "friend": "friendship", "friends": "friendship", "community": "clan",
            "clan/community": "clan", "native place": "clan", "classmate": "friendship", "work": "business"}


def read_favour_ledger(source: Any, *, columns: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The canonical favour ledger from a CSV/Parquet path or a DataFrame, checked.

    Guanxi (關係) are the personal ties through which people tied by family,
    friendship or clan owe each other favours (renqing, 人情) and exchange them
    to obtain resources (Hwang 1987; Luo 1997). The ledger records each favour.
    Problems reported together, by row and column, in a
    :class:`~crmlab.data.DataError`: missing columns, missing giver or receiver,
    a favour to oneself, unparseable dates, a value that is not a positive
    number, a tie type other than family, clan, friendship or business
    (common synonyms such as "friend", "kin", "community" are mapped), a
    duplicate ``favour_id``. ``columns`` maps your column names to the canonical
    ones. Rows come back sorted by date.

    Sources: Hwang, K.-K. (1987), "Face and Favor: The Chinese Power Game",
    American Journal of Sociology 92(4), 944–974; Luo, Y. (1997), "Guanxi:
    Principles, Philosophies, and Implications", Human Systems Management 16(1).

    >>> ledger = read_favour_ledger(pd.DataFrame({"giver": ["Li", "Wang"], "receiver": ["Wang", "Li"],
    ...     "date": ["2024-01-02", "2024-03-01"], "value": [100, 80], "tie_type": ["Friend", "friendship"]}))
    >>> ledger["tie_type"].tolist()
    ['friendship', 'friendship']
    >>> read_favour_ledger(pd.DataFrame({"giver": ["Li"], "receiver": ["Wang"], "date": ["2024-01-02"],
    ...     "value": [-5], "tie_type": ["cousin"]}))
    Traceback (most recent call last):
    ...
    crmlab.data.errors.DataError: DataFrame: 2 problems
      row 0, column 'value': must be a number > 0 (-5)
      row 0, column 'tie_type': must be one of family, clan, friendship, business ('cousin')
    """
    name, frame = load_table(source, what="favour ledger", required=REQUIRED, rename=columns)
    report = ProblemLog(frame)
    ledger = pd.DataFrame(index=frame.index)
    for column in ("giver", "receiver"):
        ledger[column] = _as_string(frame[column])
        blank = frame[column].isna() | (ledger[column].str.len() == 0)
        ledger.loc[blank, column] = None
        report(blank, column, f"missing {column}")
    report(ledger["giver"].notna() & (ledger["giver"] == ledger["receiver"]), "receiver", "a favour to oneself")
    raw = frame["date"]
    ledger["date"] = raw if pd.api.types.is_datetime64_any_dtype(raw) else pd.to_datetime(raw, errors="coerce", format="mixed")
    report(ledger["date"].isna(), "date", "unparseable or missing date")
    ledger["value"] = pd.to_numeric(frame["value"], errors="coerce").astype(float)
    report(~(ledger["value"] > 0) | ~np.isfinite(ledger["value"].fillna(0)), "value", "must be a number > 0")
    tie = frame["tie_type"].astype("string").str.strip().str.lower()
    tie = tie.map(lambda v: _ALIASES.get(v, v) if isinstance(v, str) else v)
    ledger["tie_type"] = tie.astype(object)
    report(~tie.isin(TIE_TYPES).fillna(False).astype(bool), "tie_type", f"must be one of {', '.join(TIE_TYPES)}")
    if "favour_id" in frame.columns:
        ledger["favour_id"] = _as_string(frame["favour_id"])
        report(frame["favour_id"].notna() & ledger["favour_id"].duplicated(keep="first"), "favour_id", "duplicate favour id")
    else:
        ledger["favour_id"] = [f"F{i + 1:06d}" for i in range(len(frame))]
    ledger["kind"] = frame["kind"].astype("string").astype(object) if "kind" in frame.columns else None
    report.raise_if_any(name)
    return ledger[list(FAVOUR_COLUMNS)].sort_values(["date", "favour_id"], kind="stable").reset_index(drop=True)
