"""Recipes: named deployments, each with its parameters and formats, declared once.

A recipe is a directory holding ``recipe.yaml`` and one Jinja template per format.
``recipe.yaml`` declares every parameter (type, default, whether required, a
description) and every format (its template, its highlight language, and the kind
of document its output is checked as). The built-in recipes live in this package's
``recipes`` directory; a project can add directories of its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from .findings import rule
from .yamltree import Document, YamlProblem, parse

RECIPE = rule("recipe", "Every recipe directory holds a valid recipe declaration.")

BUILTIN_DIR = Path(__file__).parent / "recipes"

#: Parameter types a recipe may declare, with the Python types that satisfy them.
TYPES: dict[str, tuple[type, ...]] = {"str": (str,), "int": (int,), "bool": (bool,)}

#: What each check kind is highlighted as when a format does not say.
CHECK_KINDS = (
    "github-steps",
    "github-workflow",
    "cloudbuild",
    "bash",
    "python",
    "none",
)

#: How formats are named on tabs when a recipe does not give a label.
FORMAT_LABELS = {
    "github-actions": "GitHub Actions",
    "github-workflow": "GitHub workflow",
    "gcloud": "gcloud",
    "cloudbuild": "Cloud Build",
    "python": "Django settings",
}

_NAME = re.compile(r"[a-z][a-z0-9-]*")
_PARAMETER = re.compile(r"[a-z_][a-z0-9_]*")


class RecipeError(Exception):
    """A recipe declaration that cannot be used, with where the problem is."""

    def __init__(self, path: Path, line: int, message: str) -> None:
        # Line 0: the problem is the path itself, not a line in it.
        super().__init__(f"{path}:{line}: {message}" if line else f"{path}: {message}")
        self.path = path
        self.line = line
        self.message = message


@dataclass(frozen=True)
class Parameter:
    """One parameter of a recipe.

    ``expression_length`` bounds the length of the value when it is a single
    ``${{ }}`` expression, so length rules can still judge names built from it.
    ``formats`` lists the formats that use it; empty means all of them.
    ``choices``, when not empty, lists every value the parameter may take;
    ``pattern``, a regular expression every text value must match whole.
    """

    name: str
    type: str
    description: str
    default: Any = None
    required: bool = False
    formats: tuple[str, ...] = ()
    expression_length: int | None = None
    expression_starts_with_letter: bool | None = None
    choices: tuple[Any, ...] = ()
    pattern: str | None = None

    def matches(self, value: Any) -> bool:
        """Whether a text ``value`` matches the pattern, when there is one."""
        if self.pattern is None or not isinstance(value, str):
            return True
        return re.fullmatch(self.pattern, value) is not None

    def accepts(self, value: Any) -> bool:
        """Whether ``value`` is of this parameter's type (``True`` is no ``int``)."""
        if self.type == "int" and isinstance(value, bool):
            return False
        return isinstance(value, TYPES[self.type])

    def allows(self, value: Any) -> bool:
        """Whether ``value`` is one of the choices, when there are choices."""
        return not self.choices or value in self.choices

    def applies_to(self, format_name: str) -> bool:
        return not self.formats or format_name in self.formats


@dataclass(frozen=True)
class Format:
    """One way to render a recipe: its template and how to check and show it."""

    name: str
    template: str
    language: str
    check: str
    filename: str
    description: str = ""
    label: str = ""

    @property
    def title(self) -> str:
        """How a tab or a heading names this format."""
        return self.label or FORMAT_LABELS.get(self.name, self.name)


@dataclass(frozen=True)
class Recipe:
    """A deployment with its parameters and formats, as declared in its directory."""

    name: str
    summary: str
    directory: Path
    formats: dict[str, Format] = field(default_factory=dict)
    parameters: dict[str, Parameter] = field(default_factory=dict)

    @property
    def default_format(self) -> str:
        return next(iter(self.formats))


