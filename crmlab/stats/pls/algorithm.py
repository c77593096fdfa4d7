"""The PLS path modelling algorithm (Wold 1982; Lohmöller 1989), on item correlation matrices.

With standardised items X (n × p, unit variance) and outer weights W (p × k,
non-zero only where an item measures a construct), the construct scores are
Y = XW. Everything the iteration needs is a function of the item correlation
matrix S = X'X/(n − 1):

1. scale W so each score has unit variance: w_j ← w_j / √(w_j' S w_j);
2. score correlations C = W'SW;
3. inner weights E (k × k) by the scheme: *path* — for construct j, its
   antecedents weighted by the OLS regression of j on them, its successors by
   their correlation with j; *centroid* — sign of the correlation of
   adjacent constructs; *factorial* — the correlation of adjacent constructs
   (Lohmöller 1989, ch. 2.3);
4. inner proxies Z = YE, standardised: cov(X, Z) = SWE / √diag(E'CE);
5. outer weights: mode A w_j = cov(x_j, z_j) over the items of block j; mode B
   w_j = S_jj⁻¹ cov(x_j, z_j);
6. repeat from 1 until Σ|ΔW| < tolerance (10⁻⁷, seminr's criterion) or
   ``max_iter`` (300) passes.

Then the loadings are corr(x, y) = SW (the item's block only), the path
coefficients an OLS regression of each endogenous construct on its
antecedents (from C), R² from the same regressions. Working on S makes the
bootstrap a batch of small matrix operations (:mod:`crmlab.stats.pls.bootstrap`):
every function here takes a stack of correlation matrices, shape (B, p, p).
Interaction terms and higher-order constructs are estimated in two stages
(:func:`fit_pls`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from crmlab.stats.pls.items import checked_items
from crmlab.stats.pls.spec import HigherOrder, Interaction, MeasurementBlock, PLSModel

if TYPE_CHECKING:
    from crmlab.stats.pls.bootstrap import PLSBootstrap

__all__ = ["SCHEMES", "Layout", "PLSFit", "fit_pls", "outer_weights", "structural_paths"]

#: The inner weighting schemes (Lohmöller 1989).
SCHEMES = ("path", "centroid", "factorial")


@dataclass(frozen=True)
class Layout:
    """The numeric layout of a model whose constructs are all measured by items.

    ``membership`` (p × k) is 1 where item i measures construct j; ``mode_b``
    marks the mode B blocks; ``paths`` (k × k) is 1 for a path i → j;
    ``interactions`` marks two-stage interaction constructs (their scores
    keep the scale of the product, Henseler & Chin 2010).
    """

    items: list[str]
    constructs: list[str]
    membership: np.ndarray
    mode_b: np.ndarray
    paths: np.ndarray
    interactions: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))

    @classmethod
    def of(cls, model: PLSModel, interactions: set[str] | None = None) -> Layout:
        """The layout of a model of :class:`MeasurementBlock` constructs (after the two-stage preparation)."""
        constructs = [c for c in model.constructs if any(c in p for p in model.structure)]
        blocks = {c: model.measurement[c] for c in constructs}
        items = [i for c in constructs for i in blocks[c].items]  # type: ignore[union-attr]
        membership = np.zeros((len(items), len(constructs)))
        row = 0
        for j, c in enumerate(constructs):
            n = len(blocks[c].items)  # type: ignore[union-attr]
            membership[row : row + n, j] = 1.0
            row += n
        mode_b = np.array([blocks[c].mode == "B" and len(blocks[c].items) > 1 for c in constructs], bool)  # type: ignore[union-attr]
        paths = np.zeros((len(constructs), len(constructs)))
        for source, target in model.structure:
            paths[constructs.index(source), constructs.index(target)] = 1.0
        inter = np.array([c in (interactions or set()) for c in constructs], bool)
        return cls(items, constructs, membership, mode_b, paths, inter)


def _scale_to_unit_variance(S: np.ndarray, W: np.ndarray) -> np.ndarray:
    variance = ((S @ W) * W).sum(axis=1)  # diag(W'SW), batched matrix products (BLAS) rather than einsum
    return W / np.sqrt(variance)[:, None, :]


def inner_weights(C: np.ndarray, layout: Layout, scheme: str) -> np.ndarray:
    """The inner weights E (B × k × k; column j weights the scores in construct j's inner proxy).

    >>> layout = Layout(["x", "y"], ["X", "Y"], np.eye(2), np.zeros(2, bool), np.array([[0.0, 1], [0, 0]]))
    >>> C = np.array([[[1.0, -0.5], [-0.5, 1.0]]])
    >>> inner_weights(C, layout, "centroid")[0].tolist()
    [[0.0, -1.0], [-1.0, 0.0]]
    """
    P = layout.paths
    adjacent = P + P.T
    if scheme == "centroid":
        return np.sign(C) * adjacent
    if scheme == "factorial":
        return C * adjacent
    if scheme != "path":
        raise ValueError(f"scheme must be one of {', '.join(SCHEMES)}, got {scheme!r}")
    E = C * P.T  # successors of j: their correlation with j
    for j in np.flatnonzero(P.sum(axis=0)):
        pred = np.flatnonzero(P[:, j])
        E[:, pred, j] = np.linalg.solve(C[:, pred][:, :, pred], C[:, pred, j][..., None])[..., 0]
    return E


def _outer_step(S: np.ndarray, W: np.ndarray, layout: Layout, scheme: str) -> np.ndarray:
    SW = S @ W
    C = np.swapaxes(W, 1, 2) @ SW
    E = inner_weights(C, layout, scheme)
    proxy_variance = ((C @ E) * E).sum(axis=1)
    G = SW @ E / np.sqrt(proxy_variance)[:, None, :]  # cov(item, standardised inner proxy)
    new = G * layout.membership
    for j in np.flatnonzero(layout.mode_b):
        block = np.flatnonzero(layout.membership[:, j])
        new[:, block, j] = np.linalg.solve(S[:, block][:, :, block], G[:, block, j][..., None])[..., 0]
    return _scale_to_unit_variance(S, new)


def outer_weights(S: np.ndarray, layout: Layout, scheme: str = "path", *, tolerance: float = 1e-7,
                  max_iter: int = 300) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Outer weights W (B × p × k) for a stack of item correlation matrices S (B × p × p), iterated to convergence.

    Returns (weights, passes, converged): each matrix's weights scaled to
    unit-variance scores, the number of passes it took and whether Σ|ΔW| fell
    under ``tolerance`` within ``max_iter`` passes. Starts from unit weights.

    >>> layout = Layout(["x1", "x2", "y1"], ["X", "Y"], np.array([[1.0, 0], [1, 0], [0, 1]]), np.zeros(2, bool),
    ...                 np.array([[0.0, 1], [0, 0]]))
    >>> S = np.array([[[1, 0.5, 0.3], [0.5, 1, 0.3], [0.3, 0.3, 1]]])
    >>> W, passes, converged = outer_weights(S, layout)
    >>> np.round(W[0, :, 0], 4).tolist(), bool(converged[0])   # equal items: equal weights 1/√(2 + 2·0.5)
    ([0.5774, 0.5774, 0.0], True)
    """
    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {', '.join(SCHEMES)}, got {scheme!r}")
    S = np.asarray(S, dtype=float)
    W = _scale_to_unit_variance(S, np.broadcast_to(layout.membership, (len(S), *layout.membership.shape)).copy())
    passes = np.zeros(len(S), int)
    active = np.ones(len(S), bool)
    for n in range(1, max_iter + 1):
        idx = np.flatnonzero(active)
        new = _outer_step(S[idx], W[idx], layout, scheme)
        change = np.abs(new - W[idx]).sum(axis=(1, 2))
        W[idx] = new
        passes[idx] = n
        active[idx[change < tolerance]] = False
        if not active.any():
            break
    return W, passes, ~active


def structural_paths(covariance: np.ndarray, layout: Layout) -> tuple[np.ndarray, np.ndarray]:
    """Path coefficients (B × k × k, from × to) and R² (B × k; NaN for exogenous) by OLS on the score covariances.

    >>> layout = Layout(["x", "y"], ["X", "Y"], np.eye(2), np.zeros(2, bool), np.array([[0.0, 1], [0, 0]]))
    >>> B, r2 = structural_paths(np.array([[[1.0, 0.6], [0.6, 1.0]]]), layout)
    >>> float(B[0, 0, 1]), round(float(r2[0, 1]), 2)
    (0.6, 0.36)
    """
    P = layout.paths
    B = np.zeros_like(covariance)
    r2 = np.full(covariance.shape[:2], np.nan)
    for j in np.flatnonzero(P.sum(axis=0)):
        pred = np.flatnonzero(P[:, j])
        cross = covariance[:, pred, j]
        beta = np.linalg.solve(covariance[:, pred][:, :, pred], cross[..., None])[..., 0]
        B[:, pred, j] = beta
        r2[:, j] = (beta * cross).sum(axis=1) / covariance[:, j, j]
    return B, r2


def _standardise(values: np.ndarray) -> np.ndarray:
    return (values - values.mean(axis=0)) / values.std(axis=0, ddof=1)


@dataclass
class _Stage:
    """One plain estimation: the layout, the standardised items and the results."""

    layout: Layout
    items: pd.DataFrame
    S: np.ndarray
    weights: np.ndarray
    passes: int
    converged: bool
    scales: np.ndarray

    @property
    def scores(self) -> pd.DataFrame:
        z = _standardise(self.items.to_numpy())
        return pd.DataFrame(z @ self.weights * self.scales, index=self.items.index, columns=self.layout.constructs)


def _estimate(layout: Layout, items: pd.DataFrame, scheme: str, tolerance: float, max_iter: int) -> _Stage:
    values = items[layout.items].to_numpy(dtype=float)
    S = np.corrcoef(values, rowvar=False).reshape(len(layout.items), len(layout.items))
    W, passes, converged = outer_weights(S[None], layout, scheme, tolerance=tolerance, max_iter=max_iter)
    scales = np.ones(len(layout.constructs))
    for j in np.flatnonzero(layout.interactions):
        item = layout.items[int(np.flatnonzero(layout.membership[:, j])[0])]
        scales[j] = float(items[item].std(ddof=1))
    return _Stage(layout, items[layout.items], S, W[0], int(passes[0]), bool(converged[0]), scales)


def _two_stage(model: PLSModel, items: pd.DataFrame, scheme: str, tolerance: float,
               max_iter: int) -> tuple[PLSModel, pd.DataFrame, set[str], list[_Stage]]:
    """The stage-two model of plain blocks with its data: dimension scores and interaction products appended."""
    stages: list[_Stage] = []
    measurement = dict(model.measurement)
    structure = list(model.structure)
    hocs = {n: s for n, s in measurement.items() if isinstance(s, HigherOrder)}
    plain = {n for n, s in measurement.items() if isinstance(s, MeasurementBlock)}
    if hocs:
        first = list(structure)
        for name, hoc in hocs.items():
            expanded = []
            for source, target in first:
                if target == name:
                    expanded += [(source, d) for d in hoc.dimensions]
                elif source == name:
                    expanded += [(d, target) for d in hoc.dimensions]
                else:
                    expanded.append((source, target))
            first = expanded
        first_model = model._with_structure([p for p in first if p[0] in plain and p[1] in plain], keep=plain)
        stage = _estimate(Layout.of(first_model), items, scheme, tolerance, max_iter)
        stages.append(stage)
        scores = stage.scores
        dims = [d for hoc in hocs.values() for d in hoc.dimensions]
        items = items.assign(**{d: scores[d] for d in dict.fromkeys(dims)})
        for name, hoc in hocs.items():
            measurement[name] = MeasurementBlock(hoc.dimensions, hoc.mode)
        in_paths = {c for p in structure for c in p}
        for d in dims:
            if d not in in_paths:
                measurement.pop(d, None)
    inters = {n: s for n, s in measurement.items() if isinstance(s, Interaction)}
    if inters:
        main = PLSModel.__new__(PLSModel)
        main.measurement = {n: s for n, s in measurement.items() if n not in inters}
        main.structure = [p for p in structure if p[0] not in inters]
        stage = _estimate(Layout.of(main), items, scheme, tolerance, max_iter)
        stages.append(stage)
        scores = stage.scores
        for name, term in inters.items():
            items = items.assign(**{name: scores[term.iv] * scores[term.moderator]})
            measurement[name] = MeasurementBlock((name,), "A")
    final = PLSModel.__new__(PLSModel)
    final.measurement = measurement
    final.structure = structure
    return final, items, set(inters), stages


class PLSFit:
    """A fitted PLS path model: weights, loadings, paths, R², f², scores, effects, quality, bootstrap.

    Returned by :meth:`PLSModel.fit <crmlab.stats.pls.PLSModel.fit>` (see
    :func:`fit_pls`). Matrices are DataFrames labelled by construct and item:

    - ``path_coefficients`` (from × to; 0 where there is no path),
      ``total_effects``, ``indirect_effects`` (:mod:`crmlab.stats.pls.effects`),
      ``f_squared`` (from × to, NaN where there is no path);
    - ``outer_loadings``, ``outer_weights`` (item × construct, 0 off the block);
    - ``r_squared``, ``adjusted_r_squared`` (Series over endogenous constructs);
    - ``scores`` (respondent × construct), ``iterations``, ``converged``;
    - ``paths`` and ``measurement_table()``: the same as tidy tables;
    - :meth:`reliability`, :meth:`fornell_larcker`, :meth:`htmt`
      (:mod:`crmlab.stats.pls.quality`), :meth:`bootstrap`
      (:mod:`crmlab.stats.pls.bootstrap`), :meth:`predict`
      (:mod:`crmlab.stats.pls.predict`), :meth:`print_summary`.
    """

    def __init__(self, model: PLSModel, stage_model: PLSModel, stage: _Stage, first_stages: list[_Stage],
                 scheme: str, settings: dict[str, Any], data: pd.DataFrame):
        self.model = model
        self.scheme = scheme
        self.settings = settings
        self.data = data
        self._stage_model = stage_model
        self._stage = stage
        self.first_stages = first_stages
        layout = stage.layout
        self.layout = layout
        self.constructs = layout.constructs
        self.n_obs = len(stage.items)
        self.iterations = stage.passes
        self.converged = stage.converged
        W, S = stage.weights, stage.S
        C = W.T @ S @ W
        self._construct_correlations = C
        covariance = C * np.outer(stage.scales, stage.scales)
        B, r2 = structural_paths(covariance[None], layout)
        self._B = B[0]
        self._r2 = r2[0]

    # --------------------------------------------------------------- matrices
    def _frame(self, values: np.ndarray, rows: list[str], columns: list[str]) -> pd.DataFrame:
        return pd.DataFrame(values, index=pd.Index(rows, name=None), columns=columns)

    @property
    def path_coefficients(self) -> pd.DataFrame:
        """Path coefficients, from (rows) × to (columns); 0 where the model has no path."""
        return self._frame(self._B, self.constructs, self.constructs)

    @property
    def outer_weights(self) -> pd.DataFrame:
        """Outer weights, item × construct (scaled so each score has unit variance)."""
        return self._frame(self._stage.weights, self.layout.items, self.constructs)

    @property
    def outer_loadings(self) -> pd.DataFrame:
        """Outer loadings corr(item, construct score), item × construct; 0 off the item's block."""
        loadings = self._stage.S @ self._stage.weights * self.layout.membership
        return self._frame(loadings, self.layout.items, self.constructs)

    @property
    def cross_loadings(self) -> pd.DataFrame:
        """corr(item, construct score) for every item and construct (discriminant validity, Chin 1998)."""
        return self._frame(self._stage.S @ self._stage.weights, self.layout.items, self.constructs)

    @property
    def r_squared(self) -> pd.Series:
        """R² of each endogenous construct's regression on its antecedents."""
        endogenous = [c for j, c in enumerate(self.constructs) if self.layout.paths[:, j].any()]
        return pd.Series([self._r2[self.constructs.index(c)] for c in endogenous], index=endogenous, name="r_squared")

    @property
    def adjusted_r_squared(self) -> pd.Series:
        """Adjusted R² = 1 − (1 − R²)(n − 1)/(n − m − 1), m antecedents (Theil 1961)."""
        r2 = self.r_squared
        m = np.array([self.layout.paths[:, self.constructs.index(c)].sum() for c in r2.index])
        n = self.n_obs
        return (1 - (1 - r2) * (n - 1) / (n - m - 1)).rename("adjusted_r_squared")

    @property
    def scores(self) -> pd.DataFrame:
        """Construct scores (standardised items × outer weights; interaction terms keep the product's scale)."""
        return self._stage.scores

    @property
    def construct_correlations(self) -> pd.DataFrame:
        """Correlations of the construct scores."""
        return self._frame(self._construct_correlations, self.constructs, self.constructs)

    @property
    def total_effects(self) -> pd.DataFrame:
        """Total effects (from × to): Σ_k Bᵏ = (I − B)⁻¹ − I (see :mod:`crmlab.stats.pls.effects`)."""
        from crmlab.stats.pls.effects import total_effects

        return self._frame(total_effects(self._B), self.constructs, self.constructs)

    @property
    def indirect_effects(self) -> pd.DataFrame:
        """Indirect effects (from × to): total − direct."""
        return self.total_effects - self.path_coefficients

    @property
    def f_squared(self) -> pd.DataFrame:
        """Cohen's f² of each path (from × to; NaN without a path), the model re-estimated without it."""
        from crmlab.stats.pls.effects import f_squared

        return f_squared(self)

    @property
    def paths(self) -> pd.DataFrame:
        """One row per path: from, to, estimate (the path coefficient)."""
        rows = [(s, t, float(self._B[self.constructs.index(s), self.constructs.index(t)])) for s, t in self._stage_model.structure]
        return pd.DataFrame(rows, columns=["from", "to", "estimate"])

    def measurement_table(self) -> pd.DataFrame:
        """One row per item: construct, item, weight, loading."""
        weights, loadings = self.outer_weights, self.outer_loadings
        rows = [(c, i, float(weights.at[i, c]), float(loadings.at[i, c]))
                for c in self.constructs for i in self._stage_model.measurement[c].items]  # type: ignore[union-attr]
        return pd.DataFrame(rows, columns=["construct", "item", "weight", "loading"])

    # ---------------------------------------------------------- quality, bootstrap
    def reliability(self) -> pd.DataFrame:
        """Per construct: cronbach_alpha, rho_a, rho_c, ave (:func:`crmlab.stats.pls.quality.reliability`)."""
        from crmlab.stats.pls.quality import reliability

        return reliability(self)

    def fornell_larcker(self) -> pd.DataFrame:
        """√AVE on the diagonal, score correlations below (:func:`crmlab.stats.pls.quality.fornell_larcker`)."""
        from crmlab.stats.pls.quality import fornell_larcker

        return fornell_larcker(self)

    def htmt(self) -> pd.DataFrame:
        """Heterotrait–monotrait ratios (:func:`crmlab.stats.pls.quality.htmt`)."""
        from crmlab.stats.pls.quality import htmt_matrix

        return htmt_matrix(self)

    def bootstrap(self, n_resamples: int = 5000, rng: np.random.Generator | int | None = None, *,
                  level: float = 0.95, batch_size: int = 500) -> PLSBootstrap:
        """Percentile bootstrap of paths, loadings, weights, HTMT and total effects (:mod:`crmlab.stats.pls.bootstrap`)."""
        from crmlab.stats.pls.bootstrap import bootstrap_fit

        return bootstrap_fit(self, n_resamples=n_resamples, rng=rng, level=level, batch_size=batch_size)

    def predict(self, folds: int = 10, repetitions: int = 1, *, technique: str = "DA",
                rng: np.random.Generator | int | None = None) -> Any:
        """PLSpredict: k-fold predictions of the endogenous items against a linear benchmark (:mod:`crmlab.stats.pls.predict`)."""
        from crmlab.stats.pls.predict import pls_predict

        return pls_predict(self, folds, repetitions, technique=technique, rng=rng)

    def print_summary(self, decimals: int = 3) -> None:
        """Print the paths with R², the measurement table and the reliability table."""
        print(f"PLS path model, {self.scheme} weighting: {self.n_obs} respondents, "
              f"{len(self.constructs)} constructs, {'converged' if self.converged else 'NOT converged'} in {self.iterations} passes")
        print(self.paths.round(decimals).to_string(index=False))
        print(pd.DataFrame({"r_squared": self.r_squared, "adjusted": self.adjusted_r_squared}).round(decimals).to_string())
        print(self.reliability().round(decimals).to_string())

    def __repr__(self) -> str:
        return f"<PLSFit: {len(self.constructs)} constructs, {self.n_obs} respondents, {self.scheme} scheme, {self.iterations} passes>"


def fit_pls(model: PLSModel, data: pd.DataFrame, *, scheme: str = "path", missing: str = "refuse",
            tolerance: float = 1e-7, max_iter: int = 300, source: str = "DataFrame") -> PLSFit:
    """Estimate a PLS path model on a DataFrame of items (Wold 1982; Lohmöller 1989).

    ``scheme`` is the inner weighting: "path" (default), "centroid" or
    "factorial". Items are standardised (sample SD); the iteration stops when
    the summed absolute change of the outer weights is under ``tolerance``
    (10⁻⁷) or after ``max_iter`` (300) passes, as in R's seminr
    (``fit.converged`` says which). Missing answers are refused, naming the
    respondent and item, unless ``missing="mean"`` replaces them by the item
    mean (seminr's ``mean_replacement``). Interaction terms and higher-order
    constructs are estimated by the two-stage approach (:mod:`crmlab.stats.pls.spec`).

    Example — a chain X → Y with three items each, planted path 0.5:

    >>> from crmlab.stats.pls import PLSModel, reflective
    >>> rng = np.random.default_rng(7)
    >>> x = rng.normal(size=500); y = 0.5 * x + np.sqrt(0.75) * rng.normal(size=500)
    >>> items = pd.DataFrame({f"{n}{k}": 0.8 * v + 0.6 * rng.normal(size=500) for n, v in (("x", x), ("y", y)) for k in (1, 2, 3)})
    >>> fit = PLSModel({"X": reflective(["x1", "x2", "x3"]), "Y": reflective(["y1", "y2", "y3"])}, [("X", "Y")]).fit(items)
    >>> round(float(fit.path_coefficients.loc["X", "Y"]), 2)   # 0.5 attenuated by the composites' reliability (≈ 0.84)
    0.41
    """
    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {', '.join(SCHEMES)}, got {scheme!r}")
    items = checked_items(data, model.items, missing=missing, source=source)
    settings = {"missing": missing, "tolerance": tolerance, "max_iter": max_iter}
    stage_model, stage_items, inters, first = _two_stage(model, items, scheme, tolerance, max_iter)
    stage = _estimate(Layout.of(stage_model, inters), stage_items, scheme, tolerance, max_iter)
    return PLSFit(model, stage_model, stage, first, scheme, settings, items)
