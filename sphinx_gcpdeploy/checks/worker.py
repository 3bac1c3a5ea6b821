"""Rules for the worker pattern: the server sends its tasks to ``GCP_TASKS_DOMAIN``,
which should be the tagged URL of the worker revision deployed with it."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..findings import Finding, finding, rule
from .model import Job, Step, Workflow
from .pairs import parse_pairs

WORKER = "The worker pattern"
DEPLOY = "google-github-actions/deploy-cloudrun"
SETTING = "GCP_TASKS_DOMAIN"

_WORKER_STEPS = (
    "- id: deploy_worker\n"
    "  uses: google-github-actions/deploy-cloudrun@v3\n"
    "  with:\n"
    "    service: shop-worker\n"
    "    image: europe-docker.pkg.dev/p/r/shop\n"
)

TASKS_DOMAIN = rule(
    "tasks-domain",
    "GCP_TASKS_DOMAIN is an https:// URL with no trailing slash.",
    topic=WORKER,
    explanation=(
        "django-gcp builds each task's URL as GCP_TASKS_DOMAIN followed by the "
        "task's path, so a trailing slash doubles the slash in every task URL, "
        "and the address must use https unless tasks run eagerly or go to the "
        "local emulator, which a deployed service never does. The worker also "
        "checks that the token it receives was minted for exactly the URL the "
        "task arrived on."
    ),
    bad=(
        "- uses: google-github-actions/deploy-cloudrun@v3\n"
        "  with:\n"
        "    service: shop-server\n"
        "    image: europe-docker.pkg.dev/p/r/shop\n"
        "    env_vars: |\n"
        "      GCP_TASKS_DOMAIN=https://shop-worker-123456789.europe-west1.run.app/\n"
    ),
    where=(6, 74),
    good=(
        "- uses: google-github-actions/deploy-cloudrun@v3\n"
        "  with:\n"
        "    service: shop-server\n"
        "    image: europe-docker.pkg.dev/p/r/shop\n"
        "    env_vars: |\n"
        "      GCP_TASKS_DOMAIN=https://shop-worker-123456789.europe-west1.run.app\n"
    ),
)
WORKER_URL = rule(
    "worker-url",
    "A worker URL read from a deploy step comes from a tagged step without traffic "
    "inputs.",
    topic=WORKER,
    explanation=(
        "The url output is the tagged revision's own URL only when the step sets "
        "tag. Without tag it is the service's main URL, which follows whatever "
        "revision gets traffic, so the server may send tasks to a worker of "
        "another release (a warning, as that can be a deliberate choice). With "
        "revision_traffic or tag_traffic in the same step, url may be the URL of "
        "another tag altogether (an error)."
    ),
    upstream=("google-github-actions/deploy-cloudrun#589",),
    bad=(
        _WORKER_STEPS + "    tag: rev-one\n"
        "    tag_traffic: rev-one=100\n"
        "- uses: google-github-actions/deploy-cloudrun@v3\n"
        "  with:\n"
        "    service: shop-server\n"
        "    image: europe-docker.pkg.dev/p/r/shop\n"
        "    env_vars: |\n"
        "      GCP_TASKS_DOMAIN=${{ steps.deploy_worker.outputs.url }}\n"
    ),
    where=(13, 28),
    good=(
        _WORKER_STEPS + "    tag: rev-one\n"
        "- uses: google-github-actions/deploy-cloudrun@v3\n"
        "  with:\n"
        "    service: shop-server\n"
        "    image: europe-docker.pkg.dev/p/r/shop\n"
        "    env_vars: |\n"
        "      GCP_TASKS_DOMAIN=${{ steps.deploy_worker.outputs.url }}\n"
    ),
)
NO_TRAFFIC = rule(
    "no-traffic",
    "no_traffic is used knowing it fails on a first deploy and can move other tags.",
    "warning",
    topic=WORKER,
    explanation=(
        "no_traffic deploys a revision that gets no share of traffic. Cloud Run "
        "refuses it when the service does not exist yet, so the first run of a "
        "new workflow, or of a new environment, fails. Combined with tag it has "
        "also moved tags that pointed at other revisions. A tag alone already "
        "gives the new revision its own URL, so the worker pattern does not need "
        "no_traffic."
    ),
    upstream=("google-github-actions/deploy-cloudrun#529",),
    bad=_WORKER_STEPS + "    tag: rev-one\n    no_traffic: true\n",
    where=(7, 17),
    good=_WORKER_STEPS + "    tag: rev-one\n",
)

_STEP_URL = re.compile(r"steps\.([A-Za-z_][A-Za-z0-9_-]*)\.outputs\.url")
_TRAFFIC = ("revision_traffic", "tag_traffic")


def check(workflow: Workflow) -> Iterator[Finding]:
    for job in workflow.jobs:
        for step in job.steps:
            if not step.is_action(DEPLOY):
                continue
            yield from _check_no_traffic(workflow, step)
            env_vars = step.inputs.get("env_vars")
            if isinstance(env_vars, str) and SETTING in env_vars:
                yield from _check_domain(workflow, job, step, env_vars)


def _check_no_traffic(workflow: Workflow, step: Step) -> Iterator[Finding]:
    value = step.inputs.get("no_traffic")
    if value is not True and str(value).strip().lower() != "true":
        return
    problem = (
        "no_traffic fails when the service does not exist yet, so the first deploy "
        "of a new service or environment breaks"
    )
    if "tag" in step.inputs:
        problem += ", and together with tag it has moved other revisions' tags"
    yield finding(
        NO_TRAFFIC,
        f"{problem}; leave it out, a tag alone gives the revision its own URL",
        workflow.document.at((*step.path, "with", "no_traffic")),
        value="no_traffic",
    )


def _check_domain(
    workflow: Workflow, job: Job, step: Step, env_vars: str
) -> Iterator[Finding]:
    path = (*step.path, "with", "env_vars")
    for pair in parse_pairs(env_vars):
        if pair.key != SETTING or pair.value is None:
            continue
        value = pair.value

        def place(offset: int) -> tuple[int, int]:
            return workflow.document.offset_at(path, env_vars, offset)

        if not value.startswith("${{") and not value.startswith("https://"):
            yield finding(
                TASKS_DOMAIN,
                f"{SETTING} is {value!r}; tasks are pushed over https, so write "
                "https:// followed by the worker's host",
                place(pair.value_start),
                value,
            )
        if value.endswith("/"):
            yield finding(
                TASKS_DOMAIN,
                f"{SETTING} ends with '/', and task paths are appended to it; "
                "remove the trailing slash",
                place(pair.value_start + len(value) - 1),
                value,
            )
        source = _STEP_URL.search(value)
        if source is not None:
            yield from _check_source(
                workflow, job, source.group(1), place(pair.value_start + source.start())
            )


def _check_source(
    workflow: Workflow, job: Job, step_id: str, where: tuple[int, int]
) -> Iterator[Finding]:
    source = next((step for step in job.steps if step.id == step_id), None)
    if source is None or not source.is_action(DEPLOY):
        return
    traffic = [name for name in _TRAFFIC if name in source.inputs]
    if traffic:
        yield finding(
            WORKER_URL,
            f"{SETTING} reads the url of step {step_id!r}, which also sets "
            f"{traffic[0]}, so url may be another tag's URL; move traffic in a "
            "separate step",
            where,
            value=step_id,
        )
    elif "tag" not in source.inputs:
        yield finding(
            WORKER_URL,
            f"{SETTING} reads the url of step {step_id!r}, which sets no tag, so it "
            "is the service's main URL and may reach a worker of another release; "
            "give that step a tag",
            where,
            value=step_id,
            level="warning",
        )
