"""`make screenshots`: the upload page after a batch of sample exports, and each page of the
dashboard it led to, as the README shows them.

Sample exports (never a real person's) in a throw-away LINKEDIN_HOME, the page served on a
free loopback port, the batch uploaded in headless Chromium (Playwright, the Chromium on
the machine), then processed headless so each row shows how far its file got.
"""

from __future__ import annotations

import datetime as dt
import shutil
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

import uvicorn

from linkedin_assets.core.settings import load_settings, set_environment

# The dashboard's pages, by their tab (core/dashboard/render.py).
DASHBOARD_TABS = ("summary", "post", "day", "history", "audience", "timing")
# Single-post exports in the batch: enough posts for the Posting time page to compare.
POST_EXPORTS = 8


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main(out: Path) -> int:
    from playwright.sync_api import sync_playwright  # a dev extra

    home = Path(tempfile.mkdtemp(prefix="linkedin-screenshot-"))
    for name, value in {
        "LINKEDIN_HOME": str(home),
        "DAGSTER_HOME": str(home / "dagster"),
        "LINKEDIN_SETTLE_SECONDS": "0",
    }.items():
        set_environment(name, value)
    # Imported after the environment names the throw-away home.
    from linkedin_assets.cli import run_pending
    from linkedin_assets.dagster_home import prepare_environment
    from linkedin_assets.samples.profile import build_profile
    from linkedin_assets.samples.writer import write_content_export, write_post_export
    from linkedin_assets.upload.app import create_app
    from linkedin_assets.upload.local import LocalTarget

    settings = load_settings()
    prepare_environment(settings)
    end = dt.date.today() - dt.timedelta(days=1)
    profile = build_profile(end=end, days=60, seed=7)
    downloads = home / "Downloads"
    downloads.mkdir()
    batch = [
        write_content_export(profile, downloads, end, end),
        write_content_export(profile, downloads, end - dt.timedelta(days=59), end - dt.timedelta(days=1)),
        *(write_post_export(profile, post.url, end, downloads) for post in profile.posts[-POST_EXPORTS - 1 : -1]),
    ]
    broken = downloads / f"Content_{end}_{end}_Not a workbook.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    batch.append(broken)

    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(LocalTarget(settings)), host="127.0.0.1", port=port, log_level="warning")
    )
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=chromium,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
            )
            page = browser.new_page(viewport={"width": 1100, "height": 900})
            page.goto(f"http://127.0.0.1:{port}/")
            page.set_input_files("#picker", [str(f) for f in batch])
            for f in batch:
                page.wait_for_selector(
                    f'tr[data-name="{f.name}"] td.verdict.ok, tr[data-name="{f.name}"] td.verdict.bad'
                )
            done = []
            worker = threading.Thread(target=lambda: done.append(run_pending(settings)))
            worker.start()
            while worker.is_alive():
                page.wait_for_timeout(500)
            page.wait_for_timeout(3000)  # the page's next status poll
            out.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(out), full_page=True)
            dashboard = browser.new_page(viewport={"width": 1280, "height": 900})
            dashboard.goto((settings.home / "dashboard" / "index.html").as_uri())
            for tab in DASHBOARD_TABS:
                dashboard.click(f'button[data-tab="{tab}"]')
                dashboard.wait_for_timeout(300)
                dashboard.screenshot(path=str(out.with_name(f"dashboard-{tab}.png")), full_page=True)
            browser.close()
    finally:
        server.should_exit = True
        shutil.rmtree(home, ignore_errors=True)
    print(f"wrote {out} and {', '.join(f'dashboard-{tab}.png' for tab in DASHBOARD_TABS)} beside it")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/upload-page.png")))
