"""Check deployment snippets and workflow files.

:func:`check_text` reads a text as one kind of document and runs every rule that
applies to that kind. It never raises on bad input: what cannot be read is a
finding too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from ..findings import Finding
from ..yamltree import Document, YamlProblem, parse
from . import (
    cloudbuild,
    cloudrun,
    inputs,
    python,
    references,
    schema,
    security,
    settings,
    shell,
    worker,
)
from .expressions import Bound
from .model import Workflow, read

#: The kinds of document this package can check.
KINDS = ("github-workflow", "github-steps", "cloudbuild", "bash", "python")

_WORKFLOW_CHECKS: list[Callable[[Workflow], Iterator[Finding]]] = [
    inputs.check,
    references.check,
    cloudrun.check,
    settings.check,
    worker.check,
    security.check,
]


def check_document(
    document: Document, kind: str, bounds: dict[str, Bound] | None = None
) -> list[Finding]:
    """Run every rule for ``kind`` on a parsed document."""
    found = list(schema.check(document, kind))
    if kind in ("github-workflow", "github-steps"):
        workflow = read(document, kind, bounds or {})
        for run in _WORKFLOW_CHECKS:
            found.extend(run(workflow))
    elif kind == "cloudbuild":
        found.extend(cloudbuild.check(document, bounds))
    return sorted(set(found))


def check_text(
    text: str,
    kind: str,
    bounds: dict[str, Bound] | None = None,
    alike: shell.Alike | None = None,
) -> list[Finding]:
    """Read ``text`` as a ``kind`` document and return what is wrong with it.

    ``alike``, for a bash script, is one bash parses the same way (see
    :func:`shell.syntax_finding`)."""
    if kind == "bash":
        return shell.check(text, bounds, alike)
    if kind == "python":
        return python.check(text)
    try:
        document = parse(text)
    except YamlProblem as problem:
        return [Finding(problem.line, problem.column, problem.rule, problem.message)]
    return check_document(document, kind, bounds)
