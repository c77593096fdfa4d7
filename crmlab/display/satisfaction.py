"""The satisfaction and loyalty report as readers see it: PLS path model tables and generated sentences.

The customer-satisfaction-index model (ECSI: Image, Expectation, Quality,
Value → Satisfaction → Complaints, Loyalty) is estimated by PLS path modelling
(:mod:`crmlab.stats.pls`) on a survey; this module turns the fit, its
bootstrap and the multigroup analysis into reader tables and into the
sentences of the report. Every sentence that states a fact — which scales
are reliable, which paths are distinguishable from zero, how satisfaction
carries into loyalty, how much variance the model explains, whether two
segments differ — is made here from the numbers it states, so it cannot
contradict the tables beside it; a synthetic run states the planted truth
next to the estimate.

Rules of thumb, with their sources: Cronbach's α, ρ_A and composite
reliability ρ_C ≥ 0.7 (Nunnally 1978; Dijkstra & Henseler 2015); AVE ≥ 0.5
and √AVE above every correlation with another construct (Fornell & Larcker
1981); HTMT < 0.90 and its bootstrap upper bound below 1 (Henseler, Ringle &
Sarstedt 2015); R² of 0.67, 0.33 and 0.19 substantial, moderate and weak (Chin
1998); f² of 0.02, 0.15 and 0.35 small, medium and large (Cohen 1988).

>>> paths = pd.DataFrame({"predictor": ["Satisfaction", "Complaints"], "outcome": ["Loyalty", "Loyalty"],
...                       "estimate": [0.48, 0.07], "lower": [0.35, -0.05], "upper": [0.60, 0.19]})
>>> print(paths_sentence(paths))
1 of the 2 paths has a 95% bootstrap interval that excludes zero: satisfaction → loyalty (0.480). The interval of complaints → loyalty (0.070) includes zero.
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
from crmlab.display.text import Markdown, bullet_list, join_list, markdown, plural

__all__ = [
    "QUALITY_THRESHOLDS",
    "chain_frame",
    "chain_sentence",
    "chain_table",
    "conclusions",
    "htmt_frame",
    "htmt_table",
    "micom_table",
    "multigroup_sentence",
    "multigroup_table",
    "path_frame",
    "path_table",
    "paths_sentence",
    "prediction_sentence",
    "prediction_table",
    "predictive_sentence",
    "predictive_table",
    "quality_sentence",
    "quality_table",
    "survey_sentence",
]

#: Minimum values of the reliability and convergent-validity measures (see the module docstring).
QUALITY_THRESHOLDS: dict[str, float] = {"cronbach_alpha": 0.7, "rho_a": 0.7, "rho_c": 0.7, "ave": 0.5}
_QUALITY_NAMES = {"cronbach_alpha": "Cronbach's α", "rho_a": "ρ_A", "rho_c": "composite reliability ρ_C",
                  "ave": "AVE"}
#: HTMT above which two constructs are not distinct (Henseler, Ringle & Sarstedt 2015, the liberal HTMT.90).
HTMT_THRESHOLD = 0.90
#: Chin's (1998) labels of R² and Cohen's (1988) of f², largest first.
R2_LABELS = ((0.67, "substantial"), (0.33, "moderate"), (0.19, "weak"))
F2_LABELS = ((0.35, "large"), (0.15, "medium"), (0.02, "small"))


def _lower(name: str) -> str:
    """A construct's name as in a sentence: "satisfaction"."""
    return str(name).replace("_", " ").lower()


def _path(predictor: str, outcome: str) -> str:
    return f"{_lower(predictor)} → {_lower(outcome)}"


def _grade(value: float, labels: tuple[tuple[float, str], ...], below: str) -> str:
    return next((word for cut, word in labels if value >= cut), below)


# ----- the data ---------------------------------------------------------------------------------


def survey_sentence(source: str | os.PathLike[str], *, n_respondents: int, n_items: int, n_constructs: int,
                    segments: Mapping[Any, int] | None = None, segment: str | None = None,
                    loading: float | None = None, seed: int | None = None) -> Markdown:
    """What the report ran on: the ECSI ``mobi`` survey, a synthetic survey (with its item reliability and seed) or
    a file; the respondents, items and segments.

    >>> print(survey_sentence("synthetic", n_respondents=500, n_items=24, n_constructs=7,
    ...                       segments={"branch": 250, "online": 250}, segment="channel", loading=0.8, seed=42))
    This report runs on a synthetic survey of 500 respondents answering 24 items on 7 constructs, drawn from planted paths with every item's standardised loading 0.8 (reliability 0.64; seed 42). The respondents fall into two channel segments: branch (250) and online (250).
    """
    if str(source) == "synthetic":
        where = (f"a synthetic survey of {plural(n_respondents, 'respondent')} answering {plural(n_items, 'item')} on "
                 f"{plural(n_constructs, 'construct')}, drawn from planted paths with every item's standardised "
                 f"loading {number(loading, 2)} (reliability {number(loading**2, 2)}; seed {seed})")
    elif str(source) == "mobi":
        where = (f"the ECSI mobile-phone survey (`mobi`, Tenenhaus et al. 2005, as shipped with R's seminr): "
                 f"{plural(n_respondents, 'respondent')} answering {plural(n_items, 'item')} on a 1–10 scale, "
                 f"{plural(n_constructs, 'construct')}")
        where = where.replace("`", "")
    else:
        where = (f"the survey {Path(source).name}: {plural(n_respondents, 'respondent')}, "
                 f"{plural(n_items, 'item')} on {plural(n_constructs, 'construct')}")
    text = f"This report runs on {where}."
    if segments:
        parts = [f"{name} ({integer(n)})" for name, n in segments.items()]
        count = "two" if len(parts) == 2 else integer(len(parts))
        text += f" The respondents fall into {count} {segment or 'group'} segments: {join_list(parts)}."
    return markdown("{text}", text=text)


