"""Benchmark the fitting of crmlab's CLV models against lifetimes 0.11.3 on the same data.

Usage (from the repository root)::

    .venv/bin/python benchmarks/clv_fit.py                                    # crmlab only
    .venv/bin/python benchmarks/clv_fit.py --lifetimes-python /path/to/venv/bin/python
    .venv/bin/python benchmarks/clv_fit.py --repeats 7 --customers 1000000 --large-lifetimes

lifetimes is not a crmlab dependency: give the interpreter of an environment
where it is installed (``python3 -m venv ltvenv && ltvenv/bin/pip install
lifetimes``); its fits run in that interpreter, in a subprocess, on the same
summary (written to a temporary CSV file).

What is timed: the ``fit`` call alone, after one untimed warm-up fit in the
same process (imports, first-call compilation and the data loading are left
out on both sides), repeated ``--repeats`` times; the table gives the median
and the ratio lifetimes / crmlab. crmlab's ``fit`` includes its standard
errors (a Hessian); lifetimes' includes its own.

Log-likelihoods: to compare like with like, both sides' estimates are
evaluated with crmlab's log-likelihood of the model (total over customers;
lifetimes reports a mean with its penalty term), so "ΔLL" = crmlab − lifetimes
≥ 0 means crmlab found an equal or better maximum.

Data: the CDNOW calibration summary (2,357 customers, weeks, 39 weeks; Fader,
Hardie & Lee 2005) for BG/NBD, Pareto/NBD, MBG/NBD and Gamma-Gamma; the
donations data (Fader, Hardie & Shang 2010) for the BG/BB; and a synthetic
base of ``--customers`` customers drawn from the BG/NBD with the CDNOW
parameters (exact summaries: λ ~ Gamma(r, α), p ~ Beta(a, b), T uniform over
39–78 weeks at whole days, seeded) for the large-base goal.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

GOAL_SPEEDUP = 5.0
GOAL_LARGE_SECONDS = 5.0
TRUTH = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}

#: crmlab class name -> (lifetimes class, how lifetimes names the parameters in crmlab's order, data set)
MODELS = {
    "BetaGeo": ("BetaGeoFitter", ["r", "alpha", "a", "b"], "cdnow"),
    "ParetoNBD": ("ParetoNBDFitter", ["r", "alpha", "s", "beta"], "cdnow"),
    "ModifiedBetaGeo": ("ModifiedBetaGeoFitter", ["r", "alpha", "a", "b"], "cdnow"),
    "GammaGamma": ("GammaGammaFitter", ["p", "q", "v"], "cdnow_spend"),
    "BetaGeoBetaBinom": ("BetaGeoBetaBinomFitter", ["alpha", "beta", "gamma", "delta"], "donations"),
}

LIFETIMES_SCRIPT = r"""
import json, sys, time, warnings
import pandas as pd
import lifetimes
warnings.simplefilter("ignore")
cls_name, path, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3])
data = pd.read_csv(path)
cls = getattr(lifetimes, cls_name)
def fit():
    model = cls()
    if cls_name == "GammaGammaFitter":
        return model.fit(data["frequency"], data["monetary_value"])
    if cls_name == "BetaGeoBetaBinomFitter":
        return model.fit(data["frequency"], data["recency"], data["T"], weights=data["weights"])
    return model.fit(data["frequency"], data["recency"], data["T"])
fit()  # warm-up
times = []
for _ in range(repeats):
    start = time.perf_counter()
    model = fit()
    times.append(time.perf_counter() - start)
print(json.dumps({"times": times, "params": {k: float(v) for k, v in model.params_.items()},
                  "version": lifetimes.__version__}))
