"""Parsers of LinkedIn exports, on small workbooks written in LinkedIn's layouts."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import openpyxl
import pytest

from linkedin_assets.core.exports import content as content_module
from linkedin_assets.core.exports.cells import to_fraction, to_int
from linkedin_assets.core.exports.content import parse_content_export
from linkedin_assets.core.exports.model import (
    POST_METRICS,
    DailyTotal,
    Demographic,
    ExportError,
    FileName,
    NewFollowers,
    PatchRow,
    TopPost,
)
from linkedin_assets.core.exports.names import parse_file_name
from linkedin_assets.core.exports.parse import parse_export
from linkedin_assets.core.exports.patch import parse_patch_file
from linkedin_assets.core.exports.single_post import parse_post_export

D = dt.date
URL_A = "https://www.linkedin.com/posts/jane-doe_data-lakes-activity-7312345678901234567-AbCd"
URL_B = "https://www.linkedin.com/posts/jane-doe_spark-share-7312345678901234568-EfGh"
URL_C = "https://www.linkedin.com/posts/jane-doe_delta-ugcPost-7312345678901234569-IjKl"
LEGACY_NAME = "Content_2025-04-01_2025-04-03_Jane Doe.xlsx"
NAME_2026 = "AggregateAnalytics_Jane Q. Doe, PhD_2025-04-01_2025-04-03.xlsx"


def write_xlsx(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    """A workbook with the given sheets, in order; None cells stay empty."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is not None:
                    sheet.cell(r, c, value)
    book.save(path)
    return path


def legacy_content_sheets() -> dict[str, list[list[object]]]:
    return {
        "DISCOVERY": [["Overall Performance", "4/1/2025 - 4/3/2025"], ["Impressions", 5537], ["Members reached", 1234]],
        "ENGAGEMENT": [
            ["Date", "Impressions", "Engagements"],
            ["4/1/2025", 100, 5],
            ["4/2/2025", 2000, 70],
            ["4/3/2025", 0, 0],
        ],
        "TOP POSTS": [
            ["Maximum of 50 posts available to include in this list"],
            [],
            ["Post URL", "Post publish date", "Engagements", None, "Post URL", "Post publish date", "Impressions"],
            [URL_A, "3/30/2025", 12, None, URL_B, "4/2/2025", 900],
            [URL_B, "4/2/2025", 9, None, URL_A, "3/30/2025", 450],
            [None, None, None, None, URL_C, "1/15/2025", 30],
        ],
        "FOLLOWERS": [
            ["Total followers on 4/3/2025:", 2500],
            [],
            ["Date", "New followers"],
            ["4/1/2025", 3],
            ["4/2/2025", 0],
            ["4/3/2025", 4],
        ],
        "DEMOGRAPHICS": [
            ["Top Demographics", "Value", "Percentage"],
            ["Job titles", "Software Engineer", 0.0233],
            ["Locations", "Berlin", "< 1%"],
            ["Company size", "51-200 employees", 0.1],
        ],
    }


def sheets_2026() -> dict[str, list[list[object]]]:
    sheets = legacy_content_sheets()
    sheets["DISCOVERY"][1:] = [["Impressions", "5,537"], ["Members reached", " 1,234 "]]
    sheets["ENGAGEMENT"][2] = ["4/2/2025", "2,000", "70"]
    sheets["TOP POSTS"][3][6] = "1,900"
    sheets["FOLLOWERS"][0][1] = "12,500"
    sheets["DEMOGRAPHICS"][1:] = [
        ["Job title", "Software Engineer", "2%"],
        ["Location", "Berlin", "< 1%"],
        ["Company size", "51-200 employees", "10%"],
    ]
    return sheets


def content(tmp_path: Path, sheets: dict, name: str = LEGACY_NAME):
    return parse_content_export(write_xlsx(tmp_path / name, sheets))


def rejected(tmp_path: Path, sheets: dict, name: str = LEGACY_NAME) -> str:
    with pytest.raises(ExportError) as caught:
        content(tmp_path, sheets, name)
    assert name in str(caught.value)
    return str(caught.value)


# Content exports ------------------------------------------------------------------


