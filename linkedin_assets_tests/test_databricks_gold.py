"""Gold as Unity Catalog materialized views through the real databricks-sdk, against a loopback stand-in.

The lake is built the ordinary local way (sample exports -> run_pending -> bronze,
silver, gold); gold is then thrown away and rebuilt through `WarehouseResource`,
whose statements the stand-in executes with local Spark over the same lake.
"""

from __future__ import annotations

import datetime as dt
import shutil
import traceback

import dagster as dg
import pytest

from linkedin_assets.core.gold.tables import GOLD_TABLES
from linkedin_assets.core.lake.delta import DeltaLake
from linkedin_assets.core.settings import DatabricksSettings
from linkedin_assets.defs.databricks.warehouse import (
    AuthenticationError,
    TransientWarehouseError,
    WarehouseError,
    WarehouseResource,
    inline_parameters,
    sql_literal,
    warehouse_resource,
)
from linkedin_assets_tests.databricks_standin import DatabricksStandIn

pytestmark = pytest.mark.slow  # the Databricks stand-in's warehouse (local Spark)

GOLD = {t.name: t for t in GOLD_TABLES}


@pytest.fixture(scope="module")
def built_lake(tmp_path_factory):
    """A lake with real bronze, silver and local gold: 10 days of sample exports, run once per module."""
    from linkedin_assets.cli import run_pending
    from linkedin_assets.samples.landing import write_sample_landing
    from linkedin_assets_tests.homes import use_home

    home = tmp_path_factory.mktemp("built") / "home"
    with pytest.MonkeyPatch.context() as mp:
        settings = use_home(mp, home)
        write_sample_landing(settings.landing, end=dt.date(2026, 10, 31), days=10, seed=5)
        run_pending(settings)
    return settings.lake


@pytest.fixture
def lake(settings, built_lake) -> DeltaLake:
    shutil.copytree(built_lake, settings.lake, dirs_exist_ok=True)
    return DeltaLake(settings.lake)


@pytest.fixture
def warehouse(databricks_standin) -> WarehouseResource:
    return warehouse_resource(DatabricksSettings.from_env(), poll_interval_seconds=0.02)


def sorted_rows(table) -> list[tuple]:
    rows = [tuple(r[c] for c in sorted(table.column_names)) for r in table.to_pylist()]
    return sorted(rows, key=lambda r: tuple((v is None, str(v)) for v in r))


def test_gold_views_equal_local_gold_then_refresh(lake, databricks_standin: DatabricksStandIn, warehouse, monkeypatch):
    expected = {name: lake.read("gold", name) for name in GOLD}
    assert all(t is not None and t.num_rows > 0 for t in expected.values()), "local run built no gold"
    shutil.rmtree(lake.root / "gold")

    created = {name: warehouse.refresh_gold_view(table) for name, table in GOLD.items()}
    for name, meta in created.items():
        assert meta["action"] == "create"
        assert meta["table"] == f"gold.linkedin.{name}"
        assert meta["dagster/row_count"] == expected[name].num_rows
        got = lake.read("gold", name)
        assert sorted(got.column_names) == sorted(expected[name].column_names)
        assert sorted_rows(got) == sorted_rows(expected[name]), name

    # What the SDK sent: our warehouse, a CREATE per table with the time zone inlined, no parameters.
    assert {e["warehouse_id"] for e in databricks_standin.log} == {databricks_standin.warehouse_id}
    creates = [e for e in databricks_standin.log if e["statement"].startswith("CREATE MATERIALIZED VIEW IF NOT EXISTS")]
    assert len(creates) == len(GOLD) and all(not e["parameters"] for e in creates)
    assert any("from_utc_timestamp(timestamp_utc, 'UTC')" in e["statement"] for e in creates)
    assert all(e["state"] == "SUCCEEDED" for e in databricks_standin.log)

    # Second pass: REFRESH, never CREATE; and every statement answered PENDING, so the client polled.
    databricks_standin.max_sync_wait = 0
    before = len(databricks_standin.log)
    for name, table in GOLD.items():
        meta = warehouse.refresh_gold_view(table)
        assert meta["action"] == "refresh" and meta["dagster/row_count"] == expected[name].num_rows
        assert sorted_rows(lake.read("gold", name)) == sorted_rows(expected[name])
    second = databricks_standin.statements_run()[before:]
    assert [s for s in second if s.startswith("REFRESH")] == [
        f"REFRESH MATERIALIZED VIEW gold.linkedin.{n}" for n in GOLD
    ]
    assert not [s for s in second if s.startswith("CREATE")]
    assert any(method == "GET" for method, _ in databricks_standin.requests)

    # A changed definition (another reporting time zone) replaces the view instead of refreshing the old one.
    monkeypatch.setenv("LINKEDIN_REPORTING_TIME_ZONE", "Europe/Paris")
    meta = warehouse.refresh_gold_view(GOLD["dim_timestamp"])
    assert meta["action"] == "replace"
    assert databricks_standin.statements_run()[-2].startswith(
        "CREATE OR REPLACE MATERIALIZED VIEW gold.linkedin.dim_timestamp"
    )
    stamps = lake.read("gold", "dim_timestamp").to_pylist()
    assert {r["reporting_time_zone"] for r in stamps} == {"Europe/Paris"}
    assert all(r["timestamp_local"] != r["timestamp_utc"].replace(tzinfo=None) for r in stamps)


