"""Check documents against SchemaStore's schemas, as shipped by check-jsonschema.

The schemas are read from the installed ``check-jsonschema`` package without
importing it (importing it costs more than the whole check).

Each document whose keys and text are all ASCII is first put to a compiled
validator (jsonschema-rs), which only says whether it is valid; most documents
are, and that is the whole check for them. A document it rejects, or cannot
take, or that is not ASCII, is validated by the ``jsonschema`` package, whose
errors (paths, alternatives, best match) make the findings. So the findings are
always ``jsonschema``'s: the compiled validator only decides when there are
none. That validator is also compiled once per process, and remembers which
parts of a document it has already found valid (see :func:`_remembering_ref`).
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..findings import Finding, finding, rule
from ..yamltree import Document

if TYPE_CHECKING:  # imported when a document has errors, not before
    import jsonschema

SCHEMA = rule(
    "schema",
    "The document matches SchemaStore's schema for its kind.",
    topic="Reading the file",
    explanation=(
        "The community-maintained JSON schema for workflow files catches keys in "
        "the wrong place, values of the wrong type and missing required keys, "
        "such as a job without runs-on. It accepts any with: keys and knows "
        "nothing of steps, jobs or Cloud Run: the other rules do that."
    ),
    kind="github-workflow",
    bad=("on: push\njobs:\n  deploy:\n    steps:\n      - run: echo deploying\n"),
    where=(4, 5),
    good=(
        "on: push\n"
        "jobs:\n"
        "  deploy:\n"
        "    runs-on: ubuntu-latest\n"
        "    steps:\n"
        "      - run: echo deploying\n"
    ),
)

#: Which schema file, and which part of it, each kind of document is checked against.
_TARGETS: dict[str, tuple[str, str | None]] = {
    "github-workflow": ("github-workflows.json", None),
    "github-steps": (
        "github-workflows.json",
        "#/definitions/normalJob/properties/steps",
    ),
    "cloudbuild": ("cloudbuild.json", None),
}


class SchemaUnavailable(RuntimeError):
    """The check-jsonschema package, or its schema file, is not installed."""


def schema_path(filename: str) -> Path:
    """Where the installed check-jsonschema keeps SchemaStore's ``filename``."""
    spec = importlib.util.find_spec("check_jsonschema")
    if spec is None or not spec.submodule_search_locations:
        raise SchemaUnavailable(
            "check-jsonschema is not installed; install sphinx-gcpdeploy with its "
            "dependencies"
        )
    base = Path(next(iter(spec.submodule_search_locations)))
    path = base / "builtin_schemas" / "vendor" / filename
    if not path.is_file():
        raise SchemaUnavailable(f"check-jsonschema has no schema {filename!r}")
    return path


#: How many valid (reference, value) pairs one validator remembers; past that it
#: starts afresh, so a long-lived process (an auto-rebuilding server) stays small.
REMEMBERED = 20_000


def _remembering_ref(original: Any, valid: set[tuple[str, str]]) -> Any:
    """A ``$ref`` keyword that skips values already found valid against the same
    reference, and otherwise does what ``original`` does.

    Validation is most of the cost of checking a workflow, and most of it is spent
    under ``$ref``: every step, ``env`` and ``with:`` mapping, permission and event
    goes through one. The same step (checkout, auth, setup-gcloud) recurs in every
    file and every snippet, so each distinct value is validated once per reference.
    Only a value that gave no error is remembered: whether a value matches a
    definition depends on nothing but the two (the schemas have no nested ``$id``,
    checked in :func:`validator`), so skipping it yields exactly the errors a full
    validation yields. A value with errors is validated again each time, which
    keeps every error's path and context exactly as before. A validation stopped
    early (``is_valid`` stops at the first error) remembers nothing.
    """

    def ref(
        validator: Any, ref: str, instance: Any, schema: Any
    ) -> Iterator[jsonschema.ValidationError]:
        try:
            key = (ref, json.dumps(instance, sort_keys=True, separators=(",", ":")))
        except (TypeError, ValueError):  # not JSON data: validate it every time
            yield from original(validator, ref, instance, schema)
            return
        if key in valid:
            return
        failed = False
        for error in original(validator, ref, instance, schema):
            failed = True
            yield error
        if not failed:
            if len(valid) >= REMEMBERED:
                valid.clear()
            valid.add(key)

    return ref


def _has_nested_id(schema: Any, top: bool = True) -> bool:
    """Whether a subschema sets its own ``$id`` (``id`` in older drafts), which
    would make a reference's meaning depend on where it is used."""
    if isinstance(schema, dict):
        if not top and ("$id" in schema or isinstance(schema.get("id"), str)):
            return True
        return any(_has_nested_id(value, False) for value in schema.values())
    if isinstance(schema, list):
        return any(_has_nested_id(value, False) for value in schema)
    return False


