"""Benchmark: a transactions table checked once, where it enters, against checked again by every metric.

Usage (from the repository root)::

    .venv/bin/python benchmarks/checked_table.py                  # 1M rows, 5 repeats
    .venv/bin/python benchmarks/checked_table.py --rows 200000 --repeats 3

A seeded synthetic log (``--rows`` purchases of rows / 10 customers over two
years, text ids) is checked once by :func:`crmlab.data.validate_transactions`,
which marks the frame it returns as checked (:mod:`crmlab.data.checked`). In
one process, each timed with ``time.perf_counter`` over ``--repeats`` runs
after one untimed warm-up, median and minimum reported:

- ``checked frame``: the metric on the checked frame (passed straight to
  Polars: the behaviour now);
- ``re-checked frame``: the metric on an unmarked copy of it (made before the
  timer starts), which the pandas reader coerces and checks again, as every
  metric did with every pandas frame before the mark existed;
- ``Polars frame``: the metric on the same table as a Polars DataFrame, the
  reference measured in the same run (checked in the metric's own pass).

Two workloads: ``transaction_summary`` (``freq="D"``, ``time_unit="W"``), and
notebook 01's sequence of metrics on one frame (the summary, the repeat
purchase rate, retention, cohorts, interpurchase times and their
distribution). The check itself (``validate_transactions`` on the raw frame)
is timed too. Results: ``benchmarks/results/checked_table.md`` (or ``--output``).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import polars as pl

from crmlab.customers import (
    cohort_retention,
    interpurchase_distribution,
    interpurchase_times,
    repeat_purchase_rate,
    retention_rate,
    transaction_summary,
)
from crmlab.data import validate_transactions
from crmlab.data.checked import is_checked

OBSERVATION_END = "2021-12-31"


def synthetic_log(rows: int, seed: int) -> pd.DataFrame:
    """A raw log (text dates, as read from a file): rows / 10 customers, purchases over 2020–2021."""
    rng = np.random.default_rng(seed)
    customers = rng.integers(0, max(rows // 10, 1), rows)
    days = rng.integers(0, 731, rows)
    return pd.DataFrame(
        {
            "customer_id": [f"C{c:08d}" for c in customers],
            "date": (pd.Timestamp("2020-01-01") + pd.to_timedelta(days, unit="D")).strftime("%Y-%m-%d"),
            "amount": np.round(rng.lognormal(3.0, 0.8, rows), 2),
        }
    )


def summary(tx: Any) -> Any:
    return transaction_summary(tx, observation_end=OBSERVATION_END, freq="D", time_unit="W")


def notebook_01(tx: Any) -> Any:
    """Notebook 01's metrics, in its order, on one frame (freq "M", interpurchase times in days)."""
    return (
        transaction_summary(tx, freq="D", time_unit="W", observation_end=OBSERVATION_END),
        repeat_purchase_rate(tx, freq="D"),
        retention_rate(tx, freq="M"),
        cohort_retention(tx, freq="M"),
        interpurchase_times(tx, unit="D"),
        interpurchase_distribution(tx, unit="D"),
    )


def timed(call: Callable[[], Any], repeats: int, prepare: Callable[[], Any] | None = None) -> list[float]:
    """Wall times of ``call`` (one untimed warm-up first); ``prepare`` runs before each, outside the timer."""
    times = []
    for i in range(repeats + 1):
        argument = prepare() if prepare else None
        start = time.perf_counter()
        call() if argument is None else call(argument)
        if i:
            times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--output", type=Path, default=Path(__file__).parent / "results" / "checked_table.md")
    args = parser.parse_args()

    raw = synthetic_log(args.rows, args.seed)
    check_times = timed(lambda: validate_transactions(raw), args.repeats)
    checked = validate_transactions(raw)
    polars_frame = pl.from_pandas(checked)
    assert is_checked(checked) and not is_checked(checked.copy())
    pd.testing.assert_frame_equal(summary(checked), summary(checked.copy()))  # the same table either way

    rows = [("validate_transactions (the check itself)", "raw frame", check_times)]
    for name, work in (("transaction_summary", summary), ("notebook 01's metrics", notebook_01)):
        rows.append((name, "checked frame", timed(lambda: work(checked), args.repeats)))
        rows.append((name, "re-checked frame", timed(work, args.repeats, prepare=checked.copy)))
        rows.append((name, "Polars frame", timed(lambda: work(polars_frame), args.repeats)))

    medians = {(w, m): statistics.median(t) for w, m, t in rows}
    lines = [
        "# A table checked once: metrics on a checked pandas frame",
        "",
        f"Generated by `benchmarks/checked_table.py --rows {args.rows} --repeats {args.repeats} --seed {args.seed}` "
        f"on {time.strftime('%Y-%m-%d')}.",
        "",
        f"Environment: Python {platform.python_version()}, pandas {pd.__version__}, polars {pl.__version__}, "
        f"numpy {np.__version__}; {platform.machine()}, {os.cpu_count()} CPUs, load average at the end "
        f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}.",
        "",
        f"Data: {args.rows:,} purchases of {checked['customer_id'].nunique():,} customers (text ids), 2020–2021. "
        "One process; each line is the median and minimum of the repeats after one untimed warm-up "
        "(`time.perf_counter`). `checked frame`: the frame `validate_transactions` returned (passed on "
        "without a second check); `re-checked frame`: an unmarked copy of it (made outside the timer), "
        "coerced and checked again by the pandas reader in every metric, as before the mark; `Polars frame`: "
        "the same table as a Polars DataFrame (the reference, checked in the metric's own pass). "
        "`vs re-checked` = re-checked median ÷ this median; `vs Polars` = this median ÷ the Polars median.",
        "",
        "| workload | input | median (s) | min (s) | vs re-checked | vs Polars |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for work, method, times in rows:
        median = medians[(work, method)]
        speedup = medians.get((work, "re-checked frame"))
        polars = medians.get((work, "Polars frame"))
        lines.append(
            f"| {work} | {method} | {median:.3f} | {min(times):.3f} | "
            f"{f'{speedup / median:.2f}×' if speedup else ''} | {f'{median / polars:.2f}' if polars else ''} |"
        )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
