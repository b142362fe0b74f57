"""Render the gold tables as one self-contained HTML dashboard ("LinkedIn Statistics").

The page works opened from disk with no network: the data is embedded as JSON, the
CSS and JS (``static/dashboard.css``, ``static/dashboard.js``) are inlined, and the
charts are drawn as SVG by the page's own small vanilla-JS code.

Python prepares a ready-to-draw model (aggregates, rankings, per-post and per-day
views) so the arithmetic is testable here; the JS only formats and draws.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import json
import os
import pathlib
import tempfile
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from linkedin_assets.core.dashboard.audience import demographics as audience_model
from linkedin_assets.core.dashboard.lifetime import by_post_id, lifetime, publish_time
from linkedin_assets.core.dashboard.periods import followers_every_day, mark_partial
from linkedin_assets.core.dashboard.posting_time import posting_time

__all__ = ["build_model", "headline", "render_dashboard", "write_dashboard"]

_STATIC = pathlib.Path(__file__).parent / "static"
_WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


# --------------------------------------------------------------------------- helpers


def _int(value: Any) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _date(value: Any) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


def _safe_url(url: Any) -> str | None:
    """Only https:// URLs may become links."""
    if not isinstance(url, str):
        return None
    url = url.strip()
    if not url.lower().startswith("https://"):
        return None
    if any(c in url for c in "\"'<>`\\ \t\r\n"):
        return None
    return url


def _sum(values: Iterable[int | None]) -> int:
    return sum(v for v in values if v is not None)


def _profile_days(profile_rows: list[dict]) -> list[dict]:
    """Profile rows with a date, sorted by date, one per date (last one wins)."""
    by_date: dict[dt.date, dict] = {}
    for row in profile_rows:
        d = _date(row.get("analytics_date"))
        if d is not None:
            by_date[d] = row
    return [{**by_date[d], "analytics_date": d} for d in sorted(by_date)]


# -------------------------------------------------------------------------- headline


def headline(profile_rows: list[dict]) -> dict:
    """Headline numbers of the profile table (also used as Dagster metadata)."""
    days = _profile_days(profile_rows)
    total_impressions = _sum(_int(r.get("impressions")) for r in days)
    total_engagements = _sum(_int(r.get("engagements")) for r in days)
    total_new_followers = _sum(_int(r.get("new_followers")) for r in days)
    latest_total_followers = None
    latest_total_followers_date = None
    for r in reversed(days):
        tf = _int(r.get("total_followers"))
        if tf is not None:
            latest_total_followers = tf
            latest_total_followers_date = r["analytics_date"].isoformat()
            break
    with_impr = [r for r in days if _int(r.get("impressions")) is not None]
    best = max(with_impr, key=lambda r: (_int(r["impressions"]), r["analytics_date"]), default=None)
    worst = min(with_impr, key=lambda r: (_int(r["impressions"]), r["analytics_date"]), default=None)
    return {
        "total_impressions": total_impressions,
        "total_engagements": total_engagements,
        "total_new_followers": total_new_followers,
        "latest_total_followers": latest_total_followers,
        "latest_total_followers_date": latest_total_followers_date,
        "engagement_rate": (total_engagements / total_impressions) if total_impressions else None,
        "days": len(days),
        "first_date": days[0]["analytics_date"].isoformat() if days else None,
        "last_date": days[-1]["analytics_date"].isoformat() if days else None,
        "best_day": best["analytics_date"].isoformat() if best else None,
        "worst_day": worst["analytics_date"].isoformat() if worst else None,
    }


# ----------------------------------------------------------------------------- model


def _profile_point(r: dict) -> dict:
    return {
        "date": r["analytics_date"].isoformat(),
        "impressions": _int(r.get("impressions")),
        "engagements": _int(r.get("engagements")),
        "new_followers": _int(r.get("new_followers")),
        "members_reached": _int(r.get("members_reached")),
        "total_followers": _int(r.get("total_followers")),
        "change_in_impressions": _int(r.get("change_in_impressions")),
        "change_in_engagements": _int(r.get("change_in_engagements")),
    }


