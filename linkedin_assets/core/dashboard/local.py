"""The local dashboard: gold tables -> $LINKEDIN_HOME/dashboard/index.html.

With several profiles in the lake, each has a page of its own (`profile-<key>.html`, the
same pages, from that profile's rows only), index.html is the team overview
(core/dashboard/team.py), and every page links to all the others. One profile:
index.html is its page, alone.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path
from urllib.parse import quote

from linkedin_assets.core.dashboard.render import ProfileLink, headline, write_dashboard, write_page
from linkedin_assets.core.dashboard.team import Member, render_team
from linkedin_assets.core.lake.protocol import ReadableLake

TABLES = ("fct_daily_profile_statistics", "fct_daily_post_statistics", "fct_post_statistics", "fct_latest_demographics")


def dashboard_path(home: Path) -> Path:
    """Where the dashboard is written under LINKEDIN_HOME."""
    return Path(home) / "dashboard" / "index.html"


def profile_page(home: Path, profile: str) -> Path:
    """One profile's page, beside index.html."""
    return dashboard_path(home).with_name(f"profile-{profile}.html")


def _rows(lake, table: str) -> list[dict]:
    rows = lake.read("gold", table)
    return rows.to_pylist() if rows is not None else []


def _names(tables: dict[str, list[dict]]) -> dict[str, str]:
    """Each profile's display name: the one its newest daily row carries (its posts' when it has no days)."""
    named: dict[str, tuple[str, str]] = {}
    for table in TABLES:
        for r in tables[table]:
            when = str(r.get("analytics_date") or "")
            if r["profile"] not in named or (table == TABLES[0] and when >= named[r["profile"]][0]):
                named[r["profile"]] = (when, r["profile_name"] or r["profile"])
    return {key: name for key, (_, name) in named.items()}


def write_local_dashboard(lake: ReadableLake, home: Path) -> dict:
    """Render gold into the HTML pages; their metadata (path, link, and each profile's name and headline numbers)."""
    tables = {t: _rows(lake, t) for t in TABLES}
    names = _names(tables)
    order = sorted(names, key=lambda key: (names[key].casefold(), key))
    by_profile: dict[str, dict[str, list[dict]]] = defaultdict(lambda: {t: [] for t in TABLES})
    for table, rows in tables.items():
        for r in rows:
            by_profile[r["profile"]][table].append(r)
    now = dt.datetime.now(dt.timezone.utc)
    index = dashboard_path(home)
    written = {"path": str(index), "url": index.as_uri()}
    if len(order) <= 1:
        mine = by_profile[order[0]] if order else {t: [] for t in TABLES}
        _write_profile(index, mine, now)
        named = {"profile": names[order[0]]} if order else {}
        return {**written, **named, **_numbers(mine[TABLES[0]])}

    def switch(current: str | None) -> list[ProfileLink]:
        team = ProfileLink("Team", quote(index.name), current is None)
        return [team] + [ProfileLink(names[p], quote(profile_page(home, p).name), p == current) for p in order]

    for p in order:
        _write_profile(profile_page(home, p), by_profile[p], now, names[p], switch(p))
    members = [Member(names[p], quote(profile_page(home, p).name), _headline(by_profile[p][TABLES[0]])) for p in order]
    write_page(index, render_team(members, switch(None), now))
    # Each profile's numbers apart: the metadata never sums several people's figures.
    summaries = [{"profile": names[p], **_numbers(by_profile[p][TABLES[0]])} for p in order]
    return {**written, "profiles": [names[p] for p in order], "by_profile": summaries}


def _write_profile(
    path: Path, mine: dict[str, list[dict]], now: dt.datetime, name: str | None = None, links=None
) -> None:
    write_dashboard(
        path,
        sorted(mine[TABLES[0]], key=lambda r: r["analytics_date"]),
        mine[TABLES[1]],
        now,
        post_stats=mine[TABLES[2]],
        demographic_rows=mine[TABLES[3]],
        profile=name,
        profiles=links or [],
    )


def _headline(daily_rows: list[dict]) -> dict:
    return headline(sorted(daily_rows, key=lambda r: r["analytics_date"]))


def _numbers(daily_rows: list[dict]) -> dict:
    """A profile's headline numbers, as metadata shows them."""
    numbers = {k: v for k, v in _headline(daily_rows).items() if v is not None}
    if "engagement_rate" in numbers:  # as a person reads it in the UI, not 0.0349999...
        numbers["engagement_rate"] = f"{numbers['engagement_rate']:.2%}"
    return numbers
