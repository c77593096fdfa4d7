"""Benchmark crmlab.customers.transaction_summary against a plain pandas groupby implementation.

Usage (from the repository root)::

    .venv/bin/python benchmarks/summary_benchmark.py                      # 100k, 1M, 5M rows, 3 repeats
    .venv/bin/python benchmarks/summary_benchmark.py --rows 100000 1000000 --repeats 5

For each size, a seeded synthetic transaction log (about 10 purchases per
customer over two years, several purchases on some days) is written to a
temporary Parquet file. Each measurement runs in its own Python subprocess,
which reports the wall time of the timed call (``time.perf_counter``) and its
peak resident memory (``_common.peak_rss_kb``: the process's RSS high-water mark,
which counts Arrow/Polars buffers that ``tracemalloc`` does not see). The methods:

- ``pandas reference``: :func:`pandas_summary` below, on a pandas frame
  already in memory (read before the timer starts);
- ``pandas reference + read``: ``pandas.read_parquet`` then :func:`pandas_summary`;
- ``crmlab, Parquet path``: ``transaction_summary(path)``: lazy scan, the
  data layer's checks counted in the summary's pass (compare with "pandas
  reference + read"); from 4M rows the compiled kernels
  (``crmlab.customers.compiled``), their load from numba's cache timed;
- ``crmlab, pandas frame``: ``transaction_summary(frame)`` on the same
  in-memory frame (compare with "pandas reference"); its columns are typed
  (datetimes, floats, text ids), so the frame is handed to Polars and checked
  in the summary's own pass (a frame of text cells would be coerced and
  checked by the data layer's pandera reader first).

The summary computed is the CDNOW papers' set-up: one transaction per day,
recency and T in weeks, a calibration period (the first year) and a holdout
(the second). The script checks once, on the smallest size, that crmlab and
the reference give the same table, then writes a markdown table to
``benchmarks/results/summary.md`` (or ``--output``).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the scripts' shared module, also when loaded by path
from _common import (  # noqa: E402
    add_common_arguments,
    environment,
    generated_by,
    markdown_table,
    run_fresh,
    warm_up_compiled_kernels,
    write_results,
)

OBSERVATION_END = "2021-12-31"
CALIBRATION_END = "2020-12-31"
SETTINGS = {"observation_end": OBSERVATION_END, "calibration_end": CALIBRATION_END, "freq": "D", "time_unit": "W"}
UNIT_DAYS = {"D": 1.0, "W": 7.0, "M": 30.4375}
PANDAS_FREQ = {"D": "D", "W": "W-SUN", "M": "M"}

METHODS = ("pandas reference", "pandas reference + read", "crmlab, Parquet path", "crmlab, pandas frame")
LIFETIMES = "lifetimes (own venv)"
#: Which reference each crmlab method is compared with.
COMPARE = {"crmlab, Parquet path": "pandas reference + read", "crmlab, pandas frame": "pandas reference"}


# ---------------------------------------------------------------------------------------------
# The reference: the same summary written directly in pandas (groupby, no Python row loops).
# ---------------------------------------------------------------------------------------------


def pandas_summary(
    tx: pd.DataFrame,
    *,
    observation_end,
    freq: str = "D",
    time_unit: str | None = None,
    calibration_end=None,
) -> pd.DataFrame:
    """transaction_summary's definitions written with pandas Periods and groupby (see its docstring).

    Takes a frame with ``customer_id``, ``date`` (datetime64), ``amount``;
    returns the same columns, index and dtypes as
    :func:`crmlab.customers.transaction_summary`.
    """
    one_day = pd.Timedelta(days=1)
    end = pd.Timestamp(observation_end).normalize()
    cal = None if calibration_end is None else pd.Timestamp(calibration_end).normalize()
    split = end if cal is None else cal
    pfreq = PANDAS_FREQ[freq]
    tx = tx[["customer_id", "date", "amount"]]
    if (tx["date"] >= end + one_day).any():
        raise ValueError("purchases after observation_end")
    in_cal = tx["date"] < split + one_day

    def by_period(part: pd.DataFrame) -> pd.DataFrame:
        part = part.assign(period=part["date"].dt.to_period(pfreq))
        out = (
            part.groupby(["customer_id", "period"], sort=True)
            .agg(value=("amount", "sum"), n=("amount", "size"), first_date=("date", "min"), last_date=("date", "max"))
            .reset_index()
        )
        out["ordinal"] = out["period"].array.asi8
        out["start"] = out["period"].dt.start_time
        return out

    per = by_period(tx[in_cal])
    g = per.groupby("customer_id", sort=True)
    n_periods = g.size()
    frequency = n_periods - 1
    first_value = g["value"].first()  # rows are sorted by period within a customer
    total = g["value"].sum()
    end_period = pd.Period(split, pfreq)
    if time_unit is None:
        recency = (g["ordinal"].max() - g["ordinal"].min()).astype("float64")
        age = (end_period.ordinal - g["ordinal"].min()).astype("float64")
        duration = float(pd.Period(end, pfreq).ordinal - end_period.ordinal)
    else:
        days = UNIT_DAYS[time_unit]
        first_start = g["start"].min()
        recency = (g["start"].max() - first_start).dt.days / days
        age = (end_period.start_time - first_start).dt.days / days
        duration = (pd.Period(end, pfreq).start_time - end_period.start_time).days / days
    result = pd.DataFrame(
        {
            "frequency": frequency.astype("int64"),
            "recency": recency.astype("float64"),
            "T": age.astype("float64"),
            "monetary_value": ((total - first_value) / frequency.where(frequency > 0)).fillna(0.0),
        }
    )
    if cal is not None:
        hold = by_period(tx[~in_cal]).groupby("customer_id")
        count = hold.size().reindex(result.index, fill_value=0)
        result["frequency_holdout"] = count.astype("int64")
        result["monetary_value_holdout"] = (hold["value"].sum().reindex(result.index) / count.where(count > 0)).fillna(0.0)
        result["duration_holdout"] = float(duration)
    result["first_purchase"] = g["first_date"].min().astype("datetime64[ns]")
    result["last_purchase"] = g["last_date"].max().astype("datetime64[ns]")
    result["n_purchases"] = g["n"].sum().astype("int64")
    result["total_spend"] = total
    result.index.name = "customer_id"
    return result


# ---------------------------------------------------------------------------------------------
# Synthetic data and measurements.
# ---------------------------------------------------------------------------------------------


def synthetic_log(rows: int, seed: int) -> pd.DataFrame:
    """A seeded transaction log: ~10 purchases per customer, acquisitions over 2020, purchases to 2021-12-31."""
    rng = np.random.default_rng(seed)
    n_customers = max(1, rows // 10)
    customer = rng.integers(0, n_customers, rows)
    first_day = rng.integers(0, 366, n_customers)  # acquisition day in 2020
    horizon = 731 - first_day[customer]  # days left to 2021-12-31
    day = first_day[customer] + np.minimum(rng.exponential(150.0, rows), horizon - 1).astype(np.int64)
    seconds = rng.integers(8 * 3600, 22 * 3600, rows)
    date = np.datetime64("2020-01-01", "ns") + (day * 86_400 + seconds).astype("timedelta64[s]").astype("timedelta64[ns]")
    amount = np.round(rng.lognormal(3.0, 0.8, rows), 2)
    ids = np.char.add("C", np.char.zfill(customer.astype(str), 8))
    return pd.DataFrame({"customer_id": pd.array(ids, dtype="str"), "date": date, "amount": amount})


CHILD = r"""
import json, sys, time
import pandas as pd
method, path, settings = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
sys.path.insert(0, sys.argv[4])
from _common import peak_rss_kb
from summary_benchmark import pandas_summary
from crmlab.customers import transaction_summary
frame = pd.read_parquet(path) if method in ("pandas reference", "crmlab, pandas frame") else None
rss_before = peak_rss_kb()
start = time.perf_counter()
if method == "pandas reference":
    out = pandas_summary(frame, **settings)
