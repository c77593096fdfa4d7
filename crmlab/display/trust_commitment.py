"""The trust–commitment report as readers see it: its tables, and its sentences generated from the fitted results.

Morgan & Hunt's (1994) key mediating variable (KMV) model is tested in
:mod:`crmlab.theories.trust_commitment`; this module turns what it returns
into reader tables (construct names in words, coefficients to three decimals,
p-values as "< 0.001", yes/no) and into the sentences of the report. Every
sentence that states a fact about the data — which hypotheses hold, how large
the paths are, whether the scales are reliable, whether mediation holds,
which model the information criteria prefer, what the SEM showed — is made
here from the numbers it states, so it cannot contradict the tables beside
it; a synthetic run states the planted truth next to the estimate.

>>> comparison = pd.DataFrame({"model": ["KMV model", "rival model"], "hypothesised_paths": [13, 29],
...     "supported": [13, 7], "share_supported": [1.0, 7 / 29], "parameters": [27, 60],
...     "mean_r2_outcomes": [0.184, 0.194], "log_likelihood": [-3666.7, -3652.0], "AIC": [7387.5, 7424.0],
...     "BIC": [7495.2, 7663.5]})
>>> print(rival_sentence(comparison))
The rival model explains about the same variance in the five outcomes as the KMV model (mean R² 19.4% against 18.4%) with 60 parameters instead of 27, and only 7 of its 29 hypothesised paths are supported (13 of 13 in the KMV model). Both AIC (7,387.5 against 7,424.0) and BIC (7,495.2 against 7,663.5) are lower for the KMV model: by both criteria the mediating model is the better account.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from crmlab.display.numbers import integer, number, p_value, percent
from crmlab.display.tables import Table, table
from crmlab.display.text import Markdown, compare, join_list, markdown, plural, share
from crmlab.stats.reliability import composite_reliability
from crmlab.theories.trust_commitment.kmv import ANTECEDENTS, OUTCOMES
from crmlab.theories.trust_commitment.survey import KMV_CONSTRUCTS

__all__ = [
    "ALPHA",
    "MEDIATION_TYPES",
    "RELIABILITY_THRESHOLDS",
    "SEM_INSTALL",
    "comparison_table",
    "conclusions",
    "construct_label",
    "correlation_check_sentence",
    "correlation_check_table",
    "flagged_table",
    "hypotheses_sentence",
    "indirect_effects_table",
    "mediation_sentence",
    "mediation_table",
    "mediation_tests_sentence",
    "mediation_types",
    "path_label",
    "path_table",
    "planted_indirect_effects",
    "pls_sentence",
    "reliability_sentence",
    "reliability_table",
    "rival_sentence",
    "sem_fit_table",
    "sem_path_frame",
    "sem_path_table",
    "sem_sentence",
    "survey_sentence",
]

#: Significance level of the path tests (Morgan & Hunt 1994 test at 0.05).
ALPHA = 0.05

#: Rules of thumb for reliable, valid scales: α and CR ≥ 0.7 (Nunnally 1978), AVE ≥ 0.5
#: (Fornell & Larcker 1981), corrected item–total correlation ≥ 0.3.
RELIABILITY_THRESHOLDS: dict[str, float] = {"cronbach_alpha": 0.7, "composite_reliability": 0.7, "ave": 0.5,
                                            "min_item_total": 0.3}
_CRITERIA = {"cronbach_alpha": "Cronbach's α", "composite_reliability": "CR", "ave": "AVE",
             "min_item_total": "the lowest item–total r"}

#: Cut-offs of good fit (Hu & Bentler 1999): index → (comparison, cut-off).
SEM_FIT_CUTOFFS: dict[str, tuple[str, float]] = {"CFI": ("≥", 0.95), "TLI": ("≥", 0.95), "RMSEA": ("≤", 0.06),
                                                 "SRMR": ("≤", 0.08)}

#: How to install the optional SEM (the ``sem`` extra brings semopy).
SEM_INSTALL = "pip install 'crmlab[sem]'"

#: The mediation types of Zhao, Lynch & Chen (2010, "Reconsidering Baron and Kenny", JCR 37(2), figure 2).
MEDIATION_TYPES: dict[str, str] = {
    "indirect-only": "indirect effect significant, direct effect not: full mediation",
    "complementary": "indirect and direct effects significant, same sign: partial mediation",
    "competitive": "indirect and direct effects significant, opposite signs: partial mediation",
    "direct-only": "direct effect significant, indirect effect not: no mediation",
    "no-effect": "neither effect significant",
}


def construct_label(name: str) -> str:
    """The construct's name in words, capitalised: ``propensity_to_leave`` → "Propensity to leave".

    The KMV constructs take their meaning from :data:`KMV_CONSTRUCTS`; another
    name is written with spaces.

    >>> construct_label("termination_costs"), construct_label("uncertainty"), construct_label("price_fairness")
    ('Relationship termination costs', 'Decision-making uncertainty', 'Price fairness')
    """
    words = KMV_CONSTRUCTS.get(name, str(name).replace("_", " "))
    return words[:1].upper() + words[1:]


def path_label(predictor: str, outcome: str) -> str:
    """A path as a reader reads it: "Shared values → trust".

    >>> path_label("commitment", "propensity_to_leave")
    'Relationship commitment → propensity to leave'
    """
    return f"{construct_label(predictor)} → {_lower(outcome)}"


def _lower(name: str) -> str:
    """The construct's name in words, as in a sentence: "propensity to leave"."""
    return KMV_CONSTRUCTS.get(name, str(name).replace("_", " "))


def _in_size(larger: pd.Series, than: pd.Series, larger_name: str, than_name: str) -> tuple[int, str]:
    """How many paths are larger in size in ``larger`` than in ``than``, and the mean sizes in words.

    >>> _in_size(pd.Series([0.3, -0.5]), pd.Series([0.2, -0.6]), "SEM", "OLS")
    (1, 'mean |β| 0.400 for SEM against 0.400 for OLS')
    """
    count = int((larger.abs() > than.abs()).sum())
    return count, (f"mean |β| {number(larger.abs().mean(), 3)} for {larger_name} against "
                   f"{number(than.abs().mean(), 3)} for {than_name}")


def _range(values: pd.Series, digits: int = 3) -> str:
    low, high = float(values.min()), float(values.max())
    if number(low, digits) == number(high, digits):
        return number(low, digits)
    return f"{number(low, digits)} to {number(high, digits)}"


# ----- the data ---------------------------------------------------------------------------------


def survey_sentence(source: str | os.PathLike[str], *, n_respondents: int, n_flagged: int, n_constructs: int,
                    items_per_construct: int | None = None, loading: float | None = None,
                    scale: tuple[int, int] = (1, 7), seed: Any = None) -> Markdown:
    """What the report ran on, chosen by the source: the synthetic survey with its planted truth, or the user's file.

    >>> print(survey_sentence("synthetic", n_respondents=400, n_flagged=0, n_constructs=12, items_per_construct=3,
    ...                       loading=0.8, seed=42))
    The data are a **synthetic survey** (seed 42) of 400 respondents: 12 constructs, each measured by 3 Likert items (1–7) that load 0.80 on it, generated from 13 known standardised paths, which the tables below show beside their estimates. No respondent was flagged.
    >>> print(survey_sentence("data/my survey.csv", n_respondents=250, n_flagged=3, n_constructs=12))
    The data are the survey file **my survey.csv**: 250 respondents, 12 constructs. 3 of 250 (1.2%) respondents were flagged for invalid answers and left out (listed below).
    """
    flagged = ("No respondent was flagged." if n_flagged == 0 else
               f"{share(n_flagged, n_respondents)} respondents were flagged for invalid answers and left out "
               "(listed below).")
    if str(source) == "synthetic":
        return markdown("The data are a **synthetic survey** (seed {seed}) of {n}: {k} constructs, each measured by "
                        "{items} Likert items ({low}–{high}) that load {loading} on it, generated from 13 known "
                        "standardised paths, which the tables below show beside their estimates. {flagged}",
                        seed=seed, n=plural(n_respondents, "respondent"), k=integer(n_constructs),
                        items=integer(items_per_construct), low=scale[0], high=scale[1],
                        loading=number(loading, 2), flagged=flagged)
    return markdown("The data are the survey file **{name}**: {n}, {k} constructs. {flagged}",
                    name=Path(str(source)).name, n=plural(n_respondents, "respondent"),
                    k=integer(n_constructs), flagged=flagged)


