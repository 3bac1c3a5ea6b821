"""The schema validators remember values they found valid (a speed-up); the
findings must be exactly those of a validator that remembers nothing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from sphinx_gcpdeploy.checks import check_text, schema
from sphinx_gcpdeploy.findings import RULES, Finding
from sphinx_gcpdeploy.recipes import BUILTIN_DIR, load_recipes
from sphinx_gcpdeploy.render import Given, build_snippet

DATA = Path(__file__).parent / "data" / "checks"

#: Changes that break the schema in different places: a job, a step, the events.
MISTAKES = [
    ("    runs-on: ubuntu-latest\n", ""),
    ("    steps:\n", "    step:\n"),
    (
        "    runs-on: ubuntu-latest\n",
        "    runs-on: ubuntu-latest\n    timeout-minutes: x\n",
    ),
    (
        "      - uses: google-github-actions/setup-gcloud@v3\n",
        "      - uses: google-github-actions/setup-gcloud@v3\n"
        "        run: gcloud info\n",
    ),
    ("        with:\n", "        width:\n"),
    ("  push:\n", "  pushed:\n"),
    ("        id: ", "        id:\n          - "),
    ("permissions:\n  contents: read\n", "permissions:\n  contents: maybe\n"),
    ("      - name: ", "      - 12\n      - name: "),
]


def corpus() -> Iterator[tuple[str, str]]:
    """(kind, text) pairs: the rules' own examples, the test data, and recipes
    rendered with several values, each also with every mistake that applies."""
    for declared in RULES.values():
        for text in (declared.bad, declared.good):
            if text is not None:
                yield declared.kind, text
    for path in sorted(DATA.glob("*.yml")):
        yield "github-workflow", path.read_text()
    recipes = load_recipes((BUILTIN_DIR,))
    for recipe, key in (("worker-and-server", "app"), ("single-service", "service")):
        for format_name, kind in (
            ("github-workflow", "github-workflow"),
            ("github-actions", "github-steps"),
            ("cloudbuild", "cloudbuild"),
        ):
            for name in ("shop", "shop", "blog"):  # twice: the second is remembered
                given = {key: Given(key, name, 1)}
                text = build_snippet(recipes, recipe, format_name, given).text
                assert text is not None
                yield kind, text
                for old, new in MISTAKES:
                    if old in text:
                        yield kind, text.replace(old, new, 1)
                yield kind, re.sub(r"tag: \S+", "tag: 1x", text)


def findings(items: list[tuple[str, str]]) -> list[list[Finding]]:
    return [check_text(text, kind) for kind, text in items]


def test_remembering_validators_find_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    items = list(corpus())
    assert len(items) > 100

    with monkeypatch.context() as patch:
        # Claiming a nested $id turns remembering off: the plain validators.
        patch.setattr(schema, "_has_nested_id", lambda *_: True)
        schema.validator.cache_clear()
        expected = findings(items)
    schema.validator.cache_clear()

    assert findings(items) == expected  # remembering from empty
    assert findings(items) == expected  # everything valid already remembered
    assert findings(items[::-1]) == expected[::-1]
    assert any(found.rule == "schema" for result in expected for found in result), (
        "the corpus must have schema errors"
    )


def test_remembering_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(schema, "REMEMBERED", 5)
    schema.validator.cache_clear()
    items = list(corpus())[:40]
    assert findings(items) == findings(items)
    schema.validator.cache_clear()


def test_the_shipped_schemas_are_remembered() -> None:
    schema.validator.cache_clear()
    for kind in ("github-workflow", "github-steps", "cloudbuild"):
        checker = schema.validator(kind)
        assert checker.VALIDATORS["$ref"].__name__ == "ref"
        assert checker.VALIDATORS["$ref"].__module__ == schema.__name__
