"""Read ``KEY=VALUE`` lists the way deploy-cloudrun reads ``env_vars``, ``secrets``
and ``labels``, keeping where every piece starts.

The action splits on every comma and newline not escaped by a backslash, trims each
piece, and splits it at its first ``=``; a backslash keeps the next character as it
is. ``${{ }}`` expressions are taken whole here, since GitHub replaces them before
the action reads the text, so a comma inside one is not a separator.
"""

from __future__ import annotations

from dataclasses import dataclass

from .expressions import EXPRESSION


@dataclass(frozen=True)
class Pair:
    """One piece of the list.

    ``start`` is the offset of the piece's first character in the text, and
    ``value_start`` that of its value; ``after_comma`` says whether a comma, rather
    than a newline or the start of the text, ended the piece before it.
    """

    key: str
    value: str | None
    raw: str
    start: int
    value_start: int
    after_comma: bool
    comma: int | None


def _opaque(text: str) -> list[bool]:
    """Which characters lie inside an expression."""
    inside = [False] * len(text)
    for match in EXPRESSION.finditer(text):
        for index in range(match.start(), match.end()):
            inside[index] = True
    return inside


def parse_pairs(text: str) -> list[Pair]:
    """The pieces of ``text`` in order, empty pieces left out."""
    inside = _opaque(text)
    pieces: list[tuple[int, int, int | None]] = []
    start = 0
    comma: int | None = None
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\\" and not inside[index]:
            index += 2
            continue
        if char in ",\n" and not inside[index]:
            pieces.append((start, index, comma))
            comma = index if char == "," else None
            start = index + 1
        index += 1
    pieces.append((start, len(text), comma))
    return [
        pair
        for begin, end, before in pieces
        if (pair := _pair(text, inside, begin, end, before)) is not None
    ]


def _pair(
    text: str, inside: list[bool], begin: int, end: int, comma: int | None
) -> Pair | None:
    raw = text[begin:end]
    stripped = raw.strip()
    if not stripped:
        return None
    start = begin + (len(raw) - len(raw.lstrip()))
    index = start
    while index < begin + len(raw):
        if text[index] == "\\" and not inside[index]:
            index += 2
            continue
        if text[index] == "=" and not inside[index]:
            key = _unescape(text[start:index].strip())
            value_start = index + 1
            while value_start < end and text[value_start] in " \t":
                value_start += 1
            value = _unescape(text[value_start:end].rstrip())
            return Pair(
                key, value, stripped, start, value_start, comma is not None, comma
            )
        index += 1
    return Pair(
        _unescape(stripped), None, stripped, start, start, comma is not None, comma
    )


def _unescape(text: str) -> str:
    result = []
    index = 0
    while index < len(text):
        if text[index] == "\\" and index + 1 < len(text):
            index += 1
        result.append(text[index])
        index += 1
    return "".join(result)
