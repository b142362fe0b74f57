"""The upload page: every file judged by the project's parsers before it lands, accepted files in
the right volume's pending/ (never over another), refused ones nowhere; streamed with a cap,
hostile names refused, a token beyond loopback. Then a real browser drives it to the dashboard."""

from __future__ import annotations

import datetime as dt
import shutil
import socket
import threading
import time
from pathlib import Path

import openpyxl
import pytest
import uvicorn
from starlette.testclient import TestClient

from linkedin_assets.cli import run_pending
from linkedin_assets.core.landing import VOLUMES
from linkedin_assets.samples.profile import build_profile
from linkedin_assets.samples.writer import write_content_export, write_patch_file, write_post_export
from linkedin_assets.upload.app import create_app, is_loopback, require_token
from linkedin_assets.upload.local import LocalTarget

END = dt.date(2026, 10, 31)


@pytest.fixture
def profile():
    return build_profile(end=END, days=120, seed=5)


@pytest.fixture
def downloads(tmp_path, profile) -> dict[str, Path]:
    """A user's Downloads folder: each kind of export, a corrupt file and a Company Page export."""
    folder = tmp_path / "Downloads"
    folder.mkdir()
    post = profile.posts[-3]
    files = {
        "daily": write_content_export(profile, folder, END, END),
        "range": write_content_export(profile, folder, END - dt.timedelta(days=89), END - dt.timedelta(days=1)),
        "post": write_post_export(profile, post.url, END, folder),
        "patch": write_patch_file([{"post_url": post.url, "title": "Fixed on the page"}], folder / "fixes.csv"),
    }
    corrupt = folder / f"Content_{END}_{END}_Jane Doe.xlsx"
    corrupt.write_bytes(b"PK\x03\x04 this is not a workbook")
    files["corrupt"] = corrupt
    company = openpyxl.Workbook()
    company.active.title = "Metrics"
    company.active.append(["Date", "Impressions (organic)"])
    company.create_sheet("All posts").append(["Post title", "Post link"])
    files["company"] = folder / "fixes-company.xlsx"
    company.save(files["company"])
    return files


def _pending(settings) -> dict[str, list[str]]:
    return {v: sorted(p.name for p in settings.volume(v).iterdir()) for v in VOLUMES}


def _put(client: TestClient, path: Path, name: str | None = None, **kwargs):
    return client.put(
        "/files", params={"name": path.name if name is None else name}, content=path.read_bytes(), **kwargs
    )


def test_each_file_is_judged_and_lands_in_its_volume_or_nowhere(settings, downloads):
    client = TestClient(create_app(LocalTarget(settings)))
    # The patch names a post the lake must know: the post export lands (and is ingested) first.
    assert _put(client, downloads["post"]).json()["volume"] == "posts"
    assert run_pending(settings, downstream=False).ok

    verdicts = {
        kind: _put(client, downloads[kind]).json() for kind in ("daily", "range", "patch", "corrupt", "company")
    }
    assert verdicts["daily"]["volume"] == "content_daily"
    assert verdicts["daily"]["facts"]["period"] == END.isoformat()
    assert verdicts["daily"]["facts"]["days"] == 1
    assert verdicts["range"]["volume"] == "content_historical"
    assert verdicts["range"]["facts"]["days"] == 89
    assert verdicts["patch"]["volume"] == "patch" and verdicts["patch"]["facts"]["rows"] == 1
    assert not verdicts["corrupt"]["accepted"] and verdicts["corrupt"]["reason"].startswith(downloads["corrupt"].name)
    assert not verdicts["company"]["accepted"] and "Company Page" in verdicts["company"]["reason"]

    pending = _pending(settings)
    assert pending["content_daily"] == [downloads["daily"].name]
    assert pending["content_historical"] == [downloads["range"].name]
    assert pending["patch"] == ["fixes.csv"]
    assert pending["posts"] == []  # processed already
    assert not list((settings.landing / ".uploads").iterdir())  # nothing left staged

    # The same file again: both kept, the newcomer numbered as a browser would.
    again = _put(client, downloads["daily"]).json()
    stem = downloads["daily"].stem
    assert again["landed"] == f"content_daily/{stem} (1).xlsx"
    assert _pending(settings)["content_daily"] == sorted([downloads["daily"].name, f"{stem} (1).xlsx"])
    assert settings.volume("content_daily").joinpath(f"{stem} (1).xlsx").read_bytes() == downloads["daily"].read_bytes()

    # A patch for a post the lake does not know is refused, as the ingest would.
    unknown = write_patch_file(
        [{"post_url": "https://www.linkedin.com/feed/update/urn:li:activity:1"}],
        downloads["patch"].with_name("other.csv"),
    )
    refused = _put(client, unknown).json()
    assert not refused["accepted"] and "unknown post_url" in refused["reason"]
    assert "other.csv" not in _pending(settings)["patch"]


