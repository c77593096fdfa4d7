"""Every dataset by one ``load_*`` per kind of data: the synthetic world or the user's file, chosen here.

This module sits above the areas (like :mod:`crmlab.audit`): it calls the readers and
simulators that live with each theory, so that :mod:`crmlab.data`, below every area, imports
none of them. The transactions loaders of :mod:`crmlab.data` (:func:`load_transactions`,
:func:`load_cdnow`, :func:`load_donations`) are here too, so every loader has one address.

Every notebook takes a source parameter per kind of data it reads: the word
``"synthetic"`` for a seeded world with its ground truth, or the path of the
user's own file (a folder for a network study). Each loader makes that choice
once, so no notebook writes ``if source == "synthetic": … else: read_…(path)``:

- the data are checked where they enter, by the kind's own reader
  (:func:`~crmlab.theories.nordic.read_interactions`,
  :func:`~crmlab.theories.imp.read_network_tables`, …), so a bad source stops
  with a :class:`~crmlab.data.DataError` naming the file, row and column;
- a synthetic world is drawn by the kind's simulator with the keyword
  arguments given (``**world``: the simulator's own parameter names, its
  defaults otherwise) and returned beside the data, so a report can set the
  planted truth beside the estimate.

Each loader returns a :class:`Loaded` pair ``(data, world)``; ``world`` is
``None`` for a file. The simulators and readers live with their theory; they
are imported when called, so importing this module stays cheap.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, NamedTuple

import pandas as pd

from crmlab.data.cdnow import load_cdnow
from crmlab.data.donations import load_donations
from crmlab.data.sources import load_transactions

__all__ = [
    "LOADER_WORLDS",
    "SYNTHETIC",
    "Loaded",
    "is_synthetic",
    "load_accounts",
    "load_adoptions",
    "load_cdnow",
    "load_customer_base",
    "load_donations",
    "load_favour_ledger",
    "load_interactions",
    "load_network",
    "load_referrals",
    "load_relationship_histories",
    "load_satisfaction_survey",
    "load_service_quality",
    "load_survey",
    "load_transactions",
    "load_wallets",
    "referral_customers",
]

#: The source name of a seeded synthetic world.
SYNTHETIC = "synthetic"

Source = str | os.PathLike[str] | pd.DataFrame

#: The simulator each loader draws its world with when the source is ``"synthetic"`` (for the
#: citations of a page's synthetic data).
LOADER_WORLDS = {
    "load_transactions": "simulate_transactions",
    "load_customer_base": "simulate_transactions",
    "load_relationship_histories": "simulate_relationships",
    "load_network": "simulate_b2b_network",
    "load_interactions": "simulate_interactions",
    "load_survey": "simulate_kmv_survey",
    "load_satisfaction_survey": "simulate_satisfaction_survey",
    "load_referrals": "simulate_referral_world",
    "load_adoptions": "simulate_referral_world",
    "load_service_quality": "simulate_service_quality",
    "load_favour_ledger": "simulate_favour_ledger",
    "load_accounts": "simulate_accounts",
}


class Loaded(NamedTuple):
    """Checked data from a named source, and the synthetic world it was drawn from.

    ``data`` is the checked table (or a dict of tables for a kind of data
    that comes in several); ``world`` is the simulator's return value, ground
    truth included, or ``None`` when the data came from the user's file.
    Unpacks as a pair: ``log, world = load_interactions(...)``.

    >>> data, world = Loaded(pd.DataFrame({"x": [1]}), None)
    >>> world is None
    True
    """

    data: Any
    world: Any = None


def is_synthetic(source: Any) -> bool:
    """Whether ``source`` names the seeded synthetic world (the string ``"synthetic"``).

    >>> is_synthetic("synthetic"), is_synthetic("data/tx.csv"), is_synthetic(pd.DataFrame())
    (True, False, False)
    """
    return isinstance(source, str) and source == SYNTHETIC


def load_customer_base(source: Source, *, columns: Mapping[str, str] | None = None, **world: Any) -> Loaded:
    """The transactions of a customer base, with the synthetic world when there is one.

    ``"synthetic"``: :func:`~crmlab.data.simulate_transactions` with ``world``
    (``n_customers``, ``acquisition_end``, ``rng``, …): BG/NBD purchasing and
    Gamma-Gamma spend per acquisition channel (Fader, Hardie & Lee 2005a,
    2005b), returned as the world with its planted channels. Anything else
    goes to :func:`~crmlab.data.load_transactions` (``"cdnow"``,
    ``"cdnow_full"`` or a CSV/Parquet path read with ``columns``), world
    ``None``.

    >>> tx, world = load_customer_base("synthetic", n_customers=20, acquisition_end="2020-03-31", rng=1)
    >>> tx["customer_id"].nunique() <= 20, world.channels["channel"].tolist()
    (True, ['search', 'referral', 'social'])
    >>> load_customer_base("cdnow").world is None
    True
    """
    if is_synthetic(source):
        from crmlab.data.simulate import simulate_transactions

        simulated = simulate_transactions(**world)
        return Loaded(simulated.transactions, simulated)
    return Loaded(load_transactions(source, columns=columns), None)


def load_relationship_histories(source: Source, *, columns: Mapping[str, str] | None = None, **world: Any) -> Loaded:
    """Transactions, interactions and terminations of relationships, for the lifecycle (Dwyer, Schurr & Oh 1987).

    ``"synthetic"``: :func:`~crmlab.theories.lifecycle.simulate_relationships`
    with ``world`` (``n_customers``, ``n_periods``, ``cost_effect``, ``rng``, …),
    whose histories move through planted phases. Otherwise a transactions
    source of :func:`~crmlab.data.load_transactions`; a transaction log holds
    no contacts and no record of who ended a relationship, so
    ``interactions`` and ``terminations`` are ``None``. ``data`` is a dict
    with the three keys.

    >>> data, world = load_relationship_histories("synthetic", n_customers=10, n_periods=6, rng=1)
    >>> sorted(data), world.truth["customer_id"].nunique()
    (['interactions', 'terminations', 'transactions'], 10)
    """
    if is_synthetic(source):
        from crmlab.theories.lifecycle import simulate_relationships

        simulated = simulate_relationships(**world)
        return Loaded({"transactions": simulated.transactions, "interactions": simulated.interactions,
                       "terminations": simulated.terminations}, simulated)
    tx = load_transactions(source, columns=columns)
    return Loaded({"transactions": tx, "interactions": None, "terminations": None}, None)


def load_network(source: Source, **world: Any) -> Loaded:
    """The four tables of a business network study (the IMP group's ARA model, Håkansson & Snehota 1995).

    ``"synthetic"``: :func:`~crmlab.theories.imp.simulate_b2b_network` with
    ``world`` (``n_communities``, ``actors_per_community``, ``n_brokers``,
    ``years``, ``rng``, …), planted communities and brokers on the world.
    Otherwise a folder read by :func:`~crmlab.theories.imp.read_network_tables`
    (actors and episodes, optionally resource ties and activity links).
    ``data`` is the dict of :func:`~crmlab.theories.imp.network_tables`.

    >>> tables, world = load_network("synthetic", n_communities=2, actors_per_community=6, n_brokers=1, rng=1)
    >>> len(tables["actors"]), len(world.brokers)
    (13, 1)
    """
    from crmlab.theories.imp import network_tables, read_network_tables, simulate_b2b_network

    if is_synthetic(source):
        simulated = simulate_b2b_network(**world)
        return Loaded(network_tables(simulated), simulated)
    return Loaded(read_network_tables(source), None)


def load_interactions(source: Source, **world: Any) -> Loaded:
    """The checked interaction log of the Nordic school (acts, episodes, sequences; Holmlund 1996).

    ``"synthetic"``: :func:`~crmlab.theories.nordic.simulate_interactions` with
    ``world`` (``n_customers``, ``n_periods``, ``rng``), each customer's
    latent relationship quality on the world. Either way the log goes through
    :func:`~crmlab.theories.nordic.read_interactions`.

    >>> log, world = load_interactions("synthetic", n_customers=5, n_periods=2, rng=1)
    >>> log["customer_id"].nunique() <= 5, len(world.quality)
    (True, 5)
    """
    from crmlab.theories.nordic import read_interactions, simulate_interactions

    if is_synthetic(source):
        simulated = simulate_interactions(**world)
        return Loaded(read_interactions(simulated.log), simulated)
    return Loaded(read_interactions(source), None)


def load_survey(source: Source, **world: Any) -> Loaded:
    """The answers of a trust–commitment survey (Morgan & Hunt 1994), items named ``<construct>_<k>``.

    ``"synthetic"``: :func:`~crmlab.theories.trust_commitment.simulate_kmv_survey`
    with ``world`` (``n_respondents``, ``loading``, ``items_per_construct``,
    ``reverse_items``, ``scale``, ``rng``), the planted paths on the world.
    Otherwise a CSV read by :func:`~crmlab.theories.trust_commitment.read_survey`.
    The answers are checked against the scale by
    :func:`~crmlab.theories.trust_commitment.validate_survey`, which needs the
    scale and the reversed items the page declares.

    >>> answers, world = load_survey("synthetic", n_respondents=12, rng=1)
    >>> len(answers), ("trust", "commitment") in world.paths
    (12, True)
    """
    from crmlab.theories.trust_commitment import read_survey, simulate_kmv_survey

    if is_synthetic(source):
        simulated = simulate_kmv_survey(**world)
        return Loaded(simulated.responses, simulated)
    return Loaded(read_survey(source), None)


def load_satisfaction_survey(source: Source, **world: Any) -> Loaded:
    """The answers of a customer-satisfaction survey (ECSI items: ``IMAG1``…, ``CUSA1``…, ``CUSL1``…).

    ``"synthetic"``: :func:`~crmlab.theories.satisfaction.simulate_satisfaction_survey`
    with ``world`` (``n_respondents``, ``loading``, ``paths``, ``segments``,
    ``segment_paths``, ``rng``, …), the planted paths on the world.
    ``"mobi"``: the ECSI mobile-phone survey (:func:`crmlab.data.load_ecsi_mobi`,
    which needs ``crmlab[surveys]``). Otherwise a CSV read by the lab's file
    loader; the items are checked where the PLS model reads them, naming the
    file, respondent and item.

    >>> answers, world = load_satisfaction_survey("synthetic", n_respondents=20, rng=1)
    >>> answers.shape, world.segment
    ((20, 25), 'channel')
    """
    from crmlab.theories.satisfaction import simulate_satisfaction_survey

    if is_synthetic(source):
        simulated = simulate_satisfaction_survey(**world)
        return Loaded(simulated.responses, simulated)
    if isinstance(source, str) and source == "mobi":
        from crmlab.data import load_ecsi_mobi

        return Loaded(load_ecsi_mobi(), None)
    from crmlab.data.tables import load_table

    return Loaded(load_table(source, what="survey")[1], None)


def load_referrals(source: Source, **world: Any) -> Loaded:
    """The checked referral log (referrer, referred, date) of Kumar, Petersen & Leone (2007, 2010).

    ``"synthetic"``: :func:`~crmlab.theories.referral.simulate_referral_world`
    with ``world`` (``m``, ``p``, ``q``, ``n_periods``, ``share_would_join_anyway``,
    ``discount_rate``, ``rng``, …): a Bass (1969) market whose word-of-mouth
    adopters were referred by earlier ones. Either way the log goes through
    :func:`~crmlab.theories.referral.read_referrals`.

    >>> referrals, world = load_referrals("synthetic", m=200, n_periods=6, rng=1)
    >>> list(referrals.columns[:3]), world.truth["m"]
    (['referrer_id', 'referred_id', 'date'], 200)
    """
    from crmlab.theories.referral import read_referrals, simulate_referral_world

    if is_synthetic(source):
        simulated = simulate_referral_world(**world)
        return Loaded(read_referrals(simulated.referrals), simulated)
    return Loaded(read_referrals(source), None)


def referral_customers(
    referrals: pd.DataFrame, world: Any = None, *, clv_per_customer: float, share_would_join_anyway: float
) -> pd.DataFrame:
    """Each customer's own CLV and chance of having joined anyway, the inputs of the referral value.

    The customer referral value (Kumar, Petersen & Leone 2010) credits a
    referrer only with the referred customers who would not have come
    anyway, and sets it beside the customer's own CLV. A synthetic referral
    world knows both per customer (its retention-based ``clv`` and
    ``would_join_anyway``); a referral log does not, so every customer named
    in it gets ``clv_per_customer`` and ``share_would_join_anyway``. Returns
    ``own_clv`` and ``would_join_anyway`` indexed by customer id.

    >>> log = pd.DataFrame({"referrer_id": ["A"], "referred_id": ["B"], "date": [pd.Timestamp("2022-01-01")]})
    >>> referral_customers(log, clv_per_customer=150.0, share_would_join_anyway=0.3)
       own_clv  would_join_anyway
    A    150.0                0.3
    B    150.0                0.3
    """
    if world is not None:
        customers = world.customers.set_index("customer_id")
        return pd.DataFrame({"own_clv": customers["clv"], "would_join_anyway": customers["would_join_anyway"].astype(float)})
    everyone = pd.Index(sorted(set(referrals["referrer_id"]) | set(referrals["referred_id"])))
    return pd.DataFrame({"own_clv": float(clv_per_customer), "would_join_anyway": float(share_would_join_anyway)},
                        index=everyone)


def load_adoptions(source: Source, **world: Any) -> Loaded:
    """New adopters per period, the input of the Bass (1969) diffusion model.

    ``"synthetic"``: the total adoptions per period of
    :func:`~crmlab.theories.referral.simulate_referral_world` with ``world``
    (the same market :func:`load_referrals` draws with the same arguments).
    Otherwise a table of ``period``, ``adoptions`` read by
    :func:`~crmlab.theories.referral.read_adoptions`.

    >>> adoptions, world = load_adoptions("synthetic", m=200, n_periods=6, rng=1)
    >>> len(adoptions), int(adoptions.sum()) == int(world.adoptions["total"].sum())
    (6, True)
    """
    from crmlab.theories.referral import read_adoptions, simulate_referral_world

    if is_synthetic(source):
        simulated = simulate_referral_world(**world)
        return Loaded(simulated.adoptions["total"], simulated)
    return Loaded(read_adoptions(source), None)


def load_service_quality(source: Source, **world: Any) -> Loaded:
    """Service interactions, complaints and satisfaction per period, for control charts (Montgomery 2009).

    ``"synthetic"``: :func:`~crmlab.theories.referral.simulate_service_quality`
    with ``world`` (``n_periods``, ``improvement_at``, ``shift_at``, ``rng``, …);
    ``world`` is then its dict of planted values (complaint rates before and
    after the improvement, the week satisfaction shifts). Otherwise a table
    read by :func:`~crmlab.theories.referral.read_service_quality`.

    >>> weeks, truth = load_service_quality("synthetic", n_periods=10, improvement_at=5, shift_at=8, rng=1)
    >>> len(weeks), truth["shift_at"]
    (10, 8)
    """
    from crmlab.theories.referral import read_service_quality, simulate_service_quality

    if is_synthetic(source):
        weeks, truth = simulate_service_quality(**world)
        return Loaded(weeks, truth)
    return Loaded(read_service_quality(source), None)


def load_favour_ledger(source: Source, **world: Any) -> Loaded:
    """The checked favour ledger (giver, receiver, date, value, tie type) of guanxi (Hwang 1987).

    ``"synthetic"``: :func:`~crmlab.theories.guanxi.simulate_favour_ledger`
    with ``world`` (``n_people``, ``n_periods``, ``obligation_effect``, ``rng``, …),
    the planted clans and obligation effect on the world. Either way the
    ledger goes through :func:`~crmlab.theories.guanxi.read_favour_ledger`.

    >>> ledger, world = load_favour_ledger("synthetic", n_people=20, n_periods=3, rng=1)
    >>> {"giver", "receiver", "tie_type"} <= set(ledger.columns), world.truth["obligation_effect"]
    (True, 1.5)
    """
    from crmlab.theories.guanxi import read_favour_ledger, simulate_favour_ledger

    if is_synthetic(source):
        simulated = simulate_favour_ledger(**world)
        return Loaded(read_favour_ledger(simulated.ledger), simulated)
    return Loaded(read_favour_ledger(source), None)


def load_accounts(source: Source, *, unit_terms: Source | None = None, ties: Source | None = None, **world: Any) -> Loaded:
    """An account portfolio (Fiocca 1982), with the terms of its global accounts and its supplier ties.

    ``"synthetic"``: :func:`~crmlab.strategy.simulate_accounts` with ``world``
    (``n_accounts``, ``n_units``, ``local_top``, ``rng``, …), which draws all
    three tables with their planted cells and global accounts. Otherwise the
    account table is read by :func:`~crmlab.strategy.read_accounts`, and
    ``unit_terms`` and ``ties`` (paths; ``""`` or ``None`` for none) by
    :func:`~crmlab.strategy.read_unit_terms` and :func:`~crmlab.strategy.read_ties`.
    ``data`` is a dict of ``accounts``, ``unit_terms`` and ``ties`` (``None``
    when not given).

    >>> tables, world = load_accounts("synthetic", n_accounts=30, rng=1)
    >>> len(tables["accounts"]), tables["ties"] is not None
    (30, True)
    """
    from crmlab.strategy import read_accounts, read_ties, read_unit_terms, simulate_accounts

    if is_synthetic(source):
        simulated = simulate_accounts(**world)
        return Loaded({"accounts": simulated.accounts, "unit_terms": simulated.unit_terms, "ties": simulated.ties},
                      simulated)
    return Loaded({"accounts": read_accounts(source), "unit_terms": _optional(read_unit_terms, unit_terms),
                   "ties": _optional(read_ties, ties)}, None)


def load_wallets(source: Source | None) -> pd.Series | None:
    """Each customer's wallet (category spend), the denominator of the share of wallet; ``None`` when not given.

    A CSV/Parquet table of ``customer_id`` and ``wallet`` (≥ 0), one row per
    customer, read by :func:`~crmlab.data.tables.read_table`. The share of
    wallet (Cooil, Keiningham, Aksoy & Hsu 2007) is the customer's spend with
    the firm over this wallet; ``""`` or ``None`` means the wallets are unknown.

    >>> load_wallets(pd.DataFrame({"customer_id": ["A", "B"], "wallet": [100.0, 40.0]})).to_dict()
    {'A': 100.0, 'B': 40.0}
    >>> load_wallets("") is None
    True
    """
    from crmlab.data.tables import Column, read_table

    def read(path: Source) -> pd.Series:
        table = read_table(path, (Column("customer_id", "id"), Column("wallet", "number", low=0)), what="wallets",
                           unique=["customer_id"])
        return table.set_index("customer_id")["wallet"]

    return _optional(read, source)


def _optional(reader: Any, source: Source | None) -> Any:
    """``reader(source)``, or ``None`` when no source is given (``None`` or ``""``)."""
    if source is None or (isinstance(source, str) and not source):
        return None
    return reader(source)