def test_legacy_content_export_every_field(tmp_path):
    export = content(tmp_path, legacy_content_sheets())

    assert (export.file_name, export.flavour, export.profile) == (LEGACY_NAME, "legacy", "Jane Doe")
    assert (export.period_start, export.period_end) == (D(2025, 4, 1), D(2025, 4, 3))
    assert (export.impressions, export.members_reached) == (5537, 1234)
    assert export.daily == (
        DailyTotal(D(2025, 4, 1), 100, 5),
        DailyTotal(D(2025, 4, 2), 2000, 70),
        DailyTotal(D(2025, 4, 3), 0, 0),
    )
    assert export.top_posts == (
        TopPost("engagements", 1, URL_A, D(2025, 3, 30), 12),
        TopPost("engagements", 2, URL_B, D(2025, 4, 2), 9),
        TopPost("impressions", 1, URL_B, D(2025, 4, 2), 900),
        TopPost("impressions", 2, URL_A, D(2025, 3, 30), 450),
        TopPost("impressions", 3, URL_C, D(2025, 1, 15), 30),
    )
    assert (export.total_followers, export.total_followers_as_of) == (2500, D(2025, 4, 3))
    assert export.new_followers == (
        NewFollowers(D(2025, 4, 1), 3),
        NewFollowers(D(2025, 4, 2), 0),
        NewFollowers(D(2025, 4, 3), 4),
    )
    assert export.demographics == (
        Demographic("Job titles", "Software Engineer", 0.0233, False),
        Demographic("Locations", "Berlin", None, True),
        Demographic("Company size", "51-200 employees", 0.1, False),
    )


def test_2026_content_export_numbers_as_text_and_singular_categories(tmp_path):
    export = content(tmp_path, sheets_2026(), NAME_2026)

    assert (export.flavour, export.profile) == ("2026", "Jane Q. Doe, PhD")
    assert (export.impressions, export.members_reached) == (5537, 1234)
    assert export.daily[1] == DailyTotal(D(2025, 4, 2), 2000, 70)
    assert export.top_posts[2] == TopPost("impressions", 1, URL_B, D(2025, 4, 2), 1900)
    assert export.total_followers == 12500
    assert export.demographics == (
        Demographic("Job titles", "Software Engineer", 0.02, False),
        Demographic("Locations", "Berlin", None, True),
        Demographic("Company size", "51-200 employees", 0.1, False),
    )


def test_header_capitalisation_varies(tmp_path):
    sheets = legacy_content_sheets()
    sheets["TOP POSTS"][2] = [
        *["POST URL", "Post Publish Date", "engagements"],
        *[None, "Post URL ", " Post Publish Date", "IMPRESSIONS"],
    ]
    sheets["ENGAGEMENT"][0] = ["date", "IMPRESSIONS", "Engagements"]

    export = content(tmp_path, sheets)

    assert len(export.top_posts) == 5 and export.top_posts[0].post_publish_date == D(2025, 3, 30)


def test_blocks_found_by_header_when_shifted(tmp_path):
    sheets = {name: [[]] + [[None, *row] for row in rows] for name, rows in legacy_content_sheets().items()}
    # The FOLLOWERS header moves one more row down, away from where LinkedIn puts it today.
    sheets["FOLLOWERS"].insert(3, [])

    shifted = content(tmp_path, sheets)

    (tmp_path / "plain").mkdir()
    assert shifted == content(tmp_path / "plain", legacy_content_sheets())


def test_total_followers_optional(tmp_path):
    sheets = legacy_content_sheets()
    sheets["FOLLOWERS"][0] = []

    export = content(tmp_path, sheets)

    assert (export.total_followers, export.total_followers_as_of) == (None, None)
    assert len(export.new_followers) == 3


def test_one_side_of_top_posts_empty(tmp_path):
    sheets = legacy_content_sheets()
    sheets["TOP POSTS"][3:] = [[None, None, None, None, URL_C, "1/15/2025", 30]]

    export = content(tmp_path, sheets)

    assert export.top_posts == (TopPost("impressions", 1, URL_C, D(2025, 1, 15), 30),)


def test_date_cells_accepted(tmp_path):
    sheets = legacy_content_sheets()
    sheets["ENGAGEMENT"][1][0] = dt.datetime(2025, 4, 1)
    sheets["FOLLOWERS"][3][0] = dt.date(2025, 4, 1)

    export = content(tmp_path, sheets)

    assert export.daily[0].date == D(2025, 4, 1) and export.new_followers[0].date == D(2025, 4, 1)


