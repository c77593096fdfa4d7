"""Benchmark the fitting of crmlab's CLV models against lifetimes 0.11.3 on the same data.

Usage (from the repository root)::

    .venv/bin/python benchmarks/clv_fit.py                                    # crmlab only
    .venv/bin/python benchmarks/clv_fit.py --lifetimes-python /path/to/venv/bin/python
    .venv/bin/python benchmarks/clv_fit.py --repeats 7 --customers 1000000 --skip-large-lifetimes

lifetimes is not a dependency of crmlab: ``--lifetimes-python`` names the
interpreter of an environment where it is installed (``python3 -m venv ltvenv
&& ltvenv/bin/pip install lifetimes``). Its fits run in that interpreter, in a
subprocess, on the same summary (written to a temporary CSV file, which
round-trips floats exactly). Without it the lifetimes columns say "not run".

What is timed: the ``fit`` call alone (input checks, compression of identical
rows, the optimiser and the standard errors), each library in one process
(crmlab in this one, lifetimes in a worker process), after one untimed warm-up
fit on at most the first 5,000 rows: interpreter start-up, imports,
first-call costs and loading the data are left out, on both sides. The two
libraries' fits alternate (crmlab, lifetimes, crmlab, ...), so that a busy
spell of the machine slows both alike. The table gives the median (and the
minimum) of ``--repeats`` fits and the ratio of the medians, lifetimes /
crmlab. lifetimes' Pareto/NBD starts from random values
(``np.random.normal``); the worker seeds NumPy's global generator with
``--seed`` before every fit so its runs are repeatable. Wall-clock time is
what the goals use; the CPU time of the fitting process (all its threads)
is recorded beside it. Both libraries' own code runs in one thread; SciPy's
multi-threaded OpenBLAS keeps a second thread spinning during L-BFGS-B
(crmlab's optimiser, not lifetimes'), which doubles crmlab's CPU time on an
idle machine and, on a busy one, makes each iteration wait milliseconds for
its tiny linear algebra. ``--blas-threads 1`` limits BLAS to one thread in
both processes, to show how much of a result that is.

Log-likelihoods, side by side:

- crmlab: ``log_likelihood_``, the total over customers;
- lifetimes: ``_negative_log_likelihood_`` (lifetimes 0.11.3 has no
  ``log_likelihood_``), converted to the same total. It is the *mean* over
  customers for BG/NBD, MBG/NBD, Gamma-Gamma and BG/BB, but the *total* for
  the Pareto/NBD (it divides by the mean weight, 1); and the time models
  rescale time so that max T = 1, which multiplies each customer's likelihood
  by (max T)^x. So total = −n · nll (or −nll) − Σ x · ln(max T);
- crmlab's log-likelihood evaluated at lifetimes' estimates: equal to the line
  above when both libraries compute the same likelihood (an independent check
  of crmlab's), and the fair comparison of the two maxima:
  ΔLL = crmlab − this ≥ 0 means crmlab found an equal or better maximum.

Data: the CDNOW calibration summary (2,357 customers, weeks, 39 weeks; Fader,
Hardie & Lee 2005) for BG/NBD, Pareto/NBD, MBG/NBD and Gamma-Gamma (the 946
customers with a repeat purchase); the donations data (Fader, Hardie & Shang
2010; 11,104 supporters in 22 patterns, fitted with weights) for the BG/BB;
and, for the large-base goal, ``--customers`` summaries drawn from the BG/NBD
with the CDNOW estimates as truth (:func:`synthetic_summary`). A model whose
crmlab class cannot be imported is skipped with a note.
"""

from __future__ import annotations

import argparse
import importlib
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the scripts' shared modules, also when loaded by path
from _clv_lifetimes import WARMUP_ROWS, LifetimesError, LifetimesWorker, lifetimes_total_ll  # noqa: E402
from _clv_report import write_markdown  # noqa: E402
from _common import (  # noqa: E402
    add_common_arguments,
    environment,
    generated_by,
    load_average,
    markdown_table,
    run_fresh,
    write_results,
)

#: BG/NBD parameters of the synthetic base: the published CDNOW estimates (Fader, Hardie & Lee 2005).
TRUTH = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}


class Spec(NamedTuple):
    """One model: crmlab's class and where it may live, lifetimes' counterpart, the data it is fitted to."""

    label: str
    modules: tuple[str, ...]  # tried in turn after crmlab.clv itself
    lifetimes_cls: str
    lifetimes_params: tuple[str, ...]  # lifetimes' names, in crmlab's parameter order
    data: str  # "cdnow", "cdnow_spend" or "donations"
    inputs: str  # "rft", "rft_weights" or "spend": what fit() is given
    lifetimes_ll: str  # "mean_scaled", "total_scaled" or "mean": see lifetimes_total_ll


MODELS = {
    "BetaGeo": Spec("BG/NBD", ("crmlab.clv.beta_geo",), "BetaGeoFitter", ("r", "alpha", "a", "b"), "cdnow", "rft", "mean_scaled"),
    "ParetoNBD": Spec(
        "Pareto/NBD", ("crmlab.clv.pareto_nbd", "crmlab.clv.pareto"), "ParetoNBDFitter",
        ("r", "alpha", "s", "beta"), "cdnow", "rft", "total_scaled",
    ),
    "ModifiedBetaGeo": Spec(
        "MBG/NBD", ("crmlab.clv.modified_beta_geo",), "ModifiedBetaGeoFitter",
        ("r", "alpha", "a", "b"), "cdnow", "rft", "mean_scaled",
    ),
    "GammaGamma": Spec(
        "Gamma-Gamma", ("crmlab.clv.gamma_gamma", "crmlab.clv.spend"), "GammaGammaFitter",
        ("p", "q", "v"), "cdnow_spend", "spend", "mean",
    ),
    "BetaGeoBetaBinom": Spec(
        "BG/BB", ("crmlab.clv.beta_geo_beta_binom",), "BetaGeoBetaBinomFitter",
        ("alpha", "beta", "gamma", "delta"), "donations", "rft_weights", "mean",
    ),
}

