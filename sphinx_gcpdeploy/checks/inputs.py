"""Rules on the actions a workflow uses: pinned versions and their ``with:`` inputs."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..findings import Finding, finding, rule
from .model import Step, Workflow

ACTIONS = "Actions and their inputs"
DEPLOY = "google-github-actions/deploy-cloudrun"
AUTH = "google-github-actions/auth"

ACTION_INPUT = rule(
    "action-input",
    "Every with: key is an input of the action at the version the step pins.",
    topic=ACTIONS,
    explanation=(
        "GitHub only prints an 'Unexpected input' warning for a key the action "
        "does not declare, and runs the step as if the key were absent, so a "
        "misspelt or invented input goes unnoticed. The rule knows the inputs of "
        "every release of deploy-cloudrun and auth, and of the current majors of "
        "the other actions a deployment uses; it also names inputs that a major "
        "removed (credentials from deploy-cloudrun v1, env_vars_file in v3, the "
        "retry inputs of auth v3)."
    ),
    upstream=(
        "google-github-actions/deploy-cloudrun#160",
        "google-github-actions/deploy-cloudrun#390",
        "google-github-actions/deploy-cloudrun#464",
    ),
    bad=(
        "- uses: google-github-actions/deploy-cloudrun@v3\n"
        "  with:\n"
        "    service: shop-worker\n"
        "    image: europe-docker.pkg.dev/p/r/shop\n"
        "    service_account_email: runner@p.iam.gserviceaccount.com\n"
    ),
    where=(5, 5),
    good=(
        "- uses: google-github-actions/deploy-cloudrun@v3\n"
        "  with:\n"
        "    service: shop-worker\n"
        "    image: europe-docker.pkg.dev/p/r/shop\n"
        "    flags: --service-account=runner@p.iam.gserviceaccount.com\n"
    ),
)
ACTION_VERSION = rule(
    "action-version",
    "The pinned action version is maintained and free of known deploy bugs.",
    topic=ACTIONS,
    explanation=(
        "deploy-cloudrun v0 and v1 are unmaintained and run on Node.js versions "
        "runners no longer ship; 2.3.x to 2.5.x split env_vars and secrets at the "
        "wrong places; 2.7.5 and 3.0.0 made wait default to true, which ran Cloud "
        "Run jobs right after deploying them. These are errors. Majors that still "
        "work but run on the dropped Node.js 20 (deploy-cloudrun and auth v2, the "
        "previous majors of the other actions) are warnings."
    ),
    upstream=(
        "google-github-actions/deploy-cloudrun#503",
        "google-github-actions/deploy-cloudrun#524",
        "google-github-actions/deploy-cloudrun#578",
    ),
    bad=(
        "- uses: google-github-actions/deploy-cloudrun@v0\n"
        "  with:\n"
        "    service: shop-worker\n"
        "    image: europe-docker.pkg.dev/p/r/shop\n"
    ),
    where=(1, 9),
    good=(
        "- uses: google-github-actions/deploy-cloudrun@v3\n"
        "  with:\n"
        "    service: shop-worker\n"
        "    image: europe-docker.pkg.dev/p/r/shop\n"
    ),
)
EXCLUSIVE_INPUTS = rule(
    "exclusive-inputs",
    "A step does not set two inputs that exclude each other.",
    topic=ACTIONS,
    explanation=(
        "deploy-cloudrun deploys either a prebuilt image or a source directory, "
        "either a service or a job, and moves traffic either by revision or by "
        "tag; auth takes either a workload identity provider or a key. Given both "
        "halves of such a pair the action stops with an error, but only once the "
        "workflow has reached that step. The finding is on the second input of "
        "the pair."
    ),
    bad=(
        "- uses: google-github-actions/deploy-cloudrun@v3\n"
        "  with:\n"
        "    service: shop-worker\n"
        "    source: .\n"
        "    image: europe-docker.pkg.dev/p/r/shop\n"
    ),
    where=(5, 5),
    good=(
        "- uses: google-github-actions/deploy-cloudrun@v3\n"
        "  with:\n"
        "    service: shop-worker\n"
        "    image: europe-docker.pkg.dev/p/r/shop\n"
    ),
)
INPUT_CHOICE = rule(
    "input-choice",
    "Inputs with a fixed set of values use one of them.",
    topic=ACTIONS,
    explanation=(
        "env_vars_update_strategy and secrets_update_strategy take merge or "
        "overwrite, and gcloud_component takes alpha or beta. Any other value "
        "fails the step. Remember that overwrite drops every variable the step "
        "does not list, including ones set by hand in the console."
    ),
    bad=(
        "- uses: google-github-actions/deploy-cloudrun@v3\n"
        "  with:\n"
        "    service: shop-server\n"
        "    image: europe-docker.pkg.dev/p/r/shop\n"
        "    env_vars_update_strategy: replace\n"
    ),
    where=(5, 31),
    good=(
        "- uses: google-github-actions/deploy-cloudrun@v3\n"
        "  with:\n"
        "    service: shop-server\n"
        "    image: europe-docker.pkg.dev/p/r/shop\n"
        "    env_vars_update_strategy: overwrite\n"
    ),
)
METADATA_ALONE = rule(
    "metadata-alone",
    "A step that deploys from metadata sets nothing else about the service.",
    topic=ACTIONS,
    explanation=(
        "With metadata, deploy-cloudrun replaces the service with the YAML file "
        "it names and ignores the inputs that describe the service (image, env "
        "vars, tag and the rest) without a word. Put those settings in the file. "
        "project_id, region and the gcloud inputs still choose where and how the "
        "file is applied, so they stay allowed."
    ),
    bad=(
        "- uses: google-github-actions/deploy-cloudrun@v3\n"
        "  with:\n"
        "    metadata: service.yaml\n"
        "    image: europe-docker.pkg.dev/p/r/shop\n"
    ),
    where=(4, 5),
    good=(
        "- uses: google-github-actions/deploy-cloudrun@v3\n"
        "  with:\n"
        "    metadata: service.yaml\n"
        "    region: europe-west1\n"
    ),
)
TRAFFIC_INPUTS = rule(
    "traffic-inputs",
    "Traffic inputs name a service, and are not used where they skip the deploy.",
    topic=ACTIONS,
    explanation=(
        "revision_traffic and tag_traffic act on a service, so they need service. "
        "Before 2.7.0 a step with a traffic input only moved traffic and silently "
        "skipped its deploy; since 2.7.0 a traffic-only step without an image "
        "fails. Deploy in one step and move traffic in another."
    ),
    upstream=(
        "google-github-actions/deploy-cloudrun#533",
        "google-github-actions/deploy-cloudrun#537",
    ),
    bad=(
        "- uses: google-github-actions/deploy-cloudrun@v3\n"
        "  with:\n"
        "    job: nightly-import\n"
        "    image: europe-docker.pkg.dev/p/r/shop\n"
        "    tag_traffic: rev-one=100\n"
    ),
    where=(5, 5),
    good=(
        "- uses: google-github-actions/deploy-cloudrun@v3\n"
        "  with:\n"
        "    service: shop-server\n"
        "    tag_traffic: rev-one=100\n"
    ),
)
AUTH_INPUTS = rule(
    "auth-inputs",
    "auth gets exactly one way to authenticate, and a provider name in full.",
    topic=ACTIONS,
    explanation=(
        "google-github-actions/auth needs exactly one of "
        "workload_identity_provider and credentials_json. The provider is a full "
        "resource name, projects/NUMBER/locations/global/workloadIdentityPools/"
        "POOL/providers/PROVIDER, with the project's number rather than its id. "
        "token_format: access_token also needs service_account."
    ),
    bad=(
        "- uses: google-github-actions/auth@v3\n"
        "  with:\n"
        "    workload_identity_provider: projects/my-project/providers/github\n"
    ),
    where=(3, 33),
    good=(
        "- uses: google-github-actions/auth@v3\n"
        "  with:\n"
        "    workload_identity_provider: projects/123456789/locations/global/"
        "workloadIdentityPools/github/providers/my-repo\n"
    ),
)

_PAIRS = (
    (DEPLOY, "source", "image", "deploy either the image or the source"),
    (DEPLOY, "service", "job", "a step deploys either a service or a job"),
    (
        DEPLOY,
        "revision_traffic",
        "tag_traffic",
        "move traffic by revision or by tag, in separate steps",
    ),
    (
        AUTH,
        "workload_identity_provider",
        "credentials_json",
        "keep workload_identity_provider and drop the key",
    ),
)
_CHOICES = {
    "env_vars_update_strategy": ("merge", "overwrite"),
    "secrets_update_strategy": ("merge", "overwrite"),
    "gcloud_component": ("alpha", "beta"),
}
#: Inputs that still count beside metadata: they say where and with which gcloud.
_BESIDE_METADATA = {
    "metadata",
    "project_id",
    "region",
    "gcloud_version",
    "gcloud_component",
}
_TRAFFIC = ("revision_traffic", "tag_traffic")
_PROVIDER = re.compile(
    r"projects/[0-9]+/locations/global/workloadIdentityPools/[a-z0-9-]+/"
    r"providers/[a-z0-9-]+"
)


def check(workflow: Workflow) -> Iterator[Finding]:
    for job in workflow.jobs:
        for step in job.steps:
            yield from _check_release(workflow, step)
            yield from _check_pairs(workflow, step)
            if step.is_action(DEPLOY):
                yield from _check_deploy(workflow, step)
            if step.is_action(AUTH):
                yield from _check_auth(workflow, step)


def _check_release(workflow: Workflow, step: Step) -> Iterator[Finding]:
    document = workflow.document
    found = step.action()
    release = step.release()
    if found is None or release is None:
        return
    action, ref = found
    if release.avoid is not None:
        level, text = release.avoid
        yield finding(
            ACTION_VERSION,
            f"{action.name}@{ref}: {text}",
            document.at((*step.path, "uses")),
            value=step.uses,
            level=level,
        )
    if release.inputs is None:
        return
    for name in step.inputs:
        if name in release.inputs:
            continue
        where = document.key_at((*step.path, "with", name))
        if name in release.removed:
            text = f"{action.name}@{ref}: input {name!r} {release.removed[name]}"
        else:
            choices = ", ".join(sorted(release.inputs))
            text = (
                f"{action.name}@{ref} has no input {name!r}, so GitHub would only "
                f"warn and run the step without it; remove it or use one of: "
                f"{choices}"
            )
        yield finding(ACTION_INPUT, text, where, value=name)


def _check_pairs(workflow: Workflow, step: Step) -> Iterator[Finding]:
    given = step.inputs
    for action, first, second, advice in _PAIRS:
        if step.is_action(action) and first in given and second in given:
            yield finding(
                EXCLUSIVE_INPUTS,
                f"{first} and {second} exclude each other and the action stops "
                f"when both are set; {advice}",
                workflow.document.key_at((*step.path, "with", second)),
                value=second,
            )


def _check_deploy(workflow: Workflow, step: Step) -> Iterator[Finding]:
    document = workflow.document
    given = step.inputs
    for name, choices in _CHOICES.items():
        value = given.get(name)
        if isinstance(value, str) and "${{" not in value and value not in choices:
            yield finding(
                INPUT_CHOICE,
                f"{name} is {value!r}; it takes {' or '.join(choices)}",
                document.at((*step.path, "with", name)),
                value=value,
            )
    if "metadata" in given:
        for name in given:
            if name not in _BESIDE_METADATA:
                yield finding(
                    METADATA_ALONE,
                    f"{name} is ignored when metadata is set; put it in the "
                    "metadata file, or deploy without metadata",
                    document.key_at((*step.path, "with", name)),
                    value=name,
                )
    yield from _check_traffic(workflow, step)


def _check_traffic(workflow: Workflow, step: Step) -> Iterator[Finding]:
    given = step.inputs
    traffic = [name for name in _TRAFFIC if name in given]
    if not traffic:
        return
    where = workflow.document.key_at((*step.path, "with", traffic[0]))
    if "service" not in given:
        yield finding(
            TRAFFIC_INPUTS,
            f"{traffic[0]} moves traffic between revisions of a service, so the "
            "step needs service; jobs have no traffic",
            where,
            value=traffic[0],
        )
        return
    release = step.release()
    deploys = "image" in given or "source" in given
    if release is not None and release.version < (2, 7, 0) and deploys:
        yield finding(
            TRAFFIC_INPUTS,
            f"before 2.7.0, {traffic[0]} makes the step skip its deploy and only "
            "move traffic; pin @v3, or deploy and move traffic in two steps",
            where,
            value=traffic[0],
        )


def _check_auth(workflow: Workflow, step: Step) -> Iterator[Finding]:
    document = workflow.document
    given = step.inputs
    with_path = (*step.path, "with")
    if "workload_identity_provider" not in given and "credentials_json" not in given:
        yield finding(
            AUTH_INPUTS,
            "auth needs workload_identity_provider (or, less safely, "
            "credentials_json); add the provider's full resource name",
            document.key_at(with_path)
            if "with" in step.data
            else document.at((*step.path, "uses")),
            value=step.uses,
        )
    provider = given.get("workload_identity_provider")
    if (
        isinstance(provider, str)
        and "${{" not in provider
        and not _PROVIDER.fullmatch(provider.strip())
    ):
        yield finding(
            AUTH_INPUTS,
            f"workload_identity_provider {provider!r} is not a provider's full "
            "resource name; write projects/NUMBER/locations/global/"
            "workloadIdentityPools/POOL/providers/PROVIDER, with the project "
            "number",
            document.at((*with_path, "workload_identity_provider")),
            value=provider,
        )
    if given.get("token_format") == "access_token" and "service_account" not in given:
        yield finding(
            AUTH_INPUTS,
            "token_format: access_token needs service_account, the account whose "
            "token is minted; add it",
            document.key_at((*with_path, "token_format")),
            value="token_format",
        )
