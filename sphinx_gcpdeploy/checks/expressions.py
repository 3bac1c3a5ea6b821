"""Split a workflow value into its literal text and its ``${{ }}`` expressions.

A value such as ``rev-${{ needs.build.outputs.short_sha }}`` is part literal, part
expression. Rules check the literal parts as written and measure the expressions by
the bounds a template declares for them (a short SHA is 7 characters); an expression
with no bound counts as unknown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}", re.DOTALL)


@dataclass(frozen=True)
class Bound:
    """What is known of an expression's value: its greatest length and, if known,
    whether it always starts with a letter."""

    max_length: int
    starts_with_letter: bool | None = None


#: Bounds every workflow has. ``github.sha`` is 40 hex digits (64 in SHA-256
#: repositories, hence the larger bound) and may start with a digit.
BUILTIN_BOUNDS: dict[str, Bound] = {
    "github.sha": Bound(64, None),
    "github.run_id": Bound(20, False),
    "github.run_number": Bound(20, False),
    "github.run_attempt": Bound(5, False),
}


@dataclass(frozen=True)
class Part:
    """A piece of a value: literal text, or an expression (``text`` holds its body)."""

    text: str
    expression: bool


def split(value: str) -> list[Part]:
    """The literal and expression parts of ``value``, in order."""
    parts: list[Part] = []
    position = 0
    for match in EXPRESSION.finditer(value):
        if match.start() > position:
            parts.append(Part(value[position : match.start()], False))
        parts.append(Part(match.group(1), True))
        position = match.end()
    if position < len(value):
        parts.append(Part(value[position:], False))
    return parts


def has_expression(value: str) -> bool:
    """Whether ``value`` holds at least one ``${{ }}`` expression."""
    return "${{" in value and EXPRESSION.search(value) is not None


@dataclass(frozen=True)
class Measure:
    """The length of a value made of parts: the least it can be, and the most when
    every expression in it has a bound (else ``None``)."""

    least: int
    most: int | None


#: Expressions named like a short commit SHA (``needs.build.outputs.short_sha``) are
#: taken to be 7 hex digits, as ``${GITHUB_SHA::7}`` gives, which may start with a
#: digit. A workflow that makes them longer should declare its own bound.
_SHORT_SHA = re.compile(r"(?:^|[._-])(?:short[_-]?sha|sha[_-]?short|sha7)$", re.I)
SHORT_SHA = Bound(7, None)


def bound_of(expression: str, bounds: dict[str, Bound]) -> Bound | None:
    """What is known of ``expression``: declared bounds first, then built-in ones."""
    found = bounds.get(expression) or BUILTIN_BOUNDS.get(expression)
    if found is None and _SHORT_SHA.search(expression):
        return SHORT_SHA
    return found


def measure(parts: list[Part], bounds: dict[str, Bound]) -> Measure:
    """Measure ``parts``; expressions count as empty at least, and as their bound at
    most."""
    least = 0
    most: int | None = 0
    for part in parts:
        if not part.expression:
            least += len(part.text)
            if most is not None:
                most += len(part.text)
            continue
        bound = bound_of(part.text, bounds)
        if bound is None:
            most = None
        elif most is not None:
            most += bound.max_length
    return Measure(least, most)


def looks_like_sha(expression: str) -> bool:
    """Whether an expression's value is (part of) a commit SHA."""
    lowered = expression.lower()
    return "sha" in lowered or "commit" in lowered
