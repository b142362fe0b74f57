"""The stand-in's Files, Jobs, Lakeview and SCIM APIs and DESCRIBE HISTORY, driven by the real databricks-sdk.

If the SDK's own client works against these, the project's code (and dagster-databricks)
can be tested against them; only the Lakeview test starts Spark (publishing runs the
dashboard's queries).
"""

from __future__ import annotations

import email.utils
import io
import json
import time

import pyarrow as pa
import pytest
import requests
from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import (
    AlreadyExists,
    BadRequest,
    InvalidParameterValue,
    NotFound,
    ResourceAlreadyExists,
    Unauthenticated,
)
from databricks.sdk.service import catalog, dashboards, jobs, sql
from deltalake import write_deltalake

from linkedin_assets.core.project_files import REPO_ROOT

pytestmark = pytest.mark.slow  # the Databricks stand-in's jobs (notebook runs on local Spark)

BUNDLE_NOTEBOOKS = "/Workspace/Users/me@example.com/.bundle/linkedin-analytics/dev/files/notebooks"


@pytest.fixture
def client(databricks_standin) -> WorkspaceClient:
    return WorkspaceClient()


# -- Files API ------------------------------------------------------------------------


def test_files_round_trip_through_the_sdk(client, settings, databricks_standin):
    volume = settings.home / "Volumes" / "landing" / "linkedin" / "posts"
    folder = f"{volume}/in coming"  # a space: the SDK percent-encodes the path
    client.files.create_directory(f"{folder}/sub")  # parents too
    client.files.create_directory(folder)  # again: idempotent
    client.files.upload(f"{folder}/a.csv", io.BytesIO(b"id\n1\n"), overwrite=True)
    (volume / "in coming" / "b.csv").write_bytes(b"x" * 10)  # written "through the FUSE mount"

    entries = {e.name: e for e in client.files.list_directory_contents(folder)}
    assert sorted(entries) == ["a.csv", "b.csv", "sub"]
    assert (entries["a.csv"].file_size, entries["b.csv"].file_size) == (5, 10)
    assert entries["a.csv"].path == f"{folder}/a.csv" and not entries["a.csv"].is_directory
    assert entries["sub"].is_directory
    mtime_ms = int((volume / "in coming" / "a.csv").stat().st_mtime * 1000)
    assert entries["a.csv"].last_modified == mtime_ms

    # Paging: one entry a page, the SDK follows next_page_token.
    before = len(databricks_standin.requests)
    assert [e.name for e in client.files.list_directory_contents(folder, page_size=1)] == ["a.csv", "b.csv", "sub"]
    assert len(databricks_standin.requests) - before == 3

    download = client.files.download(f"{folder}/a.csv")
    assert download.contents.read() == b"id\n1\n"
    assert download.content_length == 5 and download.content_type == "application/octet-stream"
    assert email.utils.parsedate_to_datetime(download.last_modified).timestamp() == mtime_ms // 1000
    meta = client.files.get_metadata(f"{folder}/b.csv")
    assert meta.content_length == 10 and meta.last_modified
    client.files.get_directory_metadata(folder)

    with pytest.raises(AlreadyExists):
        client.files.upload(f"{folder}/a.csv", io.BytesIO(b"other"), overwrite=False)
    client.files.upload(f"{folder}/a.csv", io.BytesIO(b"new"))  # overwrite defaults to true
    assert (volume / "in coming" / "a.csv").read_bytes() == b"new"

    with pytest.raises(BadRequest, match="not empty"):
        client.files.delete_directory(folder)
    for name in ("a.csv", "b.csv"):
        client.files.delete(f"{folder}/{name}")
    client.files.delete_directory(f"{folder}/sub")
    client.files.delete_directory(folder)
    assert not (volume / "in coming").exists()

    with pytest.raises(NotFound):
        list(client.files.list_directory_contents(folder))
    with pytest.raises(NotFound):
        client.files.get_directory_metadata(folder)  # HEAD: no body, mapped by status
    with pytest.raises(NotFound):
        client.files.get_metadata(f"{folder}/a.csv")
    with pytest.raises(NotFound):
        client.files.download(f"{folder}/a.csv")
    with pytest.raises(NotFound):
        client.files.delete(f"{folder}/a.csv")
    with pytest.raises(NotFound):  # outside the volumes root, like a path outside /Volumes
        client.files.download(str(settings.home / "landing" / "anything.csv"))


