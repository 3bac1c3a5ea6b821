"""Each rule on inputs that break it and inputs that do not: exact rule, place,
level and message."""

from __future__ import annotations

import pytest

from sphinx_gcpdeploy.checks import check_text
from sphinx_gcpdeploy.checks.expressions import Bound

DEPLOY = (
    "- uses: google-github-actions/deploy-cloudrun@{version}\n"
    "  with:\n"
    "    service: {service}\n"
    "    image: europe-docker.pkg.dev/p/r/shop\n"
)
AUTH_WORKFLOW = (
    "on: push\n"
    "{top}"
    "jobs:\n"
    "  d:\n"
    "    runs-on: ubuntu-latest\n"
    "{job}"
    "    steps:\n"
    "      - uses: actions/checkout@v7\n"
    "      - uses: google-github-actions/auth@v3\n"
    "        with:\n"
    "          workload_identity_provider: projects/1/locations/global/"
    "workloadIdentityPools/p/providers/q\n"
)
ID_TOKEN = "permissions:\n  id-token: write\n"


def deploy(extra: str = "", version: str = "v3", service: str = "shop") -> str:
    return DEPLOY.format(version=version, service=service) + extra


def in_order(
    expected: list[tuple[str, int, int, str, str]],
) -> list[tuple[str, int, int, str, str]]:
    """Expected findings in the order check_text returns them: by place, then rule."""
    return sorted(expected, key=lambda item: (item[1], item[2], item[0], item[4]))


def found(
    text: str, kind: str = "github-steps", bounds: dict[str, Bound] | None = None
) -> list[tuple[str, int, int, str, str]]:
    return [
        (item.rule, item.line, item.column, item.level, item.message)
        for item in check_text(text, kind, bounds)
    ]


