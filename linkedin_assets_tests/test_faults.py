"""Faults: killed runs, concurrent runs, transient errors, failed blocking checks."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pyarrow as pa
import pytest
from deltalake import DeltaTable, write_deltalake

from linkedin_assets.cli import print_summary, run_pending
from linkedin_assets.core.bronze.ingest import ingest_content
from linkedin_assets.core.lake.delta import DeltaLake
from linkedin_assets.core.lake.protocol import QueryFailed
from linkedin_assets.core.landing import Landing
from linkedin_assets.core.project_files import REPO_ROOT
from linkedin_assets.core.sql import step as sql_step
from linkedin_assets.core.sql.text import sql_text
from linkedin_assets.defs.materializations import last_storage_id, materialized_after
from linkedin_assets.samples.profile import build_profile
from linkedin_assets.samples.writer import write_content_export, write_patch_file, write_post_export
from linkedin_assets_tests.lake_state import snapshot

pytestmark = pytest.mark.slow  # runs the CLI in processes of its own and kills them

END = dt.date(2026, 10, 31)
CONTENT = ["totals", "followers", "follower_totals", "discovery", "top_posts", "demographics"]


def cli(settings, stderr: Path | None = None) -> subprocess.Popen:
    """`linkedin-analytics run` as a process of its own; its stderr kept in `stderr` if given,
    with Python's fault handler on, so a crash in native code says where it was."""
    env = {
        **os.environ,
        "LINKEDIN_HOME": str(settings.home),
        "DAGSTER_HOME": str(settings.dagster_home),
        "PYTHONFAULTHANDLER": "1",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "linkedin_assets.cli", "run"],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=stderr.open("w") if stderr else subprocess.DEVNULL,
    )


def first_commit(settings, table: str):
    return settings.table_path("bronze", table) / "_delta_log" / "00000000000000000000.json"


def test_killed_run_leaves_committed_versions_and_the_next_run_completes(settings, tmp_path):
    """Killed mid-bronze, each content table is as a clean run leaves it, or still as it was
    before the run (absent, or the empty table created first); never half-written. The next
    run then leaves every table exactly as a clean run does, versions included. (Bronze only:
    that every layer converges after a kill anywhere is the kill-point test's, below.)"""
    profile = build_profile(END, 365, seed=2)
    first = END - dt.timedelta(days=364)
    path = write_content_export(profile, settings.volume("content_historical"), first, END)
    # The reference: the same file ingested into a lake of its own, with nothing interrupted.
    clean = dataclasses.replace(settings, home=tmp_path / "clean")
    clean.ensure_folders()
    shutil.copy2(path, clean.volume("content_historical") / path.name)
    child = cli(settings)
    # Kill it the moment the first bronze table has committed, before the others.
    deadline = time.monotonic() + 120
    while not first_commit(settings, "totals").exists() and time.monotonic() < deadline:
        time.sleep(0.001)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()

    ingest_content(Landing(clean.landing), DeltaLake(clean.lake), first, END)
    expected = snapshot(clean)
    assert all(expected[t][0] is not None and expected[t][1] for t in CONTENT), "the clean run wrote nothing"
    killed = snapshot(settings)  # every table that exists opens at a committed version
    untouched = [(None, []), (0, [])]  # no table yet, or only the empty one created before the first write
    for table in CONTENT:
        assert killed[table] in [*untouched, expected[table]], f"{table}: a half-written commit is visible"
    assert path.exists() or (settings.volume("content_historical", "processed") / path.name).exists()

    assert run_pending(settings, downstream=False).ok
    after = snapshot(settings)
    for table in CONTENT:
        assert after[table] == expected[table], table
    lake = DeltaLake(settings.lake)
    totals = {r["date"]: r["impressions"] for r in lake.read("bronze", "totals").to_pylist()}
    assert totals == {d: t.impressions for d, t in profile.days.items()}
    assert (settings.volume("content_historical", "processed") / path.name).exists()


