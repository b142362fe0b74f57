"""A lake an older release wrote, before rows carried their profile: upgraded in place.

Those releases kept one implicit profile. Each step, before it writes a table, gives
the table the profile columns if it lacks them, filled with the one profile the lake
holds: the profile of the exports its bronze rows came from (their `source_file`), or
once bronze is upgraded, bronze's own. A lake whose rows came from several profiles'
exports had their days merged (a day was whichever download came last), which nothing
can undo in place: it is refused with what to do.
"""

from __future__ import annotations

import os

import pyarrow as pa

from linkedin_assets.core.exports.model import ExportError
from linkedin_assets.core.exports.names import parse_file_name
from linkedin_assets.core.lake.delta import OLDER_ROWS
from linkedin_assets.core.lake.protocol import DamagedTable
from linkedin_assets.core.profiles import Profile, Profiles

PROFILE_COLUMNS = ("profile", "profile_name")
# Bronze tables every Content or post export feeds: what tells a lake's profile.
_WITNESSES = ("totals", "post_details")


def lacks_profile(lake, catalog: str, table: str) -> bool:
    """The table exists and was written before rows carried a profile."""
    stored = lake.read(catalog, table, "1 = 0")
    return stored is not None and "profile" not in stored.schema.names


def lake_profiles(lake, profiles: Profiles, also: list[tuple[str, str]] | None = None) -> dict[str, Profile]:
    """The profiles whose exports the bronze tables (and `also`'s tables) hold, by slug."""
    found: dict[str, Profile] = {}
    for catalog, table in dict.fromkeys([*(("bronze", t) for t in _WITNESSES), *(also or [])]):
        stored = lake.read(catalog, table)
        if stored is None or stored.num_rows == 0:
            continue
        if "profile" in stored.schema.names:
            for key, name in set(zip(stored["profile"].to_pylist(), stored["profile_name"].to_pylist(), strict=True)):
                found.setdefault(key, Profile(key, name))
            continue
        if "source_file" not in stored.schema.names:
            continue
        for source in set(stored["source_file"].to_pylist()):
            name = os.path.basename(source)
            try:
                who = profiles.of(name, parse_file_name(name).profile)
            except ExportError:
                continue  # a name no release accepted; it says nothing about the profile
            found.setdefault(who.profile, who)
    return found


def upgrade(lake, tables: list[tuple[str, str]], profiles: Profiles) -> list[str]:
    """Give each of `tables` (catalog, name) that lacks them the profile columns; log lines of what was done."""
    stale = [(catalog, table) for catalog, table in tables if lacks_profile(lake, catalog, table)]
    if not stale:
        return []
    held = lake_profiles(lake, profiles, also=stale)
    if len(held) > 1:
        catalog, table = stale[0]
        raise DamagedTable(
            f"{catalog}.linkedin.{table}",
            f"it was written by a release that kept no profiles apart, from the exports of several profiles "
            f"({', '.join(sorted(p.profile_name for p in held.values()))}), so their days were merged. Move the "
            "lake folder aside and backfill every date: bronze is rebuilt from the files in processed/, one "
            "profile's rows apart from another's",
        )
    if not held:
        return []  # no rows to fill: the columns come with the first write
    (who,) = held.values()
    values = {"profile": who.profile, "profile_name": who.profile_name}
    fields = pa.schema([pa.field(c, pa.string(), metadata={OLDER_ROWS: values[c]}) for c in PROFILE_COLUMNS])
    for catalog, table in stale:
        lake.ensure(catalog, table, fields)
    return [f"upgraded {', '.join(f'{c}.linkedin.{t}' for c, t in stale)}: its rows are {who.profile_name}'s"]
