"""The Guanxi school (the Asian school of relationship marketing): favours, renqing and networks.

People tied by family, friendship or clan owe each other reciprocal favours
(renqing) and exchange them to obtain resources (Hwang 1987; Luo 1997).

- Data: :func:`read_favour_ledger` (the favour ledger, checked), :data:`TIE_TYPES`.
- Reciprocity: :func:`dyad_balances` (balance and renqing debt per pair),
  :func:`renqing_positions` (per person), :func:`reciprocity_index`.
- Network (networkx): :func:`guanxi_graph` (tie types as weights, :data:`TIE_WEIGHTS`),
  :func:`favour_digraph`, :func:`guanxi_closure`, :func:`guanxi_positions`; its circles:
  :func:`guanxi_communities` (Louvain), :func:`community_summary`, :func:`community_ties`,
  :func:`community_modularity`.
- Obligation: :func:`obligation_panel`, :func:`obligation_test` (logit, statsmodels).
- Ground truth: :func:`simulate_favour_ledger`.
"""

from typing import TYPE_CHECKING

from crmlab import lazy_exports

# Loaded on first use (crmlab.lazy_exports), so importing the package stays cheap.
if TYPE_CHECKING:
    from crmlab.theories.guanxi.ledger import FAVOUR_COLUMNS, TIE_TYPES, read_favour_ledger
    from crmlab.theories.guanxi.network import (
        TIE_WEIGHTS,
        community_modularity,
        community_summary,
        community_ties,
        favour_digraph,
        guanxi_closure,
        guanxi_communities,
        guanxi_graph,
        guanxi_positions,
    )
    from crmlab.theories.guanxi.obligation import obligation_panel, obligation_test
    from crmlab.theories.guanxi.reciprocity import dyad_balances, reciprocity_index, renqing_positions
    from crmlab.theories.guanxi.simulate import SimulatedFavourLedger, simulate_favour_ledger

__getattr__, __dir__ = lazy_exports(__name__, __file__)

__all__ = [
    "FAVOUR_COLUMNS",
    "SimulatedFavourLedger",
    "TIE_TYPES",
    "TIE_WEIGHTS",
    "community_modularity",
    "community_summary",
    "community_ties",
    "dyad_balances",
    "favour_digraph",
    "guanxi_closure",
    "guanxi_communities",
    "guanxi_graph",
    "guanxi_positions",
    "obligation_panel",
    "obligation_test",
    "read_favour_ledger",
    "reciprocity_index",
    "renqing_positions",
    "simulate_favour_ledger",
]
