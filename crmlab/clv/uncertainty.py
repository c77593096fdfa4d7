"""Per-customer prediction intervals of the CLV models: parameter uncertainty and process uncertainty.

A fitted model's predictions for a customer (expected transactions, P(alive),
expected spend, CLV) are functions of the estimated parameters, and the
estimates are uncertain. This module turns that uncertainty into an interval
for each customer, the same way for :class:`~crmlab.clv.BetaGeo`,
:class:`~crmlab.clv.ModifiedBetaGeo`, :class:`~crmlab.clv.ParetoNBD`,
:class:`~crmlab.clv.BetaGeoBetaBinom` and :class:`~crmlab.clv.GammaGamma`
(their ``predict`` method calls :func:`predict_intervals`).

Parameter draws (:func:`parameter_draws`), an array of n_draws × k parameters:

- ``"hessian"`` (default): θ = log(parameters) ~ N(θ̂, Σ_θ), the asymptotic
  normal of the maximum-likelihood estimate on the log scale the models are
  fitted on, with Σ_θ = diag(1/p̂) V diag(1/p̂) from the fitted variance matrix
  V (the inverse observed information; delta method), then exp;
- ``"bootstrap"``: the nonparametric bootstrap (Efron & Tibshirani 1993):
  resample the customers with replacement and refit. Since the fit works on
  compressed rows with weights (counts of identical customers), resampling N
  customers is a multinomial draw of new counts over the rows,
  Multinomial(N, w/N), and a refit starts from the point estimate, so a draw
  costs a few optimiser iterations on the distinct rows;
- ``"fixed"``: every draw at the point estimate (no parameter uncertainty;
  for counts, process uncertainty only).

A prediction interval at level c is the (1−c)/2 and (1+c)/2 quantiles of the
prediction evaluated at each draw, by the model's own prediction methods on a
copy of the model with the drawn parameters (nothing is re-derived here).

Process uncertainty for counts (``what="count"``, :func:`simulate_counts`):
the customer's number of repeat transactions in (T, T+t] itself, not its
mean. For each parameter draw, one future per customer is simulated exactly
from the posterior given (x, t_x, T): the customer is alive at T with the
model's P(alive | x, t_x, T) (else no future purchases: a customer who
dropped out stays out), and given alive the latent traits have closed-form
posteriors,

- BG/NBD (Fader, Hardie & Lee 2005): λ ~ Gamma(r+x, α+T), p ~ Beta(a, b+x);
  future purchases are those of a Poisson(λ) process stopped right after the
  K-th, K ~ Geometric(p), so Y = min(N, K) with N ~ Poisson(λt);
- MBG/NBD (Batislam et al. 2007): the same with p ~ Beta(a, b+x+1) (the
  first purchase was a dropout opportunity too);
- Pareto/NBD (Schmittlein, Morrison & Colombo 1987): λ ~ Gamma(r+x, α+T),
  μ ~ Gamma(s, β+T) (given alive at T the likelihood is λ^x e^{−λT} e^{−μT});
  the remaining lifetime is τ ~ Exp(μ) (memoryless), Y ~ Poisson(λ min(τ, t));
- BG/BB (Fader, Hardie & Shang 2010): alive at opportunity n+1 with the
  model's P(alive), then p ~ Beta(α+x, β+n−x), θ ~ Beta(γ, δ+n+1); the
  customer is alive for G ~ Geometric(θ) opportunities from n+1 on, so
  Y ~ Binomial(min(G, n*), p).

The interval's ends are then counts (quantiles of the integer draws by the
inverted empirical CDF). The mean of these futures is the model's
``conditional_expected_transactions`` (tested).

Speed. Customers with the same (x, t_x, T) get the same interval, so the
draws are evaluated once per distinct row (as the fit does), and in chunks
that bound the memory to about ``chunk_cells`` numbers. The expected
transactions of these models factor as P(alive | x, t_x, T) × E[Y(t) | alive
at T, x, T]: given alive, the posterior depends on (x, T) only. So the second
factor is computed once per distinct (x, T), as the model's own conditional
expectation divided by its P(alive) at a history with the same (x, T) (the
last purchase at T), and only the cheap P(alive) runs on every distinct row;
CLV likewise (its discounted expected transactions are linear in each
period's conditional expectation). CLV multiplies by the spend model's
conditional expected spend of each customer, with the two models' draws
paired (independent draws of each). Chunks run in threads, each with its own
random stream spawned from the seed, so the result does not depend on the
number of threads.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from crmlab.clv.inputs import as_columns, check_argument
from crmlab.stats.generators import as_generator

__all__ = ["ParameterDraws", "parameter_draws", "predict_intervals", "simulate_counts"]

#: What :func:`predict_intervals` predicts.
WHATS = ("expected_transactions", "probability_alive", "count", "spend", "clv")
#: How parameter draws are made.
METHODS = ("hessian", "bootstrap", "fixed")
#: Numbers held at once in a chunk of draws × rows (8 bytes each): about 32 MB.
CHUNK_CELLS = 4_000_000


@dataclass(frozen=True)
class ParameterDraws:
    """Draws of a fitted model's parameters, one row per draw, with how they were made.

    ``values`` is an array of shape (n_draws, k) of natural (positive; covariate coefficients real)
    parameters named ``names``; ``method`` is ``"hessian"``, ``"bootstrap"``
    or ``"fixed"`` (see :func:`parameter_draws`); ``estimate`` the point
    estimate; ``model`` the model's class name.

    >>> draws = ParameterDraws(np.array([[1.0, 2.0], [3.0, 4.0]]), ("r", "alpha"), "hessian", np.array([2.0, 3.0]), "BetaGeo")
    >>> draws.to_frame()
         r  alpha
    0  1.0    2.0
    1  3.0    4.0
    >>> draws.intervals(0.5)[["estimate", "lower", "upper"]].to_numpy().tolist()
    [[2.0, 1.5, 2.5], [3.0, 2.5, 3.5]]
    """

    values: np.ndarray
    names: tuple[str, ...]
    method: str
    estimate: np.ndarray
    model: str

    @property
    def n_draws(self) -> int:
        """Number of draws."""
        return int(self.values.shape[0])

    def to_frame(self) -> pd.DataFrame:
        """The draws as a DataFrame, one column per parameter (``attrs`` record the method and model)."""
        frame = pd.DataFrame(self.values, columns=list(self.names))
        frame.attrs.update(method=self.method, model=self.model)
        return frame

    def intervals(self, interval: float = 0.9) -> pd.DataFrame:
        """Estimate and the draws' (1−c)/2 and (1+c)/2 quantiles per parameter (c = ``interval``), and the draws' SD."""
        interval = _check_interval(interval)
        lower, upper = np.quantile(self.values, [(1 - interval) / 2, (1 + interval) / 2], axis=0)
        frame = pd.DataFrame(
            {"estimate": self.estimate, "lower": lower, "upper": upper, "sd": self.values.std(axis=0, ddof=1)},
            index=pd.Index(list(self.names), name="parameter"),
        )
        frame.attrs.update(method=self.method, interval=interval, n_draws=self.n_draws, model=self.model)
        return frame


def _check_interval(interval: Any) -> float:
    return check_argument(interval, "interval", above=0, below=1, scalar=True)


def _check_choice(value: Any, name: str, choices: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(repr(c) for c in choices)} (got {value!r})")
    return value


def parameter_draws(
    model: Any,
    *,
    n_draws: int = 200,
    method: str = "hessian",
    rng: np.random.Generator | int | None = None,
) -> ParameterDraws:
    """Draws of a fitted model's parameters: asymptotic normal on the log scale, or bootstrap refits.

    ``method="hessian"``: log-parameters ~ N(log p̂, diag(1/p̂) V diag(1/p̂)),
    V the model's ``variance_matrix_`` (the inverse observed information at
    the maximum; the delta method moves it to the log scale, where the model
    is fitted and the normal approximation is better; Wald 1943).
    ``method="bootstrap"``: resampling bootstrap of customers (Efron &
    Tibshirani 1993, ch. 6), as multinomial counts over the fitted compressed
    rows, each draw a refit started at the point estimate.
    ``method="fixed"``: the point estimate, ``n_draws`` times.

    Raises ValueError for n_draws < 2, an unknown method, or a Hessian
    without a variance (singular information: no "hessian" draws).

    >>> from crmlab.clv import BetaGeo
    >>> from crmlab.data import load_cdnow, CDNOW_CONVENTIONS
    >>> from crmlab.customers import transaction_summary
    >>> model = BetaGeo().fit(transaction_summary(load_cdnow(), **CDNOW_CONVENTIONS))
    >>> draws = parameter_draws(model, n_draws=50, rng=1)
    >>> draws.values.shape, draws.method
    ((50, 4), 'hessian')
    >>> bool(np.all(draws.values > 0))
    True
    """
    estimate = model._check_fitted()
    n_draws = int(check_argument(n_draws, "n_draws", at_least=2, whole=True, scalar=True))
    method = _check_choice(method, "method", METHODS)
    generator = as_generator(rng)
    name = type(model).__name__
    if method == "fixed":
        values = np.tile(estimate, (n_draws, 1))
    elif method == "hessian":
        real = _real_valued(model)
        unit = np.where(real, 1.0, estimate)  # d log p = dp / p; a real-valued coefficient stays on its own scale
        cov = model.variance_matrix_.to_numpy() / np.outer(unit, unit)
        if not np.all(np.isfinite(cov)):
            raise ValueError(f"{name}: the fitted model has no variance matrix (singular Hessian); use method='bootstrap'")
        with np.errstate(invalid="ignore", divide="ignore"):
            centre = np.where(real, estimate, np.log(np.where(real, 1.0, estimate)))
        normal = generator.multivariate_normal(centre, cov, size=n_draws, method="eigh")
        values = np.where(real, normal, np.exp(normal))
    else:
        if _has_covariates(model):
            raise NotImplementedError(f"{name}: bootstrap draws are not available for a model fitted with covariates "
                                      "yet; use method='hessian'")
        values = _bootstrap(model, n_draws, generator)
    return ParameterDraws(values, tuple(model.param_names), method, estimate.copy(), name)


def _has_covariates(model: Any) -> bool:
    """Fitted with covariates: a transaction model's ``covariates_`` or a GammaGamma's ``covariate_links_``."""
    return getattr(model, "covariates_", None) is not None or getattr(model, "covariate_links_", None) is not None


def _real_valued(model: Any) -> np.ndarray:
    """Which of the fitted parameters are real-valued (covariate coefficients), the rest being positive."""
    k = len(model.param_names)
    if getattr(model, "covariates_", None) is not None:  # r, α, a/s, b/β, then the coefficients
        return np.arange(k) >= len(type(model).param_names)
    method = getattr(model, "_real_valued_params", None)
    return np.asarray(method(), dtype=bool) if method is not None else np.zeros(k, dtype=bool)


def _no_variance(self: Any, params: np.ndarray, data: Any, weights: np.ndarray) -> pd.DataFrame:
    names = list(self.param_names)
    return pd.DataFrame(np.nan, index=names, columns=names)


def _bootstrap(model: Any, n_draws: int, generator: np.random.Generator) -> np.ndarray:
    """Refits to multinomial resamples of the customers over the model's compressed rows, from the estimate."""
    weights = np.asarray(model._weights, dtype=float)
    total = int(round(float(weights.sum())))
    start = dict(model.params_)
    values = np.empty((n_draws, len(start)))
    failed = 0
    for d in range(n_draws):
        counts = generator.multinomial(total, weights / weights.sum()).astype(float)
        refit = copy.copy(model)
        refit._variance_matrix = _no_variance.__get__(refit)  # standard errors of a draw are not needed
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            refit._fit(model._data, counts, initial_params=start)
        failed += any(issubclass(w.category, UserWarning) for w in caught)
        values[d] = refit.params_.to_numpy()
    if failed:
        from crmlab.stats.maximum_likelihood import ConvergenceWarning

        warnings.warn(
            f"{type(model).__name__}: {failed} of {n_draws} bootstrap refits did not report convergence",
            ConvergenceWarning,
            stacklevel=3,
        )
    return values


