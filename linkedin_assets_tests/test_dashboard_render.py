"""The HTML dashboard: headline numbers, escaping, empty/null data, and a real
headless-Chromium render of every page (skipped when Chromium is not installed)."""

from __future__ import annotations

import datetime as dt
import json
import os
import pathlib
import re
import shutil
import subprocess
from html.parser import HTMLParser

import pytest

from linkedin_assets.core.dashboard.periods import followers_every_day
from linkedin_assets.core.dashboard.render import (
    build_model,
    headline,
    render_dashboard,
    write_dashboard,
)

GENERATED_AT = dt.datetime(2024, 3, 5, 7, 30, tzinfo=dt.timezone.utc)
EVIL = "</script><img src=x onerror=alert(1)>"
CHARTS = {
    "summary": ["daily", "weekday"],
    "post": ["post-daily"],
    "day": ["day-posts"],
    "history": ["weekly", "weekly-followers", "monthly", "monthly-followers", "total-followers"],
    "timing": ["timing-weekday", "timing-weekday-rate", "timing-hour", "timing-hour-rate"],
}


# ------------------------------------------------------------------ synthetic data


def synthetic(days: int = 60, start: dt.date = dt.date(2024, 1, 1)):
    """A profile table and a post table over `days` days with several posts,
    others/total rows per day and the nulls the gold tables can hold."""
    profile, posts = [], []
    post_defs = [
        ("p1", "Shipping a lakehouse with Dagster & Delta", 0, 900),
        ("p2", "Ten lessons from a year of data engineering", 12, 1400),
        ("p3", EVIL, 25, 600),
        ("p4", "Why I stopped writing notebooks", 40, 2100),
        ("p5", None, 50, 300),  # no title: falls back to a label
    ]
    prev_impr = prev_eng = None
    followers = 1200
    prev_post: dict[str, tuple] = {}
    for i in range(days):
        day = start + dt.timedelta(days=i)
        weekday_boost = 1.4 if day.weekday() < 5 else 0.7
        post_impr_sum = post_eng_sum = 0
        day_posts = []
        for pid, title, offset, peak in post_defs:
            age = i - offset
            if age < 0 or age > 20:
                continue
            impr = int(peak * weekday_boost / (1 + age * 0.6)) + 5
            eng = None if (pid == "p4" and age % 3 == 1) else max(1, impr // 25)
            url = f"https://www.linkedin.com/feed/update/urn:li:activity:{pid}"
            if pid == "p5":
                url = "javascript:alert(1)"  # never becomes a link
            pi, pe = prev_post.get(pid, (None, None))
            day_posts.append(
                {
                    "row_type": "post",
                    "post_id": pid,
                    "post_url": url,
                    "analytics_date": day,
                    "post_publish_date": start + dt.timedelta(days=offset),
                    "post_publish_timestamp": dt.datetime.combine(
                        start + dt.timedelta(days=offset), dt.time(8, 15), tzinfo=dt.timezone.utc
                    ),
                    "impressions": impr,
                    "engagements": eng,
                    "days_since_post": age,
                    "change_in_impressions": None if pi is None else impr - pi,
                    "change_in_engagements": None if pe is None or eng is None else eng - pe,
                    "title": title,
                    "content": f"Body of {pid}",
                }
            )
            prev_post[pid] = (impr, eng)
            post_impr_sum += impr
            post_eng_sum += eng or 0
        impressions = post_impr_sum + 150 + (i * 7) % 90
        engagements = post_eng_sum + 4 + i % 6
        new_followers = None if i % 17 == 3 else (i * 3) % 11
        followers += new_followers or 0
        profile.append(
            {
                "analytics_date": day,
                "impressions": impressions,
                "engagements": engagements,
                "new_followers": new_followers,
                "members_reached": None if i % 5 == 0 else impressions // 2,
                "total_followers": followers if i % 7 in (0, 3) else None,
                "change_in_impressions": None if prev_impr is None else impressions - prev_impr,
                "change_in_engagements": None if prev_eng is None else engagements - prev_eng,
            }
        )
        prev_impr, prev_eng = impressions, engagements
        special = []
        for row_type, impr, eng, label in (
            ("others", impressions - post_impr_sum, engagements - post_eng_sum, "Others"),
            ("total", impressions, engagements, "Total"),
        ):
            special.append(
                {
                    "row_type": row_type,
                    "post_id": row_type,
                    "post_url": None,
                    "analytics_date": day,
                    "post_publish_date": None,
                    "post_publish_timestamp": None,
                    "impressions": impr,
                    "engagements": eng,
                    "days_since_post": None,
                    "change_in_impressions": None,
                    "change_in_engagements": None,
                    "title": label,
                    "content": None,
                }
            )
        posts.extend(day_posts + special)
    return profile, posts


def synthetic_extras(posts: list[dict]) -> tuple[list[dict], list[dict]]:
    """gold fct_post_statistics rows for the synthetic posts (p5 without a single-post
    export) and fct_latest_demographics rows, a hostile value among them."""
    stats = []
    for i, pid in enumerate(sorted({r["post_id"] for r in posts if r["row_type"] == "post"})):
        exported = pid != "p5"
        stats.append(
            {
                "post_id": pid,
                "post_url": f"https://www.linkedin.com/feed/update/urn:li:activity:{pid}",
                "title": None,
                "publish_weekday_local": ["Monday", "Tuesday", "Friday"][i % 3] if exported else None,
                "publish_hour_local": 8 + i if exported else None,
                "reporting_time_zone": "Europe/Paris",
                "lifetime_as_of_date": dt.date(2024, 3, 1) if exported else None,
                "impressions": 1000 * (i + 1) if exported else None,
                "members_reached": 700 * (i + 1) if exported else None,
                "reactions": 30 + i,
                "comments": 4,
                "reposts": 1,
                "saves": 2,
                "sends_on_linkedin": None,  # not stated by every generation: left out, not 0
                "profile_viewers": 5,
                "followers_gained": 1,
                "engagements": 37 + i if exported else None,
            }
        )
    demographics = [
        {
            "demographic_type": kind,
            "category": category,
            "value": value,
            "percentage": pct,
            "below_one_percent": pct is None,
            "rank": rank,
            "period_start": dt.date(2024, 2, 1),
            "period_end": dt.date(2024, 2, 29),
            "source_file": "content_historical/x.xlsx",
        }
        for kind in ("audience", "content")
        for category in ("Job titles", "Locations")
        for rank, (value, pct) in enumerate([("Data Engineer", 0.31), (EVIL, 0.07), ("Founder", None)], start=1)
    ]
    return stats, demographics


def embedded_data(page: str) -> dict:
    m = re.search(r'<script type="application/json" id="data">(.*?)</script>', page, re.S)
    assert m, "data block missing"
    return json.loads(m.group(1))


# ------------------------------------------------------------------------ headline


def test_headline_numbers():
    profile = [
        {
            "analytics_date": dt.date(2024, 1, 2),
            "impressions": 300,
            "engagements": 12,
            "new_followers": 3,
            "total_followers": 1000,
        },
        {
            "analytics_date": dt.date(2024, 1, 1),
            "impressions": 100,
            "engagements": 5,
            "new_followers": None,
            "total_followers": None,
        },
        {
            "analytics_date": dt.date(2024, 1, 3),
            "impressions": 50,
            "engagements": None,
            "new_followers": 2,
            "total_followers": None,
        },
    ]
    h = headline(profile)
    assert h["total_impressions"] == 450
    assert h["total_engagements"] == 17
    assert h["total_new_followers"] == 5
    assert h["latest_total_followers"] == 1000  # latest *known* value
    assert h["days"] == 3
    assert (h["first_date"], h["last_date"]) == ("2024-01-01", "2024-01-03")
    assert (h["best_day"], h["worst_day"]) == ("2024-01-02", "2024-01-03")
    assert h["engagement_rate"] == pytest.approx(17 / 450)


def test_headline_empty():
    h = headline([])
    assert h["total_impressions"] == 0 and h["days"] == 0
    assert h["latest_total_followers"] is None
    assert h["first_date"] is h["last_date"] is h["best_day"] is h["worst_day"] is None
    assert h["engagement_rate"] is None
    json.dumps(h)  # usable as metadata


# -------------------------------------------------------------------------- render


def test_render_escapes_malicious_title_and_url():
    profile = [
        {
            "analytics_date": dt.date(2024, 1, 1),
            "impressions": 10,
            "engagements": 1,
            "new_followers": 0,
            "total_followers": None,
        }
    ]
    posts = [
        {
            "row_type": "post",
            "post_id": "x",
            "post_url": "javascript:alert(1)",
            "analytics_date": dt.date(2024, 1, 1),
            "post_publish_date": dt.date(2024, 1, 1),
            "impressions": 10,
            "engagements": None,
            "days_since_post": 0,
            "title": EVIL,
        },
        {
            "row_type": "post",
            "post_id": "y",
            "post_url": 'https://ok.example/"><b>',
            "analytics_date": dt.date(2024, 1, 1),
            "impressions": 3,
            "engagements": 1,
            "days_since_post": None,
            "title": "fine",
        },
    ]
    page = render_dashboard(profile, posts, GENERATED_AT, title="<b>Stats</b> & co")
    # the raw payload never appears; exactly one closing tag per script element
    assert EVIL not in page
    assert "<img" not in page
    assert page.count("</script>") == 2
    assert "<title>&lt;b&gt;Stats&lt;/b&gt; &amp; co</title>" in page
    data = embedded_data(page)
    by_id = {p["post_id"]: p for p in data["posts"]}
    assert by_id["x"]["title"] == EVIL  # intact as data, shown with textContent
    assert by_id["x"]["url"] is None  # not https
    assert by_id["y"]["url"] is None  # https but with quote/angle characters
    assert data["title"] == "<b>Stats</b> & co"
    # no network: nothing external is referenced
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)


