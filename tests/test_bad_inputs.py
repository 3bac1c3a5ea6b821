"""Bad input, systematically: every case yields a located warning or a command-line
error with its exit status, and never a traceback, a hang or a file left behind.

The cases live in ``bad_inputs/``: ``directives.yaml`` (pages built with Sphinx),
``recipes.yaml`` (a project's own recipe directory, broken in one way each) and
``cli.yaml`` (command lines). Each case asserts its exact warnings or its exact
standard error and exit status. A few inputs too large or too odd to write in a
data file are made here. Known bugs are marked ``xfail(strict=True)`` with the bug
named, so the test fails once the bug is fixed and the mark can go.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest
import yaml
from docutils import nodes

from sphinx_gcpdeploy.recipes import builtin_recipes

from conftest import Built, run_build, write_project

HERE = Path(__file__).parent / "bad_inputs"
T = TypeVar("T")

#: Seconds a whole batch of pages may take to build, and one command line to run.
BUILD_DEADLINE = 120.0
CLI_DEADLINE = 30.0  # a huge file takes a few seconds


def within(seconds: float, run: Callable[[], T]) -> T:
    """``run()``, failing the test (not the suite) if it takes longer than
    ``seconds``. The worker thread cannot be killed; it is a daemon, so a hang
    ends with the test process rather than blocking it."""
    result: list[T] = []
    error: list[BaseException] = []

    def target() -> None:
        try:
            result.append(run())
        except BaseException as raised:  # re-raised in the test's thread
            error.append(raised)

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        pytest.fail(f"still running after {seconds} seconds: a hang")
    if error:
        raise error[0]
    return result[0]


def load(name: str) -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = yaml.safe_load((HERE / name).read_text("utf-8"))
    return cases


def expand(text: str) -> str:
    """``text`` with the lists that grow with the built-in recipes filled in:
    ``<recipes>``, ``<parameters of NAME>`` and ``<formats of NAME>``."""
    recipes = builtin_recipes()
    text = text.replace("<recipes>", ", ".join(sorted(recipes)))
    for recipe in recipes.values():
        text = text.replace(
            f"<parameters of {recipe.name}>", ", ".join(recipe.parameters)
        )
        text = text.replace(f"<formats of {recipe.name}>", ", ".join(recipe.formats))
    return text


def _marks(case: dict[str, Any]) -> list[pytest.MarkDecorator]:
    if "bug" in case:
        return [pytest.mark.xfail(strict=True, reason=case["bug"])]
    return []


def params(cases: list[dict[str, Any]]) -> list[Any]:
    return [pytest.param(case, id=case["name"], marks=_marks(case)) for case in cases]


# --- Directives ------------------------------------------------------------------

CONF = (
    'extensions = ["sphinx_gcpdeploy", "myst_parser", "sphinx_tabs.tabs"]\n'
    'exclude_patterns = ["_build"]\n'
)
INDEX = "Bad input\n=========\n\n.. toctree::\n   :glob:\n\n   *\n"
WARNING_START = re.compile(r"^[\w.-]+\.(rst|md):\d+: ")


def _enormous_cases() -> list[dict[str, Any]]:
    """Inputs too large for a data file."""
    filler = "".join(f"   # line {index}\n" for index in range(20_000))
    return [
        {
            "name": "content-enormous",
            "page": (
                f"T\n=\n\n.. gcpdeploy:: worker-and-server\n\n{filler}   app: '*'\n"
            ),
            "renders": False,
            "warnings": [
                "20006: WARNING: parameter 'app' cannot be written into this GitHub "
                "Actions snippet as it is: it starts with '*', which YAML reads as "
                "syntax [gcpdeploy.parameter-value]"
            ],
        },
        {
            "name": "value-enormous",
            "page": (
                "T\n=\n\n.. gcpdeploy:: worker-and-server\n\n"
                f"   app: shop\n   region: {'a' * 200_000}\n"
            ),
            "renders": True,
            "warnings": [
                "7: WARNING: region "
                f"'{'a' * 200_000}' is not a Cloud Run region this tool knows; check "
                "the spelling (for example europe-west1) (from parameter 'region') "
                "[gcpdeploy.region]"
            ],
        },
        {
            "name": "content-nested-without-end",
            "page": (
                f"T\n=\n\n.. gcpdeploy:: worker-and-server\n\n   app: {'[' * 5000}\n"
            ),
            "renders": False,
            "warnings": [
                "6: WARNING: parameters: YAML syntax: while increasing flow level, "
                "exceeded maximum nesting depth [gcpdeploy.parameters]"
            ],
        },
    ]


DIRECTIVE_CASES = load("directives.yaml") + _enormous_cases()


def page_name(case: dict[str, Any]) -> str:
    return f"{case['name']}.{'md' if case.get('myst') else 'rst'}"


def split_warnings(text: str) -> dict[str, list[str]]:
    """The build's warnings by page, each as ``LINE: TEXT`` (several lines for a
    docutils error that quotes the directive)."""
    found: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        if WARNING_START.match(line):
            page, rest = line.split(":", 1)
            current = found.setdefault(page, [])
            current.append(rest.strip())
        elif current is not None and current:
            current[-1] += "\n" + line
        elif line.strip():
            found.setdefault("", []).append(line)
    return {
        page: [item.rstrip("\n") for item in items] for page, items in found.items()
    }


def build_pages(srcdir: Path, cases: list[dict[str, Any]], conf: str = CONF) -> Built:
    files = {page_name(case): case["page"] for case in cases}
    files["index.rst"] = INDEX
    write_project(srcdir, files, conf)
    return within(BUILD_DEADLINE, lambda: run_build(srcdir))


@pytest.fixture(scope="module")
def directive_build(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """One build of every directive case, one page each: fast, and a case that
    breaks the build for the others shows up as every test failing."""
    safe = [case for case in DIRECTIVE_CASES if "bug" not in case]
    return build_pages(tmp_path_factory.mktemp("directives") / "src", safe)


def code_blocks(built: Built, docname: str) -> list[nodes.literal_block]:
    return list(built.app.env.get_doctree(docname).findall(nodes.literal_block))


@pytest.mark.parametrize("case", params(DIRECTIVE_CASES))
def test_directive(
    case: dict[str, Any], directive_build: Built, tmp_path: Path
) -> None:
    built = build_pages(tmp_path / "src", [case]) if "bug" in case else directive_build
    warnings = split_warnings(built.warnings)
    assert warnings.get(page_name(case), []) == [expand(w) for w in case["warnings"]]
    assert warnings.get("", []) == []
    docname = case["name"]
    assert bool(code_blocks(built, docname)) == case["renders"]
    if not case["renders"]:
        assert "highlight-" not in built.html(docname)


def test_no_download_is_written_for_a_refused_snippet(directive_build: Built) -> None:
    """The one directive case with ``:download:`` is refused, so nothing is
    written below the output's downloads."""
    downloads = directive_build.outdir / "_downloads" / "gcpdeploy"
    assert not downloads.exists() or list(downloads.rglob("*.yml")) == []


