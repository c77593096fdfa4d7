"""The results file of the CLV fitting benchmark (``clv_fit.py``): times, log-likelihoods,
estimates and the goals, as markdown."""

from __future__ import annotations

import argparse
from collections.abc import Mapping

import numpy as np
from _common import environment, generated_by, load_average, write_results

GOAL_SPEEDUP = 5.0  # CDNOW BG/NBD and Pareto/NBD: lifetimes' time / crmlab's
GOAL_LARGE_SECONDS = 5.0  # BG/NBD on the synthetic base
LL_TOLERANCE = 1e-3  # "equal" log-likelihoods: within this many log-likelihood units
GOAL_MODELS = ("BetaGeo", "ParetoNBD")
DATA_LABELS = {"cdnow": "cdnow", "cdnow_spend": "cdnow, x > 0", "donations": "donations"}


def command_line(args: argparse.Namespace, models: Mapping) -> str:
    parts = ["benchmarks/clv_fit.py"]
    if args.lifetimes_python:
        parts.append("--lifetimes-python …")
    parts += [f"--repeats {args.repeats}", f"--customers {args.customers}", f"--seed {args.seed}"]
    if args.skip_large_lifetimes:
        parts.append("--skip-large-lifetimes")
    if args.blas_threads:
        parts.append(f"--blas-threads {args.blas_threads}")
    if list(args.models) != list(models):
        parts.append("--models " + " ".join(args.models))
    return " ".join(parts)


def params_text(params: dict | None, se: dict | None = None) -> str:
    if not params:
        return ""
    return ", ".join(f"{k} {v:.4f}" + (f" ({se[k]:.4f})" if se else "") for k, v in params.items())


