"""Reader tables: a tidy frame shown as a clean table, in the notebook and in the report's HTML page.

:func:`table` formats every cell for readers (counts as "2,357", shares as
"10.0%", money with its currency, p-values as "< 0.001", no scientific
notation), gives the columns reader labels (:func:`~crmlab.display.labels.label`),
hides the 0, 1, 2 … index, keeps the first ``top`` rows and says how many were
left out, and never shortens a text with "…". The result, a :class:`Table`,
renders as an HTML table (a pandas ``Styler``: Jupyter and nbconvert show its
``text/html``) and as plain text (its ``repr``), both from the same formatted
cells, so the two cannot disagree.

Each column's kind is inferred where that is unambiguous (:func:`column_kind`)
and can be set by name::

    table(values, money=["clv"], percent=["p_alive"], caption="Customer value")

>>> frame = pd.DataFrame({"segment": ["core", "growth"], "n_customers": [2357, 21213],
...                       "repeat_share": [0.1, 0.25], "mean_clv": [48.25, 12.5]})
>>> print(table(frame, money=["mean_clv"]))
Segment  Customers  Repeat share  Mean CLV
core         2,357         10.0%    $48.25
growth      21,213         25.0%    $12.50
"""

from __future__ import annotations

import hashlib
import html
import numbers as _numbers
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from crmlab.data.errors import DataError, Problem
from crmlab.display import numbers as fmt
from crmlab.display.labels import label

__all__ = ["KINDS", "Table", "column_kind", "table"]

#: The kinds of column a reader table knows, and how each is written.
KINDS = {
    "integer": "a count: 2,357",
    "percent": "a share as a percentage: 10.0%",
    "money": "an amount with its currency: $1,234.50",
    "p_value": "a p-value: 0.023 or < 0.001",
    "number": "a measurement, decimals by magnitude: 4.41",
    "date": "a date: 2024-12-31",
    "yes_no": "a truth value: yes / no",
    "text": "text, and numbers written one by one (mixed columns)",
}

_P_VALUE_NAMES = {"p", "p_value", "pvalue", "p-value", "p_val", "pval", "p>|z|", "p>|t|", "pr(>|z|)", "pr(>|t|)"}
_SHARE_NAMES = {"p_alive", "probability_alive"}
_SHARE_WORDS = {"share", "rate", "probability", "proportion", "retention", "churn"}


def _in_unit_interval(values: pd.Series) -> bool:
    finite = values.dropna().to_numpy(dtype=float)
    return bool(finite.size) and bool(np.all((finite >= 0) & (finite <= 1)))


def column_kind(name: Any, values: pd.Series) -> str:
    """The kind of a column (a key of :data:`KINDS`) read from its dtype, and from its name where that is unambiguous.

    - truth values → ``"yes_no"``; dates → ``"date"``;
    - a numeric column named like a p-value (``p``, ``p_value``, ``…_p``) with
      every value in [0, 1] → ``"p_value"``;
    - a float column named like a share (``p_alive``, or with a word among
      share, rate, probability, proportion, retention, churn) with every value
      in [0, 1] → ``"percent"``;
    - integers → ``"integer"``; other numbers → ``"number"`` (a column of
      whole-number floats, such as a count stored as float, is written
      without decimals there too);
    - anything else → ``"text"``.

    Money is never guessed: its currency is the report's to say (``money=[...]``).

    >>> column_kind("n_customers", pd.Series([2357, 120])), column_kind("repeat_share", pd.Series([0.1, 0.5]))
    ('integer', 'percent')
    >>> column_kind("retention_rate", pd.Series([0.9, 1.3])), column_kind("p", pd.Series([0.01, 0.2]))
    ('number', 'p_value')
    """
    dtype = values.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "yes_no"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "date"
    if pd.api.types.is_timedelta64_dtype(dtype):
        return "text"
    if not pd.api.types.is_numeric_dtype(dtype):
        return "text"
    key = str(name).lower() if isinstance(name, str) else None
    if key is not None and (key in _P_VALUE_NAMES or key.endswith(("_p", "_p_value"))) and _in_unit_interval(values):
        return "p_value"
    if pd.api.types.is_integer_dtype(dtype):
        return "integer"
    if key is not None and (key in _SHARE_NAMES or _SHARE_WORDS & set(key.split("_"))) and _in_unit_interval(values):
        return "percent"
    return "number"


