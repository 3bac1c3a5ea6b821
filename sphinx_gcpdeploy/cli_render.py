"""The ``list`` and ``render`` subcommands: the recipes outside Sphinx.

``render`` prints what the directive would show, so a project can keep its real
workflow file on the same recipe as its docs; ``render --check FILE`` fails when
the file has drifted from what the recipe renders. Both read and write regular files
only: a pipe, a device or a socket named as FILE is refused, never opened.
"""

from __future__ import annotations

import argparse
import difflib
import os
import stat
import sys
import tempfile
from pathlib import Path
from typing import Any

from .cli import FOUND_ERRORS, OK, USAGE, Unreadable, _say, regular_file


def add_commands(commands: Any) -> None:
    """Add ``list`` and ``render`` to the command line's subcommands."""
    listing = commands.add_parser(
        "list",
        help="list the recipes and their formats",
        description="List every recipe, its formats (the first is the default) "
        "and its summary.",
    )
    _template_dirs(listing)
    listing.set_defaults(run=run_list)

    render = commands.add_parser(
        "render",
        help="render a recipe, or check a file against it",
        description=(
            "Render RECIPE in one format with the given parameters and print it, "
            "or write it with -o. With --check FILE, compare FILE with what the "
            "recipe renders instead. Exit status: 0 when it renders (or FILE "
            "matches), 1 when a finding is an error (nothing is written) or FILE "
            "differs, 2 for bad usage or a file that cannot be read or written."
        ),
    )
    render.add_argument("recipe", metavar="RECIPE")
    render.add_argument("--format", dest="format_name", metavar="FORMAT")
    render.add_argument(
        "--set",
        dest="values",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a parameter value; repeat for several",
    )
    output = render.add_mutually_exclusive_group()
    output.add_argument("-o", "--output", metavar="FILE", help="write to FILE")
    output.add_argument(
        "--check", metavar="FILE", help="exit 1 with a diff when FILE differs"
    )
    render.add_argument(
        "--force",
        action="store_true",
        help="with -o, replace FILE when it exists and differs",
    )
    _template_dirs(render)
    render.set_defaults(run=run_render)


def _template_dirs(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--template-dir",
        dest="template_dirs",
        action="append",
        default=[],
        metavar="DIR",
        help="a directory of the project's own recipes; repeat for several",
    )


class UsageError(Exception):
    """A command line that asks for something impossible."""


def _recipes(args: argparse.Namespace) -> dict[str, Any] | None:
    from .recipes import BUILTIN_DIR, RecipeError, load_recipes

    dirs = tuple(Path(item).resolve() for item in args.template_dirs)
    try:
        recipes = load_recipes((BUILTIN_DIR, *dirs))
    except RecipeError as error:
        _say(str(error))
        return None
    if recipes.broken:  # the command line asks for a whole, working directory
        _say(str(next(iter(recipes.broken.values()))))
        return None
    return recipes