def _aggregate(days: list[dict], key) -> list[dict]:
    buckets: dict[str, dict] = {}
    for r in days:
        k = key(r["analytics_date"])
        b = buckets.setdefault(
            k, {"period": k, "impressions": None, "engagements": None, "new_followers": None, "days": 0}
        )
        for col in ("impressions", "engagements", "new_followers"):
            v = _int(r.get(col))
            if v is not None:  # a bucket stays None when none of its days know the value
                b[col] = (b[col] or 0) + v
        b["days"] += 1
    return [buckets[k] for k in sorted(buckets)]


def _rate(engagements: int | None, impressions: int | None) -> float | None:
    return engagements / impressions if impressions and engagements is not None else None


def _post_row(r: dict) -> dict:
    d = _date(r.get("analytics_date"))
    impressions, engagements = _int(r.get("impressions")), _int(r.get("engagements"))
    return {
        "date": d.isoformat() if d else None,
        "impressions": impressions,
        "engagements": engagements,
        "engagement_rate": _rate(engagements, impressions),
        "days_since_post": _int(r.get("days_since_post")),
        "change_in_impressions": _int(r.get("change_in_impressions")),
        "change_in_engagements": _int(r.get("change_in_engagements")),
    }


def _new_post(post_id: str) -> dict:
    return {
        "post_id": post_id,
        "title": None,
        "url": None,
        "publish_date": None,
        "publish_timestamp": None,
        "history": [],
        "_last": None,
    }


def _add_post_statistics(posts: dict[str, dict], post_stats: list[dict]) -> None:
    """Each post's lifetime figures and local publish time; posts only a single-post export knows join the list."""
    stats = by_post_id(post_stats)
    for post_id, row in stats.items():
        if post_id not in posts:
            post = posts[post_id] = _new_post(post_id)
            post["title"] = row.get("title")
            post["url"] = _safe_url(row.get("post_url"))
            post["publish_date"] = _iso(_date(row.get("post_publish_date")))
    for post_id, post in posts.items():
        row = stats.get(post_id, {})
        post["lifetime"] = lifetime(row)
        post["publish_time"] = publish_time(row)
        if post["publish_timestamp"] is None:
            post["publish_timestamp"] = _iso(row.get("post_publish_timestamp"))


