"""Set-up files stay in step: environment.yml mirrors pyproject.toml, notebooks carry no outputs.

Checked against the files themselves (pyproject is the single source of truth).
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _names(requirements: list[str]) -> dict[str, str]:
    out = {}
    for req in requirements:
        m = re.match(r"\s*([A-Za-z0-9_.\-]+)\s*(.*)", req)
        out[m.group(1).lower().replace("_", "-")] = m.group(2).strip()
    return out


def test_environment_yml_mirrors_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = _names(project["dependencies"] + project["optional-dependencies"]["dev"])
    lines = (ROOT / "environment.yml").read_text().splitlines()
    conda = _names([ln.strip()[2:] for ln in lines if ln.strip().startswith("- ") and not ln.strip().startswith("- -e")
                    and ln.strip()[2:] not in ("pip", "pip:", "conda-forge")])
    conda.pop("python", None)
    assert conda == wanted


def test_notebooks_committed_without_outputs():
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    assert notebooks, "no notebooks found"
    for path in notebooks:
        nb = json.loads(path.read_text())
        for cell in nb["cells"]:
            if cell["cell_type"] == "code":
                assert not cell.get("outputs") and cell.get("execution_count") is None, f"{path.name} has outputs"


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in readme and "make test" in ci
