"""Cloud Run's own rules, applied to what deploy-cloudrun steps ask for: service
names, revision tags and suffixes, and regions.

Values may be part expression (``yourapp-worker-${{ needs.build.outputs.env }}``):
literal parts are checked as written, expressions are measured by their bounds.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from ..findings import Finding, finding, rule
from ..yamltree import Path
from .expressions import Bound, Part, bound_of, looks_like_sha, measure, split
from .model import Step, Workflow

CLOUD_RUN = "Cloud Run names and places"

SERVICE_NAME = rule(
    "service-name",
    "Cloud Run service names: lowercase letters, digits and hyphens, a letter first, "
    "no hyphen last, at most 49 characters.",
    topic=CLOUD_RUN,
    explanation=(
        "Cloud Run refuses any other name when the step runs. Every deploy step's "
        "service is checked, so the worker's name is too: with its -worker suffix "
        "it is the longer one, and the one that crosses the limit first. A name "
        "built from expressions is measured with the lengths the template "
        "declares for them."
    ),
    upstream=("pulumi/pulumi-gcp#3167", "jamesward/cloud-run-button#4"),
    bad=(
        "- uses: google-github-actions/deploy-cloudrun@v3\n"
        "  with:\n"
        "    service: yourapp-worker-production-europe-west1-blue-green-1\n"
        "    image: europe-docker.pkg.dev/p/r/shop\n"
    ),
    where=(3, 14),
    good=(
        "- uses: google-github-actions/deploy-cloudrun@v3\n"
        "  with:\n"
        "    service: yourapp-worker-production\n"
        "    image: europe-docker.pkg.dev/p/r/shop\n"
    ),
)
REVISION_TAG = rule(
    "revision-tag",
    "Revision tags: lowercase letters, digits and hyphens, a letter first, no hyphen "
    "last, at least 3 characters, and tag plus service name at most 46.",
    topic=CLOUD_RUN,
    explanation=(
        "A tag becomes part of a host name, TAG---SERVICE-..., so Cloud Run "
        "limits tag and service name together to 46 characters, and the limit "
        "is usually crossed by the longer worker service only. Tags of one or two "
        "characters are refused. A tag that starts with a digit breaks the DNS "
        "label rule Cloud Run's API follows (the managed platform's behaviour is "
        "not confirmed, so it is treated as an error): a raw short commit SHA "
        "starts with a digit more often than not, so put a letter prefix such as "
        "rev- before it. When the length of an expression in the tag or the "
        "service name is not known, the rule warns that it cannot measure them."
    ),
    upstream=(
        "PolicyEngine/policyengine-api#3729",
        "solana-foundation/tokens#89",
        "PolicyEngine/policyengine-sim-api#656",
    ),
    bad=(
        "- uses: google-github-actions/deploy-cloudrun@v3\n"
        "  with:\n"
        "    service: shop-worker\n"
        "    image: europe-docker.pkg.dev/p/r/shop\n"
        "    tag: ${{ needs.build.outputs.short_sha }}\n"
    ),
    where=(5, 10),
    good=(
        "- uses: google-github-actions/deploy-cloudrun@v3\n"
        "  with:\n"
        "    service: shop-worker\n"
        "    image: europe-docker.pkg.dev/p/r/shop\n"
        "    tag: rev-${{ needs.build.outputs.short_sha }}\n"
    ),
)
REVISION_SUFFIX = rule(
    "revision-suffix",
    "The revision name SERVICE-SUFFIX is under 64 characters and a valid name.",
    topic=CLOUD_RUN,
    explanation=(
        "suffix names the new revision SERVICE-SUFFIX. The whole name must stay "
        "under 64 characters and use lowercase letters, digits and hyphens, or "
        "the deploy fails after the image is built."
    ),
    upstream=("pipe-cd/pipecd#5688",),
    bad=(
        "- uses: google-github-actions/deploy-cloudrun@v3\n"
        "  with:\n"
        "    service: yourapp-worker-production\n"
        "    image: europe-docker.pkg.dev/p/r/shop\n"
        "    suffix: ${{ github.sha }}\n"
    ),
    where=(5, 13),
    good=(
        "- uses: google-github-actions/deploy-cloudrun@v3\n"
        "  with:\n"
        "    service: yourapp-worker-production\n"
        "    image: europe-docker.pkg.dev/p/r/shop\n"
        "    suffix: rev-${{ needs.build.outputs.short_sha }}\n"
    ),
)
REGION = rule(
    "region",
    "region is one known Cloud Run region id.",
    topic=CLOUD_RUN,
    explanation=(
        "The action deploys to a single region; a comma-separated list is passed "
        "on to gcloud, which fails. That is an error. A single id this tool does "
        "not know is only a warning, since Google keeps adding regions: check "
        "the spelling."
    ),
    upstream=("google-github-actions/deploy-cloudrun#530",),
    bad=(
        "- uses: google-github-actions/deploy-cloudrun@v3\n"
        "  with:\n"
        "    service: shop-worker\n"
        "    image: europe-docker.pkg.dev/p/r/shop\n"
        "    region: europe-west1,us-central1\n"
    ),
    where=(5, 13),
    good=(
        "- uses: google-github-actions/deploy-cloudrun@v3\n"
        "  with:\n"
        "    service: shop-worker\n"
        "    image: europe-docker.pkg.dev/p/r/shop\n"
        "    region: europe-west1\n"
        "- uses: google-github-actions/deploy-cloudrun@v3\n"
        "  with:\n"
        "    service: shop-worker\n"
        "    image: europe-docker.pkg.dev/p/r/shop\n"
        "    region: us-central1\n"
    ),
)

SERVICE_MAX = 49
TAG_MIN = 3
TAG_PLUS_SERVICE_MAX = 46
REVISION_MAX = 63

#: Cloud Run regions. The list grows, so an id not here is only a warning.
REGIONS = frozenset(
    [
        "africa-south1", "asia-east1", "asia-east2", "asia-northeast1",
        "asia-northeast2", "asia-northeast3", "asia-south1", "asia-south2",
        "asia-southeast1", "asia-southeast2", "asia-southeast3",
        "australia-southeast1", "australia-southeast2", "europe-central2",
        "europe-north1", "europe-north2", "europe-southwest1", "europe-west1",
        "europe-west2", "europe-west3", "europe-west4", "europe-west6",
        "europe-west8", "europe-west9", "europe-west10", "europe-west12",
        "me-central1", "me-central2", "me-west1", "northamerica-northeast1",
        "northamerica-northeast2", "northamerica-south1", "southamerica-east1",
        "southamerica-west1", "us-central1", "us-east1", "us-east4", "us-east5",
        "us-south1", "us-west1", "us-west2", "us-west3", "us-west4",
    ]
)  # fmt: skip

_BAD_CHAR = re.compile(r"[^a-z0-9-]")
DEPLOY = "google-github-actions/deploy-cloudrun"


@dataclass(frozen=True)
class Name:
    """A value as written, split into parts, with where it stands."""

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
    bound = bound_of(first.text, bounds)
    return bound.starts_with_letter if bound else None


def _ends_with_hyphen(parts: list[Part]) -> bool:
    return bool(parts) and not parts[-1].expression and parts[-1].text.endswith("-")


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
        problems.append(
            f"{what} {text!r} must start with a lowercase letter; put one first"
        )
    if _ends_with_hyphen(parts):
        problems.append(f"{what} {text!r} must not end with a hyphen; remove it")
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
) -> list[tuple[str, bool]]:
    """What is wrong with a revision tag used for ``services``: each message, and
    whether it is only a warning."""
    problems: list[tuple[str, bool]] = []
    bad = _first_bad(parts)
    if bad is not None:
        problems.append(
            (
                f"tag {tag!r} has {bad!r}; use only lowercase letters, digits and "
                "hyphens",
                False,
            )
        )
    first = _starts_with_letter(parts, bounds)
    if first is False:
        problems.append(
            (
                f"tag {tag!r} must start with a lowercase letter; put a prefix such "
                "as 'rev-' before it",
                False,
            )
        )
    elif (
        first is None
        and parts
        and parts[0].expression
        and looks_like_sha(parts[0].text)
    ):
        problems.append(
            (
                f"tag {tag!r} starts with a commit SHA, which often starts with a "
                "digit; put a letter prefix such as 'rev-' before it",
                False,
            )
        )
    if _ends_with_hyphen(parts):
        problems.append((f"tag {tag!r} must not end with a hyphen; remove it", False))
    size = measure(parts, bounds)
    if size.most is not None and size.most < TAG_MIN:
        problems.append(
            (
                f"tag {tag!r} is shorter than {TAG_MIN} characters, which Cloud Run "
                "refuses; make it longer",
                False,
            )
        )
    for service in services:
        problems.extend(_check_together(tag, size.least, size.most, service, bounds))
    return problems


def _check_together(
    tag: str, least: int, most: int | None, service: Name, bounds: dict[str, Bound]
) -> list[tuple[str, bool]]:
    total = measure(service.parts, bounds)
    least += total.least
    most = None if most is None or total.most is None else most + total.most
    if least > TAG_PLUS_SERVICE_MAX:
        amount = f"is {least} characters"
    elif most is not None and most > TAG_PLUS_SERVICE_MAX:
        amount = f"can reach {most} characters"
    elif most is None:
        unknown = next(
            part.text
            for part in (*split(tag), *service.parts)
            if part.expression and bound_of(part.text, bounds) is None
        )
        return [
            (
                f"tag {tag!r} with service {service.text!r} cannot be measured: the "
                f"length of {unknown!r} is unknown; make sure the two together "
                f"stay within {TAG_PLUS_SERVICE_MAX} characters",
                True,
            )
        ]
    else:
        return []
    return [
        (
            f"tag {tag!r} with service {service.text!r} {amount}; Cloud Run allows "
            f"at most {TAG_PLUS_SERVICE_MAX} for the two together: shorten the tag "
            "or the service name",
            False,
        )
    ]


def check_suffix(
    suffix: str, parts: list[Part], service: Name | None, bounds: dict[str, Bound]
) -> list[str]:
    """What is wrong with a revision suffix for ``service``."""
    problems = []
    bad = _first_bad(parts)
    if bad is not None:
        problems.append(
            f"suffix {suffix!r} has {bad!r}; use only lowercase letters, digits and "
            "hyphens"
        )
    if _ends_with_hyphen(parts):
        problems.append(f"suffix {suffix!r} must not end with a hyphen; remove it")
    if service is None:
        return problems
    size = measure(parts, bounds)
    total = measure(service.parts, bounds)
    least = total.least + 1 + size.least
    most = (
        None if size.most is None or total.most is None else total.most + 1 + size.most
    )
    if least > REVISION_MAX:
        amount = f"is {least} characters"
    elif most is not None and most > REVISION_MAX:
        amount = f"can reach {most} characters"
    else:
        return problems
    problems.append(
        f"revision name {service.text}-{suffix} {amount}; Cloud Run needs it under "
        f"{REVISION_MAX + 1}: shorten the suffix"
    )
    return problems


def text_input(step: Step, key: str) -> str | None:
    """A ``with:`` value as text, or ``None`` when it is absent or not a scalar."""
    value = step.inputs.get(key)
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        return str(value)
    return None


def service_of(step: Step) -> Name | None:
    """The service a deploy step names, split into parts."""
    text = text_input(step, "service")
    if text is None:
        return None
    return Name(text, split(text), (*step.path, "with", "service"))


def check(workflow: Workflow) -> Iterator[Finding]:
    document = workflow.document
    bounds = workflow.bounds
    for job in workflow.jobs:
        for step in job.steps:
            if not step.is_action(DEPLOY):
                continue
            service = service_of(step)
            if service is not None:
                for problem in check_name(
                    service.text, service.parts, bounds, "service name"
                ):
                    yield finding(
                        SERVICE_NAME, problem, document.at(service.path), service.text
                    )
            yield from _check_step_tag(workflow, step, service)
            suffix = text_input(step, "suffix")
            if suffix is not None:
                where = document.at((*step.path, "with", "suffix"))
                for text in check_suffix(suffix, split(suffix), service, bounds):
                    yield finding(REVISION_SUFFIX, text, where, suffix)
            region = text_input(step, "region")
            if region is not None and "${{" not in region:
                where = document.at((*step.path, "with", "region"))
                yield from _check_region(region, where)


def _check_step_tag(
    workflow: Workflow, step: Step, service: Name | None
) -> Iterator[Finding]:
    tag = text_input(step, "tag")
    if tag is None:
        return
    where = workflow.document.at((*step.path, "with", "tag"))
    services = [service] if service is not None else []
    for problem, advice in check_tag(tag, split(tag), services, workflow.bounds):
        yield finding(
            REVISION_TAG, problem, where, tag, level="warning" if advice else None
        )


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