# ---------------------------------------------------------------------------------------------
# Data.
# ---------------------------------------------------------------------------------------------


def cdnow_summary() -> pd.DataFrame:
    """The CDNOW calibration summary of the papers (2,357 customers, weeks)."""
    from crmlab.customers import transaction_summary
    from crmlab.data import CDNOW_CONVENTIONS, load_cdnow

    c = CDNOW_CONVENTIONS
    s = transaction_summary(
        load_cdnow(), observation_end=c["observation_end"], freq=c["freq"], time_unit=c["time_unit"],
        calibration_end=c["calibration_end"],
    )
    return s[["frequency", "recency", "T", "monetary_value"]].reset_index(drop=True)


def donations() -> pd.DataFrame:
    """The 22 donation patterns (6 opportunities) with their counts as ``weights``."""
    from crmlab.data import load_donations

    d = load_donations()
    return pd.DataFrame({"frequency": d["frequency"], "recency": d["recency"], "T": d["n"], "weights": d["n_customers"]})


def synthetic_summary(n: int, seed: int) -> pd.DataFrame:
    """Summaries of n customers drawn from the BG/NBD with parameters ``TRUTH``, at day resolution.

    Per customer: λ ~ Gamma(r, α) per week, p ~ Beta(a, b); T uniform over
    273..546 whole days (39 to 78 weeks, first purchases spread over an
    acquisition window as in CDNOW); N ~ Poisson(λT) purchases in (0, T] if
    the customer stayed; the customer drops out right after repeat purchase
    J ~ Geometric(p), so x = min(N, J); given N, the purchase times are N
    uniform order statistics, so t_x = T · Beta(x, N − x + 1) (the x-th of
    N). t_x is then put on whole days by randomised rounding (the first
    purchase falls at a uniform time of its day, so the day count is unbiased)
    and kept at least one day (one transaction per day; a same-day repeat,
    which a real summary would merge, is rare at these rates and kept).
    Recency and T are in weeks (days / 7), as in CDNOW.
    """
    rng = np.random.default_rng(seed)
    lam = rng.gamma(TRUTH["r"], 1 / TRUTH["alpha"], n)
    p = rng.beta(TRUTH["a"], TRUTH["b"], n)
    T_days = rng.integers(39 * 7, 78 * 7 + 1, n)
    N = rng.poisson(lam * T_days / 7)
    x = np.minimum(N, rng.geometric(p))
    has = x > 0
    t_x = T_days * rng.beta(np.maximum(x, 1), np.maximum(N - x + 1, 1))
    t_x_days = np.where(has, np.clip(np.floor(t_x + rng.random(n)), 1, T_days), 0)
    return pd.DataFrame({"frequency": x, "recency": t_x_days / 7, "T": T_days / 7})


def compressed(data: pd.DataFrame) -> pd.DataFrame:
    """Identical (x, t_x, T) rows as one row with a ``weights`` count (for lifetimes' ``weights=``)."""
    out = data.groupby(["frequency", "recency", "T"], sort=False).size().rename("weights").reset_index()
    return out


# ---------------------------------------------------------------------------------------------
# Fitting and timing.
# ---------------------------------------------------------------------------------------------


def load_class(name: str, spec: Spec) -> tuple[type | None, str]:
    """crmlab's model class (from crmlab.clv, else its own module), or None and why not."""
    errors = []
    for module in ("crmlab.clv", *spec.modules):
        try:
            cls = getattr(importlib.import_module(module), name, None)
        except Exception as exc:  # a module being written may fail in any way
            errors.append(f"{module}: {type(exc).__name__}: {exc}")
            continue
        if cls is not None:
            return cls, ""
        errors.append(f"{module}: no {name}")
    return None, "; ".join(errors)


def crmlab_fit(cls: type, inputs: str, data: pd.DataFrame):
    if inputs == "spend":
        return cls().fit(data["frequency"], data["monetary_value"])
    weights = data["weights"] if inputs == "rft_weights" else None
    return cls().fit(data["frequency"], data["recency"], data["T"], weights=weights)

def measure(
    cls: type, inputs: str, data: pd.DataFrame, repeats: int, lifetimes: dict | None, lifetimes_data: pd.DataFrame | None = None,
) -> dict:
    """Time crmlab's fit ``repeats`` times and, if ``lifetimes`` is given, lifetimes' in alternation.

    ``lifetimes``: {"python", "cls", "seed", "timeout", "repeats"} (its data:
    ``lifetimes_data``, default ``data``). Both sides warm up first. The fits
    alternate (crmlab, lifetimes, crmlab, ...) so that a busy spell of the
    machine hits both libraries alike. Returns crmlab's times, the last model
    and its warnings, and lifetimes' times and result (or its error).
    """
    crmlab_fit(cls, inputs, data.head(WARMUP_ROWS))
    worker, model = None, None
    out: dict = {"crmlab": [], "crmlab_cpu": [], "inner": [], "lifetimes": [], "lifetimes_cpu": []}
    if lifetimes:
        try:
            worker = LifetimesWorker(
                lifetimes["python"], lifetimes["cls"], inputs, data if lifetimes_data is None else lifetimes_data,
                lifetimes["seed"], lifetimes["timeout"], lifetimes.get("blas_threads"),
            )
        except LifetimesError as exc:
            out["lifetimes_error"] = str(exc)
    lt_repeats = lifetimes.get("repeats", repeats) if lifetimes else 0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for i in range(max(repeats, lt_repeats)):
            if i < repeats:
                start, cpu = time.perf_counter(), time.process_time()
                model = crmlab_fit(cls, inputs, data)
                out["crmlab"].append(time.perf_counter() - start)
                out["crmlab_cpu"].append(time.process_time() - cpu)
                out["inner"].append(getattr(model, "fit_time_", np.nan))
            if worker is not None and i < lt_repeats:
                try:
                    wall, cpu = worker.fit()
                    out["lifetimes"].append(wall)
                    out["lifetimes_cpu"].append(cpu)
                except LifetimesError as exc:
                    out["lifetimes_error"], worker = str(exc), None
    if worker is not None:
        try:
            out["lifetimes_result"] = worker.finish()
        except LifetimesError as exc:
            out["lifetimes_error"] = str(exc)
    out["model"] = model
    out["warnings"] = sorted({f"{w.category.__name__}: {w.message}" for w in caught})
    return out

