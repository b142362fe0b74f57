"""One landing interface, two landings: local folders (`Landing`) and UC volumes through the
Files API (`VolumeLanding`, against the loopback stand-in) behave alike on the same files.

What the arrival sensors and the CLI ask of a landing (`LandingArea`): list complete
export files oldest first, give a readable copy, move a refused file to errors/ with
its reason, and read that reason back.
"""

from __future__ import annotations

import inspect
import os
import shutil
from pathlib import Path

import pytest
from databricks.sdk import WorkspaceClient

from linkedin_assets.core.databricks.volumes import VolumeLanding
from linkedin_assets.core.landing import Landing, LandingArea
from linkedin_assets.core.settings import DatabricksSettings

DECLARED = [name for name in vars(LandingArea) if not name.startswith("_")]


@pytest.mark.parametrize("implementation", [Landing, VolumeLanding])
def test_every_landing_implements_the_interface(implementation):
    assert set(DECLARED) == {"folder", "files", "readable", "mark_error", "error_reason"}
    for name in DECLARED:
        found = getattr(implementation, name, None)
        assert callable(found), f"{implementation.__name__} has no {name}()"
        declared = inspect.signature(getattr(LandingArea, name))
        assert list(inspect.signature(found).parameters) == list(declared.parameters), (
            f"{implementation.__name__}.{name}{inspect.signature(found)} differs from LandingArea.{name}{declared}"
        )


@pytest.fixture(params=["local folders", "UC volumes"])
def landing(request, settings) -> tuple[LandingArea, Path]:
    """(the landing, the local folder its files really are in)."""
    if request.param == "local folders":
        return Landing(settings.landing), settings.landing
    request.getfixturevalue("databricks_standin")
    dbx = DatabricksSettings.from_env()
    local = Path(dbx.landing_root)  # the stand-in serves this folder as /Volumes/landing/linkedin
    return VolumeLanding(WorkspaceClient(), dbx.landing_root), local


def _drop(folder: Path, name: str, content: bytes, mtime: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(content)
    os.utime(path, (mtime, mtime))
    return path


def test_both_landings_list_read_and_refuse_alike(landing):
    area, root = landing
    pending = root / "posts" / "pending"
    _drop(pending, "SinglePostAnalytics_B_2.xlsx", b"second", 1_700_000_200)
    _drop(pending, "SinglePostAnalytics_A_1.xlsx", b"first", 1_700_000_100)
    _drop(pending, "~$SinglePostAnalytics_A_1.xlsx", b"lock", 1_700_000_300)  # Excel's lock file
    _drop(pending, "download.xlsx.crdownload", b"partial", 1_700_000_300)  # a download in flight
    (pending / "a folder.xlsx").mkdir()

    files = area.files("posts", "pending")
    assert [f.name for f in files] == ["SinglePostAnalytics_A_1.xlsx", "SinglePostAnalytics_B_2.xlsx"]
    assert [f.size for f in files] == [5, 6]
    assert files[0].identity != files[1].identity
    assert area.files("patch", "pending") == []  # a folder with nothing (or not there yet)

    assert area.readable(files[1]).read_bytes() == b"second"

    if isinstance(area, Landing):
        # Locally a folder named like an export (an unpacked workbook) is refused as it is
        # listed; a volume's is only skipped (the Files API cannot move a folder).
        assert (root / "posts" / "errors" / "a folder.xlsx").is_dir()
        shutil.rmtree(root / "posts" / "errors" / "a folder.xlsx")
        (root / "posts" / "errors" / "a folder.xlsx.error.txt").unlink()

    area.mark_error(files[0], "sheet 'PERFORMANCE' not found")
    assert [f.name for f in area.files("posts", "pending")] == ["SinglePostAnalytics_B_2.xlsx"]
    assert [f.name for f in area.files("posts", "errors")] == ["SinglePostAnalytics_A_1.xlsx"]
    assert (root / "posts" / "errors" / "SinglePostAnalytics_A_1.xlsx").read_bytes() == b"first"
    assert "sheet 'PERFORMANCE' not found" in (area.error_reason("SinglePostAnalytics_A_1.xlsx", "posts") or "")
    assert area.error_reason("SinglePostAnalytics_B_2.xlsx", "posts") is None

    # The same name refused again keeps both copies in errors/.
    _drop(pending, "SinglePostAnalytics_A_1.xlsx", b"again", 1_700_000_400)
    [again] = [f for f in area.files("posts", "pending") if f.name == "SinglePostAnalytics_A_1.xlsx"]
    area.mark_error(again, "still wrong")
    kept = sorted(p.read_bytes() for p in (root / "posts" / "errors").iterdir() if not p.name.endswith(".txt"))
    assert kept == [b"again", b"first"]

    with pytest.raises(ValueError, match="unknown landing folder"):
        area.folder("nowhere", "pending")