def flagged_table(survey: pd.DataFrame, top: int = 10) -> Table:
    """The respondents :func:`~crmlab.theories.trust_commitment.validate_survey` flagged, with what is wrong.

    A survey read without an id column is numbered by its data rows, 1 for
    the first row under the CSV header (as a :class:`~crmlab.data.DataError`
    names them); a named index (``respondent``) is shown as it is.

    >>> survey = pd.DataFrame({"trust_1": [5, 9], "invalid": [False, True], "problems": ["", "trust_1: outside the scale 1–7"]})
    >>> print(flagged_table(survey))
    Respondents flagged for invalid answers and left out
    Data row  Problems
    2         trust_1: outside the scale 1–7
    """
    flagged = survey.loc[survey["invalid"].astype(bool), ["problems"]]
    if isinstance(survey.index, pd.RangeIndex) and survey.index.name is None:
        flagged = flagged.set_axis(flagged.index + 1 - survey.index.start).rename_axis("data_row")
    flagged = flagged.rename_axis(flagged.index.name or "respondent").reset_index()
    return table(flagged, text=list(flagged.columns), top=top,
                 caption="Respondents flagged for invalid answers and left out")


# ----- reliability ------------------------------------------------------------------------------


def reliability_table(reliability: pd.DataFrame) -> Table:
    """The reliability table of :func:`~crmlab.theories.trust_commitment.reliability_table` for readers.

    >>> rel = pd.DataFrame({"construct": ["trust"], "items": [3], "cronbach_alpha": [0.8234], "composite_reliability": [0.8241],
    ...     "ave": [0.6102], "min_item_total": [0.67], "sqrt_ave": [0.7812], "max_correlation": [0.405], "discriminant_ok": [True]})
    >>> print(reliability_table(rel))
    Reliability and discriminant validity of the scales
    Construct  Items  Cronbach's α     CR    AVE  Lowest item–total r  √AVE  Highest r with another construct  √AVE > every r
    Trust          3         0.823  0.824  0.610                0.670  0.781                             0.405             yes
    """
    order = {name: k for k, name in enumerate([*ANTECEDENTS, "trust", "commitment", *OUTCOMES])}
    frame = reliability.assign(_order=reliability["construct"].map(order)).sort_values("_order", kind="stable")
    frame = frame.assign(construct=frame["construct"].map(construct_label)).reset_index(drop=True)
    columns = [c for c in ["construct", "items", "cronbach_alpha", "composite_reliability", "ave", "min_item_total",
                           "sqrt_ave", "max_correlation", "discriminant_ok"] if c in frame.columns]
    labels = {"cronbach_alpha": "Cronbach's α", "composite_reliability": "CR", "ave": "AVE",
              "min_item_total": "Lowest item–total r", "sqrt_ave": "√AVE",
              "max_correlation": "Highest r with another construct", "discriminant_ok": "√AVE > every r"}
    measures = [c for c in columns if c in labels and c != "discriminant_ok"]
    return table(frame[columns], integer=["items"], number=measures, digits={c: 3 for c in measures},
                 labels=labels, top=None, caption="Reliability and discriminant validity of the scales")


def reliability_sentence(reliability: pd.DataFrame, *, loading: float | None = None,
                         items_per_construct: int | None = None) -> Markdown:
    """Whether the scales are reliable and distinct, by the rules of :data:`RELIABILITY_THRESHOLDS` and Fornell &
    Larcker's (1981) √AVE criterion; with the planted ``loading`` of a synthetic survey, its true AVE (λ²) and
    CR (Jöreskog 1971) beside the estimates.

    >>> rel = pd.DataFrame({"construct": ["trust", "commitment"], "items": [3, 3], "cronbach_alpha": [0.82, 0.64],
    ...     "composite_reliability": [0.82, 0.66], "ave": [0.61, 0.41], "min_item_total": [0.67, 0.35],
    ...     "sqrt_ave": [0.78, 0.64], "max_correlation": [0.41, 0.41], "discriminant_ok": [True, True]})
    >>> print(reliability_sentence(rel))
    1 of 2 scales falls short: Cronbach's α below 0.7 for relationship commitment (0.640); CR below 0.7 for relationship commitment (0.660); AVE below 0.5 for relationship commitment (0.410). Every scale's √AVE exceeds its correlations with the other scales (Fornell & Larcker 1981): the constructs are distinct.
    """
    measured = reliability.dropna(subset=["cronbach_alpha"]) if "cronbach_alpha" in reliability else reliability.iloc[:0]
    single = reliability.loc[~reliability.index.isin(measured.index), "construct"].tolist()
    parts = []
    failing: set[str] = set()
    for column, cutoff in RELIABILITY_THRESHOLDS.items():
        low = measured[measured[column] < cutoff]
        if len(low):
            failing |= set(low["construct"])
            names = join_list(f"{_lower(c)} ({number(v, 3)})" for c, v in zip(low["construct"], low[column], strict=True))
            parts.append(f"{_CRITERIA[column]} below {number(cutoff, 1)} for {names}")
    n = len(measured)
    if n == 0:
        text = "No scale has two or more items, so no reliability can be estimated."
    elif not parts:
        text = (f"All {plural(n, 'scale')} meet every rule: Cronbach's α {_range(measured['cronbach_alpha'])}, "
                f"CR {_range(measured['composite_reliability'])} (both ≥ 0.7), AVE {_range(measured['ave'])} (≥ 0.5) "
                f"and item–total correlations of at least {number(measured['min_item_total'].min(), 3)} (≥ 0.3).")
        if n == 1:
            text = text.replace("All 1 scale meet", "The one scale meets")
    else:
        verb = "falls" if len(failing) == 1 else "fall"
        text = f"{len(failing)} of {plural(n, 'scale')} {verb} short: " + "; ".join(parts) + "."
    if len(measured) and "discriminant_ok" in measured:
        not_distinct = measured[~measured["discriminant_ok"].astype(bool)]
        if len(not_distinct):
            names = join_list(f"{_lower(c)} (√AVE {number(s, 3)} against r = {number(r, 3)})" for c, s, r in
                              zip(not_distinct["construct"], not_distinct["sqrt_ave"], not_distinct["max_correlation"],
                                  strict=True))
            text += f" Discriminant validity fails for {names}: these scales overlap with another (Fornell & Larcker 1981)."
        else:
            text += (" Every scale's √AVE exceeds its correlations with the other scales (Fornell & Larcker 1981): "
                     "the constructs are distinct.")
    if single:
        text += f" Reliability cannot be estimated for {join_list(_lower(c) for c in single)} (a single item)."
    if loading is not None and items_per_construct and len(measured):
        true_cr = composite_reliability([loading] * int(items_per_construct))
        where = compare(measured["ave"].mean(), loading**2, "above", "below", "around", tolerance=0.02)
        text += (f" The survey was generated with every item loading {number(loading, 2)} on its construct, so the "
                 f"true AVE is {number(loading**2, 3)} and the true CR of {integer(items_per_construct)} items "
                 f"{number(true_cr, 3)}; the estimates (AVE {_range(measured['ave'])}, CR "
                 f"{_range(measured['composite_reliability'])}) lie {where} the truth.")
    return markdown("{text}", text=text)


# ----- the paths --------------------------------------------------------------------------------


def _hypothesis_order(paths: pd.DataFrame) -> pd.DataFrame:
    number_of = paths["hypothesis"].str.extract(r"^H(\d+)$", expand=False).astype(float)
    ordered = paths.assign(_order=number_of.fillna(np.inf)).sort_values("_order", kind="stable")
    return ordered.drop(columns="_order").reset_index(drop=True)


def _with_truth(paths: pd.DataFrame, truth: Mapping[tuple[str, str], float] | None) -> pd.DataFrame:
    if truth is None:
        return paths
    return paths.assign(true_path=[truth.get((p, o), np.nan) for p, o in zip(paths["predictor"], paths["outcome"],
                                                                                strict=True)])


