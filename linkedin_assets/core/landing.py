"""Landing folders: `<landing>/<volume>/{pending,processed,errors}/`.

A file's life: it arrives in pending/, is parsed and written, then moves to
processed/ (kept: backfills re-derive partitions from it). A file that cannot be
parsed moves to errors/ with `<name>.error.txt` beside it saying why. When a file
of the same name was already processed, the older copy moves to
processed/superseded/ so the record of it is kept but only the newest is read.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import time
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Protocol

from linkedin_assets.core.exports.model import shown_name

# The landing volumes (one per kind of upload) and the states a file passes through.
CONTENT_VOLUMES = ("content_daily", "content_historical")
VOLUMES = (*CONTENT_VOLUMES, "posts", "patch")
LANDING_STATES = ("pending", "processed", "errors")
# The kind of upload each volume takes: one name per kind, everywhere (a file name's
# kind, the bronze step that ingests it, its Dagster step `bronze_<kind>`).
VOLUME_KIND = {"content_daily": "content", "content_historical": "content", "posts": "post", "patch": "patch"}
# Browsers write these while a download is in flight.
PARTIAL_SUFFIXES = (".crdownload", ".part", ".tmp", ".download")
ERROR_NOTE_SUFFIX = ".error.txt"
SUPERSEDED = "superseded"


def landing_folder(root, volume: str, state: str):
    """`<root>/<volume>/<state>`, for a local folder or a UC volume path alike."""
    if volume not in VOLUMES or state not in LANDING_STATES:
        raise ValueError(f"unknown landing folder {volume}/{state}")
    return root / volume / state


def is_export_name(name: str) -> bool:
    """Not hidden, not an Office lock file, not an error note, not a download in flight."""
    if name.startswith((".", "~$")) or name.endswith(ERROR_NOTE_SUFFIX):
        return False
    return not name.lower().endswith(PARTIAL_SUFFIXES)


def error_note(name: str, reason: str) -> str:
    """The text of `<name>.error.txt`: the file, when, why (the last line)."""
    when = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    return f"{name}\n{when}\n{reason}\n"


NAME_MAX_BYTES = 255  # what Linux file systems allow for one name


def fitted(stem: str, suffix: str) -> str:
    """`stem + suffix`, the stem cut so that the name and its error note's name fit NAME_MAX_BYTES."""
    budget = NAME_MAX_BYTES - len(ERROR_NOTE_SUFFIX) - len(suffix.encode("utf-8", "surrogateescape"))
    encoded = stem.encode("utf-8", "surrogateescape")
    if len(encoded) > budget:
        stem = encoded[:budget].decode("utf-8", "ignore")
    return stem + suffix


def safe_name(name: str) -> str:
    """A file name as text: bytes that are no UTF-8 (a Latin-1 "José") written as \\xNN escapes."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _unsafe(entry: os.DirEntry) -> str | None:
    """Why a pending entry is refused without being read, if it is."""
    if entry.is_symlink():
        # Following it could read (and quote in a note) any file the process may read,
        # or replace a processed file with a link to itself.
        return "a symbolic link, not a file: refused without being followed; copy the file itself"
    if safe_name(entry.name) != entry.name:
        return "the file name is not valid UTF-8 (an old encoding such as Latin-1?): rename the file"
    if entry.is_dir(follow_symlinks=False) and is_export_name(entry.name):
        # Once skipped without a word: the user saw their export "ignored".
        return "a folder, not a file (an unpacked workbook?): put the export file itself here"
    return None


def note_reason(text: str) -> str:
    return text.splitlines()[-1]


@dataclass(frozen=True)
class LandedFile:
    volume: str
    path: PurePath  # a local Path, or a UC volume's PurePosixPath seen through the Files API
    size: int
    mtime_ns: int

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def state(self) -> str:
        return self.path.parent.name

    @property
    def identity(self) -> str:
        """Same name, size and modification time = same file; a re-upload gets a new identity."""
        return f"{self.volume}/{self.name}:{self.size}:{self.mtime_ns}"

    @property
    def run_key(self) -> str:
        return hashlib.sha1(self.identity.encode()).hexdigest()[:20]

    @property
    def source_file(self) -> str:
        return f"{self.volume}/{self.name}"

    @property
    def downloaded_at(self) -> dt.datetime:
        """The download time: what decides which of two files for the same day wins."""
        return dt.datetime.fromtimestamp(self.mtime_ns // 1000 * 1000 / 1e9, tz=dt.timezone.utc)

    @classmethod
    def at(cls, volume: str, path: Path) -> LandedFile:
        st = path.stat()
        return cls(volume, path, st.st_size, st.st_mtime_ns)


class LandingArea(Protocol):
    """What the Dagster side asks of a landing: local folders (`Landing`) or UC volumes (`VolumeLanding`).

    The ingest itself (moves to processed/) always runs where the files are mounted,
    with `Landing`: in the Dagster process locally, in the bronze notebook on Databricks.
    """

    def folder(self, volume: str, state: str) -> PurePath: ...

    def files(self, volume: str, state: str = "pending") -> list[LandedFile]:
        """Complete export files in one folder, oldest first; a missing folder has none."""

    def readable(self, file: LandedFile) -> Path:
        """A local path to read the file's content from."""

    def mark_error(self, file: LandedFile, reason: str) -> PurePath:
        """Move the file to errors/ with its `.error.txt`; where it went."""

    def error_reason(self, name: str, volume: str) -> str | None:
        """The reason noted beside errors/<name>, if any."""