FAILING = {
    "credentials removed in v1": (
        deploy("    credentials: ${{ secrets.KEY }}\n", version="v1.0.2"),
        [
            (
                "action-version",
                1,
                9,
                "error",
                "google-github-actions/deploy-cloudrun@v1.0.2: v1 is unmaintained "
                "and runs on a Node.js that runners no longer offer; pin @v3",
            ),
            (
                "action-input",
                5,
                5,
                "error",
                "google-github-actions/deploy-cloudrun@v1.0.2: input 'credentials' "
                "was removed in v1; authenticate with google-github-actions/auth "
                "in an earlier step",
            ),
        ],
    ),
    "env_vars_file removed in v3": (
        deploy("    env_vars_file: env.yaml\n"),
        [
            (
                "action-input",
                5,
                5,
                "error",
                "google-github-actions/deploy-cloudrun@v3: input 'env_vars_file' "
                "was removed in v3; list the variables in env_vars",
            )
        ],
    ),
    "wait before 2.7.5": (
        deploy("    wait: true\n", version="v2.7.4"),
        [
            (
                "action-version",
                1,
                9,
                "warning",
                "google-github-actions/deploy-cloudrun@v2.7.4: v2 runs on Node.js "
                "20, which runners dropped; pin @v3",
            ),
            (
                "action-input",
                5,
                5,
                "error",
                "google-github-actions/deploy-cloudrun@v2.7.4 has no input 'wait', "
                "so GitHub would only warn and run the step without it; remove it "
                "or use one of: env_vars, env_vars_file, env_vars_update_strategy, "
                "flags, gcloud_component, gcloud_version, image, job, labels, "
                "metadata, no_traffic, project_id, region, revision_traffic, "
                "secrets, secrets_update_strategy, service, skip_default_labels, "
                "source, suffix, tag, tag_traffic, timeout, update_traffic_flags",
            ),
        ],
    ),
    "auth v3 retries": (
        "- uses: actions/checkout@v7\n"
        "- uses: google-github-actions/auth@v3\n"
        "  with:\n"
        "    credentials_json: ${{ secrets.KEY }}\n"
        "    retries: 3\n",
        [
            (
                "action-input",
                5,
                5,
                "error",
                "google-github-actions/auth@v3: input 'retries' was removed in v3; "
                "the action no longer retries",
            )
        ],
    ),
    "delimiter bug releases": (
        deploy(version="v2.4.1"),
        [
            (
                "action-version",
                1,
                9,
                "error",
                "google-github-actions/deploy-cloudrun@v2.4.1: 2.3.x to 2.5.x split "
                "env_vars and secrets wrongly; pin @v3",
            )
        ],
    ),
    "wait default bug": (
        deploy(version="v3.0.0"),
        [
            (
                "action-version",
                1,
                9,
                "error",
                "google-github-actions/deploy-cloudrun@v3.0.0: 3.0.0 executes Cloud "
                "Run jobs after deploying them by mistake; pin @v3 (3.0.1 or later)",
            )
        ],
    ),
    "old checkout": (
        "- uses: actions/checkout@v4\n  with:\n    anything: 1\n",
        [
            (
                "action-version",
                1,
                9,
                "warning",
                "actions/checkout@v4: v4 runs on a Node.js that runners dropped; "
                "pin @v7",
            )
        ],
    ),
    "service and job": (
        deploy("    job: nightly\n"),
        [
            (
                "exclusive-inputs",
                5,
                5,
                "error",
                "service and job exclude each other and the action stops when both "
                "are set; a step deploys either a service or a job",
            )
        ],
    ),
    "two traffic inputs": (
        deploy("    revision_traffic: LATEST=100\n    tag_traffic: a=1\n"),
        [
            (
                "exclusive-inputs",
                6,
                5,
                "error",
                "revision_traffic and tag_traffic exclude each other and the action "
                "stops when both are set; move traffic by revision or by tag, in "
                "separate steps",
            )
        ],
    ),
    "component": (
        deploy("    gcloud_component: gamma\n"),
        [
            (
                "input-choice",
                5,
                23,
                "error",
                "gcloud_component is 'gamma'; it takes alpha or beta",
            )
        ],
    ),
    "traffic skips the deploy before 2.7.0": (
        deploy("    revision_traffic: LATEST=100\n", version="v2.6.0"),
        [
            (
                "action-version",
                1,
                9,
                "warning",
                "google-github-actions/deploy-cloudrun@v2.6.0: v2 runs on Node.js "
                "20, which runners dropped; pin @v3",
            ),
            (
                "traffic-inputs",
                5,
                5,
                "error",
                "before 2.7.0, revision_traffic makes the step skip its deploy and "
                "only move traffic; pin @v3, or deploy and move traffic in two steps",
            ),
        ],
    ),
    "access token without account": (
        "- uses: google-github-actions/auth@v3\n"
        "  with:\n"
        "    workload_identity_provider: projects/1/locations/global/"
        "workloadIdentityPools/p/providers/q\n"
        "    token_format: access_token\n",
        [
            (
                "auth-inputs",
                4,
                5,
                "error",
                "token_format: access_token needs service_account, the account "
                "whose token is minted; add it",
            )
        ],
    ),
    "auth without a method": (
        "- uses: google-github-actions/auth@v3\n",
        [
            (
                "auth-inputs",
                1,
                9,
                "error",
                "auth needs workload_identity_provider (or, less safely, "
                "credentials_json); add the provider's full resource name",
            )
        ],
    ),
    "service with capitals": (
        deploy(service="Shop_Server"),
        [
            (
                "service-name",
                3,
                14,
                "error",
                "service name 'Shop_Server' has 'S'; use only lowercase letters, "
                "digits and hyphens",
            ),
            (
                "service-name",
                3,
                14,
                "error",
                "service name 'Shop_Server' must start with a lowercase letter; put "
                "one first",
            ),
        ],
    ),
    "service ending with a hyphen": (
        deploy(service="shop-"),
        [
            (
                "service-name",
                3,
                14,
                "error",
                "service name 'shop-' must not end with a hyphen; remove it",
            )
        ],
    ),
    "two-character tag": (
        deploy("    tag: ab\n"),
        [
            (
                "revision-tag",
                5,
                10,
                "error",
                "tag 'ab' is shorter than 3 characters, which Cloud Run refuses; "
                "make it longer",
            )
        ],
    ),
    "tag too long for the worker only": (
        deploy(
            "    tag: rev-${{ needs.build.outputs.short_sha }}-canary\n",
            service="yourapp-worker-production-eu1",
        )
        + deploy(
            "    tag: rev-${{ needs.build.outputs.short_sha }}-canary\n",
            service="yourapp-production-eu1",
        ),
        [
            (
                "revision-tag",
                5,
                10,
                "error",
                "tag 'rev-${{ needs.build.outputs.short_sha }}-canary' with service "
                "'yourapp-worker-production-eu1' can reach 47 characters; Cloud Run "
                "allows at most 46 for the two together: shorten the tag or the "
                "service name",
            )
        ],
    ),
    "tag from the run id": (
        deploy("    tag: ${{ github.run_id }}\n"),
        [
            (
                "revision-tag",
                5,
                10,
                "error",
                "tag '${{ github.run_id }}' must start with a lowercase letter; put "
                "a prefix such as 'rev-' before it",
            )
        ],
    ),
    "suffix with an underscore": (
        deploy("    suffix: build_7\n"),
        [
            (
                "revision-suffix",
                5,
                13,
                "error",
                "suffix 'build_7' has '_'; use only lowercase letters, digits and "
                "hyphens",
            )
        ],
    ),
    "unknown region": (
        deploy("    region: europe-west99\n"),
        [
            (
                "region",
                5,
                13,
                "warning",
                "region 'europe-west99' is not a Cloud Run region this tool knows; "
                "check the spelling (for example europe-west1)",
            )
        ],
    ),
    "variable names": (
        deploy("    env_vars: |\n      A=1\n      1ABC=2\n      K_FOO=3\n"),
        [
            (
                "env-var-name",
                7,
                7,
                "error",
                "env_vars: '1ABC' is not a valid variable name; use letters, digits "
                "and underscores, not starting with a digit",
            ),
            (
                "env-var-name",
                8,
                7,
                "warning",
                "env_vars: names starting with K_ are left to the Cloud Run "
                "runtime; choose another name",
            ),
        ],
    ),
    "comment line, quoted comma, quotes": (
        deploy(
            "    env_vars: |\n"
            "      # the domain\n"
            '      A="x,y"\n'
            "      B='z'\n"
            "      C=${{ format('{0},{1}', 'a', 'b') }}\n"
        ),
        [
            (
                "env-var-value",
                6,
                7,
                "error",
                "env_vars: '# the domain' is not a comment, the action reads it as "
                "one more entry; move comments out of the value, above the key",
            ),
            (
                "env-var-value",
                7,
                11,
                "error",
                "env_vars: this comma ends the value of A and starts an entry 'y\"' "
                "the action cannot read; quotes do not protect it; drop them and "
                "write the comma as \\,",
            ),
            (
                "env-var-value",
                8,
                9,
                "error",
                "env_vars: the quotes around \"'z'\" stay in the value; remove them "
                "(escape a comma as \\, instead)",
            ),
        ],
    ),
    "secret without a version": (
        deploy(
            "    secrets: |\n"
            "      A=db-pass\n"
            "      /etc/secrets/key=api-key:3\n"
            "      B=projects/p/secrets/x:latest\n"
        ),
        [
            (
                "secret-reference",
                6,
                9,
                "error",
                "secrets: 'db-pass' is not a Secret Manager reference; write "
                "NAME:VERSION, for example db-pass:latest",
            )
        ],
    ),
    "label keys and lengths": (
        deploy("    labels: Team=web,goog-x=1,env=" + "a" * 64 + "\n"),
        [
            (
                "label",
                5,
                13,
                "error",
                "labels: key 'Team' must be 1 to 63 lowercase letters, digits, _ or "
                "-, starting with a letter",
            ),
            (
                "label",
                5,
                22,
                "error",
                "labels: 'goog-x' is in a namespace Google reserves; choose a key of "
                "your own",
            ),
            (
                "label",
                5,
                35,
                "error",
                "labels: value of env is 64 characters; at most 63",
            ),
        ],
    ),
    "domain over http": (
        deploy("    env_vars: GCP_TASKS_DOMAIN=http://shop-worker.run.app\n"),
        [
            (
                "tasks-domain",
                5,
                32,
                "error",
                "GCP_TASKS_DOMAIN is 'http://shop-worker.run.app'; tasks are pushed "
                "over https, so write https:// followed by the worker's host",
            )
        ],
    ),
    "worker without a tag": (
        "- id: w\n"
        "  uses: google-github-actions/deploy-cloudrun@v3\n"
        "  with:\n"
        "    service: shop-worker\n"
        "    image: i\n"
        + deploy("    env_vars: GCP_TASKS_DOMAIN=${{ steps.w.outputs.url }}\n"),
        [
            (
                "worker-url",
                10,
                36,
                "warning",
                "GCP_TASKS_DOMAIN reads the url of step 'w', which sets no tag, so "
                "it is the service's main URL and may reach a worker of another "
                "release; give that step a tag",
            )
        ],
    ),
    "no_traffic without a tag": (
        deploy("    no_traffic: true\n"),
        [
            (
                "no-traffic",
                5,
                17,
                "warning",
                "no_traffic fails when the service does not exist yet, so the first "
                "deploy of a new service or environment breaks; leave it out, a tag "
                "alone gives the revision its own URL",
            )
        ],
    ),
    "injection in a block script and in github-script": (
        "- run: |\n"
        "    echo start\n"
        "    git checkout ${{ github.head_ref }}\n"
        "- uses: actions/github-script@v8\n"
        "  with:\n"
        "    script: console.log('${{ github.event.issue.body }}')\n"
        "- run: echo ${{ github.event.repository.name }} ${{ github.sha }}\n",
        [
            (
                "script-injection",
                3,
                18,
                "error",
                "github.head_ref is written by whoever triggers the workflow and is "
                "pasted into the script before it runs; pass it through env: and "
                "use the quoted variable instead",
            ),
            (
                "script-injection",
                6,
                26,
                "error",
                "github.event.issue.body is written by whoever triggers the workflow "
                "and is pasted into the script before it runs; pass it through env: "
                "and use the quoted variable instead",
            ),
        ],
    ),
}