"""


def cdnow_summary() -> pd.DataFrame:
    from crmlab.customers import transaction_summary
    from crmlab.data import CDNOW_CONVENTIONS, load_cdnow

    c = CDNOW_CONVENTIONS
    s = transaction_summary(
        load_cdnow(), observation_end=c["observation_end"], freq=c["freq"], time_unit=c["time_unit"],
        calibration_end=c["calibration_end"],
    )
    return s[["frequency", "recency", "T", "monetary_value"]].reset_index(drop=True)


def donations() -> pd.DataFrame:
    from crmlab.data import load_donations

    d = load_donations()
    return pd.DataFrame({"frequency": d["frequency"], "recency": d["recency"], "T": d["n"], "weights": d["n_customers"]})


def synthetic_summary(n: int, seed: int) -> pd.DataFrame:
    """Exact BG/NBD summaries of n customers (see the module docstring), T and t_x at whole days."""
    rng = np.random.default_rng(seed)
    lam = rng.gamma(TRUTH["r"], 1 / TRUTH["alpha"], n)
    p = rng.beta(TRUTH["a"], TRUTH["b"], n)
    T_days = rng.integers(39 * 7, 78 * 7 + 1, n)
    N = rng.poisson(lam * T_days / 7)
    x = np.minimum(N, rng.geometric(p))
    t_x = np.where(x > 0, np.floor(T_days * rng.beta(np.maximum(x, 1), np.maximum(N - x + 1, 1))), 0)
    t_x = np.where((x > 0) & (t_x == 0), 1, t_x)  # one transaction per day: a repeat is at least a day later
    return pd.DataFrame({"frequency": x, "recency": t_x / 7, "T": T_days / 7})


def crmlab_fit(name: str, data: pd.DataFrame):
    import crmlab.clv as clv

    cls = getattr(clv, name)
    if name == "GammaGamma":
        return cls().fit(data["frequency"], data["monetary_value"])
    if name == "BetaGeoBetaBinom":
        return cls().fit(data["frequency"], data["recency"], data["T"], weights=data["weights"])
    return cls().fit(data["frequency"], data["recency"], data["T"])


def time_crmlab(name: str, data: pd.DataFrame, repeats: int) -> tuple[list[float], object]:
    crmlab_fit(name, data)  # warm-up
    times, model = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        model = crmlab_fit(name, data)
        times.append(time.perf_counter() - start)
    return times, model


def time_lifetimes(python: str, cls_name: str, data: pd.DataFrame, repeats: int, timeout: float) -> dict | None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "summary.csv"
        data.to_csv(path, index=False)
        try:
            out = subprocess.run(
                [python, "-c", LIFETIMES_SCRIPT, cls_name, str(path), str(repeats)],
                capture_output=True, text=True, timeout=timeout, check=True,
            )
        except subprocess.TimeoutExpired:
            return {"error": f"timed out after {timeout:.0f} s"}
        except subprocess.CalledProcessError as exc:
            return {"error": exc.stderr.strip().splitlines()[-1] if exc.stderr.strip() else "failed"}
    return json.loads(out.stdout.strip().splitlines()[-1])


def crmlab_log_likelihood(model, params: list[float]) -> float:
    """Total log-likelihood of ``params`` under crmlab's model, on the data the model was fitted to."""
    return float(model._weights @ model._log_likelihood_rows(np.asarray(params, dtype=float), model._data))


def versions() -> str:
    import scipy

    return (
        f"Python {platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}, "
        f"pandas {pd.__version__}; {platform.machine()}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=7, help="timed fits per model and library (median reported)")
    parser.add_argument("--customers", type=int, default=1_000_000, help="size of the synthetic base (0 to skip)")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--lifetimes-python", default=None, help="python interpreter of an environment with lifetimes")
    parser.add_argument("--large-lifetimes", action="store_true", help="also fit lifetimes on the synthetic base")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds allowed per lifetimes run")
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS))
    parser.add_argument("--output", type=Path, default=Path(__file__).resolve().parent / "results" / "clv_fit.md")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

    datasets = {"cdnow": cdnow_summary()}
    datasets["cdnow_spend"] = datasets["cdnow"][datasets["cdnow"]["frequency"] > 0].reset_index(drop=True)
    datasets["donations"] = donations()
    rows = []
    lifetimes_version = None
    for name in args.models:
        lt_cls, lt_names, key = MODELS[name]
        data = datasets[key]
        times, model = time_crmlab(name, data, args.repeats)
        row = {"model": name, "data": key.replace("_spend", " (x > 0)"), "customers": int(model.n_customers_),
               "crmlab median (s)": statistics.median(times), "crmlab LL": model.log_likelihood_,
               "crmlab params": model.params_.round(4).to_dict()}
        if args.lifetimes_python:
            lt = time_lifetimes(args.lifetimes_python, lt_cls, data, args.repeats, args.timeout)
            if "error" in lt:
                row["lifetimes median (s)"] = lt["error"]
            else:
                lifetimes_version = lt["version"]
                params = [lt["params"][k] for k in lt_names]
                row["lifetimes median (s)"] = statistics.median(lt["times"])
                row["lifetimes LL"] = crmlab_log_likelihood(model, params)
                row["lifetimes params"] = dict(zip(model.param_names, np.round(params, 4).tolist(), strict=True))
        rows.append(row)
        print(f"{name}: crmlab {row['crmlab median (s)']:.4f} s; lifetimes {row.get('lifetimes median (s)', 'not run')}", flush=True)

    large = None
    if args.customers:
        data = synthetic_summary(args.customers, args.seed)
        times, model = time_crmlab("BetaGeo", data, max(1, min(args.repeats, 5)))
        large = {"customers": args.customers, "distinct": model.n_rows_fitted_, "median": statistics.median(times),
                 "LL": model.log_likelihood_, "params": model.params_.round(4).to_dict()}
        if args.lifetimes_python and args.large_lifetimes:
            lt = time_lifetimes(args.lifetimes_python, "BetaGeoFitter", data, 1, args.timeout)
            large["lifetimes"] = lt.get("error") or statistics.median(lt["times"])
            if "params" in lt:
                large["lifetimes LL"] = crmlab_log_likelihood(model, [lt["params"][k] for k in ("r", "alpha", "a", "b")])
        print(f"BetaGeo on {args.customers:,} customers: {large['median']:.3f} s", flush=True)
    write_markdown(rows, large, args, lifetimes_version)
    return 0


