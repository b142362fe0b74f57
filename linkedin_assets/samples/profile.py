"""A synthetic LinkedIn creator profile: the known truth behind the sample exports.

Everything is derived from one seed, so a test can rebuild the same profile and
compare pipeline outputs with it. The numbers are shaped like real ones: posts
peak the day after publishing and decay with a long tail, the day's totals include
impressions of things that are not listed posts ("others"), and small posts show up
on one side of the top-posts lists only.

The quirks of real exports (LINKEDIN_EXPORTS.md section 4) are in the truth too:
- post URLs in three forms: `/feed/update/urn:li:activity:<id>` (legacy),
  `/posts/<slug>_<words>-<kind>-<id>-<4 chars>` and the same without words;
- one post published one to two years before the profile starts that still draws
  a trickle of impressions every day;
- correction days: LinkedIn publishes corrections as a negative day total
  (`CORRECTION_ENGAGEMENTS` engagements on every day where
  `day.toordinal() % CORRECTION_PERIOD == CORRECTION_PHASE`, so any window of
  `CORRECTION_PERIOD` days holds exactly one). The listed posts keep their positive
  values; the "others" part carries the correction and is negative on those days;
- two demographics lists: the audience (`demographics`) and the content's viewers
  (`content_demographics`, the 2026-08 CONTENT DEMOGRAPHICS sheet);
- `earlier_download()`: what an earlier download of a window showed, with past days
  revised up and down and a partial last day. The profile itself is the truth: the
  newest download's values.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import random
import re
import string
import unicodedata
from dataclasses import dataclass, field

from linkedin_assets.core.exports.model import DEMOGRAPHIC_CATEGORIES, POST_METRICS, Demographic

TOP_POSTS_LIMIT = 50  # LinkedIn lists at most 50 posts per side
METRICS = ("impressions", "engagements")
URL_KINDS = ("activity", "activity", "activity", "activity", "ugcPost", "share")
# A post's URL form, by its index in publishing order (cycled): "words" is
# /posts/<slug>_<words>-<kind>-<id>-<tail>, "bare" the same without words (always a
# share), "feed" the legacy /feed/update/urn:li:activity:<id>.
URL_STYLES = ("words", "feed", "words", "bare", "words", "words")

# Correction days: one in every CORRECTION_PERIOD consecutive days (2026-10-27 is one).
CORRECTION_PERIOD = 23
CORRECTION_PHASE = 6
CORRECTION_ENGAGEMENTS = -2


_OPENERS = (
    "Why",
    "How we fixed",
    "Lessons from",
    "What I learned about",
    "Three myths about",
    "Stop ignoring",
    "A short thread on",
    "Notes on",
)
_TOPICS = (
    "data contracts",
    "Spark joins at scale",
    "Delta Lake time travel",
    "medallion architectures",
    "incremental models",
    "late-arriving data",
    "Dagster partitions",
    "schema evolution",
    "idempotent pipelines",
    "the analytical engine",
    "café-grade data quality",  # non-ASCII on purpose: slugs and CSVs must cope
    "small files in the lake",
    "backfills that don't hurt",
)
_DEMOGRAPHIC_VALUES = {
    "Job titles": (
        "Data Engineer",
        "Software Engineer",
        "Data Scientist",
        "Analytics Engineer",
        "Engineering Manager",
        "Product Manager",
        "Founder",
        "Mathematician",
    ),
    "Locations": (
        "Greater London",
        "Paris, Île-de-France, France",
        "Berlin Metropolitan Area",
        "San Francisco Bay Area",
        "New York City Metropolitan Area",
        "Bengaluru, Karnataka, India",
        "Amsterdam Area",
    ),
    "Industries": (
        "Software Development",
        "IT Services and IT Consulting",
        "Financial Services",
        "Higher Education",
        "Research Services",
        "Banking",
        "Retail",
    ),
    "Seniority": ("Senior", "Entry", "Manager", "Director", "CXO", "Owner", "Training"),
    "Company size": (
        "10,001+ employees",
        "1001-5000 employees",
        "201-500 employees",
        "51-200 employees",
        "11-50 employees",
        "2-10 employees",
        "5001-10,000 employees",
    ),
    "Companies": (
        "Analytical Engines Ltd",
        "Babbage & Co.",
        "Acme Data",
        "Contoso",
        "Globex",
        "Initech",
        "Umbrella Analytics",
    ),
}


@dataclass
class Post:
    activity_id: str  # 19 digits: the id in the post's URL, whatever its form
    url: str
    published_at: dt.datetime  # naive UTC
    title: str
    content: str
    url_style: str = "words"  # one of URL_STYLES

    @property
    def published_on(self) -> dt.date:
        return self.published_at.date()

    @property
    def export_id(self) -> str:
        """The id in a 2026 single-post file's name: not the URL's id but a sibling one.

        (In real files the name's id is one made a fraction of a second after the post's:
        LinkedIn ids carry their creation time.) Fixed per post, 19 digits.
        """
        base = int(self.activity_id)
        millis = (base >> 22) + 100 + base % 400
        return str((millis << 22) | ((base * 2_654_435_761) & 0x3FFFFF))


@dataclass
class DayTruth:
    impressions: int
    engagements: int
    new_followers: int
    total_followers: int  # at the end of the day
    post_impressions: dict[str, int] = field(default_factory=dict)  # url -> value; zeros omitted
    post_engagements: dict[str, int] = field(default_factory=dict)

    @property
    def others_impressions(self) -> int:
        """The part of the day's impressions no listed post explains (never negative)."""
        return self.impressions - sum(self.post_impressions.values())

    @property
    def others_engagements(self) -> int:
        """The part of the day's engagements no listed post explains; negative on correction days."""
        return self.engagements - sum(self.post_engagements.values())


