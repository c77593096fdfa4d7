"""Customer lifetime value: the value *of* the customer, from closed forms to probabilistic models.

Deterministic
    :func:`simple_clv` — the retention-based closed form m·r/(1 + d − r) of
    Gupta & Lehmann (2003), with finite-horizon and start-of-period variants.

"Buy Till You Die" models (lifelines-style classes: ``fit()`` returns the
model, ``params_``, ``summary``, ``print_summary()``, ``plot_*()``)
    :class:`BetaGeo` — BG/NBD (Fader, Hardie & Lee 2005);
    :class:`ParetoNBD` — Pareto/NBD (Schmittlein, Morrison & Colombo 1987);
    :class:`GammaGamma` — spend per transaction (Colombo & Jiang 1999; Fader, Hardie & Lee 2005).

Checking a fitted model against calibration and holdout data, as the papers do
    :func:`compare_models`, :func:`frequency_histogram_comparison`, :func:`holdout_comparison`,
    :func:`tracking_data`, :func:`probability_alive_matrix`.
"""

from crmlab.clv.beta_geo import BetaGeo
from crmlab.clv.fitting import ConvergenceWarning, NotFittedError
from crmlab.clv.formula import simple_clv
from crmlab.clv.pareto import ParetoNBD
from crmlab.clv.spend import GammaGamma, spend_frequency_correlation
from crmlab.clv.validation import (
    compare_models,
    frequency_histogram_comparison,
    holdout_comparison,
    probability_alive_matrix,
    tracking_data,
)

__all__ = [
    "BetaGeo",
    "ConvergenceWarning",
    "compare_models",
    "GammaGamma",
    "NotFittedError",
    "ParetoNBD",
    "frequency_histogram_comparison",
    "holdout_comparison",
    "probability_alive_matrix",
    "simple_clv",
    "spend_frequency_correlation",
    "tracking_data",
]
