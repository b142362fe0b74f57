"""Email notifications, against a real SMTP server on loopback (aiosmtpd)."""

from __future__ import annotations

import email
import email.policy
import logging
import smtplib
import socket
import traceback

import dagster as dg
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from linkedin_assets.definitions import build_definitions
from linkedin_assets.defs import notifications
from linkedin_assets.defs.notifications import (
    EmailError,
    EmailSettings,
    dashboard_subscription,
    notification_sensors,
    run_failure_email,
    send_email,
)
from linkedin_assets.headless import Headless

SUPPORT = "support@example.com"
SUBSCRIBER = "reader@example.com"
PASSWORD = "s3cret-Pa55word-xyz"
UI = "http://ui.example:3000"


class Inbox:
    """aiosmtpd handler keeping every message received."""

    def __init__(self):
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):
        parsed = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        self.messages.append((list(envelope.rcpt_tos), parsed))
        return "250 OK"

    def to(self, address: str):
        return [m for rcpts, m in self.messages if address in rcpts]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(**kwargs):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port(), **kwargs)
    controller.start()
    return inbox, controller


@pytest.fixture(autouse=True)
def _fresh(monkeypatch):
    """No SMTP settings leak in from the developer's shell; 'off' is logged anew per test."""
    for name in [
        "LINKEDIN_SMTP_HOST",
        "LINKEDIN_SMTP_PORT",
        "LINKEDIN_SMTP_USER",
        "LINKEDIN_SMTP_PASSWORD",
        "LINKEDIN_SMTP_STARTTLS",
        "LINKEDIN_SMTP_FROM",
        "LINKEDIN_SUPPORT_EMAIL",
        "LINKEDIN_DASHBOARD_SUBSCRIBER",
        "LINKEDIN_UI_URL",
    ]:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(notifications, "_OFF_LOGGED", set())


