"""``sphinx-gcpdeploy list`` and ``render``, including ``render --check``."""

from __future__ import annotations

import os
import signal
import socket
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

import pytest

from sphinx_gcpdeploy.cli import main
from sphinx_gcpdeploy.recipes import builtin_recipes
from sphinx_gcpdeploy.render import Given, build_snippet

ANOTHER = Path(__file__).parent / "projects" / "another" / "recipes"


def rendered(**values: str) -> str:
    given = {name: Given(name, value, 1) for name, value in values.items()}
    snippet = build_snippet(builtin_recipes(), "worker-and-server", None, given)
    assert snippet.text is not None
    return snippet.text


def test_list_names_every_recipe_with_its_formats(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["list", "--template-dir", str(ANOTHER)]) == 0
    out = capsys.readouterr().out
    assert "hello-worker (github-actions)\n" in out
    assert [line.split(" ")[0] for line in out.splitlines() if line[0] != " "] == [
        "django-settings",
        "hello-worker",
        "single-service",
        "worker-and-server",
    ]
    assert any(
        line.startswith("worker-and-server (github-actions, ")
        for line in out.splitlines()
    )


def test_render_prints_what_the_directive_shows(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["render", "worker-and-server", "--set", "app=shop"]) == 0
    assert capsys.readouterr().out == rendered(app="shop")


def test_render_with_an_error_writes_nothing_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "deploy.yml"
    status = main(
        ["render", "worker-and-server", "--set", "app=1bad", "-o", str(target)]
    )
    assert status == 1
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == [
        "sphinx-gcpdeploy: worker-and-server[github-actions] (--set app=1bad): "
        "error: service-name: service name '1bad-worker-${{ "
        "needs.build.outputs.environment }}' must start with a lowercase letter; "
        "put one first (from parameter 'app')",
        "sphinx-gcpdeploy: worker-and-server[github-actions] (--set app=1bad): "
        "error: service-name: service name '1bad-server-${{ "
        "needs.build.outputs.environment }}' must start with a lowercase letter; "
        "put one first (from parameter 'app')",
    ]


def test_render_output_file_and_no_silent_overwrite(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "deploy.yml"
    assert main(["render", "worker-and-server", "-o", str(target)]) == 0
    assert target.read_text("utf-8") == rendered()
    target.write_text("# my own edits\n", "utf-8")
    assert main(["render", "worker-and-server", "-o", str(target)]) == 2
    assert target.read_text("utf-8") == "# my own edits\n"
    assert capsys.readouterr().err == (
        f"sphinx-gcpdeploy: {target} exists and differs; add --force to replace it\n"
    )
    assert main(["render", "worker-and-server", "-o", str(target), "--force"]) == 0
    assert target.read_text("utf-8") == rendered()


def test_render_check_passes_on_a_file_that_matches(tmp_path: Path) -> None:
    target = tmp_path / "deploy.yml"
    target.write_text(rendered(app="shop"), "utf-8")
    assert (
        main(
            ["render", "worker-and-server", "--set", "app=shop", "--check", str(target)]
        )
        == 0
    )


def test_render_check_catches_a_hand_edited_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "deploy.yml"
    target.write_text(
        rendered(app="shop").replace("region: europe-west1", "region: us-east1", 1),
        "utf-8",
    )
    status = main(
        ["render", "worker-and-server", "--set", "app=shop", "--check", str(target)]
    )
    assert status == 1
    captured = capsys.readouterr()
    assert "-    region: us-east1\n" in captured.out
    assert "+    region: europe-west1\n" in captured.out
    assert captured.err == (
        f"sphinx-gcpdeploy: {target} differs from what the recipe renders "
        "(diff above)\n"
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["render", "worker-and-server", "--set", "app"], "write it as KEY=VALUE"),
        (
            ["render", "worker-and-server", "--set", "app=a", "--set", "app=b"],
            "--set app: given twice",
        ),
    ],
)
def test_render_usage_errors_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_render_check_of_a_missing_file_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nope.yml"
    assert main(["render", "worker-and-server", "--check", str(missing)]) == 2
    assert capsys.readouterr().err.startswith(
        f"sphinx-gcpdeploy: {missing}: cannot read it:"
    )


def test_render_unknown_recipe_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["render", "nope"]) == 1
    assert capsys.readouterr().err == (
        "sphinx-gcpdeploy: nope[?]: error: unknown-recipe: there is no recipe "
        "'nope'; the recipes are: django-settings, single-service, worker-and-server\n"
    )


# --- What -o and --check do with files that are not plain files -------------------


@contextmanager
def deadline(seconds: int) -> Iterator[None]:
    """Fail instead of hanging: opening a named pipe blocks until the other end is
    opened, and a regression there would otherwise stop the whole suite."""

    def expired(signum: int, frame: FrameType | None) -> None:
        pytest.fail(f"still running after {seconds} seconds: a hang")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def make_fifo(path: Path) -> None:
    os.mkfifo(path)


def make_device(path: Path) -> None:
    # The null device's numbers, but a node of our own in the test's directory.
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("making a device node needs root")


def make_socket(path: Path) -> None:
    # A socket's path is limited to about 100 bytes; bind by a short relative name.
    here = Path.cwd()
    os.chdir(path.parent)
    try:
        with socket.socket(socket.AF_UNIX) as server:
            server.bind(path.name)
    finally:
        os.chdir(here)


