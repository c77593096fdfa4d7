"""The donations dataset of Fader, Hardie & Shang (2010): repeat giving in six annual opportunities."""

from __future__ import annotations

import pandas as pd

from crmlab.data.cdnow import data_dir
from crmlab.datalog import record_data_file

__all__ = ["load_donations"]


def load_donations() -> pd.DataFrame:
    """The 22 recency/frequency patterns of 11,104 supporters over 6 annual opportunities.

    Columns ``frequency`` (x), ``recency`` (t_x), ``n`` (opportunities, 6) and
    ``n_customers`` (count of supporters with that pattern); see
    ``data/donations/README.md``. The input of
    :class:`crmlab.clv.BetaGeoBetaBinom`, fitted with ``weights=n_customers``.

    >>> donations = load_donations()
    >>> len(donations), int(donations["n_customers"].sum())
    (22, 11104)
    """
    path = data_dir() / "donations" / "donations.csv"
    record_data_file(path)  # for report provenance
    return pd.read_csv(path, dtype={"frequency": "int64", "recency": "int64", "n": "int64", "n_customers": "int64"})