def path_table(paths: pd.DataFrame, truth: Mapping[tuple[str, str], float] | None = None) -> Table:
    """The path table of a fitted :class:`~crmlab.theories.trust_commitment.PathModel` for readers, H1 first;
    ``truth`` (a synthetic survey's paths) adds the true standardised path beside each estimate.

    >>> paths = pd.DataFrame({"outcome": ["trust"], "predictor": ["communication"], "hypothesis": ["H5"],
    ...     "expected_sign": [1], "estimate": [0.3531], "std_estimate": [0.3441], "se": [0.0476], "t": [7.2],
    ...     "p": [3.3e-12], "ci_low": [0.2506], "ci_high": [0.4377], "r_squared": [0.2004], "supported": [True]})
    >>> print(path_table(paths, truth={("communication", "trust"): 0.45}))
    Hypothesised paths: OLS regressions on the scale scores, beside the planted paths
    Hypothesis  Path                   Expected sign  B (raw)      β  SE of β        p  β 95% CI low  β 95% CI high  R² of the equation  Supported  True β
    H5          Communication → trust              +    0.353  0.344    0.048  < 0.001         0.251          0.438               0.200        yes   0.450
    """
    frame = _with_truth(_hypothesis_order(paths), truth)
    frame = frame.assign(path=[path_label(p, o) for p, o in zip(frame["predictor"], frame["outcome"], strict=True)],
                         expected_sign=frame["expected_sign"].map({1: "+", -1: "−", 0: ""}))
    columns = ["hypothesis", "path", "expected_sign", "estimate", "std_estimate", "se", "p", "ci_low", "ci_high",
               "r_squared", "supported"] + (["true_path"] if truth is not None else [])
    coefficients = ["estimate", "std_estimate", "se", "ci_low", "ci_high", "r_squared"] + (
        ["true_path"] if truth is not None else [])
    labels = {"estimate": "B (raw)", "std_estimate": "β", "se": "SE of β", "ci_low": "β 95% CI low",
              "ci_high": "β 95% CI high", "r_squared": "R² of the equation", "true_path": "True β",
              "expected_sign": "Expected sign"}
    caption = "Hypothesised paths: OLS regressions on the scale scores" + (
        ", beside the planted paths" if truth is not None else "")
    return table(frame[columns], number=coefficients, digits={c: 3 for c in coefficients}, text=["expected_sign"],
                 p_value=["p"], labels=labels, top=None, caption=caption)


def hypotheses_sentence(paths: pd.DataFrame, truth: Mapping[tuple[str, str], float] | None = None) -> Markdown:
    """Which hypotheses hold (expected sign and p < 0.05), which do not and why, the strongest path, the variance
    explained; with ``truth``, whether the 95% intervals cover the planted paths and whether the estimates are
    smaller in size than the truth (attenuation).

    >>> paths = pd.DataFrame({"outcome": ["trust", "trust"], "predictor": ["communication", "opportunistic_behavior"],
    ...     "hypothesis": ["H5", "H6"], "expected_sign": [1, -1], "std_estimate": [0.34, 0.05], "p": [0.0001, 0.40],
    ...     "ci_low": [0.25, -0.05], "ci_high": [0.44, 0.15], "r_squared": [0.2, 0.2], "supported": [True, False]})
    >>> print(hypotheses_sentence(paths))
    1 of 2 hypotheses is supported (the expected sign and p < 0.05). Not supported: H6, opportunistic behaviour → trust (β = 0.050, p = 0.400; expected negative, estimated positive, and not significant). The strongest path is H5, communication → trust (β = 0.340). The equation of trust explains 20.0% of its variance.
    """
    hyp = _hypothesis_order(paths[paths["hypothesis"] != ""])
    n, n_supported = len(hyp), int(hyp["supported"].sum())
    verb = "is" if n_supported == 1 else "are"
    text = f"{n_supported} of {plural(n, 'hypothesis', 'hypotheses')} {verb} supported (the expected sign and p < 0.05)."
    failed = hyp[~hyp["supported"].astype(bool)]
    if len(failed):
        reasons = []
        for row in failed.itertuples():
            why = []
            if np.sign(row.std_estimate) != row.expected_sign:
                expected = "positive" if row.expected_sign > 0 else "negative"
                got = "positive" if row.std_estimate > 0 else "negative"
                why.append(f"expected {expected}, estimated {got}")
            if row.p >= ALPHA:
                why.append("not significant")
            reasons.append(f"{row.hypothesis}, {_lower(row.predictor)} → {_lower(row.outcome)} "
                           f"(β = {number(row.std_estimate, 3)}, p = {p_value(row.p)}; {', and '.join(why)})")
        text += " Not supported: " + "; ".join(reasons) + "."
    if n:
        top = hyp.loc[hyp["std_estimate"].abs().idxmax()]
        text += (f" The strongest path is {top['hypothesis']}, {_lower(top['predictor'])} → {_lower(top['outcome'])} "
                 f"(β = {number(top['std_estimate'], 3)}).")
    r2 = paths.groupby("outcome", sort=False)["r_squared"].first()
    if len(r2) == 1:
        text += f" The equation of {_lower(r2.index[0])} explains {percent(r2.iloc[0])} of its variance."
    elif len(r2) > 1:
        low, high = r2.idxmin(), r2.idxmax()
        text += (f" The equations explain from {percent(r2[low])} ({_lower(low)}) to {percent(r2[high])} "
                 f"({_lower(high)}) of their outcome's variance.")
    if truth is not None and n:
        known = _with_truth(hyp, truth).dropna(subset=["true_path"])
        covered = int(((known["ci_low"] <= known["true_path"]) & (known["true_path"] <= known["ci_high"])).sum())
        smaller, sizes = _in_size(known["true_path"], known["std_estimate"], "the truth", "the estimates")
        text += (f" Against the planted paths: the 95% interval covers the true value for {covered} of {len(known)}, "
                 f"and {smaller} of {len(known)} estimates are smaller in size than the truth ({sizes})")
        if smaller > len(known) / 2:
            text += ": measurement error in the scale scores attenuates the paths."
        else:
            text += ": no sign of attenuation here."
    return markdown("{text}", text=text)


def planted_indirect_effects(truth: Mapping[tuple[str, str], float]) -> pd.DataFrame:
    """The indirect effects a recursive path model with standardised paths ``truth`` implies: for each cause and
    outcome, the sum over the routes from one to the other through other variables of the product of the paths on
    the route (Wright 1934; Bollen 1987: indirect = (I − D)⁻¹ − I − D, with D the direct paths).

    For a synthetic survey (:func:`~crmlab.theories.trust_commitment.simulate_kmv_survey`'s ``paths``) these are the
    planted indirect effects the bootstrap intervals should cover; a pair with no route has none planted.

    >>> truth = {("a", "m"): 0.5, ("m", "y"): 0.4, ("a", "y"): 0.1}
    >>> planted_indirect_effects(truth).round(3).to_dict("records")
    [{'cause': 'a', 'outcome': 'y', 'indirect': 0.2}]
    """
    names = list(dict.fromkeys(name for pair in truth for name in pair))
    idx = {name: k for k, name in enumerate(names)}
    direct = np.zeros((len(names), len(names)))  # direct[i, j]: the path from j to i
    for (cause, outcome), value in truth.items():
        direct[idx[outcome], idx[cause]] = value
    indirect = np.linalg.inv(np.eye(len(names)) - direct) - np.eye(len(names)) - direct
    rows = [{"cause": c, "outcome": o, "indirect": float(indirect[idx[o], idx[c]])} for o in names for c in names
            if abs(indirect[idx[o], idx[c]]) > 1e-12]
    return pd.DataFrame(rows, columns=["cause", "outcome", "indirect"])


def _with_planted_indirect(frame: pd.DataFrame, truth: Mapping[tuple[str, str], float] | None) -> pd.DataFrame:
    """``frame`` (``cause``, ``outcome``) with the planted indirect effect of each pair (0 where no route was
    planted), or as it is without a truth."""
    if truth is None:
        return frame
    planted = planted_indirect_effects(truth).set_index(["cause", "outcome"])["indirect"]
    return frame.assign(true_indirect=[float(planted.get((c, o), 0.0))
                                       for c, o in zip(frame["cause"], frame["outcome"], strict=True)])


def indirect_effects_table(indirect: pd.DataFrame, truth: Mapping[tuple[str, str], float] | None = None) -> Table:
    """Indirect effects of the KMV model (:meth:`~crmlab.theories.trust_commitment.PathModel.indirect_effects`) for
    readers, by outcome; ``truth`` (a synthetic survey's paths) adds the planted indirect effect of each pair
    (:func:`planted_indirect_effects`).

    >>> indirect = pd.DataFrame({"cause": ["communication"], "outcome": ["cooperation"], "indirect": [0.131],
    ...                          "ci_low": [0.085], "ci_high": [0.181], "significant": [True]})
    >>> print(indirect_effects_table(indirect))
    Indirect effects in the KMV model (no direct paths from antecedents to outcomes)
    Cause          Outcome      Indirect effect (β)  95% CI low  95% CI high  Interval excludes 0
    Communication  Cooperation                0.131       0.085        0.181                  yes
    """
    order = {name: k for k, name in enumerate(ANTECEDENTS + ["trust", "commitment"] + OUTCOMES)}
    frame = _with_planted_indirect(indirect, truth)
    frame = frame.assign(_o=frame["outcome"].map(order), _c=frame["cause"].map(order))
    frame = frame.sort_values(["_o", "_c"], kind="stable")
    frame = frame.assign(cause=frame["cause"].map(construct_label), outcome=frame["outcome"].map(construct_label))
    numbers = ["indirect", "ci_low", "ci_high"] + (["true_indirect"] if truth is not None else [])
    columns = ["cause", "outcome", *numbers[:3], "significant", *numbers[3:]]
    labels = {"indirect": "Indirect effect (β)", "ci_low": "95% CI low", "ci_high": "95% CI high",
              "significant": "Interval excludes 0", "true_indirect": "True indirect effect (β)"}
    caption = "Indirect effects in the KMV model (no direct paths from antecedents to outcomes)" + (
        ", beside the planted ones" if truth is not None else "")
    return table(frame[columns], number=numbers, digits={c: 3 for c in numbers}, labels=labels, top=None, index=False,
                 caption=caption)