def write_markdown(rows: list[dict], large: dict | None, args: argparse.Namespace, lifetimes_version: str | None) -> None:
    def fmt(v, digits=4):
        return f"{v:.{digits}f}" if isinstance(v, float) else str(v)

    cmd = "benchmarks/clv_fit.py " + " ".join(
        a if not a.startswith("/") else "…" for a in (sys.argv[1:] if len(sys.argv) > 1 else [])
    )
    lines = [
        "# CLV model fitting benchmark",
        "",
        f"Generated by `{cmd.strip()}` on {time.strftime('%Y-%m-%d')}.",
        "",
        f"Environment: {versions()}; lifetimes {lifetimes_version or 'not run'} in its own environment.",
        "",
        f"Times: median of {args.repeats} fits after one warm-up fit, in one process per library, `fit` call only "
        "(crmlab's includes the Hessian for standard errors). `speed-up` = lifetimes' median / crmlab's. "
        "Log-likelihoods: both libraries' estimates evaluated with crmlab's likelihood (total over customers), "
        "ΔLL = crmlab − lifetimes (≥ 0: crmlab's maximum is at least as high).",
        "",
        "| model | data | customers | crmlab (s) | lifetimes (s) | speed-up | crmlab LL | lifetimes LL | ΔLL | crmlab estimates | lifetimes estimates |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    goals = []
    for r in rows:
        lt = r.get("lifetimes median (s)")
        speed = lt / r["crmlab median (s)"] if isinstance(lt, float) else None
        dll = r["crmlab LL"] - r["lifetimes LL"] if "lifetimes LL" in r else None
        lines.append(
            f"| {r['model']} | {r['data']} | {r['customers']:,} | {r['crmlab median (s)']:.4f} | {fmt(lt) if lt is not None else 'not run'} | "
            f"{f'{speed:.1f}×' if speed else ''} | {r['crmlab LL']:.3f} | {fmt(r.get('lifetimes LL', ''), 3)} | "
            f"{f'{dll:+.2e}' if dll is not None else ''} | {r['crmlab params']} | {r.get('lifetimes params', '')} |"
        )
        if r["model"] in ("BetaGeo", "ParetoNBD") and speed is not None:
            ok = speed >= GOAL_SPEEDUP and dll >= -1e-6
            goals.append(f"- {r['model']} on CDNOW ≥ {GOAL_SPEEDUP:.0f}× faster than lifetimes at equal or better LL: "
                         f"{speed:.1f}×, ΔLL {dll:+.2e} — **{'met' if ok else 'missed'}**")
    if large:
        lines += [
            "",
            f"## BG/NBD on a synthetic base of {large['customers']:,} customers",
            "",
            f"Distinct (x, t_x, T) rows after compression: {large['distinct']:,}. crmlab median fit: "
            f"**{large['median']:.3f} s**; LL {large['LL']:.2f}; estimates {large['params']} (truth {TRUTH}).",
        ]
        if "lifetimes" in large:
            lines.append(f"lifetimes on the same summary: {fmt(large['lifetimes'], 3)} s"
                         + (f", LL of its estimates {large['lifetimes LL']:.2f}." if "lifetimes LL" in large else "."))
        ok = large["median"] < GOAL_LARGE_SECONDS
        goals.append(f"- BG/NBD on {large['customers']:,} customers under {GOAL_LARGE_SECONDS:.0f} s: "
                     f"{large['median']:.2f} s — **{'met' if ok else 'missed'}**")
    if goals:
        lines += ["", "## Goals", "", *goals]
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text("\n".join(lines) + "\n")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    raise SystemExit(main())
