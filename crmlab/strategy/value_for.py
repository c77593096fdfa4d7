"""Value *for* the customer: perceived against expected value, per attribute and per touchpoint.

The expectancy-disconfirmation paradigm (Oliver 1980, "A cognitive model of the antecedents and
consequences of satisfaction decisions", Journal of Marketing Research 17(4)): a customer
compares what they perceive with what they expected; the *disconfirmation* (gap)
perception − expectation sets satisfaction — positive gaps delight, negative ones disappoint.
SERVQUAL measures it attribute by attribute as P − E (Parasuraman, Zeithaml & Berry 1988,
Journal of Retailing 64(1)).

A value survey has one row per respondent: ``satisfaction`` and, for each attribute a,
``expectation_<a>`` and ``perception_<a>`` on the same scale. A touchpoint log has one row per
customer × touchpoint: ``customer_id``, ``touchpoint``, ``expected``, ``perceived``.

- :func:`read_value_survey` — the survey, checked (scale, numbers, pairs of columns);
- :func:`disconfirmation` — the gap columns ``gap_<a>`` per respondent;
- :func:`disconfirmation_summary` — per attribute: mean E, P, gap, share disappointed, t-test;
- :func:`satisfaction_regression` — ``satisfaction ~ gap_a + gap_b + …`` (statsmodels OLS): which
  gaps drive satisfaction, and how much;
- :func:`touchpoint_value_gaps` — the value gap per touchpoint, worst first, optionally weighted
  by the importance the regression gives it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

# statsmodels and scipy.stats take a second or more to import: the functions that use them import them.

from crmlab.data.errors import DataError, Problem
from crmlab.data.tables import load_table
from crmlab.data.tables import check_columns, check_numeric

__all__ = [
    "attributes_of",
    "disconfirmation",
    "disconfirmation_summary",
    "read_value_survey",
    "satisfaction_regression",
    "touchpoint_value_gaps",
]


def attributes_of(survey: pd.DataFrame) -> list[str]:
    """The attributes a survey measures: those with both ``expectation_<a>`` and ``perception_<a>``.

    >>> attributes_of(pd.DataFrame(columns=["expectation_speed", "perception_speed", "perception_price"]))
    ['speed']
    """
    expected = [c.removeprefix("expectation_") for c in survey.columns if str(c).startswith("expectation_")]
    return [a for a in expected if f"perception_{a}" in survey.columns]


def read_value_survey(source: Any, *, scale: tuple[float, float] = (1, 7), attributes: Sequence[str] | None = None) -> pd.DataFrame:
    """A value survey (CSV/Parquet path or DataFrame), checked: every expectation, perception and
    satisfaction answer a number on ``scale``; each attribute with both its columns. Bad answers
    raise one :class:`~crmlab.data.DataError` naming file, row and column.

    >>> raw = pd.DataFrame({"satisfaction": [5, 9], "expectation_speed": [4, 5], "perception_speed": [5, 4]})
    >>> read_value_survey(raw)
    Traceback (most recent call last):
    ...
    crmlab.data.errors.DataError: DataFrame: 1 problem
      row 1, column 'satisfaction': outside the scale 1–7 (9)
    """
    name, frame = load_table(source, what="value survey")
    attrs = list(attributes) if attributes is not None else attributes_of(frame)
    lonely = [c for c in frame.columns if str(c).startswith(("expectation_", "perception_"))
              and str(c).split("_", 1)[1] not in attrs]
    if attributes is None and lonely:
        raise DataError(name, [Problem("an expectation without its perception (or the reverse)", column=c) for c in lonely])
    if not attrs:
        raise DataError(name, [Problem("no attribute with both expectation_<a> and perception_<a> columns")])
    columns = ["satisfaction"] + [f"{k}_{a}" for a in attrs for k in ("expectation", "perception")]
    check_columns(frame, columns, source=name)
    return check_numeric(frame, columns, source=name, bounds=scale)


def disconfirmation(survey: pd.DataFrame, attributes: Sequence[str] | None = None) -> pd.DataFrame:
    """Disconfirmation per respondent and attribute: ``gap_<a>`` = perception_a − expectation_a (Oliver 1980).

    >>> s = pd.DataFrame({"expectation_speed": [5, 4], "perception_speed": [3, 6]})
    >>> disconfirmation(s)["gap_speed"].tolist()
    [-2.0, 2.0]
    """
    attrs = list(attributes) if attributes is not None else attributes_of(survey)
    cols = [f"{k}_{a}" for a in attrs for k in ("expectation", "perception")]
    data = check_numeric(survey, cols)
    return pd.DataFrame({f"gap_{a}": data[f"perception_{a}"] - data[f"expectation_{a}"] for a in attrs}, index=survey.index)


def disconfirmation_summary(survey: pd.DataFrame, attributes: Sequence[str] | None = None) -> pd.DataFrame:
    """Per attribute: mean expectation, mean perception, mean gap (P − E, the SERVQUAL score of
    Parasuraman, Zeithaml & Berry 1988), the share of respondents whose expectation was not met
    (gap < 0), and a one-sample t-test of the mean gap against 0.

    >>> s = pd.DataFrame({"expectation_speed": [5, 4, 6], "perception_speed": [3, 5, 4]})
    >>> row = disconfirmation_summary(s).loc["speed"]
    >>> float(row["mean_gap"]), round(float(row["share_disappointed"]), 3)
    (-1.0, 0.667)
    """
    from scipy import stats

    attrs = list(attributes) if attributes is not None else attributes_of(survey)
    gaps = disconfirmation(survey, attrs)
    rows = {}
    for a in attrs:
        g = gaps[f"gap_{a}"]
        t = stats.ttest_1samp(g, 0.0) if len(g) > 1 and g.std() > 0 else None
        rows[a] = {"mean_expectation": float(survey[f"expectation_{a}"].astype(float).mean()),
                   "mean_perception": float(survey[f"perception_{a}"].astype(float).mean()),
                   "mean_gap": float(g.mean()), "share_disappointed": float((g < 0).mean()),
                   "t": float(t.statistic) if t else np.nan, "p": float(t.pvalue) if t else np.nan}
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "attribute"
    return out


def satisfaction_regression(survey: pd.DataFrame, attributes: Sequence[str] | None = None, *, with_expectations: bool = False):
    """OLS of satisfaction on the disconfirmation of each attribute: ``satisfaction ~ gap_a + gap_b + …``.

    Each coefficient is the change in satisfaction per scale point of disconfirmation on that
    attribute, other gaps held fixed — the attribute's importance to satisfaction. With
    ``with_expectations`` the expectations enter too (Oliver's 1980 model: satisfaction is a
    function of the expectation level and of its disconfirmation). Returns the statsmodels results
    (``.params``, ``.summary()``).

    >>> rng = np.random.default_rng(1)
    >>> s = pd.DataFrame({"expectation_speed": rng.uniform(3, 6, 200), "perception_speed": rng.uniform(2, 7, 200)})
    >>> s["satisfaction"] = 4 + 0.8 * (s["perception_speed"] - s["expectation_speed"]) + rng.normal(0, 0.1, 200)
    >>> round(float(satisfaction_regression(s).params["gap_speed"]), 1)
    0.8
    """
    import statsmodels.formula.api as smf

    attrs = list(attributes) if attributes is not None else attributes_of(survey)
    check_columns(survey, ["satisfaction"])
    data = disconfirmation(survey, attrs).assign(satisfaction=check_numeric(survey, ["satisfaction"])["satisfaction"])
    terms = [f"gap_{a}" for a in attrs]
    if with_expectations:
        for a in attrs:
            data[f"expectation_{a}"] = survey[f"expectation_{a}"].astype(float)
        terms += [f"expectation_{a}" for a in attrs]
    if len(data) <= len(terms) + 1:
        raise ValueError(f"satisfaction_regression: {len(data)} respondents are too few for {len(terms)} predictors")
    return smf.ols("satisfaction ~ " + " + ".join(terms), data=data).fit()


def touchpoint_value_gaps(
    touchpoints: pd.DataFrame,
    *,
    importance: Mapping[str, float] | pd.Series | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """The value gap per touchpoint: mean perceived − expected value, worst first.

    Columns: ``n``, ``mean_expected``, ``mean_perceived``, ``value_gap`` (mean of P − E),
    ``ci_low``/``ci_high`` (t interval of the mean gap), ``share_below_expectation``; with
    ``importance`` (touchpoint → weight, e.g. the regression's coefficients), ``priority`` =
    importance × max(0, −gap), the satisfaction lost at the touchpoint (importance–performance
    analysis, Martilla & James 1977, Journal of Marketing 41(1)), and the rows are ordered by it.

    >>> tp = pd.DataFrame({"customer_id": ["a", "b", "a", "b"], "touchpoint": ["web", "web", "store", "store"],
    ...                    "expected": [5, 5, 4, 4], "perceived": [3, 4, 5, 4]})
    >>> touchpoint_value_gaps(tp)["value_gap"].to_dict()
    {'web': -1.5, 'store': 0.5}
    """
    from scipy import stats

    check_columns(touchpoints, ["customer_id", "touchpoint", "expected", "perceived"])
    data = check_numeric(touchpoints, ["expected", "perceived"])
    missing = data["touchpoint"].isna()
    if missing.any():
        raise DataError("DataFrame", [Problem("missing touchpoint", row=r, column="touchpoint") for r in data.index[missing]])
    data["gap"] = data["perceived"] - data["expected"]
    g = data.groupby("touchpoint", sort=False)
    out = pd.DataFrame({"n": g.size(), "mean_expected": g["expected"].mean(), "mean_perceived": g["perceived"].mean(),
                        "value_gap": g["gap"].mean(), "share_below_expectation": g["gap"].apply(lambda x: float((x < 0).mean()))})
    se = g["gap"].std(ddof=1) / np.sqrt(out["n"])
    q = stats.t.ppf(0.5 + confidence / 2, (out["n"] - 1).clip(lower=1))
    out["ci_low"] = out["value_gap"] - q * se
    out["ci_high"] = out["value_gap"] + q * se
    if importance is not None:
        weights = pd.Series(importance, dtype=float).reindex(out.index)
        if weights.isna().any():
            raise ValueError(f"touchpoint_value_gaps: no importance for {list(out.index[weights.isna()])}")
        out["importance"] = weights
        out["priority"] = weights * (-out["value_gap"]).clip(lower=0)
        out = out.sort_values("priority", ascending=False, kind="stable")
    else:
        out = out.sort_values("value_gap", kind="stable")
    out.index.name = "touchpoint"
    return out