# ----- mediation --------------------------------------------------------------------------------


def mediation_types(indirect: pd.DataFrame, paths: pd.DataFrame, *, claimed: pd.DataFrame | None = None,
                    causes: list[str] | None = None, outcomes: list[str] | None = None,
                    alpha: float = ALPHA, truth: Mapping[tuple[str, str], float] | None = None) -> pd.DataFrame:
    """The mediation type of each cause–outcome pair (Zhao, Lynch & Chen 2010, figure 2; :data:`MEDIATION_TYPES`),
    and whether it is the type the KMV model claims.

    ``indirect`` and ``paths`` come from one fitted model that has both the
    direct paths and the routes through the mediators — Morgan & Hunt's rival
    model: its :meth:`~crmlab.theories.trust_commitment.PathModel.indirect_effects`
    (significant when the bootstrap interval excludes 0) and its path ``table``
    (the direct path is significant when p < ``alpha``). ``claimed`` lists the
    pairs the KMV model links through trust and commitment (its own
    ``indirect_effects`` or ``effects()`` with a non-zero ``indirect``): for
    them it claims *indirect-only* (full) mediation, for every other pair *no
    effect*; ``kmv_claim`` and ``as_claimed`` say so and whether the data agree. ``truth`` (a synthetic survey's
    paths) adds ``true_indirect``, the planted indirect effect of each pair (:func:`planted_indirect_effects`).

    >>> indirect = pd.DataFrame({"cause": ["shared_values", "communication"], "outcome": ["cooperation"] * 2,
    ...                          "indirect": [0.13, 0.12], "ci_low": [0.08, 0.07], "ci_high": [0.18, 0.17],
    ...                          "significant": [True, True]})
    >>> paths = pd.DataFrame({"predictor": ["shared_values", "communication"], "outcome": ["cooperation"] * 2,
    ...                       "std_estimate": [0.02, 0.10], "p": [0.70, 0.04]})
    >>> claimed = pd.DataFrame({"cause": ["shared_values", "communication"], "outcome": ["cooperation"] * 2, "indirect": [0.1, 0.1]})
    >>> mediation_types(indirect, paths, claimed=claimed)[["cause", "mediation", "as_claimed"]].to_numpy().tolist()
    [['shared_values', 'indirect-only', True], ['communication', 'complementary', False]]
    """
    causes = ANTECEDENTS if causes is None else list(causes)
    outcomes = OUTCOMES if outcomes is None else list(outcomes)
    direct = paths.set_index(["predictor", "outcome"])
    via = indirect.set_index(["cause", "outcome"])
    routes = None if claimed is None else set(
        zip(claimed.loc[claimed["indirect"].abs() > 1e-15, "cause"], claimed.loc[claimed["indirect"].abs() > 1e-15, "outcome"],
            strict=True))
    rows = []
    for outcome in outcomes:
        for cause in causes:
            if (cause, outcome) not in via.index and (cause, outcome) not in direct.index:
                continue
            ind = via.loc[(cause, outcome)] if (cause, outcome) in via.index else None
            dir_ = direct.loc[(cause, outcome)] if (cause, outcome) in direct.index else None
            ind_sig = bool(ind is not None and ind["significant"])
            dir_sig = bool(dir_ is not None and dir_["p"] < alpha)
            if ind_sig and dir_sig:
                kind = "complementary" if np.sign(ind["indirect"]) == np.sign(dir_["std_estimate"]) else "competitive"
            elif ind_sig:
                kind = "indirect-only"
            elif dir_sig:
                kind = "direct-only"
            else:
                kind = "no-effect"
            row = {"cause": cause, "outcome": outcome,
                   "indirect": np.nan if ind is None else float(ind["indirect"]),
                   "indirect_ci_low": np.nan if ind is None else float(ind["ci_low"]),
                   "indirect_ci_high": np.nan if ind is None else float(ind["ci_high"]),
                   "direct": np.nan if dir_ is None else float(dir_["std_estimate"]),
                   "direct_p": np.nan if dir_ is None else float(dir_["p"]),
                   "mediation": kind}
            if routes is not None:
                row["kmv_claim"] = "indirect-only" if (cause, outcome) in routes else "no-effect"
                row["as_claimed"] = row["kmv_claim"] == kind
            rows.append(row)
    columns = ["cause", "outcome", "indirect", "indirect_ci_low", "indirect_ci_high", "direct", "direct_p", "mediation"]
    types = pd.DataFrame(rows, columns=columns + ([] if routes is None else ["kmv_claim", "as_claimed"]))
    if truth is not None:
        types = _with_planted_indirect(types, truth)
        types.insert(5, "true_indirect", types.pop("true_indirect"))
    return types


def mediation_table(types: pd.DataFrame) -> Table:
    """The mediation types of :func:`mediation_types` for readers.

    >>> types = pd.DataFrame({"cause": ["shared_values"], "outcome": ["cooperation"], "indirect": [0.133],
    ...     "indirect_ci_low": [0.087], "indirect_ci_high": [0.179], "direct": [0.021], "direct_p": [0.7],
    ...     "mediation": ["indirect-only"], "kmv_claim": ["indirect-only"], "as_claimed": [True]})
    >>> print(mediation_table(types))
    Mediation in the rival model, where every antecedent may also act directly (Zhao, Lynch & Chen 2010), against the KMV model's claims
    Antecedent     Outcome      Indirect effect (β)  95% CI low  95% CI high  Direct effect (β)  p of the direct effect  Mediation      KMV model claims  As claimed
    Shared values  Cooperation                0.133       0.087        0.179              0.021                   0.700  indirect-only  indirect-only     yes
    """
    frame = types.assign(cause=types["cause"].map(construct_label), outcome=types["outcome"].map(construct_label))
    numbers = [c for c in ("indirect", "indirect_ci_low", "indirect_ci_high", "true_indirect", "direct") if c in frame]
    labels = {"cause": "Antecedent", "indirect": "Indirect effect (β)", "indirect_ci_low": "95% CI low",
              "indirect_ci_high": "95% CI high", "true_indirect": "True indirect effect (β)",
              "direct": "Direct effect (β)", "direct_p": "p of the direct effect", "kmv_claim": "KMV model claims",
              "as_claimed": "As claimed"}
    caption = "Mediation in the rival model, where every antecedent may also act directly (Zhao, Lynch & Chen 2010)"
    if "kmv_claim" in frame:
        caption += ", against the KMV model's claims"
    return table(frame, number=numbers, digits={c: 3 for c in numbers}, p_value=["direct_p"], labels=labels, top=None,
                 index=False, caption=caption)


def _agreement(agree: int, n: int) -> str:
    """ "16 of 21 (76.2%), most of them": how many agree, and the word for it."""
    word = ("all of them" if agree == n else "none of them" if agree == 0 else "most of them" if agree > n / 2
            else "half of them" if agree == n / 2 else "fewer than half")
    return f"{share(agree, n)}, {word}"


