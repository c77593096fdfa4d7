"""CLV models on a Spark customer base (crmlab.clv.spark): fit on the distinct rows, score in Spark.

Checked against:
- a second implementation: the pandas API of the same fitted models
  (probability_alive, conditional_expected_transactions,
  conditional_expected_average_spend, customer_value_table) on the same CDNOW
  summary (Fader, Hardie & Lee 2005), equal to 1e-12, for every model and
  output; the fit on the Spark-counted distinct rows against the fit on the
  pandas summary; the distinct rows against a pandas group-by count;
- a published table: the 22 donation patterns of Fader, Hardie & Shang (2010)
  with their counts, recovered by counting 11,104 expanded customers in Spark;
- hand-worked bad inputs: the DataError of the Spark checks is the pandas
  path's, message for message, on the same bad summary.

The tests use the local Spark session of conftest.py and skip without PySpark.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from crmlab.clv import (
    BetaGeo,
    BetaGeoBetaBinom,
    GammaGamma,
    ModifiedBetaGeo,
    NotFittedError,
    ParetoNBD,
    customer_value_table,
)
from crmlab.clv.spark import distinct_rows, score
from crmlab.data import DataError, load_donations

pytest.importorskip("pyspark")
pytestmark = [
    pytest.mark.spark,
    pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning"),
]

CONTINUOUS = [BetaGeo, ModifiedBetaGeo, ParetoNBD]
CLV = {"discount_rate": 0.01, "horizon": 12, "period_length": 52 / 12}  # a year of months, the model in weeks
SCORES = ["probability_alive", "expected_transactions", "expected_spend", "clv"]


def _close(got, expected) -> None:
    np.testing.assert_allclose(np.asarray(got, dtype=float), np.asarray(expected, dtype=float), rtol=1e-12, atol=0)


@pytest.fixture(scope="module")
def summary(cdnow_summary):
    """The CDNOW summary with two extra columns to carry through: a segment label and a covariate."""
    rng = np.random.default_rng(20)
    return cdnow_summary.assign(
        segment=rng.choice(["a", "b", "c"], len(cdnow_summary)), covariate=rng.normal(size=len(cdnow_summary))
    )


@pytest.fixture(scope="module")
def summary_sdf(spark, summary):
    return spark.createDataFrame(summary.reset_index()).cache()


@pytest.fixture(scope="module")
def fitted(summary):
    """The three continuous-time models and Gamma-Gamma, fitted on the pandas summary."""
    return {cls: cls().fit(summary) for cls in CONTINUOUS}, GammaGamma().fit(summary)


def _scored(sdf) -> pd.DataFrame:
    frame = sdf.toPandas().set_index("customer_id")
    assert frame.index.is_unique
    return frame


# ---------------------------------------------------------------------------------------------
# Scores: Spark equals pandas
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("cls", CONTINUOUS, ids=lambda c: c.__name__)
def test_scores_in_spark_equal_the_pandas_api(summary, summary_sdf, fitted, cls):
    """Second implementation: the model's pandas methods and customer_value_table on the same summary,
    to 1e-12, for P(alive) and E[Y(t)] alone, and for the four columns of a CLV with Gamma-Gamma."""
    model, spend = fitted[0][cls], fitted[1]
    plain = _scored(score(summary_sdf, model, t=39)).loc[summary.index]
    _close(plain["probability_alive"], model.probability_alive(summary))
    _close(plain["expected_transactions"], model.conditional_expected_transactions(39, summary))
    with_value = _scored(score(summary_sdf, model, spend_model=spend, **CLV)).loc[summary.index]
    expected = customer_value_table(summary, model, spend, **CLV)
    for column in SCORES:
        _close(with_value[column], expected[column])


def test_expected_spend_without_clv_and_a_margin_per_customer(summary, summary_sdf, fitted):
    """Second implementation: conditional_expected_average_spend, and customer_value_table with a
    margin array, where score reads the margin from a column."""
    model, spend = fitted[0][BetaGeo], fitted[1]
    got = _scored(score(summary_sdf, model, t=52, spend_model=spend)).loc[summary.index]
    assert [c for c in got.columns if c in SCORES] == ["probability_alive", "expected_transactions", "expected_spend"]
    _close(got["expected_spend"], spend.conditional_expected_average_spend(summary))
    margin = 0.2 + 0.1 * (summary["covariate"] > 0)
    got = _scored(
        score(
            summary_sdf.withColumn("margin", 0.2 + 0.1 * (summary_sdf["covariate"] > 0).cast("double")),
            model,
            spend_model=spend,
            margin="margin",
            **CLV,
        )
    ).loc[summary.index]
    _close(got["clv"], customer_value_table(summary, model, spend, margin=margin.to_numpy(), **CLV)["clv"])
    scalar = _scored(score(summary_sdf, model, spend_model=spend, margin=0.3, **CLV)).loc[summary.index]
    _close(scalar["clv"], customer_value_table(summary, model, spend, margin=0.3, **CLV)["clv"])


def test_ids_and_extra_columns_carried_through(summary, summary_sdf, fitted):
    """Hand-worked: every input column in its place and unchanged (ids, labels, covariates, dates),
    one output row per customer, the scores after them, empty partitions too; the UDF is evaluated once per row (one
    Arrow evaluation in the plan, not one per output column)."""
    scored = score(summary_sdf, fitted[0][ParetoNBD], spend_model=fitted[1], **CLV)
    assert scored.columns == [*summary_sdf.columns, *SCORES]
    plan = scored._jdf.queryExecution().executedPlan().toString()
    assert plan.count("ArrowEvalPython") == 1
    got = scored.toPandas()
    assert len(got) == len(summary) and got["customer_id"].is_unique
    pd.testing.assert_frame_equal(
        got[summary_sdf.columns].set_index("customer_id").loc[summary.index], summary, check_dtype=False
    )
    few = summary_sdf.limit(3).repartition(4)  # 3 rows in 4 partitions: one at least is empty
    got = _scored(score(few, fitted[0][BetaGeo], t=0))
    assert len(got) == 3 and got["expected_transactions"].tolist() == [0.0, 0.0, 0.0]


def test_discrete_time_model_scores_the_donations(spark):
    """Second implementation: BG/BB's pandas methods and customer_value_table on 11,104 customers
    expanded from the donations table, with a seeded mean donation for Gamma-Gamma (in years)."""
    patterns = load_donations()
    rng = np.random.default_rng(7)
    base = patterns.loc[patterns.index.repeat(patterns["n_customers"])].reset_index(drop=True)
    base = pd.DataFrame(
        {
            "customer_id": [f"D{i:05d}" for i in range(len(base))],
            "frequency": base["frequency"],
            "recency": base["recency"],
            "T": base["n"],
        }
    )
    base["monetary_value"] = np.where(base["frequency"] > 0, np.round(rng.gamma(4.0, 10.0, len(base)), 2), 0.0)
    model = BetaGeoBetaBinom().fit(
        patterns["frequency"], patterns["recency"], patterns["n"], weights=patterns["n_customers"]
    )
    spend = GammaGamma().fit(base)
    sdf = spark.createDataFrame(base)
    got = _scored(score(sdf, model, t=5)).loc[base["customer_id"]]
    expected = base.set_index("customer_id")
    _close(got["probability_alive"], model.probability_alive(expected))
    _close(got["expected_transactions"], model.conditional_expected_transactions(5, expected))
    got = _scored(score(sdf, model, spend_model=spend, discount_rate=0.1, horizon=5)).loc[base["customer_id"]]
    table = customer_value_table(expected, model, spend, discount_rate=0.1, horizon=5)
    for column in SCORES:
        _close(got[column], table[column])
    with pytest.raises(ValueError, match=r"t must be a whole number ≥ 0 \(got 2.5\)"):
        score(sdf, model, t=2.5)


# ---------------------------------------------------------------------------------------------
# Fit on the driver from the distinct rows
# ---------------------------------------------------------------------------------------------


def test_distinct_rows_are_a_pandas_group_by_count(summary, summary_sdf):
    """Second implementation: pandas' groupby().size() of the same columns, holdout column included."""
    got = distinct_rows(summary_sdf, BetaGeo, extra_columns=("frequency_holdout",))
    keys = ["frequency", "recency", "T", "frequency_holdout"]
    expected = summary[keys].astype(float).groupby(keys).size().rename("n_customers").reset_index()
    pd.testing.assert_frame_equal(got, expected, check_dtype=True)
    assert got["n_customers"].sum() == len(summary) and len(distinct_rows(summary_sdf, BetaGeo)) < len(summary)


