"""The ``sphinx-gcpdeploy`` command line: ``check`` runs the snippet rules on
workflow files, in CI or as a pre-commit hook.

Findings go to standard output, one a line; anything that stops a file from being
checked goes to standard error (and, with ``--format json``, into the document
too). Exit status: 0 when no finding is an error, 1 when one is, 2 for bad usage
or a file that cannot be read.
"""

from __future__ import annotations

import argparse
import json
import os
import stat
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from .findings import Finding

OK, FOUND_ERRORS, USAGE = 0, 1, 2

#: Kinds other than GitHub's, and how ``--kind auto`` knows them by file name.
OTHER_KINDS = ("cloudbuild", "bash", "python")

#: The file name endings ``check`` looks for inside a directory.
SUFFIXES = (".yml", ".yaml")


class Unreadable(Exception):
    """A path that cannot be checked, with the reason in plain words.

    The path and the reason are kept apart for the JSON report; the message joins
    them (an empty path, itself the mistake, leaves only the reason)."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}" if path else reason)
        self.path = path
        self.reason = reason


def build_parser() -> argparse.ArgumentParser:
    """The parser for every subcommand."""
    parser = argparse.ArgumentParser(
        prog="sphinx-gcpdeploy",
        description="Render and check Cloud Run deployment snippets.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    check = commands.add_parser(
        "check",
        help="check GitHub workflow files for deployment mistakes",
        description=(
            "Check GitHub Actions workflow files with the rules the docs' snippets "
            "are checked with. A directory stands for every .yml and .yaml file "
            "below it. Exit status: 0 with no error, 1 with at least one error "
            "(warnings alone do not fail), 2 when a file cannot be read or the "
            "command is used wrongly."
        ),
    )
    check.add_argument("paths", nargs="+", metavar="PATH", help="a file or directory")
    check.add_argument(
        "--kind",
        choices=("auto", "github-workflow", "github-steps", *OTHER_KINDS),
        default="auto",
        metavar="KIND",
        help=(
            "how to read each file; auto (the default) reads a file named "
            "cloudbuild.yaml (or .yml) as Cloud Build, .sh as bash, .py as Python "
            "settings, a YAML file whose top level is a list as the steps of one "
            "job, and anything else as a complete GitHub workflow"
        ),
    )
    check.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="text: PATH:LINE:COL: RULE-ID message, one a line; json: one document",
    )
    check.add_argument(
        "--ignore",
        action="append",
        default=[],
        metavar="RULE-ID",
        help="leave out findings of this rule; repeat for several",
    )
    check.set_defaults(run=run_check, parser=check)
    from .cli_render import add_commands

    add_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # argparse has printed the usage or the help
        return stop.code if isinstance(stop.code, int) else USAGE
    try:
        # A subcommand may name its own parser, so usage errors show its usage.
        status: int = args.run(args, getattr(args, "parser", parser))
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader stopped early (``| head``). Say nothing more: send what is
        # still buffered nowhere, so that exiting does not fail on it again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return FOUND_ERRORS
    return status


def run_check(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """``check``: read each file, run the rules, print what they find."""
    from .checks import KINDS
    from .findings import RULES

    unknown = [item for item in args.ignore if item not in RULES]
    if unknown:
        parser.print_usage(sys.stderr)
        _say(f"--ignore: no rule {', '.join(unknown)}; see the rules page")
        return USAGE
    del KINDS  # imported so the rules of every check module are registered
    status = OK
    results: list[tuple[str, Finding]] = []
    unreadable: list[Unreadable] = []
    files = 0
    for path in _expand(args.paths):
        try:
            if isinstance(path, Unreadable):
                raise path  # not found by _expand: told like what _read refuses
            text = _read(path)
        except Unreadable as problem:
            _say(str(problem))
            unreadable.append(problem)
            status = USAGE
            continue
        files += 1
        for found in _check(text, _kind(path, args.kind)):
            if found.rule not in args.ignore:
                results.append((str(path), found))
    if args.format == "json":
        _print_json(results, files, unreadable, sys.stdout)
    else:
        for name, found in results:
            print(_line(name, found))
    if status == OK and any(found.level == "error" for _, found in results):
        status = FOUND_ERRORS
    return status


def _say(message: str) -> None:
    print(f"sphinx-gcpdeploy: {printable(message)}", file=sys.stderr)


def printable(text: str) -> str:
    """``text`` with what a strict UTF-8 stream cannot write (a file name that
    is not UTF-8 comes back from the system as lone surrogates) escaped."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _expand(paths: Sequence[str]) -> Iterator[Path | Unreadable]:
    """Each file to check, in order; directories become the YAML files below them."""
    for name in paths:
        path = Path(name)
        if not name:
            # Path("") is the working directory: an empty argument is a mistake
            # (an unset shell variable), not a request to check everything here.
            yield Unreadable("", "an empty path was given; name a file or a directory")
            continue
        if path.is_dir():
            found = sorted(
                item
                for item in path.rglob("*")
                if item.suffix in SUFFIXES and item.is_file()
            )
            if not found:
                yield Unreadable(name, "no .yml or .yaml file in this directory")
            yield from found
        elif not path.exists():
            yield Unreadable(name, "no such file or directory")
        else:
            yield path