def mediation_sentence(types: pd.DataFrame) -> Markdown:
    """How many cause–outcome pairs are mediated, and how (Zhao, Lynch & Chen 2010), and, when the frame has the
    KMV model's claims (:func:`mediation_types` with ``claimed``), for how many pairs the data agree with them.

    >>> types = pd.DataFrame({"cause": ["a", "b", "c"], "outcome": ["x"] * 3,
    ...                       "mediation": ["indirect-only", "indirect-only", "complementary"],
    ...                       "kmv_claim": ["indirect-only"] * 3, "as_claimed": [True, True, False]})
    >>> print(mediation_sentence(types))
    Of 3 antecedent–outcome pairs, 2 (66.7%) are mediated by trust and commitment alone (indirect-only: the indirect effect's bootstrap interval excludes 0 and the rival model's direct path is not significant) and 1 (33.3%) partly (complementary) (Zhao, Lynch & Chen 2010). The KMV model claims full mediation for the 3 pairs it links through trust and commitment: the data agree for 2 of 3 (66.7%), most of them.
    """
    n = len(types)
    if n == 0:
        return markdown("No antecedent–outcome pair could be tested for mediation.")
    counts = types["mediation"].value_counts()
    phrases = {
        "indirect-only": "are mediated by trust and commitment alone (indirect-only: the indirect effect's bootstrap "
                         "interval excludes 0 and the rival model's direct path is not significant)",
        "complementary": "partly (complementary)",
        "competitive": "partly, with a direct effect of the opposite sign (competitive)",
        "direct-only": "act directly only (direct-only: no mediation)",
        "no-effect": "show neither effect (no-effect)",
    }
    parts = [f"{integer(counts[kind])} ({percent(counts[kind] / n)}) {phrase}" for kind, phrase in phrases.items()
             if kind in counts]
    text = f"Of {plural(n, 'antecedent–outcome pair')}, {join_list(parts)} (Zhao, Lynch & Chen 2010)."
    if "as_claimed" in types:
        linked, other = types[types["kmv_claim"] == "indirect-only"], types[types["kmv_claim"] == "no-effect"]
        if len(linked):
            text += (f" The KMV model claims full mediation for the {integer(len(linked))} "
                     f"{'pair' if len(linked) == 1 else 'pairs'} it links through trust and commitment: the data agree "
                     f"for {_agreement(int(linked['as_claimed'].sum()), len(linked))}.")
        if len(other):
            text += (f" {'It' if len(linked) else 'The KMV model'} claims no effect for the other "
                     f"{integer(len(other))}: the data agree for {_agreement(int(other['as_claimed'].sum()), len(other))}.")
    return markdown("{text}", text=text)


def _pair_list(frame: pd.DataFrame) -> str:
    """Cause–outcome pairs as a phrase: "opportunistic behaviour → acquiescence and communication → cooperation"."""
    return join_list(f"{_lower(c)} → {_lower(o)}" for c, o in zip(frame["cause"], frame["outcome"], strict=True))


def _excludes_zero(low: pd.Series, high: pd.Series) -> pd.Series:
    return (low > 0) | (high < 0)


def mediation_tests_sentence(kmv_indirect: pd.DataFrame, types: pd.DataFrame) -> Markdown:
    """What the two mediation tests each ask, and where and why they disagree.

    The KMV model's indirect effects (``kmv_indirect``, its
    :meth:`~crmlab.theories.trust_commitment.PathModel.indirect_effects`) test each route through trust and
    commitment inside a model with no direct path from an antecedent to an outcome; :func:`mediation_types`
    (``types``) tests it inside the rival model, where every antecedent also acts directly on commitment and on
    every outcome (Morgan & Hunt 1994), so a route counts only if it remains beside those direct paths. The sentence
    counts the pairs on which the two intervals agree (both exclude 0, or neither), names those on which they do
    not, compares the intervals' widths and the estimates' sizes there (medians), and names the pairs only the rival
    model tests. When ``types`` has the planted indirect effects (``true_indirect``, a synthetic survey), it says
    which test the truth bears out.

    >>> kmv = pd.DataFrame({"cause": ["a", "b"], "outcome": ["y", "y"], "indirect": [0.10, -0.02],
    ...                     "ci_low": [0.05, -0.03], "ci_high": [0.15, -0.01], "significant": [True, True]})
    >>> types = pd.DataFrame({"cause": ["a", "b", "c"], "outcome": ["y", "y", "y"], "indirect": [0.11, -0.03, 0.01],
    ...                       "indirect_ci_low": [0.04, -0.08, -0.03], "indirect_ci_high": [0.17, 0.02, 0.05],
    ...                       "true_indirect": [0.1, -0.04, 0.0]})
    >>> print(mediation_tests_sentence(kmv, types))
    The two mediation tables test different things: the first tests each route through trust and commitment inside the KMV model, which has no direct path from an antecedent to an outcome; the second tests it inside the rival model, where every antecedent also acts directly on commitment and on every outcome, so a route counts only if it remains beside those direct paths. The two agree on 1 of the 2 pairs both test. For 1 pair the KMV model's interval excludes 0 and the rival model's does not (b → y); there the rival model's intervals are wider (median width 0.100 against 0.020) and its estimates larger in size (median |β| 0.030 against 0.020). The 1 pair the KMV model does not link (c → y) has no route in it: only the rival model tests it. In this synthetic survey the 1 pair that only the KMV model finds has a planted indirect effect (-0.040): the rival model's test misses it.
    """
    if len(types) == 0 or len(kmv_indirect) == 0:
        return markdown("The two mediation tests cannot be set side by side: one of them has no antecedent–outcome pair.")
    kmv = kmv_indirect[["cause", "outcome", "indirect", "ci_low", "ci_high"]].rename(
        columns={"indirect": "kmv", "ci_low": "kmv_low", "ci_high": "kmv_high"})
    both = types.merge(kmv, on=["cause", "outcome"], how="inner")
    only_rival_tests = types.merge(kmv[["cause", "outcome"]], on=["cause", "outcome"], how="left", indicator=True)
    only_rival_tests = only_rival_tests[only_rival_tests["_merge"] == "left_only"]
    kmv_finds = _excludes_zero(both["kmv_low"], both["kmv_high"])
    rival_finds = _excludes_zero(both["indirect_ci_low"], both["indirect_ci_high"])
    text = ("The two mediation tables test different things: the first tests each route through trust and commitment "
            "inside the KMV model, which has no direct path from an antecedent to an outcome; the second tests it "
            "inside the rival model, where every antecedent also acts directly on commitment and on every outcome, so "
            "a route counts only if it remains beside those direct paths.")
    n = len(both)
    disagree = {"KMV": both[kmv_finds & ~rival_finds], "rival": both[~kmv_finds & rival_finds]}
    agree = n - sum(len(f) for f in disagree.values())
    text += (f" The two agree on {'all ' if agree == n else ''}{integer(agree)}{'' if agree == n else ' of the ' + integer(n)} "
             f"{'pair' if n == 1 else 'pairs'} both test.")
    for finder, frame in disagree.items():
        if frame.empty:
            continue
        other = "rival" if finder == "KMV" else "KMV"
        k = len(frame)
        width_rival = float((frame["indirect_ci_high"] - frame["indirect_ci_low"]).median())
        width_kmv = float((frame["kmv_high"] - frame["kmv_low"]).median())
        size_rival, size_kmv = float(frame["indirect"].abs().median()), float(frame["kmv"].abs().median())
        wider = compare(width_rival, width_kmv, "wider", "narrower", "about as wide", tolerance=0.0005)
        larger = compare(size_rival, size_kmv, "larger", "smaller", "about the same", tolerance=0.0005)
        text += (f" For {plural(k, 'pair')} the {finder} model's interval excludes 0 and the {other} model's does not "
                 f"({_pair_list(frame)}); there the rival model's intervals are {wider} (median width "
                 f"{number(width_rival, 3)} against {number(width_kmv, 3)}) and its estimates {larger} in size (median "
                 f"|β| {number(size_rival, 3)} against {number(size_kmv, 3)}).")
    if len(only_rival_tests):
        m = len(only_rival_tests)
        text += (f" The {plural(m, 'pair')} the KMV model does not link ({_pair_list(only_rival_tests)}) "
                 f"{'has' if m == 1 else 'have'} no route in it: only the rival model tests {'it' if m == 1 else 'them'}.")
    if "true_indirect" in types:
        for finder, frame in disagree.items():
            if frame.empty:
                continue
            other = "rival" if finder == "KMV" else "KMV"
            planted = frame[frame["true_indirect"].abs() > 1e-12]
            absent = frame[frame["true_indirect"].abs() <= 1e-12]
            whom = f"the {plural(len(frame), 'pair')} that only the {finder} model finds"
            if len(planted) == len(frame):
                verb = "has a planted indirect effect" if len(frame) == 1 else "have planted indirect effects"
                text += (f" In this synthetic survey {whom} {verb} ({join_list(number(planted['true_indirect'], 3))}): the {other} "
                         f"model's test misses {'it' if len(frame) == 1 else 'them'}.")
            elif planted.empty:
                text += (f" In this synthetic survey {whom} {'has' if len(frame) == 1 else 'have'} no indirect effect "
                         f"planted: the {finder} model's "
                         f"{'interval is a false detection' if len(frame) == 1 else 'intervals are false detections'}.")
            else:
                text += (f" In this synthetic survey, of {whom}, {_pair_list(planted)} "
                         f"{'has' if len(planted) == 1 else 'have'} a planted indirect effect (the {other} model misses "
                         f"{'it' if len(planted) == 1 else 'them'}) and {_pair_list(absent)} "
                         f"{'has' if len(absent) == 1 else 'have'} none (the {finder} model's false "
                         f"{'detection' if len(absent) == 1 else 'detections'}).")
    return markdown("{text}", text=text)


