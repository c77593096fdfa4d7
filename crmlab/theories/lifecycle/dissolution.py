"""Dissolution and the cost to serve: who ends relationships, and what lowering costs is worth.

Dwyer, Schurr & Oh (1987) note that dissolution can be avoided when the
relationship stays worth its cost, and that it may be bilateral or unilateral.
This module measures:

- **profit per customer and period** = margin × spend − cost to serve, with the
  cost to serve = cost_per_order × orders + cost_per_contact × contacts
  (+ cost_per_return × returns when the panel has ``returns``);
- **dissolution against cost to serve**: the share of active customer-periods
  followed by dissolution, by band of the cost-to-serve *ratio* (cost to serve
  over gross margin, summed over the customer's periods so far), and a logit
  of that event on the ratio and the phase (statsmodels), which says how
  strongly the cost of serving a customer predicts their exit;
- **a what-if**: cost to serve lowered by x%. The logit gives the new
  probability of moving into dissolution from each active phase; the phase
  transition matrix is changed accordingly (the other moves keep their
  relative shares) and a Markov chain over the phases (Pfeifer & Carraway
  2000, :class:`crmlab.clv.MarkovCLV`) values a customer in each phase
  before and after, with rewards = mean profit per period in the phase. The
  projected share dissolved after ``horizon`` periods is reported too. The
  logit is an association estimated from the data, not an experiment: the
  what-if is as causal as the data allow.
- **the planted effect recovered**: on a synthetic world,
  :func:`planted_cost_effect` sets the planted cost effect beside the logit's
  estimate of it;
- **who ended it**: with termination records (initiator customer, firm or
  both), the shares of unilateral and bilateral dissolution.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

# statsmodels (about a second to import) is imported by the functions that fit the logit.

from crmlab.clv.markov import MarkovCLV
from crmlab.theories.lifecycle.phases import PHASES
from crmlab.theories.lifecycle.simulate import SimulatedLifecycle

__all__ = ["cost_to_serve", "dissolution_by_cost", "dissolution_initiators", "lower_cost_to_serve", "planted_cost_effect"]

ACTIVE = ("exploration", "expansion", "commitment")


def cost_to_serve(
    phases: pd.DataFrame,
    *,
    margin: float = 0.3,
    cost_per_order: float = 2.0,
    cost_per_contact: float = 1.0,
    cost_per_return: float = 5.0,
) -> pd.DataFrame:
    """Add ``cost_to_serve``, ``gross_margin`` = margin × spend and ``profit`` = gross margin − cost to serve."""
    for name, value in (("margin", margin), ("cost_per_order", cost_per_order), ("cost_per_contact", cost_per_contact),
                        ("cost_per_return", cost_per_return)):
        if not np.isfinite(value) or value < 0:
            raise ValueError(f"{name} must be ≥ 0, got {value}")
    out = phases.copy()
    returns = out["returns"] if "returns" in out.columns else 0
    out["cost_to_serve"] = cost_per_order * out["orders"] + cost_per_contact * out["contacts"] + cost_per_return * returns
    out["gross_margin"] = margin * out["spend"]
    out["profit"] = out["gross_margin"] - out["cost_to_serve"]
    return out


def _active_and_next(data: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Which periods (sorted by customer and ``t``) are active with a next period, and the phase of the next."""
    nxt = data.groupby("customer_id")["phase"].shift(-1)
    return data["phase"].isin(ACTIVE) & nxt.notna(), nxt


def _exit_logit(events: pd.DataFrame, regressor: str) -> object:
    """Logit of ``exit`` on ``events[regressor]`` (named ``cost_to_serve`` when it is the cost) and phase dummies."""
    import statsmodels.api as sm

    X = pd.get_dummies(events["phase"], drop_first=True, dtype=float)
    X.insert(0, "cost_to_serve" if regressor == "cost" else regressor, events[regressor])
    return sm.Logit(events["exit"], sm.add_constant(X)).fit(disp=False)