# --- Configuration ---------------------------------------------------------------

PAGE = "T\n=\n\n.. gcpdeploy:: worker-and-server\n"


@dataclass
class ConfigCase:
    name: str
    conf: str
    warnings: list[str]
    renders: bool = True
    bug: str | None = None
    files: dict[str, str] = field(default_factory=dict)


CONFIG_CASES = [
    ConfigCase(
        "template-dirs-a-string",
        'gcpdeploy_template_dirs = "recipes"\n',
        [
            "WARNING: gcpdeploy_template_dirs must be a list of directory paths; "
            "ignoring it [gcpdeploy.config]",
        ],
    ),
    ConfigCase(
        "template-dirs-of-numbers",
        "gcpdeploy_template_dirs = [1, 2]\n",
        [
            "WARNING: gcpdeploy_template_dirs must be a list of directory paths; "
            "ignoring it [gcpdeploy.config]"
        ],
    ),
    ConfigCase(
        "template-dir-missing",
        'gcpdeploy_template_dirs = ["missing"]\n',
        [
            "index.rst:4: WARNING: cannot load recipes: missing: recipe directory "
            "does not exist [gcpdeploy.recipe]"
        ],
        renders=False,
    ),
    ConfigCase(
        "template-dir-a-file",
        'gcpdeploy_template_dirs = ["conf.py"]\n',
        [
            "index.rst:4: WARNING: cannot load recipes: conf.py: recipe directory "
            "is not a directory [gcpdeploy.recipe]"
        ],
        renders=False,
    ),
    ConfigCase(
        "defaults-a-list",
        'gcpdeploy_defaults = ["app"]\n',
        [
            "WARNING: gcpdeploy_defaults must be a dict of parameter names to "
            "values; ignoring it [gcpdeploy.config]",
        ],
    ),
    ConfigCase(
        "defaults-with-a-number-key",
        'gcpdeploy_defaults = {1: "shop"}\n',
        [
            "WARNING: gcpdeploy_defaults must be a dict of parameter names to "
            "values; ignoring it [gcpdeploy.config]"
        ],
    ),
    ConfigCase(
        "default-unsafe-for-yaml",
        'gcpdeploy_defaults = {"app": "a: b"}\n',
        [
            "index.rst:4: WARNING: parameter 'app' cannot be written into this "
            "GitHub Actions snippet as it is: it holds ': ', which YAML reads as "
            "syntax [gcpdeploy.parameter-value]"
        ],
        renders=False,
    ),
    ConfigCase(
        "default-of-the-wrong-type",
        'gcpdeploy_defaults = {"app": 5}\n',
        [
            "index.rst:4: WARNING: gcpdeploy_defaults sets 'app' to 5, which "
            "parameter 'app' of recipe 'worker-and-server' does not take; the "
            "recipe's own default is used. Fix it in conf.py [gcpdeploy.site-default]"
        ],
    ),
]


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(
            case,
            id=case.name,
            marks=[pytest.mark.xfail(strict=True, reason=case.bug)] if case.bug else [],
        )
        for case in CONFIG_CASES
    ],
)
def test_config(case: ConfigCase, tmp_path: Path) -> None:
    srcdir = tmp_path / "src"
    write_project(srcdir, {"index.rst": PAGE, **case.files}, CONF + case.conf)
    built = within(BUILD_DEADLINE, lambda: run_build(srcdir))
    assert built.warning_lines() == case.warnings
    assert bool(code_blocks(built, "index")) == case.renders


