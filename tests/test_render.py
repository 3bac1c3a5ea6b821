"""Resolving parameters, rendering recipes and blaming findings on parameters,
without Sphinx."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import jinja2
import pytest

from sphinx_gcpdeploy.recipes import RecipeError, builtin_recipes, load_recipes
from sphinx_gcpdeploy.render import build_snippet
from sphinx_gcpdeploy.yamltree import parse

from conftest import bash_says, given, problems


@pytest.mark.parametrize("format_name", ["github-actions", "github-workflow"])
def test_defaults_render_clean(format_name: str) -> None:
    snippet = build_snippet(builtin_recipes(), "worker-and-server", format_name, {})
    assert snippet.problems == []
    assert snippet.language == "yaml"
    assert snippet.text is not None
    parse(snippet.text)  # valid YAML


def test_default_format_is_the_first_declared() -> None:
    snippet = build_snippet(builtin_recipes(), "worker-and-server", None, {})
    assert snippet.text is not None
    assert snippet.text.lstrip().startswith("#")
    assert "jobs:" not in snippet.text


def test_worker_step_is_tagged_and_feeds_the_server() -> None:
    snippet = build_snippet(
        builtin_recipes(),
        "worker-and-server",
        "github-actions",
        given(app="shop", region="us-east1"),
    )
    assert snippet.problems == []
    steps = parse(snippet.text or "").data
    worker, server = steps
    assert worker["id"] == "deploy_worker"
    assert worker["uses"] == "google-github-actions/deploy-cloudrun@v3"
    assert worker["with"]["service"] == (
        "shop-worker-${{ needs.build.outputs.environment }}"
    )
    assert worker["with"]["tag"] == "rev-${{ needs.build.outputs.short_sha }}"
    assert not {"no_traffic", "revision_traffic", "tag_traffic"} & set(worker["with"])
    assert server["with"]["region"] == "us-east1"
    assert server["with"]["env_vars"] == (
        "GCP_TASKS_DOMAIN=${{ steps.deploy_worker.outputs.url }}\n"
    )


def test_workflow_has_least_permissions_auth_and_both_deploys() -> None:
    snippet = build_snippet(
        builtin_recipes(), "worker-and-server", "github-workflow", given(app="shop")
    )
    workflow = parse(snippet.text or "").data
    assert workflow["permissions"] == {"contents": "read"}
    deploy = workflow["jobs"]["deploy"]
    assert deploy["needs"] == "build"
    assert deploy["permissions"] == {"contents": "read", "id-token": "write"}
    uses = [step.get("uses") for step in deploy["steps"]]
    assert uses == [
        "actions/checkout@v7",
        "google-github-actions/auth@v3",
        "google-github-actions/deploy-cloudrun@v3",
        "google-github-actions/deploy-cloudrun@v3",
    ]
    assert deploy["steps"][2]["with"]["service"] == "shop-worker-production"
    assert set(workflow["jobs"]["build"]["outputs"]) == {"image", "short_sha"}


def test_unknown_recipe_names_the_choices() -> None:
    snippet = build_snippet(builtin_recipes(), "worker", None, {})
    assert snippet.text is None
    assert problems(snippet) == [
        (
            "unknown-recipe",
            None,
            "there is no recipe 'worker'; the recipes are: django-settings, "
            "single-service, worker-and-server",
        )
    ]


def test_unknown_format_names_the_choices() -> None:
    snippet = build_snippet(builtin_recipes(), "worker-and-server", "gitlab", {})
    assert snippet.text is None
    assert problems(snippet) == [
        (
            "unknown-format",
            None,
            "recipe 'worker-and-server' has no format 'gitlab'; its formats are: "
            "github-actions, github-workflow, gcloud, cloudbuild",
        )
    ]


def test_unknown_parameter_is_located_and_names_the_choices() -> None:
    snippet = build_snippet(
        builtin_recipes(), "worker-and-server", None, given(app="shop", regoin="x")
    )
    assert snippet.text is None
    [(rule, line, message)] = problems(snippet)
    assert (rule, line) == ("unknown-parameter", 2)
    assert message.startswith(
        "recipe 'worker-and-server' has no parameter 'regoin'; its parameters are: "
        "app, region, "
    )


def test_wrong_type_is_located() -> None:
    snippet = build_snippet(
        builtin_recipes(), "worker-and-server", None, given(app="shop", region=12)
    )
    assert problems(snippet) == [
        (
            "parameter-type",
            2,
            "parameter 'region' takes text, not 12; put the value in quotes",
        )
    ]


def test_parameter_of_another_format_is_a_warning_and_still_renders() -> None:
    snippet = build_snippet(
        builtin_recipes(), "worker-and-server", "github-actions", given(branch="dev")
    )
    assert snippet.text is not None
    [item] = snippet.problems
    assert item.finding.level == "warning"
    assert (item.finding.rule, item.content_line, item.finding.message) == (
        "unused-parameter",
        1,
        "parameter 'branch' has no effect in format 'github-actions'; it is used "
        "by: github-workflow",
    )


def test_service_name_finding_is_blamed_on_the_app_parameter() -> None:
    snippet = build_snippet(
        builtin_recipes(),
        "worker-and-server",
        "github-actions",
        given(region="europe-west1", app="1bad"),
    )
    found = problems(snippet)
    assert [(rule, line) for rule, line, _ in found] == [
        ("service-name", 2),
        ("service-name", 2),
    ]
    assert found[0][2] == (
        "service name '1bad-worker-${{ needs.build.outputs.environment }}' must "
        "start with a lowercase letter; put one first (from parameter 'app')"
    )


def test_long_app_name_breaks_the_tag_limit_of_the_worker() -> None:
    app = "a" * 20  # 20 + len("-worker-") + 10 + len("rev-") + 7 = 49 > 46
    snippet = build_snippet(
        builtin_recipes(), "worker-and-server", "github-actions", given(app=app)
    )
    tags = [item for item in snippet.problems if item.finding.rule == "revision-tag"]
    assert len(tags) == 2
    assert tags[0].content_line == 1
    assert "can reach 49 characters" in tags[0].finding.message


def test_site_defaults_apply_and_the_directive_wins() -> None:
    snippet = build_snippet(
        builtin_recipes(),
        "worker-and-server",
        "github-actions",
        given(region="us-east1"),
        defaults={"app": "shop", "region": "asia-east1"},
    )
    text = snippet.text or ""
    assert "shop-worker-" in text
    assert "region: us-east1" in text
    assert "asia-east1" not in text


def write_recipe(base: Path, name: str, declaration: str, template: str) -> Path:
    directory = base / name
    directory.mkdir(parents=True)
    (directory / "recipe.yaml").write_text(declaration, "utf-8")
    (directory / "main.txt.j2").write_text(template, "utf-8")
    return directory


RECIPE = """\
summary: A test recipe.
formats:
  text:
    template: main.txt.j2
