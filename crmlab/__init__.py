"""crmlab: relationship-marketing theories and CRM metrics as tested, executable models.

The package is organised the way data flows (see README):

- :mod:`crmlab.data` reads and validates transactions, ships the bundled
  datasets (CDNOW) and simulates synthetic customer bases with known truth;
- :mod:`crmlab.customers` computes customer-base metrics (RFM summary, churn,
  retention, cohorts, interpurchase time, base projection);
- :mod:`crmlab.clv` holds customer-lifetime-value models;
- :mod:`crmlab.plots` draws one figure per function;
- :mod:`crmlab.display` shows numbers to readers (formats, labels, tables, generated sentences);
- :mod:`crmlab.reports` executes the notebooks into ``reports/``.

Each package names its public functions and classes at the top
(``from crmlab.clv import BetaGeo``) but loads the module that defines one when
it is first used (:func:`lazy_exports`): ``import crmlab.clv`` does not pay for
statsmodels, pandera or SciPy's optimisers that a session may never call.
"""

from __future__ import annotations

import ast
import importlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["__version__", "lazy_exports", "lazy_module"]


def __getattr__(name: str) -> Any:
    """``__version__``, read from the installed distribution when first asked for (importlib.metadata
    takes a few hundredths of a second to import and read, which every ``import crmlab.x`` would pay)."""
    if name != "__version__":
        raise AttributeError(f"module 'crmlab' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        value = version("crmlab")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        value = "0.0.0+unknown"
    globals()["__version__"] = value
    return value


def lazy_exports(package: str, init_file: str) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """A package's re-exports, each imported from its module when first used (PEP 562).

    The package writes its re-exports as ordinary ``from … import …`` statements under
    ``if TYPE_CHECKING:`` (so readers, type checkers and the import-layering test see them) and
    sets ``__getattr__, __dir__ = lazy_exports(__name__, __file__)``. The statements are read from
    the file with :mod:`ast` (as ``lazy_loader.attach_stub`` of the Scientific Python SPEC 1 reads a
    stub). On first access of a name, ``__getattr__`` (PEP 562, Levkivskyi 2017) imports its module
    and keeps the value in the package, so later accesses are plain look-ups; ``__dir__`` lists the
    package's names with the re-exports. ``from crmlab.clv import BetaGeo``, ``crmlab.clv.BetaGeo``,
    ``dir(crmlab.clv)`` and ``from crmlab.clv import *`` behave as if every name had been imported
    at the top.

    >>> import crmlab.data
    >>> getattr_, dir_ = lazy_exports("crmlab.data", crmlab.data.__file__)
    >>> getattr_("DataError").__module__
    'crmlab.data.errors'
    >>> "read_transactions" in dir_()
    True
    >>> getattr_("no_such_name")
    Traceback (most recent call last):
    AttributeError: module 'crmlab.data' has no attribute 'no_such_name'
    """
    namespace = sys.modules[package].__dict__
    origin: dict[str, tuple[str, str]] = {}
    for node in ast.parse(Path(init_file).read_text(encoding="utf-8")).body:
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            for statement in node.body:
                if isinstance(statement, ast.ImportFrom):
                    module = "." * statement.level + (statement.module or "")
                    origin.update({alias.asname or alias.name: (module, alias.name) for alias in statement.names})

    def __getattr__(name: str) -> Any:
        if name not in origin:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module, attribute = origin[name]
        value = getattr(importlib.import_module(module, package), attribute)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(origin) | set(namespace.get("__all__", ())))

    return __getattr__, __dir__


class lazy_module:  # noqa: N801 - used like a module, named like one
    """A module imported when one of its attributes is first read: ``integrate = lazy_module("scipy.integrate")``.

    For a module-level name whose library is costly to import and used only inside some functions
    (``scipy.integrate`` imports ``scipy.optimize``, about 0.3 s): the code keeps reading
    ``integrate.quad``, and the import happens at that first read, not when the module that holds
    the name is imported. Unlike :class:`importlib.util.LazyLoader`, nothing is put in
    ``sys.modules`` before the first use.

    >>> math = lazy_module("math")
    >>> math
    <lazy module 'math'>
    >>> math.sqrt(4.0)
    2.0
    """

    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attribute: str) -> Any:
        return getattr(importlib.import_module(self._name), attribute)

    def __repr__(self) -> str:
        return f"<lazy module {self._name!r}>"
