"""Cloud Run's own rules, applied to what deploy-cloudrun steps ask for: service
names, revision tags and regions.

Values may be part expression (``yourapp-worker-${{ needs.build.outputs.env }}``):
literal parts are checked as written, expressions are measured by their bounds.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from ..findings import Finding, finding, rule
from ..yamltree import Path
from .expressions import BUILTIN_BOUNDS, Bound, Part, looks_like_sha, measure, split
from .model import Workflow

SERVICE_NAME = rule(
    "service-name",
    "Cloud Run service names: lowercase letters, digits and hyphens, a letter first, "
    "no hyphen last, at most 49 characters.",
)
REVISION_TAG = rule(
    "revision-tag",
    "Revision tags: lowercase letters, digits and hyphens, a letter first, no hyphen "
    "last, at least 3 characters, and tag plus service name at most 46.",
)
REGION = rule(
    "region",
    "region is one known Cloud Run region id.",
)

SERVICE_MAX = 49
TAG_MIN = 3
TAG_PLUS_SERVICE_MAX = 46

#: Cloud Run regions. The list grows, so an id not here is only a warning.
REGIONS = frozenset(
    """
    africa-south1 asia-east1 asia-east2 asia-northeast1 asia-northeast2
    asia-northeast3 asia-south1 asia-south2 asia-southeast1 asia-southeast2
    asia-southeast3 australia-southeast1 australia-southeast2 europe-central2
    europe-north1 europe-north2 europe-southwest1 europe-west1 europe-west2
    europe-west3 europe-west4 europe-west6 europe-west8 europe-west9 europe-west10
    europe-west12 me-central1 me-central2 me-west1 northamerica-northeast1
    northamerica-northeast2 northamerica-south1 southamerica-east1
    southamerica-west1 us-central1 us-east1 us-east4 us-east5 us-south1 us-west1
    us-west2 us-west3 us-west4
    """.split()
)

_BAD_CHAR = re.compile(r"[^a-z0-9-]")
DEPLOY = "google-github-actions/deploy-cloudrun"


@dataclass(frozen=True)
class Name:
    """A name as written, split into parts, with where it stands."""

    text: str
    parts: list[Part]
    path: Path


def _first_bad(parts: list[Part]) -> str | None:
    for part in parts:
        if not part.expression:
            bad = _BAD_CHAR.search(part.text)
            if bad:
                return bad.group(0)
    return None


def _starts_with_letter(parts: list[Part], bounds: dict[str, Bound]) -> bool | None:
    """True or False when the first character is known, else ``None``."""
    if not parts:
        return None
    first = parts[0]
    if not first.expression:
        return first.text[:1].isalpha() and first.text[:1].islower()
    bound = bounds.get(first.text) or BUILTIN_BOUNDS.get(first.text)
    return bound.starts_with_letter if bound else None


def check_name(
    text: str, parts: list[Part], bounds: dict[str, Bound], what: str
) -> list[str]:
    """What is wrong with a service name; the messages, empty when nothing is."""
    problems = []
    bad = _first_bad(parts)
    if bad is not None:
        problems.append(
            f"{what} {text!r} has {bad!r}; use only lowercase letters, digits and "
            "hyphens"
        )
    if _starts_with_letter(parts, bounds) is False:
        problems.append(f"{what} {text!r} must start with a lowercase letter")
    if parts and not parts[-1].expression and parts[-1].text.endswith("-"):
        problems.append(f"{what} {text!r} must not end with a hyphen")
    size = measure(parts, bounds)
    if size.least > SERVICE_MAX:
        problems.append(
            f"{what} {text!r} is {size.least} characters; Cloud Run allows at most "
            f"{SERVICE_MAX}: shorten it"
        )
    elif size.most is not None and size.most > SERVICE_MAX:
        problems.append(
            f"{what} {text!r} can reach {size.most} characters; Cloud Run allows at "
            f"most {SERVICE_MAX}: shorten it"
        )
    return problems


def check_tag(
    tag: str, parts: list[Part], services: list[Name], bounds: dict[str, Bound]
) -> list[str]:
    """What is wrong with a revision tag used for ``services``."""
    problems = []
    bad = _first_bad(parts)
    if bad is not None:
        problems.append(
            f"tag {tag!r} has {bad!r}; use only lowercase letters, digits and hyphens"
        )
    first = _starts_with_letter(parts, bounds)
    if first is False:
        problems.append(
            f"tag {tag!r} must start with a lowercase letter; put a prefix such as "
            "'rev-' before it"
        )
    elif first is None and parts and parts[0].expression:
        if looks_like_sha(parts[0].text):
            problems.append(
                f"tag {tag!r} starts with a commit SHA, which often starts with a "
                "digit; put a letter prefix such as 'rev-' before it"
            )
    if parts and not parts[-1].expression and parts[-1].text.endswith("-"):
        problems.append(f"tag {tag!r} must not end with a hyphen")
    size = measure(parts, bounds)
    if size.most is not None and size.most < TAG_MIN:
        problems.append(f"tag {tag!r} is shorter than {TAG_MIN} characters")
    for service in services:
        total = measure(service.parts, bounds)
        least = size.least + total.least
        most = (
            None if size.most is None or total.most is None else size.most + total.most
        )
        if least > TAG_PLUS_SERVICE_MAX:
            amount = f"is {least} characters"
        elif most is not None and most > TAG_PLUS_SERVICE_MAX:
            amount = f"can reach {most} characters"
        else:
            continue
        problems.append(
            f"tag {tag!r} with service {service.text!r} {amount}; Cloud Run allows "
            f"at most {TAG_PLUS_SERVICE_MAX} for the two together: shorten the tag "
            "or the service name"
        )
    return problems


def _value(step_inputs: dict[str, object], key: str) -> str | None:
    value = step_inputs.get(key)
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        return str(value)
    return None


def check(workflow: Workflow) -> Iterator[Finding]:
    document = workflow.document
    bounds = workflow.bounds
    for job in workflow.jobs:
        deploys = [step for step in job.steps if step.is_action(DEPLOY)]
        services = []
        for step in deploys:
            text = _value(step.inputs, "service")
            if text is not None:
                services.append((step, Name(text, split(text), (*step.path, "with", "service"))))
        for step, name in services:
            for problem in check_name(name.text, name.parts, bounds, "service name"):
                yield finding(SERVICE_NAME, problem, document.at(name.path), name.text)
        for step in deploys:
            tag = _value(step.inputs, "tag")
            if tag is not None:
                mine = [name for owner, name in services if owner is step]
                where = document.at((*step.path, "with", "tag"))
                for problem in check_tag(tag, split(tag), mine, bounds):
                    yield finding(REVISION_TAG, problem, where, tag)
            region = _value(step.inputs, "region")
            if region is not None and "${{" not in region:
                where = document.at((*step.path, "with", "region"))
                yield from _check_region(region, where)


def _check_region(region: str, where: tuple[int, int]) -> Iterator[Finding]:
    if "," in region:
        yield finding(
            REGION,
            f"region {region!r} lists several regions; the action deploys to one: "
            "use one step per region",
            where,
            region,
        )
    elif region.strip() not in REGIONS:
        yield finding(
            REGION,
            f"region {region!r} is not a Cloud Run region this tool knows; check the "
            "spelling (for example europe-west1)",
            where,
            region,
            level="warning",
        )
