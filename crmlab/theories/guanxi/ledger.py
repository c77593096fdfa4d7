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

import pandas as pd

from crmlab.data.tables import Column, ProblemLog, load_table

__all__ = ["FAVOUR_COLUMNS", "TIE_TYPES", "read_favour_ledger"]

REQUIRED = ("giver", "receiver", "date", "value", "tie_type")
OPTIONAL = ("favour_id", "kind")
#: The columns of the canonical favour ledger (required first).
FAVOUR_COLUMNS = REQUIRED + OPTIONAL
#: The bases of guanxi, closest first (Hwang 1987: expressive, mixed, instrumental ties).
TIE_TYPES = ("family", "clan", "friendship", "business")
_ALIASES = {"kin": "family", "friend": "friendship", "friends": "friendship", "community": "clan",
            "clan/community": "clan", "native place": "clan", "classmate": "friendship", "work": "business"}


def read_favour_ledger(
    source: Any,
    *,
    columns: Mapping[str, str] | None = None,
    date_format: str | None = None,
    dayfirst: bool | None = None,
) -> pd.DataFrame:
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
    ones. Names and favour ids are compared by value (:mod:`crmlab.data.ids`),
    missing cells follow :mod:`crmlab.data.missing`, and dates the lab's one
    date policy (:mod:`crmlab.data.dates`): one format for the whole column,
    a column that reads as well day-first as month-first is refused unless
    ``dayfirst=`` or ``date_format=`` says which. Rows come back sorted by date.

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
      row 0, column 'value': must be positive (-5)
      row 0, column 'tie_type': must be one of family, clan, friendship, business ('cousin')
    """
    name, frame = load_table(source, what="favour ledger", required=REQUIRED, rename=columns)
    report = ProblemLog(frame, name)
    ledger = pd.DataFrame(index=frame.index)
    for column in ("giver", "receiver"):
        ledger[column] = report.ids(column, message=f"missing {column}")
    report(ledger["giver"].notna() & (ledger["giver"] == ledger["receiver"]), "receiver", "a favour to oneself")
    ledger["date"] = report.dates("date", date_format=date_format, dayfirst=dayfirst)
    ledger["value"] = report.numbers(Column("value", positive=True))
    tie = report.labels("tie_type", lower=True, message="missing tie type").map(lambda v: _ALIASES.get(v, v), na_action="ignore")
    ledger["tie_type"] = tie
    report(tie.notna() & ~tie.isin(TIE_TYPES), "tie_type", f"must be one of {', '.join(TIE_TYPES)}")
    if "favour_id" in frame.columns:
        ledger["favour_id"] = report.ids("favour_id", required=False)
        report(ledger["favour_id"].notna() & ledger["favour_id"].duplicated(keep="first"), "favour_id", "duplicate favour id")
    else:
        ledger["favour_id"] = [f"F{i + 1:06d}" for i in range(len(frame))]
    ledger["kind"] = report.labels("kind", required=False) if "kind" in frame.columns else None
    report.raise_if_any()
    return ledger[list(FAVOUR_COLUMNS)].sort_values(["date", "favour_id"], kind="stable").reset_index(drop=True)
