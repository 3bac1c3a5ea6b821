"""Rules on references between steps and jobs: ``steps.ID.outputs.NAME`` and
``needs.JOB.outputs.NAME``."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..findings import Finding, finding, rule
from ..yamltree import Path
from .expressions import EXPRESSION
from .model import Job, Step, Workflow, strings

REFERENCES = "References between steps and jobs"

STEP_REFERENCE = rule(
    "step-reference",
    "steps.ID.outputs.NAME names a step earlier in the same job that has that output.",
    topic=REFERENCES,
    explanation=(
        "A reference to a step that does not exist, runs later, or lives in "
        "another job is not an error to GitHub: it is an empty string. A deploy "
        "that reads an empty URL or image carries on with it. deploy-cloudrun has "
        "a single output, url; a run step's outputs are read from the lines that "
        "write to GITHUB_OUTPUT."
    ),
    bad=(
        "- id: deploy_worker\n"
        "  uses: google-github-actions/deploy-cloudrun@v3\n"
        "  with:\n"
        "    service: shop-worker\n"
        "    image: europe-docker.pkg.dev/p/r/shop\n"
        "- run: echo ${{ steps.deploy_worker.outputs.service_url }}\n"
    ),
    where=(6, 17),
    good=(
        "- id: deploy_worker\n"
        "  uses: google-github-actions/deploy-cloudrun@v3\n"
        "  with:\n"
        "    service: shop-worker\n"
        "    image: europe-docker.pkg.dev/p/r/shop\n"
        '- run: echo "$URL"\n'
        "  env:\n"
        "    URL: ${{ steps.deploy_worker.outputs.url }}\n"
    ),
)
NEEDS_REFERENCE = rule(
    "needs-reference",
    "needs.JOB.outputs.NAME names a job listed in needs that declares that output.",
    topic=REFERENCES,
    explanation=(
        "A job reads another job's outputs only if it lists that job directly in "
        "needs and that job declares the output under outputs:. Otherwise the "
        "value is silently empty, and so is the image or tag built from it. In a "
        "snippet of steps the surrounding job is unknown, so only complete "
        "workflows are checked; there, every job named in needs must exist too."
    ),
    kind="github-workflow",
    bad=(
        "on: push\n"
        "jobs:\n"
        "  build:\n"
        "    runs-on: ubuntu-latest\n"
        "    outputs:\n"
        "      image_version_artifact: ${{ steps.image.outputs.name }}\n"
        "    steps:\n"
        "      - id: image\n"
        '        run: echo "name=shop" >> "$GITHUB_OUTPUT"\n'
        "  deploy:\n"
        "    needs: build\n"
        "    runs-on: ubuntu-latest\n"
        "    steps:\n"
        '      - run: echo "$IMAGE"\n'
        "        env:\n"
        "          IMAGE: ${{ needs.build.outputs.image_version_artefact }}\n"
    ),
    where=(16, 22),
    good=(
        "on: push\n"
        "jobs:\n"
        "  build:\n"
        "    runs-on: ubuntu-latest\n"
        "    outputs:\n"
        "      image_version_artifact: ${{ steps.image.outputs.name }}\n"
        "    steps:\n"
        "      - id: image\n"
        '        run: echo "name=shop" >> "$GITHUB_OUTPUT"\n'
        "  deploy:\n"
        "    needs: build\n"
        "    runs-on: ubuntu-latest\n"
        "    steps:\n"
        '      - run: echo "$IMAGE"\n'
        "        env:\n"
        "          IMAGE: ${{ needs.build.outputs.image_version_artifact }}\n"
    ),
)

_STEP_REF = re.compile(
    r"\bsteps\.([A-Za-z_][A-Za-z0-9_-]*)\.(outputs\.([A-Za-z0-9_-]+)|[a-z]+)"
)
_NEEDS_REF = re.compile(
    r"\bneeds\.([A-Za-z_][A-Za-z0-9_-]*)(?:\.outputs\.([A-Za-z0-9_-]+))?"
)
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


def _check_needs_list(workflow: Workflow, job: Job) -> Iterator[Finding]:
    """Every job in a complete workflow's ``needs`` exists and is not the job
    itself."""
    value = job.data.get("needs")
    entries: list[tuple[Path, object]]
    if isinstance(value, list):
        entries = [
            ((*job.path, "needs", index), item) for index, item in enumerate(value)
        ]
    else:
        entries = [((*job.path, "needs"), value)]
    known = [other.id for other in workflow.jobs if other.id and other.id != job.id]
    for path, name in entries:
        if not isinstance(name, str) or "${{" in name:
            continue
        if name == job.id:
            problem = f"job {name!r} lists itself in needs; remove it"
        elif workflow.job(name) is None:
            problem = (
                f"job {job.id!r} needs {name!r}, which is not a job of this "
                f"workflow (its jobs: {', '.join(known) or 'none'}); fix the name"
            )
        else:
            continue
        yield finding(NEEDS_REFERENCE, problem, workflow.document.at(path), value=name)


def check(workflow: Workflow) -> Iterator[Finding]:
    for job in workflow.jobs:
        if job.id is not None and "needs" in job.data:
            yield from _check_needs_list(workflow, job)
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
