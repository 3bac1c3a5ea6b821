"""Check ``cloudbuild.yaml`` files that deploy to Cloud Run.

Beyond SchemaStore's schema (run for every kind that has one), this module applies
the gcloud rules of :mod:`.shell` to every step that runs ``gcloud run``, whether
its arguments are the command itself or a ``bash -c`` script; checks the user
substitutions; and makes sure an image is pushed before a step deploys it.

Cloud Build replaces substitutions before a step runs, so the rules see the text a
step will get: user substitutions take their defaults from ``substitutions:``,
``$$`` becomes ``$``, and built-in substitutions (``$SHORT_SHA``) stay as unknowns,
like shell variables.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ..findings import Finding, finding, rule
from ..yamltree import Document, Path
from . import shell
from .expressions import Bound
from .model import strings

CLOUD_BUILD = "Cloud Build"

SUBSTITUTION_NAME = rule(
    "cloudbuild-substitution-name",
    "User substitutions are named with an underscore, then capitals, digits and "
    "underscores.",
    topic=CLOUD_BUILD,
    kind="cloudbuild",
    explanation=(
        "Cloud Build keeps names without a leading underscore for its built-in "
        "substitutions and refuses user substitutions that do not match "
        "^_[A-Z0-9_]+$."
    ),
    bad=(
        "steps:\n"
        "  - name: ubuntu\n"
        "    args: [echo, $_region]\n"
        "substitutions:\n"
        "  _region: europe-west1\n"
    ),
    where=(5, 3),
    good=(
        "steps:\n"
        "  - name: ubuntu\n"
        "    args: [echo, $_REGION]\n"
        "substitutions:\n"
        "  _REGION: europe-west1\n"
    ),
)
SUBSTITUTION_UNUSED = rule(
    "cloudbuild-substitution-unused",
    "Every user substitution the file defines is used.",
    topic=CLOUD_BUILD,
    kind="cloudbuild",
    explanation=(
        "In a build started by hand, Cloud Build refuses a substitution that the "
        "file never uses, unless options.substitutionOption is ALLOW_LOOSE. An "
        "unused one is usually a misspelt reference."
    ),
    bad=(
        "steps:\n"
        "  - name: ubuntu\n"
        "    args: [echo, europe-west1]\n"
        "substitutions:\n"
        "  _REGION: europe-west1\n"
    ),
    where=(5, 3),
    good=(
        "steps:\n"
        "  - name: ubuntu\n"
        "    args: [echo, $_REGION]\n"
        "substitutions:\n"
        "  _REGION: europe-west1\n"
    ),
)
SUBSTITUTION_UNDEFINED = rule(
    "cloudbuild-substitution-undefined",
    "Every $NAME is a built-in substitution or one the file defines; a bash "
    "variable is written $$NAME.",
    topic=CLOUD_BUILD,
    kind="cloudbuild",
    explanation=(
        "Cloud Build replaces every $NAME and ${NAME} in the file before the steps "
        "run. A user substitution with no default fails a build started by hand; a "
        "name that is no substitution at all is refused or, worse, replaced by "
        "nothing. For a variable of the step's shell, write $$NAME: Cloud Build "
        "turns $$ into $."
    ),
    bad=(
        "steps:\n"
        "  - name: ubuntu\n"
        "    entrypoint: bash\n"
        "    args: [-c, 'echo $_REGION']\n"
    ),
    where=(4, 22),
    good=(
        "steps:\n"
        "  - name: ubuntu\n"
        "    entrypoint: bash\n"
        "    args: [-c, 'echo $_REGION']\n"
        "substitutions:\n"
        "  _REGION: europe-west1\n"
    ),
)
PUSH_BEFORE_DEPLOY = rule(
    "cloudbuild-push-before-deploy",
    "An image is pushed by an earlier step before a step deploys it.",
    topic=CLOUD_BUILD,
    kind="cloudbuild",
    explanation=(
        "Images listed under images: are pushed only after every step has "
        "finished, so a deploy step in the same build cannot find them yet (or "
        "deploys the previous build's image under the same tag). Push explicitly "
        "in a step of its own before the deploy; images: can still list the image "
        "so the build records it."
    ),
    bad=(
        "steps:\n"
        "  - name: gcr.io/cloud-builders/docker\n"
        "    args: [build, -t, europe-docker.pkg.dev/p/r/shop, .]\n"
        "  - name: gcr.io/google.com/cloudsdktool/google-cloud-cli:stable\n"
        "    entrypoint: gcloud\n"
        "    args: [run, deploy, shop, --region=europe-west1,\n"
        "           --image=europe-docker.pkg.dev/p/r/shop]\n"
        "images: [europe-docker.pkg.dev/p/r/shop]\n"
    ),
    where=(7, 20),
    good=(
        "steps:\n"
        "  - name: gcr.io/cloud-builders/docker\n"
        "    args: [build, -t, europe-docker.pkg.dev/p/r/shop, .]\n"
        "  - name: gcr.io/cloud-builders/docker\n"
        "    args: [push, europe-docker.pkg.dev/p/r/shop]\n"
        "  - name: gcr.io/google.com/cloudsdktool/google-cloud-cli:stable\n"
        "    entrypoint: gcloud\n"
        "    args: [run, deploy, shop, --region=europe-west1,\n"
        "           --image=europe-docker.pkg.dev/p/r/shop]\n"
        "images: [europe-docker.pkg.dev/p/r/shop]\n"
    ),
)
SERVICE_ACCOUNT_LOGS = rule(
    "cloudbuild-service-account-logs",
    "A build that runs as its own service account says where its logs go.",
    topic=CLOUD_BUILD,
    kind="cloudbuild",
    explanation=(
        "With serviceAccount set, Cloud Build refuses to start unless "
        "options.logging is CLOUD_LOGGING_ONLY (or NONE) or the build names a "
        "logs bucket."
    ),
    bad=(
        "steps:\n"
        "  - name: ubuntu\n"
        "    args: [echo, hello]\n"
        "serviceAccount: projects/p/serviceAccounts/builder@p.iam.gserviceaccount.com\n"
    ),
    where=(4, 1),
    good=(
        "steps:\n"
        "  - name: ubuntu\n"
        "    args: [echo, hello]\n"
        "serviceAccount: projects/p/serviceAccounts/builder@p.iam.gserviceaccount.com\n"
        "options:\n"
        "  logging: CLOUD_LOGGING_ONLY\n"
    ),
)

#: Substitutions Cloud Build provides itself. Some are empty in a build started by
#: hand: ``SHORT_SHA``, ``COMMIT_SHA``, ``BRANCH_NAME`` and the other source ones.
BUILTINS = frozenset(
    {
        "PROJECT_ID",
        "PROJECT_NUMBER",
        "BUILD_ID",
        "LOCATION",
        "TRIGGER_NAME",
        "COMMIT_SHA",
        "REVISION_ID",
        "SHORT_SHA",
        "REPO_NAME",
        "REPO_FULL_NAME",
        "BRANCH_NAME",
        "TAG_NAME",
        "REF_NAME",
        "TRIGGER_BUILD_CONFIG_PATH",
        "SERVICE_ACCOUNT_EMAIL",
        "SERVICE_ACCOUNT",
        "_HEAD_BRANCH",
        "_BASE_BRANCH",
        "_HEAD_REPO_URL",
        "_PR_NUMBER",
    }
)
_USER_NAME = re.compile(r"_[A-Z0-9_]+")
_REFERENCE = re.compile(
    r"\$(?:(\$)|\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))"
)
_GCLOUD_BUILDERS = ("gcr.io/cloud-builders/gcloud",)
_SHELLS = ("bash", "sh", "/bin/bash", "/bin/sh", "/usr/bin/bash")
_LOGGING_OK = ("CLOUD_LOGGING_ONLY", "NONE")


@dataclass(frozen=True)
class Reference:
    """A ``$NAME`` in the file: the name and where its ``$`` stands."""

    name: str
    where: tuple[int, int]


@dataclass(frozen=True)
class Substituted:
    """A string as a step receives it, and for each of its characters the offset
    of the character in the file's string it came from."""

    text: str
    origin: tuple[int, ...]

    def source(self, index: int) -> int:
        if 0 <= index < len(self.origin):
            return self.origin[index]
        return self.origin[-1] + 1 if self.origin else 0


