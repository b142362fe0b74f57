"""Every test gets its own LINKEDIN_HOME and DAGSTER_HOME under tmp_path."""

from __future__ import annotations

import pytest

from linkedin_assets.core.settings import Settings
from linkedin_assets_tests.homes import use_home

# The `databricks_standin` fixture: a loopback stand-in of a workspace's REST API.
pytest_plugins = ["linkedin_assets_tests.databricks_standin"]


@pytest.fixture
def settings(tmp_path, monkeypatch) -> Settings:
    return use_home(monkeypatch, tmp_path / "home")
