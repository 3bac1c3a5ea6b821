"""The Cloud Build checks: SchemaStore's schema, the gcloud rules inside steps
(argument lists and bash -c scripts), substitutions, and pushing before deploying."""

from __future__ import annotations

import pytest

from sphinx_gcpdeploy.checks import check_text

from conftest import bash_says

CLI = "gcr.io/google.com/cloudsdktool/google-cloud-cli:stable"


def found(text: str) -> list[tuple[str, int, int, str, str]]:
    return [
        (item.rule, item.line, item.column, item.level, item.message)
        for item in check_text(text, "cloudbuild")
    ]


def deploy_args(*flags: str, service: str = "$_SERVICE") -> str:
    lines = "".join(f"      - {flag}\n" for flag in flags)
    return (
        "steps:\n"
        f"  - name: {CLI}\n"
        "    entrypoint: gcloud\n"
        "    args:\n"
        "      - run\n"
        "      - deploy\n"
        f"      - {service}\n" + lines
    )


def script(body: str) -> str:
    indented = "".join(f"        {line}\n" for line in body.splitlines())
    return (
        "steps:\n"
        f"  - name: {CLI}\n"
        "    entrypoint: bash\n"
        "    args:\n"
        "      - -c\n"
        "      - |\n" + indented
    )


SUBS = "substitutions:\n  _SERVICE: shop\n  _REGION: europe-west1\n"
IMAGE = "--image=europe-docker.pkg.dev/p/r/shop"

FAILING = {
    "schema": (
        "steps:\n  - name: ubuntu\n    args: echo\n",
        [("schema", 3, 11, "error", "at steps[0].args: 'echo' is not of type 'array'")],
    ),
    "service name from a substitution": (
        deploy_args(IMAGE, "--region=$_REGION")
        + SUBS.replace("_SERVICE: shop", "_SERVICE: 1shop"),
        [
            (
                "service-name",
                7,
                9,
                "error",
                "service name '1shop' must start with a lowercase letter; put one "
                "first",
            )
        ],
    ),
    "tag from an empty built-in": (
        deploy_args(IMAGE, "--region=$_REGION", "--tag=$SHORT_SHA") + SUBS,
        [
            (
                "revision-tag",
                10,
                15,
                "error",
                "tag '$SHORT_SHA' starts with a commit SHA, which often starts with "
                "a digit; put a letter prefix such as 'rev-' before it",
            )
        ],
    ),
    "set-env-vars and no-traffic in a script": (
        script(
            "gcloud run deploy $_SERVICE --region=$_REGION \\\n"
            f"  {IMAGE} --no-traffic \\\n"
            '  --set-env-vars="GCP_TASKS_DOMAIN=$$(cat /workspace/url)"'
        )
        + SUBS,
        [
            (
                "gcloud-no-traffic",
                8,
                50,
                "warning",
                "--no-traffic fails when the service does not exist yet, so the "
                "first deploy breaks; --tag alone gives the revision its own URL",
            ),
            (
                "gcloud-set-env-vars",
                9,
                11,
                "warning",
                "--set-env-vars removes every environment variable it does not "
                "list, including those set by earlier deploys; use "
                "--update-env-vars to add or change only these",
            ),
        ],
    ),
    "bash syntax in a script": (
        script('if [ -z "$$url" ]; then\n  exit 1'),
        [("bash-syntax", 8, 9, "error", "bash: syntax error: unexpected end of file")],
    ),
    "bad substitution name": (
        deploy_args(IMAGE, "--region=$_region") + "substitutions:\n  _region: x\n"
        "  _SERVICE: shop\n",
        [
            (
                "region",
                9,
                18,
                "warning",
                "--region 'x' is not a Cloud Run region this tool knows; check the "
                "spelling (for example europe-west1)",
            ),
            (
                "cloudbuild-substitution-name",
                11,
                3,
                "error",
                "substitution '_region' must match ^_[A-Z0-9_]+$: an underscore, "
                "then capitals, digits and underscores (for example '_REGION')",
            ),
        ],
    ),
    "unused substitution": (
        deploy_args(IMAGE, "--region=europe-west1") + SUBS,
        [
            (
                "cloudbuild-substitution-unused",
                12,
                3,
                "error",
                "substitution '_REGION' is never used; Cloud Build refuses an unused "
                "substitution in a build started by hand: use it, remove it, or set "
                "options.substitutionOption to ALLOW_LOOSE",
            )
        ],
    ),
    "undefined substitution and a bash variable without $$": (
        script(
            "gcloud run deploy $_SERVICE --region=$_REGION {IMAGE} \\\n"
            '  --update-env-vars="A=$URL,B=$url"'.replace("{IMAGE}", IMAGE)
        )
        + "substitutions:\n  _SERVICE: shop\n",
        [
            (
                "cloudbuild-substitution-undefined",
                7,
                46,
                "error",
                "$_REGION is not defined: add it under substitutions: with a "
                "default, or a build started by hand fails",
            ),
            (
                "cloudbuild-substitution-undefined",
                8,
                32,
                "error",
                "$URL is not a built-in substitution; if it is a variable of the "
                "step's shell, write $$URL",
            ),
            (
                "cloudbuild-substitution-undefined",
                8,
                39,
                "warning",
                "Cloud Build reads $url as a substitution; for a variable of the "
                "step's shell, write $$url",
            ),
        ],
    ),
    "comma in an env value": (
        deploy_args(IMAGE, "--region=$_REGION", "--update-env-vars=H=a,b") + SUBS,
        [
            (
                "gcloud-env-delimiter",
                10,
                30,
                "error",
                "the comma in --update-env-vars splits the value of H: gcloud would "
                "read 'b' as a variable of its own; choose another delimiter, as in "
                "--update-env-vars='^|^H=a,b|OTHER=c'",
            )
        ],
    ),
    "deploying an image only listed under images": (
        "steps:\n"
        "  - name: gcr.io/cloud-builders/docker\n"
        "    args: [build, --tag=$_IMAGE, .]\n"
        f"  - name: {CLI}\n"
        "    entrypoint: bash\n"
        "    args:\n"
        "      - -c\n"
        "      - gcloud run deploy shop --image=$_IMAGE --region=europe-west1\n"
        "images: [$_IMAGE]\n"
        "substitutions:\n"
        "  _IMAGE: europe-docker.pkg.dev/p/r/shop\n",
        [
            (
                "cloudbuild-push-before-deploy",
                8,
                40,
                "error",
                "image 'europe-docker.pkg.dev/p/r/shop' is listed under images:, "
                "which Cloud Build pushes only after every step; this deploy cannot "
                "pull it: push it in a step before the deploy (docker push)",
            )
        ],
    ),
    "built but never pushed": (
        "steps:\n"
        "  - name: gcr.io/cloud-builders/docker\n"
        "    args: [build, -t, europe-docker.pkg.dev/p/r/shop, .]\n"
        "  - name: gcr.io/cloud-builders/gcloud\n"
        "    args: [run, deploy, shop, --region=europe-west1,\n"
        "           --image=europe-docker.pkg.dev/p/r/shop]\n",
        [
            (
                "cloudbuild-push-before-deploy",
                6,
                20,
                "error",
                "image 'europe-docker.pkg.dev/p/r/shop' is built by an earlier step "
                "but never pushed; this deploy cannot pull it: push it in a step "
                "before the deploy (docker push)",
            )
        ],
    ),
    "service account without a log setting": (
        "steps:\n  - name: ubuntu\n    args: [echo, hi]\n"
        "serviceAccount: projects/p/serviceAccounts/b@p.iam.gserviceaccount.com\n",
        [
            (
                "cloudbuild-service-account-logs",
                4,
                1,
                "error",
                "a build with serviceAccount needs options.logging: "
                "CLOUD_LOGGING_ONLY or a logsBucket, else Cloud Build refuses to "
                "start it",
            )
        ],
    ),
}


