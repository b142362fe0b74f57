"""Every test gets its own LINKEDIN_HOME and DAGSTER_HOME under tmp_path; the suite shares
one warm Spark engine of its own (not a user's), stopped when the suite ends."""

from __future__ import annotations

import os
import signal
import tempfile
from pathlib import Path

import pytest

from linkedin_assets.core.settings import Settings
from linkedin_assets_tests.homes import use_home
from linkedin_assets_tests.leftovers import mark_session, stop_leftovers

# The `databricks_standin` fixture: a loopback stand-in of a workspace's REST API.
pytest_plugins = ["linkedin_assets_tests.databricks_standin"]


SESSION = pytest.StashKey[str]()


def pytest_configure(config):
    config.stash[SESSION] = mark_session()


def pytest_collection_modifyitems(config, items):
    """A test that must run alone is slow too: `make test-fast` never runs it."""
    for item in items:
        if item.get_closest_marker("alone") and not item.get_closest_marker("slow"):
            item.add_marker(pytest.mark.slow)


def pytest_sessionfinish(session, exitstatus):
    """Nothing the suite started outlives it, whether a test passed, failed or timed out.

    With `-n` (pytest-xdist), the workers carry the mark too: only the controller, once
    every worker has ended, stops what is left."""
    if hasattr(session.config, "workerinput"):
        return
    left = stop_leftovers(session.config.stash[SESSION])
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    for pid, command in left.items():
        if reporter is not None:
            reporter.write_line(f"left running by a test, stopped: pid {pid}: {command[:200]}", yellow=True)


@pytest.fixture(scope="session", autouse=True)
def interruptible():
    """A suite started in the background begins with SIGINT ignored, and a Dagster run made on
    the main thread then leaves SIGTERM ignored for every process a later test starts
    (core/signals.py): the suite behaves as in a terminal instead."""
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    yield


@pytest.fixture(scope="session", autouse=True)
def warm_engine():
    from linkedin_assets.core.engine import warm
    from linkedin_assets.core.engine.spark import close_session

    directory = Path(tempfile.mkdtemp(prefix="linkedin-engine-"))
    # Set before any test starts Spark; subprocesses (the CLI, `dagster dev`) inherit it.
    os.environ["LINKEDIN_ENGINE_DIR"] = str(directory)
    os.environ["LINKEDIN_ENGINE_LINGER_SECONDS"] = "0"
    yield directory
    # The session first: a client left open would retry its farewell to a stopped server.
    close_session()
    warm.stop(directory)


@pytest.fixture
def settings(tmp_path, monkeypatch) -> Settings:
    return use_home(monkeypatch, tmp_path / "home")
