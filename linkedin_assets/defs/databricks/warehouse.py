"""A Databricks SQL warehouse as a Dagster resource, and gold as Unity Catalog materialized views.

Statements go through the Statement Execution API of `databricks-sdk`
(`w.statement_execution.execute_statement` then `get_statement` until a terminal
state). Errors come back as three kinds, so a retry policy's meaning is clear:

- `TransientWarehouseError`: the warehouse or workspace is busy, starting, rate
  limiting or briefly unavailable (a statement FAILED with TEMPORARILY_UNAVAILABLE,
  RESOURCE_EXHAUSTED, ...; or HTTP 429/503 that outlasted the SDK's own retries;
  or a statement still queued when our patience ran out). Retrying helps.
- `AuthenticationError`: Databricks rejected the credentials (HTTP 401/403). One
  message naming the host, never the token. Retrying does not help.
- `WarehouseError`: anything else (a SQL error, a missing table, no privilege),
  carrying the warehouse's own message. Retrying does not help.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import hashlib
import math
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import dagster as dg
import pyarrow as pa
from pydantic import PrivateAttr

from linkedin_assets.core.settings import DatabricksSettings
from linkedin_assets.core.sql.table import SqlTable
from linkedin_assets.core.sql.text import TABLE_NAME, sql_text

TERMINAL_STATES = ("SUCCEEDED", "FAILED", "CANCELED", "CLOSED")
# ServiceErrorCode values (databricks.sdk.service.sql) that mean "try again later".
TRANSIENT_ERROR_CODES = frozenset(
    {
        "TEMPORARILY_UNAVAILABLE",
        "WORKSPACE_TEMPORARILY_UNAVAILABLE",
        "SERVICE_UNDER_MAINTENANCE",
        "RESOURCE_EXHAUSTED",
        "DEADLINE_EXCEEDED",
        "ABORTED",
    }
)
IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
PARAMETER_MARKER = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")
DEFINITION_TAG = "linkedin_assets definition"


class WarehouseError(RuntimeError):
    """A statement the warehouse did not run to success, with the warehouse's message."""

    def __init__(
        self,
        message: str,
        *,
        error_code: str | None = None,
        statement_id: str | None = None,
        sdk_error: type | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.error_code = error_code
        self.statement_id = statement_id
        # The SDK's error class: raised `from None` (its text may quote the token), so not the cause.
        self.sdk_error = sdk_error


class TransientWarehouseError(WarehouseError):
    """The warehouse or workspace is busy or briefly unavailable: a retry may succeed."""


class AuthenticationError(WarehouseError):
    """Databricks rejected the credentials (HTTP 401/403)."""


@dataclass(frozen=True)
class StatementResult:
    statement_id: str | None
    columns: list[str]
    types: list[str]
    rows: list[tuple]

    def scalar(self) -> Any:
        if not self.rows or not self.rows[0]:
            raise WarehouseError(f"statement {self.statement_id} returned no value")
        return self.rows[0][0]

    def as_dicts(self) -> list[dict]:
        return [dict(zip(self.columns, row)) for row in self.rows]


# ---------------------------------------------------------------------------
# SQL text: literals, parameters inlined, layer names mapped


def sql_literal(value: Any) -> str:
    """`value` as a Spark/Databricks SQL literal that cannot break out of its quotes."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"cannot inline non-finite number {value!r}")
        return f"{value!r}D"
    if isinstance(value, decimal.Decimal):
        if not value.is_finite():
            raise ValueError(f"cannot inline non-finite number {value!r}")
        return f"{value}BD"
    if isinstance(value, dt.datetime):
        return f"TIMESTAMP {_quote(value.isoformat(sep=' '))}"
    if isinstance(value, dt.date):
        return f"DATE {_quote(value.isoformat())}"
    if isinstance(value, str):
        return _quote(value)
    raise TypeError(f"cannot inline a {type(value).__name__} as a SQL literal")


def _quote(text: str) -> str:
    out = []
    for ch in text:
        if ch == "\\":
            out.append("\\\\")
        elif ch == "'":
            out.append("\\'")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or ch == "\x7f":
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "'" + "".join(out) + "'"


def _segments(sql: str) -> Iterator[tuple[str, str]]:
    """Split SQL into ('code' | 'string' | 'comment', text); comments are dropped by callers."""
    i, n, start = 0, len(sql), 0
    while i < n:
        ch = sql[i]
        if ch in "'\"`":
            if i > start:
                yield "code", sql[start:i]
            j = i + 1
            while j < n and sql[j] != ch:
                j += 2 if (sql[j] == "\\" and ch != "`") else 1
            yield ("code" if ch == "`" else "string"), sql[i : j + 1]
            i = start = j + 1
        elif sql.startswith("--", i):
            if i > start:
                yield "code", sql[start:i]
            j = sql.find("\n", i)
            j = n if j < 0 else j
            yield "comment", sql[i:j]
            i = start = j
        elif sql.startswith("/*", i):
            if i > start:
                yield "code", sql[start:i]
            depth, j = 1, i + 2
            while j < n and depth:
                if sql.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif sql.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            yield "comment", sql[i:j]
            i = start = j
        else:
            i += 1
    if start < n:
        yield "code", sql[start:]


def inline_parameters(sql: str, params: dict, table_names: dict[str, str] | None = None) -> str:
    """`sql` with each `:name` marker replaced by the literal of params[name], comments removed.

    Markers inside string literals, quoted identifiers and comments are left alone;
    `table_names` maps layer (`silver`) to the `catalog.schema` prefix to use.
    """

    def code(text: str) -> str:
        def literal(m: re.Match) -> str:
            if m.group(1) not in params:
                raise KeyError(f"SQL parameter :{m.group(1)} has no value")
            return sql_literal(params[m.group(1)])

        text = PARAMETER_MARKER.sub(literal, text)
        if table_names:
            text = TABLE_NAME.sub(lambda m: f"{table_names[m.group(1)]}.{m.group(2)}", text)
        return text

    out = "".join(code(t) if kind == "code" else t for kind, t in _segments(sql) if kind != "comment")
    lines = [line.rstrip() for line in out.strip().rstrip(";").strip().splitlines()]
    return "\n".join(line for line in lines if line)


def statement_parameter(name: str, value: Any):
    """A typed `StatementParameterListItem` (the API passes every value as a string)."""
    from databricks.sdk.service.sql import StatementParameterListItem

    if value is None:
        return StatementParameterListItem(name=name)  # no value = NULL
    if isinstance(value, bool):
        kind, text = "BOOLEAN", "true" if value else "false"
    elif isinstance(value, int):
        kind, text = "BIGINT", str(value)
    elif isinstance(value, float):
        kind, text = "DOUBLE", repr(value)
    elif isinstance(value, decimal.Decimal):
        kind, text = "DECIMAL", str(value)
    elif isinstance(value, dt.datetime):
        kind, text = "TIMESTAMP", value.isoformat()
    elif isinstance(value, dt.date):
        kind, text = "DATE", value.isoformat()
    elif isinstance(value, str):
        kind, text = "STRING", value
    else:
        raise TypeError(f"parameter {name}: cannot pass a {type(value).__name__}")
    return StatementParameterListItem(name=name, value=text, type=kind)


ARROW_TYPES = {
    "BYTE": pa.int8(),
    "SHORT": pa.int16(),
    "INT": pa.int32(),
    "LONG": pa.int64(),
    "FLOAT": pa.float32(),
    "DOUBLE": pa.float64(),
    "BOOLEAN": pa.bool_(),
    "DATE": pa.date32(),
}


def arrow_schema(names: list[str], types: list[str]) -> pa.Schema:
    """A result's columns as Arrow, for the types JSON results convert (others as text)."""
    return pa.schema([(n, ARROW_TYPES.get(t, pa.string())) for n, t in zip(names, types)])


def _type_name(column) -> str:
    # The SDK reads a type name its enum lacks (TIMESTAMP_NTZ) as None; type_text still has it.
    if column.type_name is not None:
        return column.type_name.value
    return (column.type_text or "").split("(", 1)[0].upper()


def _convert(value: str | None, type_name: str | None) -> Any:
    """A JSON_ARRAY cell (always a string or null) as a Python value for simple types."""
    if value is None:
        return None
    kind = (type_name or "").upper()
    if kind in ("BYTE", "SHORT", "INT", "LONG"):
        return int(value)
    if kind in ("FLOAT", "DOUBLE"):
        return float(value)
    if kind == "DECIMAL":
        return decimal.Decimal(value)
    if kind == "BOOLEAN":
        return value.lower() == "true"
    if kind == "DATE":
        return dt.date.fromisoformat(value)
    return value


# ---------------------------------------------------------------------------
# The resource


class WarehouseResource(dg.ConfigurableResource):
    """A Databricks SQL warehouse reached with databricks-sdk (auth from the environment).

    Credentials are deliberately not config fields (they would show in the Dagster UI):
    the WorkspaceClient is built with the SDK's unified auth from the environment,
    optionally narrowed to a config `profile`.
    """

    warehouse_id: str
    profile: str | None = None
    bronze_catalog: str = "bronze"
    silver_catalog: str = "silver"
    gold_catalog: str = "gold"
    schema_name: str = "linkedin"
    wait_timeout: str = "30s"  # 0s or 5s..50s: how long execute_statement waits before returning
    poll_timeout_seconds: float = 3600.0  # after this, a statement still running is cancelled
    poll_interval_seconds: float = 1.0  # first poll delay; grows to 5 s
    # A host that accepts connections and never answers must not hold a sensor tick (Dagster
    # ends one after 60 s): each request gives up after http_timeout_seconds (above the 30 s a
    # statement may wait on the server), and the SDK's retries stop after retry_timeout_seconds.
    http_timeout_seconds: int = 45
    retry_timeout_seconds: int = 90

    _client: Any = PrivateAttr(default=None)

    # -- client and errors -------------------------------------------------

    def client(self):
        """The WorkspaceClient, created on first use."""
        if self._client is None:
            from databricks.sdk import WorkspaceClient
            from databricks.sdk.core import Config

            try:
                config = Config(
                    profile=self.profile,
                    http_timeout_seconds=self.http_timeout_seconds,
                    retry_timeout_seconds=self.retry_timeout_seconds,
                )
                self._client = WorkspaceClient(config=config)
            except ValueError as e:  # the SDK's "cannot configure default credentials" and kin
                raise AuthenticationError(
                    "no usable Databricks credentials: set DATABRICKS_HOST and DATABRICKS_TOKEN "
                    f"(or another databricks-sdk auth method): {self._scrub(str(e))}"
                ) from None
        return self._client

    @property
    def host(self) -> str:
        try:
            return self.client().config.host or "<no host>"
        except WarehouseError:
            return "<no host>"

    def _scrub(self, text: str) -> str:
        token = None
        if self._client is not None:
            token = getattr(self._client.config, "token", None)
        return text.replace(token, "***") if token else text

    def _call(self, fn, *args, **kwargs):
        """One SDK call, with its errors turned into this module's three kinds."""
        import requests
        from databricks.sdk import errors

        try:
            return fn(*args, **kwargs)
        except (errors.Unauthenticated, errors.PermissionDenied) as e:
            raise AuthenticationError(
                f"Databricks rejected the credentials for {self.host} (check DATABRICKS_TOKEN or the "
                f"configured Databricks auth, and that the principal may use SQL warehouse "
                f"{self.warehouse_id}): {self._scrub(str(e))}",
                error_code=getattr(e, "error_code", None),
            ) from None
        except (errors.TooManyRequests, errors.TemporarilyUnavailable, errors.DeadlineExceeded) as e:
            raise TransientWarehouseError(
                f"Databricks at {self.host} is busy or unavailable: {self._scrub(str(e))}",
                error_code=getattr(e, "error_code", None),
            ) from None
        except (TimeoutError, requests.ConnectionError, requests.Timeout) as e:
            # The SDK retries 429/503 and connection errors itself; this is after it gave up.
            raise TransientWarehouseError(
                f"Databricks at {self.host} did not answer in time: {self._scrub(str(e))}"
            ) from None
        except errors.DatabricksError as e:
            raise WarehouseError(
                f"Databricks API error from {self.host}: {self._scrub(str(e))}",
                error_code=getattr(e, "error_code", None),
                sdk_error=type(e),
            ) from None

    # -- the warehouse's state ------------------------------------------------

    def state(self) -> str:
        """RUNNING, STARTING, STOPPED, ... as the warehouses API says (no statement is run)."""
        found = self._call(self.client().warehouses.get, self.warehouse_id).state
        return found.value if found is not None else "in an unknown state"

    def start_unless_running(self) -> str | None:
        """None when the warehouse is running; else why not, after asking a stopped one to start.

        The start is not waited for: a cold start takes minutes, longer than a sensor tick may.
        """
        state = self.state()
        if state == "RUNNING":
            return None
        if state == "STOPPED":
            self._call(self.client().warehouses.start, self.warehouse_id)  # a waiter, never waited on
            return f"SQL warehouse {self.warehouse_id} was STOPPED: asked to start"
        return f"SQL warehouse {self.warehouse_id} is {state}"

    # -- statements ---------------------------------------------------------

    def execute(self, sql: str, parameters: dict | None = None) -> StatementResult:
        """Run one statement on the warehouse, wait for it, and return its rows (INLINE JSON).

        INLINE results are capped at 25 MiB by the API: only for statements whose result is
        small by construction (aggregates, metadata). Whole tables go through `execute_arrow`.
        """
        api, response = self._run(sql, parameters)
        return self._result(api, response, sql)

    def execute_arrow(self, sql: str, parameters: dict | None = None) -> pa.Table:
        """Run one statement and return its rows as Arrow, fetched as EXTERNAL_LINKS chunks.

        No size cap: each chunk is an Arrow IPC stream downloaded from its own short-lived link.
        """
        from databricks.sdk.service.sql import Disposition, Format

        api, response = self._run(sql, parameters, disposition=Disposition.EXTERNAL_LINKS, format=Format.ARROW_STREAM)
        self._check_succeeded(response, sql)
        parts: list[pa.Table] = []
        chunk = response.result
        while chunk is not None:
            links = chunk.external_links or []
            parts += [self._download(link) for link in links]
            following = links[-1].next_chunk_index if links else chunk.next_chunk_index
            if following is None:
                break
            chunk = self._call(api.get_statement_result_chunk_n, response.statement_id, following)
        if parts:
            return pa.concat_tables(parts)
        columns = (response.manifest.schema.columns or []) if response.manifest and response.manifest.schema else []
        return arrow_schema([c.name for c in columns], [_type_name(c) for c in columns]).empty_table()

    def _download(self, link) -> pa.Table:
        """One chunk's Arrow IPC stream from its pre-signed link."""
        import requests

        # A pre-signed storage URL: it carries its own credentials, so the workspace token must
        # not go with it (storage refuses a second auth scheme, and the token would leak there).
        try:
            reply = requests.get(link.external_link, headers=link.http_headers or {}, timeout=self.http_timeout_seconds)
            reply.raise_for_status()
        except requests.RequestException as e:
            # The statement can be run again: a retry of the step fetches fresh links.
            raise TransientWarehouseError(
                f"warehouse {self.warehouse_id}: result chunk {link.chunk_index} could not be downloaded: "
                f"{type(e).__name__} (HTTP {getattr(e.response, 'status_code', '-')})"
            ) from None
        return pa.ipc.open_stream(reply.content).read_all()

    def _run(self, sql: str, parameters: dict | None, **options):
        from databricks.sdk.service.sql import ExecuteStatementRequestOnWaitTimeout

        api = self.client().statement_execution
        response = self._call(
            api.execute_statement,
            statement=sql,
            warehouse_id=self.warehouse_id,
            parameters=[statement_parameter(k, v) for k, v in (parameters or {}).items()] or None,
            wait_timeout=self.wait_timeout,
            on_wait_timeout=ExecuteStatementRequestOnWaitTimeout.CONTINUE,
            **options,
        )
        statement_id = response.statement_id
        try:
            return api, self._wait(api, response)
        except BaseException:
            # Interrupted (run terminated, our timeout): do not leave it running on the warehouse.
            if statement_id:
                with contextlib.suppress(Exception):
                    api.cancel_execution(statement_id)
            raise

    def _wait(self, api, response):
        deadline = time.monotonic() + self.poll_timeout_seconds
        delay = self.poll_interval_seconds
        while _state(response) not in TERMINAL_STATES:
            if time.monotonic() > deadline:
                raise TransientWarehouseError(
                    f"statement {response.statement_id} still {_state(response)} on warehouse "
                    f"{self.warehouse_id} after {self.poll_timeout_seconds:.0f} s; cancelled",
                    statement_id=response.statement_id,
                )
            time.sleep(delay)
            delay = min(delay * 1.5, 5.0)
            response = self._call(api.get_statement, response.statement_id)
        return response

    def _result(self, api, response, sql: str) -> StatementResult:
        self._check_succeeded(response, sql)
        statement_id = response.statement_id
        columns = (response.manifest.schema.columns or []) if response.manifest and response.manifest.schema else []
        names = [c.name for c in columns]
        types = [_type_name(c) for c in columns]
        rows: list[tuple] = []
        chunk = response.result
        while chunk is not None:
            for row in chunk.data_array or []:
                rows.append(tuple(_convert(v, t) for v, t in zip(row, types)))
            if chunk.next_chunk_index is None:
                break
            chunk = self._call(api.get_statement_result_chunk_n, statement_id, chunk.next_chunk_index)
        return StatementResult(statement_id, names, types, rows)

    def _check_succeeded(self, response, sql: str) -> None:
        state = _state(response)
        statement_id = response.statement_id
        if state != "SUCCEEDED":
            error = response.status.error if response.status else None
            code = error.error_code.value if error is not None and error.error_code is not None else None
            message = (error.message if error is not None else None) or "(no message)"
            first_line = " ".join(sql.split())[:120]
            kind = TransientWarehouseError if code in TRANSIENT_ERROR_CODES else WarehouseError
            raise kind(
                f"warehouse {self.warehouse_id}: statement {statement_id} {state}"
                f"{f' ({code})' if code else ''}: {self._scrub(message)} -- statement: {first_line}",
                error_code=code,
                statement_id=statement_id,
            )

    # -- gold as materialized views -----------------------------------------

    def table_names(self) -> dict[str, str]:
        names = {"bronze": self.bronze_catalog, "silver": self.silver_catalog, "gold": self.gold_catalog}
        for value in [*names.values(), self.schema_name]:
            if not IDENTIFIER.match(value):
                raise ValueError(f"catalog/schema name {value!r} is not a plain SQL identifier")
        return {layer: f"{catalog}.{self.schema_name}" for layer, catalog in names.items()}

    def gold_select(self, table: SqlTable) -> str:
        """The table's SELECT with its parameters inlined (view definitions take no parameters)."""

        return inline_parameters(sql_text(table.sql), table.bind(None, None), self.table_names())

    def refresh_gold_view(self, table: SqlTable) -> dict:
        """Create (first time) or refresh the materialized view `gold.linkedin.<name>`.

        The view's COMMENT carries a fingerprint of its definition: an unchanged
        definition is REFRESHed; a changed one (SQL file edited, another reporting
        time zone) is replaced with CREATE OR REPLACE. Returns metadata for the asset.
        """
        if table.catalog != "gold" or table.partitioned:
            raise ValueError(f"{table.catalog}.{table.name}: only unpartitioned gold tables become materialized views")
        if not IDENTIFIER.match(table.name):
            raise ValueError(f"table name {table.name!r} is not a plain SQL identifier")
        name = f"{self.table_names()['gold']}.{table.name}"
        select = self.gold_select(table)
        fingerprint = hashlib.sha256(select.encode()).hexdigest()[:16]
        comment = sql_literal(f"{table.description} [{DEFINITION_TAG} {fingerprint}]")

        found = self.execute(
            f"SELECT table_type, comment FROM {self.gold_catalog}.information_schema.tables "
            "WHERE table_schema = :schema AND table_name = :name",
            {"schema": self.schema_name, "name": table.name},
        ).as_dicts()
        if not found:
            action = "create"
            statement = f"CREATE MATERIALIZED VIEW IF NOT EXISTS {name}\nCOMMENT {comment}\nAS\n{select}"
        elif found[0]["table_type"] != "MATERIALIZED_VIEW":
            raise WarehouseError(
                f"{name} exists as a {found[0]['table_type']} table, not a materialized view: "
                "drop or rename it so gold can be created as a materialized view"
            )
        elif f"{DEFINITION_TAG} {fingerprint}" in (found[0]["comment"] or ""):
            action = "refresh"
            statement = f"REFRESH MATERIALIZED VIEW {name}"
        else:
            action = "replace"
            statement = f"CREATE OR REPLACE MATERIALIZED VIEW {name}\nCOMMENT {comment}\nAS\n{select}"
        ran = self.execute(statement)
        rows = self.execute(f"SELECT COUNT(*) AS row_count FROM {name}").scalar()
        return {
            "table": name,
            "action": action,
            "statement_id": ran.statement_id or "",
            "definition_fingerprint": fingerprint,
            "dagster/row_count": int(rows),
            "warehouse_id": self.warehouse_id,
        }


def _state(response) -> str | None:
    if response.status is None or response.status.state is None:
        return None
    return response.status.state.value


def warehouse_resource(settings: DatabricksSettings, **overrides) -> WarehouseResource:
    """The SQL warehouse (needs LINKEDIN_WAREHOUSE_ID); `overrides`: other fields."""
    if not settings.warehouse_id:
        raise ValueError("LINKEDIN_WAREHOUSE_ID is not set: the SQL warehouse that refreshes gold")
    return WarehouseResource(
        warehouse_id=settings.warehouse_id,
        bronze_catalog=settings.catalog("bronze"),
        silver_catalog=settings.catalog("silver"),
        gold_catalog=settings.catalog("gold"),
        schema_name=settings.schema,
        **overrides,
    )
