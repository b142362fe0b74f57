"""The Dagster internals in linkedin_assets/defs/compat.py still mean what the code relies on.

Each test fails loudly when a Dagster upgrade moves or changes one of them.
"""

import dagster as dg
import dagster_databricks.pipes
import pytest
import sqlalchemy
from dagster._utils.concurrency import ConcurrencySlotStatus

from linkedin_assets.defs import compat


def test_the_pipes_error_is_what_the_databricks_clients_raise():
    assert dagster_databricks.pipes.DagsterPipesExecutionError is compat.DagsterPipesExecutionError


def _two_skippable_outputs(allow: bool) -> dg.AssetsDefinition:
    @dg.multi_asset(specs=[dg.AssetSpec("kept", skippable=True), dg.AssetSpec("left_out", skippable=True)])
    def step(context: dg.AssetExecutionContext):
        context.set_requires_typed_event_stream(error_message="as a Pipes session sets it")
        if allow:
            compat.allow_skipped_outputs(context)
        yield dg.MaterializeResult(asset_key="kept")

    return step


def test_a_step_in_pipes_mode_may_leave_out_a_skippable_output_once_allowed():
    result = dg.materialize([_two_skippable_outputs(allow=True)])
    assert result.success
    assert [e.asset_key for e in result.get_asset_materialization_events()] == [dg.AssetKey("kept")]


def test_without_it_pipes_mode_makes_every_output_required():
    with pytest.raises(dg.DagsterInvariantViolationError, match="as a Pipes session sets it"):
        dg.materialize([_two_skippable_outputs(allow=False)])


def test_two_claims_of_one_free_slot_at_the_same_instant_give_it_to_one_step(tmp_path):
    """The race of Dagster's SQLite claim, staged: run b claims the pool's one slot between
    run a's read of it and a's write. Without compat's compare-and-swap both got it."""
    import linkedin_assets.definitions  # noqa: F401  (loading the definitions applies it)

    first = dg.DagsterInstance.from_config(str(tmp_path)).event_log_storage
    second = dg.DagsterInstance.from_config(str(tmp_path)).event_log_storage  # another process's
    first.set_concurrency_slots("linkedin_pool", 1)
    statuses = {}

    def before_execute(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("UPDATE concurrency_slots") and "run-a" in parameters and "b" not in statuses:
            statuses["b"] = second._claim_concurrency_slot("linkedin_pool", "run-b", "write")

    sqlalchemy.event.listen(sqlalchemy.engine.Engine, "before_cursor_execute", before_execute)
    try:
        statuses["a"] = first._claim_concurrency_slot("linkedin_pool", "run-a", "write")
    finally:
        sqlalchemy.event.remove(sqlalchemy.engine.Engine, "before_cursor_execute", before_execute)

    assert statuses == {"b": ConcurrencySlotStatus.CLAIMED, "a": ConcurrencySlotStatus.BLOCKED}
    assert [slot.run_id for slot in first.get_concurrency_info("linkedin_pool").claimed_slots] == ["run-b"]


def test_a_sensors_info_lines_stay_off_the_terminal_and_its_warnings_reach_it(capfd):
    import linkedin_assets.definitions  # noqa: F401  (loading the definitions applies it)

    with dg.instance_for_test() as instance:
        context = dg.build_sensor_context(instance=instance, sensor_name="linkedin_automation")
        context.log.info("Prefetching asset records for 22 records.")
        context.log.warning("moved to errors/: content_daily/x.xlsx")
    err = capfd.readouterr().err
    assert "moved to errors/" in err and "Prefetching" not in err, err
