"""Seeded random number generators: the one way crmlab turns ``rng=`` into a numpy Generator.

Every simulation, bootstrap and randomised algorithm in crmlab takes
``rng: numpy.random.Generator | int | None`` and passes it through
:func:`as_generator`, so that a report run twice with the same seed draws the
same numbers (NumPy's recommended practice, NEP 19: one
:class:`numpy.random.Generator` passed down, never the global state).
"""

from __future__ import annotations

from numbers import Integral

import numpy as np

__all__ = ["as_generator"]


def as_generator(rng: np.random.Generator | int | np.random.SeedSequence | None) -> np.random.Generator:
    """A :class:`numpy.random.Generator` from a seed, a SeedSequence or a Generator (returned as is).

    An integer seed (≥ 0) or a :class:`numpy.random.SeedSequence` starts a new
    PCG64 generator (:func:`numpy.random.default_rng`), so the same seed gives
    the same draws; a Generator is used as given, so a caller can pass one
    stream through several functions; ``None`` draws fresh entropy (not
    reproducible: give a seed in reports). Anything else — a float, a bool,
    text — is a TypeError naming ``rng`` rather than NumPy's message.

    Source: NumPy Enhancement Proposal 19 (Kern 2018), "Random number generator policy".

    >>> as_generator(7).integers(100, size=3).tolist() == as_generator(7).integers(100, size=3).tolist()
    True
    >>> stream = as_generator(1)
    >>> as_generator(stream) is stream
    True
    >>> as_generator(0.5)
    Traceback (most recent call last):
    ...
    TypeError: rng must be a numpy Generator, a whole-number seed ≥ 0, a SeedSequence or None, not 0.5
    """
    if isinstance(rng, np.random.Generator):
        return rng
    seed_ok = isinstance(rng, Integral) and not isinstance(rng, (bool, np.bool_)) and int(rng) >= 0
    if rng is None or seed_ok or isinstance(rng, np.random.SeedSequence):
        return np.random.default_rng(rng)
    raise TypeError(f"rng must be a numpy Generator, a whole-number seed ≥ 0, a SeedSequence or None, not {rng!r}")
