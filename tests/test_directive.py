"""The gcpdeploy directive inside real Sphinx builds, in reST and in MyST."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from docutils import nodes
from sphinx.cmd.build import build_main

from conftest import Built, write_project

Build = Callable[..., Built]

MYST_CONF = 'extensions = ["sphinx_gcpdeploy", "myst_parser"]\n'

BAD_APP_RST = """\
Deploy
======

.. gcpdeploy:: worker-and-server
   :format: github-actions

   region: europe-west1
   app: 1bad
"""

BAD_APP_MD = """\
# Deploy

```{gcpdeploy} worker-and-server
:format: github-actions

region: europe-west1
app: 1bad
```
"""

SERVICE_MESSAGE = (
    "WARNING: service name '1bad-{role}-${{{{ needs.build.outputs.environment }}}}' "
    "must start with a lowercase letter; put one first (from parameter 'app') "
    "[gcpdeploy.service-name]"
)


def expected_bad_app(path: str, line: int) -> list[str]:
    return [
        f"{path}:{line}: " + SERVICE_MESSAGE.format(role=role)
        for role in ("worker", "server")
    ]


def test_bad_app_is_located_at_its_line_in_rest(build: Build) -> None:
    built = build({"index.rst": BAD_APP_RST})
    assert built.warning_lines() == expected_bad_app("index.rst", 8)


def test_bad_app_is_located_at_its_line_in_myst(build: Build) -> None:
    built = build({"index.md": BAD_APP_MD}, conf=MYST_CONF)
    assert built.warning_lines() == expected_bad_app("index.md", 7)


def test_minus_w_fails_the_build_naming_file_line_and_rule(
    tmp_path: Path, capsys: object
) -> None:
    write_project(tmp_path / "src", {"index.rst": BAD_APP_RST}, MYST_CONF)
    status = build_main(
        ["-W", "-q", "-b", "html", str(tmp_path / "src"), str(tmp_path / "out")]
    )
    assert status != 0
    errors = capsys.readouterr().err  # type: ignore[attr-defined]
    assert "index.rst:8:" in errors
    assert "[gcpdeploy.service-name]" in errors


def test_suppress_warnings_silences_one_rule(build: Build) -> None:
    conf = MYST_CONF + 'suppress_warnings = ["gcpdeploy.service-name"]\n'
    assert build({"index.rst": BAD_APP_RST}, conf=conf).warning_lines() == []


def test_empty_content_renders_the_defaults_without_warnings(build: Build) -> None:
    built = build({"index.rst": "T\n=\n\n.. gcpdeploy:: worker-and-server\n"})
    assert built.warnings == ""
    doctree = built.app.env.get_doctree("index")
    [block] = list(doctree.findall(nodes.literal_block))
    assert block["language"] == "yaml"
    assert "deploy-cloudrun@v3" in block.astext()
    assert 'class="highlight-yaml' in built.html()


def test_caption_name_emphasis_and_line_numbers(build: Build) -> None:
    page = """\
T
=

.. gcpdeploy:: worker-and-server
   :caption: Deploy the worker, then the server
   :name: deploy-steps
   :emphasize-lines: 2,4-5
   :linenos:

