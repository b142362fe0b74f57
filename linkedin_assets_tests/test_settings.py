"""Configuration in one place: every variable the code reads is declared in core/settings.py,
the README's tables are those declarations, and the definitions take what they say."""

from __future__ import annotations

import ast
import datetime as dt
import re
from pathlib import Path

import dagster as dg
import pytest

from linkedin_assets.core import settings as settings_module
from linkedin_assets.core.settings import (
    DATABRICKS_VARIABLES,
    EMAIL_VARIABLES,
    VARIABLES,
    load_settings,
    markdown_table,
)
from linkedin_assets.definitions import build_definitions

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "linkedin_assets"


def _declared() -> set[str]:
    """Every variable name the declarations cover, `LINKEDIN_{A,B}_X` spelled out."""
    names = set()
    for v in (*VARIABLES, *EMAIL_VARIABLES, *DATABRICKS_VARIABLES):
        for name in re.findall(r"[A-Z_]*(?:\{[A-Z,]+\})?[A-Z_]+", v.name):
            if "{" in name:
                head, rest = name.split("{")
                options, tail = rest.split("}")
                names |= {f"{head}{option}{tail}" for option in options.split(",")}
            else:
                names.add(name)
    return names


def _read_in(path: Path) -> set[str]:
    """Every LINKEDIN_* string literal in a module."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        is_text = isinstance(node, ast.Constant) and isinstance(node.value, str)
        if is_text and re.fullmatch(r"LINKEDIN_[A-Z_]*[A-Z]", node.value):
            found.add(node.value)
    return found


def test_only_the_settings_module_touches_the_environment():
    readers = sorted(
        str(p.relative_to(REPO))
        for p in PACKAGE.rglob("*.py")
        if "os.environ" in p.read_text() or "os.getenv" in p.read_text()
    )
    assert readers == ["linkedin_assets/core/settings.py"]


def test_every_variable_read_is_declared():
    read = _read_in(Path(settings_module.__file__))
    read |= {f"LINKEDIN_{layer.upper()}_CATALOG" for layer in settings_module.LAYERS}
    assert read <= _declared(), sorted(read - _declared())
    assert "DAGSTER_HOME" in _declared()


def test_the_readme_tables_are_the_declarations():
    readme = (REPO / "README.md").read_text()
    for variables in (VARIABLES, EMAIL_VARIABLES, DATABRICKS_VARIABLES):
        rows = "\n".join(markdown_table(variables))
        assert rows in readme, f"README table differs from core/settings.py ({variables[0].group})"


def test_the_definitions_take_the_settings(settings, monkeypatch):
    monkeypatch.setenv("LINKEDIN_START_DATE", "2025-06-01")
    monkeypatch.setenv("LINKEDIN_SENSOR_INTERVAL_SECONDS", "7")
    monkeypatch.setenv("LINKEDIN_AUTOMATION_INTERVAL_SECONDS", "13")
    monkeypatch.setenv("LINKEDIN_RETRY_DELAY_SECONDS", "0.5")
    loaded = load_settings()
    assert loaded.start_date == dt.date(2025, 6, 1)
    defs = build_definitions(loaded)
    content = defs.resolve_assets_def(dg.AssetKey(["bronze", "linkedin", "totals"]))
    assert content.partitions_def is not None
    assert content.partitions_def.get_first_partition_key() == "2025-06-01"
    assert defs.resolve_sensor_def("content_daily_arrival").minimum_interval_seconds == 7
    assert defs.resolve_sensor_def("linkedin_automation").minimum_interval_seconds == 13
    gold = defs.resolve_assets_def(dg.AssetKey(["gold", "linkedin", "dim_date"]))
    policy = gold.op.retry_policy
    assert policy is not None and policy.delay == 0.5


def test_the_partitions_start_a_year_back_or_at_the_first_landed_day(settings, monkeypatch):
    from linkedin_assets.core.settings import default_start_date
    from linkedin_assets.samples.profile import build_profile
    from linkedin_assets.samples.writer import write_content_export

    today = dt.date(2026, 12, 1)
    assert default_start_date(today, None) == dt.date(2025, 11, 1)
    assert default_start_date(today, dt.date(2026, 10, 2)) == dt.date(2025, 11, 1)
    assert default_start_date(today, dt.date(2024, 3, 5)) == dt.date(2024, 3, 1)

    monkeypatch.delenv("LINKEDIN_START_DATE", raising=False)
    now = dt.datetime.now(dt.timezone.utc).date()
    profile = build_profile(end=now - dt.timedelta(days=1), days=30, seed=3)
    write_content_export(profile, settings.volume("content_historical"), profile.start, profile.end)
    keys = build_definitions(load_settings()).resolve_assets_def(dg.AssetKey(["bronze", "linkedin", "totals"]))
    partitions = keys.partitions_def
    assert partitions is not None
    assert partitions.get_first_partition_key() == default_start_date(now, None).isoformat()
    # A 30-day lake is most of the partitions of a month, not 1% of six years'.
    assert len(partitions.get_partition_keys()) <= 366 + 31 + 1

    old = build_profile(end=dt.date(2024, 3, 20), days=16, seed=3)
    write_content_export(old, settings.volume("content_historical", "processed"), old.start, old.end)
    moved = build_definitions(load_settings()).resolve_assets_def(dg.AssetKey(["bronze", "linkedin", "totals"]))
    assert moved.partitions_def is not None
    assert moved.partitions_def.get_first_partition_key() == "2024-03-01"


def test_a_reporting_time_zone_is_an_iana_name_or_an_offset_both_engines_read(monkeypatch):
    from linkedin_assets.core.settings import reporting_time_zone

    given = {"Europe/Paris": "Europe/Paris", "UTC": "UTC", "UTC+05:30": "GMT+05:30", "+0545": "GMT+05:45"}
    for zone, read in {**given, "GMT-3": "GMT-03:00"}.items():
        monkeypatch.setenv("LINKEDIN_REPORTING_TIME_ZONE", zone)
        assert reporting_time_zone() == read
    for zone in ("Mars/Olympus", "UTC+25", "noon"):
        monkeypatch.setenv("LINKEDIN_REPORTING_TIME_ZONE", zone)
        with pytest.raises(ValueError, match=re.escape(f"LINKEDIN_REPORTING_TIME_ZONE='{zone}' is not a time zone")):
            reporting_time_zone()
