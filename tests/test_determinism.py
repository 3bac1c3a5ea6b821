"""Output is deterministic: two clean builds give byte-identical pages and
downloads, and a parallel build the same as a serial one."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

from sphinx.testing.util import SphinxTestApp

from conftest import write_project

CONF = (
    'extensions = ["sphinx_gcpdeploy", "myst_parser", "sphinx_tabs.tabs"]\n'
    'exclude_patterns = ["_build"]\n'
)

# More than five pages, so that Sphinx really reads them in parallel with -j 2.
PAGES = {
    "index.rst": (
        "Every directive\n===============\n\n.. toctree::\n   :glob:\n\n   *\n\n"
        ".. gcpdeploy-catalogue::\n"
    ),
    "steps.rst": (
        "Steps\n=====\n\n.. gcpdeploy:: worker-and-server\n   :format: github-actions\n"
        "   :caption: Deploy\n   :name: steps\n   :emphasize-lines: 2\n   :linenos:\n"
        "   :download:\n\n   app: shop\n   region: us-east1\n"
    ),
    "workflow.rst": (
        "Workflow\n========\n\n.. gcpdeploy:: single-service\n"
        "   :format: github-workflow\n   :download: deploy.yml\n\n   service: shop\n"
    ),
    "tabs.rst": (
        "Tabs\n====\n\n.. gcpdeploy-tabs:: worker-and-server\n   :download:\n\n"
        "   app: shop\n\n.. gcpdeploy-tabs:: single-service\n"
    ),
    "settings.md": (
        "# Settings\n\n```{gcpdeploy} django-settings\n:download:\n\nmode: eager\n```\n"
    ),
    "warned.rst": (
        "Warned\n======\n\n.. gcpdeploy:: worker-and-server\n\n   app: 1bad\n"
    ),
    "more.md": "# More\n\n```{gcpdeploy} single-service\n:format: gcloud\n```\n",
}


def build(srcdir: Path, outdir: Path, parallel: int = 0) -> str:
    warning = StringIO()
    app = SphinxTestApp(
        "html",
        srcdir=srcdir,
        builddir=outdir,
        status=StringIO(),
        warning=warning,
        parallel=parallel,
    )
    try:
        app.build()
    finally:
        app.cleanup()
    return warning.getvalue().replace(f"{srcdir}/", "")


def output(outdir: Path) -> dict[str, bytes]:
    """Every page and every file offered for download."""
    html = outdir / "html"
    return {
        str(path.relative_to(html)): path.read_bytes()
        for path in sorted(html.rglob("*"))
        if path.is_file()
        and (path.suffix == ".html" or "_downloads" in path.relative_to(html).parts)
    }


def test_two_clean_builds_and_a_parallel_build_are_byte_identical(
    tmp_path: Path,
) -> None:
    srcdir = tmp_path / "src"
    write_project(srcdir, PAGES, CONF)

    first = build(srcdir, tmp_path / "first")
    second = build(srcdir, tmp_path / "second")
    parallel = build(srcdir, tmp_path / "parallel", parallel=2)

    assert first == second
    assert sorted(first.splitlines()) == sorted(parallel.splitlines())
    assert "warned.rst:6:" in first  # the warned page is really checked
    pages = output(tmp_path / "first")
    assert len([name for name in pages if name.endswith(".yml")]) >= 3
    assert pages == output(tmp_path / "second")
    assert pages == output(tmp_path / "parallel")
