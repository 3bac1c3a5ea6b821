"""The bash checks: bash's own syntax check, and Cloud Run's rules applied to the
gcloud run commands of a script, each at its exact line and column."""

from __future__ import annotations

import shutil

import pytest

from sphinx_gcpdeploy.checks import check_text, shell


def found(text: str) -> list[tuple[str, int, int, str, str]]:
    return [
        (item.rule, item.line, item.column, item.level, item.message)
        for item in check_text(text, "bash")
    ]


DEPLOY = "gcloud run deploy shop --image=europe-docker.pkg.dev/p/r/shop \\\n"


FAILING = {
    "syntax": (
        "set -euo pipefail\nif true; then\n  echo deploy\n",
        [("bash-syntax", 3, 1, "error", "bash: syntax error: unexpected end of file")],
    ),
    "syntax mid-script": (
        "echo one\nfi\necho two\n",
        [
            (
                "bash-syntax",
                2,
                1,
                "error",
                "bash: syntax error near unexpected token `fi'",
            )
        ],
    ),
    "service name with a shell variable": (
        'gcloud run deploy "Shop-$ENV" --image="$IMAGE" --region=europe-west1\n',
        [
            (
                "service-name",
                1,
                19,
                "error",
                "service name 'Shop-$ENV' has 'S'; use only lowercase letters, "
                "digits and hyphens",
            ),
            (
                "service-name",
                1,
                19,
                "error",
                "service name 'Shop-$ENV' must start with a lowercase letter; put "
                "one first",
            ),
        ],
    ),
    "tag starting with a digit, after a continuation": (
        DEPLOY + "  --region=europe-west1 \\\n  --tag=1abc\n",
        [
            (
                "revision-tag",
                3,
                9,
                "error",
                "tag '1abc' must start with a lowercase letter; put a prefix such as "
                "'rev-' before it",
            )
        ],
    ),
    "tag that is a raw short SHA": (
        DEPLOY + '  --region=europe-west1 --tag "$SHORT_SHA"\n',
        [
            (
                "revision-tag",
                2,
                31,
                "error",
                "tag '$SHORT_SHA' starts with a commit SHA, which often starts with "
                "a digit; put a letter prefix such as 'rev-' before it",
            )
        ],
    ),
    "tag too long with the service": (
        "gcloud run deploy shop-worker-production-europe-west10 \\\n"
        "  --image=x --region=europe-west10 --tag=rev-$SHORT_SHA\n",
        [
            (
                "revision-tag",
                2,
                42,
                "error",
                "tag 'rev-$SHORT_SHA' with service "
                "'shop-worker-production-europe-west10' can reach 47 characters; "
                "Cloud Run allows at most 46 for the two together: shorten the tag "
                "or the service name",
            )
        ],
    ),
    "several regions": (
        DEPLOY + "  --region europe-west1,us-east1\n",
        [
            (
                "region",
                2,
                12,
                "error",
                "--region 'europe-west1,us-east1' lists several regions; gcloud "
                "deploys to one: run the command once per region",
            )
        ],
    ),
    "unknown region": (
        DEPLOY + "  --region=europe-west7\n",
        [
            (
                "region",
                2,
                12,
                "warning",
                "--region 'europe-west7' is not a Cloud Run region this tool knows; "
                "check the spelling (for example europe-west1)",
            )
        ],
    ),
    "two kinds of env flags": (
        DEPLOY
        + "  --region=europe-west1 --update-env-vars=A=1 --env-vars-file=e.yaml\n",
        [
            (
                "gcloud-env-flags",
                2,
                47,
                "error",
                "--env-vars-file cannot be combined with --update-env-vars: gcloud "
                "takes one of --update-env-vars (with --remove-env-vars), "
                "--set-env-vars, --env-vars-file, --clear-env-vars; use "
                "--update-env-vars alone",
            ),
            (
                "gcloud-set-env-vars",
                2,
                47,
                "warning",
                "--env-vars-file removes every environment variable it does not "
                "list, including those set by earlier deploys; use "
                "--update-env-vars to add or change only these",
            ),
        ],
    ),
    "set-env-vars": (
        DEPLOY + '  --region=europe-west1 --set-env-vars "GCP_TASKS_DOMAIN=$URL"\n',
        [
            (
                "gcloud-set-env-vars",
                2,
                25,
                "warning",
                "--set-env-vars removes every environment variable it does not "
                "list, including those set by earlier deploys; use "
                "--update-env-vars to add or change only these",
            )
        ],
    ),
    "comma in a value": (
        DEPLOY + "  --region=europe-west1 \\\n"
        '  --update-env-vars="HOSTS=a.example,b.example,MODE=x"\n',
        [
            (
                "gcloud-env-delimiter",
                3,
                37,
                "error",
                "the comma in --update-env-vars splits the value of HOSTS: gcloud "
                "would read 'b.example' as a variable of its own; choose another "
                "delimiter, as in --update-env-vars='^|^HOSTS=a,b|OTHER=c'",
            )
        ],
    ),
    "no-traffic": (
        DEPLOY + "  --region=europe-west1 --tag=rev-abc1234 --no-traffic\n",
        [
            (
                "gcloud-no-traffic",
                2,
                43,
                "warning",
                "--no-traffic fails when the service does not exist yet, so the "
                "first deploy breaks; --tag alone gives the revision its own URL",
            )
        ],
    ),
    "prompts": (
        "set -e\n"
        "url=$(gcloud run services describe shop --format='value(status.url)')\n",
        [
            (
                "gcloud-prompt",
                2,
                7,
                "warning",
                "'gcloud run services describe' without --region asks for it at a "
                "prompt, which nothing answers in CI; name it on the command",
            )
        ],
    ),
    "deploy without image": (
        "gcloud beta run deploy shop --region=europe-west1\n",
        [
            (
                "gcloud-prompt",
                1,
                1,
                "warning",
                "'gcloud run deploy' without --image (or --source) asks for it at a "
                "prompt, which nothing answers in CI; name it on the command",
            )
        ],
    ),
}


