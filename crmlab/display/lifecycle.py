"""What the relationship-phase report says: sentences generated from its frames, and its reader tables.

Every sentence about the data on the page of Dwyer, Schurr & Oh's (1987)
phases is made here from the frames of :mod:`crmlab.theories.lifecycle`, so
that it follows the numbers: a phase is called the longest only when its spells
are, the cost to serve is said to drive dissolution only when the logit's slope
is positive and significant. Each function takes the frame(s) a table of the
page shows and returns Markdown (values escaped) or a reader :class:`Table`.

>>> spells = pd.DataFrame({"phase": ["exploration", "expansion", "commitment"], "spells": [10, 5, 2],
...                        "mean_periods": [6.4, 6.6, 4.1], "median_periods": [7.0, 6.0, 4.0],
...                        "share_of_periods": [0.8, 0.15, 0.05]})
>>> print(spell_sentence(spells, period="month"))
A spell in expansion lasts longest (mean 6.60 months), in commitment shortest (mean 4.10 months).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from crmlab.display.numbers import integer, money, number, p_value, percent
from crmlab.display.tables import Table, table
from crmlab.display.text import Markdown, compare, join_list, markdown

__all__ = [
    "ALPHA",
    "band_table",
    "cost_logit_table",
    "cost_model_sentence",
    "cost_sentence",
    "data_description",
    "dissolution_reading_sentence",
    "hmm_sentence",
    "hmm_stay_note",
    "hmm_tables",
    "initiator_sentence",
    "initiator_table",
    "missing_phase_note",
    "no_truth_note",
    "period_name",
    "planted_cost_sentence",
    "planted_cost_table",
    "reach_sentence",
    "reach_table",
    "reading_the_phases",
    "single_purchase_dissolution_sentence",
    "recovery_sentence",
    "recovery_table",
    "spell_sentence",
    "spell_table",
    "survival_sentence",
    "survival_table",
    "transition_count_table",
    "transition_path_sentence",
    "transition_sentence",
    "what_if_sentence",
    "what_if_table",
]

#: The significance level below which a slope counts as evidence in a generated sentence.
ALPHA = 0.05

#: Decimals of an HMM state's purchase rate, the same in its table and its sentence.
RATE_DIGITS = 3

_ACTIVE = ("exploration", "expansion", "commitment")
_PERIOD_NAMES = {"M": "month", "Q": "quarter", "Y": "year", "A": "year", "W": "week", "D": "day"}


def period_name(periods: Any) -> str:
    """The reader's word for one period of a phase panel: "month", "quarter", … ("period" when unknown).

    Takes a pandas frequency ("M", "Q", "W-SUN") or a Series of pandas Periods.

    >>> period_name("M"), period_name("Q"), period_name(pd.Series(pd.period_range("2021-01", periods=2, freq="W"))), period_name(3)
    ('month', 'quarter', 'week', 'period')
    """
    if isinstance(periods, pd.Series):
        if not isinstance(periods.dtype, pd.PeriodDtype):
            return "period"
        periods = periods.dt.freq.freqstr
    if not isinstance(periods, str):
        return "period"
    code = periods.split("-")[0].lstrip("0123456789").upper()[:1]
    return _PERIOD_NAMES.get(code, "period")


def _periods(n: float, period: str) -> str:
    return f"{number(float(n), 2)} {period}s" if n != 1 else f"1 {period}"


def data_description(source: str, *, customers: int, customer_periods: int, first: Any, last: Any,
                     period: str = "month") -> Markdown:
    """What the page ran on, chosen by the data source: CDNOW, a synthetic world with planted phases, or the user's file.

    >>> print(data_description("cdnow", customers=2357, customer_periods=40131, first="1997-01", last="1998-06"))
    **Data.** The CDNOW sample: 2,357 customers who first bought from the online music retailer CDNOW in the first quarter of 1997, a 1/10 sample of that cohort (Fader, Hardie & Lee 2005), with no record of contacts outside purchases; 40,131 customer-months from 1997-01 to 1998-06.
    >>> print(data_description("shop.csv", customers=12, customer_periods=60, first="2021-01", last="2021-05").text)
    **Data.** The transactions in shop\\.csv: 12 customers; 60 customer-months from 2021\\-01 to 2021\\-05.
    """
    if source == "cdnow":
        what = Markdown("The CDNOW sample: {n} customers who first bought from the online music retailer CDNOW in "
                        "the first quarter of 1997, a 1/10 sample of that cohort (Fader, Hardie & Lee 2005), with no "
                        "record of contacts outside purchases".format(n=integer(customers)))
    elif source == "cdnow_full":
        what = Markdown("The full CDNOW cohort: {n} customers who first bought from CDNOW in the first quarter of 1997 "
                        "(Fader, Hardie & Lee 2005), with no record of contacts outside purchases"
                        .format(n=integer(customers)))
    elif source == "synthetic":
        what = Markdown("A synthetic world of {n} customers whose phases, contacts, cost to serve and dissolutions are "
                        "simulated, so that the true phase of every customer-period is known".format(n=integer(customers)))
    else:
        what = markdown("The transactions in {file}: {n} customers", file=str(source), n=integer(customers))
    return markdown("**Data.** {what}; {cp} customer-{period}s from {first} to {last}.", what=what,
                    cp=integer(customer_periods), period=period, first=str(first), last=str(last))


def missing_phase_note(phases: pd.DataFrame) -> Markdown | None:
    """A note for the phases no customer-period is in, with the reason read from the data; None when every phase occurs.

    Awareness needs a contact before the first purchase: the note says
    whether the data hold no contacts at all or none before a first purchase.

    >>> phases = pd.DataFrame({"customer_id": ["a", "a"], "contacts": [0, 0], "orders": [1, 0],
    ...                        "phase": ["exploration", "exploration"]})
    >>> print(missing_phase_note(phases))
    No customer-period is in awareness, expansion, commitment or dissolution. Awareness needs a contact before the first purchase, and these data record no contacts at all (purchases only). The empty phases are left out of the tables and figures below.
    """
    from crmlab.theories.lifecycle import PHASES

    seen = set(phases["phase"])
    empty = [p for p in PHASES if p not in seen]
    if not empty:
        return None
    reasons = []
    if "awareness" in empty and "contacts" in phases.columns:
        if phases["contacts"].sum() == 0:
            reasons.append("Awareness needs a contact before the first purchase, and these data record no contacts "
                           "at all (purchases only).")
        else:
            reasons.append("Awareness needs a contact before the first purchase, and no customer's contacts come "
                           "before their first purchase in these data.")
    which = "phase is" if len(empty) == 1 else "phases are"
    return markdown("No customer-period is in {empty}. {why}The empty {which} left out of the tables and figures below.",
                    empty=join_list(empty, "or"), why=Markdown(" ".join(reasons) + (" " if reasons else "")),
                    which=Markdown(which))


def reach_sentence(reach: pd.DataFrame, spells: pd.DataFrame) -> Markdown:
    """Where the customer-periods are, and how far relationships got, from :func:`~crmlab.theories.lifecycle.phase_reach`
    and :func:`~crmlab.theories.lifecycle.time_in_phase`.

    >>> reach = pd.DataFrame({"phase": ["awareness", "exploration", "expansion", "commitment"],
    ...                       "customers_reached": [0, 10, 3, 1], "share_reached": [0, 1, 0.3, 0.1],
    ...                       "customers_furthest": [0, 7, 2, 1], "share_furthest": [0, 0.7, 0.2, 0.1]})
    >>> spells = pd.DataFrame({"phase": ["exploration", "expansion", "commitment", "dissolution"],
    ...                        "share_of_periods": [0.45, 0.13, 0.01, 0.41]})
    >>> print(reach_sentence(reach, spells))
    Exploration holds the largest share of customer-periods (45.0%), commitment the smallest (1.0%). Most relationships never get past exploration: of 10 customers, 7 (70.0%) got no further, and 1 (10.0%) reached commitment.
    """
    shares = spells.set_index("phase")["share_of_periods"]
    largest, smallest = shares.idxmax(), shares.idxmin()
    first = f"{largest.capitalize()} holds the largest share of customer-periods ({percent(shares.max())})"
    if smallest != largest:
        first += f", {smallest} the smallest ({percent(shares.min())})"
    total, stuck, committed = _reach_counts(reach)
    most = ("Most relationships never get past exploration: of {n} customers, {k} got no further"
            if 2 * stuck > total else "Most relationships get past exploration: of {n} customers, only {k} got no further")
    return markdown("{first}. {most}, and {c} reached commitment.", first=Markdown(first),
                    most=Markdown(most.format(n=integer(total), k=_count_share(stuck, total))),
                    c=Markdown(_count_share(committed, total)))


def _reach_counts(reach: pd.DataFrame) -> tuple[int, int, int]:
    """All customers, those who got no further than exploration, and those who reached commitment."""
    rows = reach.set_index("phase")
    total = int(reach.attrs.get("customers", rows["customers_furthest"].sum()))
    stuck = int(rows.reindex(["awareness", "exploration"])["customers_furthest"].fillna(0).sum())
    committed = int(rows["customers_reached"].get("commitment", 0))
    return total, stuck, committed


def _count_share(n: float, total: float) -> str:
    """"7 (70.0%)": a count and its share of ``total``."""
    return f"{integer(n)} ({percent(n / total)})" if total else integer(n)


def reach_table(reach: pd.DataFrame) -> Table:
    """How far relationships developed (:func:`~crmlab.theories.lifecycle.phase_reach`), phases no one reached left out.

    >>> reach = pd.DataFrame({"phase": ["awareness", "exploration"], "customers_reached": [0, 10], "share_reached": [0.0, 1.0],
    ...                       "customers_furthest": [0, 10], "share_furthest": [0.0, 1.0]})
    >>> print(reach_table(reach))
    How far relationships developed
    Phase        Customers who reached it  Share of customers  Got no further  Share of customers who got no further
    exploration                        10              100.0%              10                                 100.0%
    """
    frame = reach[reach["customers_reached"] > 0].reset_index(drop=True)
    return table(frame, integer=["customers_reached", "customers_furthest"], percent=["share_reached", "share_furthest"],
                 labels={"customers_reached": "Customers who reached it", "share_reached": "Share of customers",
                         "customers_furthest": "Got no further",
                         "share_furthest": "Share of customers who got no further"},
                 top=None, caption="How far relationships developed")


def spell_table(spells: pd.DataFrame, *, period: str = "period") -> Table:
    """Spells in each phase (:func:`~crmlab.theories.lifecycle.time_in_phase`): count, mean and median length, share of periods.

    >>> spells = pd.DataFrame({"phase": ["commitment"], "spells": [58], "mean_periods": [4.121], "median_periods": [4.0],
    ...                        "share_of_periods": [0.006]})
    >>> print(spell_table(spells, period="month"))
    Time in each phase
    Phase       Spells  Mean spell (months)  Median spell (months)  Share of customer-months
    commitment      58                 4.12                      4                      0.6%
    """
    return table(spells, integer=["spells"], number=["mean_periods", "median_periods"], percent=["share_of_periods"],
                 digits={"mean_periods": 2}, top=None, caption="Time in each phase",
                 labels={"mean_periods": f"Mean spell ({period}s)", "median_periods": f"Median spell ({period}s)",
                         "share_of_periods": f"Share of customer-{period}s"})


def transition_count_table(counts: pd.DataFrame, *, period: str = "period") -> Table:
    """The counted moves between phases (the ``"count"`` block of
    :func:`~crmlab.theories.lifecycle.phase_transition_matrix`): rows the phase in a period, columns the next.

    >>> counts = pd.DataFrame([[15125, 775], [81, 4500]], index=["exploration", "expansion"], columns=["exploration", "expansion"])
    >>> print(transition_count_table(counts, period="month"))
    Customers moving from a phase (rows) to the phase of the next month (columns)
    From         To exploration  To expansion
    exploration          15,125           775
    expansion                81         4,500
    """
    frame = counts.copy()
    frame.columns = [f"To {c}" for c in frame.columns]
    frame = frame.rename_axis(index="From").reset_index()
    frame["From"] = frame["From"].astype(str)
    return table(frame, integer=list(frame.columns[1:]), top=None,
                 caption=f"Customers moving from a phase (rows) to the phase of the next {period} (columns)")


def band_table(bands: pd.DataFrame) -> Table:
    """Dissolution by band of the cost-to-serve ratio (the table of :func:`~crmlab.theories.lifecycle.dissolution_by_cost`).

    >>> bands = pd.DataFrame({"band": ["Q1"], "mean_cost": [0.116], "periods": [5675], "dissolution_rate": [0.078]})
    >>> print(band_table(bands))
    Dissolution in the next period by cost-to-serve band
    Band  Mean cost-to-serve ratio  Active customer-periods  Dissolution rate
    Q1                       0.116                    5,675              7.8%
    """
    return table(bands, text=["band"], number=["mean_cost"], integer=["periods"], percent=["dissolution_rate"], top=None,
                 labels={"mean_cost": "Mean cost-to-serve ratio", "periods": "Active customer-periods"},
                 caption="Dissolution in the next period by cost-to-serve band")


def recovery_table(recovery: pd.DataFrame) -> Table:
    """The planted phase (rows) against the rules' phase (columns), row shares (:func:`~crmlab.theories.lifecycle.phase_recovery`).

    >>> recovery = pd.DataFrame([[0.75, 0.25]], index=pd.Index(["exploration"], name="true_phase"), columns=["exploration", "expansion"])
    >>> print(recovery_table(recovery))
    Planted phase (rows) against the rules' phase (columns), share of the planted phase's customer-periods
    Planted phase  Rules: exploration  Rules: expansion
    exploration                 75.0%             25.0%
    """
    frame = recovery.copy()
    frame.columns = [f"Rules: {c}" for c in frame.columns]
    frame = frame.rename_axis(index="Planted phase").reset_index()
    return table(frame, text=["Planted phase"], percent=list(frame.columns[1:]), top=None,
                 caption="Planted phase (rows) against the rules' phase (columns), share of the planted phase's "
                         "customer-periods")


def transition_path_sentence(probability: pd.DataFrame) -> Markdown:
    """Dwyer's sequence as the path through the phases the transition matrix holds, naming any phase it lacks.

    Takes the ``"probability"`` (or ``"count"``) block of
    :func:`~crmlab.theories.lifecycle.phase_transition_matrix` made with
    ``observed_only=True``: its rows are the phases some customer-period is in.

    >>> P = pd.DataFrame(0.5, index=["exploration", "expansion", "commitment", "dissolution"],
    ...                  columns=["exploration", "expansion", "commitment", "dissolution"])
    >>> print(transition_path_sentence(P))
    Dwyer's sequence shows as the path exploration → expansion → commitment (awareness, which no customer-period is in here, is left out); dissolution can come from any phase, and a return after dissolution starts a new exploration.
    """
    from crmlab.theories.lifecycle import DEVELOPMENT

    present = [p for p in DEVELOPMENT if p in probability.index]
    absent = [p for p in DEVELOPMENT if p not in probability.index]
    text = ("Dwyer's sequence shows as the path " + " → ".join(present) if len(present) > 1 else
            "Only " + join_list(present or ["no phase of development"]) + " of Dwyer's sequence is present")
    if absent:
        text += (f" ({join_list(absent)}, which no customer-period is in here, "
                 f"{'is' if len(absent) == 1 else 'are'} left out)")
    if "dissolution" in probability.index:
        text += "; dissolution can come from any phase, and a return after dissolution starts a new exploration"
    else:
        text += "; no customer-period is in dissolution here"
    return markdown("{t}.", t=text)


def transition_sentence(probability: pd.DataFrame, *, period: str = "period") -> Markdown:
    """For each phase, the share that stays from one period to the next and the most common move out.

    Takes the ``"probability"`` block of :func:`~crmlab.theories.lifecycle.phase_transition_matrix`.

    >>> P = pd.DataFrame([[0.87, 0.04, 0.09], [0.02, 0.90, 0.08], [0.02, 0.0, 0.98]],
    ...                  index=["exploration", "expansion", "dissolution"], columns=["exploration", "expansion", "dissolution"])
    >>> print(transition_sentence(P, period="month"))
    From one month to the next, 87.0% of customers in exploration stay there, and the most common move is to dissolution (9.0%); in expansion 90.0% stay, most often moving to dissolution (8.0%); in dissolution 98.0% stay, most often moving to exploration (2.0%).
    """
    parts = []
    for phase, row in probability.dropna(how="all").iterrows():
        stay = float(row.get(phase, 0.0))
        moves = row.drop(phase, errors="ignore").astype(float)
        moves = moves[moves > 0]
        move = (f"the most common move is to {moves.idxmax()} ({percent(moves.max())})" if not parts else
                f"most often moving to {moves.idxmax()} ({percent(moves.max())})") if len(moves) else (
            "no customer leaves it" if not parts else "none leave")
        if not parts:
            parts.append(f"From one {period} to the next, {percent(stay)} of customers in {phase} stay there, and {move}")
        else:
            parts.append(f"in {phase} {percent(stay)} stay, {move}")
    return markdown("{s}.", s="; ".join(parts))


def _extreme(means: pd.Series, period: str, *, largest: bool) -> tuple[list[str], str]:
    """The phases whose mean spell is the longest (or shortest) as the reader sees it (ties named together), and that mean."""
    shown = _periods(means.max() if largest else means.min(), period)
    return [str(p) for p, v in means.items() if _periods(v, period) == shown], shown


def _longest_shortest(means: pd.Series, period: str) -> str:
    """"a spell in X lasts longest (mean …), in Y shortest (mean …)" over the phases of ``means``, ties named together."""
    (longest, most), (shortest, least) = _extreme(means, period, largest=True), _extreme(means, period, largest=False)
    if most == least:
        return f"spells in {join_list(means.index)} last {most} on average"
    head = (f"a spell in {longest[0]} lasts longest (mean {most})" if len(longest) == 1 else
            f"spells in {join_list(longest)} last longest (each mean {most})")
    tail = (f"in {shortest[0]} shortest (mean {least})" if len(shortest) == 1 else
            f"in {join_list(shortest)} shortest (each mean {least})")
    return f"{head}, {tail}"


def spell_sentence(spells: pd.DataFrame, *, period: str = "period") -> Markdown:
    """Which phases' spells last longest and shortest (mean periods), from :func:`~crmlab.theories.lifecycle.time_in_phase`.

    The ranking runs over every phase of the table; when awareness or
    dissolution is the extreme, a second clause ranks the active phases
    (exploration, expansion, commitment) alone, and says so.

    >>> spells = pd.DataFrame({"phase": ["exploration", "expansion", "commitment"], "mean_periods": [2.0, 6.5, 9.1]})
    >>> print(spell_sentence(spells, period="month"))
    A spell in commitment lasts longest (mean 9.10 months), in exploration shortest (mean 2.00 months).
    >>> spells = pd.DataFrame({"phase": ["exploration", "expansion", "commitment", "dissolution"],
    ...                        "mean_periods": [6.40, 6.58, 4.12, 8.56]})
    >>> print(spell_sentence(spells, period="month"))
    Of the 4 phases in the table, a spell in dissolution lasts longest (mean 8.56 months), in commitment shortest (mean 4.12 months); among the active phases (exploration, expansion and commitment) alone, a spell in expansion lasts longest (mean 6.58 months), in commitment shortest (mean 4.12 months).
    """
    from crmlab.theories.lifecycle import PHASES

    means = spells.set_index("phase")["mean_periods"].dropna()
    means = means.reindex([p for p in PHASES if p in means.index] + [p for p in means.index if p not in PHASES])
    if means.empty:
        return markdown("No spell is observed in any phase.")
    overall = _longest_shortest(means, period)
    active = means.reindex([p for p in _ACTIVE if p in means.index])
    if len(means) == len(active) or len(means) == 1:
        return markdown("{s}.", s=overall[0].upper() + overall[1:])
    text = f"Of the {integer(len(means))} phases in the table, {overall}"
    same = all(_extreme(active, period, largest=w) == _extreme(means, period, largest=w) for w in (True, False))
    if len(active) >= 2 and not same:
        text += (f"; among the active phases ({join_list(active.index)}) alone, "
                 f"{_longest_shortest(active, period)}")
    return markdown("{s}.", s=text)


def survival_table(survival: pd.DataFrame, *, period: str = "period") -> Table:
    """The share of customers not dissolved k periods after entering each phase: one row per k, one column per phase.

    >>> survival = pd.DataFrame({"entry_phase": ["expansion", "expansion", "commitment", "commitment"], "k": [0, 1, 0, 1],
    ...                          "at_risk": [5, 4, 2, 2], "survival": [1.0, 0.8, 1.0, 1.0]})
    >>> print(survival_table(survival, period="month"))
    Not dissolved k months after entering the phase
    Months after entry  Expansion  Commitment
                     0     100.0%      100.0%
                     1      80.0%      100.0%
    """
    from crmlab.theories.lifecycle import PHASES

    wide = survival.pivot(index="k", columns="entry_phase", values="survival")
    wide = wide[[p for p in PHASES if p in wide.columns]]
    wide.columns = [str(c).capitalize() for c in wide.columns]
    return table(wide.reset_index().rename(columns={"k": f"{period.capitalize()}s after entry"}),
                 integer=[f"{period.capitalize()}s after entry"], percent=list(wide.columns), top=None,
                 caption=f"Not dissolved k {period}s after entering the phase")


def survival_sentence(survival: pd.DataFrame, *, period: str = "period") -> Markdown:
    """Which phase's entrants are most often still there (not dissolved), from :func:`~crmlab.theories.lifecycle.phase_survival`,
    at the longest k at which every phase's entrants are still observed.

    >>> survival = pd.DataFrame({"entry_phase": ["exploration", "commitment"], "k": [12, 12], "at_risk": [100, 10],
    ...                          "survival": [0.22, 0.48]})
    >>> print(survival_sentence(survival, period="month"))
    12 months after entering a phase, 48.0% of the customers who entered commitment have not dissolved, against 22.0% for exploration.
    """
    k, last = _common_horizon(survival, _ACTIVE + ("awareness",))
    if last.empty:
        return markdown("No phase's entrants are observed long enough to compare their survival.")
    last = last.sort_values(ascending=False, kind="stable")
    best, rest = last.index[0], last.iloc[1:]
    others = join_list([f"{percent(v)} for {p}" for p, v in rest.items()])
    return markdown("{k} {period}s after entering a phase, {v} of the customers who entered {p} have not dissolved"
                    "{against}.", k=integer(k), period=period, v=percent(last.iloc[0]), p=best,
                    against=f", against {others}" if len(rest) else "")


def _length(n: float, period: str) -> str:
    """"6 months", "1 month", "2.5 months": a length of time in whole periods where it is whole."""
    n = float(n)
    text = integer(n) if n == round(n) else number(n, 1)
    return f"{text} {period}" + ("" if n == 1 else "s")


def _single_purchase_rule(median_gap: float, *, min_silence: int, dissolution_factor: float, period: str) -> str:
    """The silence rule for a customer with one purchase so far, in its own numbers."""
    threshold = max(min_silence, dissolution_factor * median_gap)
    return (f"a customer with a single purchase so far has no gap of their own, so the rule takes the median gap "
            f"between purchases of all customers ({_length(median_gap, period)}) and reads them as dissolved after "
            f"more than {_length(threshold, period)} without a purchase")


def single_purchase_dissolution_sentence(entries: pd.DataFrame, *, min_silence: int = 3, dissolution_factor: float = 3.0,
                                         period: str = "period", survival: pd.DataFrame | None = None) -> Markdown:
    """How the silence rule treats customers with one purchase so far, and how many entries into dissolution are theirs.

    ``entries`` is :func:`~crmlab.theories.lifecycle.dissolution_entries` (made
    with the same ``min_silence`` and ``dissolution_factor``). One-time buyers
    share one threshold, so where they first bought in the same few periods
    their dissolutions bunch that many periods later; the sentence names the
    periods their entries span and the one with the most. With ``survival``
    (:func:`~crmlab.theories.lifecycle.phase_survival`) it also gives the
    survival of exploration's entrants (who enter at their first purchase)
    just before and at the first period a one-time buyer can be read as
    dissolved, where the threshold shows in the survival table.

    >>> entries = pd.DataFrame({"period": pd.PeriodIndex(["1997-08", "1997-09", "1997-09", "1998-01"], freq="M"),
    ...                         "single_purchase": [True, True, True, False]})
    >>> entries.attrs.update(median_gap=2.0, single_purchase_silence=6.0)
    >>> print(single_purchase_dissolution_sentence(entries, period="month").plain)
    The silence rule needs at least 3 months and 3 times the customer's mean gap between purchases; a customer with a single purchase so far has no gap of their own, so the rule takes the median gap between purchases of all customers (2 months) and reads them as dissolved after more than 6 months without a purchase. Of 4 entries into dissolution, 3 (75.0%) are of customers with a single purchase; their entries run from 1997-08 to 1997-09, most in 1997-09 (2).
    >>> survival = pd.DataFrame({"entry_phase": "exploration", "k": [6, 7], "survival": [0.923, 0.28]})
    >>> print(single_purchase_dissolution_sentence(entries, period="month", survival=survival).plain.split(". ")[-1])
    Of those who entered exploration (at their first purchase), 92.3% had not dissolved 6 months later and 28.0% 7 months later, the first month in which a one-time buyer's silence can pass the threshold.
    """
    rule = _single_purchase_rule(float(entries.attrs["median_gap"]), min_silence=min_silence,
                                 dissolution_factor=dissolution_factor, period=period)
    total, single = len(entries), int(entries["single_purchase"].sum())
    text = (f"The silence rule needs at least {_length(min_silence, period)} and {number(float(dissolution_factor))} "
            f"times the customer's mean gap between purchases; {rule}.")
    if total == 0:
        return markdown("{t} No customer entered dissolution.", t=text)
    text += f" Of {integer(total)} entries into dissolution, {_count_share(single, total)} are of customers with a single purchase"
    if single and "period" in entries.columns:
        by_period = entries.loc[entries["single_purchase"], "period"].value_counts(sort=False).sort_index()
        top = by_period[by_period == by_period.max()]
        span = (f"all in {by_period.index[0]}" if len(by_period) == 1 else
                f"from {by_period.index[0]} to {by_period.index[-1]}")
        peak = (f"most in {join_list([str(p) for p in top.index])} ({integer(by_period.max())}"
                f"{' each' if len(top) > 1 else ''})")
        text += f"; their entries run {span}" + (f", {peak}" if len(by_period) > 1 else "")
    first = int(np.floor(float(entries.attrs["single_purchase_silence"]))) + 1
    if survival is not None and single:
        explore = survival[survival["entry_phase"] == "exploration"].set_index("k")["survival"].dropna()
        if first in explore.index and first - 1 in explore.index:
            text += (f". Of those who entered exploration (at their first purchase), {percent(explore[first - 1])} had "
                     f"not dissolved {_length(first - 1, period)} later and {percent(explore[first])} "
                     f"{_length(first, period)} later, the first {period} in which a one-time buyer's silence can pass "
                     "the threshold")
    return markdown("{t}.", t=text)


def _common_horizon(survival: pd.DataFrame, phases: Sequence[str]) -> tuple[int, pd.Series]:
    """The longest k at which the entrants of every one of ``phases`` (those present) are still observed, and their
    survival then: a comparison at one horizon, not at the last k of each phase."""
    wide = survival.pivot(index="k", columns="entry_phase", values="survival")
    wide = wide[[p for p in phases if p in wide.columns]].dropna()
    if wide.empty:
        return 0, pd.Series(dtype=float)
    k = int(wide.index.max())
    return k, wide.loc[k]


def _state_label(k: int, n: int) -> str:
    """Reader label of HMM state k (0-based, by rate): "1 (least active)" … "n (most active)"."""
    if k == 0:
        return "1 (least active)"
    if k == n - 1:
        return f"{n} (most active)"
    return str(k + 1)


def hmm_tables(summary: pd.DataFrame, transitions: pd.DataFrame, agreement: pd.DataFrame, *,
               period: str = "period") -> tuple[Table, Table, Table]:
    """Reader tables of a fitted :class:`~crmlab.theories.lifecycle.RelationshipHMM`: its states (:attr:`state_table`),
    its transition matrix and the rule phases against the states (:func:`~crmlab.theories.lifecycle.hmm_phase_agreement`).

    >>> summary = pd.DataFrame({"state": [0, 1], "purchases_per_period": [0.02, 1.2], "initial_share": [1e-112, 1.0],
    ...                         "p_stay": [0.99, 0.8], "expected_stay": [100.0, 5.0]})
    >>> P = pd.DataFrame([[0.99, 0.01], [0.2, 0.8]])
    >>> agreement = pd.DataFrame([[0.9, 0.1]], index=pd.Index(["exploration"], name="phase"), columns=[0, 1])
    >>> states, moves, phases = hmm_tables(summary, P, agreement, period="month")
    >>> print(states)
    Hidden states, least active first
    State                 Purchases per month  Initial share  Stays to the next month  Expected stay (months, geometric)
    1 (least active)                    0.020           0.0%                    99.0%                               100.0
    2 (most active)                     1.200         100.0%                    80.0%                                 5.0
    >>> print(moves.cells.columns.tolist())
    ['From state', 'To 1 (least active)', 'To 2 (most active)']
    """
    n = len(summary)
    names = [_state_label(int(k), n) for k in summary["state"]]
    states = summary.assign(state=names)
    states_table = table(states, percent=["initial_share", "p_stay"], number=["purchases_per_period", "expected_stay"],
                         text=["state"], top=None, caption="Hidden states, least active first",
                         digits={"purchases_per_period": RATE_DIGITS, "expected_stay": 1},
                         labels={"purchases_per_period": f"Purchases per {period}",
                                 "initial_share": "Initial share", "p_stay": f"Stays to the next {period}",
                                 "expected_stay": f"Expected stay ({period}s, geometric)"})
    moves = pd.DataFrame(np.asarray(transitions, dtype=float), columns=[f"To {s}" for s in names])
    moves.insert(0, "From state", names)
    moves_table = table(moves, percent=list(moves.columns[1:]), top=None,
                        caption=f"Moves between hidden states from one {period} to the next")
    shares = agreement.copy()
    shares.columns = [f"State {_state_label(int(k), n)}" for k in shares.columns]
    shares = shares.rename_axis(index="Rule phase").reset_index()
    agreement_table = table(shares, percent=list(shares.columns[1:]), top=None,
                            caption="Rule phases against hidden states (share of each phase's customer-periods)")
    return states_table, moves_table, agreement_table


def _state_with_share(k: int, n: int, share: float) -> str:
    """"state 3 (most active, 59.6%)", "state 2 (62.8%)": a state and the share it holds, in one parenthesis."""
    label = _state_label(k, n)
    tag = label.partition(" (")[2].rstrip(")")
    return f"state {k + 1} ({tag + ', ' if tag else ''}{percent(share)})"


def hmm_sentence(summary: pd.DataFrame, agreement: pd.DataFrame, *, period: str = "period") -> Markdown:
    """The hidden states' purchase rates and, for each rule phase, the state that holds most of its periods.

    Awareness has no purchases by definition, yet the model may put it in a
    state that buys: the HMM sees purchase counts only, so a period before
    the first purchase looks like one after the last, and only the fitted
    chain's start (``initial_share``) and exits (``p_stay``) tell them apart.
    When awareness falls mostly in a state other than the least active, the
    sentence says so with those numbers.

    >>> summary = pd.DataFrame({"state": [0, 1, 2], "purchases_per_period": [0.02, 0.56, 1.21]})
    >>> agreement = pd.DataFrame([[0.77, 0.09, 0.14], [0.13, 0.86, 0.01]], index=["exploration", "commitment"], columns=[0, 1, 2])
    >>> print(hmm_sentence(summary, agreement, period="month"))
    The hidden states buy 0.020, 0.560 and 1.21 times a month on average. Most periods of exploration fall in state 1 (least active, 77.0%), of commitment in state 2 (86.0%).
    >>> summary = summary.assign(initial_share=[0.0, 1.0, 0.0], p_stay=[0.999, 0.82, 0.96])
    >>> agreement = pd.DataFrame([[0.0, 1.0, 0.0]], index=["awareness"], columns=[0, 1, 2])
    >>> print(hmm_sentence(summary, agreement, period="month"))
    The hidden states buy 0.020, 0.560 and 1.21 times a month on average. Most periods of awareness fall in state 2 (100.0%). Awareness has no purchases, yet it is not read as state 1 (least active): the model sees purchase counts only, and the periods before a first purchase open a customer's history, where the fitted chain starts 100.0% of customers in state 2 and 0.0% in state 1 (least active), a state customers almost never leave (stays 99.9% a month): a dormant end, not a beginning.
    """
    n = len(summary)
    rates = join_list([number(float(r), RATE_DIGITS) for r in summary["purchases_per_period"]])
    parts = []
    for phase, row in agreement.iterrows():
        row = row.astype(float)
        state = _state_with_share(int(row.idxmax()), n, row.max())
        parts.append(f"Most periods of {phase} fall in {state}" if not parts else f"of {phase} in {state}")
    text = markdown("The hidden states buy {rates} times a {period} on average. {which}.", rates=rates, period=period,
                    which=", ".join(parts))
    why = _awareness_state_reason(summary, agreement, period)
    return text if why is None else markdown("{text} {why}", text=text, why=why)


def _awareness_state_reason(summary: pd.DataFrame, agreement: pd.DataFrame, period: str) -> Markdown | None:
    """Why awareness (no purchases) falls in a state that buys, from the fitted chain's start and the dormant state's stay."""
    if "awareness" not in agreement.index or not {"initial_share", "p_stay"} <= set(summary.columns):
        return None
    state = int(agreement.loc["awareness"].astype(float).idxmax())
    if state == 0:
        return None
    n = len(summary)
    start, stay = summary["initial_share"].astype(float).to_numpy(), summary["p_stay"].astype(float).to_numpy()
    dormant = (markdown(", a state customers almost never leave (stays {p0} a {period}): a dormant end, not a beginning",
                        p0=percent(stay[0]), period=period) if stay[0] >= 0.95 else "")
    return markdown("Awareness has no purchases, yet it is not read as state {low}: the model sees purchase counts "
                    "only, and the periods before a first purchase open a customer's history, where the fitted chain "
                    "starts {s} of customers in state {k} and {s0} in state {low}{dormant}.", low=_state_label(0, n),
                    s=percent(start[state]), k=_state_label(state, n), s0=percent(start[0]), dormant=dormant)


def hmm_stay_note(summary: pd.DataFrame, *, periods: int, period: str = "period") -> Markdown | None:
    """A note for the hidden states whose expected stay runs past the data's span; None when none does.

    The expected stay of a state is the geometric sojourn time of a Markov
    chain, 1 / (1 − aₖₖ) periods for a state kept with probability aₖₖ from one
    period to the next (:attr:`~crmlab.theories.lifecycle.RelationshipHMM.state_table`).
    A stay longer than the ``periods`` the data span was never seen to end: it
    extrapolates the fitted chain.

    >>> summary = pd.DataFrame({"state": [0, 1, 2], "expected_stay": [713.87, 5.57, 25.43]})
    >>> print(hmm_stay_note(summary, periods=24, period="month"))
    The expected stay is the model's geometric mean, 1 / (1 − the chance of staying) months. For state 1 (least active) it is 713.9 months and for state 3 (most active) 25.4 months, past the 24 months the data span: no such stay was seen to end, so these figures extrapolate the fitted chain.
    >>> hmm_stay_note(summary, periods=1000) is None
    True
    """
    n = len(summary)
    long = summary[summary["expected_stay"] > periods]
    if long.empty:
        return None
    stays = [f"{'For' if i == 0 else 'for'} state {_state_label(int(k), n)} {'it is ' if i == 0 else ''}"
             f"{number(float(v), 1)} {period}s" for i, (k, v) in enumerate(zip(long["state"], long["expected_stay"]))]
    return markdown("The expected stay is the model's geometric mean, 1 / (1 − the chance of staying) {period}s. "
                    "{stays}, past the {n} {period}s the data span: no such stay was seen to end, so {what} the "
                    "fitted chain.", period=period, stays=join_list(stays), n=integer(periods),
                    what="the figure extrapolates" if len(stays) == 1 else "these figures extrapolate")


def cost_model_sentence(phases: pd.DataFrame, *, margin: float, cost_per_order: float, cost_per_contact: float,
                        unit: str = "$") -> Markdown:
    """The cost model behind the cost-to-serve ratio (:func:`~crmlab.theories.lifecycle.cost_to_serve`), naming only
    the costs the data can carry: a contact cost only where the data record contacts.

    >>> phases = pd.DataFrame({"orders": [1, 0, 2], "contacts": [0, 0, 0]})
    >>> print(cost_model_sentence(phases, margin=0.3, cost_per_order=2.0, cost_per_contact=1.0))
    The cost to serve is $2.00 per order, set against a gross margin of 30% of spend; these data record no contacts, so the $1.00 per contact of the cost model adds nothing here.
    >>> print(cost_model_sentence(phases.assign(contacts=[2, 1, 0]), margin=0.3, cost_per_order=2.0, cost_per_contact=1.0))
    The cost to serve is $2.00 per order and $1.00 per contact, set against a gross margin of 30% of spend.
    """
    costs = money(float(cost_per_order), unit) + " per order"
    contacts = "contacts" in phases.columns and float(phases["contacts"].sum()) > 0
    if contacts:
        costs += f" and {money(float(cost_per_contact), unit)} per contact"
    text = f"The cost to serve is {costs}, set against a gross margin of {percent(margin, 0)} of spend"
    if not contacts:
        text += (f"; these data record no contacts, so the {money(float(cost_per_contact), unit)} per contact of the "
                 "cost model adds nothing here")
    return markdown("{t}.", t=text)


def cost_logit_table(logit: Any) -> Table:
    """The logit of next-period dissolution (:func:`~crmlab.theories.lifecycle.dissolution_by_cost`) as a reader table:
    estimate, standard error, odds ratio, 95% interval of the odds ratio and p for each regressor."""
    params, se, p = logit.params, logit.bse, logit.pvalues
    ci = np.exp(logit.conf_int())
    phases = [c for c in params.index if c not in ("const", "cost_to_serve")]
    baseline = sorted(set(_ACTIVE) - set(phases))
    names = {"const": "Intercept", "cost_to_serve": "Cost-to-serve ratio"}
    names.update({c: f"In {c} (vs {join_list(baseline, 'or')})" for c in phases})
    frame = pd.DataFrame({"regressor": [names.get(c, c) for c in params.index], "estimate": params.to_numpy(),
                          "se": se.to_numpy(), "odds_ratio": np.exp(params.to_numpy()),
                          "or_low": ci[0].to_numpy(), "or_high": ci[1].to_numpy(), "p": p.to_numpy()})
    return table(frame, text=["regressor"], number=["estimate", "se", "odds_ratio", "or_low", "or_high"],
                 labels={"or_low": "95% CI low (odds ratio)", "or_high": "95% CI high (odds ratio)"}, top=None,
                 caption="Logit of dissolution in the next period")


def cost_sentence(bands: pd.DataFrame, logit: Any, *, alpha: float = ALPHA) -> Markdown:
    """What the cost-to-serve bands and the logit say about dissolution, the direction read from the numbers.

    >>> bands = pd.DataFrame({"band": ["Q1", "Q2"], "mean_cost": [0.1, 0.6], "periods": [50, 50], "dissolution_rate": [0.08, 0.10]})
    >>> class Fit: params = pd.Series({"cost_to_serve": 0.53}); pvalues = pd.Series({"cost_to_serve": 2e-7})
    >>> print(cost_sentence(bands, Fit()))
    The dissolution rate is 8.0% in the band of active customer-periods with the lowest cost-to-serve ratios (Q1) and 10.0% in the band with the highest (Q2). The logit slope of dissolution on the ratio is 0.530 (p < 0.001): customers who cost more to serve per unit of margin leave more often.
    """
    low, high = bands.iloc[0], bands.iloc[-1]
    slope, p = float(logit.params["cost_to_serve"]), float(logit.pvalues["cost_to_serve"])
    first = (f"The dissolution rate is {percent(low['dissolution_rate'])} in the band of active customer-periods with "
             f"the lowest cost-to-serve ratios ({low['band']}) and {percent(high['dissolution_rate'])} in the band with "
             f"the highest ({high['band']})")
    if p >= alpha:
        verdict = (f"the cost to serve does not predict dissolution in these data (at the {percent(alpha, 0)} level)")
    elif slope > 0:
        verdict = "customers who cost more to serve per unit of margin leave more often"
    else:
        verdict = "customers who cost more to serve per unit of margin leave less often"
    return markdown("{first}. The logit slope of dissolution on the ratio is {b} (p {p}): {verdict}.",
                    first=Markdown(first), b=number(slope, 3), p=Markdown(_p_phrase(p)), verdict=Markdown(verdict))


def _p_phrase(p: float) -> str:
    """"< 0.001" or "= 0.023": a p-value after the letter p."""
    text = p_value(p)
    return text if text.startswith("<") else f"= {text}"


def what_if_table(what_if: pd.DataFrame, *, reduction: float, unit: str = "$", period: str = "period") -> Table:
    """The cost-to-serve what-if (:func:`~crmlab.theories.lifecycle.lower_cost_to_serve`) before and after, side by side.

    For a customer who starts in dissolution, "P(dissolution next period)"
    is the chance of still being dissolved a period later (one minus the
    chance of a return): the row is labelled so, and the caption says it.

    >>> what_if = pd.DataFrame({"phase": ["commitment", "dissolution"], "p_dissolution_before": [0.024, 0.991],
    ...                         "p_dissolution_after": [0.023, 0.991], "clv_before": [1373.4, 408.13],
    ...                         "clv_after": [1544.21, 471.96], "dissolved_after_24_before": [0.416, 0.888],
    ...                         "dissolved_after_24_after": [0.401, 0.884]})
    >>> shown = what_if_table(what_if, reduction=0.2, period="month")
    >>> shown.cells["Phase"].tolist()
    ['commitment', 'dissolution (already dissolved: still dissolved)']
    >>> print(shown.caption.split("; ")[1])
    for a customer already in dissolution, the dissolution columns give the chance of still being dissolved (not having come back)
    """
    horizon = next(c for c in what_if.columns if c.startswith("dissolved_after_") and c.endswith("_before"))
    h = horizon[len("dissolved_after_"): -len("_before")]
    columns = {"phase": "Phase", "p_dissolution_before": f"P(dissolution next {period}), now",
               "p_dissolution_after": "… after", "clv_before": "CLV, now", "clv_after": "CLV after",
               f"dissolved_after_{h}_before": f"Dissolved after {h} {period}s, now",
               f"dissolved_after_{h}_after": "… after"}
    columns["p_dissolution_after"] = f"P(dissolution next {period}), cost −{percent(reduction, 0)}"
    columns["clv_after"] = f"CLV, cost −{percent(reduction, 0)}"
    columns[f"dissolved_after_{h}_after"] = f"Dissolved after {h} {period}s, cost −{percent(reduction, 0)}"
    frame = what_if[list(columns)].rename(columns=columns)
    dissolved = frame["Phase"] == "dissolution"
    frame["Phase"] = frame["Phase"].where(~dissolved, "dissolution (already dissolved: still dissolved)")
    caption = f"What lowering the cost to serve by {percent(reduction, 0)} is worth, by starting phase"
    if dissolved.any():
        caption += ("; for a customer already in dissolution, the dissolution columns give the chance of still being "
                    "dissolved (not having come back)")
    return table(frame, text=["Phase"], money=[columns["clv_before"], columns["clv_after"]], unit=unit,
                 percent=[v for k, v in columns.items() if k.startswith(("p_", "dissolved"))], top=None,
                 caption=caption)


def what_if_sentence(what_if: pd.DataFrame, *, reduction: float, unit: str = "$") -> Markdown:
    """What the what-if changes, phase by phase, with the direction of each change read from the numbers.

    >>> what_if = pd.DataFrame({"phase": ["exploration", "commitment"], "p_dissolution_before": [0.087, 0.054],
    ...                         "p_dissolution_after": [0.084, 0.052], "clv_before": [75.65, 115.78], "clv_after": [81.21, 123.22]})
    >>> print(what_if_sentence(what_if, reduction=0.2))
    Lowering the cost to serve by 20% lowers the probability of dissolution next period in exploration (8.7% → 8.4%) and commitment (5.4% → 5.2%), and raises the CLV of a customer in exploration ($75.65 → $81.21) and commitment ($115.78 → $123.22).
    """
    rows = what_if[what_if["phase"].isin(_ACTIVE)].set_index("phase")

    def moves(before: str, after: str, fmt: Any) -> str:
        groups: dict[str, list[str]] = {"raises": [], "lowers": [], "leaves unchanged": []}
        for phase, row in rows.iterrows():
            word = compare(row[after], row[before], "raises", "lowers", "leaves unchanged", tolerance=1e-12)
            groups[word].append(f"{phase} ({fmt(row[before])} → {fmt(row[after])})")
        return groups

    risk = moves("p_dissolution_before", "p_dissolution_after", percent)
    value = moves("clv_before", "clv_after", lambda v: money(v, unit))
    parts = []
    for groups, what in ((risk, "the probability of dissolution next period in"), (value, "the CLV of a customer in")):
        for word in ("lowers", "raises", "leaves unchanged"):
            if groups[word]:
                parts.append(f"{word} {what} {join_list(groups[word])}")
    what = ", and ".join(parts) if len(parts) == 2 else join_list(parts)
    return markdown("Lowering the cost to serve by {r} {what}.", r=percent(reduction, 0), what=what)


def planted_cost_table(planted: pd.DataFrame) -> Table:
    """The planted cost effect beside the logit's estimates (:func:`~crmlab.theories.lifecycle.planted_cost_effect`)."""
    names = {"planted": "Planted in the synthetic world", "true_phases": "Logit estimate, exits of the true phases",
             "rule_phases": "Logit estimate, exits of the rules' phases"}
    frame = planted.rename(index=names).rename_axis("effect").reset_index()
    return table(frame, text=["effect"], number=["estimate", "ci_low", "ci_high"], integer=["exits"], digits={
        "estimate": 2, "ci_low": 2, "ci_high": 2}, labels={"effect": "Effect of one more contact per order",
                                                          "estimate": "Log-odds slope", "ci_low": "95% CI low",
                                                          "ci_high": "95% CI high", "exits": "Dissolutions seen"},
                 top=None, caption="The cost effect: planted and estimated")


