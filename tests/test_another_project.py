"""A project that plays "another project": its own recipe directory, reST and
MyST pages, built as any user of the installed package would build it."""

from __future__ import annotations

import os
import shutil
import time
from io import StringIO
from pathlib import Path

import pytest
from sphinx.testing.util import SphinxTestApp

import sphinx_gcpdeploy

PROJECT = Path(__file__).parent / "projects" / "another"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    copy = tmp_path / "another"
    shutil.copytree(PROJECT, copy)
    return copy


def build(srcdir: Path, outdir: Path, parallel: int = 0) -> tuple[list[str], str]:
    """Build once; return the documents read and the warnings."""
    read: list[str] = []
    warning = StringIO()
    app = SphinxTestApp(
        "html",
        srcdir=srcdir,
        builddir=outdir,
        status=StringIO(),
        warning=warning,
        parallel=parallel,
    )
    app.connect("env-before-read-docs", lambda app, env, names: read.extend(names))
    try:
        app.build()
    finally:
        app.cleanup()
    return sorted(read), warning.getvalue()


def html_files(outdir: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(outdir)): path.read_bytes()
        for path in sorted(outdir.rglob("*"))
        if path.is_file() and path.suffix in (".html", ".yml")
    }


def test_builds_without_warnings_serial_and_parallel_alike(
    project: Path, tmp_path: Path
) -> None:
    serial_read, serial_warnings = build(project, tmp_path / "serial")
    parallel_read, parallel_warnings = build(project, tmp_path / "parallel", 2)
    assert serial_warnings == parallel_warnings == ""
    assert serial_read == parallel_read == ["builtin", "index", "own"]
    serial = html_files(tmp_path / "serial" / "html")
    parallel = html_files(tmp_path / "parallel" / "html")
    assert serial == parallel
    assert any(name.endswith("worker-steps.yml") for name in serial)


def test_own_recipe_and_site_default_are_used(project: Path, tmp_path: Path) -> None:
    build(project, tmp_path / "out")
    index = (tmp_path / "out" / "html" / "index.html").read_text("utf-8")
    assert "shop-worker" in index  # gcpdeploy_defaults overrides the recipe's hello
    assert "blue" in index
    own = (tmp_path / "out" / "html" / "own.html").read_text("utf-8")
    assert "green" in own
    builtin = (tmp_path / "out" / "html" / "builtin.html").read_text("utf-8")
    assert "gcpdeploy-recipe-hello-worker" in builtin
    assert "sphinx-tabs-tab" in builtin


def test_rebuild_with_nothing_changed_reads_nothing(
    project: Path, tmp_path: Path
) -> None:
    build(project, tmp_path / "out")
    read, warnings = build(project, tmp_path / "out")
    assert (read, warnings) == ([], "")


def test_touching_a_template_rereads_only_the_pages_that_use_it(
    project: Path, tmp_path: Path
) -> None:
    build(project, tmp_path / "out")
    template = project / "recipes" / "hello-worker" / "steps.yaml.j2"
    later = time.time() + 5
    os.utime(template, (later, later))
    read, _ = build(project, tmp_path / "out")
    assert read == ["index", "own"]


def test_a_project_recipe_overrides_a_builtin_of_the_same_name(
    project: Path, tmp_path: Path
) -> None:
    shutil.copytree(
        project / "recipes" / "hello-worker",
        project / "recipes" / "worker-and-server",
    )
    (project / "builtin.rst").write_text(
        "Override\n========\n\n.. gcpdeploy:: worker-and-server\n", "utf-8"
    )
    _, warnings = build(project, tmp_path / "out")
    assert warnings == ""
    html = (tmp_path / "out" / "html" / "builtin.html").read_text("utf-8")
    assert "shop-worker" in html
    assert "deploy_server" not in html


def test_an_edited_recipe_is_seen_by_the_next_build_in_the_same_process(
    project: Path, tmp_path: Path
) -> None:
    build(project, tmp_path / "out")
    declaration = project / "recipes" / "hello-worker" / "recipe.yaml"
    declaration.write_text(
        declaration.read_text("utf-8").replace("  tag:\n", "  colour:\n", 1), "utf-8"
    )
    later = time.time() + 5
    os.utime(declaration, (later, later))
    _, warnings = build(project, tmp_path / "out")
    assert "recipe 'hello-worker' has no parameter 'tag'" in warnings


