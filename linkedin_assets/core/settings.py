"""Every setting of the product, and the only reader of the process environment.

`VARIABLES` declares each environment variable once: its default and meaning (the
README's configuration tables are checked against it). Three groups are loaded from
it: `Settings` (where things live, the schedule, the compute target: read once when
the Dagster definitions are built), `EmailSettings` (notifications) and
`DatabricksSettings` (the databricks compute target). A few limits are read where
they apply instead (`max_file_mb`, `freshness_days`, `reporting_time_zone`), because
that code also runs in the Databricks notebooks, whose environment is the cluster's.

Names follow the original pipeline (catalogs landing/bronze/silver/gold, schema
linkedin) so the local lake and Unity Catalog read alike. No setting ever holds a
Databricks credential: the databricks-sdk reads its own (DATABRICKS_HOST and
DATABRICKS_TOKEN, a config profile, OAuth, ...).
"""

from __future__ import annotations

import base64
import datetime as dt
import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from linkedin_assets.core.landing import VOLUMES, Landing
from linkedin_assets.core.project_files import REPO_ROOT

SCHEMA = "linkedin"
COMPUTE_TARGETS = ("local", "databricks")
LAYERS = ("landing", "bronze", "silver", "gold")
MASK = "***"


@dataclass(frozen=True)
class Variable:
    name: str
    default: str  # as the README shows it
    meaning: str
    group: str = "general"  # general | email | databricks: the README table it is in


VARIABLES = (
    Variable("LINKEDIN_HOME", "`./.linkedin` in the repo", "landing folders, lake, dashboard"),
    Variable("DAGSTER_HOME", "`$LINKEDIN_HOME/dagster`", "Dagster's runs, event log, sensor cursors"),
    Variable(
        "LINKEDIN_START_DATE",
        "a year back",
        "first daily partition; by default the first of the month a year before today, or before the first day "
        "a landed Content export holds if that is older (LinkedIn offers a year of history); a file older than "
        "the partitions (one that lands while `dagster dev` runs) is refused with that reason",
    ),
    Variable(
        "LINKEDIN_SENSOR_INTERVAL_SECONDS",
        "`4`",
        "minimum interval of the file-arrival and table-version sensors (Dagster's daemon evaluates sensors every "
        "5 s; under 5, each of those evaluations ticks, and at 5 every other one does)",
    ),
    Variable(
        "LINKEDIN_SETTLE_SECONDS",
        "`2`",
        "a pending file untouched this long counts as completely written (else: unchanged over two sensor ticks)",
    ),
    Variable(
        "LINKEDIN_AUTOMATION_INTERVAL_SECONDS", "`4`", "minimum interval of the automation sensor (likewise every 5 s)"
    ),
    Variable(
        "LINKEDIN_PROFILES",
        "`$LINKEDIN_HOME/profiles.csv`",
        "the profile aliases: a CSV `name,profile` mapping a name as export file names write it to the profile "
        'it belongs to (see "Several profiles")',
    ),
    Variable(
        "LINKEDIN_REPORTING_TIME_ZONE",
        "`UTC`",
        "time zone of `gold.linkedin.dim_timestamp`'s local parts: an IANA name (`Europe/Paris`) or an offset "
        "(`UTC+05:30`, stored as `GMT+05:30`)",
    ),
    Variable("LINKEDIN_FRESHNESS_DAYS", "`2`", "the `fresh` check's allowed age of the newest day"),
    Variable("LINKEDIN_MAX_FILE_MB", "`20`", "larger files are refused before parsing"),
    Variable("LINKEDIN_RETRY_DELAY_SECONDS", "`2`", "base delay of the silver and gold retry backoff"),
    Variable(
        "LINKEDIN_LOG_LEVEL",
        "`CRITICAL`",
        "the least level of Dagster's own log lines `linkedin-analytics run` and the runs under "
        "`make dev` print (by default none: the summary, or under `make dev` one line per refused file, "
        "failed step or failed check, says what to act on; the UI holds every event; `--verbose` is `INFO`)",
    ),
    Variable("LINKEDIN_UPLOAD_HOST", "`127.0.0.1`", "where the upload page listens (any other address needs a token)"),
    Variable("LINKEDIN_UPLOAD_PORT", "`3001`", "the upload page's port"),
    Variable(
        "LINKEDIN_UPLOAD_TOKEN",
        "none",
        "required by the upload page on a non-loopback address: `Authorization: Bearer <token>` or `?token=`",
    ),
    Variable(
        "LINKEDIN_ENGINE",
        "`duckdb`",
        "what runs the silver and gold SQL locally: `duckdb` in each run's process (no Java); `spark` the "
        "Databricks engine, every run connected to one shared local Spark Connect server (started on first use, "
        "stopped when `dagster dev` stops; needs Java 17+); `spark-in-process` a Spark inside each run",
    ),
    Variable(
        "LINKEDIN_ENGINE_LINGER_SECONDS",
        "`300`",
        "how long the warm engine stays up after `linkedin-analytics run` exits, for the next run",
    ),
    Variable(
        "LINKEDIN_ENGINE_DIR",
        "a per-user folder in the temp dir",
        "the warm engine's address, auth token (0600), leases and Spark logs",
    ),
    Variable(
        "LINKEDIN_COMPUTE",
        "`local`",
        '`databricks` runs the graph on a Databricks workspace (see "Run on Databricks")',
    ),
)

