"""A small HTML tree over the standard library's parser, and HTML → plain text.

Scraped markup is hostile: it is only ever read here, never rendered. The tree keeps what the
parsers in :mod:`jobmatch.scraping.hellowork` need (tags, attributes, text) and tolerates
unclosed or stray tags the way a forgiving reader should: an end tag closes the nearest open
element of that name, or is ignored.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser

#: Elements that never have content or an end tag.
VOID_TAGS = frozenset("area base br col embed hr img input link meta source track wbr".split())
#: Elements whose content is never text for a reader.
SKIPPED_TAGS = frozenset("script style noscript template svg head button select".split())
#: Elements that start a new paragraph (blank line before and after).
PARAGRAPH_TAGS = frozenset(
    "p h1 h2 h3 h4 h5 h6 ul ol table blockquote pre section article header footer".split()
)
#: Elements that start a new line.
LINE_TAGS = frozenset("div li tr dt dd main aside nav form figure address".split())

_SPACES = re.compile(r"\s+")


@dataclass(eq=False)
class Element:
    """One HTML element.

    Args:
        tag: Lower-case tag name (``"#root"`` for the document).
        attrs: Attribute values, entities decoded (an attribute without value maps to "").
        children: Child elements and text, in document order.
    """

    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[Element | str] = field(default_factory=list)

    def get(self, name: str, default: str = "") -> str:
        """The value of attribute ``name``; default ``""``."""
        return self.attrs.get(name, default)

    def iter(self) -> Iterator[Element]:
        """This element and all the elements below it, in document order.

        The content of a ``<template>`` is not part of the document, so it is left out.
        """
        stack: list[Element] = [self]
        while stack:
            element = stack.pop()
            yield element
            if element.tag != "template":
                stack.extend(
                    reversed([child for child in element.children if isinstance(child, Element)])
                )

    def find_all(self, tag: str | None = None, **attrs: str) -> list[Element]:
        """Elements below (or equal to) this one with this tag and these attribute values.

        Attribute names use ``_`` for ``-`` (``data_cy="serpCard"`` matches ``data-cy``).
        """
        wanted = {name.replace("_", "-"): value for name, value in attrs.items()}
        return [
            element
            for element in self.iter()
            if (tag is None or element.tag == tag)
            and all(element.attrs.get(name) == value for name, value in wanted.items())
        ]

    def find(self, tag: str | None = None, **attrs: str) -> Element | None:
        """The first match of :meth:`find_all`, or ``None``."""
        return next(iter(self.find_all(tag, **attrs)), None)

    @property
    def text(self) -> str:
        """All the text below, on one line, whitespace collapsed (scripts and styles skipped)."""
        return _SPACES.sub(" ", "".join(_texts(self))).strip()

    @property
    def raw_text(self) -> str:
        """The element's own text, unchanged (e.g. the JSON inside a ``<script>``)."""
        return "".join(child for child in self.children if isinstance(child, str))


def _texts(element: Element) -> Iterator[str]:
    for child in element.children:
        if isinstance(child, str):
            yield child
        elif child.tag not in SKIPPED_TAGS:
            yield from _texts(child)


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#root")
        self._open: list[Element] = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {name: value or "" for name, value in attrs})
        self._open[-1].children.append(element)
        if tag not in VOID_TAGS:
            self._open.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._open[-1].children.append(Element(tag, {name: value or "" for name, value in attrs}))

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self._open) - 1, 0, -1):
            if self._open[depth].tag == tag:
                del self._open[depth:]
                return

    def handle_data(self, data: str) -> None:
        self._open[-1].children.append(data)


def parse_html(html: str) -> Element:
    """Parse an HTML document or fragment into a tree; never raises on bad markup."""
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


class _TextWriter:
    """Collects text; line breaks asked for between pieces are merged, never stacked."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pending = 0  # newlines owed before the next text
        self.bullet = False  # "- " owed before the next text

    def newlines(self, count: int) -> None:
        self.pending = max(self.pending, count) if self.parts else 0

    def line_break(self) -> None:
        self.pending = min(self.pending + 1, 2) if self.parts else 0

    def write(self, text: str) -> None:
        text = _SPACES.sub(" ", text)
        if not text.strip():
            if not self.pending and self.parts:
                self.parts.append(text)
            return
        if self.pending:
            self.parts.append("\n" * self.pending)
            self.pending = 0
            text = text.lstrip()
        if self.bullet:
            self.parts.append("- ")
            self.bullet = False
            text = text.lstrip()
        self.parts.append(text)


def _render(element: Element, writer: _TextWriter, in_item: bool = False) -> None:
    for child in element.children:
        if isinstance(child, str):
            writer.write(child)
            continue
        if child.tag in SKIPPED_TAGS:
            continue
        if child.tag == "br":
            writer.line_break()
            continue
        # Inside a list item, a paragraph only starts a new line.
        gap = 1 if child.tag in LINE_TAGS or in_item else 2
        block = child.tag in PARAGRAPH_TAGS or child.tag in LINE_TAGS
        if block:
            writer.newlines(gap)
        if child.tag == "li":
            writer.bullet = True
        _render(child, writer, in_item or child.tag == "li")
        writer.bullet = False
        if block:
            writer.newlines(gap)


def element_to_text(element: Element) -> str:
    """Readable plain text of an element: paragraphs, headings and list items on their own lines.

    List items start with ``"- "``; ``<br>`` is a line break; at most one blank line in a row.
    """
    writer = _TextWriter()
    _render(element, writer)
    lines = (line.strip() for line in "".join(writer.parts).split("\n"))
    return "\n".join(lines).strip()


def html_to_text(html: str) -> str:
    """Plain text of an HTML fragment (see :func:`element_to_text`)."""
    return element_to_text(parse_html(html))
