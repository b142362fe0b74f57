"""Declarative automation: every silver, gold and dashboard asset refreshes after an
upstream it depends on was materialized, once, when none of its upstreams is still
running.

Dagster's `eager()` is not used as is: it only targets the latest daily partition
(a historical file must refresh a year of partitions) and waits while any upstream
partition is missing (bronze partitions of days without data stay missing forever).
It also fires on upstreams merely requested in the same tick, which would run gold
beside silver instead of after it; here a dependent waits for the upstream's actual
materialization, so each asset runs once per event, after its upstreams are done.
"""

from __future__ import annotations

import dagster as dg

from linkedin_assets.core.settings import Settings

SENSOR_NAME = "linkedin_automation"

refresh_after_upstream = (
    dg.AutomationCondition.any_deps_match(dg.AutomationCondition.newly_updated()).since_last_handled()
    & ~dg.AutomationCondition.any_deps_in_progress()
    & ~dg.AutomationCondition.in_progress()
    # A failed blocking check upstream keeps its data from flowing further. (Not
    # `all_deps_blocking_checks_passed`: it also waits on upstreams never checked yet,
    # such as a bronze table no file has fed.)
    & dg.AutomationCondition.all_deps_match(
        dg.AutomationCondition.all_checks_match(~dg.AutomationCondition.check_failed(), blocking_only=True)
    )
).with_label("refresh after an upstream changed, unless an upstream blocking check failed")

AUTOMATED = dg.AssetSelection.groups("silver", "gold", "dashboard")


def automation_sensor(settings: Settings) -> dg.AutomationConditionSensorDefinition:
    return dg.AutomationConditionSensorDefinition(
        SENSOR_NAME,
        target=AUTOMATED,
        default_status=dg.DefaultSensorStatus.RUNNING,
        minimum_interval_seconds=settings.automation_interval_seconds,
        description="Refreshes silver, gold and the dashboard downstream of what changed.",
        # A historical file requests a year of partitions: as a backfill, the single-run
        # backfill policy runs it as one run over the range.
        emit_backfills=True,
    )
