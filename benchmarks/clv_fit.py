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
from _common import add_common_arguments, load_average  # noqa: E402

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
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # crmlab from this checkout if not installed
    args.load_start = load_average()
    if args.blas_threads:
        from threadpoolctl import threadpool_limits  # installed with scikit-learn; needed only for this option

        importlib.import_module("scipy.optimize")  # load SciPy's BLAS before limiting it
        threadpool_limits(limits=args.blas_threads, user_api="blas")

    notes: list[str] = []
    rows = run_models(args, notes)
    large = run_large(args, notes) if args.customers > 0 else None
    write_markdown(rows, large, notes, args, models=MODELS, truth=TRUTH)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
