"""The shape of a GitHub workflow as the rules see it: jobs, their steps, and where
every string in them stands.

A snippet of steps (the ``github-actions`` format) is read as the steps of one job
whose ``needs`` are unknown, so references to other jobs are not judged there.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from ..yamltree import Document, Path
from .actions import ACTIONS, Action, Release, split_uses
from .expressions import Bound


@dataclass
class Step:
    """One step: its place in the document, its id and the action it uses."""

    index: int
    path: Path
    data: dict[str, Any]

    @property
    def id(self) -> str | None:
        value = self.data.get("id")
        return value if isinstance(value, str) else None

    @property
    def uses(self) -> str | None:
        value = self.data.get("uses")
        return value if isinstance(value, str) else None

    @property
    def inputs(self) -> dict[str, Any]:
        value = self.data.get("with")
        return value if isinstance(value, dict) else {}

    def action(self) -> tuple[Action, str] | None:
        """The known action this step uses and the ref it pins, if any."""
        return self._action

    @cached_property
    def _action(self) -> tuple[Action, str] | None:
        # Asked for by nearly every rule, of every step: worked out once.
        if self.uses is None:
            return None
        parts = split_uses(self.uses)
        if parts is None or parts[0] not in ACTIONS:
            return None
        return ACTIONS[parts[0]], parts[1]

    def release(self) -> Release | None:
        """The release of a known action this step pins, if it can be told."""
        found = self.action()
        return found[0].release(found[1]) if found else None

    def is_action(self, name: str) -> bool:
        found = self.action()
        return found is not None and found[0].name == name


@dataclass
class Job:
    """One job, or the single implied job of a snippet of steps."""

    id: str | None
    path: Path
    data: dict[str, Any]
    steps: list[Step]

    @property
    def needs(self) -> list[str] | None:
        """The jobs this job lists in ``needs``; ``None`` when unknown (a snippet)."""
        if self.id is None:
            return None
        value = self.data.get("needs", [])
        if isinstance(value, str):
            return [value]
        return (
            [item for item in value if isinstance(item, str)]
            if isinstance(value, list)
            else []
        )


@dataclass
class Workflow:
    """A parsed document, what kind it is, and its jobs."""

    document: Document
    kind: str
    jobs: list[Job]
    bounds: dict[str, Bound] = field(default_factory=dict)

    @property
    def data(self) -> Any:
        return self.document.data

    def job(self, job_id: str) -> Job | None:
        return next((job for job in self.jobs if job.id == job_id), None)


def _steps(items: Any, path: Path) -> list[Step]:
    if not isinstance(items, list):
        return []
    return [
        Step(index, (*path, index), item)
        for index, item in enumerate(items)
        if isinstance(item, dict)
    ]


def read(document: Document, kind: str, bounds: dict[str, Bound]) -> Workflow:
    """Find the jobs and steps of ``document``, read as ``kind``."""
    data = document.data
    jobs: list[Job] = []
    if kind == "github-steps":
        jobs.append(Job(None, (), {}, _steps(data, ())))
    elif kind == "github-workflow" and isinstance(data, dict):
        all_jobs = data.get("jobs")
        if isinstance(all_jobs, dict):
            for job_id, job in all_jobs.items():
                if isinstance(job, dict):
                    path: Path = ("jobs", job_id)
                    jobs.append(
                        Job(
                            job_id,
                            path,
                            job,
                            _steps(job.get("steps"), (*path, "steps")),
                        )
                    )
    return Workflow(document, kind, jobs, bounds)


def strings(value: Any, path: Path) -> Iterator[tuple[Path, str]]:
    """Every string inside ``value``, keys excluded, with its path."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from strings(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from strings(item, (*path, index))
