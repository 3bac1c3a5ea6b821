"""gcpdeploy-tabs, gcpdeploy-catalogue and the :download: option."""

from __future__ import annotations

from collections.abc import Callable

from docutils import nodes

from conftest import Built

Build = Callable[..., Built]

TABS_CONF = 'extensions = ["sphinx_gcpdeploy", "sphinx_tabs.tabs"]\n'

TABS_PAGE = """\
Tabs
====

.. gcpdeploy-tabs:: worker-and-server
   :formats: github-actions, github-workflow

   app: shop

.. gcpdeploy-tabs:: worker-and-server
   :formats: github-actions, github-workflow
"""


def test_tabs_are_sphinx_tabs_group_tabs(build: Build) -> None:
    built = build({"index.rst": TABS_PAGE}, conf=TABS_CONF)
    assert built.warnings == ""
    html = built.html()
    # two tab sets, each with a GitHub Actions and a GitHub workflow group tab,
    # the same group ids in both so one click switches both
    assert html.count('class="sphinx-tabs-tab group-tab"') == 4
    assert html.count('name="R2l0SHViIEFjdGlvbnM="') == 4  # base64 "GitHub Actions"
    assert 'id="tab-0-R2l0SHViIEFjdGlvbnM="' in html
    assert 'id="tab-1-R2l0SHViIEFjdGlvbnM="' in html
    assert "_static/tabs.js" in html
    assert html.count("shop-worker-") == 2


def test_tabs_without_sphinx_tabs_warn_once_and_show_formats_in_turn(
    build: Build,
) -> None:
    page = (
        "T\n=\n\n.. gcpdeploy-tabs:: worker-and-server\n"
        "   :formats: github-actions, github-workflow\n"
    )
    built = build({"index.rst": page})
    assert built.warning_lines() == [
        "index.rst:4: WARNING: sphinx-tabs is not loaded, so the formats are shown "
        "one after another; add 'sphinx_tabs.tabs' to extensions for tabs "
        "[gcpdeploy.tabs]"
    ]
    html = built.html()
    assert html.count('<p class="rubric">') == 2
    actions = html.index('<p class="rubric">GitHub Actions</p>')
    workflow = html.index('<p class="rubric">GitHub workflow</p>')
    assert actions < html.index("deploy_worker") < workflow
    assert "sphinx-tabs" not in html


def test_tabs_with_an_unknown_format_warn_and_keep_the_others(build: Build) -> None:
    page = (
        "T\n=\n\n.. gcpdeploy-tabs:: worker-and-server\n"
        "   :formats: github-actions, gitlab\n"
    )
    built = build({"index.rst": page}, conf=TABS_CONF)
    assert built.warning_lines() == [
        "index.rst:4: WARNING: recipe 'worker-and-server' has no format 'gitlab'; "
        "its formats are: github-actions, github-workflow, gcloud, cloudbuild "
        "[gcpdeploy.unknown-format]"
    ]
    assert built.html().count('class="sphinx-tabs-tab group-tab"') == 1


def test_download_writes_the_rendered_file_and_links_it(build: Build) -> None:
    page = (
        "T\n=\n\n.. gcpdeploy:: worker-and-server\n   :format: github-workflow\n"
        "   :download:\n\n   app: shop\n"
    )
    built = build(
        {"sub/index.rst": page, "index.rst": ".. toctree::\n\n   sub/index\n"}
    )
    assert built.warnings == ""
    html = built.html("sub/index")
    start = html.index('href="../_downloads/gcpdeploy/') + len('href="../')
    link = html[start : html.index('"', start)]
    assert link.endswith("/deploy.yml")
    written = (built.outdir / link).read_text("utf-8")
    doctree = built.app.env.get_doctree("sub/index")
    [block] = list(doctree.findall(nodes.literal_block))
    assert written == block.astext() + "\n"
    assert "shop-worker-production" in written


def test_download_under_a_name_of_ones_own(build: Build) -> None:
    page = "T\n=\n\n.. gcpdeploy:: worker-and-server\n   :download: worker.yml\n"
    built = build({"index.rst": page})
    assert "/worker.yml" in built.html()


def test_download_refuses_a_path(build: Build) -> None:
    page = "T\n=\n\n.. gcpdeploy:: worker-and-server\n   :download: ../x.yml\n"
    lines = build({"index.rst": page}).warning_lines()
    assert lines[:2] == [
        'index.rst:4: ERROR: Error in "gcpdeploy" directive:',
        "invalid option value: (option: \"download\"; value: '../x.yml')",
    ]
    assert lines[2] == "give a file name, not a path."


