"""Open report pages in a real browser (headless Chromium) with the network off, and list what breaks.

A page that reads well as HTML text can still break in a browser: a script
that throws, an image that does not decode, a link to a page or anchor that is
not there, a resource fetched from the network (which a reader offline, or on
a closed network, never gets). :func:`browser_page_problems` loads each page in
headless Chromium, with the network emulated offline and every host name
unresolvable, and reports

- console errors and uncaught exceptions (including resources that failed to load);
- images that did not load or decode;
- links to files that do not exist, and to anchors (``#id``) that are not on
  the page they point to. Links to other sites are not followed.

Chromium is driven through its DevTools protocol over a pipe
(``--remote-debugging-pipe``: messages are JSON, each ended by a NUL byte),
so no port is opened and nothing but the standard library is needed. Chromium
runs in its own process group, which is ended when the check is done.

>>> problems = browser_page_problems([Path("reports/index.html")])  # doctest: +SKIP
>>> problems  # doctest: +SKIP
{PosixPath('reports/index.html'): []}
"""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

__all__ = ["BrowserError", "CHROMIUM_FLAGS", "browser_page_problems", "find_chromium"]

#: Executable names tried by :func:`find_chromium`, after the ``CRMLAB_CHROMIUM`` environment variable.
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")

#: Flags for a quiet, reproducible headless browser that reaches no network service of its own.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--no-first-run",
    "--no-default-browser-check",
    "--mute-audio",
    "--host-resolver-rules=MAP * ~NOTFOUND",
)

# Collected once a page has loaded: what the page shows, for the checks in Python.
_INSPECT = """JSON.stringify({
  images: Array.from(document.images).filter(i => !i.complete || i.naturalWidth === 0)
              .map(i => (i.getAttribute('src') || '').slice(0, 80)),
  links: Array.from(document.querySelectorAll('a[href]'))
              .map(a => ({raw: a.getAttribute('href'), url: a.href})),
  ids: Array.from(document.querySelectorAll('[id]')).map(e => e.id),
  names: Array.from(document.querySelectorAll('a[name]')).map(e => e.getAttribute('name')),
})"""


class BrowserError(RuntimeError):
    """Chromium could not be started or stopped answering."""


def find_chromium() -> str | None:
    """The Chromium (or Chrome) executable to use: ``$CRMLAB_CHROMIUM``, else the first on ``PATH``.

    ``None`` when there is none.
    """
    explicit = os.environ.get("CRMLAB_CHROMIUM")
    if explicit:
        return shutil.which(explicit) or (explicit if Path(explicit).is_file() else None)
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


