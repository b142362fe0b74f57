"""Several profiles in one lakehouse: three people's exports of the same days, one of them
under a legacy and a 2026 name, kept apart from bronze to gold; each profile's gold equals
its own files."""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import json
import os
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import dagster as dg
import pytest

from linkedin_assets.cli import run_pending
from linkedin_assets.core.bronze.tables import ALL_TABLES
from linkedin_assets.core.dashboard.local import dashboard_path, profile_page
from linkedin_assets.core.databricks.lakeview import DASHBOARD_FILE
from linkedin_assets.core.exports.model import ExportError
from linkedin_assets.core.lake.delta import DeltaLake
from linkedin_assets.core.profiles import AliasError, Profiles, read_aliases, slug
from linkedin_assets.core.project_files import REPO_ROOT
from linkedin_assets.core.settings import EmailSettings
from linkedin_assets.defs.dashboard.assets import DASHBOARD_KEY
from linkedin_assets.defs.notifications import dashboard_email_message
from linkedin_assets.samples.profile import build_profile
from linkedin_assets.samples.writer import write_content_export, write_post_export
from linkedin_assets_tests.homes import use_home
from linkedin_assets_tests.test_dashboard_pages import lakeview_rows
from linkedin_assets_tests.test_dashboard_render import embedded_data

END = dt.date(2026, 10, 31)
DAYS = 10
DAY = dt.timedelta(days=1)
RENAMED_ON = END - 3 * DAY  # Jane's files before this day carry her old name


def test_slugs_fold_what_linkedin_itself_wrote_two_ways():
    assert slug("Jane Doe") == slug("JaneDoe") == slug("jane-doe") == "janedoe"
    assert slug("José Núñez") == "josenunez"
    assert slug("张伟") == "张伟"  # letters of any script key a profile
    # A degree, an initial: never guessed to be the same person.
    assert slug("Jane Q. Doe, PhD") != slug("Jane Q Doe")


def test_an_export_whose_name_keys_no_profile_is_refused():
    with pytest.raises(ExportError, match="no letters or digits"):
        Profiles().of("Content_2026-10-01_2026-10-01_---.xlsx", "---")


def test_a_broken_aliases_file_names_its_line(tmp_path):
    aliases = tmp_path / "profiles.csv"
    aliases.write_text("name,profile\nJane Q. Doe PhD,Jane Q Doe\nJane Q. Doe PhD,Someone Else\n")
    with pytest.raises(AliasError, match=r"line 3: 'Jane Q. Doe PhD' is already an alias of 'Jane Q Doe'"):
        read_aliases(aliases)
    aliases.write_text("who,what\n")
    with pytest.raises(AliasError, match="header must be `name,profile`"):
        read_aliases(aliases)


@pytest.fixture(scope="module")
def team(tmp_path_factory):
    """Ada, Grace and Jane, each with a historical file and a daily one of the same dates; Jane's
    earlier files carry her legacy name, which the aliases file maps to her 2026 one."""
    home = tmp_path_factory.mktemp("profiles")
    with pytest.MonkeyPatch.context() as mp:
        settings = use_home(mp, home)
        (home / "profiles.csv").write_text('name,profile\n"Jane Q. Doe, PhD",Jane Q Doe\n')
        people = {
            "Ada Lovelace": build_profile(END, DAYS, seed=5, name="Ada Lovelace"),
            "Grace Hopper": build_profile(END, DAYS, seed=6, name="Grace Hopper"),
            "Jane Q Doe": build_profile(END, DAYS, seed=8, name="Jane Q Doe"),
        }
        historical = settings.volume("content_historical")
        daily = settings.volume("content_daily")
        start = END - (DAYS - 1) * DAY
        for name, person in people.items():
            if name == "Jane Q Doe":
                legacy = dataclasses.replace(person, name="Jane Q. Doe, PhD")
                write_content_export(legacy, historical, start, RENAMED_ON - DAY, flavour="legacy")
                write_content_export(person, historical, RENAMED_ON, END - DAY, flavour="2026")
            else:
                # Grace's older file is a legacy one: LinkedIn glued her name ("GraceHopper").
                flavour = "legacy" if name == "Grace Hopper" else "2026"
                write_content_export(person, historical, start, END - DAY, flavour=flavour)
            write_content_export(person, daily, END, END, flavour="2026")
        ada = people["Ada Lovelace"]
        write_post_export(ada, ada.posts[-1].url, END, settings.volume("posts"), flavour="2026")
        # A name of punctuation only keys no one: refused, and the three profiles still land.
        nobody = write_content_export(dataclasses.replace(ada, name="--"), daily, END, END, flavour="2026")
        summary = run_pending(settings)
        yield settings, people, summary, nobody


