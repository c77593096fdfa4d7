"""The KMV model of Morgan & Hunt (1994) as a path analysis, and its rival.

Morgan & Hunt's key mediating variable (KMV) model puts relationship
commitment and trust at the centre of relationship marketing: five antecedents
act on the outcomes *only through* trust and commitment (Morgan & Hunt 1994,
"The commitment-trust theory of relationship marketing", Journal of Marketing
58(3), figure 1, hypotheses H1–H13)::

    commitment ← termination_costs (+), relationship_benefits (+), shared_values (+), trust (+)
    trust      ← shared_values (+), communication (+), opportunistic_behavior (−)
    acquiescence ← commitment (+)          propensity_to_leave ← commitment (−)
    cooperation  ← commitment (+), trust (+)
    functional_conflict ← trust (+)         uncertainty ← trust (−)

The rival model (their figure 2) drops the mediation: the five antecedents,
trust and commitment all act directly on each of the five outcomes. So that
both models describe the same variables (and their AICs compare), the rival
here also has saturated equations for trust (on the antecedents) and
commitment (on the antecedents and trust), not counted among its hypotheses.

Both are :class:`crmlab.stats.PathModel` objects: one OLS regression per
equation on the scale scores, raw and standardised, with direct, indirect and
total effects (Bollen 1987, 1989).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmlab.stats.path_model import Hypothesis, PathModel

__all__ = [
    "ANTECEDENTS",
    "KMV_LAYERS",
    "KMV_PATHS",
    "MEDIATORS",
    "OUTCOMES",
    "compare_path_models",
    "fit_kmv_pls",
    "kmv_model",
    "rival_model",
]

#: The five antecedents of trust and commitment (Morgan & Hunt 1994, figure 1, left column).
ANTECEDENTS = ["termination_costs", "relationship_benefits", "shared_values", "communication", "opportunistic_behavior"]
#: The two key mediating variables.
MEDIATORS = ["trust", "commitment"]
#: The five outcomes of trust and commitment (figure 1, right column).
OUTCOMES = ["acquiescence", "propensity_to_leave", "cooperation", "functional_conflict", "uncertainty"]
#: The constructs in the three columns of Morgan & Hunt's figure: antecedents, mediators, outcomes.
KMV_LAYERS = [ANTECEDENTS, MEDIATORS, OUTCOMES]

#: Morgan & Hunt's (1994) hypotheses H1–H13 of the KMV model.
KMV_PATHS: tuple[Hypothesis, ...] = (
    Hypothesis("H1", "termination_costs", "commitment", +1),
    Hypothesis("H2", "relationship_benefits", "commitment", +1),
    Hypothesis("H3", "shared_values", "commitment", +1),
    Hypothesis("H4", "shared_values", "trust", +1),
    Hypothesis("H5", "communication", "trust", +1),
    Hypothesis("H6", "opportunistic_behavior", "trust", -1),
    Hypothesis("H7", "trust", "commitment", +1),
    Hypothesis("H8", "commitment", "acquiescence", +1),
    Hypothesis("H9", "commitment", "propensity_to_leave", -1),
    Hypothesis("H10", "commitment", "cooperation", +1),
    Hypothesis("H11", "trust", "cooperation", +1),
    Hypothesis("H12", "trust", "functional_conflict", +1),
    Hypothesis("H13", "trust", "uncertainty", -1),
)


def kmv_model() -> PathModel:
    """Morgan & Hunt's KMV model: antecedents → trust, commitment → outcomes (H1–H13).

    >>> from crmlab.theories.trust_commitment import simulate_kmv_survey, scale_scores
    >>> survey = simulate_kmv_survey(500, loading=1.0, items_per_construct=1, discrete=False, rng=1)
    >>> model = kmv_model().fit(scale_scores(survey.responses))
    >>> model.formulas["trust"]
    'trust ~ shared_values + communication + opportunistic_behavior'
    >>> int(model.summary["supported"].sum())
    13
    """
    equations: dict[str, list[str]] = {}
    for h in KMV_PATHS:
        equations.setdefault(h.outcome, []).append(h.predictor)
    order = ["trust", "commitment", *OUTCOMES]
    return PathModel({o: equations[o] for o in order}, KMV_PATHS, name="KMV model")


def rival_model() -> PathModel:
    """The rival model: the five antecedents, trust and commitment act directly on each outcome.

    Expected signs are those the KMV model implies for the total effect
    (e.g. opportunistic behaviour lowers trust, which lowers cooperation:
    −); trust and commitment get saturated equations (see the module docstring).
    """
    signs = {h.predictor + ">" + h.outcome: h.sign for h in KMV_PATHS}
    kmv = kmv_model()
    D, names = kmv.direct_effect_matrix({o: {p: signs[p + ">" + o] for p in ps} for o, ps in kmv.equations.items()})
    implied = np.sign(PathModel.total_effect_matrix(D))
    idx = {v: i for i, v in enumerate(names)}
    predictors = ANTECEDENTS + MEDIATORS
    hypotheses = []
    for outcome in OUTCOMES:
        for p in predictors:
            sign = int(implied[idx[outcome], idx[p]])
            if sign:
                hypotheses.append(Hypothesis(f"R:{p}>{outcome}", p, outcome, sign))
    equations = {"trust": ANTECEDENTS, "commitment": ANTECEDENTS + ["trust"], **{o: predictors for o in OUTCOMES}}
    return PathModel(equations, hypotheses, name="rival model")


def compare_path_models(*models: PathModel) -> pd.DataFrame:
    """Compare fitted path models as Morgan & Hunt (1994) did: variance explained in the outcomes,
    share of hypothesised paths supported, parsimony (number of parameters) and AIC/BIC.

    ``mean_r2_outcomes`` averages R² over the five KMV outcomes where present.
    A model not yet fitted raises :class:`crmlab.stats.NotFittedError`.

    >>> from crmlab.theories.trust_commitment import simulate_kmv_survey, scale_scores
    >>> scores = scale_scores(simulate_kmv_survey(600, loading=1.0, items_per_construct=1, discrete=False, rng=2).responses)
    >>> table = compare_path_models(kmv_model().fit(scores), rival_model().fit(scores))
    >>> table[["model", "hypothesised_paths", "parameters"]].values.tolist()   # slopes + intercept + variance per equation
    [['KMV model', 13, 27], ['rival model', 29, 60]]
    """
    rows = []
    for m in models:
        table = m.summary
        hyp = table[table["hypothesis"] != ""]
        outcomes = [o for o in OUTCOMES if o in m.r_squared_.index]
        rows.append(
            {
                "model": m.name,
                "hypothesised_paths": len(hyp),
                "supported": int(hyp["supported"].sum()),
                "share_supported": float(hyp["supported"].mean()) if len(hyp) else np.nan,
                "parameters": m.n_parameters,
                "mean_r2_outcomes": float(m.r_squared_[outcomes].mean()) if outcomes else np.nan,
                "log_likelihood": m.log_likelihood_,
                "AIC": m.aic_,
                "BIC": m.bic_,
            }
        )
    return pd.DataFrame(rows)


def fit_kmv_pls(survey: pd.DataFrame, *, scheme: str = "path"):
    """The KMV model estimated by PLS path modelling on the items (Wold 1982; Lohmöller 1989).

    Each KMV construct is a reflective (mode A) composite of its items
    ``<construct>_<k>`` (found by :func:`~crmlab.theories.trust_commitment.construct_items`),
    the structure is the 13 paths H1–H13 (:data:`KMV_PATHS`), and respondents
    flagged ``invalid`` by :func:`~crmlab.theories.trust_commitment.validate_survey`
    are left out. PLS weights the items (scale scores weight them equally) and
    stands between OLS on scale scores and the latent-variable SEM: its
    composites still carry measurement error. Returns the
    :class:`crmlab.stats.pls.PLSFit`.

    >>> from crmlab.theories.trust_commitment import simulate_kmv_survey
    >>> fit = fit_kmv_pls(simulate_kmv_survey(300, rng=1).responses)
    >>> len(fit.paths), round(float(fit.path_coefficients.loc["trust", "commitment"]), 2)
    (13, 0.22)
    """
    from crmlab.stats.pls import PLSModel, reflective
    from crmlab.theories.trust_commitment.survey import construct_items

    items = construct_items(survey.columns)
    data = survey[~survey["invalid"]] if "invalid" in survey.columns else survey
    structure = [(h.predictor, h.outcome) for h in KMV_PATHS]
    model = PLSModel({name: reflective(columns) for name, columns in items.items()}, structure)
    return model.fit(data, scheme=scheme)