def test_english_dates_are_month_first_even_where_both_readings_fit(tmp_path):
    """A one-day file of 4/4/2025 with a post of 4/1/2025: nothing in the file tells the order; English is M/D."""
    name = "Content_2025-04-04_2025-04-04_Jane Doe.xlsx"
    sheets = legacy_content_sheets()
    sheets["DISCOVERY"][0][1] = "4/4/2025 - 4/4/2025"
    sheets["ENGAGEMENT"][1:] = [["4/4/2025", 10, 1]]
    sheets["FOLLOWERS"][0][0] = "Total followers on 4/4/2025:"
    sheets["FOLLOWERS"][3:] = [["4/4/2025", 1]]
    sheets["TOP POSTS"][3:] = [[URL_A, "4/1/2025", 1, None, URL_A, "4/1/2025", 5]]

    export = content(tmp_path, sheets, name)

    assert [d.date for d in export.daily] == [D(2025, 4, 4)]
    assert export.top_posts[0].post_publish_date == D(2025, 4, 1)


def test_day_first_dates_in_an_english_export_rejected(tmp_path):
    """English exports never write DD/MM/YYYY: such a file was re-saved by hand, so it is refused, not swapped."""
    name = "Content_2025-04-10_2025-04-14_Jean Dupont.xlsx"
    days = ["10/04/2025", "11/04/2025", "14/04/2025"]
    sheets = legacy_content_sheets()
    del sheets["DISCOVERY"]
    sheets["ENGAGEMENT"][1:] = [[d, 1, 1] for d in days]

    message = rejected(tmp_path, sheets, name)

    assert "'ENGAGEMENT' cell A2: '10/04/2025' (M/D/YYYY) is no date inside the file's period" in message


def test_portuguese_export_recognised_and_refused_naming_the_language(tmp_path):
    sheets = {
        "Descoberta": [["Desempenho geral", "01/10/2025 - 03/10/2025"]],
        "Engajamento": [["Data", "Impressões", "Engajamentos"]],
        "Publicações mais em alta": [[]],
        "Seguidores": [[]],
        "Dados demográficos do público": [[]],
        "Dados demográficos do conteúdo": [[]],
    }

    message = rejected(tmp_path, sheets, "AggregateAnalytics_Jane Doe_2025-10-01_2025-10-03.xlsx")

    assert "Portuguese-language export" in message and "'Engajamento'" in message and "English" in message


def test_company_page_export_refused(tmp_path):
    sheets = {"Metrics": [["Date", "Impressions (organic)"]], "All posts": [["Post title", "Post link"]]}

    message = rejected(tmp_path, sheets)

    assert "Company Page" in message and "'Metrics'" in message


def test_2023_layout_without_discovery(tmp_path):
    sheets = legacy_content_sheets()
    del sheets["DISCOVERY"]

    export = content(tmp_path, sheets)

    assert export.members_reached is None and export.impressions is None
    assert [d.impressions for d in export.daily] == [100, 2000, 0]


def test_mid_2024_unique_views_is_members_reached(tmp_path):
    sheets = legacy_content_sheets()
    sheets["DISCOVERY"][2][0] = "Unique views"

    assert content(tmp_path, sheets).members_reached == 1234


def test_negative_daily_counts_kept_as_stated(tmp_path):
    sheets = sheets_2026()
    sheets["ENGAGEMENT"][1][2] = "-2"
    sheets["FOLLOWERS"][4][1] = -1

    export = content(tmp_path, sheets, NAME_2026)

    assert export.daily[0].engagements == -2 and export.new_followers[1].new_followers == -1


def test_negative_total_rejected(tmp_path):
    sheets = legacy_content_sheets()
    sheets["FOLLOWERS"][0][1] = -2500

    assert "'FOLLOWERS' cell B1: expected a count (never negative), found -2500" in rejected(tmp_path, sheets)


