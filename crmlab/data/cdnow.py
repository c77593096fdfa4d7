"""The CDNOW dataset: real purchases of an online music retailer, 1997–1998.

The cohort of customers who made their first purchase at CDNOW in the first
quarter of 1997, followed to the end of June 1998: the standard benchmark of
"Buy Till You Die" models (Fader, Hardie & Lee 2005, Marketing Science 24(2);
Fader, Hardie & Lee 2005, JMR 42(4)). Made public by Peter Fader and Bruce
Hardie; see ``data/cdnow/README.md`` for the source and the file layout.

The papers' conventions are kept as constants, to pass to
:func:`crmlab.customers.transaction_summary`::

    transaction_summary(load_cdnow(), **CDNOW_CONVENTIONS)

counts several purchases on one day as one transaction, measures recency and
age in weeks (days / 7), and splits a 39-week calibration period (to
1997-09-30) from a 39-week holdout (to 1998-06-30).
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from crmlab.datalog import record_data_file

from crmlab.data.transactions import read_transactions

#: First day of the acquisition quarter.
CDNOW_START = pd.Timestamp("1997-01-01")
#: Last day of the 39-week calibration period used in the papers.
CDNOW_CALIBRATION_END = pd.Timestamp("1997-09-30")
#: Last day of the data (end of the 39-week holdout).
CDNOW_OBSERVATION_END = pd.Timestamp("1998-06-30")
#: Keyword arguments of transaction_summary that reproduce the papers' summary.
CDNOW_CONVENTIONS = {
    "freq": "D",
    "time_unit": "W",
    "calibration_end": CDNOW_CALIBRATION_END,
    "observation_end": CDNOW_OBSERVATION_END,
}

_COLUMNS = {
    True: ["customer_id", "sample_id", "date", "quantity", "amount"],
    False: ["customer_id", "date", "quantity", "amount"],
}


def data_dir() -> Path:
    """The folder of bundled datasets: ``$CRMLAB_DATA_DIR`` or ``data/`` of the source tree."""
    env = os.environ.get("CRMLAB_DATA_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "data"


def cdnow_path(sample: bool = True) -> Path:
    """Path of the bundled CDNOW file (the 1/10 sample or the full cohort)."""
    return data_dir() / "cdnow" / ("CDNOW_sample.txt" if sample else "CDNOW_master.txt")


def load_cdnow(sample: bool = True) -> pd.DataFrame:
    """CDNOW purchases as the canonical transactions table (day level).

    Parameters
    ----------
    sample : bool
        ``True`` (default): the 1/10 sample of 2,357 customers used in the
        papers (6,919 purchase records); ``False``: the full cohort of 23,570
        customers (69,659 records).

    Returns
    -------
    pandas.DataFrame
        ``customer_id`` (the id of the full cohort, so the sample is a subset),
        ``date``, ``amount`` (US dollars), ``quantity`` (number of CDs). Several
        purchases on one day stay separate rows; the summary functions merge
        them by period.

    Source: Fader, Hardie & Lee (2005), "Counting Your Customers the Easy Way",
    Marketing Science 24(2), 275–284.

    >>> tx = load_cdnow()
    >>> len(tx), tx["customer_id"].nunique()
    (6919, 2357)
    >>> str(tx["date"].min().date()), str(tx["date"].max().date())
    ('1997-01-01', '1998-06-30')
    """
    path = cdnow_path(sample)
    raw = pd.read_csv(path, sep=r"\s+", header=None, dtype=str, skiprows=0 if sample else 1, names=_COLUMNS[sample])
    frame = read_transactions(raw.drop(columns="sample_id", errors="ignore"), date_format="%Y%m%d")
    record_data_file(path)  # for report provenance
    return frame
