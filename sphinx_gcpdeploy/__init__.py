"""sphinx-gcpdeploy: Cloud Run deployment snippets rendered from tested recipes and
checked while the docs build.

Add ``"sphinx_gcpdeploy"`` to ``extensions`` in ``conf.py``.
"""

from __future__ import annotations

import shutil
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .findings import rule

if TYPE_CHECKING:  # the command line imports this package: keep Sphinx out of it
    from sphinx.application import Sphinx
    from sphinx.config import Config

    from .recipes import Recipes

__version__ = "0.1.0"

CONFIG = rule(
    "config",
    "gcpdeploy_template_dirs is a list of paths and gcpdeploy_defaults a dict.",
)


#: The recipes of the build under way, looked up once per build rather than once
#: per directive (which listed and stat-ed every recipe directory each time).
_BUILD_RECIPES: dict[tuple[Path, ...], Recipes] = {}


def site_recipes(config: Config) -> Recipes:
    """The built-in recipes, then each of the project's template directories."""
    from .recipes import BUILTIN_DIR, load_recipes

    extra = tuple(Path(item) for item in config.gcpdeploy_template_dirs)
    directories = (BUILTIN_DIR, *extra)
    found = _BUILD_RECIPES.get(directories)
    if found is None:
        found = _BUILD_RECIPES[directories] = load_recipes(directories)
    return found


def _new_build(app: Sphinx, env: Any, docnames: list[str]) -> None:
    """Forget the recipes of the last build and the templates each template
    includes, so edits to them are seen by a process that builds again
    (sphinx-autobuild); and, for a parallel build, compile the schemas and the
    templates before Sphinx forks its readers, so they share the work instead of
    each doing it."""
    from . import render

    _BUILD_RECIPES.clear()
    render.template_files.cache_clear()
    if app.parallel > 1 and docnames:
        from .checks import schema
        from .recipes import RecipeError

        schema.prepare()
        with suppress(RecipeError):  # each directive reports it, at its own place
            render.prepare(site_recipes(app.config))


def _check_config(app: Sphinx, config: Config) -> None:
    """Turn the project's template directories into absolute paths and refuse
    values of the wrong type with a warning instead of a traceback later."""
    from sphinx.util import logging

    logger = logging.getLogger(__name__)
    dirs = config.gcpdeploy_template_dirs
    if (
        isinstance(dirs, str)
        or not isinstance(dirs, (list, tuple))
        or not all(isinstance(item, str) for item in dirs)
    ):
        logger.warning(
            "gcpdeploy_template_dirs must be a list of directory paths; ignoring it",
            type="gcpdeploy",
            subtype=CONFIG.id,
        )
        dirs = []
    config.gcpdeploy_template_dirs = [
        str((Path(app.confdir) / item).resolve()) for item in dirs
    ]
    defaults = config.gcpdeploy_defaults
    if not isinstance(defaults, dict) or not all(
        isinstance(key, str) for key in defaults
    ):
        logger.warning(
            "gcpdeploy_defaults must be a dict of parameter names to values; "
            "ignoring it",
            type="gcpdeploy",
            subtype=CONFIG.id,
        )
        config.gcpdeploy_defaults = {}


STATIC_DIR = Path(__file__).parent / "static"


def _add_static(app: Sphinx) -> None:
    """Link the stylesheet for the extension's tables from HTML pages."""
    if app.builder.format == "html":
        app.add_css_file("gcpdeploy.css")


def _copy_static(app: Sphinx) -> list[Any]:
    """Ship the stylesheet with HTML builds (an ``html-collect-pages`` handler,
    so it runs as the builder finishes, before an EPUB is packed). Adding the
    directory to ``html_static_path`` instead changed the configuration after it
    was read, and every rebuild said so."""
    if app.builder.format == "html":
        static = Path(app.outdir) / "_static"
        static.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(STATIC_DIR / "gcpdeploy.css", static / "gcpdeploy.css")
    return []


def setup(app: Sphinx) -> dict[str, Any]:
    from .catalogue import setup_catalogue
    from .directive import setup_directive
    from .download import setup_download
    from .rulesdoc import setup_rulesdoc
    from .tabs import setup_tabs

    app.add_config_value("gcpdeploy_template_dirs", [], "env", types=[list, tuple])
    app.add_config_value("gcpdeploy_defaults", {}, "env", types=[dict])
    app.connect("config-inited", _check_config)
    app.connect("builder-inited", _add_static)
    app.connect("html-collect-pages", _copy_static)
    app.connect("env-before-read-docs", _new_build)
    setup_directive(app)
    setup_tabs(app)
    setup_catalogue(app)
    setup_download(app)
    setup_rulesdoc(app)
    return {
        "version": __version__,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
        "env_version": 1,
    }