def _cell_text(value: Any, row: Any, column: Any) -> str:
    """One cell of a text (or mixed) column, numbers written one by one; no object reprs."""
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple, set, frozenset)):
        return ", ".join(_cell_text(v, row, column) for v in value)
    if fmt.is_missing(value):
        return fmt.MISSING
    if isinstance(value, (_numbers.Real, np.number)):
        return fmt.number(value)
    if isinstance(value, pd.Timestamp):
        return _dates(pd.Series([value]))[0]
    if isinstance(value, pd.Period):
        return str(value)
    if isinstance(value, pd.Timedelta):
        return f"{fmt.number(value / pd.Timedelta(days=1))} days"
    raise DataError("DataFrame", [Problem(f"a {type(value).__name__} cannot be shown in a reader table "
                                          "(give its name or its numbers instead)", row=row, column=str(column))])


def _dates(values: pd.Series) -> list[str]:
    stamps = pd.to_datetime(values)
    at_midnight = bool((stamps.dropna() == stamps.dropna().dt.normalize()).all())
    layout = "%Y-%m-%d" if at_midnight else "%Y-%m-%d %H:%M"
    return [fmt.MISSING if pd.isna(v) else v.strftime(layout) for v in stamps]


def _format_column(values: pd.Series, kind: str, digits: int | None, unit: str) -> list[str]:
    if kind == "integer":
        return list(fmt.integer(values))
    if kind == "percent":
        return list(fmt.percent(values, 1 if digits is None else digits))
    if kind == "money":
        return list(fmt.money(values, unit, 2 if digits is None else digits))
    if kind == "p_value":
        return list(fmt.p_value(values))
    if kind == "number":
        return list(fmt.number(values, digits))
    if kind == "date":
        return _dates(values)
    if kind == "yes_no":
        return [fmt.MISSING if fmt.is_missing(v) else ("yes" if v else "no") for v in values]
    if kind == "text":
        if isinstance(values.dtype, pd.CategoricalDtype):
            values = values.astype(object)
        return [_cell_text(v, row, values.name) for row, v in values.items()]
    raise ValueError(f"unknown column kind {kind!r}; the kinds are {', '.join(KINDS)}")


def _one_row_at_a_time(values: pd.Series, kinds: Sequence[str], digits: int | Sequence[int | None] | None,
                       unit: str) -> list[str]:
    """A column whose rows hold different kinds (an indicator table's ``value``), each row by its own kind
    (and its own decimals, when ``digits`` gives one per row)."""
    each = list(digits) if isinstance(digits, Sequence) else [digits] * len(kinds)
    return [_format_column(values.iloc[[k]], kind, each[k], unit)[0] for k, kind in enumerate(kinds)]


