"""Rules that keep a deploying workflow safe and able to authenticate: token
permissions, step order, credentials in each job, and script injection."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..findings import Finding, finding, rule
from .expressions import EXPRESSION
from .model import Job, Step, Workflow

SECURITY = "Authentication and security"
AUTH = "google-github-actions/auth"
CHECKOUT = "actions/checkout"
DEPLOY = "google-github-actions/deploy-cloudrun"

_DEPLOY_JOB = (
    "on: push\n"
    "jobs:\n"
    "  deploy:\n"
    "    runs-on: ubuntu-latest\n"
    "{permissions}"
    "    steps:\n"
    "{steps}"
)
_CHECKOUT_STEP = "      - uses: actions/checkout@v7\n"
_AUTH_STEP = (
    "      - uses: google-github-actions/auth@v3\n"
    "        with:\n"
    "          workload_identity_provider: projects/123456789/locations/global/"
    "workloadIdentityPools/github/providers/shop\n"
)
_DEPLOY_STEP = (
    "      - uses: google-github-actions/deploy-cloudrun@v3\n"
    "        with:\n"
    "          service: shop-server\n"
    "          image: europe-docker.pkg.dev/p/r/shop\n"
)
_PERMISSIONS = "    permissions:\n      contents: read\n      id-token: write\n"

ID_TOKEN_PERMISSION = rule(
    "id-token-permission",
    "A job that authenticates with workload identity may request an id-token.",
    topic=SECURITY,
    explanation=(
        "Workload identity federation trades a GitHub OIDC token for Google "
        "credentials, and a job gets that token only with id-token: write in its "
        "permissions, or in the workflow's when the job sets none. The default "
        "token permissions never include it, so auth fails. Grant contents: read "
        "beside it for checkout."
    ),
    upstream=(
        "google-github-actions/auth#16",
        "google-github-actions/auth#27",
        "google-github-actions/auth#260",
    ),
    kind="github-workflow",
    bad=_DEPLOY_JOB.format(
        permissions="    permissions:\n      contents: read\n",
        steps=_CHECKOUT_STEP + _AUTH_STEP + _DEPLOY_STEP,
    ),
    where=(5, 5),
    good=_DEPLOY_JOB.format(
        permissions=_PERMISSIONS, steps=_CHECKOUT_STEP + _AUTH_STEP + _DEPLOY_STEP
    ),
)
CHECKOUT_BEFORE_AUTH = rule(
    "checkout-before-auth",
    "actions/checkout runs before google-github-actions/auth in the same job.",
    topic=SECURITY,
    explanation=(
        "auth writes a credentials file into the workspace. A checkout after it "
        "cleans the workspace and deletes that file, so later gcloud and "
        "deploy steps find no credentials. Run checkout first. In a complete "
        "workflow, a job that authenticates without any checkout gets a warning, "
        "as the auth action expects one before it."
    ),
    bad=(
        "- uses: google-github-actions/auth@v3\n"
        "  with:\n"
        "    workload_identity_provider: projects/123456789/locations/global/"
        "workloadIdentityPools/github/providers/shop\n"
        "- uses: actions/checkout@v7\n"
    ),
    where=(4, 9),
    good=(
        "- uses: actions/checkout@v7\n"
        "- uses: google-github-actions/auth@v3\n"
        "  with:\n"
        "    workload_identity_provider: projects/123456789/locations/global/"
        "workloadIdentityPools/github/providers/shop\n"
    ),
)
DEPLOY_CREDENTIALS = rule(
    "deploy-credentials",
    "A job that deploys authenticates earlier in the same job.",
    topic=SECURITY,
    explanation=(
        "deploy-cloudrun uses the credentials that google-github-actions/auth "
        "sets up in the same job; credentials do not travel between jobs, and "
        "outputs holding secrets are masked and cannot cross them either. Only "
        "complete workflows are checked, since a snippet of steps may follow an "
        "auth step it does not show."
    ),
    kind="github-workflow",
    bad=_DEPLOY_JOB.format(permissions=_PERMISSIONS, steps=_DEPLOY_STEP),
    where=(9, 15),
    good=_DEPLOY_JOB.format(
        permissions=_PERMISSIONS, steps=_CHECKOUT_STEP + _AUTH_STEP + _DEPLOY_STEP
    ),
)
SCRIPT_INJECTION = rule(
    "script-injection",
    "Event data that anyone can write is not placed inside run: scripts.",
    topic=SECURITY,
    explanation=(
        "GitHub replaces ${{ }} before the shell sees the script, so a pull "
        "request title or branch name containing a quote and a command runs that "
        "command with the job's permissions, here including deploy credentials. "
        "Titles, bodies, messages, labels, names, e-mail addresses, head_ref and "
        "other refs of the event are written by whoever opens the issue, pull "
        "request or commit. Pass them through env: and quote the variable."
    ),
    bad=('- run: echo "Deploying ${{ github.event.pull_request.title }}"\n'),
    where=(1, 24),
    good=(
        '- run: echo "Deploying $TITLE"\n'
        "  env:\n"
        "    TITLE: ${{ github.event.pull_request.title }}\n"
    ),
)

_UNTRUSTED_ENDINGS = frozenset(
    [
        "body", "default_branch", "email", "head_ref", "label", "message", "name",
        "page_name", "ref", "title",
    ]
)  # fmt: skip
_EVENT_PATH = re.compile(
    r"\bgithub\.(?:head_ref\b|event(?:\.[A-Za-z0-9_*-]+|\[[^\]]*\])+)"
)


def check(workflow: Workflow) -> Iterator[Finding]:
    complete = workflow.kind == "github-workflow"
    for job in workflow.jobs:
        if complete:
            yield from _check_permissions(workflow, job)
            yield from _check_deploy_credentials(workflow, job)
        yield from _check_order(workflow, job, complete)
        for step in job.steps:
            yield from _check_injection(workflow, step)


def _uses_workload_identity(step: Step) -> bool:
    return step.is_action(AUTH) and "workload_identity_provider" in step.inputs


def _grants_id_token(permissions: object) -> bool:
    if permissions == "write-all":
        return True
    return isinstance(permissions, dict) and permissions.get("id-token") == "write"


def _check_permissions(workflow: Workflow, job: Job) -> Iterator[Finding]:
    auth = next((step for step in job.steps if _uses_workload_identity(step)), None)
    if auth is None:
        return
    top = workflow.data.get("permissions") if isinstance(workflow.data, dict) else None
    if "permissions" in job.data:
        permissions, where = (
            job.data["permissions"],
            workflow.document.key_at((*job.path, "permissions")),
        )
        place = f"the permissions of job {job.id!r}"
    else:
        permissions = top
        place = f"the permissions of job {job.id!r} (or of the workflow)"
        where = workflow.document.at((*auth.path, "uses"))
    if _grants_id_token(permissions):
        return
    yield finding(
        ID_TOKEN_PERMISSION,
        f"auth uses workload identity, which needs an OIDC token, but job "
        f"{job.id!r} may not request one; add 'id-token: write' (and 'contents: "
        f"read') to {place}",
        where,
        value="permissions",
    )


def _check_deploy_credentials(workflow: Workflow, job: Job) -> Iterator[Finding]:
    for step in job.steps:
        if step.is_action(AUTH):
            return
        if step.is_action(DEPLOY) and "credentials" not in step.inputs:
            yield finding(
                DEPLOY_CREDENTIALS,
                f"job {job.id!r} deploys without authenticating first; add a "
                "google-github-actions/auth step before this one, in the same job",
                workflow.document.at((*step.path, "uses")),
                value=step.uses,
            )
            return


def _check_order(workflow: Workflow, job: Job, complete: bool) -> Iterator[Finding]:
    auth = next((step for step in job.steps if step.is_action(AUTH)), None)
    if auth is None:
        return
    checkouts = [step for step in job.steps if step.is_action(CHECKOUT)]
    later = [step for step in checkouts if step.index > auth.index]
    if later:
        yield finding(
            CHECKOUT_BEFORE_AUTH,
            "actions/checkout runs after google-github-actions/auth and deletes the "
            "credentials file it wrote; move checkout before auth",
            workflow.document.at((*later[0].path, "uses")),
            value=later[0].uses,
        )
    elif complete and not checkouts:
        yield finding(
            CHECKOUT_BEFORE_AUTH,
            f"job {job.id!r} authenticates without checking out the repository; "
            "add actions/checkout before auth",
            workflow.document.at((*auth.path, "uses")),
            value=auth.uses,
            level="warning",
        )


def _check_injection(workflow: Workflow, step: Step) -> Iterator[Finding]:
    if step.uses is not None and step.uses.startswith("actions/github-script@"):
        key, script = "script", step.inputs.get("script")
        path = (*step.path, "with", key)
    else:
        script = step.data.get("run")
        path = (*step.path, "run")
    if not isinstance(script, str) or "${{" not in script:
        return
    for match in EXPRESSION.finditer(script):
        for context in _EVENT_PATH.finditer(match.group(1)):
            text = context.group(0)
            if not _untrusted(text):
                continue
            yield finding(
                SCRIPT_INJECTION,
                f"{text} is written by whoever triggers the workflow and is pasted "
                "into the script before it runs; pass it through env: and use the "
                "quoted variable instead",
                workflow.document.offset_at(path, script, match.start()),
                value=text,
            )


def _untrusted(context: str) -> bool:
    if context == "github.head_ref":
        return True
    if context.startswith("github.event.repository."):
        return False  # the repository's own settings, not the event author's
    last = re.split(r"[.\[]", context)[-1].strip("]'\"")
    return last in _UNTRUSTED_ENDINGS