def crmlab_ll_at(model, params: list[float]) -> float:
    """crmlab's total log-likelihood at ``params``, on the data the model was fitted to.

    Uses the fitted model's compressed data and weights (private attributes of
    :class:`crmlab.stats.maximum_likelihood.ParametricModel`); NaN if they are not there.
    """
    try:
        return float(model._weights @ model._log_likelihood_rows(np.asarray(params, dtype=float), model._data))
    except AttributeError:
        return float("nan")


# ---------------------------------------------------------------------------------------------
# The benchmark.
# ---------------------------------------------------------------------------------------------


def lifetimes_options(args: argparse.Namespace, cls_name: str, repeats: int) -> dict | None:
    if not args.lifetimes_python:
        return None
    return {
        "python": args.lifetimes_python, "cls": cls_name, "seed": args.seed, "timeout": args.timeout, "repeats": repeats,
        "blas_threads": args.blas_threads,
    }


def lifetimes_entry(got: dict, spec: Spec, model, data: pd.DataFrame, args: argparse.Namespace) -> dict:
    """lifetimes' side of one measurement: times, both log-likelihoods and estimates (or the error)."""
    if "lifetimes_error" in got or "lifetimes_result" not in got:
        return {"error": got.get("lifetimes_error", "not run")}
    result = got["lifetimes_result"]
    args.lifetimes_versions = result["versions"]
    params = [result["params"][k] for k in spec.lifetimes_params]
    return {
        "times": got["lifetimes"], "median": statistics.median(got["lifetimes"]), "min": min(got["lifetimes"]),
        "cpu": statistics.median(got["lifetimes_cpu"]),
        "own_ll": lifetimes_total_ll(spec.lifetimes_ll, result["nll"], data), "ll": crmlab_ll_at(model, params),
        "params": dict(zip(model.param_names, params, strict=True)),
    }


def optimiser_text(model) -> str:
    """How crmlab's fit got its gradient, and how many likelihood evaluations L-BFGS-B made."""
    has_gradient = getattr(model, "_has_gradient", lambda: None)()
    kind = {True: "analytic gradient", False: "finite differences", None: "?"}[has_gradient]
    nfev = getattr(getattr(model, "convergence_", None), "nfev", None)
    return f"{kind}, {nfev} evaluations" if nfev is not None else kind


def run_models(args: argparse.Namespace, notes: list[str]) -> list[dict]:
    datasets: dict[str, pd.DataFrame] = {}
    rows = []
    for name in args.models:
        spec = MODELS[name]
        cls, why = load_class(name, spec)
        if cls is None:
            notes.append(f"{spec.label} (`{name}`) skipped: crmlab class not importable ({why}).")
            print(f"{name}: skipped ({why})", flush=True)
            continue
        if spec.data not in datasets:
            if spec.data == "donations":
                datasets[spec.data] = donations()
            else:
                datasets.setdefault("cdnow", cdnow_summary())
                datasets["cdnow_spend"] = datasets["cdnow"][datasets["cdnow"]["frequency"] > 0].reset_index(drop=True)
        data = datasets[spec.data]
        try:
            got = measure(cls, spec.inputs, data, args.repeats, lifetimes_options(args, spec.lifetimes_cls, args.repeats))
        except Exception as exc:  # noqa: BLE001 - report and go on with the other models
            notes.append(f"{spec.label} (`{name}`) skipped: crmlab's fit failed ({type(exc).__name__}: {exc}).")
            print(f"{name}: crmlab fit failed: {exc}", flush=True)
            continue
        model = got["model"]
        row = {
            "name": name, "spec": spec, "customers": int(model.n_customers_), "distinct": int(model.n_rows_fitted_),
            "crmlab_median": statistics.median(got["crmlab"]), "crmlab_min": min(got["crmlab"]),
            "crmlab_cpu": statistics.median(got["crmlab_cpu"]), "crmlab_ll": float(model.log_likelihood_),
            "crmlab_params": model.params_.to_dict(), "optimiser": optimiser_text(model),
            "warnings": got["warnings"], "lifetimes": lifetimes_entry(got, spec, model, data, args),
        }
        rows.append(row)
        lt = row["lifetimes"]
        lt_text = f"{lt['median']:.4f} s" if "median" in lt else lt["error"]
        print(f"{name}: crmlab {row['crmlab_median']:.4f} s, LL {row['crmlab_ll']:.3f}; lifetimes {lt_text}", flush=True)
    return rows