@cache
def schema_for(kind: str) -> dict[str, Any]:
    """The schema documents of ``kind`` are checked against, read on first use."""
    filename, pointer = _TARGETS[kind]
    schema: dict[str, Any] = json.loads(schema_path(filename).read_text("utf-8"))
    if pointer is not None:
        schema = {
            "$schema": schema.get("$schema"),
            "definitions": schema.get("definitions", {}),
            "$ref": pointer,
        }
    return schema


def _no_retrieval(uri: str) -> Any:
    """The compiled validator's way to fetch a schema it does not have: refused.
    The shipped schemas refer to nothing outside themselves (tested), and a check
    never goes on the network."""
    raise ValueError(f"sphinx-gcpdeploy fetches no schemas ({uri})")


# --- Python's regular expressions, written for the compiled validator ----------

#: Escapes that mean the same to Python's ``re`` and to ECMA-262 regular
#: expressions, which jsonschema-rs follows: characters standing for themselves.
_SAME_ESCAPES = frozenset("nrtfv\\.$^{}()[]*+?|/-")
#: Escapes that mean something else in ECMA-262, and what Python means by them.
_ESCAPES = {"d": r"\p{Nd}", "D": r"\P{Nd}"}
#: Group openings that mean the same in both.
_GROUPS = ("(?:", "(?=", "(?!")


def ecma_pattern(pattern: str) -> str | None:
    """``pattern``, a Python regular expression as ``jsonschema`` reads schemas,
    rewritten to match exactly the same strings under ECMA-262's rules; ``None``
    when it uses anything this does not know to rewrite.

    The two differ where it matters here: Python's ``$`` also matches before a
    final newline, its ``.`` matches carriage returns and Unicode line
    separators, and its ``\\d`` any Unicode digit. A schema whose patterns match
    fewer strings in the compiled validator could make it pass a document that
    ``jsonschema`` rejects (a key that ``patternProperties`` no longer covers, a
    second ``oneOf`` branch that no longer matches), so every pattern is
    rewritten or the compiled validator is not used at all. The two may still
    know different versions of Unicode, which is why only ASCII documents are
    put to the compiled validator (see :func:`check`).
    """
    out: list[str] = []
    index = 0
    in_class = False
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            following = pattern[index + 1 : index + 2]
            if following in _ESCAPES:
                out.append(_ESCAPES[following])
            elif following and following in _SAME_ESCAPES:
                out.append(char + following)
            else:
                return None
            index += 2
            continue
        if in_class:
            if char == "[" or pattern.startswith(("&&", "--", "~~"), index):
                return None  # a nested class or a set operation to the other side
            if char == "]":
                in_class = False
            out.append(char)
        elif char == "[":
            start = index + 2 if pattern.startswith("[^", index) else index + 1
            if pattern[start : start + 1] == "]":
                return None  # Python reads a literal ], ECMA-262 an empty class
            out.append(pattern[index:start])
            index = start
            in_class = True
            continue
        elif char == ".":
            out.append("[^\\n]")
        elif char == "$":
            out.append("(?=\\n?$)")
        elif char == "(" and pattern.startswith("(?", index):
            group = next(
                (item for item in _GROUPS if pattern.startswith(item, index)), None
            )
            if group is None:
                return None  # named groups, flags, look-behind
            out.append(group)
            index += len(group)
            continue
        else:
            out.append(char)
        index += 1
    return None if in_class else "".join(out)


#: Keywords whose value is a schema, a list of schemas, or a mapping of names to
#: schemas (JSON Schema draft 7, which the shipped schemas use).
_SUBSCHEMA = ("additionalProperties", "additionalItems", "contains", "propertyNames",
              "not", "if", "then", "else")  # fmt: skip
_SUBSCHEMAS = ("items", "allOf", "anyOf", "oneOf")
_NAMED_SUBSCHEMAS = ("properties", "definitions", "$defs", "dependencies")


def ecma_schema(schema: Any) -> Any:
    """``schema`` with every ``pattern`` and ``patternProperties`` key rewritten by
    :func:`ecma_pattern`; ``None`` when one of them cannot be."""
    if not isinstance(schema, dict):
        return schema  # true, false, or a dependency's list of names
    copy = dict(schema)
    if isinstance(schema.get("pattern"), str):
        copy["pattern"] = ecma_pattern(schema["pattern"])
        if copy["pattern"] is None:
            return None
    if isinstance(schema.get("patternProperties"), dict):
        rewritten = {}
        for key, value in schema["patternProperties"].items():
            pattern, sub = ecma_pattern(key), ecma_schema(value)
            if pattern is None or sub is None:
                return None
            rewritten[pattern] = sub
        copy["patternProperties"] = rewritten
    for keyword in _SUBSCHEMA:
        if keyword in schema:
            copy[keyword] = ecma_schema(schema[keyword])
            if copy[keyword] is None:
                return None
    for keyword in _SUBSCHEMAS:
        value = schema.get(keyword)
        items = value if isinstance(value, list) else [value] if value else []
        rewritten_items = [ecma_schema(item) for item in items]
        if any(item is None for item in rewritten_items):
            return None
        if isinstance(value, list):
            copy[keyword] = rewritten_items
        elif value:
            copy[keyword] = rewritten_items[0]
    for keyword in _NAMED_SUBSCHEMAS:
        value = schema.get(keyword)
        if isinstance(value, dict):
            named = {name: ecma_schema(item) for name, item in value.items()}
            if any(item is None for item in named.values()):
                return None
            copy[keyword] = named
    return copy