class Table:
    """A table for readers: formatted cells under reader labels, a caption, and a note of the rows left out.

    Made by :func:`table`. It shows itself as HTML in a notebook and in the
    report's page (:meth:`to_html`, a pandas ``Styler``), and as aligned plain
    text (:meth:`to_text`, its ``repr``). ``cells`` holds the text of every
    cell as shown; ``n_rows`` counts the rows of the frame it was made from.

    >>> t = table(pd.DataFrame({"customers": [2357]}), caption="Base")
    >>> t.cells
      Customers
    0     2,357
    >>> print(t)
    Base
    Customers
        2,357
    """

    def __init__(self, cells: pd.DataFrame, *, caption: str | None = None, note: str | None = None,
                 left: Iterable[str] = (), n_rows: int | None = None):
        self.cells = cells
        self.caption = caption
        self.note = note
        self.left = tuple(left)
        self.n_rows = len(cells) if n_rows is None else int(n_rows)

    @property
    def styler(self) -> Any:
        """The pandas ``Styler`` of the cells: index hidden, text escaped, text left and numbers right."""
        content = "\x1f".join([self.caption or "", *map(str, self.cells.columns), *self.cells.to_numpy().ravel()])
        styler = self.cells.style
        styler.set_uuid(hashlib.sha1(content.encode("utf-8")).hexdigest()[:10])  # the same table, the same page
        styler.hide(axis="index")
        styler.format(escape="html")
        styler.format_index(escape="html", axis=1)
        # Money is written with "$": keep MathJax from reading "$12 … $15" as a formula.
        styler.set_table_attributes('class="crmlab-table tex2jax_ignore mathjax_ignore"')
        styler.set_table_styles([
            {"selector": "caption", "props": "caption-side: top; text-align: left; font-weight: bold; padding: 0.3em 0;"},
            {"selector": "th", "props": "text-align: right; vertical-align: bottom;"},
            {"selector": "td", "props": "text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums;"},
        ])
        text_style = "text-align: left; white-space: normal; min-width: 6em; max-width: 40em;"
        styler.set_table_styles({c: [{"selector": "", "props": text_style}] for c in self.left}, overwrite=False)
        if self.caption:
            styler.set_caption(html.escape(self.caption))
        return styler

    def to_html(self) -> str:
        """The table as HTML, with the note of the rows left out as a line under it."""
        body = self.styler.to_html()
        if self.note:
            body += f'<p class="crmlab-table-note" style="font-style: italic;">{html.escape(self.note)}</p>\n'
        return body

    def _repr_html_(self) -> str:
        return self.to_html()

    def to_text(self) -> str:
        """The table as aligned plain text: the caption, the labels, the rows, the note."""
        columns = [str(c) for c in self.cells.columns]
        rows = [[str(v) for v in row] for row in self.cells.itertuples(index=False)]
        widths = [max([len(c)] + [len(r[k]) for r in rows]) for k, c in enumerate(columns)]

        def line(values: list[str]) -> str:
            parts = [v.ljust(w) if c in self.left else v.rjust(w) for v, w, c in zip(values, widths, columns, strict=True)]
            return "  ".join(parts).rstrip()

        lines = ([self.caption] if self.caption else []) + [line(columns)] + [line(r) for r in rows]
        return "\n".join(lines + ([self.note] if self.note else []))

    def __repr__(self) -> str:
        return self.to_text()

    __str__ = __repr__


def _index_as_columns(frame: pd.DataFrame, index: bool | str | None) -> pd.DataFrame:
    """The frame with its index dropped (a plain 0, 1, 2 … or ``index=False``) or made its first column(s)."""
    if index is None:
        index = not (isinstance(frame.index, pd.RangeIndex) and frame.index.start == 0 and frame.index.step == 1)
    if index is False:
        return frame.reset_index(drop=True)
    names = [n if n is not None else "" for n in frame.index.names]
    if isinstance(index, str):
        names = [index] if frame.index.nlevels == 1 else names
    out = frame.copy()
    out.index = out.index.set_names(names if len(set(names)) == len(names) else [f"level_{k}" for k in range(len(names))])
    return out.reset_index()


def _check_columns(frame: pd.DataFrame, kinds: Mapping[str, Iterable[Any]]) -> dict[Any, str]:
    chosen: dict[Any, str] = {}
    problems = []
    for kind, names in kinds.items():
        for name in names:
            if name not in frame.columns:
                problems.append(Problem(f"no such column to show as {kind} (the columns: "
                                        f"{', '.join(map(str, frame.columns))})", column=str(name)))
            elif name in chosen:
                problems.append(Problem(f"column given two kinds, {chosen[name]} and {kind}", column=str(name)))
            else:
                chosen[name] = kind
    if problems:
        raise DataError("DataFrame", problems)
    return chosen


