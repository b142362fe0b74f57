"""Bronze through Dagster: generated exports in LinkedIn's layouts, dropped in pending/,
processed with `linkedin-analytics run`'s code path, checked against the generator's truth."""

from __future__ import annotations

import datetime as dt
import os
import shutil

import dagster as dg
import pyarrow as pa
import pytest

from linkedin_assets.cli import main, run_pending
from linkedin_assets.core.profiles import slug
from linkedin_assets.samples.profile import build_profile
from linkedin_assets.samples.writer import (
    content_file_name,
    write_content_export,
    write_patch_file,
    write_post_export,
)
from linkedin_assets_tests.lake_state import rows, snapshot

DAY = dt.date(2026, 10, 31)


@pytest.fixture
def profile():
    return build_profile(end=DAY, days=40, seed=3)


def pending(settings, volume):
    return settings.volume(volume, "pending")


def bump_mtime(path, seconds):
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + seconds * 1_000_000_000))


@pytest.mark.parametrize("flavour", ["legacy", "2026"])
def test_daily_content_file_fills_every_profile_table(settings, profile, flavour):
    path = write_content_export(profile, pending(settings, "content_daily"), DAY, DAY, flavour=flavour)

    summary = run_pending(settings, downstream=False)

    assert summary.ok, summary
    assert (settings.volume("content_daily", "processed") / path.name).exists()
    assert not path.exists()
    truth = profile.days[DAY]
    [total] = rows(settings, "totals")
    assert (total["date"], total["impressions"], total["engagements"]) == (DAY, truth.impressions, truth.engagements)
    assert total["source_file"] == f"content_daily/{path.name}"
    assert [r["new_followers"] for r in rows(settings, "followers", date=DAY)] == [truth.new_followers]
    [ft] = rows(settings, "follower_totals")
    assert (ft["as_of_date"], ft["total_followers"]) == (DAY, truth.total_followers)
    [disc] = rows(settings, "discovery")
    assert disc["members_reached"] == profile.members_reached(DAY, DAY)
    for metric in ("impressions", "engagements"):
        listed = {r["post_url"]: r["value"] for r in rows(settings, "top_posts", metric=metric)}
        assert listed == {url: value for url, _, value in profile.top_posts(DAY, DAY, metric)}
    assert all(not r["is_range_aggregate"] for r in rows(settings, "top_posts"))
    demo = rows(settings, "demographics")
    # From August 2026 a 2026 file holds the audience's and the content's demographics.
    by_type = {t: [r for r in demo if r["demographic_type"] == t] for t in ("audience", "content")}
    assert len(by_type["audience"]) == len(profile.demographics)
    assert len(by_type["content"]) == (len(profile.content_demographics) if flavour == "2026" else 0)
    assert any(r["below_one_percent"] and r["percentage"] is None for r in demo)


def test_historical_file_fills_its_range_of_partitions(settings, profile):
    start = DAY - dt.timedelta(days=29)
    write_content_export(profile, pending(settings, "content_historical"), start, DAY)

    assert run_pending(settings, downstream=False).ok

    got = {r["date"]: (r["impressions"], r["engagements"]) for r in rows(settings, "totals")}
    want = {d: (t.impressions, t.engagements) for d, t in profile.days.items() if start <= d <= DAY}
    assert got == want
    assert {r["date"]: r["new_followers"] for r in rows(settings, "followers")} == {
        d: t.new_followers for d, t in profile.days.items() if start <= d <= DAY
    }
    # Range top posts are kept with their period, never as per-day rows.
    top = rows(settings, "top_posts")
    assert top and all(r["is_range_aggregate"] and r["period_start"] == start for r in top)
    instance = dg.DagsterInstance.get()
    partitions = instance.get_materialized_partitions(dg.AssetKey(["bronze", "linkedin", "totals"]))
    assert partitions == {(start + dt.timedelta(days=i)).isoformat() for i in range(30)}
    runs = instance.get_runs()
    assert len(runs) == 1 and runs[0].tags["dagster/asset_partition_range_start"] == start.isoformat()
    # Each day's event carries the run's figures: it says so, and for which days.
    day_event = instance.get_latest_materialization_event(dg.AssetKey(["bronze", "linkedin", "totals"]))
    covered = day_event.asset_materialization.metadata["run_dates"].value
    assert covered.startswith(f"{start.isoformat()}..{DAY.isoformat()} (30 days)")


