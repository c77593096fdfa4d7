"""The CLV fitting benchmark script runs end to end (small sizes, crmlab only) and its synthetic
base is a BG/NBD world that the model recovers (ground truth)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def _module():
    spec = importlib.util.spec_from_file_location("clv_fit", ROOT / "benchmarks" / "clv_fit.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_benchmark_writes_its_table(tmp_path):
    bench = _module()
    out = tmp_path / "clv_fit.md"
    assert bench.main(["--repeats", "1", "--customers", "3000", "--models", "BetaGeo", "GammaGamma", "--output", str(out)]) == 0
    text = out.read_text()
    assert "| BetaGeo | cdnow | 2,357 |" in text and "GammaGamma" in text
    assert "BG/NBD on a synthetic base of 3,000 customers" in text


def test_synthetic_base_is_the_bgnbd_with_cdnow_parameters():
    """Ground truth: 200,000 synthetic customers give back the CDNOW parameters (within 5%)."""
    from crmlab.clv import BetaGeo

    bench = _module()
    data = bench.synthetic_summary(200_000, seed=1)
    assert (data["recency"] <= data["T"]).all() and ((data["frequency"] == 0) == (data["recency"] == 0)).all()
    est = BetaGeo().fit(data).params_
    truth = np.array([bench.TRUTH[k] for k in ("r", "alpha", "a", "b")])
    np.testing.assert_allclose(est.to_numpy(), truth, rtol=0.05)


def test_every_row_distinct_bases_are_valid_summaries_without_duplicates():
    """The every-row-distinct bases: valid summaries (t_x ≤ T, x = 0 exactly when t_x = 0) with no two rows
    equal, so that compressing identical rows leaves them as they are."""
    bench = _module()
    for name in ("ParetoNBD", "BetaGeo"):
        data = bench.distinct_summary(name, 20_000, seed=3)
        assert (data["recency"] <= data["T"]).all() and ((data["frequency"] == 0) == (data["recency"] == 0)).all()
        assert not data.duplicated().any()
