"""How crmlab's RFM summary scales with the size of a transaction log: 1M, 10M and 100M rows.

Usage (from the repository root)::

    .venv/bin/python benchmarks/summary_scale.py                                  # 1M, 10M, 100M rows
    .venv/bin/python benchmarks/summary_scale.py --sizes 1000000 10000000 \\
        --lifetimes-python /path/to/venv/bin/python                               # with lifetimes
    .venv/bin/python benchmarks/summary_scale.py --sizes 100000 --repeats 1       # a quick look

For each size, a seeded synthetic log (:func:`write_synthetic_log`: about 10
purchases per customer, customers acquired over 2020, purchases to the end of
2021, rows in random order, string customer ids) is written as Parquet to
``benchmarks/data/`` (git-ignored; kept between runs, regenerated only if
missing). Then, in the same run and on the same file, each method is measured
``--repeats`` times, each time in a fresh Python process that reports the wall
time of the timed call and its peak resident memory (``VmHWM``, the process's
own high-water mark; see ``_common.peak_rss_kb``):

- ``crmlab``: ``transaction_summary(path, observation_end=..., freq="D",
  time_unit="W")``: lazy Parquet scan and the summary, the data layer's checks
  counted in the summary's own pass (there is no separate validation pass);
  from 4M rows the columns are read once and summarised by the compiled
  kernels (``crmlab.customers.compiled``), below by the streaming group-by.
  The kernels are compiled into numba's on-disk cache by an untimed call
  first; their load from that cache (about 0.4 s a process) is timed;
- ``polars floor``: a plain Polars group-by of the same file by customer with
  count, min(date) and sum(amount), streaming: the least work any summary of
  the file must do (one pass, one group-by), not a correct RFM summary;
- ``lifetimes``: ``pandas.read_parquet`` + ``lifetimes.utils.summary_data_from_transaction_data``
  (freq "D", freq_multiplier 7: weeks), run by another interpreter
  (``--lifetimes-python``; lifetimes is not a crmlab dependency), up to
  ``--lifetimes-max-rows`` rows (it holds the log in pandas).

The table (``benchmarks/results/summary_scale.md`` or ``--output``) has the
median and minimum times, peak memory, the ratios crmlab / floor and lifetimes
/ crmlab, and the time per million rows (constant when time grows linearly),
with the goals of the issue marked as met or not.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # the scripts' shared module, also when loaded by path
from _common import (  # noqa: E402
    add_common_arguments,
    environment,
    generated_by,
    load_average,
    markdown_table,
    run_fresh,
    warm_up_compiled_kernels,
    write_results,
)

OBSERVATION_END = "2021-12-31"
DEFAULT_SIZES = (1_000_000, 10_000_000, 100_000_000)
METHODS = ("crmlab", "polars floor", "lifetimes")
#: How the log is given to the summary (and to the floor): the Parquet path; a pandas or Polars frame read
#: before the clock starts (the floor converts the pandas frame to Polars within its time); a LazyFrame
#: scanning the Parquet file (``pl.scan_parquet``).
INPUTS = ("path", "pandas", "polars", "lazy")
ID_TYPES = ("str", "int")
#: Rows per generated chunk (bounded memory while writing 100M rows).
CHUNK_ROWS = 5_000_000


def write_synthetic_log(path: Path, rows: int, seed: int, id_type: str = "str") -> int:
    """Write a seeded synthetic transaction log of ``rows`` rows to Parquet; return the number of customers.

    rows / 10 customers, each acquired on a uniform day of 2020 (their first
    purchase is that day), with further purchases uniform between acquisition
    and 2021-12-31 (so some customers buy several times a day), at a uniform
    second of the day; amounts lognormal (median 20). Rows are in random
    order, as in an export that is not sorted by customer. Written in chunks
    of :data:`CHUNK_ROWS` rows, so memory stays bounded at any size. Ids are
    text (``C000012345``, ``id_type="str"``) or the customer's number as an
    int64 (``id_type="int"``); the same seed gives the same log either way.
    """
    import polars as pl
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    n_customers = max(1, rows // 10)
    acquired = rng.integers(0, 366, size=n_customers)  # day of 2020
    start = np.datetime64("2020-01-01", "s").astype(np.int64)
    end_day = 731  # 2021-12-31 is day 730 after 2020-01-01
    tmp = path.with_suffix(".partial")
    writer = None
    try:
        first = True
        for offset in range(0, rows, CHUNK_ROWS):
            n = min(CHUNK_ROWS, rows - offset)
            if first:  # every customer's acquisition purchase, then random further purchases
                k = min(n, n_customers)
                cust = np.concatenate([np.arange(k), rng.integers(0, n_customers, size=n - k)])
                day = np.concatenate([acquired[:k], np.zeros(n - k, dtype=np.int64)])
                later = np.arange(n) >= k
                first = False
            else:
                cust = rng.integers(0, n_customers, size=n)
                day = np.zeros(n, dtype=np.int64)
                later = np.ones(n, dtype=bool)
            a = acquired[cust[later]]
            day[later] = a + (rng.random(later.sum()) * (end_day - a)).astype(np.int64)
            seconds = start + day * 86_400 + rng.integers(0, 86_400, size=n)
            order = rng.permutation(n)
            chunk = pl.DataFrame(
                {
                    "customer_id": pl.Series(cust[order]).cast(pl.String),
                    "date": pl.Series(seconds[order] * 1_000_000).cast(pl.Datetime("us")),
                    "amount": np.round(rng.lognormal(np.log(20.0), 0.8, size=n), 2),
                }
            )
            if id_type == "int":
                chunk = chunk.with_columns(pl.Series("customer_id", cust[order], dtype=pl.Int64))
            else:
                chunk = chunk.with_columns(("C" + pl.col("customer_id").str.zfill(9)).alias("customer_id"))
            table = chunk.to_arrow()
            if writer is None:
                writer = pq.ParquetWriter(tmp, table.schema, compression="zstd")
            writer.write_table(table, row_group_size=1_000_000)
        writer.close()
        writer = None
        tmp.replace(path)
    finally:
        if writer is not None:
            writer.close()
        tmp.unlink(missing_ok=True)
    return n_customers


CHILD = r"""
import json, sys, time
method, path, end, kind = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[5]
sys.path.insert(0, sys.argv[4])
from _common import peak_rss_kb
if method in ("crmlab", "polars floor"):
    import pandas as pd
    import polars as pl
    # The input, as the user holds it: a frame is read before the clock starts; a path and a
    # LazyFrame (a Parquet scan) are read by the timed call.
    given = {"path": lambda: path, "pandas": lambda: pd.read_parquet(path), "polars": lambda: pl.read_parquet(path),
             "lazy": lambda: pl.scan_parquet(path)}[kind]()
    extra = {}