def write_markdown(rows: list[dict], large: dict | None, notes: list[str], args: argparse.Namespace, *,
                   models: Mapping, truth: Mapping[str, float]) -> None:
    """Write the results file of ``clv_fit.py`` to ``args.output``: the environment, one row per model and data
    set (times, log-likelihoods, estimates), the synthetic base against its ``truth``, the goals and the notes.
    ``models`` maps crmlab class names to their ``Spec`` (label, data set)."""
    def num(v: float | None, fmt: str) -> str:
        return "" if v is None or (isinstance(v, float) and np.isnan(v)) else format(v, fmt)

    def seconds(median: float | None, minimum: float | None, digits: int) -> str:
        return f"{median:.{digits}f} ({minimum:.{digits}f})"

    lt_env = getattr(args, "lifetimes_versions", None)
    lines = [
        "# CLV model fitting benchmark",
        "",
        generated_by(command_line(args, models)),
        "",
        f"Environment: {environment(['numpy', 'scipy', 'pandas'], blas=True)}. lifetimes: {lt_env + ', in its own environment' if lt_env else 'not run'}. "
        f"Load average (1, 5, 15 min) at the start: {args.load_start}; at the end: {load_average()}.",
        "",
        "Times: seconds of the `fit` call alone (input checks, compression, optimiser, standard errors), "
        f"median (minimum) of {args.repeats} fits, each library in one process after one untimed warm-up fit "
        "(imports, start-up and data loading excluded); the two libraries' fits alternate, so a busy spell of the "
        "machine hits both. Wall-clock time is what the goals use. Beside it, the CPU time of the fitting process, "
        "all its threads: both libraries' own code runs in one thread, so CPU time above wall-clock time is work "
        "of BLAS threads (the multi-threaded OpenBLAS bundled with SciPy keeps a second thread spinning during SciPy's "
        "L-BFGS-B, which crmlab uses and lifetimes does not; `--blas-threads 1` stops it), and wall-clock time "
        "well above CPU time means the process waited for a core. `lifetimes ÷ crmlab`: ratio of the medians "
        "(> 1: crmlab is faster); `crmlab optimiser`: how its L-BFGS-B got gradients and how many "
        "log-likelihood evaluations it made.",
        "",
        "## Published data sets",
        "",
        "| model (crmlab class) | data | customers | distinct rows | crmlab optimiser | crmlab wall (s) | crmlab CPU (s) "
        "| lifetimes wall (s) | lifetimes CPU (s) | lifetimes ÷ crmlab, wall | lifetimes ÷ crmlab, CPU |",
        "|---|---|---:|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    goals = []
    for r in rows:
        spec, lt = r["spec"], r["lifetimes"]
        ran = "median" in lt
        lines.append(
            f"| {r['name']} | {DATA_LABELS[spec.data]} | {r['customers']:,} | {r['distinct']:,} | {r['optimiser']} "
            f"| {seconds(r['crmlab_median'], r['crmlab_min'], 4)} | {r['crmlab_cpu']:.4f} "
            + (
                f"| {seconds(lt['median'], lt['min'], 4)} | {lt['cpu']:.4f} | {lt['median'] / r['crmlab_median']:.1f}× "
                f"| {lt['cpu'] / r['crmlab_cpu']:.1f}× |"
                if ran
                else f"| {lt['error']} | | | |"
            )
        )
    lines += [
        "",
        "Log-likelihoods, totals over customers in the data's time unit. `lifetimes LL (own)` is lifetimes' "
        "`_negative_log_likelihood_` converted to that total (it is a mean, or for the Pareto/NBD a total, on time "
        "rescaled to max T = 1: see `lifetimes_total_ll` in `benchmarks/_clv_lifetimes.py`); `crmlab LL at lifetimes' estimates` "
        "evaluates lifetimes' estimates with crmlab's likelihood, and equals the column before it when the two "
        "libraries compute the same likelihood; ΔLL = crmlab LL − that (≥ 0: crmlab's maximum is at least as high).",
        "",
        "| model | crmlab LL | lifetimes LL (own) | crmlab LL at lifetimes' estimates | ΔLL | crmlab estimates "
        "| lifetimes estimates |",
        "|---|---:|---:|---:|---:|---|---|",
    ]
    for r in rows:
        spec, lt = r["spec"], r["lifetimes"]
        ran = "median" in lt
        dll = r["crmlab_ll"] - lt["ll"] if ran else None
        lines.append(
            f"| {r['name']} | {r['crmlab_ll']:.3f} | {num(lt.get('own_ll'), '.3f')} | {num(lt.get('ll'), '.3f')} "
            f"| {num(dll, '+.1e')} | {params_text(r['crmlab_params'])} | {params_text(lt.get('params'))} |"
        )
        notes.extend(f"crmlab {spec.label} warned: {w}" for w in r["warnings"])
        if r["name"] in GOAL_MODELS:
            goal = f"{spec.label} on CDNOW at least {GOAL_SPEEDUP:.0f}× faster than lifetimes at equal or better LL"
            if not ran:
                goals.append(f"- {goal}: not evaluated (lifetimes {lt['error']})")
            else:
                speed = lt["median"] / r["crmlab_median"]
                ok = speed >= GOAL_SPEEDUP and dll >= -LL_TOLERANCE
                goals.append(
                    f"- {goal}: {speed:.1f}× (CPU time {lt['cpu'] / r['crmlab_cpu']:.1f}×), ΔLL {dll:+.1e} — "
                    f"**{'met' if ok else 'missed'}**"
                )
    for name in GOAL_MODELS:
        if name in args.models and not any(r["name"] == name for r in rows):
            goals.append(f"- {models[name].label} on CDNOW: not evaluated (skipped, see the notes)")

    if large:
        n = large["customers"]
        lines += [
            "",
            f"## BG/NBD on a synthetic base of {n:,} customers",
            "",
            f"Summaries drawn from the BG/NBD with the CDNOW estimates as truth (seed {args.seed}; T uniform over "
            f"39–78 weeks at whole days, see `synthetic_summary`), generated in {large['generated_s']:.2f} s. crmlab "
            f"compresses them to {large['distinct']:,} distinct (x, t_x, T) rows; of its median fit time, "
            f"{large['crmlab_median'] - large['inner_s']:.2f} s go to checking and compressing the input and "
            f"{large['inner_s']:.2f} s to the optimiser ({large['nfev']} likelihood evaluations) and the standard "
            "errors."
            + (
                " lifetimes is timed on the same one-row-per-customer summary and, as a second line, on the "
                "compressed rows with `weights=` (compressed by a pandas groupby before the timer)."
                if large["lifetimes"]
                else ""
            ),
            "",
            "| library | input rows | fits timed | wall (s) | CPU (s) | LL (own) | crmlab LL at its estimates |",
            "|---|---:|---:|---:|---:|---:|---:|",
            f"| crmlab | {n:,} | {args.repeats} | {seconds(large['crmlab_median'], large['crmlab_min'], 3)} "
            f"| {large['crmlab_cpu']:.3f} | {large['crmlab_ll']:.2f} | {large['crmlab_ll']:.2f} |",
        ]
        if not args.lifetimes_python:
            lines.append(f"| lifetimes | {n:,} | | not run | | | |")
        elif args.skip_large_lifetimes:
            lines.append(f"| lifetimes | {n:,} | | skipped (`--skip-large-lifetimes`) | | | |")
        for label, e in large["lifetimes"].items():
            time_cell = f"{seconds(e['median'], e['min'], 3)} | {e['cpu']:.3f}" if "median" in e else f"{e['error']} |"
            lines.append(
                f"| lifetimes, {label} | {e['rows']:,} | {len(e.get('times', []))} | {time_cell} "
                f"| {num(e.get('own_ll'), '.2f')} | {num(e.get('ll'), '.2f')} |"
            )
        lt_plain = large["lifetimes"].get("one row per customer", {})
        lines += [
            "",
            "| parameter | truth | crmlab (SE) | (crmlab − truth) / SE | lifetimes |",
            "|---|---:|---:|---:|---:|",
        ]
        for k, true_value in truth.items():
            est, se = large["crmlab_params"][k], large["crmlab_se"][k]
            lt_est = lt_plain.get("params", {}).get(k)
            lines.append(f"| {k} | {true_value} | {est:.4f} ({se:.4f}) | {(est - true_value) / se:+.2f} | {num(lt_est, '.4f')} |")
        ok = large["crmlab_median"] < GOAL_LARGE_SECONDS
        goals.append(
            f"- BG/NBD on {n:,} customers under {GOAL_LARGE_SECONDS:.0f} s: {large['crmlab_median']:.2f} s "
            f"(CPU time {large['crmlab_cpu']:.2f} s) — "
            f"**{'met' if ok else 'missed'}**"
        )
        notes.extend(f"crmlab BG/NBD on the synthetic base warned: {w}" for w in large["warnings"])
    if goals:
        lines += ["", "## Goals", "", f"Times are medians; log-likelihoods count as equal within {LL_TOLERANCE:g}.", "", *goals]
    if notes:
        lines += ["", "## Notes", "", *(f"- {n}" for n in notes)]
    write_results(args.output, lines)
    print(f"wrote {args.output}")