@pytest.mark.parametrize("case", FAILING, ids=list(FAILING))
def test_failing(case: str) -> None:
    text, expected = FAILING[case]
    assert found(text) == expected


PASSING = {
    "args form": deploy_args(IMAGE, "--region=$_REGION", "--tag=rev-$_RELEASE")
    + SUBS
    + "  _RELEASE: manual\n",
    "script with $$ for bash": script(
        'url="$$(gcloud run services describe $_SERVICE --region=$_REGION '
        "--format='value(status.url)')\"\n"
        'printf %s "$$url" > /workspace/url'
    )
    + SUBS,
    "loose substitutions": deploy_args(IMAGE, "--region=europe-west1")
    + SUBS
    + "options:\n  substitutionOption: ALLOW_LOOSE\n",
    "built-ins": deploy_args(IMAGE + ":$SHORT_SHA", "--region=$LOCATION")
    + "substitutions:\n  _SERVICE: shop\n",
}


@pytest.mark.parametrize("case", PASSING, ids=list(PASSING))
def test_passing(case: str) -> None:
    assert found(PASSING[case]) == []


@pytest.mark.parametrize(
    ("body", "substitutions", "error"),
    [
        # A substitution as a here-document's delimiter: the placeholder copy's
        # here-document would never close and hide the error after it.
        ("cat <<${_MARK}\nhello\nEOF\necho (", {"_MARK": "EOF"}, True),
        # A substitution naming an array: my.list is no name, so =( is an error.
        ("${_LIST}=(one two)\necho done", {"_LIST": "my.list"}, True),
        # Two substitutions joined into a reserved word close the if.
        ("if true; then echo yes; ${_A}${_B}", {"_A": "f", "_B": "i"}, False),
    ],
    ids=["here-document delimiter", "array name", "reserved word"],
)
def test_bash_is_asked_about_the_script_as_substituted_where_values_matter(
    body: str, substitutions: dict[str, str], error: bool
) -> None:
    # Scripts that differ only in their substitutions share one bash -n through a
    # copy with a placeholder for each; where a value's place makes it matter to
    # bash's grammar, the real script is checked instead.
    subs = "substitutions:\n" + "".join(
        f"  {name}: {value}\n" for name, value in substitutions.items()
    )
    real = body
    for name, value in substitutions.items():
        real = real.replace("${" + name + "}", value)
    assert bash_says(real) is error
    rules = [item[0] for item in found(script(body) + subs)]
    assert ("bash-syntax" in rules) is error