@dataclass
class Profile:
    name: str
    start: dt.date
    end: dt.date  # inclusive
    posts: list[Post]
    days: dict[dt.date, DayTruth]
    followers_before_start: int
    demographics: list[Demographic]  # the audience: DEMOGRAPHICS / AUDIENCE DEMOGRAPHICS
    seed: int = 7
    # Every post's daily (impressions, engagements) from its publish day to `end`,
    # including days before `start`: lifetime figures need them.
    history: dict[str, dict[dt.date, tuple[int, int]]] = field(default_factory=dict, repr=False)
    # The viewers of the profile's content: CONTENT DEMOGRAPHICS (2026-08 and later files).
    content_demographics: list[Demographic] = field(default_factory=list)

    @property
    def correction_days(self) -> list[dt.date]:
        """The days whose total engagements are negative (LinkedIn's corrections)."""
        return sorted(day for day, truth in self.days.items() if truth.engagements < 0)

    def post(self, url: str) -> Post:
        for found in self.posts:
            if found.url == url:
                return found
        raise KeyError(f"no post with url {url!r}")

    def top_posts(self, start: dt.date, end: dt.date, metric: str) -> list[tuple[str, dt.date, int]]:
        """LinkedIn's top-50 for `metric` over [start, end]: (url, publish date, value), best first."""
        if metric not in METRICS:
            raise ValueError(f"metric must be one of {METRICS}, not {metric!r}")
        totals: dict[str, int] = {}
        for day in self.dates(start, end):
            values = self.days[day].post_impressions if metric == "impressions" else self.days[day].post_engagements
            for url, value in values.items():
                totals[url] = totals.get(url, 0) + value
        ranked = sorted((item for item in totals.items() if item[1] > 0), key=lambda item: (-item[1], item[0]))
        return [(url, self.post(url).published_on, value) for url, value in ranked[:TOP_POSTS_LIMIT]]

    def impressions(self, start: dt.date, end: dt.date) -> int:
        return sum(self.days[day].impressions for day in self.dates(start, end))

    def members_reached(self, start: dt.date, end: dt.date) -> int:
        """Unique members: fewer than impressions, the more so the longer the range (repeat viewers)."""
        impressions = self.impressions(start, end)
        if impressions == 0:
            return 0
        span = (end - start).days + 1
        return max(1, int(impressions * (0.55 + 0.25 / math.sqrt(span))))

    def post_lifetime(self, url: str, as_of: dt.date) -> dict[str, int]:
        """Lifetime-to-date figures of a post as a single-post export would show them on `as_of`."""
        post = self.post(url)
        if as_of > self.end:
            raise ValueError(f"as_of {as_of} is after the profile's last day {self.end}")
        if as_of < post.published_on:
            raise ValueError(f"as_of {as_of} is before the post was published ({post.published_on})")
        daily = self.history[url]
        impressions = sum(imp for day, (imp, _) in daily.items() if day <= as_of)
        engagements = sum(eng for day, (_, eng) in daily.items() if day <= as_of)
        return _lifetime_metrics(random.Random(f"{self.seed}:{url}"), impressions, engagements)

    def post_demographics(self, url: str) -> list[Demographic]:
        """The viewers of one post (demographic_type "content"), fixed per post."""
        return _demographics(random.Random(f"{self.seed}:demographics:{url}"), "content")

    def earlier_download(self, start: dt.date, end: dt.date) -> Profile:
        """This profile as an EARLIER download of [start, end] showed it, for writing that file.

        LinkedIn revises past days up and down between downloads, and a file's last day
        is partial (it was generated during that day). In the copy returned, the days of
        [start, end] carry such an earlier download's values: on about half of the days
        before `end` the impressions, and on some the engagements or new followers, are
        a little up or down (correction days keep their negative value); on `end` every
        figure, the posts' ones included, is a share of the truth (smaller when above 1);
        total followers run on from the truth before `start`. Fixed per (seed, start,
        end). Days outside the range, posts and lifetime figures are unchanged; the
        profile itself (the newest download's values) is not modified.
        """
        days = self.dates(start, end)
        rng = random.Random(f"{self.seed}:earlier:{start.isoformat()}:{end.isoformat()}")
        before = start - dt.timedelta(days=1)
        followers = self.days[before].total_followers if before in self.days else self.followers_before_start
        revised = dict(self.days)
        for day in days:
            truth = self.days[day]
            shown = _partial_day(rng, truth) if day == end else _revised_day(rng, truth)
            followers += shown.new_followers
            revised[day] = dataclasses.replace(shown, total_followers=followers)
        return dataclasses.replace(self, days=revised)

    def dates(self, start: dt.date, end: dt.date) -> list[dt.date]:
        """The days of [start, end]; the range must lie inside the profile."""
        if start > end or start < self.start or end > self.end:
            raise ValueError(f"range {start}..{end} is not inside the profile's {self.start}..{self.end}")
        return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


