"""The Dagster internals this project still touches, each with no public form in Dagster 1.13.

Kept in this one module, each with a test (linkedin_assets_tests/test_compat.py)
that fails loudly when a Dagster upgrade moves or renames it.
"""

from __future__ import annotations

import dagster as dg

# What dagster-databricks' Pipes clients raise when a Databricks run ends other than
# SUCCESS. Not exported by `dagster`; dagster_databricks imports it from here too.
from dagster._core.errors import DagsterPipesExecutionError

__all__ = ["DagsterPipesExecutionError", "allow_skipped_outputs"]


def allow_skipped_outputs(context: dg.AssetExecutionContext) -> None:
    """Let a step that opened a Pipes session leave out some of its (skippable) outputs.

    A Pipes session makes every output of the step required, to catch a forgotten
    `get_results`. The bronze specs are skippable by design (a table a run left as it
    was reports nothing, so nothing downstream recomputes), so their step keeps
    Dagster's ordinary rule: a missing output is logged, not an error. Dagster has a
    public setter for this mode but no public way to leave it.
    """
    context.op_execution_context._step_execution_context._requires_typed_event_stream = False
