"""A loopback stand-in for the slice of the Databricks REST API the project uses.

Implements, over HTTP on 127.0.0.1 (a random port), exactly what databricks-sdk sends
for the SQL Statement Execution API (here; `WarehouseResource` uses it):

    POST /api/2.0/sql/statements/             execute_statement (the SDK adds the trailing /)
    GET  /api/2.0/sql/statements/{id}         get_statement
    POST /api/2.0/sql/statements/{id}/cancel  cancel_execution
    GET  /api/2.0/sql/statements/{id}/result/chunks/{n}  get_statement_result_chunk_n
    GET  /api/2.1/unity-catalog/tables/{full_name}  tables.get (404 TABLE_DOES_NOT_EXIST when missing)

Results are cut in chunks of `chunk_rows`. INLINE (JSON_ARRAY only) fails a statement
whose result exceeds `inline_byte_limit` with the real API's BAD_REQUEST "Inline byte
limit exceeded"; EXTERNAL_LINKS (ARROW_STREAM) serves each chunk as an Arrow IPC stream
from a pre-signed-style link under /standin-storage/ that, like cloud storage, refuses
a request also carrying the workspace token (`link_requests` records each download).
`tables.get` reports delta.lastUpdateVersion / lastCommitTimestamp of the local Delta
table; `withhold_delta_properties` leaves them out.

with the JSON shapes the SDK parses (statement_id, status{state, error{error_code,
message}}, manifest{format, schema{columns}, total_row_count, ...}, result{data_array}),
bearer-token checking (wrong/missing token: HTTP 401 {"error_code": "UNAUTHENTICATED"}),
and validation of warehouse_id, wait_timeout and on_wait_timeout as the real API does.

Statements really run, with local Spark over a local lake (`DeltaLake` at `lake_root`):

- `SELECT table_type, comment FROM <catalog>.information_schema.tables WHERE
  table_schema = :schema AND table_name = :name`: MATERIALIZED_VIEW for the views it
  created, MANAGED for another Delta table at that name, no row otherwise.
- `CREATE [OR REPLACE] MATERIALIZED VIEW [IF NOT EXISTS] c.linkedin.x [COMMENT '...'] AS <select>`:
  stores the definition and writes the Delta table c/linkedin/x from `run_sql(lake, select)`.
- `REFRESH MATERIALIZED VIEW c.linkedin.x`: re-runs the stored definition.
- `DESCRIBE HISTORY c.linkedin.x [LIMIT n]`: version, timestamp, operation of the Delta
  table's commits, newest first (from delta-rs, no Spark); TABLE_OR_VIEW_NOT_FOUND without one.
- any other SELECT / WITH over `<layer>.linkedin.<table>` names (e.g. `SELECT COUNT(*)`).
- anything else: state FAILED with a message saying the stand-in does not implement it.

Failure switches: `fail_next(n)` makes the next n statements end FAILED with
error_code TEMPORARILY_UNAVAILABLE (how a statement the warehouse could not run for
capacity reasons reports, in the API's ServiceErrorCode terms); `unavailable_next(n)`
answers the next n HTTP requests with 503 TEMPORARILY_UNAVAILABLE + Retry-After,
which the SDK itself retries; `auth_failure_status = 403` answers a bad token with
403 PERMISSION_DENIED ("Invalid access token.") instead of 401.

The other APIs live in their own modules, all behind the same token check and 503 switch:
the Files API over `volumes_root` (standin_files: /api/2.0/fs/files, /api/2.0/fs/directories),
one-time notebook runs (standin_jobs: /api/2.2/jobs/runs/submit, get, get-output, cancel;
`fail_next_run(message)` fails the next run without running it; `runs` records each
task run), and Lakeview dashboards with SCIM users (standin_lakeview:
/api/2.0/lakeview/dashboards/..., /api/2.0/preview/scim/v2/Users and /Me; `published`
holds each published dashboard's dataset row counts, `users` maps email -> SCIM id).
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import re
import threading
import uuid
from dataclasses import dataclass
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote

import pyarrow as pa
import pytest

from linkedin_assets.core.lake.delta import DeltaLake
from linkedin_assets.core.project_files import REPO_ROOT
from linkedin_assets.core.sql.text import TABLE_NAME
from linkedin_assets_tests.standin_files import VolumeFiles
from linkedin_assets_tests.standin_jobs import JobRuns
from linkedin_assets_tests.standin_lakeview import Lakeview

WAIT_TIMEOUT = re.compile(r"^(0|[5-9]|[1-4][0-9]|50)s$")
INFO_SCHEMA = re.compile(
    r"^SELECT\s+table_type\s*,\s*comment\s+FROM\s+(\w+)\.information_schema\.tables\s+"
    r"WHERE\s+table_schema\s*=\s*:schema\s+AND\s+table_name\s*=\s*:name$",
    re.I,
)
CREATE_MV = re.compile(
    r"^CREATE\s+(OR\s+REPLACE\s+)?MATERIALIZED\s+VIEW\s+(IF\s+NOT\s+EXISTS\s+)?(\w+)\.(\w+)\.(\w+)\s+"
    r"(?:COMMENT\s+('(?:[^'\\]|\\.)*')\s+)?AS\s+(.+)$",
    re.I | re.S,
)
REFRESH_MV = re.compile(r"^REFRESH\s+MATERIALIZED\s+VIEW\s+(\w+)\.(\w+)\.(\w+)(\s+FULL)?$", re.I)
SELECT = re.compile(r"^(?:\s*--[^\n]*\n)*\s*(SELECT|WITH)\b", re.I)  # after any `--` comment lines
DESCRIBE_HISTORY = re.compile(r"^DESCRIBE\s+HISTORY\s+`?(\w+)`?\.`?(\w+)`?\.`?(\w+)`?(?:\s+LIMIT\s+(\d+))?$", re.I)


class StatementFailed(Exception):
    def __init__(self, error_code: str, message: str):
        super().__init__(message)
        self.error_code = error_code
        self.message = message


@dataclass
class Request:
    """One HTTP request as the API modules see it."""

    method: str
    path: str  # without the query string, still percent-encoded
    query: dict[str, str]  # the last value of each parameter
    headers: Message
    body: bytes

    def json(self) -> dict:
        return json.loads(self.body) if self.body.strip() else {}


class DatabricksStandIn:
    def __init__(
        self,
        lake_root: Path,
        token: str = "dapi-standin-secret-0123456789",
        warehouse_id: str = "wh-standin",
        volumes_root: Path | None = None,
        notebook_dirs: list[Path] | None = None,
    ):
        self.lake = DeltaLake(Path(lake_root), engine="spark")  # a warehouse runs Spark SQL
        self.token = token
        self.warehouse_id = warehouse_id
        self.views: dict[str, dict] = {}  # "gold.linkedin.x" -> {"definition", "comment"}
        self.statements: dict[str, dict] = {}
        self.log: list[dict] = []  # every statement received: statement, parameters, warehouse_id, final state
        self.requests: list[tuple[str, str]] = []  # (method, path) of every HTTP request
        self.max_sync_wait: float | None = None  # cap on honouring wait_timeout (0: always answer PENDING)
        self.auth_failure_status = 401
        # The real API aborts an INLINE statement whose result exceeds 25 MiB; a test sets it small.
        self.inline_byte_limit = 25 * 1024 * 1024
        self.chunk_rows = 10_000  # rows per result chunk, INLINE or EXTERNAL_LINKS
        self.withhold_delta_properties = False  # tables API: a table whose metastore entry lacks delta.*
        self.link_requests: list[dict] = []  # each external link fetched: path and the headers it came with
        self._fail_next = 0
        # GET sql/warehouses/{id} says it; a statement sent to a stopped warehouse starts it, as auto-start does.
        self.warehouse_state = "RUNNING"
        self._fail_code = "TEMPORARILY_UNAVAILABLE"
        self._unavailable_next = 0
        self._echo_next = 0
        self._lock = threading.Lock()
        self._engine = threading.Lock()  # one statement at a time on the local Spark session
        self._server: ThreadingHTTPServer | None = None
        self.users: dict[str, str] = {"me@example.com": "1001"}  # SCIM userName -> id; the first is "Me"
        self.notebook_dirs: list[Path] = list(notebook_dirs or [])  # searched before the repo's notebooks/
        self.files = VolumeFiles(volumes_root)
        # Notebook runs write the Unity Catalog tables through `UnitySession` (standin_unity.py):
        # UnityCatalogLake's SQL, parsed as Databricks SQL and carried out by delta-rs on this lake.
        self.uc_statements: list[str] = []  # every statement the notebooks' `spark` parsed
        self.jobs = JobRuns(
            lambda: self.host, lambda: self.notebook_dirs, REPO_ROOT, next(iter(self.users)), spark=self._notebook_spark
        )
        self.lakeview = Lakeview(lambda sql: self.execute(sql, {}), self._engine, warehouse_id, self.users)
        self.runs = self.jobs.records  # one entry per task run: run_name, notebook, base_parameters, tags, state
        self.published = self.lakeview.published  # dashboard id -> published settings and dataset row_counts

    # -- control -----------------------------------------------------------

    def fail_next(self, n: int, error_code: str = "TEMPORARILY_UNAVAILABLE") -> None:
        with self._lock:
            self._fail_next, self._fail_code = n, error_code

    def unavailable_next(self, n: int) -> None:
        with self._lock:
            self._unavailable_next = n

    def echo_authorization_next(self, n: int) -> None:
        """The next `n` requests are refused with an error quoting their Authorization header
        (a misconfigured proxy does this), so the SDK's exception holds the token."""
        with self._lock:
            self._echo_next = n

    def fail_next_run(self, message: str) -> None:
        """The next submitted job run ends FAILED with `message` as its error, without running."""
        self.jobs.fail_next_run(message)

    @property
    def host(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> DatabricksStandIn:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.jobs.stop()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def _notebook_spark(self):
        from linkedin_assets_tests.standin_unity import UnitySession

        return UnitySession(self, self.uc_statements)

    def statements_run(self) -> list[str]:
        return [entry["statement"] for entry in self.log]

    # -- the API -----------------------------------------------------------

    def submit(self, body: dict) -> tuple[int, dict]:
        warehouse_id = body.get("warehouse_id")
        statement = body.get("statement")
        if not warehouse_id or not statement:
            return 400, _error("INVALID_PARAMETER_VALUE", "statement and warehouse_id are required")
        if warehouse_id != self.warehouse_id:
            return 404, _error("RESOURCE_DOES_NOT_EXIST", f"SQL warehouse {warehouse_id} does not exist.")
        wait_timeout = body.get("wait_timeout", "10s")
        if not WAIT_TIMEOUT.match(wait_timeout):
            return 400, _error("INVALID_PARAMETER_VALUE", f"wait_timeout must be 0s or 5s..50s, not {wait_timeout}")
        on_wait_timeout = body.get("on_wait_timeout", "CONTINUE")
        if on_wait_timeout not in ("CONTINUE", "CANCEL"):
            return 400, _error("INVALID_PARAMETER_VALUE", f"bad on_wait_timeout {on_wait_timeout}")
        disposition = body.get("disposition", "INLINE")
        fmt = body.get("format", "JSON_ARRAY")
        if disposition not in ("INLINE", "EXTERNAL_LINKS") or fmt not in ("JSON_ARRAY", "ARROW_STREAM", "CSV"):
            return 400, _error("INVALID_PARAMETER_VALUE", f"bad disposition {disposition} or format {fmt}")
        if disposition == "INLINE" and fmt != "JSON_ARRAY":
            return 400, _error("INVALID_PARAMETER_VALUE", f"INLINE disposition supports only JSON_ARRAY, not {fmt}")
        if disposition == "EXTERNAL_LINKS" and fmt != "ARROW_STREAM":
            return 400, _error(
                "INVALID_PARAMETER_VALUE", f"the stand-in serves EXTERNAL_LINKS as ARROW_STREAM only, not {fmt}"
            )
        params = body.get("parameters") or []
        if any(not isinstance(p, dict) or "name" not in p for p in params):
            return 400, _error("INVALID_PARAMETER_VALUE", "each parameter needs a name")
        record = {
            "statement_id": str(uuid.uuid4()),
            "statement": statement,
            "parameters": params,
            "warehouse_id": warehouse_id,
            "wait_timeout": wait_timeout,
            "disposition": disposition,
            "state": "PENDING",
            "done": threading.Event(),
        }
        with self._lock:
            self.statements[record["statement_id"]] = record
            self.log.append(record)
            failing = self._fail_next > 0
            if failing:
                self._fail_next -= 1
        if failing:
            self._finish(
                record,
                error=(
                    self._fail_code,
                    "The SQL warehouse is busy and cannot run this statement now; try again later.",
                ),
            )
            return 200, self._json(record)
        threading.Thread(target=self._run, args=(record,), daemon=True).start()
        wait = int(wait_timeout[:-1])
        if self.max_sync_wait is not None:
            wait = min(wait, self.max_sync_wait)
        if not record["done"].wait(wait) and on_wait_timeout == "CANCEL" and wait:
            self.cancel(record["statement_id"])
        return 200, self._json(record)

    def get(self, statement_id: str) -> tuple[int, dict]:
        record = self.statements.get(statement_id)
        if record is None:
            return 404, _error("NOT_FOUND", f"statement {statement_id} not found")
        return 200, self._json(record)

    def cancel(self, statement_id: str) -> tuple[int, dict]:
        record = self.statements.get(statement_id)
        if record is None:
            return 404, _error("NOT_FOUND", f"statement {statement_id} not found")
        with self._lock:
            if record["state"] in ("PENDING", "RUNNING"):
                record["state"] = "CANCELED"
                record["done"].set()
        return 200, {}

    # -- execution ---------------------------------------------------------

    def _run(self, record: dict) -> None:
        with self._lock:
            if record["state"] != "PENDING":
                return
            record["state"] = "RUNNING"
        try:
            with self._engine:
                rows = self.execute(record["statement"], _parameters(record["parameters"]))
        except StatementFailed as e:
            self._finish(record, error=(e.error_code, e.message))
        except Exception as e:  # a Spark/SQL error: report it as the warehouse would
            message = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            self._finish(record, error=("BAD_REQUEST", message))
        else:
            self._finish(record, rows=rows)

    def _finish(self, record: dict, rows: pa.Table | None = None, error: tuple[str, str] | None = None) -> None:
        with self._lock:
            if record["state"] in ("CANCELED", "CLOSED"):
                return
            if error is None and rows is not None and record["disposition"] == "INLINE":
                size = len(json.dumps(_data_array(rows)).encode())
                if size > self.inline_byte_limit:
                    error = (  # the real API's words (error_code BAD_REQUEST)
                        "BAD_REQUEST",
                        "Inline byte limit exceeded. Statements executed with disposition=INLINE can have a "
                        f"result size of at most {self.inline_byte_limit} bytes. Please execute the statement "
                        "with disposition=EXTERNAL_LINKS if you want to download the full result.",
                    )
            if error is not None:
                record["state"], record["error"] = "FAILED", {"error_code": error[0], "message": error[1]}
            else:
                record["state"], record["rows"] = "SUCCEEDED", rows if rows is not None else pa.table({})
            record["done"].set()

    def execute(self, statement: str, params: dict) -> pa.Table:
        from linkedin_assets.core.engine.spark import run_sql

        sql = statement.strip().rstrip(";").strip()
        if m := INFO_SCHEMA.match(sql):
            return self._table_info(m.group(1), params)
        if m := CREATE_MV.match(sql):
            replace, if_not_exists, catalog, schema, name, comment, select = m.groups()
            if replace and if_not_exists:
                raise StatementFailed("BAD_REQUEST", "OR REPLACE and IF NOT EXISTS cannot both be given")
            if params:
                raise StatementFailed("BAD_REQUEST", "a materialized view definition cannot use parameter markers")
            full = self._name(catalog, schema, name)
            if full in self.views or self.lake.exists(catalog, name):
                if if_not_exists:
                    return pa.table({})
                if full not in self.views:
                    raise StatementFailed(
                        "BAD_REQUEST", f"[EXPECT_VIEW_NOT_TABLE] {full} is a table, not a materialized view"
                    )
                if not replace:
                    raise StatementFailed("BAD_REQUEST", f"[TABLE_OR_VIEW_ALREADY_EXISTS] {full} already exists")
            text = run_sql(self.lake, f"SELECT {comment}").column(0)[0].as_py() if comment else None
            self._materialise(catalog, name, select)
            self.views[full] = {"definition": select, "comment": text}
            return pa.table({})
        if m := REFRESH_MV.match(sql):
            catalog, schema, name, _ = m.groups()
            full = self._name(catalog, schema, name)
            if full not in self.views:
                raise StatementFailed(
                    "NOT_FOUND", f"[TABLE_OR_VIEW_NOT_FOUND] materialized view {full} cannot be found"
                )
            self._materialise(catalog, name, self.views[full]["definition"])
            return pa.table({})
        if m := DESCRIBE_HISTORY.match(sql):
            catalog, schema, name, limit = m.groups()
            return self._history(catalog, schema, name, int(limit) if limit else None)
        if SELECT.match(sql) and "information_schema" not in sql.lower():
            for name in _unqualified_tables(sql):  # local Spark would find a temp view of that name
                raise StatementFailed(
                    "NOT_FOUND",
                    f"[TABLE_OR_VIEW_NOT_FOUND] The table or view `{name}` cannot be found. Verify the spelling "
                    "and correctness of the schema and catalog. SQLSTATE: 42P01",
                )
            for catalog, name in TABLE_NAME.findall(sql):
                if not self.lake.exists(catalog, name):  # as a warehouse says it (error class, SQLSTATE)
                    raise StatementFailed(
                        "NOT_FOUND",
                        f"[TABLE_OR_VIEW_NOT_FOUND] The table or view `{catalog}`.`{self.lake.schema}`.`{name}` "
                        "cannot be found. Verify the spelling and correctness of the schema and catalog. SQLSTATE: 42P01",
                    )
            return run_sql(self.lake, sql, params)
        raise StatementFailed(
            "BAD_REQUEST", f"the Databricks stand-in does not implement: {' '.join(sql.split())[:80]}"
        )

    def _name(self, catalog: str, schema: str, name: str) -> str:
        if schema != self.lake.schema or catalog not in ("bronze", "silver", "gold"):
            raise StatementFailed("NOT_FOUND", f"[SCHEMA_NOT_FOUND] {catalog}.{schema} does not exist in the stand-in")
        return f"{catalog}.{schema}.{name}"

    def _history(self, catalog: str, schema: str, name: str, limit: int | None) -> pa.Table:
        from deltalake import DeltaTable

        full = self._name(catalog, schema, name)
        if not self.lake.exists(catalog, name):
            raise StatementFailed("NOT_FOUND", f"[TABLE_OR_VIEW_NOT_FOUND] The table or view {full} cannot be found.")
        commits = sorted(DeltaTable(str(self.lake.path(catalog, name))).history(limit), key=lambda c: -c["version"])
        return pa.table(
            {
                "version": pa.array([c["version"] for c in commits], pa.int64()),
                "timestamp": pa.array([c["timestamp"] for c in commits], pa.int64()).cast(pa.timestamp("ms", tz="UTC")),
                "operation": pa.array([c.get("operation") for c in commits], pa.string()),
            }
        )

    def _materialise(self, catalog: str, name: str, select: str) -> None:
        from deltalake import write_deltalake

        from linkedin_assets.core.engine.spark import run_sql
        from linkedin_assets.core.sql.refresh import _normalise

        rows = _normalise(run_sql(self.lake, select))
        with self.lake.lock(catalog, name):
            write_deltalake(str(self.lake.path(catalog, name)), rows, mode="overwrite", schema_mode="overwrite")

    def _table_info(self, catalog: str, params: dict) -> pa.Table:
        schema, name = params.get("schema"), params.get("name")
        found = []
        if schema == self.lake.schema:
            full = f"{catalog}.{schema}.{name}"
            if full in self.views:
                found.append(("MATERIALIZED_VIEW", self.views[full]["comment"]))
            elif self.lake.exists(catalog, name):
                found.append(("MANAGED", None))
        return pa.table(
            {"table_type": [r[0] for r in found], "comment": [r[1] for r in found]},
            schema=pa.schema([("table_type", pa.string()), ("comment", pa.string())]),
        )

    def _json(self, record: dict) -> dict:
        with self._lock:
            out = {"statement_id": record["statement_id"], "status": {"state": record["state"]}}
            if "error" in record:
                out["status"]["error"] = dict(record["error"])
            if record["state"] == "SUCCEEDED":
                rows: pa.Table = record["rows"]
                columns = [{"name": f.name, "position": i, **_type(f.type)} for i, f in enumerate(rows.schema)]
                chunks = self._chunks(record)
                external = record["disposition"] == "EXTERNAL_LINKS"
                out["manifest"] = {
                    "format": "ARROW_STREAM" if external else "JSON_ARRAY",
                    "schema": {"column_count": len(columns), "columns": columns},
                    "total_row_count": rows.num_rows,
                    "total_chunk_count": len(chunks),
                    "chunks": [{k: c[k] for k in ("chunk_index", "row_offset", "row_count")} for c in chunks],
                    "truncated": False,
                }
                if chunks:
                    out["result"] = self._chunk_json(record, 0)
            return out

    def _chunks(self, record: dict) -> list[dict]:
        """The result cut in chunks of `chunk_rows` (none for an empty EXTERNAL_LINKS result)."""
        rows: pa.Table = record["rows"]
        if "chunks" not in record:
            step = max(1, self.chunk_rows)
            starts = list(range(0, rows.num_rows, step)) or ([0] if record["disposition"] == "INLINE" else [])
            record["chunks"] = [
                {"chunk_index": i, "row_offset": start, "row_count": min(step, rows.num_rows - start)}
                for i, start in enumerate(starts)
            ]
        return record["chunks"]

    def _chunk_json(self, record: dict, index: int) -> dict:
        chunks = record["chunks"]
        chunk = dict(chunks[index])
        following = {"next_chunk_index": index + 1} if index + 1 < len(chunks) else {}
        if following:
            following["next_chunk_internal_link"] = (
                f"/api/2.0/sql/statements/{record['statement_id']}/result/chunks/{index + 1}"
            )
        if record["disposition"] == "EXTERNAL_LINKS":
            secret = record.setdefault("link_secret", uuid.uuid4().hex)
            link = {
                **chunk,
                **following,
                "byte_count": len(self.chunk_arrow(record["statement_id"], index)),
                "external_link": f"{self.host}/standin-storage/{record['statement_id']}/{index}?sig={secret}",
                "expiration": (dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=15)).isoformat(),
            }
            return {"external_links": [link]}
        part = record["rows"].slice(chunk["row_offset"], chunk["row_count"])
        data = _data_array(part)
        return {**chunk, **following, **({"data_array": data} if data else {})}

    def chunk(self, statement_id: str, index: int) -> tuple[int, dict]:
        """GET .../result/chunks/{index}: a chunk by index, of a statement that SUCCEEDED."""
        record = self.statements.get(statement_id)
        if record is None:
            return 404, _error("NOT_FOUND", f"statement {statement_id} not found")
        with self._lock:
            if record["state"] != "SUCCEEDED":
                return 400, _error("INVALID_PARAMETER_VALUE", f"statement {statement_id} is {record['state']}")
            if not 0 <= index < len(self._chunks(record)):
                return 400, _error("INVALID_PARAMETER_VALUE", f"chunk index {index} is out of range")
            return 200, self._chunk_json(record, index)

    def chunk_arrow(self, statement_id: str, index: int) -> bytes:
        record = self.statements[statement_id]
        chunk = record["chunks"][index]
        part = record["rows"].slice(chunk["row_offset"], chunk["row_count"])
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, part.schema) as writer:
            writer.write_table(part)
        return sink.getvalue().to_pybytes()

    def storage(self, request: Request) -> tuple[int, dict | bytes] | None:
        """A pre-signed link's download: no workspace token, the link's own signature instead."""
        m = re.fullmatch(r"/standin-storage/([\w-]+)/(\d+)", request.path)
        if m is None:
            return None
        self.link_requests.append({"path": request.path, "headers": dict(request.headers)})
        record = self.statements.get(m.group(1))
        if record is None or request.query.get("sig") != record.get("link_secret"):
            return 403, _error("AccessDenied", "Request has expired or the signature does not match")
        if request.headers.get("Authorization"):
            # As cloud storage answers a pre-signed URL that also carries a bearer token.
            return 400, _error("InvalidArgument", "Only one auth mechanism allowed")
        return 200, self.chunk_arrow(m.group(1), int(m.group(2)))

    def table(self, full_name: str) -> tuple[int, dict]:
        """GET /api/2.1/unity-catalog/tables/{full_name}, from the local Delta table behind it."""
        from deltalake import DeltaTable

        parts = full_name.split(".")
        if len(parts) != 3:
            return 400, _error("INVALID_PARAMETER_VALUE", f"Invalid table name {full_name}")
        catalog, schema, name = parts
        if catalog not in ("bronze", "silver", "gold", "landing"):
            return 404, _error("CATALOG_DOES_NOT_EXIST", f"Catalog '{catalog}' does not exist.")
        if schema != self.lake.schema:
            return 404, _error("SCHEMA_DOES_NOT_EXIST", f"Schema '{catalog}.{schema}' does not exist.")
        if not self.lake.exists(catalog, name):
            return 404, _error("TABLE_DOES_NOT_EXIST", f"Table '{full_name}' does not exist.")
        delta = DeltaTable(str(self.lake.path(catalog, name)))
        [last] = delta.history(1)
        view = full_name in self.views
        info: dict = {
            "full_name": full_name,
            "catalog_name": catalog,
            "schema_name": schema,
            "name": name,
            "table_type": "MATERIALIZED_VIEW" if view else "MANAGED",
            "data_source_format": "DELTA",
            "updated_at": int(last["timestamp"]),
            "properties": {},
        }
        if not self.withhold_delta_properties:
            # The keys Unity Catalog's metastore keeps for a Delta table's last commit.
            info["properties"] = {
                "delta.lastUpdateVersion": str(delta.version()),
                "delta.lastCommitTimestamp": str(int(last["timestamp"])),
            }
        return 200, info