SPECIAL: dict[str, Callable[[Path], None]] = {
    "fifo": make_fifo,
    "device": make_device,
    "socket": make_socket,
}


@pytest.mark.parametrize("kind", sorted(SPECIAL))
@pytest.mark.parametrize("force", [False, True], ids=["plain", "force"])
def test_render_output_refuses_a_special_file(
    kind: str, force: bool, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "deploy.yml"
    SPECIAL[kind](target)
    before = os.lstat(target)
    argv = ["render", "worker-and-server", "-o", str(target)]
    with deadline(5):
        status = main([*argv, "--force"] if force else argv)
    assert status == 2
    assert capsys.readouterr() == (
        "",
        f"sphinx-gcpdeploy: {target}: is not a regular file\n",
    )
    after = os.lstat(target)
    assert (after.st_mode, after.st_ino) == (before.st_mode, before.st_ino)
    assert list(tmp_path.iterdir()) == [target]


def test_render_output_refuses_a_directory_even_with_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "deploy.yml"
    target.mkdir()
    status = main(["render", "worker-and-server", "-o", str(target), "--force"])
    assert status == 2
    assert capsys.readouterr() == (
        "",
        f"sphinx-gcpdeploy: {target}: is a directory, not a file\n",
    )
    assert target.is_dir() and list(target.iterdir()) == []


def test_render_output_writes_through_a_symbolic_link(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    real = shared / "deploy.yml"
    real.write_text("# old\n", "utf-8")
    real.chmod(0o640)
    link = tmp_path / "deploy.yml"
    link.symlink_to(real)
    assert main(["render", "worker-and-server", "-o", str(link)]) == 2
    assert capsys.readouterr().err == (
        f"sphinx-gcpdeploy: {link} exists and differs; add --force to replace it\n"
    )
    assert main(["render", "worker-and-server", "-o", str(link), "--force"]) == 0
    assert capsys.readouterr() == ("", "")
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text("utf-8") == rendered()
    assert stat.S_IMODE(real.stat().st_mode) == 0o640
    assert sorted(item.name for item in tmp_path.rglob("*")) == [
        "deploy.yml",
        "deploy.yml",
        "shared",
    ]


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("dangling", "is a symbolic link that does not lead to a file"),
        ("loop", "is a symbolic link that does not lead to a file"),
        ("directory", "is a directory, not a file"),
        ("fifo", "is not a regular file"),
    ],
)
def test_render_output_refuses_a_link_to_anything_but_a_file(
    kind: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    link = tmp_path / "deploy.yml"
    pointee = tmp_path / "elsewhere"
    if kind == "directory":
        pointee.mkdir()
    elif kind == "fifo":
        os.mkfifo(pointee)
    elif kind == "loop":
        pointee.symlink_to(link)
    link.symlink_to(pointee)
    with deadline(5):
        status = main(["render", "worker-and-server", "-o", str(link), "--force"])
    assert status == 2
    assert capsys.readouterr() == ("", f"sphinx-gcpdeploy: {link}: {message}\n")
    assert link.is_symlink() and os.readlink(link) == str(pointee)
    assert kind != "dangling" or not os.path.lexists(pointee)
    assert sorted(item.name for item in tmp_path.iterdir()) == [
        "deploy.yml",
        *(["elsewhere"] if kind != "dangling" else []),
    ]


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o002, 0o664)])
def test_render_output_new_file_follows_the_umask(
    umask: int, mode: int, tmp_path: Path
) -> None:
    target = tmp_path / "deploy.yml"
    previous = os.umask(umask)
    try:
        assert main(["render", "worker-and-server", "-o", str(target)]) == 0
    finally:
        os.umask(previous)
    assert stat.S_IMODE(target.stat().st_mode) == mode


def test_render_output_replaced_file_keeps_its_mode(tmp_path: Path) -> None:
    script = tmp_path / "deploy.sh"
    script.write_text("#!/bin/sh\necho old\n", "utf-8")
    script.chmod(0o755)
    argv = ["render", "worker-and-server", "--format", "gcloud", "-o", str(script)]
    assert main([*argv, "--force"]) == 0
    assert script.read_text("utf-8").startswith("#!")
    assert stat.S_IMODE(script.stat().st_mode) == 0o755
    assert [item.name for item in tmp_path.iterdir()] == ["deploy.sh"]


@pytest.mark.parametrize("kind", sorted(SPECIAL))
def test_render_check_refuses_a_special_file(
    kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "deploy.yml"
    SPECIAL[kind](target)
    with deadline(5):
        status = main(["render", "worker-and-server", "--check", str(target)])
    assert status == 2
    assert capsys.readouterr() == (
        "",
        f"sphinx-gcpdeploy: {target}: is not a regular file\n",
    )


def test_render_check_refuses_a_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["render", "worker-and-server", "--check", str(tmp_path)]) == 2
    assert capsys.readouterr() == (
        "",
        f"sphinx-gcpdeploy: {tmp_path}: is a directory, not a file\n",
    )


@pytest.mark.parametrize(
    "extra", [[], ["--check", "deploy.yml"]], ids=["alone", "with-check"]
)
def test_render_force_without_output_is_a_usage_error(
    extra: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["render", "worker-and-server", "--force", *extra]) == 2
    assert capsys.readouterr() == (
        "",
        "sphinx-gcpdeploy: render: --force goes with -o FILE; it lets -o replace "
        "a file that differs\n",
    )
