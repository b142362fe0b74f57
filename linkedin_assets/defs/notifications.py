"""Email notifications: failed runs to support, dashboard refreshes to a subscriber.

Two Dagster sensors (`notification_sensors`): the daemon ticks them under
`dagster dev`, and `linkedin-analytics run` ticks the same ones after its in-process
runs (linkedin_assets/headless.py), so there is one path to every email. Each
failed run is emailed once (a tag on the run); each dashboard refresh once (its
event-log position in the instance's key-value store).

Configuration: `EmailSettings` (core/settings.py), read at each tick; LINKEDIN_SMTP_HOST
unset turns every email off.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
import ssl
from collections.abc import Iterable
from email.message import EmailMessage
from typing import NamedTuple

import dagster as dg

from linkedin_assets.core.settings import DASHBOARD, MASK, RUN_FAILURE, EmailSettings
from linkedin_assets.defs.bronze.sensors import FILE_TAG
from linkedin_assets.defs.dashboard.assets import DASHBOARD_KEY

LOG = logging.getLogger("linkedin_assets")

SUBJECT_PREFIX = "[LinkedIn Analytics]"
SMTP_TIMEOUT = 10
# Set on a run once support was emailed about it, so no path emails twice.
NOTIFIED_TAG = "linkedin/support_notified"
# Event-log position of the last dashboard materialization emailed, shared by the
# sensor however it is ticked (kept in the instance's key-value store).
DASHBOARD_NOTIFIED_KEY = "linkedin_assets/dashboard_notified_storage_id"

_RECIPIENT_VARIABLE = {RUN_FAILURE: "LINKEDIN_SUPPORT_EMAIL", DASHBOARD: "LINKEDIN_DASHBOARD_SUBSCRIBER"}
_OFF_LOGGED: set[str] = set()  # kinds already reported off in this process

MAX_STEPS = 5
MAX_ERROR_CHARS = 500


class EmailError(RuntimeError):
    """Sending failed; the message never contains the SMTP password."""


class Email(NamedTuple):
    subject: str
    body: str


def load_email_settings() -> EmailSettings:
    return EmailSettings.from_env()


def _scrub(text: str, settings: EmailSettings) -> str:
    for secret in sorted(settings.secrets(), key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


def recipient_or_log_off(settings: EmailSettings, kind: str) -> str | None:
    """The recipient of `kind`, or None after saying once per process that it is off."""
    to = settings.recipient(kind)
    if to is None and kind not in _OFF_LOGGED:
        _OFF_LOGGED.add(kind)
        missing = " and ".join(
            name
            for name, value in (("LINKEDIN_SMTP_HOST", settings.host), (_RECIPIENT_VARIABLE[kind], to))
            if not value
        )
        LOG.info("%s email notifications off: %s not set", kind, missing)
    return to


def send_email(settings: EmailSettings, to: str | Iterable[str], subject: str, body: str) -> None:
    """Send a plain-text email; STARTTLS and login only when configured. Raises EmailError."""
    recipients = [to] if isinstance(to, str) else list(to)
    where = f"{settings.host}:{settings.port}"
    if not settings.host:
        raise EmailError("cannot send email: LINKEDIN_SMTP_HOST is not set")
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = ", ".join(recipients)
    message["Subject"] = subject
    message.set_content(body)
    problem = None
    try:
        with smtplib.SMTP(settings.host, settings.port, timeout=SMTP_TIMEOUT) as smtp:
            if settings.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.user:
                smtp.login(settings.user, settings.password or "")
            smtp.send_message(message, to_addrs=recipients)
    except (smtplib.SMTPException, OSError) as exc:
        problem = f"{type(exc).__name__}: {exc}"
    except UnicodeError:  # smtplib sends AUTH as ASCII; the exception would quote the whole credential
        problem = "the SMTP user or password has a character outside ASCII, which SMTP AUTH cannot send"
    if problem is not None:
        # Raised outside the except block: no chained exception carries the original text.
        raise EmailError(_scrub(f"could not send email to {', '.join(recipients)} via {where}: {problem}", settings))
    LOG.info("emailed %s: %s", ", ".join(recipients), subject)


# ----------------------------------------------------------------------------- run failures


def _short(text: str | None, limit: int = MAX_ERROR_CHARS) -> str:
    text = (text or "").strip()
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


def _root_error(error) -> str:
    """The innermost cause of a SerializableErrorInfo: the user's exception, not Dagster's wrapper."""
    while error is not None and getattr(error, "cause", None) is not None:
        error = error.cause
    return (error.message if error is not None else "") or ""


def _run_assets(instance: dg.DagsterInstance, run: dg.DagsterRun) -> list[str]:
    keys = run.asset_selection or instance.get_asset_keys_for_run(
        run.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION_PLANNED
    )
    return sorted(k.to_user_string() for k in keys or ())


def _what(run: dg.DagsterRun, assets: list[str]) -> str:
    """The job's name, or the assets for the hidden asset jobs ("__ASSET_JOB", "__ephemeral_asset_job__")."""
    if run.job_name and not run.job_name.startswith("__"):
        return run.job_name
    keys = assets
    if not keys:
        return run.job_name or "run"
    return ", ".join(keys[:3]) + (f" (+{len(keys) - 3} more)" if len(keys) > 3 else "")


