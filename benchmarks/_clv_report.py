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
    parts += distinct_options(args)
    return " ".join(parts)


def distinct_options(args: argparse.Namespace) -> list[str]:
    """The command line's options of the every-row-distinct fits and the predictions, where not the default."""
    cases = getattr(args, "cases", None)
    parts = [f"--cases {' '.join(cases)}"] if cases and list(cases) != ["models", "large"] else []
    if cases is None or not {"distinct", "predictions"} & set(cases):
        return parts
    defaults = {"distinct_max_customers": 5_000_000, "reference_repeats": 1, "reference_max_customers": 5_000_000,
                "prediction_customers": 1_000_000}
    return parts + [f"--{k.replace('_', '-')} {getattr(args, k)}" for k, v in defaults.items() if getattr(args, k) != v]


def params_text(params: dict | None, se: dict | None = None) -> str:
    if not params:
        return ""
    return ", ".join(f"{k} {v:.4f}" + (f" ({se[k]:.4f})" if se else "") for k, v in params.items())


def write_markdown(rows: list[dict], large: dict | None, notes: list[str], args: argparse.Namespace, *,
                   models: Mapping, truth: Mapping[str, float], distinct: list[dict] | None = None,
                   predictions: list[dict] | None = None) -> None:
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
    ]
    published = "models" in getattr(args, "cases", ["models"])
    if published:
        lines += [
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
    lines += [] if not published else [
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
    for name in GOAL_MODELS if published else ():
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
    if distinct:
        lines += distinct_lines(distinct, goals)
    if predictions:
        lines += prediction_lines(predictions, goals)
    if goals:
        lines += ["", "## Goals", "", f"Times are medians; log-likelihoods count as equal within {LL_TOLERANCE:g}.", "", *goals]
    if notes:
        lines += ["", "## Notes", "", *(f"- {n}" for n in notes)]
    write_results(args.output, lines)
    print(f"wrote {args.output}")


def _median_min(times: list[float], digits: int) -> str:
    return f"{np.median(times):.{digits}f} ({min(times):.{digits}f})"


def distinct_lines(rows: list[dict], goals: list[str]) -> list[str]:
    """The every-row-distinct fits: one line per case and path (compiled, NumPy, lifetimes); goals appended."""
    lines = [
        "",
        "## Every row distinct: Pareto/NBD and BG/NBD on continuous times",
        "",
        "Synthetic bases drawn from each model at its CDNOW estimates in continuous time (`distinct_summary`: "
        "T uniform over 39–78 weeks; every (x, t_x, T) distinct, so compressing identical rows does not help). "
        "Each line is one fresh process: the data loaded from .npy files, one untimed warm-up fit on 5,000 rows "
        "(on the compiled path it loads the kernels from numba's cache: `kernel load`), then the timed `fit` "
        "calls (checks, compression, optimiser, standard errors). `compiled`: the likelihood and gradient as one "
        "compiled pass over the rows in threads (`crmlab.clv.compiled_likelihoods`), what a fit uses from "
        "`compiled_min_rows` rows on; `NumPy`: the whole-array NumPy/SciPy implementation that fits use below "
        "that, forced here (crmlab's previous path, the reference); lifetimes 0.11.3 in its own process. Peak "
        "memory: the process's high-water mark (VmHWM), including the interpreter, imports and the data "
        "(`before fit`: the mark after the warm-up).",
        "",
        "| model | customers | distinct rows | implementation | fits | wall (s) | CPU (s) | kernel load (s) "
        "| peak memory (MB) | before fit (MB) | evaluations | LL | estimates |",
        "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        case = row["case"]
        compiled = row.get("compiled", {})
        for label, key in (("crmlab, compiled", "compiled"), ("crmlab, NumPy", "numpy"), ("lifetimes", "lifetimes")):
            got = row.get(key, {})
            head = f"| {case.label} | {case.customers:,} | {row['distinct']:,} | {label} "
            if "wall" not in got:
                lines.append(head + f"| | {got.get('error', 'not run')} | | | | | | | |")
                continue
            load = f"{got['warm_up']:.2f}" if key == "compiled" else ""
            before = f"{got['rss_before_kb'] / 1024:.0f}" if "rss_before_kb" in got else ""
            peak = f"{got['peak_kb'] / 1024:.0f}" if got.get("peak_kb") else ""
            ll = got.get("ll")
            lines.append(
                head + f"| {len(got['wall'])} | {_median_min(got['wall'], 2)} | {np.median(got['cpu']):.2f} | {load} "
                f"| {peak} | {before} | {got.get('nfev', '')} | {'' if ll is None else f'{ll:.2f}'} "
                f"| {params_text(got.get('params'))} |"
            )
        if "wall" in compiled:
            wall = float(np.median(compiled["wall"]))
            for key, who in (("numpy", "crmlab's NumPy path"), ("lifetimes", "lifetimes")):
                other = row.get(key, {})
                if "wall" in other:
                    goals_ratio = float(np.median(other["wall"])) / wall
                    lines_note = f"{case.label} {case.customers:,}: {who} ÷ compiled = {goals_ratio:.1f}× (wall)"
                    if "ll" in other:
                        lines_note += f", ΔLL compiled − {who} = {compiled['ll'] - other['ll']:+.1e}"
                    row.setdefault("ratios", []).append(lines_note)
            if case.goal_seconds is not None:
                ok = wall < case.goal_seconds
                text = f"- {case.label}, every row distinct, {case.customers:,} customers under {case.goal_seconds:g} s: {wall:.2f} s"
                if case.goal_memory_mb is not None:
                    peak_mb = compiled["peak_kb"] / 1024
                    ok = ok and peak_mb < case.goal_memory_mb
                    text += f", peak memory {peak_mb:.0f} MB (goal under {case.goal_memory_mb:.0f} MB)"
                goals.append(text + f" — **{'met' if ok else 'missed'}**")
        elif case.goal_seconds is not None:
            goals.append(f"- {case.label}, every row distinct, {case.customers:,} customers: not evaluated ({compiled.get('error')})")
    ratios = [r for row in rows for r in row.get("ratios", [])]
    if ratios:
        lines += ["", "Ratios of the medians and differences of the log-likelihoods:", "", *(f"- {r}" for r in ratios)]
    warned = sorted({w for row in rows for key in ("compiled", "numpy") for w in row.get(key, {}).get("warnings", [])})
    if warned:
        lines += ["", "crmlab warned: " + "; ".join(warned)]
    return lines


def prediction_lines(rows: list[dict], goals: list[str]) -> list[str]:
    """P(alive) and conditional expected transactions at 1M customers, crmlab against lifetimes; goals appended."""
    lines = [
        "",
        "## Predictions on every-row-distinct customers",
        "",
        "P(alive | x, t_x, T) and E[Y(10) | x, t_x, T] (10 weeks ahead) at the CDNOW estimates, each library in a "
        "fresh process on the same arrays (`distinct_summary`), one untimed call and then the timed ones: "
        "median (minimum) seconds. crmlab's calls include its input checks (finite, whole x, t_x ≤ T, ...), "
        "lifetimes' have none. `mean`: the predictions' average, equal in both when they compute the same thing.",
        "",
        "| model | customers | prediction | crmlab (s) | lifetimes (s) | lifetimes ÷ crmlab | mean, crmlab | mean, lifetimes |",
        "|---|---:|---|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        for what in ("probability_alive", "conditional_expected_transactions"):
            ours, theirs = row["crmlab"].get(what), row["lifetimes"].get(what)
            ours_text = _median_min(ours["times"], 3) if ours else row["crmlab"].get("error", "")
            theirs_text = _median_min(theirs["times"], 3) if theirs else row["lifetimes"].get("error", "")
            ratio = float(np.median(theirs["times"]) / np.median(ours["times"])) if ours and theirs else None
            lines.append(
                f"| {row['name']} | {row['customers']:,} | {what} | {ours_text} | {theirs_text} "
                f"| {'' if ratio is None else f'{ratio:.2f}×'} | {ours['mean'] if ours else '':.6} "
                f"| {theirs['mean'] if theirs else '':.6} |"
            )
            if ratio is not None:
                goals.append(
                    f"- {row['name']} {what} on {row['customers']:,} customers at least as fast as lifetimes: "
                    f"{ratio:.2f}× — **{'met' if ratio >= 1 else 'missed'}**"
                )
    return lines
