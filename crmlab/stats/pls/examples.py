"""A small synthetic world for the examples of the PLS modules: X → Y with a planted path and two items each."""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmlab.stats.generators import as_generator
from crmlab.stats.pls.spec import PLSModel, reflective

__all__ = ["TWO_CONSTRUCT_MODEL", "two_construct_items"]

#: X (items x1, x2) → Y (items y1, y2), both mode A.
TWO_CONSTRUCT_MODEL = PLSModel({"X": reflective(["x1", "x2"]), "Y": reflective(["y1", "y2"])}, [("X", "Y")])


def two_construct_items(n_respondents: int, path: float, rng: np.random.Generator | int | None = None,
                        noise: float = 0.5) -> pd.DataFrame:
    """Items x1, x2, y1, y2 of standard-normal X and Y = path·X + √(1 − path²)·ε, each item the construct plus ``noise``·N(0, 1).

    The true correlation of X and Y is ``path``; the items' reliability is 1/(1 + noise²).

    >>> two_construct_items(1000, 0.6, rng=1).corr().loc["x1", "x2"].round(1)   # 1 / (1 + 0.25)
    np.float64(0.8)
    """
    generator = as_generator(rng)
    x = generator.normal(size=n_respondents)
    y = path * x + np.sqrt(1 - path**2) * generator.normal(size=n_respondents)
    return pd.DataFrame({f"{name}{k}": v + noise * generator.normal(size=n_respondents)
                         for name, v in (("x", x), ("y", y)) for k in (1, 2)})