def build_profile(
    end: dt.date,
    days: int,
    seed: int = 7,
    name: str = "Ada Q. Lovelace, PhD",
    posts_per_week: float = 3.0,
    posts_before_start: int = 3,
    old_posts: int = 1,
) -> Profile:
    """A profile covering the `days` days ending on `end` (inclusive), the same for the same arguments.

    `posts_before_start` posts are published 1-12 days before the start, `old_posts`
    365-730 days before it (these draw a few impressions every day of the profile).
    """
    if days < 1:
        raise ValueError("days must be at least 1")
    rng = random.Random(seed)
    start = end - dt.timedelta(days=days - 1)
    posts = _make_posts(rng, name, start, end, posts_per_week, posts_before_start, old_posts)
    old = {post.url for post in posts if post.published_on < start - dt.timedelta(days=364)}
    history = {
        post.url: _post_history(rng, post, index, end, trickle_from=start if post.url in old else None)
        for index, post in enumerate(posts)
    }
    followers_before_start = rng.randint(800, 20_000)
    truth = _days(rng, start, end, history, followers_before_start)
    return Profile(
        name=name,
        start=start,
        end=end,
        posts=posts,
        days=truth,
        followers_before_start=followers_before_start,
        demographics=_demographics(rng, "audience"),
        seed=seed,
        history=history,
        content_demographics=_demographics(random.Random(f"{seed}:content-demographics"), "content"),
    )


# --- posts -------------------------------------------------------------------------


def _make_posts(
    rng: random.Random, name: str, start: dt.date, end: dt.date, per_week: float, before_start: int, old: int
) -> list[Post]:
    slug = f"{_slugify(name)}-{rng.randint(10_000_000, 99_999_999):x}"
    dates = sorted(start - dt.timedelta(days=rng.randint(365, 730)) for _ in range(old))
    dates += sorted(start - dt.timedelta(days=rng.randint(1, 12)) for _ in range(before_start))
    day = start
    while day <= end:
        # Bernoulli per day, so the count over a range follows posts_per_week on average.
        if rng.random() < min(per_week / 7, 1.0):
            dates.append(day)
        day += dt.timedelta(days=1)
    posts = [_make_post(rng, slug, day, index) for index, day in enumerate(dates)]
    return sorted(posts, key=lambda p: p.published_at)


def _make_post(rng: random.Random, slug: str, day: dt.date, index: int) -> Post:
    published_at = dt.datetime.combine(day, dt.time(rng.randint(5, 19), rng.randint(0, 59)))
    activity_id = _activity_id(rng, published_at)
    title = f"{rng.choice(_OPENERS)} {rng.choice(_TOPICS)}"
    words = "-".join(_slugify(title).split("-")[:6])
    kind = URL_KINDS[index % len(URL_KINDS)]
    tail = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(4))
    style = URL_STYLES[index % len(URL_STYLES)]
    if style == "feed":
        url = f"https://www.linkedin.com/feed/update/urn:li:activity:{activity_id}"
    elif style == "bare":
        url = f"https://www.linkedin.com/posts/{slug}_share-{activity_id}-{tail}"
    else:
        url = f"https://www.linkedin.com/posts/{slug}_{words}-{kind}-{activity_id}-{tail}"
    content = f"{title}.\n\nPost #{index + 1}: what worked, what did not, and what I would do again. #data"
    return Post(
        activity_id=activity_id, url=url, published_at=published_at, title=title, content=content, url_style=style
    )