elif method == "pandas reference + read":
    out = pandas_summary(pd.read_parquet(path), **settings)
elif method == "crmlab, Parquet path":
    out = transaction_summary(path, **settings)
elif method == "crmlab, pandas frame":
    out = transaction_summary(frame, **settings)
elif method == "check":
    a = transaction_summary(path, **settings)
    b = pandas_summary(pd.read_parquet(path), **settings)
    pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-12)
    out = a
seconds = time.perf_counter() - start
rss = peak_rss_kb()
print(json.dumps({"seconds": seconds, "max_rss_kb": rss, "rss_before_kb": rss_before, "customers": len(out)}))
"""


# lifetimes.utils.calibration_and_holdout_data, run by another interpreter (lifetimes is not a
# dependency of crmlab): same frame, same settings (freq "D", freq_multiplier 7 = weeks).
LIFETIMES_CHILD = r"""
import json, sys, time, warnings
warnings.simplefilter("ignore")
import pandas as pd
from lifetimes.utils import calibration_and_holdout_data
path, settings = sys.argv[2], json.loads(sys.argv[3])
sys.path.insert(0, sys.argv[4])
from _common import peak_rss_kb
frame = pd.read_parquet(path)
rss_before = peak_rss_kb()
start = time.perf_counter()
out = calibration_and_holdout_data(
    frame, "customer_id", "date", calibration_period_end=settings["calibration_end"],
    observation_period_end=settings["observation_end"], freq="D", freq_multiplier=7, monetary_value_col="amount",
)
seconds = time.perf_counter() - start
import lifetimes, numpy
versions = f"lifetimes {lifetimes.__version__}, pandas {pd.__version__}, numpy {numpy.__version__}"
print(json.dumps({"seconds": seconds, "max_rss_kb": peak_rss_kb(), "rss_before_kb": rss_before, "customers": len(out),
                  "versions": versions}))
