"""CLV models on a customer base in Spark: fit on the driver from the distinct summaries, score on the executors.

A customer base too large for one machine keeps its per-customer summary
(``frequency``, ``recency``, ``T``, ``monetary_value``, one row per customer,
as :func:`crmlab.customers.transaction_summary` defines them) in a PySpark
DataFrame. Two steps bring the CLV models to it:

1. **Fit on the driver.** The likelihood of a "Buy Till You Die" model (and of
   the Gamma-Gamma spend model) depends on a customer only through the
   summary, so customers with the same summary are one row with a weight
   (:func:`crmlab.clv.inputs.compress`). :func:`distinct_rows` counts the
   distinct summaries in Spark (a group-by count) and collects only them; the
   model's ``fit(rows, weights=rows["n_customers"])`` then maximises exactly
   the likelihood of the whole base. In weeks from daily data the distinct
   (x, t_x, T) rows are far fewer than the customers (CDNOW: 1,016 of 2,357;
   the donations of Fader, Hardie & Shang 2010: 22 of 11,104).
2. **Score in Spark.** :func:`score` adds P(alive), the conditional expected
   transactions and, with a fitted :class:`~crmlab.clv.GammaGamma`, the
   expected spend and the CLV as columns of the Spark DataFrame. The fitted
   parameters are broadcast to the executors, where an Arrow pandas UDF
   calls crmlab's own vectorised predictions on each batch of rows: the
   columns are those of the pandas API, by the same code
   (:meth:`~crmlab.clv.btyd.TransactionModel.probability_alive`,
   :meth:`~crmlab.clv.btyd.TransactionModel.conditional_expected_transactions`,
   :func:`crmlab.clv.customer_value_table`). Every other column (the
   customer id, covariates, segment labels) is carried through untouched.

Bad input is refused with a :class:`~crmlab.data.DataError` before any work:
a missing or non-numeric column (from the schema), and the rows that break
the definitions (nulls, NaN, negative values, recency after T, …), with the
pandas path's messages (the rules of :func:`crmlab.clv.inputs.check_rft` and
of :class:`~crmlab.clv.GammaGamma`, written as Spark column expressions). One
Spark aggregation counts each rule's offending rows; only when there are some
does a second job fetch the first of them, by ``customer_id`` when the
summary has that column.

PySpark is optional (``pip install 'crmlab[spark]'``, and Java 17+): it is
imported inside the functions. The executors need crmlab installed, as they
run its predictions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from crmlab.clv.btyd import RFT, TransactionModel
from crmlab.clv.inputs import check_argument
from crmlab.clv.spend import GammaGamma
from crmlab.data.errors import MAX_PROBLEMS_SHOWN, DataError, Problem
from crmlab.data.tables import bounds_message

__all__ = ["distinct_rows", "score"]

#: The source named in errors, as in the pandas checks of :mod:`crmlab.clv.inputs`.
_SOURCE = "customer summary"
_SPEND = ("frequency", "monetary_value")
#: The temporary struct column of the scores (dropped from the result).
_SCORES = "__crmlab_scores"


def _functions() -> Any:
    """``pyspark.sql.functions``, or an ImportError that says how to install PySpark."""
    try:
        from pyspark.sql import functions
    except ImportError as exc:
        raise ImportError(
            "crmlab.clv.spark needs PySpark (and a Java 17+ runtime): pip install 'crmlab[spark]'"
        ) from exc
    return functions


def _check_frame(summary: Any, caller: str) -> None:
    from crmlab.customers.engines import is_spark_dataframe

    if not is_spark_dataframe(summary):
        raise TypeError(
            f"{caller}: summary must be a PySpark DataFrame (got {type(summary).__module__}.{type(summary).__name__}); "
            "for a pandas summary use the model's own methods or crmlab.clv.customer_value_table"
        )


# ---------------------------------------------------------------------------------------------
# Checks: the rules of crmlab.clv.inputs.check_rft and GammaGamma's, as Spark column expressions
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Rule:
    """One rule of a check: the rows where ``bad`` is true break it; the problem names ``column``."""

    column: str
    message: str
    bad: Any  # a Spark Column


def _value(column: str) -> Any:
    F = _functions()
    return F.col(column).cast("double")


def _finite(column: str) -> Any:
    """True where the value is a finite number (false for null, NaN and ±∞)."""
    F = _functions()
    v = _value(column)
    return F.coalesce(~F.isnan(v) & (F.abs(v) != F.lit(float("inf"))), F.lit(False))


def _whole(column: str) -> Any:
    F = _functions()
    return _value(column) == F.floor(_value(column))


def _missing(columns: tuple[str, ...]) -> list[_Rule]:
    return [_Rule(c, "missing or infinite value", ~_finite(c)) for c in columns]


def _rft_stages(discrete: bool) -> list[list[_Rule]]:
    """check_rft's two stages: every value finite; then the definitions of x, t_x and T."""
    x, t_x, T = (_value(c) for c in RFT)
    rules = [
        _Rule("frequency", bounds_message(0), x < 0),
        _Rule("frequency", "frequency is not a whole number", ~_whole("frequency")),
        _Rule("recency", bounds_message(0), t_x < 0),
        _Rule("T", "T must be positive", T <= 0),
        _Rule("recency", "recency is after T", t_x > T),
        _Rule("recency", "recency must be 0 when frequency is 0", (x == 0) & (t_x != 0)),
    ]
    if discrete:
        rules.append(_Rule("frequency", "more transactions than the recency allows", x > t_x))
        rules += [_Rule(c, "not a whole number of periods", ~_whole(c)) for c in ("recency", "T")]
    return [_missing(RFT), rules]