def planted_cost_sentence(planted: pd.DataFrame) -> Markdown:
    """Whether the logit recovers the planted cost effect, read from the intervals.

    >>> planted = pd.DataFrame({"estimate": [1.0, 1.17, 0.69], "ci_low": [np.nan, 1.04, 0.58], "ci_high": [np.nan, 1.30, 0.80],
    ...                         "p": [np.nan, 1e-70, 1e-35]}, index=["planted", "true_phases", "rule_phases"])
    >>> print(planted_cost_sentence(planted))
    The world was built with a cost effect of 1.00 (each extra contact per order multiplies the chance of dissolving by 2.72). Fitted on the true phases, the logit finds 1.17 (95% CI 1.04 to 1.30), above the planted value (the logit's odds run slightly above a probability multiplier); on the rules' phases 0.69 (95% CI 0.58 to 0.80), below the planted value. Both find the planted direction.
    """
    truth = float(planted.loc["planted", "estimate"])
    parts = []
    signs = []
    for name, what in (("true_phases", "Fitted on the true phases, the logit finds"), ("rule_phases", "on the rules' phases")):
        row = planted.loc[name]
        if row["ci_low"] <= truth <= row["ci_high"]:
            verdict = "an interval that covers the planted value"
        elif row["ci_low"] > truth:
            verdict = "above the planted value" + (" (the logit's odds run slightly above a probability multiplier)"
                                                   if name == "true_phases" and truth > 0 else "")
        else:
            verdict = "below the planted value"
        parts.append(f"{what} {number(row['estimate'], 2)} (95% CI {number(row['ci_low'], 2)} to "
                     f"{number(row['ci_high'], 2)}), {verdict}")
        signs.append(row["ci_low"] > 0 if truth > 0 else row["ci_high"] < 0 if truth < 0
                     else row["ci_low"] <= 0 <= row["ci_high"])
    found = {(True, True): "Both find the planted direction.", (False, False): "Neither finds the planted direction.",
             (True, False): "Only the fit on the true phases finds the planted direction.",
             (False, True): "Only the fit on the rules' phases finds the planted direction."}[tuple(signs)]
    if truth == 0:
        found = found.replace("find the planted direction", "find no effect, as planted").replace(
            "finds the planted direction", "finds no effect, as planted")
    return markdown("The world was built with a cost effect of {b} (each extra contact per order multiplies the "
                    "chance of dissolving by {m}). {fits}. {found}", b=number(truth, 2), m=number(np.exp(truth), 2),
                    fits=Markdown("; ".join(parts)), found=Markdown(found))