def test_six_sheet_layout_keeps_audience_and_content_demographics(tmp_path):
    sheets = sheets_2026()
    audience = sheets.pop("DEMOGRAPHICS")
    sheets["FOLLOWERS"][0][0] = "Total followers on 4/3/2025"  # 2026: no colon
    sheets["AUDIENCE DEMOGRAPHICS"] = audience
    sheets["CONTENT DEMOGRAPHICS"] = [["Top Demographics", "Value", "Percentage"], ["Job title", "Founder", "4%"]]

    export = content(tmp_path, sheets, NAME_2026)

    assert export.total_followers == 12500 and export.total_followers_as_of == D(2025, 4, 3)
    assert [(d.demographic_type, d.category, d.value) for d in export.demographics] == [
        ("audience", "Job titles", "Software Engineer"),
        ("audience", "Locations", "Berlin"),
        ("audience", "Company size", "51-200 employees"),
        ("content", "Job titles", "Founder"),
    ]


def test_generation_time_read_from_the_package(tmp_path):
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in legacy_content_sheets().items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.properties.created = dt.datetime(2025, 4, 3, 18, 47, 46)
    path = tmp_path / LEGACY_NAME
    book.save(path)

    assert parse_content_export(path).generated_at == dt.datetime(2025, 4, 3, 18, 47, 46, tzinfo=dt.timezone.utc)


def test_top_post_published_after_period_rejected(tmp_path):
    sheets = legacy_content_sheets()
    sheets["TOP POSTS"][4][1] = "4/9/2025"

    assert "'TOP POSTS' cell B5: date '4/9/2025' is after the file's period end" in rejected(tmp_path, sheets)


def test_date_outside_the_period_rejected(tmp_path):
    sheets = legacy_content_sheets()
    sheets["ENGAGEMENT"][2][0] = "4/20/2025"

    message = rejected(tmp_path, sheets)

    assert "cell A3: '4/20/2025' (M/D/YYYY) is no date inside the file's period 2025-04-01 to 2025-04-03" in message


def test_discovery_range_must_match_file_name(tmp_path):
    sheets = legacy_content_sheets()
    sheets["DISCOVERY"][0][1] = "4/1/2025 - 4/4/2025"

    assert "does not match the file name's range" in rejected(tmp_path, sheets)


def test_repeated_date_rejected(tmp_path):
    sheets = legacy_content_sheets()
    sheets["FOLLOWERS"][5][0] = "4/2/2025"

    message = rejected(tmp_path, sheets)

    assert "'FOLLOWERS' row 6" in message and "repeats" in message


TOP_IMPRESSIONS_HEADER = ["Post URL", "Post publish date", "Impressions"]


@pytest.mark.parametrize(
    ("sheet", "row", "header"),
    [
        ("ENGAGEMENT", 0, ["Date", "Impressions", "Interactions"]),
        ("FOLLOWERS", 2, ["Day", "New followers"]),
        ("TOP POSTS", 2, ["Post URL", "Published", "Engagements", None, *TOP_IMPRESSIONS_HEADER]),
        ("TOP POSTS", 2, ["Post URL", "Post publish date", "Engagements", None, "Post URL", "Post publish date", "X"]),
        ("DEMOGRAPHICS", 0, ["Top Demographics", "Value", "Share"]),
    ],
)
def test_renamed_header_rejected(tmp_path, sheet, row, header):
    sheets = legacy_content_sheets()
    sheets[sheet][row] = header

    message = rejected(tmp_path, sheets)

    assert repr(sheet) in message and "header" in message


def test_missing_sheet_rejected_listing_sheets(tmp_path):
    sheets = legacy_content_sheets()
    del sheets["FOLLOWERS"]

    message = rejected(tmp_path, sheets)

    assert "'FOLLOWERS' not found" in message and "'DEMOGRAPHICS'" in message


@pytest.mark.parametrize(
    ("value", "problem"), [(1.5, "whole number"), ("n/a", "whole number"), ("55,37", "whole number")]
)
def test_bad_count_rejected_naming_cell(tmp_path, value, problem):
    sheets = legacy_content_sheets()
    sheets["ENGAGEMENT"][2][1] = value

    message = rejected(tmp_path, sheets)

    assert "'ENGAGEMENT' cell B3" in message and problem in message


