"""Sphinx configuration for the sphinx-gcpdeploy documentation.

The site is built with the extension it documents: every deployment snippet in it
comes from the ``gcpdeploy`` directive and is checked while the site builds.
"""

from __future__ import annotations

from sphinx_gcpdeploy import __version__

project = "sphinx-gcpdeploy"
author = "The sphinx-gcpdeploy authors"
copyright = "the sphinx-gcpdeploy authors"
release = __version__
version = ".".join(__version__.split(".")[:2])

extensions = [
    "myst_parser",
    "sphinx_tabs.tabs",
    "sphinx_copybutton",
    "sphinx_gcpdeploy",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "_recipes"]

# The site's own recipe: the example of the page on using the extension in a
# project, rendered and checked like the built-in ones.
gcpdeploy_template_dirs = ["_recipes"]

# Flags and messages quoted in prose must read as typed: no curly quotes, and
# no en dash for "--".
smartquotes = False

# Every cross-reference must resolve, on Read the Docs as with nox -s docs.
nitpicky = True

# Number captioned snippets, so a page can say "Listing 2" with :numref:.
numfig = True

# Colon fences hold admonitions without nesting backtick fences; deflist gives
# MyST pages the definition lists reST has.
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

# The console prompt and Python's ">>>" are not part of what a reader copies.
copybutton_prompt_text = r"\$ |>>> "
copybutton_prompt_is_regexp = True

html_theme = "sphinx_rtd_theme"
html_title = f"sphinx-gcpdeploy {release}"
html_theme_options = {
    "navigation_depth": 3,
    "collapse_navigation": False,
}
html_static_path = ["_static"]
# Without an icon, every page makes the browser ask for /favicon.ico and log a 404.
html_favicon = "_static/favicon.svg"
html_css_files = ["custom.css"]
