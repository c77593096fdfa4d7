"""Benchmark: building the real reports with one and two parallel runs, and a rebuild where nothing changed.

Usage (from the repository root)::

    .venv/bin/python benchmarks/reports_build.py                   # 3 repeats of each build
    .venv/bin/python benchmarks/reports_build.py --repeats 2 --noop-repeats 5

Every build is the command a user types, ``crmlab reports`` (``python -m
crmlab.cli reports``), in a fresh process, timed with ``time.perf_counter``
from its start to its exit, into a temporary output folder (``reports/`` is
left alone), on the kernel ``--kernel`` (default ``crmlab``, the one ``make
reports`` installs):

- ``--force --jobs 1`` and ``--force --jobs 2``: every run of ``reports.toml``
  executed, one and two at a time, ``--repeats`` times each, alternating (so a
  busy spell of the shared machine slows both); ``jobs 2 ÷ jobs 1`` is the ratio
  of the medians (goal: at most 0.6);
- the rebuild with nothing changed (no ``--force``): every run found up to
  date and skipped, ``--noop-repeats`` times (goal: under 3 s).

What bounds the two-job build: no schedule of the runs on two workers ends
before the longest run, nor before half the sum of all runs; the results say
which of the two bounds is larger, from the runs' own durations in their
``provenance.json``. The runner starts the runs longest first, by the duration
of their last build. Also measured: the import of ``crmlab.reports`` in a
fresh interpreter, the floor under the no-op rebuild.
Results: ``benchmarks/results/reports_build.md`` (or ``--output``).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import RESULTS, environment, generated_by, load_average, markdown_table, write_results  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def crmlab_reports(output: Path, kernel: str, *options: str) -> tuple[float, str]:
    """Run ``crmlab reports`` in a fresh process; its wall time in seconds and its standard output."""
    command = [sys.executable, "-m", "crmlab.cli", "reports", "--kernel", kernel, "-o", str(output), "--no-progress"]
    start = time.perf_counter()
    proc = subprocess.run([*command, *options], cwd=ROOT, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"crmlab reports {' '.join(options)} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}")
    return seconds, proc.stdout


def run_durations(output: Path) -> dict[str, float]:
    """Each run's execution time in the last build (its provenance.json)."""
    return {
        path.parent.name: json.loads(path.read_text())["duration_seconds"]
        for path in sorted(output.glob("*/provenance.json"))
    }


def fresh_import_seconds(module: str) -> float:
    """Wall time of ``python -c "import <module>"`` (interpreter start included)."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", f"import {module}"], cwd=ROOT, check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3, help="forced builds per job count (median reported)")
    parser.add_argument("--noop-repeats", type=int, default=5, help="rebuilds with nothing changed")
    parser.add_argument("--kernel", default="crmlab", help="the Jupyter kernel the notebooks run on")
    parser.add_argument("--output", type=Path, default=RESULTS / "reports_build.md", help="the markdown results file")
    args = parser.parse_args()

    load_before = load_average()
    times: dict[int, list[float]] = {1: [], 2: []}
    durations: dict[int, list[dict[str, float]]] = {1: [], 2: []}
    noop: list[float] = []
    with tempfile.TemporaryDirectory(prefix="crmlab-bench-reports-") as tmp:
        output = Path(tmp) / "reports"
        crmlab_reports(output, args.kernel, "--force", "--jobs", "2")  # untimed: durations for the schedule, caches warm
        for repeat in range(args.repeats):
            for jobs in (1, 2) if repeat % 2 == 0 else (2, 1):
                seconds, _ = crmlab_reports(output, args.kernel, "--force", "--jobs", str(jobs))
                times[jobs].append(seconds)
                durations[jobs].append(run_durations(output))
                print(f"jobs {jobs}: {seconds:.1f} s", file=sys.stderr)
        for _ in range(args.noop_repeats):
            seconds, stdout = crmlab_reports(output, args.kernel)
            if "succeeded" in stdout:
                raise SystemExit(f"the rebuild with nothing changed executed runs:\n{stdout}")
            noop.append(seconds)
            print(f"no change: {seconds:.2f} s", file=sys.stderr)
        imports = [fresh_import_seconds("crmlab.reports") for _ in range(args.noop_repeats)]

    med = {jobs: statistics.median(t) for jobs, t in times.items()}
    ratio = med[2] / med[1]
    runs = len(durations[2][0])
    longest = statistics.median(max(d.values()) for d in durations[2])
    longest_name = max(durations[2][-1], key=durations[2][-1].get)
    half_sum = statistics.median(sum(d.values()) / 2 for d in durations[2])
    sum_alone = statistics.median(sum(d.values()) for d in durations[1])
    bound, bound_text = max((longest, f"the longest run ({longest_name})"), (half_sum, "half the sum of the runs"))
    noop_median = statistics.median(noop)
    rows = [
        ["full build, `--force --jobs 1`", f"{med[1]:.1f}", f"{min(times[1]):.1f}", str(len(times[1])), ""],
        ["full build, `--force --jobs 2`", f"{med[2]:.1f}", f"{min(times[2]):.1f}", str(len(times[2])),
         f"jobs 2 ÷ jobs 1 = {ratio:.2f} (goal ≤ 0.6: {'met' if ratio <= 0.6 else 'missed'})"],
        ["rebuild, nothing changed", f"{noop_median:.2f}", f"{min(noop):.2f}", str(len(noop)),
         f"goal < 3 s: {'met' if noop_median < 3 else 'missed'}"],
        ["`import crmlab.reports` (fresh interpreter)", f"{statistics.median(imports):.2f}", f"{min(imports):.2f}",
         str(len(imports)), "the floor under the rebuild"],
    ]
    lines = [
        "# Building the reports: one and two parallel runs, and a rebuild with nothing changed",
        "",
        generated_by(f"benchmarks/reports_build.py --repeats {args.repeats} --noop-repeats {args.noop_repeats} "
                     f"--kernel {args.kernel}"),
        "",
        f"Environment: {environment(['papermill', 'nbconvert', 'jupyter_client', 'ipykernel'])}. "
        f"Load average (1, 5, 15 min) before: {load_before}; after: {load_average()}.",
        "",
        f"Each line is one `crmlab reports` command in a fresh process ({runs} runs of `reports.toml`, "
        "into a temporary folder), wall time from start to exit; median and minimum of the repeats. The forced "
        "builds with 1 and 2 jobs alternate, after one untimed build.",
        "",
        *markdown_table(["build", "median (s)", "min (s)", "repeats", ""], "lrrrl", rows),
        "",
        f"What bounds the two-job build: the runs took {sum_alone:.1f} s one after another (median, sum of the "
        f"runs' own durations with 1 job); with 2 jobs no schedule ends before the longest run "
        f"({longest:.1f} s, {longest_name}) nor before half the sum of the runs ({half_sum:.1f} s, durations "
        f"measured in the 2-job builds), so the bound is {bound_text}: {bound:.1f} s, "
        f"{bound / med[1]:.2f} of the 1-job build. The rest of the 2-job time over that bound is what two "
        "runs at once cost each other on this machine (kernel starts, imports and the notebooks' own work "
        "competing for the same cores, more so with other work on them) and the command's own start.",
        "",
        "Run durations (s) in the last 2-job build, longest first (the order the runner starts them in):",
        "",
        *markdown_table(
            ["run", "seconds"], "lr",
            [[name, f"{seconds:.1f}"] for name, seconds in sorted(durations[2][-1].items(), key=lambda kv: -kv[1])],
        ),
    ]
    write_results(args.output, lines)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
