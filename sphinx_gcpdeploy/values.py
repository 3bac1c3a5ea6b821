"""The one place where parameter values are made safe to write into a snippet.

Templates write values as they are (``service: {{ app }}-worker``). Rather than
each template quoting by hand, every string parameter reaches the template wrapped
as a :class:`ParameterValue`, and the environment's ``finalize`` hook checks each
one as it is written, by the rules of the kind of text being rendered. A value that
would change the snippet's structure (a newline in YAML, a quote in a Python
string, a semicolon in a shell command) is refused with a message naming the
parameter, so a snippet never silently means something other than what was given.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Any

from .checks.expressions import EXPRESSION
from .checks.shell import RESERVED_WORDS, placeholder
from .findings import rule

PARAMETER_VALUE = rule(
    "parameter-value",
    "A parameter value can be written into the snippet without changing its structure.",
)


class ParameterValue(str):
    """A string parameter on its way into a template, carrying its name and
    whether it was already checked for the snippet's kind."""

    name: str
    checked: bool

    def __new__(cls, value: str, name: str, checked: bool = False) -> ParameterValue:
        made = super().__new__(cls, value)
        made.name = name
        made.checked = checked
        return made


class StandIn(ParameterValue):
    """A value checked inert (see :func:`shell_problem`), in the copy of a script
    that bash is asked about instead of the script itself.

    It compares and measures as the value does, so the template mostly takes
    the same branches; but wherever it is turned into text (written with
    ``{{ }}``, joined with ``~``, formatted with ``%``, passed to most filters) it
    reads as its placeholder word (see
    :func:`~sphinx_gcpdeploy.checks.shell.placeholder`). In most places one inert
    word in place of another leaves bash's reading of a script unchanged, so
    snippets of a template that differ only in such values give bash the same
    script to read. The copy is used only where
    :func:`~sphinx_gcpdeploy.checks.shell.faithful` finds it is the script with
    other inert values, none of them where bash's grammar looks at the word
    itself; otherwise bash reads the script.
    """

    word: str

    def __str__(self) -> str:
        return self.word