def test_a_run_started_in_the_background_leaves_sigterm_deliverable(settings):
    """A shell's background job starts with SIGINT ignored, and Dagster's interrupt capture then
    left SIGTERM ignored too: every process started later inherited it, so each step's log
    tail (stopped with SIGTERM) held its step for 30 s, and the engine's JVM ignored SIGTERM."""
    profile = build_profile(END, 3, seed=8)
    write_content_export(profile, settings.volume("content_daily"), END, END)
    interrupt = signal.signal(signal.SIGINT, signal.SIG_IGN)
    terminate = signal.signal(signal.SIGTERM, signal.SIG_DFL)  # as a fresh process has it
    try:
        assert run_pending(settings, downstream=False).ok
        assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
        child = subprocess.Popen(["sleep", "60"])
        child.terminate()
        assert child.wait(timeout=10) == -signal.SIGTERM
    finally:
        signal.signal(signal.SIGINT, interrupt)
        signal.signal(signal.SIGTERM, terminate)


def test_two_files_landing_at_once_are_each_processed_exactly_once(settings):
    profile = build_profile(END, 10, seed=6)
    days = [END - dt.timedelta(days=1), END]
    files = [write_content_export(profile, settings.volume("content_daily"), d, d) for d in days]

    logs = [settings.home.parent / f"runner-{n}.stderr" for n in (1, 2)]
    runs = [cli(settings, log) for log in logs]  # two runners racing over the same folder
    codes = [r.wait(timeout=600) for r in runs]

    assert codes == [0, 0], "\n".join(f"{log.name}:\n{log.read_text()[-4000:]}" for log in logs)
    processed = settings.volume("content_daily", "processed")
    assert sorted(p.name for p in processed.iterdir() if p.is_file()) == sorted(f.name for f in files)
    assert not any(settings.volume("content_daily", "errors").iterdir())
    totals = DeltaLake(settings.lake).read("bronze", "totals").to_pylist()
    assert sorted((r["date"], r["impressions"]) for r in totals) == [(d, profile.days[d].impressions) for d in days]
    # Each file was moved to processed/ by exactly one run.
    moved = []
    instance = dg.DagsterInstance.get()
    for record in instance.fetch_materializations(dg.AssetKey(["bronze", "linkedin", "totals"]), limit=100).records:
        moved += record.asset_materialization.metadata["files_processed"].value
    assert sorted(moved) == sorted(f"content_daily/{f.name}" for f in files)


@pytest.mark.parametrize(
    "error",
    [
        ConnectionError("warehouse busy (simulated)"),
        QueryFailed("DuckDB could not run it: Out of Memory Error: warehouse busy (simulated)", transient=True),
    ],
    ids=["lost-connection", "engine-out-of-memory"],
)
def test_transient_failure_is_retried_with_backoff(settings, monkeypatch, error):
    profile = build_profile(END, 5, seed=9)
    write_content_export(profile, settings.volume("content_daily"), END, END)
    real = sql_step.refresh_table
    failures = {"gold": 0}

    def busy_once(lake, table, *args, **kwargs):
        if table.catalog == "gold" and failures["gold"] == 0:
            failures["gold"] += 1
            raise error
        return real(lake, table, *args, **kwargs)

    monkeypatch.setattr(sql_step, "refresh_table", busy_once)

    summary = run_pending(settings)

    assert summary.ok and failures["gold"] == 1
    instance = dg.DagsterInstance.get()
    retried = [
        e
        for run in instance.get_runs()
        for e in instance.all_logs(run.run_id, of_type=dg.DagsterEventType.STEP_UP_FOR_RETRY)
    ]
    assert len(retried) == 1 and "warehouse busy" in str(retried[0].dagster_event.event_specific_data)
    assert DeltaLake(settings.lake).read("gold", "fct_daily_profile_statistics").num_rows == 1


def test_a_failing_query_is_not_retried_and_names_its_table_and_file(settings, monkeypatch):
    profile = build_profile(END, 5, seed=9)
    write_content_export(profile, settings.volume("content_daily"), END, END)
    real = DeltaLake.query
    broken = sql_text("gold/fct_daily_profile_statistics")

    def binder_error(self, sql, *args, **kwargs):
        if sql == broken:
            raise QueryFailed('Binder Error: Referenced column "impresions" not found (simulated)')
        return real(self, sql, *args, **kwargs)

    monkeypatch.setattr(DeltaLake, "query", binder_error)

    summary = run_pending(settings)

    # The file's run, then the automation's one catch-up of what it left (it asks once, not
    # again until something upstream changes): each failed once, naming the table and file.
    assert not summary.ok and len(summary.failed_runs) == 2, summary.failed_runs
    for failed in summary.failed_runs:
        assert "fct_daily_profile_statistics: its query sql/gold/fct_daily_profile_statistics.sql failed" in failed
        assert "impresions" in failed, failed
    instance = dg.DagsterInstance.get()
    assert not [
        e
        for run in instance.get_runs()
        for e in instance.all_logs(run.run_id, of_type=dg.DagsterEventType.STEP_UP_FOR_RETRY)
    ]


