"""The ``crmlab`` command line.

``crmlab reports`` executes the notebooks configured in ``reports.toml`` into
``reports/`` (see :mod:`crmlab.reports`). Exit codes: 0 when every run
succeeded, 1 when any run failed, 2 for a config, parameter or output-folder
error (nothing ran), 128 + N when signal N stopped the run (130 for Ctrl-C,
143 for SIGTERM; the last good reports are kept).
"""

from __future__ import annotations

import json
import sys
import tomllib
from pathlib import Path
from typing import Annotated, Any

import typer

from crmlab import __version__

app = typer.Typer(
    name="crmlab",
    help="crmlab: relationship-marketing theories and CRM metrics as tested models.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

#: Exit code for a config or parameter error (as click uses for usage errors).
EXIT_CONFIG_ERROR = 2


#: What a ``--set`` value starting with each of these characters is meant to be in TOML.
STRUCTURED_VALUE_KINDS = {"{": "an inline table", "[": "an array", '"': "a quoted string", "'": "a quoted string"}


def parse_assignment(text: str) -> tuple[str, Any]:
    """Parse a ``--set KEY=VALUE``; the value is a TOML literal when it parses as one, else a string.

    A value that starts like a TOML inline table, array or quoted string
    (``{``, ``[``, ``"``, ``'``) must parse as one: ``columns={CustomerID=``
    is a :class:`~crmlab.reports.ParameterError`, not the string
    ``"{CustomerID="``, so a typo cannot run a report on a wrong value.

    >>> parse_assignment("n=3"), parse_assignment("rate=0.05"), parse_assignment("flag=true")
    (('n', 3), ('rate', 0.05), ('flag', True))
    >>> parse_assignment("rates=[0.05, 0.1]"), parse_assignment("source=cdnow")
    (('rates', [0.05, 0.1]), ('source', 'cdnow'))
    >>> parse_assignment("columns={CustomerID=")
    Traceback (most recent call last):
    ...
    crmlab.reports.config.ParameterError: --set columns: '{CustomerID=' looks like an inline table but does not parse as TOML (invalid value at the end of the value)
    """
    from crmlab.reports.config import ParameterError, normalise_value

    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key.isidentifier():
        raise ParameterError(f"--set expects KEY=VALUE with KEY a Python name, got {text!r}")
    prefix = "value = "
    kind = STRUCTURED_VALUE_KINDS.get(raw.strip()[:1])
    try:
        parsed = tomllib.loads(prefix + raw)
    except tomllib.TOMLDecodeError as exc:
        if kind is None:
            return key, raw
        problem = _toml_problem(str(exc), len(prefix))
        raise ParameterError(
            f"--set {key}: {raw.strip()!r} looks like {kind} but does not parse as TOML ({problem})"
        ) from None
    if list(parsed) != ["value"]:  # e.g. a newline smuggling in a second key
        if kind is not None:
            raise ParameterError(f"--set {key}: {raw.strip()!r} holds more than one TOML value")
        return key, raw
    return key, normalise_value(parsed["value"])


def _toml_problem(message: str, offset: int) -> str:
    """tomllib's error message with its position counted in the value, not in ``value = <value>``.

    >>> _toml_problem("Invalid value (at line 1, column 12)", 8)
    'invalid value at character 4 of the value'
    >>> _toml_problem("Unclosed array (at end of document)", 8)
    'unclosed array at the end of the value'
    """
    what, _, where = message.partition(" (at ")
    where = where.rstrip(")")
    if where == "end of document":
        place = "at the end of the value"
    elif where.startswith("line 1, column "):
        place = f"at character {int(where.removeprefix('line 1, column ')) - offset} of the value"
    elif where:
        place = f"at {where} of the value"
    else:
        place = ""
    return f"{what[:1].lower()}{what[1:]} {place}".strip()


def _fail(message: str) -> typer.Exit:
    """Print a one-line error on stderr and return the exit for config errors."""
    typer.echo(f"crmlab: error: {message}", err=True)
    return typer.Exit(EXIT_CONFIG_ERROR)


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"crmlab {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_show_version, is_eager=True, help="Show the version and exit."),
    ] = False,
) -> None:
    """crmlab: relationship-marketing theories and CRM metrics as tested models."""


