"""What a run prints where Dagster was started (`make dev`): one line per thing a person
acts on (defs/console.py), not Dagster's DEBUG log of every event."""

from __future__ import annotations

import datetime as dt

import dagster as dg

from linkedin_assets.definitions import build_definitions
from linkedin_assets.defs.bronze.sensors import FILE_TAG, RANGE_END_TAG, RANGE_START_TAG, VOLUME_TAG
from linkedin_assets.samples.profile import build_profile
from linkedin_assets.samples.writer import write_content_export

END = dt.date(2026, 10, 31)


def _file_run(settings, name: str) -> dg.ExecuteInProcessResult:
    """The bronze content step for one pending file, as its sensor's run request asks for it."""
    defs = build_definitions()
    graph = defs.resolve_asset_graph()
    content = [
        k for k in graph.get_all_asset_keys() if graph.get(k).group_name == "bronze" and k.path[-1] != "post_patch"
    ]
    return defs.resolve_implicit_global_asset_job_def().execute_in_process(
        instance=dg.DagsterInstance.get(),
        asset_selection=content,
        tags={
            FILE_TAG: f"content_daily/{name}",
            VOLUME_TAG: "content_daily",
            RANGE_START_TAG: END.isoformat(),
            RANGE_END_TAG: END.isoformat(),
        },
        raise_on_error=False,
    )


def test_a_refused_file_is_one_line_and_a_good_run_prints_nothing(settings, capfd):
    write_content_export(build_profile(END, 3, seed=5), settings.volume("content_daily"), END, END)
    good = next(settings.volume("content_daily").iterdir()).name
    assert _file_run(settings, good).success
    assert capfd.readouterr().err.strip() == "", "a run that went well prints nothing"

    bad = f"Content_{END}_{END}_Broken.xlsx"
    (settings.volume("content_daily") / bad).write_bytes(b"this is not a zip")
    assert not _file_run(settings, bad).success

    lines = capfd.readouterr().err.strip().splitlines()
    assert len(lines) == 1, lines
    assert f"refused content_daily/{bad} -> errors/: " in lines[0] and "not a readable .xlsx" in lines[0]
    assert (settings.volume("content_daily", "errors") / bad).exists()


def test_a_failed_step_and_a_failed_check_are_one_line_each(settings, capfd):
    """Any run that configures no logger (a sensor's, the automation's, one from the UI)."""
    build_definitions()  # loading the definitions sets the console logger of such runs

    @dg.asset(check_specs=[dg.AssetCheckSpec("unique_keys", asset="table")])
    def table():
        yield dg.MaterializeResult()
        yield dg.AssetCheckResult(check_name="unique_keys", passed=False, description="2 rows share a key\nmore")

    @dg.asset(deps=[table])
    def downstream():
        raise ValueError("Binder Error: no column x")

    result = dg.materialize([table, downstream], raise_on_error=False)

    assert not result.success
    lines = [line.split(" ", 2)[2] for line in capfd.readouterr().err.strip().splitlines()]  # less the time
    assert lines == [
        "check failed: table unique_keys (ERROR): 2 rows share a key",
        f"FAILED downstream in run {result.run_id[:8]}: ValueError: Binder Error: no column x "
        "(the run's page in the UI has the trace)",
    ], lines


def test_a_run_failed_around_its_steps_is_one_line(settings, capfd):
    """No step failed (a resource would not start): the run's failure is the one line."""
    build_definitions()

    @dg.resource
    def warehouse(_):
        raise ConnectionError("warehouse 1234 is stopped")

    @dg.asset(required_resource_keys={"warehouse"})
    def table():
        return 1

    result = dg.materialize([table], resources={"warehouse": warehouse}, raise_on_error=False)

    assert not result.success
    lines = [line.split(" ", 2)[2] for line in capfd.readouterr().err.strip().splitlines()]
    assert len(lines) == 1 and lines[0].startswith(f"FAILED run {result.run_id[:8]}: "), lines
    assert "warehouse 1234 is stopped" in lines[0], lines