# LinkedIn lets a member download about a year back; a partition range a little longer
# holds any new download.
HISTORY_DAYS = 366
DEFAULT_MAX_FILE_MB = 20.0


def _get(name: str, environ: Mapping[str, str] | None = None) -> str | None:
    value = ((os.environ if environ is None else environ).get(name) or "").strip()
    return value or None


def _number(name: str, default: float, environ: Mapping[str, str] | None = None) -> float:
    text = _get(name, environ)
    try:
        return float(text) if text else default
    except ValueError:
        raise ValueError(f"{name} must be a number, not {text!r}") from None


def set_environment(name: str, value: str | None, overwrite: bool = True) -> None:
    """The one writer of the process environment (DAGSTER_HOME for Dagster, JAVA_HOME and the
    SPARK_* variables for Spark); None removes the variable."""
    if value is None:
        os.environ.pop(name, None)
    elif overwrite or name not in os.environ:
        os.environ[name] = value


def environment_value(name: str) -> str | None:
    """A variable of another tool's (JAVA_HOME), read here like ours."""
    return _get(name)


# -- read where they apply (also on a Databricks cluster) --------------------------


def max_file_mb() -> float:
    """LINKEDIN_MAX_FILE_MB; nan, 0, negatives, inf and non-numbers give the default."""
    try:
        limit = _number("LINKEDIN_MAX_FILE_MB", DEFAULT_MAX_FILE_MB)
    except ValueError:
        return DEFAULT_MAX_FILE_MB
    return limit if 0 < limit < float("inf") else DEFAULT_MAX_FILE_MB


def freshness_days() -> int:
    return int(_number("LINKEDIN_FRESHNESS_DAYS", 2))


OFFSET_ZONE = re.compile(r"^(?:UTC|GMT)?([+-])(\d{1,2}):?(\d{2})?$")


def reporting_time_zone() -> str:
    """An IANA name, or a fixed offset spelt GMT+hh:mm: the one spelling both engines read
    whole (DuckDB drops the minutes of `UTC+05:30`, and refuses `+05:30`, which Spark takes)."""
    zone = _get("LINKEDIN_REPORTING_TIME_ZONE") or "UTC"
    if offset := OFFSET_ZONE.match(zone):
        sign, hours, minutes = offset.groups()
        if int(hours) <= 18 and int(minutes or 0) <= 59:
            return f"GMT{sign}{int(hours):02d}:{minutes or '00'}"
    else:
        try:
            ZoneInfo(zone)
            return zone
        except (ZoneInfoNotFoundError, ValueError):
            pass
    raise ValueError(
        f"LINKEDIN_REPORTING_TIME_ZONE={zone!r} is not a time zone: give an IANA name such as Europe/Paris, "
        "or an offset such as UTC+05:30"
    )


