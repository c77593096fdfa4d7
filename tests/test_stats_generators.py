"""The one seeded-generator helper (crmlab.stats.as_generator), checked against numpy's own default_rng."""

from __future__ import annotations

import numpy as np
import pytest

from crmlab.stats import as_generator


def test_a_seed_gives_numpys_stream_and_a_generator_is_passed_through():
    """Second implementation: a seed draws what numpy.random.default_rng(seed) draws; a Generator
    (and its position in the stream) is used as given; a SeedSequence seeds like numpy."""
    assert as_generator(42).normal(size=5).tolist() == np.random.default_rng(42).normal(size=5).tolist()
    assert as_generator(np.int64(3)).integers(10, size=4).tolist() == np.random.default_rng(3).integers(10, size=4).tolist()
    stream = np.random.default_rng(1)
    stream.random()
    assert as_generator(stream) is stream
    sequence = np.random.SeedSequence(9)
    assert as_generator(sequence).random() == np.random.default_rng(np.random.SeedSequence(9)).random()
    assert isinstance(as_generator(None), np.random.Generator)


@pytest.mark.parametrize("bad", [0.5, True, -1, "7", [1, 2]])
def test_anything_else_is_refused_naming_rng(bad):
    with pytest.raises(TypeError, match="rng must be a numpy Generator, a whole-number seed ≥ 0"):
        as_generator(bad)


def test_one_helper_in_the_lab():
    """Structure: the Generator-or-seed test is written once, in crmlab.stats.generators."""
    from pathlib import Path

    import crmlab

    root = Path(crmlab.__file__).parent
    inline = [str(p.relative_to(root)) for p in root.rglob("*.py")
              if "isinstance(rng, np.random.Generator)" in p.read_text()]
    assert inline == ["stats/generators.py"]
