"""Generated sentences of the value and loyalty report: each one read off the frames it states.

Every function takes the frames the lab computes (the value survey's summary,
the touchpoint gaps, the CLV table, the budget plan, the retention simulation,
the satisfaction chain, the six-markets map) and returns the sentence that
states their result as :class:`~crmlab.display.Markdown`. The comparison
words ("falls furthest short", "higher", "mostly through") are chosen by the
numbers, so a sentence cannot contradict the table it sits under; when a
result turns the other way, so does the sentence.

>>> markets = pd.DataFrame({"relationship_score": [69.4, 36.2], "current_emphasis": [7.0, 3.5],
...                         "desired_emphasis": [7.0, 7.0], "emphasis_gap": [0.0, 3.5]}, index=["customer", "influence"])
>>> six_markets_sentence(markets)
Relationships are weakest in the influence market (score 36.2 of 100) and strongest in the customer market (69.4). Management wants to raise its emphasis most on the influence market (from 3.5 to 7.0 of 10), the market whose relationships are weakest.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from crmlab.display.labels import term_label
from crmlab.display.models import interval, odds_direction, odds_ratio_columns, odds_ratio_text
from crmlab.display.numbers import decimals_for, integer, money, number, p_value, percent
from crmlab.display.text import Markdown, join_list, markdown

__all__ = [
    "attribute_gap_sentence",
    "budget_sentence",
    "co_creation_sentence",
    "correlation_strength",
    "customer_value_sentence",
    "emphasis_decimals",
    "emphasis_now_and_wanted",
    "loyal_customers_sentence",
    "amount",
    "name",
    "retention_sentence",
    "satisfaction_chain_sentence",
    "signed",
    "six_markets_sentence",
    "touchpoint_gap_sentence",
    "win_back_sentence",
]

#: The significance level of the sentences' "significantly" (a 95% interval).
ALPHA = 0.05

_FRACTIONS = {0.5: "half", 0.25: "quarter", 0.2: "fifth", 0.1: "tenth"}

#: How strongly counts rank with a value, by :func:`correlation_strength`.
_RANK_WORDS = {"negligible": "only negligibly", "weak": "only weakly", "moderate": "moderately", "strong": "strongly"}


def name(value: Any) -> str:
    """A label of the data as a word in a sentence: ``call_centre`` → "call centre".

    >>> name("call_centre"), name("P0143")
    ('call centre', 'P0143')
    """
    return str(value).replace("_", " ")


def signed(value: float, digits: int | None = None) -> str:
    """A difference with its sign: "+0.366", "-0.896", "0".

    >>> signed(0.3661), signed(-0.8962), signed(0.0)
    ('+0.366', '-0.896', '0')
    """
    text = number(float(value), digits)
    return "+" + text if float(value) > 0 and text.strip("0.") else text


def amount(value: float, unit: str = "$") -> str:
    """An amount of money in a sentence: whole units from 1,000 on, cents below.

    >>> amount(29401.85), amount(132.381, "€"), amount(-2500.4, "EUR")
    ('$29,402', '€132.38', '-2,500 EUR')
    """
    return money(float(value), unit, 0 if abs(float(value)) >= 1000 else 2)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _sentence(template: str, **values: Any) -> Markdown:
    """A sentence that starts with a capital whatever value opens it."""
    made = markdown(template, **values)
    return Markdown(_capital(made.text), _capital(made.plain))


def attribute_gap_sentence(disconfirmation: pd.DataFrame, weights: pd.Series) -> Markdown:
    """Which attribute falls furthest short of expectations, and which weighs most in satisfaction.

    ``disconfirmation`` is :func:`crmlab.strategy.disconfirmation_summary` (per attribute: ``mean_gap``
    = perceived − expected, ``share_disappointed``, ``p`` of the gap's t test); ``weights`` the
    regression of satisfaction on the gaps, by attribute (:func:`crmlab.strategy.satisfaction_regression`'s
    slopes). An attribute falls short when its mean gap is negative at p < 0.05 (Oliver 1980,
    disconfirmation; Parasuraman, Zeithaml & Berry 1988, the SERVQUAL gap).

    >>> gaps = pd.DataFrame({"mean_gap": [-0.6, 0.3], "share_disappointed": [0.73, 0.35], "p": [0.0, 0.0]},
    ...                     index=["reliability", "tangibles"])
    >>> attribute_gap_sentence(gaps, pd.Series({"reliability": 0.45, "tangibles": 0.05}))
    Reliability falls furthest short of expectations (mean gap -0.600 scale points; 73.0% of customers disappointed) and also weighs most in satisfaction (0.450 points of satisfaction per point of gap): closing that gap pays most.
    """
    significant = disconfirmation["p"] < ALPHA
    short = disconfirmation[significant & (disconfirmation["mean_gap"] < 0)].sort_values("mean_gap")
    heaviest = weights.astype(float).idxmax()
    weight = markdown("{weight} points of satisfaction per point of gap", weight=number(float(weights[heaviest])))
    if short.empty:
        return _sentence("No attribute falls significantly short of expectations; {heaviest} weighs most in "
                         "satisfaction ({weight}).", heaviest=name(heaviest), weight=weight)
    worst = short.index[0]
    row = short.iloc[0]
    first = markdown("{worst} falls furthest short of expectations (mean gap {gap} scale points; {share} of customers "
                     "disappointed)", worst=name(worst), gap=number(float(row["mean_gap"])),
                     share=percent(float(row["share_disappointed"])))
    others = [markdown("{a} ({gap})", a=name(a), gap=number(float(g))) for a, g in short["mean_gap"].iloc[1:].items()]
    listed = Markdown(_capital(join_list(o.text for o in others)), _capital(join_list(o.plain for o in others)))
    rest = markdown(" {others} also fall{s} short.", others=listed, s="" if len(others) > 1 else "s") if others else Markdown("")
    if heaviest == worst:
        return _sentence("{first} and also weighs most in satisfaction ({weight}): closing that gap pays most.{rest}",
                         first=first, weight=weight, rest=rest)
    return _sentence("{first}; {heaviest} weighs most in satisfaction ({weight}).{rest}", first=first,
                     heaviest=name(heaviest), weight=weight, rest=rest)


def touchpoint_gap_sentence(gaps: pd.DataFrame) -> Markdown:
    """Which touchpoints fall short of expectations and which exceed them, by their 95% intervals.

    ``gaps`` is :func:`crmlab.strategy.touchpoint_value_gaps` (per touchpoint: ``value_gap`` =
    perceived − expected value, ``ci_low``, ``ci_high``). A touchpoint falls short when its whole
    interval is below 0, exceeds expectations when it is above 0.

    >>> gaps = pd.DataFrame({"value_gap": [-0.9, 0.37, 0.02], "ci_low": [-0.92, 0.34, -0.01], "ci_high": [-0.87, 0.39, 0.05]},
    ...                     index=["call_centre", "store", "app"])
    >>> touchpoint_gap_sentence(gaps)
    1 of the 3 touchpoints falls short of expectations: the call centre (-0.900 points). The store exceeds them most (+0.370).
    """
    short = gaps[gaps["ci_high"] < 0].sort_values("value_gap")
    above = gaps[gaps["ci_low"] > 0].sort_values("value_gap", ascending=False)
    if short.empty:
        first = markdown("None of the {n} touchpoints falls short of expectations.", n=integer(len(gaps)))
    else:
        listed = join_list(f"the {name(t)} ({number(float(g))}{' points' if k == 0 else ''})"
                           for k, (t, g) in enumerate(short["value_gap"].items()))
        first = markdown("{k} of the {n} touchpoints fall{s} short of expectations: {listed}.", k=integer(len(short)),
                         n=integer(len(gaps)), s="s" if len(short) == 1 else "", listed=listed)
    if above.empty:
        return _sentence("{first} None exceeds them.", first=first)
    return _sentence("{first} The {best} exceeds them most ({gap}).", first=first, best=name(above.index[0]),
                     gap=signed(float(above["value_gap"].iloc[0])))


def customer_value_sentence(clv: pd.Series, probability_alive: pd.Series, *, unit: str = "$",
                            truly_alive: float | None = None) -> Markdown:
    """The customers' CLV, mean against median, and their mean P(alive) (beside the share truly alive, when known).

    A mean well above the median (more than 1.2 times) says a few customers of high value pull it
    up: the distribution of CLV is skewed to the right, as it is in most customer bases (Fader, Hardie &
    Lee 2005).

    >>> customer_value_sentence(pd.Series([10.0, 20.0, 30.0, 300.0]), pd.Series([0.5, 0.9, 0.8, 0.6]), truly_alive=0.75)
    The mean CLV ($90.00) is 3.6 times the median ($25.00): a few customers of high value pull the mean up. The model gives a mean P(alive) of 70.0% (truly alive at the end: 75.0%).
    """
    mean, median = float(clv.mean()), float(clv.median())
    alive = markdown("The model gives a mean P(alive) of {p}", p=percent(float(probability_alive.mean())))
    if truly_alive is not None:
        alive = markdown("{alive} (truly alive at the end: {truth})", alive=alive, truth=percent(float(truly_alive)))
    if median > 0 and mean > 1.2 * median:
        first = markdown("The mean CLV ({mean}) is {ratio} times the median ({median}): a few customers of high value "
                         "pull the mean up.", mean=amount(mean, unit), median=amount(median, unit), ratio=number(mean / median, 1))
    else:
        first = markdown("The mean CLV ({mean}) is close to the median ({median}): value is spread evenly over the "
                         "customers.", mean=amount(mean, unit), median=amount(median, unit))
    return markdown("{first} {alive}.", first=first, alive=alive)


def correlation_strength(rho: float) -> str:
    """Cohen's (1988) words for the size of a correlation: negligible (|ρ| < 0.1), weak (< 0.3), moderate (< 0.5), strong.

    >>> [correlation_strength(r) for r in (0.05, -0.2, 0.4, 0.8)]
    ['negligible', 'weak', 'moderate', 'strong']
    """
    size = abs(float(rho))
    return "negligible" if size < 0.1 else "weak" if size < 0.3 else "moderate" if size < 0.5 else "strong"


def _p_range(p: pd.Series) -> str:
    """P-values as a phrase: "p = 0.043", "p < 0.001", "p from 0.119 to 0.285"."""
    low, high = p_value(float(p.min())), p_value(float(p.max()))
    def one(text: str) -> str:
        return f"p {text}" if text.startswith("<") else f"p = {text}"
    return one(low) if low == high else f"p from {low.replace('< ', 'below ')} to {high}"


def _activity(term: Any) -> str:
    """The activity a slope of the co-creation regression belongs to: ``np.log1p(referrals)`` → ``referrals``."""
    text = str(term)
    return text[len("np.log1p("):-1] if text.startswith("np.log1p(") and text.endswith(")") else text


def co_creation_sentence(association: pd.DataFrame, slopes: pd.DataFrame | None = None, *,
                         clv: pd.Series | None = None) -> Markdown:
    """Whether co-creators are worth more than other customers, as the tests say: the rank correlations of
    each activity's count with CLV, and the slopes of the regression that holds the other activities fixed.

    ``association`` is :func:`crmlab.strategy.co_creation_clv_association`'s table (per activity:
    ``clv_ratio`` = mean CLV of co-creators / of the others, ``spearman_rho`` and its ``p``);
    ``slopes`` the regression it returns, as a frame of ``slope`` and ``p`` by term (log(1 + CLV) on
    log(1 + count) of every activity, the intercept left out); ``clv`` the customers' CLV, whose
    skew (mean against median) says how far a ratio of means can be trusted. The ratio of means is
    stated as a description only: a customer is said to be worth more only where a regression slope
    is positive at p < 0.05, or, without ``slopes``, where the rank correlation is positive at
    p < 0.05 and not negligible (Cohen 1988). Association, not causation (Kumar et al. 2010).

    >>> table = pd.DataFrame({"clv_ratio": [1.26, 1.59], "spearman_rho": [0.037, 0.059], "p": [0.043, 0.001]},
    ...                      index=["ideas", "referrals"])
    >>> slopes = pd.DataFrame({"slope": [3.9, 0.10, 0.11], "p": [0.0, 0.285, 0.119]},
    ...                       index=["Intercept", "np.log1p(ideas)", "np.log1p(referrals)"])
    >>> co_creation_sentence(table, slopes, clv=pd.Series([10.0, 20.0, 30.0, 300.0]))
    The mean CLV of co-creators is 1.26 (ideas) to 1.59 times (referrals) that of the others, but a few customers of high value move these means (the mean CLV is 3.6 times the median). The counts rank with CLV only negligibly (Spearman ρ from 0.037 to 0.059), and with every activity in one regression no slope is significant (p from 0.119 to 0.285): co-creation is no sign of a more valuable customer here.
    """
    ratios = association["clv_ratio"].dropna().sort_values()
    if ratios.empty:
        first = Markdown("")
    elif len(ratios) == 1:
        first = markdown("The mean CLV of co-creators ({a}) is {r} times that of the others", a=name(ratios.index[0]),
                         r=number(float(ratios.iloc[0]), 2))
    else:
        first = markdown("The mean CLV of co-creators is {low} ({a}) to {high} times ({b}) that of the others",
                         low=number(float(ratios.iloc[0]), 2), a=name(ratios.index[0]),
                         high=number(float(ratios.iloc[-1]), 2), b=name(ratios.index[-1]))
    if not ratios.empty and clv is not None:
        mean, median = float(clv.mean()), float(clv.median())
        if median > 0 and mean > 1.2 * median:
            first = markdown("{first}, but a few customers of high value move these means (the mean CLV is {ratio} "
                             "times the median)", first=first, ratio=number(mean / median, 1))
    first = markdown("{first}. ", first=first) if not ratios.empty else first

    rho = association["spearman_rho"].dropna()
    strength = correlation_strength(rho.abs().max()) if not rho.empty else "negligible"
    rho_p = association["p"].reindex(rho.index) if "p" in association.columns else pd.Series(np.nan, index=rho.index)
    values = (f"from {number(float(rho.min()), 3)} to {number(float(rho.max()), 3)}" if len(rho) > 1
              else f"= {number(float(rho.iloc[0]), 3)}" if len(rho) else "not defined")
    ranks = markdown("The counts rank with CLV {how} (Spearman ρ {values})", values=values,
                     how=_RANK_WORDS[strength])
    # Worth more where a test says so: a significant slope, or (no regression) a significant, non-negligible ρ.
    if slopes is not None:
        fit = slopes.drop(index=[t for t in slopes.index if str(t) == "Intercept"]).rename(index=_activity)
        significant = fit[fit["p"] < ALPHA]
        if significant.empty:
            tested = markdown(", and with every activity in one regression no slope is significant ({p})",
                              p=_p_range(fit["p"]))
        else:
            tested = markdown(", and with every activity in one regression {said}, the others held fixed",
                              said=join_list(f"{name(a)} goes with a {'higher' if r['slope'] > 0 else 'lower'} CLV "
                                             f"(slope {number(float(r['slope']), 3)}, {_p_range(pd.Series([r['p']]))})"
                                             for a, r in significant.sort_values("p").iterrows()))
        more = significant.index[significant["slope"] > 0]
        less = significant.index[significant["slope"] < 0]
    else:
        tested = Markdown("")
        clear = (rho_p < ALPHA) & (rho.abs() >= 0.1)
        more, less = rho.index[clear & (rho > 0)], rho.index[clear & (rho < 0)]
    if len(more) or len(less):
        said = [f"through {join_list(map(name, group))} are worth {word}" for group, word in ((more, "more"), (less, "less"))
                if len(group)]
        verdict = "customers who co-create " + " and those who co-create ".join(said)
    elif slopes is None and rho_p.isna().all():
        verdict = "without a test of them, no customer is said to be worth more for co-creating"
    elif slopes is not None and strength not in ("negligible", "weak") and (rho_p < ALPHA).any():
        verdict = "co-creators rank higher in value, but no one activity stands out once the others are held fixed"
    else:
        verdict = "co-creation is no sign of a more valuable customer here"
    return markdown("{first}{ranks}{tested}: {verdict}.", first=first, ranks=ranks, tested=tested, verdict=verdict)


def loyal_customers_sentence(loyal: pd.DataFrame, *, top_share: float = 0.2, clv: pd.Series | None = None,
                             engagement: tuple[float, float] | None = None) -> Markdown:
    """The share of the loyalty value the most loyal customers hold, how many of them the CLV alone would pick,
    and (a synthetic world) whether they are the engaged ones.

    ``loyal`` is :func:`crmlab.strategy.most_loyal_customers` (all customers, most loyal first, with
    ``cumulative_share``; loyalty value = CLV × P(alive) × share of wallet); ``clv`` the customers'
    CLV (the top by CLV is compared with the top by loyalty value: an overlap of three quarters or
    more says the ranking mostly follows CLV, of half or more in part, below half not mostly);
    ``engagement`` the true mean engagement of the top and of the rest.

    >>> loyal = pd.DataFrame({"cumulative_share": [0.3, 0.55, 0.75, 0.9, 1.0]}, index=list("abcde"))
    >>> loyal_customers_sentence(loyal, top_share=0.4, clv=pd.Series({"a": 50.0, "b": 10.0, "c": 90.0, "d": 5.0, "e": 1.0}),
    ...                          engagement=(0.64, -0.18))
    The most loyal 40.0% of the customers (2 of 5) hold 55.0% of the loyalty value; 1 of them is also among the 2 with the highest CLV (50.0%): the ranking follows CLV in part, and P(alive) and share of wallet bring in the other 1. Their true engagement is higher than the rest's (mean 0.64 against -0.18): the ranking finds the engaged customers.
    """
    n = len(loyal)
    k = max(int(np.floor(top_share * n)), 1)
    held = float(loyal["cumulative_share"].iloc[k - 1])
    part = _FRACTIONS.get(top_share)
    who = f"most loyal {part} of the customers" if part else f"most loyal {percent(top_share)} of the customers"
    first = markdown("The {who} ({k} of {n}) {hold} {held} of the loyalty value", who=who, k=integer(k), n=integer(n),
                     hold="holds" if part else "hold", held=percent(held))
    if clv is not None:
        by_value = set(clv.sort_values(ascending=False, kind="stable").index[:k])
        both = len(by_value & set(loyal.index[:k]))
        if both == k:
            first = markdown("{first}; they are exactly the {k} customers with the highest CLV", first=first, k=integer(k))
        else:
            overlap = both / k
            how = ("mostly follows CLV" if overlap >= 0.75 else "follows CLV in part" if overlap >= 0.5
                   else "is not mostly by CLV")
            first = markdown("{first}; {both} of them {is_} also among the {k} with the highest CLV ({overlap}): the "
                             "ranking {how}, and P(alive) and share of wallet bring in the other {rest}", first=first,
                             both=integer(both), is_="is" if both == 1 else "are", k=integer(k), overlap=percent(overlap),
                             how=how, rest=integer(k - both))
    first = markdown("{first}.", first=first)
    if engagement is None:
        return first
    top, rest = (float(v) for v in engagement)
    verdict = ("higher than the rest's", "finds") if top > rest else ("not higher than the rest's", "misses")
    second = markdown("Their true engagement is {higher} (mean {top} against {rest}): the ranking {finds} the engaged "
                      "customers.", higher=verdict[0], top=number(top, 2), rest=number(rest, 2), finds=verdict[1])
    return markdown("{first} {second}", first=first, second=second)


def win_back_sentence(summary: pd.DataFrame, probabilities: pd.Series, *, labels: Mapping[str, str] | None = None,
                      true_probability: float | None = None) -> Markdown:
    """How the odds of winning back a lapsed customer move with their history, and how many the model expects back.

    ``summary`` is :class:`crmlab.strategy.WinBackModel`'s odds-ratio table; a term's direction is
    read from its 95% interval (:func:`~crmlab.display.models.odds_direction`); ``probabilities``
    the predicted win-back probability of each lapsed customer; ``true_probability`` their true mean
    (a synthetic world). Thomas, Blattberg & Fox (2004) model reacquisition this way.

    >>> summary = pd.DataFrame({"coef": [0.4, 0.5, -0.05], "se": [0.3, 0.1, 0.005], "p": [0.2, 0.0, 0.0],
    ...     "odds_ratio": [1.45, 1.64, 0.953], "or_ci_low": [0.8, 1.32, 0.945], "or_ci_high": [2.6, 2.03, 0.962]},
    ...     index=["Intercept", "np.log1p(frequency)", "time_since_last"])
    >>> win_back_sentence(summary, pd.Series([0.1, 0.2]), labels={"time_since_last": "weeks since the last purchase"})
    The odds of coming back rise with log(1 + frequency) (odds ratio 1.64, 95% CI 1.32 to 2.03) and fall with weeks since the last purchase (odds ratio 0.953, 95% CI 0.945 to 0.962). The model expects 15.0% of the 2 lapsed customers to come back.
    """
    data = odds_ratio_columns(summary).drop(index=[t for t in summary.index if str(t) == "Intercept"])
    moves = {"up": [], "down": [], "unclear": []}
    for term, row in data.iterrows():
        text = odds_ratio_text(row["odds_ratio"], row["ci_low"], row["ci_high"]).replace(" (95% CI", ", 95% CI")[:-1]
        moves[odds_direction(row["ci_low"], row["ci_high"])].append(f"{term_label(term, labels)} (odds ratio {text})")
    parts = [f"{verb} {join_list(moves[key])}" for key, verb in
             (("up", "rise with"), ("down", "fall with"), ("unclear", "show no clear change with")) if moves[key]]
    first = markdown("The odds of coming back {parts}.", parts=join_list(parts)) if parts else Markdown("")
    expected = markdown("The model expects {share} of the {n} lapsed customers to come back", share=percent(float(probabilities.mean())),
                        n=integer(len(probabilities)))
    if true_probability is not None:
        expected = markdown("{expected} (true mean probability: {truth})", expected=expected,
                            truth=percent(float(true_probability)))
    return markdown("{first} {expected}.", first=first, expected=expected)


def budget_sentence(plan: Any, *, unit: str = "$") -> Markdown:
    """What the optimal loyalty budget buys, where it goes, what the optimum equalises, and why the unfunded
    actions get nothing.

    ``plan`` is :func:`crmlab.strategy.allocate_budget`'s result (its ``table`` per segment × action
    with ``spend``, ``incremental_clv``, ``marginal_return``; ``by_action()``, ``by_segment()``,
    ``budget``, ``objective``). ROI = (incremental CLV − spend) / spend (Rust, Lemon & Zeithaml
    2004). At the optimum every funded segment × action returns the same on its last unit of money
    (the KKT condition f′ᵢ(sᵢ) = 1 + λ; Berger & Nasr-Bechwati 2001): when that return is above the
    unit's cost the whole budget is spent (λ > 0), otherwise the rest is kept; an action gets
    nothing when its first unit returns less than the funded ones do on their last. Each of these
    is read from the plan's numbers: the share of the leading action that its largest segment
    gets, the share of all the spend the leading segment gets, the return on the last unit, the
    money left.

    >>> from crmlab.strategy import allocate_budget
    >>> curves = pd.DataFrame({"segment": ["core", "lapsed"], "action": ["retention", "win_back"],
    ...                        "ceiling": [5000.0, 100.0], "rate": [0.01, 0.005]})
    >>> budget_sentence(allocate_budget(curves, 100.0))
    The plan spends $100.00 of the $100.00 budget on 1 of the 2 actions and buys $3,161 of incremental CLV, a return of 3,060.6% on the money spent. Retention gets all of it, all in the core segment. Its last unit of money returns 18.4, more than the unit costs, so the whole budget is spent. Win back gets nothing: its first unit of money would return 0.500, less than it costs.
    """
    spent, budget = plan.total_spend, float(plan.budget)
    by_action = plan.by_action()
    if spent <= 0:
        return markdown("The plan spends nothing of the {budget} budget: no action returns more than it costs.",
                        budget=amount(budget, unit))
    table = plan.table
    funded = by_action[by_action["spend"] > 0].sort_values("spend", ascending=False)
    actions = f"all {integer(len(by_action))}" if len(funded) == len(by_action) else f"{integer(len(funded))} of the {integer(len(by_action))}"
    first = markdown("The plan spends {spent} of the {budget} budget on {actions} actions and buys {gain} of "
                     "incremental CLV, a return of {roi} on the money spent.", spent=amount(spent, unit),
                     budget=amount(budget, unit), actions=actions,
                     gain=amount(plan.total_incremental_clv, unit), roi=percent(plan.roi))

    # Where the money goes: the leading action, how its money splits over segments, then the segments overall.
    top = funded.iloc[0]
    best = funded.sort_values("roi", ascending=False).iloc[0]
    share = float(top["spend"]) / spent
    inside = table[(table["action"] == top["action"]) & (table["spend"] > 0)].sort_values("spend", ascending=False)
    segments = plan.by_segment().sort_values("spend", ascending=False)
    segments = segments[segments["spend"] > 0]
    if len(inside) == 1:
        split = markdown("all in the {segment} segment", segment=name(inside["segment"].iloc[0]))
    else:
        split = markdown("{share} of it in the {segment} segment", segment=name(inside["segment"].iloc[0]),
                         share=percent(float(inside["spend"].iloc[0]) / float(top["spend"])))
    if share > 1 - 1e-9:
        second = markdown("{action} gets all of it, {split}", action=_capital(name(top["action"])), split=split)
    else:
        second = markdown("{action} gets the most ({spend}, {share} of the spend; {split})",
                          action=_capital(name(top["action"])), spend=amount(float(top["spend"]), unit),
                          share=percent(share), split=split)
    if best["action"] != top["action"]:
        second = markdown("{second}; {best} returns the most per unit of money (ROI {roi})", second=second,
                          best=name(best["action"]), roi=percent(float(best["roi"])))
    elif len(funded) > 1:
        second = markdown("{second} and returns the most per unit of money (ROI {roi})", second=second,
                          roi=percent(float(best["roi"])))
    second = markdown("{second}.", second=second)
    if len(segments) > 1:
        second = markdown("{second} By segment, the {segment} segment gets the most: {spend}, {share} of the spend.",
                          second=second, segment=name(segments["segment"].iloc[0]),
                          spend=amount(float(segments["spend"].iloc[0]), unit),
                          share=percent(float(segments["spend"].iloc[0]) / spent))

    # The optimum: the return on the last unit of every funded pair, against the unit's cost and the money left.
    last = table.loc[table["spend"] > 0, "marginal_return"].astype(float)
    n_pairs = int((table["spend"] > 0).sum())
    same = float(last.max() - last.min()) <= 0.01 * max(abs(float(last.mean())), 1.0)
    level = number(float(last.mean())) if same else f"from {number(float(last.min()))} to {number(float(last.max()))}"
    if n_pairs == 1:
        who = markdown("Its last unit of money returns {level}", level=level)
    else:
        who = markdown("Each of the {n} funded segment × action pairs returns {same}{level} on its last unit of money",
                       n=integer(n_pairs), same="the same " if same else "", level=level)
    left = budget - spent
    net = plan.objective == "net"
    if left > 1e-6 * max(budget, 1.0):
        third = markdown("{who}, no more than the unit costs, so {left} of the budget stays unspent.", who=who,
                         left=amount(left, unit))
    elif net and float(last.min()) > 1:
        third = markdown("{who}, more than the unit costs, so the whole budget is spent.", who=who)
    else:
        third = markdown("{who}, and the whole budget is spent.", who=who)
    unfunded = [a for a in by_action["action"] if a not in set(funded["action"])]
    if not unfunded:
        return markdown("{first} {second} {third}", first=first, second=second, third=third)
    first_unit = float(table[table["action"].isin(unfunded)].groupby("action", sort=False)["marginal_return"].max().max())
    digits = decimals_for([first_unit, float(last.min())])  # 3.00 beside 4.62, not 3
    if net and first_unit <= 1:
        why = markdown("less than it costs")
        digits = None
    elif net:
        why = markdown("more than it costs but less than the {last} the funded pairs return on their last",
                       last=number(float(last.min()), digits))
    else:
        why = markdown("less than the {last} the funded pairs return on their last", last=number(float(last.min()), digits))
    fourth = markdown("{actions} {get} nothing: {its} first unit of money would return {first_unit}, {why}.",
                      actions=_capital(join_list(map(name, unfunded))), get="gets" if len(unfunded) == 1 else "get",
                      its="its" if len(unfunded) == 1 else "their best", first_unit=number(first_unit, digits), why=why)
    return markdown("{first} {second} {third} {fourth}", first=first, second=second, third=third, fourth=fourth)


def retention_sentence(simulation: pd.DataFrame, *, unit: str = "$") -> Markdown:
    """Which retention strategy, proactive or reactive, gives the higher net value, whether it also saves more
    customers, and whether the closed-form expectations agree with the simulation.

    ``simulation`` is :func:`crmlab.strategy.simulate_retention_strategies` (per ``strategy``: ``saved``,
    ``net_value``, ``expected_net_value`` and, when given, ``cost``: then what each strategy spends,
    in all and per customer saved, is compared too). Ascarza, Iyengar & Schleicher (2016) contrast both.

    >>> sims = pd.DataFrame({"strategy": ["none", "proactive", "reactive"], "saved": [0.0, 14.7, 24.7],
    ...     "net_value": [0.0, 2316.1, 4281.7], "expected_net_value": [0.0, 2310.6, 4262.1]})
    >>> retention_sentence(sims)
    Reactive retention gives the higher net value per period ($4,282 against $2,316 for proactive retention) and saves more customers (24.7 against 14.7). The closed-form expectations rank them the same way; the simulated net values are within 0.5% of them.
    """
    data = simulation.set_index("strategy").drop(index="none", errors="ignore")
    ranked = data.sort_values("net_value", ascending=False)
    win, lose = ranked.index[0], ranked.index[1]
    w, l_ = ranked.iloc[0], ranked.iloc[1]
    if w["net_value"] <= 0:
        first = markdown("Neither strategy pays: {win} retention loses the least ({wv} net per period, against {lv} for "
                         "{lose} retention)", win=name(win), wv=amount(float(w["net_value"]), unit),
                         lv=amount(float(l_["net_value"]), unit), lose=name(lose))
    else:
        first = markdown("{win} retention gives the higher net value per period ({wv} against {lv} for {lose} retention)",
                         win=_capital(name(win)), wv=amount(float(w["net_value"]), unit),
                         lv=amount(float(l_["net_value"]), unit), lose=name(lose))
    if w["saved"] > l_["saved"]:
        saved = "saves more customers"
    elif w["saved"] < l_["saved"]:
        saved = "saves fewer customers"
    else:
        saved = "saves as many customers"
    joint = "and" if w["saved"] >= l_["saved"] else "but"
    first = markdown("{first} {joint} {saved} ({ws} against {ls}).", first=first, joint=joint, saved=saved,
                     ws=number(float(w["saved"]), 1), ls=number(float(l_["saved"]), 1))
    if "cost" in data.columns:
        first = markdown("{first} {cost}", first=first, cost=_retention_cost(w, l_, name(lose), unit))
    expected = data["expected_net_value"]
    same = expected.idxmax() == win
    gap = float((data["net_value"] / expected.where(expected != 0) - 1).abs().max())
    if same:
        second = markdown("The closed-form expectations rank them the same way; the simulated net values are within {gap} "
                          "of them.", gap=percent(gap))
    else:
        second = markdown("The closed-form expectations rank them the other way ({w} {wv} against {lv}): the simulation "
                          "cannot tell the two apart.", w=name(win), wv=amount(float(expected[win]), unit),
                          lv=amount(float(expected[lose]), unit))
    return markdown("{first} {second}", first=first, second=second)


def _retention_cost(win: pd.Series, lose: pd.Series, other: str, unit: str) -> Markdown:
    """What the strategy with the higher net value spends against the other, in all and per customer saved."""
    wc, lc = float(win["cost"]), float(lose["cost"])
    total = "costs more" if wc > lc else "costs less" if wc < lc else "costs as much"
    first = markdown("It {total} per period ({wc} against {lc} for {other} retention)", total=total,
                     wc=amount(wc, unit), lc=amount(lc, unit), other=other)
    if float(win["saved"]) <= 0 or float(lose["saved"]) <= 0:
        return markdown("{first}.", first=first)
    wp, lp = wc / float(win["saved"]), lc / float(lose["saved"])
    per = "more" if wp > lp else "less" if wp < lp else "as much"
    joint = "and" if (wc > lc) == (wp > lp) or wc == lc or wp == lp else "but"
    return markdown("{first} {joint} {per} per customer saved ({wp} against {lp}).", first=first, joint=joint, per=per,
                    wp=amount(wp, unit), lp=amount(lp, unit))


#: The rows of :attr:`crmlab.theories.stakeholders.SatisfactionChain.summary`, in order.
_CHAIN_ROWS = ("a", "b", "direct", "indirect", "total", "proportion")


def satisfaction_chain_sentence(effects: pd.DataFrame, indirect: pd.DataFrame, *,
                                true_proportion: float | None = None) -> Markdown:
    """The satisfaction → retention → profit chain: the direction of each path, and how much of satisfaction's
    effect on profit runs through retention (the indirect effect, with its bootstrap interval).

    ``effects`` is :attr:`crmlab.theories.stakeholders.SatisfactionChain.summary` (a, b, c′, a·b,
    c and the proportion mediated, in that order, estimates in ``coef``); ``indirect`` its ``indirect_effect()`` (row
    ``raw``: ``indirect``, ``ci_low``, ``ci_high``). "Mostly through retention" needs an indirect
    effect whose interval excludes 0 and a proportion mediated above one half (Baron & Kenny 1986;
    Preacher & Hayes 2008, the bootstrap test). Heskett et al. (1994) state the chain.

    >>> effects = pd.DataFrame({"coef": [0.05, 47.5, 1.26, 2.36, 3.62, 0.652]})
    >>> boot = pd.DataFrame({"indirect": [2.36], "ci_low": [1.98], "ci_high": [2.77]}, index=["raw"])
    >>> satisfaction_chain_sentence(effects, boot, true_proportion=0.714)
    Satisfaction raises retention (a = 0.0500 per scale point) and retention raises profit (b = 47.5 per unit of retention rate). The indirect effect a·b = 2.36 (95% bootstrap CI 1.98 to 2.77) is 65.2% of the total effect of satisfaction on profit (3.62; planted: 71.4%): satisfaction creates profit mostly through retention.
    """
    values = dict(zip(_CHAIN_ROWS, effects["coef"].astype(float), strict=True))
    raw = indirect.loc["raw"]
    a_word = "raises" if values["a"] > 0 else "lowers"
    b_word = "raises" if values["b"] > 0 else "lowers"
    first = markdown("Satisfaction {a_word} retention (a = {a} per scale point) and retention {b_word} profit (b = {b} "
                     "per unit of retention rate).", a_word=a_word, a=number(values["a"]), b_word=b_word, b=number(values["b"]))
    significant = raw["ci_low"] > 0 or raw["ci_high"] < 0
    share = values["proportion"]
    total = markdown("{total}", total=number(values["total"]))
    if true_proportion is not None:
        total = markdown("{total}; planted: {truth}", total=total, truth=percent(float(true_proportion)))
    ci = interval(raw["ci_low"], raw["ci_high"])
    if not significant:
        verdict = "no clear part of satisfaction's effect on profit runs through retention"
    elif not 0 <= share <= 1:
        verdict = "the indirect and the direct effect pull in opposite directions"
    elif share > 0.5:
        verdict = "satisfaction creates profit mostly through retention"
    else:
        verdict = "satisfaction creates profit partly through retention, mostly directly"
    return markdown("{first} The indirect effect a·b = {ab} (95% bootstrap CI {ci}) is {share} of the total effect of "
                    "satisfaction on profit ({total}): {verdict}.", first=first, ab=number(float(raw["indirect"])), ci=ci,
                    share=percent(share), total=total, verdict=verdict)


def emphasis_decimals(markets: pd.DataFrame) -> int:
    """The decimals that write every emphasis of the six-markets map exactly (at most 2): 0 for whole
    numbers, 1 for a scale in halves, so current, desired and gap are written alike.

    >>> emphasis_decimals(pd.DataFrame({"current_emphasis": [7.0, 3.5], "desired_emphasis": [7.0, 7.0]}))
    1
    """
    values = markets[[c for c in ("current_emphasis", "desired_emphasis") if c in markets.columns]].to_numpy(float).ravel()
    values = values[np.isfinite(values)]
    return next((d for d in (0, 1) if np.allclose(values, np.round(values, d))), 2)


def emphasis_now_and_wanted(markets: pd.DataFrame) -> pd.Series:
    """The emphasis management gives each market now and wants to give it, as "now → wanted" with one
    number of decimals (:func:`emphasis_decimals`), so that 7.0 is never written "7" beside 7.00
    (Christopher, Payne & Ballantyne 1991; ``markets`` is
    :func:`crmlab.theories.stakeholders.six_markets_map` with ``current_emphasis`` and ``desired_emphasis``).

    >>> emphasis_now_and_wanted(pd.DataFrame({"current_emphasis": [7.0, 3.5], "desired_emphasis": [7.0, 7.0]},
    ...                                      index=["customer", "influence"])).tolist()
    ['7.0 → 7.0', '3.5 → 7.0']
    """
    digits = emphasis_decimals(markets)
    return pd.Series([f"{number(float(now), digits)} → {number(float(want), digits)}"
                      for now, want in zip(markets["current_emphasis"], markets["desired_emphasis"], strict=True)],
                     index=markets.index, name="emphasis_now_and_wanted")


def six_markets_sentence(markets: pd.DataFrame) -> Markdown:
    """The six markets (Christopher, Payne & Ballantyne 1991): where relationships are weakest and strongest,
    and where management most wants to raise its emphasis.

    ``markets`` is :func:`crmlab.theories.stakeholders.six_markets_map` (per market:
    ``relationship_score`` 0–100 and, when rated, ``current_emphasis``, ``desired_emphasis`` on 0–10
    and ``emphasis_gap`` = desired − current).
    """
    scores = markets["relationship_score"].astype(float)
    weakest, strongest = scores.idxmin(), scores.idxmax()
    first = markdown("Relationships are weakest in the {weak} market (score {ws} of 100) and strongest in the {strong} "
                     "market ({ss}).", weak=name(weakest), ws=number(float(scores[weakest]), 1), strong=name(strongest),
                     ss=number(float(scores[strongest]), 1))
    if "emphasis_gap" not in markets.columns:
        return first
    gaps = markets["emphasis_gap"].astype(float)
    if gaps.max() <= 0:
        return markdown("{first} Management's desired emphasis is nowhere above its current one.", first=first)
    most = gaps.idxmax()
    tail = ", the market whose relationships are weakest" if most == weakest else ""
    digits = emphasis_decimals(markets)
    return markdown("{first} Management wants to raise its emphasis most on the {most} market (from {now} to {want} of "
                    "10){tail}.", first=first, most=name(most), now=number(float(markets.loc[most, "current_emphasis"]), digits),
                    want=number(float(markets.loc[most, "desired_emphasis"]), digits), tail=tail)
