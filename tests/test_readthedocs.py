"""``.readthedocs.yaml`` is valid against Read the Docs' schema (the copy that
check-jsonschema ships) and builds the same site as ``nox -s docs``."""

from __future__ import annotations

import copy
import json
import tomllib
from importlib.resources import files
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / ".readthedocs.yaml"


def load_schema() -> dict[str, Any]:
    vendor = files("check_jsonschema.builtin_schemas.vendor")
    schema: dict[str, Any] = json.loads(
        vendor.joinpath("readthedocs.json").read_text("utf-8")
    )
    return schema


def load_config() -> dict[str, Any]:
    config: dict[str, Any] = yaml.safe_load(CONFIG.read_text("utf-8"))
    return config


def errors(config: dict[str, Any]) -> list[str]:
    schema = load_schema()
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema)
    return [
        f"{'/'.join(map(str, error.absolute_path)) or '(top)'}: {error.message}"
        for error in validator.iter_errors(config)
    ]


def test_config_is_valid_against_the_schema() -> None:
    assert errors(load_config()) == []


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda c: c["build"]["tools"].update(python=3.12), "build/tools/python"),
        (lambda c: c["sphinx"].update(fail_on_warnings=True), "sphinx"),
        (lambda c: c.update(version=1), "version"),
        (lambda c: c["build"].pop("os"), "build"),
    ],
    ids=["unquoted-python-version", "misspelt-key", "version-1", "no-build-os"],
)
def test_schema_rejects_a_broken_config(change: Any, where: str) -> None:
    """The schema is really applied: small mistakes in the file are caught."""
    config = copy.deepcopy(load_config())
    change(config)
    found = errors(config)
    assert found, "the broken config passed"
    assert any(line.startswith(f"{where}:") for line in found), found


def test_config_builds_the_docs_site() -> None:
    config = load_config()
    assert config["version"] == 2
    sphinx = config["sphinx"]
    assert (ROOT / sphinx["configuration"]) == ROOT / "docs" / "conf.py"
    assert (ROOT / sphinx["configuration"]).is_file()
    assert sphinx.get("builder", "html") == "html"
    assert sphinx["fail_on_warning"] is True

    # The interpreter is one the package supports.
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    python = config["build"]["tools"]["python"]
    assert SpecifierSet(project["requires-python"]).contains(python), python

    # The package itself, with the extra the docs session installs.
    assert config["python"]["install"] == [
        {"method": "pip", "path": ".", "extra_requirements": ["docs"]}
    ]
    assert "docs" in project["optional-dependencies"]
