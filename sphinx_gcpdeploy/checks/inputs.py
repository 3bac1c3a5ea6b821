"""Rules on the actions a workflow uses: pinned versions and their ``with:`` inputs."""

from __future__ import annotations

from collections.abc import Iterator

from ..findings import Finding, finding, rule
from .model import Workflow

ACTION_INPUT = rule(
    "action-input",
    "Every with: key is an input of the action at the version the step pins.",
)
ACTION_VERSION = rule(
    "action-version",
    "The pinned action version is maintained and free of known deploy bugs.",
)


def check(workflow: Workflow) -> Iterator[Finding]:
    document = workflow.document
    for job in workflow.jobs:
        for step in job.steps:
            found = step.action()
            if found is None:
                continue
            action, ref = found
            release = step.release()
            if release is None:
                continue
            if release.avoid is not None:
                level, text = release.avoid
                yield finding(
                    ACTION_VERSION,
                    f"{action.name}@{ref}: {text}",
                    document.at((*step.path, "uses")),
                    value=step.uses,
                    level=level,
                )
            for name in step.inputs:
                if name in release.inputs:
                    continue
                where = document.key_at((*step.path, "with", name))
                if name in release.removed:
                    text = f"input {name!r} {release.removed[name]}"
                else:
                    choices = ", ".join(sorted(release.inputs))
                    text = (
                        f"{action.name}@{ref} has no input {name!r}; GitHub only "
                        f"warns and runs the step without it. Its inputs are: "
                        f"{choices}"
                    )
                yield finding(ACTION_INPUT, text, where, value=name)
