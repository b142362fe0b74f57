"""The parsers and the pipeline against real LinkedIn exports, not files the project generated.

The real files are other people's data, collected from public repositories into the
steering repo's `shared/realfiles/` (its SOURCES.md says where each comes from and which
are untouched LinkedIn output). They are read from there and copied only into tmp_path;
nothing of them is kept in this repo. Without that folder these tests skip.

Two kinds of tests:

1. Conformance: every untouched real export parses, and the record equals both the
   figures stated in the table below and an independent reading of the same workbook
   (a small openpyxl reader in this module, which knows nothing of the product's parser).
   Edited or foreign workbooks are accepted or refused with a clear reason.
2. One end-to-end run (slow: Spark) over three overlapping downloads of one profile,
   landed with modification times in the reverse of their generation order: gold holds
   one row per day with the values of the most recently *generated* file covering it.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import warnings
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

import pytest

REAL = Path(__file__).resolve().parents[2] / "shared" / "realfiles"

pytestmark = pytest.mark.skipif(not REAL.is_dir(), reason=f"no real LinkedIn exports at {REAL}")


# --------------------------------------------------------------------------------------
# The real files: stored name -> name to land it under (the parser reads the period there)
# --------------------------------------------------------------------------------------

SHIF_1 = "Content_2024-11-11_2025-11-10_ShifraWilliams.xlsx"
SHIF_2 = "Content_2024-11-19_2025-11-18_ShifraWilliams.xlsx"
SHIF_3 = "Content_2024-12-12_2025-12-11_ShifraWilliams.xlsx"  # linkedin-demo.xlsx, renamed back
TESTIMONY = "Content_2022-12-01_2023-11-30_TestimonyAdeyemi.xlsx"
ALTAF_1 = "AggregateAnalytics_Altaf Shaikh_2026-05-17_2026-06-13.xlsx"
ALTAF_2 = "AggregateAnalytics_Altaf Shaikh_2026-06-18_2026-07-15.xlsx"
ALTAF_3 = "AggregateAnalytics_Altaf Shaikh_2026-07-14_2026-08-10.xlsx"
SINGLE_POST = "SinglePostAnalytics_Altaf Shaikh_7492090128753082368.xlsx"

STORED = {
    SHIF_1: f"Ho1yShif__linkedin-wrapped__{SHIF_1}",
    SHIF_2: f"Ho1yShif__linkedin-wrapped__{SHIF_2}",
    SHIF_3: "Ho1yShif__linkedin-wrapped__linkedin-demo.xlsx",
    TESTIMONY: "TestimonyAdeyemi__Linkedin-Wrapped__Content_2022-12-01_2023-11-30_TestimonyAdeyemi.v1-3929fc1.xlsx",
    ALTAF_1: f"altafshaikh__content-factory__{ALTAF_1}",
    ALTAF_2: f"altafshaikh__content-factory__{ALTAF_2}",
    ALTAF_3: f"altafshaikh__content-factory__{ALTAF_3}",
    SINGLE_POST: f"altafshaikh__content-factory__{SINGLE_POST}",
}
ARPITA = "Content_2023-08-07_2024-08-05_ArpitaDeb.xlsx"
MANUEL = "Content_2022-04-24_2023-04-23_Manuel.xlsx"
LEAF_SPACE = "Content_2024-12-01_2025-07-28_LeafSpace.xlsx"
REFUSED_OR_EDITED = {
    ARPITA: "Arpita-deb__LinkedIn-Analytics__LinkedIn_Contents(2023-08-07 - 2024-08-05) Original.xlsx",
    MANUEL: "Manuel-RR__LinkedIn_stats__stats_example.xlsx",
    LEAF_SPACE: "NicoMandala__salesstrategy__leaf-space_content_1753863379800.xlsx",
}


@dataclass(frozen=True)
class Expected:
    """Figures stated for a real Content export (sums over its ENGAGEMENT / FOLLOWERS rows)."""

    days: int
    impressions: int
    engagements: int
    new_followers: int
    total_followers: int
    top_posts: tuple[int, int]  # (engagements side, impressions side)
    demographics: dict[str, int]  # demographic_type -> rows
    members_reached: int | None  # None: no DISCOVERY sheet


EXPECTED = {
    SHIF_1: Expected(365, 857000, 9150, 7769, 12763, (50, 50), {"audience": 30}, 297771),
    SHIF_2: Expected(365, 860742, 9320, 7851, 12861, (50, 50), {"audience": 30}, 296950),
    SHIF_3: Expected(365, 868196, 9571, 7899, 12955, (50, 50), {"audience": 30}, 297785),
    TESTIMONY: Expected(365, 36013, 1144, 480, 633, (39, 49), {"audience": 30}, None),
    ALTAF_1: Expected(28, 2252, 85, 27, 1798, (5, 36), {"audience": 54}, 900),
    ALTAF_2: Expected(28, 3396, 136, 12, 1812, (10, 24), {"audience": 54}, 1294),
    ALTAF_3: Expected(28, 7569, 87, 22, 1822, (7, 29), {"audience": 55, "content": 52}, 4429),
}

POST_URL_ID = "7492090127687798784"  # the id in the single-post file's Post URL
POST_AS_OF = dt.date(2026, 8, 10)
POST_EXPECTED = {"impressions": 6387, "social_engagements": 36, "followers_gained": 0, "members_reached": 4113}
POST_DEMOGRAPHIC_ROWS = 52


def land(name: str, folder: Path, stored: dict[str, str] = STORED) -> Path:
    """Copy a real file into `folder` under its original export name; nothing else kept."""
    target = folder / name
    shutil.copyfile(REAL / stored[name], target)  # contents only: no mode, no times
    return target


# --------------------------------------------------------------------------------------
# An independent reading: openpyxl, values as stored, nothing from the product
# --------------------------------------------------------------------------------------

# Singular 2026 labels -> the legacy (canonical) plural ones.
CATEGORY = {
    "Job title": "Job titles",
    "Location": "Locations",
    "Industry": "Industries",
    "Company": "Companies",
}
POST_KEYS = {
    "Impressions": "impressions",
    "Members reached": "members_reached",
    "Reactions": "reactions",
    "Comments": "comments",
    "Reposts": "reposts",
    "Saves": "saves",
    "Sends on LinkedIn": "sends_on_linkedin",
    "Profile viewers from this post": "profile_viewers",
    "Followers gained from this post": "followers_gained",
    "Social engagements": "social_engagements",
    "Link engagements": "link_engagements",
    "Premium custom button engagements": "premium_custom_button_engagements",
}


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _int(value) -> int:
    if isinstance(value, str):
        value = value.replace(",", "").strip()
        return int(value)
    assert float(value).is_integer(), value
    return int(value)


def _mdy(text: str) -> dt.date:
    month, day, year = (int(part) for part in text.strip().split("/"))
    return dt.date(year, month, day)


def _percentage(value) -> tuple[float | None, bool]:
    """(fraction, below one percent) from 0.0233, '10%' or '< 1%'."""
    if isinstance(value, str):
        if value.strip() == "< 1%":
            return None, True
        return float(value.strip().rstrip("%")) / 100, False
    return float(value), False


def _sheet_rows(book, title: str) -> list[tuple]:
    sheet = book[title]
    # POI writes <dimension ref="A1"/>; read-only openpyxl would trust it and stop at row 1.
    sheet.reset_dimensions()
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


def _open(path: Path):
    import openpyxl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Workbook contains no default style"
        return openpyxl.load_workbook(path, read_only=True, data_only=True)


def created_at(path: Path) -> dt.datetime:
    """docProps/core.xml dcterms:created: when LinkedIn generated the workbook (UTC)."""
    with zipfile.ZipFile(path) as package:
        core = ElementTree.fromstring(package.read("docProps/core.xml"))
    [node] = core.findall("{http://purl.org/dc/terms/}created")
    stamp = dt.datetime.fromisoformat(node.text.strip().replace("Z", "+00:00"))
    assert stamp.tzinfo is not None
    return stamp.astimezone(dt.timezone.utc)


@dataclass
class RealContent:
    created: dt.datetime
    discovery: tuple[int, int] | None  # (impressions, members reached); None without DISCOVERY
    daily: dict[dt.date, tuple[int, int]] = field(default_factory=dict)  # date -> (impressions, engagements)
    new_followers: dict[dt.date, int] = field(default_factory=dict)
    total_followers: tuple[dt.date, int] | None = None
    top_posts: dict[str, list[tuple[int, str, dt.date, int]]] = field(default_factory=dict)
    demographics: dict[str, list[tuple[str, str, float | None, bool]]] = field(default_factory=dict)

    @property
    def sums(self) -> tuple[int, int, int]:
        return (
            sum(i for i, _ in self.daily.values()),
            sum(e for _, e in self.daily.values()),
            sum(self.new_followers.values()),
        )


def read_content(path: Path) -> RealContent:
    book = _open(path)
    try:
        titles = {t.upper(): t for t in book.sheetnames}
        discovery = None
        if "DISCOVERY" in titles:
            found = {r[0]: r[1] for r in _sheet_rows(book, titles["DISCOVERY"]) if r and not _blank(r[0])}
            reached = found.get("Members reached", found.get("Unique views"))
            discovery = (_int(found["Impressions"]), _int(reached))
        real = RealContent(created=created_at(path), discovery=discovery)

        rows = _sheet_rows(book, titles["ENGAGEMENT"])
        assert rows[0][:3] == ("Date", "Impressions", "Engagements")
        for row in rows[1:]:
            if row and not _blank(row[0]):
                day = _mdy(row[0])
                assert day not in real.daily
                real.daily[day] = (_int(row[1]), _int(row[2]))

        rows = _sheet_rows(book, titles["FOLLOWERS"])
        stated = re.fullmatch(r"Total followers on (\d+/\d+/\d{4}):?", rows[0][0].strip())
        real.total_followers = (_mdy(stated.group(1)), _int(rows[0][1]))
        header = next(i for i, r in enumerate(rows) if r and r[0] == "Date")
        for row in rows[header + 1 :]:
            if row and not _blank(row[0]):
                real.new_followers[_mdy(row[0])] = _int(row[1])

        rows = _sheet_rows(book, titles["TOP POSTS"])
        header = next(i for i, r in enumerate(rows) if r and r[0] == "Post URL")
        assert rows[header][2] == "Engagements" and rows[header][6] == "Impressions"
        for metric, first in (("engagements", 0), ("impressions", 4)):
            side = [r[first : first + 3] for r in rows[header + 1 :] if len(r) > first and not _blank(r[first])]
            real.top_posts[metric] = [
                (rank, url, _mdy(date), _int(value)) for rank, (url, date, value) in enumerate(side, 1)
            ]

        sheets = {"audience": titles.get("DEMOGRAPHICS", titles.get("AUDIENCE DEMOGRAPHICS"))}
        if "CONTENT DEMOGRAPHICS" in titles:
            sheets["content"] = titles["CONTENT DEMOGRAPHICS"]
        for kind, title in sheets.items():
            rows = _sheet_rows(book, title)
            assert rows[0][:3] == ("Top Demographics", "Value", "Percentage")
            real.demographics[kind] = [
                (CATEGORY.get(r[0], r[0]), r[1].strip(), *_percentage(r[2])) for r in rows[1:] if r and not _blank(r[0])
            ]
        return real
    finally:
        book.close()


@dataclass
class RealPost:
    created: dt.datetime
    post_url: str
    metrics: dict[str, int]
    demographics: list[tuple[str, str, float | None, bool]]


def read_post(path: Path) -> RealPost:
    book = _open(path)
    try:
        [title] = book.sheetnames
        rows = [r for r in _sheet_rows(book, title) if r and not _blank(r[0])]
        header = next(i for i, r in enumerate(rows) if r[:3] == ("Category", "Value", "%"))
        pairs = {r[0]: (r[1] if len(r) > 1 else None) for r in rows[:header]}
        return RealPost(
            created=created_at(path),
            post_url=pairs["Post URL"],
            metrics={key: _int(pairs[label]) for label, key in POST_KEYS.items()},
            demographics=[(CATEGORY.get(r[0], r[0]), r[1].strip(), *_percentage(r[2])) for r in rows[header + 1 :]],
        )
    finally:
        book.close()


# --------------------------------------------------------------------------------------
# 1. Conformance
# --------------------------------------------------------------------------------------


def _parse(path: Path, volume: str):
    from linkedin_assets.core.exports.parse import parse_export

    return parse_export(path, volume)


def test_independent_reader_states_the_table(tmp_path):
    """The openpyxl reader itself agrees with the stated figures (so it can judge the parser)."""
    for name, want in EXPECTED.items():
        real = read_content(land(name, tmp_path))
        start, end = _period(name)
        assert sorted(real.daily) == sorted(real.new_followers) == _days(start, end), name
        assert len(real.daily) == want.days, name
        assert real.sums == (want.impressions, want.engagements, want.new_followers), name
        assert real.total_followers == (end, want.total_followers), name
        assert (len(real.top_posts["engagements"]), len(real.top_posts["impressions"])) == want.top_posts, name
        assert {k: len(v) for k, v in real.demographics.items()} == want.demographics, name
        assert (real.discovery[1] if real.discovery else None) == want.members_reached, name
        if real.discovery:
            assert real.discovery[0] == want.impressions, name
    post = read_post(land(SINGLE_POST, tmp_path))
    assert {k: post.metrics[k] for k in POST_EXPECTED} == POST_EXPECTED
    assert len(post.demographics) == POST_DEMOGRAPHIC_ROWS


def _period(name: str) -> tuple[dt.date, dt.date]:
    start, end = re.findall(r"\d{4}-\d{2}-\d{2}", name)
    return dt.date.fromisoformat(start), dt.date.fromisoformat(end)


def _days(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]


@pytest.mark.parametrize("name", list(EXPECTED))
def test_real_content_export_parses_to_its_figures(name, tmp_path):
    path = land(name, tmp_path)
    want, real = EXPECTED[name], read_content(path)
    export = _parse(path, "content_historical")
    start, end = _period(name)
    assert (export.period_start, export.period_end) == (start, end)

    # ENGAGEMENT: every day, as the workbook states it (negative corrections included).
    daily = {d.date: (d.impressions, d.engagements) for d in export.daily}
    assert len(export.daily) == len(daily) == want.days
    assert daily == real.daily
    assert sum(i for i, _ in daily.values()) == want.impressions
    assert sum(e for _, e in daily.values()) == want.engagements

    # FOLLOWERS
    followers = {f.date: f.new_followers for f in export.new_followers}
    assert len(export.new_followers) == len(followers) == want.days
    assert followers == real.new_followers
    assert sum(followers.values()) == want.new_followers
    assert (export.total_followers_as_of, export.total_followers) == real.total_followers == (end, want.total_followers)

    # DISCOVERY (absent from 2023 files: nothing is known, not zero)
    assert export.members_reached == want.members_reached
    assert export.impressions == (real.discovery[0] if real.discovery else None)

    # TOP POSTS: two independent rankings of different lengths
    for metric, count in zip(("engagements", "impressions"), want.top_posts):
        side = sorted((p for p in export.top_posts if p.metric == metric), key=lambda p: p.rank)
        assert len(side) == count, metric
        assert [(p.rank, p.post_url, p.post_publish_date, p.value) for p in side] == real.top_posts[metric], metric
    assert {p.metric for p in export.top_posts} == {"engagements", "impressions"}

    # DEMOGRAPHICS (the five-sheet DEMOGRAPHICS sheet is the audience's)
    assert dict(Counter(d.demographic_type for d in export.demographics)) == want.demographics
    for kind, rows in real.demographics.items():
        got = [
            (d.category, d.value, d.percentage, d.below_one_percent)
            for d in export.demographics
            if d.demographic_type == kind
        ]
        assert [(c, v, b) for c, v, _, b in got] == [(c, v, b) for c, v, _, b in rows], kind
        for (_, value, pct, _), (_, _, want_pct, _) in zip(got, rows):
            assert pct == (None if want_pct is None else pytest.approx(want_pct, abs=1e-9)), (kind, value)

    # When LinkedIn generated it: the package's dcterms:created, as an aware UTC time.
    assert export.generated_at.utcoffset() == dt.timedelta(0)
    assert export.generated_at == real.created


def test_negative_day_is_kept_negative(tmp_path):
    """LinkedIn publishes corrections as negative days; the parser must not clamp or drop them."""
    path = land(SHIF_1, tmp_path)
    real = read_content(path)
    negative = {day: e for day, (_, e) in real.daily.items() if e < 0}
    assert list(negative.values()) == [-2], negative  # the table: one day of -2
    [(day, _)] = negative.items()
    daily = {d.date: d.engagements for d in _parse(path, "content_historical").daily}
    assert daily[day] == -2


def test_real_single_post_export(tmp_path):
    path = land(SINGLE_POST, tmp_path)
    real = read_post(path)
    export = _parse(path, "posts")
    file_id = re.search(r"_(\d{19})\.xlsx$", SINGLE_POST).group(1)
    assert POST_URL_ID in export.post_url and file_id not in export.post_url
    assert export.post_url == real.post_url
    assert export.post_id in (None, file_id)  # the name's id, if kept, is the name's
    # No Highlights row in 2026: the numbers are as of the download.
    assert export.as_of_date == POST_AS_OF == real.created.date()
    assert export.generated_at.utcoffset() == dt.timedelta(0)
    assert export.generated_at == real.created
    assert {k: export.metrics[k] for k in POST_EXPECTED} == POST_EXPECTED
    assert export.metrics == real.metrics
    assert len(export.demographics) == POST_DEMOGRAPHIC_ROWS
    got = [(d.category, d.value, d.below_one_percent) for d in export.demographics]
    assert got == [(c, v, b) for c, v, _, b in real.demographics]
    for d, (_, _, pct, _) in zip(export.demographics, real.demographics):
        assert d.percentage == (None if pct is None else pytest.approx(pct, abs=1e-9)), d.value


CELL = re.compile(r"\bcell [A-Z]+\d+\b")


def test_edited_export_parses_or_names_the_cell(tmp_path):
    """Arpita-deb's file was re-sorted and had TOP POSTS values removed in Excel."""
    from linkedin_assets.core.exports.model import ContentExport, ExportError

    path = land(ARPITA, tmp_path, REFUSED_OR_EDITED)
    try:
        export = _parse(path, "content_historical")
    except ExportError as exc:
        assert CELL.search(str(exc)), str(exc)
        assert str(exc).startswith(ARPITA)
    else:
        assert isinstance(export, ContentExport)
        assert len(export.daily) == 365


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        (MANUEL, "contains formulas (sheet 'ENGAGEMENT' cell B2)"),
        (LEAF_SPACE, "a LinkedIn Company Page content export (sheets found: 'Metrics', 'All posts')"),
    ],
)
def test_foreign_workbooks_are_refused_with_their_reason(tmp_path, name, reason):
    """A workbook of RAND() formulas and a Company Page export: not creator exports, and said so."""
    from linkedin_assets.core.exports.model import ExportError

    path = land(name, tmp_path, REFUSED_OR_EDITED)
    with pytest.raises(ExportError) as caught:
        _parse(path, "content_historical")
    assert str(caught.value).startswith(f"{name}: {reason}"), str(caught.value)


