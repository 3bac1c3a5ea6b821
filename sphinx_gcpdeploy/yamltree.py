"""Parse YAML into plain data plus the source position of every key and value.

The rules need two things from a YAML file: the data, typed as GitHub reads it
(YAML 1.2, so ``on`` is a string), and where each piece stands in the source, so a
finding can name a line and a column. PyYAML's C composer gives node marks quickly;
this module turns its node graph into data and a position table, refusing duplicate
keys and alias expansion without bound on the way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import yaml

try:  # The C composer is about twenty times faster; the pure one is the fallback.
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

Path = tuple[str | int, ...]

#: Nodes one document may expand to, aliases counted each time they are used.
#: Real workflows have a few thousand; an anchor bomb has billions.
MAX_NODES = 200_000

_INT = re.compile(r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+")
_FLOAT = re.compile(
    r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?"
    r"|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)"
)


class YamlProblem(Exception):
    """A document that cannot be read: syntax, duplicate keys, or too large."""

    def __init__(
        self,
        rule: str,
        message: str,
        line: int,
        column: int,
        key: str | None = None,
        first_line: int | None = None,
    ) -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message
        self.line = line
        self.column = column
        #: For a duplicate key: the key and the line it was first set on, so a
        #: reader of text embedded elsewhere can restate the line in its own terms.
        self.key = key
        self.first_line = first_line


def duplicate_key_message(key: str, first_line: int) -> str:
    """What to say of a key set twice, the first time on ``first_line``."""
    return (
        f"duplicate key {key!r}: it is already set on line {first_line}; keep one "
        "of the two"
    )


class Position(NamedTuple):
    """Where a key and its value stand: 1-based lines and columns. (A named
    tuple: one is made for every value of every document checked.)"""

    line: int
    column: int
    key_line: int
    key_column: int
    style: str | None = None


@dataclass
class Document:
    """Plain data and the position of every path in it."""

    data: Any
    positions: dict[Path, Position] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)
    #: Whether every key and text value is ASCII, as known when it was read
    #: (``False`` when not known).
    ascii: bool = False

    def at(self, path: Path) -> tuple[int, int]:
        """The line and column of the value at ``path``, or of its nearest parent."""
        while path not in self.positions and path:
            path = path[:-1]
        pos = self.positions.get(path)
        return (pos.line, pos.column) if pos else (1, 1)

    def key_at(self, path: Path) -> tuple[int, int]:
        """The line and column of the key that holds ``path``."""
        while path not in self.positions and path:
            path = path[:-1]
        pos = self.positions.get(path)
        return (pos.key_line, pos.key_column) if pos else (1, 1)

    def text_line(self, path: Path, index: int) -> tuple[int, int]:
        """Where line ``index`` of a string value stands in the source.

        In a literal block scalar (``|``) each line of the value is one line of the
        source, after the indicator line; elsewhere the value's own start is the best
        place there is.
        """
        pos = self.positions.get(path)
        if pos is None:
            return self.at(path)
        if pos.style == "|":
            line = pos.line + 1 + index
            text = self.lines[line - 1] if line <= len(self.lines) else ""
            return line, len(text) - len(text.lstrip(" ")) + 1
        return pos.line, pos.column

    def _block_indent(self, first: int) -> int:
        """The indentation of a block scalar whose content starts on line
        ``first``: that of its first line that is not blank."""
        for text in self.lines[first - 1 :]:
            if text.strip():
                return len(text) - len(text.lstrip(" "))
        return 0

    def offset_at(self, path: Path, value: str, offset: int) -> tuple[int, int]:
        """Where character ``offset`` of the string ``value`` at ``path`` stands.

        Exact for one-line values and literal block scalars; the first line of a
        folded block scalar; for other multi-line values, the start of the value.
        """
        pos = self.positions.get(path)
        if pos is None:
            return self.at(path)
        index = value.count("\n", 0, offset)
        column = offset - (value.rfind("\n", 0, offset) + 1)
        if pos.style == "|":
            line = pos.line + 1 + index
            return line, self._block_indent(pos.line + 1) + 1 + column
        if pos.style == ">":
            # Folding joins source lines, so an offset no longer maps to a column;
            # the first line of the value is the nearest exact place.
            return pos.line + 1, self._block_indent(pos.line + 1) + 1
        if index == 0 and "\n" not in value:
            quote = 1 if pos.style in ("'", '"') else 0
            return pos.line, pos.column + quote + column
        return pos.line, pos.column


_STR = "tag:yaml.org,2002:str"
_MERGE = "tag:yaml.org,2002:merge"
#: The tag of a plain scalar without one of its own, which :func:`_scalar` resolves.
_PLAIN = "tag:sphinx-gcpdeploy,2026:plain"


class _Reader(_Loader):
    """The loader, leaving plain scalars to :func:`_scalar`.

    PyYAML resolves every plain scalar by YAML 1.1's rules, a regular expression
    per candidate type; this package reads YAML 1.2 and resolves them again
    anyway, so here they only get a tag that says they had none. A scalar with a
    tag of its own (``!!str 123``) is never passed here, and keeps it; quoted
    scalars are text, as PyYAML has them.
    """

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is yaml.ScalarNode and implicit[0]:
            return _MERGE if value == "<<" else _PLAIN
        return super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]


def _tagged_text(node: yaml.ScalarNode) -> bool:
    """Whether a plain scalar is text by a tag of its own (``!!str``)."""
    return bool(node.tag == _STR)


def _scalar(node: yaml.ScalarNode) -> Any:
    """Resolve a scalar as YAML 1.2's core schema does."""
    value = node.value
    if node.style:  # quoted or block scalars are always strings
        return value
    if _tagged_text(node):  # ``!!str 123`` is text, as YAML says
        return value
    if value in ("", "~", "null", "Null", "NULL"):
        return None
    if value in ("true", "True", "TRUE"):
        return True
    if value in ("false", "False", "FALSE"):
        return False
    if _INT.fullmatch(value):
        try:
            return int(value, 0) if value[:2] in ("0o", "0x") else int(value)
        except ValueError:
            return value
    if _FLOAT.fullmatch(value):
        try:
            return float(value.replace(".inf", "inf").replace(".nan", "nan"))
        except ValueError:
            return value
    return value


