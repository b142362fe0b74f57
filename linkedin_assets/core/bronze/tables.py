"""The bronze tables: their columns, keys, and rows built from parsed exports.

Every row but post_patch's carries its export's profile (core/profiles.py), the first
of its keys: two profiles' exports of the same day are two sets of rows.

Several files can hold the same day (a daily file and a later historical file, or
the same day downloaded twice), and LinkedIn revises past days between downloads
(up and down; the last day of every export is partial). For each *grain* (a date,
or a file's period for range figures) the rows of the most recently generated file
win whole, so a day's figures are never a mix of two downloads. A file's generation
time is the one LinkedIn wrote into it (`dcterms:created`), not its modification
time, which copies, sync tools and unzips reset; only a file without one is ranked
by its modification time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from linkedin_assets.core.exports.model import POST_METRICS, ContentExport, PatchFile, PostExport
from linkedin_assets.core.lake.delta import OLDER_ROWS
from linkedin_assets.core.lake.protocol import DateScope
from linkedin_assets.core.landing import LandedFile
from linkedin_assets.core.profiles import NO_ALIASES, Profiles

TS = pa.timestamp("us", tz="UTC")

SOURCE_FIELDS = [
    pa.field("source_file", pa.string(), nullable=False),
    pa.field("source_file_timestamp", TS, nullable=False),
    pa.field("ingested_at", TS, nullable=False),
]


def _f(name: str, kind: pa.DataType, nullable: bool = False, doc: str = "", older_rows: str | None = None) -> pa.Field:
    """A column; `older_rows`: its value in rows stored before a release added it."""
    metadata: dict[str | bytes, str | bytes] = {"doc": doc} if doc else {}
    if older_rows is not None:
        metadata[OLDER_ROWS] = older_rows
    return pa.field(name, kind, nullable=nullable, metadata=metadata or None)


# Every export's profile (core/profiles.py). post_patch has none: it keys by post_url,
# which no two profiles share.
PROFILE_FIELDS = [
    _f("profile", pa.string(), doc="the profile's key: its name folded (core/profiles.py)"),
    _f("profile_name", pa.string(), doc="the profile's name, as its file or the aliases file names it"),
]


@dataclass(frozen=True)
class BronzeTable:
    name: str
    description: str
    fields: list[pa.Field]
    keys: list[str]
    scope_column: str | None  # the date column a partition owns; None = not partitioned
    profiled: bool = True  # rows carry their export's profile (PROFILE_FIELDS), the first key

    @property
    def schema(self) -> pa.Schema:
        return pa.schema((PROFILE_FIELDS if self.profiled else []) + self.fields + SOURCE_FIELDS)

    def to_arrow(self, rows: list[dict]) -> pa.Table:
        return pa.Table.from_pylist(rows, schema=self.schema)

    def scope(self, start: dt.date, end: dt.date) -> DateScope:
        """The rows a run over [start, end] owns."""
        if self.scope_column is None:
            raise ValueError(f"bronze.linkedin.{self.name} is not date-partitioned")
        return DateScope(self.scope_column, start, end)


TOTALS = BronzeTable(
    "totals",
    "Profile impressions and engagements per day (ENGAGEMENT sheet).",
    [_f("date", pa.date32()), _f("impressions", pa.int64()), _f("engagements", pa.int64())],
    keys=["profile", "date"],
    scope_column="date",
)
FOLLOWERS = BronzeTable(
    "followers",
    "New followers per day (FOLLOWERS sheet).",
    [_f("date", pa.date32()), _f("new_followers", pa.int64())],
    keys=["profile", "date"],
    scope_column="date",
)
FOLLOWER_TOTALS = BronzeTable(
    "follower_totals",
    "Total followers on the date LinkedIn states (FOLLOWERS sheet, first row).",
    [_f("as_of_date", pa.date32()), _f("total_followers", pa.int64())],
    keys=["profile", "as_of_date"],
    scope_column="as_of_date",
)
DISCOVERY = BronzeTable(
    "discovery",
    "Impressions and members reached over a file's whole period (DISCOVERY sheet); "
    "a one-day period is that day's figure. 2023 exports have no DISCOVERY: no row.",
    [
        _f("period_start", pa.date32()),
        _f("period_end", pa.date32()),
        _f("days", pa.int32()),
        _f("impressions", pa.int64()),
        _f("members_reached", pa.int64()),
    ],
    keys=["profile", "period_start", "period_end"],
    scope_column="period_end",
)
TOP_POSTS = BronzeTable(
    "top_posts",
    "LinkedIn's top-50 posts by engagements and by impressions, one row per post per "
    "metric. analytics_date is the period's last day; rows of a multi-day file are range "
    "aggregates (is_range_aggregate) and must not be read as that day's figures.",
    [
        _f("analytics_date", pa.date32()),
        _f("period_start", pa.date32()),
        _f("period_end", pa.date32()),
        _f("is_range_aggregate", pa.bool_()),
        _f("metric", pa.string()),
        _f("post_url", pa.string()),
        _f("rank", pa.int32()),
        _f("post_publish_date", pa.date32()),
        _f("value", pa.int64()),
    ],
    keys=["profile", "analytics_date", "period_start", "metric", "post_url"],
    scope_column="analytics_date",
)
DEMOGRAPHICS = BronzeTable(
    "demographics",
    "Top demographics over a file's period: of the audience, and from August 2026 also of the content's viewers.",
    [
        _f("period_start", pa.date32()),
        _f("period_end", pa.date32()),
        _f(
            "demographic_type",
            pa.string(),
            doc="audience (DEMOGRAPHICS; from Aug 2026 AUDIENCE DEMOGRAPHICS) or content (CONTENT DEMOGRAPHICS)",
            # Releases before it read only the one DEMOGRAPHICS sheet: the audience's.
            older_rows="audience",
        ),
        _f("category", pa.string()),
        _f("value", pa.string()),
        _f("percentage", pa.float64(), nullable=True, doc="fraction 0..1; null when below 1%"),
        _f("below_one_percent", pa.bool_()),
    ],
    keys=["profile", "period_start", "period_end", "demographic_type", "category", "value"],
    scope_column="period_end",
)
POST_DETAILS = BronzeTable(
    "post_details",
    "One row per post per as-of date from single-post exports: lifetime-to-date metrics.",
    [
        _f("as_of_date", pa.date32()),
        _f("post_url", pa.string()),
        _f("post_id", pa.string(), nullable=True),
        _f("post_publish_date", pa.date32()),
        _f("post_publish_timestamp", TS, nullable=True),
        _f("highlights_start", pa.date32(), nullable=True),
        *[_f(m, pa.int64(), nullable=True) for m in POST_METRICS],
    ],
    keys=["profile", "post_url", "as_of_date"],
    scope_column="as_of_date",
)
POST_PATCH = BronzeTable(
    "post_patch",
    "Hand-written corrections of post metadata; null = no correction. Also editable directly.",
    [
        _f("post_url", pa.string()),
        _f("true_url", pa.string(), nullable=True),
        _f("title", pa.string(), nullable=True),
        _f("content", pa.string(), nullable=True),
    ],
    keys=["post_url"],
    scope_column=None,
    profiled=False,
)

CONTENT_TABLES = (TOTALS, FOLLOWERS, FOLLOWER_TOTALS, DISCOVERY, TOP_POSTS, DEMOGRAPHICS)
ALL_TABLES = (*CONTENT_TABLES, POST_DETAILS, POST_PATCH)
BY_NAME = {t.name: t for t in ALL_TABLES}


def downloaded_at(file: LandedFile, export: object) -> dt.datetime:
    """When LinkedIn generated the file; its modification time only when the file does not say."""
    return getattr(export, "generated_at", None) or file.downloaded_at


def _source(file: LandedFile, export: object, ingested_at: dt.datetime) -> dict:
    return {
        "source_file": file.source_file,
        "source_file_timestamp": downloaded_at(file, export),
        "ingested_at": ingested_at,
    }


def _latest_per_grain(
    parsed: Iterable[tuple[LandedFile, Any]],
    grains: Callable[[Any], Iterable[tuple[object, list[dict]]]],
    ingested_at: dt.datetime,
    profiles: Profiles,
) -> list[dict]:
    """Rows of the newest download for each grain of each profile; `parsed` may come in any order."""
    winners: dict[object, tuple[tuple, list[dict]]] = {}
    for file, export in parsed:
        rank = (downloaded_at(file, export), file.name)
        who = profiles.of(file.name, export.profile)
        for grain, rows in grains(export):
            if (who.profile, grain) not in winners or winners[who.profile, grain][0] <= rank:
                src = {"profile": who.profile, "profile_name": who.profile_name, **_source(file, export, ingested_at)}
                winners[who.profile, grain] = (rank, [{**r, **src} for r in rows])
    return [row for _, rows in winners.values() for row in rows]


def _in(day: dt.date, start: dt.date, end: dt.date) -> bool:
    return start <= day <= end


def content_rows(
    parsed: list[tuple[LandedFile, ContentExport]],
    start: dt.date,
    end: dt.date,
    ingested_at: dt.datetime,
    profiles: Profiles = NO_ALIASES,
) -> dict[str, pa.Table]:
    """The six content tables' rows for the dates [start, end]."""

    def totals(e: ContentExport):
        for d in e.daily:
            if _in(d.date, start, end):
                yield d.date, [{"date": d.date, "impressions": d.impressions, "engagements": d.engagements}]

    def followers(e: ContentExport):
        for d in e.new_followers:
            if _in(d.date, start, end):
                yield d.date, [{"date": d.date, "new_followers": d.new_followers}]

    def follower_totals(e: ContentExport):
        if e.total_followers is not None and e.total_followers_as_of and _in(e.total_followers_as_of, start, end):
            row = {"as_of_date": e.total_followers_as_of, "total_followers": e.total_followers}
            yield e.total_followers_as_of, [row]

    period = lambda e: (e.period_start, e.period_end)  # noqa: E731
    days = lambda e: (e.period_end - e.period_start).days + 1  # noqa: E731

    def discovery(e: ContentExport):
        if e.impressions is not None and _in(e.period_end, start, end):
            row = {
                "period_start": e.period_start,
                "period_end": e.period_end,
                "days": days(e),
                "impressions": e.impressions,
                "members_reached": e.members_reached,
            }
            yield period(e), [row]

    def top_posts(e: ContentExport):
        if _in(e.period_end, start, end):
            rows = [
                {
                    "analytics_date": e.period_end,
                    "period_start": e.period_start,
                    "period_end": e.period_end,
                    "is_range_aggregate": e.period_start != e.period_end,
                    "metric": p.metric,
                    "post_url": p.post_url,
                    "rank": p.rank,
                    "post_publish_date": p.post_publish_date,
                    "value": p.value,
                }
                for p in e.top_posts
            ]
            yield period(e), rows

    def demographics(e: ContentExport):
        if _in(e.period_end, start, end):
            rows = [
                {
                    "period_start": e.period_start,
                    "period_end": e.period_end,
                    "demographic_type": d.demographic_type,
                    "category": d.category,
                    "value": d.value,
                    "percentage": d.percentage,
                    "below_one_percent": d.below_one_percent,
                }
                for d in e.demographics
            ]
            yield period(e), rows

    builders = {
        TOTALS.name: totals,
        FOLLOWERS.name: followers,
        FOLLOWER_TOTALS.name: follower_totals,
        DISCOVERY.name: discovery,
        TOP_POSTS.name: top_posts,
        DEMOGRAPHICS.name: demographics,
    }
    by_name = {t.name: t for t in CONTENT_TABLES}
    return {
        name: by_name[name].to_arrow(_latest_per_grain(parsed, build, ingested_at, profiles))
        for name, build in builders.items()
    }