def _activity_id(rng: random.Random, published_at: dt.datetime) -> str:
    # LinkedIn ids carry the creation time in milliseconds above 22 random bits.
    millis = int(published_at.replace(tzinfo=dt.timezone.utc).timestamp() * 1000) + rng.randint(0, 59_999)
    return str((millis << 22) | rng.getrandbits(22)).rjust(19, "1")


def _slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def _post_history(
    rng: random.Random, post: Post, index: int, end: dt.date, trickle_from: dt.date | None = None
) -> dict[dt.date, tuple[int, int]]:
    """Daily (impressions, engagements) of one post from its publish day to `end`.

    With `trickle_from` (an old, evergreen post) the post draws about two impressions a
    day for ever, at least one on every day from `trickle_from` on, and no engagements
    from then on: it is on the impressions side of every top-posts list only.
    """
    peak = rng.lognormvariate(math.log(900), 0.8)
    decay = rng.uniform(0.55, 0.8)
    # Every fourth post barely engages: its late days have impressions but no engagements.
    rate = 0.004 if index % 4 == 3 else rng.uniform(0.015, 0.07)
    share_of_first_day = 1 - post.published_at.hour / 24  # published late = fewer first-day views
    history: dict[dt.date, tuple[int, int]] = {}
    day, age = post.published_on, 0
    while day <= end:
        expected = peak * (0.85 * decay**age + 0.03 / (1 + age) ** 1.2)
        if age == 0:
            expected *= share_of_first_day
        if trickle_from is not None:
            expected += 2.0
        impressions = _stochastic_round(rng, expected * rng.uniform(0.8, 1.2))
        if trickle_from is not None and day >= trickle_from:
            impressions = max(1, impressions)
        engagements = min(impressions, _stochastic_round(rng, impressions * rate * rng.uniform(0.5, 1.5)))
        if impressions == 0 and 3 < age <= 30 and rng.random() < 0.02:
            engagements = 1  # a late comment on a post nobody is shown any more: engagements only
        if trickle_from is not None and day >= trickle_from:
            engagements = 0
        if impressions or engagements:
            history[day] = (impressions, engagements)
        day, age = day + dt.timedelta(days=1), age + 1
    return history


def _stochastic_round(rng: random.Random, value: float) -> int:
    # Plain rounding would cut every tail at exactly the same point; this keeps stray 1s.
    whole = math.floor(value)
    return whole + (1 if rng.random() < value - whole else 0)


# --- days --------------------------------------------------------------------------


def _days(
    rng: random.Random,
    start: dt.date,
    end: dt.date,
    history: dict[str, dict[dt.date, tuple[int, int]]],
    followers: int,
) -> dict[dt.date, DayTruth]:
    truth: dict[dt.date, DayTruth] = {}
    day = start
    while day <= end:
        post_imp = {url: daily[day][0] for url, daily in history.items() if day in daily and daily[day][0]}
        post_eng = {url: daily[day][1] for url, daily in history.items() if day in daily and daily[day][1]}
        others_imp, others_eng = _others(rng, day)
        impressions = sum(post_imp.values()) + others_imp
        engagements = sum(post_eng.values()) + others_eng
        if engagements > impressions:
            # Only engagement-only posts on an "others"-free day can do this: drop those.
            post_eng = {url: value for url, value in post_eng.items() if url in post_imp}
            engagements = sum(post_eng.values()) + others_eng
        if is_correction_day(day):
            # LinkedIn's correction: the day's total is negative, the posts' values are not;
            # "others" (total minus the listed posts) carries it.
            engagements = CORRECTION_ENGAGEMENTS
        new_followers = max(0, round(impressions / 450 * rng.uniform(0.3, 1.7) + rng.gauss(0, 1.5)))
        followers += new_followers
        truth[day] = DayTruth(impressions, engagements, new_followers, followers, post_imp, post_eng)
        day += dt.timedelta(days=1)
    return truth


def is_correction_day(day: dt.date) -> bool:
    """A day whose total engagements are CORRECTION_ENGAGEMENTS (one in every CORRECTION_PERIOD days)."""
    return day.toordinal() % CORRECTION_PERIOD == CORRECTION_PHASE