class _Builder:
    def __init__(self) -> None:
        self.positions: dict[Path, Position] = {}
        self.count = 0
        self.ascii = True

    def build(self, node: yaml.Node, path: Path, key_mark: yaml.Mark | None) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise YamlProblem(
                "yaml-size",
                f"the document expands to more than {MAX_NODES} values, "
                "likely through nested aliases; write it out without them",
                node.start_mark.line + 1,
                node.start_mark.column + 1,
            )
        mark = node.start_mark
        km = key_mark or mark
        style = getattr(node, "style", None)
        self.positions[path] = Position(
            mark.line + 1, mark.column + 1, km.line + 1, km.column + 1, style
        )
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [
                self.build(item, (*path, index), None)
                for index, item in enumerate(node.value)
            ]
        if isinstance(node, yaml.ScalarNode):
            if self.ascii and not node.value.isascii():
                self.ascii = False
            return _scalar(node)
        return None

    def _mapping(self, node: yaml.MappingNode, path: Path) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                merged = self.build(value_node, path, None)
                if isinstance(merged, dict):
                    for k, v in merged.items():
                        result.setdefault(k, v)
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                raise YamlProblem(
                    "yaml-syntax",
                    "a mapping key must be a plain value, not a list or a mapping",
                    key_node.start_mark.line + 1,
                    key_node.start_mark.column + 1,
                )
            key = key_node.value
            if self.ascii and not key.isascii():
                self.ascii = False
            if key in result:
                first = self.positions[(*path, key)]
                raise YamlProblem(
                    "yaml-duplicate-key",
                    duplicate_key_message(key, first.key_line),
                    key_node.start_mark.line + 1,
                    key_node.start_mark.column + 1,
                    key,
                    first.key_line,
                )
            result[key] = self.build(value_node, (*path, key), key_node.start_mark)
        return result


def parse(text: str) -> Document:
    """Parse one YAML document; raise :class:`YamlProblem` when it cannot be read."""
    try:
        root = yaml.compose(text, Loader=_Reader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = error.problem or "the text is not valid YAML"
        if error.context:
            problem = f"{error.context}, {problem}"
        raise YamlProblem(
            "yaml-syntax", f"YAML syntax: {problem}", line, column
        ) from None
    except yaml.YAMLError as error:
        raise YamlProblem("yaml-syntax", f"YAML syntax: {error}", 1, 1) from None
    except RecursionError:
        raise YamlProblem(
            "yaml-size", "the document nests too deeply to be read", 1, 1
        ) from None
    if root is None:
        return Document(None, {}, text.splitlines(), True)
    builder = _Builder()
    try:
        data = builder.build(root, (), None)
    except RecursionError:
        raise YamlProblem(
            "yaml-size", "the document nests too deeply to be read", 1, 1
        ) from None
    return Document(data, builder.positions, text.splitlines(), builder.ascii)
