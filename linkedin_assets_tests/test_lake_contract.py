"""One lake interface, two lakes: the steps call only what `Lake` declares, and both lakes have it.

`DeltaLake` is exercised for real; `UnityCatalogLake` needs a cluster's Spark with Delta
(open-source Spark here has none), so it is held to the interface by its signatures,
and the steps are run through a lake that offers nothing but the interface.
"""

from __future__ import annotations

import datetime as dt
import inspect

import pytest

from linkedin_assets.bronze.ingest import ingest_content, ingest_patches
from linkedin_assets.databricks.warehouse_lake import WarehouseLake
from linkedin_assets.lake.delta import DeltaLake
from linkedin_assets.lake.protocol import Lake, ReadableLake
from linkedin_assets.lake.unity import UnityCatalogLake
from linkedin_assets.landing import Landing
from linkedin_assets.samples.profile import build_profile
from linkedin_assets.samples.writer import write_content_export, write_patch_file

DAY = dt.date(2026, 10, 31)


def members(protocol) -> dict[str, inspect.Signature]:
    own = {name for name in vars(protocol) if not name.startswith("_")}
    inherited = {name for base in protocol.__mro__[1:] if base.__name__.endswith("Lake") for name in vars(base)}
    return {
        name: inspect.signature(getattr(protocol, name))
        for name in sorted(own | {n for n in inherited if not n.startswith("_")})
    }


@pytest.mark.parametrize(
    ("implementation", "protocol"),
    [(DeltaLake, Lake), (UnityCatalogLake, Lake), (WarehouseLake, ReadableLake)],
)
def test_every_lake_implements_its_interface(implementation, protocol):
    declared = members(protocol)
    assert declared, protocol
    for name, signature in declared.items():
        found = getattr(implementation, name, None)
        assert callable(found), f"{implementation.__name__} has no {name}()"
        assert list(inspect.signature(found).parameters) == list(signature.parameters), (
            f"{implementation.__name__}.{name}{inspect.signature(found)} differs from {protocol.__name__}.{name}{signature}"
        )


class InterfaceOnly:
    """A lake that answers only what `Lake` declares: anything else a step asks for fails."""

    def __init__(self, lake: Lake):
        self._lake = lake
        self.calls: list[str] = []

    def __getattr__(self, name: str):
        if name not in members(Lake):
            raise AttributeError(f"{name!r} is not part of the Lake interface")
        self.calls.append(name)
        return getattr(self._lake, name)


def test_bronze_steps_need_nothing_beyond_the_interface(tmp_path):
    """A Content file, then a patch for one of its posts: on Unity Catalog the patch step
    once asked the lake for a local path it does not have."""
    profile = build_profile(end=DAY, days=3, seed=11)
    landing = Landing(tmp_path / "landing")
    landing.ensure()
    lake = InterfaceOnly(DeltaLake(tmp_path / "lake"))
    write_content_export(profile, landing.folder("content_daily", "pending"), DAY, DAY)
    assert not ingest_content(landing, lake, DAY, DAY).rejected
    url = profile.top_posts(DAY, DAY, "impressions")[0][0]
    write_patch_file([{"post_url": url, "title": "Patched"}], landing.folder("patch", "pending") / "fix.csv")

    report = ingest_patches(landing, lake)

    assert not report.rejected and report.processed == ["patch/fix.csv"]
    [row] = DeltaLake(tmp_path / "lake").read("bronze", "post_patch").to_pylist()
    assert (row["post_url"], row["title"]) == (url, "Patched")
    assert "read" in lake.calls