def test_render_empty_input():
    page = render_dashboard([], [], GENERATED_AT)
    assert page.startswith("<!DOCTYPE html>")
    data = embedded_data(page)
    assert data["daily"] == [] and data["posts"] == [] and data["dates"] == []
    assert data["headline"]["days"] == 0


def test_render_nulls_and_model():
    profile, posts = synthetic(days=60)
    profile[4]["impressions"] = None  # tolerated
    model = build_model(profile, posts)
    assert len(model["daily"]) == 60
    assert [w["weekday"] for w in model["weekdays"]] == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    ranking = [p["impressions"] for p in model["posts"]]
    assert ranking == sorted(ranking, reverse=True)
    assert all(p["post_id"] not in ("others", "total") for p in model["posts"])
    untitled = [p for p in model["posts"] if p["post_id"] == "p5"]
    assert untitled and untitled[0]["title"].startswith("(untitled")
    day_rows = model["post_days"]["2024-01-10"]
    assert [r["row_type"] for r in day_rows][-2:] == ["others", "total"]
    total = next(r for r in day_rows if r["row_type"] == "total")
    assert sum(r["impressions"] for r in day_rows if r["row_type"] != "total") == total["impressions"]
    assert sum(w["impressions"] for w in model["weekly"]) == sum(m["impressions"] for m in model["monthly"])
    assert all(f["total_followers"] is not None for f in model["followers"])
    render_dashboard(profile, posts, GENERATED_AT)  # does not raise


