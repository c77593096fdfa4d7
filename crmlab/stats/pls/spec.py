"""The specification of a PLS path model: measurement blocks, interactions, higher-order constructs.

A PLS path model (Wold 1982; Lohmöller 1989) has two parts:

- the **measurement model**: each construct is a weighted composite of its
  items, estimated in *mode A* (:func:`reflective`: each weight is the
  covariance of the item with the construct's inner proxy, "correlation
  weights") or *mode B* (:func:`formative`: the weights are the multiple
  regression of the inner proxy on the items, "regression weights");
  :func:`interaction` adds a moderation term and :func:`higher_order` a
  construct measured by other constructs, both by the two-stage approach;
- the **structural model**: ``(from, to)`` paths between constructs, recursive
  (no cycles).

:class:`PLSModel` holds both and checks them; :meth:`PLSModel.fit` estimates
them on a DataFrame of items (:mod:`crmlab.stats.pls.algorithm`).

A note on names: ``reflective`` here is mode A estimation of a composite, as in
SmartPLS and in seminr's ``composite(..., weights = mode_A)``; the consistent
PLS correction of common factors (PLSc, Dijkstra & Henseler 2015) is not applied.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from crmlab.stats.pls.algorithm import PLSFit

__all__ = ["HigherOrder", "Interaction", "MeasurementBlock", "PLSModel", "formative", "higher_order", "interaction", "reflective"]


@dataclass(frozen=True)
class MeasurementBlock:
    """A construct measured by items: ``mode`` "A" (reflective, correlation weights) or "B" (formative, regression weights).

    >>> reflective(["IMAG1", "IMAG2"])
    MeasurementBlock(items=('IMAG1', 'IMAG2'), mode='A')
    """

    items: tuple[str, ...]
    mode: str = "A"


@dataclass(frozen=True)
class Interaction:
    """A moderation term ``iv × moderator`` by the two-stage approach (Henseler & Chin 2010; seminr's ``two_stage``).

    Stage one estimates the model without interaction terms; the product of
    the standardised scores of ``iv`` and ``moderator`` becomes the single item
    of the interaction construct in stage two. Its score is the centred product
    (not rescaled to unit variance), so its path coefficient is that of the
    product term of a moderated regression on standardised scores.

    >>> interaction("Image", "Expectation").iv
    'Image'
    """

    iv: str
    moderator: str


@dataclass(frozen=True)
class HigherOrder:
    """A higher-order construct measured by the scores of lower-order constructs, by the two-stage approach.

    The disjoint two-stage approach (Becker, Klein & Wetzels 2012; Sarstedt et
    al. 2019): stage one replaces the higher-order construct in the structural
    model by its dimensions (its antecedents point to each dimension, each
    dimension to its outcomes); stage two measures it by the dimensions'
    stage-one scores, in ``mode`` A or B.

    >>> higher_order(["Value", "Satisfaction"]).dimensions
    ('Value', 'Satisfaction')
    """

    dimensions: tuple[str, ...]
    mode: str = "A"


def _names(items: Iterable[str], what: str) -> tuple[str, ...]:
    if isinstance(items, str):
        raise TypeError(f"{what} takes a list of names, not one string ({items!r})")
    names = tuple(items)
    for name in names:
        if not isinstance(name, str) or not name:
            raise ValueError(f"{what}: every name must be non-empty text, got {name!r}")
    return names


def reflective(items: Sequence[str]) -> MeasurementBlock:
    """A construct measured in mode A (correlation weights): w_i = cov(x_i, inner proxy) (Wold 1982).

    >>> reflective(["CUSL1", "CUSL2", "CUSL3"]).mode
    'A'
    """
    return MeasurementBlock(_names(items, "reflective"), "A")


def formative(items: Sequence[str]) -> MeasurementBlock:
    """A construct measured in mode B (regression weights): w = R_xx⁻¹ r_xz (Wold 1982; Lohmöller 1989).

    >>> formative(["qual_1", "qual_2"]).mode
    'B'
    """
    return MeasurementBlock(_names(items, "formative"), "B")


def interaction(iv: str, moderator: str) -> Interaction:
    """The moderation term ``iv × moderator`` (two-stage approach; see :class:`Interaction`).

    >>> interaction("Image", "Value")
    Interaction(iv='Image', moderator='Value')
    """
    return Interaction(*_names([iv, moderator], "interaction"))


def higher_order(dimensions: Sequence[str], mode: str = "A") -> HigherOrder:
    """A higher-order construct over lower-order ``dimensions`` (two-stage approach; see :class:`HigherOrder`).

    >>> higher_order(["Image", "Value"], mode="B").mode
    'B'
    """
    if mode not in ("A", "B"):
        raise ValueError(f"higher_order: mode must be 'A' or 'B', got {mode!r}")
    dims = _names(dimensions, "higher_order")
    if len(dims) < 2:
        raise ValueError(f"higher_order: a higher-order construct needs at least two dimensions, got {list(dims)}")
    return HigherOrder(dims, mode)


Spec = MeasurementBlock | Interaction | HigherOrder


class PLSModel:
    """A PLS path model: constructs measured by items and recursive paths between them.

    Parameters
    ----------
    measurement : mapping
        construct name → :func:`reflective` / :func:`formative` block,
        :func:`interaction` or :func:`higher_order`. A plain list of items is
        read as :func:`reflective`.
    structure : sequence of (from, to)
        The paths of the structural model. Every construct of the measurement
        model must be in at least one path (a lower-order dimension of a
        higher-order construct is in its paths through it).

    The model is checked when built: a construct without items, an item in
    two constructs, a path to or from an unknown construct, a construct in no
    path, a path from a construct to itself or a cycle is a ValueError naming
    the construct or item.

    Source: Wold (1982); Lohmöller (1989); the seminr conventions (Ray, Danks
    & Calero Valdez 2021) for interactions and higher-order constructs.

    >>> model = PLSModel({"X": reflective(["x1", "x2"]), "Y": reflective(["y1", "y2"])}, [("X", "Y")])
    >>> model.constructs
    ['X', 'Y']
    >>> PLSModel({"X": reflective(["x1", "x2"]), "Y": reflective(["x2", "y2"])}, [("X", "Y")])
    Traceback (most recent call last):
    ...
    ValueError: item 'x2' is in two constructs: 'X' and 'Y'
    """

    def __init__(self, measurement: Mapping[str, Spec | Sequence[str]], structure: Sequence[tuple[str, str]]):
        blocks: dict[str, Spec] = {}
        for name, spec in dict(measurement).items():
            if not isinstance(name, str) or not name:
                raise ValueError(f"a construct name must be non-empty text, got {name!r}")
            if not isinstance(spec, (MeasurementBlock, Interaction, HigherOrder)):
                spec = reflective(spec)  # type: ignore[arg-type]
            blocks[name] = spec
        paths = []
        for path in structure:
            if len(path) != 2:
                raise ValueError(f"a path is a (from, to) pair, got {path!r}")
            paths.append((str(path[0]), str(path[1])))
        self.measurement: dict[str, Spec] = blocks
        self.structure: list[tuple[str, str]] = list(dict.fromkeys(paths))
        self._check()

    # ------------------------------------------------------------------ checks
    def _check(self) -> None:
        owner: dict[str, str] = {}
        for name, spec in self.measurement.items():
            if isinstance(spec, MeasurementBlock):
                if not spec.items:
                    raise ValueError(f"construct {name!r} has no items")
                for item in spec.items:
                    if item in owner:
                        raise ValueError(f"item {item!r} is in two constructs: {owner[item]!r} and {name!r}")
                    if item in self.measurement:
                        raise ValueError(f"item {item!r} of construct {name!r} has the name of a construct")
                    owner[item] = name
            elif isinstance(spec, Interaction):
                for part in (spec.iv, spec.moderator):
                    if part not in self.measurement or not isinstance(self.measurement[part], MeasurementBlock):
                        raise ValueError(f"interaction {name!r}: {part!r} is not a construct measured by items")
            else:
                for dim in spec.dimensions:
                    if dim not in self.measurement or not isinstance(self.measurement[dim], MeasurementBlock):
                        raise ValueError(f"higher-order construct {name!r}: dimension {dim!r} is not a construct measured by items")
        in_paths: set[str] = set()
        for source, target in self.structure:
            for end in (source, target):
                if end not in self.measurement:
                    raise ValueError(f"path {source!r} → {target!r}: unknown construct {end!r} (the measurement model has: {', '.join(self.measurement)})")
            if source == target:
                raise ValueError(f"path {source!r} → {target!r}: a construct cannot point to itself")
            if isinstance(self.measurement[target], Interaction):
                raise ValueError(f"path {source!r} → {target!r}: an interaction term can only be an antecedent")
            in_paths.update((source, target))
        dims = {d for s in self.measurement.values() if isinstance(s, HigherOrder) for d in s.dimensions}
        for name in self.measurement:
            if name not in in_paths and name not in dims:
                raise ValueError(f"construct {name!r} is in no path of the structural model")
        for name, spec in self.measurement.items():
            if isinstance(spec, HigherOrder) and name not in in_paths:
                raise ValueError(f"higher-order construct {name!r} is in no path of the structural model")
        order = self.causal_order()  # raises on a cycle
        del order

    def causal_order(self) -> list[str]:
        """The constructs of the structural model in causal order (antecedents first); a cycle is a ValueError.

        >>> PLSModel({"A": ["a1"], "B": ["b1"], "C": ["c1"]}, [("B", "C"), ("A", "B")]).causal_order()
        ['A', 'B', 'C']
        """
        nodes = list(dict.fromkeys(c for path in self.structure for c in path))
        preds = {n: [s for s, t in self.structure if t == n] for n in nodes}
        done: list[str] = []
        pending = [n for n in self.constructs if n in preds]
        while pending:
            ready = [n for n in pending if all(p in done for p in preds[n])]
            if not ready:
                raise ValueError(f"the structural model has a cycle through: {', '.join(pending)} (PLS path models are recursive)")
            done += ready
            pending = [n for n in pending if n not in ready]
        return done

    # --------------------------------------------------------------- accessors
    @property
    def constructs(self) -> list[str]:
        """The construct names, in the order of the measurement model."""
        return list(self.measurement)

    @property
    def items(self) -> list[str]:
        """Every item column the model reads from the data, in measurement order."""
        return [i for s in self.measurement.values() if isinstance(s, MeasurementBlock) for i in s.items]

    def predecessors(self, construct: str) -> list[str]:
        """The constructs with a path to ``construct``."""
        return [s for s, t in self.structure if t == construct]

    @property
    def endogenous(self) -> list[str]:
        """Constructs with at least one incoming path, in causal order."""
        return [c for c in self.causal_order() if self.predecessors(c)]

    def __repr__(self) -> str:
        return f"PLSModel({len(self.measurement)} constructs, {len(self.items)} items, {len(self.structure)} paths)"

    def fit(
        self,
        data: pd.DataFrame,
        scheme: str = "path",
        *,
        missing: str = "refuse",
        tolerance: float = 1e-7,
        max_iter: int = 300,
        source: str = "DataFrame",
    ) -> PLSFit:
        """Estimate the model on ``data`` (one row per respondent, one column per item); see :func:`~crmlab.stats.pls.algorithm.fit_pls`."""
        from crmlab.stats.pls.algorithm import fit_pls

        return fit_pls(self, data, scheme=scheme, missing=missing, tolerance=tolerance, max_iter=max_iter, source=source)

    def _with_structure(self, structure: Sequence[tuple[str, str]], keep: Iterable[str] | None = None) -> PLSModel:
        """A copy with other paths (constructs not in ``keep`` and in no path dropped), unchecked for use inside estimation."""
        copy = object.__new__(PLSModel)
        keep_set = set(keep) if keep is not None else set(self.measurement)
        copy.measurement = {n: s for n, s in self.measurement.items() if n in keep_set}
        copy.structure = [p for p in structure if p[0] in keep_set and p[1] in keep_set]
        return copy
