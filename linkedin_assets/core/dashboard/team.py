"""The team overview: with several profiles, index.html sets each one's headline numbers
beside the others', each linking to that profile's own page.

A plain table, no script: it is the page a team lead or an agency opens first, and it
reads the same numbers as each profile's Summary (render.headline).
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass

from linkedin_assets.core.dashboard.render import ProfileLink, generated_label, page_head, profile_switch

TITLE = "LinkedIn Statistics: team"


@dataclass(frozen=True)
class Member:
    name: str
    href: str  # the profile's page, relative and URL-quoted
    numbers: dict  # render.headline() of its daily rows


def _count(value) -> str:
    return f"{value:,}" if isinstance(value, int) else "–"


def _cells(numbers: dict) -> str:
    rate = numbers.get("engagement_rate")
    span = (
        f"{numbers['first_date']} to {numbers['last_date']}"
        if numbers.get("first_date") and numbers.get("last_date")
        else "–"
    )
    followers = numbers.get("latest_total_followers")
    cells = [
        (str(numbers.get("days", 0)), "num"),
        (span, "nowrap"),
        (_count(numbers.get("total_impressions")), "num"),
        (_count(numbers.get("total_engagements")), "num"),
        (f"{rate:.2%}" if isinstance(rate, float) else "–", "num"),
        (_count(numbers.get("total_new_followers")), "num"),
        (_count(followers), "num"),
        (html.escape(numbers.get("best_day") or "–"), "nowrap"),
    ]
    return "".join(f'<td class="{kind}">{html.escape(text) if kind == "num" else text}</td>' for text, kind in cells)


def render_team(members: list[Member], links: list[ProfileLink], generated_at: dt.datetime) -> str:
    """The overview page; `links`: the switch every page carries (this page's entry current)."""
    rows = "\n".join(
        f'<tr><th scope="row"><a class="member" href="{html.escape(m.href)}">{html.escape(m.name)}</a></th>'
        f"{_cells(m.numbers)}</tr>"
        for m in members
    )
    impressions = sum(m.numbers.get("total_impressions") or 0 for m in members)
    engagements = sum(m.numbers.get("total_engagements") or 0 for m in members)
    new_followers = sum(m.numbers.get("total_new_followers") or 0 for m in members)
    rate = f"{engagements / impressions:.2%}" if impressions else "–"
    # Impressions, engagements and new followers add up across people; days and followers do not.
    total = (
        f'<tr class="team-total"><th scope="row">Team</th><td class="num"></td><td></td>'
        f'<td class="num">{impressions:,}</td><td class="num">{engagements:,}</td><td class="num">{rate}</td>'
        f'<td class="num">{new_followers:,}</td><td class="num"></td><td></td></tr>'
    )
    return f"""<!DOCTYPE html>
<html lang="en">
{page_head(TITLE)}
<body>
<header class="topbar">
  <div class="brand"><span class="logo">in</span><h1>{html.escape(TITLE)}</h1></div>{profile_switch(links)}
  <div class="generated">Generated {generated_label(generated_at)}</div>
</header>
<main>
  <section class="page active" id="page-team">
    <div class="card">
      <div class="card-head"><h2>{len(members)} profiles</h2></div>
      <div class="table-wrap">
        <table class="data" id="team">
          <thead><tr><th>Profile</th><th class="num">Days</th><th>Dates</th><th class="num">Impressions</th>
          <th class="num">Engagements</th><th class="num">Engagement rate</th><th class="num">New followers</th>
          <th class="num">Followers</th><th>Best day</th></tr></thead>
          <tbody>
{rows}
          </tbody>
          <tfoot>{total}</tfoot>
        </table>
      </div>
    </div>
  </section>
</main>
</body>
</html>
"""