def _spend_stages() -> list[list[_Rule]]:
    """GammaGamma's one stage: finite values, a whole x ≥ 0, a positive mean spend where x > 0."""
    x = _value("frequency")
    both_finite = _finite("frequency") & _finite("monetary_value")
    return [
        _missing(_SPEND)
        + [
            _Rule(
                "frequency",
                "frequency must be a whole number ≥ 0",
                _finite("frequency") & ((x < 0) | ~_whole("frequency")),
            ),
            _Rule(
                "monetary_value",
                "mean spend must be positive when frequency > 0",
                both_finite & (x > 0) & (_value("monetary_value") <= 0),
            ),
        ]
    ]


@dataclass(frozen=True)
class _Check:
    """The columns one model (or argument) needs, and its rules in stages (a later stage runs when the earlier pass)."""

    needs: tuple[str, ...]
    stages: list[list[_Rule]]


def _model_check(model: Any) -> _Check:
    """The check of the summary that ``model`` (a class or an instance) reads."""
    cls = model if isinstance(model, type) else type(model)
    if issubclass(cls, TransactionModel):
        return _Check(RFT, _rft_stages(cls.discrete_time))
    if issubclass(cls, GammaGamma):
        return _Check(_SPEND, _spend_stages())
    raise TypeError(
        f"crmlab.clv.spark: {cls.__name__} is not a transaction model (BetaGeo, ModifiedBetaGeo, ParetoNBD, "
        "BetaGeoBetaBinom) or GammaGamma"
    )


def _check_summary(summary: Any, checks: list[_Check]) -> None:
    """Refuse a summary that lacks a column, holds a non-number or breaks a rule: a DataError naming them.

    The checks run in order, as the pandas path runs them: the first check with
    missing or non-numeric columns, or with offending rows in a stage, raises.
    All rules are counted by one aggregation; the first offending rows of the
    failing stage (in the order of ``customer_id`` when there is one) are
    fetched only then.
    """
    F = _functions()
    from pyspark.sql.types import NumericType

    types = {f.name: f.dataType for f in summary.schema.fields}
    for check in checks:
        missing = [c for c in check.needs if c not in types]
        if missing:
            needs = ", ".join(check.needs)
            raise DataError(_SOURCE, [Problem(f"missing column (the model needs {needs})", column=c) for c in missing])
        wrong = [c for c in check.needs if not isinstance(types[c], NumericType)]
        if wrong:
            raise DataError(
                _SOURCE,
                [
                    Problem(
                        f"not numeric (a {types[c].simpleString()} column)", column=c, value=_first_value(summary, c)
                    )
                    for c in wrong
                ],
            )
    stages = [stage for check in checks for stage in check.stages]
    rules = [rule for stage in stages for rule in stage]
    counts = summary.agg(
        *[F.sum(F.when(rule.bad, 1).otherwise(0)).alias(f"r{i}") for i, rule in enumerate(rules)]
    ).first()
    start = 0
    for stage in stages:
        found = [(rule, int(counts[start + i] or 0)) for i, rule in enumerate(stage)]
        start += len(stage)
        total = sum(n for _, n in found)
        if total:
            problems = [p for rule, n in found if n for p in _offending_rows(summary, rule)]
            raise DataError(_SOURCE, problems, n_problems=total)


