"""Giving a test (or a module of tests) a LINKEDIN_HOME and DAGSTER_HOME of its own."""

from __future__ import annotations

from pathlib import Path

import pytest

from linkedin_assets.core.settings import Settings, load_settings
from linkedin_assets.dagster_home import prepare_environment


def use_home(mp: pytest.MonkeyPatch, home: Path) -> Settings:
    """Point LINKEDIN_HOME (and DAGSTER_HOME inside it) at `home`, ready for a first run."""
    mp.setenv("LINKEDIN_HOME", str(home))
    mp.setenv("DAGSTER_HOME", str(home / "dagster"))
    # Files the tests write are complete at once: no wait for them to settle (test_events.py tests the wait).
    mp.setenv("LINKEDIN_SETTLE_SECONDS", "0")
    settings = load_settings()
    prepare_environment(settings)
    return settings