def test_model_of_lifetime_figures_audience_and_posting_time():
    profile, posts = synthetic(days=60)
    stats, demographics = synthetic_extras(posts)
    model = build_model(profile, posts, stats, demographics)
    by_id = {p["post_id"]: p for p in model["posts"]}
    assert by_id["p5"]["lifetime"] is None and by_id["p5"]["publish_time"] is None
    life = by_id["p1"]["lifetime"]
    assert (life["as_of"], life["reactions"], life["sends_on_linkedin"]) == ("2024-03-01", 30, None)
    assert life["engagement_rate"] == pytest.approx(37 / 1000)
    timing = model["posting_time"]
    assert (timing["posts_counted"], timing["posts_total"], timing["time_zone"]) == (4, 5, "Europe/Paris")
    monday = next(b for b in timing["weekdays"] if b["label"] == "Monday")
    # p1 (i=0) and p4 (i=3): 1000 and 4000 impressions, 37 and 40 engagements
    assert (monday["posts"], monday["avg_impressions"], monday["avg_engagements"]) == (2, 2500, 38.5)
    assert monday["engagement_rate"] == pytest.approx(77 / 5000)
    assert [k["type"] for k in model["demographics"]] == ["audience", "content"]
    titles = model["demographics"][0]["categories"][0]
    assert titles["category"] == "Job titles"
    assert [v["value"] for v in titles["values"]] == ["Data Engineer", EVIL, "Founder"]
    assert titles["values"][2] == {"value": "Founder", "percentage": None, "below_one_percent": True}