def run_large(args: argparse.Namespace, notes: list[str]) -> dict | None:
    spec = MODELS["BetaGeo"]
    cls, why = load_class("BetaGeo", spec)
    if cls is None:
        notes.append(f"BG/NBD on the synthetic base skipped: crmlab class not importable ({why}).")
        return None
    start = time.perf_counter()
    data = synthetic_summary(args.customers, args.seed)
    generated = time.perf_counter() - start
    with_lifetimes = bool(args.lifetimes_python) and not args.skip_large_lifetimes
    lt_repeats = max(1, min(args.repeats, args.large_lifetimes_repeats))
    options = lifetimes_options(args, spec.lifetimes_cls, lt_repeats) if with_lifetimes else None
    got = measure(cls, "rft", data, args.repeats, options)
    model = got["model"]
    large = {
        "customers": args.customers, "generated_s": generated, "distinct": int(model.n_rows_fitted_),
        "crmlab_median": statistics.median(got["crmlab"]), "crmlab_min": min(got["crmlab"]),
        "crmlab_cpu": statistics.median(got["crmlab_cpu"]), "inner_s": statistics.median(got["inner"]),
        "nfev": int(getattr(model.convergence_, "nfev", -1)),
        "crmlab_ll": float(model.log_likelihood_), "crmlab_params": model.params_.to_dict(),
        "crmlab_se": model.standard_errors_.to_dict(), "warnings": got["warnings"], "lifetimes": {},
    }
    print(
        f"BG/NBD on {args.customers:,} customers ({large['distinct']:,} distinct): crmlab {large['crmlab_median']:.3f} s",
        flush=True,
    )
    if with_lifetimes:
        large["lifetimes"]["one row per customer"] = {"rows": len(data), **lifetimes_entry(got, spec, model, data, args)}
        frame = compressed(data)
        # lifetimes alone on the compressed rows (crmlab's fits are the ones above: repeats=0 here)
        got_c = measure(cls, "rft", data, 0, options, lifetimes_data=frame)
        large["lifetimes"]["identical rows compressed, weights="] = {
            "rows": len(frame), **lifetimes_entry(got_c, spec, model, frame, args)
        }
        for label, e in large["lifetimes"].items():
            print(f"  lifetimes, {label}: {e.get('median', e.get('error'))}", flush=True)
    large["lifetimes_repeats"] = lt_repeats
    return large



# ---------------------------------------------------------------------------------------------
# Every row distinct: continuous times, compiled likelihood against the NumPy path and lifetimes,
# each measurement in a fresh process (peak memory); predictions at 1M against lifetimes.
# ---------------------------------------------------------------------------------------------

#: Pareto/NBD parameters of its synthetic bases: Fader, Hardie & Lee (2005b) on CDNOW.
PARETO_TRUTH = {"r": 0.553, "alpha": 10.58, "s": 0.606, "beta": 11.67}


class DistinctCase(NamedTuple):
    """A fit on n customers with every (x, t_x, T) distinct, its goal in seconds (None: no goal)."""

    name: str  # crmlab class
    label: str
    customers: int
    goal_seconds: float | None
    goal_memory_mb: float | None = None
    lifetimes: bool = False  # whether lifetimes is fitted too (its Pareto/NBD takes minutes at 100,000)


DISTINCT_CASES = (
    DistinctCase("ParetoNBD", "Pareto/NBD", 100_000, None, lifetimes=True),
    DistinctCase("ParetoNBD", "Pareto/NBD", 1_000_000, 5.0),
    DistinctCase("ParetoNBD", "Pareto/NBD", 5_000_000, 30.0, 1536.0),
    DistinctCase("BetaGeo", "BG/NBD", 1_000_000, None, lifetimes=True),
    DistinctCase("BetaGeo", "BG/NBD", 5_000_000, 6.0, lifetimes=True),
)


def distinct_summary(name: str, n: int, seed: int) -> pd.DataFrame:
    """n customers drawn from the Pareto/NBD (``PARETO_TRUTH``) or the BG/NBD (``TRUTH``) in continuous time.

    T uniform over 39–78 weeks (acquisitions spread over a window, as in CDNOW). Pareto/NBD (Schmittlein,
    Morrison & Colombo 1987): λ ~ Gamma(r, α), μ ~ Gamma(s, β), lifetime ω ~ Exp(μ); x ~ Poisson(λ·min(ω, T))
    and, given x, the purchases are x uniform times in (0, min(ω, T)], so t_x = min(ω, T)·Beta(x, 1).
    BG/NBD: as :func:`synthetic_summary` without the rounding to days. Every row is distinct with
    probability one (t_x and T are continuous; x = 0 rows differ in T).
    """
    rng = np.random.default_rng(seed)
    T = rng.uniform(39.0, 78.0, n)
    if name == "ParetoNBD":
        t = PARETO_TRUTH
        lam, mu = rng.gamma(t["r"], 1 / t["alpha"], n), rng.gamma(t["s"], 1 / t["beta"], n)
        active = np.minimum(rng.exponential(1 / mu), T)
        x = rng.poisson(lam * active)
        t_x = np.where(x > 0, active * rng.beta(np.maximum(x, 1), 1), 0.0)
    else:
        lam, p = rng.gamma(TRUTH["r"], 1 / TRUTH["alpha"], n), rng.beta(TRUTH["a"], TRUTH["b"], n)
        N = rng.poisson(lam * T)
        x = np.minimum(N, rng.geometric(p))
        t_x = np.where(x > 0, T * rng.beta(np.maximum(x, 1), np.maximum(N - x + 1, 1)), 0.0)
    return pd.DataFrame({"frequency": x.astype(float), "recency": t_x, "T": T})


