"""Check Django settings snippets: the text must be Python, and the django-gcp task
settings in it must hold together.

Only what the module itself says is judged: a ``GCP_TASKS_DOMAIN`` read from the
environment is taken on trust, except for a literal default given to
``os.environ.get`` or ``os.getenv``.
"""

from __future__ import annotations

import ast
import warnings
from collections.abc import Iterator
from dataclasses import dataclass

from ..findings import Finding, finding, rule

SETTINGS = "Django settings"

PYTHON_SYNTAX = rule(
    "python-syntax",
    "The snippet is valid Python.",
    topic=SETTINGS,
    kind="python",
    explanation=(
        "A settings module that does not parse stops Django before it starts. The "
        "finding is where Python's own parser gave up."
    ),
    bad='GCP_TASKS_DOMAIN = "https://shop.example.com"\nGCP_TASKS_REGION = (\n',
    where=(2, 20),
    good='GCP_TASKS_DOMAIN = "https://shop.example.com"\n'
    'GCP_TASKS_REGION = "europe-west1"\n',
)
TASKS_DOMAIN_SCHEME = rule(
    "tasks-domain-scheme",
    "GCP_TASKS_DOMAIN starts with https:// unless tasks run eagerly or on the "
    "emulator.",
    topic=SETTINGS,
    kind="python",
    explanation=(
        "Cloud Tasks, Cloud Scheduler and Pub/Sub only push to https URLs, and the "
        "token they send names the URL as its audience, which the app compares with "
        "the address the request arrived on. Plain http only makes sense locally: "
        "with GCP_TASKS_EAGER_EXECUTE on, or with GCP_TASKS_EMULATOR_TARGET set."
    ),
    bad='GCP_TASKS_DOMAIN = "http://shop.example.com"\n',
    where=(1, 20),
    good='GCP_TASKS_DOMAIN = "https://shop.example.com"\n',
)
TASKS_DOMAIN_SLASH = rule(
    "tasks-domain-slash",
    "GCP_TASKS_DOMAIN has no trailing slash.",
    topic=SETTINGS,
    kind="python",
    explanation=(
        "Task URLs are built by appending a path that starts with a slash to the "
        "domain, so a trailing slash gives URLs with two slashes, whose path the "
        "app does not route and whose audience does not match."
    ),
    bad='GCP_TASKS_DOMAIN = "https://shop.example.com/"\n',
    where=(1, 20),
    good='GCP_TASKS_DOMAIN = "https://shop.example.com"\n',
)

DOMAIN = "GCP_TASKS_DOMAIN"
EAGER = "GCP_TASKS_EAGER_EXECUTE"
EMULATOR = "GCP_TASKS_EMULATOR_TARGET"


@dataclass(frozen=True)
class Literal:
    """The known start and end of a string value, and where the value stands."""

    head: str | None
    tail: str | None
    line: int
    column: int
    text: str


def _where(node: ast.expr, lines: list[str]) -> tuple[int, int]:
    """The 1-based line and column of ``node``; Python counts columns in UTF-8
    bytes, the findings in characters."""
    line = lines[node.lineno - 1] if node.lineno <= len(lines) else ""
    prefix = line.encode("utf-8")[: node.col_offset]
    return node.lineno, len(prefix.decode("utf-8", errors="replace")) + 1


def _literal(node: ast.expr, lines: list[str]) -> Literal | None:
    """What can be known of a string expression without running it."""
    where = _where(node, lines)
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return Literal(node.value, node.value, *where, node.value)
    if isinstance(node, ast.JoinedStr) and node.values:
        first, last = node.values[0], node.values[-1]
        head = first.value if isinstance(first, ast.Constant) else None
        tail = last.value if isinstance(last, ast.Constant) else None
        return Literal(
            head if isinstance(head, str) else None,
            tail if isinstance(tail, str) else None,
            *where,
            ast.unparse(node),
        )
    if (
        isinstance(node, ast.Call)
        and len(node.args) == 2
        and ast.unparse(node.func) in ("os.environ.get", "os.getenv", "getenv")
    ):
        return _literal(node.args[1], lines)
    return None


def _assignments(tree: ast.Module) -> Iterator[tuple[str, ast.expr]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    yield target.id, node.value
        elif (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and node.value is not None
        ):
            yield node.target.id, node.value


def _is_off(node: ast.expr) -> bool:
    """Whether a setting is certainly off: False, None, 0 or an empty string."""
    return isinstance(node, ast.Constant) and not node.value


def _check_settings(tree: ast.Module, lines: list[str]) -> Iterator[Finding]:
    settings = list(_assignments(tree))
    local = any(
        name in (EAGER, EMULATOR) and not _is_off(value) for name, value in settings
    )
    for name, value in settings:
        if name != DOMAIN:
            continue
        known = _literal(value, lines)
        if known is None:
            continue
        where = (known.line, known.column)
        if (
            not local
            and known.head is not None
            and not known.head.startswith("https://")
        ):
            yield finding(
                TASKS_DOMAIN_SCHEME,
                f"{DOMAIN} {known.text!r} must start with https://: tasks are "
                f"pushed over https only; plain http works only with {EAGER} = "
                f"True or {EMULATOR} set",
                where,
                known.text,
            )
        if known.tail is not None and known.tail.endswith("/"):
            yield finding(
                TASKS_DOMAIN_SLASH,
                f"{DOMAIN} {known.text!r} ends with '/'; task URLs are the domain "
                "plus a path that starts with '/': remove the trailing slash",
                where,
                known.text,
            )


def check(text: str) -> list[Finding]:
    """Check a Python settings snippet (kind ``python``)."""
    try:
        with warnings.catch_warnings():
            # An invalid escape is a warning, not the writer's syntax error.
            warnings.simplefilter("ignore")
            tree = ast.parse(text)
    except SyntaxError as error:
        line = error.lineno or 1
        column = error.offset or 1
        return [finding(PYTHON_SYNTAX, f"Python syntax: {error.msg}", (line, column))]
    except (ValueError, RecursionError, MemoryError) as error:
        return [finding(PYTHON_SYNTAX, f"Python cannot read the text: {error}", (1, 1))]
    return sorted(set(_check_settings(tree, text.splitlines())))
