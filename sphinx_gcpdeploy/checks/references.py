"""Rules on references between steps and jobs: ``steps.ID.outputs.NAME`` and
``needs.JOB.outputs.NAME``."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..findings import Finding, finding, rule
from .expressions import EXPRESSION
from ..yamltree import Path
from .model import Job, Step, Workflow, strings

STEP_REFERENCE = rule(
    "step-reference",
    "steps.ID.outputs.NAME names a step earlier in the same job that has that output.",
)
NEEDS_REFERENCE = rule(
    "needs-reference",
    "needs.JOB.outputs.NAME names a job listed in needs that declares that output.",
)

_STEP_REF = re.compile(r"\bsteps\.([A-Za-z_][A-Za-z0-9_-]*)\.(outputs\.([A-Za-z0-9_-]+)|[a-z]+)")
_NEEDS_REF = re.compile(r"\bneeds\.([A-Za-z_][A-Za-z0-9_-]*)(?:\.outputs\.([A-Za-z0-9_-]+))?")
_OUTPUT_WRITE = re.compile(
    r"""echo\s+["']?([A-Za-z_][A-Za-z0-9_-]*)=[^\n]*>>\s*["']?\$\{?GITHUB_OUTPUT"""
)
_STEP_PROPERTIES = {"outputs", "outcome", "conclusion"}


def step_outputs(step: Step) -> frozenset[str] | None:
    """The outputs a step is known to have; ``None`` when they cannot be told."""
    release = step.release()
    if release is not None:
        return release.outputs
    if step.uses is not None:
        return None
    script = step.data.get("run")
    if not isinstance(script, str):
        return frozenset()
    if "GITHUB_OUTPUT" not in script:
        return frozenset()
    written = frozenset(_OUTPUT_WRITE.findall(script))
    # An output written some other way (a heredoc, a function) cannot be read here.
    return written if script.count("GITHUB_OUTPUT") == len(written) else None


def _expressions(text: str) -> Iterator[tuple[int, str]]:
    """Each expression body in ``text`` with the offset where it starts."""
    for match in EXPRESSION.finditer(text):
        yield match.start(1), match.group(1)


def _check_step_refs(
    workflow: Workflow, job: Job, path: Path, text: str, before: int | None
) -> Iterator[Finding]:
    """``before`` is the index of the step the text belongs to (refs must point to
    earlier steps), or ``None`` for job-level text that may name any step."""
    by_id = {step.id: step for step in job.steps if step.id}
    for start, expression in _expressions(text):
        for match in _STEP_REF.finditer(expression):
            step_id, output = match.group(1), match.group(3)
            reference = match.group(0)
            where = workflow.document.offset_at(path, text, start + match.start())
            target = by_id.get(step_id)
            if target is None:
                known = ", ".join(sorted(by_id)) or "none"
                yield finding(
                    STEP_REFERENCE,
                    f"{reference}: no step in this job has id {step_id!r} "
                    f"(step ids here: {known})",
                    where,
                    value=reference,
                )
                continue
            if before is not None and target.index >= before:
                yield finding(
                    STEP_REFERENCE,
                    f"{reference}: step {step_id!r} runs after this one, so its "
                    "outputs are empty here; move it earlier",
                    where,
                    value=reference,
                )
                continue
            if match.group(2).split(".")[0] not in _STEP_PROPERTIES:
                yield finding(
                    STEP_REFERENCE,
                    f"{reference}: a step has only outputs, outcome and conclusion",
                    where,
                    value=reference,
                )
                continue
            if output is None:
                continue
            outputs = step_outputs(target)
            if outputs is not None and output not in outputs:
                have = ", ".join(sorted(outputs)) or "no outputs"
                yield finding(
                    STEP_REFERENCE,
                    f"{reference}: step {step_id!r} has no output {output!r} "
                    f"(it has: {have})",
                    where,
                    value=reference,
                )


def _check_needs_refs(
    workflow: Workflow, job: Job, path: Path, text: str
) -> Iterator[Finding]:
    needs = job.needs
    if needs is None:
        return
    for start, expression in _expressions(text):
        for match in _NEEDS_REF.finditer(expression):
            job_id, output = match.group(1), match.group(2)
            reference = match.group(0)
            where = workflow.document.offset_at(path, text, start + match.start())
            if job_id not in needs:
                listed = ", ".join(needs) or "nothing"
                yield finding(
                    NEEDS_REFERENCE,
                    f"{reference}: job {job.id!r} does not list {job_id!r} in needs "
                    f"(it lists {listed}); add it to needs",
                    where,
                    value=reference,
                )
                continue
            other = workflow.job(job_id)
            if other is None or output is None:
                continue
            declared = other.data.get("outputs")
            declared = declared if isinstance(declared, dict) else {}
            if output not in declared:
                have = ", ".join(sorted(declared)) or "none"
                yield finding(
                    NEEDS_REFERENCE,
                    f"{reference}: job {job_id!r} declares no output {output!r} "
                    f"(its outputs: {have}); declare it under its outputs:",
                    where,
                    value=reference,
                )


def check(workflow: Workflow) -> Iterator[Finding]:
    for job in workflow.jobs:
        for step in job.steps:
            for path, text in strings(step.data, step.path):
                if "${{" not in text:
                    continue
                yield from _check_step_refs(workflow, job, path, text, step.index)
                yield from _check_needs_refs(workflow, job, path, text)
        if job.id is None:
            continue
        for key in ("outputs", "env", "if", "runs-on", "environment", "strategy"):
            if key not in job.data:
                continue
            for path, text in strings(job.data[key], (*job.path, key)):
                if "${{" not in text:
                    continue
                if key == "outputs":
                    yield from _check_step_refs(workflow, job, path, text, None)
                yield from _check_needs_refs(workflow, job, path, text)