@pytest.mark.parametrize("flavour", ["legacy", "2026"])
def test_post_export_gives_typed_lifetime_metrics(settings, profile, flavour):
    post = profile.posts[-3]
    path = write_post_export(profile, post.url, DAY, pending(settings, "posts"), flavour=flavour)

    assert run_pending(settings, downstream=False).ok

    [row] = rows(settings, "post_details")
    truth = profile.post_lifetime(post.url, DAY)
    assert row["as_of_date"] == DAY and row["post_url"] == post.url
    assert row["post_publish_timestamp"].replace(tzinfo=None) == post.published_at.replace(second=0, microsecond=0)
    assert row["impressions"] == truth["impressions"] and isinstance(row["reactions"], int)
    assert row["reactions"] == truth["reactions"] and row["comments"] == truth["comments"]
    assert (settings.volume("posts", "processed") / path.name).exists()


def test_patch_files_latest_wins_and_empty_cell_keeps_correction(settings, profile):
    url = profile.posts[0].url
    write_post_export(profile, url, DAY, pending(settings, "posts"))  # a patch must name a known post
    first = write_patch_file(
        [
            {
                "post_url": url,
                "title": "Fixed title",
                "true_url": "https://www.linkedin.com/feed/update/urn:li:activity:7000000000000000001/",
            }
        ],
        pending(settings, "patch") / "patch1.csv",
    )
    assert run_pending(settings, downstream=False).ok
    second = write_patch_file([{"post_url": url, "content": "The text"}], pending(settings, "patch") / "patch2.xlsx")
    bump_mtime(second, 5)
    assert run_pending(settings, downstream=False).ok

    [row] = rows(settings, "post_patch")
    assert (row["title"], row["true_url"], row["content"]) == (
        "Fixed title",
        "https://www.linkedin.com/feed/update/urn:li:activity:7000000000000000001/",
        "The text",
    )
    assert not first.exists() and not second.exists()


def test_same_file_twice_leaves_every_table_as_it_was(settings, profile):
    folder = pending(settings, "content_historical")
    write_content_export(profile, folder, DAY - dt.timedelta(days=9), DAY)
    write_post_export(profile, profile.posts[-1].url, DAY, pending(settings, "posts"))
    assert run_pending(settings, downstream=False).ok
    before = snapshot(settings)

    for volume in ("content_historical", "posts"):
        for done in settings.volume(volume, "processed").glob("*.xlsx"):
            shutil.copy2(done, pending(settings, volume) / done.name)  # same name, size and mtime
    assert run_pending(settings, downstream=False).ok

    assert snapshot(settings) == before


def test_bad_file_goes_to_errors_and_nothing_changes(settings, profile):
    write_content_export(profile, pending(settings, "content_daily"), DAY, DAY)
    assert run_pending(settings, downstream=False).ok
    before = snapshot(settings)
    bad_name = f"Content_{DAY}_{DAY}_Ada Lovelace.xlsx"
    (pending(settings, "content_daily") / bad_name).write_bytes(b"this is not a zip")
    good = write_content_export(
        profile, pending(settings, "content_daily"), DAY - dt.timedelta(days=1), DAY - dt.timedelta(days=1)
    )

    summary = run_pending(settings, downstream=False)

    assert not summary.ok
    errors = settings.volume("content_daily", "errors")
    assert (errors / bad_name).exists()
    note = (errors / f"{bad_name}.error.txt").read_text()
    assert bad_name in note and "xlsx" in note
    assert list(summary.errors) == [f"content_daily/{bad_name}"]
    # The good file beside it is still processed; the bad one changed nothing of the day it names.
    assert (settings.volume("content_daily", "processed") / good.name).exists()
    after = snapshot(settings)
    assert [r for r in after["totals"][1] if ("date", str(DAY)) in r] == [
        r for r in before["totals"][1] if ("date", str(DAY)) in r
    ]