# ----- the rival model --------------------------------------------------------------------------


def comparison_table(comparison: pd.DataFrame) -> Table:
    """The model comparison of :func:`~crmlab.theories.trust_commitment.compare_path_models` for readers.

    >>> comparison = pd.DataFrame({"model": ["KMV model"], "hypothesised_paths": [13], "supported": [13],
    ...     "share_supported": [1.0], "parameters": [27], "mean_r2_outcomes": [0.1843], "log_likelihood": [-3666.736],
    ...     "AIC": [7387.472], "BIC": [7495.242]})
    >>> print(comparison_table(comparison))
    The KMV model against its rival (lower AIC and BIC are better)
    Model      Hypothesised paths  Supported  Share supported  Parameters  Mean R² of the outcomes  Log-likelihood      AIC      BIC
    KMV model                  13         13           100.0%          27                    18.4%        -3,666.7  7,387.5  7,495.2
    """
    labels = {"mean_r2_outcomes": "Mean R² of the outcomes"}
    comparison = comparison.assign(model=[str(m)[:1].upper() + str(m)[1:] for m in comparison["model"]])
    return table(comparison, integer=["hypothesised_paths", "supported", "parameters"],
                 percent=["share_supported", "mean_r2_outcomes"], number=["log_likelihood", "AIC", "BIC"],
                 digits={"log_likelihood": 1, "AIC": 1, "BIC": 1}, labels=labels, top=None,
                 caption="The KMV model against its rival (lower AIC and BIC are better)")


def rival_sentence(comparison: pd.DataFrame, kmv: str = "KMV model", rival: str = "rival model") -> Markdown:
    """The KMV model against its rival (Morgan & Hunt 1994): variance explained, hypotheses supported, parsimony,
    and which model AIC and BIC prefer (lower is better). See the module docstring for an example."""
    rows = comparison.set_index("model")
    k, r = rows.loc[kmv], rows.loc[rival]
    more = compare(r["mean_r2_outcomes"], k["mean_r2_outcomes"], "more", "less", "about the same", tolerance=0.02)
    only = "only " if r["share_supported"] < k["share_supported"] else ""
    text = (f"The rival model explains {more} variance in the five outcomes {'as' if more == 'about the same' else 'than'} "
            f"the KMV model (mean R² {percent(r['mean_r2_outcomes'])} against {percent(k['mean_r2_outcomes'])}) with "
            f"{integer(r['parameters'])} parameters instead of {integer(k['parameters'])}, and {only}"
            f"{integer(r['supported'])} of its {integer(r['hypothesised_paths'])} hypothesised paths are supported "
            f"({integer(k['supported'])} of {integer(k['hypothesised_paths'])} in the KMV model).")
    aic_kmv, bic_kmv = k["AIC"] < r["AIC"], k["BIC"] < r["BIC"]
    aic = f"AIC ({number(k['AIC'], 1)} against {number(r['AIC'], 1)})"
    bic = f"BIC ({number(k['BIC'], 1)} against {number(r['BIC'], 1)})"
    if aic_kmv and bic_kmv:
        text += f" Both {aic} and {bic} are lower for the KMV model: by both criteria the mediating model is the better account."
    elif not aic_kmv and not bic_kmv:
        text += (f" Both {aic} and {bic} are lower for the rival model: by both criteria the direct effects are worth "
                 "their extra parameters, and the mediating model is not the better account of these data.")
    else:
        winner_aic = "KMV" if aic_kmv else "rival"
        winner_bic = "KMV" if bic_kmv else "rival"
        text += (f" The criteria disagree: {aic} prefers the {winner_aic} model, {bic}, which penalises parameters "
                 f"more, the {winner_bic} model.")
    return markdown("{text}", text=text)


# ----- the latent-variable SEM ------------------------------------------------------------------


def sem_fit_table(fit: pd.Series) -> Table:
    """The fit indices of :func:`~crmlab.theories.trust_commitment.fit_sem` with Hu & Bentler's (1999) cut-offs.

    >>> fit = pd.Series({"CFI": 1.0, "TLI": 1.0055, "RMSEA": 0.0, "SRMR": 0.0371, "chi2": 541.998, "df": 571.0,
    ...                  "chi2_p": 0.803, "AIC": 187.29, "BIC": 566.479})
    >>> print(table_text := sem_fit_table(fit))  # doctest: +NORMALIZE_WHITESPACE
    Fit of the latent-variable SEM to the item covariances (cut-offs: Hu & Bentler 1999)
    Index                Value  Good fit  Met
    CFI                  1.000    ≥ 0.95  yes
    TLI                  1.006    ≥ 0.95  yes
    RMSEA                0.000    ≤ 0.06  yes
    SRMR                 0.037    ≤ 0.08  yes
    χ²                 541.998              –
    Degrees of freedom     571              –
    p of χ²              0.803              –
    AIC                187.290              –
    BIC                566.479              –
    """
    names = {"chi2": "χ²", "df": "Degrees of freedom", "chi2_p": "p of χ²"}
    kinds = {"df": "integer", "chi2_p": "p_value"}
    rows = []
    for name, value in fit.items():
        rule = SEM_FIT_CUTOFFS.get(str(name))
        met = None
        if rule is not None and not pd.isna(value):
            met = bool(value >= rule[1]) if rule[0] == "≥" else bool(value <= rule[1])
        rows.append({"index": names.get(str(name), str(name)), "value": float(value),
                     "good_fit": f"{rule[0]} {number(rule[1], 2)}" if rule else "", "met": met})
    frame = pd.DataFrame(rows)
    return table(frame, row_kinds={"value": [kinds.get(str(n), "number") for n in fit.index]}, digits={"value": 3},
                 text=["good_fit"], labels={"good_fit": "Good fit", "met": "Met"}, top=None,
                 caption="Fit of the latent-variable SEM to the item covariances (cut-offs: Hu & Bentler 1999)")


def sem_path_frame(ols_paths: pd.DataFrame, sem_paths: pd.DataFrame | None,
                   truth: Mapping[tuple[str, str], float] | None = None, *,
                   pls_paths: pd.DataFrame | None = None) -> pd.DataFrame:
    """The standardised paths of the OLS path model on scale scores beside the latent SEM's (and the truth).

    Columns ``predictor``, ``outcome``, ``ols``, ``sem`` (and ``true_path``),
    one row per path of ``ols_paths``, in its order; ``sem`` is missing when
    the SEM did not run (``sem_paths=None``). ``pls_paths`` (the ``paths`` of
    a :class:`crmlab.stats.pls.PLSFit`: ``from``, ``to``, ``estimate``) adds
    the PLS estimate as column ``pls`` after ``ols``.

    >>> ols = pd.DataFrame({"predictor": ["trust"], "outcome": ["uncertainty"], "std_estimate": [-0.372]})
    >>> sem = pd.DataFrame({"predictor": ["trust"], "outcome": ["uncertainty"], "std_estimate": [-0.459]})
    >>> print(sem_path_frame(ols, sem, {("trust", "uncertainty"): -0.5}).to_string(index=False))
    predictor     outcome    ols    sem  true_path
        trust uncertainty -0.372 -0.459       -0.5
    """
    frame = ols_paths[["predictor", "outcome", "std_estimate"]].rename(columns={"std_estimate": "ols"})
    if sem_paths is None:
        frame = frame.assign(sem=np.nan)
    else:
        latent = sem_paths[["predictor", "outcome", "std_estimate"]].rename(columns={"std_estimate": "sem"})
        frame = frame.merge(latent, on=["predictor", "outcome"], how="left")
    if pls_paths is not None:
        pls = pls_paths.rename(columns={"from": "predictor", "to": "outcome", "estimate": "pls"})
        frame = frame.merge(pls[["predictor", "outcome", "pls"]], on=["predictor", "outcome"], how="left")
        frame = frame[["predictor", "outcome", "ols", "pls", "sem"]]
    return _with_truth(frame, truth).reset_index(drop=True)