class _DevTools:
    """A headless Chromium and its DevTools protocol over the debugging pipe (fds 3 and 4 of the browser)."""

    def __init__(self, executable: str, timeout: float) -> None:
        if not hasattr(os, "posix_spawn"):
            raise BrowserError("driving Chromium needs os.posix_spawn (a POSIX system)")
        self.timeout = timeout
        self._profile = tempfile.TemporaryDirectory(prefix="crmlab-chromium-")
        self._log = Path(self._profile.name) / "stderr.log"
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()
        # Out of the way of fds 3 and 4 before they are duplicated onto them in the child.
        high_r, high_w = _dup_high(to_browser_r), _dup_high(from_browser_w)
        os.close(to_browser_r)
        os.close(from_browser_w)
        argv = [
            executable,
            *CHROMIUM_FLAGS,
            "--remote-debugging-pipe",
            f"--user-data-dir={self._profile.name}",
            "about:blank",
        ]
        try:
            self.pid = os.posix_spawn(
                executable,
                argv,
                os.environ,
                file_actions=[
                    (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
                    (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
                    (os.POSIX_SPAWN_OPEN, 2, str(self._log), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600),
                    (os.POSIX_SPAWN_DUP2, high_r, 3),
                    (os.POSIX_SPAWN_DUP2, high_w, 4),
                ],
                setpgroup=0,  # its own process group: renderers and helpers end with it
            )
        finally:
            os.close(high_r)
            os.close(high_w)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []

    def send(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> dict[str, Any]:
        """Send a command and return its result; events met meanwhile are kept in :attr:`events`."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        data = json.dumps(message).encode() + b"\0"
        while data:
            data = data[os.write(self._to_browser, data):]
        deadline = time.monotonic() + self.timeout
        while True:
            reply = self._receive(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise BrowserError(f"{method}: {reply['error'].get('message')}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str, session: str) -> None:
        """Wait until the event ``method`` of ``session`` arrives (it is kept in :attr:`events`)."""
        deadline = time.monotonic() + self.timeout
        while not any(e.get("method") == method and e.get("sessionId") == session for e in self.events):
            self.events.append(self._receive(deadline))

    def _receive(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise BrowserError(f"Chromium did not answer within {self.timeout:.0f} s")
            ready, _, _ = select.select([self._from_browser], [], [], left)
            if ready:
                chunk = os.read(self._from_browser, 1 << 20)
                if not chunk:
                    raise BrowserError(f"Chromium closed the connection: {self.stderr_tail()}")
                self._buffer += chunk
        message, _, self._buffer = self._buffer.partition(b"\0")
        return json.loads(message)

    def stderr_tail(self, lines: int = 5) -> str:
        """The last lines Chromium wrote to stderr (why it did not start, usually)."""
        try:
            text = self._log.read_text(errors="replace").strip().splitlines()
        except OSError:
            return ""
        return " | ".join(text[-lines:])

    def close(self) -> None:
        """Ask Chromium to quit, then end its process group, and remove the temporary profile."""
        try:
            self.send("Browser.close")
        except (BrowserError, OSError):
            pass
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            if os.waitpid(self.pid, os.WNOHANG) != (0, 0):
                break
            time.sleep(0.05)
        else:
            _kill_group(self.pid)
            os.waitpid(self.pid, 0)
        _kill_group(self.pid)  # helpers left behind, if any
        for fd in (self._to_browser, self._from_browser):
            try:
                os.close(fd)
            except OSError:
                pass
        self._profile.cleanup()


def _dup_high(fd: int) -> int:
    """A close-on-exec copy of ``fd`` numbered 10 or more."""
    import fcntl

    return fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _file_ids(path: Path, cache: dict[Path, set[str]]) -> set[str]:
    """The ids and anchor names of an HTML file (for links to ``page.html#id``)."""
    if path not in cache:
        from bs4 import BeautifulSoup

        soup = BeautifulSoup(path.read_text(encoding="utf-8", errors="replace"), "html.parser")
        cache[path] = {str(t["id"]) for t in soup.find_all(id=True)} | {
            str(t["name"]) for t in soup.find_all("a", attrs={"name": True})
        }
    return cache[path]


def _has_anchor(ids: set[str], fragment: str) -> bool:
    """Whether a fragment reaches an element: as written, or percent-decoded (as browsers try it).

    >>> _has_anchor({"H1%E2%80%93H13"}, "H1%E2%80%93H13"), _has_anchor({"A b"}, "A%20b"), _has_anchor({"a"}, "b")
    (True, True, False)
    """
    return fragment in ids or unquote(fragment) in ids


def _link_problems(page: Path, shown: dict[str, Any], cache: dict[Path, set[str]]) -> list[str]:
    problems = []
    here = set(shown["ids"]) | set(shown["names"])
    for link in shown["links"]:
        raw, url = link["raw"] or "", urlsplit(link["url"])
        if raw.startswith("#"):
            if raw[1:] and not _has_anchor(here, raw[1:]):
                problems.append(f"link {raw!r}: no element with that id on the page")
            continue
        if url.scheme != "file":
            continue  # other sites are not visited (the network is off)
        target = Path(unquote(url.path))
        if not target.exists():
            problems.append(f"link {raw!r}: {target.name} does not exist")
        elif url.fragment and target.suffix in (".html", ".htm") and not _has_anchor(_file_ids(target, cache), url.fragment):
            problems.append(f"link {raw!r}: no element with id {unquote(url.fragment)!r} in {target.name}")
    return problems


def _console_problems(events: list[dict[str, Any]], session: str) -> list[str]:
    problems = []
    for event in events:
        if event.get("sessionId") != session:
            continue
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            text = " ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", []))
            problems.append(f"console error: {text}")
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            text = details.get("exception", {}).get("description") or details.get("text")
            problems.append(f"uncaught exception: {text}")
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            entry = params["entry"]
            where = f" ({entry['url'][:120]})" if entry.get("url") else ""
            problems.append(f"console error: {entry.get('text')}{where}")
    return problems


def browser_page_problems(
    pages: Iterable[str | os.PathLike[str]],
    *,
    chromium: str | None = None,
    timeout: float = 30.0,
) -> dict[Path, list[str]]:
    """Load each page in headless Chromium with the network off; return the problems of each.

    ``chromium`` is the browser executable (default: :func:`find_chromium`);
    ``timeout`` bounds each page's load and every protocol exchange, in
    seconds. A page with no problems maps to ``[]``. Raises
    :class:`BrowserError` when there is no browser or it cannot be driven.
    """
    executable = chromium or find_chromium()
    if executable is None:
        raise BrowserError(f"no Chromium found (tried $CRMLAB_CHROMIUM and {', '.join(CHROMIUM_NAMES)})")
    results: dict[Path, list[str]] = {}
    cache: dict[Path, set[str]] = {}
    browser = _DevTools(executable, timeout)
    try:
        try:
            browser.send("Browser.getVersion")
        except BrowserError as exc:
            raise BrowserError(f"Chromium ({executable}) did not start: {exc}. {browser.stderr_tail()}") from None
        for page in pages:
            path = Path(page).resolve()
            target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
            session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
            for domain in ("Runtime", "Log", "Page", "Network"):
                browser.send(f"{domain}.enable", session=session)
            browser.send(
                "Network.emulateNetworkConditions",
                {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
                session=session,
            )
            browser.events.clear()
            browser.send("Page.navigate", {"url": path.as_uri()}, session=session)
            browser.wait_for("Page.loadEventFired", session)
            shown = json.loads(
                browser.send("Runtime.evaluate", {"expression": _INSPECT, "returnByValue": True}, session=session)[
                    "result"
                ]["value"]
            )
            problems = _console_problems(browser.events, session)
            problems += [f"image did not load: {src!r}" for src in shown["images"]]
            problems += _link_problems(path, shown, cache)
            results[Path(page)] = problems
            browser.send("Target.closeTarget", {"targetId": target})
    finally:
        browser.close()
    return results
