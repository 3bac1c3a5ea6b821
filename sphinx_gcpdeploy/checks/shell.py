"""Check bash scripts that deploy with gcloud.

The script must pass ``bash -n``; then every ``gcloud run deploy`` and ``gcloud run
services ...`` command in it is held to Cloud Run's rules: the service name, the
revision tag, the region, and the flags that set environment variables. Shell
variables in a value (``"$APP-worker"``) are treated like workflow expressions:
literal parts are checked as written, and a variable counts as unknown unless its
name says it holds a short commit SHA.

The command reader is deliberately small: it splits words the way bash does
(quotes, backslashes, ``\\`` line continuations, ``$(...)``), because Python's
``shlex`` removes quotes without saying where each character came from, and every
finding must point at the exact line and column.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import NamedTuple

from ..findings import Finding, Level, finding, rule
from .cloudrun import (
    REGION,
    REGIONS,
    REVISION_TAG,
    SERVICE_NAME,
    Name,
    check_name,
    check_tag,
)
from .expressions import Bound, Part, measure

SHELL = "Shell scripts"

BASH_SYNTAX = rule(
    "bash-syntax",
    "The script is valid bash: `bash -n` reads it without error.",
    topic=SHELL,
    kind="bash",
    explanation=(
        "A script that does not parse fails before its first command runs. The "
        "check asks bash itself to read the script without running it, so what it "
        "reports is exactly what bash would say; the line is bash's, often the "
        "line after the real mistake (an unclosed quote, an if without fi). When "
        "bash is not installed this part of the check is skipped."
    ),
    bad="set -euo pipefail\nif true; then\n  echo deploy\n",
    where=(3, 1),
    good="set -euo pipefail\nif true; then\n  echo deploy\nfi\n",
)
GCLOUD_ENV_FLAGS = rule(
    "gcloud-env-flags",
    "A gcloud run command uses one kind of environment variable flag only.",
    topic=SHELL,
    kind="bash",
    explanation=(
        "gcloud accepts only one of --update-env-vars (with --remove-env-vars), "
        "--set-env-vars, --env-vars-file and --clear-env-vars in one command, and "
        "refuses the command otherwise. Pick --update-env-vars to add or change "
        "a few variables and keep the rest."
    ),
    bad=(
        "gcloud run deploy shop --image=europe-docker.pkg.dev/p/r/shop "
        "--region=europe-west1 \\\n"
        "  --update-env-vars=A=1 --clear-env-vars\n"
    ),
    where=(2, 25),
    good=(
        "gcloud run deploy shop --image=europe-docker.pkg.dev/p/r/shop "
        "--region=europe-west1 \\\n"
        "  --update-env-vars=A=1,B=2\n"
    ),
)
GCLOUD_SET_ENV = rule(
    "gcloud-set-env-vars",
    "--set-env-vars and --env-vars-file replace every variable the service has.",
    "warning",
    topic=SHELL,
    kind="bash",
    explanation=(
        "Both flags make the listed variables the service's only ones: anything "
        "set before, by another deploy or by hand in the console, is removed. To "
        "give a server its GCP_TASKS_DOMAIN without losing its other settings, "
        "use --update-env-vars."
    ),
    bad=(
        "gcloud run deploy shop --image=europe-docker.pkg.dev/p/r/shop \\\n"
        "  --region=europe-west1 --set-env-vars=GCP_TASKS_DOMAIN=https://w.run.app\n"
    ),
    where=(2, 25),
    good=(
        "gcloud run deploy shop --image=europe-docker.pkg.dev/p/r/shop \\\n"
        "  --region=europe-west1 "
        "--update-env-vars=GCP_TASKS_DOMAIN=https://w.run.app\n"
    ),
)
GCLOUD_ENV_DELIMITER = rule(
    "gcloud-env-delimiter",
    "An environment variable value holding a comma uses a custom delimiter.",
    topic=SHELL,
    kind="bash",
    explanation=(
        "gcloud splits the list of KEY=VALUE pairs at every comma, so a comma "
        "inside a value starts a new, broken pair and the command fails. Choose "
        "another delimiter by starting the list with it between carets: "
        "--update-env-vars='^|^HOSTS=a,b|MODE=x'."
    ),
    bad=(
        "gcloud run deploy shop --image=europe-docker.pkg.dev/p/r/shop \\\n"
        "  --region=europe-west1 --update-env-vars=HOSTS=a.example,b.example\n"
    ),
    where=(2, 58),
    good=(
        "gcloud run deploy shop --image=europe-docker.pkg.dev/p/r/shop \\\n"
        "  --region=europe-west1 --update-env-vars='^|^HOSTS=a.example,b.example'\n"
    ),
)
GCLOUD_NO_TRAFFIC = rule(
    "gcloud-no-traffic",
    "--no-traffic fails on a service's first deploy.",
    "warning",
    topic=SHELL,
    kind="bash",
    explanation=(
        "A new revision that takes no traffic needs a service that already "
        "exists, so the first run of the script fails. --tag alone gives the new "
        "revision a URL of its own and works from the first deploy on; add "
        "--no-traffic only once the service exists, if the revision must not "
        "serve the main URL."
    ),
    bad=(
        "gcloud run deploy shop-worker --image=europe-docker.pkg.dev/p/r/shop \\\n"
        "  --region=europe-west1 --tag=rev-abc1234 --no-traffic\n"
    ),
    where=(2, 43),
    good=(
        "gcloud run deploy shop-worker --image=europe-docker.pkg.dev/p/r/shop \\\n"
        "  --region=europe-west1 --tag=rev-abc1234\n"
    ),
)
GCLOUD_PROMPT = rule(
    "gcloud-prompt",
    "A gcloud run command in a script names its region (and a deploy its image).",
    "warning",
    topic=SHELL,
    kind="bash",
    explanation=(
        "Without --region, gcloud asks for one unless the run/region property is "
        "set; without --image or --source, a deploy asks what to deploy. Nobody "
        "answers a prompt in CI, so the job hangs or fails. Name both on the "
        "command line so the script does the same thing wherever it runs."
    ),
    bad="gcloud run deploy shop --image=europe-docker.pkg.dev/p/r/shop\n",
    where=(1, 1),
    good=(
        "gcloud run deploy shop --image=europe-docker.pkg.dev/p/r/shop "
        "--region=europe-west1\n"
    ),
)

Locate = Callable[[int], tuple[int, int]]

#: Words bash reads as syntax where a command starts.
RESERVED_WORDS = frozenset(
    {
        "if", "then", "else", "elif", "fi", "case", "esac", "for", "select",
        "while", "until", "do", "done", "in", "function", "time", "coproc",
    }
)  # fmt: skip

#: A word made only of characters that mean nothing to bash's grammar.
_INERT = re.compile(r"[A-Za-z0-9._/:@=+,%-]+")

#: What stands for every inert value when bash is asked about a script's syntax.
PLACEHOLDER = "gcpdeployvalue"


def inert(value: str) -> bool:
    """Whether ``value`` is made only of characters that mean nothing to bash's
    grammar (no quote, space, operator or expansion) and is no reserved word. In
    most places bash then parses a script the same with it as with any other
    inert word in its place; :func:`faithful` tells where not."""
    return bool(_INERT.fullmatch(value)) and value not in RESERVED_WORDS


#: Operators of ``[[ ]]``, made of inert characters: a value that is one can
#: change how bash parses a test.
_TEST_OPERATORS = frozenset(
    {"=", "==", "-eq", "-ne", "-lt", "-le", "-gt", "-ge", "-ef", "-nt", "-ot"}
    | {f"-{letter}" for letter in "abcdefghkoprstuvwxzGLNORS"}
)
_INERT_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                         "0123456789._/:@=+,%-")  # fmt: skip


def placeholder(index: int) -> str:
    """The placeholder word for the ``index``-th value of a script: the same
    width for every index, so that what follows it is never read as part of it."""
    return f"{PLACEHOLDER}{index:04d}"


_PLACEHOLDERS = re.compile(PLACEHOLDER + r"\d{4}")


class Alike(NamedTuple):
    """A copy of a script with each inert value written as its placeholder word
    (:func:`placeholder`), and the value each placeholder word stands for."""

    text: str
    values: dict[str, str]


def faithful(text: str, alike: Alike) -> bool:
    """Whether bash is sure to read ``alike.text`` as it reads ``text``, so that
    asking it about one answers for the other.

    That is only so when ``text`` is the copy with each placeholder replaced by
    its value, each value is inert, and none of the runs of inert characters
    holding a value stands where bash's grammar looks at the word itself: a run
    that is (or, joined to its neighbours, makes) a reserved word or a ``[[ ]]``
    operator, the name of an assignment (``x=``, ``x=(``) or of a function
    (``x()``); and the script has no here-document, whose delimiter is matched
    against whole lines. A template that filters or measures a value can make the
    copy differ from the script elsewhere; then the two texts differ.
    """
    if "<<" in text:
        return False
    rebuilt: list[str] = []
    spans: list[tuple[int, int]] = []
    length = position = 0
    for match in _PLACEHOLDERS.finditer(alike.text):
        value = alike.values.get(match.group(0))
        if value is None or not inert(value):
            return False
        before = alike.text[position : match.start()]
        rebuilt += [before, value]
        length += len(before)
        spans.append((length, length + len(value)))
        length += len(value)
        position = match.end()
    rebuilt.append(alike.text[position:])
    if "".join(rebuilt) != text:
        return False
    timed = _TIME.search(text) is not None
    for value_start, value_end in spans:
        start, end = value_start, value_end
        while start > 0 and text[start - 1] in _INERT_CHARS:
            start -= 1
        while end < len(text) and text[end] in _INERT_CHARS:
            end += 1
        run = text[start:end]
        if run in RESERVED_WORDS or run in _TEST_OPERATORS:
            return False
        if text[start - 2 : start] == "\\\n" or text[end : end + 2] == "\\\n":
            return False  # bash joins the lines before it reads words
        equals = run.find("=")
        if equals >= 0 and start + equals >= value_start:
            return False  # a name before =, or the = itself: an assignment or not
        after = text[end:].lstrip(" \t")[:1]
        if after in ("(", "[") or (after in "<>" and after and run.isdigit()):
            return False  # a function's or array's name, a file descriptor
        if timed and run.startswith("-"):
            return False  # time's options decide where the command starts
    return True


#: The reserved word ``time``, whose options (``-p``, ``--``) change where the
#: timed command starts.
_TIME = re.compile(r"(?:^|[\s;&|(])time(?=[\s;&|)]|$)")


def quoted_values(message: str, alike: Alike) -> str:
    """bash's ``message`` about the copy, with each placeholder word in it
    replaced by the value it stands for: what bash says of the script."""
    return _PLACEHOLDERS.sub(
        lambda found: alike.values.get(found.group(0), found.group(0)), message
    )


def _nowhere(offset: int) -> tuple[int, int]:
    return (1, 1)


@dataclass(frozen=True)
class Word:
    """A word of a command after quote removal, with the source offset of each of
    its characters (``start`` stands in for an empty word).

    Offsets become lines and columns through ``locate`` only when a finding needs
    one: most words are read and let go, and locating every character of every
    script was a good part of a build's time.
    """

    text: str
    offsets: tuple[int, ...]
    start: tuple[int, int]
    locate: Locate = field(default=_nowhere, compare=False, repr=False)

    def at(self, index: int) -> tuple[int, int]:
        """Where character ``index`` of the word stands in the source."""
        if 0 <= index < len(self.offsets):
            return self.locate(self.offsets[index])
        return self.locate(self.offsets[-1]) if self.offsets else self.start

    def tail(self, index: int) -> Word:
        """The word from character ``index`` on (the value of ``--flag=value``),
        starting just after character ``index - 1``, where a quote may open."""
        line, column = self.at(index - 1) if index > 0 else self.start
        return Word(
            self.text[index:], self.offsets[index:], (line, column + 1), self.locate
        )


# --- bash -n, once per distinct script ------------------------------------------

_BASH_LINE = re.compile(r"line (\d+): (.*)")


@cache
def _bash() -> str | None:
    return shutil.which("bash")


@lru_cache(maxsize=2048)
def syntax_error(text: str) -> tuple[int, str] | None:
    """bash's complaint about ``text`` as (line, message), or ``None`` when bash
    reads it, or when bash cannot be run here.

    A docs build checks the same script text many times (every page that shows a
    recipe with its defaults), so results are cached by text.
    """
    bash = _bash()
    if bash is None:
        return None
    try:
        # No BASH_ENV and a C locale: nothing is sourced, messages stay in English.
        done = subprocess.run(
            [bash, "-n"],
            input=text,
            capture_output=True,
            text=True,
            timeout=20,
            env={"PATH": os.defpath, "LC_ALL": "C"},
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode == 0:
        return None
    for line in done.stderr.splitlines():
        match = _BASH_LINE.search(line)
        if match:
            return int(match.group(1)), match.group(2).strip()
    return 1, done.stderr.strip() or "bash cannot read the script"


def syntax_finding(
    text: str, locate: Locate, alike: Alike | None = None
) -> Finding | None:
    """The ``bash-syntax`` finding for ``text``; ``locate`` maps offsets in it.

    ``alike`` is ``text`` with each inert value written as one placeholder word
    (see :func:`sphinx_gcpdeploy.render.build_snippet`): asking bash about it
    instead lets snippets that differ only in their values share one ``bash -n``.
    Where :func:`faithful` cannot tell that bash reads the two alike, bash is
    asked about ``text`` itself.
    """
    copy = alike if alike is not None and faithful(text, alike) else None
    found = syntax_error(copy.text if copy is not None else text)
    if found is None:
        return None
    line, message = found
    if copy is not None:
        message = quoted_values(message, copy)
    lines = text.split("\n")
    if text.endswith("\n"):
        lines.pop()
    # "unexpected end of file" names the line after the last one.
    if lines and line > len(lines):
        line = len(lines)
    offset = sum(len(item) + 1 for item in lines[: line - 1])
    return finding(BASH_SYNTAX, f"bash: {message}", locate(offset))


# --- reading commands ---------------------------------------------------------

_ENDS_WORD = " \t\n;&|<>)"
_COMMAND_START = re.compile(r"(?<![\w./$-])gcloud(?=[ \t]|\\\n)")
_BEFORE_COMMAND = re.compile(
    r"(?:^|;|&&|\|\||\||\$\(|\(|\{|!|`|(?:^|\s)(?:then|do|else|exec|time))\s*$"
)
_COMMENT = re.compile(r"(?:^|\s)#")


#: Runs of characters that stand for themselves in a word, outside quotes and
#: inside double quotes (outside ``$( )`` and ``${ }``): read a run at a time.
_PLAIN_RUN = {
    None: re.compile(r"[^\\\"'$ \t\n;&|<>)]+"),
    '"': re.compile(r'[^\\"$]+'),
}


def _read_word(text: str, index: int, locate: Locate) -> tuple[Word, int]:
    chars: list[str] = []
    offsets: list[int] = []
    start = locate(index)
    quote: str | None = None
    depth = 0  # inside $( ) or ${ }, where nothing ends the word

    def keep(char: str, at: int) -> None:
        chars.append(char)
        offsets.append(at)

    def keep_run(begin: int, end: int) -> None:
        chars.append(text[begin:end])
        offsets.extend(range(begin, end))

    while index < len(text):
        if quote == "'":  # everything up to the closing quote, as it is
            end = text.find("'", index)
            if end < 0:
                keep_run(index, len(text))
                index = len(text)
            else:
                keep_run(index, end)
                quote = None
                index = end + 1
            continue
        if depth == 0:
            run = _PLAIN_RUN[quote].match(text, index)
            if run is not None:
                keep_run(index, run.end())
                index = run.end()
                continue
        char = text[index]
        if char == "\\":
            following = text[index + 1 : index + 2]
            if following == "\n":
                index += 2
            elif quote == '"' and following not in '$`"\\':
                keep(char, index)
                index += 1
            elif following:
                keep(following, index + 1)
                index += 2
            else:
                index += 1
            continue
        if quote is None and depth == 0 and char in _ENDS_WORD:
            break
        if depth == 0 and (char == '"' or (char == "'" and quote is None)):
            quote = None if quote else char
            index += 1
            continue
        if char == "$" and text[index + 1 : index + 2] in ("(", "{"):
            depth += 1
            keep(char, index)
            keep(text[index + 1], index + 1)
            index += 2
            continue
        if depth and char in ")}":
            depth -= 1
        keep(char, index)
        index += 1
    return Word("".join(chars), tuple(offsets), start, locate), index


def read_words(text: str, index: int, locate: Locate) -> list[Word]:
    """The words of the simple command that starts at ``index``, up to the first
    operator, newline, comment or closing parenthesis."""
    words: list[Word] = []
    while index < len(text):
        char = text[index]
        if char == "\\" and text[index + 1 : index + 2] == "\n":
            index += 2
        elif char in " \t":
            index += 1
        elif char in _ENDS_WORD or char == "#":
            break
        else:
            word, index = _read_word(text, index, locate)
            words.append(word)
    return words


def gcloud_commands(text: str, locate: Locate) -> Iterator[list[Word]]:
    """Every gcloud command in a script, as words, wherever a command may start.

    Known shortcoming: the text before ``gcloud`` on its line is judged without
    reading quotes, so ``echo "a; gcloud run deploy x"`` is taken for a command.
    """
    for match in _COMMAND_START.finditer(text):
        line_start = text.rfind("\n", 0, match.start()) + 1
        before = text[line_start : match.start()]
        if _COMMENT.search(before) or not _BEFORE_COMMAND.search(before):
            continue
        yield read_words(text, match.start(), locate)


# --- what a gcloud run command asks for -----------------------------------------

#: gcloud flags that take no value; every ``--no-*`` and ``--clear-*`` flag too.
_SWITCHES = frozenset(
    {
        "--quiet",
        "-q",
        "--async",
        "--allow-unauthenticated",
        "--help",
        "-h",
        "--cpu-boost",
        "--cpu-throttling",
        "--use-http2",
        "--default-url",
        "--session-affinity",
        "--iap",
        "--invoker-iam-check",
        "--to-latest",
    }
)
_ENV_KINDS = {
    "--update-env-vars": "--update-env-vars",
    "--remove-env-vars": "--update-env-vars",
    "--set-env-vars": "--set-env-vars",
    "--env-vars-file": "--env-vars-file",
    "--clear-env-vars": "--clear-env-vars",
}
_SHELL_VALUE = re.compile(
    r"\$\{([^}]*)\}|\$\(([^)]*)\)?|\$([A-Za-z_][A-Za-z0-9_]*)|\$([0-9@*#?$!-])"
    r"|`([^`]*)`?"
)
_DELIMITED = re.compile(r"\^(.+?)\^")


@dataclass(frozen=True)
class Flag:
    """A flag as written: its name, the word holding it, and its value, if any."""

    name: str
    word: Word
    value: Word | None


@dataclass(frozen=True)
class Command:
    """A ``gcloud run`` command: its verb (``deploy``, ``services describe``...),
    the service it names and its flags."""

    words: list[Word]
    verb: str
    service: Word | None
    flags: list[Flag]

    def values(self, name: str) -> list[Word]:
        return [flag.value for flag in self.flags if flag.name == name and flag.value]

    def has(self, *names: str) -> bool:
        return any(flag.name in names for flag in self.flags)


def _takes_value(name: str) -> bool:
    return not (
        name in _SWITCHES or name.startswith("--no-") or name.startswith("--clear-")
    )


def parse_command(words: list[Word]) -> Command | None:
    """Read ``words`` (``gcloud`` first) as a ``gcloud run`` command, else ``None``."""
    positionals: list[Word] = []
    flags: list[Flag] = []
    index = 1
    while index < len(words):
        word = words[index]
        if word.text.startswith("-") and len(word.text) > 1:
            name, equals, _ = word.text.partition("=")
            if equals:
                flags.append(Flag(name, word, word.tail(len(name) + 1)))
            elif _takes_value(name) and index + 1 < len(words):
                flags.append(Flag(name, word, words[index + 1]))
                index += 1
            else:
                flags.append(Flag(name, word, None))
        else:
            positionals.append(word)
        index += 1
    names = [word.text for word in positionals]
    while names[:1] in (["alpha"], ["beta"]):
        names, positionals = names[1:], positionals[1:]
    if names[:2] == ["run", "deploy"]:
        service = positionals[2] if len(positionals) > 2 else None
        return Command(words, "deploy", service, flags)
    if names[:2] == ["run", "services"] and len(names) > 2:
        service = positionals[3] if len(positionals) > 3 else None
        return Command(words, f"services {names[2]}", service, flags)
    return None


def shell_parts(text: str) -> list[Part]:
    """The literal text and the shell expansions of a word, in order."""
    parts: list[Part] = []
    position = 0
    for match in _SHELL_VALUE.finditer(text):
        if match.start() > position:
            parts.append(Part(text[position : match.start()], False))
        body = next(group for group in match.groups() if group is not None)
        parts.append(Part(body, True))
        position = match.end()
    if position < len(text):
        parts.append(Part(text[position:], False))
    return parts


def _has_expansion(text: str) -> bool:
    return any(part.expression for part in shell_parts(text))


def check_command(words: list[Word], bounds: dict[str, Bound]) -> Iterator[Finding]:
    """Cloud Run's rules for one gcloud command; nothing if it is not ``gcloud run``
    deploying or managing a service."""
    command = parse_command(words)
    if command is None:
        return
    service = command.service
    names: list[Name] = []
    if service is not None:
        parts = shell_parts(service.text)
        names.append(Name(service.text, parts, ()))
        for problem in check_name(service.text, parts, bounds, "service name"):
            yield finding(SERVICE_NAME, problem, service.start, service.text)
    for tag in command.values("--tag"):
        parts = shell_parts(tag.text)
        # The tag-plus-service length is judged only when the tag can be
        # measured: check_tag re-reads an unmeasurable tag as a workflow value,
        # where shell variables are no expressions.
        measurable = measure(parts, bounds).most is not None
        together = names if measurable else []
        for problem, warning in check_tag(tag.text, parts, together, bounds):
            level: Level = "warning" if warning else "error"
            yield finding(REVISION_TAG, problem, tag.start, tag.text, level)
    for region in command.values("--region"):
        yield from _check_region(region)
    yield from _check_env_flags(command)
    yield from _check_prompts(command)


def _check_region(region: Word) -> Iterator[Finding]:
    if _has_expansion(region.text):
        return
    if "," in region.text:
        yield finding(
            REGION,
            f"--region {region.text!r} lists several regions; gcloud deploys to one: "
            "run the command once per region",
            region.start,
            region.text,
        )
    elif region.text not in REGIONS:
        yield finding(
            REGION,
            f"--region {region.text!r} is not a Cloud Run region this tool knows; "
            "check the spelling (for example europe-west1)",
            region.start,
            region.text,
            level="warning",
        )


def _check_env_flags(command: Command) -> Iterator[Finding]:
    first: dict[str, Flag] = {}
    for flag in command.flags:
        if flag.name == "--no-traffic":
            yield finding(
                GCLOUD_NO_TRAFFIC,
                "--no-traffic fails when the service does not exist yet, so the "
                "first deploy breaks; --tag alone gives the revision its own URL",
                flag.word.start,
                flag.word.text,
            )
        kind = _ENV_KINDS.get(flag.name)
        if kind is None:
            continue
        if first and kind not in first:
            other = next(iter(first.values())).name
            yield finding(
                GCLOUD_ENV_FLAGS,
                f"{flag.name} cannot be combined with {other}: gcloud takes one of "
                "--update-env-vars (with --remove-env-vars), --set-env-vars, "
                "--env-vars-file, --clear-env-vars; use --update-env-vars alone",
                flag.word.start,
                flag.word.text,
            )
        first.setdefault(kind, flag)
        if flag.name in ("--set-env-vars", "--env-vars-file"):
            yield finding(
                GCLOUD_SET_ENV,
                f"{flag.name} removes every environment variable it does not list, "
                "including those set by earlier deploys; use --update-env-vars to "
                "add or change only these",
                flag.word.start,
                flag.word.text,
            )
        if flag.name in ("--set-env-vars", "--update-env-vars") and flag.value:
            yield from _check_delimiter(flag.name, flag.value)


def _check_delimiter(name: str, value: Word) -> Iterator[Finding]:
    text = value.text
    if _DELIMITED.match(text):
        return  # a custom delimiter: commas are plain characters
    key = None
    position = 0
    for piece in text.split(","):
        if key is not None and "=" not in piece and piece.strip():
            comma = position - 1
            yield finding(
                GCLOUD_ENV_DELIMITER,
                f"the comma in {name} splits the value of {key}: gcloud would read "
                f"{piece!r} as a variable of its own; choose another delimiter, as "
                f"in {name}='^|^{key}=a,b|OTHER=c'",
                value.at(comma),
                text,
            )
            return
        if "=" in piece:
            key = piece.split("=", 1)[0].strip()
        position += len(piece) + 1


def _check_prompts(command: Command) -> Iterator[Finding]:
    if command.verb in ("services list",):
        return
    missing = []
    if not command.has("--region"):
        missing.append("--region")
    if command.verb == "deploy" and not command.has("--image", "--source"):
        missing.append("--image (or --source)")
    if missing:
        yield finding(
            GCLOUD_PROMPT,
            f"'gcloud run {command.verb}' without {' and '.join(missing)} asks for "
            "it at a prompt, which nothing answers in CI; name it on the command",
            command.words[0].start,
            command.service.text if command.service else None,
        )


# --- the bash kind --------------------------------------------------------------


_NEWLINE = re.compile("\n")


def locator(text: str) -> Locate:
    """Map an offset in ``text`` to its 1-based line and column."""
    starts = [0] + [found.end() for found in _NEWLINE.finditer(text)]

    def locate(offset: int) -> tuple[int, int]:
        line = max(bisect_right(starts, offset) - 1, 0)
        return line + 1, offset - starts[line] + 1

    return locate


def check_script(
    text: str, locate: Locate, bounds: dict[str, Bound], alike: Alike | None = None
) -> Iterator[Finding]:
    """bash's syntax check, then the rules for every gcloud command in ``text``."""
    syntax = syntax_finding(text, locate, alike)
    if syntax is not None:
        yield syntax
    for words in gcloud_commands(text, locate):
        yield from check_command(words, bounds)


def check(
    text: str, bounds: dict[str, Bound] | None = None, alike: Alike | None = None
) -> list[Finding]:
    """Check a bash script (kind ``bash``); see :func:`syntax_finding` for
    ``alike``."""
    return sorted(set(check_script(text, locator(text), bounds or {}, alike)))
