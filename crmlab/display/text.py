"""Generated sentences, and Markdown that data cannot turn into live HTML.

A report's sentences about the data are generated from the numbers, so that a
sentence cannot contradict its table. The primitives here are general; the
conclusions of an area are built from them in ``crmlab.display.<area>``.

A value that comes from data or from a report parameter (a company name, a
file name, a segment) is text, never markup: in a Markdown output it is live
HTML in the report page (``company=<img src=x onerror=alert(4)>`` would run a
script). :func:`markdown` escapes every value put into its template; the
template itself is the notebook author's.

>>> print(markdown("**Company:** {company} — {share}", company="<img src=x onerror=alert(4)>",
...                share=Markdown(share(2357, 23570))).text)
**Company:** &lt;img src=x onerror=alert\\(4\\)&gt; — 2,357 of 23,570 (10.0%)
>>> compare(0.12, 0.10, tolerance=0.01), join_list(["trust", "commitment", "benefits"])
('higher', 'trust, commitment and benefits')
"""

from __future__ import annotations

import math
import re
import string
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import pandas as pd

from crmlab.display.numbers import integer, number, percent

__all__ = ["Markdown", "bullet_list", "compare", "escape_markdown", "join_list", "markdown", "plural", "rank_phrase", "share"]

# Backslash-escapable punctuation that Markdown (CommonMark §2.4) could read as markup.
_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|~$^])")
_HTML_SPECIALS = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}
# MathJax reads "$…$" in the page as a formula whatever Markdown made of it; this class turns it off.
_NO_MATH = '<span class="tex2jax_ignore mathjax_ignore">{}</span>'


def escape_markdown(value: Any) -> str:
    """``value`` as inert Markdown text: HTML and Markdown specials escaped, line breaks made spaces.

    HTML specials become entities (``<`` → ``&lt;``), Markdown punctuation
    is backslash-escaped (``*`` → ``\\*``, CommonMark 0.31 §2.4), and a value
    with a ``$`` is wrapped in a span that MathJax skips, so "$12 and $15"
    is not typeset as a formula.

    >>> print(escape_markdown("<b>*A&B*</b>"))
    &lt;b&gt;\\*A&amp;B\\*&lt;/b&gt;
    >>> print(escape_markdown("line one\\n# not a heading"))
    line one \\# not a heading
    """
    text = " ".join(str(value).splitlines())
    text = _MARKDOWN_SPECIALS.sub(r"\\\1", text)
    text = "".join(_HTML_SPECIALS.get(c, c) for c in text)
    return _NO_MATH.format(text) if "$" in text else text


class Markdown:
    """Markdown that is safe to show: Jupyter shows it as HTML, ``repr`` gives the plain sentence.

    Made by :func:`markdown`; a ``Markdown`` value put into another template is
    inserted as it is (it is already escaped). ``text`` is the Markdown source.
    The HTML is rendered here (mistune, the Markdown parser nbconvert uses)
    rather than by the report exporter, which would take the ``<span>`` that
    shields a "$" from MathJax apart.

    >>> m = markdown("Customers of **{company}**", company="A_B")
    >>> m.text, repr(m), m._repr_html_()
    ('Customers of **A\\\\_B**', 'Customers of **A_B**', '<p>Customers of <strong>A_B</strong></p>\\n')
    """

    def __init__(self, text: str, plain: str | None = None):
        self.text = text
        self.plain = text if plain is None else plain

    def _repr_markdown_(self) -> str:
        return self.text

    def _repr_html_(self) -> str:
        import mistune

        return mistune.html(self.text)

    def __repr__(self) -> str:
        return self.plain

    __str__ = __repr__


class _Escaping(string.Formatter):
    def __init__(self, escape: Callable[[Any], str]):
        self.escape = escape

    def format_field(self, value: Any, format_spec: str) -> str:
        if isinstance(value, Markdown):
            return value.text if self.escape is escape_markdown else value.plain
        return self.escape(format(value, format_spec))


def markdown(template: str, /, **values: Any) -> Markdown:
    """The ``template`` (``str.format`` fields) filled with ``values``, each escaped by :func:`escape_markdown`.

    Display the result (the last line of a cell, or ``display(...)``) to show
    it as Markdown. Values that are :class:`Markdown` already are inserted as
    they are; format specs work as in ``str.format`` and are applied before
    escaping.

    >>> print(markdown("**{name}** kept {rate:.0%} of its customers", name="[Shop](javascript:x)", rate=0.62).text)
    **\\[Shop\\]\\(javascript:x\\)** kept 62% of its customers
    """
    text = _Escaping(escape_markdown).vformat(template, (), values)
    plain = _Escaping(str).vformat(template, (), values)
    return Markdown(text, plain)


