"""A synthetic multi-unit B2B world of accounts, with its ground truth.

A seller serves ``n_accounts`` business customers through ``n_units`` country
units. Each account has a latent attractiveness and relationship strength
(standard normal); the observed criteria are noisy, monotone signals of them,
so the true portfolio cell is known. Every account is served by at least one
unit (a local account by its home unit), so each unit's terms list all the
accounts it serves; global accounts buy from several units. A known set of
(account, unit, term) cells is planted out of line with the global agreement,
and some accounts are planted as *hidden global* accounts: modest in each
country, among the firm's largest in total. Accounts buy from suppliers in
planted groups, so shared-supplier interdependence is known too.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from crmlab.stats.generators import as_generator
from crmlab.strategy.portfolio import PORTFOLIO_CELLS

__all__ = ["SimulatedAccounts", "simulate_accounts"]


@dataclass(frozen=True)
class SimulatedAccounts:
    """The observed tables and the truth behind them.

    accounts : one row per account (``account_id``, ``revenue``, ``clv``, ``growth``,
        ``strategic_fit``, ``tenure``, ``share_of_wallet``, ``trust``, ``commitment``, ``sector``).
    unit_terms : account × unit terms (``price``, ``payment_days``, ``service_level``, ``revenue``).
    ties : account–supplier ties (``relation`` = supplier).
    truth : per account: latent ``attractiveness`` and ``strength``, the true ``cell``
        (signs of the latents), ``supplier_group``, ``hidden_global``.
    planted : the (account_id, unit, term) cells planted out of line.
    """

    accounts: pd.DataFrame
    unit_terms: pd.DataFrame
    ties: pd.DataFrame
    truth: pd.DataFrame
    planted: pd.DataFrame


def simulate_accounts(
    n_accounts: int = 200,
    *,
    n_units: int = 6,
    global_share: float = 0.3,
    n_planted: int = 12,
    n_hidden: int = 3,
    n_supplier_groups: int = 5,
    noise: float = 0.3,
    local_top: int = 10,
    rng: np.random.Generator | int | None = None,
) -> SimulatedAccounts:
    """Simulate the world described in the module docstring.

    Latents a_i, s_i ~ N(0, 1). Observed: CLV = exp(8 + 0.8 a + ε), growth = 0.05 + 0.05 a + ε,
    strategic fit = Φ-like logistic(a + ε); tenure = exp(1.5 + 0.5 s + ε) years, share of
    wallet = logistic(s + ε), trust and commitment = 4 + s + ε on a 1–7 scale (clipped), with
    ε ~ N(0, ``noise``²). Revenue is a tenth of CLV. A share ``global_share`` of accounts are
    served by 2–``n_units`` units; each of their units gives the list price, 30 payment days
    and 95% service, up to small jitter (±1%, ±2 days, ±1 point), except ``n_planted`` cells
    off by 15–30% in price, 45–60 days or 10–20 points of service (one per account).
    The other accounts are local: their home unit (drawn at random) serves them alone, on the
    same terms, so each unit's terms list every account it serves and an account's revenue is
    the sum over its units. ``n_hidden`` global accounts are served by every unit and buy in
    each 85–95% of what the unit's ``local_top``-th largest other account buys: in no unit's
    top ``local_top``. The truth marks them ``hidden_global`` when that total puts them in the
    firm's top ``local_top`` (fewer than ``local_top`` accounts with more revenue); a world too
    small for it (a unit with fewer than ``local_top`` other accounts, or units too small to
    add up) plants fewer, or none.

    >>> world = simulate_accounts(50, rng=1)
    >>> world.accounts.shape[0], bool(world.truth["cell"].isin(["key", "develop", "maintain", "reduce"]).all())
    (50, True)
    """
    if n_accounts < 10 or n_units < 2:
        raise ValueError("the world needs at least 10 accounts and 2 units")
    gen = as_generator(rng)
    ids = np.array([f"A{i:04d}" for i in range(n_accounts)])
    a, s = gen.standard_normal(n_accounts), gen.standard_normal(n_accounts)
    eps = lambda: gen.normal(0, noise, n_accounts)  # noqa: E731
    logistic = lambda x: 1 / (1 + np.exp(-x))  # noqa: E731
    clv = np.exp(8 + 0.8 * a + eps())
    sectors = gen.choice(["automotive", "chemicals", "electronics", "food"], n_accounts)
    accounts = pd.DataFrame({
        "account_id": ids, "revenue": clv / 10, "clv": clv, "growth": 0.05 + 0.05 * a + 0.05 * eps(),
        "strategic_fit": logistic(a + eps()), "tenure": np.exp(1.5 + 0.5 * s + eps()),
        "share_of_wallet": logistic(s + eps()), "trust": np.clip(4 + s + eps(), 1, 7),
        "commitment": np.clip(4 + s + eps(), 1, 7), "sector": sectors,
    })
    cells = [PORTFOLIO_CELLS[(bool(x >= 0), bool(y >= 0))][0] for x, y in zip(a, s)]
    groups = gen.integers(0, n_supplier_groups, n_accounts)
    truth = pd.DataFrame({"account_id": ids, "attractiveness": a, "strength": s, "cell": cells, "supplier_group": groups})

    # Each supplier group has three core suppliers; every account buys from two of its group's and one at random.
    ties = []
    for i, g in zip(ids, groups):
        for k in gen.choice(3, 2, replace=False):
            ties.append((i, f"S{g}-{k}"))
        ties.append((i, f"X{gen.integers(0, 10 * n_accounts)}"))
    ties = pd.DataFrame(ties, columns=["account_id", "actor_id"]).drop_duplicates()
    ties["relation"] = "supplier"

    units = [f"U{u}" for u in range(n_units)]
    is_global = gen.random(n_accounts) < global_share
    hidden = set(gen.choice(np.flatnonzero(is_global), size=min(n_hidden, int(is_global.sum())), replace=False).tolist())
    rows = []
    for i in range(n_accounts):
        if is_global[i]:
            served = units if i in hidden else list(gen.choice(units, gen.integers(2, n_units + 1), replace=False))
        else:
            served = [units[gen.integers(0, n_units)]]  # a local account: its home unit alone
        list_price = float(np.round(gen.uniform(20, 200), 2))
        split = gen.dirichlet(np.full(len(served), 2.0)) if len(served) > 1 else np.ones(1)
        split = split * accounts.at[i, "revenue"]
        for unit, revenue in zip(served, split):
            rows.append({"account_id": ids[i], "unit": unit, "price": list_price * (1 + gen.uniform(-0.01, 0.01)),
                         "payment_days": 30 + float(gen.integers(-2, 3)),
                         "service_level": 0.95 + gen.uniform(-0.01, 0.01), "revenue": revenue})
    terms = pd.DataFrame(rows)
    # A hidden global account buys in every unit a share (85–95%) of what the unit's local_top-th largest other
    # account buys: in no unit's top local_top, but large in total. It is hidden only if that total puts it in
    # the firm's top local_top; a unit with fewer than local_top other accounts cannot hide anyone.
    hidden_ids = ids[sorted(hidden)]
    is_hidden = terms["account_id"].isin(hidden_ids)
    others = terms[~is_hidden]
    local = others.groupby("unit")["revenue"].apply(lambda r: np.sort(r.to_numpy())[::-1][min(local_top, len(r)) - 1])
    roomy = bool((others.groupby("unit").size().reindex(units, fill_value=0) >= local_top).all())
    fractions = dict(zip(hidden_ids, gen.uniform(0.85, 0.95, len(hidden_ids))))
    terms.loc[is_hidden, "revenue"] = (terms.loc[is_hidden, "unit"].map(local)
                                       * terms.loc[is_hidden, "account_id"].map(fractions)).to_numpy()
    totals = terms.groupby("account_id")["revenue"].sum()
    firm = np.sort(totals.to_numpy())[::-1]
    planted_hidden = [a for a in hidden_ids if roomy and int((firm > totals[a]).sum()) < local_top]
    # Planted deviations: one (unit, term) cell in each of some accounts with three or more units,
    # so the account's median terms stay on the global agreement.
    wide = terms.groupby("account_id")["unit"].transform("size") >= 3
    candidates = terms[wide].groupby("account_id").sample(1, random_state=gen).index.to_numpy()
    planted_rows = gen.choice(candidates, size=min(n_planted, len(candidates)), replace=False)
    planted = []
    for j, r in enumerate(planted_rows):
        term = ("price", "payment_days", "service_level")[j % 3]
        if term == "price":
            terms.at[r, "price"] *= 1 + gen.choice([-1, 1]) * gen.uniform(0.15, 0.30)
        elif term == "payment_days":
            terms.at[r, "payment_days"] += float(gen.integers(45, 61))
        else:
            terms.at[r, "service_level"] -= gen.uniform(0.10, 0.20)
        planted.append((terms.at[r, "account_id"], terms.at[r, "unit"], term))
    planted = pd.DataFrame(planted, columns=["account_id", "unit", "term"]).sort_values(["account_id", "unit"])
    truth["hidden_global"] = truth["account_id"].isin(planted_hidden)
    # A hidden candidate's revenue is what its units sell it; every other account's units split its revenue.
    candidate = accounts["account_id"].isin(hidden_ids)
    accounts.loc[candidate, "revenue"] = accounts.loc[candidate, "account_id"].map(totals)
    return SimulatedAccounts(accounts, terms, ties.reset_index(drop=True), truth, planted.reset_index(drop=True))
