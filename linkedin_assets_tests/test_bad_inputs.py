"""A catalogue of bad inputs, each dropped into landing after a valid baseline was stored.

The rule for every bad file: `run` fails with a one-line reason that starts with the
file name and says what is wrong; the file moves to `landing/<volume>/errors/` with
`<name>.error.txt` beside it; and no bronze table changes, neither its Delta version
nor its content. A few neighbours of bad inputs are fine and are tested as such:
reordered columns (blocks are found by header text), the same file uploaded twice,
and two downloads of the same day (the latest download wins).

Always `downstream=False`: bronze only, no Spark, so every case takes a few seconds.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import dagster as dg
import openpyxl
import pytest

from linkedin_assets.cli import run_pending
from linkedin_assets.core.exports.model import shown_name
from linkedin_assets.samples.profile import build_profile
from linkedin_assets.samples.writer import write_content_export, write_patch_file, write_post_export
from linkedin_assets_tests.homes import use_home
from linkedin_assets_tests.lake_state import rows, snapshot

DAY = dt.date(2026, 10, 31)  # the baseline's day, stored before each bad file arrives
BAD_DAY = dt.date(2026, 10, 30)  # the day the bad file claims to hold
BRONZE = [
    "totals",
    "followers",
    "follower_totals",
    "discovery",
    "top_posts",
    "demographics",
    "post_details",
    "post_patch",
]
MB = 1024 * 1024
# Generation times (dcterms:created) of two downloads of BAD_DAY: what decides which is newer.
EARLY, LATE = dt.datetime(2026, 10, 30, 8), dt.datetime(2026, 10, 30, 20)


@pytest.fixture(scope="module")
def profile():
    return build_profile(end=DAY, days=40, seed=3)


@pytest.fixture(scope="module")
def stored_baseline(tmp_path_factory, profile) -> Path:
    """A LINKEDIN_HOME where a daily Content file, a single-post export and a patch were run.

    Made once; each test starts from a copy (lake, landing and Dagster instance alike),
    which saves a Dagster run per test.
    """
    home = tmp_path_factory.mktemp("baseline") / "home"
    with pytest.MonkeyPatch.context() as mp:
        settings = use_home(mp, home)
        write_content_export(profile, pending(settings, "content_daily"), DAY, DAY)
        write_post_export(profile, profile.posts[-3].url, DAY, pending(settings, "posts"))
        known = top_post_urls(profile, DAY)[0]
        write_patch_file([{"post_url": known, "title": "Baseline title"}], pending(settings, "patch") / "base.csv")
        summary = run_pending(settings, downstream=False)
    assert summary.ok, summary
    return home


@pytest.fixture
def baseline(settings, stored_baseline) -> dict:
    """The stored baseline, copied into this test's LINKEDIN_HOME; returns its snapshot."""
    shutil.copytree(stored_baseline, settings.home, dirs_exist_ok=True)  # copy2: mtimes kept
    before = snapshot(settings)
    assert all(before[t][1] for t in BRONZE), "the baseline fills every bronze table"
    return before


# Helpers ----------------------------------------------------------------------------


def pending(settings, volume: str) -> Path:
    return settings.volume(volume, "pending")


def top_post_urls(profile, day: dt.date) -> list[str]:
    return [url for url, _, _ in profile.top_posts(day, day, "engagements")]


def bump_mtime(path: Path, seconds: int) -> None:
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + seconds * 1_000_000_000))


def valid_bad_day_file(settings, profile, folder: Path | None = None, day: dt.date = BAD_DAY, **kwargs) -> Path:
    """A valid daily Content export for `day`, written outside pending/ unless told."""
    folder = folder or settings.home / "drafts"
    return write_content_export(profile, folder, day, day, **kwargs)


def broken(settings, profile, change: Callable[[openpyxl.Workbook], None], day: dt.date = BAD_DAY) -> Path:
    """A valid Content export for `day`, edited with openpyxl, saved into pending/."""
    source = valid_bad_day_file(settings, profile, day=day)
    book = openpyxl.load_workbook(source)
    change(book)
    target = pending(settings, "content_daily") / source.name
    book.save(target)
    return target


def assert_rejected(settings, summary, volume: str, name: str, phrase: str) -> str:
    """The file is in errors/ with its note; the reason is one line: '<file>: <problem>'."""
    assert not summary.ok
    errors = settings.volume(volume, "errors")
    assert (errors / name).is_file(), sorted(p.name for p in errors.iterdir())
    assert not (pending(settings, volume) / name).exists()
    assert not (settings.volume(volume, "processed") / name).exists()
    note = (errors / f"{name}.error.txt").read_text(encoding="utf-8")
    assert note.startswith(f"{name}\n")  # the note names the file as it is on disk
    reason = summary.errors[f"{volume}/{name}"]
    assert reason == note.splitlines()[-1]
    assert reason.startswith(f"{shown_name(name)}: "), reason
    assert phrase in reason, reason
    assert "\n" not in reason and "Traceback" not in note
    return reason