def test_unknown_demographic_category_rejected(tmp_path):
    sheets = legacy_content_sheets()
    sheets["DEMOGRAPHICS"][2][0] = "Hobbies"

    assert "unknown demographic category 'Hobbies'" in rejected(tmp_path, sheets)


@pytest.mark.parametrize("data", [b"not a workbook", b"PK\x03\x04truncated"])
def test_unreadable_workbook_rejected(tmp_path, data):
    (tmp_path / LEGACY_NAME).write_bytes(data)

    with pytest.raises(ExportError, match="not a readable .xlsx workbook") as caught:
        parse_content_export(tmp_path / LEGACY_NAME)
    assert LEGACY_NAME in str(caught.value)


def test_content_parser_refuses_a_post_export(tmp_path):
    name = "PostAnalytics_Jane Doe_7312345678901234567.xlsx"
    assert "not a Content export" in rejected(tmp_path, legacy_content_sheets(), name)


# Single-post exports ------------------------------------------------------------

POST_ID = "7312345678901234567"
KEY_VALUES = [
    ["Post URL", URL_A],
    ["Post Date", "Sep 30, 2025"],
    ["Post Publish Time", "6:54 AM"],
    ["Highlights (lifetime)", "Sep 30, 2025 to Oct 14, 2025"],
    ["Impressions", "5,537"],
    ["Members reached", 3210],
    ["Reactions", 88],
    ["Comments", 12],
    ["Reposts", 3],
    ["Saves", 4],
    ["Sends on LinkedIn", 2],
    ["Profile viewers from this post", 40],
    ["Followers gained from this post", 6],
]
POST_DEMOGRAPHICS = [
    ["Category", "Value", "%"],
    ["Job titles", "Data Engineer", 0.12],
    ["Seniority", "Senior", "< 1%"],
]


def test_legacy_single_post_export(tmp_path):
    name = f"PostAnalytics_Jane Doe_{POST_ID}.xlsx"
    path = write_xlsx(tmp_path / name, {"PERFORMANCE": KEY_VALUES, "TOP DEMOGRAPHICS": POST_DEMOGRAPHICS})

    export = parse_post_export(path)

    assert (export.file_name, export.flavour, export.profile, export.post_id) == (name, "legacy", "Jane Doe", POST_ID)
    assert export.post_url == URL_A
    assert export.post_publish_date == D(2025, 9, 30)
    assert export.post_publish_timestamp == dt.datetime(2025, 9, 30, 6, 54)
    assert (export.highlights_start, export.as_of_date) == (D(2025, 9, 30), D(2025, 10, 14))
    assert export.metrics == {
        "impressions": 5537,
        "members_reached": 3210,
        "reactions": 88,
        "comments": 12,
        "reposts": 3,
        "saves": 4,
        "sends_on_linkedin": 2,
        "profile_viewers": 40,
        "followers_gained": 6,
        "social_engagements": None,
        "link_engagements": None,
        "premium_custom_button_engagements": None,
    }
    assert export.demographics == (
        Demographic("Job titles", "Data Engineer", 0.12, False, "content"),
        Demographic("Seniority", "Senior", None, True, "content"),
    )


def test_2026_single_post_export(tmp_path):
    name = f"SinglePostAnalytics_Jane Q. Doe_{POST_ID} (2).xlsx"
    rows = [
        ["Post URL", URL_B],
        ["Post Date", "9/30/2025"],
        ["Post Publish Time", "6:54 PM"],
        ["Highlights", "9/30/2025 to 10/14/2025"],
        *KEY_VALUES[4:],
        ["Social engagements", "1,109"],
        ["Link engagements", 0],
        ["Premium custom button engagements", 7],
        [],
        ["Category", "Value", "%"],
        ["Job title", "Data Engineer", "12%"],
        ["Company", "Acme", "3%"],
    ]
    export = parse_post_export(write_xlsx(tmp_path / name, {"Post analytics": rows}))

    assert (export.flavour, export.profile, export.post_id) == ("2026", "Jane Q. Doe", POST_ID)
    assert export.post_publish_timestamp == dt.datetime(2025, 9, 30, 18, 54)
    assert export.as_of_date == D(2025, 10, 14)
    assert set(export.metrics) == set(POST_METRICS) and None not in export.metrics.values()
    assert export.metrics["social_engagements"] == 1109
    assert export.demographics == (
        Demographic("Job titles", "Data Engineer", 0.12, False, "content"),
        Demographic("Companies", "Acme", 0.03, False, "content"),
    )