def sem_path_table(paths: pd.DataFrame) -> Table:
    """The paths of :func:`sem_path_frame` for readers.

    >>> frame = pd.DataFrame({"predictor": ["trust"], "outcome": ["uncertainty"], "ols": [-0.372], "sem": [-0.459],
    ...                       "true_path": [-0.5]})
    >>> print(sem_path_table(frame))
    Standardised paths: OLS on scale scores against the latent SEM, beside the planted paths
    Path                                     β, OLS on scale scores  β, latent SEM  True β
    Trust → decision-making uncertainty                      -0.372         -0.459  -0.500
    """
    frame = paths.assign(path=[path_label(p, o) for p, o in zip(paths["predictor"], paths["outcome"], strict=True)])
    with_sem = "sem" in paths and paths["sem"].notna().any()  # a table without the SEM when only PLS ran
    columns = ["path", "ols"] + (["pls"] if "pls" in paths else []) + (["sem"] if with_sem else []) + (
        ["true_path"] if "true_path" in paths else [])
    labels = {"ols": "β, OLS on scale scores", "pls": "β, PLS", "sem": "β, latent SEM", "true_path": "True β"}
    caption = "Standardised paths: OLS on scale scores" + (", PLS path modelling" if "pls" in paths else "") + (
        " against the latent SEM" if with_sem else "") + (", beside the planted paths" if "true_path" in paths else "")
    return table(frame[columns], number=columns[1:], digits={c: 3 for c in columns[1:]}, labels=labels, top=None,
                 caption=caption)


def sem_sentence(paths: pd.DataFrame | None, fit: pd.Series | None = None, *, skipped: str | None = None) -> Markdown:
    """What the latent-variable SEM showed — its fit (Hu & Bentler 1999) and whether the scale-score paths are
    attenuated (smaller in size than the SEM's), against the truth when known — or, when it did not run, that it
    did not, why, and how to install it.

    ``paths`` is :func:`sem_path_frame`'s frame (``None`` when the SEM did not
    run); ``skipped`` says why it did not: ``"not installed"`` (semopy
    missing) or ``"turned off"`` (the report's ``use_sem`` parameter).

    >>> print(sem_sentence(None, skipped="not installed"))
    The latent-variable SEM did not run: it needs semopy, which is not installed here (install it with `pip install 'crmlab[sem]'` and run the report again). Without it this report cannot say how much measurement error attenuates the paths above.
    """
    if paths is None:
        if skipped == "turned off":
            return markdown("The latent-variable SEM did not run: it was turned off (the parameter use_sem is false). "
                            "Without it this report cannot say how much measurement error attenuates the paths above.")
        return markdown("The latent-variable SEM did not run: it needs semopy, which is not installed here (install it "
                        f"with `{SEM_INSTALL}` and run the report again). Without it this report cannot say how much "
                        "measurement error attenuates the paths above.")
    text = ""
    if fit is not None:
        met = {name: (fit[name] >= cut if op == "≥" else fit[name] <= cut) for name, (op, cut) in SEM_FIT_CUTOFFS.items()
               if name in fit and not pd.isna(fit[name])}
        values = ", ".join(f"{name} {number(fit[name], 3)}" for name in met)
        missed = [name for name, ok in met.items() if not ok]
        if not missed:
            text = f"The latent-variable model fits the item covariances well by every cut-off of Hu & Bentler (1999): {values}."
        else:
            text = (f"The latent-variable model misses Hu & Bentler's (1999) cut-offs of good fit on "
                    f"{join_list(missed)} ({values}): read its paths with care.")
    both = paths.dropna(subset=["ols", "sem"])
    if len(both):
        larger, sizes = _in_size(both["sem"], both["ols"], "SEM", "OLS")
        text += (f" Its standardised paths are larger in size than the OLS paths on scale scores for {larger} of "
                 f"{len(both)} paths ({sizes})")
        if larger > len(both) / 2:
            text += ": measurement error in the scale scores attenuates the paths, and the latent model corrects it."
        else:
            text += ": the scale-score paths are not attenuated here."
        if "true_path" in both:
            known = both.dropna(subset=["true_path"])
            if len(known):
                err_sem = (known["sem"] - known["true_path"]).abs().mean()
                err_ols = (known["ols"] - known["true_path"]).abs().mean()
                closer = compare(err_sem, err_ols, "further from", "closer to", "as close to", tolerance=0.0005)
                text += (f" Against the planted paths the SEM is {closer} the truth than OLS on scale scores (mean "
                         f"absolute error {number(err_sem, 3)} against {number(err_ols, 3)}).")
    return markdown("{text}", text=text.strip())


def pls_sentence(paths: pd.DataFrame) -> Markdown:
    """Where the PLS estimates of the KMV paths stand: beside OLS on scale scores (PLS weights the items, scale scores
    weight them equally), between OLS and the latent SEM when the SEM ran, and against the truth when known.

    ``paths`` is :func:`sem_path_frame`'s frame with its ``pls`` column.

    >>> frame = pd.DataFrame({"predictor": ["trust", "trust"], "outcome": ["uncertainty", "cooperation"],
    ...     "ols": [-0.37, 0.30], "pls": [-0.40, 0.33], "sem": [-0.46, 0.38], "true_path": [-0.5, 0.4]})
    >>> print(pls_sentence(frame))
    PLS path modelling, which weights each construct's items by how well they relate to the neighbouring constructs, gives standardised paths larger in size than OLS on scale scores for 2 of 2 paths (mean |β| 0.365 for PLS against 0.335 for OLS), and lies between OLS and the latent SEM for 2 of 2. Against the planted paths its mean absolute error is 0.085 (OLS 0.115, SEM 0.030): PLS composites still carry measurement error, so they correct the attenuation only in part.
    """
    both = paths.dropna(subset=["ols", "pls"])
    larger, sizes = _in_size(both["pls"], both["ols"], "PLS", "OLS")
    text = ("PLS path modelling, which weights each construct's items by how well they relate to the neighbouring "
            f"constructs, gives standardised paths larger in size than OLS on scale scores for {larger} of {len(both)} "
            f"paths ({sizes})")
    with_sem = both.dropna(subset=["sem"]) if "sem" in both else both.iloc[0:0]
    if len(with_sem):
        low = np.minimum(with_sem["ols"], with_sem["sem"])
        high = np.maximum(with_sem["ols"], with_sem["sem"])
        between = int(((with_sem["pls"] >= low - 5e-4) & (with_sem["pls"] <= high + 5e-4)).sum())
        text += f", and lies between OLS and the latent SEM for {between} of {len(with_sem)}."
    else:
        text += "; the latent SEM did not run, so PLS cannot be set beside it."
    if "true_path" in both:
        known = both.dropna(subset=["true_path"])
        if len(known):
            errors = {name: (known[name] - known["true_path"]).abs().mean() for name in ("pls", "ols", "sem")
                      if name in known and known[name].notna().all()}
            others = ", ".join(f"{name.upper()} {number(err, 3)}" for name, err in errors.items() if name != "pls")
            text += f" Against the planted paths its mean absolute error is {number(errors['pls'], 3)} ({others})"
            if errors["pls"] < errors["ols"] and ("sem" not in errors or errors["pls"] > errors["sem"]):
                text += (": PLS composites still carry measurement error, so they correct the attenuation only in "
                         "part.")
            elif errors["pls"] >= errors["ols"]:
                text += ": here PLS is no closer to the truth than OLS on scale scores."
            else:
                text += ": here PLS is the closest of the three to the truth."
    return markdown("{text}", text=text.strip())


# ----- a published correlation matrix -----------------------------------------------------------


def correlation_check_table(raw: pd.DataFrame, published: pd.DataFrame) -> Table:
    """The standardised paths and standard errors from raw scores beside those from their correlation matrix.

    >>> raw = pd.DataFrame({"predictor": ["trust"], "outcome": ["uncertainty"], "std_estimate": [-0.3721], "se": [0.0467]})
    >>> print(correlation_check_table(raw, raw))
    The same paths from the raw scores and from their correlation matrix and N alone
    Path                                 β, raw scores  β, correlation matrix  SE, raw scores  SE, correlation matrix
    Trust → decision-making uncertainty         -0.372                 -0.372           0.047                   0.047
    """
    frame = pd.DataFrame({"path": [path_label(p, o) for p, o in zip(raw["predictor"], raw["outcome"], strict=True)],
                          "beta_raw": raw["std_estimate"].to_numpy(), "beta_r": published["std_estimate"].to_numpy(),
                          "se_raw": raw["se"].to_numpy(), "se_r": published["se"].to_numpy()})
    labels = {"beta_raw": "β, raw scores", "beta_r": "β, correlation matrix", "se_raw": "SE, raw scores",
              "se_r": "SE, correlation matrix"}
    columns = ["beta_raw", "beta_r", "se_raw", "se_r"]
    return table(frame, number=columns, digits={c: 3 for c in columns}, labels=labels, top=None,
                 caption="The same paths from the raw scores and from their correlation matrix and N alone")