def compare(a: float, b: float, more: str = "higher", less: str = "lower", same: str = "about the same", *,
            tolerance: float = 0.0, relative: bool = False) -> str:
    """The word that says how ``a`` stands to ``b``: ``more`` if above, ``less`` if below, ``same`` within ``tolerance``.

    ``tolerance`` is absolute, or a share of ``|b|`` when ``relative``. A
    missing value cannot be compared and raises ``ValueError``.

    >>> compare(0.12, 0.10), compare(0.105, 0.10, tolerance=0.01), compare(110, 100, "grew", "shrank", "held", tolerance=0.05, relative=True)
    ('higher', 'about the same', 'grew')
    """
    a, b = float(a), float(b)
    if math.isnan(a) or math.isnan(b):
        raise ValueError(f"cannot compare a missing value ({a} against {b})")
    margin = tolerance * abs(b) if relative else tolerance
    if abs(a - b) <= margin:
        return same
    return more if a > b else less


def share(n: float, total: float, digits: int = 1) -> str:
    """"n of total (percent)": a part and its whole, counted and as a share.

    >>> share(2357, 23570), share(1, 3, digits=0), share(0, 0)
    ('2,357 of 23,570 (10.0%)', '1 of 3 (33%)', '0 of 0')
    """
    if n < 0 or total < 0 or n > total:
        raise ValueError(f"a share needs 0 ≤ n ≤ total, got {n} of {total}")
    if total == 0:
        return f"{integer(n)} of {integer(total)}"
    return f"{integer(n)} of {integer(total)} ({percent(n / total, digits)})"


def join_list(items: Iterable[Any], conjunction: str = "and") -> str:
    """Items as a phrase: "a", "a and b", "a, b and c".

    >>> join_list([]), join_list(["a"]), join_list(["a", "b"]), join_list(["a", "b", "c"], "or")
    ('', 'a', 'a and b', 'a, b or c')
    """
    words = [str(i) for i in items]
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {conjunction} {words[-1]}"


def plural(n: float, word: str, many: str | None = None) -> str:
    """A count with its noun: "1 customer", "2,357 customers" (``many`` for an irregular plural).

    >>> plural(1, "customer"), plural(2357, "customer"), plural(2, "company", "companies")
    ('1 customer', '2,357 customers', '2 companies')
    """
    return f"{integer(n)} {word if n == 1 else (many or word + 's')}"


def rank_phrase(values: pd.Series | Mapping[Any, float], superlative: str, what: str, *, largest: bool = True,
                unit: str = "", formatter: Callable[[Any], str] = number) -> str:
    """Which item has the largest (or smallest) value, as a sentence with the value: ties are named together.

    ``values`` maps items to numbers (a Series indexed by item);
    ``superlative`` is the reader's word for the extreme ("longest",
    "shortest", "most valuable"), ``what`` the measure, ``unit`` its unit,
    ``formatter`` how the value is written. Missing values are left out.

    >>> spells = pd.Series({"exploration": 2.5, "expansion": 6.0, "commitment": 4.1})
    >>> rank_phrase(spells, "shortest", "mean spell", largest=False, unit="periods")
    'exploration has the shortest mean spell (2.50 periods)'
    >>> rank_phrase({"a": 0.4, "b": 0.4, "c": 0.1}, "largest", "share", formatter=percent)
    'a and b have the largest share (40.0%)'
    """
    series = pd.Series(values, dtype=float).dropna()
    if series.empty:
        raise ValueError(f"no values to rank for {what!r}")
    best = series.max() if largest else series.min()
    shown = formatter(best)
    winners = [k for k, v in series.items() if formatter(v) == shown]
    verb = "has" if len(winners) == 1 else "have"
    value = f"{shown} {unit}".strip()
    return f"{join_list(winners)} {verb} the {superlative} {what} ({value})"


def bullet_list(items: Iterable[Any]) -> Markdown:
    """Sentences as a Markdown bullet list, one item each: a conclusion made of generated sentences.

    A :class:`Markdown` item is inserted as it is; anything else is a value and is escaped.

    >>> print(bullet_list([markdown("**Trust** grows {word}", word="<fast>"), "a_b"]).text)
    * **Trust** grows &lt;fast&gt;
    * a\\_b
    """
    entries = list(items)
    template = "\n".join(f"* {{item{k}}}" for k in range(len(entries)))
    return markdown(template, **{f"item{k}": entry for k, entry in enumerate(entries)})