def test_oversized_uploads_stop_at_the_cap_and_store_nothing(settings, downloads, monkeypatch):
    monkeypatch.setenv("LINKEDIN_MAX_FILE_MB", "0.001")  # about 1 KB
    client = TestClient(create_app(LocalTarget(settings)))
    answer = _put(client, downloads["range"])
    assert answer.status_code == 413
    assert "over the" in answer.json()["reason"] and "LINKEDIN_MAX_FILE_MB" in answer.json()["reason"]
    assert _pending(settings) == {v: [] for v in VOLUMES}
    assert not list((settings.landing / ".uploads").iterdir())


@pytest.mark.parametrize(
    "name",
    [
        "../../outside.xlsx",
        "sub/Content_2026-10-31_2026-10-31_Jane Doe.xlsx",
        "..\\Content_2026-10-31_2026-10-31_Jane Doe.xlsx",
        "Content_2026-10-31_2026-10-31_Jane\nDoe.xlsx",
        ".hidden.xlsx",
        "~$Content_2026-10-31_2026-10-31_Jane Doe.xlsx",
        "",
    ],
)
def test_hostile_names_are_refused_and_nothing_lands(settings, downloads, name, tmp_path):
    client = TestClient(create_app(LocalTarget(settings)))
    answer = _put(client, downloads["daily"], name=name).json()
    assert not answer["accepted"], answer
    assert answer["reason"]
    assert _pending(settings) == {v: [] for v in VOLUMES}
    assert not (settings.home / "outside.xlsx").exists() and not (settings.landing / "outside.xlsx").exists()


def test_a_correction_entered_on_the_page_lands_as_a_patch_file(settings, downloads):
    client = TestClient(create_app(LocalTarget(settings)))
    _put(client, downloads["post"])
    assert run_pending(settings, downstream=False).ok
    [post] = client.get("/posts").json()["posts"]
    saved = client.post("/patch", json={"post_url": post["post_url"], "title": "Retitled"}).json()
    assert saved["accepted"], saved
    [landed] = settings.volume("patch").iterdir()
    assert "Retitled" in landed.read_text() and post["post_url"] in landed.read_text()
    wrong = client.post("/patch", json={"post_url": "https://www.linkedin.com/feed/update/urn:li:activity:9"}).json()
    assert not wrong["accepted"] and "unknown post_url" in wrong["reason"]


def test_beyond_loopback_every_request_needs_the_token(settings, downloads):
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.20")
    with pytest.raises(SystemExit, match="LINKEDIN_UPLOAD_TOKEN"):
        require_token("0.0.0.0", None)
    require_token("127.0.0.1", None)

    client = TestClient(create_app(LocalTarget(settings), token="s3cret-token"))
    assert client.get("/").status_code == 401
    assert _put(client, downloads["daily"]).status_code == 401
    assert client.get("/", params={"token": "wrong"}).status_code == 401
    assert _pending(settings)["content_daily"] == []
    assert client.get("/", params={"token": "s3cret-token"}).status_code == 200
    ok = _put(client, downloads["daily"], headers={"Authorization": "Bearer s3cret-token"})
    assert ok.status_code == 200 and ok.json()["accepted"]
    assert "s3cret-token" not in client.get("/status", params={"file": "content_daily/x.xlsx"}).text


# -- in a real browser -------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class StatusFailsAtFirst(LocalTarget):
    """Status requests fail until the test says the server is well again, as a busy one's may:
    the page must keep following each file, not give up on it."""

    def __init__(self, settings):
        super().__init__(settings)
        self.well = False

    def progress(self, source_file: str) -> dict:
        if not self.well:
            raise RuntimeError("the instance is busy")
        return super().progress(source_file)


@pytest.fixture
def served(settings):
    target = StatusFailsAtFirst(settings)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(target), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}/", target
    server.should_exit = True
    thread.join(timeout=10)


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.skip("Chromium not installed (make browser installs Debian's)")
    return found