def _data_array(rows: pa.Table) -> list[list]:
    return [[_cell(v) for v in row.values()] for row in rows.to_pylist()]


def _error(code: str, message: str) -> dict:
    return {"error_code": code, "message": message}


def _parameters(items: list[dict]) -> dict:
    """StatementParameterListItem dicts as the Python values Spark binds."""
    out = {}
    for item in items:
        value, kind = item.get("value"), (item.get("type") or "STRING").upper()
        if value is None:
            out[item["name"]] = None
        elif kind in ("INT", "BIGINT", "SMALLINT", "TINYINT"):
            out[item["name"]] = int(value)
        elif kind in ("DOUBLE", "FLOAT"):
            out[item["name"]] = float(value)
        elif kind.startswith("DECIMAL"):
            out[item["name"]] = decimal.Decimal(value)
        elif kind == "BOOLEAN":
            out[item["name"]] = value.lower() == "true"
        elif kind == "DATE":
            out[item["name"]] = dt.date.fromisoformat(value)
        elif kind.startswith("TIMESTAMP"):
            out[item["name"]] = dt.datetime.fromisoformat(value)
        else:
            out[item["name"]] = value
    return out


def _type(kind: pa.DataType) -> dict:
    simple = {
        pa.int8(): "BYTE",
        pa.int16(): "SHORT",
        pa.int32(): "INT",
        pa.int64(): "LONG",
        pa.float32(): "FLOAT",
        pa.float64(): "DOUBLE",
        pa.bool_(): "BOOLEAN",
        pa.string(): "STRING",
        pa.large_string(): "STRING",
        pa.date32(): "DATE",
    }
    if kind in simple:
        return {"type_name": simple[kind], "type_text": simple[kind].replace("LONG", "BIGINT")}
    if pa.types.is_timestamp(kind):
        # Real warehouses name an NTZ column TIMESTAMP_NTZ, which the SDK's enum lacks
        # (it reads back as None): the client has to fall back to type_text.
        name = "TIMESTAMP" if kind.tz else "TIMESTAMP_NTZ"
        return {"type_name": name, "type_text": name}
    if pa.types.is_decimal(kind):
        return {
            "type_name": "DECIMAL",
            "type_text": f"DECIMAL({kind.precision},{kind.scale})",
            "type_precision": kind.precision,
            "type_scale": kind.scale,
        }
    return {"type_name": "STRING", "type_text": str(kind).upper()}