def _exit_events(costed: pd.DataFrame) -> pd.DataFrame:
    """Active customer-periods with the customer's cost-to-serve ratio so far and whether dissolution follows.

    The ratio is the cost to serve over the gross margin, both summed over the
    customer's periods so far: what serving the customer costs per unit of
    margin they bring. (Cost alone mostly measures activity — more orders,
    more cost — and would make busy customers look costly.)
    """
    data = costed.sort_values(["customer_id", "t"])
    active, nxt = _active_and_next(data)
    cum_cost = data.groupby("customer_id")["cost_to_serve"].cumsum()
    cum_margin = data.groupby("customer_id")["gross_margin"].cumsum()
    ratio = (cum_cost / cum_margin.where(cum_margin > 0)).fillna(cum_cost)
    return pd.DataFrame({"phase": data.loc[active, "phase"], "cost": ratio[active],
                         "exit": (nxt[active] == "dissolution").astype(int)})


def dissolution_by_cost(costed: pd.DataFrame, *, bands: int = 4) -> tuple[pd.DataFrame, object]:
    """Dissolution rate by cost-to-serve band, and a logit of P(next period dissolution) on the cost.

    Returns (table with ``band``, ``mean_cost`` (the cost-to-serve ratio), ``periods``,
    ``dissolution_rate``; the statsmodels logit result with regressors
    ``cost_to_serve`` (the ratio) and phase dummies).
    """
    events = _exit_events(costed)
    if events["exit"].nunique() < 2:
        raise ValueError("dissolution_by_cost: no variation in dissolution (need both exits and stays)")
    events["band"] = pd.qcut(events["cost"].rank(method="first"), bands, labels=[f"Q{i + 1}" for i in range(bands)])
    table = events.groupby("band", observed=True).agg(mean_cost=("cost", "mean"), periods=("exit", "size"),
                                                      dissolution_rate=("exit", "mean")).reset_index()
    return table, _exit_logit(events, "cost")


def planted_cost_effect(costed: pd.DataFrame, world: SimulatedLifecycle, *, level: float = 0.95) -> pd.DataFrame:
    """The cost effect planted in a synthetic world beside the logit's estimates of it.

    :func:`~crmlab.theories.lifecycle.simulate_relationships` multiplies each
    customer's probability of moving into dissolution by exp(b · (intensity −
    mean intensity)), intensity being the customer's contacts per order and b
    its ``cost_effect``. For small exit probabilities the logit slope of exit
    on the intensity is close to b (the logit works on the odds, p / (1 − p),
    so it comes out slightly above b). The logit of
    :func:`dissolution_by_cost` (exit on the phase and a cost regressor) is
    fitted with the planted intensity as the regressor twice: on the exits of
    the world's true phases (what the estimator gives when the phases are
    known) and on the exits of the rule-based phases of ``costed`` (what the
    report can see). Rows: ``planted``, ``true_phases``, ``rule_phases``;
    columns ``estimate``, ``ci_low``, ``ci_high`` (``level`` Wald interval),
    ``p`` and ``exits`` (next-period dissolutions the logit saw).

    >>> from crmlab.theories.lifecycle import activity_panel, relationship_phases, simulate_relationships
    >>> world = simulate_relationships(300, 18, cost_effect=1.0, rng=3)
    >>> phases = relationship_phases(activity_panel(world.transactions, world.interactions))
    >>> table = planted_cost_effect(cost_to_serve(phases), world)
    >>> table.index.tolist(), float(table.loc["planted", "estimate"]), bool(table.loc["true_phases", "estimate"] > 0)
    (['planted', 'true_phases', 'rule_phases'], 1.0, True)
    """
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level}")
    rows = {"planted": {"estimate": float(world.cost_effect), "ci_low": np.nan, "ci_high": np.nan, "p": np.nan,
                        "exits": np.nan}}
    for name, frame in (("true_phases", world.truth), ("rule_phases", costed)):
        data = frame.sort_values(["customer_id", "t"])
        active, nxt = _active_and_next(data)
        events = pd.DataFrame({"phase": data.loc[active, "phase"],
                               "intensity": data.loc[active, "customer_id"].map(world.intensity).to_numpy(dtype=float),
                               "exit": (nxt[active] == "dissolution").astype(int)})
        if events["exit"].nunique() < 2 or events["intensity"].isna().any():
            raise ValueError(f"planted_cost_effect: the {name.replace('_', ' ')} give no exits and stays "
                             "of the world's customers to fit")
        fit = _exit_logit(events, "intensity")
        low, high = fit.conf_int(alpha=1 - level).loc["intensity"]
        rows[name] = {"estimate": float(fit.params["intensity"]), "ci_low": float(low), "ci_high": float(high),
                      "p": float(fit.pvalues["intensity"]), "exits": int(events["exit"].sum())}
    return pd.DataFrame.from_dict(rows, orient="index")


