"""Theories of relationship marketing, one subpackage or module per school.

- :mod:`crmlab.theories.imp` — the IMP group: the interaction model and the
  ARA model of business networks (Håkansson 1982; Håkansson & Snehota 1995),
  network position, brokerage and connected relationships.
- :mod:`crmlab.theories.trust_commitment` — the North-American school: Morgan
  & Hunt's (1994) key mediating variable (KMV) model of trust and commitment.
- :mod:`crmlab.theories.referral` — Gummesson's business relationship
  management: referral trees, customer referral value (Kumar, Petersen & Leone
  2007), Bass (1969) diffusion of advertising against word of mouth, and
  control charts of service quality (Montgomery 2009).
- :mod:`crmlab.theories.guanxi` — the Asian Guanxi school: favour ledgers,
  renqing balances and reciprocity, the guanxi network, and a logit test of the
  obligation mechanism (Hwang 1987).
- :mod:`crmlab.theories.stakeholders` — the Anglo-Australian school: Christopher,
  Payne & Ballantyne's (1991) six-markets map and the satisfaction → retention →
  profit chain as a mediation model.
"""