def _first_value(summary: Any, column: str) -> Any:
    """The first non-null value of a column (to show in a message)."""
    F = _functions()
    row = summary.filter(F.col(column).isNotNull()).select(column).first()
    return None if row is None else row[0]


def _offending_rows(summary: Any, rule: _Rule) -> list[Problem]:
    """The first rows that break ``rule``, by customer id when the summary has one, as Problems."""
    has_id = "customer_id" in summary.columns
    rows = summary.filter(rule.bad).select(*(["customer_id"] if has_id else []), _value(rule.column).alias("value"))
    if has_id:
        rows = rows.orderBy("customer_id")
    out = []
    for row in rows.limit(MAX_PROBLEMS_SHOWN).collect():
        value = float("nan") if row["value"] is None else float(row["value"])
        out.append(Problem(rule.message, row=row["customer_id"] if has_id else None, column=rule.column, value=value))
    return out


# ---------------------------------------------------------------------------------------------
# Fitting on the driver
# ---------------------------------------------------------------------------------------------


def distinct_rows(
    summary: Any, model: Any, *, extra_columns: tuple[str, ...] = (), count: str = "n_customers"
) -> pd.DataFrame:
    """The distinct summaries a model is fitted to, with the number of customers of each, counted in Spark.

    The likelihood of the BTYD models depends on a customer only through
    (x, t_x, T), and that of the Gamma-Gamma model only through (x, m_x), so
    fitting to the distinct rows weighted by their counts maximises the same
    log-likelihood as fitting to every customer (Σ_i ℓ(row_i) = Σ_r n_r ℓ(r)):
    pass the counts as the fit's ``weights``. The group-by count runs in
    Spark; only the distinct rows come to the driver.

    Parameters
    ----------
    summary : pyspark.sql.DataFrame
        One row per customer with the columns the model reads: ``frequency``,
        ``recency``, ``T`` for the transaction models, ``frequency``,
        ``monetary_value`` for :class:`~crmlab.clv.GammaGamma`.
    model : model class or instance
        Which columns to take and which rules to check (``BetaGeo``,
        ``ModifiedBetaGeo``, ``ParetoNBD``, ``BetaGeoBetaBinom`` in discrete
        time, or ``GammaGamma``).
    extra_columns : tuple of str
        Further numeric columns to keep in the rows (e.g. ``frequency_holdout``
        for a holdout check); they must be finite.
    count : str
        Name of the count column.

    Returns
    -------
    pandas.DataFrame
        The model's columns (floats) and the extra columns, sorted, and
        ``count`` (int64).

    Raises
    ------
    crmlab.data.DataError
        A missing or non-numeric column, or rows that break the definitions
        (checked in Spark, as the model's ``fit`` checks a pandas summary).

    Examples
    --------
    >>> from crmlab.clv import BetaGeo
    >>> rows = distinct_rows(summary_sdf, BetaGeo)                   # doctest: +SKIP
    >>> model = BetaGeo().fit(rows, weights=rows["n_customers"])    # doctest: +SKIP
    """
    F = _functions()
    _check_frame(summary, "distinct_rows")
    check = _model_check(model)
    extra = tuple(extra_columns)
    _check_summary(summary, [check, _Check(extra, [_missing(extra)])])
    columns = list(dict.fromkeys((*check.needs, *extra)))
    if count in columns:
        raise ValueError(
            f"distinct_rows: the count column {count!r} is one of the columns {columns}; choose another name"
        )
    counted = (
        summary.select(*[_value(c).alias(c) for c in columns]).groupBy(*columns).agg(F.count(F.lit(1)).alias(count))
    )
    from crmlab.customers.spark import to_polars

    rows = to_polars(counted).to_pandas()
    rows[count] = rows[count].astype("int64")
    return rows.sort_values(columns, ignore_index=True)


# ---------------------------------------------------------------------------------------------
# Scoring on the executors
# ---------------------------------------------------------------------------------------------


def _parameters_only(model: Any) -> Any:
    """A copy of a fitted model that holds its parameters only (not the fit data): what the executors need."""
    model._check_fitted()
    light = type(model)()
    light.params_ = model.params_.copy()
    return light