def test_partial_periods_and_derived_followers():
    def day(d, new, total=None):
        return {"date": d, "new_followers": new, "total_followers": total}

    daily = [
        day("2024-01-01", 2),
        day("2024-01-02", 3),
        day("2024-01-03", 1, 100),
        day("2024-01-04", 4),
        day("2024-01-05", None),  # unknown: the chain breaks here ...
        day("2024-01-06", 5),
        day("2024-01-08", 1),  # ... and at the missing 7th
        day("2024-01-09", 2, 130),
    ]
    got = {f["date"]: (f["total_followers"], f["derived"]) for f in followers_every_day(daily)}
    assert got == {
        "2024-01-01": (96, True),  # 99 - 3
        "2024-01-02": (99, True),  # 100 - 1
        "2024-01-03": (100, False),
        "2024-01-04": (104, True),
        "2024-01-08": (128, True),  # 130 - 2
        "2024-01-09": (130, False),
    }
    profile, posts = synthetic(days=60)  # Mon 1 Jan .. Thu 29 Feb 2024
    model = build_model(profile, posts)
    assert [(w["days"], w["partial"]) for w in model["weekly"]][-1] == (4, True)
    assert all(not w["partial"] for w in model["weekly"][:-1])
    assert [(m["period"], m["full_days"], m["partial"]) for m in model["monthly"]] == [
        ("2024-01", 31, False),
        ("2024-02", 29, False),
    ]


def test_write_dashboard_atomic(tmp_path):
    profile, posts = synthetic(days=5)
    target = tmp_path / "site" / "index.html"
    assert write_dashboard(target, profile, posts, GENERATED_AT) == target
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    write_dashboard(target, [], [], GENERATED_AT)  # overwrite
    assert [p.name for p in target.parent.iterdir()] == ["index.html"]  # no temp files left


# ------------------------------------------------------------------ headless browser


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found and os.path.exists("/usr/bin/chromium"):
        found = "/usr/bin/chromium"
    if not found:
        pytest.skip("Chromium not installed: apt-get install chromium")
    return found


def _run_chromium(binary: str, profile_dir: pathlib.Path, *args: str) -> subprocess.CompletedProcess:
    cmd = [
        binary,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile_dir}",
        "--virtual-time-budget=5000",
        *args,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)


class _DomScan(HTMLParser):
    """Collects body attributes, #error text, every <svg data-chart> with the
    marks inside it, and the visible text."""

    MARKS = ("path", "rect", "circle", "line")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.body: dict = {}
        self.charts: dict[str, dict] = {}
        self.text: list[str] = []
        self.error_text: list[str] = []
        self._chart: str | None = None
        self._chart_depth = 0
        self._in_error = 0
        self._skip = 0
        self.tags: dict[str, int] = {}
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags[tag] = self.tags.get(tag, 0) + 1
        if tag == "a" and a.get("href"):
            self.hrefs.append(a["href"])
        if tag == "body":
            self.body = a
        if tag in ("script", "style"):
            self._skip += 1
        if self._in_error:
            self._in_error += 1
        elif a.get("id") == "error":
            self._in_error = 1
        if tag == "svg" and "data-chart" in a:
            self._chart = a["data-chart"]
            self._chart_depth = 1
            self.charts[self._chart] = {"empty": a.get("data-empty") == "1", **{m: 0 for m in self.MARKS}}
        elif self._chart:
            self._chart_depth += 1
            if tag in self.MARKS:
                self.charts[self._chart][tag] += 1

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        if self._in_error:
            self._in_error -= 1
        if self._chart:
            self._chart_depth -= 1
            if self._chart_depth == 0:
                self._chart = None

    def handle_data(self, data):
        if self._skip:
            return
        if self._in_error:
            self.error_text.append(data)
        self.text.append(data)


