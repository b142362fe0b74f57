"""A synthetic LinkedIn creator profile: the known truth behind the sample exports.

Everything is derived from one seed, so a test can rebuild the same profile and
compare pipeline outputs with it. The numbers are shaped like real ones: posts
peak the day after publishing and decay with a long tail, the day's totals include
impressions of things that are not listed posts ("others"), and small posts show up
on one side of the top-posts lists only.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import re
import string
import unicodedata
from dataclasses import dataclass, field

from ..exports.model import DEMOGRAPHIC_CATEGORIES, POST_METRICS, Demographic

TOP_POSTS_LIMIT = 50  # LinkedIn lists at most 50 posts per side
METRICS = ("impressions", "engagements")
URL_KINDS = ("activity", "activity", "activity", "activity", "ugcPost", "share")

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
    "Job titles": ("Data Engineer", "Software Engineer", "Data Scientist", "Analytics Engineer",
                   "Engineering Manager", "Product Manager", "Founder", "Mathematician"),
    "Locations": ("Greater London", "Paris, Île-de-France, France", "Berlin Metropolitan Area",
                  "San Francisco Bay Area", "New York City Metropolitan Area", "Bengaluru, Karnataka, India",
                  "Amsterdam Area"),
    "Industries": ("Software Development", "IT Services and IT Consulting", "Financial Services",
                   "Higher Education", "Research Services", "Banking", "Retail"),
    "Seniority": ("Senior", "Entry", "Manager", "Director", "CXO", "Owner", "Training"),
    "Company size": ("10,001+ employees", "1001-5000 employees", "201-500 employees", "51-200 employees",
                     "11-50 employees", "2-10 employees", "5001-10,000 employees"),
    "Companies": ("Analytical Engines Ltd", "Babbage & Co.", "Acme Data", "Contoso", "Globex",
                  "Initech", "Umbrella Analytics"),
}


@dataclass
class Post:
    activity_id: str  # 19 digits
    url: str
    published_at: dt.datetime  # naive UTC
    title: str
    content: str

    @property
    def published_on(self) -> dt.date:
        return self.published_at.date()


@dataclass
class DayTruth:
    impressions: int
    engagements: int
    new_followers: int
    total_followers: int  # at the end of the day
    post_impressions: dict[str, int] = field(default_factory=dict)  # url -> value; zeros omitted
    post_engagements: dict[str, int] = field(default_factory=dict)


@dataclass
class Profile:
    name: str
    start: dt.date
    end: dt.date  # inclusive
    posts: list[Post]
    days: dict[dt.date, DayTruth]
    followers_before_start: int
    demographics: list[Demographic]
    seed: int = 7
    # Every post's daily (impressions, engagements) from its publish day to `end`,
    # including days before `start`: lifetime figures need them.
    history: dict[str, dict[dt.date, tuple[int, int]]] = field(default_factory=dict, repr=False)

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
        """The audience of one post: the profile's audience, reweighted per post."""
        return _demographics(random.Random(f"{self.seed}:demographics:{url}"))

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
) -> Profile:
    """A profile covering the `days` days ending on `end` (inclusive), the same for the same arguments."""
    if days < 1:
        raise ValueError("days must be at least 1")
    rng = random.Random(seed)
    start = end - dt.timedelta(days=days - 1)
    posts = _make_posts(rng, name, start, end, posts_per_week, posts_before_start)
    history = {post.url: _post_history(rng, post, index, end) for index, post in enumerate(posts)}
    followers_before_start = rng.randint(800, 20_000)
    truth = _days(rng, start, end, history, followers_before_start)
    return Profile(
        name=name,
        start=start,
        end=end,
        posts=posts,
        days=truth,
        followers_before_start=followers_before_start,
        demographics=_demographics(rng),
        seed=seed,
        history=history,
    )


# --- posts -------------------------------------------------------------------------


def _make_posts(
    rng: random.Random, name: str, start: dt.date, end: dt.date, per_week: float, before_start: int
) -> list[Post]:
    slug = f"{_slugify(name)}-{rng.randint(10_000_000, 99_999_999):x}"
    dates = sorted(start - dt.timedelta(days=rng.randint(1, 12)) for _ in range(before_start))
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
    url = f"https://www.linkedin.com/posts/{slug}_{words}-{kind}-{activity_id}-{tail}"
    content = f"{title}.\n\nPost #{index + 1}: what worked, what did not, and what I would do again. #data"
    return Post(activity_id=activity_id, url=url, published_at=published_at, title=title, content=content)


def _activity_id(rng: random.Random, published_at: dt.datetime) -> str:
    # LinkedIn ids carry the creation time in milliseconds above 22 random bits.
    millis = int(published_at.replace(tzinfo=dt.timezone.utc).timestamp() * 1000) + rng.randint(0, 59_999)
    return str((millis << 22) | rng.getrandbits(22)).rjust(19, "1")


def _slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def _post_history(rng: random.Random, post: Post, index: int, end: dt.date) -> dict[dt.date, tuple[int, int]]:
    """Daily (impressions, engagements) of one post from its publish day to `end`."""
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
        impressions = _stochastic_round(rng, expected * rng.uniform(0.8, 1.2))
        engagements = min(impressions, _stochastic_round(rng, impressions * rate * rng.uniform(0.5, 1.5)))
        if impressions == 0 and 3 < age <= 30 and rng.random() < 0.02:
            engagements = 1  # a late comment on a post nobody is shown any more: engagements only
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
        new_followers = max(0, round(impressions / 450 * rng.uniform(0.3, 1.7) + rng.gauss(0, 1.5)))
        followers += new_followers
        truth[day] = DayTruth(impressions, engagements, new_followers, followers, post_imp, post_eng)
        day += dt.timedelta(days=1)
    return truth


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


def _demographics(rng: random.Random) -> list[Demographic]:
    """Several values per category, best first; the last one or two are below 1%."""
    found: list[Demographic] = []
    for category in DEMOGRAPHIC_CATEGORIES:
        values = list(_DEMOGRAPHIC_VALUES[category])
        rng.shuffle(values)
        count = rng.randint(5, len(values))
        below = rng.randint(1, 2)
        fractions = sorted((rng.uniform(0.011, 0.35) for _ in range(count - below)), reverse=True)
        for value, fraction in zip(values, fractions):
            found.append(Demographic(category, value, round(fraction, 4), False))
        for value in values[count - below : count]:
            found.append(Demographic(category, value, None, True))
    return found