# Runs in a fresh interpreter: argv = class, .npy folder, path ("compiled" or "numpy"), repeats, benchmarks folder.
# One untimed warm-up fit on 5,000 rows (on the compiled path it loads the kernels, timed apart), then the fits.
DISTINCT_WORKER = r"""
import json, sys, time, warnings
import numpy as np
sys.path.insert(0, sys.argv[5])
from _common import peak_rss_kb
import crmlab.clv as clv
name, folder, path, repeats = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
cols = [np.load(f"{folder}/{k}.npy") for k in ("frequency", "recency", "T")]
cls = getattr(clv, name)
def model():
    m = cls()
    m.compiled_min_rows = 0 if path == "compiled" else 2**62
    return m
start = time.perf_counter()
model().fit(*(c[:5000] for c in cols))
warm_up = time.perf_counter() - start
before = peak_rss_kb()
out = {"wall": [], "cpu": [], "inner": [], "warm_up": warm_up, "rss_before_kb": before}
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    for _ in range(repeats):
        start, cpu = time.perf_counter(), time.process_time()
        m = model().fit(*cols)
        out["wall"].append(time.perf_counter() - start)
        out["cpu"].append(time.process_time() - cpu)
        out["inner"].append(m.fit_time_)
out.update(peak_kb=peak_rss_kb(), ll=m.log_likelihood_, params=m.params_.to_dict(), se=m.standard_errors_.to_dict(),
           nfev=int(m.convergence_.nfev), rows=int(m.n_rows_fitted_), warnings=sorted({str(w.message) for w in caught}))
print(json.dumps(out))
"""


def run_distinct(args: argparse.Namespace, notes: list[str]) -> list[dict]:
    """The cases of ``DISTINCT_CASES`` up to ``--distinct-max-customers``: crmlab's compiled fit (``--repeats``,
    at least 3), the NumPy path (``--reference-repeats``) and lifetimes (where the case says, not with
    ``--skip-large-lifetimes``), each in a fresh process; the data through .npy files (CSV for lifetimes)."""
    import tempfile

    here = str(Path(__file__).resolve().parent)
    root = Path(__file__).resolve().parents[1]
    rows = []
    for case in DISTINCT_CASES:
        if case.customers > args.distinct_max_customers:
            continue
        data = distinct_summary(case.name, case.customers, args.seed)
        row: dict = {"case": case, "distinct": int(len(data.drop_duplicates()))}
        with tempfile.TemporaryDirectory(prefix="crmlab-clv-distinct-") as folder:
            for k in ("frequency", "recency", "T"):
                np.save(f"{folder}/{k}.npy", data[k].to_numpy())
            reference_repeats = args.reference_repeats if case.customers <= args.reference_max_customers else 0
            for path, repeats in (("compiled", max(args.repeats, 3)), ("numpy", reference_repeats)):
                if repeats < 1:
                    row[path] = {"error": "not run"}
                    continue
                print(f"{case.label} {case.customers:,}: crmlab, {path} path, {repeats} fits", flush=True)
                row[path] = run_fresh(sys.executable, DISTINCT_WORKER, case.name, folder, path, str(repeats), here,
                                      timeout=args.timeout, cwd=root)
                got = row[path]
                print(f"  {statistics.median(got['wall']):.2f} s" if "wall" in got else f"  {got['error']}", flush=True)
        row["lifetimes"] = {"error": "not run"}
        if args.lifetimes_python and case.lifetimes and not args.skip_large_lifetimes:
            print(f"{case.label} {case.customers:,}: lifetimes, {args.reference_repeats} fits", flush=True)
            spec = MODELS[case.name]
            options = lifetimes_options(args, spec.lifetimes_cls, max(args.reference_repeats, 1))
            got = measure_lifetimes_only(data, options)
            if "nll" in got:
                got["ll"] = lifetimes_total_ll(spec.lifetimes_ll, got["nll"], data)
                args.lifetimes_versions = got["versions"]
            row["lifetimes"] = got
            print(f"  {statistics.median(got['wall']):.2f} s" if "wall" in got else f"  {got['error']}", flush=True)
        rows.append(row)
    return rows


def measure_lifetimes_only(data: pd.DataFrame, options: dict) -> dict:
    """lifetimes' fits of ``data`` in its worker process: times, its peak memory, estimates and LL."""
    try:
        worker = LifetimesWorker(options["python"], options["cls"], "rft", data, options["seed"], options["timeout"],
                                 options.get("blas_threads"))
        times = [worker.fit() for _ in range(options["repeats"])]
        result = worker.finish()
    except LifetimesError as exc:
        return {"error": str(exc)}
    return {"wall": [t[0] for t in times], "cpu": [t[1] for t in times], "peak_kb": result.get("peak_kb"),
            "params": result["params"], "nll": result["nll"], "versions": result["versions"]}


# Predictions on n customers, in a fresh process: argv = library, class, .npy folder, repeats, params (JSON).
PREDICTION_WORKER = r"""
import json, sys, time
import numpy as np, pandas as pd
library, name, folder, repeats, params = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), json.loads(sys.argv[5])
x, t_x, T = (np.load(f"{folder}/{k}.npy") for k in ("frequency", "recency", "T"))
if library == "crmlab":
    import crmlab.clv as clv
    model = getattr(clv, name)()
    model.params_ = pd.Series(params, name="estimate")
    calls = {"probability_alive": lambda: model.probability_alive(x, t_x, T),
             "conditional_expected_transactions": lambda: model.conditional_expected_transactions(10.0, x, t_x, T)}
else:
    import lifetimes
    model = getattr(lifetimes, {"BetaGeo": "BetaGeoFitter", "ParetoNBD": "ParetoNBDFitter"}[name])()
    model.params_ = pd.Series(params)
    calls = {"probability_alive": lambda: model.conditional_probability_alive(x, t_x, T),
             "conditional_expected_transactions": lambda: model.conditional_expected_number_of_purchases_up_to_time(10.0, x, t_x, T)}
out = {}
for what, call in calls.items():
    call()  # first-call costs
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        value = np.asarray(call(), dtype=float)
        times.append(time.perf_counter() - start)
    out[what] = {"times": times, "mean": float(value.mean())}
print(json.dumps(out))
"""