# --- A project's own recipes -----------------------------------------------------

RECIPE_CASES = load("recipes.yaml")


def write_recipes(base: Path, case: dict[str, Any]) -> None:
    for name, text in case["files"].items():
        target = base / "recipes" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, str):
            target.write_text(text, "utf-8")
        else:  # bytes given as a list of numbers, for what is not UTF-8
            target.write_bytes(bytes(text))


@pytest.mark.parametrize("case", params(RECIPE_CASES))
def test_project_recipe(case: dict[str, Any], tmp_path: Path) -> None:
    srcdir = tmp_path / "src"
    write_recipes(srcdir, case)
    page = case.get("page", "T\n=\n\n.. gcpdeploy:: broken\n")
    conf = CONF + 'gcpdeploy_template_dirs = ["recipes"]\n'
    conf += 'exclude_patterns = ["_build", "recipes"]\n'
    write_project(srcdir, {"index.rst": page}, conf)
    built = within(BUILD_DEADLINE, lambda: run_build(srcdir))
    assert built.warning_lines() == [expand(w) for w in case["warnings"]]
    assert bool(code_blocks(built, "index")) == case["renders"]


# --- The command line ------------------------------------------------------------

CLI_CASES = load("cli.yaml")


def _anchor_bomb() -> str:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for previous, name in zip("abcde", "bcdef", strict=True):
        aliases = ", ".join([f"*{previous}"] * 10)
        lines.append(f"{name}: &{name} [{aliases}]")
    return "\n".join(lines) + "\n"