def test_2026_single_post_without_highlights_is_as_of_its_generation(tmp_path):
    """Real 2026 layout: section titles without values, blank rows, text values, no Highlights row."""
    name = f"SinglePostAnalytics_Jane Q. Doe_{POST_ID}.xlsx"
    rows = [
        ["Post URL", URL_B, ""],
        ["Post Date", "9/30/2025", ""],
        ["Post Publish Time", "7:15 AM", ""],
        ["", "", ""],
        ["Discovery", "", ""],
        ["Impressions", "1234", ""],
        ["Members reached", "987", ""],
        ["Engagement", "", ""],
        ["Social engagements", "21", ""],
        ["", "", ""],
        ["Post viewer demographics", "", ""],
        ["Category", "Value", "%"],
        ["Job title", "Data Engineer", "12%"],
    ]
    book = openpyxl.Workbook()
    book.active.title = "Post analytics"
    for row in rows:
        book.active.append(row)
    book.properties.created = dt.datetime(2025, 10, 14, 9, 30, 5)
    path = tmp_path / name
    book.save(path)

    export = parse_post_export(path)

    assert (export.highlights_start, export.as_of_date) == (None, D(2025, 10, 14))
    assert export.generated_at == dt.datetime(2025, 10, 14, 9, 30, 5, tzinfo=dt.timezone.utc)
    assert (export.metrics["impressions"], export.metrics["members_reached"]) == (1234, 987)
    assert export.post_url == URL_B and export.post_id == POST_ID


def test_single_post_without_generation_time_falls_back_to_modification_time(tmp_path):
    name = f"PostAnalytics_Jane Doe_{POST_ID}.xlsx"
    rows = [r for r in KEY_VALUES if not r[0].startswith("Highlights")]
    path = write_xlsx(tmp_path / name, {"PERFORMANCE": rows, "TOP DEMOGRAPHICS": POST_DEMOGRAPHICS})
    strip_created(path)
    stamp = dt.datetime(2025, 10, 20, 8, 0, tzinfo=dt.timezone.utc).timestamp()
    os.utime(path, (stamp, stamp))

    assert parse_post_export(path).as_of_date == D(2025, 10, 20)


def test_highlights_range_in_the_key_cell(tmp_path):
    name = f"PostAnalytics_Jane Doe_{POST_ID}.xlsx"
    rows = [r for r in KEY_VALUES if not r[0].startswith("Highlights")] + [
        ["Post Highlights Sep 30, 2025 to Oct 14, 2025"]
    ]
    path = write_xlsx(tmp_path / name, {"PERFORMANCE": rows, "TOP DEMOGRAPHICS": POST_DEMOGRAPHICS})

    assert parse_post_export(path).as_of_date == D(2025, 10, 14)