def run_bad(settings, baseline, volume: str, path: Path, phrase: str) -> str:
    """Run with `path` pending: rejected with `phrase`, every bronze table as it was."""
    summary = run_pending(settings, downstream=False)
    reason = assert_rejected(settings, summary, volume, path.name, phrase)
    assert snapshot(settings) == baseline
    return reason


def sheet_editor(sheet: str, edit: Callable) -> Callable[[openpyxl.Workbook], None]:
    return lambda book: edit(book[sheet])


# 1-2. Not an .xlsx at all, or cut short --------------------------------------------


def test_01_random_bytes_named_xlsx(settings, profile, baseline):
    path = pending(settings, "content_daily") / f"Content_{BAD_DAY}_{BAD_DAY}_AdaLovelace.xlsx"
    path.write_bytes(os.urandom(4096).replace(b"PK", b"pk"))

    run_bad(settings, baseline, "content_daily", path, "not a readable .xlsx workbook: the file is not a zip archive")


def test_02_truncated_xlsx(settings, profile, baseline):
    source = valid_bad_day_file(settings, profile)
    data = source.read_bytes()
    path = pending(settings, "content_daily") / source.name
    path.write_bytes(data[: len(data) // 2])

    run_bad(settings, baseline, "content_daily", path, "the zip archive is truncated or damaged")


def test_02_password_protected_xlsx(settings, profile, baseline):
    """Excel's password protection makes an OLE file, which once read as 'an .xls or CSV renamed?'."""
    import io

    from msoffcrypto.format.ooxml import OOXMLFile

    source = valid_bad_day_file(settings, profile)
    encrypted = io.BytesIO()
    with source.open("rb") as plain:
        OOXMLFile(plain).encrypt("a password", encrypted)
    path = pending(settings, "content_daily") / source.name
    path.write_bytes(encrypted.getvalue())

    run_bad(settings, baseline, "content_daily", path, "the workbook is password-protected (encrypted)")


def test_02_workbook_with_macros(settings, profile, baseline):
    path = pending(settings, "content_daily") / valid_bad_day_file(settings, profile).name
    shutil.copy(settings.home / "drafts" / path.name, path)
    with zipfile.ZipFile(path, "a") as package:
        package.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0 macros")

    run_bad(settings, baseline, "content_daily", path, "the workbook holds macros (xl/vbaProject.bin)")


# 3-6. Layout: sheets, headers, columns, empty sheets -----------------------------------


def test_03_missing_sheet(settings, profile, baseline):
    path = broken(settings, profile, lambda book: book.remove(book["FOLLOWERS"]))

    reason = run_bad(settings, baseline, "content_daily", path, "sheet 'FOLLOWERS' not found")
    assert "sheets found: 'DISCOVERY', 'ENGAGEMENT', 'TOP POSTS', 'DEMOGRAPHICS'" in reason


def test_04_renamed_header(settings, profile, baseline):
    path = broken(settings, profile, sheet_editor("ENGAGEMENT", lambda s: setattr(s["B1"], "value", "Views")))

    reason = run_bad(
        settings, baseline, "content_daily", path, "header row with 'Date' | 'Impressions' | 'Engagements' not found"
    )
    assert "'Views'" in reason and "no 'Impressions'" in reason


def test_04_reordered_columns_are_read_by_header(settings, profile, baseline):
    """Not an error: columns are located by their header text, so a swap reads correctly."""

    def swap(sheet):
        for row in sheet.iter_rows(min_col=2, max_col=3):
            row[0].value, row[1].value = row[1].value, row[0].value

    path = broken(settings, profile, sheet_editor("ENGAGEMENT", swap))
    assert [c.value for c in openpyxl.load_workbook(path)["ENGAGEMENT"][1]] == ["Date", "Engagements", "Impressions"]

    summary = run_pending(settings, downstream=False)

    assert summary.ok, summary
    [total] = rows(settings, "totals", date=BAD_DAY)
    truth = profile.days[BAD_DAY]
    assert (total["impressions"], total["engagements"]) == (truth.impressions, truth.engagements)
    assert (settings.volume("content_daily", "processed") / path.name).exists()
    # The baseline day is untouched.
    after = snapshot(settings)
    assert [r for r in after["totals"][1] if ("date", str(DAY)) in r] == [
        r for r in baseline["totals"][1] if ("date", str(DAY)) in r
    ]


def test_05_extra_column_in_a_data_sheet(settings, profile, baseline):
    def add_clicks(sheet):
        sheet["D1"] = "Clicks"
        sheet["D2"] = 12

    path = broken(settings, profile, sheet_editor("ENGAGEMENT", add_clicks))

    reason = run_bad(settings, baseline, "content_daily", path, "unrecognised layout: unexpected column 'Clicks'")
    assert "sheet 'ENGAGEMENT' cell D1" in reason


def test_05_value_in_a_column_without_header(settings, profile, baseline):
    path = broken(settings, profile, sheet_editor("FOLLOWERS", lambda s: setattr(s["C4"], "value", 99)))

    phrase = "sheet 'FOLLOWERS' cell C4: unrecognised layout: value '99' in a column without a header"
    run_bad(settings, baseline, "content_daily", path, phrase)


def test_05_extra_column_in_top_posts(settings, profile, baseline):
    path = broken(settings, profile, sheet_editor("TOP POSTS", lambda s: setattr(s["H3"], "value", "Clicks")))

    run_bad(settings, baseline, "content_daily", path, "sheet 'TOP POSTS' cell H3: unrecognised layout")


def test_06_data_sheet_with_only_a_header(settings, profile, baseline):
    path = broken(settings, profile, sheet_editor("ENGAGEMENT", lambda s: s.delete_rows(2, s.max_row)))

    run_bad(settings, baseline, "content_daily", path, "sheet 'ENGAGEMENT' has a header but no data rows")


def test_06_totally_empty_sheet(settings, profile, baseline):
    path = broken(settings, profile, sheet_editor("ENGAGEMENT", lambda s: s.delete_rows(1, s.max_row)))

    run_bad(settings, baseline, "content_daily", path, "sheet 'ENGAGEMENT' is empty")


# 7-9. Cell values ------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["31/31/2026", "yesterday"])
def test_07_dates_that_do_not_parse(settings, profile, baseline, text):
    path = broken(settings, profile, sheet_editor("ENGAGEMENT", lambda s: setattr(s["A2"], "value", text)))

    run_bad(settings, baseline, "content_daily", path, f"sheet 'ENGAGEMENT' cell A2: {text!r} is not a date")


def test_08_day_first_date_in_an_english_export(settings, profile, baseline):
    """English exports write M/D/YYYY always: 30/10/2026 is no date, and it is refused, never swapped."""
    path = broken(settings, profile, sheet_editor("ENGAGEMENT", lambda s: setattr(s["A2"], "value", "30/10/2026")))

    run_bad(
        settings,
        baseline,
        "content_daily",
        path,
        "sheet 'ENGAGEMENT' cell A2: '30/10/2026' is not a date (expected M/D/YYYY)",
    )


def test_08_one_day_file_read_month_first(settings, profile, baseline):
    """Not an error: on 10/10/2026 a post of 5/9/2026 could be read either way; English means May 9."""
    day = dt.date(2026, 10, 10)

    def publish_date(sheet):
        assert sheet["A4"].value.startswith("https://")  # a listed post
        sheet["B4"] = "5/9/2026"

    path = broken(settings, profile, sheet_editor("TOP POSTS", publish_date), day=day)

    summary = run_pending(settings, downstream=False)

    assert summary.ok, summary
    dates = {r["post_publish_date"] for r in rows(settings, "top_posts", analytics_date=day) if r["rank"] == 1}
    assert dt.date(2026, 5, 9) in dates and not (pending(settings, "content_daily") / path.name).exists()


@pytest.mark.parametrize(
    ("sheet", "cell", "value", "phrase"),
    [
        ("FOLLOWERS", "B1", -5, "cell B1: expected a count (never negative), found -5"),
        ("ENGAGEMENT", "B2", "n/a", "cell B2: expected a whole number, found 'n/a'"),
        ("ENGAGEMENT", "B2", "12.5", "cell B2: expected a whole number, found '12.5'"),
        ("ENGAGEMENT", "B2", "55,37", "cell B2: expected a whole number, found '55,37'"),
        # Beyond int64: once an OverflowError after parsing, the file stuck in pending/ forever.
        ("ENGAGEMENT", "B2", 1e308, "cell B2: 1e+308 is too large for a count"),
        (
            "ENGAGEMENT",
            "C2",
            "9,223,372,036,854,775,808",
            "cell C2: '9,223,372,036,854,775,808' is too large for a count",
        ),
    ],
)
def test_09_negative_total_or_non_numeric_numbers(settings, profile, baseline, sheet, cell, value, phrase):
    path = broken(settings, profile, sheet_editor(sheet, lambda s: setattr(s[cell], "value", value)))

    run_bad(settings, baseline, "content_daily", path, f"sheet {sheet!r} {phrase}")


def test_09_negative_day_is_stored_as_stated_and_flagged(settings, profile, baseline):
    """Not an error: LinkedIn corrects a day with a negative count; it is kept, and a warning names the day."""
    path = broken(settings, profile, sheet_editor("ENGAGEMENT", lambda s: setattr(s["C2"], "value", -2)))

    summary = run_pending(settings, downstream=False)

    assert summary.ok, summary
    [total] = rows(settings, "totals", date=BAD_DAY)
    assert total["engagements"] == -2
    assert not (pending(settings, "content_daily") / path.name).exists()
    instance = dg.DagsterInstance.get()
    check = dg.AssetCheckKey(dg.AssetKey(["bronze", "linkedin", "totals"]), "negative_days")
    [record] = instance.event_log_storage.get_asset_check_execution_history(check, limit=1)
    evaluation = record.event.dagster_event.event_specific_data
    assert not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.WARN
    assert evaluation.metadata["days"].value == [{"date": BAD_DAY.isoformat(), "column": "engagements", "value": -2}]


def rewritten_part(path: Path, part: str, edit: Callable[[bytes], bytes]) -> Path:
    """The package at `path` with one part's bytes edited, the rest as they were."""
    with zipfile.ZipFile(path) as package:
        parts = {info.filename: package.read(info.filename) for info in package.infolist()}
    parts[part] = edit(parts[part])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in parts.items():
            package.writestr(name, data)
    return path


def test_10_sheet_claiming_the_last_cell_is_refused_before_it_is_loaded(settings, profile, baseline):
    """One empty text cell at XFD1048576: python-calamine would allocate 512 GiB for the sheet
    (it aborts the process: seen with `ulimit -v`), killing the run and every later one."""
    path = pending(settings, "content_daily") / valid_bad_day_file(settings, profile).name
    shutil.copy(settings.home / "drafts" / path.name, path)
    rewritten_part(
        path,
        "xl/worksheets/sheet2.xml",
        lambda xml: xml.replace(
            b"</sheetData>", b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t></t></is></c></row></sheetData>'
        ),
    )
    assert path.stat().st_size < 20_000

    run_bad(
        settings,
        baseline,
        "content_daily",
        path,
        "sheet 'ENGAGEMENT' spans 1,048,576 rows x 16,384 columns (17,179,869,184 cells, over 2,000,000)",
    )


def test_10_generation_time_in_the_future_is_not_trusted(settings, profile, baseline):
    """The generation time decides which download wins: one in 2100 would win every day forever."""
    path = valid_bad_day_file(
        settings, profile, folder=pending(settings, "content_daily"), generated_at=dt.datetime(2100, 1, 1, 9)
    )

    run_bad(
        settings,
        baseline,
        "content_daily",
        path,
        "LinkedIn generated it on 2100-01-01T09:00:00+00:00, which is in the future",
    )


def test_10_modification_time_in_the_future_of_an_untimed_file_is_not_trusted(settings, profile, baseline):
    """A patch file states no generation time: its mtime orders it, and one in 2100 would win for ever."""
    url = profile.posts[0].url
    path = write_patch_file([{"post_url": url, "title": "From the future"}], pending(settings, "patch") / "fixes.csv")
    when = dt.datetime(2100, 1, 1, 9, tzinfo=dt.timezone.utc).timestamp()
    os.utime(path, (when, when))

    run_bad(settings, baseline, "patch", path, "was last modified on 2100-01-01T09:00:00+00:00, which is in the future")


def test_10_formula_instead_of_a_value(settings, profile, baseline):
    # openpyxl writes the formula without a cached value: python-calamine would read it
    # as empty, so the package is scanned for <f> elements before parsing.
    path = broken(settings, profile, sheet_editor("ENGAGEMENT", lambda s: setattr(s["B2"], "value", "=C2+1")))

    run_bad(settings, baseline, "content_daily", path, "contains formulas (sheet 'ENGAGEMENT' cell B2)")


# 11. Size -------------------------------------------------------------------------------


def test_11_file_over_the_size_limit_is_refused_before_parsing(settings, profile, baseline):
    path = pending(settings, "content_daily") / valid_bad_day_file(settings, profile).name
    shutil.copy(settings.home / "drafts" / path.name, path)
    with path.open("r+b") as handle:
        handle.truncate(50 * MB)  # sparse: fast to make, 50 MB as far as stat() goes

    run_bad(settings, baseline, "content_daily", path, "file is 50.0 MB, over the 20.0 MB limit (LINKEDIN_MAX_FILE_MB)")


@pytest.mark.parametrize("limit", ["inf", "nan", "-3", "lots"])
def test_11_size_limit_that_is_no_size_falls_back_to_the_default(settings, profile, baseline, monkeypatch, limit):
    """LINKEDIN_MAX_FILE_MB=inf once made every file fail with an OverflowError."""
    monkeypatch.setenv("LINKEDIN_MAX_FILE_MB", limit)
    valid_bad_day_file(settings, profile, folder=pending(settings, "content_daily"))

    summary = run_pending(settings, downstream=False)

    assert summary.ok, summary
    assert [r["date"] for r in rows(settings, "totals", date=BAD_DAY)] == [BAD_DAY]


def test_11_size_limit_from_the_environment(settings, profile, baseline, monkeypatch):
    monkeypatch.setenv("LINKEDIN_MAX_FILE_MB", "1")
    path = pending(settings, "patch") / "big fixes.csv"
    path.write_bytes(b"post_url,title\n")
    with path.open("r+b") as handle:
        handle.truncate(2 * MB)

    run_bad(settings, baseline, "patch", path, "file is 2.0 MB, over the 1.0 MB limit (LINKEDIN_MAX_FILE_MB)")


# 12. File names ------------------------------------------------------------------------------

HOSTILE_PROFILES = {
    "backslash": ("Ada\\..\\Lovelace", "file name contains characters not allowed in an export name (\\)"),
    "semicolon": ("Ada; touch PWNED", "(;)"),
    "command substitution": ("Ada $(touch PWNED)", "($)"),
    "backtick": ("Ada `touch PWNED`", "(`)"),
    "pipe": ("Ada | touch PWNED", "(|)"),
    "double quote": ('Ada "the" Lovelace', '(")'),
    "newline": ("Ada\ntouch PWNED", "file name contains control characters ('\\n')"),
}


@pytest.mark.parametrize("profile_name", list(HOSTILE_PROFILES), ids=list(HOSTILE_PROFILES))
def test_12_hostile_file_names_are_rejected_without_a_shell(settings, profile, baseline, profile_name, monkeypatch):
    hostile, phrase = HOSTILE_PROFILES[profile_name]
    monkeypatch.chdir(settings.home)
    source = valid_bad_day_file(settings, profile)  # a valid workbook: only its name is bad
    path = pending(settings, "content_daily") / f"Content_{BAD_DAY}_{BAD_DAY}_{hostile}.xlsx"
    shutil.copy(source, path)

    reason = run_bad(settings, baseline, "content_daily", path, phrase)

    assert "rename the file" in reason
    assert not list(settings.home.rglob("PWNED*")), "nothing ran the name through a shell"
    # The note sits beside the file in errors/, both under the exact name.
    assert (settings.volume("content_daily", "errors") / f"{path.name}.error.txt").is_file()


def test_12_hostile_patch_file_name(settings, profile, baseline):
    known = top_post_urls(profile, DAY)[0]
    path = write_patch_file([{"post_url": known, "title": "x"}], pending(settings, "patch") / "fix;rm -rf ~.csv")

    run_bad(settings, baseline, "patch", path, "file name contains characters not allowed in an export name (;)")


def test_12_latin1_file_name_is_refused_and_the_rest_processed(settings, profile, baseline):
    """A name in bytes that are no UTF-8 once crashed the sensor on every tick, blocking every volume."""
    good = valid_bad_day_file(settings, profile, folder=pending(settings, "content_daily"))
    source = valid_bad_day_file(settings, profile, day=BAD_DAY - dt.timedelta(days=1))
    folder = os.fsencode(pending(settings, "content_daily"))
    latin1 = os.path.join(folder, os.fsencode(source.name).replace(b"Lovelace", b"Lovel\xe1ce"))
    shutil.copy(source, latin1)

    summary = run_pending(settings, downstream=False)

    assert (settings.volume("content_daily", "processed") / good.name).is_file()
    shown = source.name.replace("Lovelace", "Lovel\\xe1ce")
    note = settings.volume("content_daily", "errors") / f"{shown}.error.txt"
    assert note.read_text(encoding="utf-8").splitlines()[-1] == (
        f"{shown}: the file name is not valid UTF-8 (an old encoding such as Latin-1?): rename the file"
    )
    assert not os.listdir(folder) and summary.processed


@pytest.mark.parametrize("target", ["secret", "processed"])
def test_12_symbolic_link_is_refused_without_being_followed(settings, profile, baseline, tmp_path, target):
    """A link to a private file must not leak a line of it; a link to processed/X must not destroy X."""
    processed = settings.volume("content_daily", "processed")
    kept = sorted(processed.iterdir())[0]
    if target == "secret":
        secret = tmp_path / "token.txt"
        secret.write_text("dapi-very-secret-token\n")
        secret.chmod(0o600)
        link = pending(settings, "patch") / "fixes.csv"
        link.symlink_to(secret)
        volume = "patch"
    else:
        link = pending(settings, "content_daily") / kept.name
        link.symlink_to(kept)
        volume = "content_daily"
    kept_bytes = kept.read_bytes()

    summary = run_pending(settings, downstream=False)

    moved = settings.volume(volume, "errors") / link.name
    assert moved.is_symlink() and not link.exists() and not link.is_symlink()
    note = (settings.volume(volume, "errors") / f"{link.name}.error.txt").read_text(encoding="utf-8")
    assert (
        note.splitlines()[-1]
        == f"{link.name}: a symbolic link, not a file: refused without being followed; copy the file itself"
    )
    assert "very-secret" not in note + str(summary)
    assert summary.errors[f"{volume}/{link.name}"] == note.splitlines()[-1]  # the summary names it too
    assert kept.is_file() and not kept.is_symlink() and kept.read_bytes() == kept_bytes
    assert snapshot(settings) == baseline


def test_12_folder_named_like_an_export_is_refused_naming_it(settings, profile, baseline):
    """An unpacked workbook (a folder called Content_....xlsx) was skipped without a word."""
    source = valid_bad_day_file(settings, profile)
    folder = pending(settings, "content_daily") / source.name
    folder.mkdir()
    (folder / "[Content_Types].xml").write_text("<Types/>")

    summary = run_pending(settings, downstream=False)

    assert not summary.ok and not folder.exists()
    moved = settings.volume("content_daily", "errors") / source.name
    assert (moved / "[Content_Types].xml").read_text() == "<Types/>"  # moved whole, nothing lost
    reason = summary.errors[f"content_daily/{source.name}"]
    assert reason == f"{source.name}: a folder, not a file (an unpacked workbook?): put the export file itself here"
    assert snapshot(settings) == baseline


def test_12_apostrophe_in_a_profile_name_is_fine(settings, profile, baseline):
    """Real names hold apostrophes (O'Brien): handled as plain data, never through a shell."""
    source = valid_bad_day_file(settings, profile)
    path = pending(settings, "content_daily") / f"Content_{BAD_DAY}_{BAD_DAY}_Ada O'Lovelace.xlsx"
    shutil.copy(source, path)

    summary = run_pending(settings, downstream=False)

    assert summary.ok, summary
    [total] = rows(settings, "totals", date=BAD_DAY)
    assert total["source_file"] == f"content_daily/{path.name}"


# 13-14. The same day twice --------------------------------------------------------------------


def test_13_same_file_uploaded_twice_changes_nothing(settings, profile, baseline):
    """Not an error: the same bytes again (as copied back, name and mtime kept) change no table."""
    processed = settings.volume("content_daily", "processed")
    [done] = processed.glob("*.xlsx")
    shutil.copy2(done, pending(settings, "content_daily") / done.name)

    summary = run_pending(settings, downstream=False)

    assert summary.ok, summary
    assert snapshot(settings) == baseline
    assert (processed / done.name).is_file()
    assert not (pending(settings, "content_daily") / done.name).exists()
    assert not list(settings.volume("content_daily", "errors").iterdir())


def test_13_same_bytes_uploaded_again_later_changes_nothing(settings, profile, baseline):
    processed = settings.volume("content_daily", "processed")
    [done] = processed.glob("*.xlsx")
    again = pending(settings, "content_daily") / done.name
    shutil.copy(done, again)  # a new mtime: "now"
    bump_mtime(again, 60)

    summary = run_pending(settings, downstream=False)

    assert summary.ok, summary
    assert (processed / done.name).is_file()
    assert snapshot(settings) == baseline


def test_14_two_downloads_of_a_day_latest_wins_older_kept(settings, profile, baseline):
    """Different names (' (1)' from the browser): the newer download wins; the older one,
    arriving late (a newer modification time), is still recorded in processed/."""
    other = build_profile(end=DAY, days=40, seed=99)
    newer = valid_bad_day_file(settings, other, folder=pending(settings, "content_daily"), generated_at=LATE)
    older = valid_bad_day_file(settings, profile, suffix=" (1)", generated_at=EARLY)
    assert run_pending(settings, downstream=False).ok
    shutil.move(older, pending(settings, "content_daily") / older.name)
    bump_mtime(pending(settings, "content_daily") / older.name, 3600)

    summary = run_pending(settings, downstream=False)

    assert summary.ok, summary
    [total] = rows(settings, "totals", date=BAD_DAY)
    assert total["impressions"] == other.days[BAD_DAY].impressions
    assert total["source_file"] == f"content_daily/{newer.name}"
    processed = settings.volume("content_daily", "processed")
    assert (processed / newer.name).is_file() and (processed / older.name).is_file()


def test_14_same_name_downloaded_again_older_copy_superseded(settings, profile, baseline):
    """Same name, later download with other numbers: it wins, even with an older modification
    time; the older copy moves to processed/superseded/<stem>.<mtime_ns>.xlsx, kept on
    record but no longer read."""
    first = valid_bad_day_file(settings, profile, folder=pending(settings, "content_daily"), generated_at=EARLY)
    assert run_pending(settings, downstream=False).ok
    processed = settings.volume("content_daily", "processed")
    first_mtime = (processed / first.name).stat().st_mtime_ns
    other = build_profile(end=DAY, days=40, seed=99)
    second = valid_bad_day_file(settings, other, folder=pending(settings, "content_daily"), generated_at=LATE)
    os.utime(second, ns=(first_mtime - 60 * 10**9, first_mtime - 60 * 10**9))

    summary = run_pending(settings, downstream=False)

    assert summary.ok, summary
    [total] = rows(settings, "totals", date=BAD_DAY)
    assert total["impressions"] == other.days[BAD_DAY].impressions
    assert (processed / second.name).stat().st_mtime_ns == first_mtime - 60 * 10**9
    kept = processed / "superseded" / f"{first.stem}.{first_mtime}.xlsx"
    assert kept.is_file()
    # The baseline day is untouched.
    assert [r for r in snapshot(settings)["totals"][1] if ("date", str(DAY)) in r] == [
        r for r in baseline["totals"][1] if ("date", str(DAY)) in r
    ]


def test_14_same_name_older_download_arriving_late_is_the_one_superseded(settings, profile, baseline):
    """An older download (by the time LinkedIn generated it) arriving later, with a newer
    modification time, loses and is the copy set aside."""
    other = build_profile(end=DAY, days=40, seed=99)
    newer = valid_bad_day_file(settings, other, folder=pending(settings, "content_daily"), generated_at=LATE)
    assert run_pending(settings, downstream=False).ok
    processed = settings.volume("content_daily", "processed")
    newer_mtime = (processed / newer.name).stat().st_mtime_ns
    older = valid_bad_day_file(settings, profile, folder=pending(settings, "content_daily"), generated_at=EARLY)
    os.utime(older, ns=(newer_mtime + 60 * 10**9, newer_mtime + 60 * 10**9))

    summary = run_pending(settings, downstream=False)

    assert summary.ok, summary
    [total] = rows(settings, "totals", date=BAD_DAY)
    assert total["impressions"] == other.days[BAD_DAY].impressions  # the newer download wins
    # ...and the newer download is the copy left where backfills read.
    assert (processed / newer.name).stat().st_mtime_ns == newer_mtime


def test_14_same_name_download_holding_fewer_days_is_refused_and_deletes_nothing(settings, profile, baseline):
    """A re-download named for 28 days holding 5 once replaced the stored copy, and its rebuild
    deleted the 23 days it lacked, with every check green."""
    start, end = DAY - dt.timedelta(days=28), DAY - dt.timedelta(days=1)
    full = write_content_export(profile, pending(settings, "content_historical"), start, end)
    assert run_pending(settings, downstream=False).ok
    stored = snapshot(settings)
    book = openpyxl.load_workbook(settings.volume("content_historical", "processed") / full.name)
    for sheet, header in (("ENGAGEMENT", 1), ("FOLLOWERS", 3)):
        book[sheet].delete_rows(header + 6, 23)  # keep the first 5 days
    again = pending(settings, "content_historical") / full.name
    book.save(again)

    summary = run_pending(settings, downstream=False)

    assert (
        "sheet 'ENGAGEMENT' holds 5 of the 28 days of its period" in summary.errors[f"content_historical/{full.name}"]
    )
    assert (settings.volume("content_historical", "errors") / full.name).is_file() and not again.exists()
    assert snapshot(settings) == stored  # nothing deleted, not even a version
    assert len({r["date"] for r in rows(settings, "totals")}) == 28 + 1  # the range and the baseline day
    assert (settings.volume("content_historical", "processed") / full.name).is_file()  # the full copy kept


# 15-16. Patch files --------------------------------------------------------------------------


def test_15_patch_with_unknown_post_url_is_rejected_whole(settings, profile, baseline):
    known = top_post_urls(profile, DAY)[1]
    unknown = "https://www.linkedin.com/posts/ada_no-such-post-activity-7000000000000000000-XXXX"
    path = write_patch_file(
        [{"post_url": known, "title": "Would be fine"}, {"post_url": unknown, "title": "Typo"}],
        pending(settings, "patch") / "fixes.csv",
    )

    reason = run_bad(settings, baseline, "patch", path, f"unknown post_url (1 of 2 rows): {unknown}")
    assert "nothing from this file was applied" in reason
    assert not rows(settings, "post_patch", post_url=known)  # the good row was not applied either


def test_15_a_huge_cell_is_quoted_as_an_excerpt(settings, profile, baseline):
    """A huge cell once travelled whole into the note, the terminal and the event log (10 MB gave 64 MB)."""
    unknown = "https://www.linkedin.com/posts/" + "x" * 100_000  # under the CSV reader's field limit
    path = write_patch_file([{"post_url": unknown, "title": "Typo"}], pending(settings, "patch") / "fixes.csv")

    reason = run_bad(
        settings, baseline, "patch", path, "unknown post_url (1 of 1 rows): https://www.linkedin.com/posts/xxx"
    )

    assert len(reason) < 1_000 and reason.endswith("more characters)")
    note = settings.volume("patch", "errors") / "fixes.csv.error.txt"
    assert note.stat().st_size < 2_000


def test_15_a_name_near_the_length_limit_keeps_its_note_twice(settings, profile, baseline):
    """250 bytes of name: the note (+10 bytes) once could not be written, and a second download stuck in pending/."""
    name = "n" * 250 + ".csv"
    for attempt in (1, 2):
        path = pending(settings, "patch") / name
        path.write_text("post_url,title\nhttps://www.linkedin.com/posts/nobody-activity-1-X,T\n", encoding="utf-8")
        stamp = (1_700_000_000 + attempt) * 10**9  # two downloads, a second apart
        os.utime(path, ns=(stamp, stamp))

        summary = run_pending(settings, downstream=False)

        assert not summary.ok and not path.exists(), f"attempt {attempt}: still pending"
    errors = settings.volume("patch", "errors")
    notes = sorted(p.name for p in errors.iterdir() if p.name.endswith(".error.txt"))
    assert len(notes) == 2 and all(len(n.encode()) <= 255 for n in notes)
    assert all("unknown post_url" in (errors / n).read_text(encoding="utf-8") for n in notes)
    assert snapshot(settings) == baseline


def test_15_patch_for_a_post_known_only_from_post_details(settings, profile, baseline):
    """The counterpart: a post known from a single-post export is patched."""
    url = profile.posts[-3].url
    write_patch_file([{"post_url": url, "title": "Known post"}], pending(settings, "patch") / "fixes.csv")

    summary = run_pending(settings, downstream=False)

    assert summary.ok, summary
    assert [r["title"] for r in rows(settings, "post_patch", post_url=url)] == ["Known post"]


def test_15_unknown_post_url_with_no_tables_yet(settings, profile):
    """Before anything is stored no post is known: the patch is refused, post_patch stays empty."""
    url = profile.posts[0].url
    path = write_patch_file([{"post_url": url, "title": "x"}], pending(settings, "patch") / "early.csv")

    summary = run_pending(settings, downstream=False)

    assert_rejected(settings, summary, "patch", path.name, f"unknown post_url (1 of 1 rows): {url}")
    assert rows(settings, "post_patch") == []


def test_16_non_utf8_csv(settings, profile, baseline):
    known = top_post_urls(profile, DAY)[0]
    path = pending(settings, "patch") / "fixes.csv"
    path.write_bytes(f"post_url,title\n{known},Caf\xe9 cr\xe8me\n".encode("latin-1"))

    run_bad(settings, baseline, "patch", path, "not UTF-8 text (line 2, byte")


# The same reasons from the parsers alone (what the Databricks notebooks call) ----------------


def _formula(book):
    book["ENGAGEMENT"]["B2"] = "=C2+1"


def _clicks(book):
    book["ENGAGEMENT"]["D1"] = "Clicks"


def _no_date(book):
    book["ENGAGEMENT"]["A2"] = "yesterday"


@pytest.mark.parametrize(
    ("change", "phrase"),
    [
        (_formula, "contains formulas (sheet 'ENGAGEMENT' cell B2)"),
        (_clicks, "unexpected column 'Clicks'"),
        (_no_date, "'yesterday' is not a date"),
    ],
)
def test_parsers_alone_give_the_same_reasons(tmp_path, profile, change, phrase):
    from linkedin_assets.core.exports.model import ExportError
    from linkedin_assets.core.exports.parse import parse_export

    path = write_content_export(profile, tmp_path, BAD_DAY, BAD_DAY)
    book = openpyxl.load_workbook(path)
    change(book)
    book.save(path)

    with pytest.raises(ExportError) as caught:
        parse_export(path, "content_daily")
    assert str(caught.value).startswith(f"{path.name}: ") and phrase in str(caught.value)


def test_known_posts_check_is_a_pure_function(tmp_path):
    from linkedin_assets.core.exports.model import ExportError, PatchFile, PatchRow
    from linkedin_assets.core.exports.patch import check_known_posts

    patch = PatchFile("fixes.csv", (PatchRow("https://a", None, "t", None), PatchRow("https://b", None, None, "c")))
    check_known_posts(patch, {"https://a", "https://b"})
    with pytest.raises(ExportError, match=r"^fixes.csv: unknown post_url \(1 of 2 rows\): https://b: "):
        check_known_posts(patch, {"https://a"})
