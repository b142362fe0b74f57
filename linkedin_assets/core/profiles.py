"""Which profile an export belongs to: its file name's profile, through the user's aliases.

Every export names its profile (`Content_<start>_<end>_<Profile>.xlsx`, ...). The lake
keys every day and post by that profile, so two people's exports in one LINKEDIN_HOME
never overwrite each other.

A profile is stored as a *slug* (`profile`) and a display name (`profile_name`). The
slug folds case, accents, spaces and punctuation, because LinkedIn itself wrote the same
name two ways: legacy files glue it (`JaneDoe`), 2026 files spell it (`Jane Doe`); both
are `janedoe`. Anything beyond that (a degree added, an initial dropped: `Jane Q. Doe,
PhD` against `Jane Q Doe`) is never guessed: the user says so in the aliases file, a
CSV with the columns `name` (as a file name writes it) and `profile` (the display name
it belongs to).
"""

from __future__ import annotations

import csv
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from linkedin_assets.core.exports.model import ExportError

ALIAS_COLUMNS = ("name", "profile")


def slug(name: str) -> str:
    """`Jane Doe`, `JaneDoe` and `jane-doe` -> `janedoe`; letters of any script are kept."""
    folded = unicodedata.normalize("NFKD", name).casefold()
    return "".join(c for c in folded if c.isalnum() and not unicodedata.combining(c))


class AliasError(ValueError):
    """The aliases file cannot be used: names the file, the line and the problem."""


@dataclass(frozen=True)
class Profile:
    profile: str  # the slug: the key in every table
    profile_name: str  # as the user or the file names it


@dataclass(frozen=True)
class Profiles:
    """The user's aliases: a file name's profile (by slug) -> the display name it belongs to."""

    aliases: dict[str, str] = field(default_factory=dict)

    def of(self, file_name: str, named: str) -> Profile:
        """The profile of an export whose name states `named`; an ExportError when it states none."""
        display = self.aliases.get(slug(named), named.strip())
        key = slug(display)
        if not key:
            raise ExportError(
                file_name, f"the profile name {named!r} in the file name has no letters or digits to key it by"
            )
        return Profile(key, display)

    def to_json(self) -> dict[str, str]:
        """As the Databricks notebook receives them (a Pipes extra)."""
        return dict(self.aliases)

    @classmethod
    def from_json(cls, value: dict | None) -> Profiles:
        return cls(dict(value or {}))


NO_ALIASES = Profiles()


def read_aliases(path: Path) -> Profiles:
    """The aliases in `path`; none when it does not exist."""
    if not path.exists():
        return NO_ALIASES
    aliases: dict[str, str] = {}
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        header = [h.strip().lower() for h in reader.fieldnames or []]
        if header[:2] != list(ALIAS_COLUMNS):
            raise AliasError(f"{path}: the header must be `{','.join(ALIAS_COLUMNS)}`, found {','.join(header)!r}")
        for line, row in enumerate(reader, start=2):
            values = list(row.values())
            name, profile = (str(values[0] or "").strip(), str(values[1] or "").strip())
            if not name and not profile:
                continue
            if not slug(name) or not slug(profile):
                raise AliasError(f"{path}, line {line}: both `name` and `profile` need letters or digits")
            earlier = aliases.get(slug(name))
            if earlier is not None and slug(earlier) != slug(profile):
                raise AliasError(f"{path}, line {line}: {name!r} is already an alias of {earlier!r}")
            aliases[slug(name)] = profile
    return Profiles(aliases)
