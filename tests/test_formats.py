"""Every recipe in every format renders, and its own checks find nothing, at its
defaults and over a few other parameter values; findings caused by a parameter are
blamed on it."""

from __future__ import annotations

import ast
from typing import Any

import pytest

from sphinx_gcpdeploy.recipes import builtin_recipes, load_recipes
from sphinx_gcpdeploy.render import build_snippet
from sphinx_gcpdeploy.yamltree import parse

from conftest import given, problems

FORMATS = [
    (recipe.name, format_name)
    for recipe in builtin_recipes().values()
    for format_name in recipe.formats
]

#: Values each recipe must also render cleanly with, in the formats that use them.
MATRIX: dict[str, list[dict[str, Any]]] = {
    "worker-and-server": [
        {"app": "shop", "region": "us-east1"},
        {"app": "a" * 20, "environment_name": "prod", "tag_prefix": "r"},
        {"region": "asia-southeast3", "project_id": "acme-42"},
    ],
    "single-service": [
        {"service": "shop", "region": "us-east1", "project_number": 42},
        {"service": "s" * 49},
    ],
    "django-settings": [
        {"mode": mode, "queue": "emails", "region": "us-central1"}
        for mode in ("production", "eager", "emulator", "tunnel")
    ],
}


def test_the_recipes_and_their_formats() -> None:
    recipes = builtin_recipes()
    assert {name: list(recipe.formats) for name, recipe in recipes.items()} == {
        "django-settings": ["python"],
        "single-service": ["github-actions", "github-workflow", "gcloud", "cloudbuild"],
        "worker-and-server": [
            "github-actions",
            "github-workflow",
            "gcloud",
            "cloudbuild",
        ],
    }


@pytest.mark.parametrize(("recipe", "format_name"), FORMATS)
def test_defaults_render_clean(recipe: str, format_name: str) -> None:
    snippet = build_snippet(builtin_recipes(), recipe, format_name, {})
    assert problems(snippet) == []
    assert snippet.text is not None
    assert "\n\n\n" not in snippet.text
    if snippet.language == "yaml":
        parse(snippet.text)
    elif snippet.language == "python":
        ast.parse(snippet.text)


@pytest.mark.parametrize(("recipe", "format_name"), FORMATS)
def test_parameter_matrix_renders_clean(recipe: str, format_name: str) -> None:
    declared = builtin_recipes()[recipe]
    for values in MATRIX[recipe]:
        used = {
            name: value
            for name, value in values.items()
            if declared.parameters[name].applies_to(format_name)
        }
        snippet = build_snippet(builtin_recipes(), recipe, format_name, given(**used))
        assert (values, problems(snippet)) == (values, [])


def render(recipe: str, format_name: str, **values: object) -> str:
    snippet = build_snippet(builtin_recipes(), recipe, format_name, given(**values))
    assert problems(snippet) == []
    assert snippet.text is not None
    return snippet.text


def test_gcloud_script_deploys_tagged_worker_then_server() -> None:
    text = render("worker-and-server", "gcloud", app="shop")
    lines = text.splitlines()
    assert lines[0] == "#!/usr/bin/env bash"
    assert "set -euo pipefail" in lines
    worker = lines.index("gcloud run deploy shop-worker-production \\")
    server = lines.index("gcloud run deploy shop-server-production \\")
    describe = next(
        index
        for index, line in enumerate(lines)
        if "gcloud run services describe shop-worker-production" in line
    )
    assert worker < describe < server
    assert (
        "value(status.traffic.filter('tag=rev-$SHORT_SHA').extract(url).flatten())"
        in text
    )
    assert 'if [[ -z "$WORKER_URL" ]]; then' in lines
    assert '  --update-env-vars="GCP_TASKS_DOMAIN=$WORKER_URL" \\' in lines
    flags = [line.split("=")[0].strip() for line in lines if line.startswith("  --")]
    assert "--no-traffic" not in flags
    assert "--allow-unauthenticated" not in flags
    assert "--set-env-vars" not in flags
    assert flags.count("--tag") == 2