def _revised_day(rng: random.Random, truth: DayTruth) -> DayTruth:
    """An earlier download's value of a past day: a little up or down, never below the listed posts."""
    impressions, engagements, new_followers = truth.impressions, truth.engagements, truth.new_followers
    if rng.random() < 0.5:
        delta = rng.choice((-3, -2, -1, 1, 2, 3))
        if impressions + delta < max(sum(truth.post_impressions.values()), engagements):
            delta = abs(delta)
        impressions += delta
    if rng.random() < 0.3 and engagements >= 0:  # a correction day is published whole
        for delta in rng.sample((-1, 1), 2):
            if sum(truth.post_engagements.values()) <= engagements + delta <= impressions:
                engagements += delta
                break
    if rng.random() < 0.2:
        new_followers = max(0, new_followers + rng.choice((-1, 1)))
    return dataclasses.replace(truth, impressions=impressions, engagements=engagements, new_followers=new_followers)


def _partial_day(rng: random.Random, truth: DayTruth) -> DayTruth:
    """The last day of a file generated during that day: a share of everything, posts included."""
    share = rng.uniform(0.3, 0.7)
    post_imp = {url: int(v * share) for url, v in truth.post_impressions.items() if int(v * share)}
    # Engagements are capped by the impressions shown so far, post by post and for "others".
    post_eng = {url: min(int(v * share), post_imp.get(url, 0)) for url, v in truth.post_engagements.items()}
    post_eng = {url: v for url, v in post_eng.items() if v}
    others_imp = int(truth.others_impressions * share)
    impressions = sum(post_imp.values()) + others_imp
    if truth.engagements < 0:
        engagements = truth.engagements  # a correction is published whole
    else:
        engagements = sum(post_eng.values()) + min(others_imp, int(truth.others_engagements * share))
    return DayTruth(
        impressions=impressions,
        engagements=engagements,
        new_followers=int(truth.new_followers * share),
        total_followers=truth.total_followers,
        post_impressions=post_imp,
        post_engagements=post_eng,
    )


def _others(rng: random.Random, day: dt.date) -> tuple[int, int]:
    """Impressions and engagements of things that are not listed posts (reshares, comments elsewhere)."""
    impressions = _stochastic_round(rng, rng.lognormvariate(math.log(120), 0.6))
    engagements = _stochastic_round(rng, impressions * rng.uniform(0.0, 0.05))
    # A few days have nothing but the listed posts; any 17-day window holds one.
    if day.toordinal() % 17 == 0:
        return 0, 0
    return impressions, engagements


# --- lifetime and audience -----------------------------------------------------------


def _lifetime_metrics(rng: random.Random, impressions: int, engagements: int) -> dict[str, int]:
    # Shares are fixed per post (rng seeded by url), so figures only grow with as_of.
    reactions_share = rng.uniform(0.6, 0.75)
    comments_share = rng.uniform(0.08, 0.15)
    reposts_share = rng.uniform(0.01, 0.05)
    link_share = rng.uniform(0.0, 1 - reactions_share - comments_share - reposts_share)
    reactions = int(engagements * reactions_share)
    comments = int(engagements * comments_share)
    reposts = int(engagements * reposts_share)
    metrics = {
        "impressions": impressions,
        "members_reached": max(1, int(impressions * rng.uniform(0.6, 0.85))) if impressions else 0,
        "reactions": reactions,
        "comments": comments,
        "reposts": reposts,
        "saves": int(engagements * rng.uniform(0.02, 0.08)),
        "sends_on_linkedin": int(engagements * rng.uniform(0.01, 0.05)),
        "profile_viewers": int(impressions * rng.uniform(0.002, 0.01)),
        "followers_gained": int(impressions * rng.uniform(0.0005, 0.003)),
        "social_engagements": reactions + comments + reposts,
        "link_engagements": int(engagements * link_share),
        "premium_custom_button_engagements": int(engagements * rng.uniform(0.0, 0.01)),
    }
    assert tuple(metrics) == POST_METRICS
    return metrics


def _demographics(rng: random.Random, kind: str) -> list[Demographic]:
    """Several values per category, best first; the last one or two are below 1%.

    `kind` is their demographic_type: "audience" or "content".
    """
    found: list[Demographic] = []
    for category in DEMOGRAPHIC_CATEGORIES:
        values = list(_DEMOGRAPHIC_VALUES[category])
        rng.shuffle(values)
        count = rng.randint(5, len(values))
        below = rng.randint(1, 2)
        fractions = sorted((rng.uniform(0.011, 0.35) for _ in range(count - below)), reverse=True)
        for value, fraction in zip(values, fractions):
            found.append(Demographic(category, value, round(fraction, 4), False, kind))
        for value in values[count - below : count]:
            found.append(Demographic(category, value, None, True, kind))
    return found