def gold(settings, table: str) -> list[dict]:
    return DeltaLake(settings.lake).read("gold", table).to_pylist()


def test_each_profiles_daily_figures_are_its_own_files(team):
    settings, people, summary, nobody = team
    assert set(summary.errors) == {f"content_daily/{nobody.name}"}, summary
    facts = defaultdict(dict)
    for row in gold(settings, "fct_daily_profile_statistics"):
        facts[row["profile"]][row["analytics_date"]] = row
    assert set(facts) == {slug(name) for name in people}  # Jane's two names are one profile
    for name, person in people.items():
        mine = facts[slug(name)]
        assert sorted(mine) == sorted(person.days)
        for day, truth in person.days.items():
            row = mine[day]
            assert (row["impressions"], row["engagements"], row["new_followers"]) == (
                truth.impressions,
                truth.engagements,
                truth.new_followers,
            ), (name, day)
            # As its file wrote it: Grace's legacy days glued, her newest spaced.
            assert row["profile_name"] == (name.replace(" ", "") if name == "Grace Hopper" and day < END else name)
            before = person.days.get(day - DAY)
            assert row["change_in_impressions"] == (truth.impressions - before.impressions if before else None)


def test_each_profiles_posts_reconcile_with_its_own_totals(team):
    settings, people, _, _ = team
    by_day = defaultdict(list)
    for row in gold(settings, "fct_daily_post_statistics"):
        by_day[row["profile"], row["analytics_date"]].append(row)
    for name, person in people.items():
        for day, truth in person.days.items():
            rows = by_day[slug(name), day]
            [total] = [r for r in rows if r["row_type"] == "total"]
            assert (total["impressions"], total["engagements"]) == (truth.impressions, truth.engagements)
            for metric in ("impressions", "engagements"):
                parts = sum(r[metric] or 0 for r in rows if r["row_type"] != "total")
                assert parts == total[metric], (name, day, metric)
        # The daily file's top posts are this profile's posts, and no one else's.
        listed = {r["post_url"] for r in by_day[slug(name), END] if r["row_type"] == "post"}
        assert listed and listed <= {p.url for p in person.posts}
    posts = {(r["profile"], r["post_url"]) for r in gold(settings, "fct_post_statistics")}
    ada = people["Ada Lovelace"]
    assert (slug("Ada Lovelace"), ada.posts[-1].url) in posts
    assert {profile for profile, _ in posts} == {slug(name) for name in people}


def test_an_export_naming_no_profile_goes_to_errors_with_its_reason(team):
    settings, _, summary, nobody = team
    errors = settings.volume("content_daily", "errors")
    assert (errors / nobody.name).is_file() and not nobody.exists()
    reason = summary.errors[f"content_daily/{nobody.name}"]
    assert reason.startswith(nobody.name) and "has no letters or digits" in reason
    assert reason in (errors / f"{nobody.name}.error.txt").read_text(encoding="utf-8")


def test_every_bronze_row_names_its_profile_and_a_key_holds_per_profile(team):
    settings, _, _, _ = team
    lake = DeltaLake(settings.lake)
    totals = lake.read("bronze", "totals").to_pylist()
    # Three profiles' rows on the same day: none overwrote another's.
    assert {r["profile"] for r in totals if r["date"] == END} == {"adalovelace", "gracehopper", "janeqdoe"}
    jane = {r["profile_name"] for r in totals if r["profile"] == "janeqdoe"}
    assert jane == {"Jane Q Doe"}  # the aliases file's name, for her legacy files' rows too


def _switch(page: str) -> list[tuple[bool, str, str]]:
    """A page's profile switch: (current, href, shown) per link."""
    found = re.findall(r'<a class="profile( active)?"[^>]* href="([^"]+)">([^<]+)</a>', page)
    return [(bool(active), href, html.unescape(shown)) for active, href, shown in found]