def regular_file(path: Path) -> os.stat_result | None:
    """The status of the file ``path`` names, through symbolic links; None when
    there is none to be had (a missing file, say: opening it then tells why).

    Raise Unreadable for a directory and for anything else that is not a regular
    file, and do it before anything opens the path: opening a named pipe blocks
    until something opens its other end, a device may never end, and a socket
    cannot be opened at all. ``check``, ``render --check`` and ``render -o`` all
    ask here, so they refuse the same things in the same words."""
    try:
        status = path.stat()
    except OSError:
        return None
    if stat.S_ISDIR(status.st_mode):
        raise Unreadable(str(path), "is a directory, not a file")
    if not stat.S_ISREG(status.st_mode):
        raise Unreadable(str(path), "is not a regular file")
    return status


def _read(path: Path) -> str:
    regular_file(path)
    try:
        data = path.read_bytes()
    except IsADirectoryError:
        raise Unreadable(str(path), "is a directory, not a file") from None
    except OSError as error:
        raise Unreadable(str(path), f"cannot read it: {error.strerror}") from None
    if b"\0" in data:
        raise Unreadable(str(path), "is a binary file, not YAML text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise Unreadable(
            str(path),
            f"is not UTF-8 text (byte {error.start + 1} cannot be read); "
            "save it as UTF-8",
        ) from None


def _kind(path: Path, kind: str) -> str:
    """The kind to read ``path`` as: the one asked for, or one told by its name."""
    if kind != "auto":
        return kind
    if path.suffix == ".sh":
        return "bash"
    if path.suffix == ".py":
        return "python"
    if path.stem == "cloudbuild" and path.suffix in SUFFIXES:
        return "cloudbuild"
    return kind


def _check(text: str, kind: str) -> list[Finding]:
    from .checks import check_document, check_text
    from .findings import Finding
    from .yamltree import YamlProblem, parse

    if kind in ("bash", "python"):
        return check_text(text, kind)
    try:
        document = parse(text)
    except YamlProblem as problem:
        return [Finding(problem.line, problem.column, problem.rule, problem.message)]
    if kind == "auto":
        kind = "github-steps" if isinstance(document.data, list) else "github-workflow"
    return check_document(document, kind)


def _line(name: str, found: Finding) -> str:
    message = found.message
    if found.level == "warning":
        message = f"warning: {message}"
    return printable(f"{name}:{found.line}:{found.column}: {found.rule} {message}")


def _print_json(
    results: list[tuple[str, Finding]],
    files: int,
    unreadable: list[Unreadable],
    out: TextIO,
) -> None:
    # "unreadable" comes last, and always, so a reader of the document alone sees
    # why the exit status is 2 even when "errors" is 0.
    document = {
        "files": files,
        "errors": sum(found.level == "error" for _, found in results),
        "warnings": sum(found.level == "warning" for _, found in results),
        "findings": [
            {
                "path": name,
                "line": found.line,
                "column": found.column,
                "rule": found.rule,
                "level": found.level,
                "message": found.message,
            }
            for name, found in results
        ],
        "unreadable": [
            {"path": problem.path, "message": problem.reason} for problem in unreadable
        ],
    }
    json.dump(document, out, indent=2)
    out.write("\n")
