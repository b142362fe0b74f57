"""What `linkedin-analytics run` prints: the summary, one line per refused file, and none of
Dagster's internal notices or stack traces for an expected outcome (issue 38)."""

from __future__ import annotations

import datetime as dt
import os
import pty
import subprocess
import sys

import openpyxl
import pytest

from linkedin_assets.core.project_files import REPO_ROOT
from linkedin_assets.samples.profile import build_profile
from linkedin_assets.samples.writer import write_content_export

pytestmark = [pytest.mark.slow, pytest.mark.alone]  # a CLI process of its own, on a terminal

END = dt.date(2026, 10, 31)


def run_cli(settings, *args: str) -> subprocess.CompletedProcess:
    """`linkedin-analytics run` with stdout a pipe (not a terminal), as in CI or a log."""
    env = {**os.environ, "LINKEDIN_HOME": str(settings.home), "DAGSTER_HOME": str(settings.dagster_home)}
    env.pop("LINKEDIN_LOG_LEVEL", None)
    return subprocess.run(
        [sys.executable, "-m", "linkedin_assets.cli", "run", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_a_refused_file_is_one_line_and_no_internal_notice_reaches_the_terminal(settings):
    profile = build_profile(END, 120, seed=4)
    historical = settings.volume("content_historical", "pending")
    # Over 100 days: the automation then has more updated partitions than Dagster fetches one by one.
    write_content_export(profile, historical, END - dt.timedelta(days=110), END - dt.timedelta(days=2))
    daily = settings.volume("content_daily", "pending")
    drafts = settings.home / "drafts"
    source = write_content_export(profile, drafts, END, END)
    book = openpyxl.load_workbook(source)
    book["ENGAGEMENT"]["B1"].value = "Views"  # a renamed header: refused in the bronze step
    book.save(daily / source.name)

    done = run_cli(settings)
    printed = done.stdout + done.stderr

    assert done.returncode == 1, printed
    # Its reason once, naming it and where it went; the progress says only that it was refused.
    reasons = [line for line in printed.splitlines() if "no 'Impressions'" in line]
    assert len(reasons) == 1 and source.name in reasons[0] and "errors/" in reasons[0], printed
    assert f"refused content_daily/{source.name} -> errors/" in printed, printed
    # One line per step as it ends (stdout is not a terminal): the historical file's run,
    # then the automation's over its range.
    assert "  bronze_content: done" in printed and "  silver.linkedin.totals: done" in printed, printed
    for noise in ("Traceback", "STEP_FAILURE", "RUN_FAILURE", "per-partition timestamp", "Warning"):
        assert noise not in printed, f"{noise!r} in:\n{printed}"
    assert "processed  content_historical: 1 file(s)" in printed, printed


def test_on_a_terminal_the_progress_is_a_live_display_and_the_summary_stays(settings):
    profile = build_profile(END, 30, seed=5)
    write_content_export(profile, settings.volume("content_daily", "pending"), END, END)
    env = {**os.environ, "LINKEDIN_HOME": str(settings.home), "DAGSTER_HOME": str(settings.dagster_home)}
    env.update(COLUMNS="120", LINES="40", TERM="xterm-256color")
    env.pop("NO_COLOR", None)
    leader, follower = pty.openpty()
    child = subprocess.Popen(
        [sys.executable, "-m", "linkedin_assets.cli", "run"], cwd=REPO_ROOT, env=env, stdout=follower, stderr=follower
    )
    os.close(follower)
    shown = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the child closed its end
            break
        if not chunk:
            break
        shown += chunk
    os.close(leader)
    assert child.wait(timeout=600) == 0, shown.decode(errors="replace")
    text = shown.decode(errors="replace")
    # rich's live display: the cursor hidden while it redraws in place, a bar, the time left.
    assert "\x1b[?25l" in text and "━" in text and "left" in text, text
    assert "processed  content_daily: 1 file(s)" in text, text  # the summary, after the display is cleared