def test_catalogue_lists_recipes_formats_and_parameters(build: Build) -> None:
    built = build({"index.rst": "T\n=\n\n.. gcpdeploy-catalogue::\n"})
    assert built.warnings == ""
    doctree = built.app.env.get_doctree("index")
    headings = [node.astext() for node in doctree.findall(nodes.rubric)]
    assert headings == ["django-settings", "single-service", "worker-and-server"]
    table = list(doctree.findall(nodes.table))[-1]
    rows = [
        [entry.astext() for entry in row.findall(nodes.entry)]
        for row in table.findall(nodes.row)
    ]
    assert rows[0] == ["Parameter", "Type", "Default", "Description"]
    assert rows[1][:3] == ["app", "str", "yourapp"]
    assert rows[2][:3] == ["region", "str", "europe-west1"]
    branch = next(row for row in rows if row[0] == "branch")
    assert branch[3].endswith("Used by: github-workflow.")
    text = doctree.astext()
    assert "Saved as deploy-steps.yml." in text


def test_catalogue_of_an_unknown_recipe(build: Build) -> None:
    built = build({"index.rst": "T\n=\n\n.. gcpdeploy-catalogue:: nope\n"})
    assert built.warning_lines() == [
        "index.rst:4: WARNING: there is no recipe 'nope'; the recipes are: "
        "django-settings, single-service, worker-and-server "
        "[gcpdeploy.unknown-recipe]"
    ]


def test_a_parameter_one_tab_uses_is_not_unused_in_the_others(build: Build) -> None:
    page = """\
T
=

.. gcpdeploy-tabs:: worker-and-server
   :formats: github-actions, gcloud

   project_id: shop-prod
   environment_name: staging
"""
    built = build({"index.rst": page}, conf=TABS_CONF)
    assert built.warnings == ""
    assert "shop-prod" in built.html()


def test_a_parameter_no_tab_uses_is_still_reported(build: Build) -> None:
    page = (
        "T\n=\n\n.. gcpdeploy-tabs:: worker-and-server\n"
        "   :formats: github-actions, gcloud\n\n   branch: dev\n"
    )
    lines = build({"index.rst": page}, conf=TABS_CONF).warning_lines()
    assert lines == [
        "index.rst:7: WARNING: parameter 'branch' has no effect in format "
        f"{name!r}; it is used by: github-workflow [gcpdeploy.unused-parameter]"
        for name in ("github-actions", "gcloud")
    ]


def test_tabs_with_empty_or_repeated_formats_are_option_errors(build: Build) -> None:
    pages = {
        "index.rst": ".. toctree::\n\n   a\n   b\n",
        "a.rst": "A\n=\n\n.. gcpdeploy-tabs:: worker-and-server\n   :formats:\n",
        "b.rst": "B\n=\n\n.. gcpdeploy-tabs:: worker-and-server\n"
        "   :formats: gcloud, gcloud\n",
    }
    built = build(pages, conf=TABS_CONF)
    lines = built.warning_lines()
    assert lines[0] == 'a.rst:4: ERROR: Error in "gcpdeploy-tabs" directive:'
    assert "list at least one format, separated by commas." in lines
    assert 'b.rst:4: ERROR: Error in "gcpdeploy-tabs" directive:' in lines
    assert "name each format once." in lines


def test_download_refuses_a_name_that_would_break_the_link(build: Build) -> None:
    page = "T\n=\n\n.. gcpdeploy:: worker-and-server\n   :download: my file?.sh\n"
    lines = build({"index.rst": page}).warning_lines()
    assert lines[0] == 'index.rst:4: ERROR: Error in "gcpdeploy" directive:'
    assert "use letters, digits, '.', '_' and '-' in the file name." in lines


def test_a_bad_parameter_in_a_tab_set_is_reported_once(build: Build) -> None:
    page = (
        "T\n=\n\n.. gcpdeploy-tabs:: worker-and-server\n"
        "   :formats: github-actions, gcloud, cloudbuild\n\n   regoin: x\n"
    )
    [line] = build({"index.rst": page}, conf=TABS_CONF).warning_lines()
    assert line.startswith(
        "index.rst:7: WARNING: recipe 'worker-and-server' has no parameter 'regoin'"
    )
