"""Sessions for building the docs, running the tests and linting.

``nox -s docs`` and ``nox -s tests`` are all a fresh machine needs after
``python3 -m pip install nox``.
"""

from __future__ import annotations

import nox

nox.options.sessions = ["docs", "tests", "lint"]
nox.options.reuse_existing_virtualenvs = True


@nox.session
def docs(session: nox.Session) -> None:
    """Build the site into docs/_build/html, failing on any warning."""
    session.install("-e", ".[docs]")
    session.run(
        "sphinx-build",
        "-nW",
        "--keep-going",
        "-b",
        "html",
        "docs",
        "docs/_build/html",
        *session.posargs,
    )


@nox.session
@nox.parametrize("sphinx", ["8", "9"])
def tests(session: nox.Session, sphinx: str) -> None:
    """Run the test suite against each supported major of Sphinx."""
    session.install("-e", ".[test,docs]", f"sphinx=={sphinx}.*")
    session.run("pytest", *session.posargs)


@nox.session
def bench(session: nox.Session) -> None:
    """The benchmarks: build time with checked snippets against plain code blocks,
    ``check`` against check-jsonschema, incremental rebuilds. Prints a table and
    writes it to benchmarks/results/bench.json (or ``-- --output FILE``); fails
    when a target is missed. Not among the default sessions: it takes minutes.

    The package is installed as users install it, not editable: its modules then
    load from the bytecode pip compiles, as Sphinx's own do. (An editable install
    where PYTHONDONTWRITEBYTECODE is set compiles them from source in every
    build, which is not what anyone's docs build pays.)"""
    session.install(".")
    session.install("--no-deps", "--force-reinstall", ".")
    session.run("python", "benchmarks/bench.py", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff lint, ruff format check, and mypy on the package."""
    session.install(
        "-e", ".[test]", "ruff", "mypy", "types-PyYAML", "types-jsonschema",
        "types-docutils",
    )  # fmt: skip
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy", "sphinx_gcpdeploy")