parameters:
  who:
    type: str
    required: true
    description: Who to greet.
"""


def test_missing_required_parameter(tmp_path: Path) -> None:
    write_recipe(tmp_path, "hello", RECIPE, "hello {{ who }}\n")
    recipes = load_recipes((tmp_path,))
    snippet = build_snippet(recipes, "hello", None, {})
    assert problems(snippet) == [
        (
            "missing-parameter",
            None,
            "recipe 'hello' needs parameter 'who' (Who to greet.); give it with "
            "'who: ...' in the directive, or --set who=... on the command line",
        )
    ]
    assert build_snippet(recipes, "hello", None, given(who="you")).text == "hello you\n"


def test_undefined_template_variable_is_a_template_finding(tmp_path: Path) -> None:
    write_recipe(tmp_path, "hello", RECIPE, "hello {{ whom }}\n")
    snippet = build_snippet(load_recipes((tmp_path,)), "hello", None, given(who="x"))
    assert snippet.text is None
    assert problems(snippet) == [
        (
            "template",
            None,
            "template 'main.txt.j2' of recipe 'hello' uses an undefined value: "
            "'whom' is undefined; declare it as a parameter of the recipe",
        )
    ]


def test_template_cannot_include_outside_its_directory(tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text("secret", "utf-8")
    base = tmp_path / "recipes"
    write_recipe(base, "hello", RECIPE, '{% include "../secret.txt" %}\n')
    snippet = build_snippet(load_recipes((base,)), "hello", None, given(who="x"))
    assert snippet.text is None
    [(rule, _, message)] = problems(snippet)
    assert rule == "template"
    assert "'../secret.txt'" in message


def test_template_sandbox_refuses_unsafe_attributes(tmp_path: Path) -> None:
    write_recipe(tmp_path, "hello", RECIPE, "{{ who.__class__.__mro__ }}\n")
    snippet = build_snippet(load_recipes((tmp_path,)), "hello", None, given(who="x"))
    assert snippet.text is None
    assert [rule for rule, _, _ in problems(snippet)] == ["template"]


def test_bad_recipe_declaration_is_located(tmp_path: Path) -> None:
    write_recipe(
        tmp_path,
        "hello",
        RECIPE.replace("    type: str\n", "    type: string\n"),
        "x",
    )
    recipes = load_recipes((tmp_path,))
    error = recipes.broken["hello"]
    assert "hello" not in recipes
    assert error.line == 6
    assert error.message == "parameter 'who': type must be one of str, int, bool"


def test_template_dependencies_include_what_it_includes() -> None:
    snippet = build_snippet(
        builtin_recipes(), "worker-and-server", "github-workflow", {}
    )
    names = sorted(
        str(path.relative_to(path.parent.parent)) for path in snippet.dependencies
    )
    assert names == [
        "_shared/github-workflow.yaml.j2",
        "worker-and-server/github-actions.yaml.j2",
        "worker-and-server/github-workflow.yaml.j2",
        "worker-and-server/recipe.yaml",
    ]


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("a: b", "it holds ': ', which YAML reads as syntax"),
        ("a #b", "it holds ' #', which YAML reads as syntax"),
        ("x\ny", "it holds a line break or a control character; keep it on one line"),
        ("123", "YAML would read it as a number, true/false or null, not as text"),
        ("", "it is empty; give it a value"),
        (" x", "it starts or ends with a space; remove it"),
        ("*x", "it starts with '*', which YAML reads as syntax"),
        (
            "a,b",
            "it holds ',', which ends a value in a YAML list; only ${{ }} "
            "expressions may hold braces",
        ),
        ("x:", "it ends with ':', which YAML reads as a key"),
    ],
)
def test_values_that_would_change_the_yaml_are_refused(value: str, reason: str) -> None:
    snippet = build_snippet(
        builtin_recipes(),
        "worker-and-server",
        "github-actions",
        given(app="shop", region=value),
    )
    assert snippet.text is None
    assert problems(snippet) == [
        (
            "parameter-value",
            2,
            "parameter 'region' cannot be written into this GitHub Actions snippet "
            f"as it is: {reason}",
        )
    ]


def test_expressions_and_ordinary_text_pass_the_value_guard() -> None:
    snippet = build_snippet(
        builtin_recipes(),
        "worker-and-server",
        "github-actions",
        given(image="europe-west1-docker.pkg.dev/p/r/app:v1", short_sha="${{ x }}"),
    )
    assert [item.finding.rule for item in snippet.problems] == []
    assert "image: europe-west1-docker.pkg.dev/p/r/app:v1" in (snippet.text or "")


def test_a_value_joined_to_other_text_is_guarded_too() -> None:
    # The gcloud template writes the worker's name as app ~ "-worker-" ~ ..., text
    # that finalize alone cannot tell from the template's own.
    snippet = build_snippet(
        builtin_recipes(), "worker-and-server", "gcloud", given(app="shop;rm")
    )
    assert snippet.text is None
    assert problems(snippet) == [
        (
            "parameter-value",
            1,
            "parameter 'app' cannot be written into this gcloud snippet as it is: "
            "it holds ';'; a shell word here may use letters, digits and ._/:@=+,%- "
            "only",
        )
    ]


@pytest.mark.parametrize(
    ("recipe", "key"), [("single-service", "service"), ("worker-and-server", "app")]
)
def test_snippets_differing_only_in_values_share_one_bash_run(
    recipe: str, key: str
) -> None:
    # worker-and-server also joins its values to other text (app ~ "-worker-"),
    # and takes branches on them.
    from sphinx_gcpdeploy.checks import shell

    shell.syntax_error.cache_clear()
    texts = set()
    for app, region in (
        ("shop", "europe-west1"),
        ("store", "us-central1"),
        ("cart", "asia-northeast1"),
    ):
        snippet = build_snippet(
            builtin_recipes(), recipe, "gcloud", given(**{key: app, "region": region})
        )
        assert snippet.problems == []
        texts.add(snippet.text)
    assert len(texts) == 3
    assert shell.syntax_error.cache_info().misses == 1


def test_the_script_bash_is_asked_about_has_the_snippets_lines() -> None:
    from sphinx_gcpdeploy.checks import shell

    asked: list[str] = []
    real = shell.syntax_error

    def spy(text: str) -> tuple[int, str] | None:
        asked.append(text)
        return real(text)

    shell.syntax_error.cache_clear()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(shell, "syntax_error", spy)
        snippet = build_snippet(
            builtin_recipes(), "worker-and-server", "gcloud", given(app="shop")
        )
    assert snippet.text is not None
    [twin] = asked
    assert "shop" not in twin
    assert re.search(shell.PLACEHOLDER + r"\d{4}-worker-", twin)
    assert len(twin.splitlines()) == len(snippet.text.splitlines())


def test_a_value_outside_its_pattern_is_refused_at_its_line() -> None:
    snippet = build_snippet(
        builtin_recipes(),
        "worker-and-server",
        "cloudbuild",
        given(app="shop", repository="x$(id)"),
    )
    assert snippet.text is None
    assert problems(snippet) == [
        (
            "parameter-pattern",
            2,
            "parameter 'repository' must match [a-z]([a-z0-9-]{0,61}[a-z0-9])?, and "
            "'x$(id)' does not (The Artifact Registry repository the image is pushed "
            "to.)",
        )
    ]


def test_cloud_build_values_must_be_safe_in_its_bash_steps_too() -> None:
    snippet = build_snippet(
        builtin_recipes(),
        "worker-and-server",
        "cloudbuild",
        given(region="europe-west1;id"),
    )
    assert problems(snippet) == [
        (
            "parameter-value",
            1,
            "parameter 'region' cannot be written into this Cloud Build snippet as "
            "it is: it holds ';'; a shell word here may use letters, digits and "
            "._/:@=+,%- only",
        )
    ]


@pytest.mark.parametrize(
    ("declaration", "line", "message"),
    [
        (
            RECIPE.replace("summary:", "sumary: x\nsummary:"),
            1,
            "the declaration: unknown key 'sumary'; the keys are: summary, formats, "
            "parameters",
        ),
        (
            RECIPE.replace("    template:", "    chek: bash\n    template:"),
            4,
            "format 'text': unknown key 'chek'; the keys are: template, language, "
            "check, filename, description, label",
        ),
        (
            RECIPE.replace(
                "    required: true\n", "    required: true\n    patern: x\n"
            ),
            9,
            "parameter 'who': unknown key 'patern'; the keys are: type, default, "
            "required, description, formats, choices, pattern, expression_length, "
            "expression_starts_with_letter",
        ),
        (
            RECIPE.replace("    required: true\n", "    pattern: '[a-'\n"),
            6,
            "parameter 'who': pattern is not a regular expression (unterminated "
            "character set at position 0)",
        ),
        (
            RECIPE.replace("    required: true\n", "    pattern: a+\n    default: b\n"),
            6,
            "parameter 'who': its default must match its pattern",
        ),
    ],
)
def test_declaration_mistakes_are_located(
    tmp_path: Path, declaration: str, line: int, message: str
) -> None:
    write_recipe(tmp_path, "hello", declaration, "x")
    error = load_recipes((tmp_path,)).broken["hello"]
    assert (error.line, error.message) == (line, message)


def test_a_recipe_directory_given_in_place_of_its_parent(tmp_path: Path) -> None:
    directory = write_recipe(tmp_path, "hello", RECIPE, "x")
    with pytest.raises(RecipeError) as raised:
        load_recipes((directory,))
    assert str(raised.value) == (
        f"{directory}: is a recipe itself; name the directory that holds recipe "
        "directories"
    )
    with pytest.raises(RecipeError) as raised:
        load_recipes((directory / "recipe.yaml",))
    assert str(raised.value) == (
        f"{directory / 'recipe.yaml'}: recipe directory is not a directory"
    )


def test_each_template_is_parsed_and_compiled_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two formats checked as different kinds share one included template; the
    # dependency walk parses each template, and loading must not parse again.
    directory = write_recipe(
        tmp_path,
        "two",
        RECIPE.replace(
            "  text:\n    template: main.txt.j2\n",
            "  steps:\n    template: main.txt.j2\n    check: github-steps\n"
            "  workflow:\n    template: workflow.txt.j2\n"
            "    check: github-workflow\n",
        ),
        "{% include '_steps.j2' %}",
    )
    (directory / "workflow.txt.j2").write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
        "{% filter indent(6, first=true) %}{% include '_steps.j2' %}{% endfilter %}",
        "utf-8",
    )
    (directory / "_steps.j2").write_text("- run: echo {{ who }}\n", "utf-8")
    counted = {"parse": 0, "compile": 0}
    real_parse, real_generate = jinja2.Environment._parse, jinja2.Environment._generate

    def parse(self: jinja2.Environment, *args: Any) -> Any:
        counted["parse"] += 1
        return real_parse(self, *args)

    def generate(self: jinja2.Environment, *args: Any, **kwargs: Any) -> Any:
        counted["compile"] += 1
        return real_generate(self, *args, **kwargs)

    monkeypatch.setattr(jinja2.Environment, "_parse", parse)
    monkeypatch.setattr(jinja2.Environment, "_generate", generate)
    recipes = load_recipes((tmp_path,))
    for name in ("shop", "blog"):
        for format_name in ("steps", "workflow"):
            snippet = build_snippet(recipes, "two", format_name, given(who=name))
            assert problems(snippet) == []
            assert f"echo {name}" in (snippet.text or "")
    assert counted == {"parse": 3, "compile": 3}


def test_an_edited_template_is_compiled_again(tmp_path: Path) -> None:
    directory = write_recipe(tmp_path, "hello", RECIPE, "hello {{ who }}\n")
    recipes = load_recipes((tmp_path,))
    assert build_snippet(recipes, "hello", None, given(who="you")).text == "hello you\n"
    (directory / "main.txt.j2").write_text("goodbye {{ who }}\n", "utf-8")
    recipes = load_recipes((tmp_path,))
    assert build_snippet(recipes, "hello", None, given(who="you")).text == (
        "goodbye you\n"
    )


def test_prepare_compiles_every_template_ahead(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What a parallel build does before Sphinx forks its readers.
    from sphinx_gcpdeploy import render

    write_recipe(tmp_path, "hello", RECIPE, "hello {{ who }}\n")
    write_recipe(tmp_path, "bye", RECIPE, "{% include 'part.j2' %}")
    (tmp_path / "bye" / "part.j2").write_text("bye {{ who }}\n", "utf-8")
    compiled: list[str | None] = []
    real = jinja2.Environment._generate

    def generate(
        self: jinja2.Environment, source: Any, name: Any, *rest: Any, **options: Any
    ) -> Any:
        compiled.append(name)
        return real(self, source, name, *rest, **options)

    monkeypatch.setattr(jinja2.Environment, "_generate", generate)
    recipes = load_recipes((tmp_path,))
    render.prepare(recipes)
    assert sorted(compiled) == ["main.txt.j2", "main.txt.j2", "part.j2"]
    compiled.clear()
    assert build_snippet(recipes, "bye", None, given(who="you")).text == "bye you\n"
    assert build_snippet(recipes, "hello", None, given(who="you")).text == (
        "hello you\n"
    )
    assert compiled == []


BASH_RECIPE = """\
summary: A script.
formats:
  script:
    template: main.txt.j2
    check: bash