def strip_created(path: Path) -> None:
    """Rewrite the package without docProps/core.xml's dcterms:created."""
    import re
    import zipfile

    parts = {}
    with zipfile.ZipFile(path) as package:
        for info in package.infolist():
            parts[info.filename] = package.read(info.filename)
    parts["docProps/core.xml"] = re.sub(
        rb"<dcterms:created[^>]*>[^<]*</dcterms:created>", b"", parts["docProps/core.xml"]
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in parts.items():
            package.writestr(name, data)


@pytest.mark.parametrize("dropped", ["Post URL", "Impressions", "Post Date"])
def test_single_post_without_required_row_rejected(tmp_path, dropped):
    name = f"PostAnalytics_Jane Doe_{POST_ID}.xlsx"
    rows = [r for r in KEY_VALUES if r[0] != dropped]
    path = write_xlsx(tmp_path / name, {"PERFORMANCE": rows, "TOP DEMOGRAPHICS": POST_DEMOGRAPHICS})

    with pytest.raises(ExportError, match=dropped.split(" (")[0]) as caught:
        parse_post_export(path)
    assert name in str(caught.value)


def test_single_post_bad_highlights_rejected(tmp_path):
    name = f"PostAnalytics_Jane Doe_{POST_ID}.xlsx"
    rows = [*KEY_VALUES[:3], ["Highlights", "last week"], *KEY_VALUES[4:]]
    path = write_xlsx(tmp_path / name, {"PERFORMANCE": rows, "TOP DEMOGRAPHICS": POST_DEMOGRAPHICS})

    with pytest.raises(ExportError, match=r"'PERFORMANCE' cell B4: expected a range") as caught:
        parse_post_export(path)
    assert name in str(caught.value)


# Patch files ------------------------------------------------------------------


def test_patch_csv_with_bom(tmp_path):
    path = tmp_path / "fixes.csv"
    path.write_bytes(
        "\ufefftitle,post_url,notes,true_url\n"
        f"Lakes,{URL_A},ignored,\n"
        f" ,{URL_B},, \n"
        "\n"
        f"Lakes – revisited,{URL_A},,{URL_C}\n".encode()
    )

    patch = parse_patch_file(path)

    assert patch.file_name == "fixes.csv"
    assert patch.rows == (
        PatchRow(URL_A, URL_C, "Lakes – revisited", None),
        PatchRow(URL_B, None, None, None),
    )


def test_patch_xlsx(tmp_path):
    rows = [
        ["post_url", "true_url", "title", "content"],
        [URL_A, None, "Title", "Body\nline two"],
        [URL_B, "  ", None, 2024],
    ]
    path = write_xlsx(tmp_path / "fixes.xlsx", {"Sheet1": rows})

    assert parse_patch_file(path).rows == (
        PatchRow(URL_A, None, "Title", "Body\nline two"),
        PatchRow(URL_B, None, None, "2024"),
    )


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"title,content\nx,y\n", "header must include post_url"),
        (f"post_url,title\n{URL_A},x\n,y\n".encode(), "row 3: post_url is empty"),
        ("post_url,title\nhttps://x,caf\xe9\n".encode("latin-1"), "not UTF-8"),
        (b"", "patch file is empty"),
    ],
)
def test_bad_patch_csv_rejected(tmp_path, data, problem):
    path = tmp_path / "fixes 2.csv"
    path.write_bytes(data)

    with pytest.raises(ExportError, match=problem) as caught:
        parse_patch_file(path)
    assert "fixes 2.csv" in str(caught.value)


# File names ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "Content_2025-01-01_2025-12-31_Jane Q. Doe, PhD+.xlsx",
            FileName("content", "legacy", "Jane Q. Doe, PhD+", D(2025, 1, 1), D(2025, 12, 31)),
        ),
        (
            "Content_2025-04-03_2025-04-03_jane_doe (1).xlsx",
            FileName("content", "legacy", "jane_doe", D(2025, 4, 3), D(2025, 4, 3)),
        ),
        (
            "AggregateAnalytics_Jane Q. Doe, PhD_2026-01-01_2026-01-31 (12).xlsx",
            FileName("content", "2026", "Jane Q. Doe, PhD", D(2026, 1, 1), D(2026, 1, 31)),
        ),
        (f"PostAnalytics_Jane_Doe_{POST_ID} (1).xlsx", FileName("post", "legacy", "Jane_Doe", post_id=POST_ID)),
        (f"SinglePostAnalytics_Jane Q. Doe+_{POST_ID}.xlsx", FileName("post", "2026", "Jane Q. Doe+", post_id=POST_ID)),
    ],
)
def test_file_names(name, expected):
    assert parse_file_name(name) == expected


@pytest.mark.parametrize(
    "name",
    [
        "Content_2025-04-01_2025-04-03_Jane Doe.csv",
        "Content_2025-04-01_Jane Doe.xlsx",
        "Content_2025-02-30_2025-03-01_Jane Doe.xlsx",
        "Content_2025-04-03_2025-04-01_Jane Doe.xlsx",
        "PostAnalytics_Jane Doe_activity.xlsx",
        "report.xlsx",
    ],
)
def test_bad_file_names_rejected(name):
    with pytest.raises(ExportError) as caught:
        parse_file_name(name)
    assert name in str(caught.value)


def test_unrecognised_name_lists_accepted_patterns():
    with pytest.raises(ExportError, match="SinglePostAnalytics_<Profile>_<postId>.xlsx"):
        parse_file_name("report.xlsx")


# Dispatch -----------------------------------------------------------------------