#: The model families by parameter names: this module is imported by the model classes' ``predict``, so it
#: recognises them without importing them (the MBG/NBD is a BG/NBD with ``_first_purchase_dropout`` = 1).
_KINDS = {
    ("r", "alpha", "a", "b"): "beta_geo",
    ("r", "alpha", "s", "beta"): "pareto_nbd",
    ("alpha", "beta", "gamma", "delta"): "beta_geo_beta_binom",
    ("p", "q", "gamma"): "gamma_gamma",
}


def _kind(model: Any) -> str | None:
    """The family of a model (a key of the table above), or None for anything else."""
    return _KINDS.get(tuple(getattr(type(model), "param_names", ())))


def _at(model: Any, params: np.ndarray) -> Any:
    """A shallow copy of the model with ``params_`` replaced: its prediction methods evaluate at ``params``."""
    clone = copy.copy(model)
    clone.params_ = pd.Series(params, index=model.params_.index, name="estimate")  # the index reused: cheap
    if getattr(model, "covariates_", None) is not None:  # the copy's covariate predictions bound to the copy
        from crmlab.clv.covariates import _install_predictions

        _install_predictions(clone)
    return clone


# ----- distinct rows and chunks ----------------------------------------------------------------------------------


def _distinct(columns: list[np.ndarray]) -> tuple[list[np.ndarray], np.ndarray]:
    """Distinct rows of the columns, sorted with the first column first, and each input row's index into them.

    Each column is factorised (hash table, sorted levels), the codes are combined into one integer per row
    (mixed radix, in the columns' order) and that is factorised again: linear time, no sort of the rows.
    """
    codes, levels = [], []
    for column in columns:
        code, level = pd.factorize(column, sort=True)
        codes.append(code.astype(np.int64))
        levels.append(np.asarray(level))
    if np.prod([float(len(level)) for level in levels]) >= 2.0**62:  # too many combinations for one int64
        order = np.lexsort(codes[::-1])
        key = np.empty(len(order), dtype=np.int64)
        ordered = np.column_stack([c[order] for c in codes])
        key[order] = np.cumsum(np.r_[True, np.any(ordered[1:] != ordered[:-1], axis=1)]) - 1
    else:
        key = np.zeros(len(codes[0]), dtype=np.int64)
        for code, level in zip(codes, levels, strict=True):
            key = key * len(level) + code
    inverse, keys = pd.factorize(key, sort=True)
    first = np.empty(len(keys), dtype=np.int64)
    first[inverse[::-1]] = np.arange(len(inverse))[::-1]  # a row of each distinct key
    return [column[first] for column in columns], inverse.astype(np.int64)