#: lifetimes' parameter names, in crmlab's order.
LIFETIMES_NAMES = {"BetaGeo": ("r", "alpha", "a", "b"), "ParetoNBD": ("r", "alpha", "s", "beta")}


def run_predictions(args: argparse.Namespace, notes: list[str]) -> list[dict]:
    """P(alive) and E[Y(10) | x, t_x, T] for ``--prediction-customers`` customers (every row distinct) at the
    CDNOW estimates, crmlab and lifetimes each in a fresh process, ``--repeats`` calls each after one untimed."""
    import json
    import tempfile

    root = Path(__file__).resolve().parents[1]
    rows = []
    for name, truth in (("BetaGeo", TRUTH), ("ParetoNBD", PARETO_TRUTH)):
        data = distinct_summary(name, args.prediction_customers, args.seed)
        with tempfile.TemporaryDirectory(prefix="crmlab-clv-predict-") as folder:
            for k in ("frequency", "recency", "T"):
                np.save(f"{folder}/{k}.npy", data[k].to_numpy())
            row = {"name": name, "customers": args.prediction_customers}
            for library, python in (("crmlab", sys.executable), ("lifetimes", args.lifetimes_python)):
                if not python:
                    row[library] = {"error": "not run"}
                    continue
                params = truth if library == "crmlab" else dict(zip(LIFETIMES_NAMES[name], truth.values(), strict=True))
                print(f"{name} predictions on {args.prediction_customers:,}: {library}", flush=True)
                row[library] = run_fresh(python, PREDICTION_WORKER, library, name, folder, str(args.repeats),
                                         json.dumps(params), timeout=args.timeout, cwd=root)
        rows.append(row)
    return rows


def add_distinct_arguments(parser: argparse.ArgumentParser) -> None:
    """``--cases`` and the options of the every-row-distinct fits and the predictions."""
    parser.add_argument(
        "--cases", nargs="+", default=["models", "large"], choices=list(CASES),
        help="what to run (default: models large; the other two take many minutes): "
             + "; ".join(f"{k}: {v}" for k, v in CASES.items()),
    )
    parser.add_argument("--distinct-max-customers", type=int, default=5_000_000,
                        help="run the every-row-distinct fits up to this many customers")
    parser.add_argument("--reference-repeats", type=int, default=1,
                        help="fits of crmlab's NumPy path and of lifetimes per every-row-distinct case (0: none)")
    parser.add_argument("--reference-max-customers", type=int, default=5_000_000,
                        help="fit with crmlab's NumPy path in the every-row-distinct cases up to this many customers")
    parser.add_argument("--prediction-customers", type=int, default=1_000_000, help="customers of the prediction timings")


#: The parts of the benchmark (``--cases``).
CASES = {
    "models": "the published data sets",
    "large": "BG/NBD on the synthetic base (--customers)",
    "distinct": "Pareto/NBD and BG/NBD with every row distinct, compiled against NumPy path and lifetimes",
    "predictions": "P(alive) and conditional expected transactions at 1M customers against lifetimes",
}
# ---------------------------------------------------------------------------------------------
# BG/BB with many opportunities (--bgbb-many-opportunities): a case of its own, with its own results file.
# ---------------------------------------------------------------------------------------------

#: BG/BB parameters of the many-opportunity base: the published donations estimates (Fader, Hardie & Shang 2010).
BGBB_TRUTH = {"alpha": 1.204, "beta": 0.750, "gamma": 0.657, "delta": 2.783}
BGBB_GOAL_SECONDS = 1.0


def bgbb_many_opportunities_summary(n_customers: int, seed: int, max_opportunities: int = 52) -> pd.DataFrame:
    """Summaries (x, t_x, n) of customers drawn from the BG/BB with parameters ``BGBB_TRUTH``.

    Per customer: p ~ Beta(α, β), θ ~ Beta(γ, δ); n uniform over
    1..``max_opportunities`` (cohorts that joined at different times); the
    customer is alive at opportunity j while j < D, D ~ Geometric(θ) (death
    at the start of an opportunity, probability θ each time), and takes each
    opportunity while alive with probability p. x counts the opportunities
    taken, t_x is the last one (0 if none). Drawn in blocks of 50,000
    customers, vectorised.
    """
    rng = np.random.default_rng(seed)
    alpha, beta, gamma, delta = BGBB_TRUTH.values()
    p = rng.beta(alpha, beta, n_customers)
    theta = rng.beta(gamma, delta, n_customers)
    n = rng.integers(1, max_opportunities + 1, n_customers)
    alive_for = np.minimum(rng.geometric(theta) - 1, n)  # opportunities 1..alive_for are taken with probability p
    x, t_x = np.zeros(n_customers), np.zeros(n_customers)
    j = np.arange(1, max_opportunities + 1)[None, :]
    for start in range(0, n_customers, 50_000):
        block = slice(start, min(start + 50_000, n_customers))
        buys = (j <= alive_for[block, None]) & (rng.random((block.stop - start, max_opportunities)) < p[block, None])
        x[block] = buys.sum(axis=1)
        t_x[block] = np.where(x[block] > 0, max_opportunities - np.argmax(buys[:, ::-1], axis=1), 0)
    return pd.DataFrame({"frequency": x, "recency": t_x, "T": n.astype(float)})