@pytest.mark.parametrize("name", sorted(FAILING))
def test_failing_steps(name: str) -> None:
    text, expected = FAILING[name]
    assert found(text) == in_order(expected)


WORKFLOWS = {
    "no permissions anywhere": (
        AUTH_WORKFLOW.format(top="", job=""),
        [
            (
                "id-token-permission",
                7,
                15,
                "error",
                "auth uses workload identity, which needs an OIDC token, but job "
                "'d' may not request one; add 'id-token: write' (and 'contents: "
                "read') to the permissions of job 'd' (or of the workflow)",
            )
        ],
    ),
    "the job's permissions replace the workflow's": (
        AUTH_WORKFLOW.format(
            top=ID_TOKEN, job="    permissions:\n      contents: read\n"
        ),
        [
            (
                "id-token-permission",
                7,
                5,
                "error",
                "auth uses workload identity, which needs an OIDC token, but job "
                "'d' may not request one; add 'id-token: write' (and 'contents: "
                "read') to the permissions of job 'd'",
            )
        ],
    ),
    "auth without checkout": (
        AUTH_WORKFLOW.format(top=ID_TOKEN, job="").replace(
            "      - uses: actions/checkout@v7\n", ""
        ),
        [
            (
                "checkout-before-auth",
                8,
                15,
                "warning",
                "job 'd' authenticates without checking out the repository; add "
                "actions/checkout before auth",
            )
        ],
    ),
    "references to later steps and absent jobs": (
        "on: push\n"
        "jobs:\n"
        "  a:\n"
        "    runs-on: ubuntu-latest\n"
        "    steps:\n"
        "      - id: x\n"
        "        run: echo ${{ steps.y.outputs.z }}\n"
        "      - id: y\n"
        '        run: echo "z=1" >> "$GITHUB_OUTPUT"\n'
        "  b:\n"
        "    needs: [a, c]\n"
        "    runs-on: ubuntu-latest\n"
        "    steps:\n"
        "      - run: echo ${{ needs.d.outputs.x }}\n",
        [
            (
                "step-reference",
                7,
                23,
                "error",
                "steps.y.outputs.z: step 'y' runs after this one, so its outputs "
                "are empty here; move it earlier",
            ),
            (
                "needs-reference",
                11,
                16,
                "error",
                "job 'b' needs 'c', which is not a job of this workflow (its jobs: "
                "a); fix the name",
            ),
            (
                "needs-reference",
                14,
                23,
                "error",
                "needs.d.outputs.x: job 'b' does not list 'd' in needs (it lists "
                "a, c); add it to needs",
            ),
        ],
    ),
}