def test_parse_export_dispatches_by_volume(tmp_path):
    daily = write_xlsx(tmp_path / LEGACY_NAME, legacy_content_sheets())
    patch = tmp_path / "fixes.csv"
    patch.write_text(f"post_url\n{URL_A}\n", encoding="utf-8")

    # A content_daily file spanning three days is parsed, not refused.
    assert parse_export(daily, "content_daily").period_end == D(2025, 4, 3)
    assert parse_export(daily, "content_historical").impressions == 5537
    assert parse_export(patch, "patch").rows == (PatchRow(URL_A, None, None, None),)


def test_parse_export_rejects_unknown_extension(tmp_path):
    path = tmp_path / "fixes.json"
    path.write_text("{}")

    with pytest.raises(ExportError, match="fixes.json: patch/ takes .csv or .xlsx files"):
        parse_export(path, "patch")


def test_post_export_in_content_volume_rejected(tmp_path):
    name = f"PostAnalytics_Jane Doe_{POST_ID}.xlsx"
    path = write_xlsx(tmp_path / name, {"PERFORMANCE": KEY_VALUES, "TOP DEMOGRAPHICS": POST_DEMOGRAPHICS})

    with pytest.raises(ExportError, match="not a Content export"):
        parse_export(path, "content_daily")
    assert parse_export(path, "posts").post_id == POST_ID


def test_unexpected_exception_surfaces_as_export_error(tmp_path, monkeypatch):
    def broken(*_, **__):
        raise KeyError("surprise")

    monkeypatch.setattr(content_module, "read_demographics", broken)
    path = write_xlsx(tmp_path / LEGACY_NAME, legacy_content_sheets())

    with pytest.raises(ExportError, match=f"{LEGACY_NAME}: KeyError: 'surprise'"):
        parse_export(path, "content_historical")


# Cell helpers -------------------------------------------------------------------


def test_to_int_and_to_fraction():
    assert [to_int(v, "x") for v in (7, 7.0, "5,537", " 1,234 ", "0")] == [7, 7, 5537, 1234, 0]
    for bad in (7.5, "", None, True, "-1", "1.234"):
        with pytest.raises(ValueError, match="x: "):
            to_int(bad, "x")
    assert to_fraction(0.0233, "x") == (0.0233, False)
    assert to_fraction("2%", "x") == (0.02, False)
    assert to_fraction("<1%", "x") == (None, True)
    with pytest.raises(ValueError, match="between 0% and 100%"):
        to_fraction(12, "x")


def test_bidi_controls_in_a_name_are_shown_as_escapes():
    """A right-to-left override makes "Content_...\u202exslx.exe" print as "...exe.xlsx": never raw."""
    error = ExportError("Content_1\u202eexe.xlsx", "x")
    assert str(error) == "Content_1\\u202eexe.xlsx: x"


@pytest.mark.parametrize(
    "url", ["https://evil.example/posts/x", "https://linkedin.com.evil.io/p", "javascript:alert(1)"]
)
def test_post_url_must_be_on_linkedin(tmp_path, url):
    """The dashboard links every post as "Open on LinkedIn": a URL elsewhere is refused, naming the cell."""
    sheets = legacy_content_sheets()
    sheets["TOP POSTS"][3][0] = url

    message = rejected(tmp_path, sheets)

    assert f"'TOP POSTS' cell A4: expected a LinkedIn post URL (https://www.linkedin.com/...), found {url!r}" in message


def test_patch_true_url_must_be_on_linkedin(tmp_path):
    path = tmp_path / "fixes.csv"
    path.write_text(f"post_url,true_url\n{URL_A},https://evil.example/p\n", encoding="utf-8")

    with pytest.raises(ExportError, match=r"row 2 true_url: expected a LinkedIn post URL"):
        parse_patch_file(path)


def test_publish_date_before_linkedin_existed_rejected(tmp_path):
    """A post of the year 1000 once grew gold's calendar to 375,073 days."""
    sheets = legacy_content_sheets()
    sheets["TOP POSTS"][4][1] = "1/1/1000"

    assert "'TOP POSTS' cell B5: date '1/1/1000' is before LinkedIn existed (2003-05-05)" in rejected(tmp_path, sheets)