parameters:
  app:
    type: str
    default: shop
    description: A name.
  suffix:
    type: str
    default: x
    description: Another.
"""


@pytest.mark.parametrize(
    ("template", "values"),
    [
        ("echo {{ app|replace('.', '(') }}\n", {"app": "my.app"}),
        ("{{ app }}=(one two)\necho ok\n", {"app": "my.list"}),
        ("cat <<{{ app }}\nhello\nEOF\necho (\n", {"app": "EOF"}),
        (
            "{{ app }}{{ suffix }} true; then echo yes; fi\n",
            {"app": "i", "suffix": "f"},
        ),
        ("if true; then echo yes; f{{ app }}\n", {"app": "i"}),
        (
            "{% set svc = app ~ '-worker' %}"
            "{% if svc|length > 15 %}echo 'x{% else %}echo {{ svc }}{% endif %}\n",
            {"app": "shop"},
        ),
        ("[[ a {{ app }} b ]]\n", {"app": "-eq"}),
        ("[[ a {{ app }} b ]]\n", {"app": "-eqq"}),
        ("time {{ app }} if true; then :; fi\n", {"app": "--"}),
        ("{{ app }}[0]=(a b)\n", {"app": "my-app"}),
        ("x{{ app }} () { :; }\n", {"app": "=b"}),
        ("for x {{ app }}\\\nn a; do :; done\n", {"app": "i"}),
        ("echo a; {{ app }}\\\ni\n", {"app": "f"}),
        ("{{ app }}\\\n=x () { :; }\n", {"app": "1"}),
        ("case x in {{ app }}>) ;; esac\n", {"app": "2"}),
    ],
    ids=[
        "filter",
        "array name",
        "here-document",
        "joined reserved word",
        "reserved word",
        "measured joined value",
        "test operator",
        "no test operator",
        "time option",
        "subscripted array name",
        "value bringing the equals sign",
        "continued into a reserved word",
        "continued into fi",
        "continued into an assignment",
        "file descriptor number",
    ],
)
def test_the_bash_verdict_is_that_of_the_rendered_script(
    tmp_path: Path, template: str, values: dict[str, str]
) -> None:
    # The copy bash reads instead of the script holds a placeholder for each
    # value; where a value's place matters to bash's grammar, or the copy is not
    # the script with other values, bash reads the script itself.
    write_recipe(tmp_path, "script", BASH_RECIPE, template)
    snippet = build_snippet(load_recipes((tmp_path,)), "script", None, given(**values))
    assert snippet.text is not None
    reported = any(item.finding.rule == "bash-syntax" for item in snippet.problems)
    assert reported is bash_says(snippet.text)


def test_bash_is_quoted_with_the_values_not_the_placeholders(tmp_path: Path) -> None:
    # The verdict may come from the copy with placeholder words; the message must
    # still name what the writer wrote.
    write_recipe(tmp_path, "script", BASH_RECIPE, "(echo) {{ app }}\n")
    snippet = build_snippet(
        load_recipes((tmp_path,)), "script", None, given(app="shop")
    )
    [problem] = [
        item for item in snippet.problems if item.finding.rule == "bash-syntax"
    ]
    assert "`shop'" in problem.finding.message
    assert "gcpdeployvalue" not in problem.finding.message
