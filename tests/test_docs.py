"""The project's own site builds with no warning at all, as nox -s docs and Read
the Docs build it: every snippet in the guide rendered and checked."""

from __future__ import annotations

from pathlib import Path

import pytest
from sphinx.cmd.build import build_main

DOCS = Path(__file__).parent.parent / "docs"


def test_the_site_builds_without_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = build_main(
        ["-nW", "--keep-going", "-q", "-b", "html", str(DOCS), str(tmp_path)]
    )
    assert (status, capsys.readouterr().err) == (0, "")
    guide = (tmp_path / "workers.html").read_text("utf-8")
    assert guide.count("sphinx-tabs-tab group-tab") >= 6
    assert "google-github-actions/deploy-cloudrun" in guide
