"""Rules on what a deploy step sets on the service: environment variables, secrets
and labels, each a ``KEY=VALUE`` list that deploy-cloudrun splits itself.

Findings point at the character at fault inside the value, so inside an
``env_vars: |`` block they name the very line, not the key.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..findings import Finding, Rule, finding, rule
from ..yamltree import Path
from .expressions import EXPRESSION
from .model import Step, Workflow
from .pairs import Pair, parse_pairs

SETTINGS = "Environment variables, secrets and labels"
DEPLOY = "google-github-actions/deploy-cloudrun"

ENV_VAR_NAME = rule(
    "env-var-name",
    "Environment variable names are C identifiers and not reserved by Cloud Run.",
    topic=SETTINGS,
    explanation=(
        "Cloud Run expects names made of letters, digits and underscores, not "
        "starting with a digit. PORT, K_SERVICE, K_REVISION and K_CONFIGURATION "
        "are set by the runtime and a deploy that sets them is refused; other "
        "names starting with K_ are left to the platform, which is a warning. "
        "The keys of secrets are checked too, unless they are mount paths."
    ),
    bad=(
        "- uses: google-github-actions/deploy-cloudrun@v3\n"
        "  with:\n"
        "    service: shop-server\n"
        "    image: europe-docker.pkg.dev/p/r/shop\n"
        "    env_vars: |\n"
        "      DJANGO_SETTINGS_MODULE=shop.settings\n"
        "      PORT=8000\n"
    ),
    where=(7, 7),
    good=(
        "- uses: google-github-actions/deploy-cloudrun@v3\n"
        "  with:\n"
        "    service: shop-server\n"
        "    image: europe-docker.pkg.dev/p/r/shop\n"
        "    env_vars: |\n"
        "      DJANGO_SETTINGS_MODULE=shop.settings\n"
    ),
)
ENV_VAR_VALUE = rule(
    "env-var-value",
    "env_vars is a list of KEY=VALUE pairs with every comma in a value escaped.",
    topic=SETTINGS,
    explanation=(
        "deploy-cloudrun splits env_vars at every comma and newline that no "
        "backslash escapes, so a value holding a comma ends there and the rest "
        "becomes a new variable, or a piece the action cannot read. Quotes do not "
        "protect a comma; they only end up in the value. A line starting with # "
        "is not a comment but one more pair. Write a comma in a value as \\, and "
        "put comments in the YAML, outside the block."
    ),
    upstream=(
        "google-github-actions/deploy-cloudrun#495",
        "google-github-actions/deploy-cloudrun#541",
        "google-github-actions/deploy-cloudrun#462",
    ),
    bad=(
        "- uses: google-github-actions/deploy-cloudrun@v3\n"
        "  with:\n"
        "    service: shop-server\n"
        "    image: europe-docker.pkg.dev/p/r/shop\n"
        "    env_vars: |\n"
        "      ALLOWED_HOSTS=shop.example.com,www.shop.example.com\n"
    ),
    where=(6, 37),
    good=(
        "- uses: google-github-actions/deploy-cloudrun@v3\n"
        "  with:\n"
        "    service: shop-server\n"
        "    image: europe-docker.pkg.dev/p/r/shop\n"
        "    env_vars: |\n"
        "      ALLOWED_HOSTS=shop.example.com\\,www.shop.example.com\n"
    ),
)
SECRET_REFERENCE = rule(
    "secret-reference",
    "secrets maps names to Secret Manager references NAME:VERSION, never to values.",
    topic=SETTINGS,
    explanation=(
        "Each value in secrets names a secret in Secret Manager and its version, "
        "for example db-pass:latest, and Cloud Run reads the secret itself. "
        "Writing ${{ secrets.X }} there hands the action the secret's content "
        "where a name is expected: the deploy fails with an invalid secret spec, "
        "and the secret lands in the logs of the failing command. A key starting "
        "with / is a mount path rather than a variable name."
    ),
    upstream=("google-github-actions/deploy-cloudrun#471",),
    bad=(
        "- uses: google-github-actions/deploy-cloudrun@v3\n"
        "  with:\n"
        "    service: shop-server\n"
        "    image: europe-docker.pkg.dev/p/r/shop\n"
        "    secrets: |\n"
        "      DATABASE_PASSWORD=${{ secrets.DB_PASS }}:latest\n"
    ),
    where=(6, 25),
    good=(
        "- uses: google-github-actions/deploy-cloudrun@v3\n"
        "  with:\n"
        "    service: shop-server\n"
        "    image: europe-docker.pkg.dev/p/r/shop\n"
        "    secrets: |\n"
        "      DATABASE_PASSWORD=db-pass:latest\n"
    ),
)
LABEL = rule(
    "label",
    "Labels: keys and values of lowercase letters, digits, _ and -, at most 63 "
    "characters, keys starting with a letter.",
    topic=SETTINGS,
    explanation=(
        "Google Cloud labels allow only lowercase letters, digits, underscores "
        "and hyphens, so a version such as v4.1.2 is refused as a value for its "
        "dots. Keys are 1 to 63 characters and start with a lowercase letter; "
        "values are at most 63. A service has at most 64 labels, and keys in "
        "Google's own namespaces (starting with goog, or holding a domain such as "
        "run.googleapis.com/) are reserved."
    ),
    upstream=("DataDog/datadog-ci#1955",),
    bad=(
        "- uses: google-github-actions/deploy-cloudrun@v3\n"
        "  with:\n"
        "    service: shop-server\n"
        "    image: europe-docker.pkg.dev/p/r/shop\n"
        "    labels: version=v4.1.2\n"
    ),
    where=(5, 23),
    good=(
        "- uses: google-github-actions/deploy-cloudrun@v3\n"
        "  with:\n"
        "    service: shop-server\n"
        "    image: europe-docker.pkg.dev/p/r/shop\n"
        "    labels: version=v4-1-2\n"
    ),
)

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_RESERVED = frozenset({"PORT", "K_SERVICE", "K_REVISION", "K_CONFIGURATION"})
_SECRET = re.compile(
    r"(?:projects/[A-Za-z0-9-]+/secrets/)?[A-Za-z0-9_-]{1,255}:(?:latest|[0-9]+)"
)
_SECRETS_CONTEXT = re.compile(r"\bsecrets\.")
_LABEL_KEY = re.compile(r"[a-z][a-z0-9_-]{0,62}")
_LABEL_VALUE = re.compile(r"[a-z0-9_-]{0,63}")
_LABELS_MAX = 64


class _Place:
    """Turns offsets in one ``with:`` value into source positions."""

    def __init__(self, workflow: Workflow, path: Path, text: str) -> None:
        self.workflow = workflow
        self.path = path
        self.text = text

    def __call__(self, offset: int) -> tuple[int, int]:
        return self.workflow.document.offset_at(self.path, self.text, offset)


def check(workflow: Workflow) -> Iterator[Finding]:
    for job in workflow.jobs:
        for step in job.steps:
            if not step.is_action(DEPLOY):
                continue
            for key, format_rule in (
                ("env_vars", ENV_VAR_VALUE),
                ("secrets", SECRET_REFERENCE),
                ("labels", LABEL),
            ):
                text = step.inputs.get(key)
                if not isinstance(text, str):
                    continue
                place = _Place(workflow, (*step.path, "with", key), text)
                pairs = parse_pairs(text)
                yield from _check_format(pairs, place, format_rule, key)
                yield from _CHECKS[key](pairs, place, step)


def _check_format(
    pairs: list[Pair], place: _Place, declared: Rule, key: str
) -> Iterator[Finding]:
    """Problems in how the list is written, the same for all three inputs."""
    for index, pair in enumerate(pairs):
        previous = pairs[index - 1] if index else None
        if pair.raw.startswith("#") and not pair.after_comma:
            yield finding(
                declared,
                f"{key}: {pair.raw!r} is not a comment, the action reads it as one "
                "more entry; move comments out of the value, above the key",
                place(pair.start),
                pair.raw,
            )
        elif pair.value is None and pair.after_comma and pair.comma is not None:
            owner = previous.key if previous is not None else "the entry before"
            quoted = previous is not None and (previous.value or "")[:1] in "\"'"
            advice = (
                "quotes do not protect it; drop them and write the comma as \\,"
                if quoted
                else "write the comma as \\, to keep it in the value"
            )
            yield finding(
                declared,
                f"{key}: this comma ends the value of {owner} and starts an entry "
                f"{pair.raw!r} the action cannot read; {advice}",
                place(pair.comma),
                pair.raw,
            )
        elif pair.value is None:
            yield finding(
                declared,
                f"{key}: {pair.raw!r} has no '='; write KEY=VALUE",
                place(pair.start),
                pair.raw,
            )
        elif _quoted(pair.value):
            yield finding(
                declared,
                f"{key}: the quotes around {pair.value!r} stay in the value; remove "
                "them (escape a comma as \\, instead)",
                place(pair.value_start),
                pair.value,
            )


def _quoted(value: str) -> bool:
    return len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'"


def _check_names(pairs: list[Pair], place: _Place, what: str) -> Iterator[Finding]:
    for pair in pairs:
        if pair.value is None or pair.raw.startswith("#") or "${{" in pair.key:
            continue
        if what == "secrets" and pair.key.startswith("/"):
            continue
        if not _NAME.fullmatch(pair.key):
            yield finding(
                ENV_VAR_NAME,
                f"{what}: {pair.key!r} is not a valid variable name; use letters, "
                "digits and underscores, not starting with a digit",
                place(pair.start),
                pair.key,
            )
        elif pair.key in _RESERVED:
            yield finding(
                ENV_VAR_NAME,
                f"{what}: {pair.key} is set by the Cloud Run runtime and cannot be "
                "set; remove it (the container must listen on the PORT it is given)",
                place(pair.start),
                pair.key,
            )
        elif pair.key.startswith("K_"):
            yield finding(
                ENV_VAR_NAME,
                f"{what}: names starting with K_ are left to the Cloud Run runtime; "
                "choose another name",
                place(pair.start),
                pair.key,
                level="warning",
            )


def _check_env_vars(pairs: list[Pair], place: _Place, step: Step) -> Iterator[Finding]:
    yield from _check_names(pairs, place, "env_vars")


def _check_secrets(pairs: list[Pair], place: _Place, step: Step) -> Iterator[Finding]:
    yield from _check_names(pairs, place, "secrets")
    for pair in pairs:
        if pair.value is None:
            continue
        context = next(
            (
                match
                for match in EXPRESSION.finditer(place.text, pair.value_start)
                if match.start() < pair.value_start + len(pair.value)
                and _SECRETS_CONTEXT.search(match.group(1))
            ),
            None,
        )
        if context is not None:
            yield finding(
                SECRET_REFERENCE,
                f"secrets: {pair.key} gets a secret's value from {context.group(0)} "
                "where the name of a Secret Manager secret belongs; write "
                "NAME:VERSION, for example db-pass:latest",
                place(context.start()),
                pair.value,
            )
        elif "${{" not in pair.value and not _SECRET.fullmatch(pair.value):
            yield finding(
                SECRET_REFERENCE,
                f"secrets: {pair.value!r} is not a Secret Manager reference; write "
                "NAME:VERSION, for example db-pass:latest",
                place(pair.value_start),
                pair.value,
            )


def _check_labels(pairs: list[Pair], place: _Place, step: Step) -> Iterator[Finding]:
    readable = [pair for pair in pairs if pair.value is not None]
    if len(readable) > _LABELS_MAX:
        yield finding(
            LABEL,
            f"labels: {len(readable)} labels; a service takes at most {_LABELS_MAX}",
            place(0),
        )
    for pair in readable:
        value = pair.value or ""
        if "${{" not in pair.key:
            yield from _check_label_key(pair, place)
        if "${{" in value:
            continue
        bad = re.search(r"[^a-z0-9_-]", value)
        if bad is not None:
            yield finding(
                LABEL,
                f"labels: value {value!r} of {pair.key} has {bad.group(0)!r}; use only "
                "lowercase letters, digits, _ and - (write v4.1.2 as v4-1-2)",
                place(pair.value_start + bad.start()),
                value,
            )
        elif not _LABEL_VALUE.fullmatch(value):
            yield finding(
                LABEL,
                f"labels: value of {pair.key} is {len(value)} characters; at most 63",
                place(pair.value_start),
                value,
            )


def _check_label_key(pair: Pair, place: _Place) -> Iterator[Finding]:
    key = pair.key
    if "/" in key or key.startswith("goog"):
        problem = (
            f"labels: {key!r} is in a namespace Google reserves; choose a key of "
            "your own"
        )
    elif not _LABEL_KEY.fullmatch(key):
        problem = (
            f"labels: key {key!r} must be 1 to 63 lowercase letters, digits, _ or "
            "-, starting with a letter"
        )
    else:
        return
    yield finding(LABEL, problem, place(pair.start), key)


_CHECKS = {
    "env_vars": _check_env_vars,
    "secrets": _check_secrets,
    "labels": _check_labels,
}
