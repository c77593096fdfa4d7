"""Fitted models as readers read them: odds ratios with their intervals, under readable term names.

A logit's table from statsmodels names its rows by the formula's terms
(``C(tie_type)[T.family]``, ``np.log1p(frequency)``) and gives the odds ratio
and its interval in three columns. A reader wants the term in words, the odds
ratio with its 95% interval ("4.58 (4.33 to 4.84)"), the p-value as a p-value,
and, for a synthetic world, the coefficient that was planted beside the one
estimated. The direction an odds ratio shows is read from its interval, not
from the point estimate: an interval that contains 1 shows no clear effect.

>>> fit = pd.DataFrame({"coef": [0.49], "se": [0.11], "odds_ratio": [1.636], "ci_low": [1.316], "ci_high": [2.034],
...                     "p_value": [0.00001]}, index=["np.log1p(frequency)"])
>>> print(odds_ratio_table(fit, truth={"np.log1p(frequency)": 0.6}))
Term                Coefficient  True coefficient  Standard error  Odds ratio (95% CI)        p
log(1 + frequency)        0.490             0.600           0.110  1.64 (1.32 to 2.03)  < 0.001
>>> odds_direction(1.316, 2.034), odds_direction(0.8, 1.2)
('up', 'unclear')
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from crmlab.data.errors import DataError, Problem
from crmlab.display.labels import term_label
from crmlab.display.numbers import decimals_for, integer, is_missing, number, percent
from crmlab.display.tables import Table, table

__all__ = ["estimates_by_row", "interval", "odds_direction", "odds_ratio_columns", "odds_ratio_table", "odds_ratio_text"]

#: The names statsmodels-based tables of the lab give the interval of an odds ratio and the p-value.
_LOW, _HIGH, _P = ("ci_low", "or_ci_low"), ("ci_high", "or_ci_high"), ("p_value", "p", "pvalue")


def odds_ratio_columns(results: pd.DataFrame) -> pd.DataFrame:
    """The odds-ratio table of a logit with its columns under one set of names.

    Takes the tables of :func:`crmlab.theories.guanxi.obligation_test` (``ci_low``,
    ``ci_high``, ``p_value``) or :class:`crmlab.strategy.WinBackModel` (``or_ci_low``,
    ``or_ci_high``, ``p``); returns ``coef``, ``se``, ``odds_ratio``, ``ci_low``, ``ci_high``,
    ``p_value``, indexed by term. A table without them is a DataError naming what is missing.

    >>> odds_ratio_columns(pd.DataFrame({"coef": [0.1], "se": [0.05], "odds_ratio": [1.1], "or_ci_low": [1.0],
    ...                                  "or_ci_high": [1.2], "p": [0.04]}, index=["x"])).columns.tolist()
    ['coef', 'se', 'odds_ratio', 'ci_low', 'ci_high', 'p_value']
    """
    def first(names: tuple[str, ...]) -> str | None:
        return next((n for n in names if n in results.columns), None)

    chosen = {"coef": "coef" if "coef" in results.columns else None, "se": "se" if "se" in results.columns else None,
              "odds_ratio": "odds_ratio" if "odds_ratio" in results.columns else None,
              "ci_low": first(_LOW), "ci_high": first(_HIGH), "p_value": first(_P)}
    missing = [name for name, column in chosen.items() if column is None]
    if missing:
        raise DataError("DataFrame", [Problem(f"an odds-ratio table needs a column {name!r} (columns: "
                                              f"{', '.join(map(str, results.columns))})", column=name) for name in missing])
    out = results[list(chosen.values())].set_axis(list(chosen), axis=1)
    return out.astype(float)


def interval(low: float, high: float, digits: int | None = None) -> str:
    """An interval as "low to high", both ends with the same decimals (three significant digits by default).

    >>> interval(4.332, 4.837), interval(0.9452, 0.9621), interval(1.0, 2.0, digits=1)
    ('4.33 to 4.84', '0.945 to 0.962', '1.0 to 2.0')
    """
    if digits is None:
        digits = decimals_for([low, high]) if not (float(low).is_integer() and float(high).is_integer()) else 0
    return f"{number(float(low), digits)} to {number(float(high), digits)}"


def odds_ratio_text(odds_ratio: float, low: float, high: float, *, says_ci: bool = True) -> str:
    """An odds ratio with its 95% interval: "4.58 (95% CI 4.33 to 4.84)", or "4.58 (4.33 to 4.84)"
    without ``says_ci`` (under a header that says it).

    >>> odds_ratio_text(0.953, 0.9452, 0.9621), odds_ratio_text(4.578, 4.332, 4.837, says_ci=False)
    ('0.953 (95% CI 0.945 to 0.962)', '4.58 (4.33 to 4.84)')
    """
    digits = decimals_for([odds_ratio, low, high])
    return f"{number(float(odds_ratio), digits)} ({'95% CI ' if says_ci else ''}{interval(low, high, digits)})"


def odds_direction(low: float, high: float) -> str:
    """What a 95% interval of an odds ratio shows: ``"up"`` (all above 1), ``"down"`` (all below 1) or ``"unclear"``.

    >>> odds_direction(4.33, 4.84), odds_direction(0.94, 0.96), odds_direction(0.9, 1.1)
    ('up', 'down', 'unclear')
    """
    if is_missing(low) or is_missing(high):
        return "unclear"
    if low > 1:
        return "up"
    if high < 1:
        return "down"
    return "unclear"


def odds_ratio_table(
    results: pd.DataFrame,
    *,
    labels: Mapping[str, str] | None = None,
    reference: Mapping[str, str] | None = None,
    truth: Mapping[str, float] | None = None,
    caption: str | None = None,
    intercept: bool = True,
) -> Table:
    """A logit's odds ratios as a reader table: term in words, coefficient (log-odds), the planted
    coefficient when ``truth`` gives it (a synthetic world), standard error, odds ratio with its 95%
    interval, p-value.

    ``results`` as :func:`odds_ratio_columns` takes it; terms are labelled by
    :func:`~crmlab.display.labels.term_label` (``labels``, ``reference``); ``truth`` maps terms
    (as the model names them) to their true coefficients; ``intercept=False`` leaves the intercept out.

    >>> fit = pd.DataFrame({"coef": [-3.0, 1.5], "se": [0.05, 0.05], "odds_ratio": [0.05, 4.46], "ci_low": [0.045, 4.08],
    ...                     "ci_high": [0.055, 4.88], "p_value": [0.0, 0.0]}, index=["Intercept", "C(tie)[T.family]"])
    >>> print(odds_ratio_table(fit, reference={"tie": "business"}, intercept=False))
    Term                       Coefficient  Standard error  Odds ratio (95% CI)        p
    Tie: family (vs business)         1.50          0.0500  4.46 (4.08 to 4.88)  < 0.001
    """
    data = odds_ratio_columns(results)
    if not intercept:
        data = data.drop(index=[t for t in data.index if str(t) == "Intercept"])
    frame = pd.DataFrame({"term": [term_label(t, labels, reference) for t in data.index],
                          "coefficient": data["coef"].to_numpy()})
    if truth is not None:
        frame["true_coefficient"] = [truth.get(t, np.nan) for t in data.index]
    frame["standard_error"] = data["se"].to_numpy()
    frame["odds_ratio_ci"] = [odds_ratio_text(o, lo, hi, says_ci=False) for o, lo, hi in zip(data["odds_ratio"], data["ci_low"],
                                                                                data["ci_high"], strict=True)]
    frame["p"] = data["p_value"].clip(0.0, 1.0).to_numpy()
    coefficients = decimals_for(np.append(frame["coefficient"], frame.get("true_coefficient", [])))
    return table(frame, text=["odds_ratio_ci"], digits={"coefficient": coefficients, "true_coefficient": coefficients}, top=None, caption=caption,
                 labels={"odds_ratio_ci": "Odds ratio (95% CI)", "coefficient": "Coefficient"})


def estimates_by_row(frame: pd.DataFrame, kinds: Sequence[str] | None = None, **options: Any) -> Table:
    """A reader table of estimates beside their planted (or true) values, one quantity per row, each row
    written with one number of decimals across its columns.

    A column of different quantities (a path coefficient of 0.05, another of 47.5) cannot share its
    decimals, but the numbers of one row are compared with each other: 47.5 beside a planted "50"
    reads as if the truth were rounded, beside "50.0" it does not. Each row of a ``"number"`` kind
    takes the decimals that show its values with three significant digits
    (:func:`~crmlab.display.numbers.decimals_for` over the row); a ``"percent"`` row is written in
    per cent with one decimal, an ``"integer"`` row as counts. ``kinds`` gives one kind per row
    (all ``"number"`` by default); ``options`` go to :func:`~crmlab.display.tables.table`.

    >>> effects = pd.DataFrame({"estimate": [0.0497, 47.5, 1.26, 0.652], "planted": [0.05, 50.0, 1.0, 0.714]},
    ...                        index=pd.Index(["a", "b", "direct", "proportion"], name="effect"))
    >>> print(estimates_by_row(effects, ["number", "number", "number", "percent"]))
    Effect      Estimate  Planted
    a             0.0497   0.0500
    b               47.5     50.0
    direct          1.26     1.00
    proportion     65.2%    71.4%
    """
    kinds = list(kinds) if kinds is not None else ["number"] * len(frame)
    if len(kinds) != len(frame):
        raise DataError("DataFrame", [Problem(f"estimates_by_row needs one kind per row ({len(frame)}), got {len(kinds)}")])
    unknown = sorted({k for k in kinds if k not in ("number", "percent", "integer")})
    if unknown:
        raise DataError("DataFrame", [Problem(f"a row of estimates is a number, percent or integer, not {k!r}") for k in unknown])
    cells = pd.DataFrame(index=frame.index, columns=frame.columns, dtype=object)
    for position, kind in enumerate(kinds):
        values = frame.iloc[position]
        if kind == "percent":
            written = [percent(v) for v in values]
        elif kind == "integer":
            written = [integer(v) for v in values]
        else:
            digits = decimals_for(values.to_numpy(dtype=float))
            written = [number(v, digits) for v in values]
        cells.iloc[position] = written
    return table(cells, row_kinds={c: ["text"] * len(cells) for c in cells.columns}, **options)