def substitute(text: str, values: dict[str, str]) -> Substituted:
    """``text`` after Cloud Build's substitution, with user ones set to
    ``values``; unknown and built-in ones stay as written."""
    out: list[str] = []
    origin: list[int] = []
    position = 0
    for match in _REFERENCE.finditer(text):
        out.append(text[position : match.start()])
        origin.extend(range(position, match.start()))
        name = match.group(2) or match.group(3)
        if match.group(1):
            out.append("$")
            origin.append(match.start())
        elif name in values:
            out.append(values[name])
            origin.extend([match.start()] * len(values[name]))
        else:
            out.append(match.group(0))
            origin.extend(range(match.start(), match.end()))
        position = match.end()
    out.append(text[position:])
    origin.extend(range(position, len(text)))
    return Substituted("".join(out), tuple(origin))


def references(text: str) -> Iterator[tuple[str, int]]:
    """Every substitution ``text`` refers to, with the offset of its ``$``."""
    for match in _REFERENCE.finditer(text):
        name = match.group(2) or match.group(3)
        if name:
            yield name, match.start()


class _Build:
    """One ``cloudbuild.yaml`` being checked."""

    def __init__(self, document: Document, bounds: dict[str, Bound]) -> None:
        self.document = document
        self.data: dict[str, Any] = (
            document.data if isinstance(document.data, dict) else {}
        )
        self.bounds = bounds
        defined = self.data.get("substitutions")
        self.defined: dict[str, Any] = defined if isinstance(defined, dict) else {}
        self.values = {
            name: str(value)
            for name, value in self.defined.items()
            if isinstance(value, (str, int, float)) and not isinstance(value, bool)
        }
        options = self.data.get("options")
        self.options: dict[str, Any] = options if isinstance(options, dict) else {}

    def locate(self, path: Path, value: str, source: Substituted) -> shell.Locate:
        def locate(index: int) -> tuple[int, int]:
            return self.document.offset_at(path, value, source.source(index))

        return locate

    def word(self, path: Path) -> shell.Word | None:
        """A step argument as a word of a command, after substitution."""
        value = self._get(path)
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            return None
        text = str(value)
        done = substitute(text, self.values)
        locate = self.locate(path, text, done)
        offsets = tuple(range(len(done.text)))
        return shell.Word(done.text, offsets, self.document.at(path), locate)

    def _get(self, path: Path) -> Any:
        value: Any = self.data
        for key in path:
            if isinstance(value, dict) and isinstance(key, str):
                value = value.get(key)
            elif isinstance(value, list) and isinstance(key, int):
                value = value[key] if key < len(value) else None
            else:
                return None
        return value

    # The rules.

    def check(self) -> Iterator[Finding]:
        yield from self.check_substitutions()
        yield from self.check_logs()
        steps = self.data.get("steps")
        if not isinstance(steps, list):
            return
        for index, step in enumerate(steps):
            if isinstance(step, dict):
                yield from self.check_step(index, step)

    def check_substitutions(self) -> Iterator[Finding]:
        used: set[str] = set()
        for path, value in strings(self.data, ()):
            for name, offset in references(value):
                used.add(name)
                if name in self.defined or name in BUILTINS:
                    continue
                where = self.document.offset_at(path, value, offset)
                yield from self._undefined(name, where)
        for name in self.defined:
            where = self.document.key_at(("substitutions", name))
            if not _USER_NAME.fullmatch(str(name)):
                yield finding(
                    SUBSTITUTION_NAME,
                    f"substitution {name!r} must match ^_[A-Z0-9_]+$: an underscore, "
                    f"then capitals, digits and underscores (for example "
                    f"{'_' + str(name).lstrip('_').upper()!r})",
                    where,
                    str(name),
                )
            elif name not in used and not self._loose():
                yield finding(
                    SUBSTITUTION_UNUSED,
                    f"substitution {name!r} is never used; Cloud Build refuses an "
                    "unused substitution in a build started by hand: use it, remove "
                    "it, or set options.substitutionOption to ALLOW_LOOSE",
                    where,
                    str(name),
                )

    def _loose(self) -> bool:
        return self.options.get("substitutionOption") == "ALLOW_LOOSE"

    def _undefined(self, name: str, where: tuple[int, int]) -> Iterator[Finding]:
        if name.startswith("_"):
            yield finding(
                SUBSTITUTION_UNDEFINED,
                f"${name} is not defined: add it under substitutions: with a "
                "default, or a build started by hand fails",
                where,
                name,
            )
        elif name.upper() == name:
            yield finding(
                SUBSTITUTION_UNDEFINED,
                f"${name} is not a built-in substitution; if it is a variable of "
                f"the step's shell, write $${name}",
                where,
                name,
            )
        else:
            yield finding(
                SUBSTITUTION_UNDEFINED,
                f"Cloud Build reads ${name} as a substitution; for a variable of "
                f"the step's shell, write $${name}",
                where,
                name,
                level="warning",
            )

    def check_logs(self) -> Iterator[Finding]:
        if "serviceAccount" not in self.data:
            return
        if self.options.get("logging") in _LOGGING_OK or "logsBucket" in self.data:
            return
        if self.options.get("defaultLogsBucketBehavior") == (
            "REGIONAL_USER_OWNED_BUCKET"
        ):
            return
        yield finding(
            SERVICE_ACCOUNT_LOGS,
            "a build with serviceAccount needs options.logging: CLOUD_LOGGING_ONLY "
            "or a logsBucket, else Cloud Build refuses to start it",
            self.document.key_at(("serviceAccount",)),
        )

    def check_step(self, index: int, step: dict[str, Any]) -> Iterator[Finding]:
        path: Path = ("steps", index)
        args = step.get("args")
        if not isinstance(args, list):
            return
        entrypoint = step.get("entrypoint")
        name = str(step.get("name", ""))
        if entrypoint == "gcloud" or (
            entrypoint is None and name.split(":")[0] in _GCLOUD_BUILDERS
        ):
            words = [self.word((*path, "args", item)) for item in range(len(args))]
            start = self.document.at((*path, "entrypoint" if entrypoint else "name"))
            command = [shell.Word("gcloud", (), start)]
            command.extend(word for word in words if word is not None)
            yield from self.check_command(index, command)
        elif entrypoint in _SHELLS:
            yield from self.check_script(index, args)

    def check_script(self, index: int, args: list[Any]) -> Iterator[Finding]:
        """The ``bash -c`` script of a step, if it has one."""
        flag = next(
            (
                position
                for position, arg in enumerate(args[:-1])
                if isinstance(arg, str) and re.fullmatch(r"-[a-z]*c[a-z]*", arg)
            ),
            None,
        )
        if flag is None:
            return
        path: Path = ("steps", index, "args", flag + 1)
        script = args[flag + 1]
        if not isinstance(script, str):
            return
        done = substitute(script, self.values)
        locate = self.locate(path, script, done)
        # Inert values mostly leave bash's reading unchanged: scripts that differ
        # only in them share one bash -n where shell.faithful agrees.
        standing = {
            name: shell.placeholder(index)
            for index, name in enumerate(sorted(self.values))
        }
        alike = shell.Alike(
            substitute(script, standing).text,
            {standing[name]: value for name, value in self.values.items()},
        )
        syntax = shell.syntax_finding(done.text, locate, alike)
        if syntax is not None:
            yield syntax
        for words in shell.gcloud_commands(done.text, locate):
            yield from self.check_command(index, words)

    def check_command(self, index: int, words: list[shell.Word]) -> Iterator[Finding]:
        yield from shell.check_command(words, self.bounds)
        command = shell.parse_command(words)
        if command is None or command.verb != "deploy":
            return
        for image in command.values("--image"):
            yield from self.check_pushed(index, image)

    def check_pushed(self, index: int, image: shell.Word) -> Iterator[Finding]:
        listed = {
            substitute(item, self.values).text
            for item in self.data.get("images") or []
            if isinstance(item, str)
        }
        built = pushed = False
        for step in self.data["steps"][:index]:
            text = self._step_text(step)
            if image.text in text:
                built = built or "build" in text
                pushed = pushed or "push" in text
        if pushed or not (built or image.text in listed):
            return
        reason = (
            "is listed under images:, which Cloud Build pushes only after every step"
            if image.text in listed
            else "is built by an earlier step but never pushed"
        )
        yield finding(
            PUSH_BEFORE_DEPLOY,
            f"image {image.text!r} {reason}; this deploy cannot pull it: push it in "
            "a step before the deploy (docker push)",
            image.start,
            image.text,
        )

    def _step_text(self, step: Any) -> str:
        if not isinstance(step, dict):
            return ""
        args = step.get("args")
        words = [str(item) for item in args] if isinstance(args, list) else []
        return " ".join(substitute(word, self.values).text for word in words)


def check(document: Document, bounds: dict[str, Bound] | None = None) -> list[Finding]:
    """Check a parsed ``cloudbuild.yaml`` (kind ``cloudbuild``); the schema is
    checked by the caller, as for every kind."""
    return sorted(set(_Build(document, bounds or {}).check()))