@cache
def quick(kind: str) -> Callable[[Any], bool] | None:
    """Whether a document of ``kind`` is valid, from the compiled validator; ``None``
    when jsonschema-rs cannot be imported here or the schema has a pattern
    :func:`ecma_pattern` cannot rewrite, and every document then goes to
    :func:`validator`.

    Formats are not asserted, as ``jsonschema`` does not assert them either.
    """
    try:
        import jsonschema_rs
    except ImportError:
        return None
    schema = ecma_schema(schema_for(kind))
    if schema is None:
        return None
    try:
        compiled = jsonschema_rs.validator_for(
            schema, validate_formats=False, retriever=_no_retrieval
        )
    except Exception:  # a schema it cannot compile: the full validator reads all
        return None
    return compiled.is_valid


def quickly_valid(kind: str, data: Any) -> bool:
    """Whether the compiled validator finds ``data`` valid. Data it cannot take
    (a mapping with keys that are not text, a number past 64 bits) counts as not
    valid, so the full validation decides."""
    is_valid = quick(kind)
    if is_valid is None:
        return False
    try:
        return is_valid(data)
    except Exception:  # whatever it refuses, the full validation reads
        return False


@cache
def validator(kind: str) -> jsonschema.protocols.Validator:
    """The validator whose errors make the findings, built on first use."""
    import jsonschema

    schema = schema_for(kind)
    cls = jsonschema.validators.validator_for(schema)
    if not _has_nested_id(schema):
        ref = _remembering_ref(cls.VALIDATORS["$ref"], set())
        extend = jsonschema.validators.extend
        cls = extend(cls, {"$ref": ref})  # type: ignore[no-untyped-call]
    return cls(schema)


#: A small valid document of each kind, to prime a validator's reference lookups.
_SAMPLES: dict[str, Any] = {
    "github-workflow": {
        "on": "push",
        "jobs": {"a": {"runs-on": "ubuntu-latest", "steps": [{"run": "true"}]}},
    },
    "github-steps": [{"uses": "actions/checkout@v7", "with": {"path": "x"}}],
    "cloudbuild": {"steps": [{"name": "x", "args": ["y"]}]},
}


def prepare() -> None:
    """Compile every quick validator now and run it once, so that processes forked
    afterwards (Sphinx's parallel readers) inherit the work instead of each
    repeating it. The full validators are built when a document first has
    errors."""
    for kind, sample in _SAMPLES.items():
        quickly_valid(kind, sample)


def _describe(error: jsonschema.ValidationError) -> jsonschema.ValidationError:
    """The most telling error inside a ``oneOf``/``anyOf`` failure."""
    if error.context:
        from jsonschema.exceptions import best_match

        deepest: jsonschema.ValidationError | None = best_match(error.context)
        if deepest is not None:
            return deepest
    return error


def _text(error: jsonschema.ValidationError) -> str:
    instance = error.instance
    if isinstance(instance, dict) and "uses" in instance and "run" in instance:
        # The schema's own words here list both alternatives in full.
        return (
            "a step either uses an action or runs a script, not both; split it "
            "into two steps"
        )
    path = "".join(
        f"[{part}]" if isinstance(part, int) else f".{part}"
        for part in error.absolute_path
    ).lstrip(".")
    where = f"at {path}: " if path else ""
    message = error.message
    if len(message) > 200:
        message = message[:197] + "..."
    return f"{where}{message}"


def check(document: Document, kind: str) -> list[Finding]:
    """Validate ``document`` against the schema for ``kind``."""
    if kind not in _TARGETS:
        return []
    # Only for ASCII documents: Python and jsonschema-rs may read Unicode by
    # different versions of its tables (a digit added in Unicode 15 is \d to
    # one and not to the other), and on ASCII the two agree.
    if document.ascii and quickly_valid(kind, document.data):
        return []
    found = []
    for error in validator(kind).iter_errors(document.data):
        error = _describe(error)
        path = tuple(error.absolute_path)
        where = document.at(path)
        if error.validator == "additionalProperties" and path in document.positions:
            instance = error.instance
            schema = error.schema
            allowed = schema.get("properties", {}) if isinstance(schema, dict) else {}
            extra = [
                key
                for key in (instance if isinstance(instance, dict) else {})
                if key not in allowed
            ]
            if extra:
                where = document.key_at((*path, extra[0]))
        found.append(
            finding(
                SCHEMA,
                f"{_text(error)}; see the GitHub workflow syntax reference"
                if kind.startswith("github")
                else _text(error),
                where,
            )
        )
    return found
