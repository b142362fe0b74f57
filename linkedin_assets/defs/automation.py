"""Declarative automation: every silver, gold and dashboard asset refreshes after an
upstream it depends on changed, once, and in as few runs as the graph allows.

Dagster's `eager()` is not used as is: it only targets the latest daily partition
(a historical file must refresh a year of partitions) and waits while any upstream
partition is missing (bronze partitions of days without data stay missing forever).

Two conditions, by what an asset reads:

- `refresh_after_upstream`, for an asset that reads a daily-partitioned table: it waits
  for the upstream's materialization. (Dagster's "will be requested" never counts a
  daily upstream of a whole table, since the two cannot share a run; what reads silver
  totals must come after silver totals' own run.)
- `refresh_with_upstream`, for a whole table that reads only whole tables (the
  dashboard, `dim_timestamp`): it also fires on an upstream requested on the same tick,
  so it joins that upstream's run (Dagster runs the assets requested for no partition
  in one run, in dependency order) instead of waiting a tick for a run of its own.

A landed file or a direct edit of post_patch rarely needs it: its own run covers
everything downstream (defs/bronze/sensors.py). The automation refreshes what those
runs do not cover (a materialization or backfill from the UI, several files landing at
once, a step a run failed or skipped), and waits while such an event run goes
(`EventRunsSettled`).
"""

from __future__ import annotations

import datetime as dt

import dagster as dg

from linkedin_assets.core.settings import Settings

SENSOR_NAME = "linkedin_automation"
# On the runs a sensor starts for an event (a landed file, a direct edit): each is one run of
# everything downstream of the change, and the automation waits for it (see EventRunsSettled).
EVENT_TAG = "linkedin/event"
EVENT_KINDS = ["file", "edit"]
_NOT_FINISHED = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.CANCELING,
]


# An event run not finished this long after it was created is taken for abandoned: its
# process was killed, or `dagster dev` stopped with it queued, and Dagster's default run
# launcher never marks such a run failed. Waiting on it forever would stop the automation
# and cut every later file's run to bronze. (An event run takes seconds to minutes.)
ABANDONED_AFTER = dt.timedelta(minutes=30)


def event_run_in_progress(instance: dg.DagsterInstance) -> bool:
    """Whether an event run is queued or running (and not abandoned)."""
    recent = dg.RunsFilter(
        tags={EVENT_TAG: EVENT_KINDS},
        statuses=_NOT_FINISHED,
        created_after=dt.datetime.now(dt.timezone.utc) - ABANDONED_AFTER,
    )
    return bool(instance.get_run_records(recent, limit=1))


class EventRunsSettled(dg.AutomationCondition):
    """True while no event run is queued or running, nor ended after this tick began.

    An event run materializes its assets one after another. A tick evaluated meanwhile
    read "the upstream changed" before the asset's own materialization in that run and
    "not in progress" just after it, and requested the asset again: under `dagster dev`
    a daily file's silver engagements ran twice, and a historical file's run had a
    second, overlapping one. Once the run ended before the tick began, every event it
    wrote is older than the tick, and `since_last_handled` sees each asset updated after
    its upstream: nothing to request.
    """

    @property
    def name(self) -> str:
        return "event_runs_settled"

    def evaluate(self, context: dg.AutomationContext) -> dg.AutomationResult:
        instance = context.asset_graph_view.instance
        ended_since = dg.RunsFilter(tags={EVENT_TAG: EVENT_KINDS}, updated_after=context.evaluation_time)
        busy = event_run_in_progress(instance) or instance.get_run_records(ended_since, limit=1)
        return dg.AutomationResult(
            context, true_subset=context.get_empty_subset() if busy else context.candidate_subset
        )


# A failed blocking check upstream keeps its data from flowing further. (Not
# `all_deps_blocking_checks_passed`: it also waits on upstreams never checked yet, such
# as a bronze table no file has fed.)
_upstream_checks_pass = dg.AutomationCondition.all_deps_match(
    dg.AutomationCondition.all_checks_match(~dg.AutomationCondition.check_failed(), blocking_only=True)
)
_idle = ~dg.AutomationCondition.any_deps_in_progress() & ~dg.AutomationCondition.in_progress() & EventRunsSettled()

refresh_after_upstream = (
    dg.AutomationCondition.any_deps_match(dg.AutomationCondition.newly_updated()).since_last_handled()
    & _idle
    & _upstream_checks_pass
).with_label("refresh after an upstream changed, unless an upstream blocking check failed")

refresh_with_upstream = (
    # Dagster's own: an upstream updated (not by a run that also targeted this asset), or
    # requested on this tick for a run this asset can join.
    dg.AutomationCondition.any_deps_updated().since_last_handled() & _idle & _upstream_checks_pass
).with_label("refresh with or after an upstream that changed, unless an upstream blocking check failed")


# The dashboard reads gold tables fed by silver runs of different lengths (the daily
# facts after the partitioned silver run; the latest demographics after a quick whole
# one). Under `dagster dev` the quick one finished first and the dashboard refreshed
# once for it and again for the facts: it also waits while a silver run it reads
# through is in progress, and then joins the last gold run.
refresh_once_upstream_settles = (
    refresh_with_upstream & ~dg.AutomationCondition.any_deps_match(dg.AutomationCondition.any_deps_in_progress())
).with_label("refresh with the last upstream change, once nothing it reads through is in progress")

AUTOMATED = dg.AssetSelection.groups("silver", "gold", "dashboard")


def automation_sensor(settings: Settings) -> dg.AutomationConditionSensorDefinition:
    return dg.AutomationConditionSensorDefinition(
        SENSOR_NAME,
        target=AUTOMATED,
        default_status=dg.DefaultSensorStatus.RUNNING,
        minimum_interval_seconds=settings.automation_interval_seconds,
        description="Refreshes silver, gold and the dashboard downstream of a change no event run covered.",
        # EventRunsSettled is this project's own condition: evaluated where the code is.
        use_user_code_server=True,
        # A historical file requests a year of partitions: as a backfill, the single-run
        # backfill policy runs it as one run over the range.
        emit_backfills=True,
    )
