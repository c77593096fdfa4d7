"""PLSpredict: k-fold out-of-sample prediction of the endogenous items against a linear-model benchmark.

Shmueli, Ray, Velasquez Estrada & Chatla (2016) and Shmueli et al. (2019).
The respondents are split into k folds (a seeded random order cut into k
near-equal blocks). For each fold the model is estimated on the other folds
and the held-out respondents are predicted:

1. standardise their items with the training means and SDs, and score them
   with the training outer weights;
2. predict the endogenous construct scores from the training paths — *DA*
   (direct antecedents: each endogenous construct from its antecedents'
   scores) or *EA* (earliest antecedents: from the exogenous scores, through
   the model in causal order);
3. predict each endogenous item as loading × predicted score, back on the item's scale.

The benchmark (LM) regresses each endogenous item on the items of the
construct's antecedents (DA) or of the exogenous constructs (EA), with an
intercept, on the same training folds. Per item: RMSE and MAE of PLS and LM,
and Q²_predict = 1 − Σ(y − ŷ_PLS)² / Σ(y − ȳ_train)², ȳ_train the training
folds' mean (a naive benchmark; Q²_predict > 0 beats it). With several
``repetitions`` (new random orders), the predictions are averaged before the
errors are computed. Models with interaction terms or higher-order constructs
are refused (no published solution for the latter; seminr refuses it too).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from crmlab.stats.generators import as_generator

if TYPE_CHECKING:
    from crmlab.stats.pls.algorithm import PLSFit

__all__ = ["PLSPrediction", "pls_predict"]


@dataclass
class PLSPrediction:
    """Out-of-sample predictions and their accuracy, one row per endogenous item in ``metrics``.

    ``metrics`` columns: construct, item, pls_rmse, pls_mae, lm_rmse, lm_mae,
    q2_predict, pls_beats_lm (PLS RMSE below LM's). ``pls`` and ``lm`` hold the
    out-of-sample predictions (respondent × endogenous item), ``actual`` the items.
    """

    metrics: pd.DataFrame
    pls: pd.DataFrame
    lm: pd.DataFrame
    actual: pd.DataFrame
    technique: str
    folds: int
    repetitions: int

    def predictive_power(self) -> str:
        """Hair et al.'s (2021, ch. 6) reading: PLS beats LM on all, most, a minority or none of the items."""
        wins, n = int(self.metrics["pls_beats_lm"].sum()), len(self.metrics)
        if wins == n:
            return "high"
        if wins * 2 >= n:
            return "medium"
        return "low" if wins else "none"


def _predict_fold(fit: PLSFit, test: np.ndarray, means: np.ndarray, sds: np.ndarray, technique: str) -> np.ndarray:
    layout = fit.layout
    scores = (test - means) / sds @ fit._stage.weights
    B = fit._B
    exogenous = ~layout.paths.any(axis=0)
    if technique == "DA":
        predicted = scores @ B
        predicted[:, exogenous] = scores[:, exogenous]
    else:
        predicted = np.where(exogenous, scores, 0.0)
        for construct in fit.model.causal_order():
            j = layout.constructs.index(construct)
            if not exogenous[j]:
                predicted[:, j] = predicted @ B[:, j]
    loadings = fit._stage.S @ fit._stage.weights * layout.membership
    return predicted @ loadings.T * sds + means


def pls_predict(fit: PLSFit, folds: int = 10, repetitions: int = 1, *, technique: str = "DA",
                rng: np.random.Generator | int | None = None, fold_of: np.ndarray | None = None) -> PLSPrediction:
    """PLSpredict of a fitted model (Shmueli et al. 2016, 2019); see the module docstring.

    ``fold_of`` (one fold label per respondent) replaces the random folds,
    e.g. to reproduce another program's split; ``repetitions`` must then be 1.

    >>> from crmlab.stats.pls.examples import TWO_CONSTRUCT_MODEL, two_construct_items
    >>> fit = TWO_CONSTRUCT_MODEL.fit(two_construct_items(300, 0.7, rng=2))
    >>> result = fit.predict(folds=10, rng=1)
    >>> bool((result.metrics["q2_predict"] > 0).all()), result.metrics["item"].tolist()
    (True, ['y1', 'y2'])
    """
    from crmlab.stats.pls.algorithm import fit_pls

    if fit.first_stages:
        raise ValueError("PLSpredict of models with interaction terms or higher-order constructs is not supported "
                         "(no published solution for higher-order models)")
    if technique not in ("DA", "EA"):
        raise ValueError(f"technique must be 'DA' (direct antecedents) or 'EA' (earliest antecedents), got {technique!r}")
    layout, data = fit.layout, fit.data[fit.layout.items]
    n = len(data)
    if fold_of is not None:
        fold_of = np.asarray(fold_of)
        if len(fold_of) != n or repetitions != 1:
            raise ValueError(f"fold_of needs one label per respondent ({n}) and repetitions=1")
        splits = [fold_of]
    else:
        if not 2 <= int(folds) <= n:
            raise ValueError(f"folds must be between 2 and the number of respondents ({n}), got {folds!r}")
        generator = as_generator(rng)
        splits = []
        for _ in range(int(repetitions)):
            labels = np.empty(n, int)
            for k, block in enumerate(np.array_split(generator.permutation(n), int(folds))):
                labels[block] = k
            splits.append(labels)
    endogenous = [c for j, c in enumerate(layout.constructs) if layout.paths[:, j].any()]
    targets = [i for c in endogenous for i in fit._stage_model.measurement[c].items]  # type: ignore[union-attr]
    target_idx = [layout.items.index(i) for i in targets]
    values = data.to_numpy(dtype=float)
    pls = np.zeros((n, len(targets)))
    lm = np.zeros((n, len(targets)))
    naive = np.zeros((n, len(targets)))
    for labels in splits:
        for label in np.unique(labels):
            test, train = labels == label, labels != label
            train_fit = fit_pls(fit.model, data[train], scheme=fit.scheme, tolerance=fit.settings["tolerance"],
                                max_iter=fit.settings["max_iter"])
            means, sds = values[train].mean(axis=0), values[train].std(axis=0, ddof=1)
            pls[test] += _predict_fold(train_fit, values[test], means, sds, technique)[:, target_idx]
            naive[test] += means[target_idx]
            for construct in endogenous:
                j = layout.constructs.index(construct)
                sources = np.flatnonzero(layout.paths[:, j]) if technique == "DA" else np.flatnonzero(~layout.paths.any(axis=0))
                x_items = np.flatnonzero(layout.membership[:, sources].any(axis=1))
                y_items = np.flatnonzero(layout.membership[:, j])
                design = np.column_stack([np.ones(train.sum()), values[train][:, x_items]])
                beta, *_ = np.linalg.lstsq(design, values[train][:, y_items], rcond=None)
                predicted = np.column_stack([np.ones(test.sum()), values[test][:, x_items]]) @ beta
                for k, item in enumerate(y_items):
                    lm[test, target_idx.index(int(item))] += predicted[:, k]
    pls, lm, naive = pls / len(splits), lm / len(splits), naive / len(splits)
    actual = values[:, target_idx]
    rows = []
    for k, item in enumerate(targets):
        e_pls, e_lm = actual[:, k] - pls[:, k], actual[:, k] - lm[:, k]
        rmse_pls, rmse_lm = float(np.sqrt(np.mean(e_pls**2))), float(np.sqrt(np.mean(e_lm**2)))
        q2 = 1 - float(np.sum(e_pls**2) / np.sum((actual[:, k] - naive[:, k]) ** 2))
        construct = layout.constructs[int(np.flatnonzero(layout.membership[layout.items.index(item)])[0])]
        rows.append((construct, item, rmse_pls, float(np.mean(np.abs(e_pls))), rmse_lm, float(np.mean(np.abs(e_lm))),
                     q2, rmse_pls < rmse_lm))
    metrics = pd.DataFrame(rows, columns=["construct", "item", "pls_rmse", "pls_mae", "lm_rmse", "lm_mae", "q2_predict", "pls_beats_lm"])
    frames = [pd.DataFrame(v, index=data.index, columns=targets) for v in (pls, lm, actual)]
    return PLSPrediction(metrics, *frames, technique, int(len(np.unique(splits[0]))), len(splits))
