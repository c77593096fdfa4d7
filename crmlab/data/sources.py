"""One name for every data source a notebook can run on.

Notebooks take a ``source`` parameter so the same report runs on the bundled
data, on a synthetic world, or on the user's own file:

- ``"cdnow"``: the CDNOW 1/10 sample (:func:`~crmlab.data.load_cdnow`);
- ``"cdnow_full"``: the full CDNOW cohort;
- ``"synthetic"``: :func:`~crmlab.data.simulate_transactions` with
  ``n_customers`` and ``rng``;
- anything else: a CSV/Parquet path read by :func:`~crmlab.data.read_transactions`
  with the ``columns`` mapping.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping

import pandas as pd

from crmlab.data.cdnow import load_cdnow
from crmlab.data.missing import MISSING_VALUES
from crmlab.data.transactions import read_transactions

BUNDLED_SOURCES = ("cdnow", "cdnow_full", "synthetic")


def load_transactions(
    source: str | os.PathLike[str],
    *,
    columns: Mapping[str, str] | None = None,
    date_format: str | None = None,
    dayfirst: bool | None = None,
    na_values: Iterable[str] = MISSING_VALUES,
    n_customers: int = 2000,
    start: str = "2020-01-01",
    end: str = "2021-12-31",
    acquisition_end: str | None = None,
    rng: int | None = None,
) -> pd.DataFrame:
    """The canonical transactions of a named bundled source or of a file.

    Parameters
    ----------
    source : str or path
        ``"cdnow"``, ``"cdnow_full"``, ``"synthetic"`` or a CSV/Parquet path.
    columns, date_format, dayfirst, na_values
        Passed to :func:`~crmlab.data.read_transactions` for a file: the
        column mapping, the dates' format (or ``dayfirst`` where dates read
        both day-first and month-first) and the cell texts read as missing.
    n_customers, start, end, acquisition_end, rng
        Passed to :func:`~crmlab.data.simulate_transactions` for ``"synthetic"``.

    >>> load_transactions("cdnow").shape
    (6919, 4)
    """
    if source == "cdnow":
        return load_cdnow(sample=True)
    if source == "cdnow_full":
        return load_cdnow(sample=False)
    if source == "synthetic":
        from crmlab.data.simulate import simulate_transactions

        world = simulate_transactions(
            n_customers, start=start, end=end, acquisition_end=acquisition_end or None, rng=rng
        )
        return world.transactions
    return read_transactions(source, columns=columns, date_format=date_format, dayfirst=dayfirst, na_values=na_values)