def _huge_workflow() -> str:
    step = "      - name: Step {0}\n        run: echo {0}\n"
    steps = "".join(step.format(index) for index in range(40_000))
    return "on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n" + steps


#: Files a case may name by a word, for what a data file cannot hold well.
MADE: dict[str, Callable[[], str | bytes]] = {
    "anchor-bomb": _anchor_bomb,
    "huge-workflow": _huge_workflow,
    "deep-nesting": lambda: "a: " + "[" * 100_000 + "\n",
    "binary": lambda: b"\x7fELF\x02\x01\x01\x00\x00\x00",
    "latin-1": lambda: "on: push\nname: caf\xe9\n".encode("latin-1"),
    "utf-16": lambda: "on: push\n".encode("utf-16"),
    "bom": lambda: b"\xef\xbb\xbf" + b"on: push\n",
}


def make_files(base: Path, files: dict[str, Any]) -> None:
    for name, content in files.items():
        target = base / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if content is None:
            target.mkdir(exist_ok=True)
        elif isinstance(content, str) and content.startswith("@"):
            made = MADE[content[1:]]()
            if isinstance(made, str):
                target.write_text(made, "utf-8")
            else:
                target.write_bytes(made)
        elif content == "|fifo":
            os.mkfifo(target)
        else:
            target.write_text(content, "utf-8")


def run_cli(args: list[str], cwd: Path, deadline: float = CLI_DEADLINE) -> Any:
    """The command line in a process of its own, so a hang can be ended."""
    try:
        return subprocess.run(
            [sys.executable, "-m", "sphinx_gcpdeploy", *args],
            cwd=cwd,
            capture_output=True,
            timeout=deadline,
            # Strict UTF-8 output, as in any UTF-8 locale.
            env={**os.environ, "PYTHONIOENCODING": "utf-8"},
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"still running after {deadline} seconds: a hang")


def listing(base: Path) -> list[str]:
    return sorted(str(path.relative_to(base)) for path in base.rglob("*"))


@pytest.mark.parametrize("case", params(CLI_CASES))
def test_cli(case: dict[str, Any], tmp_path: Path) -> None:
    make_files(tmp_path, case.get("files", {}))
    before = listing(tmp_path)
    done = run_cli(case["args"], tmp_path, case.get("deadline", CLI_DEADLINE))
    stderr = done.stderr.decode("utf-8", "replace").replace(f"{tmp_path}/", "")
    stdout = done.stdout.decode("utf-8", "replace").replace(f"{tmp_path}/", "")
    assert "Traceback" not in stderr
    assert (done.returncode, stderr) == (case["status"], expand(case["stderr"]))
    if "stdout" in case:
        assert stdout == expand(case["stdout"])
    assert listing(tmp_path) == before, "the command left a file behind"


def test_cli_file_name_not_utf8(tmp_path: Path) -> None:
    folder = tmp_path / "workflows"
    folder.mkdir()
    with open(os.path.join(os.fsencode(folder), b"\xff.yml"), "w") as stream:
        stream.write("a: [\n")
    done = run_cli(["check", "workflows"], tmp_path)
    assert done.stderr == b""
    assert done.returncode == 1
    assert done.stdout.startswith(b"workflows/\\udcff.yml:2:1: yaml-syntax ")


def test_suite_has_enough_cases() -> None:
    total = len(DIRECTIVE_CASES) + len(CONFIG_CASES) + len(RECIPE_CASES)
    total += len(CLI_CASES) + 1
    assert total >= 60
