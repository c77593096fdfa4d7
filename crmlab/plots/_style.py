"""What every figure shares: matplotlib, the names of time units, cohort labels, how a figure is finished.

matplotlib is imported here once for the package; seaborn, which takes about a
second to import, only when a figure that draws with it is made
(:func:`seaborn`). The reader style of a whole report (font sizes, figure
size, resolution) is set by :func:`crmlab.display.report_style`.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

import matplotlib.pyplot as plt
import matplotlib.ticker as mticker
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

__all__ = ["Figure", "UNIT_NAMES", "clipped_histogram", "finish", "full_ticks", "mticker", "period_label", "plt", "seaborn",
           "with_unit", "words"]

#: Reader names of the time units of the lab's frames.
UNIT_NAMES = {"D": "days", "W": "weeks", "M": "months"}


def period_label(period: object) -> str:
    """A cohort label that reads well whatever the period type.

    >>> period_label(pd.Period("2021-03", "M")), period_label(pd.Timestamp("2021-03-01")), period_label(3)
    ('2021-03', '2021-03-01', '3')
    """
    if isinstance(period, pd.Period):
        return str(period)
    if isinstance(period, (pd.Timestamp, np.datetime64)):
        return pd.Timestamp(period).strftime("%Y-%m-%d")
    return str(period)


def seaborn() -> ModuleType:
    """The seaborn module, imported when the first figure that needs it is drawn.

    >>> seaborn().__name__
    'seaborn'
    """
    import seaborn as sns

    return sns


def finish(fig: Figure) -> Figure:
    """Lay the figure out tightly and close it in pyplot, so that a notebook shows it once (as the value returned).

    >>> fig, ax = plt.subplots()
    >>> finish(fig) is fig and not plt.fignum_exists(fig.number)
    True
    """
    fig.tight_layout()
    plt.close(fig)
    return fig


def clipped_histogram(ax: Axes, values: pd.Series, *, mean: float, median: float, clip_quantile: float, bins: int,
                      value_text: Callable[[float], str]) -> None:
    """A histogram of ``values`` with their ``mean`` and ``median`` (computed by the caller's frame) marked;
    values above the ``clip_quantile`` are left out of the drawing only, so the bulk stays readable.
    ``value_text`` writes the mean and median in the legend.

    >>> fig, ax = plt.subplots()
    >>> clipped_histogram(ax, pd.Series([1.0, 2.0, 3.0, 100.0]), mean=26.5, median=2.5, clip_quantile=0.75, bins=3,
    ...                   value_text="{:.1f}".format)
    >>> [t.get_text() for t in ax.get_legend().get_texts()], round(sum(p.get_height() for p in ax.patches))
    (['mean 26.5', 'median 2.5'], 3)
    >>> plt.close(fig)
    """
    if len(values):
        upper = values.quantile(clip_quantile)
        seaborn().histplot(values[values <= upper], ax=ax, bins=bins, color="C0")
        ax.axvline(mean, color="C3", ls="--", label=f"mean {value_text(mean)}")
        ax.axvline(median, color="C2", ls=":", label=f"median {value_text(median)}")
        ax.legend()


def words(value: object) -> str:
    """A label of the data as words on a figure: ``relationship_deepening`` → "relationship deepening".

    >>> words("call_centre"), words(3)
    ('call centre', '3')
    """
    return str(value).replace("_", " ")


def with_unit(text: str, unit: str | None) -> str:
    """An axis label with its unit in brackets, or alone when there is none.

    >>> with_unit("spend", "$"), with_unit("spend", None)
    ('spend ($)', 'spend')
    """
    return f"{text} ({unit})" if unit else text


def full_ticks(ax: Axes, axis: str = "y") -> None:
    """Write an axis's ticks in full with thousands separators (12,500; never 1.25e4 or an offset).

    >>> fig, ax = plt.subplots()
    >>> full_ticks(ax, "x")
    >>> [ax.xaxis.get_major_formatter()(v) for v in (25000.0, 7.5, 0.0)]
    ['25,000', '7.5', '0']
    >>> plt.close(fig)
    """
    formatter = mticker.FuncFormatter(lambda v, _: f"{v:,.0f}" if abs(v) >= 10 or v == 0 else f"{v:,.2g}")
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(formatter)
