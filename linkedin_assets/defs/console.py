"""What a run prints on the terminal that started Dagster (`make dev`, `dagster dev`): one
line for each thing a person acts on, nothing else.

Dagster's default console logger prints every event of every run at DEBUG (each
output, each check that passed, resource set-up): fifty lines for a daily file, and a
refused file as two ERROR blocks with stack traces. The run's page in the UI keeps all
of that; the terminal gets:

    2026-12-07 22:18:32 refused content_daily/Content_x.xlsx -> errors/: not a readable .xlsx workbook ...
    2026-12-07 22:18:32 FAILED silver/linkedin/totals in run 2efc200b: Binder Error: ... (the run's page has the trace)
    2026-12-07 22:18:32 check failed: gold/linkedin/fct_daily_profile_statistics unique_keys (ERROR): ...

`LINKEDIN_LOG_LEVEL` (default CRITICAL: none) adds Dagster's own log from that level on,
as the default logger formats it. The headless CLI, which shows its own progress and
summary, turns the lines off (`actionable: false` in its run config).
"""

from __future__ import annotations

import logging
import sys
import time

import dagster as dg

from linkedin_assets.core.settings import Settings
from linkedin_assets.defs.compat import dagster_event_of, log_runs_to


def _first_line(text: str | None) -> str:
    lines = (text or "").strip().splitlines()
    return lines[0][:300] if lines else ""


def raised(error):
    """What the step or run raised: Dagster wraps it ("Error occurred while executing op
    ...", "Error executing resource_fn on ..."), and its cause says why."""
    while error is not None and error.cause is not None and error.message.startswith("dagster._core.errors"):
        error = error.cause
    return error


def _message(error) -> str:
    found = raised(error)
    return found.message if found is not None else ""


def actionable_lines(event: dg.DagsterEvent, run_id: str) -> list[str]:
    """What to print for `event`: a refused file, a failed step, a failed check; else nothing."""
    if event.is_step_failure:
        data = event.step_failure_data
        user = data.user_failure_data
        rejected = (user.metadata or {}).get("rejected") if user is not None else None
        if rejected is not None and isinstance(rejected.value, dict):  # {source file: reason}, bronze's Failure
            return [f"refused {name} -> errors/: {reason}" for name, reason in rejected.value.items()]
        why = _first_line(user.description if user is not None else "") or _first_line(_message(data.error))
        return [f"FAILED {event.step_key} in run {run_id[:8]}: {why} (the run's page in the UI has the trace)"]
    if event.is_run_failure:
        # Said already by its failed step; not when the run failed around the steps (a
        # resource that would not start, the run's process lost).
        failed = event.job_failure_data
        if failed is None or (failed.failure_reason is not None and failed.failure_reason.value == "STEP_FAILURE"):
            return []
        why = _first_line(_message(failed.error) or event.message)
        return [f"FAILED run {run_id[:8]}: {why} (the run's page in the UI has the trace)"]
    if event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
        evaluation = event.asset_check_evaluation_data
        if evaluation.passed:
            return []
        what = _first_line(evaluation.description)
        return [
            f"check failed: {evaluation.asset_key.to_user_string()} {evaluation.check_name} "
            f"({evaluation.severity.value}){': ' + what if what else ''}"
        ]
    return []


class _Actionable(logging.Handler):
    """Prints `actionable_lines` for each event of the run, whatever its level."""

    def emit(self, record: logging.LogRecord) -> None:
        found = dagster_event_of(record)
        if found is None:
            return
        event, run_id = found
        stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(record.created))
        for line in actionable_lines(event, run_id):
            sys.stderr.write(f"{stamp} {line}\n")


def console_logger(settings: Settings) -> dg.LoggerDefinition:
    """The definitions' console logger: Dagster's own log from LINKEDIN_LOG_LEVEL on. It is
    also what a run that configures no logger uses (compat.log_runs_to)."""

    @dg.logger(
        config_schema={
            "log_level": dg.Field(str, is_required=False, default_value=settings.log_level),
            "actionable": dg.Field(bool, is_required=False, default_value=True),
        },
        description="One line per refused file, failed step or failed check; Dagster's own log from log_level on.",
    )
    def console(init_context: dg.InitLoggerContext) -> logging.Logger:
        config = init_context.logger_config
        # A logger of this run's own: Dagster's "dagster" logger is shared by the whole process.
        logger = logging.Logger("linkedin_assets.console", level=logging.DEBUG)
        if config["actionable"]:
            logger.addHandler(_Actionable())
        own = logging.StreamHandler(sys.stderr)
        own.setLevel(config["log_level"].upper())
        own.setFormatter(logging.Formatter("%(asctime)s - dagster - %(levelname)s - %(message)s"))
        logger.addHandler(own)
        return logger

    log_runs_to(console, {"log_level": settings.log_level, "actionable": True})
    return console
