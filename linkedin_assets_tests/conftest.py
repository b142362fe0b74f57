"""Every test gets its own LINKEDIN_HOME and DAGSTER_HOME under tmp_path."""

from __future__ import annotations

import pytest

from linkedin_assets.cli import prepare_environment
from linkedin_assets.settings import Settings, load_settings


@pytest.fixture
def settings(tmp_path, monkeypatch) -> Settings:
    monkeypatch.setenv("LINKEDIN_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home" / "dagster"))
    found = load_settings()
    prepare_environment(found)
    return found