def test_busy_warehouse_is_transient_and_retry_policy_recovers(
    lake, databricks_standin: DatabricksStandIn, warehouse, monkeypatch
):
    """The project's own gold asset, retry policy and lakehouse resource (LINKEDIN_COMPUTE=databricks);
    only the policy's base delay is shortened, through its own setting."""
    from linkedin_assets.core.settings import load_settings
    from linkedin_assets.definitions import build_definitions

    monkeypatch.setenv("LINKEDIN_COMPUTE", "databricks")
    monkeypatch.setenv("LINKEDIN_RETRY_DELAY_SECONDS", "0.05")
    defs = build_definitions(load_settings())
    key = dg.AssetKey(["gold", "linkedin", "dim_date"])
    job = defs.resolve_implicit_global_asset_job_def()

    def materialize(**kwargs):
        return job.execute_in_process(asset_selection=[key], instance=dg.DagsterInstance.ephemeral(), **kwargs)

    # gold.linkedin.dim_date is still the locally written table: not a view, and retrying cannot help.
    failed = materialize(raise_on_error=False)
    assert not failed.success
    assert not [e for e in failed.all_events if e.event_type == dg.DagsterEventType.STEP_UP_FOR_RETRY]
    [failure] = [e for e in failed.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE]
    assert "exists as a MANAGED table, not a materialized view" in str(failure.event_specific_data.error)
    shutil.rmtree(lake.root / "gold")

    databricks_standin.fail_next(2)
    with pytest.raises(TransientWarehouseError) as caught:
        warehouse.refresh_gold_view(GOLD["dim_date"])
    assert caught.value.error_code == "TEMPORARILY_UNAVAILABLE"
    assert "busy" in str(caught.value) and databricks_standin.warehouse_id in str(caught.value)

    databricks_standin.fail_next(2)
    result = materialize()
    assert result.success
    retries = [e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_UP_FOR_RETRY]
    assert len(retries) == 2
    assert all("busy" in str(e.event_specific_data.error) for e in retries)
    [materialized] = result.asset_materializations_for_node("gold__linkedin__dim_date")
    assert materialized.metadata["dagster/row_count"].value == lake.read("gold", "dim_date").num_rows > 0

    # HTTP 503 from the API itself is retried inside the SDK (honouring Retry-After): no error surfaces.
    databricks_standin.unavailable_next(2)
    assert warehouse.execute("SELECT COUNT(*) AS n FROM gold.linkedin.dim_date").scalar() > 0
    assert databricks_standin.requests[-3:][0][0] == "POST"


