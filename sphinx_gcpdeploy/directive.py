"""The ``gcpdeploy`` directive: a recipe rendered as an ordinary code block.

The directive reads its content as a YAML mapping of parameter values, builds the
snippet with :func:`~sphinx_gcpdeploy.render.build_snippet`, reports every finding
as a located Sphinx warning, and returns a ``literal_block`` like ``code-block``'s,
so highlighting, captions, ``:name:`` references and copy buttons behave as usual.
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.directives.code import container_wrapper
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective
from sphinx.util.typing import OptionSpec

from .download import placeholder
from .findings import Finding, rule
from .recipes import RECIPE, RecipeError, Recipes
from .render import PARAMETERS, Given, Located, Snippet, build_snippet
from .yamltree import YamlProblem, duplicate_key_message, parse

logger = logging.getLogger(__name__)

WARNING_TYPE = "gcpdeploy"

EMPHASIZE_LINES = rule(
    "emphasize-lines",
    "emphasize-lines names only lines the rendered snippet has.",
    level="warning",
)


_FILE_NAME = re.compile(r"[A-Za-z0-9._-]+")


def download_option(value: str | None) -> str:
    """``:download:`` alone offers the file under the format's own file name;
    ``:download: name.yml`` under another."""
    name = (value or "").strip()
    if "/" in name or "\\" in name or name in (".", ".."):
        raise ValueError("give a file name, not a path")
    if name and not _FILE_NAME.fullmatch(name):
        # The name becomes part of a link: a space, '?' or '#' would break it.
        raise ValueError("use letters, digits, '.', '_' and '-' in the file name")
    return name


def parse_lines(value: str, count: int) -> list[int]:
    """``emphasize-lines`` as ``code-block`` reads it (``1,3-5``, ``2-``) for a
    snippet of ``count`` lines; 0-based. Raises ``ValueError`` for a spec that is
    not one."""
    from sphinx.util import parselinenos

    return list(parselinenos(value, count))


class SnippetDirective(SphinxDirective):
    """Shared machinery for directives that show rendered recipes."""

    has_content = True
    required_arguments = 1
    optional_arguments = 0
    final_argument_whitespace = False

    def recipes(self, *names: str) -> Recipes | None:
        """The recipes this site can use, or ``None`` (after a warning) when a
        project's recipe directory is broken or one of ``names`` cannot be
        loaded. A broken recipe the directive does not name is no concern of
        it."""
        from . import site_recipes

        try:
            found = site_recipes(self.env.config)
        except RecipeError as error:
            self.warn(
                Finding(0, 0, RECIPE.id, f"cannot load recipes: {error}"),
                self.lineno,
            )
            return None
        broken = [name for name in names if name in found.broken]
        for name in broken:
            self.warn_broken(found, name)
        return None if broken else found

    def warn_broken(self, recipes: Recipes, name: str) -> None:
        error = recipes.broken[name]
        self.warn(
            Finding(0, 0, RECIPE.id, f"cannot load recipe {name!r}: {error}"),
            self.lineno,
        )

    def content_line(self, index: int) -> int:
        """The source line of content line ``index`` (1-based).

        docutils gives each content line its absolute offset in the source; MyST
        numbers the content from 0 and gives ``content_offset`` relative to the
        directive's first line, so the two are counted differently.
        """
        if not self.content or not 0 < index <= len(self.content):
            return self.lineno
        if type(self.state).__module__.startswith("myst_parser"):
            return self.lineno + 1 + self.content_offset + index - 1
        return int(self.content.items[index - 1][1]) + 1

    def source(self) -> str:
        if self.content and self.content.items:
            return str(self.content.items[0][0])
        return str(self.state_machine.get_source_and_line(self.lineno)[0])

    def warn(self, found: Finding, line: int) -> None:
        logger.warning(
            found.message,
            type=WARNING_TYPE,
            subtype=found.rule,
            location=f"{self.source()}:{line}",
        )

    def given(self) -> dict[str, Given] | None:
        """The parameter values in the content, or ``None`` after a warning when the
        content is not a mapping."""
        text = "\n".join(self.content)
        if not text.strip():
            return {}
        try:
            document = parse(text)
        except YamlProblem as problem:
            message = problem.message
            if problem.key is not None and problem.first_line is not None:
                # Lines of the content are not lines of the page: say the page's.
                first = self.content_line(problem.first_line)
                message = duplicate_key_message(problem.key, first)
            self.warn(
                Finding(0, 0, PARAMETERS.id, f"parameters: {message}"),
                self.content_line(problem.line),
            )
            return None
        if document.data is None:
            return {}
        if not isinstance(document.data, dict):
            self.warn(
                Finding(
                    0,
                    0,
                    PARAMETERS.id,
                    "the content must be a mapping of parameter names to values, "
                    "one 'name: value' a line",
                ),
                self.content_line(1),
            )
            return None
        return {
            str(name): Given(str(name), value, document.key_at((name,))[0])
            for name, value in document.data.items()
        }

    def report(self, snippet: Snippet) -> None:
        for dependency in snippet.dependencies:
            self.env.note_dependency(str(dependency))
        # Two steps with the same bad value give the same finding, and so do the
        # tabs of one set for a bad parameter: once is enough at its line.
        reported = self._reported
        for located in snippet.problems:
            line = self._line_of(located)
            key = (line, located.finding.rule, located.finding.message)
            if key not in reported:
                reported.add(key)
                self.warn(located.finding, line)

    @cached_property
    def _reported(self) -> set[tuple[int, str, str]]:
        """The findings this directive has reported, by line, rule and message."""
        return set()

    def _line_of(self, located: Located) -> int:
        if located.content_line is not None:
            return self.content_line(located.content_line)
        return self.lineno

    def build(
        self, format_name: str | None, siblings: tuple[str, ...] = ()
    ) -> Snippet | None:
        recipes = self.recipes(self.arguments[0])
        given = self.given()
        if recipes is None or given is None:
            return None
        snippet = build_snippet(
            recipes,
            self.arguments[0],
            format_name,
            given,
            dict(self.config.gcpdeploy_defaults),
            siblings,
        )
        self.report(snippet)
        return snippet

    def literal(self, snippet: Snippet) -> nodes.literal_block:
        """The code block for a rendered snippet, as ``code-block`` builds it."""
        assert snippet.text is not None
        text = snippet.text.rstrip("\n")
        block = nodes.literal_block(text, text)
        block["language"] = snippet.language
        block["force"] = False
        if "linenos" in self.options or "lineno-start" in self.options:
            block["linenos"] = True
        extra: dict[str, Any] = {}
        if "emphasize-lines" in self.options:
            count = len(text.splitlines())
            spec = self.options["emphasize-lines"]
            try:
                lines = parse_lines(spec, count)
            except ValueError:
                lines = []
                self.warn(
                    Finding(
                        0,
                        0,
                        EMPHASIZE_LINES.id,
                        f"emphasize-lines {spec!r} is not a list of lines and ranges "
                        "such as 2,4-6 or 3-; no line is emphasized",
                    ),
                    self.lineno,
                )
            outside = [line + 1 for line in lines if line >= count]
            if outside:
                self.warn(
                    Finding(
                        0,
                        0,
                        EMPHASIZE_LINES.id,
                        f"emphasize-lines names lines {outside} but the snippet has "
                        f"{count} lines",
                    ),
                    self.lineno,
                )
            extra["hl_lines"] = [line + 1 for line in lines if line < count]
        if "lineno-start" in self.options:
            extra["linenostart"] = self.options["lineno-start"]
        block["highlight_args"] = extra
        self.set_source_info(block)
        return block

    def with_download(
        self, block: nodes.Element, snippet: Snippet
    ) -> list[nodes.Element]:
        """The block, and after it the download link when one is asked for."""
        if "download" not in self.options or snippet.text is None:
            return [block]
        name = self.options["download"] or snippet.filename
        return [block, placeholder(name, snippet.text)]

    def wrap(self, block: nodes.Element) -> nodes.Element:
        """Add the caption and the ``:name:`` target, as ``code-block`` does."""
        caption = self.options.get("caption")
        if caption:
            block = container_wrapper(self, block, caption)
        self.add_name(block)
        return block


class GcpDeployDirective(SnippetDirective):
    """Render one recipe in one format, checked.

    .. code-block:: rst

       .. gcpdeploy:: worker-and-server
          :format: github-actions
          :caption: Deploy the worker, then the server

          app: yourapp
    """

    option_spec: ClassVar[OptionSpec] = {
        "format": directives.unchanged_required,
        "caption": directives.unchanged_required,
        "name": directives.unchanged,
        "class": directives.class_option,
        "emphasize-lines": directives.unchanged_required,
        "linenos": directives.flag,
        "lineno-start": int,
        "download": download_option,
    }

    def run(self) -> list[nodes.Node]:
        snippet = self.build(self.options.get("format"))
        if snippet is None or snippet.text is None:
            return []
        block = self.literal(snippet)
        block["classes"] += self.options.get("class", [])
        return list(self.with_download(self.wrap(block), snippet))


def setup_directive(app: Any) -> None:
    app.add_directive("gcpdeploy", GcpDeployDirective)
