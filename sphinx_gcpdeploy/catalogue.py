"""The ``gcpdeploy-catalogue`` directive: the reference of every recipe, its formats
and its parameters, generated from the recipes' own declarations so it cannot
drift from them."""

from __future__ import annotations

from typing import Any, ClassVar

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.typing import OptionSpec

from .directive import SnippetDirective
from .findings import Finding
from .recipes import Parameter, Recipe
from .render import UNKNOWN_RECIPE
from .tables import paragraph as _paragraph
from .tables import table


def _literal(text: str) -> nodes.literal:
    return nodes.literal(text, text)


def _default(parameter: Parameter) -> nodes.Node:
    if parameter.required:
        return _paragraph("(required)")
    if parameter.default is None:
        return _paragraph("(none)")
    text = (
        str(parameter.default).lower()
        if isinstance(parameter.default, bool)
        else str(parameter.default)
    )
    return _paragraph(_literal(text))


def _description(parameter: Parameter) -> nodes.Node:
    text = parameter.description
    if parameter.pattern:
        text += f" Must match {parameter.pattern}."
    if parameter.choices:
        text += f" One of: {', '.join(str(item) for item in parameter.choices)}."
    if parameter.formats:
        text += f" Used by: {', '.join(parameter.formats)}."
    return _paragraph(text)


def recipe_nodes(recipe: Recipe) -> list[nodes.Node]:
    """The reference of one recipe."""
    heading = nodes.rubric(recipe.name, "", _literal(recipe.name))
    heading["ids"].append(f"gcpdeploy-recipe-{recipe.name}")
    formats = nodes.bullet_list()
    for name, chosen in recipe.formats.items():
        item = _paragraph(_literal(name), f" ({chosen.title})")
        if chosen.description:
            item += nodes.Text(f": {chosen.description}")
        item += nodes.Text(" Saved as ")
        item += _literal(chosen.filename)
        item += nodes.Text(".")
        formats += nodes.list_item("", item)
    rows = [
        [_paragraph(_literal(p.name)), _paragraph(p.type), _default(p), _description(p)]
        for p in recipe.parameters.values()
    ]
    found: list[nodes.Node] = [
        heading,
        _paragraph(recipe.summary),
        _paragraph("Formats, the first being the default:"),
        formats,
    ]
    if rows:
        headings = ["Parameter", "Type", "Default", "Description"]
        found.append(table("gcpdeploy-parameters", [20, 10, 25, 45], headings, rows))
    return found


class GcpDeployCatalogueDirective(SnippetDirective):
    """List recipes with their formats and parameters: all of them, or those named.

    .. code-block:: rst

       .. gcpdeploy-catalogue::
    """

    has_content = False
    required_arguments = 0
    optional_arguments = 20
    option_spec: ClassVar[OptionSpec] = {}

    def run(self) -> list[nodes.Node]:
        recipes = self.recipes()
        if recipes is None:
            return []
        broken = recipes.broken
        names = self.arguments or sorted({*recipes, *broken})
        result: list[nodes.Node] = []
        for name in names:
            if name in broken:
                self.warn_broken(recipes, name)
                continue
            recipe = recipes.get(name)
            if recipe is None:
                self.warn(
                    Finding(
                        0,
                        0,
                        UNKNOWN_RECIPE.id,
                        f"there is no recipe {name!r}; the recipes are: "
                        f"{', '.join(sorted(recipes))}",
                    ),
                    self.lineno,
                )
                continue
            for path in (recipe.directory / "recipe.yaml",):
                self.env.note_dependency(str(path))
            result.extend(recipe_nodes(recipe))
        return result


def setup_catalogue(app: Sphinx) -> dict[str, Any]:
    app.add_directive("gcpdeploy-catalogue", GcpDeployCatalogueDirective)
    return {}
