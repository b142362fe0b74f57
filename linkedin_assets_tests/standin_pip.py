"""What a notebook may import on Databricks: its `%pip install` line, what those packages
bring, and what a serverless environment has before any `%pip`.

The stand-in runs notebooks in the test process, where every package of the project is
installed; a notebook importing one its `%pip` line forgot would pass here and fail on
its first real run with ModuleNotFoundError. So the stand-in records the imports a
notebook's own thread makes and fails the run on one that a cluster would not have.
"""

from __future__ import annotations

import builtins
import contextlib
import importlib.metadata as metadata
import re
import shlex
import sys
import threading
from collections.abc import Iterator

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

# A serverless environment's base packages (environment version 2 and later), beside the
# standard library: what the notebooks may use without installing it.
SERVERLESS_PACKAGES = frozenset(
    canonicalize_name(n)
    for n in (
        "pyspark",
        "databricks-connect",
        "databricks-sdk",
        "pyarrow",
        "pandas",
        "numpy",
        "requests",
        "urllib3",
        "packaging",
        "typing-extensions",
        "six",
        "python-dateutil",
        "pytz",
        "tzdata",
        "protobuf",
        "grpcio",
        "googleapis-common-protos",
    )
)
PIP_LINE = re.compile(r"^#\s*MAGIC\s+%pip\s+install\s+(.*)$", re.M)


def pip_requirements(source: str) -> set[str]:
    """The distributions a notebook's `# MAGIC %pip install ...` lines name."""
    names = set()
    for line in PIP_LINE.findall(source):
        names |= {canonicalize_name(Requirement(a).name) for a in shlex.split(line) if not a.startswith("-")}
    return names


def with_dependencies(names: set[str]) -> set[str]:
    """`names` and everything they require (as installed here), for no extra."""
    found, todo = set(), list(names)
    while todo:
        name = todo.pop()
        if name in found:
            continue
        found.add(name)
        try:
            requires = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue
        for text in requires:
            requirement = Requirement(text)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(canonicalize_name(requirement.name))
    return found


def missing(imported, allowed: set[str]) -> list[str]:
    """Top-level modules imported (in the order given) that no allowed distribution provides."""
    providers = metadata.packages_distributions()
    out = []
    for module in imported:
        if module in sys.stdlib_module_names or module == "linkedin_assets" or module.startswith("_"):
            continue
        dists = {canonicalize_name(d) for d in providers.get(module, [])}
        if dists and not dists & allowed:
            out.append(module)
    return out


_STAND_IN = threading.local()


@contextlib.contextmanager
def stand_in_code() -> Iterator[None]:
    """Imports made inside are the stand-in's (its `spark`, say), not the notebook's: not recorded."""
    depth = getattr(_STAND_IN, "depth", 0)
    _STAND_IN.depth = depth + 1
    try:
        yield
    finally:
        _STAND_IN.depth = depth


@contextlib.contextmanager
def recorded_imports() -> Iterator[dict[str, None]]:
    """The top-level names this thread imports (absolute imports) while inside, first first."""
    names: dict[str, None] = {}
    thread, real = threading.get_ident(), builtins.__import__

    def recording(name, globals=None, locals=None, fromlist=(), level=0):
        if level == 0 and threading.get_ident() == thread and not getattr(_STAND_IN, "depth", 0):
            names.setdefault(name.partition(".")[0], None)
        return real(name, globals, locals, fromlist, level)

    builtins.__import__ = recording
    try:
        yield names
    finally:
        builtins.__import__ = real


def unavailable(source: str, imported) -> list[str]:
    """What the notebook imported that a Databricks serverless run of it would not have."""
    return missing(imported, with_dependencies(pip_requirements(source)) | SERVERLESS_PACKAGES)