def initiator_table(initiators: pd.DataFrame, planted: Mapping[str, float] | None = None) -> Table:
    """Who ended the relationships (:func:`~crmlab.theories.lifecycle.dissolution_initiators`), with the planted
    probabilities beside the shares when the world is synthetic."""
    frame = initiators[["initiator", "kind", "dissolutions", "share"]].copy()
    if planted:
        frame["planted_share"] = frame["initiator"].map(dict(planted))
    return table(frame, integer=["dissolutions"], percent=["share"] + (["planted_share"] if planted else []),
                 labels={"initiator": "Ended by", "kind": "Dissolution", "planted_share": "Planted probability"},
                 top=None, caption="Who ended the relationships")


def initiator_sentence(initiators: pd.DataFrame) -> Markdown:
    """The share of unilateral and bilateral dissolutions, and who ends most.

    >>> table = pd.DataFrame({"initiator": ["customer", "firm", "both"], "dissolutions": [402, 188, 110],
    ...                       "kind": ["unilateral", "unilateral", "bilateral"], "share": [0.574, 0.269, 0.157]})
    >>> print(initiator_sentence(table))
    Of 700 recorded dissolutions, 590 (84.3%) were unilateral and 110 (15.7%) bilateral; the customer ended the most (57.4%).
    """
    total = int(initiators["dissolutions"].sum())
    if total == 0:
        return markdown("No dissolution was recorded with its initiator.")
    uni = int(initiators.loc[initiators["kind"] == "unilateral", "dissolutions"].sum())
    by = initiators.set_index("initiator")["dissolutions"]
    subject = {"customer": "the customer", "firm": "the firm", "both": "both sides together"}
    most = [subject.get(w, str(w)) for w in by.index[by == by.max()]]
    return markdown("Of {n} recorded dissolutions, {u} were unilateral and {b} bilateral; {who} {verb} the most ({top}).",
                    n=integer(total), u=_count_share(uni, total), b=_count_share(total - uni, total),
                    who=join_list(most), verb=Markdown("ended" if len(most) == 1 else "each ended"),
                    top=percent(by.max() / total))


