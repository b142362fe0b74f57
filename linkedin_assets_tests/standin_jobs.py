"""One-time job runs of notebooks, as the stand-in serves them (Jobs API 2.2, what databricks-sdk 0.60 calls).

    POST /api/2.2/jobs/runs/submit       {run_name, tasks: [{task_key, notebook_task}], idempotency_token, ...} -> {run_id}
    GET  /api/2.2/jobs/runs/get          ?run_id= -> Run {run_id, job_id, run_name, run_page_url, state, status, tasks}
    GET  /api/2.2/jobs/runs/get-output   ?run_id=<task run id> -> {metadata, notebook_output, error, error_trace}
    POST /api/2.2/jobs/runs/cancel       {run_id} (a job run or one of its task runs)
    GET  /api/2.2/jobs/runs/list         ?run_type=&active_only=&completed_only=&limit=(1..25)&page_token=
                                         -> {runs (newest first, tasks only with expand_tasks), has_more, next_page_token}

(/api/2.1/... is answered the same, for older clients.)

A notebook task really runs, in this process, as a Databricks notebook would:
`notebook_path` ends in `/notebooks/<name>` (a bundle deploys the repo's notebooks/
under any workspace prefix), which maps to `<dir>/<name>.py` for each of
`notebook_dirs()` and then the repo's own notebooks/. The source is exec'd with
`spark` (the local session, started on first use), `dbutils` (widgets read the
task's base_parameters; `dbutils.notebook.exit(value)` ends it with that result) and
`display` = print. A notebook that imports a package neither its `%pip` line nor a
serverless environment provides fails as it would there (standin_pip.py). Runs go one at a time (a worker thread per stand-in, a lock for the
process): local Spark is a per-process singleton and dagster_pipes keeps a global context.

Life cycle: PENDING -> RUNNING -> TERMINATED with result_state SUCCESS, FAILED (run
output: error "<Class>: <message>", error_trace the notebook's traceback) or
CANCELED (cancelled while pending; cancelled while running: TERMINATING until the
notebook returns, as Python code cannot be stopped from outside). Tasks run in
order; after a failed one the rest are SKIPPED (UPSTREAM_FAILED). A notebook that is
not there fails the run with state_message "Notebook not found: <path>". Unknown run
ids answer 400 INVALID_PARAMETER_VALUE "Run <id> does not exist.", as the Jobs API
does (the SDK itself turns that into ResourceDoesNotExist, a NotFound).

`fail_next_run(message)` makes the next submitted run end FAILED with `message` as its
error without running it; `records` keeps one entry per task run (run_name, notebook,
base_parameters, tags, state, error) for tests to assert on.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import queue
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from linkedin_assets_tests.standin_pip import recorded_imports, unavailable

FAILED_MESSAGE = "Workload failed, see run output for details"
# Process-wide, not per stand-in: local Spark and dagster_pipes' context are process globals,
# and a notebook still running from an earlier test's stand-in must not overlap the next.
ONE_RUN_AT_A_TIME = threading.Lock()
MULTI_TASK_OUTPUT = (
    "Retrieving the output of runs with multiple tasks is not supported. "
    "Please retrieve the output of each individual task run instead."
)
TERMINATION = {  # result_state -> RunStatus termination_details (code, type)
    "SUCCESS": ("SUCCESS", "SUCCESS"),
    "FAILED": ("RUN_EXECUTION_ERROR", "CLIENT_ERROR"),
    "CANCELED": ("USER_CANCELED", "SUCCESS"),
    "UPSTREAM_FAILED": ("RUN_EXECUTION_ERROR", "CLIENT_ERROR"),
}


def _error(code: str, message: str) -> dict:
    return {"error_code": code, "message": message}


@dataclass
class _Outcome:
    result: str  # SUCCESS | FAILED
    output: str | None = None  # dbutils.notebook.exit's value
    error: str | None = None
    trace: str | None = None
    message: str | None = None  # state_message, when not the generic one


def _now_ms() -> int:
    return int(time.time() * 1000)


class InputWidgetNotDefined(Exception):
    """What `dbutils.widgets.get` raises on Databricks for a widget nobody defined."""


class _NotebookExit(Exception):
    # An Exception, not a BaseException: on Databricks too, a broad `except Exception`
    # in the notebook catches dbutils.notebook.exit.
    def __init__(self, value: str):
        super().__init__(value)
        self.value = value


class _Widgets:
    def __init__(self, parameters: dict):
        self._parameters = {str(k): str(v) for k, v in (parameters or {}).items()}
        self._defaults: dict[str, str] = {}

    def text(self, name: str, defaultValue: str, label: str | None = None) -> None:
        self._defaults[name] = str(defaultValue)

    def dropdown(self, name: str, defaultValue: str, choices=None, label: str | None = None) -> None:
        self._defaults[name] = str(defaultValue)

    combobox = multiselect = dropdown

    def get(self, name: str) -> str:
        if name in self._parameters:
            return self._parameters[name]
        if name in self._defaults:
            return self._defaults[name]
        raise InputWidgetNotDefined(f"No input widget named {name} is defined")

    def getAll(self) -> dict:
        return {**self._defaults, **self._parameters}

    def remove(self, name: str) -> None:
        self._defaults.pop(name, None)

    def removeAll(self) -> None:
        self._defaults.clear()


class _Notebook:
    @staticmethod
    def exit(value) -> None:
        raise _NotebookExit(str(value))


class _Library:
    @staticmethod
    def restartPython() -> None:
        # Notebooks call this after `%pip install`; the packages are already in this process.
        pass


@contextlib.contextmanager
def _cluster_environment(spec: dict):
    """A new job cluster's `spark_env_vars` are its processes' environment, for the notebook's run."""
    variables = {str(k): str(v) for k, v in ((spec.get("new_cluster") or {}).get("spark_env_vars") or {}).items()}
    saved = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class FakeDbutils:
    def __init__(self, parameters: dict):
        self.widgets = _Widgets(parameters)
        self.notebook = _Notebook()
        self.library = _Library()