See :numref:`deploy-steps`.
"""
    built = build({"index.rst": page}, conf=MYST_CONF + "numfig = True\n")
    assert built.warnings == ""
    doctree = built.app.env.get_doctree("index")
    [container] = list(doctree.findall(nodes.container))
    assert container["literal_block"] is True
    assert "deploy-steps" in container["ids"]
    caption, block = container.children
    assert caption.astext() == "Deploy the worker, then the server"
    assert block["linenos"] is True
    assert block["highlight_args"] == {"hl_lines": [2, 4, 5]}
    html = built.html()
    assert "Listing 1" in html
    assert '<span class="hll">' in html


def test_content_that_is_not_a_mapping(build: Build) -> None:
    page = "T\n=\n\n.. gcpdeploy:: worker-and-server\n\n   - app: x\n"
    built = build({"index.rst": page})
    assert built.warning_lines() == [
        "index.rst:6: WARNING: the content must be a mapping of parameter names "
        "to values, one 'name: value' a line [gcpdeploy.parameters]"
    ]
    assert not list(built.app.env.get_doctree("index").findall(nodes.literal_block))


def test_content_with_a_yaml_error_is_located(build: Build) -> None:
    page = "T\n=\n\n.. gcpdeploy:: worker-and-server\n\n   app: x\n   app: y\n"
    built = build({"index.rst": page})
    assert built.warning_lines() == [
        "index.rst:7: WARNING: parameters: duplicate key 'app': it is already set "
        "on line 6; keep one of the two [gcpdeploy.parameters]"
    ]


def test_a_duplicate_key_in_myst_names_the_pages_lines(build: Build) -> None:
    page = "# T\n\n```{gcpdeploy} worker-and-server\napp: x\napp: y\n```\n"
    built = build({"index.md": page}, conf=MYST_CONF)
    assert built.warning_lines() == [
        "index.md:5: WARNING: parameters: duplicate key 'app': it is already set "
        "on line 4; keep one of the two [gcpdeploy.parameters]"
    ]


def test_unknown_recipe_is_located_at_the_directive(build: Build) -> None:
    page = "T\n=\n\nText.\n\n.. gcpdeploy:: nope\n"
    built = build({"index.rst": page})
    assert built.warning_lines() == [
        "index.rst:6: WARNING: there is no recipe 'nope'; the recipes are: "
        "django-settings, single-service, worker-and-server "
        "[gcpdeploy.unknown-recipe]"
    ]


def test_unknown_parameter_is_located_at_its_line(build: Build) -> None:
    page = (
        "T\n=\n\n.. gcpdeploy:: worker-and-server\n   :format: github-actions\n\n"
        "   app: shop\n   regoin: x\n"
    )
    [line] = build({"index.rst": page}).warning_lines()
    assert line.startswith(
        "index.rst:8: WARNING: recipe 'worker-and-server' has no parameter 'regoin'"
    )
    assert line.endswith("[gcpdeploy.unknown-parameter]")


def test_directive_output_is_an_ordinary_code_block(build: Build) -> None:
    """The page with the directive and a page with the same text written as a
    code-block give the same HTML body."""
    from sphinx_gcpdeploy.recipes import builtin_recipes
    from sphinx_gcpdeploy.render import build_snippet

    text = build_snippet(builtin_recipes(), "worker-and-server", None, {}).text or ""
    indented = "\n".join(f"   {line}" if line else "" for line in text.splitlines())
    generated = (
        "Same\n====\n\n.. gcpdeploy:: worker-and-server\n"
        "   :caption: Steps\n   :name: steps\n"
    )
    handwritten = (
        "Same\n====\n\n.. code-block:: yaml\n   :caption: Steps\n   :name: steps\n\n"
        f"{indented}\n"
    )
    with_directive = build({"index.rst": generated}, srcname="generated")
    by_hand = build({"index.rst": handwritten}, srcname="handwritten")
    assert with_directive.warnings == by_hand.warnings == ""

    def body(built: Built) -> str:
        html = built.html()
        return html[html.index("<section") : html.rindex("</section>")]

    assert body(with_directive) == body(by_hand)


def _normalised(doctree: nodes.document) -> str:
    """The doctree's XML without what differs between source formats anyway."""
    for node in doctree.findall(nodes.Element):
        for attribute in ("source", "line"):
            node.attributes.pop(attribute, None)
    xml = doctree.asdom().toxml()
    return re.sub(r' (source|line)="[^"]*"', "", xml)


def test_rest_and_myst_give_the_same_doctree(build: Build) -> None:
    rest = """\
Deploy
======

.. gcpdeploy:: worker-and-server
   :format: github-actions
   :caption: Deploy the worker, then the server
   :name: steps
   :emphasize-lines: 2

   app: shop
   region: us-east1
"""
    myst = """\
# Deploy

```{gcpdeploy} worker-and-server
:format: github-actions
:caption: Deploy the worker, then the server
:name: steps
:emphasize-lines: 2

app: shop
region: us-east1
```
"""
    from_rest = build({"index.rst": rest}, conf=MYST_CONF, srcname="rest")
    from_myst = build({"index.md": myst}, conf=MYST_CONF, srcname="myst")
    assert from_rest.warnings == from_myst.warnings == ""

    def snippet_xml(built: Built) -> str:
        doctree = built.app.env.get_doctree("index")
        [container] = list(doctree.findall(nodes.container))
        wrapper = nodes.document(doctree.settings, doctree.reporter)
        wrapper += container.deepcopy()
        return _normalised(wrapper)

    assert snippet_xml(from_rest) == snippet_xml(from_myst)


def test_emphasize_lines_that_are_not_a_spec_warn_instead_of_crashing(
    build: Build,
) -> None:
    pages = {
        "index.rst": ".. toctree::\n\n   a\n   b\n",
        "a.rst": "A\n=\n\n.. gcpdeploy:: worker-and-server\n   :emphasize-lines: 5-2\n",
        "b.rst": "B\n=\n\n.. gcpdeploy:: worker-and-server\n   :emphasize-lines: abc\n",
    }
    built = build(pages)
    assert built.warning_lines() == [
        f"{page}.rst:4: WARNING: emphasize-lines {spec!r} is not a list of lines "
        "and ranges such as 2,4-6 or 3-; no line is emphasized "
        "[gcpdeploy.emphasize-lines]"
        for page, spec in (("a", "5-2"), ("b", "abc"))
    ]
    assert len(list(built.app.env.get_doctree("a").findall(nodes.literal_block))) == 1


def test_an_open_range_runs_to_the_last_line_of_the_snippet(build: Build) -> None:
    page = "T\n=\n\n.. gcpdeploy:: worker-and-server\n   :emphasize-lines: 20-\n"
    built = build({"index.rst": page})
    assert built.warnings == ""
    [block] = list(built.app.env.get_doctree("index").findall(nodes.literal_block))
    count = len(block.astext().splitlines())
    assert block["highlight_args"]["hl_lines"] == list(range(20, count + 1))