def no_truth_note() -> Markdown:
    """What the page says where the data hold no true phase: the rules cannot be checked, and no error rate is claimed.

    >>> print(no_truth_note())
    These data hold no true phase of any customer-period, so the rules cannot be checked against one here, and the page claims no rate of false alarms or of dissolutions read late.
    """
    return markdown("These data hold no true phase of any customer-period, so the rules cannot be checked against one "
                    "here, and the page claims no rate of false alarms or of dissolutions read late.")


def recovery_sentence(recovery: pd.DataFrame) -> Markdown:
    """How well the rules recover the planted phases (:func:`~crmlab.theories.lifecycle.phase_recovery`).

    >>> recovery = pd.DataFrame([[0.78, 0.13, 0.0], [0.34, 0.66, 0.0], [0.04, 0.33, 0.63]],
    ...                         index=["exploration", "expansion", "commitment"], columns=["exploration", "expansion", "commitment"])
    >>> recovery.attrs.update(agreement=0.75, periods=24000)
    >>> print(recovery_sentence(recovery))
    The rules give the planted phase in 75.0% of 24,000 customer-periods. Best recovered: exploration (78.0% of its periods); least: commitment (63.0%), read most often as expansion (33.0%).
    """
    diagonal = pd.Series({p: float(recovery.loc[p, p]) if p in recovery.columns else 0.0 for p in recovery.index})
    best, worst = diagonal.idxmax(), diagonal.idxmin()
    wrong = recovery.loc[worst].drop(worst, errors="ignore").astype(float)
    instead = f", read most often as {wrong.idxmax()} ({percent(wrong.max())})" if len(wrong) and wrong.max() > 0 else ""
    return markdown("The rules give the planted phase in {a} of {n} customer-periods. Best recovered: {b} ({bv} of its "
                    "periods); least: {w} ({wv}){instead}.", a=percent(recovery.attrs["agreement"]),
                    n=integer(recovery.attrs["periods"]), b=best, bv=percent(diagonal[best]), w=worst,
                    wv=percent(diagonal[worst]), instead=instead)


