"""The four tidy tables of an IMP network study, read and checked like the transactions.

The IMP group (Håkansson 1982; Håkansson & Snehota 1995) describes a business
network by its **actors**, the **episodes** of interaction between them, the
**resources** they share or adapt to each other, and the **activities** they
link in a value chain. One table per element:

=================  =====================================================================
table              columns (required first; optional in brackets)
=================  =====================================================================
actors             ``actor_id``, ``type`` (e.g. supplier/customer/distributor),
                   ``country``, ``size`` (≥ 0, e.g. employees or turnover)
episodes           ``actor_id``, ``partner_id``, ``date``, ``kind`` (order, delivery,
                   meeting, adaptation, complaint, …), [``value`` ≥ 0,
                   ``initiator`` (one of the two actors), ``episode_id``]
resource ties      ``actor_id``, ``partner_id``, ``resource``, ``tie``
                   (``shared`` or ``adapted``), [``weight`` ≥ 0]
activity links     ``upstream_id``, ``upstream_activity``, ``downstream_id``,
                   ``downstream_activity``, [``weight`` ≥ 0]
=================  =====================================================================

Each ``read_*`` takes a CSV/Parquet path or a DataFrame and raises one
:class:`~crmlab.data.DataError` listing every problem by row and column (rows
1-based under a CSV header, index labels for a DataFrame). Passing ``actors``
to the readers of the relational tables also checks that every actor named is
known.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from crmlab.data.errors import MAX_PROBLEMS_SHOWN, DataError, Problem
from crmlab.data.ids import clean_ids
from crmlab.data.tables import Column, ProblemLog, load_table

__all__ = [
    "ACTIVITY_LINK_COLUMNS",
    "ACTOR_COLUMNS",
    "EPISODE_COLUMNS",
    "NETWORK_TABLES",
    "RESOURCE_TIE_COLUMNS",
    "read_activity_links",
    "read_actors",
    "read_episodes",
    "read_network_tables",
    "read_resource_ties",
]

#: Columns of the canonical tables (required first).
ACTOR_COLUMNS = ("actor_id", "type", "country", "size")
EPISODE_COLUMNS = ("actor_id", "partner_id", "date", "kind", "value", "initiator", "episode_id")
RESOURCE_TIE_COLUMNS = ("actor_id", "partner_id", "resource", "tie", "weight")
ACTIVITY_LINK_COLUMNS = ("upstream_id", "upstream_activity", "downstream_id", "downstream_activity", "weight")
RESOURCE_TIES = ("shared", "adapted")


class _Checker(ProblemLog):
    """The problems of one table (:class:`~crmlab.data.tables.ProblemLog`), with the checks of actor ids."""

    def __init__(self, source: Any, what: str, required: tuple[str, ...]):
        name, frame = load_table(source, what=what, required=required)
        super().__init__(frame, name)

    def actor_ids(self, column: str, *, known: set[str] | None = None) -> pd.Series:
        ids = self.ids(column)
        if known is not None:
            self.report(ids.notna() & ~ids.isin(known), column, "unknown actor (not in the actors table)")
        return ids

    def number(self, column: str, *, required: bool = False) -> pd.Series:
        return self.numbers(Column(column, nullable=not required, low=0))


def _known(actors: pd.DataFrame | None) -> set[str] | None:
    return None if actors is None else set(clean_ids(actors["actor_id"])[0].dropna())


def _optional_weight(check: _Checker) -> pd.Series:
    if "weight" in check.frame.columns:
        return check.number("weight").fillna(1.0)
    return pd.Series(1.0, index=check.frame.index)


def read_actors(source: Any) -> pd.DataFrame:
    """The actors of a business network (firms), checked.

    Actors are the first element of the ARA model (Håkansson & Snehota 1995):
    the firms that perform activities and control resources. Problems reported:
    missing columns, missing or duplicate ``actor_id``, missing ``type`` or
    ``country``, a ``size`` that is not a number ≥ 0. ``type`` is lower-cased.

    >>> read_actors(pd.DataFrame({"actor_id": ["S1", "C1"], "type": ["Supplier", "customer"],
    ...                           "country": ["SE", "DE"], "size": [250, 40]}))["type"].tolist()
    ['supplier', 'customer']
    """
    check, out = _actors(source)
    check.raise_if_any()
    return out


def _actors(source: Any) -> tuple[_Checker, pd.DataFrame]:
    """The actors table and its problems, not raised (so the other tables can be checked against its ids)."""
    check = _Checker(source, "actors table", ACTOR_COLUMNS)
    out = pd.DataFrame(index=check.frame.index)
    out["actor_id"] = check.actor_ids("actor_id")
    check.report(out["actor_id"].duplicated(keep="first") & out["actor_id"].notna(), "actor_id", "duplicate actor id")
    out["type"] = check.labels("type", lower=True)
    out["country"] = check.labels("country")
    out["size"] = check.number("size", required=True)
    extra = [c for c in check.frame.columns if c not in ACTOR_COLUMNS]
    return check, pd.concat([out, check.frame[extra]], axis=1).reset_index(drop=True)


def _pairs(check: _Checker, a: str, b: str, known: set[str] | None) -> tuple[pd.Series, pd.Series]:
    left, right = check.actor_ids(a, known=known), check.actor_ids(b, known=known)
    check.report(left.notna() & (left == right), b, f"an actor cannot be tied to itself ({a} = {b})")
    return left, right


def read_episodes(
    source: Any, *, actors: pd.DataFrame | None = None, date_format: str | None = None, dayfirst: bool | None = None
) -> pd.DataFrame:
    """Episodes of interaction between two actors over time, checked.

    An episode is one exchange in a relationship — an order, a delivery, a
    meeting, an adaptation, a complaint (Håkansson 1982, the interaction model:
    short-term exchange episodes set against the long-term relationship). Each
    row names the two actors (``actor_id``, ``partner_id``; the order does not
    matter), its ``date`` and ``kind``, and optionally its ``value`` (money
    exchanged, ≥ 0), its ``initiator`` (which of the two started it) and an
    ``episode_id``. Problems reported: missing columns, missing ids, an actor
    paired with itself, actors unknown to ``actors`` (when given), unparseable
    dates, missing kinds, values that are not numbers ≥ 0, an initiator that is
    neither of the two actors, duplicate episode ids. ``kind`` is lower-cased;
    missing values count as 0; rows are returned sorted by date. Dates follow
    the lab's one date policy (:mod:`crmlab.data.dates`): one format for the
    whole column, a column that reads as well day-first as month-first
    refused unless ``dayfirst=`` or ``date_format=`` says which.

    >>> ep = read_episodes(pd.DataFrame({"actor_id": ["S1", "S1"], "partner_id": ["C1", "C1"],
    ...                                  "date": ["2022-01-10", "2022-03-02"], "kind": ["order", "Adaptation"],
    ...                                  "value": [1200, None], "initiator": ["C1", "S1"]}))
    >>> ep[["kind", "value"]].to_numpy().tolist()
    [['order', 1200.0], ['adaptation', 0.0]]
    """
    check = _Checker(source, "episodes table", EPISODE_COLUMNS[:4])
    frame = check.frame
    out = pd.DataFrame(index=frame.index)
    out["actor_id"], out["partner_id"] = _pairs(check, "actor_id", "partner_id", _known(actors))
    out["date"] = check.dates("date", date_format=date_format, dayfirst=dayfirst)
    out["kind"] = check.labels("kind", lower=True)
    out["value"] = check.number("value").fillna(0.0) if "value" in frame.columns else 0.0
    if "initiator" in frame.columns:
        initiator = check.ids("initiator", required=False)
        bad = initiator.notna() & (initiator != out["actor_id"]) & (initiator != out["partner_id"])
        check.report(bad, "initiator", "the initiator must be one of the episode's two actors")
        out["initiator"] = initiator
    else:
        out["initiator"] = None
    if "episode_id" in frame.columns:
        ids = check.ids("episode_id", required=False)
        check.report(ids.duplicated(keep="first") & ids.notna(), "episode_id", "duplicate episode id")
        out["episode_id"] = ids
    else:
        out["episode_id"] = [f"E{k:06d}" for k in range(1, len(frame) + 1)]
    check.raise_if_any()
    return out.sort_values(["date", "actor_id", "partner_id"], kind="stable").reset_index(drop=True)


def read_resource_ties(source: Any, *, actors: pd.DataFrame | None = None) -> pd.DataFrame:
    """Resource ties: two actors sharing a resource, or one adapted to the other's (ARA model).

    Resources — facilities, technologies, knowledge, brands — are the second
    element of Håkansson & Snehota's (1995) ARA model; relationships tie them
    together when both actors use a resource (``shared``) or one actor adapts a
    resource to the other (``adapted``). Problems reported: missing columns or
    ids, self-ties, unknown actors, missing resource names, a ``tie`` other than
    shared/adapted, a ``weight`` that is not a number ≥ 0 (default 1).

    >>> read_resource_ties(pd.DataFrame({"actor_id": ["S1"], "partner_id": ["C1"], "resource": ["EDI platform"],
    ...                                  "tie": ["Shared"]}))[["tie", "weight"]].to_numpy().tolist()
    [['shared', 1.0]]
    """
    check = _Checker(source, "resource ties table", RESOURCE_TIE_COLUMNS[:4])
    out = pd.DataFrame(index=check.frame.index)
    out["actor_id"], out["partner_id"] = _pairs(check, "actor_id", "partner_id", _known(actors))
    out["resource"] = check.labels("resource")
    out["tie"] = check.labels("tie", lower=True)
    check.report(out["tie"].notna() & ~out["tie"].isin(RESOURCE_TIES), "tie", "tie must be 'shared' or 'adapted'")
    out["weight"] = _optional_weight(check)
    check.raise_if_any()
    return out.reset_index(drop=True)


def read_activity_links(source: Any, *, actors: pd.DataFrame | None = None) -> pd.DataFrame:
    """Activity links: an upstream actor's activity feeding a downstream actor's activity.

    Activities — production, logistics, design, selling — are the third element
    of the ARA model (Håkansson & Snehota 1995); a relationship links them into
    activity chains (the output of one is the input of the next). Direction
    runs upstream → downstream. Problems reported: missing columns or ids,
    self-links, unknown actors, missing activity names, a ``weight`` that is not
    a number ≥ 0 (default 1).

    >>> read_activity_links(pd.DataFrame({"upstream_id": ["S1"], "upstream_activity": ["machining"],
    ...                                   "downstream_id": ["C1"], "downstream_activity": ["assembly"]})).shape
    (1, 5)
    """
    check = _Checker(source, "activity links table", ACTIVITY_LINK_COLUMNS[:4])
    out = pd.DataFrame(index=check.frame.index)
    out["upstream_id"], out["downstream_id"] = _pairs(check, "upstream_id", "downstream_id", _known(actors))
    out["upstream_activity"] = check.labels("upstream_activity")
    out["downstream_activity"] = check.labels("downstream_activity")
    out["weight"] = _optional_weight(check)
    check.raise_if_any()
    return out[list(ACTIVITY_LINK_COLUMNS)].reset_index(drop=True)



#: The file names :func:`read_network_tables` looks for in a folder (CSV or Parquet).
NETWORK_TABLES = {"actors": read_actors, "episodes": read_episodes, "resource_ties": read_resource_ties,
                  "activity_links": read_activity_links}


@dataclass(frozen=True)
class _TableProblem(Problem):
    """A problem of one table of a folder, shown after its file's name (``episodes.csv: row 2, …``)."""

    table: str = ""

    def __str__(self) -> str:
        return f"{self.table}: {super().__str__()}"


