"""Record which data files a process reads, for report provenance.

The report runner sets the environment variable ``CRMLAB_DATA_LOG`` to a file
path before it starts a notebook's kernel. Every crmlab reader calls
:func:`record_data_file` with the file it opened; when the variable is set, the
resolved path is appended to that file, one per line. The runner then hashes
the listed files into ``provenance.json``. Outside a report run this is a no-op.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV_VAR = "CRMLAB_DATA_LOG"


def record_data_file(path: str | os.PathLike[str]) -> None:
    """Append ``path`` (resolved) to the data log named by ``CRMLAB_DATA_LOG``, if set.

    >>> record_data_file("data/cdnow/CDNOW_sample.txt")  # no-op outside a report run
    """
    log = os.environ.get(ENV_VAR)
    if not log:
        return
    with open(log, "a", encoding="utf-8") as fh:
        fh.write(f"{Path(path).resolve()}\n")


def read_data_log(log: str | os.PathLike[str]) -> list[Path]:
    """Return the distinct files listed in a data log, in first-read order."""
    p = Path(log)
    if not p.exists():
        return []
    seen: dict[str, None] = {}
    for line in p.read_text(encoding="utf-8").splitlines():
        if line.strip():
            seen.setdefault(line.strip(), None)
    return [Path(s) for s in seen]
