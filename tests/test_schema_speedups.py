"""Two speed-ups of the schema check, each of which must leave the findings
exactly as they are without it:

* the compiled validator (jsonschema-rs) that decides which documents are valid,
  so that only the others are validated by ``jsonschema``, whose errors make the
  findings;
* the memory of values ``jsonschema``'s validator has found valid.
"""

from __future__ import annotations

import copy
import datetime
import json
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sphinx_gcpdeploy.checks import check_text, schema
from sphinx_gcpdeploy.findings import RULES, Finding
from sphinx_gcpdeploy.recipes import BUILTIN_DIR, load_recipes
from sphinx_gcpdeploy.render import Given, build_snippet
from sphinx_gcpdeploy.yamltree import Document, YamlProblem, parse

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
    # Every document to the full validator, which this test is about.
    monkeypatch.setattr(schema, "quickly_valid", lambda kind, data: False)

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
    monkeypatch.setattr(schema, "quickly_valid", lambda kind, data: False)
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


# --- the compiled validator -----------------------------------------------------


def documents() -> Iterator[tuple[str, Any]]:
    """(kind, data) for every document of the corpus that reads as YAML and has
    a schema."""
    for kind, text in corpus():
        if kind not in schema._TARGETS:
            continue
        try:
            yield kind, parse(text).data
        except YamlProblem:
            continue


def test_the_quick_and_the_full_validator_agree_on_the_corpus() -> None:
    verdicts = []
    for kind, data in documents():
        quick = schema.quickly_valid(kind, data)
        full = schema.validator(kind).is_valid(data)
        assert quick == full, (kind, json.dumps(data)[:300])
        verdicts.append(quick)
    assert True in verdicts and False in verdicts


def test_the_findings_are_the_same_without_the_quick_validator(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    items = list(corpus())
    with_it = findings(items)
    monkeypatch.setattr(schema, "quickly_valid", lambda kind, data: False)
    assert findings(items) == with_it


def test_the_quick_validator_is_used_for_every_kind() -> None:
    for kind, sample in schema._SAMPLES.items():
        assert schema.quick(kind) is not None
        assert schema.quickly_valid(kind, sample) is True


@pytest.mark.parametrize(
    "value",
    [{1: "one"}, datetime.date(2026, 12, 4), b"bytes"],
    ids=["number as key", "date", "bytes"],
)
def test_data_the_quick_validator_cannot_take_goes_to_the_full_one(
    value: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The YAML reader gives JSON-like data only; anything else (a caller of the
    # Python API, a future reader) must not raise, and is validated in full.
    data = {
        "on": "push",
        "jobs": {"deploy": {"runs-on": "ubuntu-latest", "env": value}},
    }
    assert schema.quickly_valid("github-workflow", data) is False
    document = Document(data, {}, [])
    full = schema.validator
    asked: list[str] = []

    def spy(kind: str) -> Any:
        asked.append(kind)
        return full(kind)

    with monkeypatch.context() as patch:
        patch.setattr(schema, "validator", spy)
        found = schema.check(document, "github-workflow")
    assert asked == ["github-workflow"]
    monkeypatch.setattr(schema, "quickly_valid", lambda kind, data: False)
    assert schema.check(document, "github-workflow") == found


def test_the_shipped_schemas_refer_to_nothing_outside_themselves() -> None:
    # The quick validator is refused any fetch; a reference out of the file would
    # fail every check, so the schemas must have none.
    for filename in ("github-workflows.json", "cloudbuild.json"):
        text = schema.schema_path(filename).read_text("utf-8")
        refs = re.findall(r'"\$ref"\s*:\s*"([^"]*)"', text)
        assert refs
        assert [ref for ref in refs if not ref.startswith("#")] == []


def test_a_fetch_is_refused() -> None:
    with pytest.raises(ValueError, match="fetches no schemas"):
        schema._no_retrieval("https://example.invalid/schema.json")


#: JSON values to put anywhere in a valid document.
VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**40), 2**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from(
        ["", "ubuntu-latest", "push", "read", "write", "x", "${{ github.sha }}", "1"]
    )
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                ["runs-on", "steps", "uses", "run", "with", "env", "name", "id", "if"]
            )
            | st.text(max_size=6),
            inner,
            max_size=3,
        )
    ),
    max_leaves=6,
)