def build_model(
    profile_rows: list[dict],
    post_rows: list[dict],
    post_stats: list[dict] | None = None,
    demographic_rows: list[dict] | None = None,
) -> dict:
    """Everything the page draws, as JSON-ready plain data.

    `post_stats`: gold fct_post_statistics rows; `demographic_rows`: gold
    fct_latest_demographics rows (either may be absent: those parts show as unknown).
    """
    days = _profile_days(profile_rows)
    head = headline(profile_rows)
    daily = [_profile_point(r) for r in days]

    ranked_days = sorted(
        (p for p in daily if p["impressions"] is not None),
        key=lambda p: (-p["impressions"], p["date"]),
    )
    best_days = ranked_days[:5]
    worst_days = sorted(ranked_days, key=lambda p: (p["impressions"], p["date"]))[:5]

    weekday_sum = [0] * 7
    weekday_n = [0] * 7
    for p, r in zip(daily, days):
        if p["impressions"] is not None:
            wd = r["analytics_date"].weekday()
            weekday_sum[wd] += p["impressions"]
            weekday_n[wd] += 1
    weekdays = [
        {
            "weekday": _WEEKDAYS[i],
            "avg_impressions": (weekday_sum[i] / weekday_n[i]) if weekday_n[i] else None,
            "days": weekday_n[i],
        }
        for i in range(7)
    ]

    weekly = mark_partial(_aggregate(days, lambda d: (d - dt.timedelta(days=d.weekday())).isoformat()), weekly=True)
    monthly = mark_partial(_aggregate(days, lambda d: f"{d.year:04d}-{d.month:02d}"), weekly=False)
    followers = followers_every_day(daily)

    # posts: metadata from the latest row that has it, history sorted by date
    posts: dict[str, dict] = {}
    by_day: dict[str, list[dict]] = defaultdict(list)
    for r in post_rows:
        row_type = r.get("row_type") or "post"
        post_id = r.get("post_id")
        d = _date(r.get("analytics_date"))
        if d is None:
            continue
        if row_type != "post":
            post_id = row_type
        if post_id is None:
            post_id = r.get("post_url") or "unknown"
        post_id = str(post_id)
        day_row = {
            "row_type": row_type,
            "post_id": post_id,
            "title": r.get("title"),
            "url": _safe_url(r.get("post_url")) if row_type == "post" else None,
            "impressions": _int(r.get("impressions")),
            "engagements": _int(r.get("engagements")),
            "days_since_post": _int(r.get("days_since_post")),
        }
        by_day[d.isoformat()].append(day_row)
        if row_type != "post":
            continue
        post = posts.setdefault(post_id, _new_post(post_id))
        post["history"].append(_post_row(r))
        newer = post["_last"] is None or d >= post["_last"]
        for key, value in (
            ("title", r.get("title")),
            ("url", _safe_url(r.get("post_url"))),
            ("publish_date", _iso(_date(r.get("post_publish_date")))),
            ("publish_timestamp", _iso(r.get("post_publish_timestamp"))),
        ):
            if value is not None and (newer or post[key] is None):
                post[key] = value
        if newer:
            post["_last"] = d

    _add_post_statistics(posts, post_stats or [])
    post_list = []
    for post in posts.values():
        post.pop("_last")
        post["history"].sort(key=lambda h: h["date"])
        post["impressions"] = _sum(h["impressions"] for h in post["history"])
        post["engagements"] = _sum(h["engagements"] for h in post["history"])
        post["has_engagements"] = any(h["engagements"] is not None for h in post["history"])
        post["engagement_rate"] = _rate(post["engagements"] if post["has_engagements"] else None, post["impressions"])
        post["days"] = len(post["history"])
        if not post["title"]:
            post["title"] = f"(untitled post {post['post_id']})"
        post_list.append(post)
    post_list.sort(key=lambda p: (-p["impressions"], -p["engagements"], p["title"], p["post_id"]))

    order = {"post": 0, "others": 1, "total": 2}
    post_days = {}
    for day, rows in sorted(by_day.items()):
        for row in rows:
            if not row["title"]:
                row["title"] = {"others": "Others", "total": "Total"}.get(
                    row["row_type"], posts.get(row["post_id"], {}).get("title") or row["post_id"]
                )
        rows.sort(key=lambda x: (order.get(x["row_type"], 0), -(x["impressions"] or 0), x["title"]))
        post_days[day] = rows

    all_dates = sorted(set(p["date"] for p in daily) | set(post_days))
    return {
        "headline": head,
        "daily": daily,
        "best_days": best_days,
        "worst_days": worst_days,
        "weekdays": weekdays,
        "posts": post_list,
        "weekly": weekly,
        "monthly": monthly,
        "followers": followers,
        "profile_by_date": {p["date"]: p for p in daily},
        "post_days": post_days,
        "dates": all_dates,
        "demographics": audience_model(demographic_rows or []),
        "posting_time": posting_time(post_list),
    }


# ---------------------------------------------------------------------------- render


def _json_for_script(data: Any) -> str:
    """JSON that is safe inside a <script> element (no '</', '<!--', ']]>' or U+2028)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=_iso)
    return (
        text.replace("&", "\\u0026")
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def _read_static(name: str) -> str:
    return (_STATIC / name).read_text(encoding="utf-8")


def _inline_safe(code: str, tag: str) -> str:
    # our own static files; guard against accidentally closing the element anyway
    return code.replace(f"</{tag}", f"<\\/{tag}")


@dataclass(frozen=True)
class ProfileLink:
    """One entry of the profile switch: another profile's page (see dashboard/local.py)."""

    name: str
    href: str  # relative to the page, URL-quoted
    current: bool


