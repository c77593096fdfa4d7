"""Survey data for the KMV model: constructs, their items, validation, reliability and scale scores.

A survey has one row per respondent and one column per Likert item, named
``<construct>_<k>`` (``trust_1``, ``trust_2``, …). The constructs of Morgan &
Hunt (1994) and their short names are in :data:`KMV_CONSTRUCTS`; the items of
a construct are found by that prefix unless a mapping is given.
:func:`infer_constructs` reads the constructs of any survey from its item
names in the common forms (``IMAG1``, ``trust_1``, ``Q1_trust``), or checks a
given mapping, and says which it used.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from crmlab.data.errors import MAX_PROBLEMS_SHOWN, DataError, Problem
from crmlab.data.missing import missing_cells
from crmlab.data.tables import check_scale
from crmlab.stats.reliability import scale_reliability

__all__ = ["KMV_CONSTRUCTS", "InferredConstructs", "construct_items", "infer_constructs", "read_survey", "reliability_table",
           "scale_scores", "validate_survey"]

logger = logging.getLogger(__name__)

#: The ten constructs of the KMV model (Morgan & Hunt 1994, figure 1): short name → meaning.
KMV_CONSTRUCTS: dict[str, str] = {
    "termination_costs": "relationship termination costs",
    "relationship_benefits": "relationship benefits",
    "shared_values": "shared values",
    "communication": "communication",
    "opportunistic_behavior": "opportunistic behaviour",
    "commitment": "relationship commitment",
    "trust": "trust",
    "acquiescence": "acquiescence",
    "propensity_to_leave": "propensity to leave",
    "cooperation": "cooperation",
    "functional_conflict": "functional conflict",
    "uncertainty": "decision-making uncertainty",
}


def construct_items(columns: Iterable[str], constructs: Mapping[str, Sequence[str]] | Sequence[str] | None = None) -> dict[str, list[str]]:
    """The construct → items mapping: given, or found by the ``<construct>_<k>`` naming rule.

    ``constructs`` may be a mapping (used as is), a list of construct names
    (items found by prefix), or None (the KMV constructs present in the columns).

    >>> construct_items(["trust_1", "trust_2", "commitment_1", "age"])
    {'commitment': ['commitment_1'], 'trust': ['trust_1', 'trust_2']}
    """
    columns = list(columns)
    if isinstance(constructs, Mapping):
        return {name: list(items) for name, items in constructs.items()}
    names = list(KMV_CONSTRUCTS) if constructs is None else list(constructs)
    found = {}
    for name in names:
        items = [c for c in columns if c.startswith(f"{name}_") and c[len(name) + 1 :].isdigit()]
        if items:
            found[name] = sorted(items, key=lambda c: int(c[len(name) + 1 :]))
        elif constructs is not None:
            raise ValueError(f"no items for construct {name!r} (expected columns {name}_1, {name}_2, …)")
    return dict(sorted(found.items()))


def read_survey(path: str | os.PathLike[str], *, index_col: str | None = None) -> pd.DataFrame:
    """Read a survey CSV (one row per respondent, items as columns); check it with :func:`validate_survey`.

    Missing answers are the cells of the lab's one rule (:mod:`crmlab.data.missing`);
    without ``index_col`` respondents are numbered from 1 (the first row under
    the header), the row numbers :func:`validate_survey` names. An unreadable
    or empty file raises a :class:`~crmlab.data.DataError` naming it.

    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "kmv.csv"
    >>> _ = path.write_text("trust_1,trust_2\\n5,NA\\n6,7\\n")
    >>> read_survey(path)
       trust_1  trust_2
    1        5      NaN
    2        6      7.0
    """
    from crmlab.data.tables import load_table

    # The lab's file loader: missing, empty, binary or damaged files, folders, duplicated headers
    # and rows the parser cannot split are DataErrors naming the file and row; rows count from 1.
    _, frame = load_table(path, what="survey")
    for column in frame.columns:  # answers as numbers where every answer is one; others as written
        missing = missing_cells(frame[column])
        numbers = pd.to_numeric(frame[column].mask(missing), errors="coerce")
        if numbers.notna().sum() == (~missing).sum():
            frame[column] = numbers
    if index_col is not None:
        if index_col not in frame.columns:
            raise DataError(str(path), [Problem(f"no column {index_col!r} for index_col= (the data has: {', '.join(map(str, frame.columns))})")])
        return frame.set_index(index_col)
    return frame


def validate_survey(
    survey: pd.DataFrame,
    constructs: Mapping[str, Sequence[str]] | Sequence[str] | None = None,
    *,
    scale: tuple[int, int] = (1, 7),
    reverse: Iterable[str] = (),
    on_invalid: str = "raise",
    source: str = "survey",
) -> pd.DataFrame:
    """Check a Likert survey and return it with reverse-coded items recoded.

    Problems looked for: missing item columns, non-numeric or non-integer
    answers, answers outside ``scale``, missing answers (empty cells and the
    markers of :mod:`crmlab.data.missing`), and *constant responders* (the
    same answer to every item, straight-lining). ``scale`` is (lowest,
    highest) scale point, whole numbers with lowest < highest: a reversed,
    degenerate or non-numeric scale is a ValueError, not a survey whose every
    answer is flagged. With
    ``on_invalid="raise"`` a :class:`~crmlab.data.DataError` lists them by
    row and column; with ``"flag"`` the survey is returned with a boolean
    column ``invalid`` and a ``problems`` column describing each flagged row
    (missing columns always raise). Reverse-coded items are recoded as
    (min + max) − answer.
    """
    if on_invalid not in ("raise", "flag"):
        raise ValueError(f"on_invalid must be 'raise' or 'flag', got {on_invalid!r}")
    low, high = check_scale(scale, whole=True)
    mapping = construct_items(survey.columns, constructs)
    if not mapping:
        raise DataError(source, [Problem("no construct items found (columns named <construct>_<k>)")])
    items = [i for group in mapping.values() for i in group]
    missing = [i for i in items if i not in survey.columns]
    reverse = list(reverse)
    missing += [r for r in reverse if r not in items]
    if missing:
        raise DataError(source, [Problem("missing item column" if m in items else "reverse-coded item is not an item of a construct", column=m) for m in missing])
    raw = survey[items]
    missing_answer = raw.apply(missing_cells)
    data = raw.mask(missing_answer).apply(pd.to_numeric, errors="coerce")
    problems: list[Problem] = []
    row_problems: dict[Any, list[str]] = {}

    def add(row: Any, column: str | None, message: str, value: Any) -> None:
        row_problems.setdefault(row, []).append(f"{column}: {message}" if column else message)
        problems.append(Problem(message, row=row, column=column, value=value))

    for column in items:
        col = data[column]
        bad_type = col.isna() & ~missing_answer[column]
        for row in col.index[bad_type]:
            add(row, column, "not a number", raw.at[row, column])
        for row in col.index[missing_answer[column]]:
            written = raw.at[row, column]
            add(row, column, "missing answer", None if pd.isna(written) else written)
        outside = col.notna() & ((col < low) | (col > high))
        for row in col.index[outside]:
            add(row, column, f"outside the scale {low}–{high}", float(col[row]))
        fractional = col.notna() & ~outside & (col != np.floor(col))
        for row in col.index[fractional]:
            add(row, column, "not a whole scale point", float(col[row]))
    constant = data.notna().all(axis=1) & (data.nunique(axis=1) == 1) & (len(items) > 1)
    for row in data.index[constant]:
        add(row, None, "constant responder (the same answer to every item)", float(data.loc[row].iloc[0]))
    out = survey.copy()
    for column in reverse:
        out[column] = (low + high) - data[column]
    if on_invalid == "raise":
        if problems:
            raise DataError(source, problems[:MAX_PROBLEMS_SHOWN], n_problems=len(problems))
        return out
    out["invalid"] = out.index.isin(list(row_problems))
    out["problems"] = [("; ".join(row_problems[r]) if r in row_problems else "") for r in out.index]
    return out


def scale_scores(
    survey: pd.DataFrame,
    constructs: Mapping[str, Sequence[str]] | Sequence[str] | None = None,
) -> pd.DataFrame:
    """One score per respondent and construct: the mean of the construct's items (summated scale).

    Use a survey from :func:`validate_survey` (reverse-coded items already
    recoded); rows flagged ``invalid`` are left out.

    >>> survey = pd.DataFrame({"trust_1": [5, 6], "trust_2": [7, 6]})
    >>> scale_scores(survey)["trust"].tolist()
    [6.0, 6.0]
    """
    mapping = construct_items(survey.columns, constructs)
    data = survey[~survey["invalid"]] if "invalid" in survey.columns else survey
    return pd.DataFrame({name: data[items].astype(float).mean(axis=1) for name, items in mapping.items()}, index=data.index)


def reliability_table(
    survey: pd.DataFrame, constructs: Mapping[str, Sequence[str]] | Sequence[str] | None = None
) -> pd.DataFrame:
    """One row per construct of a survey: items, α, CR, AVE, lowest item–total correlation, √AVE.

    The items of each construct are found by :func:`construct_items` (by
    default the KMV constructs present); respondents flagged ``invalid`` by
    :func:`validate_survey` are left out. The statistics are those of
    :func:`crmlab.stats.scale_reliability`: Cronbach's (1951) α, Jöreskog's
    (1971) composite reliability, Fornell & Larcker's (1981) AVE and their
    discriminant check (``max_correlation``, ``discriminant_ok``: √AVE above
    the construct's highest correlation with another scale score).

    >>> survey = pd.DataFrame({"trust_1": [1, 2, 3, 4, 5], "trust_2": [2, 2, 3, 5, 5], "commitment_1": [3, 1, 2, 2, 1]})
    >>> reliability_table(survey)[["construct", "items"]].values.tolist()
    [['commitment', 1], ['trust', 2]]
    """
    mapping = construct_items(survey.columns, constructs)
    data = survey[~survey["invalid"]] if "invalid" in survey.columns else survey
    return scale_reliability(data, mapping)


#: The item-name forms :func:`infer_constructs` reads: (description, pattern with groups construct and number).
ITEM_NAME_FORMS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("<construct><k> or <construct>_<k>", re.compile(r"^(?P<construct>[A-Za-z](?:[A-Za-z0-9_]*?[A-Za-z])?)[_.\- ]?(?P<number>\d+)$")),
    ("Q<k>_<construct>", re.compile(r"^[Qq](?P<number>\d+)[_.\- ](?P<construct>[A-Za-z][A-Za-z0-9_]*)$")),
)


class InferredConstructs(dict):
    """construct → items (a dict), with ``rule`` (how the mapping was found) and ``unmatched`` (columns left out).

    >>> found = infer_constructs(["IMAG1", "IMAG2", "age"])
    >>> dict(found), found.unmatched
    ({'IMAG': ['IMAG1', 'IMAG2']}, ['age'])
    """

    rule: str
    unmatched: list[str]

    def describe(self) -> str:
        """One sentence: which rule gave which constructs, and the columns left out."""
        groups = "; ".join(f"{name}: {', '.join(items)}" for name, items in self.items())
        left = f"; not items of any construct: {', '.join(self.unmatched)}" if self.unmatched else ""
        return f"constructs {self.rule}: {groups}{left}"


def infer_constructs(columns: Iterable[str], mapping: Mapping[str, Sequence[str]] | None = None, *,
                     source: str = "survey") -> InferredConstructs:
    """The construct → items mapping of a survey: ``mapping`` checked against the columns, or read from the item names.

    Item names in the common forms are read (:data:`ITEM_NAME_FORMS`):
    ``IMAG1``/``trust_1`` (construct, then item number) and ``Q1_trust``
    (question number, then construct); items are ordered by their number.
    A name that reads as two different constructs (``Q1_trust2``) or a bare
    question number (``Q7``) is ambiguous: a :class:`~crmlab.data.DataError`
    naming the item asks for a mapping. Columns of no form (``age``, ``CUSCO``)
    are left out and listed in ``unmatched``; give a mapping to use them. The
    mapping used is returned (``.rule`` says how it was found) and logged at
    INFO level, so a report can say which it used.

    >>> found = infer_constructs(["Q1_trust", "Q2_trust", "commitment_1", "commitment_2", "IMAG1"])
    >>> print(found.describe())
    constructs inferred from item names: trust: Q1_trust, Q2_trust; commitment: commitment_1, commitment_2; IMAG: IMAG1
    >>> infer_constructs(["Q1_trust2", "Q2_trust2"])
    Traceback (most recent call last):
    ...
    crmlab.data.errors.DataError: survey: 2 problems
      column 'Q1_trust2': ambiguous item name: construct 'Q1_trust' (item 2) or 'trust2' (item 1)? Pass a mapping construct → items
      column 'Q2_trust2': ambiguous item name: construct 'Q2_trust' (item 2) or 'trust2' (item 2)? Pass a mapping construct → items
    """
    columns = [str(c) for c in columns]
    if mapping is not None:
        found = InferredConstructs({str(name): list(items) for name, items in mapping.items()})
        absent = [Problem("missing item column", column=i) for items in found.values() for i in items if i not in columns]
        empty = [Problem(f"construct {name!r} has no items") for name, items in found.items() if not items]
        if absent or empty:
            raise DataError(source, empty + absent)
        found.rule = "as given"
        used = {i for items in found.values() for i in items}
        found.unmatched = [c for c in columns if c not in used]
    else:
        groups: dict[str, list[tuple[int, str]]] = {}
        problems: list[Problem] = []
        unmatched: list[str] = []
        for column in columns:
            readings = {(m["construct"], int(m["number"])) for _, form in ITEM_NAME_FORMS if (m := form.match(column))}
            if len(readings) > 1:
                options = " or ".join(f"{c!r} (item {k})" for c, k in sorted(readings))
                problems.append(Problem(f"ambiguous item name: construct {options}? Pass a mapping construct → items", column=column))
            elif readings:
                construct, number = readings.pop()
                if construct in ("Q", "q"):
                    problems.append(Problem("ambiguous item name: a question number without a construct; pass a mapping construct → items", column=column))
                else:
                    groups.setdefault(construct, []).append((number, column))
            else:
                unmatched.append(column)
        if problems:
            raise DataError(source, problems[:MAX_PROBLEMS_SHOWN], n_problems=len(problems))
        found = InferredConstructs({name: [c for _, c in sorted(items)] for name, items in groups.items()})
        found.rule = "inferred from item names"
        found.unmatched = unmatched
    logger.info("%s: %s", source, found.describe())
    return found