def _broadcast(summary: Any, value: Any) -> tuple[Any, Any]:
    """(broadcast variable, None) in a classic session; (None, value) where there is no SparkContext (Spark Connect)."""
    try:
        context = summary.sparkSession.sparkContext
    except (AttributeError, NotImplementedError):  # Spark Connect: the value travels with the function
        return None, value
    return context.broadcast(value), None


def score(
    summary: Any,
    model: TransactionModel,
    *,
    t: float | None = None,
    spend_model: GammaGamma | None = None,
    discount_rate: float | None = None,
    horizon: int | None = None,
    period_length: float = 1.0,
    margin: float | str = 1.0,
) -> Any:
    """Score a Spark DataFrame of customer summaries with fitted models: the pandas columns, computed in Spark.

    Adds to ``summary`` (every column of which is kept, in order):

    - ``probability_alive``: P(alive at T | x, t_x, T), the model's
      :meth:`~crmlab.clv.btyd.TransactionModel.probability_alive`;
    - ``expected_transactions``: E[Y(t) | x, t_x, T], the expected repeat
      transactions in (T, T + t], its
      :meth:`~crmlab.clv.btyd.TransactionModel.conditional_expected_transactions`;
    - with ``spend_model`` (a fitted :class:`~crmlab.clv.GammaGamma`),
      ``expected_spend``: E[Z | m_x, x], its
      :meth:`~crmlab.clv.GammaGamma.conditional_expected_average_spend`;
    - with ``spend_model``, ``discount_rate`` and ``horizon``, ``clv``: the
      discounted value of the next ``horizon`` periods of ``period_length``
      (Fader, Hardie & Lee 2005b)::

          CLV_i = margin_i · E[Z_i] · Σ_{k=1..H} (E[Y(kΔ)] − E[Y((k−1)Δ)]) / (1 + d)^k

      and then ``expected_transactions`` is over t = H·Δ: the four columns
      of :func:`crmlab.clv.customer_value_table` with the same arguments.

    The models are fitted on the driver (e.g. on :func:`distinct_rows`); a
    copy holding only their parameters is broadcast, and an Arrow pandas UDF
    runs their predictions on each batch of rows on the executors.

    Parameters
    ----------
    summary : pyspark.sql.DataFrame
        One row per customer: ``frequency``, ``recency``, ``T``, and
        ``monetary_value`` with a spend model; any other columns (the
        ``customer_id``, covariates, segments) are carried through. Checked
        first, in Spark, as the pandas methods check a pandas summary.
    model : fitted BetaGeo, ModifiedBetaGeo, ParetoNBD or BetaGeoBetaBinom
    t : float, optional
        Horizon of ``expected_transactions`` (≥ 0; whole in discrete time).
        Required without a CLV; with one it defaults to ``horizon`` ×
        ``period_length``, and another value is refused.
    spend_model : fitted GammaGamma, optional
    discount_rate, horizon, period_length
        As in :meth:`~crmlab.clv.btyd.TransactionModel.customer_lifetime_value`:
        d ≥ 0 per period, H a whole number ≥ 0, Δ > 0 in model time units.
    margin : float or str
        Profit share of revenue: one number, or the name of a column holding
        one per customer (finite).

    Returns
    -------
    pyspark.sql.DataFrame
        ``summary``'s columns and the score columns (doubles), lazily: nothing
        is computed until an action (``write``, ``count``, …).

    Examples
    --------
    >>> scored = score(summary_sdf, bgnbd, spend_model=gg, discount_rate=0.01, horizon=12,
    ...                period_length=52 / 12)                        # doctest: +SKIP
    >>> scored.write.parquet("s3://shop/clv/")                       # doctest: +SKIP
    """
    F = _functions()
    _check_frame(summary, "score")
    from pyspark.sql.functions import pandas_udf
    from pyspark.sql.types import DoubleType, StructField, StructType

    if not isinstance(model, TransactionModel):
        raise TypeError(
            f"score: model must be a fitted transaction model (BetaGeo, ModifiedBetaGeo, ParetoNBD, BetaGeoBetaBinom), got {type(model).__name__}"
        )
    if spend_model is not None and not isinstance(spend_model, GammaGamma):
        raise TypeError(f"score: spend_model must be a fitted GammaGamma, got {type(spend_model).__name__}")
    models = (_parameters_only(model), None if spend_model is None else _parameters_only(spend_model))
    lifetime = discount_rate is not None or horizon is not None
    clv: dict[str, float] = {}
    if lifetime:
        if spend_model is None or discount_rate is None or horizon is None:
            raise TypeError("score: a CLV needs spend_model, discount_rate and horizon")
        clv = {
            "discount_rate": check_argument(discount_rate, "discount_rate", at_least=0, scalar=True),
            "horizon": int(check_argument(horizon, "horizon", at_least=0, whole=True, scalar=True)),
            "period_length": check_argument(
                period_length, "period_length", above=0, whole=model.discrete_time, scalar=True
            ),
        }
        if t is not None and check_argument(t, "t", scalar=True) != clv["horizon"] * clv["period_length"]:
            raise ValueError(
                f"score: t ({t}) must be horizon × period_length ({clv['horizon'] * clv['period_length']:g}) with a CLV, "
                "the horizon of customer_value_table's expected_transactions; score once more for another t"
            )
        t = clv["horizon"] * clv["period_length"]
    elif t is None:
        raise TypeError("score: needs t, the horizon of expected_transactions (or a CLV's horizon)")
    t = check_argument(t, "t", at_least=0, whole=model.discrete_time, scalar=True)
    margin_column = margin if isinstance(margin, str) else None
    if lifetime:
        if margin_column is None:
            clv["margin"] = check_argument(margin, "margin", scalar=True)
    elif margin_column is not None or not (isinstance(margin, (int, float)) and margin == 1.0):
        raise TypeError("score: margin applies to the CLV, which needs spend_model, discount_rate and horizon")

    outputs = ["probability_alive", "expected_transactions"]
    if spend_model is not None:
        outputs.append("expected_spend")
    if lifetime:
        outputs.append("clv")
    taken = [c for c in (*outputs, _SCORES) if c in summary.columns]
    if taken:
        raise DataError(
            _SOURCE,
            [
                Problem(
                    "the summary already has a column of this name, which score would replace; rename or drop it",
                    column=c,
                )
                for c in taken
            ],
        )
    checks = ([_model_check(spend_model)] if spend_model is not None else []) + [_model_check(model)]
    if margin_column is not None:
        checks.append(_Check((margin_column,), [_missing((margin_column,))]))
    _check_summary(summary, checks)

    shared, local = _broadcast(summary, models)
    scores_of_batch = _batch_scorer(shared, local, outputs, t, clv)
    schema = StructType([StructField(name, DoubleType()) for name in outputs])
    udf = pandas_udf(scores_of_batch, returnType=schema)
    zero = F.lit(0.0)
    inputs = [
        _value("frequency"),
        _value("recency"),
        _value("T"),
        _value("monetary_value") if spend_model is not None else zero,
        _value(margin_column) if margin_column is not None else zero,
    ]
    with_scores = summary.withColumn(_SCORES, udf(*inputs))
    return with_scores.select(
        *[with_scores[c] for c in summary.columns], *[F.col(_SCORES)[n].alias(n) for n in outputs]
    )


