"""``sphinx-gcpdeploy list`` and ``render``, including ``render --check``."""

from __future__ import annotations

from pathlib import Path

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