@pytest.mark.parametrize("status", [401, 403])
def test_bad_token_is_one_clear_error_without_the_token(databricks_standin: DatabricksStandIn, monkeypatch, status):
    bad = "dapi-wrong-0123456789abcdef"
    monkeypatch.setenv("DATABRICKS_TOKEN", bad)
    databricks_standin.auth_failure_status = status
    warehouse = warehouse_resource(DatabricksSettings.from_env())
    with pytest.raises(AuthenticationError) as caught:
        warehouse.execute("SELECT 1 AS one")
    text = "".join(traceback.format_exception(caught.value))
    assert f"Databricks rejected the credentials for {databricks_standin.host}" in str(caught.value)
    assert "DATABRICKS_TOKEN" in str(caught.value)
    assert bad not in text and databricks_standin.token not in text
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    assert bad not in repr(warehouse) and bad not in repr(DatabricksSettings.from_env())
    assert not databricks_standin.log  # rejected before any statement ran


def test_an_error_that_quotes_the_token_never_shows_it(databricks_standin: DatabricksStandIn, warehouse):
    """A server that echoes the Authorization header in its error: the SDK's message holds the
    token, and Dagster prints a step's exception with its whole chain."""
    from linkedin_assets.core.databricks.secrets import DatabricksFailure
    from linkedin_assets.core.databricks.volumes import VolumeLanding

    databricks_standin.echo_authorization_next(1)
    with pytest.raises(WarehouseError) as statement:
        warehouse.execute("SELECT 1 AS one")
    databricks_standin.echo_authorization_next(1)
    with pytest.raises(DatabricksFailure) as listing:  # what an arrival sensor's tick does
        VolumeLanding(warehouse.client(), "/Volumes/landing/linkedin").files("content_daily")
    for caught in (statement, listing):
        text = "".join(traceback.format_exception(caught.value))
        assert databricks_standin.token not in text and "Authorization: Bearer ***" in text, text
    assert warehouse.execute("SELECT 1 AS one").scalar() == 1  # the next request is answered


def test_sql_errors_carry_the_warehouse_message_and_literals_round_trip(settings, databricks_standin, warehouse):
    with pytest.raises(WarehouseError) as caught:
        warehouse.execute("SELECT COUNT(*) FROM gold.linkedin.no_such_table")
    assert not isinstance(caught.value, TransientWarehouseError)
    assert "no_such_table" in str(caught.value) and "FAILED" in str(caught.value)

    with pytest.raises(WarehouseError, match="does not implement"):
        warehouse.execute("DROP TABLE gold.linkedin.dim_date")

    tricky = ["it's", "back\\slash\\'", "new\nline -- not a comment", "*/ /* ';DROP TABLE x; --", "Europe/Paris", ""]
    for value in tricky:
        assert warehouse.execute(f"SELECT {sql_literal(value)} AS v").scalar() == value
    day = dt.date(2026, 10, 31)
    assert warehouse.execute(f"SELECT {sql_literal(day)} AS d").scalar() == day
    # Typed statement parameters reach the warehouse and bind.
    assert warehouse.execute("SELECT :d AS d, :n + 1 AS n, :s AS s", {"d": day, "n": 41, "s": "x'y"}).rows == [
        (day, 42, "x'y")
    ]

    # A TIMESTAMP_NTZ column is named so by the warehouse although the SDK's enum lacks it.
    stamps = warehouse.execute(
        "SELECT CAST('2026-10-31 08:15:00' AS TIMESTAMP_NTZ) AS local, TIMESTAMP'2026-10-31 08:15:00Z' AS utc"
    )
    assert stamps.types == ["TIMESTAMP_NTZ", "TIMESTAMP"]
    assert stamps.rows[0][0].startswith("2026-10-31") and "08:15:00" in stamps.rows[0][0]

    sql = "SELECT ':tz' AS kept, :tz AS tz -- uses :tz\n/* :tz */ FROM silver.linkedin.posts;"
    assert inline_parameters(sql, {"tz": "a'b"}, {"silver": "s2.linkedin"}) == (
        "SELECT ':tz' AS kept, 'a\\'b' AS tz\n FROM s2.linkedin.posts"
    )
    with pytest.raises(KeyError):
        inline_parameters("SELECT :missing", {})


