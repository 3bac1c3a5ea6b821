"""``sphinx-gcpdeploy check``: output, exit status, and files it cannot read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sphinx_gcpdeploy.cli import main

DATA = Path(__file__).parent / "data" / "checks"
BAD = (
    "on: push\n"
    "jobs:\n"
    "  a:\n"
    "    runs-on: ubuntu-latest\n"
    "    steps:\n"
    "      - uses: actions/checkout@v7\n"
    "      - run: echo ${{ github.head_ref }}\n"
)
STEPS = "- uses: google-github-actions/deploy-cloudrun@v3\n  with:\n    service: Shop\n"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_clean_file_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "check", str(DATA / "good-workflow.yml")) == (0, "", "")


def test_finding_line_and_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "deploy.yml"
    path.write_text(BAD, "utf-8")
    status, out, err = run(capsys, "check", str(path))
    assert status == 1
    assert err == ""
    assert out == (
        f"{path}:7:19: script-injection github.head_ref is written by whoever "
        "triggers the workflow and is pasted into the script before it runs; pass "
        "it through env: and use the quoted variable instead\n"
    )


def test_warnings_alone_exit_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "w.yaml"
    path.write_text(
        "- uses: google-github-actions/deploy-cloudrun@v3\n"
        "  with:\n    service: shop\n    image: i\n    region: mars-north1\n",
        "utf-8",
    )
    status, out, _ = run(capsys, "check", str(path))
    assert status == 0
    assert out.startswith(f"{path}:5:13: region warning: region 'mars-north1'")


def test_directory_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "nested").mkdir()
    (tmp_path / "nested" / "steps.yaml").write_text(STEPS, "utf-8")
    (tmp_path / "a.yml").write_text(BAD, "utf-8")
    (tmp_path / "notes.txt").write_text("not checked", "utf-8")
    status, out, _ = run(capsys, "check", "--format", "json", str(tmp_path))
    assert status == 1
    report = json.loads(out)
    assert report["files"] == 2
    assert [
        (item["path"], item["rule"], item["line"]) for item in report["findings"]
    ] == [
        (str(tmp_path / "a.yml"), "script-injection", 7),
        (str(tmp_path / "nested" / "steps.yaml"), "service-name", 3),
        (str(tmp_path / "nested" / "steps.yaml"), "service-name", 3),
    ]
    assert report["errors"] == 3 and report["warnings"] == 0


def test_kind_can_be_forced(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "steps.yml"
    path.write_text(STEPS, "utf-8")
    status, out, _ = run(capsys, "check", "--kind", "github-workflow", str(path))
    assert status == 1
    assert out.splitlines()[0].startswith(f"{path}:1:1: schema ")


def test_ignore(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "deploy.yml"
    path.write_text(BAD, "utf-8")
    assert run(capsys, "check", "--ignore", "script-injection", str(path)) == (
        0,
        "",
        "",
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"on: push\x00\x01", "is a binary file, not YAML text"),
        (
            b"name: caf\xe9\n",
            "is not UTF-8 text (byte 10 cannot be read); save it as UTF-8",
        ),
    ],
    ids=["binary", "latin-1"],
)
def test_unreadable_file_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, message: str
) -> None:
    path = tmp_path / "w.yml"
    path.write_bytes(content)
    status, out, err = run(capsys, "check", str(path))
    assert (status, out) == (2, "")
    assert err == f"sphinx-gcpdeploy: {path}: {message}\n"


def test_missing_and_empty_directory_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = run(capsys, "check", str(tmp_path / "nope.yml"), str(tmp_path))
    assert status == 2
    assert err.splitlines() == [
        f"sphinx-gcpdeploy: {tmp_path / 'nope.yml'}: no such file or directory",
        f"sphinx-gcpdeploy: {tmp_path}: no .yml or .yaml file in this directory",
    ]


def test_unreadable_file_does_not_hide_findings_in_others(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "bad.yml"
    good.write_text(BAD, "utf-8")
    status, out, _ = run(capsys, "check", str(good), str(tmp_path / "nope.yml"))
    assert status == 2
    assert "script-injection" in out


def test_yaml_syntax_is_a_finding(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "w.yml"
    path.write_text("on: [push\n", "utf-8")
    status, out, _ = run(capsys, "check", str(path))
    assert status == 1
    assert out.startswith(f"{path}:2:1: yaml-syntax ")


@pytest.mark.parametrize(
    "argv", [[], ["check"], ["check", "--format", "xml", "x.yml"], ["lint", "x"]]
)
def test_bad_usage_exits_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    assert "usage:" in capsys.readouterr().err


def test_unknown_rule_in_ignore(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--ignore", "no-such-rule", "x.yml"]) == 2
    assert "no rule no-such-rule" in capsys.readouterr().err


def test_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--help"]) == 0
    assert "PATH" in capsys.readouterr().out


def _render(*argv: str) -> str:
    from sphinx_gcpdeploy.recipes import builtin_recipes
    from sphinx_gcpdeploy.render import build_snippet

    recipe, format_name = argv
    snippet = build_snippet(builtin_recipes(), recipe, format_name, {})
    assert snippet.text is not None
    return snippet.text


def test_cloud_build_shell_and_python_files_are_known_by_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "cloudbuild.yaml").write_text(
        _render("worker-and-server", "cloudbuild"), "utf-8"
    )
    (tmp_path / "deploy.sh").write_text(_render("worker-and-server", "gcloud"), "utf-8")
    (tmp_path / "settings.py").write_text(_render("django-settings", "python"), "utf-8")
    names = [str(tmp_path / name) for name in ("cloudbuild.yaml", "deploy.sh")]
    assert run(capsys, "check", *names, str(tmp_path / "settings.py")) == (0, "", "")


def test_a_shell_script_gets_the_gcloud_rules(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "deploy.sh"
    script.write_text(
        "#!/usr/bin/env bash\ngcloud run deploy Shop --image=x --region=us-east1\n",
        "utf-8",
    )
    status, out, _ = run(capsys, "check", str(script))
    assert status == 1
    assert out.startswith(f"{script}:2:19: service-name service name 'Shop' has 'S'")


def test_kind_python_forces_python(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    odd = tmp_path / "settings.txt"
    odd.write_text('GCP_TASKS_DOMAIN = "http://example.com/"\n', "utf-8")
    status, out, _ = run(capsys, "check", "--kind", "python", str(odd))
    assert status == 1
    assert [line.split(" ")[1] for line in out.splitlines()] == [
        "tasks-domain-scheme",
        "tasks-domain-slash",
    ]


def test_json_lists_what_could_not_be_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "good.yml"
    good.write_text(BAD, "utf-8")
    binary = tmp_path / "binary.yml"
    binary.write_bytes(b"on: push\x00")
    empty = tmp_path / "empty"
    empty.mkdir()
    missing = tmp_path / "nope.yml"
    paths = [str(good), str(missing), str(binary), str(empty), ""]
    status, out, err = run(capsys, "check", "--format", "json", *paths)
    assert status == 2
    report = json.loads(out)
    assert list(report) == ["files", "errors", "warnings", "findings", "unreadable"]
    assert (report["files"], report["errors"], report["warnings"]) == (1, 1, 0)
    assert [item["rule"] for item in report["findings"]] == ["script-injection"]
    assert report["unreadable"] == [
        {"path": str(missing), "message": "no such file or directory"},
        {"path": str(binary), "message": "is a binary file, not YAML text"},
        {"path": str(empty), "message": "no .yml or .yaml file in this directory"},
        {
            "path": "",
            "message": "an empty path was given; name a file or a directory",
        },
    ]
    # Standard error still says the same, for whoever reads the terminal.
    assert err.splitlines() == [
        f"sphinx-gcpdeploy: {missing}: no such file or directory",
        f"sphinx-gcpdeploy: {binary}: is a binary file, not YAML text",
        f"sphinx-gcpdeploy: {empty}: no .yml or .yaml file in this directory",
        "sphinx-gcpdeploy: an empty path was given; name a file or a directory",
    ]


def test_json_has_an_empty_unreadable_list_when_all_was_read(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, _ = run(
        capsys, "check", "--format", "json", str(DATA / "good-workflow.yml")
    )
    assert status == 0
    assert json.loads(out) == {
        "files": 1,
        "errors": 0,
        "warnings": 0,
        "findings": [],
        "unreadable": [],
    }


@pytest.mark.parametrize(
    "command",
    [
        ["check", "--format", "json"],
        ["check"],
        ["render", "worker-and-server", "--format", "github-workflow"],
    ],
    ids=["check json", "check", "render"],
)
def test_a_reader_that_stops_early_gets_no_traceback(
    tmp_path: Path, command: list[str]
) -> None:
    # sphinx-gcpdeploy ... | head -1: the pipe closes while output is pending.
    import subprocess
    import sys

    bad = "on: push\njobs:\n  a:\n    steps:\n      - run: echo\n"
    for index in range(400):
        (tmp_path / f"w{index:03d}.yml").write_text(bad)
    argv = [*command, str(tmp_path)] if command[0] == "check" else command
    process = subprocess.Popen(
        [sys.executable, "-m", "sphinx_gcpdeploy", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.readline()
    process.stdout.close()
    errors = process.stderr.read().decode()
    process.wait(timeout=60)
    assert "Traceback" not in errors and "BrokenPipe" not in errors, errors