def test_a_template_that_starts_including_another_is_tracked_in_the_same_process(
    project: Path, tmp_path: Path
) -> None:
    # sphinx-autobuild keeps one process: the files a template includes are
    # worked out again for each build, so an include added by an edit is tracked.
    build(project, tmp_path / "out")
    recipe = project / "recipes" / "hello-worker"
    template = recipe / "steps.yaml.j2"
    (recipe / "part.j2").write_text("# part one\n", "utf-8")
    template.write_text(
        "{% include 'part.j2' %}" + template.read_text("utf-8"), "utf-8"
    )
    # Newer than the first build's reading, older than the second's: only the
    # included template can make the third build read the page again.
    now = time.time()
    os.utime(template, (now, now))
    build(project, tmp_path / "out")
    (recipe / "part.j2").write_text("# part two\n", "utf-8")
    later = time.time() + 5
    os.utime(recipe / "part.j2", (later, later))
    read, warnings = build(project, tmp_path / "out")
    assert (read, warnings) == (["index", "own"], "")
    assert "# part two" in (tmp_path / "out" / "html" / "own.html").read_text()


def test_a_broken_recipe_fails_only_the_directives_that_use_it(
    project: Path, tmp_path: Path
) -> None:
    # Full and incremental builds alike: the page using only a built-in recipe
    # keeps its snippet and its own findings.
    build(project, tmp_path / "incremental")
    declaration = project / "recipes" / "hello-worker" / "recipe.yaml"
    declaration.write_text(declaration.read_text("utf-8") + "summary: [\n", "utf-8")
    later = time.time() + 5
    os.utime(declaration, (later, later))
    _, incremental = build(project, tmp_path / "incremental")
    read, full = build(project, tmp_path / "full")
    assert read == ["builtin", "index", "own"]
    assert sorted(incremental.splitlines()) == sorted(full.splitlines())
    lines = full.splitlines()
    assert len(lines) == 3  # index.rst, own.md, and the catalogue on builtin.rst
    assert all("cannot load recipe 'hello-worker'" in line for line in lines)
    assert not any("builtin.rst:4" in line for line in lines)
    html = (tmp_path / "full" / "html" / "builtin.html").read_text("utf-8")
    assert "deploy-cloudrun" in html


def test_a_broken_override_of_a_builtin_recipe_is_not_replaced_by_it(
    project: Path, tmp_path: Path
) -> None:
    broken = project / "recipes" / "worker-and-server"
    broken.mkdir()
    (broken / "recipe.yaml").write_text("summary: [\n", "utf-8")
    _, warnings = build(project, tmp_path / "out")
    assert "builtin.rst:4: WARNING: cannot load recipe 'worker-and-server'" in warnings
    html = (tmp_path / "out" / "html" / "builtin.html").read_text("utf-8")
    assert "deploy-cloudrun" not in html


def test_a_rebuild_sees_no_configuration_change_and_ships_the_stylesheet(
    tmp_path: Path,
) -> None:
    # The stylesheet used to reach the build through html_static_path, changed
    # after the configuration was read, so each rebuild said the configuration
    # had changed. (sphinx-tabs still does that, so it is left out here.)
    source = tmp_path / "source"
    source.mkdir()
    (source / "conf.py").write_text('extensions = ["sphinx_gcpdeploy"]\n')
    (source / "index.rst").write_text(
        "Title\n=====\n\n.. gcpdeploy:: single-service\n\n   service: shop\n"
    )
    status = StringIO()
    for _ in range(2):
        app = SphinxTestApp(
            "html", srcdir=source, builddir=tmp_path / "out", status=status,
            warning=status,
        )  # fmt: skip
        try:
            app.build()
        finally:
            app.cleanup()
    assert "html_static_path" not in status.getvalue()
    html = tmp_path / "out" / "html"
    assert (html / "_static" / "gcpdeploy.css").read_bytes() == (
        Path(sphinx_gcpdeploy.__file__).parent / "static" / "gcpdeploy.css"
    ).read_bytes()
    assert "_static/gcpdeploy.css" in (html / "index.html").read_text()
