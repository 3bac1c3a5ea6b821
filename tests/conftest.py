"""Helpers to build small Sphinx projects in a temporary directory."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from sphinx.testing.util import SphinxTestApp

_ANSI = re.compile(r"\x1b\[[0-9;]*m")

DEFAULT_CONF = 'extensions = ["sphinx_gcpdeploy"]\n'


@dataclass
class Built:
    """A finished build: its app, its warnings with paths made relative, and where
    the output went."""

    app: SphinxTestApp
    warnings: str
    srcdir: Path

    @property
    def outdir(self) -> Path:
        return Path(self.app.outdir)

    def warning_lines(self) -> list[str]:
        return [line for line in self.warnings.splitlines() if line.strip()]

    def html(self, page: str = "index") -> str:
        return (self.outdir / f"{page}.html").read_text("utf-8")


def write_project(srcdir: Path, files: dict[str, str], conf: str) -> None:
    srcdir.mkdir(parents=True, exist_ok=True)
    (srcdir / "conf.py").write_text(conf, "utf-8")
    for name, text in files.items():
        target = srcdir / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, "utf-8")


def run_build(srcdir: Path, buildername: str = "html", **kwargs: Any) -> Built:
    warning = StringIO()
    app = SphinxTestApp(
        buildername, srcdir=srcdir, status=StringIO(), warning=warning, **kwargs
    )
    try:
        app.build()
    finally:
        app.cleanup()
    text = _ANSI.sub("", warning.getvalue()).replace(f"{srcdir}/", "")
    return Built(app, text, srcdir)


@pytest.fixture
def build(tmp_path: Path) -> Callable[..., Built]:
    """Build a project made of ``files`` (name to text) with ``conf`` as conf.py."""

    def make(
        files: dict[str, str],
        conf: str = DEFAULT_CONF,
        buildername: str = "html",
        srcname: str = "src",
        **kwargs: Any,
    ) -> Built:
        srcdir = tmp_path / srcname
        write_project(srcdir, files, conf)
        return run_build(srcdir, buildername, **kwargs)

    return make


def given(**values: object) -> dict[str, Any]:
    """Parameter values as a directive gives them, one a line from line 1."""
    from sphinx_gcpdeploy.render import Given

    return {
        name: Given(name, value, line)
        for line, (name, value) in enumerate(values.items(), start=1)
    }


def problems(snippet: Any) -> list[tuple[str, int | None, str]]:
    """A rendered snippet's problems as (rule, content line, message)."""
    return [
        (item.finding.rule, item.content_line, item.finding.message)
        for item in snippet.problems
    ]


def bash_says(text: str) -> bool:
    """Whether bash -n finds a syntax error in ``text``."""
    import subprocess

    done = subprocess.run(
        ["bash", "-n"], input=text, capture_output=True, text=True, check=False
    )
    return done.returncode != 0