@pytest.fixture
def smtp(monkeypatch):
    inbox, controller = _serve()
    try:
        monkeypatch.setenv("LINKEDIN_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("LINKEDIN_SMTP_PORT", str(controller.port))
        monkeypatch.setenv("LINKEDIN_SUPPORT_EMAIL", SUPPORT)
        monkeypatch.setenv("LINKEDIN_DASHBOARD_SUBSCRIBER", SUBSCRIBER)
        monkeypatch.setenv("LINKEDIN_UI_URL", UI + "/")
        yield inbox
    finally:
        controller.stop()


@pytest.fixture
def instance(settings):
    return dg.DagsterInstance.get()


@dg.asset(key=["bronze", "boom"])
def boom() -> None:
    raise RuntimeError("the export is unreadable: row 7")


def _failed_run(instance, tags=None):
    result = dg.materialize([boom], instance=instance, raise_on_error=False, tags=tags or {})
    assert not result.success
    run = instance.get_run_by_id(result.run_id)
    failures = instance.all_logs(run.run_id, of_type=dg.DagsterEventType.RUN_FAILURE)
    assert failures
    return run, failures[-1].dagster_event


def _headless(settings, instance) -> Headless:
    """What `linkedin-analytics run` ticks after its runs: the project's own notification sensors."""
    return Headless(build_definitions(settings), instance, settings)


def _assert_failure_email(message, run):
    body = message.get_content()
    assert message["Subject"] == "[LinkedIn Analytics] run failed: bronze/boom"
    assert run.run_id in body
    assert "the export is unreadable: row 7" in body
    assert f"{UI}/runs/{run.run_id}" in body
    assert "bronze__boom" in body  # the failed step
    assert "landing/posts/pending/x.xlsx" in body


def test_sensors_listed(settings):
    """What `dagster dev` loads: both email sensors, on by default; the subscription watches the dashboard asset."""
    from linkedin_assets.definitions import build_definitions
    from linkedin_assets.defs.dashboard.assets import dashboard_assets

    repo = build_definitions(settings).get_repository_def()
    loaded = {sensor.name: sensor for sensor in repo.sensor_defs}
    assert {"run_failure_email", "dashboard_subscription"} <= set(loaded)
    assert {sensor.name for sensor in notification_sensors} <= set(loaded)
    for name in ("run_failure_email", "dashboard_subscription"):
        assert loaded[name].default_status == dg.DefaultSensorStatus.RUNNING, name
    watched = loaded["dashboard_subscription"].asset_key
    assert watched == dg.AssetKey(["dashboard", "linkedin_statistics"])
    assert watched in {key for asset in dashboard_assets for key in asset.keys}
    assert watched in repo.asset_graph.materializable_asset_keys


def test_run_failure_sensor_emails_support(smtp, instance):
    run, failure_event = _failed_run(instance, tags={"linkedin/file": "landing/posts/pending/x.xlsx"})
    context = dg.build_run_status_sensor_context(
        sensor_name=run_failure_email.name, dagster_instance=instance, dagster_run=run, dagster_event=failure_event
    )
    assert run_failure_email(context) is None
    [message] = smtp.to(SUPPORT)
    assert len(smtp.messages) == 1
    _assert_failure_email(message, run)
    assert message["From"] == "linkedin-analytics@localhost"
    # The run records that support was told; a second evaluation sends nothing more.
    assert instance.get_run_by_id(run.run_id).tags.get(notifications.NOTIFIED_TAG)
    run_failure_email(context)
    assert len(smtp.messages) == 1


def test_run_failure_sensor_through_its_tick(smtp, instance):
    """The sensor's own tick loop: the first tick sets the cursor, the next one finds the failed run."""
    first = run_failure_email.evaluate_tick(dg.build_sensor_context(instance=instance))
    run, _ = _failed_run(instance, tags={"linkedin/file": "landing/posts/pending/x.xlsx"})
    second = run_failure_email.evaluate_tick(dg.build_sensor_context(instance=instance, cursor=first.cursor))
    assert not second.run_requests
    [message] = smtp.to(SUPPORT)
    _assert_failure_email(message, run)


def test_the_headless_run_emails_through_the_same_sensor_once(smtp, settings, instance):
    """The CLI ticks run_failure_email after its in-process runs, its cursor kept in the instance."""
    _headless(settings, instance).notifications_baseline()
    run, _ = _failed_run(instance, tags={"linkedin/file": "landing/posts/pending/x.xlsx"})
    dg.materialize([dg.asset(key=["bronze", "fine"])(lambda: None)], instance=instance)
    _headless(settings, instance).notifications()
    [message] = smtp.to(SUPPORT)
    _assert_failure_email(message, run)
    _headless(settings, instance).notifications()  # a later `linkedin-analytics run`: already emailed
    assert len(smtp.messages) == 1
    assert instance.get_run_by_id(run.run_id).tags.get(notifications.NOTIFIED_TAG)


def _report_dashboard(instance, **numbers):
    instance.report_runless_asset_event(
        dg.AssetMaterialization(
            asset_key=["dashboard", "linkedin_statistics"],
            metadata={
                "path": dg.MetadataValue.path("/home/me/linkedin/dashboard/index.html"),
                "url": dg.MetadataValue.url("file:///home/me/linkedin/dashboard/index.html"),
                **numbers,
            },
        )
    )


HEADLINE = {
    "total_impressions": 123456,
    "total_engagements": 4321,
    "total_new_followers": 87,
    "latest_total_followers": 2345,
    "latest_total_followers_date": "2024-03-30",
    "engagement_rate": "3.50%",  # 4321 / 123456, as the dashboard asset records it
    "days": 30,
    "first_date": "2024-03-01",
    "last_date": "2024-03-30",
    "best_day": "2024-03-12",
    "worst_day": "2024-03-03",
}


def test_dashboard_subscription(smtp, settings, instance):
    tick = dashboard_subscription.evaluate_tick(dg.build_sensor_context(instance=instance))
    assert not tick.run_requests and not smtp.messages  # nothing materialized yet

    _report_dashboard(instance, **HEADLINE)
    tick = dashboard_subscription.evaluate_tick(dg.build_sensor_context(instance=instance, cursor=tick.cursor))
    assert not tick.run_requests
    assert "emailed" in tick.skip_message
    [message] = smtp.to(SUBSCRIBER)
    body = message.get_content()
    assert message["Subject"] == "[LinkedIn Analytics] dashboard refreshed: 2024-03-01 to 2024-03-30"
    for text in ("123,456", "4,321", "87", "2,345", "3.50%", "30", "2024-03-12", "2024-03-03"):
        assert text in body
    assert "/home/me/linkedin/dashboard/index.html" in body
    assert "Generated:" in body

    # No new materialization: nothing sent, not by the sensor and not by the CLI path.
    again = dashboard_subscription.evaluate_tick(dg.build_sensor_context(instance=instance, cursor=tick.cursor))
    assert not again.run_requests
    again = dashboard_subscription.evaluate_tick(dg.build_sensor_context(instance=instance))  # cursor lost
    _headless(settings, instance).notifications()  # the CLI's tick, with a cursor of its own
    assert len(smtp.messages) == 1

    # A refresh the CLI's tick emails is not emailed again by the daemon's.
    _report_dashboard(instance, **{**HEADLINE, "total_impressions": 200000})
    _headless(settings, instance).notifications()
    assert len(smtp.messages) == 2 and "200,000" in smtp.messages[-1][1].get_content()
    dashboard_subscription.evaluate_tick(dg.build_sensor_context(instance=instance, cursor=tick.cursor))
    assert len(smtp.messages) == 2


def test_no_smtp_host_means_off(settings, instance, monkeypatch, caplog):
    inbox, controller = _serve()
    try:
        monkeypatch.setenv("LINKEDIN_SMTP_PORT", str(controller.port))
        monkeypatch.setenv("LINKEDIN_SUPPORT_EMAIL", SUPPORT)
        caplog.set_level(logging.INFO, logger="linkedin_assets")
        run, failure_event = _failed_run(instance)
        context = dg.build_run_status_sensor_context(
            sensor_name=run_failure_email.name, dagster_instance=instance, dagster_run=run, dagster_event=failure_event
        )
        assert run_failure_email(context) is None
        _headless(settings, instance).notifications()
        run_failure_email(context)
        assert inbox.messages == []
        off = [r for r in caplog.records if "notifications off" in r.getMessage()]
        assert len(off) == 1
        assert "LINKEDIN_SMTP_HOST" in off[0].getMessage()
        assert not instance.get_run_by_id(run.run_id).tags.get(notifications.NOTIFIED_TAG)
    finally:
        controller.stop()


def test_no_subscriber_means_dashboard_off(smtp, settings, instance, monkeypatch, caplog):
    monkeypatch.delenv("LINKEDIN_DASHBOARD_SUBSCRIBER")
    caplog.set_level(logging.INFO, logger="linkedin_assets")
    _report_dashboard(instance, **HEADLINE)
    tick = dashboard_subscription.evaluate_tick(dg.build_sensor_context(instance=instance))
    assert "off" in tick.skip_message and not tick.run_requests
    _headless(settings, instance).notifications()
    assert smtp.messages == []
    off = [r for r in caplog.records if "notifications off" in r.getMessage()]
    assert len(off) == 1 and "LINKEDIN_DASHBOARD_SUBSCRIBER" in off[0].getMessage()


def test_settings_from_env(monkeypatch):
    assert EmailSettings.from_env({}).recipient(notifications.RUN_FAILURE) is None
    s = EmailSettings.from_env({"LINKEDIN_SMTP_HOST": "mail", "LINKEDIN_SMTP_STARTTLS": "true"})
    assert (s.port, s.starttls, s.sender, s.ui_url) == (
        587,
        True,
        "linkedin-analytics@localhost",
        "http://127.0.0.1:3000",
    )
    assert EmailSettings.from_env({"LINKEDIN_SMTP_HOST": "mail"}).port == 25
    assert EmailSettings.from_env({"LINKEDIN_SMTP_PORT": "2525"}).port == 2525
    with pytest.raises(ValueError, match="LINKEDIN_SMTP_PORT"):
        EmailSettings.from_env({"LINKEDIN_SMTP_PORT": "x"})


def _all_text(caplog, *more) -> str:
    return "\n".join([*(r.getMessage() for r in caplog.records), caplog.text, *map(str, more)])


def test_password_never_shown_login_not_supported(smtp, settings, instance, monkeypatch, caplog):
    instance_settings = settings
    """A server without AUTH: the login fails, and the error does not carry the password."""
    monkeypatch.setenv("LINKEDIN_SMTP_USER", "me")
    monkeypatch.setenv("LINKEDIN_SMTP_PASSWORD", PASSWORD)
    caplog.set_level(logging.DEBUG)
    settings = EmailSettings.from_env()
    assert PASSWORD not in repr(settings) and PASSWORD not in str(settings) and "***" in repr(settings)

    with pytest.raises(EmailError) as raised:
        send_email(settings, SUPPORT, "hello", "body")
    formatted = "".join(traceback.format_exception(raised.value))
    assert "AUTH" in str(raised.value)
    assert raised.value.__context__ is None and raised.value.__cause__ is None

    # The CLI's tick logs the failure, the daemon's fails its tick: neither shows the password.
    _headless(instance_settings, instance).notifications_baseline()
    run, failure_event = _failed_run(instance)
    _headless(instance_settings, instance).notifications()
    context = dg.build_run_status_sensor_context(
        sensor_name=run_failure_email.name, dagster_instance=instance, dagster_run=run, dagster_event=failure_event
    )
    with pytest.raises(EmailError) as from_sensor:
        run_failure_email(context)
    assert smtp.messages == []
    assert any("could not send email" in r.getMessage() for r in caplog.records)
    text = _all_text(caplog, raised.value, formatted, from_sensor.value, repr(from_sensor.value))
    assert PASSWORD not in text


def test_password_never_shown_login_rejected(settings, monkeypatch, caplog):
    """A server with AUTH that rejects the credentials: the password was sent, and is still not shown."""

    def reject(server, session, envelope, mechanism, auth_data):
        return AuthResult(success=False, handled=False)

    inbox, controller = _serve(authenticator=reject, auth_require_tls=False)
    try:
        caplog.set_level(logging.DEBUG)
        mail = EmailSettings(host="127.0.0.1", port=controller.port, user="me", password=PASSWORD)
        with pytest.raises(EmailError) as raised:
            send_email(mail, SUPPORT, "hello", "body")
        assert "SMTPAuthenticationError" in str(raised.value)
        assert PASSWORD not in _all_text(caplog, raised.value, "".join(traceback.format_exception(raised.value)))
        assert inbox.messages == []
    finally:
        controller.stop()


def test_send_email_with_login(settings):
    """Login is used when a user is configured, and the email goes through."""
    seen = []

    def accept(server, session, envelope, mechanism, auth_data):
        seen.append((auth_data.login, auth_data.password))
        return AuthResult(success=True)

    inbox, controller = _serve(authenticator=accept, auth_require_tls=False)
    try:
        mail = EmailSettings(host="127.0.0.1", port=controller.port, user="me", password=PASSWORD, sender="a@b.c")
        send_email(mail, [SUPPORT, SUBSCRIBER], "hello", "body text")
        assert seen == [(b"me", PASSWORD.encode())]
        [(rcpts, message)] = inbox.messages
        assert rcpts == [SUPPORT, SUBSCRIBER] and message["From"] == "a@b.c"
        assert message.get_content().strip() == "body text"
    finally:
        controller.stop()


@pytest.mark.parametrize("password", [PASSWORD, "back\\slash-pa55", "pässwörd-ünïcode", "quo\"te's"])
def test_password_scrubbed_in_every_form_a_reply_can_quote_it(monkeypatch, password):
    """A server that echoes the password back in its refusal: the error shows it in no form."""

    def echo(self, user, secret, **kwargs):
        # A reply quoted as bytes: repr escapes backslashes and non-ASCII letters.
        raise smtplib.SMTPAuthenticationError(535, f"bad password {secret}".encode())

    monkeypatch.setattr(smtplib.SMTP, "login", echo)
    _inbox, controller = _serve()
    try:
        mail = EmailSettings(host="127.0.0.1", port=controller.port, user="me", password=password)
        with pytest.raises(EmailError) as raised:
            send_email(mail, SUPPORT, "hello", "body")
        text = str(raised.value)
        assert "bad password ***" in text, text
        for shown in (password, repr(password)[1:-1], repr(password.encode())[2:-1]):
            assert shown not in text
    finally:
        controller.stop()


def test_a_non_ascii_password_logs_in_or_fails_without_showing_it():
    """smtplib sends AUTH as ASCII or UTF-8 depending on the mechanism: either it logs in, or
    the error is clear and carries no form of the password."""
    seen = []

    def accept(server, session, envelope, mechanism, auth_data):
        seen.append(auth_data.password)
        return AuthResult(success=True)

    inbox, controller = _serve(authenticator=accept, auth_require_tls=False)
    password = "pässwörd-ü"
    try:
        mail = EmailSettings(host="127.0.0.1", port=controller.port, user="me", password=password)
        try:
            send_email(mail, SUPPORT, "hello", "body")
        except EmailError as raised:
            text = str(raised)
            assert all(form not in text for form in mail.secrets()), text
            assert "outside ASCII" in text
            assert inbox.messages == []
        else:
            assert seen == [password.encode()] and len(inbox.messages) == 1
    finally:
        controller.stop()