def _batch_scorer(shared: Any, local: Any, outputs: list[str], t: float, clv: dict[str, float]) -> Any:
    """The function the pandas UDF runs on each batch: the pandas API's own predictions on the batch's columns."""

    def scores_of_batch(
        frequency: pd.Series, recency: pd.Series, T: pd.Series, monetary_value: pd.Series, margin: pd.Series
    ) -> pd.DataFrame:
        from crmlab.clv.value import customer_value_table

        if len(frequency) == 0:  # an empty batch: no customers, no scores
            return pd.DataFrame({name: np.empty(0) for name in outputs})
        model, spend_model = local if shared is None else shared.value
        batch = pd.DataFrame({"frequency": frequency, "recency": recency, "T": T, "monetary_value": monetary_value})
        if "clv" in outputs:
            options = clv if "margin" in clv else {**clv, "margin": margin.to_numpy()}
            return customer_value_table(batch, model, spend_model, **options).reset_index(drop=True)
        out = {
            "probability_alive": np.asarray(model.probability_alive(batch), dtype=float),
            "expected_transactions": np.asarray(model.conditional_expected_transactions(t, batch), dtype=float),
        }
        if spend_model is not None:
            out["expected_spend"] = np.asarray(spend_model.conditional_expected_average_spend(batch), dtype=float)
        return pd.DataFrame(out)[outputs]

    return scores_of_batch