if method == "crmlab":
    from crmlab.customers import transaction_summary
    before = peak_rss_kb()
    t0, c0 = time.perf_counter(), time.process_time()
    out = transaction_summary(given, observation_end=end, freq="D", time_unit="W")
    seconds, extra["cpu_s"] = time.perf_counter() - t0, time.process_time() - c0
elif method == "polars floor":
    before = peak_rss_kb()
    t0, c0 = time.perf_counter(), time.process_time()
    lf = {"path": lambda: pl.scan_parquet(given), "pandas": lambda: pl.from_pandas(given).lazy(),
          "polars": lambda: given.lazy(), "lazy": lambda: given}[kind]()
    out = lf.group_by("customer_id").agg(pl.len(), pl.col("date").min(), pl.col("amount").sum()).collect(engine="streaming")
    seconds, extra["cpu_s"] = time.perf_counter() - t0, time.process_time() - c0
else:
    import warnings
    warnings.simplefilter("ignore")
    import pandas as pd
    from lifetimes.utils import summary_data_from_transaction_data
    import lifetimes, numpy
    before = peak_rss_kb()
    t0 = time.perf_counter()
    frame = pd.read_parquet(path)
    read = time.perf_counter() - t0
    out = summary_data_from_transaction_data(
        frame, "customer_id", "date", monetary_value_col="amount", observation_period_end=end,
        freq="D", freq_multiplier=7,
    )
    seconds = time.perf_counter() - t0
    extra = {"read_s": read, "versions": f"lifetimes {lifetimes.__version__}, pandas {pd.__version__}, numpy {numpy.__version__}"}
