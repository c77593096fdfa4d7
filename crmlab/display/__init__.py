"""How numbers are shown to readers: formats, labels, tables and generated sentences.

A report reads like a paper, so what it shows is formatted once, here:

- :mod:`~crmlab.display.numbers` — :func:`integer` ("2,357"), :func:`percent`
  ("10.0%"), :func:`money` ("$1,234.50"), :func:`p_value` ("< 0.001"),
  :func:`number` (decimals by magnitude, never scientific notation);
- :mod:`~crmlab.display.labels` — :func:`label`: ``p_alive`` → "P(alive)";
- :mod:`~crmlab.display.tables` — :func:`table`: a tidy frame as a reader
  table (formatted cells, labels, no 0, 1, 2 … index, the first N rows and a
  count of the rest);
- :mod:`~crmlab.display.text` — :func:`markdown` (values escaped, so data
  cannot become live HTML) and sentence parts generated from the numbers:
  :func:`compare`, :func:`share`, :func:`rank_phrase`, :func:`join_list`,
  :func:`plural`.

A notebook calls :func:`report_style` once, then shows its results::

    from crmlab.display import markdown, report_style, share, table
    report_style()
    table(values, money=["clv"], caption="Customer value")
    markdown("**{company}** keeps {kept} of its customers.", company=company, kept=share(kept, total))

>>> print(table(pd.DataFrame({"customers": [2357.0], "repeat_share": [0.4312]})))
Customers  Repeat share
    2,357         43.1%
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from crmlab.display.labels import LABELS, label
from crmlab.display.numbers import MISSING, integer, money, number, p_value, percent
from crmlab.display.tables import KINDS, Table, column_kind, table
from crmlab.display.text import Markdown, compare, escape_markdown, join_list, markdown, plural, rank_phrase, share

__all__ = [
    "KINDS",
    "LABELS",
    "MISSING",
    "FIGURE_STYLE",
    "Markdown",
    "Table",
    "column_kind",
    "compare",
    "escape_markdown",
    "integer",
    "join_list",
    "label",
    "markdown",
    "money",
    "number",
    "p_value",
    "percent",
    "plural",
    "rank_phrase",
    "report_style",
    "share",
    "table",
]

#: Matplotlib settings for figures read on a page about 1,280 pixels wide: an
#: 8-inch figure at 100 dpi is 800 px, a 12-inch one fills the page, and 11-point
#: text is about 15 px. Axis ticks are written in full, never as "1e6" or an offset.
FIGURE_STYLE: dict[str, Any] = {
    "figure.figsize": (9.0, 5.0),
    "figure.dpi": 100,
    "savefig.dpi": "figure",
    "figure.facecolor": "white",
    "font.size": 11,
    "axes.titlesize": 13,
    "axes.labelsize": 11,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "legend.fontsize": 10,
    "figure.titlesize": 14,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.formatter.useoffset": False,
    "axes.formatter.limits": (-9, 12),
}


def _plain_float(value: float) -> str:
    return number(value)


def report_style() -> None:
    """Set the reader style of a report: call it once at the top of a notebook.

    pandas writes floats without scientific notation (decimals by magnitude,
    :func:`number`) and never shortens a text column with "…", its HTML tables
    are kept from MathJax ("$" is money, not a formula); matplotlib takes
    :data:`FIGURE_STYLE`. It replaces ``pd.set_option("display.precision", 3)``.

    >>> import matplotlib as mpl
    >>> defaults = ("display.float_format", None, "display.max_colwidth", 50, "display.html.use_mathjax", True,
    ...             "styler.html.mathjax", True)
    >>> with mpl.rc_context(), pd.option_context(*defaults):
    ...     report_style()
    ...     print(pd.DataFrame({"x": [0.000012, 1234567.5]}), mpl.rcParams["font.size"])
    ...
    x
    0          0.0000120
    1          1,234,568
    11.0
    """
    import matplotlib as mpl

    pd.set_option("display.float_format", _plain_float)
    pd.set_option("display.max_colwidth", None)
    pd.set_option("display.html.use_mathjax", False)
    pd.set_option("styler.html.mathjax", False)
    mpl.rcParams.update(FIGURE_STYLE)