def reading_the_phases(reach: pd.DataFrame, spells: pd.DataFrame, survival: pd.DataFrame, what_if: pd.DataFrame,
                       logit: Any, *, reduction: float, unit: str = "$", period: str = "period",
                       min_silence: int = 3, dissolution_factor: float = 3.0, alpha: float = ALPHA,
                       recovery: pd.DataFrame | None = None, median_gap: float | None = None) -> Markdown:
    """The closing bullets of the phase report, each stating only what its frame shows.

    - how far relationships got (:func:`~crmlab.theories.lifecycle.phase_reach`);
    - commitment: its share of customer-periods, how long its spells last
      against the other active phases (:func:`~crmlab.theories.lifecycle.time_in_phase`),
      how many of its entrants stay undissolved
      (:func:`~crmlab.theories.lifecycle.phase_survival`) and what a customer
      in it is worth (:func:`~crmlab.theories.lifecycle.lower_cost_to_serve`), each ranked;
    - how dissolution is read, in the rule's own thresholds (``min_silence``,
      ``dissolution_factor``: the parameters of :func:`~crmlab.theories.lifecycle.relationship_phases`;
      with ``median_gap``, the population median gap of
      :func:`~crmlab.theories.lifecycle.dissolution_entries`, also for customers with one purchase),
      and — only where the true phases are known (``recovery``, the table of
      :func:`~crmlab.theories.lifecycle.phase_recovery` on a synthetic world) —
      how often the rules read an active period as dissolution and a dissolved
      one as active (:func:`dissolution_reading_sentence`);
    - the cost to serve: the logit's sign and p-value, and the what-if's
      direction.
    """
    bullets = [_reach_bullet(reach), _commitment_bullet(spells, survival, what_if, unit, period),
               dissolution_reading_sentence(recovery, min_silence=min_silence, dissolution_factor=dissolution_factor,
                                            period=period, median_gap=median_gap),
               _cost_bullet(what_if, logit, reduction, unit, alpha)]
    return Markdown("\n".join(f"* {b.text}" for b in bullets), "\n".join(f"* {b.plain}" for b in bullets))


