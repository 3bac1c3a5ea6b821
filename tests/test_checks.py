"""The rules against their own examples, the built-in templates, a hand-written
workflow, and the worker guide's original example."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

import sphinx_gcpdeploy.checks  # noqa: F401  (declares every check's rules)
from sphinx_gcpdeploy.checks import check_text
from sphinx_gcpdeploy.findings import RULES, Rule
from sphinx_gcpdeploy.recipes import builtin_recipes
from sphinx_gcpdeploy.render import Given, build_snippet

DATA = Path(__file__).parent / "data" / "checks"

#: The topics of the rules that judge workflows; each must document itself fully.
WORKFLOW_TOPICS = {
    "Reading the file",
    "Actions and their inputs",
    "References between steps and jobs",
    "Cloud Run names and places",
    "Environment variables, secrets and labels",
    "The worker pattern",
    "Authentication and security",
}
EXAMPLES = [item for item in RULES.values() if item.bad is not None]


def test_every_workflow_rule_is_documented() -> None:
    rules = [item for item in RULES.values() if item.topic in WORKFLOW_TOPICS]
    assert len(rules) >= 25
    for declared in rules:
        assert declared.explanation, declared.id
        assert declared.bad and declared.good and declared.where, declared.id


def test_every_script_cloud_build_and_settings_rule_is_documented() -> None:
    # Their bad and good examples are checked with every other rule's below.
    rules = [
        item for item in RULES.values() if item.kind in ("cloudbuild", "python", "bash")
    ]
    assert len(rules) >= 10
    for declared in rules:
        assert declared.bad and declared.good and declared.where, declared.id


@pytest.mark.parametrize("declared", EXAMPLES, ids=lambda item: item.id)
def test_bad_example_gives_exactly_its_rule(declared: Rule) -> None:
    assert declared.bad is not None
    found = check_text(declared.bad, declared.kind)
    assert [(item.rule, (item.line, item.column)) for item in found] == [
        (declared.id, declared.where)
    ]


@pytest.mark.parametrize("declared", EXAMPLES, ids=lambda item: item.id)
def test_good_example_gives_nothing(declared: Rule) -> None:
    assert declared.good is not None
    assert check_text(declared.good, declared.kind) == []


def test_rule_ids_are_kebab_case_words() -> None:
    for rule_id in RULES:
        assert all(word.isalnum() and word.islower() for word in rule_id.split("-"))


MATRIX = {
    "app": ["shop", "yourapp", "acme-store-eu"],
    "region": ["europe-west1", "us-central1", "asia-southeast1"],
    "tag_prefix": ["rev-", "r", "release-"],
}


@pytest.mark.parametrize("format_name", ["github-actions", "github-workflow"])
@pytest.mark.parametrize(
    "values",
    [
        dict(zip(MATRIX, combination, strict=True))
        for combination in itertools.product(*MATRIX.values())
    ],
    ids=lambda values: "-".join(values.values()),
)
def test_templates_render_without_findings(
    format_name: str, values: dict[str, str]
) -> None:
    given = {
        name: Given(name, value, line)
        for line, (name, value) in enumerate(values.items(), start=1)
    }
    snippet = build_snippet(builtin_recipes(), "worker-and-server", format_name, given)
    assert snippet.text is not None
    assert [item.finding for item in snippet.problems] == []


def test_hand_written_workflow_passes() -> None:
    text = (DATA / "good-workflow.yml").read_text("utf-8")
    assert check_text(text, "github-workflow") == []


def test_source_example_reports_each_bug() -> None:
    text = (DATA / "source-example.yml").read_text("utf-8")
    found = {
        (item.rule, item.line, item.column, item.level)
        for item in check_text(text, "github-workflow")
    }
    assert found == {
        # deploy-cloudrun@v0 is unmaintained (both steps).
        ("action-version", 24, 15, "error"),
        ("action-version", 33, 15, "error"),
        # No auth step, so no credentials and no permissions for one.
        ("deploy-credentials", 24, 15, "error"),
        # The build output was renamed image_version_artifact.
        ("needs-reference", 27, 22, "error"),
        ("needs-reference", 37, 22, "error"),
        # A raw short SHA as the tag may start with a digit.
        ("revision-tag", 29, 16, "error"),
        ("revision-tag", 40, 16, "error"),
        # Nothing bounds tag plus the -worker service name to 46 characters.
        ("revision-tag", 29, 16, "warning"),
        ("revision-tag", 40, 16, "warning"),
    }