def test_cloudbuild_pushes_before_deploying_and_passes_the_url_on() -> None:
    text = render("worker-and-server", "cloudbuild", app="shop")
    build = parse(text).data
    ids = [step["id"] for step in build["steps"]]
    assert ids == ["build", "push", "deploy-worker", "worker-url", "deploy-server"]
    assert build["steps"][1]["args"] == ["push", "$_IMAGE:rev-$_RELEASE"]
    cli = "gcr.io/google.com/cloudsdktool/google-cloud-cli:stable"
    assert {step["name"] for step in build["steps"][2:]} == {cli}
    assert "--tag=rev-$_RELEASE" in build["steps"][2]["args"]
    assert "> /workspace/worker_url" in build["steps"][3]["args"][1]
    assert (
        '--update-env-vars="GCP_TASKS_DOMAIN=$$(cat /workspace/worker_url)"'
        in build["steps"][4]["args"][1]
    )
    assert build["substitutions"] == {
        "_REGION": "europe-west1",
        "_IMAGE": "europe-west1-docker.pkg.dev/your-project/containers/shop",
        "_WORKER": "shop-worker-production",
        "_SERVER": "shop-server-production",
        "_RELEASE": "manual",
    }


def test_single_service_points_tasks_at_its_deterministic_url() -> None:
    url = "https://shop-42.us-east1.run.app"
    values = {"service": "shop", "region": "us-east1", "project_number": 42}
    steps = parse(render("single-service", "github-actions", **values)).data
    assert steps[0]["with"]["env_vars"] == f"GCP_TASKS_DOMAIN={url}\n"
    workflow = parse(render("single-service", "github-workflow", **values)).data
    assert workflow["jobs"]["deploy"]["steps"][-1]["with"]["service"] == "shop"
    script = render("single-service", "gcloud", **values)
    assert f"  --update-env-vars=GCP_TASKS_DOMAIN={url} \\\n" in script
    build = parse(render("single-service", "cloudbuild", **values)).data
    assert (
        "--update-env-vars=GCP_TASKS_DOMAIN="
        "https://$_SERVICE-$_PROJECT_NUMBER.$_REGION.run.app"
    ) in build["steps"][-1]["args"]
    assert build["substitutions"]["_PROJECT_NUMBER"] == "42"


def test_single_service_workflow_includes_its_steps() -> None:
    snippet = build_snippet(builtin_recipes(), "single-service", "github-workflow", {})
    names = sorted(
        str(path.relative_to(path.parent.parent)) for path in snippet.dependencies
    )
    assert names == [
        "_shared/github-workflow.yaml.j2",
        "single-service/_domain.j2",
        "single-service/github-actions.yaml.j2",
        "single-service/github-workflow.yaml.j2",
        "single-service/recipe.yaml",
    ]


def settings(mode: str, **values: object) -> dict[str, object]:
    text = render("django-settings", "python", mode=mode, **values)
    tree = ast.parse(text)
    found: dict[str, object] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            found[node.targets[0].id] = (
                node.value.value
                if isinstance(node.value, ast.Constant)
                else ast.unparse(node.value)
            )
    return found


def test_settings_for_each_mode() -> None:
    assert settings("production") == {
        "GCP_TASKS_DOMAIN": "os.environ['GCP_TASKS_DOMAIN']",
        "GCP_TASKS_DEFAULT_QUEUE_NAME": "default",
        "GCP_TASKS_RESOURCE_AFFIX": "yourapp",
        "GCP_TASKS_REGION": "europe-west1",
    }
    eager = settings("eager")
    assert eager["GCP_TASKS_EAGER_EXECUTE"] is True
    assert eager["GCP_TASKS_DOMAIN"] == "http://127.0.0.1:8000"
    emulator = settings("emulator")
    assert emulator["GCP_TASKS_DOMAIN"] == "http://127.0.0.1:8000"
    assert emulator["GCP_TASKS_EMULATOR_TARGET"] == "localhost:8123"
    assert "GCP_TASKS_EAGER_EXECUTE" not in emulator
    tunnel = settings("tunnel", tunnel_url="https://shop-dev.loca.lt")
    assert tunnel["GCP_TASKS_DOMAIN"] == "https://shop-dev.loca.lt"
    assert tunnel["GCP_TASKS_RESOURCE_AFFIX"] == "yourapp-dev"


def test_an_invalid_mode_names_the_choices() -> None:
    snippet = build_snippet(
        builtin_recipes(), "django-settings", "python", given(queue="q", mode="dev")
    )
    assert snippet.text is None
    assert problems(snippet) == [
        (
            "parameter-choice",
            2,
            "parameter 'mode' takes one of: production, eager, emulator, tunnel; "
            "not 'dev'",
        )
    ]


