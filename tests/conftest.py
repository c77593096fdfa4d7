"""Fixtures shared by the test modules."""

from __future__ import annotations

import pandas as pd
import pytest

from crmlab.customers import transaction_summary
from crmlab.data import CDNOW_CONVENTIONS, load_cdnow


@pytest.fixture(scope="session")
def cdnow_summary() -> pd.DataFrame:
    """The CDNOW calibration/holdout summary of the papers (Fader, Hardie & Lee 2005): 2,357
    customers, one transaction per day, weeks, 39-week calibration ending 1997-09-30."""
    return transaction_summary(load_cdnow(), **CDNOW_CONVENTIONS)