class _LazySpark:
    """`spark` in a notebook: the process's local session, started only if the notebook uses it."""

    def __getattr__(self, name):
        from linkedin_assets.core.engine.spark import spark_session

        return getattr(spark_session(), name)


class JobRuns:
    def __init__(
        self,
        host: Callable[[], str],
        notebook_dirs: Callable[[], list],
        repo_root: Path,
        user: str,
        spark: Callable[[], object] | None = None,
    ):
        self._host = host
        self._spark = spark or _LazySpark  # each notebook run's `spark`
        self._notebook_dirs = notebook_dirs
        self._repo_notebooks = Path(repo_root) / "notebooks"
        self._user = user
        self.records: list[dict] = []  # one per task run: what was asked and how it ended
        self._runs: dict[int, dict] = {}
        self._tasks: dict[int, tuple[dict, dict]] = {}  # task run id -> (run, task)
        self._tokens: dict[str, int] = {}
        self._fail_next: list[str] = []
        self._ids = itertools.count(1001)
        self._job_ids = itertools.count(900001)
        self._lock = threading.Lock()
        self._queue: queue.Queue = queue.Queue()
        self._worker: threading.Thread | None = None

    def fail_next_run(self, message: str) -> None:
        with self._lock:
            self._fail_next.append(message)

    def stop(self) -> None:
        if self._worker is not None:
            self._queue.put(None)

    def route(self, request):
        parts = request.path.rstrip("/").split("/")  # ['', 'api', '2.2', 'jobs', 'runs', verb]
        if len(parts) != 6 or parts[1:5] not in (["api", "2.2", "jobs", "runs"], ["api", "2.1", "jobs", "runs"]):
            return None
        verb = (request.method, parts[5])
        if verb == ("POST", "submit"):
            return self.submit(request.json())
        if verb == ("POST", "cancel"):
            return self.cancel(request.json().get("run_id"))
        if verb == ("GET", "get"):
            return self.get(request.query.get("run_id"))
        if verb == ("GET", "get-output"):
            return self.get_output(request.query.get("run_id"))
        if verb == ("GET", "list"):
            return self.list(request.query)
        return None

    # -- the API ---------------------------------------------------------------

    def submit(self, body: dict):
        tasks = body.get("tasks") or []
        problem = self._invalid(body, tasks)
        if problem:
            return 400, _error("INVALID_PARAMETER_VALUE", problem)
        with self._lock:
            token = body.get("idempotency_token")
            if token and token in self._tokens:
                return 200, {"run_id": self._tokens[token]}
            run = {
                "run_id": next(self._ids),
                "job_id": next(self._job_ids),
                "run_name": body.get("run_name") or "Untitled",
                "life_cycle_state": "PENDING",
                "result_state": None,
                "state_message": "",
                "cancel_requested": False,
                "start_time": _now_ms(),
                "end_time": 0,
                "tasks": [],
            }
            for spec in tasks:
                task = {
                    "run_id": next(self._ids),
                    "spec": spec,
                    "life_cycle_state": "PENDING",
                    "result_state": None,
                    "state_message": "",
                    "start_time": 0,
                    "end_time": 0,
                    "output": None,
                    "error": None,
                    "error_trace": None,
                }
                task["record"] = {
                    "run_id": run["run_id"],
                    "task_run_id": task["run_id"],
                    "run_name": run["run_name"],
                    "task_key": spec["task_key"],
                    "notebook": _notebook_name(spec["notebook_task"]["notebook_path"]),
                    "notebook_path": spec["notebook_task"]["notebook_path"],
                    "base_parameters": dict(spec["notebook_task"].get("base_parameters") or {}),
                    "tags": {**(body.get("tags") or {}), **(spec.get("tags") or {})},
                    "new_cluster": spec.get("new_cluster"),
                    "timeout_seconds": body.get("timeout_seconds"),
                    "queue": body.get("queue"),
                    "run_as": body.get("run_as"),
                    "state": "PENDING",
                    "error": None,
                }
                run["tasks"].append(task)
                self._tasks[task["run_id"]] = (run, task)
                self.records.append(task["record"])
            self._runs[run["run_id"]] = run
            if token:
                self._tokens[token] = run["run_id"]
            injected = self._fail_next.pop(0) if self._fail_next else None
            if injected is not None:
                for task in run["tasks"]:
                    self._end_task(task, "FAILED", error=injected, trace="")
                self._end_run(run)
                return 200, {"run_id": run["run_id"]}
            if self._worker is None:
                self._worker = threading.Thread(target=self._work, name="standin-jobs", daemon=True)
                self._worker.start()
        self._queue.put(run["run_id"])
        return 200, {"run_id": run["run_id"]}

    def get(self, run_id):
        run = self._run(run_id)
        if isinstance(run, tuple):
            return run
        with self._lock:
            return 200, self._run_json(run)

    def list(self, query) -> tuple[int, dict]:
        def flag(name: str) -> bool:
            return str(query.get(name, "false")).lower() == "true"

        limit = _int(query.get("limit")) or 25
        if not 1 <= limit <= 25:
            return 400, _error("INVALID_PARAMETER_VALUE", f"Invalid limit {limit}: must be between 1 and 25.")
        if flag("active_only") and flag("completed_only"):
            return 400, _error("INVALID_PARAMETER_VALUE", "active_only and completed_only cannot both be true.")
        run_type = query.get("run_type")
        if run_type not in (None, "JOB_RUN", "WORKFLOW_RUN", "SUBMIT_RUN"):
            return 400, _error("INVALID_PARAMETER_VALUE", f"Invalid run_type {run_type}.")
        offset = _int(query.get("page_token")) or 0
        with self._lock:
            runs = sorted(self._runs.values(), key=lambda r: (r["start_time"], r["run_id"]), reverse=True)
            if run_type not in (None, "SUBMIT_RUN"):
                runs = []  # every run here is a one-time submitted run
            ended = {"TERMINATED", "SKIPPED", "INTERNAL_ERROR"}
            if flag("active_only"):
                runs = [r for r in runs if r["life_cycle_state"] not in ended]
            if flag("completed_only"):
                runs = [r for r in runs if r["life_cycle_state"] in ended]
            page = runs[offset : offset + limit]
            out: dict = {"runs": [self._run_json(r) for r in page], "has_more": offset + limit < len(runs)}
        if not flag("expand_tasks"):
            for run in out["runs"]:
                run.pop("tasks", None)
        if out["has_more"]:
            out["next_page_token"] = str(offset + limit)
        if not out["runs"]:
            del out["runs"]  # the API leaves an empty list out
        return 200, out

    def get_output(self, run_id):
        with self._lock:
            found = self._tasks.get(_int(run_id))
            if found is None:
                if _int(run_id) in self._runs:
                    return 400, _error("INVALID_PARAMETER_VALUE", MULTI_TASK_OUTPUT)
                return 400, _error("INVALID_PARAMETER_VALUE", f"Run {run_id} does not exist.")
            run, task = found
            out: dict = {"metadata": self._task_json(run, task, as_run=True), "notebook_output": {}}
            if task["output"] is not None:
                out["notebook_output"] = {"result": task["output"], "truncated": False}
            if task["error"] is not None:
                out["error"], out["error_trace"] = task["error"], task["error_trace"]
            return 200, out

    def cancel(self, run_id):
        run = self._run(run_id)
        if isinstance(run, tuple):
            return run
        with self._lock:
            if run["life_cycle_state"] == "PENDING":
                for task in run["tasks"]:
                    self._end_task(task, "CANCELED", message="Run cancelled.")
                run["cancel_requested"] = True
                self._end_run(run)
            elif run["life_cycle_state"] == "RUNNING":
                run["cancel_requested"] = True
                run["life_cycle_state"] = "TERMINATING"
        return 200, {}

    def _run(self, run_id):
        """The job run a run id (or one of its task run ids) names, or the error answer."""
        key = _int(run_id)
        if key is None:
            return 400, _error("INVALID_PARAMETER_VALUE", f"Invalid run_id: {run_id!r}")
        with self._lock:
            if key in self._runs:
                return self._runs[key]
            if key in self._tasks:
                return self._tasks[key][0]
        return 400, _error("INVALID_PARAMETER_VALUE", f"Run {run_id} does not exist.")

    def _invalid(self, body: dict, tasks: list) -> str | None:
        if not isinstance(tasks, list) or not tasks:
            return "A one-time run needs at least one task in `tasks`."
        run_as = body.get("run_as")
        if run_as is not None and len({"user_name", "service_principal_name"} & set(run_as)) != 1:
            return "run_as needs exactly one of user_name or service_principal_name."
        timeout = body.get("timeout_seconds")
        if timeout is not None and (not isinstance(timeout, int) or timeout < 0):
            return f"timeout_seconds must be a non-negative integer, not {timeout!r}."
        environments = {e.get("environment_key") for e in body.get("environments") or []}
        keys = set()
        for task in tasks:
            key = task.get("task_key")
            if not key:
                return "Every task needs a task_key."
            if key in keys:
                return f"Task key {key} is used by more than one task."
            keys.add(key)
            notebook = task.get("notebook_task")
            if not notebook or not notebook.get("notebook_path"):
                kinds = sorted(k for k in task if k.endswith("_task")) or ["none"]
                return f"Task {key}: the Databricks stand-in runs only notebook_task tasks (got {', '.join(kinds)})."
            if (notebook.get("source") or "WORKSPACE") != "WORKSPACE":
                return f"Task {key}: the stand-in runs only WORKSPACE notebooks, not source {notebook['source']}."
            cluster = task.get("new_cluster")
            if cluster is not None and not (
                cluster.get("spark_version") and (cluster.get("node_type_id") or cluster.get("instance_pool_id"))
            ):
                return f"Task {key}: new_cluster needs spark_version and node_type_id (or instance_pool_id)."
            if task.get("environment_key") and task["environment_key"] not in environments:
                return f"Task {key}: environment_key {task['environment_key']} is not in the run's environments."
        return None

    # -- running -----------------------------------------------------------------

    def _work(self) -> None:
        while True:
            run_id = self._queue.get()
            if run_id is None:
                return
            run = self._runs[run_id]
            try:
                self._execute(run)
            except BaseException as e:  # a stand-in bug: end the run rather than the worker
                with self._lock:
                    run["life_cycle_state"], run["state_message"] = "INTERNAL_ERROR", f"stand-in error: {e!r}"

    def _execute(self, run: dict) -> None:
        with self._lock:
            if run["life_cycle_state"] != "PENDING":
                return  # cancelled while it waited
            run["life_cycle_state"] = "RUNNING"
        failed = False
        for task in run["tasks"]:
            with self._lock:
                if failed or run["cancel_requested"]:
                    self._end_task(task, "UPSTREAM_FAILED" if failed else "CANCELED", skipped=True)
                    continue
                task["life_cycle_state"], task["start_time"] = "RUNNING", _now_ms()
                task["record"]["state"] = "RUNNING"
            with ONE_RUN_AT_A_TIME, _cluster_environment(task["spec"]):
                outcome = self._run_notebook(task["spec"]["notebook_task"])
            with self._lock:
                result = outcome.result
                if run["cancel_requested"] and result != "FAILED":
                    result = "CANCELED"
                self._end_task(
                    task,
                    result,
                    output=outcome.output,
                    error=outcome.error,
                    trace=outcome.trace,
                    message=outcome.message,
                )
            failed = result == "FAILED"
        with self._lock:
            self._end_run(run)

    def _run_notebook(self, notebook_task: dict) -> _Outcome:
        workspace_path = notebook_task["notebook_path"]
        candidates = self._candidates(workspace_path)
        source_path = next((p for p in candidates if p.is_file()), None)
        if source_path is None:
            looked = ", ".join(str(p) for p in candidates) or "nowhere: the path has no /notebooks/ folder"
            missing = f"Notebook not found: {workspace_path}"
            return _Outcome("FAILED", error=missing, trace=f"The stand-in looked for {looked}", message=missing)
        scope = {
            "__name__": "__main__",
            "spark": self._spark(),
            "dbutils": FakeDbutils(notebook_task.get("base_parameters") or {}),
            "display": print,
        }
        _fresh_interpreter_state()
        source = source_path.read_text()
        with recorded_imports() as imported:
            outcome = self._exec(source, source_path, scope)
        absent = unavailable(source, imported)
        if absent:
            # What the run would have met on Databricks, first: the import itself fails there.
            error = f"ModuleNotFoundError: No module named '{absent[0]}'"
            why = (
                f"{source_path.name} imports {', '.join(absent)}: not in its %pip line, nor in a serverless environment"
            )
            return _Outcome("FAILED", error=error, trace=why, message=error)
        return outcome

    def _exec(self, source: str, source_path: Path, scope: dict) -> _Outcome:
        try:
            exec(compile(source, str(source_path), "exec"), scope)
        except _NotebookExit as done:
            return _Outcome("SUCCESS", output=done.value)
        except SystemExit as e:
            if e.code in (None, 0):
                return _Outcome("SUCCESS")
            return _Outcome("FAILED", error=f"SystemExit: {e.code}", trace=_trace(e))
        except BaseException as e:  # whatever the notebook raised is the run's failure
            first = (str(e).strip().splitlines() or [""])[0]
            return _Outcome(
                "FAILED", error=f"{type(e).__name__}: {first}" if first else type(e).__name__, trace=_trace(e)
            )
        return _Outcome("SUCCESS")

    def _candidates(self, workspace_path: str) -> list[Path]:
        if "/notebooks/" not in workspace_path:
            return []
        relative = workspace_path.rsplit("/notebooks/", 1)[1]
        if not relative or ".." in relative.split("/"):
            return []
        name = relative if relative.endswith(".py") else f"{relative}.py"
        return [Path(d) / name for d in self._notebook_dirs()] + [self._repo_notebooks / name]

    # -- state (callers hold self._lock) -------------------------------------------

    def _end_task(
        self,
        task: dict,
        result: str,
        output=None,
        error=None,
        trace=None,
        message: str | None = None,
        skipped: bool = False,
    ) -> None:
        task["life_cycle_state"] = "SKIPPED" if skipped else "TERMINATED"
        task["result_state"] = result
        task["end_time"] = _now_ms()
        task["output"], task["error"], task["error_trace"] = output, error, trace
        if message is not None:
            task["state_message"] = message
        elif result == "FAILED":
            task["state_message"] = FAILED_MESSAGE
        elif result == "UPSTREAM_FAILED":
            task["state_message"] = "An upstream task failed."
        task["record"]["state"], task["record"]["error"] = result, error

    def _end_run(self, run: dict) -> None:
        failed = [t for t in run["tasks"] if t["result_state"] == "FAILED"]
        if run["cancel_requested"]:
            result, message = "CANCELED", "Run cancelled."
        elif failed:
            result, message = "FAILED", failed[0]["state_message"]
        else:
            result, message = "SUCCESS", ""
        run["life_cycle_state"], run["result_state"], run["state_message"] = "TERMINATED", result, message
        run["end_time"] = _now_ms()

    def _url(self, run: dict, run_id: int) -> str:
        return f"{self._host()}/?o=0#job/{run['job_id']}/run/{run_id}"

    def _run_json(self, run: dict) -> dict:
        out = {
            "job_id": run["job_id"],
            "run_id": run["run_id"],
            "number_in_job": run["run_id"],
            "original_attempt_run_id": run["run_id"],
            "run_name": run["run_name"],
            "run_type": "SUBMIT_RUN",
            "format": "MULTI_TASK",
            "creator_user_name": self._user,
            "run_page_url": self._url(run, run["run_id"]),
            "start_time": run["start_time"],
            "end_time": run["end_time"],
            "setup_duration": 0,
            "cleanup_duration": 0,
            "execution_duration": max(0, run["end_time"] - run["start_time"]) if run["end_time"] else 0,
            "run_duration": max(0, run["end_time"] - run["start_time"]) if run["end_time"] else 0,
            "tasks": [self._task_json(run, t) for t in run["tasks"]],
        }
        out.update(_states(run["life_cycle_state"], run["result_state"], run["state_message"], run["cancel_requested"]))
        return out

    def _task_json(self, run: dict, task: dict, as_run: bool = False) -> dict:
        spec = task["spec"]
        out = {
            "run_id": task["run_id"],
            "task_key": spec["task_key"],
            "notebook_task": spec["notebook_task"],
            "run_page_url": self._url(run, task["run_id"]),
            "attempt_number": 0,
            "start_time": task["start_time"],
            "end_time": task["end_time"],
            "setup_duration": 0,
            "cleanup_duration": 0,
            "execution_duration": max(0, task["end_time"] - task["start_time"])
            if task["start_time"] and task["end_time"]
            else 0,
        }
        for key in ("environment_key", "depends_on", "existing_cluster_id", "new_cluster", "libraries"):
            if key in spec:
                out[key] = spec[key]
        if as_run:  # get-output's metadata is a Run, not a RunTask
            out.update(
                {
                    "job_id": run["job_id"],
                    "run_name": run["run_name"],
                    "creator_user_name": self._user,
                    "job_run_id": run["run_id"],
                    "run_type": "SUBMIT_RUN",
                }
            )
        out.update(
            _states(task["life_cycle_state"], task["result_state"], task["state_message"], run["cancel_requested"])
        )
        return out


