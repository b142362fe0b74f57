"""The Dagster internals in linkedin_assets/defs/compat.py still mean what the code relies on.

Each test fails loudly when a Dagster upgrade moves or changes one of them.
"""

import dagster as dg
import dagster_databricks.pipes
import pytest

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
