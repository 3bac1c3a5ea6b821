"""Turn a recipe, a format and parameter values into a checked snippet.

Nothing here knows about Sphinx: the directive and the command line both call
:func:`build_snippet`, which resolves the parameters against the recipe's
declarations, renders the template in a sandbox, and checks the result. Every
problem comes back as a finding tied, where possible, to the parameter that caused
it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from types import CodeType
from typing import Any

import jinja2
import jinja2.meta
from jinja2.sandbox import ImmutableSandboxedEnvironment

from .checks import check_text
from .checks.expressions import EXPRESSION, Bound
from .checks.shell import Alike
from .findings import Finding, Level, Rule, rule
from .recipes import BUILTIN_DIR, Recipe
from .values import PARAMETER_VALUE, UnsafeValue, finalizer, guarded, stand_ins

UNKNOWN_RECIPE = rule("unknown-recipe", "The directive names a recipe that exists.")
UNKNOWN_FORMAT = rule("unknown-format", "The format is one the recipe offers.")
PARAMETERS = rule(
    "parameters", "The directive content is a YAML mapping of parameter values."
)
UNKNOWN_PARAMETER = rule(
    "unknown-parameter", "Every parameter given is one the recipe declares."
)
MISSING_PARAMETER = rule(
    "missing-parameter", "Every required parameter of the recipe is given."
)
PARAMETER_TYPE = rule("parameter-type", "Each value has its parameter's type.")
PARAMETER_CHOICE = rule(
    "parameter-choice", "A parameter with a list of choices is given one of them."
)
UNUSED_PARAMETER = rule(
    "unused-parameter",
    "A parameter given is used by the chosen format.",
    level="warning",
)
PARAMETER_PATTERN = rule(
    "parameter-pattern",
    "A text value matches the pattern its parameter declares.",
)
SITE_DEFAULT = rule(
    "site-default",
    "Each value in gcpdeploy_defaults is one its parameter takes.",
    level="warning",
)
TEMPLATE = rule("template", "The recipe's template renders without error.")

#: Template pieces the built-in recipes share, reachable as ``gcpdeploy/NAME``.
SHARED_DIR = BUILTIN_DIR / "_shared"
SHARED_PREFIX = "gcpdeploy"

_TYPE_WORDS = {"str": "text", "int": "a whole number", "bool": "true or false"}


@dataclass(frozen=True)
class Given:
    """A parameter value as the writer gave it, and the line (1-based, within the
    directive content) of its key."""

    name: str
    value: Any
    line: int


@dataclass(frozen=True)
class Located:
    """A finding and where it belongs: a line of the directive content (1-based),
    or ``None`` for the directive itself."""

    finding: Finding
    content_line: int | None


@dataclass
class Snippet:
    """The rendered text (``None`` when nothing could be rendered), the files it was
    rendered from, and what is wrong with it."""

    text: str | None
    language: str
    dependencies: list[Path] = field(default_factory=list)
    problems: list[Located] = field(default_factory=list)
    format_name: str = ""
    filename: str = ""


def _problem(
    declared: Rule, message: str, line: int | None, level: Level | None = None
) -> Located:
    return Located(
        Finding(line or 0, 0, declared.id, message, level or declared.level), line
    )


def shorten(text: str, most: int = 80) -> str:
    """``text``, cut to ``most`` characters with an ellipsis, for messages."""
    return text if len(text) <= most else text[: most - 3] + "..."


def resolve(
    recipe: Recipe,
    format_name: str,
    given: dict[str, Given],
    defaults: dict[str, Any],
    siblings: tuple[str, ...] = (),
) -> tuple[dict[str, Any], list[Located]]:
    """The values to render with, and the problems with what was given.

    ``defaults`` are site-wide values; a value given in the directive wins.
    ``siblings`` are the other formats rendered from the same values (the tabs of
    one set): a parameter one of them uses is not reported as unused.
    """
    problems: list[Located] = []
    values: dict[str, Any] = {}
    for name, item in given.items():
        parameter = recipe.parameters.get(name)
        if parameter is None:
            choices = ", ".join(recipe.parameters) or "none"
            problems.append(
                _problem(
                    UNKNOWN_PARAMETER,
                    f"recipe {recipe.name!r} has no parameter {name!r}; "
                    f"its parameters are: {choices}",
                    item.line,
                )
            )
        elif item.value is None:
            problems.append(
                _problem(
                    PARAMETER_TYPE,
                    f"parameter {name!r} has no value; give it "
                    f"{_TYPE_WORDS[parameter.type]}, or leave the line out for the "
                    "default",
                    item.line,
                )
            )
        elif not parameter.accepts(item.value):
            problems.append(
                _problem(
                    PARAMETER_TYPE,
                    f"parameter {name!r} takes {_TYPE_WORDS[parameter.type]}, not "
                    f"{shorten(repr(item.value))}"
                    + ("; put the value in quotes" if parameter.type == "str" else ""),
                    item.line,
                )
            )
        elif not parameter.allows(item.value):
            problems.append(
                _problem(
                    PARAMETER_CHOICE,
                    f"parameter {name!r} takes one of: "
                    f"{', '.join(str(choice) for choice in parameter.choices)}; not "
                    f"{item.value!r}",
                    item.line,
                )
            )
        elif not parameter.matches(item.value):
            problems.append(
                _problem(
                    PARAMETER_PATTERN,
                    f"parameter {name!r} must match {parameter.pattern}, and "
                    f"{shorten(repr(item.value))} does not ({parameter.description})",
                    item.line,
                )
            )
        elif not any(parameter.applies_to(other) for other in (format_name, *siblings)):
            problems.append(
                _problem(
                    UNUSED_PARAMETER,
                    f"parameter {name!r} has no effect in format {format_name!r}; it "
                    f"is used by: {', '.join(parameter.formats)}",
                    item.line,
                )
            )
        else:
            values[name] = item.value
    for name, parameter in recipe.parameters.items():
        if name in values or name in given:
            continue
        if name in defaults:
            site = defaults[name]
            if (
                parameter.accepts(site)
                and parameter.allows(site)
                and parameter.matches(site)
            ):
                values[name] = site
                continue
            problems.append(
                _problem(
                    SITE_DEFAULT,
                    f"gcpdeploy_defaults sets {name!r} to {shorten(repr(site))}, "
                    f"which parameter {name!r} of recipe {recipe.name!r} does not "
                    "take; the recipe's own default is used. Fix it in conf.py",
                    None,
                )
            )
        if parameter.required and parameter.applies_to(format_name):
            problems.append(
                _problem(
                    MISSING_PARAMETER,
                    f"recipe {recipe.name!r} needs parameter {name!r} "
                    f"({parameter.description}); give it with '{name}: ...' in the "
                    f"directive, or --set {name}=... on the command line",
                    None,
                )
            )
        else:
            values[name] = parameter.default
    return values, problems


class _SharedCode(jinja2.BytecodeCache):
    """Compiled templates, kept in memory and shared by every environment of
    :func:`environment`.

    Their code does not depend on which of them compiled it: the environments
    differ only in their ``finalize`` hook, which has the same signature in all
    and leaves the template's own text alone, and which the code calls through
    the environment it runs in. So a template that two kinds of snippet use (the
    steps shared by both GitHub formats) is compiled once, and so is one that
    :func:`template_files` has already parsed. Entries are keyed by the
    template's file and a checksum of its source: an edited template is compiled
    afresh.
    """

    def __init__(self) -> None:
        self.code: dict[tuple[str, str], CodeType] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = self.code.get((bucket.key, bucket.checksum))
        if code is not None:
            bucket.code = code

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if bucket.code is not None:
            self.code[(bucket.key, bucket.checksum)] = bucket.code


_CODE = _SharedCode()


@cache
def environment(directory: Path, kind: str = "none") -> ImmutableSandboxedEnvironment:
    """One sandboxed Jinja environment per recipe directory and kind of snippet,
    built once. The sandbox is the immutable one: a template may not change the
    lists and mappings it is given.

    Undefined names are errors, so a misspelt parameter in a template fails
    loudly instead of rendering as an empty string. The loader only reads below
    ``directory``, and the pieces this package shares between its recipes under
    the ``gcpdeploy/`` prefix. Every parameter value written is checked by the
    rules of ``kind`` (see :mod:`sphinx_gcpdeploy.values`).
    """
    env = ImmutableSandboxedEnvironment(
        finalize=finalizer(kind),
        loader=jinja2.ChoiceLoader(
            [
                jinja2.FileSystemLoader(str(directory)),
                jinja2.PrefixLoader(
                    {SHARED_PREFIX: jinja2.FileSystemLoader(str(SHARED_DIR))}
                ),
            ]
        ),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
        bytecode_cache=_CODE,
    )
    env.globals["gh"] = github_expression
    return env


def github_expression(body: str) -> str:
    """``${{ body }}``: a GitHub expression, written without fighting Jinja's own
    braces in templates."""
    return "${{ " + body + " }}"


@cache
def template_files(directory: Path, name: str) -> tuple[Path, ...]:
    """The template ``name`` and every template it includes, extends or imports."""
    env = environment(directory)
    seen: list[str] = []
    pending = [name]
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.append(current)
        try:
            loader = env.loader
            assert loader is not None
            source, filename, _ = loader.get_source(env, current)
        except (jinja2.TemplateError, OSError, UnicodeDecodeError):
            continue  # the render reports it, with its location
        pending.extend(_references(env, current, filename, source))
    return tuple(_template_path(directory, item) for item in seen)


def prepare(recipes: dict[str, Recipe]) -> None:
    """Parse and compile every template of ``recipes`` now, so that processes
    forked afterwards (Sphinx's parallel readers) inherit the compiled code
    instead of each compiling what it uses."""
    for recipe in recipes.values():
        for chosen in recipe.formats.values():
            template_files(recipe.directory, chosen.template)


#: The templates each template source refers to, by its file and source.
_REFERENCES: dict[tuple[str | None, str], tuple[str, ...]] = {}


def _references(
    env: ImmutableSandboxedEnvironment, name: str, filename: str | None, source: str
) -> tuple[str, ...]:
    """The names of the templates ``source`` includes, extends or imports.

    The parse is compiled at once, under the name the loader will look the
    template up by, so loading the template does not parse it a second time.
    """
    found = _REFERENCES.get((filename, source))
    if found is not None:
        return found
    try:
        parsed = env.parse(source, name, filename)
    except jinja2.TemplateError:
        return ()  # the render reports it, with its location
    found = tuple(
        item
        for item in jinja2.meta.find_referenced_templates(parsed)
        if item is not None
    )
    _REFERENCES[(filename, source)] = found
    local = name
    if filename is not None and Path(filename).parent == SHARED_DIR:
        local = name.removeprefix(f"{SHARED_PREFIX}/")
    bucket = _CODE.get_bucket(env, local, filename, source)
    if bucket.code is None:
        try:
            bucket.code = env.compile(parsed, local, filename)
        except jinja2.TemplateError:
            return found  # the render reports it, with its location
        _CODE.set_bucket(bucket)
    return found


def _template_path(directory: Path, name: str) -> Path:
    """The file a template name stands for."""
    prefix = f"{SHARED_PREFIX}/"
    if name.startswith(prefix) and not (directory / name).is_file():
        return SHARED_DIR / name.removeprefix(prefix)
    return directory / name


def _template_error(error: Exception, recipe: Recipe, template: str) -> str:
    if isinstance(error, jinja2.TemplateSyntaxError):
        where = f"{error.filename or error.name or template}:{error.lineno}"
        text = (error.message or "syntax error").rstrip(".")
        return f"template {where}: {text}; fix the template"
    if isinstance(error, jinja2.TemplateNotFound):
        return (
            f"template {template!r} of recipe {recipe.name!r} includes "
            f"{error.name!r}, which is not in {recipe.directory}"
        )
    if isinstance(error, jinja2.UndefinedError):
        return (
            f"template {template!r} of recipe {recipe.name!r} uses an undefined "
            f"value: {error.message}; declare it as a parameter of the recipe"
        )
    if isinstance(error, RecursionError):
        return (
            f"template {template!r} of recipe {recipe.name!r} includes itself, "
            "directly or through another template; break the loop"
        )
    if isinstance(error, jinja2.exceptions.SecurityError):
        # The sandbox names the class a value arrived in; to the writer it is text.
        text = str(error).replace("'ParameterValue' object", "text").rstrip(".")
        return (
            f"template {template!r} of recipe {recipe.name!r} does what the sandbox "
            f"forbids: {text}"
        )
    if isinstance(error, UnicodeDecodeError):
        return (
            f"template {template!r} of recipe {recipe.name!r} is not UTF-8 text; "
            "save it as UTF-8"
        )
    text = str(error).replace("ParameterValue", "str")
    return (
        f"template {template!r} of recipe {recipe.name!r} failed: "
        f"{type(error).__name__}: {text}"
    )


def bounds_of(recipe: Recipe, values: dict[str, Any]) -> dict[str, Bound]:
    """Length bounds for parameters whose value is one ``${{ }}`` expression."""
    bounds: dict[str, Bound] = {}
    for name, value in values.items():
        parameter = recipe.parameters.get(name)
        if parameter is None or parameter.expression_length is None:
            continue
        if isinstance(value, str):
            match = EXPRESSION.fullmatch(value.strip())
            if match:
                bounds[match.group(1)] = Bound(
                    parameter.expression_length,
                    parameter.expression_starts_with_letter,
                )
    return bounds


def blame(finding: Finding, text: str, given: dict[str, Given]) -> Given | None:
    """The given parameter that most likely caused ``finding``.

    A finding carries the offending text (a service name, a tag); the parameter
    whose value occurs in it, the longest such value first, is the cause. Failing
    that, one whose value the message quotes, or one whose value stands on the
    finding's line of the snippet.
    """
    candidates = sorted(
        (item for item in given.values() if isinstance(item.value, (str, int))),
        key=lambda item: -len(str(item.value)),
    )
    candidates = [item for item in candidates if str(item.value).strip()]
    if finding.value is not None:
        for item in candidates:
            if str(item.value) in finding.value or finding.value in str(item.value):
                return item
    # A finding about two values (a tag too long for its service) names the
    # second one in its message.
    for item in candidates:
        if str(item.value) in finding.message:
            return item
    lines = text.splitlines()
    if 0 < finding.line <= len(lines):
        line = lines[finding.line - 1]
        for item in candidates:
            if str(item.value) in line:
                return item
    return None


def build_snippet(
    recipes: dict[str, Recipe],
    recipe_name: str,
    format_name: str | None,
    given: dict[str, Given],
    defaults: dict[str, Any] | None = None,
    siblings: tuple[str, ...] = (),
) -> Snippet:
    """Resolve, render and check one snippet (see :func:`resolve` for
    ``siblings``)."""
    recipe = recipes.get(recipe_name)
    if recipe is None:
        choices = ", ".join(sorted(recipes)) or "none"
        return Snippet(
            None,
            "text",
            problems=[
                _problem(
                    UNKNOWN_RECIPE,
                    f"there is no recipe {recipe_name!r}; the recipes are: {choices}",
                    None,
                )
            ],
        )
    format_name = format_name or recipe.default_format
    chosen = recipe.formats.get(format_name)
    if chosen is None:
        return Snippet(
            None,
            "text",
            problems=[
                _problem(
                    UNKNOWN_FORMAT,
                    f"recipe {recipe.name!r} has no format {format_name!r}; its "
                    f"formats are: {', '.join(recipe.formats)}",
                    None,
                )
            ],
        )
    values, problems = resolve(recipe, format_name, given, defaults or {}, siblings)
    dependencies = [*template_files(recipe.directory, chosen.template)]
    dependencies.append(recipe.directory / "recipe.yaml")
    snippet = Snippet(
        None, chosen.language, dependencies, problems, format_name, chosen.filename
    )
    if any(item.finding.level == "error" for item in problems):
        return snippet
    alike: Alike | None = None
    try:
        used = {
            name for name in values if recipe.parameters[name].applies_to(format_name)
        }
        ready = guarded(chosen.check, values, used)
        template = environment(recipe.directory, chosen.check).get_template(
            chosen.template
        )
        text = template.render(ready)
        if chosen.check == "bash":
            # The same template, each value checked as an inert word written as
            # one placeholder word: where bash reads it as it reads the snippet
            # (checks.shell.faithful), snippets that differ only in their values
            # share one bash -n (a process each, else). See values.StandIn.
            standing, words = stand_ins(ready)
            alike = Alike(template.render(standing), words)
    except UnsafeValue as unsafe:
        cause = given.get(unsafe.name)
        snippet.problems.append(
            _problem(
                PARAMETER_VALUE,
                f"parameter {unsafe.name!r} cannot be written into this "
                f"{chosen.title} snippet as it is: {unsafe.reason}",
                cause.line if cause else None,
            )
        )
        return snippet
    except Exception as error:  # a template is code: any failure
        # of it (a division by zero, a file that is not UTF-8) is a located
        # warning, never a traceback out of the build.
        snippet.problems.append(
            _problem(TEMPLATE, _template_error(error, recipe, chosen.template), None)
        )
        return snippet
    snippet.text = text
    if chosen.check != "none":
        bounds = bounds_of(recipe, values)
        for found in check_text(text, chosen.check, bounds, alike):
            cause = blame(found, text, given)
            if cause is None:
                snippet.problems.append(Located(found, None))
                continue
            message = f"{found.message} (from parameter {cause.name!r})"
            snippet.problems.append(
                Located(replace(found, message=message), cause.line)
            )
    return snippet