def test_files_api_works_only_inside_an_existing_volume(client, settings):
    """As on a workspace: the Files API reaches into volumes the bundle deployed, and never makes one."""
    from databricks.sdk.errors import NotFound

    root = settings.home / "Volumes"
    for outside in (f"{root}/landing/linkedin", f"{root}/landing/linkedin/no_such_volume/pending", "/tmp"):
        with pytest.raises(NotFound):
            client.files.create_directory(outside)
        with pytest.raises(NotFound):
            client.files.upload(f"{outside}/a.csv", io.BytesIO(b"id\n"), overwrite=True)
    assert not (root / "landing" / "linkedin" / "no_such_volume").exists()
    declared = {p.name for p in (root / "landing" / "linkedin").iterdir()}
    assert declared == {"content_daily", "content_historical", "posts", "patch", "pipes"}  # resources/volumes.yml


def test_files_api_is_behind_the_token_check(databricks_standin, settings):
    wrong = WorkspaceClient(host=databricks_standin.host, token="dapi-wrong", auth_type="pat")
    with pytest.raises(Unauthenticated):
        list(wrong.files.list_directory_contents(str(settings.home / "Volumes")))


# -- Jobs runs ------------------------------------------------------------------------

HELLO = """\
# Databricks notebook source
dbutils.widgets.text("greeting", "hello")
name = dbutils.widgets.get("name")
with open(dbutils.widgets.get("marker"), "a") as marker:
    marker.write("ran\\n")

# COMMAND ----------
display(dbutils.widgets.getAll())
dbutils.notebook.exit(f"{dbutils.widgets.get('greeting')} {name}")
raise AssertionError("dbutils.notebook.exit did not end the notebook")
"""

BROKEN = """\
# Databricks notebook source
def check(rows):
    if rows < 5:
        raise ValueError(f"only {rows} rows\\nsecond line")

check(int(dbutils.widgets.get("rows")))
"""

WAITS = """\
# Databricks notebook source
import os, time
deadline = time.time() + 20
while not os.path.exists(dbutils.widgets.get("go")) and time.time() < deadline:
    time.sleep(0.02)
"""


@pytest.fixture
def notebooks(databricks_standin, tmp_path):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    for name, source in {"hello": HELLO, "broken": BROKEN, "waits": WAITS}.items():
        (folder / f"{name}.py").write_text(source)
    databricks_standin.notebook_dirs.append(folder)
    return folder


def submit(client: WorkspaceClient, notebook: str, **parameters) -> int:
    task = jobs.SubmitTask(
        task_key=notebook,
        notebook_task=jobs.NotebookTask(notebook_path=f"{BUNDLE_NOTEBOOKS}/{notebook}", base_parameters=parameters),
    )
    return client.jobs.submit(run_name=f"test {notebook}", tasks=[task]).run_id


def wait(client: WorkspaceClient, run_id: int, timeout: float = 30) -> jobs.Run:
    # Not Wait.result(): the SDK sleeps 1s, 2s, ... between polls.
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = client.jobs.get_run(run_id)
        if run.state.life_cycle_state in (jobs.RunLifeCycleState.TERMINATED, jobs.RunLifeCycleState.SKIPPED):
            return run
        time.sleep(0.02)
    raise AssertionError(f"run {run_id} did not end: {run.state}")