class Landing:
    def __init__(self, root: Path):
        self.root = Path(root)

    def folder(self, volume: str, state: str) -> Path:
        return landing_folder(self.root, volume, state)

    def ensure(self) -> None:
        for volume in VOLUMES:
            for state in LANDING_STATES:
                self.folder(volume, state).mkdir(parents=True, exist_ok=True)

    def files(self, volume: str, state: str = "pending") -> list[LandedFile]:
        """Complete export files in a folder, oldest download first."""
        folder = self.folder(volume, state)
        if not folder.is_dir():
            return []
        found = []
        for entry in os.scandir(folder):
            name = entry.name
            if state == "pending" and (problem := _unsafe(entry)):
                self._refuse_unread(volume, entry, problem)
                continue
            # errors/ also holds the folders refused above, so that a summary names them.
            kept = entry.is_file() or (state == "errors" and entry.is_dir(follow_symlinks=False))
            if not kept or not is_export_name(name):
                continue
            found.append(LandedFile.at(volume, Path(entry.path)))
        return sorted(found, key=lambda f: (f.mtime_ns, f.name))

    def _refuse_unread(self, volume: str, entry: os.DirEntry, problem: str) -> None:
        """Move a file that must not even be opened to errors/, under a name that can be shown."""
        shown = safe_name(entry.name)
        # A symbolic link moves as a link: its target is never touched.
        self._into_errors(volume, entry.path, shown, shown, time.time_ns(), f"{shown_name(shown)}: {problem}")

    def _into_errors(self, volume: str, source, name: str, noted_name: str, tag: int, reason: str) -> Path:
        """Move `source` to errors/ as `name` (as `<stem>.<tag><suffix>` if taken) with its note beside it.

        Names leave room for the note's suffix: a 250-byte name once lost its note, and a
        second download of it (".<tag>" added) stuck in pending/.
        """
        folder = self.folder(volume, "errors")
        stem, suffix = Path(name).stem, Path(name).suffix
        target = folder / fitted(stem, suffix)
        if target.exists() or target.is_symlink():
            target = folder / fitted(stem, f".{tag}{suffix}")
        os.replace(source, target)
        note = target.with_name(target.name + ERROR_NOTE_SUFFIX)
        note.write_text(error_note(noted_name, reason), encoding="utf-8")
        return target

    def readable(self, file: LandedFile) -> Path:
        """A local path to read the file from (here, the file itself)."""
        return Path(file.path)

    def mark_processed(self, file: LandedFile, downloaded_at=None) -> Path:
        """Move to processed/; of two downloads with one name, the newer stays there.

        `downloaded_at(file)` tells which download is newer (the parsers read the time
        LinkedIn wrote into the file); by default, the modification time.
        """
        downloaded_at = downloaded_at or (lambda f: f.downloaded_at)
        target = self.folder(file.volume, "processed") / file.name
        if target.exists() and target.resolve() != Path(file.path).resolve():
            older = self.folder(file.volume, "processed") / SUPERSEDED
            older.mkdir(exist_ok=True)
            kept = LandedFile.at(file.volume, target)
            kept_mtime = kept.mtime_ns
            if downloaded_at(kept) > downloaded_at(file):  # an older download arrived late: it is set aside
                late = older / f"{file.path.stem}.{file.mtime_ns}{file.path.suffix}"
                os.replace(file.path, late)
                return late
            os.replace(target, older / f"{target.stem}.{kept_mtime}{target.suffix}")
        os.replace(file.path, target)
        return target

    def mark_error(self, file: LandedFile, reason: str) -> Path:
        return self._into_errors(file.volume, file.path, file.name, file.name, file.mtime_ns, reason)

    def error_reason(self, name: str, volume: str) -> str | None:
        note = self.folder(volume, "errors") / (name + ERROR_NOTE_SUFFIX)
        return note_reason(note.read_text(encoding="utf-8")) if note.exists() else None
