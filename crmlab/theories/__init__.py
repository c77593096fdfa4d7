"""Theories of relationship marketing, one subpackage or module per school.

- :mod:`crmlab.theories.lifecycle` — relationship development: Dwyer, Schurr &
  Oh's (1987) five phases measured from activity, a hidden Markov model of
  relationship states (Netzer, Lattin & Srinivasan 2008), and dissolution.
- :mod:`crmlab.theories.imp` — the IMP group: the interaction model and the
  ARA model of business networks (Håkansson 1982; Håkansson & Snehota 1995),
  network position, brokerage and connected relationships.
- :mod:`crmlab.theories.nordic` — the Nordic School: interaction, dialogue and
  value scores from an interaction log (Grönroos 2004; Holmlund 1996's levels
  of interaction) and their validity.
- :mod:`crmlab.theories.trust_commitment` — the North-American school: Morgan
  & Hunt's (1994) key mediating variable (KMV) model of trust and commitment.
- :mod:`crmlab.theories.stakeholders` — the Anglo-Australian school: Christopher,
  Payne & Ballantyne's (1991) six-markets map and the satisfaction → retention →
  profit chain as a mediation model.
- :mod:`crmlab.theories.satisfaction` — the same chain measured on surveys:
  the ECSI customer-satisfaction-index model (Eklöf & Westlund 2002) and
  synthetic surveys with planted paths for PLS path modelling.
- :mod:`crmlab.theories.referral` — Gummesson's business relationship
  management: referral trees, customer referral value (Kumar, Petersen & Leone
  2007), Bass (1969) diffusion of advertising against word of mouth, and
  control charts of service quality (Montgomery 2009).
- :mod:`crmlab.theories.guanxi` — the Asian Guanxi school: favour ledgers,
  renqing balances and reciprocity, the guanxi network, and a logit test of the
  obligation mechanism (Hwang 1987).

A school imports no other school: what two schools share lives below them,
methods in :mod:`crmlab.stats` (path models, reliability, maximum likelihood,
seeded generators) and table rules in :mod:`crmlab.data`
(``tests/test_package_boundaries.py`` checks it).

>>> import crmlab.theories.nordic, crmlab.theories.trust_commitment
>>> crmlab.theories.trust_commitment.cronbach_alpha is crmlab.stats.cronbach_alpha
True
"""