def test_a_submitted_notebook_runs_and_returns_its_exit_value(client, databricks_standin, notebooks, tmp_path):
    marker = tmp_path / "marker"
    run = wait(client, submit(client, "hello", name="world", marker=str(marker)))

    assert run.state.result_state == jobs.RunResultState.SUCCESS
    assert run.status.state == jobs.RunLifecycleStateV2State.TERMINATED
    assert run.run_name == "test hello"
    assert run.run_page_url == f"{databricks_standin.host}/?o=0#job/{run.job_id}/run/{run.run_id}"
    [task] = run.tasks
    assert task.task_key == "hello" and task.state.result_state == jobs.RunResultState.SUCCESS
    output = client.jobs.get_run_output(task.run_id)
    assert output.notebook_output.result == "hello world"  # the widget default and the base parameter
    assert output.error is None
    assert marker.read_text() == "ran\n"
    with pytest.raises(InvalidParameterValue, match="multiple tasks"):
        client.jobs.get_run_output(run.run_id)  # the job run, not its task run
    # The API answers 400 INVALID_PARAMETER_VALUE "Run ... does not exist."; the SDK's own override makes that NotFound.
    with pytest.raises(NotFound, match="Run 987654 does not exist"):
        client.jobs.get_run(987654)

    [record] = databricks_standin.runs
    assert record["run_name"] == "test hello" and record["notebook"] == "hello"
    assert record["base_parameters"] == {"name": "world", "marker": str(marker)}
    assert record["state"] == "SUCCESS" and record["tags"] == {}


@pytest.mark.parametrize(
    "notebook, parameters, error",
    [
        ("broken", {"rows": "3"}, "ValueError: only 3 rows"),
        ("broken", {}, "InputWidgetNotDefined: No input widget named rows is defined"),
        ("missing", {}, f"Notebook not found: {BUNDLE_NOTEBOOKS}/missing"),
    ],
)
def test_a_failing_notebook_fails_the_run_with_its_error(
    client, databricks_standin, notebooks, notebook, parameters, error
):
    run = wait(client, submit(client, notebook, **parameters))

    assert run.state.life_cycle_state == jobs.RunLifeCycleState.TERMINATED
    assert run.state.result_state == jobs.RunResultState.FAILED
    assert run.run_page_url.endswith(f"#job/{run.job_id}/run/{run.run_id}")
    output = client.jobs.get_run_output(run.tasks[0].run_id)
    assert output.error == error
    if notebook == "broken":
        assert run.state.state_message == "Workload failed, see run output for details"
        assert str(notebooks / "broken.py") in output.error_trace  # the notebook's own frames
        assert output.error_trace.startswith("Traceback") and error in output.error_trace
        if parameters:
            assert "in check" in output.error_trace and "second line" in output.error_trace
    else:
        assert run.state.state_message == error  # what dagster-databricks puts in its exception
        assert str(notebooks / "missing.py") in output.error_trace
    assert databricks_standin.runs[-1]["state"] == "FAILED" and databricks_standin.runs[-1]["error"] == error


@pytest.mark.parametrize("installs", [False, True])
def test_a_notebook_importing_a_package_its_pip_line_lacks_fails_as_on_databricks(
    client, databricks_standin, notebooks, installs
):
    """Installed here, absent on a serverless cluster: the import passed here and failed there."""
    pip = '# MAGIC %pip install -q "openpyxl>=3.1,<4"\n' if installs else ""
    (notebooks / "reads_xlsx.py").write_text(
        f"# Databricks notebook source\n{pip}import pyarrow\nimport openpyxl\ndbutils.notebook.exit(openpyxl.__name__)\n"
    )
    run = wait(client, submit(client, "reads_xlsx"))
    output = client.jobs.get_run_output(run.tasks[0].run_id)
    if installs:
        assert run.state.result_state == jobs.RunResultState.SUCCESS and output.notebook_output.result == "openpyxl"
    else:  # pyarrow is in the environment; openpyxl is not
        assert run.state.result_state == jobs.RunResultState.FAILED
        assert output.error == "ModuleNotFoundError: No module named 'openpyxl'"