# ----- measurement quality ----------------------------------------------------------------------


def quality_table(reliability: pd.DataFrame, n_items: Mapping[str, int]) -> Table:
    """α, ρ_A, ρ_C and AVE per construct (:meth:`PLSFit.reliability <crmlab.stats.pls.PLSFit.reliability>`) with
    the number of items and whether every threshold is met.

    >>> rel = pd.DataFrame({"cronbach_alpha": [0.72], "rho_a": [0.73], "rho_c": [0.84], "ave": [0.64]},
    ...                    index=pd.Index(["Loyalty"], name="construct"))
    >>> print(quality_table(rel, {"Loyalty": 3}))
    Reliability and convergent validity (thresholds: α, ρ_A, ρ_C ≥ 0.7; AVE ≥ 0.5)
    Construct  Items  Cronbach's α    ρ_A  Composite reliability ρ_C    AVE  Thresholds met
    Loyalty        3         0.720  0.730                      0.840  0.640  yes
    """
    frame = reliability[list(QUALITY_THRESHOLDS)].copy()
    met = pd.concat([frame[c] >= cut for c, cut in QUALITY_THRESHOLDS.items()], axis=1).all(axis=1)
    frame.insert(0, "items", [int(n_items[c]) for c in frame.index])
    frame["met"] = np.where(frame["items"] > 1, np.where(met, "yes", "no"), "single item")
    frame = frame.rename_axis("construct").reset_index()
    labels = {"construct": "Construct", "items": "Items", "met": "Thresholds met",
              "cronbach_alpha": "Cronbach's α", "rho_a": "ρ_A", "rho_c": "Composite reliability ρ_C", "ave": "AVE"}
    return table(frame, integer=["items"], number=list(QUALITY_THRESHOLDS), digits=dict.fromkeys(QUALITY_THRESHOLDS, 3),
                 text=["met"], labels=labels, top=None,
                 caption="Reliability and convergent validity (thresholds: α, ρ_A, ρ_C ≥ 0.7; AVE ≥ 0.5)")