def _states(life_cycle: str, result: str | None, message: str, cancelled: bool) -> dict:
    """The `state` (RunState) and `status` (RunStatus) fields of a run or task run."""
    state = {"life_cycle_state": life_cycle, "state_message": message, "user_cancelled_or_timedout": cancelled}
    status: dict = {"state": "TERMINATED" if life_cycle == "SKIPPED" else life_cycle}
    if result is not None:
        state["result_state"] = result
        code, kind = TERMINATION.get(result, ("RUN_EXECUTION_ERROR", "CLIENT_ERROR"))
        status["termination_details"] = {"code": code, "type": kind, "message": message}
    return {"state": state, "status": status}


def _trace(e: BaseException) -> str:
    # Drop the stand-in's own frame, so the trace starts in the notebook as on Databricks.
    tb = e.__traceback__.tb_next if e.__traceback__ is not None else None
    return "".join(traceback.format_exception(type(e), e, tb))


def _notebook_name(workspace_path: str) -> str:
    return workspace_path.rsplit("/notebooks/", 1)[-1].removesuffix(".py")


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _fresh_interpreter_state() -> None:
    """What a new notebook process would start without: each Databricks run has its own
    Python interpreter, while the stand-in runs notebooks in this one. dagster-pipes keeps
    its context in a class-level singleton that a closed session does not clear."""
    try:
        import dagster_pipes
    except ImportError:
        return
    dagster_pipes.PipesContext._instance = None