@pytest.mark.parametrize("cls", [*CONTINUOUS, GammaGamma], ids=lambda c: c.__name__)
def test_fit_on_spark_distinct_rows_equals_fit_on_the_pandas_summary(summary, summary_sdf, fitted, cls):
    """Second implementation: the fit on the whole pandas summary (the weighted likelihood of the
    distinct rows is the likelihood of all customers): same parameters, log-likelihood and
    customer count."""
    rows = distinct_rows(summary_sdf, cls)
    got = cls().fit(rows, weights=rows["n_customers"])
    expected = fitted[1] if cls is GammaGamma else fitted[0][cls]
    _close(got.params_, expected.params_)
    assert got.log_likelihood_ == pytest.approx(expected.log_likelihood_, rel=1e-12)
    assert got.n_customers_ == expected.n_customers_


def test_distinct_rows_of_the_expanded_donations_are_the_published_table(spark):
    """Published table: Fader, Hardie & Shang (2010) give the donations as 22 (x, t_x, n) patterns with
    their counts; expanding them to 11,104 customers and counting in Spark gives the table back,
    and BG/BB fitted on it has the published estimates."""
    patterns = load_donations()
    base = patterns.loc[patterns.index.repeat(patterns["n_customers"]), ["frequency", "recency", "n"]].rename(
        columns={"n": "T"}
    )
    rows = distinct_rows(spark.createDataFrame(base), BetaGeoBetaBinom)
    expected = patterns.rename(columns={"n": "T"}).astype({"frequency": float, "recency": float, "T": float})
    pd.testing.assert_frame_equal(rows, expected.sort_values(["frequency", "recency", "T"], ignore_index=True))
    model = BetaGeoBetaBinom().fit(rows, weights=rows["n_customers"])
    assert model.params_.round(3).to_dict() == {"alpha": 1.204, "beta": 0.750, "gamma": 0.657, "delta": 2.783}


