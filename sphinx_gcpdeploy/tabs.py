"""The ``gcpdeploy-tabs`` directive: one deployment in several formats, as
sphinx-tabs group tabs.

At read time the directive builds a neutral tree: a container of tab containers,
each with its label and its snippet. When a page is resolved, HTML builders that
sphinx-tabs supports get sphinx-tabs' own nodes (so choosing a format switches
every tab set on the page, and the choice carries across pages as sphinx-tabs
does); every other builder, or a site without sphinx-tabs, gets the formats one
after another under a heading each.
"""

from __future__ import annotations

import base64
from typing import Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.util.typing import OptionSpec

from .directive import SnippetDirective, download_option
from .findings import Finding, rule

TABS_CLASS = "gcpdeploy-tabs"
TAB_CLASS = "gcpdeploy-tab"

TABS_UNAVAILABLE = rule(
    "tabs",
    "gcpdeploy-tabs shows tabs only where sphinx_tabs.tabs is in extensions.",
    level="warning",
)


def _formats(value: str | None) -> list[str]:
    names = [item.strip() for item in (value or "").split(",") if item.strip()]
    if not names:
        raise ValueError("list at least one format, separated by commas")
    if len(set(names)) != len(names):
        raise ValueError("name each format once")
    return names


def has_sphinx_tabs(config: Any) -> bool:
    """Whether sphinx-tabs is loaded: it declares this config value."""
    return "sphinx_tabs_valid_builders" in config


class GcpDeployTabsDirective(SnippetDirective):
    """Render one recipe in several formats, one tab each.

    .. code-block:: rst

       .. gcpdeploy-tabs:: worker-and-server
          :formats: github-actions, gcloud, cloudbuild

          app: yourapp
    """

    option_spec: ClassVar[OptionSpec] = {
        "formats": _formats,
        "name": directives.unchanged,
        "class": directives.class_option,
        "download": download_option,
    }

    def run(self) -> list[nodes.Node]:
        recipes = self.recipes(self.arguments[0])
        if recipes is None:
            return []
        recipe = recipes.get(self.arguments[0])
        names = self.options.get("formats") or (
            list(recipe.formats) if recipe is not None else [None]
        )
        if not has_sphinx_tabs(self.config):
            self.warn(
                Finding(
                    0,
                    0,
                    TABS_UNAVAILABLE.id,
                    "sphinx-tabs is not loaded, so the formats are shown one after "
                    "another; add 'sphinx_tabs.tabs' to extensions for tabs",
                    "warning",
                ),
                self.lineno,
            )
        outer = nodes.container(classes=[TABS_CLASS, *self.options.get("class", [])])
        temp = self.env.temp_data
        outer["gcpdeploy_tabs_id"] = temp.setdefault("next_tabs_id", 0)
        temp["next_tabs_id"] += 1
        for name in names:
            snippet = self.build(name, tuple(item for item in names if item))
            if snippet is None or snippet.text is None or recipe is None:
                continue
            label = recipe.formats[snippet.format_name].title
            tab = nodes.container(classes=[TAB_CLASS])
            tab["gcpdeploy_label"] = label
            tab += self.with_download(self.literal(snippet), snippet)
            outer += tab
        if not outer.children:
            return []
        self.add_name(outer)
        return [outer]


def _group_id(label: str) -> str:
    """The tab id sphinx-tabs gives a group tab of this label."""
    return base64.b64encode(label.encode("utf-8")).decode("utf-8")


def _as_sphinx_tabs(outer: nodes.container) -> None:
    from sphinx_tabs.tabs import (
        SphinxTabsPanel,
        SphinxTabsTab,
        SphinxTabsTablist,
    )

    tabs_id = outer["gcpdeploy_tabs_id"]
    outer["classes"] = ["sphinx-tabs", *outer["classes"]]
    outer["type"] = "tab-element"
    tablist = SphinxTabsTablist()
    tablist["role"] = "tablist"
    tablist["aria-label"] = "Tabbed content"
    panels = []
    for index, tab in enumerate(_tabs(outer)):
        label = tab["gcpdeploy_label"]
        data_tab = _group_id(label)
        button = SphinxTabsTab(classes=["sphinx-tabs-tab", "group-tab"])
        button += nodes.Text(label)
        button["role"] = "tab"
        button["ids"] = [f"tab-{tabs_id}-{data_tab}"]
        button["name"] = data_tab
        button["tabindex"] = "0" if index == 0 else "-1"
        button["aria-selected"] = "true" if index == 0 else "false"
        button["aria-controls"] = f"panel-{tabs_id}-{data_tab}"
        tablist += button
        panel = SphinxTabsPanel(classes=["sphinx-tabs-panel", "group-tab"])
        panel["role"] = "tabpanel"
        panel["ids"] = [f"panel-{tabs_id}-{data_tab}"]
        panel["name"] = data_tab
        panel["tabindex"] = 0
        panel["aria-labelledby"] = f"tab-{tabs_id}-{data_tab}"
        if index:
            panel["hidden"] = "true"
        panel += tab.children
        panels.append(panel)
    outer.children = []
    outer += tablist
    outer += panels


def _tabs(outer: nodes.container) -> list[nodes.Element]:
    return [child for child in outer.children if isinstance(child, nodes.Element)]


def _as_sequence(outer: nodes.container) -> None:
    for tab in _tabs(outer):
        heading = nodes.rubric(tab["gcpdeploy_label"], tab["gcpdeploy_label"])
        tab.insert(0, heading)


def _resolve(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    tabs_html = False
    if has_sphinx_tabs(app.config):
        from sphinx_tabs.tabs import get_compatible_builders

        tabs_html = app.builder.name in get_compatible_builders(app)
    for outer in list(doctree.findall(nodes.container)):
        if TABS_CLASS not in outer["classes"]:
            continue
        if tabs_html:
            _as_sphinx_tabs(outer)
        else:
            _as_sequence(outer)
        for tab in outer.findall(nodes.container):
            tab.attributes.pop("gcpdeploy_label", None)
        outer.attributes.pop("gcpdeploy_tabs_id", None)


def setup_tabs(app: Sphinx) -> dict[str, Any]:
    app.add_directive("gcpdeploy-tabs", GcpDeployTabsDirective)
    app.connect("doctree-resolved", _resolve)
    return {}