def _paths(data: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _paths(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _paths(value, (*path, index))


def _replaced(data: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    changed = copy.deepcopy(data)
    parent = changed
    for part in path[:-1]:
        parent = parent[part]
    parent[path[-1]] = value
    return changed


@cache
def _bases() -> list[tuple[str, Any]]:
    """Valid documents of every kind, to break."""
    valid = [
        (kind, data)
        for kind, data in documents()
        if schema.validator(kind).is_valid(data)
    ]
    assert {kind for kind, _ in valid} == set(schema._TARGETS)
    return valid[::7]


@settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_the_quick_validator_never_passes_what_the_full_one_rejects(
    data: st.DataObject,
) -> None:
    # Each example: a valid document with one part, anywhere, replaced by any
    # JSON value. The fast path may only skip documents without errors.
    kind, base = data.draw(st.sampled_from(_bases()))
    path = data.draw(st.sampled_from(list(_paths(base))))
    document = _replaced(base, path, data.draw(VALUES))
    if schema.quickly_valid(kind, document):
        assert schema.validator(kind).is_valid(document), json.dumps(document)[:500]


# --- patterns, as Python reads them, for the compiled validator ------------------


def test_a_key_only_python_matches_is_not_lost() -> None:
    # Python's $ matches before a final newline, so jsonschema applies the
    # include schema of patternProperties to this key; read with ECMA-262's rules
    # the pattern would not match, the key would fall to additionalProperties, and
    # the compiled validator would pass the document.
    text = (
        "on: push\n"
        "jobs:\n"
        "  a:\n"
        "    runs-on: ubuntu-latest\n"
        "    strategy:\n"
        "      matrix:\n"
        '        "include\\n": [a]\n'
        "    steps:\n"
        "      - run: echo\n"
    )
    found = [f for f in check_text(text, "github-workflow") if f.rule == "schema"]
    assert found
    assert not schema.quickly_valid("github-workflow", parse(text).data)


def _patterns(value: Any) -> Iterator[str]:
    """Every pattern and patternProperties key in a schema, wherever it is."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "pattern" and isinstance(item, str):
                yield item
            if key == "patternProperties" and isinstance(item, dict):
                yield from item
            yield from _patterns(item)
    elif isinstance(value, list):
        for item in value:
            yield from _patterns(item)


SHIPPED_PATTERNS = sorted(
    {
        pattern
        for kind in ("github-workflow", "cloudbuild")
        for pattern in _patterns(schema.schema_for(kind))
    }
)
#: Patterns that use every construct ecma_pattern rewrites or keeps.
MADE_UP_PATTERNS = [
    r"^a.b$",
    r"^\d+(\.\d+)?$",
    r"[\d.]+x$",
    r"^[^\d$.]+$",
    r"^x(?=y)",
    r"^(?!no)[a-z-]+$",
    r"^(?:in|ex)clude$",
    r"\$\{\{(.|[\r\n])*\}\}",
    r"^\D\t\/$",
    r"^a{2,3}$",
]
#: Characters on which the two dialects differ, and some that they agree on.
TRICKY = st.lists(
    st.sampled_from(
        [
            *"abnoxyz-_.$/@{}0123456789\n\r\t ",
            *("\u2028", "\u2029", "\u0663", "\uff11", "\u00e9", "\u0301"),
            *("include", "branches", "-ignore", "${{", "}}", ".yml", "s"),
        ]
    ),
    max_size=10,
).map("".join)


def _ecma_matches(pattern: str, text: str) -> bool:
    import jsonschema_rs

    rewritten = schema.ecma_pattern(pattern)
    assert rewritten is not None, pattern
    checker = jsonschema_rs.validator_for({"type": "string", "pattern": rewritten})
    return bool(checker.is_valid(text))


def test_every_shipped_pattern_is_rewritten() -> None:
    assert len(SHIPPED_PATTERNS) >= 5
    for pattern in SHIPPED_PATTERNS:
        assert schema.ecma_pattern(pattern) is not None, pattern


@pytest.mark.parametrize("pattern", SHIPPED_PATTERNS + MADE_UP_PATTERNS)
@settings(max_examples=150, deadline=None)
@given(text=TRICKY)
def test_a_rewritten_pattern_matches_what_python_matches(
    pattern: str, text: str
) -> None:
    assert _ecma_matches(pattern, text) == bool(re.search(pattern, text))


@pytest.mark.parametrize(
    ("pattern", "text", "matches"),
    [
        ("^abc$", "abc\n", True),
        ("^abc$", "abc\n\n", False),
        ("^a.c$", "a\rc", True),
        ("^a.c$", "a\u2028c", True),
        ("^a.c$", "a\nc", False),
        (r"^\d$", "\u0663", True),
        (r"^\D$", "\u0663", False),
    ],
)
def test_where_the_dialects_differ(pattern: str, text: str, matches: bool) -> None:
    assert bool(re.search(pattern, text)) is matches
    assert _ecma_matches(pattern, text) is matches


@pytest.mark.parametrize(
    "pattern",
    [
        r"^\w+$",  # Unicode word characters: not the same set in both
        r"\s",
        r"\bword",
        r"(?P<name>x)",
        r"(?i)abc",
        r"(?<=a)b",
        r"[]a]",
        r"[a[b]]",
        r"[a&&b]",
        r"\1",
        r"[abc",
    ],
)
def test_what_cannot_be_rewritten_is_refused(pattern: str) -> None:
    assert schema.ecma_pattern(pattern) is None


def test_a_schema_with_a_pattern_that_cannot_be_rewritten_has_no_quick_check(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    odd = {"type": "object", "properties": {"name": {"pattern": r"^\w+$"}}}
    monkeypatch.setattr(schema, "schema_for", lambda kind: odd)
    schema.quick.cache_clear()
    try:
        assert schema.quick("github-workflow") is None
        assert schema.quickly_valid("github-workflow", {"name": "x"}) is False
    finally:
        schema.quick.cache_clear()


def test_property_names_are_not_taken_for_keywords() -> None:
    # "pattern" as the name of a property, and as data in an enum, stay as they are.
    odd = {
        "properties": {"pattern": {"type": "string", "pattern": "^a.$"}},
        "enum": [{"pattern": "(?P<x>"}],
    }
    rewritten = schema.ecma_schema(odd)
    assert rewritten["properties"]["pattern"]["pattern"] == "^a[^\\n](?=\\n?$)"
    assert rewritten["enum"] == [{"pattern": "(?P<x>"}]


@pytest.mark.parametrize(
    ("kind", "text"),
    [
        # U+11F50 is a digit since Unicode 15, which Python 3.11's tables
        # predate: jsonschema's \d does not match it, a newer \p{Nd} does.
        ("cloudbuild", 'steps:\n  - name: x\ntimeout: "\\U00011F50s"\n'),
        (
            "github-workflow",
            "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n"
            '    snapshot:\n      image-name: img\n      version: "\\U0001E4F0"\n'
            "    steps:\n      - run: echo\n",
        ),
    ],
    ids=["cloudbuild timeout", "workflow snapshot version"],
)
def test_a_document_that_is_not_ascii_is_validated_in_full(
    kind: str, text: str
) -> None:
    document = parse(text)
    assert document.ascii is False
    expected = not schema.validator(kind).is_valid(document.data)
    found = [item for item in check_text(text, kind) if item.rule == "schema"]
    assert bool(found) is expected
    if "\\U00011F50" in text:
        assert found  # Python's re reads no digit there


def test_an_ascii_document_is_not_validated_twice(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    text = (
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n"
        "    steps:\n      - run: x\n"
    )
    assert parse(text).ascii is True
    monkeypatch.setattr(schema, "validator", lambda kind: pytest.fail("not quick"))
    assert check_text(text, "github-workflow") == []


@pytest.mark.parametrize(
    ("text", "ascii"),
    [
        ("a: b\n", True),
        ("a: é\n", False),
        ("é: b\n", False),
        ('a: "\\u00e9"\n', False),
        ("a: [1, {b: c}]\n", True),
        ("a: [1, {b: ü}]\n", False),
        ("", True),
    ],
)
def test_the_reader_tells_whether_a_document_is_ascii(text: str, ascii: bool) -> None:
    assert parse(text).ascii is ascii