@pytest.mark.slow
def test_dashboard_renders_in_headless_chromium(tmp_path):
    binary = _chromium()
    profile, posts = synthetic(days=60)
    stats, demographics = synthetic_extras(posts)
    page = write_dashboard(tmp_path / "index.html", profile, posts, GENERATED_AT, stats, demographics)
    url = page.resolve().as_uri()

    result = _run_chromium(binary, tmp_path / "chrome-profile", "--dump-dom", url)
    assert result.returncode == 0, result.stderr[-2000:]
    dom = result.stdout
    scan = _DomScan()
    scan.feed(dom)
    scan.close()

    assert scan.body.get("data-ready") == "1", "page did not finish rendering"
    assert "".join(scan.error_text).strip() == ""

    for tab, names in CHARTS.items():
        for name in names:
            chart = scan.charts.get(name)
            assert chart is not None, f"{tab}: chart {name!r} missing"
            assert not chart["empty"], f"{tab}: chart {name!r} drawn as empty"
            marks = chart["path"] + chart["rect"] + chart["circle"]
            assert marks >= 1, f"{tab}: chart {name!r} has no marks: {chart}"
    charts = scan.charts
    assert charts["daily"]["path"] >= 2 and charts["daily"]["circle"] >= 100  # two series
    assert charts["weekday"]["rect"] >= 7  # Mon..Sun bars
    assert charts["post-daily"]["path"] >= 2
    assert charts["day-posts"]["rect"] >= 2 * 3  # 2 panels x (posts + others + total)
    assert charts["weekly"]["rect"] >= 2 * 9 and charts["weekly-followers"]["rect"] >= 8
    assert charts["monthly"]["rect"] >= 2 * 2 and charts["monthly-followers"]["rect"] >= 2
    assert charts["total-followers"]["path"] >= 1 and charts["total-followers"]["circle"] >= 10
    assert charts["timing-weekday"]["rect"] >= 2 * 3 and charts["timing-hour"]["rect"] >= 2 * 4
    for kind in ("audience", "content"):
        for category in ("job-titles", "locations"):
            assert charts[f"demographics-{kind}-{category}"]["rect"] >= 2  # "< 1%" has no bar

    text = " ".join(scan.text)
    h = headline(profile)
    for key in ("total_impressions", "total_engagements", "total_new_followers", "latest_total_followers"):
        assert f"{h[key]:,}" in text, key
    assert "Shipping a lakehouse with Dagster" in text
    assert EVIL in text  # shown as text, never as markup:
    assert scan.tags.get("img", 0) == 0
    assert not any(h.lower().startswith("javascript:") for h in scan.hrefs)

    shot = tmp_path / "dashboard.png"
    result = _run_chromium(
        binary,
        tmp_path / "chrome-profile-2",
        f"--screenshot={shot}",
        "--window-size=1400,1000",
        "--hide-scrollbars",
        url,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert shot.exists() and shot.stat().st_size > 20_000
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.slow
def test_empty_dashboard_renders_in_headless_chromium(tmp_path):
    binary = _chromium()
    page = write_dashboard(tmp_path / "index.html", [], [], GENERATED_AT)
    result = _run_chromium(binary, tmp_path / "chrome-profile", "--dump-dom", page.resolve().as_uri())
    assert result.returncode == 0, result.stderr[-2000:]
    scan = _DomScan()
    scan.feed(result.stdout)
    assert scan.body.get("data-ready") == "1"
    assert "".join(scan.error_text).strip() == ""
    for names in [*CHARTS.values(), ["demographics"]]:
        for name in names:
            assert scan.charts.get(name, {}).get("empty"), name