def test_each_profile_has_a_dashboard_page_and_every_page_switches_to_the_others(team):
    settings, people, _, _ = team
    names = sorted(people, key=str.casefold)
    everyone = [("index.html", "Team")] + [(f"profile-{slug(n)}.html", n) for n in names]
    for name, person in people.items():
        page = profile_page(settings.home, slug(name)).read_text(encoding="utf-8")
        model = embedded_data(page)
        assert model["profile"] == name
        # Its own days only, not a sum of the team's.
        assert {d["date"]: d["impressions"] for d in model["daily"]} == {
            day.isoformat(): truth.impressions for day, truth in person.days.items()
        }
        assert {p["url"] for p in model["posts"]} <= {p.url for p in person.posts}
        switch = _switch(page)
        assert [(href, shown) for _, href, shown in switch] == everyone
        assert [shown for current, _, shown in switch if current] == [name]


def test_the_team_overview_sets_each_profiles_numbers_beside_the_others(team):
    """index.html, with several profiles: a row per profile linking to its page, its own
    totals, and the team's total of what adds up across people."""
    settings, people, _, _ = team
    page = dashboard_path(settings.home).read_text(encoding="utf-8")
    assert [shown for current, _, shown in _switch(page) if current] == ["Team"]
    rows = re.findall(r'<tr><th scope="row"><a class="member" href="([^"]+)">([^<]+)</a></th>(.*?)</tr>', page)
    assert [(href, html.unescape(name)) for href, name, _ in rows] == [
        (f"profile-{slug(n)}.html", n) for n in sorted(people, key=str.casefold)
    ]
    cells = {html.unescape(name): re.findall(r"<td[^>]*>([^<]*)</td>", tds) for _, name, tds in rows}
    for name, person in people.items():
        days, dates, impressions, engagements, _rate, new_followers, _followers, _best = cells[name]
        assert days == str(len(person.days)) and dates == f"{min(person.days)} to {max(person.days)}"
        assert impressions == f"{sum(d.impressions for d in person.days.values()):,}"
        assert engagements == f"{sum(d.engagements for d in person.days.values()):,}"
        assert new_followers == f"{sum(d.new_followers for d in person.days.values()):,}"
    [total] = re.findall(r'<tr class="team-total">(.*?)</tr>', page)
    team_impressions = sum(d.impressions for person in people.values() for d in person.days.values())
    assert f'<td class="num">{team_impressions:,}</td>' in total


@pytest.mark.slow
def test_the_lakeview_profile_filter_narrows_every_dataset_to_one_profile(team):
    """The dashboard's Profile filter (its global filters page) reaches every dataset; each
    profile is one value, its newest name, and a filtered dataset holds that profile's
    figures only: those of its local page."""
    settings, people, _, _ = team
    definition = json.loads(DASHBOARD_FILE.read_text())
    [filters] = [p for p in definition["pages"] if p.get("pageType") == "PAGE_TYPE_GLOBAL_FILTERS"]
    [widget] = [item["widget"] for item in filters["layout"]]
    assert widget["spec"]["widgetType"] == "filter-single-select"
    by_query = {q["name"]: q["query"] for q in widget["queries"]}
    reached = {by_query[f["queryName"]]["datasetName"] for f in widget["spec"]["encodings"]["fields"]}
    assert reached == {d["name"] for d in definition["datasets"]}
    assert all(f["fieldName"] == "profile_name" for f in widget["spec"]["encodings"]["fields"])

    with_rows = {d["name"] for d in definition["datasets"] if lakeview_rows(settings.lake, d["name"])}
    assert with_rows >= {"profile_daily", "profile_weekly", "followers_daily", "day_rows", "post_lifetime"}
    for dataset in with_rows:
        # One value per profile: Grace's glued legacy name never shows beside her newest.
        assert {r["profile_name"] for r in lakeview_rows(settings.lake, dataset)} <= set(people), dataset
    for name, person in people.items():
        model = embedded_data(profile_page(settings.home, slug(name)).read_text(encoding="utf-8"))
        daily = lakeview_rows(settings.lake, "profile_daily", name)
        assert {r["analytics_date"].isoformat(): r["impressions"] for r in daily} == {
            d["date"]: d["impressions"] for d in model["daily"]
        }
        weekly = lakeview_rows(settings.lake, "profile_weekly", name)
        assert {r["period_start"].isoformat(): r["impressions"] for r in weekly} == {
            w["period"]: w["impressions"] for w in model["weekly"]
        }
        ranked = {r["link"] for r in lakeview_rows(settings.lake, "post_ranking", name)}
        assert ranked and ranked <= {p.url for p in person.posts}