def test_the_projects_notebooks_install_what_they_import():
    """Every package the code of each notebook's path imports: installed by its %pip line or the environment.

    The path: the module the notebooks import and every project module it brings in, at
    load or inside a function; but not the local SQL engines (core/engine: DuckDB, local
    Spark) where a function loads them (DeltaLake.query): a notebook's lake runs its SQL
    on the cluster. A module that imports an engine when it loads brings it in."""
    import ast

    from linkedin_assets_tests.standin_pip import SERVERLESS_PACKAGES, missing, pip_requirements, with_dependencies

    def imports(tree: ast.AST, in_function: bool = False):
        for node in ast.iter_child_nodes(tree):
            if isinstance(node, ast.Import):
                yield from ((a.name, in_function) for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                yield node.module, in_function
                yield from ((f"{node.module}.{a.name}", in_function) for a in node.names)
            yield from imports(node, in_function or isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef))

    imported, seen, todo = set(), set(), ["linkedin_assets.core.databricks.notebook"]
    while todo:
        module = todo.pop()
        path = REPO_ROOT / (module.replace(".", "/") + ".py")
        if module in seen or not path.exists():  # (no file: a name imported from a module)
            continue
        seen.add(module)
        for name, in_function in imports(ast.parse(path.read_text())):
            if not name.startswith("linkedin_assets"):
                imported.add(name.partition(".")[0])
            elif not (in_function and name.startswith("linkedin_assets.core.engine")):
                todo.append(name)
    assert {"linkedin_assets.core.lake.unity", "linkedin_assets.core.lake.delta"} <= seen and "deltalake" in imported
    bronze = (REPO_ROOT / "notebooks" / "bronze.py").read_text()  # the widest: it parses the exports
    assert missing(sorted(imported), with_dependencies(pip_requirements(bronze)) | SERVERLESS_PACKAGES) == []


def test_fail_next_run_fails_one_run_without_running_it(client, databricks_standin, notebooks, tmp_path):
    marker = tmp_path / "marker"
    databricks_standin.fail_next_run("Cluster could not start: quota exceeded")

    failed = wait(client, submit(client, "hello", name="a", marker=str(marker)))
    assert failed.state.result_state == jobs.RunResultState.FAILED
    assert client.jobs.get_run_output(failed.tasks[0].run_id).error == "Cluster could not start: quota exceeded"
    assert not marker.exists()

    second = wait(client, submit(client, "hello", name="b", marker=str(marker)))
    assert second.state.result_state == jobs.RunResultState.SUCCESS
    assert [r["state"] for r in databricks_standin.runs] == ["FAILED", "SUCCESS"]


def test_cancelling_a_pending_and_a_running_run(client, databricks_standin, notebooks, tmp_path):
    go = tmp_path / "go"
    first = submit(client, "waits", go=str(go))
    second = submit(client, "waits", go=str(go))  # queued behind the first: one run at a time
    deadline = time.monotonic() + 10
    while client.jobs.get_run(first).state.life_cycle_state != jobs.RunLifeCycleState.RUNNING:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert client.jobs.get_run(second).state.life_cycle_state == jobs.RunLifeCycleState.PENDING

    client.jobs.cancel_run(second)
    assert client.jobs.get_run(second).state.result_state == jobs.RunResultState.CANCELED
    client.jobs.cancel_run(first)
    assert client.jobs.get_run(first).state.life_cycle_state == jobs.RunLifeCycleState.TERMINATING
    go.touch()
    ended = wait(client, first)
    assert ended.state.result_state == jobs.RunResultState.CANCELED
    assert ended.state.user_cancelled_or_timedout


# -- Lakeview and SCIM ------------------------------------------------------------------