def post_rows(
    parsed: list[tuple[LandedFile, PostExport]],
    start: dt.date,
    end: dt.date,
    ingested_at: dt.datetime,
    profiles: Profiles = NO_ALIASES,
) -> pa.Table:
    def details(e: PostExport):
        if _in(e.as_of_date, start, end):
            row = {
                "as_of_date": e.as_of_date,
                "post_url": e.post_url,
                "post_id": e.post_id,
                "post_publish_date": e.post_publish_date,
                "post_publish_timestamp": (
                    e.post_publish_timestamp.replace(tzinfo=dt.timezone.utc) if e.post_publish_timestamp else None
                ),
                "highlights_start": e.highlights_start,
                **{m: e.metrics.get(m) for m in POST_METRICS},
            }
            yield (e.post_url, e.as_of_date), [row]

    return POST_DETAILS.to_arrow(_latest_per_grain(parsed, details, ingested_at, profiles))


def patch_rows(parsed: list[tuple[LandedFile, PatchFile]], ingested_at: dt.datetime) -> pa.Table:
    """Patch rows, later files last: the caller applies them in order, so the latest wins."""
    folded: dict[str, dict] = {}
    for file, patch in sorted(parsed, key=lambda fp: (fp[0].mtime_ns, fp[0].name)):
        src = _source(file, patch, ingested_at)
        for r in patch.rows:
            row = folded.setdefault(
                r.post_url, {"post_url": r.post_url, "true_url": None, "title": None, "content": None}
            )
            # An empty cell is "no correction": it must not undo an earlier file's value.
            for col in ("true_url", "title", "content"):
                if getattr(r, col) is not None:
                    row[col] = getattr(r, col)
            row.update(src)
    return POST_PATCH.to_arrow(list(folded.values()))