# LINKEDIN_ENGINE -> (the engine of the local SQL, how a Spark starts). The Databricks
# stand-in's Spark (tests) and `linkedin-analytics engine` use the Spark half whatever the first.
ENGINES = {
    "duckdb": ("duckdb", "warm"),
    "spark": ("spark", "warm"),
    "spark-in-process": ("spark", "in-process"),
}
# What earlier releases called the two Spark modes (Spark was the only engine).
EARLIER_ENGINE_NAMES = {"warm": "spark", "in-process": "spark-in-process"}


@dataclass(frozen=True)
class EngineSettings:
    """The local engine (core/engine): read where it starts, in whichever process."""

    mode: str  # a Spark's: warm (the shared server) or in-process
    linger_seconds: float
    directory: Path
    sql: str = "duckdb"  # what runs the local SQL: duckdb or spark


def default_engine_dir() -> Path:
    """Per user, like pyspark's own runtime folder: the token file must not be readable by others."""
    return Path(tempfile.gettempdir()) / f"linkedin-analytics-engine-{os.getuid()}"


def load_engine_settings(environ: Mapping[str, str] | None = None) -> EngineSettings:
    name = (_get("LINKEDIN_ENGINE", environ) or "duckdb").lower()
    name = EARLIER_ENGINE_NAMES.get(name, name)
    if name not in ENGINES:
        raise ValueError(f"LINKEDIN_ENGINE={name!r}: expected one of {', '.join(ENGINES)}")
    sql, mode = ENGINES[name]
    directory = _get("LINKEDIN_ENGINE_DIR", environ)
    return EngineSettings(
        sql=sql,
        mode=mode,
        linger_seconds=_number("LINKEDIN_ENGINE_LINGER_SECONDS", 300, environ),
        directory=Path(directory).resolve() if directory else default_engine_dir(),
    )


# -- the product ---------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    home: Path
    dagster_home: Path
    start_date: dt.date | None  # None: derived from the landing (see default_start_date)
    compute: str = "local"  # local | databricks: which resources the definitions pick
    sensor_interval_seconds: int = 4
    settle_seconds: float = 2.0
    automation_interval_seconds: int = 4
    retry_delay_seconds: float = 2.0
    log_level: str = "CRITICAL"
    upload_host: str = "127.0.0.1"
    upload_port: int = 3001
    upload_token: str | None = field(default=None, repr=False)
    profiles_file: Path | None = None  # None: $LINKEDIN_HOME/profiles.csv

    @property
    def aliases_file(self) -> Path:
        return self.profiles_file or self.home / "profiles.csv"

    @property
    def landing(self) -> Path:
        return self.home / "landing"

    @property
    def lake(self) -> Path:
        return self.home / "lake"

    def volume(self, volume: str, state: str = "pending") -> Path:
        return Landing(self.landing).folder(volume, state)

    def table_path(self, catalog: str, table: str) -> Path:
        return self.lake / catalog / SCHEMA / table  # DeltaLake's layout

    def ensure_folders(self) -> None:
        Landing(self.landing).ensure()
        self.lake.mkdir(parents=True, exist_ok=True)
        self.dagster_home.mkdir(parents=True, exist_ok=True)


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    home = Path(_get("LINKEDIN_HOME", environ) or REPO_ROOT / ".linkedin").resolve()
    dagster_home = Path(_get("DAGSTER_HOME", environ) or home / "dagster").resolve()
    configured = _get("LINKEDIN_START_DATE", environ)
    start = dt.date.fromisoformat(configured) if configured else None
    compute = (_get("LINKEDIN_COMPUTE", environ) or "local").lower()
    if compute not in COMPUTE_TARGETS:
        raise ValueError(f"LINKEDIN_COMPUTE={compute!r}: expected one of {', '.join(COMPUTE_TARGETS)}")
    return Settings(
        home=home,
        dagster_home=dagster_home,
        start_date=start,
        compute=compute,
        sensor_interval_seconds=int(_number("LINKEDIN_SENSOR_INTERVAL_SECONDS", 4, environ)),
        settle_seconds=_number("LINKEDIN_SETTLE_SECONDS", 2, environ),
        automation_interval_seconds=int(_number("LINKEDIN_AUTOMATION_INTERVAL_SECONDS", 4, environ)),
        retry_delay_seconds=_number("LINKEDIN_RETRY_DELAY_SECONDS", 2, environ),
        log_level=(_get("LINKEDIN_LOG_LEVEL", environ) or "CRITICAL").upper(),
        upload_host=_get("LINKEDIN_UPLOAD_HOST", environ) or "127.0.0.1",
        upload_port=int(_number("LINKEDIN_UPLOAD_PORT", 3001, environ)),
        upload_token=_get("LINKEDIN_UPLOAD_TOKEN", environ),
        profiles_file=Path(aliases).resolve() if (aliases := _get("LINKEDIN_PROFILES", environ)) else None,
    )