def page_head(title: str) -> str:
    """A page's <head>: its title and the dashboard's stylesheet, inlined."""
    css = _inline_safe(_read_static("dashboard.css"), "style")
    return f"""<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<title>{html.escape(title)}</title>
<style>
{css}
</style>
</head>"""


def generated_label(generated_at: dt.datetime) -> str:
    return html.escape(
        generated_at.strftime("%Y-%m-%d %H:%M %Z").strip()
        if isinstance(generated_at, dt.datetime)
        else str(generated_at)
    )


def profile_switch(links: list[ProfileLink]) -> str:
    if not links:
        return ""
    items = []
    for link in links:
        marked = ' class="profile active" aria-current="page"' if link.current else ' class="profile"'
        items.append(f'<a{marked} href="{html.escape(link.href)}">{html.escape(link.name)}</a>')
    return f'\n  <nav class="profiles" aria-label="Profiles">{"".join(items)}</nav>'


def render_dashboard(
    profile_rows: list[dict],
    post_rows: list[dict],
    generated_at: dt.datetime,
    title: str = "LinkedIn Statistics",
    post_stats: list[dict] | None = None,
    demographic_rows: list[dict] | None = None,
    profile: str | None = None,
    profiles: list[ProfileLink] | None = None,
) -> str:
    """The whole dashboard as one self-contained HTML document; `profile`: whose it is, when the
    lake holds several (`profiles`: the switch to the others' pages)."""
    model = build_model(profile_rows, post_rows, post_stats, demographic_rows)
    title = f"{title}: {profile}" if profile else title
    model["title"] = title
    model["profile"] = profile
    model["generated_at"] = _iso(generated_at)
    js = _inline_safe(_read_static("dashboard.js"), "script")
    t = html.escape(title)
    gen = generated_label(generated_at)
    return f"""<!DOCTYPE html>
<html lang="en">
{page_head(title)}
<body>
<header class="topbar">
  <div class="brand"><span class="logo">in</span><h1>{t}</h1></div>{profile_switch(profiles or [])}
  <nav class="tabs" role="tablist">
    <button type="button" class="tab" role="tab" data-tab="summary">Summary</button>
    <button type="button" class="tab" role="tab" data-tab="post">By post</button>
    <button type="button" class="tab" role="tab" data-tab="day">By day</button>
    <button type="button" class="tab" role="tab" data-tab="history">Historical</button>
    <button type="button" class="tab" role="tab" data-tab="audience">Audience</button>
    <button type="button" class="tab" role="tab" data-tab="timing">Posting time</button>
  </nav>
  <div class="generated">Generated {gen}</div>
</header>
<div id="error" class="error" role="alert"></div>
<main>
  <section class="page" id="page-summary" data-page="summary"></section>
  <section class="page" id="page-post" data-page="post"></section>
  <section class="page" id="page-day" data-page="day"></section>
  <section class="page" id="page-history" data-page="history"></section>
  <section class="page" id="page-audience" data-page="audience"></section>
  <section class="page" id="page-timing" data-page="timing"></section>
  <noscript><p class="empty">This dashboard needs JavaScript to draw its charts.</p></noscript>
</main>
<script type="application/json" id="data">{_json_for_script(model)}</script>
<script>
{js}
</script>
</body>
</html>
"""


def write_dashboard(
    path: pathlib.Path,
    profile_rows: list[dict],
    post_rows: list[dict],
    generated_at: dt.datetime,
    post_stats: list[dict] | None = None,
    demographic_rows: list[dict] | None = None,
    profile: str | None = None,
    profiles: list[ProfileLink] | None = None,
) -> pathlib.Path:
    """Render and write atomically (temp file in the same folder, then os.replace)."""
    text = render_dashboard(
        profile_rows,
        post_rows,
        generated_at,
        post_stats=post_stats,
        demographic_rows=demographic_rows,
        profile=profile,
        profiles=profiles,
    )
    return write_page(path, text)


def write_page(path: pathlib.Path, text: str) -> pathlib.Path:
    """Write one page atomically: a reader sees the old page or the new one, never half of one."""
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return path
