"""Reader labels for column names: ``p_alive`` → "P(alive)", ``n_customers`` → "Customers".

The lab's result frames name their columns in snake_case, after the construct
(``monetary_value``, ``retention_rate``). A reader table shows them as labels:
the constructs of the lab from :data:`LABELS`, everything else by a readable
fallback (underscores to spaces, a capital first letter, known abbreviations
in capitals, a leading ``n_`` and a trailing ``_id`` dropped). A name that is
already written for people (it has a space, a capital or punctuation) is kept.

>>> [label(name) for name in ["customer_id", "p_alive", "t_x", "mean_clv", "n_customers", "5% churn"]]
['Customer', 'P(alive)', 'Recency (t_x)', 'Mean CLV', 'Customers', '5% churn']
>>> label("recency", unit="weeks"), label("t_x", unit="weeks")
('Recency (weeks)', 'Recency (t_x, weeks)')
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = ["ABBREVIATIONS", "LABELS", "label"]

#: Labels of the lab's constructs, by the column name its frames use.
LABELS: dict[str, str] = {
    # identifiers
    "customer_id": "Customer",
    "account_id": "Account",
    "actor_id": "Actor",
    # the transaction summary (Fader, Hardie & Lee 2005 notation)
    "x": "Frequency (x)",
    "t_x": "Recency (t_x)",
    "T": "Age (T)",
    "frequency": "Frequency",
    "recency": "Recency",
    "monetary_value": "Monetary value",
    "total_spend": "Total spend",
    # customer base
    "crr": "CRR",
    "retention_rate": "Retention rate (CRR)",
    "churn_rate": "Churn rate",
    "ipt": "Interpurchase time",
    "period_number": "Periods since acquisition",
    "cohort_size": "Cohort size",
    # customer value
    "clv": "CLV",
    "crv": "CRV",
    "p_alive": "P(alive)",
    "probability_alive": "P(alive)",
    "expected_purchases": "Expected purchases",
    # estimates and tests
    "estimate": "Estimate",
    "std_estimate": "Standardised estimate",
    "se": "Standard error",
    "standard_error": "Standard error",
    "ci_low": "CI low",
    "ci_high": "CI high",
    "p": "p",
    "p_value": "p",
    "odds_ratio": "Odds ratio",
    "log_likelihood": "Log-likelihood",
    # model parameters written as their Greek letters
    "alpha": "α",
    "beta": "β",
    "gamma": "γ",
    "delta": "δ",
    "theta": "θ",
    "lambda": "λ",
    "mu": "μ",
    "sigma": "σ",
}

#: Words a fallback label writes in capitals.
ABBREVIATIONS = frozenset({
    "aic", "ara", "b2b", "bg", "bic", "ci", "clv", "crr", "crv", "cv", "ewma", "gam", "hhi", "imp", "ipt",
    "kam", "kmv", "lcl", "ll", "ltv", "nbd", "rfm", "roi", "sbg", "sd", "se", "ucl",
})

_SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
_BRACKETED = re.compile(r" \([^()]*\)$")  # "Recency (t_x)", not "P(alive)"


def _fallback(name: str) -> str:
    words = name.split("_")
    if len(words) > 1 and words[0] == "n":
        words = words[1:]
    if len(words) > 1 and words[-1] == "id":
        words = words[:-1]
    words = [w.upper() if w in ABBREVIATIONS else w for w in words]
    text = " ".join(words)
    return text if len(text) == 1 else text[0].upper() + text[1:]


def label(name: Any, unit: str | None = None, labels: Mapping[str, str] | None = None) -> str:
    """The reader label of a column: ``labels`` first, then :data:`LABELS`, then the readable fallback.

    ``unit`` is added in brackets ("Recency (weeks)"), inside the label's own
    brackets when it has some ("Recency (t_x, weeks)"). Names that are not
    strings (a year, a period) are written as they are.

    >>> label("monetary_value", unit="$"), label("cohort", labels={"cohort": "Acquired in"}), label(2021)
    ('Monetary value ($)', 'Acquired in', '2021')
    >>> label("hhi"), label("r"), label("alpha"), label("Already Readable"), label("p_alive", unit="%")
    ('HHI', 'r', 'α', 'Already Readable', 'P(alive) (%)')
    """
    if labels is not None and name in labels:
        text = str(labels[name])
    elif not isinstance(name, str):
        text = str(name)
    elif name in LABELS:
        text = LABELS[name]
    elif _SNAKE.match(name):
        text = _fallback(name)
    else:
        text = name
    if not unit:
        return text
    if _BRACKETED.search(text):
        return f"{text[:-1]}, {unit})"
    return f"{text} ({unit})"
