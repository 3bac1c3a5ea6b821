"""The rules page: built from the registry, with every rule, without warnings."""

from __future__ import annotations

import shutil
from pathlib import Path

from sphinx.cmd.build import build_main

import sphinx_gcpdeploy.checks  # noqa: F401  (declares every check's rules)
from sphinx_gcpdeploy.findings import RULES
from sphinx_gcpdeploy.rulesdoc import (
    TOPIC_ORDER,
    example_finding,
    rules_by_topic,
    upstream_uri,
)

DOCS = Path(__file__).parent.parent / "docs"


def test_topics_come_in_page_order() -> None:
    topics = [topic for topic, _ in rules_by_topic(RULES)]
    known = [topic for topic in topics if topic in TOPIC_ORDER]
    assert known == [topic for topic in TOPIC_ORDER if topic in known]
    if "Other" in topics:
        assert topics[-1] == "Other"


def test_upstream_uri() -> None:
    assert upstream_uri("google-github-actions/auth#260") == (
        "https://github.com/google-github-actions/auth/issues/260"
    )


def test_example_finding_is_the_rules_own() -> None:
    found = example_finding(RULES["env-var-value"])
    assert found is not None
    assert (found.rule, found.line, found.column) == ("env-var-value", 6, 37)


def test_rules_page_builds_without_warnings(tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.mkdir()
    shutil.copy(DOCS / "rules.rst", source / "rules.rst")
    # The page links to the command line page; a stand-in keeps the link whole.
    (source / "cli.rst").write_text("Command line\n============\n", "utf-8")
    (source / "index.rst").write_text(
        "Index\n=====\n\n.. toctree::\n\n   rules\n   cli\n", "utf-8"
    )
    (source / "conf.py").write_text(
        "project = 'rules'\nextensions = ['sphinx_gcpdeploy']\n", "utf-8"
    )
    output = tmp_path / "html"
    status = build_main(
        ["-nW", "--keep-going", "-q", "-b", "html", str(source), str(output)]
    )
    assert status == 0
    html = (output / "rules.html").read_text("utf-8")
    for declared in RULES.values():
        if declared.topic != "Other":
            assert f'id="rule-{declared.id}"' in html, declared.id
    assert "env_vars: this comma ends the value of ALLOWED_HOSTS" in html
    assert "https://github.com/google-github-actions/deploy-cloudrun/issues/589" in html
