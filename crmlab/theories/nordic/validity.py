"""Do the triplet scores measure something? Reliability, convergent/discriminant correlations, prediction.

- **Internal consistency**: Cronbach's α of each dimension's standardised,
  signed sub-indicators (:func:`crmlab.stats.cronbach_alpha`).
- **Convergent and discriminant validity**: correlations between the three
  indices — related (the triplet is one process) but not identical.
- **Predictive validity**: a logit of next-period activity (retention or
  repurchase) on the three indices (statsmodels), reported as odds ratios
  with 95% confidence intervals.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# statsmodels (about a second to import) is imported by the function that fits the regressions.

from crmlab.theories.nordic.scores import INDICATORS
from crmlab.stats.reliability import cronbach_alpha

__all__ = ["dimension_correlations", "next_period_activity", "predictive_validity", "subindicator_alpha"]

DIMENSIONS = ("interaction", "dialogue", "value")


def subindicator_alpha(profile: pd.DataFrame) -> pd.DataFrame:
    """Cronbach's α of each dimension's standardised sub-indicators (complete rows only)."""
    rows = []
    for dimension, subs in INDICATORS.items():
        cols = [f"z_{s}" for s in subs if f"z_{s}" in profile.columns]
        complete = profile[cols].dropna()
        alpha = cronbach_alpha(complete) if len(cols) >= 2 and len(complete) >= 3 else np.nan
        rows.append({"dimension": dimension, "indicators": len(cols), "rows": len(complete), "cronbach_alpha": alpha})
    return pd.DataFrame(rows)


def dimension_correlations(profile: pd.DataFrame) -> pd.DataFrame:
    """Pearson correlations between the interaction, dialogue and value indices."""
    return profile[list(DIMENSIONS)].corr()


def next_period_activity(log: pd.DataFrame, *, freq: str = "Q") -> pd.DataFrame:
    """For each customer and period with activity, whether the customer is active in the next period.

    The last period of the log is left out (its next period is not observed).
    """
    periods = log["timestamp"].dt.to_period(freq)
    active = pd.DataFrame({"customer_id": log["customer_id"], "p": periods}).drop_duplicates()
    last = periods.max()
    nxt = set(zip(active["customer_id"], active["p"], strict=True))
    active = active[active["p"] < last]
    return pd.DataFrame({"customer_id": active["customer_id"].to_numpy(), "period": active["p"].astype(str).to_numpy(),
                         "retained": [int((c, p + 1) in nxt) for c, p in zip(active["customer_id"], active["p"], strict=True)]})


def predictive_validity(profile: pd.DataFrame, outcome: pd.DataFrame, *, column: str = "retained") -> tuple[pd.DataFrame, object]:
    """Logit of the next-period outcome on the three indices: odds ratios with 95% CIs, and the statsmodels result."""
    import statsmodels.api as sm

    data = profile.merge(outcome, on=["customer_id", "period"]).dropna(subset=[*DIMENSIONS, column])
    if data[column].nunique() < 2:
        raise ValueError("predictive_validity: the outcome does not vary")
    X = sm.add_constant(data[list(DIMENSIONS)].astype(float))
    result = sm.Logit(data[column].astype(int), X).fit(disp=False)
    ci = result.conf_int()
    table = pd.DataFrame({"odds_ratio": np.exp(result.params), "ci_low": np.exp(ci[0]), "ci_high": np.exp(ci[1]),
                          "p": result.pvalues}).drop(index="const").rename_axis("index").reset_index()
    return table, result