def dissolution_reading_sentence(recovery: pd.DataFrame | None, *, min_silence: int = 3,
                                 dissolution_factor: float = 3.0, period: str = "period",
                                 median_gap: float | None = None) -> Markdown:
    """How the rules read dissolution, and — where the true phases are known — what that costs, counted.

    The silence rule of :func:`~crmlab.theories.lifecycle.relationship_phases`
    waits for a silence of at least ``min_silence`` periods and
    ``dissolution_factor`` times the customer's mean gap. Against the planted
    phases of a synthetic world (``recovery``, row shares of
    :func:`~crmlab.theories.lifecycle.phase_recovery`) its two errors are
    counted: false alarms (customer-periods of a planted active phase the rules
    read as dissolution) and dissolutions read late or not at all (planted
    dissolution periods the rules read as another phase). Real data have no
    true phase, so with ``recovery=None`` no rate of either error is claimed.
    With ``median_gap`` (``attrs["median_gap"]`` of
    :func:`~crmlab.theories.lifecycle.dissolution_entries`) the sentence also
    says what the rule does for a customer with one purchase so far.

    >>> recovery = pd.DataFrame([[0.776, 0.128, 0.0, 0.096], [0.336, 0.664, 0.0, 0.0], [0.044, 0.327, 0.63, 0.0],
    ...                          [0.095, 0.073, 0.035, 0.798]], index=["exploration", "expansion", "commitment", "dissolution"],
    ...                         columns=["exploration", "expansion", "commitment", "dissolution"])
    >>> print(dissolution_reading_sentence(recovery, period="month").plain)
    Dissolution is read only after a silence long enough to be unusual for that customer: at least 3 months and 3 times the customer's mean gap between purchases. Against the planted phases, the rules read 9.6% of exploration's customer-months, 0.0% of expansion's and 0.0% of commitment's as dissolution (false alarms), and 20.2% of the planted dissolution months as another phase (a dissolution read late, or not at all).
    >>> print(dissolution_reading_sentence(None, period="month").plain)
    Dissolution is read only after a silence long enough to be unusual for that customer: at least 3 months and 3 times the customer's mean gap between purchases. Waiting for that silence reads a dissolution late; these data hold no true phases, so how late, and how often an active customer is wrongly read as gone, cannot be counted here.
    >>> print(dissolution_reading_sentence(None, period="month", median_gap=2.0).plain.split(". ")[0])
    Dissolution is read only after a silence long enough to be unusual for that customer: at least 3 months and 3 times the customer's mean gap between purchases; a customer with a single purchase so far has no gap of their own, so the rule takes the median gap between purchases of all customers (2 months) and reads them as dissolved after more than 6 months without a purchase
    """
    rule = markdown("Dissolution is read only after a silence long enough to be unusual {emph}: at least {m} {period}s "
                    "and {f} times the customer's mean gap between purchases{single}.",
                    emph=Markdown("*for that customer*", "for that customer"), m=integer(min_silence), period=period,
                    f=number(float(dissolution_factor)),
                    single="" if median_gap is None else "; " + _single_purchase_rule(
                        float(median_gap), min_silence=min_silence, dissolution_factor=dissolution_factor, period=period))
    if recovery is None:
        tail = markdown("Waiting for that silence reads a dissolution late; these data hold no true phases, so how "
                        "late, and how often an active customer is wrongly read as gone, cannot be counted here.")
    else:
        read_as = recovery.get("dissolution", pd.Series(0.0, index=recovery.index)).astype(float)
        active = [p for p in _ACTIVE if p in recovery.index]
        alarms = [f"{percent(read_as[p])} of {p}'s customer-{period}s" if k == 0 else f"{percent(read_as[p])} of {p}'s"
                  for k, p in enumerate(active)]
        text = f"Against the planted phases, the rules read {join_list(alarms)} as dissolution (false alarms)"
        if "dissolution" in recovery.index:
            text += (f", and {percent(1 - read_as['dissolution'])} of the planted dissolution {period}s as another "
                     "phase (a dissolution read late, or not at all)")
        tail = markdown("{t}.", t=text)
    return markdown("{rule} {tail}", rule=rule, tail=tail)


