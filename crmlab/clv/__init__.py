"""Customer lifetime value models.

- :func:`simple_clv`: the retention-based closed form m·r/(1 + d − r) of
  Gupta & Lehmann (2003), with finite-horizon and start-of-period variants.
"""

from crmlab.clv.formula import simple_clv

__all__ = ["simple_clv"]