# ---------------------------------------------------------------------------------------------
# Bad input: the pandas path's DataError, found by an aggregation in Spark
# ---------------------------------------------------------------------------------------------


def _bad_summary() -> pd.DataFrame:
    """Hand-made: c02 negative recency, c04 recency after T, c05 a recency without repeat purchase,
    c06 a fractional frequency; c03 is fine."""
    return pd.DataFrame(
        {
            "customer_id": ["c01", "c02", "c03", "c04", "c05", "c06"],
            "frequency": [1.0, 2.0, 0.0, 3.0, 0.0, 1.5],
            "recency": [3.0, -1.0, 0.0, 12.0, 2.0, 4.0],
            "T": [10.0, 10.0, 10.0, 10.0, 10.0, 10.0],
            "monetary_value": [5.0, 6.0, 0.0, -2.0, 0.0, 3.0],
            "segment": list("abcabc"),
        }
    )


def _message(call) -> str:
    with pytest.raises(DataError) as info:
        call()
    return str(info.value)


def test_rule_breaking_rows_give_the_pandas_error(spark, fitted):
    """Second implementation: the pandas fit's and predictions' DataError on the same rows, word for
    word (rows named by customer id); the spend rules run first, as in customer_value_table."""
    bad = _bad_summary()
    sdf = spark.createDataFrame(bad)
    frame = bad.set_index("customer_id")
    model, spend = fitted[0][BetaGeo], fitted[1]
    expected = _message(lambda: BetaGeo().fit(frame))
    assert "row c04, column 'recency': recency is after T (12.0)" in expected
    assert _message(lambda: distinct_rows(sdf, BetaGeo)) == expected
    assert _message(lambda: score(sdf, model, t=1)) == expected
    expected = _message(lambda: customer_value_table(frame, model, spend, **CLV))
    assert "row c04, column 'monetary_value': mean spend must be positive when frequency > 0 (-2.0)" in expected
    assert _message(lambda: score(sdf, model, spend_model=spend, **CLV)) == expected
    assert _message(lambda: distinct_rows(sdf, GammaGamma)) == _message(lambda: GammaGamma().fit(frame))