def test_bad_file_alone_changes_no_table_version(settings, profile):
    write_content_export(profile, pending(settings, "content_daily"), DAY, DAY)
    assert run_pending(settings, downstream=False).ok
    before = snapshot(settings)
    bad = pending(settings, "content_daily") / f"Content_{DAY}_{DAY}_Broken.xlsx"
    bad.write_bytes(b"PK\x03\x04 truncated")

    assert main(["run"]) == 1

    assert snapshot(settings) == before
    assert (settings.volume("content_daily", "errors") / f"{bad.name}.error.txt").exists()


def test_latest_download_wins_whatever_the_processing_order(settings, profile):
    other = build_profile(end=DAY, days=40, seed=99)
    folder = pending(settings, "content_daily")
    newer = write_content_export(other, folder, DAY, DAY)
    older_dir = settings.home / "older"
    older_dir.mkdir()
    older = write_content_export(profile, older_dir, DAY, DAY, suffix=" (1)")
    bump_mtime(newer, 60)  # downloaded a minute after the other one
    assert run_pending(settings, downstream=False).ok
    shutil.move(older, folder / older.name)  # the older download arrives late

    assert run_pending(settings, downstream=False).ok

    [total] = rows(settings, "totals")
    assert total["impressions"] == other.days[DAY].impressions
    assert total["source_file"] == f"content_daily/{newer.name}"
    # The older file is kept and recorded as processed, it just does not win.
    assert (settings.volume("content_daily", "processed") / older.name).exists()


def test_demographics_table_of_an_older_release_upgrades_in_place(settings, profile):
    """A lake written before demographic_type existed: its rows become 'audience' (all that release
    read), and a six-sheet file then adds both kinds beside them."""
    from deltalake import write_deltalake

    from linkedin_assets.core.bronze.tables import DEMOGRAPHICS

    # Nor a profile: that release kept one implicit profile.
    old_schema = pa.schema(
        [f for f in DEMOGRAPHICS.schema if f.name not in ("demographic_type", "profile", "profile_name")]
    )
    now = dt.datetime(2026, 9, 1, tzinfo=dt.timezone.utc)
    old_day = dt.date(2026, 9, 1)
    old_row = {
        "period_start": old_day,
        "period_end": old_day,
        "category": "Job titles",
        "value": "Founder",
        "percentage": 0.1,
        "below_one_percent": False,
        "source_file": f"content_daily/{content_file_name(profile.name, old_day, old_day, 'legacy')}",
        "source_file_timestamp": now,
        "ingested_at": now,
    }
    path = settings.lake / "bronze" / "linkedin" / "demographics"
    write_deltalake(str(path), pa.Table.from_pylist([old_row], schema=old_schema))
    write_content_export(profile, pending(settings, "content_daily"), DAY, DAY, flavour="2026")

    assert run_pending(settings, downstream=False).ok

    [kept] = rows(settings, "demographics", period_end=old_day)
    assert (kept["demographic_type"], kept["value"]) == ("audience", "Founder")
    # Its profile is the one its file name states, as a new file's rows have it.
    assert (kept["profile"], kept["profile_name"]) == (slug(profile.name), "AdaQ.Lovelace,PhD")
    new = rows(settings, "demographics", period_end=DAY)
    assert {r["demographic_type"] for r in new} == {"audience", "content"}
    assert len(new) == len(profile.demographics) + len(profile.content_demographics)
