"""Fitting the BG/NBD and the Pareto/NBD with time-invariant covariates on a million customers.

For each model, a seeded world of ``--customers`` customers with three covariates (a normal, a uniform on
(−1, 1) and a 0/1 dummy) entering both the purchase and the dropout process, with planted effects
(:func:`crmlab.clv.simulate_summary_with_covariates`; T uniform over 26–78 weeks, so every row is distinct).
Timed in one process, after an untimed warm-up fit on 5,000 customers that loads the compiled kernels:

- the reference: the same model without covariates on the same rows (``fit(summary)``), and
- the model with the three covariates in both processes (``fit(summary, purchase_covariates=[...],
  dropout_covariates=[...])``), whose time is given as a ratio to the reference's;
- P(alive) and the conditional expectation over 52 weeks for every customer with their covariates.

Usage::

    .venv/bin/python benchmarks/clv_covariates.py                       # 1,000,000 customers, 1 repeat
    .venv/bin/python benchmarks/clv_covariates.py --customers 200000 --repeats 3
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    add_common_arguments,
    environment,
    generated_by,
    load_average,
    markdown_table,
    peak_rss_kb,
    write_results,
)

from crmlab.clv import BetaGeo, ParetoNBD, simulate_summary_with_covariates  # noqa: E402

COVARIATES = ["z_normal", "z_uniform", "dummy"]
WORLDS = {
    "BG/NBD": (BetaGeo, "bg_nbd", {"r": 0.8, "alpha": 5.0, "a": 0.8, "b": 3.0},
               {"purchase: z_normal": 0.4, "purchase: dummy": -0.3, "dropout a: z_uniform": 0.5,
                "dropout b: dummy": 0.6}),
    "Pareto/NBD": (ParetoNBD, "pareto_nbd", {"r": 0.8, "alpha": 5.0, "s": 0.7, "beta": 20.0},
                   {"purchase: z_normal": 0.4, "purchase: dummy": -0.3, "dropout: z_uniform": 0.5,
                    "dropout: dummy": 0.6}),
}
GOAL_SECONDS = 30.0


def world(kind: str, base: dict, effects: dict, n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    customers = pd.DataFrame({"z_normal": rng.normal(size=n), "z_uniform": rng.uniform(-1, 1, n),
                              "dummy": rng.integers(0, 2, n).astype(float)})
    return simulate_summary_with_covariates(kind, customers, base, effects, T=rng.uniform(26, 78, n), rng=seed + 1)


def timed(call):
    wall, cpu = time.perf_counter(), time.process_time()
    out = call()
    return out, time.perf_counter() - wall, time.process_time() - cpu


def cell(times: list[float]) -> str:
    return f"{statistics.median(times):.2f} ({min(times):.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=1_000_000, help="customers per world")
    add_common_arguments(parser, output="clv_covariates.md", repeats=1, lifetimes_help="unused")
    args = parser.parse_args()
    load_start = load_average()
    fit_rows, estimate_rows, predict_rows, goal_lines = [], [], [], []
    for label, (cls, kind, base, effects) in WORLDS.items():
        summary, made, _ = timed(lambda: world(kind, base, effects, args.customers, args.seed))
        cls().fit(world(kind, base, effects, 5_000, args.seed + 7), purchase_covariates=COVARIATES,
                  dropout_covariates=COVARIATES)  # warm-up: loads the compiled kernels
        runs: dict[str, list] = {"without": [], "with": []}
        for _ in range(args.repeats):
            runs["without"].append(timed(lambda: cls().fit(summary)))
            runs["with"].append(timed(lambda: cls().fit(summary, purchase_covariates=COVARIATES,
                                                         dropout_covariates=COVARIATES)))
        reference = statistics.median(t for _, t, _ in runs["without"])
        for case, name in (("without", "without covariates (reference)"), ("with", "3 covariates in both processes")):
            model = runs[case][-1][0]
            walls = [t for _, t, _ in runs[case]]
            k = len(model.param_names)
            evaluations = model.convergence_.nfev + 2 * k  # optimiser + central differences for the Hessian
            fit_rows.append([label, name, str(args.repeats), cell(walls), f"{statistics.median(c for *_, c in runs[case]):.2f}",
                             str(k), str(evaluations), f"{model.log_likelihood_:.2f}",
                             f"{statistics.median(walls) / reference:.1f}×"])
        model = runs["with"][-1][0]
        for name, planted in effects.items():
            est, se = model.params_[name], model.standard_errors_[name]
            estimate_rows.append([label, name, f"{planted:+.2f}", f"{est:+.4f} ({se:.4f})", f"{(est - planted) / se:+.2f}"])
        alive, t_alive, _ = timed(lambda: model.probability_alive(summary))
        _, t_cet, _ = timed(lambda: model.conditional_expected_transactions(52.0, summary))
        predict_rows += [[label, "probability_alive", f"{t_alive:.2f}"],
                         [label, "conditional_expected_transactions, 52 weeks", f"{t_cet:.2f}"]]
        with_time = statistics.median(t for _, t, _ in runs["with"])
        with_cpu = statistics.median(c for *_, c in runs["with"])
        verdict = "**met**" if with_time < GOAL_SECONDS else "**missed** on this machine under its load"
        goal_lines.append(f"- {label}, {args.customers:,} customers, 3 covariates in both processes, under "
                          f"{GOAL_SECONDS:.0f} s on 2 cores: {with_time:.1f} s wall ({with_time / reference:.1f}× the "
                          f"fit without covariates), {with_cpu:.1f} s CPU — {verdict}")
        print(label, fit_rows[-2:], f"data {made:.1f} s", flush=True)
    command = "benchmarks/clv_covariates.py " + " ".join(sys.argv[1:])
    lines = [
        "# CLV models with time-invariant covariates",
        "",
        generated_by(command.strip()),
        "",
        f"Environment: {environment(['numpy', 'scipy', 'pandas', 'numba'])}. Load average (1, 5, 15 min) at the "
        f"start: {load_start}; at the end: {load_average()}. Peak resident memory of the process: "
        f"{peak_rss_kb() / 1024**2:.2f} GiB (ru_maxrss {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2:.2f}).",
        "",
        f"Data: {args.customers:,} customers per model, drawn with `simulate_summary_with_covariates` (seed "
        f"{args.seed}) with three covariates (standard normal, uniform on (−1, 1), a 0/1 dummy) and the planted "
        "effects below; T uniform over 26–78 weeks, so no two rows are identical and compression saves nothing.",
        "",
        "Times: seconds of the `fit` call (input and covariate checks, for the covariate fit also the start from the "
        "model without covariates on 50,000 customers, the optimiser and the standard errors), median (minimum), in "
        "one process after an untimed warm-up fit that loads the compiled kernels; CPU seconds of the process beside "
        "it (two threads: CPU > wall when both cores are used). Likelihood evaluations: the optimiser's plus 2k for "
        "the Hessian by central differences of the analytic gradient. `÷ reference`: ratio of the median to the "
        "fit without covariates on the same rows.",
        "",
        *markdown_table(["model", "fit", "fits timed", "wall (s)", "CPU (s)", "parameters k", "likelihood evaluations",
                         "LL", "÷ reference"], "llrrrrrrr", fit_rows),
        "",
        "Planted effects and the estimates of the covariate fit (standard error):",
        "",
        *markdown_table(["model", "coefficient", "planted", "estimate (SE)", "(estimate − planted) / SE"], "llrrr",
                        estimate_rows),
        "",
        "Predictions for every customer with their own covariates (one run):",
        "",
        *markdown_table(["model", "prediction", "wall (s)"], "llr", predict_rows),
        "",
        "## Goal",
        "",
        *goal_lines,
        "",
        "The machine was shared while this ran (see the load average): absolute times are upper bounds, the ratios "
        "to the fit without covariates, measured in the same run, are the comparable figures. CPU time is the other "
        "guide: the kernels run in two threads, so on two otherwise idle cores a fit's wall time lies between half "
        "its CPU time and its CPU time.",
    ]
    write_results(args.output, lines)


if __name__ == "__main__":
    main()
