"""The Nordic triplet report as readers see it: its tables, and its sentences generated from the scores.

The Nordic School's triplet — interaction, dialogue, value (Grönroos 2004) —
is scored in :mod:`crmlab.theories.nordic`; this module turns what it returns
into reader tables (sub-indicators with their definitions and units, counts,
shares, odds ratios with "< 0.001" p-values) and into the sentences of the
report. Every sentence that states a fact about the data — how large the
relationships are, whether the sub-indicators hang together, how the indices
relate, which of them predict that a customer stays, how well they recover a
synthetic world's planted relationship quality — is made here from the
numbers it states, so it cannot contradict the tables beside it.

>>> odds = pd.DataFrame({"index": ["interaction", "dialogue", "value"], "odds_ratio": [1.56, 1.65, 0.97],
...                      "ci_low": [1.31, 1.47, 0.80], "ci_high": [1.87, 1.85, 1.18], "p": [1e-6, 1e-17, 0.74]})
>>> print(prediction_sentence(odds))
Interaction and dialogue predict whether a customer is active in the next period: each unit of the index (a standard deviation of its sub-indicators), the other indices held fixed, multiplies the odds by 1.56 (interaction, 95% CI 1.31 to 1.87, p < 0.001) and 1.65 (dialogue, 95% CI 1.47 to 1.85, p < 0.001). Value does not (odds ratio 0.97, 95% CI 0.80 to 1.18, p = 0.740).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from crmlab.display.numbers import integer, number, p_value, percent
from crmlab.display.tables import Table, table
from crmlab.display.text import Markdown, compare, join_list, markdown, plural, share
from crmlab.theories.nordic.scores import INDICATORS

__all__ = [
    "ALPHA_THRESHOLD",
    "DIMENSIONS",
    "INDICATOR_DEFINITIONS",
    "SAME_CONSTRUCT_CORRELATION",
    "alpha_table",
    "conclusions",
    "correlation_sentence",
    "correlation_table",
    "customer_profiles",
    "dialogue_sentence",
    "indicator_table",
    "levels_sentence",
    "levels_table",
    "log_sentence",
    "odds_table",
    "prediction_sentence",
    "quality_correlations",
    "quality_sentence",
    "reliability_sentence",
    "segment_profiles",
    "segment_sentence",
    "segment_table",
    "value_in_use_sentence",
]

#: The three parts of the triplet, in the order the report shows them.
DIMENSIONS = ("interaction", "dialogue", "value")

#: Cronbach's α from which a dimension's sub-indicators count as consistent (Nunnally 1978).
ALPHA_THRESHOLD = 0.7

#: Indices correlating at least this much measure the same thing, not two (Kline 2011, discriminant validity).
SAME_CONSTRUCT_CORRELATION = 0.85

#: The sub-indicators of :mod:`crmlab.theories.nordic.scores`: name → (dimension, label, definition, kind), the
#: kind being how its values are written (a :data:`~crmlab.display.tables.KINDS` key; "money" in the report's unit).
INDICATOR_DEFINITIONS: dict[str, tuple[str, str, str, str]] = {
    "intensity": ("interaction", "Intensity", "acts in the period", "number"),
    "regularity": ("interaction", "Regularity",
                   "1 / (1 + coefficient of variation of the gaps between acts), from 3 acts", "number"),
    "breadth": ("interaction", "Breadth", "share of the log's channels the customer used", "percent"),
    "completion": ("interaction", "Completion", "share of the period's episodes that produced an outcome", "percent"),
    "two_wayness": ("dialogue", "Two-wayness", "share of the acts the customer opened", "percent"),
    "firm_response_rate": ("dialogue", "Firm response rate", "share of the customer's acts the firm answered",
                           "percent"),
    "customer_response_rate": ("dialogue", "Customer response rate", "share of the firm's acts the customer answered",
                               "percent"),
    "firm_latency_hours": ("dialogue", "Firm latency (hours)", "median time the firm took to answer", "number"),
    "customer_latency_hours": ("dialogue", "Customer latency (hours)", "median time the customer took to answer",
                               "number"),
    "turn_taking": ("dialogue", "Turn-taking", "1 − |customer acts − firm acts| / all acts", "percent"),
    "benefit": ("value", "Benefit", "outcome value of the period's acts", "money"),
    "satisfaction": ("value", "Satisfaction", "mean rating of the period's episodes", "number"),
    "time_hours": ("value", "Time (hours per episode)", "hours the acts took, per episode", "number"),
    "effort": ("value", "Effort", "customer acts per completed episode", "number"),
    "price": ("value", "Price", "amount the customer paid in the period", "money"),
    "value_ratio": ("value", "Value ratio", "benefit / (benefit + price)", "percent"),
    "perceived_value": ("value", "Perceived value", "the customer's survey score of value", "number"),
}

_KEYS = ("customer_id", "period")


def _index(name: str) -> str:
    return name[:1].upper() + name[1:]


def _range(values: pd.Series, digits: int = 2) -> str:
    low, high = float(values.min()), float(values.max())
    return number(low, digits) if number(low, digits) == number(high, digits) else f"{number(low, digits)} to {number(high, digits)}"


def _bullets(items: list[Markdown]) -> Markdown:
    return markdown("\n".join(f"* {{b{k}}}" for k in range(len(items))), **{f"b{k}": item for k, item in enumerate(items)})


# ----- the data and its levels ------------------------------------------------------------------


def log_sentence(source: str | os.PathLike[str], log: pd.DataFrame, *, n_customers: int | None = None,
                 n_periods: int | None = None, seed: Any = None) -> Markdown:
    """What the report ran on, chosen by the source: the synthetic world with its planted quality, or the user's log.

    >>> log = pd.DataFrame({"customer_id": ["a", "a", "b"], "timestamp": pd.to_datetime(["2021-01-04", "2021-03-01", "2021-02-01"])})
    >>> print(log_sentence("synthetic", log, n_customers=3, n_periods=8, seed=42))
    The data are a **synthetic interaction log** (seed 42): 3 customers over 8 quarters, each with a planted latent relationship quality that the scores should recover. 2 (66.7%) of the 3 customers interacted: 3 acts from 2021-01-04 to 2021-03-01.
    >>> print(log_sentence("exports/contacts.csv", log))
    The data are the interaction log **contacts.csv**: 3 acts of 2 customers, from 2021-01-04 to 2021-03-01.
    """
    n_acts, active = len(log), log["customer_id"].nunique()
    first, last = (log["timestamp"].min(), log["timestamp"].max()) if n_acts else (pd.NaT, pd.NaT)
    span = f"from {first:%Y-%m-%d} to {last:%Y-%m-%d}" if n_acts else "no dates"
    if str(source) == "synthetic":
        return markdown("The data are a **synthetic interaction log** (seed {seed}): {n} over {periods}, each with a "
                        "planted latent relationship quality that the scores should recover. {active} of the {n} "
                        "interacted: {acts} {span}.", seed=seed, n=plural(n_customers, "customer"),
                        periods=plural(n_periods, "quarter"),
                        active=share(active, n_customers).replace(f" of {integer(n_customers)}", ""),
                        acts=plural(n_acts, "act"), span=span)
    return markdown("The data are the interaction log **{name}**: {acts} of {n}, {span}.", name=Path(str(source)).name,
                    acts=plural(n_acts, "act"), n=plural(active, "customer"), span=span)


def levels_table(episodes: pd.DataFrame, sequences: pd.DataFrame, levels: pd.DataFrame) -> Table:
    """Holmlund's (1996) levels as a reader table: how many acts, episodes, sequences and relationships, and how large
    a relationship is (mean, median, largest).

    Takes :func:`~crmlab.theories.nordic.episodes`, :func:`~crmlab.theories.nordic.sequences` and
    :func:`~crmlab.theories.nordic.relationship_levels`.

    >>> eps = pd.DataFrame({"n_acts": [2, 1, 3], "completed": [True, False, True]})
    >>> seqs = pd.DataFrame({"n_episodes": [2, 1]})
    >>> levels = pd.DataFrame({"n_acts": [3, 3], "n_episodes": [2, 1], "n_sequences": [1, 1], "tenure_days": [30.5, 0.0]})
    >>> print(levels_table(eps, seqs, levels))
    Holmlund's levels of interaction: acts, episodes, sequences and relationships
    Level          In all  Completed  Per relationship: mean  Median  Largest
    Acts                6          –                     3.0       3        3
    Episodes            3      66.7%                     1.5     1.5        2
    Sequences           2          –                     1.0       1        1
    Relationships       2          –                       –       –        –
    Tenure (days)       –          –                    15.2    15.2     30.5
    """
    per = {"n_acts": "Acts", "n_episodes": "Episodes", "n_sequences": "Sequences"}
    rows = [{"level": label, "in_all": float(levels[col].sum()) if col != "n_sequences" else float(len(sequences)),
             "completed": np.nan, "mean": float(levels[col].mean()), "median": float(levels[col].median()),
             "largest": float(levels[col].max())} for col, label in per.items()]
    rows[0]["in_all"] = float(episodes["n_acts"].sum())
    rows[1]["in_all"] = float(len(episodes))
    rows[1]["completed"] = float(episodes["completed"].mean()) if len(episodes) else np.nan
    rows.append({"level": "Relationships", "in_all": float(len(levels)), "completed": np.nan, "mean": np.nan,
                 "median": np.nan, "largest": np.nan})
    tenure = levels["tenure_days"]
    rows.append({"level": "Tenure (days)", "in_all": np.nan, "completed": np.nan, "mean": float(tenure.mean()),
                 "median": float(tenure.median()), "largest": float(tenure.max())})
    frame = pd.DataFrame(rows)
    # a median of counts is a count, or halfway between two: "11", "1.5", never "11.0"
    whole = [not pd.isna(v) and float(v).is_integer() for v in frame["median"]]
    counts = [k < len(per) for k in range(len(frame))]
    return table(frame, integer=["in_all"], percent=["completed"], number=["mean"],
                 row_kinds={"median": ["integer" if c and w else "number" for c, w in zip(counts, whole, strict=True)],
                            "largest": ["integer" if c else "number" for c in counts]},
                 digits={"mean": 1, "median": 1, "largest": 1}, labels={"in_all": "In all", "mean": "Per relationship: mean",
                                                         "largest": "Largest"}, top=None,
                 caption="Holmlund's levels of interaction: acts, episodes, sequences and relationships")


def levels_sentence(episodes: pd.DataFrame, levels: pd.DataFrame) -> Markdown:
    """The typical relationship in words: its median acts, episodes and sequences, its tenure, and the share of
    episodes completed.

    >>> eps = pd.DataFrame({"n_acts": [2, 1, 3], "completed": [True, False, True]})
    >>> levels = pd.DataFrame({"n_acts": [3, 3], "n_episodes": [2, 1], "n_sequences": [1, 1], "tenure_days": [30.5, 0.0]})
    >>> print(levels_sentence(eps, levels))
    The median relationship has 3 acts in 1.5 episodes and 1 sequence, over 15.2 days; 2 of 3 episodes (66.7%) produced an outcome.
    """
    med = levels[["n_acts", "n_episodes", "n_sequences", "tenure_days"]].median()

    def count(value: float, word: str) -> str:
        return f"{number(value, 0 if float(value).is_integer() else 1)} {word}{'' if value == 1 else 's'}"

    completed = int(episodes["completed"].sum())
    return markdown("The median relationship has {acts} in {eps} and {seqs}, over {days} days; {done} episodes "
                    "({pct}) produced an outcome.", acts=count(med["n_acts"], "act"), eps=count(med["n_episodes"], "episode"),
                    seqs=count(med["n_sequences"], "sequence"), days=number(med["tenure_days"], 1),
                    done=f"{integer(completed)} of {integer(len(episodes))}",
                    pct=percent(completed / len(episodes)) if len(episodes) else "–")


# ----- the scores -------------------------------------------------------------------------------


def indicator_table(interaction: pd.DataFrame, dialogue: pd.DataFrame, value: pd.DataFrame, *, unit: str = "$") -> Table:
    """Every sub-indicator with its definition, its sign in the triplet and its mean, median and SD over
    customer-periods; shares as %, money in ``unit`` (the unit of the log's ``outcome_value``).

    >>> inter = pd.DataFrame({"customer_id": ["a", "b"], "period": ["q1", "q1"], "breadth": [0.2, 0.4]})
    >>> val = pd.DataFrame({"customer_id": ["a", "b"], "period": ["q1", "q1"], "benefit": [10.0, 30.0]})
    >>> print(indicator_table(inter, inter.iloc[:, :2], val, unit="€"))
    The sub-indicators of interaction, dialogue and value over customer-periods
    Dimension    Sub-indicator  Definition                                     In the triplet    Mean  Median      SD
    Interaction  Breadth        share of the log's channels the customer used  more is better   30.0%   30.0%   14.1%
    Value        Benefit        outcome value of the period's acts             more is better  €20.00  €20.00  €14.14
    """
    rows, kinds = [], []
    for frame in (interaction, dialogue, value):
        for name in frame.columns:
            if name in _KEYS or name == "acts" or not pd.api.types.is_numeric_dtype(frame[name]):
                continue
            dimension, label, definition, kind = INDICATOR_DEFINITIONS.get(
                name, ("", name.replace("_", " ").capitalize(), "", "number"))
            sign = next((subs[name] for subs in INDICATORS.values() if name in subs), 0)
            values = frame[name].astype(float)
            rows.append({"dimension": _index(dimension), "sub_indicator": label, "definition": definition,
                         "in_the_triplet": {1: "more is better", -1: "less is better", 0: "not in the index"}[sign],
                         "mean": values.mean(), "median": values.median(), "sd": values.std(ddof=1)})
            kinds.append(kind)
    frame = pd.DataFrame(rows)
    return table(frame, text=["dimension", "sub_indicator", "definition", "in_the_triplet"],
                 row_kinds={c: kinds for c in ("mean", "median", "sd")}, unit=unit,
                 labels={"sub_indicator": "Sub-indicator", "sd": "SD"}, top=None,
                 caption="The sub-indicators of interaction, dialogue and value over customer-periods")


def customer_profiles(profile: pd.DataFrame, quality: pd.Series | None = None) -> pd.DataFrame:
    """Each customer's mean interaction, dialogue, value and triplet index over their periods, and their planted
    ``quality`` when it is known (a synthetic world).

    >>> profile = pd.DataFrame({"customer_id": ["a", "a", "b"], "interaction": [1.0, 0.0, -1.0], "dialogue": [0.5, 0.5, 0.0],
    ...                         "value": [0.0, 1.0, 0.0], "triplet": [0.5, 0.5, -0.3]})
    >>> customer_profiles(profile, pd.Series({"a": 1.2, "b": -0.4}))["quality"].tolist()
    [1.2, -0.4]
    """
    columns = [*DIMENSIONS, "triplet"]
    per = profile.groupby("customer_id")[columns].mean()
    if quality is not None:
        per["quality"] = pd.Series(quality).reindex(per.index)
    return per


def segment_profiles(customers: pd.DataFrame, n_segments: int = 3) -> pd.DataFrame:
    """Customers cut into ``n_segments`` segments of equal size and their mean indices: by the planted quality when
    the frame has it (a synthetic world), otherwise by the mean triplet score. Segments are "low", "medium",
    "high" for three, "S1" (lowest) … otherwise.

    Takes :func:`customer_profiles`; one row per segment with ``customers``,
    the basis of the cut (``basis``: "quality" or "triplet"), the mean
    ``quality`` when known and the mean indices.

    >>> customers = pd.DataFrame({"interaction": [-1.0, 0.0, 1.0], "dialogue": [-1.0, 0.1, 0.9], "value": [0.0, 0.0, 0.3],
    ...                           "triplet": [-0.7, 0.03, 0.7]}, index=["a", "b", "c"])
    >>> segment_profiles(customers)[["segment", "customers", "interaction"]].to_numpy().tolist()
    [['low', 1, -1.0], ['medium', 1, 0.0], ['high', 1, 1.0]]
    """
    if int(n_segments) != n_segments or n_segments < 2:
        raise ValueError(f"n_segments must be a whole number ≥ 2, got {n_segments}")
    by = "quality" if "quality" in customers.columns and customers["quality"].notna().any() else "triplet"
    data = customers.dropna(subset=[by])
    if len(data) < n_segments:
        raise ValueError(f"{len(data)} customers cannot make {n_segments} segments")
    labels = ["low", "medium", "high"] if n_segments == 3 else [f"S{k + 1}" for k in range(int(n_segments))]
    segment = pd.qcut(data[by].rank(method="first"), int(n_segments), labels=labels)
    columns = [c for c in ["quality", *DIMENSIONS, "triplet"] if c in data.columns]
    means = data.groupby(segment, observed=True)[columns].mean()
    means.insert(0, "customers", data.groupby(segment, observed=True).size())
    means.insert(1, "basis", by)
    return means.rename_axis("segment").reset_index().assign(segment=lambda f: f["segment"].astype(str))


def segment_table(segments: pd.DataFrame) -> Table:
    """The segment profiles of :func:`segment_profiles` for readers.

    >>> segments = pd.DataFrame({"segment": ["low", "high"], "customers": [2, 2], "basis": ["quality"] * 2,
    ...     "quality": [-1.1, 1.1], "interaction": [-0.62, 0.19], "dialogue": [-1.05, 0.21], "value": [-0.38, 0.11],
    ...     "triplet": [-0.68, 0.17]})
    >>> print(segment_table(segments))
    Mean indices of 2 equal segments of customers, cut by planted relationship quality
    Segment  Customers  Planted quality (mean)  Interaction  Dialogue  Value  Triplet
    low              2                   -1.10        -0.62     -1.05  -0.38    -0.68
    high             2                    1.10         0.19      0.21   0.11     0.17
    """
    columns = [c for c in ["segment", "customers", "quality", *DIMENSIONS, "triplet"] if c in segments.columns]
    numbers = [c for c in columns if c not in ("segment", "customers")]
    basis = "planted relationship quality" if segments["basis"].iloc[0] == "quality" else "mean triplet score"
    return table(segments[columns], integer=["customers"], number=numbers, digits={c: 2 for c in numbers},
                 labels={"quality": "Planted quality (mean)"}, top=None, index=False,
                 caption=f"Mean indices of {integer(len(segments))} equal segments of customers, cut by {basis}")


def segment_sentence(segments: pd.DataFrame) -> Markdown:
    """How the segments were cut (chosen by the basis: planted quality or triplet score) and whether each index rises
    from the lowest segment to the highest — the parts of the triplet moving together.

    >>> segments = pd.DataFrame({"segment": ["low", "medium", "high"], "customers": [3, 3, 3], "basis": ["triplet"] * 3,
    ...     "interaction": [-0.6, -0.2, 0.2], "dialogue": [-1.0, 0.3, 0.2], "value": [-0.4, -0.1, 0.1], "triplet": [-0.7, 0.0, 0.2]})
    >>> print(segment_sentence(segments))
    Customers are cut into 3 segments of equal size by their mean triplet score. From the low to the high segment, interaction and value rise at every step; dialogue does not (-1.00, 0.30, 0.20).
    """
    by = segments["basis"].iloc[0]
    basis = ("by their planted latent relationship quality (known in a synthetic world, so the segments are the truth "
             "the scores should follow)" if by == "quality" else "by their mean triplet score")
    text = f"Customers are cut into {integer(len(segments))} segments of equal size {basis}."
    rising = [d for d in DIMENSIONS if d in segments and bool(np.all(np.diff(segments[d].to_numpy()) > 0))]
    other = [d for d in DIMENSIONS if d in segments and d not in rising]
    low, high = segments["segment"].iloc[0], segments["segment"].iloc[-1]
    if rising and not other:
        text += f" From the {low} to the {high} segment every index rises at every step: the parts of the triplet move together."
    elif rising:
        text += (f" From the {low} to the {high} segment, {join_list(rising)} {'rises' if len(rising) == 1 else 'rise'} "
                 f"at every step; " + "; ".join(f"{d} does not ({', '.join(number(segments[d], 2))})" for d in other) + ".")
    else:
        text += f" No index rises at every step from the {low} to the {high} segment: the parts of the triplet do not move together."
    return markdown("{text}", text=text)


def quality_correlations(customers: pd.DataFrame) -> pd.DataFrame:
    """Spearman's rank correlation of each customer's mean indices with their planted quality (a synthetic world):
    how well each score recovers the truth it was built to measure.

    Takes :func:`customer_profiles` with ``quality``.

    >>> customers = pd.DataFrame({"quality": [0.1, 0.5, 0.9], "interaction": [1.0, 2.0, 3.0], "dialogue": [3.0, 2.0, 1.0],
    ...                           "value": [1.0, 3.0, 2.0], "triplet": [0.0, 0.1, 0.2]})
    >>> quality_correlations(customers)["spearman"].tolist()
    [1.0, -1.0, 0.5, 1.0]
    """
    columns = [c for c in [*DIMENSIONS, "triplet"] if c in customers.columns]
    rho = customers[columns].corrwith(customers["quality"], method="spearman")
    return pd.DataFrame({"index": columns, "spearman": rho.to_numpy()})


def quality_sentence(correlations: pd.DataFrame) -> Markdown:
    """How closely the triplet and each index follow the planted quality (Spearman's ρ).

    >>> rho = pd.DataFrame({"index": ["interaction", "dialogue", "value", "triplet"], "spearman": [0.73, 0.77, 0.61, 0.87]})
    >>> print(quality_sentence(rho))
    The triplet ranks customers by their planted relationship quality with Spearman's ρ = 0.87; of its parts, dialogue follows the quality most closely (ρ = 0.77) and value least (ρ = 0.61).
    """
    rho = correlations.set_index("index")["spearman"]
    parts = rho.drop(index="triplet", errors="ignore").dropna()
    text = ""
    if "triplet" in rho and not pd.isna(rho["triplet"]):
        strength = "closely" if rho["triplet"] >= 0.7 else "loosely" if rho["triplet"] >= 0.3 else "hardly"
        text = f"The triplet ranks customers by their planted relationship quality with Spearman's ρ = {number(rho['triplet'], 2)}"
        if strength != "closely":
            text += f": it follows the quality only {strength}"
    if len(parts) >= 2:
        top, bottom = parts.idxmax(), parts.idxmin()
        text += (f"; of its parts, {top} follows the quality most closely (ρ = {number(parts[top], 2)}) and {bottom} "
                 f"least (ρ = {number(parts[bottom], 2)})")
    return markdown("{text}", text=(text.lstrip("; ") + ".") if text else "No index could be compared with the quality.")


def value_in_use_sentence(trend: pd.DataFrame, *, unit: str = "$") -> Markdown:
    """Value in use (Grönroos): for how many customers the benefit per period rises or falls over their periods.

    Takes :func:`~crmlab.theories.nordic.value_in_use` (``trend``: the least-squares slope per period).

    >>> trend = pd.DataFrame({"customer_id": ["a", "b", "c", "d"], "periods": [3, 4, 1, 2], "mean": [10.0, 20.0, 5.0, 8.0],
    ...                       "trend": [2.5, -1.0, np.nan, 0.0]})
    >>> print(value_in_use_sentence(trend, unit="€"))
    Of the 3 customers with two or more active periods, the benefit per period rises for 1 (33.3%) and falls for 1 (33.3%); the median slope is €0.00 per period: about as many customers gain value in use as lose it.
    """
    from crmlab.display.numbers import money

    known = trend.dropna(subset=["trend"])
    if known.empty:
        return markdown("No customer has two active periods, so value in use over time cannot be measured.")
    n = len(known)
    up, down = int((known["trend"] > 0).sum()), int((known["trend"] < 0).sum())
    verdict = compare(up, down, "value grows in use for more customers than it shrinks for",
                      "value shrinks in use for more customers than it grows for",
                      "about as many customers gain value in use as lose it", tolerance=0.2, relative=True)
    return markdown("Of the {n} with two or more active periods, the benefit per period rises for {up} and falls for "
                    "{down}; the median slope is {slope} per period: {verdict}.", n=plural(n, "customer"), verdict=verdict,
                    up=share(up, n).replace(f" of {integer(n)}", ""), down=share(down, n).replace(f" of {integer(n)}", ""),
                    slope=money(known["trend"].median(), unit))


# ----- do the scores measure something? ----------------------------------------------------------


def alpha_table(alpha: pd.DataFrame) -> Table:
    """Cronbach's α per dimension (:func:`~crmlab.theories.nordic.subindicator_alpha`) for readers.

    >>> alpha = pd.DataFrame({"dimension": ["interaction"], "indicators": [4], "rows": [2394], "cronbach_alpha": [0.0153]})
    >>> print(alpha_table(alpha))
    Internal consistency of each dimension's standardised sub-indicators
    Dimension    Sub-indicators  Customer-periods (complete)  Cronbach's α
    Interaction               4                        2,394          0.02
    """
    return table(alpha.assign(dimension=alpha["dimension"].map(_index)), integer=["indicators", "rows"], number=["cronbach_alpha"], digits={"cronbach_alpha": 2},
                 labels={"indicators": "Sub-indicators", "rows": "Customer-periods (complete)",
                         "cronbach_alpha": "Cronbach's α"}, top=None,
                 caption="Internal consistency of each dimension's standardised sub-indicators")


def reliability_sentence(alpha: pd.DataFrame) -> Markdown:
    """Whether each dimension's sub-indicators hang together (Cronbach's α ≥ :data:`ALPHA_THRESHOLD`).

    >>> alpha = pd.DataFrame({"dimension": ["interaction", "dialogue", "value"], "cronbach_alpha": [0.015, 0.82, -0.016]})
    >>> print(reliability_sentence(alpha))
    The sub-indicators of dialogue hang together (α = 0.82); those of interaction and value do not (α = 0.02 and -0.02, both below 0.7): each of these is a bundle of different behaviours, to be read and managed sub-indicator by sub-indicator rather than as one score.
    >>> print(reliability_sentence(alpha.assign(cronbach_alpha=[0.02, 0.14, -0.02])))
    The sub-indicators of interaction, dialogue and value do not hang together (α = 0.02, 0.14 and -0.02, all below 0.7): each of these is a bundle of different behaviours, to be read and managed sub-indicator by sub-indicator rather than as one score.
    """
    data = alpha.dropna(subset=["cronbach_alpha"])
    good = data[data["cronbach_alpha"] >= ALPHA_THRESHOLD]
    weak = data[data["cronbach_alpha"] < ALPHA_THRESHOLD]
    parts = []
    if len(good):
        parts.append(f"The sub-indicators of {join_list(good['dimension'])} hang together "
                     f"(α = {join_list(number(good['cronbach_alpha'], 2))})")
    if len(weak):
        # after a clause that says "hang together", "do not" can stand alone; as the first clause it cannot
        start, verb = ("those of", "do not") if len(good) else ("The sub-indicators of", "do not hang together")
        below = {1: "below", 2: "both below"}.get(len(weak), "all below")
        what = "this is" if len(weak) == 1 else "each of these is"
        parts.append(f"{start} {join_list(weak['dimension'])} {verb} (α = {join_list(number(weak['cronbach_alpha'], 2))}, "
                     f"{below} {number(ALPHA_THRESHOLD, 1)}): {what} a bundle of different behaviours, to be read and "
                     "managed sub-indicator by sub-indicator rather than as one score")
    missing = alpha.loc[alpha["cronbach_alpha"].isna(), "dimension"].tolist()
    text = "; ".join(parts) + "." if parts else ""
    if missing:
        text += f" Cronbach's α cannot be computed for {join_list(missing)} (fewer than two sub-indicators or rows)."
    return markdown("{text}", text=text.strip())


def correlation_table(correlations: pd.DataFrame) -> Table:
    """The correlation matrix of the three indices (:func:`~crmlab.theories.nordic.dimension_correlations`).

    >>> corr = pd.DataFrame([[1.0, 0.502], [0.502, 1.0]], index=["interaction", "dialogue"], columns=["interaction", "dialogue"])
    >>> print(correlation_table(corr))
    Pearson's r between the indices
    Index        Interaction  Dialogue
    Interaction         1.00      0.50
    Dialogue            0.50      1.00
    """
    shown = correlations.rename(index=_index, columns=_index).rename_axis("index")
    return table(shown, number=list(shown.columns), digits={c: 2 for c in shown.columns}, top=None,
                 caption="Pearson's r between the indices")


def _pairs(correlations: pd.DataFrame) -> pd.Series:
    names = list(correlations.columns)
    return pd.Series({(a, b): float(correlations.loc[a, b]) for k, a in enumerate(names) for b in names[k + 1:]})


def correlation_sentence(correlations: pd.DataFrame) -> Markdown:
    """Convergent and discriminant validity of the indices: positively related (one process), yet below
    :data:`SAME_CONSTRUCT_CORRELATION` (not one thing).

    >>> corr = pd.DataFrame([[1, 0.5, 0.39], [0.5, 1, 0.08], [0.39, 0.08, 1]], index=list(DIMENSIONS), columns=list(DIMENSIONS))
    >>> print(correlation_sentence(corr))
    The three indices are positively related (r from 0.08, dialogue and value, to 0.50, interaction and dialogue) and none of them measures the same thing as another (every r below 0.85): related parts of one process, each to be managed in its own right.
    """
    pairs = _pairs(correlations).dropna()
    if pairs.empty:
        return markdown("The indices cannot be correlated (too few customer-periods with every index).")
    low, high = pairs.idxmin(), pairs.idxmax()
    span = (f"r from {number(pairs[low], 2)}, {low[0]} and {low[1]}, to {number(pairs[high], 2)}, {high[0]} and "
            f"{high[1]}") if len(pairs) > 1 else f"r = {number(pairs[high], 2)}"
    if (pairs > 0).all():
        text = f"The three indices are positively related ({span})"
    elif (pairs < 0).all():
        text = f"The three indices are negatively related ({span}), against the view of one process"
    else:
        text = f"The indices are not all positively related ({span}), against the view of one process"
    same = pairs[pairs.abs() >= SAME_CONSTRUCT_CORRELATION]
    if same.empty:
        text += (f" and none of them measures the same thing as another (every r below "
                 f"{number(SAME_CONSTRUCT_CORRELATION, 2)}): related parts of one process, each to be managed in its "
                 "own right.")
    else:
        text += (f"; {join_list(f'{a} and {b} (r = {number(r, 2)})' for (a, b), r in same.items())} move almost as one "
                 f"(r of at least {number(SAME_CONSTRUCT_CORRELATION, 2)}) and are hard to tell apart.")
    return markdown("{text}", text=text)


def odds_table(odds: pd.DataFrame) -> Table:
    """The odds ratios of :func:`~crmlab.theories.nordic.predictive_validity` for readers.

    >>> odds = pd.DataFrame({"index": ["dialogue"], "odds_ratio": [1.6534], "ci_low": [1.474], "ci_high": [1.854], "p": [7.8e-18]})
    >>> print(odds_table(odds))
    Logit of next-period activity: odds ratios
    Index     Odds ratio  95% CI low  95% CI high        p
    Dialogue        1.65        1.47         1.85  < 0.001
    """
    return table(odds.assign(index=odds["index"].map(_index)), number=["odds_ratio", "ci_low", "ci_high"], digits={c: 2 for c in ("odds_ratio", "ci_low", "ci_high")},
                 p_value=["p"], labels={"ci_low": "95% CI low", "ci_high": "95% CI high"}, top=None,
                 caption="Logit of next-period activity: odds ratios")


def prediction_sentence(odds: pd.DataFrame, alpha: float = 0.05) -> Markdown:
    """Which indices predict next-period activity (p < ``alpha``), in which direction and how strongly (odds ratios
    with their 95% intervals); see the module docstring for an example."""
    rows = odds.set_index("index")
    significant = rows[rows["p"] < alpha]
    rest = rows[rows["p"] >= alpha]

    def interval(row: pd.Series) -> str:
        shown = p_value(row["p"])
        return (f"95% CI {number(row['ci_low'], 2)} to {number(row['ci_high'], 2)}, "
                f"p {shown if shown.startswith('<') else '= ' + shown}")

    def names(index: pd.Index) -> str:
        return _index(join_list(index))

    sentences = []
    unit = "each unit of the index (a standard deviation of its sub-indicators)" + (
        ", the other indices held fixed," if len(rows) > 1 else "")  # one logit of all indices: adjusted odds ratios
    for group, verb, what in ((significant[significant["odds_ratio"] > 1], "multiplies the odds by",
                               "whether a customer is active in the next period"),
                              (significant[significant["odds_ratio"] < 1], "cuts the odds to",
                               "that a customer is less likely to be active in the next period")):
        if len(group):
            effects = join_list(f"{number(r['odds_ratio'], 2)} ({n}, {interval(r)})" for n, r in group.iterrows())
            sentences.append(f"{names(group.index)} {'predicts' if len(group) == 1 else 'predict'} {what}: {unit} "
                             f"{verb} {effects}.")
    if len(rest):
        verb = "does not" if len(rest) == 1 else "do not"
        if len(rest) == len(rows):
            verb += " predict whether a customer is active in the next period"
        effects = "; ".join(f"{number(r['odds_ratio'], 2)}{'' if len(rest) == 1 else ' for ' + n}, {interval(r)}"
                            for n, r in rest.iterrows())
        sentences.append(f"{names(rest.index)} {verb} (odds ratio {effects}).")
    return markdown("{text}", text=" ".join(sentences))


def dialogue_sentence(dialogue: pd.DataFrame) -> Markdown:
    """Who carries the conversation: how much of the other side's acts each side answers, and how fast (means and
    medians over customer-periods of :func:`~crmlab.theories.nordic.dialogue_scores`).

    >>> dia = pd.DataFrame({"firm_response_rate": [0.5, 0.9], "customer_response_rate": [0.4, 0.5],
    ...                     "firm_latency_hours": [10.0, 20.0], "customer_latency_hours": [30.0, 40.0]})
    >>> print(dialogue_sentence(dia))
    The firm answers 70.0% of its customers' acts (mean over customer-periods), typically within 15.0 hours (median); customers answer 45.0% of the firm's acts, within 35.0 hours: the firm answers more often and faster.
    """
    firm, cust = dialogue["firm_response_rate"].mean(), dialogue["customer_response_rate"].mean()
    firm_h, cust_h = dialogue["firm_latency_hours"].median(), dialogue["customer_latency_hours"].median()
    if any(pd.isna(v) for v in (firm, cust, firm_h, cust_h)):
        return markdown("The log has too few replies to measure who answers whom, and how fast.")
    often = "more often" if firm > cust else "less often" if firm < cust else "as often"
    fast = "faster" if firm_h < cust_h else "more slowly" if firm_h > cust_h else "as fast"
    return markdown("The firm answers {firm} of its customers' acts (mean over customer-periods), typically within "
                    "{firm_h} hours (median); customers answer {cust} of the firm's acts, within {cust_h} hours: the "
                    "firm answers {often} and {fast}.", firm=percent(firm), firm_h=number(firm_h, 1), cust=percent(cust),
                    cust_h=number(cust_h, 1), often=often, fast=fast)


# ----- the conclusion ---------------------------------------------------------------------------


def _prediction_claim(odds: pd.DataFrame, *, synthetic: bool) -> str:
    """What the odds ratios say about the Nordic School's claim, chosen by the source.

    On a user's log, indices that predict staying are evidence for the claim that the relationship process creates
    value. In :func:`~crmlab.theories.nordic.simulate_interactions` staying and the behaviours behind every index
    were generated to rise with one latent quality, so there the prediction is built in: it checks the indices, not
    the theory.
    """
    rows = odds.set_index("index")
    helps = rows[(rows["p"] < 0.05) & (rows["odds_ratio"] > 1)].index.tolist()
    predicts = f"{'predicts' if len(helps) == 1 else 'predict'} whether the customer stays"
    if synthetic:
        built = ("this synthetic world was built so that staying and the behaviours behind every index rise with one "
                 "latent relationship quality")
        if len(helps) == len(rows):
            return (f"Each index predicts whether the customer stays, as it should: {built}. This shows that the "
                    "indices carry that quality; it is not evidence for the Nordic School's claim that the relationship "
                    "process creates value, which only a real log can test.")
        if helps:
            return (f"Only {join_list(helps)} {predicts}, although {built}: the other "
                    f"{'index carries' if len(rows) - len(helps) == 1 else 'indices carry'} too little of that quality "
                    "to show it beside the rest. A synthetic log cannot test the Nordic School's claim; a real one can.")
        return (f"No index predicts whether the customer stays, although {built}: the indices miss the quality that "
                "drives staying here. A synthetic log cannot test the Nordic School's claim; a real one can.")
    if len(helps) == len(rows):
        return ("Each index predicts whether the customer stays, as the Nordic School claims: the relationship "
                "process, not the single sale, creates value.")
    if helps:
        return (f"Only {join_list(helps)} {predicts}: the Nordic School's claim that the whole process creates value "
                "holds here only in part.")
    return ("No index predicts whether the customer stays: the Nordic School's claim that the relationship process "
            "creates value finds no support in this log.")


def conclusions(alpha: pd.DataFrame, correlations: pd.DataFrame, odds: pd.DataFrame | None, dialogue: pd.DataFrame,
                quality: pd.DataFrame | None = None, *, odds_problem: str = "", synthetic: bool = False) -> Markdown:
    """The closing section of the report: one bullet per finding, each generated from the results it states.

    ``alpha`` (:func:`~crmlab.theories.nordic.subindicator_alpha`),
    ``correlations`` (:func:`~crmlab.theories.nordic.dimension_correlations`),
    ``odds`` (:func:`~crmlab.theories.nordic.predictive_validity`, ``None``
    when the logit could not be fitted, with ``odds_problem`` saying why), ``dialogue``
    (:func:`~crmlab.theories.nordic.dialogue_scores`), ``quality``
    (:func:`quality_correlations`, a synthetic world only). ``synthetic`` says the log is
    :func:`~crmlab.theories.nordic.simulate_interactions`'s, where staying was built to follow the same latent
    quality as every index: there the prediction is stated as a check of the indices, not as evidence for the
    Nordic School's claim.

    >>> alpha = pd.DataFrame({"dimension": ["value"], "cronbach_alpha": [0.8]})
    >>> corr = pd.DataFrame(np.eye(3) * 0.5 + 0.5, index=list(DIMENSIONS), columns=list(DIMENSIONS))
    >>> dia = pd.DataFrame({"firm_response_rate": [0.6], "customer_response_rate": [0.4], "firm_latency_hours": [10.0],
    ...                     "customer_latency_hours": [20.0]})
    >>> odds = pd.DataFrame({"index": list(DIMENSIONS), "odds_ratio": [1.5, 1.6, 1.7], "ci_low": [1.2, 1.3, 1.4],
    ...                      "ci_high": [1.9, 2.0, 2.1], "p": [0.001] * 3})
    >>> "as the Nordic School claims" in str(conclusions(alpha, corr, odds, dia))
    True
    >>> "not evidence for the Nordic School's claim" in str(conclusions(alpha, corr, odds, dia, synthetic=True))
    True
    """
    bullets = []
    pairs = _pairs(correlations).dropna()
    if len(pairs) and (pairs.abs() < SAME_CONSTRUCT_CORRELATION).all():
        bullets.append(markdown("{text}", text=(
            f"Interaction, dialogue and value are separate levers (their indices correlate at {_range(pairs)}): a "
            "customer can interact often with little dialogue (the firm does not answer) or little value (nothing "
            "gets solved).")))
    elif len(pairs):
        bullets.append(markdown("{text}", text=(
            f"Here interaction, dialogue and value move almost as one (r up to {number(pairs.abs().max(), 2)}): "
            "they are hard to manage as separate levers.")))
    said = dialogue_sentence(dialogue).plain
    bullets.append(markdown("Dialogue is measurable: {text}", text=said[:1].lower() + said[1:]))
    if odds is None:
        bullets.append(markdown("Whether the indices predict that a customer stays cannot be said here: the logit of "
                                "next-period activity could not be fitted{why}.",
                                why=f" ({odds_problem})" if odds_problem else ""))
    else:
        bullets.append(markdown("{claim} {detail}", claim=_prediction_claim(odds, synthetic=synthetic),
                                detail=prediction_sentence(odds)))
    bullets.append(reliability_sentence(alpha))
    if quality is not None:
        bullets.append(quality_sentence(quality))
    return _bullets(bullets)