def test_parse_errors_are_not_retried(settings):
    (settings.volume("content_daily") / f"Content_{END}_{END}_Ada.xlsx").write_bytes(b"garbage")
    assert not run_pending(settings).ok
    instance = dg.DagsterInstance.get()
    [run] = [r for r in instance.get_runs() if r.tags.get("linkedin/file")]
    assert run.status == dg.DagsterRunStatus.FAILURE
    assert not instance.all_logs(run.run_id, of_type=dg.DagsterEventType.STEP_UP_FOR_RETRY)


def test_failed_blocking_check_stops_data_flowing_downstream(settings):
    profile = build_profile(END, 10, seed=12)
    url = profile.posts[-1].url
    write_post_export(profile, url, END, settings.volume("posts"))
    write_patch_file([{"post_url": url, "title": "Good"}], settings.volume("patch") / "fix.csv")
    assert run_pending(settings).ok
    # Someone appends a second row for the same post straight into the table.
    path = str(settings.table_path("bronze", "post_patch"))
    stored = DeltaTable(path).to_pyarrow_table()
    write_deltalake(
        path, pa.Table.from_pylist([{**stored.to_pylist()[0], "title": "Clash"}], schema=stored.schema), mode="append"
    )
    instance = dg.DagsterInstance.get()
    keys = [dg.AssetKey(["bronze", "linkedin", "post_patch"]), dg.AssetKey(["silver", "linkedin", "posts"])]
    before = last_storage_id(instance, keys)

    assert run_pending(settings).ok

    got = materialized_after(instance, keys, before)
    assert got == {("bronze/linkedin/post_patch", None): 1}  # the edit is seen, silver is not refreshed
    check = instance.event_log_storage.get_latest_asset_check_execution_by_key(
        [dg.AssetCheckKey(keys[0], "unique_keys")]
    )[dg.AssetCheckKey(keys[0], "unique_keys")]
    assert check.event.dagster_event.event_specific_data.passed is False
    titles = [r["title"] for r in DeltaLake(settings.lake).read("silver", "posts").to_pylist() if r["post_url"] == url]
    assert titles == ["Good"]


def test_bronze_committed_by_an_interrupted_run_reaches_silver_on_the_next(settings, monkeypatch):
    """A run that commits bronze and then fails (here: processed/ cannot be written) leaves
    the tables changed with no record in Dagster. The next run finds them unchanged, and
    once kept quiet about it: silver and gold stayed on the old figures forever."""
    first, second = build_profile(end=END, days=3, seed=31), build_profile(end=END, days=3, seed=32)
    pending = settings.volume("content_daily", "pending")
    write_content_export(first, pending, END, END, generated_at=dt.datetime(2026, 10, 31, 8))
    assert run_pending(settings).ok
    assert (
        DeltaLake(settings.lake).read("silver", "totals").to_pylist()[0]["impressions"] == first.days[END].impressions
    )
    # A re-download of the day, with revised figures; the move to processed/ fails after bronze committed.
    write_content_export(second, pending, END, END, generated_at=dt.datetime(2026, 10, 31, 20))

    def read_only(self, file, downloaded_at=None):
        raise PermissionError(13, "Permission denied", str(self.folder(file.volume, "processed")))

    with monkeypatch.context() as patched:
        patched.setattr(Landing, "mark_processed", read_only)
        assert not run_pending(settings).ok
    [bronze] = DeltaLake(settings.lake).read("bronze", "totals").to_pylist()
    assert bronze["impressions"] == second.days[END].impressions  # committed before the failure

    assert run_pending(settings).ok

    [silver] = DeltaLake(settings.lake).read("silver", "totals").to_pylist()
    [gold] = DeltaLake(settings.lake).read("gold", "fct_daily_profile_statistics").to_pylist()
    assert silver["impressions"] == gold["impressions"] == second.days[END].impressions
    assert not list(pending.iterdir())