def run_failure_email_message(
    instance: dg.DagsterInstance,
    run: dg.DagsterRun,
    failure_message: str | None,
    settings: EmailSettings,
) -> Email:
    """Subject and body of the email about a failed run (used by the run-failure sensor)."""
    steps = []
    for entry in instance.all_logs(run.run_id, of_type=dg.DagsterEventType.STEP_FAILURE):
        event = entry.dagster_event
        error = event.step_failure_data.error if event and event.step_failure_data else None
        steps.append((event.step_key if event else "?", _short(_root_error(error))))
    assets = _run_assets(instance, run)
    what = _what(run, assets)
    lines = [
        f"A LinkedIn Analytics run failed: {what}",
        "",
        f"Run:   {run.run_id}",
        f"Link:  {settings.run_url(run.run_id)}",
    ]
    if run.tags.get(FILE_TAG):
        lines.append(f"File:  {run.tags[FILE_TAG]}")
    if assets:
        lines.append(f"Assets: {_short(', '.join(assets))}")
    lines += ["", f"Error: {_short(failure_message) or 'run failed'}"]
    if steps:
        lines += ["", "Failed step(s):"]
        for step_key, step_error in steps[:MAX_STEPS]:
            lines.append(f"- {step_key}: {step_error}" if step_error else f"- {step_key}")
        if len(steps) > MAX_STEPS:
            lines.append(f"- ... and {len(steps) - MAX_STEPS} more")
    lines += ["", "The run's logs and the full stack traces are at the link above."]
    return Email(f"{SUBJECT_PREFIX} run failed: {what}", "\n".join(lines) + "\n")