def test_compute_setting_runs_the_gold_assets_on_the_warehouse(
    lake, databricks_standin: DatabricksStandIn, monkeypatch
):
    """LINKEDIN_COMPUTE=databricks: the same definitions, the warehouse resource picked, gold equal."""
    from linkedin_assets.core.settings import load_settings
    from linkedin_assets.definitions import build_definitions

    expected = {name: lake.read("gold", name) for name in GOLD}
    shutil.rmtree(lake.root / "gold")
    monkeypatch.setenv("LINKEDIN_COMPUTE", "databricks")
    defs = build_definitions(load_settings())
    keys = [dg.AssetKey(["gold", "linkedin", name]) for name in GOLD]
    assert all("databricks" in defs.resolve_assets_def(k).specs_by_key[k].kinds for k in keys)

    result = defs.resolve_implicit_global_asset_job_def().execute_in_process(
        asset_selection=keys, instance=dg.DagsterInstance.ephemeral()
    )

    assert result.success
    for name in GOLD:
        assert sorted_rows(lake.read("gold", name)) == sorted_rows(expected[name]), name


def test_a_host_that_never_answers_fails_in_bounded_time_without_the_token(monkeypatch):
    """A workspace address that accepts connections and never replies: the listing a sensor
    tick makes gives up within the client's limits, with an error that shows no token."""
    import socket
    import time

    from linkedin_assets.core.databricks.volumes import VolumeLanding

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # accepted by the kernel, never read or answered
    token = "dapi-never-shown-0123456789"
    monkeypatch.setenv("DATABRICKS_HOST", f"http://127.0.0.1:{silent.getsockname()[1]}")
    monkeypatch.setenv("DATABRICKS_TOKEN", token)
    monkeypatch.setenv("DATABRICKS_AUTH_TYPE", "pat")
    monkeypatch.setenv("DATABRICKS_CONFIG_FILE", "/nonexistent/databrickscfg")
    monkeypatch.setenv("LINKEDIN_WAREHOUSE_ID", "abc123")
    warehouse = warehouse_resource(DatabricksSettings.from_env(), http_timeout_seconds=1, retry_timeout_seconds=3)
    started = time.monotonic()
    try:
        with pytest.raises(TimeoutError) as raised:  # the SDK's, once its retries run out
            VolumeLanding(warehouse.client(), "/Volumes/landing/linkedin").files("content_daily")
        assert time.monotonic() - started < 20
        assert token not in str(raised.value) and token not in repr(raised.value)
    finally:
        silent.close()


def test_the_version_sensor_reads_versions_without_the_warehouse(
    settings, databricks_standin: DatabricksStandIn, monkeypatch
):
    """A statement every tick would keep the warehouse from auto-stopping; the tables API says the version."""
    import dataclasses

    import pyarrow as pa
    from deltalake import write_deltalake

    from linkedin_assets.definitions import build_definitions
    from linkedin_assets.defs.bronze.sensors import POST_PATCH_KEY

    path = str(settings.table_path("bronze", "post_patch"))
    write_deltalake(path, pa.table({"post_url": ["https://x/1", "https://x/2"]}))
    defs = build_definitions(dataclasses.replace(settings, compute="databricks"))
    sensor = defs.resolve_sensor_def("post_patch_version")
    instance = dg.DagsterInstance.get()
    instance.report_runless_asset_event(dg.AssetMaterialization(POST_PATCH_KEY, metadata={"delta_version": 0}))

    def tick(cursor=None):
        with dg.build_sensor_context(instance=instance, resources=defs.resources, cursor=cursor) as context:
            return sensor(context)

    databricks_standin.warehouse_state = "STOPPED"
    first = tick()
    assert first.cursor == "0" and [e.metadata["delta_version"].value for e in first.asset_events] == [0]
    databricks_standin.warehouse_state = "RUNNING"
    unchanged = tick("0")
    assert "unchanged" in unchanged.skip_reason.skip_message
    assert not databricks_standin.statements_run()
    assert any("/unity-catalog/tables/bronze.linkedin.post_patch" in p for _, p in databricks_standin.requests)

    # A direct edit while the warehouse is stopped: its check needs the rows, so the warehouse
    # is asked to start and the tick ends without waiting for it or moving the cursor.
    databricks_standin.inline_byte_limit = 16
    write_deltalake(path, pa.table({"post_url": ["https://x/3"]}), mode="append")
    databricks_standin.warehouse_state = "STOPPED"
    for state in ("STOPPED", "STARTING"):
        waiting = tick("0")
        assert waiting.cursor is None and not waiting.asset_events, state
        assert f"version 1, changed outside Dagster: SQL warehouse {databricks_standin.warehouse_id}" in (
            waiting.skip_reason.skip_message
        )
        assert databricks_standin.warehouse_state == "STARTING" and not databricks_standin.log
    # Running: seen; its check's read is the one statement, rows through external links.
    databricks_standin.warehouse_state = "RUNNING"
    edited = tick("0")
    assert edited.cursor == "1"
    [check] = [e for e in edited.asset_events if isinstance(e, dg.AssetCheckEvaluation)]
    assert check.passed and check.metadata["rows"].value == 3
    [statement] = databricks_standin.log
    assert statement["statement"].startswith("SELECT * FROM bronze.linkedin.post_patch")
    assert statement["disposition"] == "EXTERNAL_LINKS"
    assert databricks_standin.link_requests and all(
        "Authorization" not in r["headers"] for r in databricks_standin.link_requests
    )


