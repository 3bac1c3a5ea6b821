"""The YAML reader: data as GitHub reads it, positions, and refusals."""

from __future__ import annotations

import pytest

from sphinx_gcpdeploy.yamltree import MAX_NODES, YamlProblem, parse


def test_on_stays_a_string_and_yaml_12_scalars() -> None:
    document = parse("on: push\nyes: no\nn: 012\nf: 1.5\nq: '1'\nz: ~\nb: true\n")
    assert document.data == {
        "on": "push",
        "yes": "no",
        "n": 12,
        "f": 1.5,
        "q": "1",
        "z": None,
        "b": True,
    }


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("v: !!str 123", "123"),
        ("v: !!str true", "true"),
        ('v: "123"', "123"),
        ("v: |\n  123\n", "123\n"),
        ("v: 123", 123),
        ("v: 0x1f", 31),
        ("v: .inf", float("inf")),
        ("v: off", "off"),
        ("v: 2026-12-04", "2026-12-04"),
        ("v: !!int 7", 7),
        ("v: <<", "<<"),
    ],
)
def test_tags_of_their_own_and_plain_scalars(text: str, value: object) -> None:
    # A scalar's own tag keeps it text; a plain one is read by YAML 1.2's rules,
    # not PyYAML's 1.1 ones (no booleans for off, no dates).
    assert parse(text).data == {"v": value}


def test_a_merge_key_merges() -> None:
    document = parse("base: &b\n  a: 1\nuse:\n  <<: *b\n  c: 2\n")
    assert document.data["use"] == {"a": 1, "c": 2}


def test_positions_of_keys_and_values() -> None:
    document = parse("jobs:\n  build:\n    runs-on: ubuntu-latest\n")
    assert document.at(("jobs", "build", "runs-on")) == (3, 14)
    assert document.key_at(("jobs", "build", "runs-on")) == (3, 5)
    # a path that does not exist falls back to its nearest parent
    assert document.at(("jobs", "build", "steps", 0)) == (3, 5)


def test_lines_inside_a_literal_block_scalar() -> None:
    text = "run: |\n  echo one\n    echo two\n"
    document = parse(text)
    value = document.data["run"]
    assert document.text_line(("run",), 1) == (3, 5)
    assert document.offset_at(("run",), value, value.index("two")) == (3, 10)


def test_offset_in_a_quoted_one_line_value() -> None:
    document = parse('a: "x-y"\n')
    assert document.offset_at(("a",), "x-y", 2) == (1, 7)


def test_duplicate_key_is_refused_at_the_second_key() -> None:
    with pytest.raises(YamlProblem) as raised:
        parse("a: 1\nb: 2\na: 3\n")
    assert (raised.value.rule, raised.value.line, raised.value.column) == (
        "yaml-duplicate-key",
        3,
        1,
    )
    assert raised.value.message == (
        "duplicate key 'a': it is already set on line 1; keep one of the two"
    )


def test_syntax_error_is_located() -> None:
    with pytest.raises(YamlProblem) as raised:
        parse("a:\n  - b\n c: d\n")
    assert raised.value.rule == "yaml-syntax"
    assert raised.value.line == 3
    assert raised.value.message.startswith("YAML syntax: ")


def test_alias_bomb_is_cut_off() -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for index in range(1, 9):
        previous, name = chr(96 + index), chr(97 + index)
        lines.append(f"{name}: &{name} [{', '.join([f'*{previous}'] * 10)}]")
    with pytest.raises(YamlProblem) as raised:
        parse("\n".join(lines) + "\n")
    assert raised.value.rule == "yaml-size"
    assert str(MAX_NODES) in raised.value.message


def test_empty_document_is_none() -> None:
    assert parse("").data is None
    assert parse("# only a comment\n").data is None
