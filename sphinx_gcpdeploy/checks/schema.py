"""Check documents against SchemaStore's schemas, as shipped by check-jsonschema.

The schemas are read from the installed ``check-jsonschema`` package without
importing it (importing it costs more than the whole check).

Each document is first put to a compiled validator (jsonschema-rs), which only
says whether it is valid; most documents are, and that is the whole check for
them. A document it rejects, or cannot take, is validated again by the
``jsonschema`` package, whose errors (paths, alternatives, best match) make the
findings. So the findings are always ``jsonschema``'s: the compiled validator only
decides when there are none. That validator is also compiled once per process,
and remembers which parts of a document it has already found valid (see
:func:`_remembering_ref`).
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


@cache
def quick(kind: str) -> Callable[[Any], bool] | None:
    """Whether a document of ``kind`` is valid, from the compiled validator; ``None``
    when jsonschema-rs cannot be imported here, and every document then goes to
    :func:`validator`.

    Formats are not asserted, as ``jsonschema`` does not assert them either.
    """
    try:
        import jsonschema_rs
    except ImportError:
        return None
    compiled = jsonschema_rs.validator_for(
        schema_for(kind), validate_formats=False, retriever=_no_retrieval
    )
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
    if kind not in _TARGETS or quickly_valid(kind, document.data):
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