def _runs(columns: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """For sorted rows: the first row of each run of equal rows and each row's run index."""
    new = np.zeros(len(columns[0]), dtype=bool)
    new[:1] = True
    for c in columns:
        new[1:] |= c[1:] != c[:-1]
    return np.flatnonzero(new), np.cumsum(new) - 1


Chunk = dict[str, np.ndarray]


def _quantile_rows(
    evaluate: Callable[[int, Chunk, np.random.Generator], np.ndarray],
    columns: Chunk,
    n_draws: int,
    interval: float,
    discrete: bool,
    chunk_cells: int,
    generator: np.random.Generator,
    n_jobs: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Estimate (``evaluate`` at draw −1), lower and upper quantile of the draws, for each row of the columns.

    The rows are taken in chunks of about ``chunk_cells`` / (n_draws + 1), so that the draws × rows array
    stays bounded; ``evaluate(d, chunk, rng)`` gives the prediction of draw d on a chunk's rows. Chunks
    run in ``n_jobs`` threads (NumPy and SciPy's array functions release the GIL), each with its own
    random stream spawned from ``generator``, so the result does not depend on the number of threads.
    """
    n = len(next(iter(columns.values())))
    estimate, lower, upper = np.empty(n), np.empty(n), np.empty(n)
    size = max(1, chunk_cells // (n_draws + 1))
    q = [(1 - interval) / 2, (1 + interval) / 2]
    how = "inverted_cdf" if discrete else "linear"
    parts = [slice(start, min(n, start + size)) for start in range(0, n, size)]
    streams = generator.spawn(len(parts))

    def run(part: slice, stream: np.random.Generator) -> None:
        chunk = {k: v[part] for k, v in columns.items()}
        values = np.empty((n_draws, part.stop - part.start))
        for d in range(n_draws):
            values[d] = evaluate(d, chunk, stream)
        estimate[part] = evaluate(-1, chunk, stream)
        lower[part], upper[part] = np.quantile(values, q, axis=0, method=how, overwrite_input=True)

    _in_threads(run, parts, n_jobs, streams)
    return estimate, lower, upper


def _in_threads(work: Callable[..., None], items: Any, n_jobs: int, *more: Any) -> None:
    """``work(item, *more_items)`` for every item, in ``n_jobs`` threads (in this one when 1 or a single item)."""
    items = list(items)
    if n_jobs > 1 and len(items) > 1:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=min(n_jobs, len(items))) as pool:
            list(pool.map(work, items, *more))
    else:
        for args in zip(items, *more, strict=True):
            work(*args)


def _default_jobs() -> int:
    """Threads for the chunks: the CPUs this process may use, at most 4."""
    import os

    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(4, usable))


# ----- what is evaluated at a draw -------------------------------------------------------------------------------


def _reference_recency(x: np.ndarray, T: np.ndarray) -> np.ndarray:
    """A recency for a history with the same (x, T): the last purchase at T (0 without repeat purchases)."""
    return np.where(x > 0, T, 0.0)


def _probability_alive(clone: Any, params: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
    """P(alive) of checked distinct rows: the model's array helper where it has one (BG/NBD and MBG/NBD share
    it; Pareto/NBD), which skips re-checking the rows at every draw, else its ``probability_alive``."""
    helper = getattr(clone, "_probability_alive_arrays", None)
    if helper is not None:
        return helper(params, x, t_x, T)
    return np.asarray(clone.probability_alive(x, t_x, T), dtype=float)


def _given_alive(clone: Any, x: np.ndarray, T: np.ndarray, prediction: Callable[..., Any]) -> np.ndarray:
    """prediction / P(alive) at histories (x, T, T): a function of (x, T) only in these models (see the module)."""
    t_ref = _reference_recency(x, T)
    value = np.asarray(prediction(x, t_ref, T), dtype=float)
    return value / np.asarray(clone.probability_alive(x, t_ref, T), dtype=float)


def _discounted_transactions(clone: Any, x: np.ndarray, t_x: np.ndarray, T: np.ndarray, clv: dict[str, float]) -> np.ndarray:
    """The model's customer_lifetime_value with a spend of 1 per transaction: discounted expected transactions."""
    return np.asarray(clone.customer_lifetime_value(x, t_x, T, monetary_value=1.0, **clv), dtype=float)


def simulate_counts(
    model: Any,
    params: np.ndarray,
    x: np.ndarray,
    T: np.ndarray,
    t: float,
    p_alive: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """One simulated number of repeat transactions in (T, T+t] per row, from the exact posterior given alive.

    ``params`` are the model's parameters (one draw), ``p_alive`` each row's
    P(alive | x, t_x, T) at those parameters; each row is dead with
    probability 1 − P(alive) (no future purchases), else its latent traits
    are drawn from their posterior given alive and (x, T) and its future is
    simulated (module docstring: BG/NBD, MBG/NBD, Pareto/NBD, BG/BB).

    >>> from crmlab.clv import BetaGeo
    >>> counts = simulate_counts(BetaGeo(), np.array([0.25, 4.0, 0.8, 2.4]), np.array([2.0]), np.array([30.0]), 10.0,
    ...                          np.array([1.0]), np.random.default_rng(1))
    >>> counts.dtype.kind, counts.shape
    ('f', (1,))
    """
    n = len(x)
    alive = rng.random(n) < p_alive
    kind = _kind(model)
    if kind == "beta_geo":
        r, alpha, a, b = params
        k = model._first_purchase_dropout
        lam = rng.gamma(r + x, 1.0 / (alpha + T))
        p = rng.beta(a, b + x + k)
        purchases = rng.poisson(lam * t).astype(float)
        # K ~ Geometric(p) on {1, 2, ...} by inversion, in floats (p may underflow to 0: K = ∞)
        with np.errstate(divide="ignore"):
            last = np.floor(np.log1p(-rng.random(n)) / np.log1p(-p)) + 1.0
        future = np.minimum(purchases, last)
    elif kind == "pareto_nbd":
        r, alpha, s, beta = params
        lam = rng.gamma(r + x, 1.0 / (alpha + T))
        mu = rng.gamma(s, 1.0 / (beta + T))
        with np.errstate(divide="ignore"):
            lifetime = rng.exponential(1.0, n) / mu
        future = rng.poisson(lam * np.minimum(lifetime, t)).astype(float)
    elif kind == "beta_geo_beta_binom":
        alpha, beta, gamma, delta = params
        p = rng.beta(alpha + x, beta + T - x)
        theta = rng.beta(gamma, delta + T + 1)
        with np.errstate(divide="ignore"):
            lived = np.floor(np.log1p(-rng.random(n)) / np.log1p(-theta)) + 1.0
        future = rng.binomial(np.minimum(lived, t).astype(np.int64), p).astype(float)
    else:
        raise TypeError(f"no count simulation for {type(model).__name__}")
    return np.where(alive, future, 0.0)


# ----- the predictions with intervals ----------------------------------------------------------------------------


def _frame_index(summary: Any) -> pd.Index:
    index = summary.index.copy()
    if index.name is None:
        index.name = "customer_id"
    return index


def predict_intervals(
    model: Any,
    summary: pd.DataFrame,
    t: float | None = None,
    *,
    what: str = "expected_transactions",
    interval: float = 0.9,
    method: str = "hessian",
    n_draws: int = 200,
    rng: np.random.Generator | int | None = None,
    draws: ParameterDraws | None = None,
    spend_model: Any = None,
    spend_draws: ParameterDraws | None = None,
    discount_rate: float | None = None,
    horizon: int | None = None,
    period_length: float = 1.0,
    margin: float = 1.0,
    chunk_cells: int = CHUNK_CELLS,
    n_jobs: int | None = None,
) -> pd.DataFrame:
    """Each customer's prediction with an interval from parameter (and, for counts, process) uncertainty.

    Parameters
    ----------
    model : fitted transaction model (BetaGeo, ModifiedBetaGeo, ParetoNBD, BetaGeoBetaBinom) or GammaGamma
    summary : DataFrame
        One row per customer: ``frequency``, ``recency``, ``T`` (and
        ``monetary_value`` for ``"spend"`` and ``"clv"``), indexed by customer.
    t : float
        Horizon of ``"expected_transactions"`` and ``"count"`` (the period
        (T, T+t], in the model's time unit; opportunities for the BG/BB).
    what : str
        ``"expected_transactions"`` (E[Y(t) | x, t_x, T]), ``"probability_alive"``,
        ``"count"`` (the number of repeat transactions in (T, T+t] itself:
        process and parameter uncertainty, one simulated future per draw),
        ``"spend"`` (GammaGamma's conditional expected spend per transaction)
        or ``"clv"`` (transaction model × GammaGamma, as
        :meth:`crmlab.clv.btyd.TransactionModel.customer_lifetime_value`, with
        ``discount_rate``, ``horizon``, ``period_length`` and ``margin``).
    interval : float
        Level c in (0, 1): the interval is the (1−c)/2 and (1+c)/2 quantiles.
    method : str
        ``"hessian"``, ``"bootstrap"`` or ``"fixed"`` (:func:`parameter_draws`).
    n_draws : int
        Number of parameter draws (≥ 2).
    rng : Generator or int
        Seed or generator: the same seed gives the same frame.
    draws, spend_draws : ParameterDraws, optional
        Draws to reuse (e.g. bootstrap draws made once), instead of drawing.
    spend_model : GammaGamma, optional
        The spend model, for ``"clv"`` (the transaction model's role is
        ``model``; from GammaGamma.predict, the roles are swapped for you).
    chunk_cells : int
        About how many numbers (draws × distinct rows) are held at once.
    n_jobs : int, optional
        Threads over the chunks (default: the usable CPUs, at most 4); the
        result is the same for any number.

    Returns
    -------
    DataFrame indexed by customer with ``estimate`` (the prediction at the
    point estimate; for ``"count"`` its mean, the conditional expected
    transactions), ``lower`` and ``upper`` (whole numbers for ``"count"``);
    ``frame.attrs`` and ``frame.columns.name`` record what, the level, the
    method and the number of draws.

    >>> from crmlab.clv import BetaGeo
    >>> from crmlab.data import load_cdnow, CDNOW_CONVENTIONS
    >>> from crmlab.customers import transaction_summary
    >>> model = BetaGeo().fit(transaction_summary(load_cdnow(), **CDNOW_CONVENTIONS))
    >>> summary = pd.DataFrame({"frequency": [0, 2, 5], "recency": [0.0, 20.0, 38.0], "T": [40.0] * 3},
    ...                        index=pd.Index(["a", "b", "c"], name="customer_id"))
    >>> frame = predict_intervals(model, summary, t=10, what="count", rng=1)
    >>> list(frame.columns), frame.columns.name
    (['estimate', 'lower', 'upper'], 'count, 90% interval, hessian draws (200)')
    >>> bool((frame["lower"] <= frame["upper"]).all())
    True
    """
    what = _check_choice(what, "what", WHATS)
    interval = _check_interval(interval)
    method = _check_choice(method, "method", METHODS)
    n_draws = int(check_argument(n_draws, "n_draws", at_least=2, whole=True, scalar=True))
    if not isinstance(summary, pd.DataFrame):
        raise TypeError(f"predict: summary must be a DataFrame of customers, not {type(summary).__name__}")
    generator = as_generator(rng)
    n_jobs = _default_jobs() if n_jobs is None else int(check_argument(n_jobs, "n_jobs", at_least=1, whole=True, scalar=True))
    name = type(model).__name__
    if _kind(model) == "gamma_gamma":
        if what == "clv":
            if spend_model is None:
                raise ValueError("GammaGamma.predict(what='clv') needs transaction_model=, the fitted transaction model")
            return predict_intervals(
                spend_model, summary, t, what="clv", interval=interval, method=method, n_draws=n_draws, rng=generator,
                spend_model=model, spend_draws=draws, discount_rate=discount_rate, horizon=horizon,
                period_length=period_length, margin=margin, chunk_cells=chunk_cells, n_jobs=n_jobs,
            )
        if what != "spend":
            raise ValueError(f"GammaGamma predicts what='spend' or 'clv', not {what!r}")
    elif _kind(model) is None:
        raise TypeError(f"predict: no intervals for {name}")
    elif what == "spend":
        raise ValueError(f"{name} predicts transactions: what='spend' is GammaGamma's (or what='clv' with spend_model=)")
    model._check_fitted()
    if draws is None:
        draws = parameter_draws(model, n_draws=n_draws, method=method, rng=generator)
    elif draws.model != name:
        raise ValueError(f"draws of {draws.model} given for {name}")
    n_draws, method = draws.n_draws, draws.method
    P = draws.values
    estimate_params = model.params_.to_numpy()
    index = _frame_index(summary)

    if what == "spend":
        cols, _ = as_columns(summary, (None,), ("frequency", "monetary_value"), model=name)
        if _has_covariates(model):
            model.conditional_expected_average_spend(summary)  # checks, names bad rows and covariates
        else:
            model.conditional_expected_average_spend(cols["frequency"], cols["monetary_value"])  # checks, names bad rows
        spend_keys = _spend_covariates(model, summary)  # each customer's spend covariates: rows differ by them too
        keys = {"x": cols["frequency"], "m": np.where(cols["frequency"] > 0, cols["monetary_value"], 0.0), **spend_keys}
        distinct_values, inverse = _distinct(list(keys.values()))
        distinct = dict(zip(keys, distinct_values, strict=True))

        def evaluate_spend(d: int, chunk: Chunk, stream: np.random.Generator) -> np.ndarray:
            clone = _at(model, estimate_params if d < 0 else P[d])
            return _spend_at(clone, chunk)

        est, low, up = _quantile_rows(evaluate_spend, distinct, n_draws, interval, False, chunk_cells, generator, n_jobs)
        return _result(index, est[inverse], low[inverse], up[inverse], what, interval, method, n_draws, name, t)

    x, t_x, T, _ = model._rft(summary, None, None)
    clv_args: dict[str, float] = {}
    if what in ("expected_transactions", "count"):
        if t is None:
            raise ValueError(f"predict(what={what!r}) needs the horizon t")
        t = float(model._time(t, 1))
    keys = {"x": x, "T": T, "t_x": t_x}  # sorted by x, then T, then t_x: rows with one (x, T) are adjacent
    covariate = getattr(model, "covariates_", None) is not None
    mats: dict[str, np.ndarray] = {}
    if covariate:  # each customer's own covariates: part of what makes two rows the same
        from crmlab.clv.covariates import _customer_model

        mats = model.covariates_.matrices(summary)
        for process, matrix in mats.items():
            keys |= {f"{process} {j}": matrix[:, j] for j in range(matrix.shape[1])}

    def chunk_model(params: np.ndarray, chunk: Chunk) -> Any:
        """The model at ``params`` with each of the chunk's customers at their own parameters (covariates)."""
        rows = {process: np.column_stack([chunk[f"{process} {j}"] for j in range(m.shape[1])])
                if m.shape[1] else np.zeros((len(chunk["x"]), 0)) for process, m in mats.items()}
        return _customer_model(_at(model, params), rows)
    if what == "clv":
        if _kind(spend_model) != "gamma_gamma":
            raise ValueError("predict(what='clv') needs spend_model=, a fitted GammaGamma")
        if discount_rate is None or horizon is None:
            raise ValueError("predict(what='clv') needs discount_rate and horizon (and optionally period_length, margin)")
        clv_args = {"discount_rate": discount_rate, "horizon": horizon, "period_length": period_length}
        spend_model.conditional_expected_average_spend(summary)  # checks frequency and monetary_value
        checker = _customer_model(model, {k: v[:1] for k, v in mats.items()}) if covariate else model
        checker.customer_lifetime_value(x[:1], t_x[:1], T[:1], monetary_value=1.0, **clv_args)  # checks the arguments
        m = summary["monetary_value"].to_numpy(dtype=float)
        keys["m"] = np.where(x > 0, m, 0.0)
        keys["margin"] = np.broadcast_to(check_argument(margin, "margin", length=len(x)), x.shape).astype(float)
        keys |= _spend_covariates(spend_model, summary)
        if spend_draws is None:
            spend_draws = parameter_draws(spend_model, n_draws=n_draws, method=method, rng=generator)
        if spend_draws.n_draws != n_draws:
            raise ValueError(f"spend_draws has {spend_draws.n_draws} draws, the transaction model's {n_draws}")
    distinct_values, inverse = _distinct(list(keys.values()))
    distinct = dict(zip(keys, distinct_values, strict=True))

    def given_alive(clone: Any, xs: np.ndarray, Ts: np.ndarray) -> np.ndarray:
        """E[Y(t) | alive at T, x, T] (or its discounted CLV sum) of distinct (x, T) rows, at the clone's parameters."""
        if what == "clv":
            def prediction(*history: np.ndarray) -> np.ndarray:
                return _discounted_transactions(clone, *history, clv_args)
        else:
            def prediction(*history: np.ndarray) -> np.ndarray:
                return clone.conditional_expected_transactions(t, *history)
        return _given_alive(clone, xs, Ts, prediction)

    # the factor given alive, per draw and distinct (x, T), computed once for all chunks when it fits in memory
    table = None
    if what in ("expected_transactions", "clv") and not covariate:  # with covariates, (x, T) alone do not fix it
        (x_levels, T_levels), distinct["xT"] = _distinct([distinct["x"], distinct["T"]])
        if (n_draws + 1) * len(x_levels) <= 4 * chunk_cells:
            table = np.empty((n_draws + 1, len(x_levels)))

            def fill(d: int) -> None:
                table[d + 1] = given_alive(_at(model, estimate_params if d < 0 else P[d]), x_levels, T_levels)

            _in_threads(fill, range(-1, n_draws), n_jobs)

    def evaluate(d: int, chunk: Chunk, stream: np.random.Generator) -> np.ndarray:
        params = estimate_params if d < 0 else P[d]
        xs, Ts, txs = chunk["x"], chunk["T"], chunk["t_x"]
        if covariate:
            clone = chunk_model(params, chunk)
            params = list(clone.params_)  # r, then one value per customer where covariates enter
        else:
            clone = _at(model, params)
        p_alive = _probability_alive(clone, params, xs, txs, Ts)
        if what == "probability_alive":
            return p_alive
        if what == "count" and d >= 0:
            return simulate_counts(clone, params, xs, Ts, t, p_alive, stream)
        if covariate:
            value = np.asarray(_discounted_transactions(clone, xs, txs, Ts, clv_args) if what == "clv"
                               else clone.conditional_expected_transactions(t, xs, txs, Ts), dtype=float)
        elif table is not None:
            value = p_alive * table[d + 1, chunk["xT"]]
        else:
            starts, run = _runs([xs, Ts])
            value = p_alive * given_alive(clone, xs[starts], Ts[starts])[run]
        if what == "clv":
            spender = _at(spend_model, spend_draws.estimate if d < 0 else spend_draws.values[d])
            value = value * _spend_at(spender, chunk) * chunk["margin"]
        return value

    est, low, up = _quantile_rows(evaluate, distinct, n_draws, interval, what == "count", chunk_cells, generator, n_jobs)
    return _result(index, est[inverse], low[inverse], up[inverse], what, interval, method, n_draws, name, t)


def _spend_covariates(spend_model: Any, summary: pd.DataFrame) -> dict[str, np.ndarray]:
    """A GammaGamma's spend covariate columns of the summary (none without covariates), keyed by column name."""
    links = getattr(spend_model, "covariate_links_", None)
    if links is None:
        return {}
    columns = list(dict.fromkeys(c for cols in links.links.values() for c in cols))
    matrix = np.column_stack([links.matrix(name, summary) for name in links.links])
    return {f"spend covariate {c}": matrix[:, j] for j, c in enumerate(columns)}


def _spend_at(spender: Any, chunk: Chunk) -> np.ndarray:
    """The spend model's conditional expected spend of a chunk's rows, with their own spend covariates if any."""
    prefix = "spend covariate "
    covariates = {k[len(prefix):]: v for k, v in chunk.items() if k.startswith(prefix)}
    if not covariates:
        return np.asarray(spender.conditional_expected_average_spend(chunk["x"], chunk["m"]), dtype=float)
    frame = pd.DataFrame({"frequency": chunk["x"], "monetary_value": chunk["m"], **covariates})
    return np.asarray(spender.conditional_expected_average_spend(frame), dtype=float)


def _result(
    index: pd.Index, estimate: np.ndarray, lower: np.ndarray, upper: np.ndarray, what: str, interval: float,
    method: str, n_draws: int, model: str, t: float | None,
) -> pd.DataFrame:
    """The tidy frame of :func:`predict_intervals`, with what it holds in ``attrs`` and ``columns.name``."""
    frame = pd.DataFrame({"estimate": estimate, "lower": lower, "upper": upper}, index=index)
    frame.columns.name = f"{what}, {interval:.0%} interval, {method} draws ({n_draws})"
    frame.attrs.update(what=what, interval=interval, method=method, n_draws=n_draws, model=model, t=t)
    return frame