def htmt_frame(htmt: pd.DataFrame, intervals: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per pair of constructs: ``first``, ``second``, ``htmt`` (and ``lower``, ``upper`` from the bootstrap).

    ``htmt`` is the matrix of :meth:`PLSFit.htmt <crmlab.stats.pls.PLSFit.htmt>` (values above the diagonal);
    ``intervals`` has one row per pair with columns ``from``, ``to`` (or ``first``, ``second``), ``lower``, ``upper``.

    >>> m = pd.DataFrame([[np.nan, 0.5], [np.nan, np.nan]], index=["A", "B"], columns=["A", "B"])
    >>> htmt_frame(m).to_dict("records")
    [{'first': 'A', 'second': 'B', 'htmt': 0.5}]
    """
    rows = [(a, b, float(htmt.loc[a, b])) for i, a in enumerate(htmt.index) for b in htmt.columns[i + 1:]
            if pd.notna(htmt.loc[a, b])]
    frame = pd.DataFrame(rows, columns=["first", "second", "htmt"])
    if intervals is not None:
        bounds = intervals.rename(columns={"from": "first", "to": "second"})[["first", "second", "lower", "upper"]]
        frame = frame.merge(bounds, on=["first", "second"], how="left")
    return frame


def htmt_table(frame: pd.DataFrame) -> Table:
    """The pairs of :func:`htmt_frame` for readers, highest HTMT first.

    >>> print(htmt_table(pd.DataFrame({"first": ["Quality"], "second": ["Satisfaction"], "htmt": [0.81],
    ...                                "lower": [0.74], "upper": [0.88]})))
    Discriminant validity: heterotrait–monotrait ratios (HTMT < 0.90; its 95% bootstrap upper bound < 1)
    Constructs              HTMT  95% lower  95% upper
    Quality – satisfaction  0.810      0.740      0.880
    """
    shown = frame.sort_values("htmt", ascending=False).reset_index(drop=True)
    shown["pair"] = [f"{a} – {_lower(b)}" for a, b in zip(shown["first"], shown["second"], strict=True)]
    columns = ["pair", "htmt"] + [c for c in ("lower", "upper") if c in frame]
    return table(shown[columns], number=columns[1:], digits=dict.fromkeys(columns[1:], 3), top=None,
                 labels={"pair": "Constructs", "htmt": "HTMT", "lower": "95% lower", "upper": "95% upper"},
                 caption="Discriminant validity: heterotrait–monotrait ratios (HTMT < 0.90; its 95% bootstrap "
                         "upper bound < 1)")


def quality_sentence(reliability: pd.DataFrame, n_items: Mapping[str, int], fornell_larcker: pd.DataFrame,
                     htmt: pd.DataFrame) -> Markdown:
    """Which multi-item scales are reliable and valid by the thresholds of the module docstring, which are not and on
    what; whether √AVE exceeds every correlation (Fornell–Larcker); which pairs have HTMT ≥ 0.90 or an upper bound
    ≥ 1 (``htmt`` is :func:`htmt_frame`).

    >>> rel = pd.DataFrame({"cronbach_alpha": [0.9, 0.65], "rho_a": [0.9, 0.7], "rho_c": [0.93, 0.8],
    ...                     "ave": [0.7, 0.55]}, index=["Quality", "Value"])
    >>> fl = pd.DataFrame([[0.84, np.nan], [0.6, 0.74]], index=["Quality", "Value"], columns=["Quality", "Value"])
    >>> pairs = pd.DataFrame({"first": ["Quality"], "second": ["Value"], "htmt": [0.7], "lower": [0.6], "upper": [0.8]})
    >>> print(quality_sentence(rel, {"Quality": 7, "Value": 2}, fl, pairs))
    Of the 2 constructs measured by several items, 1 meets every threshold of reliability and convergent validity; value misses on Cronbach's α (0.650). Every construct's √AVE exceeds its correlations with the others (Fornell & Larcker 1981), and every HTMT is below 0.90 with a bootstrap upper bound below 1: the constructs are distinct.
    """
    multi = [c for c in reliability.index if n_items.get(c, 0) > 1]
    single = [c for c in reliability.index if n_items.get(c, 0) <= 1]
    misses = {}
    for c in multi:
        failed = [f"{_QUALITY_NAMES[k]} ({number(reliability.loc[c, k], 3)})" for k, cut in QUALITY_THRESHOLDS.items()
                  if reliability.loc[c, k] < cut]
        if failed:
            misses[c] = failed
    good = len(multi) - len(misses)
    text = (f"Of the {plural(len(multi), 'construct')} measured by several items, {integer(good)} "
            f"{'meets' if good == 1 else 'meet'} every threshold of reliability and convergent validity")
    if misses:
        text += "; " + "; ".join(f"{_lower(c)} misses on {join_list(f)}" for c, f in misses.items()) + "."
    else:
        text += "."
    if single:
        text += (f" {join_list(single)} {'is' if len(single) == 1 else 'are'} measured by a single item, whose "
                 "reliability a survey of one item cannot show.")
    fl_fail = []
    for c in fornell_larcker.index:
        root = fornell_larcker.loc[c, c]
        others = pd.concat([fornell_larcker.loc[c].drop(c), fornell_larcker[c].drop(c)]).abs().dropna()
        if len(others) and others.max() >= root:
            fl_fail.append(c)
    too_high = htmt[(htmt["htmt"] >= HTMT_THRESHOLD) | (htmt.get("upper", pd.Series(0.0, index=htmt.index)) >= 1)]
    fl_text = ("Every construct's √AVE exceeds its correlations with the others (Fornell & Larcker 1981)" if not fl_fail
               else f"The √AVE of {join_list(_lower(c) for c in fl_fail)} does not exceed all its correlations with "
                    "the others (Fornell & Larcker 1981)")
    if too_high.empty:
        bound = " with a bootstrap upper bound below 1" if "upper" in htmt else ""
        text += f" {fl_text}, and every HTMT is below 0.90{bound}"
        text += ": the constructs are distinct." if not fl_fail else "."
    else:
        pairs = [f"{_lower(a)} and {_lower(b)} ({number(h, 3)})" for a, b, h in
                 zip(too_high["first"], too_high["second"], too_high["htmt"], strict=True)]
        text += (f" {fl_text}; the HTMT of {join_list(pairs)} reaches 0.90 or has an upper bound of 1 or more: "
                 "these constructs may not be distinct for these respondents.")
    return markdown("{text}", text=text)


# ----- paths ------------------------------------------------------------------------------------


def path_frame(paths: pd.DataFrame, intervals: pd.DataFrame | None = None, *, f_squared: pd.DataFrame | None = None,
               truth: Mapping[tuple[str, str], float] | None = None) -> pd.DataFrame:
    """One row per path: ``predictor``, ``outcome``, ``estimate``, with ``lower``, ``upper`` (bootstrap), ``f2``
    and ``true_path`` when given.

    ``paths`` is :attr:`PLSFit.paths <crmlab.stats.pls.PLSFit.paths>` (``from``, ``to``, ``estimate``);
    ``intervals`` one row per path with ``from``, ``to`` (or ``predictor``, ``outcome``), ``lower``, ``upper``;
    ``f_squared`` the from × to matrix of :attr:`PLSFit.f_squared`; ``truth`` the planted paths.

    >>> fit_paths = pd.DataFrame({"from": ["Satisfaction"], "to": ["Loyalty"], "estimate": [0.48]})
    >>> path_frame(fit_paths, truth={("Satisfaction", "Loyalty"): 0.5}).to_dict("records")
    [{'predictor': 'Satisfaction', 'outcome': 'Loyalty', 'estimate': 0.48, 'true_path': 0.5}]
    """
    names = {"from": "predictor", "to": "outcome"}
    frame = paths.rename(columns=names)[["predictor", "outcome", "estimate"]].reset_index(drop=True)
    if intervals is not None:
        bounds = intervals.rename(columns=names)[["predictor", "outcome", "lower", "upper"]]
        frame = frame.merge(bounds, on=["predictor", "outcome"], how="left")
    if f_squared is not None:
        frame["f2"] = [float(f_squared.loc[p, o]) for p, o in zip(frame["predictor"], frame["outcome"], strict=True)]
    if truth is not None:
        frame["true_path"] = [truth.get((p, o), np.nan) for p, o in zip(frame["predictor"], frame["outcome"], strict=True)]
    return frame


def path_table(paths: pd.DataFrame) -> Table:
    """The paths of :func:`path_frame` for readers.

    >>> print(path_table(pd.DataFrame({"predictor": ["Satisfaction"], "outcome": ["Loyalty"], "estimate": [0.48],
    ...                                "lower": [0.35], "upper": [0.6], "true_path": [0.5]})))
    Path coefficients of the PLS model with 95% percentile bootstrap intervals, beside the planted paths
    Path                      β  95% lower  95% upper  True β
    Satisfaction → loyalty  0.480      0.350      0.600   0.500
    """
    frame = paths.assign(path=[f"{p} → {_lower(o)}" for p, o in zip(paths["predictor"], paths["outcome"], strict=True)])
    columns = ["path", "estimate"] + [c for c in ("lower", "upper", "f2", "true_path") if c in paths]
    labels = {"estimate": "β", "lower": "95% lower", "upper": "95% upper", "f2": "f²", "true_path": "True β"}
    caption = "Path coefficients of the PLS model" + (" with 95% percentile bootstrap intervals" if "lower" in paths
                                                       else "") + (", beside the planted paths" if "true_path" in paths else "")
    return table(frame[columns], number=columns[1:], digits=dict.fromkeys(columns[1:], 3), labels=labels, top=None,
                 caption=caption)


def _excludes_zero(frame: pd.DataFrame) -> pd.Series:
    return (frame["lower"] > 0) | (frame["upper"] < 0)


def paths_sentence(paths: pd.DataFrame) -> Markdown:
    """Which paths' bootstrap intervals exclude zero, which do not; with ``true_path``, how many intervals cover the
    planted values (see the module example).

    >>> paths = pd.DataFrame({"predictor": ["Quality", "Value"], "outcome": ["Satisfaction", "Satisfaction"],
    ...     "estimate": [0.5, 0.02], "lower": [0.4, -0.1], "upper": [0.6, 0.14], "true_path": [0.45, 0.2]})
    >>> print(paths_sentence(paths))
    1 of the 2 paths has a 95% bootstrap interval that excludes zero: quality → satisfaction (0.500). The interval of value → satisfaction (0.020) includes zero. The intervals cover the planted path for 1 of the 2 paths; they miss value → satisfaction (planted 0.200). The miss is an estimate smaller in size than the planted path: composites of items with measurement error pull paths toward zero (PLS is consistent only as the items become reliable; Dijkstra & Henseler 2015).
    """
    clear = _excludes_zero(paths)
    n = len(paths)
    named = [f"{_path(p, o)} ({number(b, 3)})" for p, o, b in
             zip(paths["predictor"], paths["outcome"], paths["estimate"], strict=True)]
    yes = [x for x, c in zip(named, clear, strict=True) if c]
    no = [x for x, c in zip(named, clear, strict=True) if not c]
    verb = "has" if len(yes) == 1 else "have"
    text = f"{integer(len(yes))} of the {plural(n, 'path')} {verb} a 95% bootstrap interval that excludes zero"
    text += f": {join_list(yes)}." if yes else "."
    if no:
        text += (f" The interval of {join_list(no)} {'includes' if len(no) == 1 else 'include'} zero.")
    if "true_path" in paths:
        cover = (paths["lower"] <= paths["true_path"]) & (paths["true_path"] <= paths["upper"])
        missed = [f"{_path(p, o)} (planted {number(t, 3)})" for p, o, t, c in
                  zip(paths["predictor"], paths["outcome"], paths["true_path"], cover, strict=True) if not c]
        text += f" The intervals cover the planted path for {integer(int(cover.sum()))} of the {plural(n, 'path')}"
        text += f"; they miss {join_list(missed)}." if missed else "."
        misses = paths[~cover]
        if len(misses) and (misses["estimate"].abs() < misses["true_path"].abs()).all():
            text += (f" {'The miss is an estimate' if len(misses) == 1 else 'Each miss is an estimate'} smaller in size "
                     "than the planted path: composites of items with measurement error pull paths toward zero "
                     "(PLS is consistent only as the items become reliable; Dijkstra & Henseler 2015).")
    return markdown("{text}", text=text)


# ----- the satisfaction → loyalty chain -----------------------------------------------------------


def chain_frame(total: pd.DataFrame, direct: pd.DataFrame, *, outcome: str = "Loyalty",
                total_intervals: pd.DataFrame | None = None,
                truth: Mapping[tuple[str, str], float] | None = None) -> pd.DataFrame:
    """Each construct's direct, indirect and total effect on ``outcome``: ``construct``, ``direct``, ``indirect``,
    ``total`` (and ``lower``, ``upper`` of the total from the bootstrap, ``true_total`` from the planted paths).

    ``total`` and ``direct`` are from × to matrices (:attr:`PLSFit.total_effects`, :attr:`PLSFit.path_coefficients`);
    indirect = total − direct; the planted totals are Σ_k Bᵏ of the planted path matrix (Bollen 1987). Constructs
    without an effect are left out, the largest total first.

    >>> total = pd.DataFrame([[0, 0.5, 0.6], [0, 0, 0.4], [0, 0, 0]], index=list("ISL"), columns=list("ISL"))
    >>> direct = pd.DataFrame([[0, 0.5, 0.4], [0, 0, 0.4], [0, 0, 0]], index=list("ISL"), columns=list("ISL"))
    >>> chain_frame(total, direct, outcome="L").round(3).to_dict("records")
    [{'construct': 'I', 'direct': 0.4, 'indirect': 0.2, 'total': 0.6}, {'construct': 'S', 'direct': 0.4, 'indirect': 0.0, 'total': 0.4}]
    """
    frame = pd.DataFrame({"direct": direct[outcome], "total": total[outcome]}).drop(index=outcome)
    frame = frame[frame["total"].abs() > 1e-12]
    frame["indirect"] = frame["total"] - frame["direct"]
    frame = frame[["direct", "indirect", "total"]].rename_axis("construct")
    if total_intervals is not None:
        bounds = total_intervals.rename(columns={"from": "construct", "predictor": "construct"})
        bounds = bounds[bounds[bounds.columns[bounds.columns.isin(["to", "outcome"])][0]] == outcome]
        frame = frame.join(bounds.set_index("construct")[["lower", "upper"]])
    if truth is not None:
        from crmlab.stats.pls.effects import total_effects

        names = list(total.index)
        planted = np.zeros((len(names), len(names)))
        for (p, o), value in truth.items():
            planted[names.index(p), names.index(o)] = value
        frame["true_total"] = pd.Series(total_effects(planted)[:, names.index(outcome)], index=names)
    return frame.sort_values("total", key=abs, ascending=False).reset_index()


def chain_table(chain: pd.DataFrame, outcome: str = "Loyalty") -> Table:
    """The effects of :func:`chain_frame` for readers.

    >>> print(chain_table(pd.DataFrame({"construct": ["Satisfaction"], "direct": [0.48], "indirect": [0.04],
    ...                                 "total": [0.52]})))
    Effects on loyalty: direct, through other constructs (indirect), and total
    Construct     Direct  Indirect  Total
    Satisfaction   0.480     0.040  0.520
    """
    columns = ["construct", "direct", "indirect", "total"] + [c for c in ("lower", "upper", "true_total") if c in chain]
    labels = {"lower": "Total, 95% lower", "upper": "Total, 95% upper", "true_total": "True total"}
    return table(chain[columns], number=columns[1:], digits=dict.fromkeys(columns[1:], 3), labels=labels, top=None,
                 caption=f"Effects on {_lower(outcome)}: direct, through other constructs (indirect), and total")


def chain_sentence(chain: pd.DataFrame, *, driver: str = "Satisfaction", outcome: str = "Loyalty") -> Markdown:
    """The Anglo-Australian chain in numbers: the driver's total effect on the outcome, split into direct and indirect;
    the construct with the largest total effect; which constructs act mostly through others (indirect share > ½).

    >>> chain = pd.DataFrame({"construct": ["Satisfaction", "Quality"], "direct": [0.48, 0.0], "indirect": [0.04, 0.25],
    ...                       "total": [0.52, 0.25], "lower": [0.4, 0.15], "upper": [0.63, 0.35]})
    >>> print(chain_sentence(chain))
    Satisfaction's total effect on loyalty is 0.520 (95% interval 0.400 to 0.630): 0.480 directly and 0.040 through other constructs, so satisfaction acts on loyalty mostly directly. Satisfaction has the largest total effect on loyalty. Quality (total 0.250) acts on loyalty only through other constructs.
    """
    rows = chain.set_index("construct")
    row = rows.loc[driver]
    text = f"{driver}'s total effect on {_lower(outcome)} is {number(row['total'], 3)}"
    if "lower" in rows and pd.notna(row.get("lower")):
        text += f" (95% interval {number(row['lower'], 3)} to {number(row['upper'], 3)})"
    mostly = "directly" if abs(row["direct"]) >= abs(row["indirect"]) else "through other constructs"
    text += (f": {number(row['direct'], 3)} directly and {number(row['indirect'], 3)} through other constructs, so "
             f"{_lower(driver)} acts on {_lower(outcome)} mostly {mostly}.")
    if "true_total" in rows and pd.notna(row.get("true_total")):
        inside = "lower" in rows and row["lower"] <= row["true_total"] <= row["upper"]
        text += (f" The planted total effect is {number(row['true_total'], 3)}"
                 + (", inside the interval." if inside else ("." if "lower" not in rows else ", outside the interval.")))
    top = rows["total"].abs().idxmax()
    text += f" {top} has the largest total effect on {_lower(outcome)}."
    only = [c for c in rows.index if c != driver and abs(rows.loc[c, "direct"]) < 1e-12]
    mainly = [c for c in rows.index if c != driver and c not in only
              and abs(rows.loc[c, "indirect"]) > abs(rows.loc[c, "direct"])]
    if only:
        parts = [f"{c} (total {number(rows.loc[c, 'total'], 3)})" for c in only]
        verb = "acts" if len(only) == 1 else "act"
        text += f" {join_list(parts)} {verb} on {_lower(outcome)} only through other constructs."
    if mainly:
        verb = "acts" if len(mainly) == 1 else "act"
        text += f" {join_list(mainly)} {verb} on it more through other constructs than directly."
    return markdown("{text}", text=text.replace(" .", "."))


# ----- predictive relevance ---------------------------------------------------------------------


def predictive_table(r_squared: pd.Series, adjusted: pd.Series | None = None) -> Table:
    """R² (and adjusted R²) of each endogenous construct with Chin's (1998) label.

    >>> print(predictive_table(pd.Series({"Satisfaction": 0.7, "Loyalty": 0.4})))
    Variance explained in each endogenous construct (Chin 1998: 0.67 substantial, 0.33 moderate, 0.19 weak)
    Construct        R²  In words
    Satisfaction  0.700  substantial
    Loyalty       0.400  moderate
    """
    frame = pd.DataFrame({"construct": r_squared.index, "r2": r_squared.to_numpy(dtype=float)})
    if adjusted is not None:
        frame["adjusted"] = adjusted.reindex(r_squared.index).to_numpy(dtype=float)
    frame["grade"] = [_grade(v, R2_LABELS, "very weak") for v in frame["r2"]]
    columns = [c for c in ("r2", "adjusted") if c in frame]
    return table(frame, number=columns, digits=dict.fromkeys(columns, 3), text=["grade"], top=None,
                 labels={"r2": "R²", "adjusted": "Adjusted R²", "grade": "In words", "construct": "Construct"},
                 caption="Variance explained in each endogenous construct (Chin 1998: 0.67 substantial, "
                         "0.33 moderate, 0.19 weak)")


def predictive_sentence(r_squared: pd.Series, paths: pd.DataFrame) -> Markdown:
    """How much of satisfaction and loyalty the model explains (R², Chin's words) and the paths with the largest
    effect sizes f² (Cohen's words; ``paths`` from :func:`path_frame` with ``f2``). The measure is in-sample: R² and
    f² say how well the model explains these respondents, not how well it predicts new ones.

    >>> paths = pd.DataFrame({"predictor": ["Quality", "Value"], "outcome": ["Satisfaction"] * 2,
    ...                       "estimate": [0.5, 0.1], "f2": [0.3, 0.01]})
    >>> print(predictive_sentence(pd.Series({"Satisfaction": 0.7, "Loyalty": 0.15}), paths))
    The model explains 70.0% of the variance of satisfaction (substantial by Chin's 1998 rule) and 15.0% of loyalty (very weak). The largest effect size is that of quality → satisfaction (f² 0.300, medium by Cohen's 1988 rule); 1 of the 2 paths has an effect size below 0.02, too small to matter on its own. These are in-sample measures: they describe how well the model explains these respondents, not how well it would predict new ones.
    """
    parts = [f"{percent(v)} of {'the variance of ' if k == 0 else ''}{_lower(c)} "
             f"({_grade(v, R2_LABELS, 'very weak')}{' by Chin' + chr(39) + 's 1998 rule' if k == 0 else ''})"
             for k, (c, v) in enumerate(r_squared.items())]
    text = f"The model explains {join_list(parts)}."
    if "f2" in paths:
        best = paths.loc[paths["f2"].idxmax()]
        small = int((paths["f2"] < 0.02).sum())
        text += (f" The largest effect size is that of {_path(best['predictor'], best['outcome'])} (f² "
                 f"{number(best['f2'], 3)}, {_grade(best['f2'], F2_LABELS, 'negligible')} by Cohen's 1988 rule)")
        text += (f"; {integer(small)} of the {plural(len(paths), 'path')} {'has' if small == 1 else 'have'} an effect "
                 "size below 0.02, too small to matter on its own." if small else ".")
    text += (" These are in-sample measures: they describe how well the model explains these respondents, not how "
             "well it would predict new ones.")
    return markdown("{text}", text=text)


def prediction_table(metrics: pd.DataFrame) -> Table:
    """PLSpredict per endogenous item (:meth:`PLSFit.predict <crmlab.stats.pls.PLSFit.predict>`): out-of-sample
    RMSE of PLS and of the linear benchmark, Q²_predict, and whether PLS predicts better.

    >>> metrics = pd.DataFrame({"construct": ["Loyalty"], "item": ["CUSL1"], "pls_rmse": [1.9], "pls_mae": [1.4],
    ...                         "lm_rmse": [2.0], "lm_mae": [1.5], "q2_predict": [0.21], "pls_beats_lm": [True]})
    >>> print(prediction_table(metrics))
    Out-of-sample prediction of the endogenous items: PLSpredict against a linear benchmark (Shmueli et al. 2019)
    Construct  Item  RMSE, PLS  RMSE, linear model  Q²_predict  PLS predicts better
    Loyalty    CUSL1     1.900               2.000       0.210                  yes
    """
    columns = ["construct", "item", "pls_rmse", "lm_rmse", "q2_predict", "pls_beats_lm"]
    numbers = ["pls_rmse", "lm_rmse", "q2_predict"]
    return table(metrics[columns], number=numbers, digits=dict.fromkeys(numbers, 3), top=None,
                 labels={"construct": "Construct", "item": "Item", "pls_rmse": "RMSE, PLS",
                         "lm_rmse": "RMSE, linear model", "q2_predict": "Q²_predict", "pls_beats_lm": "PLS predicts better"},
                 caption="Out-of-sample prediction of the endogenous items: PLSpredict against a linear benchmark "
                         "(Shmueli et al. 2019)")


def prediction_sentence(metrics: pd.DataFrame, power: str, folds: int) -> Markdown:
    """How well the model predicts respondents it was not estimated on: on how many endogenous items PLS beats the
    linear benchmark (Hair et al.'s 2021 reading ``power``: high, medium, low or none) and beats the training mean
    (Q²_predict > 0).

    >>> metrics = pd.DataFrame({"item": ["CUSL1", "CUSL2"], "pls_beats_lm": [True, False], "q2_predict": [0.2, -0.01]})
    >>> print(prediction_sentence(metrics, "medium", 10))
    Predicting respondents left out of the estimation (10-fold PLSpredict), PLS has a smaller error than the linear benchmark on 1 of the 2 endogenous items: medium predictive power by the reading of Hair et al. (2021). It beats the training mean (Q²_predict > 0) on 1 of the 2.
    """
    wins, n = int(metrics["pls_beats_lm"].sum()), len(metrics)
    above = int((metrics["q2_predict"] > 0).sum())
    text = (f"Predicting respondents left out of the estimation ({integer(folds)}-fold PLSpredict), PLS has a smaller "
            f"error than the linear benchmark on {integer(wins)} of the {plural(n, 'endogenous item')}: "
            f"{'no' if power == 'none' else power} predictive power by the reading of Hair et al. (2021). It beats the "
            f"training mean (Q²_predict > 0) on {integer(above)} of the {integer(n)}.")
    return markdown("{text}", text=text)


# ----- multigroup analysis ----------------------------------------------------------------------


def multigroup_table(paths: pd.DataFrame, groups: tuple[Any, Any],
                     truth: Mapping[Any, Mapping[tuple[str, str], float]] | None = None) -> Table:
    """The permutation test of :func:`crmlab.stats.pls.multigroup.multigroup_analysis` for readers, with the planted
    difference when ``truth`` (segment → planted paths) is given.

    >>> mga = pd.DataFrame({"branch": [0.55], "online": [0.22], "difference": [0.33], "p_value": [0.004]},
    ...                    index=pd.MultiIndex.from_tuples([("Satisfaction", "Loyalty")], names=["predictor", "outcome"]))
    >>> print(multigroup_table(mga, ("branch", "online")))
    Path differences between the groups: permutation test (Chin & Dibbern 2010)
    Path                    β, branch  β, online  Difference        p
    Satisfaction → loyalty      0.550      0.220       0.330    0.004
    """
    first, second = groups
    frame = paths.reset_index()
    frame["path"] = [f"{p} → {_lower(o)}" for p, o in zip(frame["predictor"], frame["outcome"], strict=True)]
    columns = ["path", first, second, "difference", "p_value"]
    if truth is not None:
        frame["true_difference"] = [truth[first][(p, o)] - truth[second][(p, o)]
                                    for p, o in zip(frame["predictor"], frame["outcome"], strict=True)]
        columns.append("true_difference")
    numbers = [first, second, "difference"] + (["true_difference"] if truth is not None else [])
    labels = {first: f"β, {first}", second: f"β, {second}", "difference": "Difference", "p_value": "p",
              "true_difference": "True difference"}
    return table(frame[columns], number=numbers, digits=dict.fromkeys(numbers, 3), p_value=["p_value"], labels=labels,
                 top=None, caption="Path differences between the groups: permutation test (Chin & Dibbern 2010)")


def micom_table(micom: pd.DataFrame) -> Table:
    """MICOM per construct (Henseler, Ringle & Sarstedt 2016): compositional invariance, equal means and variances.

    >>> micom = pd.DataFrame({"configural": [True], "c": [0.999], "c_5pct": [0.995], "p_compositional": [0.4],
    ...     "compositional": [True], "mean_difference": [0.05], "mean_lower": [-0.2], "mean_upper": [0.2],
    ...     "p_mean": [0.6], "log_variance_ratio": [0.1], "variance_lower": [-0.25], "variance_upper": [0.25],
    ...     "p_variance": [0.4], "invariance": ["full"]}, index=pd.Index(["Loyalty"], name="construct"))
    >>> print(micom_table(micom))
    Measurement invariance of the composites (MICOM, Henseler, Ringle & Sarstedt 2016)
    Construct  Configural      c  5% quantile of c   p, c  Mean difference   Mean 95% range  p, mean  Log variance ratio  Variance 95% range  p, variance  Invariance
    Loyalty    yes         0.999             0.995  0.400            0.050  -0.200 to 0.200    0.600               0.100     -0.250 to 0.250        0.400  full
    """
    frame = micom.reset_index()
    frame["mean_range"] = [f"{number(a, 3)} to {number(b, 3)}" for a, b in zip(frame["mean_lower"], frame["mean_upper"], strict=True)]
    frame["variance_range"] = [f"{number(a, 3)} to {number(b, 3)}"
                               for a, b in zip(frame["variance_lower"], frame["variance_upper"], strict=True)]
    columns = ["construct", "configural", "c", "c_5pct", "p_compositional", "mean_difference", "mean_range", "p_mean",
               "log_variance_ratio", "variance_range", "p_variance", "invariance"]
    labels = {"construct": "Construct", "configural": "Configural", "c": "c", "c_5pct": "5% quantile of c",
              "p_compositional": "p, c", "mean_difference": "Mean difference", "mean_range": "Mean 95% range",
              "p_mean": "p, mean", "log_variance_ratio": "Log variance ratio", "variance_range": "Variance 95% range",
              "p_variance": "p, variance", "invariance": "Invariance"}
    return table(frame[columns], number=["c", "c_5pct", "mean_difference", "log_variance_ratio"],
                 digits={"c": 3, "c_5pct": 3, "mean_difference": 3, "log_variance_ratio": 3},
                 p_value=["p_compositional", "p_mean", "p_variance"], text=["mean_range", "variance_range", "invariance"],
                 align_right=["mean_range", "variance_range"], labels=labels, top=None,
                 caption="Measurement invariance of the composites (MICOM, Henseler, Ringle & Sarstedt 2016)")


def multigroup_sentence(paths: pd.DataFrame, micom: pd.DataFrame, groups: tuple[Any, Any], *, alpha: float = 0.05,
                        truth: Mapping[Any, Mapping[tuple[str, str], float]] | None = None,
                        placebo: bool = False) -> Markdown:
    """What the multigroup analysis found: whether the composites are invariant enough to compare (MICOM), which
    paths differ (permutation p < ``alpha``) and by how much; with ``truth``, whether the planted differences were
    found; ``placebo`` says the groups were drawn at random, so any difference found is chance.

    >>> mga = pd.DataFrame({"branch": [0.55, 0.2], "online": [0.22, 0.21], "difference": [0.33, -0.01],
    ...                     "p_value": [0.004, 0.9]}, index=pd.MultiIndex.from_tuples(
    ...                     [("Satisfaction", "Loyalty"), ("Image", "Loyalty")], names=["predictor", "outcome"]))
    >>> micom = pd.DataFrame({"invariance": ["full", "partial"]}, index=["Satisfaction", "Loyalty"])
    >>> print(multigroup_sentence(mga, micom, ("branch", "online")))
    MICOM establishes at least partial measurement invariance for every construct (full for 1 of 2), so the groups' paths can be compared. 1 of the 2 paths differs between branch and online (permutation p < 0.05): satisfaction → loyalty (0.550 against 0.220, p 0.004).
    """
    first, second = groups
    invariance = micom["invariance"]
    none = [c for c in invariance.index if invariance[c] == "none"]
    full = int((invariance == "full").sum())
    if none:
        text = (f"MICOM finds no compositional invariance for {join_list(_lower(c) for c in none)}: the composites "
                "are not built the same way in both groups, so their paths should not be compared.")
    else:
        text = (f"MICOM establishes at least partial measurement invariance for every construct (full for "
                f"{integer(full)} of {integer(len(invariance))}), so the groups' paths can be compared.")
    differ = paths[paths["p_value"] < alpha]
    n = len(paths)
    described = [f"{_path(p, o)} ({number(r[first], 3)} against {number(r[second], 3)}, p {p_value(r['p_value'])})"
                 for (p, o), r in differ.iterrows()]
    if len(differ):
        verb = "differs" if len(differ) == 1 else "differ"
        text += (f" {integer(len(differ))} of the {plural(n, 'path')} {verb} between {first} and {second} "
                 f"(permutation p < {number(alpha, 2)}): {join_list(described)}.")
    else:
        text += f" No path differs between {first} and {second} (every permutation p ≥ {number(alpha, 2)})."
    if placebo:
        text += (" The groups were drawn at random, so every difference is chance: the test should flag about "
                 f"{percent(alpha, 0)} of the paths, and flagged {integer(len(differ))} of {integer(n)}.")
        if none:
            text += " A construct that MICOM flags between random groups is flagged by chance too."
    if truth is not None:
        planted = {(p, o) for (p, o) in paths.index if abs(truth[first][(p, o)] - truth[second][(p, o)]) > 1e-12}
        found = planted & set(differ.index)
        false = set(differ.index) - planted
        if planted:
            text += (f" The survey was drawn with {plural(len(planted), 'planted difference')}: "
                     f"{integer(len(found))} found")
            text += f", and {integer(len(false))} difference{'s' if len(false) != 1 else ''} flagged where none was planted."
        else:
            text += f" No difference was planted; {integer(len(false))} flagged by chance."
    return markdown("{text}", text=text)


# ----- conclusions ------------------------------------------------------------------------------


def conclusions(reliability: pd.DataFrame, n_items: Mapping[str, int], paths: pd.DataFrame, chain: pd.DataFrame,
                r_squared: pd.Series, mga_paths: pd.DataFrame | None = None, groups: tuple[Any, Any] | None = None,
                *, alpha: float = 0.05, placebo: bool = False) -> Markdown:
    """The report's conclusions, each a sentence generated from the results above.

    >>> rel = pd.DataFrame({"cronbach_alpha": [0.9], "rho_a": [0.9], "rho_c": [0.93], "ave": [0.7]}, index=["Loyalty"])
    >>> paths = pd.DataFrame({"predictor": ["Satisfaction"], "outcome": ["Loyalty"], "estimate": [0.5],
    ...                       "lower": [0.4], "upper": [0.6]})
    >>> chain = pd.DataFrame({"construct": ["Satisfaction"], "direct": [0.5], "indirect": [0.0], "total": [0.5]})
    >>> print(conclusions(rel, {"Loyalty": 3}, paths, chain, pd.Series({"Loyalty": 0.25})))
    * Measurement: 1 of 1 multi-item scales meets every reliability and validity threshold.
    * Structure: 1 of 1 paths is distinguishable from zero (95% bootstrap interval).
    * The chain: satisfaction carries 0.500 of a standard deviation into loyalty in total, 100% of it directly.
    * Explained variance: 25.0% of loyalty.
    """
    multi = [c for c in reliability.index if n_items.get(c, 0) > 1]
    ok = sum(all(reliability.loc[c, k] >= cut for k, cut in QUALITY_THRESHOLDS.items()) for c in multi)
    items = [markdown("Measurement: {ok} of {n} multi-item scales {verb} every reliability and validity threshold.",
                      ok=integer(ok), n=integer(len(multi)), verb="meets" if ok == 1 else "meet")]
    if "lower" in paths:
        clear = int(_excludes_zero(paths).sum())
        items.append(markdown("Structure: {k} of {n} paths {verb} distinguishable from zero (95% bootstrap interval).",
                              k=integer(clear), n=integer(len(paths)), verb="is" if clear == 1 else "are"))
    row = chain.set_index("construct").loc["Satisfaction"] if "Satisfaction" in set(chain["construct"]) else None
    if row is not None:
        direct_share = row["direct"] / row["total"] if row["total"] else np.nan
        items.append(markdown("The chain: satisfaction carries {total} of a standard deviation into loyalty in total, "
                              "{share} of it directly.", total=number(row["total"], 3), share=percent(direct_share, 0)))
    if "Loyalty" in r_squared:
        items.append(markdown("Explained variance: {r2} of loyalty.", r2=percent(r_squared["Loyalty"])))
    if mga_paths is not None and groups is not None:
        differ = mga_paths[mga_paths["p_value"] < alpha]
        named = join_list(_path(p, o) for p, o in differ.index) or "none"
        what = "Placebo groups" if placebo else f"{str(groups[0])[:1].upper()}{str(groups[0])[1:]} against {groups[1]}"
        items.append(markdown("{what}: {k} of {n} paths differ ({named}).", what=what, k=integer(len(differ)),
                              n=integer(len(mga_paths)), named=named))
    return bullet_list(items)