def test_missing_values_and_columns(spark, fitted):
    """Second implementation for nulls (the pandas error on NaN, first stage only); hand-worked for a
    missing column, a text column, a null margin and a column that score would overwrite."""
    model, spend = fitted[0][BetaGeo], fitted[1]
    bad = _bad_summary().assign(T=[10.0, np.nan, 10.0, 10.0, 10.0, 10.0])
    sdf = spark.createDataFrame(bad)
    assert sdf.filter(sdf["T"].isNull() | sdf["T"].isin(float("nan"))).count() == 1
    expected = _message(lambda: BetaGeo().fit(bad.set_index("customer_id")))
    assert expected == "customer summary: 1 problem\n  row c02, column 'T': missing or infinite value (nan)"
    assert _message(lambda: score(sdf, model, t=1)) == expected
    good = spark.createDataFrame(_bad_summary().iloc[[0, 2]])
    assert _message(lambda: score(good.drop("T"), model, t=1)) == (
        "customer summary: 1 problem\n  column 'T': missing column (the model needs frequency, recency, T)"
    )
    text = good.withColumn("recency", good["segment"])
    assert _message(lambda: distinct_rows(text, BetaGeo)) == (
        "customer summary: 1 problem\n  column 'recency': not numeric (a string column) ('a')"
    )
    from pyspark.sql import functions as F

    no_margin = good.withColumn("margin", F.when(F.col("customer_id") == "c03", F.lit(None)).otherwise(F.lit(0.3)))
    assert _message(lambda: score(no_margin, model, spend_model=spend, margin="margin", **CLV)) == (
        "customer summary: 1 problem\n  row c03, column 'margin': missing or infinite value (nan)"
    )
    assert "column 'clv': the summary already has a column" in _message(
        lambda: score(good.withColumn("clv", F.lit(1.0)), model, spend_model=spend, **CLV)
    )


def test_wrong_arguments(summary_sdf, summary, fitted):
    """Hand-worked: arguments refused on the driver, before any Spark job, with the pandas API's words."""
    model, spend = fitted[0][BetaGeo], fitted[1]
    with pytest.raises(NotFittedError):
        score(summary_sdf, BetaGeo(), t=1)
    with pytest.raises(TypeError, match="needs t"):
        score(summary_sdf, model)
    with pytest.raises(TypeError, match="a CLV needs spend_model, discount_rate and horizon"):
        score(summary_sdf, model, discount_rate=0.1, horizon=3)
    with pytest.raises(ValueError, match=r"t \(10\) must be horizon × period_length \(12\)"):
        score(summary_sdf, model, t=10, spend_model=spend, discount_rate=0.1, horizon=12)
    with pytest.raises(ValueError, match=r"discount_rate must be ≥ 0 \(got -0.1\)"):
        score(summary_sdf, model, spend_model=spend, discount_rate=-0.1, horizon=12)
    with pytest.raises(TypeError, match="summary must be a PySpark DataFrame"):
        score(summary, model, t=1)
    with pytest.raises(TypeError, match="margin applies to the CLV"):
        score(summary_sdf, model, t=1, spend_model=spend, margin=0.3)
    with pytest.raises(TypeError, match="spend_model must be a fitted GammaGamma"):
        score(summary_sdf, model, t=1, spend_model=model)
    with pytest.raises(TypeError, match="is not a transaction model"):
        distinct_rows(summary_sdf, dict)


_WITHOUT_PYSPARK = """
import sys
sys.modules["pyspark"] = None  # unimportable
import pandas as pd
from crmlab.clv import BetaGeo
from crmlab.clv.spark import score
try:
    score(pd.DataFrame(), BetaGeo(), t=1)
except ImportError as exc:
    print(exc)
"""


def test_a_clear_error_without_pyspark():
    """Hand-worked, in a subprocess where pyspark cannot be imported: the module imports, and a call
    says how to install PySpark."""
    run = subprocess.run([sys.executable, "-c", _WITHOUT_PYSPARK], capture_output=True, text=True, timeout=120)
    assert (
        run.stdout.strip() == "crmlab.clv.spark needs PySpark (and a Java 17+ runtime): pip install 'crmlab[spark]'"
    ), run.stderr[-2000:]