def _cell(value) -> str | None:
    """JSON_ARRAY format: every value is a string (or null)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


def _handler(standin: DatabricksStandIn):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):  # quiet
            pass

        def _send(self, status: int, body: dict | bytes | None, headers: dict | None = None) -> None:
            """A JSON object, raw bytes or no body; HEAD answers carry the headers only."""
            data = json.dumps(body).encode() if isinstance(body, dict) else (body or b"")
            headers = dict(headers or {})
            if isinstance(body, dict):
                headers.setdefault("Content-Type", "application/json")
            if status != 204:
                headers.setdefault("Content-Length", str(len(data)))
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.end_headers()
            if self.command != "HEAD" and status != 204:
                self.wfile.write(data)

        def _gate(self) -> bool:
            """Auth and the 503 switch; True when the request may proceed."""
            standin.requests.append((self.command, self.path))
            if self.headers.get("Authorization") != f"Bearer {standin.token}":
                if standin.auth_failure_status == 403:
                    self._send(403, _error("PERMISSION_DENIED", "Invalid access token."))
                else:
                    self._send(
                        401,
                        _error(
                            "UNAUTHENTICATED", "Credential was not sent or was of an unsupported type for this API."
                        ),
                    )
                return False
            with standin._lock:
                busy = standin._unavailable_next > 0
                if busy:
                    standin._unavailable_next -= 1
                echo = standin._echo_next > 0
                if echo:
                    standin._echo_next -= 1
            if echo:
                header = self.headers.get("Authorization")
                self._send(
                    400, _error("INVALID_PARAMETER_VALUE", f"bad request; it was sent with Authorization: {header}")
                )
                return False
            if busy:
                self._send(
                    503,
                    _error("TEMPORARILY_UNAVAILABLE", "The service is temporarily unavailable."),
                    {"Retry-After": "1"},
                )
                return False
            return True

        def _read_body(self) -> bytes:
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                chunks = []
                while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                    chunks.append(self.rfile.read(size))
                    self.rfile.readline()
                while self.rfile.readline().strip():  # trailers
                    pass
                return b"".join(chunks)
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""

        def _dispatch(self):
            # Read the body first, so a refused request leaves the connection clean for the next.
            body = self._read_body()
            path, _, query = self.path.partition("?")
            if path.startswith("/standin-storage/"):  # cloud storage: not behind the workspace's token check
                request = Request(
                    self.command, path, {k: v[-1] for k, v in parse_qs(query).items()}, self.headers, body
                )
                self._send(*(standin.storage(request) or (404, _error("NoSuchKey", "not found"))))
                return
            if not self._gate():
                return
            request = Request(
                self.command,
                path,
                {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()},
                self.headers,
                body,
            )
            try:
                for route in (_statements, standin.files.route, standin.jobs.route, standin.lakeview.route):
                    reply = route(request)
                    if reply is not None:
                        break
                else:
                    reply = (404, _error("ENDPOINT_NOT_FOUND", f"No API found for '{self.command} {path}'"))
            except json.JSONDecodeError as e:
                reply = (400, _error("MALFORMED_REQUEST", f"Invalid JSON given in the body of the request: {e}"))
            except Exception as e:
                # A stand-in bug: answer it. A dropped connection is one the SDK retries for minutes.
                reply = (500, _error("INTERNAL_ERROR", f"stand-in failure: {type(e).__name__}: {e}"))
            self._send(*reply)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _dispatch

    def _statements(request: Request):
        path = request.path.rstrip("/")
        if request.method == "GET" and (m := re.fullmatch(r"/api/2.0/sql/warehouses/([\w-]+)", path)):
            if m.group(1) != standin.warehouse_id:
                return 404, _error("RESOURCE_DOES_NOT_EXIST", f"Warehouse {m.group(1)} does not exist.")
            return 200, {
                "id": standin.warehouse_id,
                "name": "stand-in warehouse",
                "state": standin.warehouse_state,
                "cluster_size": "2X-Small",
                "auto_stop_mins": 10,
                "warehouse_type": "PRO",
                "enable_serverless_compute": True,
            }
        if request.method == "POST" and (m := re.fullmatch(r"/api/2.0/sql/warehouses/([\w-]+)/start", path)):
            if m.group(1) != standin.warehouse_id:
                return 404, _error("RESOURCE_DOES_NOT_EXIST", f"Warehouse {m.group(1)} does not exist.")
            if standin.warehouse_state == "STOPPED":
                standin.warehouse_state = "STARTING"  # a test says when it is RUNNING
            return 200, {}
        if request.method == "POST" and path == "/api/2.0/sql/statements":
            standin.warehouse_state = "RUNNING"  # auto-start: the warehouse bills from here
        if request.method == "POST" and path == "/api/2.0/sql/statements":
            return standin.submit(request.json())
        if request.method == "POST" and (m := re.fullmatch(r"/api/2.0/sql/statements/([\w-]+)/cancel", path)):
            return standin.cancel(m.group(1))
        if request.method == "GET" and (m := re.fullmatch(r"/api/2.0/sql/statements/([\w-]+)", path)):
            return standin.get(m.group(1))
        if request.method == "GET" and (
            m := re.fullmatch(r"/api/2.0/sql/statements/([\w-]+)/result/chunks/(\d+)", path)
        ):
            return standin.chunk(m.group(1), int(m.group(2)))
        if request.method == "GET" and (m := re.fullmatch(r"/api/2.1/unity-catalog/tables/([^/]+)", path)):
            return standin.table(unquote(m.group(1)))
        return None

    return Handler


def deploy_volumes(standin: DatabricksStandIn) -> list[Path]:
    """The volumes `resources/volumes.yml` declares, with the bundle's default variables."""
    import yaml

    bundle = yaml.safe_load((REPO_ROOT / "databricks.yml").read_text())
    defaults = {name: spec.get("default") for name, spec in bundle["variables"].items()}
    declared = yaml.safe_load((REPO_ROOT / "resources" / "volumes.yml").read_text())["resources"]["volumes"]
    made = []
    for volume in declared.values():
        catalog = volume["catalog_name"].removeprefix("${var.").removesuffix("}")
        made.append(standin.files.create_volume(defaults.get(catalog, catalog), defaults["schema"], volume["name"]))
    return made