def add_bgbb_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--bgbb-many-opportunities", nargs="?", const=Path(__file__).resolve().parent / "results" / "clv_bgbb.md",
        type=Path, default=None, metavar="PATH",
        help="run only the BG/BB case with many opportunities and write its table to PATH (default results/clv_bgbb.md)",
    )
    parser.add_argument("--bgbb-customers", type=int, default=200_000, help="customers of the BG/BB case")
    parser.add_argument(
        "--bgbb-reference-repeats", type=int, default=3,
        help="timed fits of the BG/BB reference (finite differences, likelihood term by term; each takes seconds)",
    )


def _median_seconds(call, repeats: int) -> tuple[float, float]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times)


def run_bgbb_many_opportunities(args: argparse.Namespace) -> int:
    """Time the BG/BB fit with its analytic gradient against the finite-difference fit (and lifetimes), on
    ``--bgbb-customers`` customers with up to 52 opportunities; time its predictions; write the table."""
    from crmlab.clv.beta_geo_beta_binom import _log_likelihood_term_by_term

    spec = MODELS["BetaGeoBetaBinom"]
    cls, why = load_class("BetaGeoBetaBinom", spec)
    if cls is None:
        raise SystemExit(f"BetaGeoBetaBinom not importable: {why}")
    reference = type("BetaGeoBetaBinomFiniteDifferences", (cls,), {"_finite_differences": True})
    start = time.perf_counter()
    data = bgbb_many_opportunities_summary(args.bgbb_customers, args.seed)
    generated = time.perf_counter() - start
    frame = compressed(data)  # lifetimes gets the distinct rows with weights= (compressed before its timer)
    options = lifetimes_options(args, spec.lifetimes_cls, args.repeats)
    got = measure(cls, "rft", data, args.repeats, options, lifetimes_data=frame)
    ref = measure(reference, "rft", data, args.bgbb_reference_repeats, None)
    model, ref_model = got["model"], ref["model"]
    weights, prepared = model._weights, model._data
    hessian = _median_seconds(lambda: model._variance_matrix(model.params_.to_numpy(), prepared, weights), args.repeats)
    x, t_x, n = data["frequency"].to_numpy(), data["recency"].to_numpy(), data["T"].to_numpy()
    predictions = {
        "probability_alive": _median_seconds(lambda: model.probability_alive(x, t_x, n), args.repeats),
        "conditional_expected_transactions, 10 opportunities": _median_seconds(
            lambda: model.conditional_expected_transactions(10, x, t_x, n), args.repeats),
        "discounted_expected_residual_transactions, d = 0.1": _median_seconds(
            lambda: model.discounted_expected_residual_transactions(0.1, x, t_x, n), args.repeats),
        "before: eq. 5 term by term on every customer, the first step of each prediction": _median_seconds(
            lambda: _log_likelihood_term_by_term(model.params_.to_numpy(), {"frequency": x, "recency": t_x, "T": n}), 1),
    }
    lt = lifetimes_entry(got, spec, model, frame, args)
    fast, slow = statistics.median(got["crmlab"]), statistics.median(ref["crmlab"])
    print(f"BG/BB, many opportunities: analytic {fast:.3f} s, finite differences {slow:.3f} s", flush=True)

    def fit_row(label, times, cpu, fitted, ll=None):
        nfev = getattr(fitted.convergence_, "nfev", "") if fitted is not None else ""
        ll = fitted.log_likelihood_ if ll is None else ll
        return [label, len(times), f"{statistics.median(times):.3f} ({min(times):.3f})", f"{statistics.median(cpu):.3f}",
                nfev, f"{ll:.3f}", f"{statistics.median(times) / fast:.1f}×"]

    rows = [
        fit_row("crmlab, analytic gradient (grid likelihood)", got["crmlab"], got["crmlab_cpu"], model),
        fit_row("crmlab, finite differences (likelihood term by term; before)", ref["crmlab"], ref["crmlab_cpu"], ref_model),
    ]
    lt_label = "lifetimes BetaGeoBetaBinomFitter, distinct rows with weights="
    lt_note = (f"; lifetimes' own LL {lt['own_ll']:.3f}, crmlab's LL at lifetimes' estimates {lt['ll']:.3f} "
               f"(ΔLL crmlab − that = {model.log_likelihood_ - lt['ll']:+.1e})" if "median" in lt else "")
    if "median" in lt:
        rows.append(fit_row(lt_label, lt["times"], [lt["cpu"]], None, lt["own_ll"]))
        rows[-1][4] = ""
    elif args.lifetimes_python:
        rows.append([lt_label, 0, lt["error"].rstrip("."), "", "", "", ""])
        lt_note = ("; lifetimes failed, its optimiser ending on a NaN likelihood (its BG/BB likelihood adds the dead "
                   "terms as Beta functions in linear space, `betaf`, to a floor of 1e-15, which they approach at these "
                   "x: B(α+40, β+10) · B(γ+1, δ+50) ≈ 3e-15 at the truth)")
    inner = statistics.median(got["inner"])
    se, truth = model.standard_errors_, BGBB_TRUTH
    estimates = [
        [k, f"{truth[k]:.3f}", f"{model.params_[k]:.4f} ({se[k]:.4f})", f"{(model.params_[k] - truth[k]) / se[k]:+.2f}",
         f"{ref_model.params_[k]:.4f}",
         f"{lt['params'][k]:.4f}" if "params" in lt else ("failed" if args.lifetimes_python else "not run")]
        for k in model.param_names
    ]
    ll_gap = model.log_likelihood_ - ref_model.log_likelihood_
    if args.lifetimes_python and not getattr(args, "lifetimes_versions", None):
        version = subprocess.run([args.lifetimes_python, "-c", "import lifetimes; print(lifetimes.__version__)"],
                                 capture_output=True, text=True, check=False).stdout.strip()
        args.lifetimes_versions = f"lifetimes {version or '(version unknown)'}"
    met = "met" if fast < BGBB_GOAL_SECONDS else "missed"
    lines = [
        "# BG/BB with many opportunities",
        "",
        generated_by(f"benchmarks/clv_fit.py --bgbb-many-opportunities{' --lifetimes-python …' if args.lifetimes_python else ''}"
                     f" --bgbb-customers {args.bgbb_customers} --repeats {args.repeats} "
                     f"--bgbb-reference-repeats {args.bgbb_reference_repeats} --seed {args.seed}"),
        "",
        f"Environment: {environment(['numpy', 'scipy', 'pandas'], blas=True)}. lifetimes: "
        f"{getattr(args, 'lifetimes_versions', None) or 'not run'}. Load average (1, 5, 15 min) at the start: "
        f"{args.load_start}; at the end: {load_average()}.",
        "",
        f"Data: {args.bgbb_customers:,} customers drawn from the BG/BB with the published donations estimates as truth "
        f"(seed {args.seed}; n uniform over 1–52 opportunities; see `bgbb_many_opportunities_summary`), generated in "
        f"{generated:.2f} s: {model.n_rows_fitted_:,} distinct (x, t_x, n) patterns.",
        "",
        "Times: seconds of the `fit` call alone (input checks, compression, optimiser, standard errors), median (minimum) "
        "after one untimed warm-up fit; CPU time of the fitting process beside it. The reference is the same class "
        "with its private `_finite_differences` switch on: the likelihood summed term by term (a log-Beta per term, "
        "padded to the longest sum) and finite-difference gradients, as before the analytic gradient; its fits run "
        "after the analytic ones, in the same process. lifetimes gets the distinct rows with `weights=` (compressed "
        "before its timer); its fits alternate with crmlab's analytic ones. `÷ analytic`: ratio of the medians.",
        "",
        *markdown_table(["fit", "fits timed", "wall (s)", "CPU (s)", "likelihood evaluations", "LL", "÷ analytic"],
                        "lrrrrrr", rows),
        "",
        f"Of the analytic fit's median {fast:.3f} s, {fast - inner:.3f} s go to checking and compressing the input, "
        f"{hessian[0]:.3f} s to the standard errors (the Hessian from central differences of the analytic gradient: "
        f"8 gradient evaluations) and the rest, {max(inner - hessian[0], 0):.3f} s, to L-BFGS-B. The two crmlab fits "
        f"reach the same maximum: ΔLL analytic − finite differences = {ll_gap:+.1e}{lt_note}.",
        "",
        *markdown_table(["parameter", "truth", "analytic (SE)", "(analytic − truth) / SE", "finite differences",
                         "lifetimes"], "lrrrrr", estimates),
        "",
        f"Predictions on all {args.bgbb_customers:,} customers (one row per customer, not compressed), median (minimum) "
        f"of {args.repeats}; the last line is what each prediction computed first before this change (one run).",
        "",
        *markdown_table(["prediction", "wall (s)"], "lr",
                        [[k, f"{m:.3f} ({lo:.3f})"] for k, (m, lo) in predictions.items()]),
        "",
        "## Goal",
        "",
        f"- BG/BB on {args.bgbb_customers:,} customers with up to 52 opportunities fitted in under "
        f"{BGBB_GOAL_SECONDS:g} s: {fast:.2f} s (finite differences: {slow:.2f} s, {slow / fast:.0f}×) — **{met}**",
    ]
    # the fits' warnings; not the ResourceWarnings of a lifetimes worker that failed
    caught = sorted({w for w in got["warnings"] + ref["warnings"] if not w.startswith("ResourceWarning")})
    if caught:
        lines += ["", "Warnings: " + "; ".join(caught)]
    write_results(args.bgbb_many_opportunities, lines)
    print(f"wrote {args.bgbb_many_opportunities}", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_common_arguments(parser, output="clv_fit.md", repeats=7,
                         lifetimes_help="python interpreter of an environment with lifetimes installed; its fits run "
                                        "there (default: not run)")
    parser.add_argument("--customers", type=int, default=1_000_000, help="size of the synthetic BG/NBD base (0: skip it)")
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS), help="crmlab classes to time")
    parser.add_argument("--skip-large-lifetimes", action="store_true", help="do not fit lifetimes on the synthetic base")
    parser.add_argument(
        "--large-lifetimes-repeats", type=int, default=3,
        help="timed lifetimes fits on the synthetic base (at most --repeats; each takes seconds)",
    )
    parser.add_argument(
        "--timeout", type=float, default=900.0,
        help="seconds allowed to each lifetimes process (warm-up and all its fits); on expiry it is killed and reported",
    )
    parser.add_argument(
        "--blas-threads", type=int, default=None,
        help="limit the BLAS libraries to this many threads in both libraries' processes (default: their own default)",
    )
    add_distinct_arguments(parser)
    add_bgbb_arguments(parser)
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # crmlab from this checkout if not installed
    args.load_start = load_average()
    if args.blas_threads:
        from threadpoolctl import threadpool_limits  # installed with scikit-learn; needed only for this option

        importlib.import_module("scipy.optimize")  # load SciPy's BLAS before limiting it
        threadpool_limits(limits=args.blas_threads, user_api="blas")

    if args.bgbb_many_opportunities:
        return run_bgbb_many_opportunities(args)
    notes: list[str] = []
    rows = run_models(args, notes) if "models" in args.cases else []
    large = run_large(args, notes) if args.customers > 0 and "large" in args.cases else None
    distinct = run_distinct(args, notes) if "distinct" in args.cases else []
    predictions = run_predictions(args, notes) if "predictions" in args.cases else []
    write_markdown(rows, large, notes, args, models=MODELS, truth=TRUTH, distinct=distinct, predictions=predictions)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