def _reach_bullet(reach: pd.DataFrame) -> Markdown:
    total, stuck, _ = _reach_counts(reach)
    beyond = total - stuck
    if 2 * stuck > total:
        return markdown("Most relationships never leave exploration: of {n} customers, {s} got no further. Turning "
                        "trials into expansion is where relationship marketing has most to win here.",
                        n=integer(total), s=_count_share(stuck, total))
    return markdown("Most relationships develop beyond exploration: of {n} customers, {b} reached expansion or "
                    "commitment and {s} got no further.", n=integer(total), b=_count_share(beyond, total),
                    s=_count_share(stuck, total))


def _commitment_bullet(spells: pd.DataFrame, survival: pd.DataFrame, what_if: pd.DataFrame, unit: str,
                       period: str) -> Markdown:
    shares = spells.set_index("phase")["share_of_periods"]
    if "commitment" not in shares.index:
        return markdown("No customer reached commitment, so the data say nothing about how long it lasts or what it "
                        "is worth.")
    active = shares.reindex(list(_ACTIVE)).dropna()
    rare, common = active.idxmin() == "commitment", active.idxmax() == "commitment"
    rarity = ("the rarest active phase" if rare else "the most common active phase" if common else
              "neither the rarest nor the most common active phase")
    means = spells.set_index("phase")["mean_periods"].reindex(list(_ACTIVE)).dropna()
    order = means.rank(ascending=False, method="min")
    longest, shortest = order["commitment"] == 1, order["commitment"] == len(means)
    if longest:
        spell = f"its spells are the longest of the active phases (mean {_periods(means['commitment'], period)})"
    elif shortest:
        spell = (f"its spells are the shortest of the active phases (mean {_periods(means['commitment'], period)}, "
                 f"against {_periods(means.max(), period)} in {means.idxmax()})")
    else:
        spell = (f"its spells are neither the longest nor the shortest of the active phases (mean "
                 f"{_periods(means['commitment'], period)}; {means.idxmax()} {_periods(means.max(), period)})")
    # rare and short (or common and long) agree; rare but long (or common but short) is a contrast
    joint = ("and" if (rare and shortest) or (common and longest) else
             "but" if (rare and longest) or (common and shortest) else ";")
    spell = f", {joint} {spell}" if joint != ";" else f"; {spell}"
    k, last = _common_horizon(survival, _ACTIVE + ("awareness",))
    if "commitment" in last.index:
        rank = last.rank(ascending=False, method="min")["commitment"]
        word = "the most" if rank == 1 else "the fewest" if rank == len(last) else "fewer than in " + last.idxmax()
        stay = (f"{percent(last['commitment'])} of those who enter it have not dissolved {integer(k)} {period}s later, "
                f"{word} of any phase" if rank in (1, len(last)) else
                f"{percent(last['commitment'])} of those who enter it have not dissolved {integer(k)} {period}s later, "
                f"{word} ({percent(last.max())})")
    else:
        stay = "its survival is not observed"
    values = what_if.set_index("phase")["clv_before"].dropna()
    if "commitment" in values.index:
        top = values.idxmax() == "commitment"
        worth = (f"a customer in it is worth {money(values['commitment'], unit)}, the most of any phase" if top else
                 f"a customer in it is worth {money(values['commitment'], unit)}, less than one in {values.idxmax()} "
                 f"({money(values.max(), unit)})")
    else:
        worth = "its value is not estimated"
    return markdown("Commitment holds {s} of customer-periods, {rarity}{spell}. {stay}; {worth}.",
                    s=percent(shares["commitment"]), rarity=rarity, spell=spell, stay=stay[0].upper() + stay[1:],
                    worth=worth)