def _unqualified_tables(sql: str) -> list[str]:
    """Tables `sql` reads by a bare name (not a CTE's). A warehouse looks them up in its
    default catalog and schema, which hold none of the project's tables."""
    import sqlglot
    from sqlglot import exp

    try:
        tree = sqlglot.parse_one(sql, read="databricks")
    except sqlglot.errors.ParseError:
        return []  # what sqlglot cannot read, Spark still judges
    ctes = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
    return sorted({t.name for t in tree.find_all(exp.Table) if not t.db and t.name.lower() not in ctes})


@pytest.fixture
def databricks_standin(settings, monkeypatch):
    """The stand-in over `settings.lake`, with the SDK's environment pointed at it.

    LINKEDIN_VOLUMES_ROOT points at `<home>/Volumes`, which the stand-in serves as /Volumes.
    """
    volumes = settings.home / "Volumes"
    volumes.mkdir(parents=True, exist_ok=True)
    monkeypatch.setenv("LINKEDIN_VOLUMES_ROOT", str(volumes))
    standin = DatabricksStandIn(settings.lake, volumes_root=volumes).start()
    deploy_volumes(standin)
    for name in (
        "DATABRICKS_CONFIG_PROFILE",
        "DATABRICKS_CLIENT_ID",
        "DATABRICKS_CLIENT_SECRET",
        "DATABRICKS_USERNAME",
        "DATABRICKS_PASSWORD",
        "DATABRICKS_ACCOUNT_ID",
        "DATABRICKS_AZURE_RESOURCE_ID",
        "ARM_CLIENT_ID",
        "ARM_CLIENT_SECRET",
        "ARM_TENANT_ID",
        "GOOGLE_CREDENTIALS",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABRICKS_CONFIG_FILE", str(settings.home / "no-databrickscfg"))
    monkeypatch.setenv("DATABRICKS_HOST", standin.host)
    monkeypatch.setenv("DATABRICKS_TOKEN", standin.token)
    monkeypatch.setenv("DATABRICKS_AUTH_TYPE", "pat")
    monkeypatch.setenv("LINKEDIN_WAREHOUSE_ID", standin.warehouse_id)
    try:
        yield standin
    finally:
        standin.stop()