def test_the_dashboard_email_gives_each_profile_its_own_numbers(team):
    """The refresh email from the dashboard's real materialization: one block per profile,
    named, with that profile's totals, never a sum of several people's."""
    _, people, _, _ = team
    entry = dg.DagsterInstance.get().get_latest_materialization_event(DASHBOARD_KEY)
    email = dashboard_email_message(entry, EmailSettings())
    assert email.subject == "[LinkedIn Analytics] dashboard refreshed: 3 profiles"
    blocks = email.body.split("\n\n")
    for name, person in people.items():
        [block] = [b for b in blocks if b.startswith(name + "\n")]
        impressions = sum(day.impressions for day in person.days.values())
        assert f"Impressions:      {impressions:,}" in block, block
        assert f"({min(person.days)} to {max(person.days)})" in block


# The last release before rows carried their profile.
RELEASE_WITHOUT_PROFILES = "f93318b"


def _old_release(tmp_path: Path) -> Path:
    """That release's package and SQL, from this repository's history (a clean clone has it)."""
    found = subprocess.run(
        ["git", "-C", str(REPO_ROOT), "cat-file", "-e", f"{RELEASE_WITHOUT_PROFILES}^{{commit}}"], capture_output=True
    )
    if found.returncode != 0:
        pytest.skip(f"commit {RELEASE_WITHOUT_PROFILES} is not in this checkout's history (a shallow clone?)")
    root = tmp_path / "release"
    root.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(REPO_ROOT), "archive", RELEASE_WITHOUT_PROFILES, "linkedin_assets", "sql"],
        capture_output=True,
        check=True,
    )
    subprocess.run(["tar", "-x", "-C", str(root)], input=archive.stdout, check=True)
    return root


@pytest.mark.slow
def test_a_lake_the_last_release_wrote_upgrades_in_place(tmp_path, monkeypatch):
    """Nine days run by the release before profiles, then a new day by this one: every row of
    every table has the profile its files name, the old days included, and gold is whole."""
    release = _old_release(tmp_path)
    settings = use_home(monkeypatch, tmp_path / "home")
    person = build_profile(END, DAYS, seed=9)
    start = END - (DAYS - 1) * DAY
    write_content_export(person, settings.volume("content_historical"), start, END - 2 * DAY, flavour="legacy")
    write_content_export(person, settings.volume("content_daily"), END - DAY, END - DAY, flavour="legacy")
    old = subprocess.run(
        [sys.executable, "-c", "from linkedin_assets.cli import main; raise SystemExit(main(['run']))"],
        cwd=release,
        env={**os.environ, "PYTHONPATH": str(release)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert old.returncode == 0, old.stdout[-3000:] + old.stderr[-3000:]
    lake = DeltaLake(settings.lake)
    assert "profile" not in lake.read("gold", "fct_daily_profile_statistics").schema.names  # the old layout

    write_content_export(person, settings.volume("content_daily"), END, END, flavour="2026")
    summary = run_pending(settings)
    assert summary.ok, summary

    for catalog, table in [
        *(("bronze", t.name) for t in ALL_TABLES if t.profiled),
        ("silver", "totals"),
        ("silver", "followers"),
        ("silver", "impressions"),
        ("silver", "posts"),
        ("gold", "fct_daily_profile_statistics"),
        ("gold", "fct_daily_post_statistics"),
    ]:
        stored = lake.read(catalog, table)
        if stored is None or stored.num_rows == 0:
            continue
        assert set(stored["profile"].to_pylist()) == {slug(person.name)}, f"{catalog}.{table}"
    facts = {r["analytics_date"]: r for r in gold(settings, "fct_daily_profile_statistics")}
    assert sorted(facts) == sorted(person.days)
    assert all(facts[d]["impressions"] == t.impressions for d, t in person.days.items())