# --------------------------------------------------------------------------------------
# 2. End to end: three overlapping downloads, landed in the wrong mtime order
# --------------------------------------------------------------------------------------

HISTORICAL = (SHIF_1, SHIF_2, SHIF_3)


@pytest.fixture(scope="module")
def overlapping_run(tmp_path_factory):
    if not REAL.is_dir():
        pytest.skip(f"no real LinkedIn exports at {REAL}")
    from linkedin_assets.cli import run_pending
    from linkedin_assets_tests.homes import use_home

    home = tmp_path_factory.mktemp("real_exports")
    with pytest.MonkeyPatch.context() as mp:
        settings = use_home(mp, home)
        pending = settings.volume("content_historical", "pending")
        paths = {name: land(name, pending) for name in HISTORICAL}
        reads = {name: read_content(path) for name, path in paths.items()}
        # mtime order is the reverse of generation order: the newest download looks oldest.
        by_generation = sorted(HISTORICAL, key=lambda n: reads[n].created)
        assert len({reads[n].created for n in HISTORICAL}) == 3
        base = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc).timestamp()
        for hours, name in enumerate(reversed(by_generation)):
            os.utime(paths[name], (base + 3600 * hours, base + 3600 * hours))
        mtimes = {name: paths[name].stat().st_mtime for name in HISTORICAL}
        assert sorted(HISTORICAL, key=mtimes.get) == list(reversed(by_generation))
        summary = run_pending(settings)
        yield settings, summary, reads