def lower_cost_to_serve(
    costed: pd.DataFrame,
    reduction: float,
    *,
    discount_rate: float = 0.01,
    horizon: int = 24,
    states: Sequence[str] = PHASES[1:],
) -> pd.DataFrame:
    """What-if: cost to serve lowered by ``reduction`` (a share, e.g. 0.2).

    Returns one row per phase: dissolution probability, CLV (Markov chain,
    infinite horizon) and projected dissolved share after ``horizon`` periods
    for a customer starting in that phase, before and after.
    """
    import statsmodels.api as sm

    from crmlab.theories.lifecycle.phases import phase_transition_matrix

    if not 0 <= reduction < 1:
        raise ValueError(f"reduction must be in [0, 1), got {reduction}")
    _, logit = dissolution_by_cost(costed)
    states = list(states)
    P = phase_transition_matrix(costed, states=states)["probability"].fillna(0.0)
    for s in states:  # a phase never left: stays
        if P.loc[s].sum() == 0:
            P.loc[s, s] = 1.0
    events = _exit_events(costed)
    after = P.copy()
    for phase in [p for p in ACTIVE if p in states]:
        rows = events[events["phase"] == phase]
        if rows.empty:
            continue
        X = pd.get_dummies(pd.Categorical(rows["phase"], categories=sorted(events["phase"].unique())), drop_first=True, dtype=float)
        X.index = rows.index
        X.insert(0, "cost_to_serve", rows["cost"])
        X = sm.add_constant(X, has_constant="add")[logit.params.index]
        base = float(np.mean(logit.predict(X)))
        X["cost_to_serve"] *= 1 - reduction
        new = float(np.mean(logit.predict(X)))
        # scale the observed exit probability by the model's relative change; others keep their shares
        p_exit = P.loc[phase, "dissolution"]
        new_exit = min(p_exit * new / base, 1.0) if base > 0 else p_exit
        rest = P.loc[phase].drop("dissolution")
        after.loc[phase, rest.index] = rest / rest.sum() * (1 - new_exit) if rest.sum() > 0 else 0.0
        after.loc[phase, "dissolution"] = new_exit
    profit = costed.groupby("phase")["profit"].mean().reindex(states).fillna(0.0)
    cost = costed.groupby("phase")["cost_to_serve"].mean().reindex(states).fillna(0.0)
    rows = []
    for label, matrix, reward in (("before", P, profit), ("after", after, profit + reduction * cost)):
        chain = MarkovCLV(matrix.to_numpy(), reward.to_numpy(), discount_rate, states=states)
        dist = {s: chain.state_distribution(s, horizon)["dissolution"].iloc[-1] for s in states}
        value = chain.value()
        for s in states:
            rows.append({"phase": s, "scenario": label, "p_dissolution": matrix.loc[s, "dissolution"],
                         "clv": value[s], f"dissolved_after_{horizon}": dist[s]})
    table = pd.DataFrame(rows).pivot(index="phase", columns="scenario").reindex(states)
    table.columns = [f"{a}_{b}" for a, b in table.columns]
    return table.reset_index()


def dissolution_initiators(terminations: pd.DataFrame, *, initiator: str = "initiator") -> pd.DataFrame:
    """Counts and shares of dissolutions by who ended them: customer, firm (unilateral) or both (bilateral)."""
    if initiator not in terminations.columns:
        raise ValueError(f"dissolution_initiators: no column {initiator!r}")
    values = terminations[initiator].astype(str).str.lower()
    unknown = sorted(set(values) - {"customer", "firm", "both"})
    if unknown:
        raise ValueError(f"dissolution_initiators: initiator must be customer, firm or both; found {unknown}")
    counts = values.value_counts().reindex(["customer", "firm", "both"], fill_value=0)
    table = pd.DataFrame({"initiator": counts.index, "dissolutions": counts.to_numpy()})
    table["kind"] = np.where(table["initiator"] == "both", "bilateral", "unilateral")
    table["share"] = table["dissolutions"] / max(table["dissolutions"].sum(), 1)
    return table