def _require(
    document: Document,
    path: tuple[str, ...],
    kinds: type | tuple[type, ...],
    file: Path,
) -> Any:
    value: Any = document.data
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    if not isinstance(value, kinds):
        names = (
            kinds.__name__
            if isinstance(kinds, type)
            else "/".join(kind.__name__ for kind in kinds)
        )
        what = ".".join(path) or "the declaration"
        names = {"dict": "mapping", "str": "text", "list": "list"}.get(names, names)
        raise RecipeError(file, document.at(path)[0], f"{what} must be a {names}")
    return value


#: The keys a declaration may use: any other is a typo that would be ignored.
RECIPE_KEYS = ("summary", "formats", "parameters")
FORMAT_KEYS = ("template", "language", "check", "filename", "description", "label")
PARAMETER_KEYS = (
    "type", "default", "required", "description", "formats", "choices", "pattern",
    "expression_length", "expression_starts_with_letter",
)  # fmt: skip


def _known_keys(
    document: Document,
    path: tuple[str, ...],
    allowed: tuple[str, ...],
    file: Path,
    what: str,
) -> None:
    value: Any = document.data
    for key in path:
        value = value[key]
    for key in value:
        if key not in allowed:
            raise RecipeError(
                file,
                document.key_at((*path, key))[0],
                f"{what}: unknown key {key!r}; the keys are: {', '.join(allowed)}",
            )


def _parameter(
    document: Document, name: str, file: Path, formats: dict[str, Format]
) -> Parameter:
    path = ("parameters", name)
    line = document.key_at(path)[0]
    if not _PARAMETER.fullmatch(name):
        raise RecipeError(
            file, line, f"parameter name {name!r}: use lowercase letters, digits, _"
        )
    spec = _require(document, path, dict, file)
    _known_keys(document, path, PARAMETER_KEYS, file, f"parameter {name!r}")
    kind = spec.get("type", "str")
    if kind not in TYPES:
        raise RecipeError(
            file, line, f"parameter {name!r}: type must be one of {', '.join(TYPES)}"
        )
    description = spec.get("description")
    if not isinstance(description, str) or not description.strip():
        raise RecipeError(file, line, f"parameter {name!r} needs a description")
    required = spec.get("required", False)
    default = spec.get("default")
    choices = spec.get("choices") or []
    if not isinstance(choices, list):
        raise RecipeError(file, line, f"parameter {name!r}: choices must be a list")
    pattern = spec.get("pattern")
    if pattern is not None:
        if not isinstance(pattern, str):
            raise RecipeError(file, line, f"parameter {name!r}: pattern must be text")
        try:
            re.compile(pattern)
        except re.error as error:
            raise RecipeError(
                file,
                line,
                f"parameter {name!r}: pattern is not a regular expression ({error})",
            ) from None
    parameter = Parameter(
        name=name,
        type=kind,
        description=description.strip(),
        default=default,
        required=bool(required),
        formats=tuple(spec.get("formats", ()) or ()),
        expression_length=spec.get("expression_length"),
        expression_starts_with_letter=spec.get("expression_starts_with_letter"),
        choices=tuple(choices),
        pattern=pattern,
    )
    if not all(parameter.accepts(choice) for choice in parameter.choices):
        raise RecipeError(
            file, line, f"parameter {name!r}: its choices must be of type {kind}"
        )
    if not required and not parameter.allows(default):
        raise RecipeError(
            file, line, f"parameter {name!r}: its default must be one of its choices"
        )
    if not required and not parameter.accepts(default):
        raise RecipeError(
            file, line, f"parameter {name!r}: its default must be of type {kind}"
        )
    if not required and not parameter.matches(default):
        raise RecipeError(
            file, line, f"parameter {name!r}: its default must match its pattern"
        )
    unknown = [item for item in parameter.formats if item not in formats]
    if unknown:
        raise RecipeError(
            file,
            line,
            f"parameter {name!r} names unknown formats: {', '.join(unknown)}",
        )
    return parameter