def _age(path, seconds: float) -> None:
    when = time.time() - seconds
    os.utime(path, (when, when))


def _execute(defs, instance, tags, selection) -> bool:
    """One run of `selection` with `tags`, as the daemon would launch a sensor's request."""
    job = defs.resolve_implicit_global_asset_job_def()
    return job.execute_in_process(instance=instance, asset_selection=selection, tags=tags, raise_on_error=False).success


def test_a_run_takes_only_its_own_file_and_never_one_still_being_written(settings, tmp_path):
    """Two files in pending/, one still being written: the settled one's run must not read the other
    (a half-written patch CSV was half applied and moved to processed/, a half-written xlsx refused)."""
    from linkedin_assets.dagster_home import open_instance
    from linkedin_assets.definitions import build_definitions
    from linkedin_assets.defs.bronze.sensors import RANGE_END_TAG, RANGE_START_TAG
    from linkedin_assets_tests.lake_state import rows

    settings = dataclasses.replace(settings, settle_seconds=600.0)  # "just written" stays so for the test
    profile = build_profile(END, 10, seed=8)
    url = profile.posts[0].url
    write_post_export(profile, url, END, settings.volume("posts"))
    assert run_pending(dataclasses.replace(settings, settle_seconds=0.0), downstream=False).ok  # the post is known

    settled = write_patch_file([{"post_url": url, "title": "Settled title"}], settings.volume("patch") / "fixes1.csv")
    _age(settled, 1200)
    whole = write_patch_file(
        [{"post_url": url, "title": "Newer title", "content": "x" * 2000}], tmp_path / "fixes2.csv"
    ).read_bytes()
    being_written = settings.volume("patch") / "fixes2.csv"
    being_written.write_bytes(whole[: len(whole) // 2])

    instance = open_instance(settings)
    defs = build_definitions(settings)
    with dg.build_sensor_context(instance=instance, resources=defs.resources) as context:
        result = defs.get_sensor_def("patch_arrival")(context)
    [request] = result.run_requests  # the settled file only
    assert _execute(defs, instance, request.tags, request.asset_selection)

    assert being_written.read_bytes() == whole[: len(whole) // 2], "a file still being written was read or moved"
    assert [r["title"] for r in rows(settings, "post_patch")] == ["Settled title"]
    assert not any(settings.volume("patch", "errors").iterdir())

    # A run no file started (a backfill, a run from the UI) takes the settled files only.
    day, fresh_day = END - dt.timedelta(days=1), END
    old = write_content_export(profile, settings.volume("content_daily"), day, day)
    _age(old, 1200)
    fresh = write_content_export(profile, settings.volume("content_daily"), fresh_day, fresh_day)
    content = [dg.AssetKey(["bronze", "linkedin", t]) for t in CONTENT]
    tags = {RANGE_START_TAG: day.isoformat(), RANGE_END_TAG: fresh_day.isoformat()}
    assert _execute(defs, instance, tags, content)
    assert (settings.volume("content_daily", "processed") / old.name).exists()
    assert fresh.exists(), "a file still being written left pending/"
    assert [r["date"] for r in rows(settings, "totals")] == [day]


def test_a_damaged_delta_log_stops_the_run_naming_the_table_and_nothing_is_committed_on_top(settings):
    """An empty newest commit file read as a commit of nothing (bronze totals showed 2 of 30 days),
    and the next run committed on top with exit 0; a cut-short one failed with no table named."""
    import pytest

    from linkedin_assets.core.lake.protocol import DamagedTable

    profile = build_profile(END, 30, seed=9)
    write_content_export(
        profile, settings.volume("content_historical"), END - dt.timedelta(days=29), END - dt.timedelta(days=2)
    )
    assert run_pending(settings, downstream=False).ok
    write_content_export(
        profile, settings.volume("content_daily"), END - dt.timedelta(days=1), END - dt.timedelta(days=1)
    )
    assert run_pending(settings, downstream=False).ok
    log = settings.table_path("bronze", "totals") / "_delta_log"
    newest = max(log.glob("0*.json"))
    whole = newest.read_bytes()
    waiting = write_content_export(profile, settings.volume("content_daily"), END, END)

    for damage, problem in ((b"", "is empty"), (whole[: len(whole) // 2], "is cut short")):
        newest.write_bytes(damage)
        before = sorted(p.name for p in log.iterdir())
        summary = run_pending(settings, downstream=False)
        assert not summary.ok
        [failed] = summary.failed_runs
        assert "bronze.linkedin.totals" in failed and problem in failed, failed
        assert sorted(p.name for p in log.iterdir()) == before, "a commit was made on a damaged log"
        assert waiting.exists(), "the file left pending/ though its days were not stored"
        with pytest.raises(DamagedTable, match=r"bronze\.linkedin\.totals.*" + problem):
            DeltaLake(settings.lake).read("bronze", "totals")
        printed: list[str] = []
        print_summary(settings, summary, out=printed.append)  # what `linkedin-analytics run` prints: no traceback
        assert any("bronze.linkedin.totals" in line and "DAMAGED" in line for line in printed), printed

    # A lost commit: the table is behind the version Dagster recorded for it.
    newest.unlink()
    summary = run_pending(settings, downstream=False)
    assert not summary.ok and "Dagster recorded version" in summary.failed_runs[0], summary.failed_runs
    assert waiting.exists()

    newest.write_bytes(whole)  # restored from a backup: the next run completes the work
    assert run_pending(settings, downstream=False).ok
    assert not waiting.exists()
    assert len(DeltaLake(settings.lake).read("bronze", "totals")) == 30


def _landed(settings) -> dict:
    """Where each landed file is: volume/state -> names."""
    out = {}
    for volume in ("content_daily", "content_historical", "posts", "patch"):
        for state in ("pending", "processed", "errors"):
            folder = settings.volume(volume, state)
            out[f"{volume}/{state}"] = (
                sorted(p.name for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []
            )
    return out


def _kill_points_run(settings, kill_at: int, points_file) -> int:
    env = {**os.environ, "LINKEDIN_HOME": str(settings.home), "DAGSTER_HOME": str(settings.dagster_home)}
    done = subprocess.run(
        [sys.executable, "-m", "linkedin_assets_tests.kill_points", str(kill_at), str(points_file)],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        timeout=900,
    )
    assert done.returncode in (0, -signal.SIGKILL), done.stderr[-3000:]
    return done.returncode


def test_a_run_killed_at_any_point_converges_on_the_next_to_what_a_clean_run_gives(settings, tmp_path):
    """Killed right after a Delta commit, a move to processed/, a run's end or a cursor save
    (points picked by a fixed seed among those a clean run passes), then run again: every
    table of every layer equals a clean run's, and every file is where a clean run puts it.
    4 of 10 random kills once left silver and gold stale for good."""
    import random

    from linkedin_assets_tests.lake_state import every_table

    profile = build_profile(END, 20, seed=14)

    def land(home) -> None:
        write_content_export(
            profile, home.volume("content_historical"), END - dt.timedelta(days=19), END - dt.timedelta(days=2)
        )
        for day in (END - dt.timedelta(days=1), END):
            write_content_export(profile, home.volume("content_daily"), day, day)
        write_post_export(profile, profile.posts[-1].url, END, home.volume("posts"))

    def home(name):
        made = dataclasses.replace(settings, home=tmp_path / name, dagster_home=tmp_path / name / "dagster")
        made.ensure_folders()
        land(made)
        return made

    clean, points = home("clean"), tmp_path / "clean-points"
    assert _kill_points_run(clean, 0, points) == 0
    passed = points.read_text().splitlines()
    expected_tables, expected_files = every_table(clean), _landed(clean)
    assert any(name.startswith("gold.") and rows for name, rows in expected_tables.items()), (
        "the clean run made no gold"
    )

    for kill_at in sorted(random.Random(14).sample(range(1, len(passed)), 3)):
        killed = home(f"killed-{kill_at}")
        assert _kill_points_run(killed, kill_at, tmp_path / f"points-{kill_at}") == -signal.SIGKILL
        assert _kill_points_run(killed, 0, tmp_path / f"rerun-{kill_at}") == 0
        where = f"killed after point {kill_at} of {len(passed)} ({passed[kill_at - 1]})"
        assert _landed(killed) == expected_files, where
        got = every_table(killed)
        assert got.keys() == expected_tables.keys(), where
        for name in expected_tables:
            assert got[name] == expected_tables[name], f"{name} differs from a clean run's, {where}"