def run_list(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """``list``: one recipe a line, its formats, then its summary."""
    recipes = _recipes(args)
    if recipes is None:
        return USAGE
    for name in sorted(recipes):
        recipe = recipes[name]
        print(f"{name} ({', '.join(recipe.formats)})")
        print(f"    {recipe.summary}")
    return OK


def _parse_values(pairs: list[str], recipe: Any) -> dict[str, Any]:
    from .render import Given

    given: dict[str, Given] = {}
    for position, pair in enumerate(pairs, start=1):
        name, equals, text = pair.partition("=")
        if not equals or not name:
            raise UsageError(f"--set {pair!r}: write it as KEY=VALUE")
        parameter = recipe.parameters.get(name) if recipe else None
        value: Any = text
        if parameter is not None and parameter.type == "int":
            try:
                value = int(text)
            except ValueError:
                raise UsageError(
                    f"--set {name}: {text!r} is not a whole number"
                ) from None
        elif parameter is not None and parameter.type == "bool":
            if text.lower() not in ("true", "false"):
                raise UsageError(f"--set {name}: {text!r} is not true or false")
            value = text.lower() == "true"
        if name in given:
            raise UsageError(f"--set {name}: given twice")
        given[name] = Given(name, value, position)
    return given


def run_render(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """``render``: print or write a recipe, or compare a file with it."""
    from .render import build_snippet

    if args.force and args.output is None:
        # Checked first: a --force that does nothing would leave the user thinking
        # a file was replaced, whatever else the command line says.
        _say(
            "render: --force goes with -o FILE; it lets -o replace a file that differs"
        )
        return USAGE
    recipes = _recipes(args)
    if recipes is None:
        return USAGE
    try:
        given = _parse_values(args.values, recipes.get(args.recipe))
    except UsageError as error:
        _say(f"render: {error}")
        return USAGE
    snippet = build_snippet(recipes, args.recipe, args.format_name, given)
    label = f"{args.recipe}[{snippet.format_name or args.format_name or '?'}]"
    said = set()
    for located in snippet.problems:
        found = located.finding
        where = label
        if located.content_line:
            where += f" (--set {args.values[located.content_line - 1]})"
        line = f"{where}: {found.level}: {found.rule}: {found.message}"
        if line not in said:
            said.add(line)
            _say(line)
    if snippet.text is None or any(
        item.finding.level == "error" for item in snippet.problems
    ):
        return FOUND_ERRORS
    if args.check:
        return _compare(Path(args.check), snippet.text)
    if args.output:
        return _write(Path(args.output), snippet.text, args.force)
    sys.stdout.write(snippet.text)
    return OK


def _compare(path: Path, text: str) -> int:
    try:
        regular_file(path)
        current = path.read_text("utf-8")
    except Unreadable as problem:
        _say(str(problem))
        return USAGE
    except (OSError, UnicodeDecodeError) as error:
        _say(f"{path}: cannot read it: {error}")
        return USAGE
    if current == text:
        return OK
    diff = difflib.unified_diff(
        current.splitlines(keepends=True),
        text.splitlines(keepends=True),
        fromfile=str(path),
        tofile="rendered",
    )
    sys.stdout.writelines(diff)
    _say(f"{path} differs from what the recipe renders (diff above)")
    return FOUND_ERRORS


def _write(path: Path, text: str, force: bool) -> int:
    """Write ``text`` whole or not at all, never over a different file unless
    asked to, and never over anything but a regular file."""
    try:
        # Refused even with --force: replacing a device, a pipe or a socket with a
        # file breaks whatever used it, and reading one to compare may block.
        status = regular_file(path)
    except Unreadable as problem:
        _say(str(problem))
        return USAGE
    target = path
    if os.path.islink(path):
        # A symbolic link to a regular file is written through: the file it leads
        # to gets the new text and the link stays, as with the shell's ">" or an
        # editor. Whoever made the link wants the file found there (one workflow
        # shared by several checkouts, say); replacing the link with a file of
        # its own would quietly cut that tie and leave the shared file stale.
        # A link that leads nowhere (or to itself) is refused: there is no file
        # to keep in step, and creating one at the far end would be a guess.
        if status is None:
            _say(f"{path}: is a symbolic link that does not lead to a file")
            return USAGE
        target = Path(os.path.realpath(path))
    # mkstemp makes its file 0600; the result should have the mode of the file it
    # replaces, or the one a new file gets. Only the permission bits are kept: a
    # set-user-ID bit copied onto a file now owned by whoever runs this could
    # hand out that user's rights.
    if status is not None:
        mode = stat.S_IMODE(status.st_mode) & 0o777
    else:
        mode = _new_file_mode()
    try:
        if status is not None:
            if target.read_bytes() == text.encode("utf-8"):
                return OK
            if not force:
                _say(f"{path} exists and differs; add --force to replace it")
                return USAGE
        folder = target.parent if str(target.parent) else Path(".")
        if not folder.is_dir():
            _say(f"{path}: cannot write it: no directory {folder}")
            return USAGE
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(text)
            os.chmod(temporary, mode)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as error:
        _say(f"{path}: cannot write it: {error}")
        return USAGE
    return OK


def _new_file_mode() -> int:
    """The mode a file created now would get: 0666 less the umask. The umask can
    only be read by setting it, so it is set back at once."""
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask
