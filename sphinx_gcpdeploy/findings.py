"""Findings, the rules that produce them, and the registry of rule ids.

A rule has a stable id (the Sphinx warning subtype and the command line's rule
column), a one-line summary, and a level: ``error`` fails ``check`` and, like every
finding, is a warning in a Sphinx build; ``warning`` is advice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Level = Literal["error", "warning"]


@dataclass(frozen=True)
class Rule:
    """A check with a stable id."""

    id: str
    summary: str
    level: Level = "error"


RULES: dict[str, Rule] = {}


def rule(rule_id: str, summary: str, level: Level = "error") -> Rule:
    """Declare a rule once, at import time, and return it."""
    if rule_id in RULES:
        raise ValueError(f"rule {rule_id!r} is declared twice")
    RULES[rule_id] = declared = Rule(rule_id, summary, level)
    return declared


@dataclass(frozen=True, order=True)
class Finding:
    """One problem at one place in a snippet or a file.

    ``value`` is the text that caused it, when there is one: the directive uses it to
    point at the parameter that put that text there.
    """

    line: int
    column: int
    rule: str
    message: str
    level: Level = "error"
    value: str | None = None


def finding(
    declared: Rule,
    message: str,
    where: tuple[int, int],
    value: str | None = None,
    level: Level | None = None,
) -> Finding:
    """Make a finding of ``declared`` at ``where`` (line, column)."""
    return Finding(
        where[0], where[1], declared.id, message, level or declared.level, value
    )


# Rules of the reading layer, which every kind of snippet goes through.
YAML_SYNTAX = rule("yaml-syntax", "The snippet is valid YAML.")
YAML_DUPLICATE_KEY = rule(
    "yaml-duplicate-key", "No mapping sets the same key twice (YAML forbids it)."
)
YAML_SIZE = rule(
    "yaml-size", "The document stays a reasonable size once aliases are expanded."
)