def test_a_site_default_outside_the_choices_is_a_warning() -> None:
    snippet = build_snippet(
        builtin_recipes(), "django-settings", "python", {}, defaults={"mode": "dev"}
    )
    assert [item.finding.level for item in snippet.problems] == ["warning"]
    assert problems(snippet) == [
        (
            "site-default",
            None,
            "gcpdeploy_defaults sets 'mode' to 'dev', which parameter 'mode' of "
            "recipe 'django-settings' does not take; the recipe's own default is "
            "used. Fix it in conf.py",
        )
    ]
    assert 'os.environ["GCP_TASKS_DOMAIN"]' in (snippet.text or "")


@pytest.mark.parametrize(
    ("choices", "default", "message"),
    [
        ("[a, b]", "c", "parameter 'who': its default must be one of its choices"),
        ("[a, 2]", "a", "parameter 'who': its choices must be of type str"),
        ("a", "a", "parameter 'who': choices must be a list"),
    ],
)
def test_bad_choices_are_located(
    tmp_path: Any, choices: str, default: str, message: str
) -> None:
    directory = tmp_path / "hello"
    directory.mkdir()
    (directory / "main.txt.j2").write_text("{{ who }}\n", "utf-8")
    (directory / "recipe.yaml").write_text(
        "summary: A test recipe.\n"
        "formats:\n"
        "  text:\n"
        "    template: main.txt.j2\n"
        "parameters:\n"
        "  who:\n"
        f"    default: {default}\n"
        f"    choices: {choices}\n"
        "    description: Who to greet.\n",
        "utf-8",
    )
    error = load_recipes((tmp_path,)).broken["hello"]
    assert (error.line, error.message) == (6, message)


@pytest.mark.parametrize(
    ("recipe", "format_name", "values", "expected"),
    [
        (
            "worker-and-server",
            "gcloud",
            {"region": "europe-west1", "app": "1bad"},
            [
                ("service-name", 2, 17, "1bad-worker-production"),
                ("service-name", 2, 24, "1bad-worker-production"),
                ("service-name", 2, 36, "1bad-server-production"),
            ],
        ),
        (
            "worker-and-server",
            "cloudbuild",
            {"app": "1bad"},
            [
                ("service-name", 1, 30, "1bad-worker-production"),
                ("service-name", 1, 45, "1bad-worker-production"),
                ("service-name", 1, 63, "1bad-server-production"),
            ],
        ),
        (
            "single-service",
            "gcloud",
            {"service": "1bad"},
            [("service-name", 1, 14, "1bad")],
        ),
        (
            "single-service",
            "cloudbuild",
            {"service": "1bad"},
            [("service-name", 1, 32, "1bad")],
        ),
    ],
)
def test_gcloud_findings_are_blamed_on_the_parameter(
    recipe: str,
    format_name: str,
    values: dict[str, object],
    expected: list[tuple[str, int, int, str]],
) -> None:
    snippet = build_snippet(builtin_recipes(), recipe, format_name, given(**values))
    assert [
        (item.finding.rule, item.content_line, item.finding.line, item.finding.value)
        for item in snippet.problems
    ] == expected
    name = expected[0][3]
    parameter = "app" if recipe == "worker-and-server" else "service"
    assert snippet.problems[0].finding.message == (
        f"service name {name!r} must start with a lowercase letter; put one first "
        f"(from parameter {parameter!r})"
    )


def test_tag_too_long_for_the_worker_is_blamed_on_app() -> None:
    snippet = build_snippet(
        builtin_recipes(), "worker-and-server", "gcloud", given(app="a" * 30)
    )
    tags = [item for item in snippet.problems if item.finding.rule == "revision-tag"]
    assert [(item.content_line, item.finding.line) for item in tags] == [
        (1, 20),
        (1, 39),
    ]
    assert tags[0].finding.message == (
        "tag 'rev-$SHORT_SHA' with service "
        f"'{'a' * 30}-worker-production' is 52 characters; Cloud Run allows at most "
        "46 for the two together: shorten the tag or the service name (from "
        "parameter 'app')"
    )


def test_python_finding_is_blamed_on_the_parameter() -> None:
    snippet = build_snippet(
        builtin_recipes(),
        "django-settings",
        "python",
        given(mode="tunnel", tunnel_url="https://shop-dev.loca.lt/"),
    )
    assert problems(snippet) == [
        (
            "tasks-domain-slash",
            2,
            "GCP_TASKS_DOMAIN 'https://shop-dev.loca.lt/' ends with '/'; task URLs "
            "are the domain plus a path that starts with '/': remove the trailing "
            "slash (from parameter 'tunnel_url')",
        )
    ]