def load_recipe(directory: Path) -> Recipe:
    """Read the recipe declared in ``directory/recipe.yaml``."""
    file = directory / "recipe.yaml"
    try:
        document = parse(file.read_text("utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise RecipeError(file, 1, f"cannot read the recipe: {error}") from None
    except YamlProblem as problem:
        raise RecipeError(file, problem.line, problem.message) from None
    _require(document, (), dict, file)
    _known_keys(document, (), RECIPE_KEYS, file, "the declaration")
    summary = _require(document, ("summary",), str, file)
    formats: dict[str, Format] = {}
    for name, spec in _require(document, ("formats",), dict, file).items():
        line = document.key_at(("formats", name))[0]
        if not isinstance(spec, dict) or not isinstance(spec.get("template"), str):
            raise RecipeError(file, line, f"format {name!r} needs a template")
        _known_keys(document, ("formats", name), FORMAT_KEYS, file, f"format {name!r}")
        check = spec.get("check", "none")
        if check not in CHECK_KINDS:
            raise RecipeError(
                file,
                line,
                f"format {name!r}: check must be one of {', '.join(CHECK_KINDS)}",
            )
        if not (directory / spec["template"]).is_file():
            raise RecipeError(
                file, line, f"format {name!r}: no template file {spec['template']!r}"
            )
        formats[name] = Format(
            name=name,
            template=spec["template"],
            language=str(spec.get("language", "text")),
            check=check,
            filename=str(spec.get("filename", spec["template"].removesuffix(".j2"))),
            description=str(spec.get("description", "")).strip(),
            label=str(spec.get("label", "")),
        )
    if not formats:
        raise RecipeError(file, 1, "a recipe needs at least one format")
    parameters = {
        name: _parameter(document, name, file, formats)
        for name in (_require(document, ("parameters",), dict, file) or {})
    }
    return Recipe(directory.name, summary.strip(), directory, formats, parameters)


class Recipes(dict[str, Recipe]):
    """The recipes that could be loaded, by name; and, in ``broken``, why each
    of the others cannot be. A broken recipe hides one of the same name from an
    earlier directory: the project meant its own."""

    def __init__(self) -> None:
        super().__init__()
        self.broken: dict[str, RecipeError] = {}


def load_recipes(directories: tuple[Path, ...]) -> Recipes:
    """Every recipe in ``directories``; a later directory's recipe overrides an
    earlier one of the same name. A directory that cannot be used, or a recipe
    directory whose name is not a recipe name, raises :class:`RecipeError`; a
    recipe that cannot be loaded is left out and its error kept in
    :attr:`Recipes.broken`, so the others can still be used.

    Loaded once per process for as long as no ``recipe.yaml`` below them changes,
    so a long-lived process (an auto-rebuilding server) sees edits.
    """
    found: list[tuple[Path, int]] = []
    for base in directories:
        if not base.is_dir():
            what = "is not a directory" if base.exists() else "does not exist"
            raise RecipeError(base, 0, f"recipe directory {what}")
        if (base / "recipe.yaml").is_file():
            raise RecipeError(
                base,
                0,
                "is a recipe itself; name the directory that holds recipe directories",
            )
        for entry in sorted(base.iterdir()):
            declaration = entry / "recipe.yaml"
            try:
                found.append((entry, declaration.stat().st_mtime_ns))
            except OSError:
                continue
    return _load(tuple(found))


@cache
def _load(entries: tuple[tuple[Path, int], ...]) -> Recipes:
    recipes = Recipes()
    for entry, _ in entries:
        if not _NAME.fullmatch(entry.name):
            raise RecipeError(
                entry, 1, "recipe names use lowercase letters, digits, hyphens"
            )
        try:
            recipes[entry.name] = load_recipe(entry)
        except RecipeError as error:
            recipes.pop(entry.name, None)
            recipes.broken[entry.name] = error
        else:
            recipes.broken.pop(entry.name, None)
    return recipes


def builtin_recipes() -> dict[str, Recipe]:
    """The recipes this package ships."""
    return load_recipes((BUILTIN_DIR,))