def table(
    frame: pd.DataFrame | pd.Series,
    *,
    percent: Iterable[Any] = (),
    money: Iterable[Any] = (),
    integer: Iterable[Any] = (),
    p_value: Iterable[Any] = (),
    number: Iterable[Any] = (),
    text: Iterable[Any] = (),
    row_kinds: Mapping[Any, Sequence[str]] | None = None,
    digits: Mapping[Any, int] | None = None,
    unit: str = "$",
    labels: Mapping[Any, str] | None = None,
    units: Mapping[Any, str] | None = None,
    top: int | None = 50,
    caption: str | None = None,
    index: bool | str | None = None,
    row_labels: bool = False,
    align_right: Iterable[Any] = (),
) -> Table:
    """A reader table of ``frame``: every cell formatted for people, reader labels, no 0, 1, 2 … index.

    Parameters
    ----------
    frame : DataFrame or Series
        A tidy result frame (a Series is shown as one column).
    percent, money, integer, p_value, number, text : column names
        Columns shown as that kind (see :data:`KINDS`); every other column's
        kind is inferred by :func:`column_kind`.
    row_kinds : {column: one kind per row}, optional
        For a column whose rows hold different things, e.g. the ``value``
        of an indicator table (a count, then a share, …).
    digits : {column: decimals}, optional
        Decimals of a number, percent or money column (defaults: by
        magnitude, 1, 2); for a column of ``row_kinds``, one per row may be
        given (None keeps the row's default).
    unit : str
        The currency of the money columns: "$", "€", "EUR", "k$" …
    labels : {column: label}, optional
        Labels that replace :func:`~crmlab.display.labels.label`'s.
    units : {column: unit}, optional
        Units added to labels: ``{"recency": "weeks"}`` → "Recency (weeks)".
    top : int or None
        Show the first ``top`` rows (sort the frame first for a top N) and
        say under the table how many more there are; ``None`` shows all.
    caption : str, optional
        A title above the table.
    index : bool, str or None
        ``None``: hide a plain 0, 1, 2 … index and show any other as the
        first column(s); ``False``: hide it; ``True``: show it; a string:
        show it under that label.
    row_labels : bool
        Write the index values as reader labels too (an index of variable
        or parameter names: ``monetary_value`` → "Monetary value",
        ``alpha`` → "α"); off by default, since an index of identifiers
        must stay as it is.
    align_right : column names, optional
        Text columns aligned right, as numbers are: numbers kept as written
        (published estimates with the digits printed, "–" where there is none).

    >>> frame = pd.DataFrame({"customer_id": ["c1", "c2", "c3"], "p_alive": [0.91, 0.5, 0.02],
    ...                       "clv": [1234.5, 80.0, 3.25], "p": [0.2, 0.04, 0.0001]})
    >>> print(table(frame, money=["clv"], unit="€", top=2, caption="Most valuable customers"))
    Most valuable customers
    Customer  P(alive)        CLV      p
    c1           91.0%  €1,234.50  0.200
    c2           50.0%     €80.00  0.040
    1 more row not shown (3 in all).

    A column that holds counts and shares row by row:

    >>> card = pd.DataFrame({"indicator": ["customers", "repeat buyers"], "value": [2357.0, 0.4312]})
    >>> print(table(card, row_kinds={"value": ["integer", "percent"]}))
    Indicator      Value
    customers      2,357
    repeat buyers  43.1%
    """
    if isinstance(frame, pd.Series):
        frame = frame.to_frame(name=frame.name if frame.name is not None else "value")
    if row_labels:
        frame = frame.set_axis(frame.index.map(lambda v: label(v, None, labels)), axis=0)
    frame = _index_as_columns(frame, index)
    n_rows = len(frame)
    chosen = _check_columns(frame, {"percent": percent, "money": money, "integer": integer, "p_value": p_value,
                                    "number": number, "text": text})
    row_kinds = dict(row_kinds or {})
    for name, kinds in row_kinds.items():
        if name not in frame.columns or len(kinds) != n_rows:
            raise DataError("DataFrame", [Problem(f"row_kinds needs a column of the frame and one kind per row "
                                                  f"({n_rows}), got {len(kinds)}", column=str(name))])
    shown = frame if top is None else frame.iloc[: int(top)]
    digits, units = dict(digits or {}), dict(units or {})
    cells: dict[str, list[str]] = {}
    left, right = [], list(align_right)
    for position, name in enumerate(shown.columns):
        values = shown.iloc[:, position]
        if name in row_kinds:
            formatted = _one_row_at_a_time(values, list(row_kinds[name])[: len(shown)], digits.get(name), unit)
            kind = "mixed"
        else:
            kind = chosen.get(name) or column_kind(name, values)
            formatted = _format_column(values, kind, digits.get(name), unit)
        if isinstance(name, tuple):  # the columns of a pivot: one label per level
            header = " · ".join(label(part, None, labels) for part in name if part != "")
        else:
            header = label(name, units.get(name), labels)
        if header in cells:
            raise DataError("DataFrame", [Problem(f"two columns would both be labelled {header!r}; give one a label "
                                                  "with labels={...}", column=str(name))])
        cells[header] = formatted
        if kind in ("text", "yes_no") and name not in right:
            left.append(header)
    body = pd.DataFrame(cells, index=pd.RangeIndex(len(shown)), dtype=object)
    rest = n_rows - len(shown)
    note = None
    if rest:
        note = f"{fmt.integer(rest)} more row{'s' if rest != 1 else ''} not shown ({fmt.integer(n_rows)} in all)."
    return Table(body, caption=caption, note=note, left=left, n_rows=n_rows)
