"""The lifetimes side of the CLV fitting benchmark (``clv_fit.py``): a worker process that fits
lifetimes 0.11.3 in its own interpreter, one timed fit at a time, and the conversion of lifetimes'
negative log-likelihood to crmlab's total.

lifetimes is not a dependency of crmlab: the worker runs in the interpreter of an environment
where it is installed, on the same summary (through a temporary CSV file, which round-trips
floats exactly).
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd

#: Rows of the untimed warm-up fit each side makes first.
WARMUP_ROWS = 5_000
#: Environment variables that set the thread count of the BLAS libraries NumPy/SciPy may load (--blas-threads).
BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")

# Runs in the lifetimes interpreter, driven line by line so that its fits can alternate with crmlab's:
# argv = class, CSV path, inputs kind, seed, warm-up rows; stdin "fit" -> {"seconds", "cpu"}, anything else -> the result.
LIFETIMES_WORKER = r"""
import json, sys, time, warnings
import numpy as np, pandas as pd, scipy, lifetimes
warnings.simplefilter("ignore")
cls_name, path, inputs, seed, warmup_rows = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
data = pd.read_csv(path)
cls = getattr(lifetimes, cls_name)
def fit(d):
    np.random.seed(seed)
    if inputs == "spend":
        return cls().fit(d["frequency"], d["monetary_value"])
    weights = d["weights"] if "weights" in d else None
    return cls().fit(d["frequency"], d["recency"], d["T"], weights=weights)
def send(obj):
    print(json.dumps(obj), flush=True)
fit(data.head(warmup_rows))
send({"ready": True})
model = None
for line in sys.stdin:
    if line.strip() != "fit":
        break
    start, cpu = time.perf_counter(), time.process_time()
    model = fit(data)
    send({"seconds": time.perf_counter() - start, "cpu": time.process_time() - cpu})
def peak_kb():
    try:
        return int(next(l for l in open("/proc/self/status") if l.startswith("VmHWM:")).split()[1])
    except (OSError, StopIteration):
        return None
send({
    "params": {k: float(v) for k, v in model.params_.items()}, "nll": float(model._negative_log_likelihood_),
    "peak_kb": peak_kb(),
    "versions": f"lifetimes {lifetimes.__version__} (numpy {np.__version__}, scipy {scipy.__version__}, "
                f"pandas {pd.__version__})",
})
"""


class LifetimesError(RuntimeError):
    """The lifetimes worker failed or ran out of time."""


class LifetimesWorker:
    """lifetimes fitting one data set in its own interpreter (``LIFETIMES_WORKER``), one fit per :meth:`fit`.

    The data go through a temporary CSV file (floats round-trip exactly). The
    worker makes its warm-up fit before it reports ready. ``timeout`` bounds
    the worker's whole life (warm-up and all fits); on expiry it is killed.
    """

    def __init__(
        self, python: str, cls_name: str, inputs: str, data: pd.DataFrame, seed: int, timeout: float,
        blas_threads: int | None = None,
    ) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="crmlab-clv-bench-")
        path = Path(self._tmp.name) / "summary.csv"
        data.to_csv(path, index=False)
        self._deadline = time.monotonic() + timeout
        self._timeout = timeout
        env = dict(os.environ)
        if blas_threads:
            env.update({name: str(blas_threads) for name in BLAS_THREAD_VARIABLES})
        self._proc = subprocess.Popen(
            [python, "-c", LIFETIMES_WORKER, cls_name, str(path), inputs, str(seed), str(WARMUP_ROWS)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1, env=env,
        )
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._stderr: list[str] = []
        threading.Thread(target=self._pump, args=(self._proc.stdout, self._lines), daemon=True).start()
        threading.Thread(target=self._pump, args=(self._proc.stderr, self._stderr), daemon=True).start()
        self._receive()  # {"ready": true} after the warm-up

    @staticmethod
    def _pump(stream, sink) -> None:
        for line in stream:
            sink.put(line) if isinstance(sink, queue.Queue) else sink.append(line)
        if isinstance(sink, queue.Queue):
            sink.put(None)

    def _receive(self) -> dict:
        while True:
            try:
                line = self._lines.get(timeout=max(self._deadline - time.monotonic(), 0.0))
            except queue.Empty:
                self.close()
                raise LifetimesError(f"timed out after {self._timeout:g} s") from None
            if line is None:
                self._proc.wait()
                err = "".join(self._stderr).strip().splitlines()
                raise LifetimesError(f"failed: {err[-1] if err else f'exit code {self._proc.returncode}'}")
            try:
                message = json.loads(line)
            except json.JSONDecodeError:
                continue  # something lifetimes printed
            if isinstance(message, dict):
                return message

    def _send(self, command: str) -> dict:
        try:
            self._proc.stdin.write(command + "\n")
            self._proc.stdin.flush()
        except BrokenPipeError:
            pass  # the worker died; _receive reports its error
        return self._receive()

    def fit(self) -> tuple[float, float]:
        """One timed fit: (wall-clock seconds, CPU seconds of the worker process)."""
        reply = self._send("fit")
        return float(reply["seconds"]), float(reply["cpu"])

    def finish(self) -> dict:
        result = self._send("done")
        self.close()
        return result

    def close(self) -> None:
        if self._proc.poll() is None:
            self._proc.kill()
        self._proc.wait()
        self._tmp.cleanup()


def lifetimes_total_ll(convention: str, nll: float, data: pd.DataFrame) -> float:
    """lifetimes' ``_negative_log_likelihood_`` as the total log-likelihood in the data's time unit.

    lifetimes 0.11.3 minimises, with its default penalizer of 0:
    ``mean``: −Σ w ℓ / Σ w; ``total_scaled``: −Σ w ℓ' / mean(w) (Pareto/NBD);
    ``mean_scaled``: −Σ w ℓ' / Σ w, where ℓ' is the likelihood on time divided
    by max T. Rescaling time by c multiplies λ^x e^(−λT)-type likelihoods by
    c^(−x), so ℓ = ℓ' + x ln c = ℓ' − x ln(max T).
    """
    w = data["weights"].to_numpy(float) if "weights" in data else np.ones(len(data))
    if convention == "mean":
        return -nll * w.sum()
    shift = -(w @ data["frequency"].to_numpy(float)) * np.log(data["T"].max())
    if convention == "mean_scaled":
        return -nll * w.sum() + shift
    if convention == "total_scaled":
        return -nll * w.mean() + shift
    raise ValueError(convention)