@pytest.mark.parametrize("name", sorted(WORKFLOWS))
def test_failing_workflows(name: str) -> None:
    text, expected = WORKFLOWS[name]
    assert found(text, "github-workflow") == in_order(expected)


PASSING = {
    "exact pin of the current release": deploy("    env_vars: A=1\n", "v3.0.1"),
    "a SHA pin is not judged": deploy(
        version="0123456789abcdef0123456789abcdef01234567"
    ),
    "metadata with region": (
        "- uses: google-github-actions/deploy-cloudrun@v3\n"
        "  with:\n    metadata: s.yaml\n    region: europe-west1\n"
    ),
    "traffic on v3": deploy("    tag_traffic: rev-one=100\n"),
    "escaped commas and several pairs on a line": deploy("    env_vars: A=1,B=x\\,y\n"),
    "a mount path in secrets": deploy("    secrets: /etc/key=api-key:3\n"),
    "labels": deploy("    labels: app=shop,version=v4-1-2\n"),
    "a region from an expression": deploy("    region: ${{ vars.REGION }}\n"),
    "event data through env": (
        '- run: echo "$TITLE"\n  env:\n    TITLE: ${{ github.event.issue.title }}\n'
    ),
    "a snippet needs no auth step": deploy(),
}


@pytest.mark.parametrize("name", sorted(PASSING))
def test_passing_steps(name: str) -> None:
    assert found(PASSING[name]) == []