@pytest.mark.slow
@pytest.mark.alone  # a browser page, waited on
def test_a_batch_dropped_in_the_browser_reaches_the_dashboard(settings, downloads, served):
    sync_api = pytest.importorskip("playwright.sync_api")
    chromium = _chromium()
    batch = [downloads[k] for k in ("daily", "range", "post", "patch", "corrupt", "company")]
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
        )
        page = browser.new_page()
        url, target = served
        page.goto(url)
        page.set_input_files("#picker", [str(f) for f in batch])
        for f in batch:
            page.wait_for_selector(f'tr[data-name="{f.name}"] td.verdict.ok, tr[data-name="{f.name}"] td.verdict.bad')

        def verdict(path: Path) -> str:
            return page.inner_text(f'tr[data-name="{path.name}"] td.verdict')

        assert verdict(downloads["daily"]) == "accepted → content_daily"
        assert verdict(downloads["range"]) == "accepted → content_historical"
        assert verdict(downloads["post"]) == "accepted → posts"
        # Its post is in this very batch, not yet in the lake: refused as the ingest would.
        assert verdict(downloads["patch"]) == "refused"
        assert "unknown post_url" in page.inner_text(f'tr[data-name="{downloads["patch"].name}"]')
        assert verdict(downloads["corrupt"]) == "refused"
        assert verdict(downloads["company"]) == "refused"
        assert "Company Page" in page.inner_text(f'tr[data-name="{downloads["company"].name}"]')
        pending = _pending(settings)
        assert pending["content_daily"] == [downloads["daily"].name]
        assert pending["content_historical"] == [downloads["range"].name]
        assert pending["posts"] == [downloads["post"].name]
        daily = f'tr[data-name="{downloads["daily"].name}"] .state'
        page.wait_for_function(
            f"document.querySelector('{daily}') && "
            f"document.querySelector('{daily}').textContent === 'status unavailable, retrying'"
        )
        target.well = True

        # Dagster processes them (headless here, in another thread: Playwright holds this one's
        # event loop); the page follows each to the dashboard.
        outcome = []
        worker = threading.Thread(target=lambda: outcome.append(run_pending(settings)))
        worker.start()
        while worker.is_alive():
            page.wait_for_timeout(500)
        assert outcome and outcome[0].ok, outcome
        page.wait_for_function(
            f"document.querySelector('{daily}') && document.querySelector('{daily}').textContent === 'done'",
            timeout=60_000,
        )
        row = page.inner_text(f'tr[data-name="{downloads["daily"].name}"]')
        for layer in ("bronze: success", "silver: materialized", "gold: materialized", "dashboard: materialized"):
            assert layer in row
        link = page.get_attribute(f'tr[data-name="{downloads["daily"].name}"] a:has-text("open the dashboard")', "href")
        assert link == (settings.home / "dashboard" / "index.html").as_uri()

        # Now the lake knows the post: the same patch file is accepted.
        page.reload()
        page.set_input_files("#picker", [str(downloads["patch"])])
        page.wait_for_selector(f'tr[data-name="{downloads["patch"].name}"] td.verdict.ok')
        assert verdict(downloads["patch"]) == "accepted → patch"
        assert _pending(settings)["patch"] == [downloads["patch"].name]
        browser.close()


# -- as a Databricks App, against the loopback stand-in ------------------------------------


def test_on_databricks_accepted_files_go_to_the_uc_volumes_through_the_files_api(
    settings, downloads, databricks_standin
):
    from databricks.sdk import WorkspaceClient

    from linkedin_assets.core.settings import DatabricksSettings
    from linkedin_assets.upload.volumes import VolumeTarget

    dbx = DatabricksSettings.from_env()
    client = TestClient(create_app(VolumeTarget(WorkspaceClient(), dbx)))
    volumes = Path(dbx.landing_root)  # the stand-in serves this folder as /Volumes/landing/linkedin

    daily = _put(client, downloads["daily"]).json()
    assert daily["landed"] == f"content_daily/{downloads['daily'].name}"
    stored = volumes / "content_daily" / "pending" / downloads["daily"].name
    assert stored.read_bytes() == downloads["daily"].read_bytes()
    again = _put(client, downloads["daily"]).json()  # the Files API refuses to overwrite: numbered
    assert again["landed"] == f"content_daily/{downloads['daily'].stem} (1).xlsx"
    assert stored.read_bytes() == downloads["daily"].read_bytes()

    refused = _put(client, downloads["company"]).json()
    assert not refused["accepted"] and "Company Page" in refused["reason"]
    # No bronze table yet: the lake knows no post, so a patch is refused as the ingest would.
    patch = _put(client, downloads["patch"]).json()
    assert not patch["accepted"] and "unknown post_url" in patch["reason"]
    assert not any((volumes / "patch" / "pending").glob("*"))

    assert client.get("/status", params={"file": daily["landed"]}).json()["state"] == "waiting for its sensor"
    processed = volumes / "content_daily" / "processed"
    processed.mkdir(parents=True, exist_ok=True)
    stored.rename(processed / stored.name)  # what the bronze notebook does
    assert client.get("/status", params={"file": daily["landed"]}).json()["state"] == "done"