def _email_support(
    instance: dg.DagsterInstance, run: dg.DagsterRun, failure_message: str | None, settings: EmailSettings
) -> bool:
    """Email support about `run` unless it is off or already done. Raises EmailError."""
    to = recipient_or_log_off(settings, RUN_FAILURE)
    if to is None:
        return False
    current = instance.get_run_by_id(run.run_id) or run
    if current.tags.get(NOTIFIED_TAG):
        return False
    email = run_failure_email_message(instance, current, failure_message, settings)
    send_email(settings, to, email.subject, email.body)
    instance.add_run_tags(run.run_id, {NOTIFIED_TAG: dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")})
    return True


@dg.run_failure_sensor(
    name="run_failure_email",
    description="Emails LINKEDIN_SUPPORT_EMAIL when a run fails (off without LINKEDIN_SMTP_HOST).",
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def run_failure_email(context: dg.RunFailureSensorContext) -> None:
    # Returns None: the sensor then goes on with the next failed run in the same tick.
    # An EmailError fails this tick (shown in the UI) and the sensor moves on.
    _email_support(context.instance, context.dagster_run, context.failure_event.message, load_email_settings())


def _run_failure_message(instance: dg.DagsterInstance, run_id: str) -> str | None:
    entries = instance.all_logs(run_id, of_type=dg.DagsterEventType.RUN_FAILURE)
    return entries[-1].dagster_event.message if entries and entries[-1].dagster_event else None


# ----------------------------------------------------------------------------- dashboard


def _metadata_values(entry: dg.EventLogEntry) -> dict:
    materialization = entry.asset_materialization
    metadata = materialization.metadata if materialization else {}
    return {k: getattr(v, "value", v) for k, v in metadata.items()}


def _number(value) -> str:
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)


def dashboard_email_message(entry: dg.EventLogEntry, settings: EmailSettings) -> Email:
    """Subject and body of the summary sent after a dashboard refresh (used by the dashboard subscription)."""
    m = _metadata_values(entry)
    generated = dt.datetime.fromtimestamp(entry.timestamp, dt.timezone.utc).isoformat(timespec="seconds")
    lines = ["The LinkedIn Statistics dashboard was refreshed.", "", f"Generated:  {generated}"]
    if m.get("profile"):
        lines.append(f"Profile:    {m['profile']}")
    if m.get("path"):
        lines.append(f"File:       {m['path']}")
    if m.get("url"):
        lines.append(f"Open:       {m['url']}")
    profiles = [p for p in m.get("by_profile") or [] if isinstance(p, dict)]
    for numbers in profiles or [m]:
        lines.append("")
        if profiles:
            lines.append(str(numbers.get("profile") or "?"))
        lines += _figures(numbers)
    if entry.run_id:
        lines += ["", f"Run: {settings.run_url(entry.run_id)}"]
    if profiles:
        subject = f"dashboard refreshed: {len(profiles)} profiles"
    else:
        who = f" for {m['profile']}" if m.get("profile") else ""
        period = f": {m['first_date']} to {m['last_date']}" if m.get("first_date") and m.get("last_date") else ""
        subject = f"dashboard refreshed{who}{period}"
    return Email(f"{SUBJECT_PREFIX} {subject}", "\n".join(lines) + "\n")


def _figures(m: dict) -> list[str]:
    """One profile's headline numbers, a line each."""
    lines = []
    if m.get("days") is not None:
        span = f" ({m['first_date']} to {m['last_date']})" if m.get("first_date") and m.get("last_date") else ""
        lines.append(f"Days:             {_number(m['days'])}{span}")
    for key, label in (
        ("total_impressions", "Impressions"),
        ("total_engagements", "Engagements"),
        ("total_new_followers", "New followers"),
    ):
        if m.get(key) is not None:
            lines.append(f"{label + ':':<18}{_number(m[key])}")
    rate = m.get("engagement_rate")
    if rate is not None:  # "3.50%" as the dashboard asset records it; a fraction from earlier releases
        lines.append(f"{'Engagement rate:':<18}{rate if isinstance(rate, str) else f'{float(rate):.2%}'}")
    if m.get("latest_total_followers") is not None:
        as_of = f" (on {m['latest_total_followers_date']})" if m.get("latest_total_followers_date") else ""
        lines.append(f"{'Followers:':<18}{_number(m['latest_total_followers'])}{as_of}")
    for key, label in (("best_day", "Best day:"), ("worst_day", "Worst day:")):
        if m.get(key):
            lines.append(f"{label:<18}{m[key]}")
    return lines


def _latest_dashboard_record(instance: dg.DagsterInstance):
    records = instance.fetch_materializations(DASHBOARD_KEY, limit=1, ascending=False).records
    return records[0] if records else None


def _notified_storage_id(instance: dg.DagsterInstance) -> int:
    value = instance.daemon_cursor_storage.get_cursor_values({DASHBOARD_NOTIFIED_KEY}).get(DASHBOARD_NOTIFIED_KEY)
    try:
        return int(value) if value else -1
    except ValueError:
        return -1


def _email_dashboard(instance: dg.DagsterInstance, settings: EmailSettings) -> str:
    """Email the latest dashboard materialization if not done yet; what happened, for a SkipReason.

    Raises EmailError.
    """
    to = recipient_or_log_off(settings, DASHBOARD)
    if to is None:
        return "dashboard subscription off (LINKEDIN_SMTP_HOST or LINKEDIN_DASHBOARD_SUBSCRIBER not set)"
    record = _latest_dashboard_record(instance)
    if record is None:
        return "no dashboard materialization yet"
    if record.storage_id <= _notified_storage_id(instance):
        return "the latest dashboard refresh was already emailed"
    email = dashboard_email_message(record.event_log_entry, settings)
    send_email(settings, to, email.subject, email.body)
    instance.daemon_cursor_storage.set_cursor_values({DASHBOARD_NOTIFIED_KEY: str(record.storage_id)})
    return f"emailed {to}: {email.subject}"


@dg.asset_sensor(
    asset_key=DASHBOARD_KEY,
    name="dashboard_subscription",
    description="Emails LINKEDIN_DASHBOARD_SUBSCRIBER a summary after each dashboard refresh.",
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def dashboard_subscription(context: dg.SensorEvaluationContext, asset_event: dg.EventLogEntry) -> dg.SkipReason:
    # Never requests a run. An EmailError fails the tick, so the next tick tries again.
    return dg.SkipReason(_email_dashboard(context.instance, load_email_settings()))


notification_sensors = [run_failure_email, dashboard_subscription]
