"""The warm local engine: whom it is kept for, when it stops, and the fallback when it cannot start."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from linkedin_assets.core.engine import warm

pytestmark = [pytest.mark.slow, pytest.mark.alone]  # the warm Spark engine, and its deadlines

ASK_OWNER = "from linkedin_assets.core.engine.warm import owner; import json; print(json.dumps(owner()))"


def _under(program: str, code: str) -> subprocess.CompletedProcess:
    """Run `code` in a Python child of a process whose command is `program` (as `dagster dev` is)."""
    # Under `exec -a` the parent's sys.executable is unknown: the child is named by path.
    parent = f"import subprocess, sys; sys.exit(subprocess.run([{sys.executable!r}, '-c', {code!r}]).returncode)"
    return subprocess.run(
        ["bash", "-c", f'exec -a {program} "$0" -c "$1" dev', sys.executable, parent],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_run_under_dagster_works_for_the_outermost_dagster_process():
    done = _under("dagster", ASK_OWNER + "; import os; print(os.getppid())")
    assert done.returncode == 0, done.stderr
    (pid, cli), parent = json.loads(done.stdout.splitlines()[0]), int(done.stdout.splitlines()[1])
    assert pid == parent and cli is False  # the `dagster` process, not the run itself


def test_the_cli_owns_its_engine_and_lingers_only_for_the_cli():
    done = _under("linkedin-analytics", ASK_OWNER + "; import os; print(os.getppid())")
    (pid, cli), parent = json.loads(done.stdout.splitlines()[0]), int(done.stdout.splitlines()[1])
    assert pid == parent and cli is True

    mine, cli = warm.owner()
    assert mine == os.getpid() and cli is False  # pytest itself: no Dagster, no CLI above it


def test_leases_end_with_their_owner_after_its_linger(tmp_path):
    directory = warm.prepare(tmp_path / "engine")
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(gone.stdout)
    (directory / "leases" / str(dead_pid)).write_text(json.dumps({"pid": dead_pid, "started": None, "linger": 60}))
    warm.take_lease(directory, 0)  # this process: alive

    now = time.time()
    assert {lease["pid"] for lease in warm.live_leases(directory, now)} == {dead_pid, os.getpid()}
    assert {lease["pid"] for lease in warm.live_leases(directory, now + 61)} == {os.getpid()}
    assert not (directory / "leases" / str(dead_pid)).exists()


def test_without_a_warm_engine_a_run_uses_its_own_spark_and_says_so(tmp_path):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the engine's folder should be")
    code = textwrap.dedent(
        """
        from linkedin_assets.core.engine.spark import engine_note, local_session
        opened = local_session()
        rows = opened.session.sql("SELECT 40 + 2 AS answer").toArrow().to_pylist()
        print(opened.warm, rows, engine_note(), engine_note(), sep="|")
        """
    )
    # As a child of a process that used Spark Connect sees it: pyspark's mark must not
    # send the in-process session to Spark Connect too.
    env = {**os.environ, "LINKEDIN_ENGINE_DIR": str(blocked), "SPARK_CONNECT_MODE_ENABLED": "1"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    is_warm, rows, note, again = done.stdout.strip().splitlines()[-1].split("|")
    assert is_warm == "False" and rows == "[{'answer': 42}]"
    assert "warm Spark engine could not start" in note and str(blocked) in note
    assert again == "None"  # said once


def test_a_process_left_on_a_stopped_engine_fails_fast_and_exits(tmp_path):
    code = textwrap.dedent(
        """
        import os
        import signal
        import socket
        import time
        from linkedin_assets.core.engine import warm
        from linkedin_assets.core.engine.spark import local_session
        from linkedin_assets.core.settings import load_engine_settings
        # As in a process started in the background after an in-process Dagster run.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        opened = local_session()
        assert opened.warm, opened.note
        opened.session.sql("SELECT 1").collect()
        directory = load_engine_settings().directory
        # The engine's JVM still stops on SIGTERM (born ignoring it, it waited out warm's grace).
        [jvm] = warm.engine_processes(directory)
        ignored = next(line for line in open(f"/proc/{jvm}/status") if line.startswith("SigIgn:"))
        assert not int(ignored.split()[1], 16) & (1 << (signal.SIGTERM - 1)), "the JVM ignores SIGTERM"
        port = warm.server(directory)["port"]
        warm.stop(directory)  # as `linkedin-analytics engine --stop` from elsewhere
        assert warm.engine_processes(directory) == [], "the engine's JVM outlived its stop"
        # The JVM is gone; its port may take a moment longer to refuse.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
            except OSError:
                break
            time.sleep(0.2)
        began = time.monotonic()
        try:
            opened.session.sql("SELECT 2").collect()
        except Exception as e:
            print("refused after", round(time.monotonic() - began), "s:", type(e).__name__)
        """
    )
    env = {**os.environ, "LINKEDIN_ENGINE_DIR": str(tmp_path / "engine"), "LINKEDIN_ENGINE_LINGER_SECONDS": "0"}
    # pyspark's default policy retries for ten minutes, and once more at exit.
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "refused after" in done.stdout, done.stdout


def test_a_stop_ends_the_engine_even_when_it_ignores_the_signal_and_its_record_is_gone(tmp_path):
    """pyspark's stop clears its record even when it missed the server; a loaded machine
    kept such a JVM alive for half an hour after its owners were gone."""
    script = "import signal, sys, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('up', flush=True); time.sleep(300)"
    ours, other = warm.prepare(tmp_path / "engine"), warm.prepare(tmp_path / "engine-2")

    def fake_server(directory):
        # Named as the JVM is: the server class and a properties file in its folder.
        child = subprocess.Popen(
            [sys.executable, "-c", script, warm.SERVER_CLASS, str(directory / "connect-local-conf.properties")],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert child.stdout is not None and child.stdout.readline().strip() == "up"
        return child

    stubborn, neighbour = fake_server(ours), fake_server(other)
    try:
        assert warm.engine_processes(ours) == [stubborn.pid]
        assert warm.stop_server(ours, grace_seconds=1) is True
        assert stubborn.wait(timeout=10) == -signal.SIGKILL
        assert neighbour.poll() is None  # another folder's engine is not touched
    finally:
        for child in (stubborn, neighbour):
            child.kill()
            child.wait()