@pytest.mark.slow
def test_overlapping_real_downloads_newest_generated_wins(overlapping_run):
    from linkedin_assets.core.lake.delta import DeltaLake

    settings, summary, reads = overlapping_run
    assert summary.ok, summary

    # Which file covers which day, and which of them LinkedIn generated last.
    covering: dict[dt.date, list[str]] = {}
    for name, real in reads.items():
        for day in real.daily:
            covering.setdefault(day, []).append(name)
    winner = {day: max(names, key=lambda n: reads[n].created) for day, names in covering.items()}
    assert min(covering) == dt.date(2024, 11, 11) and max(covering) == dt.date(2025, 12, 11)
    assert sorted(covering) == _days(min(covering), max(covering))

    lake = DeltaLake(settings.lake)
    rows = lake.read("gold", "fct_daily_profile_statistics").to_pylist()
    per_day = Counter(r["analytics_date"] for r in rows)
    assert {d: n for d, n in per_day.items() if n != 1} == {}, "more than one gold row for a day"
    assert sorted(per_day) == sorted(covering)
    facts = {r["analytics_date"]: r for r in rows}

    wrong = []
    for day, name in sorted(winner.items()):
        real = reads[name]
        want = (*real.daily[day], real.new_followers[day])
        got = (facts[day]["impressions"], facts[day]["engagements"], facts[day]["new_followers"])
        if got != want:
            wrong.append(f"{day}: gold {got} != {name} {want}")
    assert not wrong, f"{len(wrong)} days differ from the newest-generated file, e.g. {wrong[:5]}"

    # Each file states its total on its last day; gold carries it on that date.
    for name, real in reads.items():
        as_of, total = real.total_followers
        assert facts[as_of]["total_followers"] == total, name

    # The -2 correction of the first download survives (or the newest file's value for that day).
    first = reads[SHIF_1]
    [minus_two] = [day for day, (_, e) in first.daily.items() if e == -2]
    assert facts[minus_two]["engagements"] == reads[winner[minus_two]].daily[minus_two][1]
    if reads[winner[minus_two]].daily[minus_two][1] == -2:
        assert facts[minus_two]["engagements"] == -2

    # Bronze: one row per day, from the winning file.
    totals = lake.read("bronze", "totals").to_pylist()
    assert Counter(Counter(r["date"] for r in totals).values()) == Counter({1: len(covering)})
    sources = {r["date"]: r["source_file"] for r in totals}
    misattributed = {d: s for d, s in sources.items() if s != f"content_historical/{winner[d]}"}
    assert not misattributed, f"{len(misattributed)} days, e.g. {sorted(misattributed.items())[:3]}"

    # All three were read and kept in processed/.
    processed = {p.name for p in settings.volume("content_historical", "processed").iterdir() if p.is_file()}
    assert set(HISTORICAL) <= processed
    assert not [p for p in settings.volume("content_historical", "pending").iterdir() if p.is_file()]
