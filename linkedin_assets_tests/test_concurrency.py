"""Concurrency pools: on Databricks each writing asset has a pool of its own, and the instance
this project writes lets one step at a time hold one, so two runs never write a table at once."""

from __future__ import annotations

import itertools
import multiprocessing
import os
import time

import dagster as dg
import pytest

from linkedin_assets.core.settings import load_settings
from linkedin_assets.dagster_home import DAGSTER_YAML, EARLIER_YAML, open_instance, prepare_environment, prepare_pools
from linkedin_assets.definitions import build_definitions

pytestmark = pytest.mark.slow  # the Databricks stand-in's runs, side by side


def _pools(defs: dg.Definitions) -> dict[str, str | None]:
    """Step (op) name -> its pool, for every asset step."""
    graph = defs.resolve_asset_graph()
    out = {}
    for key in graph.get_all_asset_keys():
        assets_def = graph.get(key).assets_def
        out[assets_def.op.name] = assets_def.op.pool
    return out


def test_on_databricks_each_writer_has_a_pool_of_its_own(settings, databricks_standin, monkeypatch):
    # Locally the ingest and Delta file locks serialise writers and die with their process.
    assert set(_pools(build_definitions(settings)).values()) == {None}

    monkeypatch.setenv("LINKEDIN_COMPUTE", "databricks")
    pools = _pools(build_definitions(load_settings()))
    writers = {op: pool for op, pool in pools.items() if not op.startswith("dashboard")}
    assert {"bronze_content", "bronze_post", "bronze_patch"} <= set(writers)
    assert any(op.startswith("silver") for op in writers) and any(op.startswith("gold") for op in writers)
    assert None not in writers.values()
    assert len(set(writers.values())) == len(writers), "two writers share a pool: they would wait on each other"


@dg.asset(pool="linkedin_bronze_content")
def _writer() -> None:
    began = time.time()
    time.sleep(1.0)
    with open(os.environ["SPANS"], "a") as spans:
        spans.write(f"{began} {time.time()}\n")


def _run_writer() -> None:
    # A run process of its own, as under dagster dev (Dagster's logging set-up is not
    # thread-safe, so two runs in one process would not be what users run anyway).
    dg.materialize([_writer], instance=dg.DagsterInstance.get())


def test_the_instance_runs_one_step_of_a_pool_at_a_time(settings, tmp_path, monkeypatch):
    instance = open_instance(settings)
    # What `linkedin-analytics init` and `run` do first. Without it Dagster sets a new
    # pool's limit on first use, and two runs using it at the same instant both got the slot.
    prepare_pools(instance, dg.Definitions(assets=[_writer]), settings)
    assert instance.event_log_storage.get_concurrency_info("linkedin_bronze_content").slot_count == 1
    spans_file = tmp_path / "spans"
    monkeypatch.setenv("SPANS", str(spans_file))
    context = multiprocessing.get_context("spawn")
    runs = [context.Process(target=_run_writer) for _ in "abc"]
    for run in runs:
        run.start()
    for run in runs:
        run.join(timeout=120)
        assert run.exitcode == 0
    spans = sorted(tuple(map(float, line.split())) for line in spans_file.read_text().splitlines())
    assert len(spans) == 3
    for (_, earlier_end), (later_start, _) in itertools.pairwise(spans):
        assert later_start >= earlier_end, "two runs wrote the same tables at once"


def test_an_earlier_release_dagster_yaml_is_upgraded_and_a_users_own_is_kept(settings):
    config = settings.dagster_home / "dagster.yaml"
    config.parent.mkdir(parents=True, exist_ok=True)
    for earlier in EARLIER_YAML:
        config.write_text(earlier)
        prepare_environment(settings)
        assert config.read_text() == DAGSTER_YAML
    # What the upgrade is for: the daemon's run queue looks every second, not every 5.
    with dg.DagsterInstance.from_config(str(settings.dagster_home)) as instance:
        assert getattr(instance.run_coordinator, "dequeue_interval_seconds", None) == 1

    edited = DAGSTER_YAML.replace("default_limit: 1", "default_limit: 3")
    config.write_text(edited)
    prepare_environment(settings)
    assert config.read_text() == edited
