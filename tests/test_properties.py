"""Property tests of the value guard: any text given as any ``str`` parameter of any
built-in recipe, in any format, either lands in the snippet exactly as given, or is
refused with an error at that parameter's line.

"Exactly as given" is checked by structure, not by searching the text: the snippet
rendered with the value must read back (as YAML, Python or shell words) as the
snippet rendered with a harmless placeholder, with the placeholder replaced by the
value. A value that adds a key, ends a string, starts a comment or splits a word
changes that structure and fails the property unless it was refused.
"""

from __future__ import annotations

import ast
import shlex
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from sphinx_gcpdeploy.recipes import builtin_recipes
from sphinx_gcpdeploy.render import Given, Snippet, build_snippet
from sphinx_gcpdeploy.yamltree import YamlProblem, parse

PLACEHOLDER = "zqplaceholderzq"
LINE = 1

YAML_KINDS = ("github-steps", "github-workflow", "cloudbuild")


def _cases() -> list[tuple[str, str, str]]:
    """Every (recipe, format, parameter) where the parameter is text and is used."""
    cases = []
    for recipe in builtin_recipes().values():
        for format_name in recipe.formats:
            for parameter in recipe.parameters.values():
                if (
                    parameter.type == "str"
                    and not parameter.choices
                    and parameter.applies_to(format_name)
                ):
                    cases.append((recipe.name, format_name, parameter.name))
    return cases


CASES = _cases()
KINDS = {
    (recipe.name, name): chosen.check
    for recipe in builtin_recipes().values()
    for name, chosen in recipe.formats.items()
}

#: Pieces that mean something to YAML, Python, the shell or GitHub, so generated
#: values hit the guard's edges far more often than random text would.
PIECES = [
    ": ",
    " #",
    "#",
    ":",
    "-",
    "'",
    '"',
    "\\",
    "\n",
    "\r",
    "\t",
    " ",
    "${{ ",
    " }}",
    "${{ github.event.issue.title }}",
    "$(",
    "$",
    "{",
    "}",
    "[",
    "]",
    ",",
    "&",
    "*",
    "!",
    "|",
    ">",
    "%",
    "@",
    "`",
    ";",
    "é",
    "\u2028",
    "\x85",
    "\ufeff",
    "\U0001f680",
    "0",
    "1e3",
    "true",
    "null",
    "~",
    "...",
    "---",
    "a",
    "shop",
]

VALUES = st.one_of(
    st.text(max_size=40),
    st.lists(st.sampled_from(PIECES), max_size=8).map("".join),
    st.builds(
        lambda head, tail, size: head + "a" * size + tail,
        st.sampled_from(["", "x", "${{ x }}"]),
        st.sampled_from(["", "z", " #", ": y"]),
        st.integers(min_value=100, max_value=2_000),
    ),
)


def render(recipe: str, format_name: str, name: str, value: str) -> Snippet:
    return build_snippet(
        builtin_recipes(), recipe, format_name, {name: Given(name, value, LINE)}
    )


def _replace(data: Any, value: str) -> Any:
    """``data`` with the placeholder replaced by ``value`` in every string."""
    if isinstance(data, str):
        return data.replace(PLACEHOLDER, value)
    if isinstance(data, list):
        return [_replace(item, value) for item in data]
    if isinstance(data, dict):
        return {_replace(k, value): _replace(v, value) for k, v in data.items()}
    return data


def _python_strings(text: str) -> list[str]:
    return [
        node.value
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]


def _shell_words(text: str) -> list[list[str]]:
    lines = text.replace("\\\n", " ").splitlines()
    return [shlex.split(line, comments=True) for line in lines]


def read_back(kind: str, text: str) -> Any:
    """The structure of a snippet of ``kind``, as its reader sees it."""
    if kind in YAML_KINDS:
        return parse(text).data
    if kind == "python":
        return ast.dump(ast.parse(text)), _python_strings(text)
    if kind == "bash":
        return _shell_words(text)
    return text


def expected(kind: str, reference: str, value: str) -> Any:
    """What ``read_back`` must give for the snippet rendered with ``value``."""
    if kind in YAML_KINDS:
        return _replace(parse(reference).data, value)
    if kind == "python":
        tree = ast.parse(reference)
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                node.value = node.value.replace(PLACEHOLDER, value)
        return ast.dump(tree), _replace(_python_strings(reference), value)
    if kind == "bash":
        return _replace(_shell_words(reference), value)
    return reference.replace(PLACEHOLDER, value)


def refused_at_its_line(snippet: Snippet) -> bool:
    return any(
        item.content_line == LINE and item.finding.level == "error"
        for item in snippet.problems
    )


def assert_exact_or_refused(recipe: str, format_name: str, name: str, value: str):
    kind = KINDS[(recipe, format_name)]
    snippet = render(recipe, format_name, name, value)
    if snippet.text is None:
        assert refused_at_its_line(snippet), snippet.problems
        return
    reference = render(recipe, format_name, name, PLACEHOLDER)
    assert reference.text is not None
    try:
        back = read_back(kind, snippet.text)
    except (YamlProblem, SyntaxError, ValueError):
        # Rendered but unreadable: only acceptable with an error at the line.
        assert refused_at_its_line(snippet), snippet.problems
        return
    if back != expected(kind, reference.text, value):
        assert refused_at_its_line(snippet), (value, snippet.text)


@pytest.mark.parametrize(("recipe", "format_name", "name"), CASES)
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(value=VALUES)
@example(value="rev-${{ a #b }}")
@example(value="${{ a: b }}")
@example(value="a\u2028b")
@example(value="a\u2029b")
@example(value='a";curl x;"')
@example(value="${{ github.event.issue.title }}")
def test_any_value_is_written_exactly_or_refused_at_its_line(
    recipe: str, format_name: str, name: str, value: str
) -> None:
    assert_exact_or_refused(recipe, format_name, name, value)


FIRST_OF_EACH_FORMAT = sorted(
    {(recipe, format_name): name for recipe, format_name, name in CASES}.items()
)


@pytest.mark.parametrize(("where", "name"), FIRST_OF_EACH_FORMAT)
@pytest.mark.parametrize("value", ["x" * 100_000, "${{ x }}" + "a" * 100_000])
def test_a_very_long_value_is_written_exactly_or_refused(
    where: tuple[str, str], name: str, value: str
) -> None:
    assert_exact_or_refused(*where, name, value)


def test_every_kind_of_snippet_is_covered() -> None:
    """The property runs over YAML, Python and shell formats alike, so a new kind
    cannot slip in untested."""
    kinds = {KINDS[(recipe, format_name)] for recipe, format_name, _ in CASES}
    assert kinds <= {*YAML_KINDS, "python", "bash"}
    assert {"github-steps", "github-workflow"} <= kinds