# -- email notifications -------------------------------------------------------------

EMAIL_VARIABLES = (
    Variable("LINKEDIN_SMTP_HOST", "none", "no host: every email notification is off", "email"),
    Variable("LINKEDIN_SMTP_PORT", "`25`, or `587` with STARTTLS", "the SMTP port", "email"),
    Variable("LINKEDIN_SMTP_STARTTLS", "off", "`1`/`true`/`yes`/`on`: upgrade the connection with STARTTLS", "email"),
    Variable("LINKEDIN_SMTP_USER", "none", "log in only when set", "email"),
    Variable("LINKEDIN_SMTP_PASSWORD", "none", "never logged, never in errors or repr", "email"),
    Variable("LINKEDIN_SMTP_FROM", "`linkedin-analytics@localhost`", "the sender", "email"),
    Variable("LINKEDIN_SUPPORT_EMAIL", "none", "gets what failed and a link to the run", "email"),
    Variable("LINKEDIN_DASHBOARD_SUBSCRIBER", "none", "gets a short summary after each dashboard refresh", "email"),
    Variable("LINKEDIN_UI_URL", "`http://127.0.0.1:3000`", "base of the run links", "email"),
)


# The two kinds of email, and who gets each.
RUN_FAILURE = "run-failure"
DASHBOARD = "dashboard"


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class EmailSettings:
    host: str | None = None
    port: int = 25
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    starttls: bool = False
    sender: str = "linkedin-analytics@localhost"
    support_email: str | None = None
    dashboard_subscriber: str | None = None
    ui_url: str = "http://127.0.0.1:3000"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> EmailSettings:
        starttls = _flag(_get("LINKEDIN_SMTP_STARTTLS", environ))
        port_text = _get("LINKEDIN_SMTP_PORT", environ)
        try:
            port = int(port_text) if port_text else (587 if starttls else 25)
        except ValueError:
            raise ValueError(f"LINKEDIN_SMTP_PORT must be a number, not {port_text!r}") from None
        env = os.environ if environ is None else environ
        return cls(
            host=_get("LINKEDIN_SMTP_HOST", environ),
            port=port,
            user=_get("LINKEDIN_SMTP_USER", environ),
            # not stripped: a password may begin or end with a space
            password=env.get("LINKEDIN_SMTP_PASSWORD") or None,
            starttls=starttls,
            sender=_get("LINKEDIN_SMTP_FROM", environ) or cls.sender,
            support_email=_get("LINKEDIN_SUPPORT_EMAIL", environ),
            dashboard_subscriber=_get("LINKEDIN_DASHBOARD_SUBSCRIBER", environ),
            ui_url=(_get("LINKEDIN_UI_URL", environ) or cls.ui_url).rstrip("/"),
        )

    def __repr__(self) -> str:
        return (
            f"EmailSettings(host={self.host!r}, port={self.port!r}, user={self.user!r}, "
            f"password={MASK if self.password else None!r}, starttls={self.starttls!r}, "
            f"sender={self.sender!r}, support_email={self.support_email!r}, "
            f"dashboard_subscriber={self.dashboard_subscriber!r}, ui_url={self.ui_url!r})"
        )

    __str__ = __repr__

    def recipient(self, kind: str) -> str | None:
        """Who gets `kind` (RUN_FAILURE or DASHBOARD) emails; None when that notification is off."""
        if not self.host:
            return None
        return self.support_email if kind == RUN_FAILURE else self.dashboard_subscriber

    def run_url(self, run_id: str) -> str:
        return f"{self.ui_url}/runs/{run_id}"

    def secrets(self) -> list[str]:
        """The password as it could appear anywhere: plain, as sent by AUTH PLAIN/LOGIN, and as a
        repr shows it (a server's reply quoted as bytes escapes a backslash or a non-ASCII letter)."""
        if not self.password:
            return []
        raw = self.password.encode()
        sent = [self.password, base64.b64encode(raw).decode()]
        if self.user:
            sent.append(base64.b64encode(b"\0" + self.user.encode() + b"\0" + raw).decode())
        shown = {form for text in sent for form in (text, repr(text)[1:-1], repr(text.encode())[2:-1])}
        return sorted(shown, key=len, reverse=True)


