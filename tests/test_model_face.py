"""One face for the fitted models outside CLV: ``fit()`` returns the model, ``params_`` is a named
Series of the fitted parameters, ``summary`` a DataFrame of the estimates (with standard errors and
intervals where the model has them) and ``print_summary()`` a text block for readers.

Each model's table is checked against a second implementation (statsmodels fitted here) or a
closed form; the modules are checked not to import figures."""

from __future__ import annotations

import ast
import importlib
import inspect

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from scipy import stats

from crmlab.stats.maximum_likelihood import NotFittedError
from crmlab.strategy import WinBackModel
from crmlab.theories.lifecycle import RelationshipHMM
from crmlab.theories.referral import BassDiffusion, bass_adoptions
from crmlab.theories.stakeholders import SatisfactionChain, simulate_satisfaction_chain


def _lapsed(n: int = 1500, seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    lapsed = pd.DataFrame({"frequency": rng.poisson(3, n), "time_since_last": rng.uniform(26, 52, n)})
    logit = 0.5 + 0.8 * np.log1p(lapsed["frequency"]) - 0.06 * lapsed["time_since_last"]
    lapsed["reactivated"] = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(float)
    return lapsed


def _panel(seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = [(f"c{c}", t, int(rng.poisson(3.0 if c % 2 and t < 6 else 0.1))) for c in range(40) for t in range(10)]
    return pd.DataFrame(rows, columns=["customer_id", "t", "orders"])


def _bass_counts() -> pd.Series:
    rng = np.random.default_rng(2)
    expected = bass_adoptions(0.03, 0.38, 1000, 15)["adoptions"]
    return expected + rng.normal(0, 3, len(expected))


MODELS = {
    "BassDiffusion": (BassDiffusion, _bass_counts),
    "WinBackModel": (WinBackModel, _lapsed),
    "SatisfactionChain": (SatisfactionChain, lambda: simulate_satisfaction_chain(300, rng=1).data),
    "RelationshipHMM": (lambda: RelationshipHMM(2, rng=1), _panel),
}


@pytest.mark.parametrize("name", list(MODELS))
def test_every_model_shows_the_same_face(name, capsys):
    """fit() returns the model; params_ is a named Series; summary holds it in ``coef``; print_summary
    names the model, its data size and every parameter."""
    make, data = MODELS[name]
    model = make()
    assert model.fit(data()) is model
    assert isinstance(model.params_, pd.Series) and model.params_.name is not None
    summary = model.summary
    assert isinstance(summary, pd.DataFrame) and summary.columns[0] == "coef"
    model.print_summary()
    text = capsys.readouterr().out
    assert text.startswith(type(model).__name__)
    assert "=" in text.splitlines()[1]  # the data size line, e.g. "periods = 15"
    for row in summary.index:
        assert str(row) in text, row


@pytest.mark.parametrize("name", list(MODELS))
def test_an_unfitted_model_says_so(name):
    model = MODELS[name][0]()
    with pytest.raises(NotFittedError):
        model.summary  # noqa: B018 (a property)
    with pytest.raises(NotFittedError):
        model.print_summary()


def test_win_back_summary_is_the_logit_of_statsmodels():
    """Second implementation: the same logit fitted here with statsmodels on the design matrix by hand
    gives the same coefficients, standard errors and Wald intervals; odds ratios are e^β."""
    lapsed = _lapsed()
    model = WinBackModel().fit(lapsed)
    X = sm.add_constant(pd.DataFrame({"np.log1p(frequency)": np.log1p(lapsed["frequency"]),
                                      "time_since_last": lapsed["time_since_last"]})).rename(columns={"const": "Intercept"})
    direct = sm.Logit(lapsed["reactivated"], X).fit(disp=0)
    summary = model.summary
    np.testing.assert_allclose(summary["coef"], direct.params[summary.index], rtol=1e-6)
    np.testing.assert_allclose(summary["se"], direct.bse[summary.index], rtol=1e-5)
    np.testing.assert_allclose(summary[["lower 95%", "upper 95%"]], direct.conf_int().loc[summary.index], rtol=1e-5)
    np.testing.assert_allclose(summary["odds_ratio"], np.exp(summary["coef"]))
    pd.testing.assert_series_equal(model.params_, summary["coef"])


def test_satisfaction_chain_summary_is_the_ols_of_statsmodels():
    """Second implementation: a, b and c′ with their standard errors and 95% intervals are those of the
    two OLS regressions fitted here; a·b, c and the proportion mediated follow from them (Baron &
    Kenny 1986)."""
    data = simulate_satisfaction_chain(250, rng=4).data
    chain = SatisfactionChain().fit(data)
    retention = smf.ols("retention ~ satisfaction", data).fit()
    profit = smf.ols("profit ~ satisfaction + retention", data).fit()
    summary = chain.summary
    expected = [(retention, "satisfaction"), (profit, "retention"), (profit, "satisfaction")]
    for row, (result, term) in zip(summary.index[:3], expected, strict=True):
        assert summary.loc[row, "coef"] == pytest.approx(result.params[term], rel=1e-9)
        assert summary.loc[row, "se"] == pytest.approx(result.bse[term], rel=1e-9)
        assert summary.loc[row, "lower 95%"] == pytest.approx(result.conf_int().loc[term, 0], rel=1e-9)
    a, b, direct = chain.params_[["a", "b", "direct"]]
    np.testing.assert_allclose(summary["coef"].iloc[3:], [a * b, direct + a * b, a * b / (direct + a * b)])
    assert summary["se"].iloc[3:].isna().all()


def test_bass_summary_interval_is_the_t_interval_of_the_covariance():
    """Closed form: se = √diag(covariance_) and the interval coef ± t₀.₉₇₅,ₙ₋₃ · se."""
    counts = _bass_counts()
    model = BassDiffusion().fit(counts)
    summary = model.summary
    np.testing.assert_allclose(summary["se"], np.sqrt(np.diag(model.covariance_)))
    crit = stats.t.ppf(0.975, len(counts) - 3)
    np.testing.assert_allclose(summary["upper 95%"] - summary["coef"], crit * summary["se"])
    pd.testing.assert_series_equal(summary["coef"], model.params_)


def test_hmm_params_are_the_fitted_chain():
    """The parameters are the fitted chain: rates equal ``rates_`` (ascending), initial shares and
    every row of transition probabilities sum to 1 (a distribution), the entries equal
    ``transition_matrix_``."""
    hmm = RelationshipHMM(3, rng=2).fit(_panel(7))
    params = hmm.params_
    np.testing.assert_allclose(params[[f"rate[{k}]" for k in range(3)]], hmm.rates_)
    assert params[[f"initial[{k}]" for k in range(3)]].sum() == pytest.approx(1)
    for j in range(3):
        assert params[[f"transition[{j}→{k}]" for k in range(3)]].sum() == pytest.approx(1)
    assert params["transition[0→2]"] == hmm.transition_matrix_.loc[0, 2]
    assert len(hmm.summary) == 3 + 3 + 9 and hmm.state_table["state"].tolist() == [0, 1, 2]


@pytest.mark.parametrize("module", ["crmlab.theories.referral.bass", "crmlab.theories.lifecycle.hmm",
                                    "crmlab.theories.stakeholders", "crmlab.strategy.win_back"])
def test_models_do_not_import_figures(module):
    """Models never import figures: no import of crmlab.plots or matplotlib anywhere in the module."""
    tree = ast.parse(inspect.getsource(importlib.import_module(module)))
    imported = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    imported += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    imported += [f"{n.module}.{a.name}" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for a in n.names]
    assert not [m for m in imported if m.startswith(("crmlab.plots", "matplotlib")) or m == "crmlab.plots"], imported