def _of_table(file: Path, error: DataError) -> list[Problem]:
    return [_TableProblem(p.message, p.row, p.column, p.value, table=file.name) for p in error.problems]


def read_network_tables(
    folder: str | os.PathLike[str], *, date_format: str | None = None, dayfirst: bool | None = None
) -> dict[str, pd.DataFrame | None]:
    """The four tables of a network study from one folder, checked against each other.

    Reads ``actors``, ``episodes``, ``resource_ties`` and ``activity_links``
    (each ``.csv`` or ``.parquet``; all but actors optional, ``None`` when
    absent) with the readers above; the relational tables are checked against
    the actors (against the actor ids the actors table holds, even when it has
    problems of its own). The problems of every table are collected and
    raised at once: one table's :class:`~crmlab.data.DataError` as it is (it
    names its file), several tables' as one error of the folder whose every
    problem starts with its file's name, e.g. ``episodes.csv: row 2, column
    'date': …``. ``date_format=`` / ``dayfirst=`` choose the format of the
    episodes' dates (:mod:`crmlab.data.dates`).

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> pd.DataFrame({"actor_id": ["S1", "C1"], "type": "firm", "country": "SE", "size": 1}).to_csv(folder / "actors.csv", index=False)
    >>> pd.DataFrame({"actor_id": ["S1"], "partner_id": ["C1"], "date": ["2022-01-01"], "kind": ["order"]}).to_csv(
    ...     folder / "episodes.csv", index=False)
    >>> {name: None if table is None else len(table) for name, table in read_network_tables(folder).items()}
    {'actors': 2, 'episodes': 1, 'resource_ties': None, 'activity_links': None}
    """
    root = Path(folder)
    if not root.is_dir():
        raise DataError(str(folder), [Problem("not a folder holding actors.csv, episodes.csv, …")])
    found = {}
    for name in NETWORK_TABLES:
        paths = [root / f"{name}{suffix}" for suffix in (".csv", ".parquet")]
        found[name] = next((p for p in paths if p.exists()), None)
    errors: list[tuple[Path, DataError]] = []
    out: dict[str, pd.DataFrame | None] = {}
    if found["actors"] is None:
        errors.append((root, DataError(str(folder), [Problem("no actors.csv or actors.parquet in the folder")])))
        actors = None
    else:
        try:
            check, actors = _actors(found["actors"])
        except DataError as exc:  # missing columns or no rows: nothing to check the other tables against
            errors.append((found["actors"], exc))
            actors = None
        else:
            if check.total:
                errors.append((found["actors"], DataError(check.source, check.problems, n_problems=check.total)))
    out["actors"] = actors
    for name, reader in list(NETWORK_TABLES.items())[1:]:
        out[name] = None
        if found[name] is None:
            continue
        extra = {"date_format": date_format, "dayfirst": dayfirst} if name == "episodes" else {}
        try:
            out[name] = reader(found[name], actors=actors, **extra)
        except DataError as exc:
            errors.append((found[name], exc))
    if len(errors) == 1:
        raise errors[0][1]
    if errors:
        # Each table gets its share of the problems shown, then they are listed table by table.
        lists = [_of_table(file, exc) for file, exc in errors]
        take = [0] * len(lists)
        while sum(take) < MAX_PROBLEMS_SHOWN and any(t < len(p) for t, p in zip(take, lists, strict=True)):
            for i, problems in enumerate(lists):
                if take[i] < len(problems) and sum(take) < MAX_PROBLEMS_SHOWN:
                    take[i] += 1
        shown = [problems[:t] for t, problems in zip(take, lists, strict=True)]
        raise DataError(str(folder), [p for problems in shown for p in problems],
                        n_problems=sum(exc.n_problems for _, exc in errors))
    return out