# -- the databricks compute target -----------------------------------------------------

DATABRICKS_VARIABLES = (
    Variable(
        "LINKEDIN_WAREHOUSE_ID",
        "(required)",
        "SQL warehouse for gold, checks, the version sensor and the dashboard",
        "databricks",
    ),
    Variable(
        "LINKEDIN_NOTEBOOK_DIR",
        "`/Workspace/Users/<you>/.bundle/linkedin-analytics/dev/files/notebooks`",
        "where the bundle put the notebooks (for `-t prod`: `/Workspace/Shared/.bundle/linkedin-analytics/prod/files/notebooks`)",
        "databricks",
    ),
    Variable(
        "LINKEDIN_JOB_CLUSTER",
        "serverless",
        'a new-cluster spec (JSON, e.g. `{"spark_version": "15.4.x-scala2.12", "node_type_id": "i3.xlarge", "num_workers": 0}`) to run the notebooks with `PipesDatabricksClient` on a job cluster instead; Pipes goes through the `pipes` volume either way (no DBFS)',
        "databricks",
    ),
    Variable(
        "LINKEDIN_{LANDING,BRONZE,SILVER,GOLD}_CATALOG`, `LINKEDIN_SCHEMA",
        "`landing`... / `linkedin`",
        "Unity Catalog names (match the bundle's variables)",
        "databricks",
    ),
    Variable(
        "LINKEDIN_PIPES_VOLUME",
        "`pipes`",
        "landing volume for Pipes context and messages",
        "databricks",
    ),
    Variable(
        "LINKEDIN_DASHBOARD_SUBSCRIBER",
        "none",
        "workspace user (email) subscribed to the dashboard's daily schedule",
        "databricks",
    ),
    Variable(
        "LINKEDIN_DASHBOARD_PARENT",
        "your home folder",
        "where the asset creates (folder included) and finds its own dashboard when the bundle has not deployed one",
        "databricks",
    ),
    Variable(
        "LINKEDIN_DASHBOARD_ID",
        "none",
        "the dashboard to publish, by id (e.g. the bundle-deployed one's: `databricks bundle summary`); without it, the one in the bundle's resources folder (`.bundle/linkedin-analytics/<target>/resources`, next to `LINKEDIN_NOTEBOOK_DIR`'s `files/`), else the asset's own in `LINKEDIN_DASHBOARD_PARENT`. A bundle's dashboard is only published, never rewritten",
        "databricks",
    ),
    Variable(
        "LINKEDIN_DATABRICKS_POLL_SECONDS",
        "5",
        "how often a notebook run's state is polled",
        "databricks",
    ),
    Variable(
        "LINKEDIN_DATABRICKS_RUN_TIMEOUT_SECONDS",
        "3600",
        "a notebook run's time limit (`timeout_seconds`): a stuck run is ended by Databricks, not left running. "
        "Runs are submitted with queueing on: a workspace at its limit of concurrent runs queues them rather "
        "than skipping them",
        "databricks",
    ),
    Variable(
        "LINKEDIN_PIPELINE_RUNNER",
        "the caller",
        "who the notebook runs run as (`run_as`): a user name, or a service principal's application id",
        "databricks",
    ),
    Variable(
        "LINKEDIN_SUPPORT_EMAIL",
        "none",
        "as locally: failure emails",
        "databricks",
    ),
    Variable(
        "LINKEDIN_VOLUMES_ROOT",
        "`/Volumes`",
        "where the volumes are mounted (the tests' stand-in mounts them in a temporary folder)",
        "databricks",
    ),
)