def stand_ins(ready: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """``ready`` (from :func:`guarded`) with each value checked as a shell word
    replaced by its :class:`StandIn`, and the value each placeholder word stands
    for. Values get their words in the order of their names, so two snippets of
    one template with the same parameters write the same words."""
    standing: dict[str, Any] = dict(ready)
    words: dict[str, str] = {}
    for index, name in enumerate(sorted(ready)):
        value = ready[name]
        if isinstance(value, ParameterValue) and value.checked:
            stand_in = StandIn(value, value.name, checked=True)
            stand_in.word = placeholder(index)
            standing[name] = stand_in
            words[stand_in.word] = str.__str__(value)
    return standing, words


class UnsafeValue(Exception):
    """A parameter value that the snippet's kind of text cannot hold as it is."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"parameter {name!r}: {reason}")
        self.name = name
        self.reason = reason


_ASCII_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _control(value: str) -> bool:
    """Whether ``value`` holds a control character or a line break, including the
    Unicode line and paragraph separators, which YAML also reads as line breaks."""
    if value.isascii():  # the usual case, without a look-up per character
        return _ASCII_CONTROL.search(value) is not None
    return any(
        unicodedata.category(char)[0] == "C" or unicodedata.category(char) in _BREAKS
        for char in value
    )


_BREAKS = ("Zl", "Zp")


_YAML_FIRST = set("-?:,[]{}#&*!|>'\"%@`")
_YAML_NOT_TEXT = re.compile(
    r"~|null|Null|NULL|true|True|TRUE|false|False|FALSE"
    r"|[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+"
    r"|[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?"
    r"|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)"
)


def yaml_problem(value: str) -> str | None:
    """Why ``value`` cannot stand as (part of) a plain YAML scalar, if it cannot."""
    if not value:
        return "it is empty; give it a value"
    if "\n" in value or "\r" in value or _control(value):
        return "it holds a line break or a control character; keep it on one line"
    if value != value.strip():
        return "it starts or ends with a space; remove it"
    literal = EXPRESSION.sub("x", value)
    if value[0] in _YAML_FIRST:
        return f"it starts with {value[0]!r}, which YAML reads as syntax"
    # Checked on the whole value: YAML reads a comment or a key inside ${{ }} too,
    # before GitHub ever sees the expression.
    for piece in (": ", " #"):
        if piece in value:
            return f"it holds {piece!r}, which YAML reads as syntax"
    if literal.endswith(":"):
        return "it ends with ':', which YAML reads as a key"
    for char in ",[]{}":
        if char in literal:
            return (
                f"it holds {char!r}, which ends a value in a YAML list; only "
                "${{ }} expressions may hold braces"
            )
    if _YAML_NOT_TEXT.fullmatch(value):
        return "YAML would read it as a number, true/false or null, not as text"
    return None


def python_problem(value: str) -> str | None:
    """Why ``value`` cannot stand inside a double-quoted Python string."""
    if "\n" in value or "\r" in value or _control(value):
        return "it holds a line break or a control character; keep it on one line"
    for char in '"\\':
        if char in value:
            return f"it holds {char!r}, which would end or escape the Python string"
    return None


_SHELL_SAFE = re.compile(r"[^A-Za-z0-9._/:@=+,%-]")


def shell_problem(value: str) -> str | None:
    """Why ``value`` cannot stand as a word of a shell command.

    A value that passes is inert: letters, digits and a few punctuation marks that
    mean nothing to bash's grammar, and no reserved word. So a script reads the
    same to bash whatever such values it holds, and its syntax can be checked once
    with :data:`~sphinx_gcpdeploy.checks.shell.PLACEHOLDER` in their place.
    """
    if not value:
        return "it is empty; give it a value"
    if "$(" in value:
        return "it runs a command ('$('); give the value itself"
    bad = _SHELL_SAFE.search(value)
    if bad:
        return (
            f"it holds {bad.group(0)!r}; a shell word here may use letters, digits "
            "and ._/:@=+,%- only"
        )
    if value in RESERVED_WORDS:
        return f"{value!r} is a word bash reserves; choose another"
    return None


def cloudbuild_problem(value: str) -> str | None:
    """Why ``value`` cannot stand in a Cloud Build file: its substitutions are
    pasted into the bash scripts of its steps, so a value must be safe in both."""
    return yaml_problem(value) or shell_problem(value)


#: How each kind of snippet checks the values written into it.
POLICIES: dict[str, Callable[[str], str | None]] = {
    "github-steps": yaml_problem,
    "github-workflow": yaml_problem,
    "cloudbuild": cloudbuild_problem,
    "python": python_problem,
    "bash": shell_problem,
}


def finalizer(kind: str) -> Callable[[Any], Any]:
    """The ``finalize`` hook for templates of ``kind``."""
    policy = POLICIES.get(kind)

    def finalize(value: Any) -> Any:
        if isinstance(value, ParameterValue) and policy and not value.checked:
            reason = policy(str.__str__(value))
            if reason is not None:
                raise UnsafeValue(value.name, reason)
        return value

    return finalize


def guarded(kind: str, values: dict[str, Any], used: set[str]) -> dict[str, Any]:
    """``values`` ready for a template of ``kind``: every string marked as a
    parameter value, and those of the parameters in ``used`` checked now, raising
    :class:`UnsafeValue` for the first the kind cannot hold.

    Values a template joins to other text (``app ~ "-worker"``) reach it as plain
    text, which ``finalize`` cannot tell from the template's own, so the values
    the format uses are checked here, before rendering; ``finalize`` checks only
    a value written that was not declared for the format.
    """
    policy = POLICIES.get(kind)
    ready: dict[str, Any] = {}
    for name, value in values.items():
        if isinstance(value, str):
            if policy is not None and name in used:
                reason = policy(value)
                if reason is not None:
                    raise UnsafeValue(name, reason)
            value = ParameterValue(value, name, checked=name in used)
        ready[name] = value
    return ready
