"""Customer lifetime value: the value *of* the customer, from closed forms to probabilistic models.

Deterministic
    :func:`simple_clv` — the retention-based closed form m·r/(1 + d − r) of
    Gupta & Lehmann (2003), with finite-horizon and start-of-period variants.

"Buy Till You Die" models (lifelines-style classes: ``fit()`` returns the
model, ``params_``, ``summary``, ``print_summary()``; maximum likelihood by
:class:`crmlab.stats.ParametricModel`; their figures are functions of
:mod:`crmlab.plots` that take the tables below, e.g.
``plot_holdout_comparison(holdout_comparison(model, summary))``)
    :class:`BetaGeo` — BG/NBD (Fader, Hardie & Lee 2005);
    :class:`ModifiedBetaGeo` — MBG/NBD (Batislam, Denizel & Filiztekin 2007);
    :class:`BetaGeoBetaBinom` — BG/BB, discrete opportunities (Fader, Hardie & Shang 2010);
    :class:`ParetoNBD` — Pareto/NBD (Schmittlein, Morrison & Colombo 1987);
    :class:`GammaGamma` — spend per transaction (Colombo & Jiang 1999; Fader, Hardie & Lee 2005).

Time-invariant covariates in the BG/NBD, MBG/NBD and Pareto/NBD (Fader & Hardie 2007)
    ``fit(summary, purchase_covariates=[...], dropout_covariates=[...])``; :func:`wald_tests`,
    :func:`likelihood_ratio_test`, :func:`simulate_summary_with_covariates` (:mod:`crmlab.clv.covariates`).

Contractual retention
    :class:`ShiftedBetaGeometric` — sBG (Fader & Hardie 2007, 2010): survival,
    retention curves, discounted expected (residual) lifetime.

Markov chains of relationship states
    :class:`MarkovCLV` (Pfeifer & Carraway 2000), :func:`estimate_transition_matrix`,
    :func:`recency_states`.

Customer value tables and LTV by acquisition channel
    :func:`customer_value_table`, :func:`clv_by_channel`.

Checking a fitted model against calibration and holdout data, as the papers do
    :func:`compare_models`, :func:`frequency_histogram_comparison`, :func:`holdout_comparison`,
    :func:`tracking_data`, :func:`probability_alive_matrix`.
"""

from typing import TYPE_CHECKING

from crmlab import lazy_exports

# Loaded on first use (crmlab.lazy_exports), so importing the package stays cheap.
if TYPE_CHECKING:
    from crmlab.clv.beta_geo import BetaGeo
    from crmlab.clv.beta_geo_beta_binom import BetaGeoBetaBinom
    from crmlab.clv.covariates import likelihood_ratio_test, simulate_summary_with_covariates, wald_tests
    from crmlab.stats.maximum_likelihood import ConvergenceWarning, NotFittedError
    from crmlab.clv.formula import churn_scenario_summary, simple_clv
    from crmlab.clv.modified_beta_geo import ModifiedBetaGeo
    from crmlab.clv.markov import MarkovCLV, estimate_transition_matrix, recency_states
    from crmlab.clv.pareto_nbd import ParetoNBD
    from crmlab.clv.shifted_beta_geo import ShiftedBetaGeometric
    from crmlab.clv.spend import GammaGamma, spend_frequency_correlation
    from crmlab.clv.value import clv_by_channel, customer_value_table
    from crmlab.clv.validation import (
        compare_models,
        frequency_histogram_comparison,
        holdout_comparison,
        probability_alive_matrix,
        tracking_data,
    )

_reexport, __dir__ = lazy_exports(__name__, __file__)


def __getattr__(name: str) -> object:
    """A re-export, or ``TRANSACTION_MODELS``: the transaction models by class name, for configuration
    files and notebook parameters."""
    if name == "TRANSACTION_MODELS":
        models = (_reexport("BetaGeo"), _reexport("ModifiedBetaGeo"), _reexport("ParetoNBD"))
        globals()[name] = {cls.__name__: cls for cls in models}
        return globals()[name]
    return _reexport(name)

__all__ = [
    "TRANSACTION_MODELS",
    "BetaGeo",
    "BetaGeoBetaBinom",
    "ConvergenceWarning",
    "compare_models",
    "GammaGamma",
    "MarkovCLV",
    "ModifiedBetaGeo",
    "clv_by_channel",
    "customer_value_table",
    "estimate_transition_matrix",
    "recency_states",
    "NotFittedError",
    "ParetoNBD",
    "ShiftedBetaGeometric",
    "frequency_histogram_comparison",
    "holdout_comparison",
    "probability_alive_matrix",
    "churn_scenario_summary",
    "simple_clv",
    "spend_frequency_correlation",
    "tracking_data",
    "likelihood_ratio_test",
    "simulate_summary_with_covariates",
    "wald_tests",
]