def correlation_check_sentence(raw: pd.DataFrame, published: pd.DataFrame) -> Markdown:
    """Whether the path analysis from the correlation matrix reproduces the raw-data analysis, to three decimals.

    >>> raw = pd.DataFrame({"std_estimate": [0.243, -0.372], "se": [0.048, 0.047]})
    >>> print(correlation_check_sentence(raw, raw + 1e-12))
    From the correlation matrix and N alone, all 2 standardised paths and their standard errors equal those of the raw data to three decimals.
    >>> print(correlation_check_sentence(raw, raw.assign(std_estimate=[0.25, -0.372])))
    From the correlation matrix and N alone, the standardised paths differ from those of the raw data by up to 0.007 and their standard errors by up to 0.000.
    """
    d_beta = float(np.max(np.abs(raw["std_estimate"].to_numpy() - published["std_estimate"].to_numpy())))
    d_se = float(np.max(np.abs(raw["se"].to_numpy() - published["se"].to_numpy())))
    if d_beta < 0.0005 and d_se < 0.0005:
        return markdown("From the correlation matrix and N alone, all {n} standardised paths and their standard errors "
                        "equal those of the raw data to three decimals.", n=integer(len(raw)))
    return markdown("From the correlation matrix and N alone, the standardised paths differ from those of the raw data "
                    "by up to {b} and their standard errors by up to {s}.", b=number(d_beta, 3), s=number(d_se, 3))


# ----- the conclusion ---------------------------------------------------------------------------


_PARTIAL = ("complementary", "competitive")


def _mediation_summary(types: pd.DataFrame, kmv_indirect: pd.DataFrame | None = None) -> Markdown:
    """The mediation found, counted as :func:`mediation_table` shows it: pairs mediated fully, partly, directly only or
    not at all in the rival model; of the pairs the KMV model links, how many it finds mediated (and, with
    ``kmv_indirect``, how many of those showing no effect the KMV model's own test finds); of the pairs it does not
    link, how many show no effect as it claims. With ``true_indirect`` (a synthetic survey) the verdict says the
    mediation was planted, so finding it checks the method rather than supporting the theory.
    """
    n = len(types)
    if n == 0:
        return markdown("No antecedent–outcome pair could be tested for mediation.")

    def counted(frame: pd.DataFrame, *words: str) -> list[str]:
        """ "16 fully", "1 partly" …: the pairs of ``frame`` of each kind named by ``words``, those that occur."""
        kinds = frame["mediation"]
        counts = {"fully": int((kinds == "indirect-only").sum()), "partly": int(kinds.isin(_PARTIAL).sum()),
                  "act only directly": int((kinds == "direct-only").sum()),
                  "show no effect": int((kinds == "no-effect").sum())}
        return [f"{integer(counts[word])} {word}" for word in words if counts[word]]

    carried = counted(types, "fully", "partly")
    rest = counted(types, "act only directly", "show no effect")
    n_carried = int(types["mediation"].isin(["indirect-only", *_PARTIAL]).sum())
    text = (f"In the rival model, where every antecedent may also act directly, trust and commitment carry the effect "
            f"for {integer(n_carried)} of the {plural(n, 'antecedent–outcome pair')}"
            + (f" ({join_list(carried)})" if carried else "") + (f"; {join_list(rest)}" if rest else "") + ".")
    if "kmv_claim" not in types:
        return markdown("{text}", text=text)
    linked, other = types[types["kmv_claim"] == "indirect-only"], types[types["kmv_claim"] == "no-effect"]
    if len(linked):
        full = int((linked["mediation"] == "indirect-only").sum())
        found = counted(linked, "fully", "partly", "act only directly")
        if full:
            found[0] = f"{integer(full)} {'is' if full == 1 else 'are'} mediated fully"
        text += (f" Of the {plural(len(linked), 'pair')} the KMV model links through trust and commitment, "
                 f"{join_list(found) if found else 'none is mediated'}")
        if "true_indirect" in linked:
            planted = int((linked["true_indirect"].abs() > 1e-12).sum())
            of = f"all {integer(planted)}" if planted == len(linked) else f"{integer(planted)} of them"
            text += (f"; the survey was generated with full mediation for {of} (no direct paths), "
                     "so this measures how much of the planted mediation the rival model's test recovers, not evidence "
                     "for Morgan & Hunt's theory.")
        elif full > len(linked) / 2:
            text += (" — the case for managing trust and commitment as the core of the relationship, not as "
                     "by-products.")
        else:
            bypass = int(linked["mediation"].isin(["direct-only", *_PARTIAL]).sum())
            text += ": trust and commitment carry less than the KMV model claims" + (
                "; effects that bypass them call for managing the antecedents directly as well." if bypass else ".")
        silent = linked[linked["mediation"] == "no-effect"]
        if len(silent):
            text += (f" For {integer(len(silent))} of them no effect shows once direct paths are allowed "
                     f"({_pair_list(silent)})")
            if kmv_indirect is not None:
                own = silent.merge(kmv_indirect, on=["cause", "outcome"], suffixes=("", "_kmv"))
                k = int(_excludes_zero(own["ci_low"], own["ci_high"]).sum())
                whom = ("it" if len(silent) == 1 else f"all {integer(k)}") if k == len(silent) else f"{integer(k)} of them"
                text += (f", though the KMV model's own test, without direct paths, finds a route for {whom}"
                         if k else ", and the KMV model's own test, without direct paths, finds none of them either")
            text += "."
    if len(other):
        wrong = other[~other["as_claimed"].astype(bool)]
        if wrong.empty:
            text += (f" The {plural(len(other), 'pair')} it does not link show{'s' if len(other) == 1 else ''} no "
                     "effect, as it claims.")
        else:
            text += (f" {integer(len(wrong))} of the {plural(len(other), 'pair')} it does not link "
                     f"{'shows' if len(wrong) == 1 else 'show'} an effect it does not claim ({_pair_list(wrong)}).")
    return markdown("{text}", text=text)


def conclusions(reliability: pd.DataFrame, paths: pd.DataFrame, types: pd.DataFrame, comparison: pd.DataFrame,
                sem_paths: pd.DataFrame | None = None, *, sem_skipped: str | None = None,
                kmv_indirect: pd.DataFrame | None = None) -> Markdown:
    """The closing section of the report: one bullet per finding, each generated from the results it states.

    ``reliability`` (:func:`~crmlab.theories.trust_commitment.reliability_table`),
    ``paths`` (the KMV model's path table), ``types`` (:func:`mediation_types`; with ``true_indirect``, a synthetic
    survey, the mediation found is stated as a check of the method against what was planted),
    ``comparison`` (:func:`~crmlab.theories.trust_commitment.compare_path_models`),
    ``sem_paths`` (:func:`sem_path_frame`, ``None`` when the SEM did not run,
    with ``sem_skipped`` saying why), ``kmv_indirect`` (the KMV model's own
    :meth:`~crmlab.theories.trust_commitment.PathModel.indirect_effects`, to say where its test and the rival
    model's disagree).
    """
    bullets = []
    measured = reliability.dropna(subset=["cronbach_alpha"])
    weak = measured[np.logical_or.reduce([measured[c] < v for c, v in RELIABILITY_THRESHOLDS.items()])]
    if len(weak) == 0 and len(measured):
        reliable = f"all {plural(len(measured), 'scale')} here meet the rules of reliability"
    else:
        reliable = (f"{integer(len(weak))} of {plural(len(measured), 'scale')} here fall short "
                    f"({join_list(_lower(c) for c in weak['construct'])})")
    text = f"Reliable scales come first, and {reliable}. Paths between scale scores are attenuated towards zero by measurement error"
    if sem_paths is None:
        after = (markdown("; the latent-variable SEM, which would show by how much, did not run here (it was turned off).")
                 if sem_skipped == "turned off" else
                 markdown(f"; the latent-variable SEM, which would show by how much, did not run here (install it with "
                          f"`{SEM_INSTALL}`)."))
    else:
        both = sem_paths.dropna(subset=["ols", "sem"])
        larger = int((both["sem"].abs() > both["ols"].abs()).sum())
        after = markdown(
            "{text}", text=f", as the SEM comparison shows: the latent paths are larger in size for {larger} of {len(both)} paths."
            if larger > len(both) / 2 else
            f"; here the SEM comparison does not show it (the latent paths are larger for only {larger} of {len(both)}).")
    bullets.append(markdown("{text}{after}", text=text, after=after))

    hyp = paths[paths["hypothesis"] != ""]
    n_sup = int(hyp["supported"].sum())
    bullets.append(markdown("{held} {mediation}", held=f"{n_sup} of {plural(len(hyp), 'hypothesis', 'hypotheses')} hold.",
                            mediation=_mediation_summary(types, kmv_indirect)))
    bullets.append(rival_sentence(comparison))
    return markdown("\n".join(f"* {{b{k}}}" for k in range(len(bullets))), **{f"b{k}": b for k, b in enumerate(bullets)})