def test_dashboard_create_publish_schedule_subscribe(client, databricks_standin):
    serialized = json.dumps(
        {
            "datasets": [
                {"name": "one", "displayName": "One", "queryLines": ["SELECT 1 AS x\n", "UNION ALL SELECT 2\n"]}
            ],
            "pages": [{"name": "p", "displayName": "Page"}],
        }
    )
    created = client.lakeview.create(
        dashboards.Dashboard(
            display_name="LinkedIn Statistics",
            serialized_dashboard=serialized,
            warehouse_id=databricks_standin.warehouse_id,
            parent_path="/Workspace/Users/me@example.com",
        )
    )
    dashboard_id = created.dashboard_id
    assert created.path == "/Users/me@example.com/LinkedIn Statistics.lvdash.json"  # Lakeview drops /Workspace
    assert created.lifecycle_state == dashboards.LifecycleState.ACTIVE and created.etag and created.create_time
    # Lakeview answers with its own serialisation of the definition, not the text sent.
    assert (
        json.loads(client.lakeview.get(dashboard_id).serialized_dashboard)["datasets"]
        == json.loads(serialized)["datasets"]
    )
    assert [d.dashboard_id for d in client.lakeview.list()] == [dashboard_id]
    with pytest.raises(ResourceAlreadyExists):
        client.lakeview.create(
            dashboards.Dashboard(display_name="LinkedIn Statistics", parent_path="/Workspace/Users/me@example.com")
        )

    published = client.lakeview.publish(
        dashboard_id, warehouse_id=databricks_standin.warehouse_id, embed_credentials=False
    )
    assert (published.display_name, published.embed_credentials) == ("LinkedIn Statistics", False)
    assert databricks_standin.published[dashboard_id]["row_counts"] == {"one": 2}
    assert client.lakeview.get_published(dashboard_id).warehouse_id == databricks_standin.warehouse_id

    schedule = client.lakeview.create_schedule(
        dashboard_id,
        dashboards.Schedule(
            cron_schedule=dashboards.CronSchedule(quartz_cron_expression="0 0 7 * * ?", timezone_id="Europe/Berlin"),
            display_name="Every morning",
        ),
    )
    assert schedule.schedule_id and schedule.pause_status == dashboards.SchedulePauseStatus.UNPAUSED
    assert [s.schedule_id for s in client.lakeview.list_schedules(dashboard_id)] == [schedule.schedule_id]

    me = next(client.users.list(filter='userName eq "me@example.com"'))
    subscriber = dashboards.Subscriber(user_subscriber=dashboards.SubscriptionSubscriberUser(user_id=int(me.id)))
    subscription = client.lakeview.create_subscription(
        dashboard_id, schedule.schedule_id, dashboards.Subscription(subscriber=subscriber)
    )
    assert subscription.subscription_id and subscription.subscriber.user_subscriber.user_id == 1001
    listed = list(client.lakeview.list_subscriptions(dashboard_id, schedule.schedule_id))
    assert [s.subscription_id for s in listed] == [subscription.subscription_id]
    with pytest.raises(ResourceAlreadyExists):
        client.lakeview.create_subscription(
            dashboard_id, schedule.schedule_id, dashboards.Subscription(subscriber=subscriber)
        )

    # A dataset whose SQL does not run makes publishing fail, naming the dataset.
    broken = json.dumps({"datasets": [{"name": "gone", "queryLines": ["SELECT * FROM gold.linkedin.no_such_table"]}]})
    client.lakeview.update(dashboard_id, dashboards.Dashboard(serialized_dashboard=broken))
    with pytest.raises(BadRequest, match="Dataset gone failed"):
        client.lakeview.publish(dashboard_id, warehouse_id=databricks_standin.warehouse_id)
    with pytest.raises(NotFound):
        client.lakeview.get("0" * 32)


def test_scim_user_lookup(client, databricks_standin):
    databricks_standin.users["ana@example.com"] = "1002"
    [ana] = client.users.list(filter='userName eq "ana@example.com"', attributes="id,userName")
    assert (ana.id, ana.user_name, ana.emails[0].value) == ("1002", "ana@example.com", "ana@example.com")
    assert list(client.users.list(filter='userName eq "nobody@example.com"')) == []
    assert {u.user_name for u in client.users.list()} == {"me@example.com", "ana@example.com"}
    assert client.current_user.me().user_name == "me@example.com"


# -- DESCRIBE HISTORY -------------------------------------------------------------------