def _cost_bullet(what_if: pd.DataFrame, logit: Any, reduction: float, unit: str, alpha: float) -> Markdown:
    slope, p = float(logit.params["cost_to_serve"]), float(logit.pvalues["cost_to_serve"])
    rows = what_if[what_if["phase"].isin(_ACTIVE)]
    fewer = bool((rows["p_dissolution_after"] < rows["p_dissolution_before"]).all())
    richer = bool((rows["clv_after"] > rows["clv_before"]).all())
    effect = Markdown(("lowering it by {r} lowers the probability of dissolution in every active phase" if fewer else
                       "lowering it by {r} does not lower the probability of dissolution in every active phase")
                      .format(r=percent(reduction, 0))
                      + (" and raises the value of a customer in each" if richer else
                         "; the value of a customer does not rise in every phase"))
    if p < alpha and slope > 0:
        return markdown("Customers who cost more to serve leave more often (logit slope {b}, p {p}); {effect} — Dwyer "
                        "et al.'s point made measurable. The logit is an association in the data, so the what-if is "
                        "as causal as the data allow.", b=number(slope, 3), p=Markdown(_p_phrase(p)), effect=effect)
    if p < alpha:
        return markdown("Here customers who cost more to serve leave *less* often (logit slope {b}, p {p}), against "
                        "Dwyer et al.'s expectation; {effect}. The logit is an association in the data, not a cause.",
                        b=number(slope, 3), p=Markdown(_p_phrase(p)), effect=effect)
    return markdown("The cost to serve does not predict dissolution in these data (logit slope {b}, p {p}); {effect}, "
                    "through the cost saved more than through relationships kept.", b=number(slope, 3),
                    p=Markdown(_p_phrase(p)), effect=effect)