@app.command("reports")
def reports_command(
    config: Annotated[Path, typer.Option("--config", "-c", help="The reports config file.")] = Path("reports.toml"),
    only: Annotated[
        list[str] | None, typer.Option("--only", metavar="NAME", help="Run only this run (repeatable).")
    ] = None,
    jobs: Annotated[
        int | None, typer.Option("--jobs", "-j", help="Runs at once (at least 1).", show_default="number of CPUs")
    ] = None,
    assignments: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            metavar="KEY=VALUE",
            help="Override a parameter of every selected run (repeatable); VALUE is read as TOML when it can be.",
        ),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Output folder.", show_default="reports/ next to the config")
    ] = None,
    kernel: Annotated[str | None, typer.Option("--kernel", help="Jupyter kernel.", show_default="the config's kernel")] = None,
    list_runs: Annotated[bool, typer.Option("--list", help="List the configured runs and exit.")] = False,
    progress: Annotated[
        bool, typer.Option("--progress/--no-progress", help="Show a progress bar (on a terminal).")
    ] = True,
    force: Annotated[
        bool, typer.Option("--force", "-f", help="Execute the selected runs even when their reports are up to date.")
    ] = False,
) -> None:
    """Execute the notebooks of reports.toml into reports/ (HTML page, executed notebook, provenance).

    Builds are incremental: a run whose report is up to date is skipped ("up
    to date") and its report kept. A run is executed again when its last
    build failed, an output of it is missing, or any of these changed since
    its last successful build: its notebook file, its parameters (reports.toml
    or --set) or description, a data file it read (sha256), crmlab's source
    code, Python's or a recorded package's version, or the kernel. Each
    executed run's line says why. --force executes every selected run.
    """
    from functools import partial

    from rich.console import Console

    from crmlab.reports import ReportsError, load_config, run_reports
    from crmlab.reports.index import SKIPPED, UP_TO_DATE
    from crmlab.reports.runner import ReportsInterrupted

    console = Console(highlight=False, soft_wrap=True)
    if jobs is not None and jobs < 1:
        raise _fail(f"--jobs must be at least 1, got {jobs}")
    try:
        overrides = dict(parse_assignment(a) for a in assignments or [])
        cfg = load_config(config)
        if list_runs:
            _print_runs(cfg.select(only), overrides)
            return
        results = run_reports(
            config,
            only=only,
            jobs=jobs,
            overrides=overrides,
            output_dir=output,
            kernel_name=kernel,
            progress=progress,
            on_finished=partial(_print_result, console),
            console=console,  # the bar and the runs' lines on one terminal, so they do not overwrite each other
            force=force,
        )
    except ReportsError as exc:
        raise _fail(str(exc)) from None
    except ReportsInterrupted as exc:
        whose = "its reports are" if len(exc.stopped) == 1 else "their reports are"
        stopped = f": stopped {', '.join(exc.stopped)} ({whose} left as they were)" if exc.stopped else ""
        typer.echo(f"crmlab: interrupted by {exc.signal_name}{stopped}", err=True)
        raise typer.Exit(exc.exit_code) from None
    out = Path(output) if output is not None else cfg.root / "reports"
    fresh = sum(r.status == UP_TO_DATE for r in results)
    if fresh:
        console.print(f"{fresh} of {len(results)} up to date (not executed; --force executes them)")
    console.print(f"index: {_escape(_shown(out / 'index.html'))}")
    if not all(r.succeeded or r.status == SKIPPED for r in results):  # skipped: needs an extra, not failed
        raise typer.Exit(1)


def _print_runs(runs: list[Any], overrides: dict[str, Any]) -> None:
    """The ``--list`` text: per run its full name and notebook, description, then one parameter a line.

    Laid out as blocks rather than a table so that names are never cut and
    the text reads at 80 columns; continuation lines are indented.
    """
    from rich.console import Console
    from rich.text import Text

    console = Console(highlight=False)
    indent = "    "
    for i, run in enumerate(runs):
        params = {**run.parameters, **overrides}
        details = [Text(run.description, style="dim")] if run.description else []
        details += [Text(f"{k} = {json.dumps(v, ensure_ascii=False)}") for k, v in params.items()]
        if i:
            console.print()
        console.print(Text.assemble((run.name, "bold"), "  ", (run.notebook.as_posix(), "cyan")))
        for detail in details:
            for line in detail.wrap(console, max(console.width - len(indent), 20)):
                line.rstrip()
                console.print(Text.assemble(indent, line), no_wrap=True, overflow="ignore")


def _shown(path: Path) -> str:
    """A path as the user would type it: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def _print_result(console: Any, result: Any) -> None:
    """One line for a finished run: where its page is (and why it was executed), or its error and where the traceback is."""
    from crmlab.reports.index import SKIPPED, UP_TO_DATE
    from crmlab.reports.page import format_time

    name = _escape(result.name)
    if result.status == SKIPPED:
        console.print(f"[yellow]skipped[/]   {name}: {_escape(result.error or '')}")
    elif result.status == UP_TO_DATE:
        where = _shown(result.output / f"{result.name}.html")
        console.print(f"[dim]up to date[/] {name} (built {format_time(result.built)}): {_escape(where)}")
    elif result.succeeded:
        where = _shown(result.output / f"{result.name}.html")
        why = "".join(f"; {_escape(reason)}" for reason in result.reasons)
        console.print(f"[green]succeeded[/] {name} ({result.duration:.1f} s{why}): {_escape(where)}")
    else:
        where = _shown(result.output / f"{result.name}.ipynb")
        console.print(f"[red]failed[/]    {name}: {_escape(result.error or '')} (see {_escape(where)})")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