def test_describe_history_lists_commits_newest_first(client, databricks_standin, settings):
    path = settings.table_path("silver", "totals")
    write_deltalake(str(path), pa.table({"n": [1]}))
    write_deltalake(str(path), pa.table({"n": [2]}), mode="append")
    write_deltalake(str(path), pa.table({"n": [3]}), mode="overwrite")

    def run(statement: str):
        return client.statement_execution.execute_statement(
            statement=statement, warehouse_id=databricks_standin.warehouse_id, wait_timeout="10s"
        )

    result = run("DESCRIBE HISTORY silver.linkedin.totals LIMIT 2")
    assert result.status.state == sql.StatementState.SUCCEEDED
    assert [c.name for c in result.manifest.schema.columns] == ["version", "timestamp", "operation"]
    assert [c.type_name for c in result.manifest.schema.columns] == [
        sql.ColumnInfoTypeName.LONG,
        sql.ColumnInfoTypeName.TIMESTAMP,
        sql.ColumnInfoTypeName.STRING,
    ]
    rows = result.result.data_array
    assert [r[0] for r in rows] == ["2", "1"] and rows[0][2] == "WRITE"
    assert len(run("DESCRIBE HISTORY silver.linkedin.totals").result.data_array) == 3

    missing = run("DESCRIBE HISTORY silver.linkedin.nope")
    assert missing.status.state == sql.StatementState.FAILED
    assert "TABLE_OR_VIEW_NOT_FOUND" in missing.status.error.message


# -- Unity Catalog tables API and statement results ------------------------------------


def test_tables_api_gives_the_delta_version_and_404s_a_missing_table(client, databricks_standin, settings):
    path = settings.table_path("bronze", "post_patch")
    write_deltalake(str(path), pa.table({"n": [1]}))
    write_deltalake(str(path), pa.table({"n": [2]}), mode="append")

    info = client.tables.get("bronze.linkedin.post_patch")
    assert (info.full_name, info.catalog_name, info.schema_name, info.name) == (
        "bronze.linkedin.post_patch",
        "bronze",
        "linkedin",
        "post_patch",
    )
    assert info.table_type == catalog.TableType.MANAGED
    assert info.data_source_format == catalog.DataSourceFormat.DELTA
    assert info.properties["delta.lastUpdateVersion"] == "1"
    assert int(info.properties["delta.lastCommitTimestamp"]) == info.updated_at > 1_700_000_000_000
    with pytest.raises(NotFound) as missing:
        client.tables.get("bronze.linkedin.nope")
    assert missing.value.error_code == "TABLE_DOES_NOT_EXIST"
    assert not databricks_standin.log  # no statement: the warehouse was not involved


def test_inline_results_are_capped_and_external_links_are_chunked(client, databricks_standin, settings):
    write_deltalake(str(settings.table_path("silver", "totals")), pa.table({"n": list(range(100))}))
    databricks_standin.inline_byte_limit = 200
    databricks_standin.chunk_rows = 30

    def run(**options):
        api = client.statement_execution
        response = api.execute_statement(
            statement="SELECT n FROM silver.linkedin.totals ORDER BY n",
            warehouse_id=databricks_standin.warehouse_id,
            wait_timeout="30s",
            **options,
        )
        while response.status.state in (sql.StatementState.PENDING, sql.StatementState.RUNNING):
            time.sleep(0.1)  # local Spark's first statement can outlast the wait
            response = api.get_statement(response.statement_id)
        return response

    inline = run()
    assert inline.status.state == sql.StatementState.FAILED
    assert inline.status.error.error_code == sql.ServiceErrorCode.BAD_REQUEST
    assert "Inline byte limit exceeded" in inline.status.error.message and "200 bytes" in inline.status.error.message

    linked = run(disposition=sql.Disposition.EXTERNAL_LINKS, format=sql.Format.ARROW_STREAM)
    assert linked.status.state == sql.StatementState.SUCCEEDED
    assert linked.manifest.total_chunk_count == 4 and linked.manifest.total_row_count == 100
    got, chunk = [], linked.result
    while True:
        [link] = chunk.external_links
        assert client.config.token not in link.external_link
        # A pre-signed link refuses the workspace token beside its own signature.
        auth = {"Authorization": f"Bearer {client.config.token}"}
        assert requests.get(link.external_link, headers=auth, timeout=10).status_code == 400
        reply = requests.get(link.external_link, timeout=10)
        got += pa.ipc.open_stream(reply.content).read_all()["n"].to_pylist()
        if link.next_chunk_index is None:
            break
        chunk = client.statement_execution.get_statement_result_chunk_n(linked.statement_id, link.next_chunk_index)
    assert got == list(range(100))
