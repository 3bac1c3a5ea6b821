"""The Python settings checks: syntax at Python's own place, and the
GCP_TASKS_DOMAIN facts."""

from __future__ import annotations

import pytest

from sphinx_gcpdeploy.checks import check_text


def found(text: str) -> list[tuple[str, int, int, str, str]]:
    return [
        (item.rule, item.line, item.column, item.level, item.message)
        for item in check_text(text, "python")
    ]


SCHEME = (
    "must start with https://: tasks are pushed over https only; plain http works "
    "only with GCP_TASKS_EAGER_EXECUTE = True or GCP_TASKS_EMULATOR_TARGET set"
)
SLASH = (
    "ends with '/'; task URLs are the domain plus a path that starts with '/': "
    "remove the trailing slash"
)

FAILING = {
    "syntax": (
        'GCP_TASKS_DOMAIN = "https://a.example"\nGCP_TASKS_REGION = europe-west1"\n',
        [
            (
                "python-syntax",
                2,
                32,
                "error",
                "Python syntax: unterminated string literal (detected at line 2)",
            )
        ],
    ),
    "http in production": (
        'import os\n\nGCP_TASKS_DOMAIN = "http://shop.example"\n',
        [
            (
                "tasks-domain-scheme",
                3,
                20,
                "error",
                f"GCP_TASKS_DOMAIN 'http://shop.example' {SCHEME}",
            )
        ],
    ),
    "eager explicitly off": (
        'GCP_TASKS_EAGER_EXECUTE = False\nGCP_TASKS_DOMAIN = "shop.example"\n',
        [
            (
                "tasks-domain-scheme",
                2,
                20,
                "error",
                f"GCP_TASKS_DOMAIN 'shop.example' {SCHEME}",
            )
        ],
    ),
    "trailing slash, even locally": (
        'GCP_TASKS_EAGER_EXECUTE = True\nGCP_TASKS_DOMAIN = "http://127.0.0.1:8000/"\n',
        [
            (
                "tasks-domain-slash",
                2,
                20,
                "error",
                f"GCP_TASKS_DOMAIN 'http://127.0.0.1:8000/' {SLASH}",
            )
        ],
    ),
    "default of an environment variable": (
        "import os\n"
        'GCP_TASKS_DOMAIN = os.environ.get("GCP_TASKS_DOMAIN", "https://a.example/")\n',
        [
            (
                "tasks-domain-slash",
                2,
                55,
                "error",
                f"GCP_TASKS_DOMAIN 'https://a.example/' {SLASH}",
            )
        ],
    ),
    "f-string": (
        'HOST = "a.example"\nGCP_TASKS_DOMAIN = f"http://{HOST}/"\n',
        [
            (
                "tasks-domain-scheme",
                2,
                20,
                "error",
                f"GCP_TASKS_DOMAIN \"f'http://{{HOST}}/'\" {SCHEME}",
            ),
            (
                "tasks-domain-slash",
                2,
                20,
                "error",
                f"GCP_TASKS_DOMAIN \"f'http://{{HOST}}/'\" {SLASH}",
            ),
        ],
    ),
}


@pytest.mark.parametrize("case", FAILING, ids=list(FAILING))
def test_failing(case: str) -> None:
    text, expected = FAILING[case]
    assert found(text) == expected


PASSING = {
    "production": 'import os\nGCP_TASKS_DOMAIN = os.environ["GCP_TASKS_DOMAIN"]\n',
    "https": 'GCP_TASKS_DOMAIN: str = "https://shop-42.europe-west1.run.app"\n',
    "eager": (
        'GCP_TASKS_EAGER_EXECUTE = True\nGCP_TASKS_DOMAIN = "http://127.0.0.1:8000"\n'
    ),
    "emulator": (
        'GCP_TASKS_DOMAIN = "http://127.0.0.1:8000"\n'
        'GCP_TASKS_EMULATOR_TARGET = "localhost:8123"\n'
    ),
    "eager from the environment": (
        "import os\n"
        'GCP_TASKS_EAGER_EXECUTE = os.environ.get("EAGER") == "1"\n'
        'GCP_TASKS_DOMAIN = "http://127.0.0.1:8000"\n'
    ),
    "no domain at all": 'GCP_TASKS_REGION = "europe-west1"\n',
    "an invalid escape is no syntax error": 'PATTERN = "\\d+"\n',
}


@pytest.mark.parametrize("case", PASSING, ids=list(PASSING))
def test_passing(case: str) -> None:
    assert found(PASSING[case]) == []