def test_a_version_the_metastore_does_not_give_never_starts_the_warehouse(
    settings, databricks_standin: DatabricksStandIn, warehouse
):
    import pyarrow as pa
    from deltalake import write_deltalake

    from linkedin_assets.defs.databricks.warehouse_lake import VersionUnavailable, WarehouseLake

    write_deltalake(str(settings.table_path("bronze", "post_patch")), pa.table({"post_url": ["a"]}))
    lake = WarehouseLake(warehouse)
    assert lake.version("bronze", "nope") is None and not lake.exists("bronze", "nope")
    databricks_standin.withhold_delta_properties = True
    databricks_standin.warehouse_state = "STOPPED"
    with pytest.raises(VersionUnavailable, match="STOPPED; not started"):
        lake.version("bronze", "post_patch")
    assert databricks_standin.warehouse_state == "STOPPED" and not databricks_standin.log

    databricks_standin.warehouse_state = "RUNNING"  # running anyway: its history may be read
    assert lake.version("bronze", "post_patch") == 0
    assert [s.split()[:2] for s in databricks_standin.statements_run()] == [["DESCRIBE", "HISTORY"]]
    databricks_standin.warehouse_state = "STOPPED"  # stopped again: the last version seen
    assert lake.version("bronze", "post_patch") == 0
    assert len(databricks_standin.log) == 1 and databricks_standin.warehouse_state == "STOPPED"


def test_gold_checks_never_fetch_a_whole_table(lake, databricks_standin: DatabricksStandIn, monkeypatch):
    """With the inline result cap far below a table's size, the gold checks still give the local figures."""
    from linkedin_assets.core.settings import load_settings
    from linkedin_assets.core.sql.step import evaluate_checks
    from linkedin_assets.definitions import build_definitions

    def plain(meta: dict) -> dict:
        out = {k: getattr(v, "value", v) for k, v in meta.items()}
        if "days" in out and isinstance(out["days"], list):  # ties of one day and column: any order
            out["days"] = sorted(out["days"], key=lambda d: (d["date"], d["column"], d["value"]))
        return out

    expected = {
        (name, check): (passed, plain(meta))
        for name, table in GOLD.items()
        for check, (passed, meta) in evaluate_checks(lake, table, lake.read("gold", name), None, None).items()
    }
    shutil.rmtree(lake.root / "gold")
    databricks_standin.inline_byte_limit = 2048
    monkeypatch.setenv("LINKEDIN_COMPUTE", "databricks")
    defs = build_definitions(load_settings())
    keys = [dg.AssetKey(["gold", "linkedin", name]) for name in GOLD]
    result = defs.resolve_implicit_global_asset_job_def().execute_in_process(
        asset_selection=keys, instance=dg.DagsterInstance.ephemeral()
    )

    assert result.success
    got = {
        (e.asset_key.path[-1], e.check_name): (e.passed, plain(e.metadata))
        for e in result.get_asset_check_evaluations()
    }
    assert got == expected
    assert any(name == "reconciles" for _, name in got) and any(name == "rows_match_source" for _, name in got)
    assert not [e for e in databricks_standin.log if e["state"] == "FAILED"]