@pytest.mark.parametrize("case", FAILING, ids=list(FAILING))
def test_failing(case: str) -> None:
    text, expected = FAILING[case]
    assert found(text) == expected


PASSING = {
    "the recipe's pattern": (
        "set -euo pipefail\n"
        'SHORT_SHA="$(git rev-parse --short=7 HEAD)"\n'
        "gcloud run deploy shop-worker \\\n"
        '  --image="$IMAGE" \\\n'
        "  --region=europe-west1 \\\n"
        '  --tag="rev-$SHORT_SHA" \\\n'
        "  --quiet\n"
        'URL="$(gcloud run services describe shop-worker \\\n'
        "  --region=europe-west1 \\\n"
        "  --format=\"value(status.traffic.filter('tag=rev-$SHORT_SHA')"
        '.extract(url).flatten())")"\n'
        'gcloud run deploy shop --image="$IMAGE" --region=europe-west1 \\\n'
        '  --update-env-vars="GCP_TASKS_DOMAIN=$URL"\n'
    ),
    "custom delimiter": (
        DEPLOY + "  --region=europe-west1 --update-env-vars='^|^H=a,b|M=x'\n"
    ),
    "commented and quoted text is not a command": (
        "# gcloud run deploy BAD --no-traffic\necho 'run: gcloud run deploy BAD'\n"
    ),
    "other gcloud commands": "gcloud builds submit --region=europe-west1 .\n",
    "an unknown variable in the region": DEPLOY + '  --region="$REGION"\n',
    "services list needs no service": "gcloud run services list --region=us-east1\n",
}


@pytest.mark.parametrize("case", PASSING, ids=list(PASSING))
def test_passing(case: str) -> None:
    assert found(PASSING[case]) == []


def test_bash_runs_once_per_distinct_script(monkeypatch: pytest.MonkeyPatch) -> None:
    shell.syntax_error.cache_clear()
    calls: list[str] = []
    real = shell.subprocess.run

    def counting(*args: object, **kwargs: object) -> object:
        calls.append(str(kwargs.get("input")))
        return real(*args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(shell.subprocess, "run", counting)
    for _ in range(5):
        check_text("echo one\n", "bash")
    check_text("echo two\n", "bash")
    assert calls == ["echo one\n", "echo two\n"]


def test_without_bash_the_syntax_check_is_skipped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shell.syntax_error.cache_clear()
    monkeypatch.setattr(shell, "_bash", lambda: None)
    assert found("if true; then\n" + DEPLOY + "  --no-traffic\n") == [
        (
            "gcloud-prompt",
            2,
            1,
            "warning",
            "'gcloud run deploy' without --region asks for it at a prompt, which "
            "nothing answers in CI; name it on the command",
        ),
        (
            "gcloud-no-traffic",
            3,
            3,
            "warning",
            "--no-traffic fails when the service does not exist yet, so the first "
            "deploy breaks; --tag alone gives the revision its own URL",
        ),
    ]
    shell.syntax_error.cache_clear()


def test_bash_is_available_here() -> None:
    # The syntax tests above need bash; say so plainly if it is missing.
    assert shutil.which("bash") is not None


P0, P1 = shell.placeholder(0), shell.placeholder(1)


@pytest.mark.parametrize(
    ("text", "copy", "values", "same"),
    [
        (
            "gcloud run deploy shop-worker --region=europe-west1\n",
            f"gcloud run deploy {P0}-worker --region={P1}\n",
            {P0: "shop", P1: "europe-west1"},
            True,
        ),
        ("echo shop\n", "echo shop\n", {}, True),  # no placeholder at all
        ("echo my(app\n", f"echo {P0}\n", {P0: "my.app"}, False),  # not the value
        ("echo 'x\n", f"echo {P0}\n", {P0: "x"}, False),
        ("echo x\n", f"echo {P0}\n", {P0: "x;y"}, False),  # not inert
        ("cat <<EOF\nEOF\n", f"cat <<{P0}\nEOF\n", {P0: "EOF"}, False),
        ("my.list=(a b)\n", f"{P0}=(a b)\n", {P0: "my.list"}, False),
        ("NAME=shop\n", f"NAME={P0}\n", {P0: "shop"}, True),  # the value, not the name
        ("shop() { :; }\n", f"{P0}() {{ :; }}\n", {P0: "shop"}, False),
        ("fi\n", f"f{P0}\n", {P0: "i"}, False),
        ("fi\n", f"{P0}{P1}\n", {P0: "f", P1: "i"}, False),
        ("[[ a -eq b ]]\n", f"[[ a {P0} b ]]\n", {P0: "-eq"}, False),
        ("[[ a == shop ]]\n", f"[[ a == {P0} ]]\n", {P0: "shop"}, True),
        ("echo shop2\n", f"echo {P0}2\n", {P0: "shop"}, True),  # digits after it
        (
            "echo " + "-".join(["a-b"] * 30) + "\n",
            "echo " + "-".join(shell.placeholder(i) for i in range(30)) + "\n",
            {shell.placeholder(i): "a-b" for i in range(30)},
            True,
        ),
    ],
)
def test_when_bash_reads_the_placeholder_copy_as_the_script(
    text: str, copy: str, values: dict[str, str], same: bool
) -> None:
    assert shell.faithful(text, shell.Alike(copy, values)) is same