print(json.dumps({"seconds": seconds, "max_rss_kb": peak_rss_kb(), "rss_before_kb": before, "customers": len(out), **extra}))
"""


def measure(method: str, path: Path, python: str, timeout: float, kind: str = "path") -> dict:
    """One measurement in a fresh interpreter on the input ``kind`` of :data:`INPUTS`: its JSON report, or {"error": ...}."""
    return run_fresh(python, CHILD, method, str(path), OBSERVATION_END, str(HERE), kind, timeout=timeout, cwd=HERE.parent)


def log_path(data_dir: Path, rows: int, seed: int, id_type: str) -> Path:
    """Where the log of ``rows`` rows is kept (text ids keep the name they always had)."""
    return data_dir / (f"scale_{rows}_seed{seed}.parquet" if id_type == "str" else f"scale_{rows}_{id_type}_seed{seed}.parquet")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES), help="log sizes in rows")
    add_common_arguments(parser, output="summary_scale.md", repeats=3,
                         lifetimes_help="a Python with lifetimes, pandas and pyarrow (its own venv)")
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    parser.add_argument("--ids", nargs="+", default=["str"], choices=ID_TYPES, help="customer id types: text, int64")
    parser.add_argument("--inputs", nargs="+", default=["path"], choices=INPUTS, help="how the log is given")
    parser.add_argument("--inputs-max-rows", type=int, default=10_000_000,
                        help="largest log given as a frame or LazyFrame (larger ones: path only)")
    parser.add_argument("--large-repeats", type=int, default=None,
                        help="repeats for logs above --inputs-max-rows (default --repeats)")
    parser.add_argument("--data-dir", type=Path, default=HERE / "data", help="where the Parquet logs are kept")
    parser.add_argument("--lifetimes-max-rows", type=int, default=10_000_000, help="largest log given to lifetimes")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds before a measurement is abandoned")
    args = parser.parse_args(argv)
    start_env = f"{environment(['polars', 'pandas', 'pyarrow', 'numpy'])}; load average at start {load_average()}"

    args.data_dir.mkdir(parents=True, exist_ok=True)
    if "crmlab" in args.methods:
        warm_up_compiled_kernels()
    results = []
    lifetimes_versions = ""
    for rows in sorted(args.sizes):
        large = rows > args.inputs_max_rows
        repeats = args.large_repeats if large and args.large_repeats else args.repeats
        for ids in args.ids:
            path = log_path(args.data_dir, rows, args.seed, ids)
            t0 = time.perf_counter()
            if not path.exists():
                write_synthetic_log(path, rows, args.seed, ids)
            print(f"{rows:,} rows, {ids} ids -> {path} ({path.stat().st_size / 1e6:,.0f} MB, {time.perf_counter() - t0:.0f} s)", flush=True)
            for kind in [k for k in args.inputs if k == "path" or not large]:
                for method in args.methods:
                    key = {"rows": rows, "ids": ids, "input": kind, "method": method}
                    if method == "lifetimes" and kind != "path":
                        continue  # lifetimes reads the file itself: measured once per log
                    if method == "lifetimes" and (args.lifetimes_python is None or rows > args.lifetimes_max_rows):
                        why = "no --lifetimes-python" if args.lifetimes_python is None else f"above --lifetimes-max-rows {args.lifetimes_max_rows:,}"
                        results.append({**key, "note": f"not run ({why})"})
                        continue
                    python = args.lifetimes_python if method == "lifetimes" else sys.executable
                    # Interleave nothing else: each repeat in its own fresh process, one after another.
                    runs = [measure(method, path, python, args.timeout, kind) for _ in range(repeats)]
                    good = [r for r in runs if "error" not in r]
                    if not good:
                        results.append({**key, "note": runs[0]["error"]})
                        print(f"  {kind:6s} {method:14s} failed: {runs[0]['error']}", flush=True)
                        continue
                    lifetimes_versions = good[0].get("versions", lifetimes_versions)
                    secs = [r["seconds"] for r in good]
                    row = {
                        **key,
                        "customers": good[0]["customers"],
                        "median_s": statistics.median(secs),
                        "min_s": min(secs),
                        "cpu_s": statistics.median(r["cpu_s"] for r in good) if "cpu_s" in good[0] else None,
                        "peak_rss_mb": max(r["max_rss_kb"] for r in good) / 1024,
                        "n": len(good),
                        "note": "" if len(good) == len(runs) else f"{len(runs) - len(good)} of {len(runs)} failed",
                    }
                    if "read_s" in good[0]:
                        row["note"] = (row["note"] + "; " if row["note"] else "") + f"of which read_parquet {statistics.median(r['read_s'] for r in good):.1f} s"
                    results.append(row)
                    print(f"  {kind:6s} {method:14s} median {row['median_s']:8.2f} s  min {row['min_s']:8.2f} s  "
                          f"peak RSS {row['peak_rss_mb']:8,.0f} MB", flush=True)
    write_markdown(results, args, start_env, lifetimes_versions)
    print(f"wrote {args.output}")
    return 0


def write_markdown(results: list[dict], args: argparse.Namespace, env: str, lifetimes_versions: str) -> None:
    from crmlab.customers.aggregation import COMPILED_MIN_ROWS

    med = {(r["rows"], r["ids"], r["input"], r["method"]): r["median_s"] for r in results if "median_s" in r}
    cpu = {(r["rows"], r["ids"], r["input"], r["method"]): r["cpu_s"] for r in results if r.get("cpu_s")}

    def vs_floor(rows: int, ids: str, kind: str, times: dict | None = None) -> float | None:
        times = med if times is None else times
        floor = times.get((rows, ids, kind, "polars floor"))
        return None if floor is None or (rows, ids, kind, "crmlab") not in times else times[(rows, ids, kind, "crmlab")] / floor

    command = (f"benchmarks/summary_scale.py --sizes {' '.join(map(str, sorted(args.sizes)))} --ids {' '.join(args.ids)} "
               f"--inputs {' '.join(args.inputs)} --repeats {args.repeats}"
               + (f" --large-repeats {args.large_repeats}" if args.large_repeats else "")
               + f" --seed {args.seed}{' --lifetimes-python …' if args.lifetimes_python else ''}")
    lines = [
        "# transaction_summary at scale",
        "",
        generated_by(command, clock="%Y-%m-%d %H:%M %Z"),
        "",
        f"Environment: {env}; load average at the end {os.getloadavg()[0]:.2f}."
        + (f" lifetimes side: {lifetimes_versions}." if lifetimes_versions else ""),
        "",
        "Summary: `transaction_summary(log, observation_end='2021-12-31', freq='D', time_unit='W')`, the data layer's "
        f"checks included (counted in the same pass; from {COMPILED_MIN_ROWS:,} rows the compiled kernels, their load from "
        "numba's cache timed). The log (text ids `C000012345` or int64 ids, the same purchases) is given as the Parquet "
        "path (`path`), a pandas or Polars frame read before the clock starts (`pandas`, `polars`), or "
        "`pl.scan_parquet(path)` (`lazy`). Floor, on the same input: `group_by('customer_id').agg(len, min(date), "
        "sum(amount))`, streaming, of `scan_parquet(path)` (path, lazy), the frame (polars) or `pl.from_pandas(frame)` "
        "(pandas, the conversion timed). lifetimes: `read_parquet` + "
        "`summary_data_from_transaction_data(freq='D', freq_multiplier=7)`. Times: median (min) over repeats, "
        "each in a fresh process, all methods in the same run; CPU: the median of the process's CPU time over the "
        "timed call (all threads; less disturbed by other jobs than the wall time on a loaded machine); peak RSS: "
        "the largest VmHWM over the repeats.",
        "",
    ]
    header = ["rows", "ids", "input", "method", "customers", "median (s)", "min (s)", "s per 1M rows", "crmlab ÷ floor",
              "CPU (s)", "CPU ÷ floor", "lifetimes ÷ crmlab", "peak RSS (MB)", "note"]
    rows = []
    for r in results:
        where = [f"{r['rows']:,}", r["ids"], r["input"], r["method"]]
        if "median_s" not in r:
            rows.append([*where, *[""] * 9, r["note"]])
            continue
        floor_ratio = cpu_ratio = lt_ratio = ""
        if r["method"] == "crmlab":
            ratio = vs_floor(r["rows"], r["ids"], r["input"])
            floor_ratio = "" if ratio is None else f"{ratio:.2f}×"
            ratio = vs_floor(r["rows"], r["ids"], r["input"], cpu)
            cpu_ratio = "" if ratio is None else f"{ratio:.2f}×"
            lt = med.get((r["rows"], r["ids"], "path", "lifetimes"))
            if lt is not None and r["input"] == "path":
                lt_ratio = f"{lt / r['median_s']:.1f}×"
        rows.append([*where, f"{r['customers']:,}", f"{r['median_s']:.2f}", f"{r['min_s']:.2f}",
                     f"{r['median_s'] / (r['rows'] / 1e6):.3f}", floor_ratio, "" if r.get("cpu_s") is None else f"{r['cpu_s']:.2f}",
                     cpu_ratio, lt_ratio, f"{r['peak_rss_mb']:,.0f}", r["note"]])
    lines += markdown_table(header, "rlllrrrrrrrrrl", rows)
    lines += ["", "Goals (measured in this run):", ""]

    def ratios(goal_rows: int, kinds: tuple[str, ...]) -> list[str]:
        return [f"{ids} {kind} {vs_floor(goal_rows, ids, kind):.2f}× (CPU {vs_floor(goal_rows, ids, kind, cpu) or 0:.2f}×)"
                for ids in ID_TYPES for kind in kinds if vs_floor(goal_rows, ids, kind) is not None]

    for goal_rows in (10_000_000, 30_000_000):
        shown = ratios(goal_rows, ("path",))
        if shown:
            worst = max(vs_floor(goal_rows, ids, "path") or 0 for ids in ID_TYPES)
            lines.append(f"- {goal_rows // 1_000_000}M rows, text and int ids, within 2× the floor: {', '.join(shown)} — "
                         f"{'met' if worst <= 2 else 'not met'}.")
    one = ratios(1_000_000, INPUTS)
    if one:
        worst = max(vs_floor(1_000_000, ids, kind) or 0 for ids in ID_TYPES for kind in INPUTS)
        lines.append(f"- 1M rows, every input kind, within 3× the floor: {', '.join(one)} — {'met' if worst <= 3 else 'not met'}.")
    for goal_rows in sorted({r["rows"] for r in results}):
        for ids in ID_TYPES:
            pandas, polars = med.get((goal_rows, ids, "pandas", "crmlab")), med.get((goal_rows, ids, "polars", "crmlab"))
            if pandas and polars:
                lines.append(f"- {goal_rows:,} rows, {ids} ids: a pandas frame within 1.5× a Polars frame: "
                             f"{pandas:.2f} s against {polars:.2f} s, {pandas / polars:.2f}× — {'met' if pandas <= 1.5 * polars else 'not met'}.")
    ten = 10_000_000
    if (ten, "str", "path", "crmlab") in med and (ten, "str", "path", "lifetimes") in med:
        ratio = med[(ten, "str", "path", "lifetimes")] / med[(ten, "str", "path", "crmlab")]
        lines.append(f"- 10M rows at least 5× faster than lifetimes: {ratio:.1f}× — {'met' if ratio >= 5 else 'not met'}.")
    big = [r for r in results if r["method"] == "crmlab" and r["rows"] >= 100_000_000]
    for r in big:
        ok = "median_s" in r
        lines.append(
            f"- {r['rows']:,} rows ({r['ids']} ids) complete on this machine: "
            + (f"yes, {r['median_s']:.1f} s, peak RSS {r['peak_rss_mb'] / 1024:.1f} GiB." if ok else f"no ({r['note']}).")
        )

    def per_row(method: str) -> dict[int, float]:
        return {r["rows"]: r["median_s"] / (r["rows"] / 1e6) for r in results
                if r["method"] == method and r["ids"] == "str" and r["input"] == "path" and "median_s" in r}

    per, floor = per_row("crmlab"), per_row("polars floor")
    if len(per) >= 2:
        sizes = sorted(per)
        steps = []
        for a, b in zip(sizes[:-1], sizes[1:]):
            step = f"{a:,} → {b:,}: ×{per[b] / per[a]:.2f}"
            if a in floor and b in floor:
                step += f" (the floor's ×{floor[b] / floor[a]:.2f})"
            steps.append(step)
        lines.append(
            "- Linear growth (text ids, path): seconds per million rows "
            + ", ".join(f"{per[n]:.3f} at {n:,}" for n in sizes)
            + "; per-row cost from size to size "
            + "; ".join(steps)
            + f". Below {COMPILED_MIN_ROWS:,} rows the summary is the streaming group-by, whose fixed costs dominate at 1M rows."
        )
    write_results(args.output, lines)


if __name__ == "__main__":
    raise SystemExit(main())