"""


def measure(method: str, path: Path, lifetimes_python: str | None = None) -> dict:
    """Run one measurement in a fresh interpreter; return its JSON report."""
    python, code = (lifetimes_python, LIFETIMES_CHILD) if method == LIFETIMES else (sys.executable, CHILD)
    report = run_fresh(python, code, method, str(path), json.dumps(SETTINGS), str(Path(__file__).resolve().parent))
    if "error" in report:
        raise RuntimeError(f"{method} on {path} failed:\n{report.get('stderr', report['error'])}")
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000, 5_000_000], help="log sizes (rows)")
    add_common_arguments(parser, output="summary.md", repeats=3,
                         lifetimes_help="a Python interpreter with lifetimes, pandas and pyarrow installed (e.g. a "
                                        "throwaway venv): adds lifetimes' calibration_and_holdout_data as a second reference")
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    parser.add_argument("--data-dir", type=Path, default=None, help="where to write the Parquet logs (default: a temp dir)")
    args = parser.parse_args(argv)
    methods = list(args.methods) + ([LIFETIMES] if args.lifetimes_python else [])

    warm_up_compiled_kernels()  # used from 4M rows
    results = []
    lifetimes_versions = ""
    with tempfile.TemporaryDirectory(prefix="crmlab-bench-") as tmp:
        data_dir = args.data_dir or Path(tmp)
        data_dir.mkdir(parents=True, exist_ok=True)
        for i, rows in enumerate(sorted(args.rows)):
            path = data_dir / f"transactions_{rows}.parquet"
            log = synthetic_log(rows, args.seed)
            log.to_parquet(path, index=False)
            n_customers = log["customer_id"].nunique()
            del log
            print(f"{rows:,} rows, {n_customers:,} customers -> {path}", flush=True)
            if i == 0:
                check = measure("check", path)
                print(f"  check: crmlab == pandas reference on {check['customers']:,} customers", flush=True)
            for method in methods:
                runs = [measure(method, path, args.lifetimes_python) for _ in range(args.repeats)]
                lifetimes_versions = runs[0].get("versions", lifetimes_versions)
                secs = [r["seconds"] for r in runs]
                row = {
                    "rows": rows,
                    "customers": n_customers,
                    "method": method,
                    "median_s": statistics.median(secs),
                    "min_s": min(secs),
                    "peak_rss_mb": statistics.median(r["max_rss_kb"] for r in runs) / 1024,
                    "rss_before_mb": statistics.median(r["rss_before_kb"] for r in runs) / 1024,
                }
                results.append(row)
                print(f"  {method:26s} median {row['median_s']:8.3f} s  peak RSS {row['peak_rss_mb']:8.0f} MB", flush=True)

    table = pd.DataFrame(results)
    medians = table.set_index(["rows", "method"])["median_s"]
    table["vs reference"] = [
        medians.get((r, COMPARE[m]), np.nan) / t if m in COMPARE else np.nan for r, m, t in zip(table["rows"], table["method"], table["median_s"])
    ]
    if LIFETIMES in methods:
        table["vs lifetimes"] = [
            medians.get((r, LIFETIMES), np.nan) / t if m.startswith("crmlab") else np.nan
            for r, m, t in zip(table["rows"], table["method"], table["median_s"])
        ]
    args.lifetimes_versions = lifetimes_versions
    write_markdown(table, args)
    print(f"wrote {args.output}")
    return 0


def write_markdown(table: pd.DataFrame, args: argparse.Namespace) -> None:
    lines = [
        "# transaction_summary benchmark",
        "",
        generated_by(f"benchmarks/summary_benchmark.py --rows {' '.join(map(str, args.rows))} --repeats {args.repeats} "
                     f"--seed {args.seed}{' --lifetimes-python …' if args.lifetimes_python else ''}"),
        "",
        f"Environment: {environment(['pandas', 'polars', 'numpy', 'pyarrow'])}.",
        "",
        "Summary computed: freq='D', time_unit='W', calibration_end=2020-12-31, observation_end=2021-12-31 "
        "(the CDNOW papers' set-up). Times are the median over repeats, each in a fresh process; "
        "`speed-up` is the comparable pandas reference's median time divided by this method's "
        "(> 1: crmlab is faster): the Parquet path is compared with 'pandas reference + read', the "
        "in-memory frame with 'pandas reference'. Peak RSS is the measuring process's resident-memory "
        "high-water mark (VmHWM); it includes the interpreter and imports and, for the in-memory methods, "
        "the frame loaded before the timer starts: 'RSS before' is the high-water mark at that point, "
        "so peak − before is what the timed call added on top.",
        "",
    ]
    with_lifetimes = "vs lifetimes" in table.columns
    if with_lifetimes:
        lines += [
            "lifetimes: `lifetimes.utils.calibration_and_holdout_data` (freq='D', freq_multiplier=7) run by a "
            f"separate interpreter ({args.lifetimes_versions}) on the same in-memory frame; "
            "`speed-up vs lifetimes` = lifetimes' median time / this method's. (lifetimes averages the "
            "holdout value over purchase records rather than over transactions, and cuts calibration at "
            "midnight of calibration_end: the same work, slightly different numbers.)",
            "",
        ]
    header = ["rows", "customers", "method", "median (s)", "min (s)", "speed-up"]
    header += ["speed-up vs lifetimes"] if with_lifetimes else []
    header += ["peak RSS (MB)", "RSS before (MB)"]

    def ratio(x: float) -> str:
        return "" if np.isnan(x) else f"{x:.2f}×"

    rows = []
    for r in table.to_dict("records"):
        cells = [f"{r['rows']:,}", f"{r['customers']:,}", r["method"], f"{r['median_s']:.3f}", f"{r['min_s']:.3f}", ratio(r["vs reference"])]
        cells += [ratio(r["vs lifetimes"])] if with_lifetimes else []
        cells += [f"{r['peak_rss_mb']:,.0f}", f"{r['rss_before_mb']:,.0f}"]
        rows.append(cells)
    lines += markdown_table(header, "rrlrrr" + ("r" if with_lifetimes else "") + "rr", rows)
    write_results(args.output, lines)

if __name__ == "__main__":
    raise SystemExit(main())