@pytest.mark.parametrize(
    "top", ["permissions: write-all\n", ID_TOKEN], ids=["write-all", "workflow"]
)
def test_permissions_from_the_workflow(top: str) -> None:
    assert found(AUTH_WORKFLOW.format(top=top, job=""), "github-workflow") == []


def test_v2_still_has_env_vars_file() -> None:
    text = deploy("    env_vars_file: e.yaml\n", "v2.7.6")
    assert [item[0] for item in found(text)] == ["action-version"]


def test_declared_bound_measures_a_service_name() -> None:
    text = deploy(service="shop-${{ needs.build.outputs.environment }}")
    bounds = {"needs.build.outputs.environment": Bound(50, True)}
    assert found(text, bounds=bounds) == [
        (
            "service-name",
            3,
            14,
            "error",
            "service name 'shop-${{ needs.build.outputs.environment }}' can reach 55 "
            "characters; Cloud Run allows at most 49: shorten it",
        )
    ]
    bounds = {"needs.build.outputs.environment": Bound(10, True)}
    assert found(text, bounds=bounds) == []


def test_tag_literal_part_is_checked() -> None:
    assert [item[4] for item in found(deploy("    tag: Rev-${{ github.sha }}\n"))] == [
        "tag 'Rev-${{ github.sha }}' has 'R'; use only lowercase letters, digits and "
        "hyphens",
        "tag 'Rev-${{ github.sha }}' must start with a lowercase letter; put a prefix "
        "such as 'rev-' before it",
        "tag 'Rev-${{ github.sha }}' with service 'shop' can reach 72 characters; "
        "Cloud Run allows at most 46 for the two together: shorten the tag or the "
        "service name",
    ]


def test_unmeasured_tag_is_a_warning() -> None:
    text = deploy("    tag: rev-${{ needs.build.outputs.tag }}\n")
    assert found(text) == [
        (
            "revision-tag",
            5,
            10,
            "warning",
            "tag 'rev-${{ needs.build.outputs.tag }}' with service 'shop' cannot be "
            "measured: the length of 'needs.build.outputs.tag' is unknown; make sure "
            "the two together stay within 46 characters",
        )
    ]


def test_finding_inside_folded_value_points_at_the_value() -> None:
    # Only literal blocks map one value line to one source line; a folded block
    # falls back to the start of the value.
    text = deploy("    env_vars: >-\n      A=1,\n      1B=2\n")
    assert [(item[0], item[1], item[2]) for item in found(text)] == [
        ("env-var-name", 6, 7)
    ]
