"""Synthetic customer bases with known ground truth (BG/NBD purchasing, Gamma-Gamma spend).

:func:`simulate_transactions` draws a customer base from a documented
generative process and returns the canonical transactions table together with
the truth that produced it (every customer's purchase rate, dropout
probability, spend scale, dropout time), so that estimators of the BG/NBD,
the Gamma-Gamma model and retention metrics can be tested on whether they
recover what was put in.

The generative process
----------------------
Time is measured in weeks for rates; dates are calendar days.

1. **Channels.** Each customer is assigned an acquisition channel with
   probabilities given by the channels' shares (``rng.choice``). A channel
   may override any of the base parameters below.
2. **Acquisition.** The customer's first purchase is on a day drawn uniformly
   from ``[start, acquisition_end]`` (inclusive), at midnight. With the
   default ``acquisition_end = start`` all customers form one cohort with a
   common observation length ``T`` (the BG/NBD setting); a later
   ``acquisition_end`` gives staggered cohorts.
3. **Purchasing while alive** (Fader, Hardie & Lee 2005a): repeat purchases
   follow a Poisson process with rate ``λ`` per week; across customers
   ``λ ~ Gamma(shape r, rate α)``, so ``E[λ] = r/α``.
4. **Dropout** (Fader, Hardie & Lee 2005a): after every repeat purchase the
   customer becomes inactive for good with probability ``p``; across
   customers ``p ~ Beta(a, b)``, so ``E[p] = a/(a+b)``. The dropout time is
   the time of the purchase after which the customer drops out. As in the
   BG/NBD, the first (trial) purchase is not a dropout opportunity: every
   customer is alive right after it (the likelihood's ``x = 0`` term has no
   dropout). With ``dropout_at_first_purchase=True`` the first purchase is
   one too, which is the MBG/NBD of Batislam, Denizel & Filiztekin (2007).
5. **Spend** (Colombo & Jiang 1999; Fader, Hardie & Lee 2005b): each
   transaction's amount is ``z ~ Gamma(shape p_spend, rate ν)``, with
   ``ν ~ Gamma(shape q, rate γ)`` across customers and independent of
   ``λ`` and ``p``. A customer's mean spend is ``p_spend/ν``; the population
   mean is ``E[Z] = p_spend·γ/(q−1)`` (finite for ``q > 1``). Amounts are
   rounded to cents, and an amount that rounds to 0.00 is set to 0.01.
6. **Observation.** Continuous purchase times are floored to the day (several
   purchases on one day stay separate rows). Observation stops at the instant
   ``end`` (midnight at the start of that date): a customer's observation
   length is ``T = end − first_purchase``, exactly what an estimator computes
   from the dates, and purchases after ``end`` are not observed. Repeat
   purchases therefore carry dates before ``end``; only customers acquired on
   ``end`` itself have a (first) purchase dated ``end``.

Closed forms the simulation satisfies (used by the tests): the expected number
of repeat purchases in ``(0, t]`` (Fader, Hardie & Lee 2005a, eq. 9)

    E[X(t)] = (a+b−1)/(a−1) · [1 − (α/(α+t))^r · ₂F₁(r, b; a+b−1; t/(α+t))],

and the probability of still being alive ``t`` weeks after the first purchase,
``P(alive at t) = E_p[(α/(α+p·t))^r]`` (dropout events arrive at rate ``λp``).
With dropout at the first purchase both are multiplied inside the expectation
by ``(1−p)``; for ``E[X(t)]`` that gives ``b/(a+b)`` times the BG/NBD
expression with ``b+1`` in place of ``b``.

Sources
-------
- Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005a). "Counting your
  customers" the easy way: an alternative to the Pareto/NBD model.
  *Marketing Science* 24(2), 275–284. (BG/NBD; CDNOW estimates
  r = 0.243, α = 4.414, a = 0.793, b = 2.426.)
- Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005b). RFM and CLV: using
  iso-value curves for customer base analysis. *Journal of Marketing
  Research* 42(4), 415–430. (Gamma-Gamma spend; CDNOW estimates
  p = 6.25, q = 3.74, γ = 15.44.)
- Colombo, R. & Jiang, W. (1999). A stochastic RFM model. *Journal of
  Interactive Marketing* 13(3), 2–12.
- Batislam, E. P., Denizel, M. & Filiztekin, A. (2007). Empirical validation
  and comparison of models for customer base analysis. *International Journal
  of Research in Marketing* 24(3), 201–209. (MBG/NBD.)
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "CDNOW_PARAMS",
    "PARAM_NAMES",
    "SimulatedWorld",
    "default_channels",
    "simulate_transactions",
]

#: Base parameters: the CDNOW estimates of the BG/NBD (Fader, Hardie & Lee 2005a)
#: and of the Gamma-Gamma spend model (Fader, Hardie & Lee 2005b). Rates are per week.
CDNOW_PARAMS: Mapping[str, float] = {
    "r": 0.243,
    "alpha": 4.414,
    "a": 0.793,
    "b": 2.426,
    "p_spend": 6.25,
    "q": 3.74,
    "gamma": 15.44,
}

#: The parameter names ``params`` and channel specifications accept.
PARAM_NAMES: tuple[str, ...] = tuple(CDNOW_PARAMS)

_DAY_NS = 86_400 * 10**9
_SHARE_TOLERANCE = 1e-9


@dataclass(frozen=True, eq=False)
class SimulatedWorld:
    """A simulated customer base: what was observed and the truth behind it.

    Attributes
    ----------
    transactions : pandas.DataFrame
        The canonical transactions table: ``customer_id`` (str, ``"C000001"``…),
        ``date`` (datetime64[ns], midnight), ``amount`` (float64, > 0, cents),
        ``channel`` (str); sorted by ``customer_id`` then ``date``.
    customers : pandas.DataFrame
        Ground truth, one row per customer: ``customer_id``, ``channel``,
        ``first_purchase``, ``lam`` (λ, purchases per week while alive),
        ``p_dropout`` (p), ``nu`` (ν), ``mean_spend`` (p_spend/ν),
        ``alive_at_end`` (bool), ``dropout_time`` (the instant of the purchase
        after which the customer dropped out, not floored to the day; NaT when
        still alive at ``end``), ``n_purchases`` (observed purchases, the first
        included) and ``T_weeks`` ((end − first_purchase) in weeks).
    channels : pandas.DataFrame
        Ground truth per channel: ``channel``, ``share``, ``n_customers`` and the
        parameters used, ``r``, ``alpha``, ``a``, ``b``, ``p_spend``, ``q``, ``gamma``.
    params : dict
        The resolved base parameters (defaults with the overrides applied).
    start, end, acquisition_end : pandas.Timestamp
        The resolved dates.
    dropout_at_first_purchase : bool
        Whether the first purchase was a dropout opportunity (MBG/NBD) or not (BG/NBD).
    """

    transactions: pd.DataFrame
    customers: pd.DataFrame
    channels: pd.DataFrame
    params: dict[str, float]
    start: pd.Timestamp
    end: pd.Timestamp
    acquisition_end: pd.Timestamp
    dropout_at_first_purchase: bool = False

    def __repr__(self) -> str:
        names = ", ".join(self.channels["channel"].tolist())
        return (
            f"SimulatedWorld({len(self.customers)} customers, {len(self.transactions)} transactions, "
            f"{self.start.date()} to {self.end.date()}, channels: {names})"
        )


def default_channels(params: Mapping[str, float] | None = None) -> dict[str, dict[str, float]]:
    """The default acquisition channels, derived from the (resolved) base parameters.

    Illustrative, not estimates: they give three visibly different segments
    for testing segment-level methods.

    - ``"search"`` (share 0.5): the base parameters.
    - ``"referral"`` (share 0.2): higher purchase frequency (α / 1.5, so E[λ]
      ×1.5) and lower dropout (b × 2).
    - ``"social"`` (share 0.3): lower purchase frequency (α × 1.5, so E[λ] / 1.5)
      and higher dropout (b / 2).

    >>> sorted(default_channels())
    ['referral', 'search', 'social']
    >>> default_channels()["referral"]["alpha"] < CDNOW_PARAMS["alpha"]
    True
    """
    base = _resolve_params(params)
    return {
        "search": {"share": 0.5},
        "referral": {"share": 0.2, "alpha": base["alpha"] / 1.5, "b": base["b"] * 2.0},
        "social": {"share": 0.3, "alpha": base["alpha"] * 1.5, "b": base["b"] / 2.0},
    }


def simulate_transactions(
    n_customers: int,
    *,
    start: Any = "2020-01-01",
    end: Any = "2021-12-31",
    acquisition_end: Any = None,
    params: Mapping[str, float] | None = None,
    channels: Mapping[str, Mapping[str, float]] | None = None,
    rng: np.random.Generator | int | None = None,
    dropout_at_first_purchase: bool = False,
) -> SimulatedWorld:
    """Simulate a customer base under BG/NBD purchasing and Gamma-Gamma spend.

    See the module docstring for the generative process and its sources
    (Fader, Hardie & Lee 2005a, 2005b; Colombo & Jiang 1999). In short:
    first purchase on a day uniform in ``[start, acquisition_end]``; while
    alive, purchases at Poisson rate λ/week, ``λ ~ Gamma(r, α)``; after each
    repeat purchase dropout with probability ``p ~ Beta(a, b)``; amounts
    ``z ~ Gamma(p_spend, ν)``, ``ν ~ Gamma(q, γ)``; observed until ``end``.

    Parameters
    ----------
    n_customers : int
        Number of customers (> 0).
    start, end : date-like
        First possible acquisition date and the end of observation (dates
        without a time of day; ``start < end``).
    acquisition_end : date-like, optional
        Last acquisition date, in ``[start, end]``; default ``start`` (one cohort).
    params : mapping, optional
        Overrides of the base parameters :data:`CDNOW_PARAMS` (``r``, ``alpha``,
        ``a``, ``b``, ``p_spend``, ``q``, ``gamma``; all > 0; rates per week).
    channels : mapping, optional
        Channel name → ``{"share": float, <any parameter>: value}``; shares are
        non-negative and sum to 1; parameters not given come from the base.
        Default :func:`default_channels` (illustrative, not estimates);
        ``{"all": {"share": 1.0}}`` gives one homogeneous population.
    rng : numpy.random.Generator or int, optional
        Random generator or seed; the same seed gives identical output.
    dropout_at_first_purchase : bool
        Default False: the BG/NBD, where dropout can follow repeat purchases only.
        True: the first purchase may also be followed by dropout (MBG/NBD,
        Batislam et al. 2007).

    Returns
    -------
    SimulatedWorld
        ``transactions`` (canonical table), ``customers`` and ``channels``
        (ground truth), and the resolved ``params``, ``start``, ``end``.

    Raises
    ------
    ValueError
        For a non-positive or non-integer ``n_customers``, ``start >= end``,
        ``acquisition_end`` outside ``[start, end]``, an unknown or non-positive
        parameter, or channel shares that are negative or do not sum to 1.

    Examples
    --------
    >>> world = simulate_transactions(100, rng=1)
    >>> world.transactions.columns.tolist()
    ['customer_id', 'date', 'amount', 'channel']
    >>> world.customers["customer_id"].iloc[0]
    'C000001'
    >>> world.channels[["channel", "share"]]
        channel  share
    0    search    0.5
    1  referral    0.2
    2    social    0.3
    >>> bool((world.transactions["amount"] > 0).all())
    True
    """
    n = _check_n_customers(n_customers)
    start_ts = _as_date(start, "start")
    end_ts = _as_date(end, "end")
    if not start_ts < end_ts:
        raise ValueError(f"end ({end_ts.date()}) must be after start ({start_ts.date()})")
    acq_ts = start_ts if acquisition_end is None else _as_date(acquisition_end, "acquisition_end")
    if not start_ts <= acq_ts <= end_ts:
        raise ValueError(
            f"acquisition_end ({acq_ts.date()}) must lie within [start, end] = "
            f"[{start_ts.date()}, {end_ts.date()}]"
        )
    base = _resolve_params(params)
    specs = default_channels(base) if channels is None else channels
    names, shares, table = _resolve_channels(specs, base)
    gen = np.random.default_rng(rng)

    # --- customers: channel, acquisition day, latent traits -----------------------
    code = gen.choice(len(names), size=n, p=shares / shares.sum())
    per = {k: np.array([table[c][k] for c in names], dtype=float)[code] for k in PARAM_NAMES}
    acq_days = (acq_ts - start_ts).days
    t0 = gen.integers(0, acq_days + 1, size=n).astype(float)  # days after start
    lam = gen.gamma(per["r"], 1.0 / per["alpha"])  # per week
    p_drop = gen.beta(per["a"], per["b"])
    nu = gen.gamma(per["q"], 1.0 / per["gamma"])
    nu = np.maximum(nu, np.finfo(float).tiny)  # guard against underflow to 0 for tiny q

    # --- purchases: rounds of interpurchase times for all active customers ----------
    horizon = float((end_ts - start_ts).days)  # observation stops at this instant
    lam_day = lam / 7.0
    who = [np.arange(n)]
    when = [t0]
    dropout = np.full(n, np.nan)
    # MBG/NBD only: dropout right after the first purchase (drawn always, so the
    # flag changes nothing else about the draws).
    dropped = (gen.random(n) < p_drop) & bool(dropout_at_first_purchase)
    dropout[dropped] = t0[dropped]
    active = np.flatnonzero(~dropped)
    current = t0.copy()
    with np.errstate(divide="ignore"):
        while active.size:
            t_next = current[active] + gen.standard_exponential(active.size) / lam_day[active]
            seen = t_next <= horizon
            active, t_next = active[seen], t_next[seen]
            current[active] = t_next
            who.append(active)
            when.append(t_next)
            drop = gen.random(active.size) < p_drop[active]
            dropout[active[drop]] = t_next[drop]
            active = active[~drop]
    idx = np.concatenate(who)
    times = np.concatenate(when)
    order = np.argsort(idx, kind="stable")  # rounds are in time order within a customer
    idx, times = idx[order], times[order]

    shape = per["p_spend"][idx]
    amount = np.round(gen.gamma(shape, 1.0 / nu[idx]), 2)
    amount[amount <= 0.0] = 0.01

    # --- frames -------------------------------------------------------------------------
    width = max(6, len(str(n)))
    ids = pd.array([f"C{i:0{width}d}" for i in range(1, n + 1)], dtype="str")
    channel_names = pd.array(names, dtype="str")
    start_ns = start_ts.value
    dates = (start_ns + np.floor(times).astype(np.int64) * _DAY_NS).astype("datetime64[ns]")
    transactions = pd.DataFrame(
        {
            "customer_id": ids.take(idx),
            "date": dates,
            "amount": amount.astype("float64"),
            "channel": channel_names.take(code[idx]),
        }
    )

    alive = np.isnan(dropout)
    # Offsets in integer ns before adding the epoch (float64 would lose ~256 ns at 2020).
    dropout_ns = start_ns + np.round(np.nan_to_num(dropout) * _DAY_NS).astype(np.int64)
    dropout_time = dropout_ns.astype("datetime64[ns]")
    dropout_time[alive] = np.datetime64("NaT")
    first = (start_ns + t0.astype(np.int64) * _DAY_NS).astype("datetime64[ns]")
    customers = pd.DataFrame(
        {
            "customer_id": ids,
            "channel": channel_names.take(code),
            "first_purchase": first,
            "lam": lam,
            "p_dropout": p_drop,
            "nu": nu,
            "mean_spend": per["p_spend"] / nu,
            "alive_at_end": alive,
            "dropout_time": dropout_time,
            "n_purchases": np.bincount(idx, minlength=n).astype(np.int64),
            "T_weeks": (horizon - t0) / 7.0,
        }
    )

    counts = np.bincount(code, minlength=len(names))
    channel_frame = pd.DataFrame(
        {
            "channel": channel_names,
            "share": shares,
            "n_customers": counts.astype(np.int64),
            **{k: [table[c][k] for c in names] for k in PARAM_NAMES},
        }
    )
    return SimulatedWorld(
        transactions=transactions,
        customers=customers,
        channels=channel_frame,
        params=dict(base),
        start=start_ts,
        end=end_ts,
        acquisition_end=acq_ts,
        dropout_at_first_purchase=bool(dropout_at_first_purchase),
    )


# --- validation ---------------------------------------------------------------------------


def _check_n_customers(n_customers: Any) -> int:
    if isinstance(n_customers, bool) or not isinstance(n_customers, numbers.Integral):
        raise ValueError(f"n_customers must be a positive integer, got {n_customers!r}")
    if n_customers <= 0:
        raise ValueError(f"n_customers must be a positive integer, got {n_customers}")
    return int(n_customers)


def _as_date(value: Any, name: str) -> pd.Timestamp:
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} is not a date: {value!r}") from exc
    if ts is pd.NaT or pd.isna(ts):
        raise ValueError(f"{name} is not a date: {value!r}")
    if ts.tzinfo is not None:
        raise ValueError(f"{name} must be a date without a time zone, got {ts}")
    if ts != ts.normalize():
        raise ValueError(f"{name} must be a date without a time of day, got {ts}")
    return ts.as_unit("ns")


def _check_value(key: str, value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{where}parameter {key!r} must be a positive number, got {value!r}")
    value = float(value)
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{where}parameter {key!r} must be a positive finite number, got {value!r}")
    return value


def _unknown(key: Any, where: str, allowed: tuple[str, ...]) -> ValueError:
    return ValueError(f"{where}unknown parameter {key!r}; valid parameters are: {', '.join(allowed)}")


def _resolve_params(params: Mapping[str, float] | None) -> dict[str, float]:
    resolved = dict(CDNOW_PARAMS)
    if params is None:
        return resolved
    if not isinstance(params, Mapping):
        raise ValueError(f"params must be a mapping of parameter name to value, got {type(params).__name__}")
    for key, value in params.items():
        if key not in CDNOW_PARAMS:
            raise _unknown(key, "params: ", PARAM_NAMES)
        resolved[key] = _check_value(key, value, "params: ")
    return resolved


def _resolve_channels(
    specs: Mapping[str, Mapping[str, float]], base: Mapping[str, float]
) -> tuple[list[str], np.ndarray, dict[str, dict[str, float]]]:
    if not isinstance(specs, Mapping) or len(specs) == 0:
        raise ValueError('channels must be a non-empty mapping of name to {"share": ..., ...}')
    names: list[str] = []
    shares: list[float] = []
    table: dict[str, dict[str, float]] = {}
    for name, spec in specs.items():
        if not isinstance(name, str) or not name:
            raise ValueError(f"channel names must be non-empty strings, got {name!r}")
        where = f"channel {name!r}: "
        if not isinstance(spec, Mapping):
            raise ValueError(f'{where}expected a mapping like {{"share": 0.5}}, got {spec!r}')
        if "share" not in spec:
            raise ValueError(f"{where}missing 'share'")
        share = spec["share"]
        if isinstance(share, bool) or not isinstance(share, numbers.Real) or not np.isfinite(share):
            raise ValueError(f"{where}share must be a number, got {share!r}")
        if share < 0:
            raise ValueError(f"{where}share must be non-negative, got {share}")
        resolved = dict(base)
        for key, value in spec.items():
            if key == "share":
                continue
            if key not in CDNOW_PARAMS:
                raise _unknown(key, where, ("share",) + PARAM_NAMES)
            resolved[key] = _check_value(key, value, where)
        names.append(name)
        shares.append(float(share))
        table[name] = resolved
    total = float(np.sum(shares))
    if abs(total - 1.0) > _SHARE_TOLERANCE:
        raise ValueError(f"channel shares must sum to 1, they sum to {total!r}")
    return names, np.array(shares), table
