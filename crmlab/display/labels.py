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

__all__ = ["ABBREVIATIONS", "LABELS", "label", "term_label"]

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


_CATEGORY_TERM = re.compile(r"^C\(\s*(\w+)\s*(?:,[^)]*)?\)\[T\.(.+)\]$")  # C(tie_type)[T.family]
_FUNCTION_TERM = re.compile(r"^(?:np\.|numpy\.)?(log1p|log|sqrt|exp)\(\s*(\w+)\s*\)$")  # np.log1p(frequency)
_FUNCTION_TEXT = {"log1p": "log(1 + {})", "log": "log({})", "sqrt": "√{}", "exp": "exp({})"}


def _interaction_parts(term: str) -> list[str]:
    """The parts of an interaction term ``a:b``, split at the colons outside brackets."""
    parts, depth, start = [], 0, 0
    for position, char in enumerate(term):
        if char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif char == ":" and depth == 0:
            parts.append(term[start:position])
            start = position + 1
    return parts + [term[start:]]


def term_label(term: Any, labels: Mapping[str, str] | None = None, reference: Mapping[str, str] | None = None) -> str:
    """The reader label of a model term as statsmodels' formulas (patsy) name it.

    - a level of a categorical, ``C(tie_type)[T.family]`` → "Tie type: family", with
      " (vs business)" when ``reference`` gives the variable's reference level;
    - a transformed variable, ``np.log1p(frequency)`` → "log(1 + frequency)" (also ``log``,
      ``sqrt``, ``exp``);
    - an interaction ``a:b`` → the labels of its parts joined by " × ";
    - anything else, "Intercept" included, by :func:`label`.

    A variable inside a term is written as ``labels`` says, else with spaces for underscores.

    >>> term_label("C(tie_type)[T.family]", reference={"tie_type": "business"})
    'Tie type: family (vs business)'
    >>> term_label("np.log1p(frequency)"), term_label("time_since_last", {"time_since_last": "Weeks since last purchase"})
    ('log(1 + frequency)', 'Weeks since last purchase')
    >>> term_label("indebted:C(tie_type)[T.clan]"), term_label("Intercept")
    ('Indebted × Tie type: clan', 'Intercept')
    """
    text = str(term)
    labels = dict(labels or {})
    if text in labels:
        return str(labels[text])
    parts = _interaction_parts(text)
    if len(parts) > 1:
        return " × ".join(term_label(part, labels, reference) for part in parts)
    category = _CATEGORY_TERM.match(text)
    if category:
        variable, level = category.groups()
        name = label(variable, None, labels)
        base = (reference or {}).get(variable)
        return f"{name}: {level}" + (f" (vs {base})" if base is not None else "")
    function = _FUNCTION_TERM.match(text)
    if function:
        name, variable = function.groups()
        return _FUNCTION_TEXT[name].format(labels.get(variable, variable.replace("_", " ")))
    return label(text, None, labels)
