"""What each action the templates use accepts, by version.

Read from each action's ``action.yml`` at the versions named on the rules page. A
floating major (``v3``) stands for the release it points at; an
exact pin (``v2.7.6``) is looked up in the input history.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from ..findings import Level

Version = tuple[int, int, int]

_VERSION = re.compile(r"v?(\d+)(?:\.(\d+))?(?:\.(\d+))?")


@dataclass(frozen=True)
class Release:
    """The inputs and outputs of one release of an action, and what to say of it.

    ``inputs`` and ``outputs`` are ``None`` for releases whose inputs this project
    has not read: they are then not judged.
    """

    version: Version
    inputs: frozenset[str] | None
    outputs: frozenset[str] | None
    avoid: tuple[Level, str] | None = None
    removed: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Action:
    """An action's name, its floating majors, and how to find a release's inputs."""

    name: str
    current_major: int
    floating: dict[int, Version]
    releases: Callable[[Version], Release]

    def release(self, ref: str) -> Release | None:
        """The release a ``uses:`` ref names, or ``None`` for a branch or a SHA."""
        match = _VERSION.fullmatch(ref)
        if match is None:
            return None
        major = int(match.group(1))
        if match.group(2) is None:
            if major > self.current_major:
                return None
            version = self.floating.get(major, (major, 0, 0))
        else:
            version = (major, int(match.group(2)), int(match.group(3) or 0))
        return self.releases(version)


def _at_least(version: Version, *history: tuple[Version, str]) -> set[str]:
    return {name for since, name in history if version >= since}


def _deploy_cloudrun(version: Version) -> Release:
    inputs = {
        "service", "image", "source", "region", "env_vars", "metadata",
        "project_id", "gcloud_version",
    }  # fmt: skip
    inputs |= _at_least(
        version,
        ((0, 5, 0), "tag"),
        ((0, 5, 0), "suffix"),
        ((0, 5, 0), "no_traffic"),
        ((0, 5, 0), "revision_traffic"),
        ((0, 5, 0), "tag_traffic"),
        ((0, 5, 0), "flags"),
        ((0, 6, 0), "secrets"),
        ((0, 8, 0), "timeout"),
        ((0, 9, 0), "gcloud_component"),
        ((0, 10, 3), "labels"),
        ((1, 0, 0), "env_vars_file"),
        ((1, 0, 2), "skip_default_labels"),
        ((2, 4, 0), "job"),
        ((2, 6, 0), "env_vars_update_strategy"),
        ((2, 6, 0), "secrets_update_strategy"),
        ((2, 7, 1), "update_traffic_flags"),
        ((2, 7, 5), "wait"),
    )
    removed: dict[str, str] = {}
    if version < (1, 0, 0):
        inputs.add("credentials")
    else:
        removed["credentials"] = (
            "was removed in v1; authenticate with google-github-actions/auth in an "
            "earlier step"
        )
    if version >= (3, 0, 0):
        inputs.discard("env_vars_file")
        removed["env_vars_file"] = "was removed in v3; list the variables in env_vars"
    avoid: tuple[Level, str] | None = None
    if version < (2, 0, 0):
        avoid = (
            "error",
            f"v{version[0]} is unmaintained and runs on a Node.js that runners no "
            "longer offer; pin @v3",
        )
    elif (2, 3, 0) <= version < (2, 6, 0):
        avoid = ("error", "2.3.x to 2.5.x split env_vars and secrets wrongly; pin @v3")
    elif version in ((2, 7, 5), (3, 0, 0)):
        avoid = (
            "error",
            f"{'.'.join(map(str, version))} executes Cloud Run jobs after deploying "
            "them by mistake; pin @v3 (3.0.1 or later)",
        )
    elif version < (3, 0, 0):
        avoid = ("warning", "v2 runs on Node.js 20, which runners dropped; pin @v3")
    return Release(version, frozenset(inputs), frozenset({"url"}), avoid, removed)


_AUTH_V3 = frozenset(
    {
        "workload_identity_provider", "credentials_json", "service_account",
        "project_id", "audience", "create_credentials_file",
        "export_environment_variables", "cleanup_credentials", "universe",
        "request_reason", "token_format", "delegates", "access_token_lifetime",
        "access_token_scopes", "access_token_subject", "id_token_audience",
        "id_token_include_email",
    }
)  # fmt: skip
_AUTH_OUTPUTS = frozenset(
    {"project_id", "credentials_file_path", "auth_token", "access_token", "id_token"}
)


def _auth(version: Version) -> Release:
    if version >= (3, 0, 0):
        return Release(
            version,
            _AUTH_V3,
            _AUTH_OUTPUTS,
            removed={
                name: "was removed in v3; the action no longer retries"
                for name in ("retries", "backoff", "backoff_limit")
            },
        )
    inputs = _AUTH_V3 | {"retries", "backoff", "backoff_limit"}
    avoid: tuple[Level, str]
    if version < (2, 0, 0):
        avoid = ("error", f"v{version[0]} is unmaintained; pin @v3")
    else:
        avoid = ("warning", "v2 runs on Node.js 20, which runners dropped; pin @v3")
    return Release(version, inputs, _AUTH_OUTPUTS, avoid)


def _fixed(
    inputs: str,
    outputs: str,
    current: int,
    known: tuple[int, ...],
    obsolete_below: int,
    removed: dict[str, str] | None = None,
) -> Callable[[Version], Release]:
    """A release builder for an action whose inputs are the same in the ``known``
    majors. Other majors are not judged on their inputs, since they may differ;
    majors below ``obsolete_below`` run on a Node.js that runners dropped."""
    input_set = frozenset(inputs.split())
    output_set = frozenset(outputs.split())

    def build(version: Version) -> Release:
        avoid: tuple[Level, str] | None = None
        if version[0] < obsolete_below:
            avoid = (
                "warning",
                f"v{version[0]} runs on a Node.js that runners dropped; pin "
                f"@v{current}",
            )
        if version[0] not in known:
            return Release(version, None, None, avoid)
        return Release(version, input_set, output_set, avoid, removed or {})

    return build


def _setup_gcloud(version: Version) -> Release:
    common = {"version", "project_id", "install_components", "skip_install"}
    if version[0] == 3:
        return Release(
            version,
            frozenset({*common, "cache"}),
            frozenset({"version"}),
            removed={"skip_tool_cache": "was replaced by cache in v3"},
        )
    avoid: tuple[Level, str] = (
        "warning",
        f"v{version[0]} runs on a Node.js that runners dropped; pin @v3",
    )
    if version[0] == 2:
        return Release(
            version,
            frozenset({*common, "skip_tool_cache"}),
            frozenset({"version"}),
            avoid,
        )
    return Release(version, None, None, avoid)


ACTIONS: dict[str, Action] = {
    "google-github-actions/deploy-cloudrun": Action(
        "google-github-actions/deploy-cloudrun",
        3,
        {0: (0, 11, 0), 1: (1, 0, 2), 2: (2, 7, 6), 3: (3, 0, 1)},
        _deploy_cloudrun,
    ),
    "google-github-actions/auth": Action(
        "google-github-actions/auth",
        3,
        {0: (0, 8, 3), 1: (1, 3, 0), 2: (2, 1, 13), 3: (3, 0, 0)},
        _auth,
    ),
    "actions/checkout": Action(
        "actions/checkout",
        7,
        {6: (6, 0, 0), 7: (7, 0, 1)},
        _fixed(
            "repository ref token ssh-key ssh-known-hosts ssh-strict ssh-user "
            "persist-credentials path clean filter sparse-checkout "
            "sparse-checkout-cone-mode fetch-depth fetch-tags show-progress lfs "
            "submodules set-safe-directory github-server-url "
            "allow-unsafe-pr-checkout",
            "ref commit",
            7,
            (6, 7),
            5,
        ),
    ),
    "google-github-actions/setup-gcloud": Action(
        "google-github-actions/setup-gcloud",
        3,
        {3: (3, 0, 1)},
        _setup_gcloud,
    ),
    "docker/login-action": Action(
        "docker/login-action",
        4,
        {4: (4, 0, 0)},
        _fixed(
            "registry username password ecr scope logout registry-auth", "", 4, (4,), 4
        ),
    ),
    "docker/setup-buildx-action": Action(
        "docker/setup-buildx-action",
        4,
        {4: (4, 0, 0)},
        _fixed(
            "version driver driver-opts buildkitd-flags buildkitd-config "
            "buildkitd-config-inline use name endpoint platforms append keep-state "
            "cache-binary cleanup",
            "name driver platforms nodes endpoint status flags",
            4,
            (4,),
            4,
            {
                name: "was dropped in v4"
                for name in ("config", "config-inline", "install")
            },
        ),
    ),
    "docker/build-push-action": Action(
        "docker/build-push-action",
        7,
        {7: (7, 0, 0)},
        _fixed(
            "add-hosts allow annotations attests build-args build-contexts builder "
            "cache-from cache-to call cgroup-parent context file labels load network "
            "no-cache no-cache-filters outputs platforms provenance pull push sbom "
            "secrets secret-envs secret-files shm-size ssh tags target ulimit "
            "github-token",
            "imageid digest metadata",
            7,
            (7,),
            7,
        ),
    ),
    "docker/metadata-action": Action(
        "docker/metadata-action",
        6,
        {6: (6, 0, 0)},
        _fixed(
            "context images tags flavor labels annotations sep-tags sep-labels "
            "sep-annotations bake-target github-token",
            "version tags tag-names labels annotations json bake-file-tags "
            "bake-file-labels bake-file-annotations bake-file",
            6,
            (6,),
            6,
        ),
    ),
}


def split_uses(uses: str) -> tuple[str, str] | None:
    """``owner/repo`` and the ref of a ``uses:`` value, or ``None`` for a local or
    Docker action."""
    if uses.startswith(("./", "docker://")) or "@" not in uses:
        return None
    name, _, ref = uses.partition("@")
    return name.lower(), ref
