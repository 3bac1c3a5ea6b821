"""Findings, the rules that produce them, and the registry of rule ids.

A rule has a stable id (the Sphinx warning subtype and the command line's rule
column), a one-line summary, and a level: ``error`` fails ``check`` and, like every
finding, is a warning in a Sphinx build; ``warning`` is advice. A rule also carries
its own documentation, which the rules page is rendered from and whose examples the
tests run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Level = Literal["error", "warning"]


@dataclass(frozen=True)
class Rule:
    """A check with a stable id and the documentation of what it catches.

    ``bad`` is a minimal document of kind ``kind`` that breaks the rule, and
    ``where`` the line and column of the finding it must give; ``good`` is the
    corrected document, which must give no finding at all. ``upstream`` names the
    public bug reports the rule keeps people from running into again.
    """

    id: str
    summary: str
    level: Level = "error"
    topic: str = field(default="Other", kw_only=True)
    explanation: str = field(default="", kw_only=True)
    upstream: tuple[str, ...] = field(default=(), kw_only=True)
    kind: str = field(default="github-steps", kw_only=True)
    bad: str | None = field(default=None, kw_only=True)
    where: tuple[int, int] | None = field(default=None, kw_only=True)
    good: str | None = field(default=None, kw_only=True)


RULES: dict[str, Rule] = {}


def rule(
    rule_id: str,
    summary: str,
    level: Level = "error",
    *,
    topic: str = "Other",
    explanation: str = "",
    upstream: tuple[str, ...] = (),
    kind: str = "github-steps",
    bad: str | None = None,
    where: tuple[int, int] | None = None,
    good: str | None = None,
) -> Rule:
    """Declare a rule once, at import time, and return it."""
    if rule_id in RULES:
        raise ValueError(f"rule {rule_id!r} is declared twice")
    declared = Rule(
        rule_id,
        summary,
        level,
        topic=topic,
        explanation=explanation,
        upstream=upstream,
        kind=kind,
        bad=bad,
        where=where,
        good=good,
    )
    RULES[rule_id] = declared
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


READING = "Reading the file"

# Rules of the reading layer, which every kind of snippet goes through.
YAML_SYNTAX = rule(
    "yaml-syntax",
    "The snippet is valid YAML.",
    topic=READING,
    explanation=(
        "Nothing else can be checked until the text parses. The finding points at "
        "the character where the parser gave up, which is often just after the "
        "real mistake: an unclosed bracket or quote, or a line indented by a tab."
    ),
    bad="- name: Deploy\n  uses: [google-github-actions/deploy-cloudrun@v3\n",
    where=(3, 1),
    good="- name: Deploy\n  uses: google-github-actions/deploy-cloudrun@v3\n",
)
YAML_DUPLICATE_KEY = rule(
    "yaml-duplicate-key",
    "No mapping sets the same key twice (YAML forbids it).",
    topic=READING,
    explanation=(
        "Many YAML readers keep the last of two equal keys without a word, so one "
        "of the two values is silently lost; GitHub refuses the workflow outright. "
        "The finding is on the second key and names the line of the first."
    ),
    bad=(
        "- uses: google-github-actions/deploy-cloudrun@v3\n"
        "  with:\n"
        "    service: shop\n"
        "    image: europe-docker.pkg.dev/p/r/shop\n"
        "    service: shop-worker\n"
    ),
    where=(5, 5),
    good=(
        "- uses: google-github-actions/deploy-cloudrun@v3\n"
        "  with:\n"
        "    service: shop-worker\n"
        "    image: europe-docker.pkg.dev/p/r/shop\n"
    ),
)
YAML_SIZE = rule(
    "yaml-size",
    "The document stays a reasonable size once aliases are expanded.",
    topic=READING,
    explanation=(
        "Anchors and aliases let a few lines of YAML stand for billions of values. "
        "A real workflow expands to a few thousand; a document that expands to "
        "more than two hundred thousand is refused before it can exhaust memory."
    ),
    kind="github-workflow",
    bad=(
        "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
        "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
        "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
        "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
        "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
        "f: [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
    ),
    where=(1, 32),
    good=(
        "on: push\n"
        "jobs:\n"
        "  test:\n"
        "    runs-on: ubuntu-latest\n"
        "    steps:\n"
        "      - run: echo ok\n"
    ),
)