@dataclass(frozen=True)
class DatabricksSettings:
    warehouse_id: str | None = None
    notebook_dir: str | None = None
    job_cluster: str | None = None
    pipes_volume: str = "pipes"
    volumes_root: str = "/Volumes"
    dashboard_parent: str | None = None
    dashboard_id: str | None = None
    poll_interval_seconds: float = 5.0
    run_timeout_seconds: int = 3600
    catalogs: dict[str, str] = field(default_factory=lambda: {layer: layer for layer in LAYERS})
    schema: str = SCHEMA
    volumes: tuple[str, ...] = VOLUMES
    run_as: str | None = None  # LINKEDIN_PIPELINE_RUNNER
    dashboard_subscriber: str | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> DatabricksSettings:
        def get(name: str) -> str | None:
            return _get(name, environ)

        return cls(
            warehouse_id=get("LINKEDIN_WAREHOUSE_ID"),
            notebook_dir=get("LINKEDIN_NOTEBOOK_DIR"),
            job_cluster=get("LINKEDIN_JOB_CLUSTER"),
            pipes_volume=get("LINKEDIN_PIPES_VOLUME") or "pipes",
            volumes_root=(get("LINKEDIN_VOLUMES_ROOT") or "/Volumes").rstrip("/"),
            dashboard_parent=get("LINKEDIN_DASHBOARD_PARENT"),
            dashboard_id=get("LINKEDIN_DASHBOARD_ID"),
            poll_interval_seconds=_number("LINKEDIN_DATABRICKS_POLL_SECONDS", 5, environ),
            run_timeout_seconds=int(_number("LINKEDIN_DATABRICKS_RUN_TIMEOUT_SECONDS", 3600, environ)),
            catalogs={layer: get(f"LINKEDIN_{layer.upper()}_CATALOG") or layer for layer in LAYERS},
            schema=get("LINKEDIN_SCHEMA") or SCHEMA,
            run_as=get("LINKEDIN_PIPELINE_RUNNER"),
            dashboard_subscriber=get("LINKEDIN_DASHBOARD_SUBSCRIBER"),
        )

    def catalog(self, layer: str) -> str:
        return self.catalogs[layer]

    def table_name(self, layer: str, table: str) -> str:
        """`silver.linkedin.totals` under the configured catalog and schema names."""
        return f"{self.catalog(layer)}.{self.schema}.{table}"

    @property
    def landing_root(self) -> str:
        """`/Volumes/landing/linkedin`: the volumes are its folders."""
        return f"{self.volumes_root}/{self.catalog('landing')}/{self.schema}"

    @property
    def pipes_volume_path(self) -> str:
        return f"{self.landing_root}/{self.pipes_volume}"

    def volume_path(self, volume: str, state: str | None = None) -> str:
        """`/Volumes/landing/linkedin/<volume>[/<state>]`."""
        if volume not in self.volumes:
            raise ValueError(f"unknown landing volume {volume!r}; expected one of {self.volumes}")
        path = f"{self.landing_root}/{volume}"
        return f"{path}/{state}" if state else path


def default_start_date(today: dt.date, earliest_landed: dt.date | None) -> dt.date:
    """The first of the month a year before `today`, or before the earliest landed day if older."""
    earliest = min(today - dt.timedelta(days=HISTORY_DAYS), earliest_landed or today)
    return earliest.replace(day=1)


def markdown_table(variables: tuple[Variable, ...]) -> list[str]:
    """The README's table rows for `variables` (test_settings.py checks the README against them)."""
    return [f"| `{v.name}` | {v.default} | {v.meaning} |" for v in variables]
