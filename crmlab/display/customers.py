"""The customer base as readers see it: titles chosen by the data source, tables and generated sentences.

A report runs on the bundled CDNOW data, on a synthetic world or on the
user's own file, so what it says about its data is chosen by ``source``
(:func:`data_name`, :func:`report_title`, :func:`data_sentence`) and every
sentence about the numbers is built from the frame it describes (retention,
cohorts, interpurchase times, churn scenarios, the planted truth of a
synthetic world), so that it cannot contradict the table or figure beside it.

>>> print(report_title("cdnow", "The customer base", "churn and retention").plain)
# The customer base of CDNOW: churn and retention
>>> print(report_title("exports/orders.csv", "The customer base", "churn and retention").plain)
# The customer base of orders.csv: churn and retention
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from crmlab.display.numbers import integer, money, number, percent
from crmlab.display.text import Markdown, bullet_list, compare, join_list, markdown, plural

__all__ = [
    "PERIOD_NAMES",
    "alive_sentence",
    "base_overview",
    "bullet_list",
    "churn_scenario_sentences",
    "cohort_sentences",
    "data_name",
    "data_sentence",
    "IPT_DIGITS",
    "interpurchase_number",
    "interpurchase_sentence",
    "interpurchase_table",
    "planted_channel_sentence",
    "planted_channel_table",
    "reader_describe",
    "summary_distribution",
    "summary_table",
    "repeat_sentence",
    "report_title",
    "retention_sentences",
]

#: Decimals of an interpurchase-time statistic that is not whole (a whole one has none), in the table, the
#: sentence and the figure's legend alike: see :func:`interpurchase_number`.
IPT_DIGITS = 1


def interpurchase_number(value: float) -> str:
    """An interpurchase-time statistic as every part of a page writes it: :data:`IPT_DIGITS` decimals, none
    when the value is whole (a median of whole days), as the lab's tables write whole numbers.

    >>> interpurchase_number(70.94), interpurchase_number(34.0), interpurchase_number(102.96), interpurchase_number(1234.5)
    ('70.9', '34', '103', '1,234.5')
    """
    return number(value, digits=_interpurchase_digits(value))


def _interpurchase_digits(value: float) -> int:
    """:data:`IPT_DIGITS`, or 0 when the value rounds to a whole number at that many decimals (102.96 → 103)."""
    shown = round(float(value), IPT_DIGITS)
    return 0 if shown == round(shown) else IPT_DIGITS

#: Reader names of the period aliases of the customer-base frames.
PERIOD_NAMES = {"D": "day", "W": "week", "M": "month", "Q": "quarter", "Y": "year"}

_BUNDLED = {
    "cdnow": "CDNOW",
    "cdnow_full": "CDNOW (all 23,570 customers)",
    "synthetic": "a synthetic retailer",
}


def _joined(parts: Sequence[Markdown]) -> Markdown:
    return Markdown("".join(p.text for p in parts), "".join(p.plain for p in parts))


def data_name(source: str | os.PathLike[str]) -> str:
    """What the report calls its data: "CDNOW", "a synthetic retailer", or the file's name.

    The name follows "The customer base of" and "The value of the customers
    of" in the titles, so a synthetic world is named as the firm it imitates
    (CDNOW's parameters, a retailer), not as "a synthetic customer base".

    >>> data_name("cdnow"), data_name("synthetic"), data_name("exports/orders.csv")
    ('CDNOW', 'a synthetic retailer', 'orders.csv')
    """
    key = str(source)
    return _BUNDLED.get(key, Path(key).name or key)


def report_title(source: str | os.PathLike[str], subject: str, subtitle: str) -> Markdown:
    """The report's title naming its data: "# {subject} of {data}: {subtitle}" (the data name escaped).

    >>> print(report_title("<img src=x onerror=alert(4)>.csv", "The customer base", "churn").text)
    # The customer base of &lt;img src=x onerror=alert\\(4\\)&gt;\\.csv: churn
    """
    return markdown("# {subject} of {name}: {subtitle}", subject=Markdown(subject), name=data_name(source),
                    subtitle=Markdown(subtitle))


def data_sentence(source: str | os.PathLike[str], overview: pd.DataFrame,
                  columns: Mapping[str, str] | None = None) -> Markdown:
    """What data the report ran on, chosen by the source and counted from :func:`base_overview`.

    >>> overview = base_overview(pd.DataFrame({"customer_id": ["a", "a", "b"], "amount": [1.0, 2.0, 3.0],
    ...                          "date": pd.to_datetime(["2024-01-02", "2024-02-01", "2024-01-05"])}), "2024-03-31")
    >>> print(data_sentence("orders.csv", overview, {"Revenue": "amount"}).plain)
    The data: the file orders.csv (columns read as Revenue → amount), 3 purchases by 2 customers from 2024-01-02 to 2024-02-01, observed to 2024-03-31.
    >>> print(data_sentence("cdnow", overview).plain)
    The data: the CDNOW sample of Fader, Hardie & Lee (2005): customers of the online music retailer CDNOW who made their first purchase in the first quarter of 1997 — here 3 purchases by 2 customers from 2024-01-02 to 2024-02-01, observed to 2024-03-31.
    """
    row = overview.iloc[0]
    counts = markdown("{purchases} by {customers} from {first} to {last}, observed to {end}",
                      purchases=plural(row["purchases"], "purchase"), customers=plural(row["customers"], "customer"),
                      first=row["first_purchase"].date(), last=row["last_purchase"].date(), end=row["observation_end"].date())
    key = str(source)
    if key in ("cdnow", "cdnow_full"):
        which = "sample" if key == "cdnow" else "full cohort"
        return markdown("The data: the CDNOW {which} of Fader, Hardie & Lee (2005): customers of the online music "
                        "retailer CDNOW who made their first purchase in the first quarter of 1997 — here {counts}.",
                        which=which, counts=counts)
    if key == "synthetic":
        return markdown("The data: a synthetic customer base drawn by crmlab.data.simulate_transactions — BG/NBD "
                        "purchasing and Gamma-Gamma spend with known parameters, three acquisition channels — "
                        "{counts}.", counts=counts)
    mapping = "" if not columns else markdown(" (columns read as {pairs})",
                                               pairs=", ".join(f"{k} → {v}" for k, v in columns.items())).plain
    return markdown("The data: the file {name}{mapping}, {counts}.", name=Path(key).name, mapping=mapping, counts=counts)


def base_overview(transactions: pd.DataFrame, observation_end: Any) -> pd.DataFrame:
    """One row about the data: customers, purchases, first and last purchase, end of observation, total spend.

    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b"], "amount": [1.0, 2.0, 3.5],
    ...                    "date": pd.to_datetime(["2024-01-02", "2024-02-01", "2024-01-05"])})
    >>> base_overview(tx, "2024-03-31").T
                                       0
    customers                          2
    purchases                          3
    first_purchase   2024-01-02 00:00:00
    last_purchase    2024-02-01 00:00:00
    observation_end  2024-03-31 00:00:00
    total_spend                      6.5
    """
    dates = pd.to_datetime(transactions["date"])
    return pd.DataFrame({
        "customers": [int(transactions["customer_id"].nunique())],
        "purchases": [len(transactions)],
        "first_purchase": [dates.min().normalize()],
        "last_purchase": [dates.max().normalize()],
        "observation_end": [pd.Timestamp(observation_end).normalize()],
        "total_spend": [float(transactions["amount"].sum())],
    })


def reader_describe(frame: pd.DataFrame, columns: Sequence[str], *, counts: Sequence[str] = ()) -> pd.DataFrame:
    """The distribution of some columns for readers: one row per statistic (mean, sd, min, quartiles, 90th
    percentile, max), one column per measure, so a reader table formats each measure by its own kind.

    Missing values are left out of each column's statistics (a measure
    undefined for some rows describes the rest). The percentiles of the
    ``counts`` columns are observed values, the inverse of the empirical
    distribution function (Hyndman & Fan 1996, definition 1: the smallest
    value with at least a share q of the values at or below it), so a count's
    median is a count; the other columns' percentiles interpolate linearly
    (definition 7, pandas' default).

    >>> reader_describe(pd.DataFrame({"frequency": [0, 1, 2, 9]}), ["frequency"])
                statistic  frequency
    0                Mean      3.000
    1  Standard deviation      4.082
    2             Minimum      0.000
    3     25th percentile      0.750
    4              Median      1.500
    5     75th percentile      3.750
    6     90th percentile      6.900
    7             Maximum      9.000
    >>> reader_describe(pd.DataFrame({"frequency": [0, 1, 2, 9]}), ["frequency"], counts=["frequency"])["frequency"].tolist()
    [3.0, 4.08248290463863, 0.0, 0.0, 1.0, 2.0, 9.0, 9.0]
    """
    data = frame[list(columns)].astype(float)
    levels = {"25th percentile": 0.25, "Median": 0.5, "75th percentile": 0.75, "90th percentile": 0.90}
    stats = {"Mean": data.mean(), "Standard deviation": data.std(), "Minimum": data.min()}
    stats.update({name: data.quantile(q) for name, q in levels.items()})
    stats["Maximum"] = data.max()
    out = pd.DataFrame(stats).T
    for column in counts:
        values = data[column].dropna().to_numpy()
        for name, q in levels.items():
            out.loc[name, column] = np.quantile(values, q, method="inverted_cdf") if values.size else np.nan
    return out.reset_index(names="statistic")


#: The measures of a transaction summary defined only for some customers, and the count that must be above 0:
#: a mean of the repeat purchases needs a repeat purchase (Fader, Hardie & Lee 2005b).
DEFINED_WHEN = {"monetary_value": "frequency", "monetary_value_holdout": "frequency_holdout"}

#: The count columns of a transaction summary.
SUMMARY_COUNTS = ("frequency", "frequency_holdout", "n_purchases")


def summary_distribution(summary: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """:func:`reader_describe` of a transaction summary, each measure over the customers it is defined for.

    ``summary`` is :func:`crmlab.customers.transaction_summary`. Monetary value
    is the mean of a customer's repeat transactions, undefined without one
    (Fader, Hardie & Lee 2005b); the summary stores 0 there, the ``lifetimes``
    convention the spend model's input needs, so it is described over the
    customers with ``frequency`` > 0 only (``monetary_value_holdout`` over
    those with holdout transactions). Counts get observed percentiles.

    >>> s = pd.DataFrame({"frequency": [0, 0, 1, 3], "monetary_value": [0.0, 0.0, 10.0, 30.0]})
    >>> summary_distribution(s, ["frequency", "monetary_value"]).iloc[[0, 2, 4]]
        statistic  frequency  monetary_value
    0        Mean        1.0            20.0
    2     Minimum        0.0            10.0
    4      Median        0.0            20.0
    """
    data = summary[list(columns)].copy()
    for measure, count in DEFINED_WHEN.items():
        if measure in data and count in summary:
            data[measure] = data[measure].where(summary[count] > 0)
    return reader_describe(data, columns, counts=[c for c in columns if c in SUMMARY_COUNTS])


def summary_table(summary: pd.DataFrame, columns: Sequence[str], *, unit: str = "weeks", currency: str = "$",
                  labels: Mapping[str, str] | None = None, caption: str = "Transaction summary") -> Any:
    """The distribution of a transaction summary as a reader table (:func:`crmlab.display.table`).

    From :func:`summary_distribution`: counts are written as counts (their
    mean and standard deviation with two decimals), recency and T with one
    decimal in ``unit``, amounts in ``currency``; the monetary-value column is
    labelled as the repeat buyers', and the caption says how many customers
    each column describes.

    >>> s = pd.DataFrame({"frequency": [0, 0, 1, 3], "recency": [0.0, 0.0, 2.0, 5.5], "T": [6.0, 6.0, 6.0, 6.0],
    ...                   "monetary_value": [0.0, 0.0, 10.0, 30.0]})
    >>> print(summary_table(s, ["frequency", "recency", "monetary_value"]))
    Transaction summary of 4 customers (monetary value: the 2 with a repeat purchase)
    Statistic           Frequency  Recency (weeks)  Monetary value, repeat buyers
    Mean                     1.00              1.9                         $20.00
    Standard deviation       1.41              2.6                         $14.14
    Minimum                     0              0.0                         $10.00
    25th percentile             0              0.0                         $15.00
    Median                      0              1.0                         $20.00
    75th percentile             1              2.9                         $25.00
    90th percentile             3              4.5                         $28.00
    Maximum                     3              5.5                         $30.00
    """
    from crmlab.display.tables import table

    described = summary_distribution(summary, columns)
    counts = [c for c in columns if c in SUMMARY_COUNTS]
    count_rows = ["number", "number"] + ["integer"] * (len(described) - 2)
    names = {"monetary_value": "Monetary value, repeat buyers",
             "monetary_value_holdout": "Monetary value in the holdout, customers with holdout transactions",
             **(labels or {})}
    defined = [f"{names[m].split(',')[0].lower()}: the {integer(int((summary[c] > 0).sum()))} with a "
               f"{'repeat purchase' if c == 'frequency' else 'holdout transaction'}"
               for m, c in DEFINED_WHEN.items() if m in columns and c in summary]
    title = f"{caption} of {plural(len(summary), 'customer')}" + (f" ({'; '.join(defined)})" if defined else "")
    money_columns = [c for c in columns if c in ("monetary_value", "monetary_value_holdout", "total_spend")]
    times = [c for c in columns if c in ("recency", "T")]
    return table(described, money=money_columns, unit=currency, units={c: unit for c in times},
                 row_kinds={c: count_rows for c in counts}, digits={**{c: 2 for c in counts}, **{c: 1 for c in times}},
                 labels=names, caption=title)


def repeat_sentence(repeat: pd.DataFrame) -> Markdown:
    """How many customers came back, from :func:`crmlab.customers.repeat_purchase_rate` (one row).

    >>> print(repeat_sentence(pd.DataFrame({"n_customers": [2357], "n_repeat": [1139]})).plain)
    1,139 of 2,357 customers (48.3%) bought again after their first purchase; the other 1,218 bought once.
    """
    row = repeat.iloc[0]
    n, k = int(row["n_customers"]), int(row["n_repeat"])
    return markdown("{k} of {n} customers ({p}) bought again after their first purchase; the other {once} bought once.",
                    k=integer(k), n=integer(n), p=percent(k / n) if n else "–", once=integer(n - k))


def retention_sentences(rates: pd.DataFrame, *, freq: str = "M") -> Markdown:
    """What the retention table says, from :func:`crmlab.customers.retention_rate`: the pooled CRR, its range,
    and the periods with CRR above 100% (churn below 0), which are reactivations, not errors.

    The pooled rate is Σ(E − N) / ΣS over the periods with S > 0.

    >>> rates = pd.DataFrame({"period": ["p1", "p2", "p3", "p4"], "S": [0, 100, 80, 60], "N": [100, 0, 0, 0],
    ...                       "E": [100, 80, 60, 70], "retention_rate": [np.nan, 0.8, 0.75, 70 / 60]})
    >>> print(retention_sentences(rates).plain)
    Over 3 months, the pooled CRR, Σ(E − N) / ΣS, is 87.5% (210 against 240 customers active the month before); it ranges from 75.0% in p3 to 116.7% in p4. In 1 month (p4) CRR is above 100% and churn below 0: more lapsed customers came back than active ones were lost — the net measure counts returning customers in E but not in S.
    >>> print(retention_sentences(rates.iloc[:3]).plain)
    Over 2 months, the pooled CRR, Σ(E − N) / ΣS, is 77.8% (140 against 180 customers active the month before); it ranges from 75.0% in p3 to 80.0% in p2. CRR stays below 100% in every month: no month had more returning customers than lost ones.
    """
    period = PERIOD_NAMES.get(freq, "period")
    data = rates.dropna(subset=["retention_rate"])
    data = data[data["S"] > 0]
    kept = int((data["E"] - data["N"]).sum())
    at_risk = int(data["S"].sum())
    low, high = data.loc[data["retention_rate"].idxmin()], data.loc[data["retention_rate"].idxmax()]
    parts = [markdown("Over {n}, the pooled CRR, Σ(E − N) / ΣS, is {pooled} ({kept} against {risk} customers active "
                      "the {period} before); it ranges from {low} in {low_p} to {high} in {high_p}.",
                      n=plural(len(data), period), kept=integer(kept), risk=integer(at_risk), period=period,
                      pooled=percent(kept / at_risk), low=percent(low["retention_rate"]), low_p=str(low["period"]),
                      high=percent(high["retention_rate"]), high_p=str(high["period"]))]
    above = data[data["retention_rate"] > 1]
    if len(above):
        parts.append(markdown(" In {n} ({which}) CRR is above 100% and churn below 0: more lapsed customers came back "
                              "than active ones were lost — the net measure counts returning customers in E but not "
                              "in S.", n=plural(len(above), period), which=join_list(map(str, above["period"]))))
    else:
        parts.append(markdown(" CRR stays below 100% in every {period}: no {period} had more returning customers than "
                              "lost ones.", period=period))
    return _joined(parts)


def cohort_sentences(cohorts: pd.DataFrame, pooled: pd.DataFrame, *, freq: str = "M",
                     ages: Sequence[int] = (1, 3, 6, 12)) -> Markdown:
    """What the cohorts say: the pooled retention curve at some ages, and the first and last cohort compared.

    ``cohorts`` is :func:`crmlab.customers.cohort_retention`, ``pooled``
    :func:`crmlab.customers.projection.pooled_retention_curve`. The earliest
    and the latest cohort observed one period after acquisition are compared
    at that age (within 1 percentage point: "about as many").

    >>> cohorts = pd.DataFrame({"cohort": ["a", "a", "a", "b", "b"], "period_number": [0, 1, 2, 0, 1],
    ...                         "cohort_size": [100, 100, 100, 50, 50], "n_active": [100, 20, 10, 50, 5],
    ...                         "retention": [1.0, 0.2, 0.1, 1.0, 0.1]})
    >>> from crmlab.customers.projection import pooled_retention_curve
    >>> print(cohort_sentences(cohorts, pooled_retention_curve(cohorts)).plain)
    Of all customers, 16.7% bought again 1 month after acquisition and 10.0% 2 months after. The latest cohort (b) bought again one month after acquisition less often than the earliest (a): 10.0% against 20.0%.
    """
    period = PERIOD_NAMES.get(freq, "period")
    curve = pooled.set_index("period_number")["retention"]
    shown = [a for a in ages if a in curve.index]
    if not shown and len(curve):
        shown = [int(curve.index.max())]
    if not shown:
        return markdown("No customer was observed beyond the {period} of acquisition.", period=period)
    if len(curve) and curve.index.max() not in shown and curve.index.max() < max(ages):
        shown.append(int(curve.index.max()))
    phrases = [f"{percent(curve[a])} {plural(a, period)} after" for a in shown]
    first = phrases[0].replace("% ", "% bought again ", 1).replace(" after", " after acquisition")
    parts = [markdown("Of all customers, {first}{rest}.", first=first,
                      rest=("" if len(phrases) == 1 else " and " + phrases[-1] if len(phrases) == 2 else
                            ", " + ", ".join(phrases[1:-1]) + " and " + phrases[-1]))]
    one = cohorts[cohorts["period_number"] == 1].sort_values("cohort")
    if len(one) >= 2:
        early, late = one.iloc[0], one.iloc[-1]
        word = compare(late["retention"], early["retention"], "more often than", "less often than", "about as often as",
                       tolerance=0.01)
        parts.append(markdown(" The latest cohort ({late}) bought again one {period} after acquisition {word} the "
                              "earliest ({early}): {lr} against {er}.", late=str(late["cohort"]), period=period,
                              word=word, early=str(early["cohort"]), lr=percent(late["retention"]),
                              er=percent(early["retention"])))
    return _joined(parts)


def interpurchase_table(distribution: pd.DataFrame, *, unit: str = "D") -> Any:
    """The reader table of :func:`crmlab.customers.interpurchase_distribution` (one row), every time in ``unit``
    written by :func:`interpurchase_number`, as :func:`interpurchase_sentence` and the figure's legend write them.

    >>> d = pd.DataFrame({"n_gaps": [4339], "n_customers": [1139], "mean": [70.9], "median": [34.0], "sd": [91.3],
    ...                   "cv": [1.29], "p10": [4.0], "p90": [196.0]})
    >>> html = interpurchase_table(d)._repr_html_()
    >>> ">34</td>" in html, ">70.9</td>" in html
    (True, True)
    """
    from crmlab.display.tables import table

    name = {"D": "days", "W": "weeks", "M": "months"}.get(unit, unit)
    times = ["mean", "median", "sd", "p10", "p90"]
    row = distribution.iloc[0]
    digits = {c: _interpurchase_digits(row[c]) for c in times if c in distribution}
    return table(distribution, digits={"cv": 2, **digits},
                 labels={"n_gaps": "Gaps", "n_customers": "Repeat customers", "mean": "Mean", "median": "Median",
                         "sd": "Standard deviation", "cv": "CV", "p10": "10th percentile", "p90": "90th percentile"},
                 units={c: name for c in times}, caption="Interpurchase times")


def interpurchase_sentence(distribution: pd.DataFrame, *, unit: str = "D") -> Markdown:
    """What the interpurchase times say, from :func:`crmlab.customers.interpurchase_distribution` (one row).

    The coefficient of variation is compared with 1, a Poisson process's
    (within 0.1: "about as irregular as"); a mean above the median is a long
    tail of long silences.

    >>> d = pd.DataFrame({"n_gaps": [4339], "n_customers": [1139], "mean": [70.9], "median": [34.0], "cv": [1.29],
    ...                   "p90": [196.0]})
    >>> print(interpurchase_sentence(d).plain)
    Across 4,339 gaps between the purchases of 1,139 repeat customers, half are shorter than 34 days and one in ten longer than 196 days; the mean, 70.9 days, lies above the median: a long tail of long silences. The coefficient of variation, 1.29, says purchases are more irregular than a Poisson process (CV = 1).
    """
    names = {"D": "days", "W": "weeks", "M": "months"}
    name = names.get(unit, unit)
    row = distribution.iloc[0]
    if not row["n_gaps"]:
        return markdown("No customer bought on two different days, so there is no interpurchase time.")
    tail = compare(row["mean"], row["median"], "above the median: a long tail of long silences",
                   "below the median: a few quick repeat purchases pull it down", "close to the median",
                   tolerance=0.05, relative=True)
    regular = compare(row["cv"], 1.0, "more irregular than", "more regular than", "about as irregular as", tolerance=0.1)
    return markdown("Across {gaps} between the purchases of {customers}, half are shorter than {median} {unit} and one "
                    "in ten longer than {p90} {unit}; the mean, {mean} {unit}, lies {tail}. The coefficient of "
                    "variation, {cv}, says purchases are {regular} a Poisson process (CV = 1).",
                    gaps=plural(row["n_gaps"], "gap"), customers=plural(row["n_customers"], "repeat customer"),
                    median=interpurchase_number(row["median"]), unit=name,
                    p90=interpurchase_number(row["p90"]), mean=interpurchase_number(row["mean"]), tail=tail, cv=number(row["cv"], digits=2), regular=regular)


def churn_scenario_sentences(summary: pd.DataFrame, *, periods: int, period: str = "year",
                             currency: str = "$", margin: float = 100.0) -> Markdown:
    """What the churn scenarios say, from :func:`crmlab.clv.churn_scenario_summary`.

    The lowest-churn scenario is set against the highest: the base after
    ``periods``, the steady state, and the value of a customer.

    >>> from crmlab.clv import churn_scenario_summary
    >>> print(churn_scenario_sentences(churn_scenario_summary(1000, {"5% churn": 0.05, "10% churn": 0.10}, 10),
    ...                                periods=10).plain)
    After 10 years the firm with 5% churn has 8,025 customers and the one with 10% churn 6,513, 23.2% more; in the long run they tend to 20,000 and 10,000 customers (2.0 times as many). A customer earning $100.00 a year is worth $633.33 to the first and $450.00 to the second.
    """
    ranked = summary.sort_values("churn_rate")
    low, high = ranked.iloc[0], ranked.iloc[-1]
    if low["churn_rate"] == high["churn_rate"]:
        return markdown("Every scenario has the same churn rate, {c}: the bases grow alike.", c=percent(low["churn_rate"]))
    more = low["customers"] / high["customers"] - 1 if high["customers"] else np.inf
    ratio = (low["steady_state_base"] / high["steady_state_base"]) if high["steady_state_base"] else np.inf
    return markdown("After {n} the firm with {lc} churn has {lb} customers and the one with {hc} churn {hb}, {more} "
                    "more; in the long run they tend to {ls} and {hs} customers ({ratio} times as many). A customer "
                    "earning {m} a {period} is worth {lv} to the first and {hv} to the second.",
                    n=plural(periods, period), lc=percent(low["churn_rate"], digits=0), lb=integer(low["customers"]),
                    hc=percent(high["churn_rate"], digits=0), hb=integer(high["customers"]), more=percent(more),
                    ls=integer(low["steady_state_base"]), hs=integer(high["steady_state_base"]),
                    ratio=number(ratio, digits=1), m=money(margin, unit=currency), period=period,
                    lv=money(low["clv"], unit=currency), hv=money(high["clv"], unit=currency))


def planted_channel_table(channels: pd.DataFrame) -> pd.DataFrame:
    """The planted truth of a synthetic world per channel, with the means a reader can interpret.

    Takes ``SimulatedWorld.channels`` and adds E[λ] = r/α (repeat purchases
    per week while alive), E[p] = a/(a+b) (the chance of dropping out after a
    purchase) and the mean spend per transaction p·γ/(q − 1) (Fader, Hardie
    & Lee 2005a, 2005b). Parameter columns are named by their symbols.

    >>> world = pd.DataFrame({"channel": ["search"], "share": [1.0], "n_customers": [10], "r": [0.243],
    ...                       "alpha": [4.414], "a": [0.793], "b": [2.426], "p_spend": [6.25], "q": [3.74], "gamma": [15.44]})
    >>> planted_channel_table(world)[["purchase_rate", "dropout_probability", "mean_spend"]].round(3)
       purchase_rate  dropout_probability  mean_spend
    0          0.055                0.246      35.219
    """
    out = channels[["channel", "share", "n_customers", "r", "alpha", "a", "b", "p_spend", "q", "gamma"]].copy()
    out.insert(3, "purchase_rate", out["r"] / out["alpha"])
    out.insert(4, "dropout_probability", out["a"] / (out["a"] + out["b"]))
    out["mean_spend"] = np.where(out["q"] > 1, out["p_spend"] * out["gamma"] / (out["q"] - 1), np.inf)
    return out.rename(columns={"p_spend": "p"})


def planted_channel_sentence(planted: pd.DataFrame) -> Markdown:
    """How the planted channels differ, from :func:`planted_channel_table`: each channel's mean purchase rate
    while alive, E[λ] = r/α, and mean dropout probability after a purchase, E[p] = a/(a+b) (Fader, Hardie &
    Lee 2005a), with the channels that buy most often and drop out least readily named.

    The means are what the parameters imply: doubling b does not halve the dropout probability unless a is
    small (a = 0.793, b = 2.426 → 4.852 moves E[p] from 24.6% to 14.0%).

    >>> planted = pd.DataFrame({"channel": ["search", "referral", "social"], "purchase_rate": [0.0551, 0.0826, 0.0367],
    ...                         "dropout_probability": [0.246, 0.140, 0.395]})
    >>> print(planted_channel_sentence(planted).plain)
    The channels were planted with different purchase and dropout parameters: while alive, referral customers make 0.083 repeat purchases a week on average, search customers 0.055 and social customers 0.037 (E[λ] = r/α); after each repeat purchase they drop out with mean probability 14.0%, 24.6% and 39.5% (E[p] = a/(a+b)). Referral customers buy most often and drop out least readily, social customers buy least often and drop out most readily.
    """
    ranked = planted.sort_values(["purchase_rate", "dropout_probability"], ascending=[False, True])
    names = [f"{c} customers" for c in ranked["channel"]]
    if len(ranked) == 1:
        row = ranked.iloc[0]
        return markdown("One channel was planted: while alive, its customers make {rate} repeat purchases a week on "
                        "average (E[λ] = r/α), and after each repeat purchase drop out with mean probability {p} "
                        "(E[p] = a/(a+b)).", rate=number(row["purchase_rate"], digits=3),
                        p=percent(row["dropout_probability"]))
    rates = [f"{names[0]} make {number(ranked['purchase_rate'].iloc[0], digits=3)} repeat purchases a week on average",
             *(f"{n} {number(r, digits=3)}" for n, r in zip(names[1:], ranked["purchase_rate"].iloc[1:], strict=True))]
    text = markdown("The channels were planted with different purchase and dropout parameters: while alive, {rates} "
                    "(E[λ] = r/α); after each repeat purchase they drop out with mean probability {dropouts} "
                    "(E[p] = a/(a+b)).", rates=join_list(rates),
                    dropouts=join_list(percent(p) for p in ranked["dropout_probability"]))
    rate = ranked.set_index("channel")["purchase_rate"].round(3)
    dropout = ranked.set_index("channel")["dropout_probability"].round(3)
    if rate.nunique() == 1 and dropout.nunique() == 1:
        return text

    def who(values: pd.Series, pick: float) -> str:
        return join_list(f"{c} customers" for c, v in values.items() if v == pick)

    ends = []
    for best, word_buy, word_drop in ((True, "most", "least"), (False, "least", "most")):
        buyer = who(rate, rate.max() if best else rate.min())
        dropper = who(dropout, dropout.min() if best else dropout.max())
        if rate.nunique() == 1:
            ends.append(f"{dropper} drop out {word_drop} readily")
        elif dropout.nunique() == 1:
            ends.append(f"{buyer} buy {word_buy} often")
        elif buyer == dropper:
            ends.append(f"{buyer} buy {word_buy} often and drop out {word_drop} readily")
        else:
            ends.append(f"{buyer} buy {word_buy} often, {dropper} drop out {word_drop} readily")
    end = markdown(" {ends}.", ends="; ".join(ends) if any("," in e for e in ends) else ", ".join(ends))
    return Markdown(text.text + _capital(end.text), text.plain + _capital(end.plain))


def _capital(text: str) -> str:
    """The text with its first letter (after any leading space) in capitals."""
    stripped = text.lstrip()
    return text[: len(text) - len(stripped)] + stripped[:1].upper() + stripped[1:]


def alive_sentence(customers: pd.DataFrame, rates: pd.DataFrame, *, freq: str = "M") -> Markdown:
    """The planted truth against what the data show: customers still alive at the end against those who bought
    in the last period (``customers`` is ``SimulatedWorld.customers``, ``rates`` :func:`crmlab.customers.retention_rate`).

    >>> customers = pd.DataFrame({"alive_at_end": [True] * 6 + [False] * 4})
    >>> rates = pd.DataFrame({"period": ["2021-12"], "S": [3], "N": [0], "E": [2], "retention_rate": [2 / 3]})
    >>> print(alive_sentence(customers, rates).plain)
    Planted truth: 6 of 10 customers (60.0%) are still alive at the end of observation, but only 2 (20.0%) bought in the last month (2021-12): a customer who does not buy has not necessarily left, which is why churn in a non-contractual business is inferred by a model, not observed.
    """
    period = PERIOD_NAMES.get(freq, "period")
    alive, n = int(customers["alive_at_end"].sum()), len(customers)
    last = rates.iloc[-1]
    active = int(last["E"])
    if active < alive:
        but, verdict = "but only", ("a customer who does not buy has not necessarily left, which is why churn in a "
                                    "non-contractual business is inferred by a model, not observed")
    else:
        but, verdict = "and", "here buying in the last period is as good a sign of being alive as any"
    return markdown("Planted truth: {alive} customers ({ap}) are still alive at the end of observation, {but} "
                    "{active} ({bp}) bought in the last {period} ({which}): {verdict}.", but=but,
                    alive=f"{integer(alive)} of {integer(n)}", ap=percent(alive / n), active=integer(active),
                    bp=percent(active / n), period=period, which=str(last["period"]), verdict=verdict)
