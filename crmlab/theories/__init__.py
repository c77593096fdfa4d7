"""Theories of relationship marketing, one subpackage or module per school.

- :mod:`crmlab.theories.trust_commitment` — the North-American school: Morgan
  & Hunt's (1994) key mediating variable (KMV) model of trust and commitment.
"""
