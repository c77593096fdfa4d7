"""The obligation mechanism of guanxi: does an unreturned favour predict the next exchange?

A favour received puts the receiver in renqing debt; the norm of reciprocity
(Gouldner 1960) and face (Hwang 1987) oblige them to return it. If the
mechanism works, a person who owes a partner is more likely to give that
partner a favour in the next period than one who does not. The test is a
logit on a panel of directed dyads (j → i) and periods::

    gives_jit = 1[j gives i a favour in period t]
    logit P(gives_jit) = α + β · indebted_jit + tie-type effects

with ``indebted`` = 1 when, before period t, j received more favour value
from i than j gave to i. β > 0 (odds ratio above 1) supports the obligation mechanism.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# statsmodels (about a second to import) is imported by the test that fits the logit.

from crmlab.theories.guanxi.reciprocity import _strongest

__all__ = ["obligation_panel", "obligation_test"]


def obligation_panel(ledger: pd.DataFrame, *, freq: str = "M") -> pd.DataFrame:
    """The directed dyad × period panel of the obligation test, from the favour ledger.

    Both directions of every pair that exchanged favours enter from the period
    after the pair's first favour to the ledger's last period. Columns:
    ``giver`` j, ``receiver`` i, ``dyad``, ``tie_type`` (the pair's closest),
    ``period``, ``gives`` (0/1: j gave i in the period), ``value`` given,
    ``debt`` (value j received from i minus value j gave i, before the period),
    ``indebted`` (debt > 0), ``log_debt`` (log(1 + max(debt, 0))) and
    ``previous_exchange`` (0/1: any favour between them in the period before).

    >>> ledger = pd.DataFrame({"giver": ["Li", "Wang"], "receiver": ["Wang", "Li"],
    ...     "date": pd.to_datetime(["2024-01-10", "2024-02-10"]), "value": [100.0, 100.0], "tie_type": ["friendship"] * 2})
    >>> obligation_panel(ledger)[["giver", "period", "gives", "indebted"]].values.tolist()
    [['Li', Period('2024-02', 'M'), 0, 0], ['Wang', Period('2024-02', 'M'), 1, 1]]
    """
    periods = ledger["date"].dt.to_period(freq)
    first = periods.min()
    ordinals = periods.array.asi8
    code = ordinals - ordinals.min()
    last = int(code.max())
    a = np.where(ledger["giver"] < ledger["receiver"], ledger["giver"], ledger["receiver"])
    b = np.where(ledger["giver"] < ledger["receiver"], ledger["receiver"], ledger["giver"])
    events = pd.DataFrame({"giver": ledger["giver"].to_numpy(), "receiver": ledger["receiver"].to_numpy(), "a": a, "b": b,
                           "t": code, "value": ledger["value"].to_numpy(), "tie_type": ledger["tie_type"].to_numpy()})
    dyads = events.groupby(["a", "b"]).agg(start=("t", "min"), tie_type=("tie_type", _strongest)).reset_index()
    lengths = last - dyads["start"].to_numpy() + 1
    rows = []
    for giver, receiver in (("a", "b"), ("b", "a")):
        rows.append(pd.DataFrame({"giver": np.repeat(dyads[giver].to_numpy(), lengths),
                                  "receiver": np.repeat(dyads[receiver].to_numpy(), lengths),
                                  "dyad": np.repeat((dyads["a"] + "|" + dyads["b"]).to_numpy(), lengths),
                                  "tie_type": np.repeat(dyads["tie_type"].to_numpy(), lengths),
                                  "start": np.repeat(dyads["start"].to_numpy(), lengths),
                                  "t": np.concatenate([np.arange(s, last + 1) for s in dyads["start"]]) if len(dyads) else []}))
    grid = pd.concat(rows, ignore_index=True)
    flows = events.groupby(["giver", "receiver", "t"])["value"].agg(["sum", "size"])
    given = flows["sum"].rename("value")
    grid = grid.join(given, on=["giver", "receiver", "t"])
    back = given.rename("value_back")
    back.index = back.index.set_names(["receiver", "giver", "t"])
    grid = grid.join(back, on=["receiver", "giver", "t"])
    grid[["value", "value_back"]] = grid[["value", "value_back"]].fillna(0.0)
    grid = grid.sort_values(["giver", "receiver", "t"], kind="stable").reset_index(drop=True)
    group = grid.groupby(["giver", "receiver"], sort=False)
    grid["debt"] = group["value_back"].cumsum() - grid["value_back"] - (group["value"].cumsum() - grid["value"])
    exchanged = ((grid["value"] + grid["value_back"]) > 0).astype(int)
    grid["previous_exchange"] = exchanged.groupby([grid["giver"], grid["receiver"]], sort=False).shift(1).fillna(0).astype(int)
    grid = grid[grid["t"] > grid["start"]].copy()
    grid["gives"] = (grid["value"] > 0).astype(int)
    grid["indebted"] = (grid["debt"] > 1e-9).astype(int)
    grid["log_debt"] = np.log1p(grid["debt"].clip(lower=0))
    grid["period"] = pd.period_range(first, periods=last + 1)[grid["t"].to_numpy(dtype=int)]
    columns = ["giver", "receiver", "dyad", "tie_type", "period", "gives", "value", "debt", "indebted", "log_debt", "previous_exchange"]
    return grid[columns].sort_values(["period", "dyad", "giver"], kind="stable").reset_index(drop=True)


def obligation_test(panel: pd.DataFrame, formula: str = "gives ~ indebted + C(tie_type)") -> tuple[pd.DataFrame, object]:
    """Logit of giving on being indebted (statsmodels formula API), standard errors clustered by dyad.

    Returns ``(table, result)``: the table has per term the coefficient, its
    odds ratio with a 95% interval and p-value; ``result`` is the statsmodels
    results object (``result.summary()``). Add terms to ``formula`` — e.g.
    ``log_debt`` or ``previous_exchange`` — to control for the pair's activity.

    Source: the obligation (renqing) mechanism of Hwang (1987); logit as in
    statsmodels' ``logit``; clustered errors because a dyad's periods are not independent.

    >>> from crmlab.theories.guanxi.simulate import simulate_favour_ledger
    >>> world = simulate_favour_ledger(60, 18, rng=2)
    >>> table, result = obligation_test(obligation_panel(world.ledger))
    >>> bool(table.loc["indebted", "odds_ratio"] > 1)
    True
    """
    import statsmodels.formula.api as smf

    data = panel.reset_index(drop=True)
    groups = pd.factorize(data["dyad"])[0]
    result = smf.logit(formula, data).fit(disp=False, cov_type="cluster", cov_kwds={"groups": groups})
    ci = result.conf_int()
    table = pd.DataFrame({"coef": result.params, "se": result.bse, "odds_ratio": np.exp(result.params),
                          "ci_low": np.exp(ci[0]), "ci_high": np.exp(ci[1]), "p_value": result.pvalues})
    table.index.name = "term"
    return table, result
