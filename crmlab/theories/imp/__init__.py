"""The IMP group's view of business markets: interaction, relationships and networks.

The Industrial Marketing and Purchasing (IMP) group (Håkansson 1982; Ford
1990; Håkansson & Snehota 1995) sees B2B markets as networks of long-term
relationships in which buyers and sellers are both active, each exchange
episode is set against the history of the relationship, and each relationship
is connected to others.

- Data: :func:`read_actors`, :func:`read_episodes`, :func:`read_resource_ties`,
  :func:`read_activity_links` (the tidy tables, checked), :func:`read_network_tables`
  (all four from one folder).
- The ARA model (actors, resources, activities): :func:`build_network`,
  :func:`layer_view`, :func:`layer_graph`.
- Relationship strength and history: :func:`relationship_strength`,
  :func:`strength_over_time`, :func:`key_dyads`, :func:`dependence`,
  :func:`asymmetry_distribution`.
- Network position: :func:`centrality_table`, :func:`structural_holes`,
  :func:`brokerage_roles`, :func:`network_communities`, :func:`network_horizon`,
  :func:`horizon_sizes`, :func:`horizon_graph`, :func:`position_table`,
  :func:`brokerage_across_groups`, :func:`broker_positions`.
- Connected relationships (Anderson, Håkansson & Johanson 1994):
  :func:`relationship_change_impact`, :func:`supplier_switch`,
  :func:`switch_parties`, :func:`impact_by_distance`.
- Ground truth: :func:`simulate_b2b_network` (planted communities and brokers;
  :func:`network_tables` gives its four tables as the folder reader does),
  :func:`community_recovery` and :func:`broker_recovery` (found beside planted).
"""

from typing import TYPE_CHECKING

from crmlab import lazy_exports

# Loaded on first use (crmlab.lazy_exports), so importing the package stays cheap.
if TYPE_CHECKING:
    from crmlab.theories.imp.connected import (
        ConnectedRelationshipsImpact,
        impact_by_distance,
        relationship_change_impact,
        supplier_switch,
        switch_parties,
    )
    from crmlab.theories.imp.data import (
        ACTIVITY_LINK_COLUMNS,
        ACTOR_COLUMNS,
        EPISODE_COLUMNS,
        RESOURCE_TIE_COLUMNS,
        read_activity_links,
        read_actors,
        read_episodes,
        read_network_tables,
        read_resource_ties,
    )
    from crmlab.theories.imp.network import LAYERS, build_network, layer_graph, layer_view
    from crmlab.theories.imp.position import (
        ACROSS_GROUPS,
        BROKERAGE_ROLES,
        broker_positions,
        broker_recovery,
        brokerage_across_groups,
        brokerage_roles,
        centrality_table,
        community_recovery,
        horizon_graph,
        horizon_sizes,
        network_communities,
        network_horizon,
        position_table,
        structural_holes,
    )
    from crmlab.theories.imp.simulate import SimulatedB2BNetwork, network_tables, simulate_b2b_network
    from crmlab.theories.imp.strength import (
        STRENGTH_COMPONENTS,
        asymmetry_distribution,
        dependence,
        dyad_key,
        key_dyads,
        relationship_strength,
        strength_over_time,
    )

__getattr__, __dir__ = lazy_exports(__name__, __file__)

__all__ = [
    "ACROSS_GROUPS",
    "ACTIVITY_LINK_COLUMNS",
    "ACTOR_COLUMNS",
    "BROKERAGE_ROLES",
    "ConnectedRelationshipsImpact",
    "EPISODE_COLUMNS",
    "LAYERS",
    "RESOURCE_TIE_COLUMNS",
    "STRENGTH_COMPONENTS",
    "SimulatedB2BNetwork",
    "asymmetry_distribution",
    "broker_positions",
    "broker_recovery",
    "brokerage_across_groups",
    "brokerage_roles",
    "build_network",
    "centrality_table",
    "community_recovery",
    "dependence",
    "dyad_key",
    "horizon_graph",
    "horizon_sizes",
    "impact_by_distance",
    "key_dyads",
    "layer_graph",
    "layer_view",
    "network_communities",
    "network_horizon",
    "network_tables",
    "position_table",
    "read_activity_links",
    "read_actors",
    "read_episodes",
    "read_network_tables",
    "read_resource_ties",
    "relationship_change_impact",
    "relationship_strength",
    "simulate_b2b_network",
    "strength_over_time",
    "structural_holes",
    "supplier_switch",
    "switch_parties",
]
