"""Structural checks of the Databricks deployment files (no workspace, no Spark).

databricks.yml (+ resources/*.yml) must declare what the code expects to find in
Unity Catalog, and the Lakeview dashboard must read only tables that sql/ defines,
with every field a widget draws selected by its dataset. Renaming a gold or silver
SQL file without updating the dashboard fails here.
"""

from __future__ import annotations

import ast
import copy
import glob
import json
import os
import re
from pathlib import Path

import pytest
import yaml

from linkedin_assets.core.landing import VOLUMES
from linkedin_assets.core.settings import SCHEMA

REPO = Path(__file__).resolve().parent.parent
BUNDLE_FILE = REPO / "databricks.yml"
DASHBOARD_FILE = (REPO / "dashboards" / "linkedin_statistics.lvdash.json").resolve()
CATALOGS = ("landing", "bronze", "silver", "gold")
PAGES = ("Summary", "By post", "By day", "Historical", "Audience", "Posting time")
GOLD_TABLES_THE_DASHBOARD_NEEDS = {
    "fct_daily_profile_statistics",
    "fct_daily_post_statistics",
    "fct_post_statistics",
    "fct_latest_demographics",
    "dim_date",
}
# What the notebooks need on the workspace: the package they import, its SQL, themselves.
SYNCED = {"linkedin_assets", "sql", "notebooks"}
# What `sync.exclude` must keep off the workspace (databricks/cli#2910, #3673: every
# file git does not ignore is synced, `include` only adds git-ignored ones). A synced
# dashboards/*.lvdash.json is a second, unpublished copy of the dashboard.
NOT_DEPLOYED = {
    "dashboards",
    "docs",
    "linkedin_assets_tests",
    "bench",
    ".ci",
    "Makefile",
    "pyproject.toml",
    "workspace.yaml",
}
# Top-level entries that may reach the workspace: the runtime files and harmless
# documentation/configuration of the bundle itself.
# requirements.txt: what the upload page needs as a Databricks App (resources/apps.yml)
MAY_BE_SYNCED = SYNCED | {"README.md", "databricks.yml", "resources", ".gitignore", "requirements.txt"}
# The Databricks CLI's bundle JSON schema (shared reference data, never copied here).
BUNDLE_SCHEMA = Path(__file__).resolve().parents[2] / "shared" / "databricks" / "bundle-jsonschema.json"
# experimental.skip_name_prefix_for_schema is honoured from this CLI version on; older
# CLIs warn about an unknown key and prefix the dev schemas anyway.
SKIP_SCHEMA_PREFIX_SINCE = (0, 255, 0)

_REF = re.compile(r"\$\{([A-Za-z0-9_.\-\[\]]+)\}")
_TABLE = re.compile(r"(?<![\w.`])`?(landing|bronze|silver|gold)`?\.`?(\w+)`?\.`?(\w+)`?", re.I)


# ----------------------------------------------------------------------- loading


def _load_bundle() -> dict[Path, dict]:
    """databricks.yml and every file it includes, by path."""
    root = yaml.safe_load(BUNDLE_FILE.read_text())
    files = {BUNDLE_FILE: root}
    for pattern in root.get("include", []):
        matched = sorted(glob.glob(str(REPO / pattern)))
        assert matched, f"include {pattern!r} matches no file"
        for name in matched:
            files[Path(name)] = yaml.safe_load(Path(name).read_text()) or {}
    return files


@pytest.fixture(scope="module")
def bundle_files() -> dict[Path, dict]:
    return _load_bundle()


@pytest.fixture(scope="module")
def bundle(bundle_files) -> dict:
    return bundle_files[BUNDLE_FILE]


def _resources(bundle_files, kind: str) -> dict[str, tuple[Path, dict]]:
    """resources.<kind> merged over all files: key -> (declaring file, definition)."""
    found: dict[str, tuple[Path, dict]] = {}
    for path, doc in bundle_files.items():
        for key, value in ((doc.get("resources") or {}).get(kind) or {}).items():
            assert key not in found, f"resources.{kind}.{key} declared twice"
            found[key] = (path, value)
    return found


def _strings(node):
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for k, v in node.items():
            yield from _strings(k)
            yield from _strings(v)
    elif isinstance(node, list):
        for v in node:
            yield from _strings(v)


def _resolve(value: str, bundle: dict, bundle_files) -> str:
    """Substitute ${var.X} with its default and ${resources.K.N.F} with that field."""
    variables = bundle.get("variables") or {}

    def one(match: re.Match) -> str:
        ref = match.group(1)
        parts = ref.split(".")
        if parts[0] == "var":
            return str(variables[parts[1]]["default"])
        if parts[0] == "resources":
            _, definition = _resources(bundle_files, parts[1])[parts[2]]
            return _resolve(str(definition[parts[3]]), bundle, bundle_files)
        return match.group(0)

    return _REF.sub(one, value)


# ------------------------------------------------------------------------ bundle


def test_bundle_parses_with_dev_and_prod_targets(bundle):
    assert bundle["bundle"]["name"] == "linkedin-analytics"
    targets = bundle["targets"]
    assert targets["dev"]["mode"] == "development"
    assert targets["dev"].get("default") is True
    assert targets["prod"]["mode"] == "production"
    # `mode: production` refuses to deploy without an explicit root_path
    assert targets["prod"]["workspace"]["root_path"]
    assert [name for name, t in targets.items() if t.get("default")] == ["dev"]


def test_variables(bundle):
    variables = bundle["variables"]
    for catalog in CATALOGS:
        assert variables[f"{catalog}_catalog"]["default"] == catalog
    assert variables["schema"]["default"] == SCHEMA
    for name in ("warehouse_id", "support_email", "dashboard_subscriber"):
        assert name in variables
        assert variables[name].get("description")


def test_every_reference_is_declared(bundle, bundle_files):
    declared = set(bundle.get("variables") or {})
    used_vars = set()
    for path, doc in bundle_files.items():
        for text in _strings(doc):
            for ref in _REF.findall(text):
                parts = ref.split(".")
                if parts[0] == "var":
                    used_vars.add(parts[1])
                    assert parts[1] in declared, f"{path.name}: ${{{ref}}} is not declared"
                elif parts[0] == "resources":
                    assert len(parts) >= 4, f"{path.name}: ${{{ref}}}"
                    resources = _resources(bundle_files, parts[1])
                    assert parts[2] in resources, f"{path.name}: ${{{ref}}} names no resource"
                    assert parts[3] in resources[parts[2]][1], f"{path.name}: ${{{ref}}} names no field"
                else:
                    assert parts[0] in {"bundle", "workspace"}, f"{path.name}: unknown ${{{ref}}}"
    assert {"warehouse_id", "schema", *(f"{c}_catalog" for c in CATALOGS)} <= used_vars


def test_one_linkedin_schema_per_catalog(bundle, bundle_files):
    schemas = _resources(bundle_files, "schemas")
    resolved = sorted(
        (_resolve(d["catalog_name"], bundle, bundle_files), _resolve(d["name"], bundle, bundle_files))
        for _, d in schemas.values()
    )
    assert resolved == sorted((catalog, SCHEMA) for catalog in CATALOGS)
    for key, (_, definition) in schemas.items():
        assert set(definition) <= {"catalog_name", "name", "comment", "grants", "properties", "lifecycle"}, key
        # `bundle destroy` must not drop a schema's tables
        assert definition.get("lifecycle") == {"prevent_destroy": True}, key


def test_landing_volumes(bundle, bundle_files):
    volumes = _resources(bundle_files, "volumes")
    resolved = {
        _resolve(d["name"], bundle, bundle_files): (
            _resolve(d["catalog_name"], bundle, bundle_files),
            _resolve(d["schema_name"], bundle, bundle_files),
            d.get("volume_type"),
        )
        for _, d in volumes.values()
    }
    assert set(resolved) == {*VOLUMES, "pipes"}  # + the Pipes messages volume
    assert set(resolved.values()) == {("landing", SCHEMA, "MANAGED")}
    for key, (_, definition) in volumes.items():
        assert set(definition) <= {
            "catalog_name",
            "schema_name",
            "name",
            "volume_type",
            "comment",
            "grants",
            "lifecycle",
        }
        # nor delete the only copy of the downloaded files
        assert definition.get("lifecycle") == {"prevent_destroy": True}, key
        # referring to the schema resource orders its creation before the volume
        assert definition["schema_name"].startswith("${resources.schemas."), key


def _merged(bundle_files) -> dict:
    """One document, as the CLI loads it: each included file's top-level keys merged
    into databricks.yml's (maps merged key by key, sequences appended)."""

    def merge(into: dict, other: dict, where: str) -> None:
        for key, value in other.items():
            if key not in into:
                into[key] = copy.deepcopy(value)
            elif isinstance(into[key], dict) and isinstance(value, dict):
                merge(into[key], value, f"{where}.{key}")
            elif isinstance(into[key], list) and isinstance(value, list):
                into[key] = into[key] + copy.deepcopy(value)
            else:
                assert into[key] == value, f"{where}.{key} is set twice, differently"

    merged = copy.deepcopy(bundle_files[BUNDLE_FILE])
    for path, doc in bundle_files.items():
        if path != BUNDLE_FILE:
            merge(merged, doc, path.name)
    return merged


def test_cli_version_supports_skip_name_prefix_for_schema(bundle):
    """Older CLIs ignore experimental.skip_name_prefix_for_schema (with a warning) and
    deploy dev_<user>_linkedin schemas the code never reads: require a CLI that has it."""
    assert (bundle.get("experimental") or {}).get("skip_name_prefix_for_schema") is True
    constraint = bundle["bundle"].get("databricks_cli_version")
    assert constraint, "bundle.databricks_cli_version is not set"
    # the only syntax the CLI accepts (bundle/config/mutator/verify_cli_version.go)
    version = r"(\d+\.\d+\.\d+(\-\w+)?|\d+\.\d+.\*|\d+\.\*)"
    operator = r"(>=|<=|>|<|!=)?"
    assert re.fullmatch(rf"{operator} ?{version}(, {operator} {version})?", constraint), constraint
    lower = re.match(r"\s*(>=|>)?\s*(\d+)\.(\d+)\.(\d+)\s*(,|$)", constraint)
    assert lower and lower.group(1), f"{constraint!r} sets no lower bound"
    assert tuple(map(int, lower.group(2, 3, 4))) >= SKIP_SCHEMA_PREFIX_SINCE, (
        f"{constraint!r} allows CLIs older than {'.'.join(map(str, SKIP_SCHEMA_PREFIX_SINCE))}"
    )


def test_dashboard_resource(bundle_files):
    dashboards = _resources(bundle_files, "dashboards")
    assert len(dashboards) == 1
    ((path, definition),) = dashboards.values()
    assert definition["display_name"] == "LinkedIn Statistics"
    assert definition["warehouse_id"] == "${var.warehouse_id}"
    file_path = (path.parent / definition["file_path"]).resolve()
    assert file_path.is_file(), f"{definition['file_path']} (relative to {path.name}) does not exist"
    assert file_path == DASHBOARD_FILE


def test_dashboard_resource_uses_the_catalog_variables(bundle_files):
    """The deployed dashboard's datasets default to the bundle's gold catalog and
    schema variables, not the hard-coded gold.linkedin, and it is published with
    embedded credentials, as the Dagster asset publishes it."""
    ((_, definition),) = _resources(bundle_files, "dashboards").values()
    assert definition.get("dataset_catalog") == "${var.gold_catalog}"
    assert definition.get("dataset_schema") == "${var.schema}"
    assert definition.get("embed_credentials") is True
    # one value for both publishers: the asset's lakeview.publish(embed_credentials=...)
    source = (REPO / "linkedin_assets" / "core" / "databricks" / "lakeview.py").read_text()
    values = [
        kw.value.value
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        for kw in node.keywords
        if kw.arg == "embed_credentials" and isinstance(kw.value, ast.Constant)
    ]
    assert values and set(values) == {definition["embed_credentials"]}, values


# -------------------------------------------------------------------------- sync


def _gitignore_regex(pattern: str) -> re.Pattern:
    """A pattern as the CLI matches it: a port of getPatternFromLine of
    github.com/sabhiram/go-gitignore v0.0.0-20210923224102 (libs/fileset and
    libs/git use it for sync include/exclude and .gitignore). Negation is left out."""
    line = pattern.strip(" ")
    if re.search(r"([^/+])/.*\*\.", line) and not line.startswith("/"):
        line = "/" + line
    line = line.replace(".", r"\.")
    star = "#$~"
    if line.startswith("/**/"):
        line = line[1:]
    line = line.replace("/**/", "(/|/.+/)")
    line = line.replace("**/", f"(|.{star}/)")
    line = line.replace("/**", f"(|/.{star})")
    line = line.replace("\\*", "\\" + star)
    line = line.replace("*", "([^/]*)")
    line = line.replace("?", r"\?")
    line = line.replace(star, "*")
    expr = line + ("(|.*)$" if line.endswith("/") else "(|/.*)$")
    expr = "^(|/)" + expr[1:] if expr.startswith("/") else "^(|.*/)" + expr
    return re.compile(expr)


def _matcher(patterns):
    compiled = [_gitignore_regex(p) for p in patterns if p.strip() and not p.startswith(("#", "!"))]
    return lambda rel: any(c.search(rel) for c in compiled)


def _sync_patterns(pattern: str) -> str:
    """As the CLI rewrites sync paths: joined to the declaring file's folder (the
    root here) and cleaned, which drops a leading "/" (no anchoring is possible)."""
    return os.path.normpath(pattern.lstrip("/")).replace(os.sep, "/") + ("/" if pattern.endswith("/") else "")


def _not_git_ignored() -> set[str]:
    """Files of the bundle root git does not ignore (what the CLI syncs by default),
    with .gitignore files applied per folder as libs/git does, .git and .databricks
    always left out."""
    rules: dict[str, object] = {}
    found: set[str] = set()

    def ignored(rel: str) -> bool:
        parts = rel.rstrip("/").split("/")
        for i in range(len(parts)):
            prefix = "/".join(parts[:i]) or "."
            suffix = "/".join(parts[i:]) + ("/" if rel.endswith("/") else "")
            if prefix in rules and rules[prefix](suffix):
                return True
        return False

    for folder, dirs, files in os.walk(REPO):
        rel_folder = Path(folder).relative_to(REPO).as_posix()
        ignore_file = Path(folder) / ".gitignore"
        lines = [".git", ".databricks"] if rel_folder == "." else []
        if ignore_file.is_file():
            lines += ignore_file.read_text().splitlines()
        rules[rel_folder] = _matcher(lines)
        base = "" if rel_folder == "." else rel_folder + "/"
        dirs[:] = [d for d in dirs if not ignored(base + d) and not ignored(base + d + "/")]
        found |= {base + f for f in files if not ignored(base + f)}
    return found


def _every_file() -> set[str]:
    """Every file under the bundle root, git-ignored ones too (.git aside): where the
    CLI looks for sync.include matches (libs/fileset walks the whole root)."""
    found = set()
    for folder, dirs, files in os.walk(REPO):
        dirs[:] = [d for d in dirs if not (folder == str(REPO) and d == ".git")]
        base = Path(folder).relative_to(REPO).as_posix()
        found |= {f if base == "." else f"{base}/{f}" for f in files}
    return found


def _synced(bundle) -> set[str]:
    """(files git does not ignore | sync.include) - sync.exclude, as libs/sync/filelist.go."""
    sync = bundle.get("sync") or {}
    includes = [_sync_patterns(p) for p in sync.get("include") or []]
    exclude = _matcher([_sync_patterns(p) for p in sync.get("exclude") or []])
    files = _not_git_ignored()
    if includes:
        include = _matcher(includes)
        files |= {p for p in _every_file() if include(p)}
    return {p for p in files if not exclude(p)}


def _notebook_imports() -> tuple[set[str], set[str]]:
    """Repository files the notebooks import (transitively, imports inside functions
    included), and the top-level repository entries those modules name as
    REPO_ROOT / "<entry>" (data they read, like sql/)."""

    def module_file(name: str) -> Path | None:
        base = REPO.joinpath(*name.split("."))
        for candidate in (base / "__init__.py", base.with_suffix(".py")):
            if candidate.is_file():
                return candidate
        return None

    seen: set[Path] = set()
    data: set[str] = set()
    todo = sorted((REPO / "notebooks").glob("*.py"))
    assert todo, "no notebooks"
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        tree = ast.parse(path.read_text())
        # the package a relative import starts from (a module's or an __init__'s folder)
        package = path.relative_to(REPO).parent.parts
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = ".".join(package[: len(package) - node.level + 1])
                    module = f"{base}.{node.module}" if node.module else base
                else:
                    module = node.module or ""
                names = [module] + [f"{module}.{a.name}" for a in node.names]
            elif (
                isinstance(node, ast.BinOp)
                and isinstance(node.op, ast.Div)
                and isinstance(node.left, ast.Name)
                and node.left.id == "REPO_ROOT"
                and isinstance(node.right, ast.Constant)
                and isinstance(node.right.value, str)
            ):
                data.add(node.right.value.split("/")[0])
            for name in names:
                parts = name.split(".")
                for i in range(1, len(parts) + 1):
                    found = module_file(".".join(parts[:i]))
                    if found is not None:
                        todo.append(found)
    return {p.relative_to(REPO).as_posix() for p in seen}, data


def test_gitignore_port():
    """The pattern semantics the sync checks rely on (those of go-gitignore)."""
    m = _matcher(["dashboards/**", "Makefile", "**/__pycache__/**", ".venv/"])
    assert m("dashboards/linkedin_statistics.lvdash.json")
    assert m("x/dashboards/a.json")  # not anchored: matches at any depth
    assert not m("linkedin_assets/core/dashboard/static/app.js")
    assert m("Makefile") and m("sql/Makefile")
    assert m("linkedin_assets/core/exports/__pycache__/cells.cpython-312.pyc")
    assert m(".venv/") and not m(".venv")
    assert _sync_patterns("/bench/**") == "bench/**"


def test_sync_excludes_what_the_workspace_does_not_need(bundle):
    """Tests, bench, the dashboard's source file and the local tooling are excluded;
    the files themselves are matched by the exclude globs, and nothing else leaves
    the allowed top-level entries."""
    exclude = _matcher([_sync_patterns(p) for p in (bundle.get("sync") or {}).get("exclude") or []])
    for entry in sorted(NOT_DEPLOYED):
        path = REPO / entry
        files = [p for p in path.rglob("*") if p.is_file()] if path.is_dir() else [path] * path.is_file()
        for file in files:
            rel = file.relative_to(REPO).as_posix()
            assert exclude(rel), f"{rel} would be synced to the workspace: add {entry}/** to sync.exclude"
    synced = _synced(bundle)
    assert not {p for p in synced if "__pycache__" in p.split("/")}
    tops = {p.split("/")[0] for p in synced}
    assert tops <= MAY_BE_SYNCED, f"synced but not needed on the workspace: {sorted(tops - MAY_BE_SYNCED)}"
    assert not any(p.startswith("dashboards/") or p.endswith(".lvdash.json") for p in synced)


def test_sync_excludes_nothing_the_notebooks_import(bundle):
    modules, data = _notebook_imports()
    assert {"notebooks/bronze.py", "notebooks/silver.py", "linkedin_assets/core/databricks/notebook.py"} <= modules
    assert "sql" in data  # core/sql/text.py reads REPO_ROOT / "sql"
    sync = bundle.get("sync") or {}
    excludes = [_sync_patterns(p) for p in sync.get("exclude") or []]
    exclude = _matcher(excludes)
    synced = _synced(bundle)
    for rel in sorted(modules):
        assert not exclude(rel), f"{rel} (imported by the notebooks) is excluded by sync.exclude {excludes}"
        assert rel in synced, f"{rel} (imported by the notebooks) is not synced"
    for entry in sorted(data):
        assert not exclude(entry) and not exclude(entry + "/x"), f"REPO_ROOT / {entry!r} is excluded"
    runtime = {p.relative_to(REPO).as_posix() for top in SYNCED for p in (REPO / top).rglob("*") if p.is_file()}
    runtime = {p for p in runtime if "__pycache__" not in p.split("/")}
    assert runtime <= synced, f"not synced: {sorted(runtime - synced)[:10]}"


def test_sync_carries_what_the_notebooks_import(bundle, bundle_files):
    synced = _synced(bundle)
    for top in SYNCED:
        assert any(p.startswith(f"{top}/") for p in synced), f"nothing of {top}/ is synced"
    for notebook in ("bronze", "silver"):
        assert f"notebooks/{notebook}.py" in synced
        assert (REPO / "notebooks" / f"{notebook}.py").read_text().startswith("# Databricks notebook source\n")
    sql_files = {p.relative_to(REPO).as_posix() for p in (REPO / "sql").rglob("*.sql")}
    assert sql_files and sql_files <= synced, f"not synced: {sorted(sql_files - synced)}"

    # every relative path mentioned anywhere in the bundle files exists
    for path, doc in bundle_files.items():
        for text in _strings(doc):
            if text.endswith((".json", ".yml", ".yaml", ".py", ".sql", ".toml")) and "*" not in text:
                assert (path.parent / text).exists(), f"{path.name}: {text} does not exist"


def test_sync_include_adds_nothing_outside_the_runtime_folders(bundle):
    """sync.include patterns match at any depth: `sql/**` also picks up a local
    .venv's site-packages/pyspark/sql/**. Whatever include adds must lie in the
    runtime folders (and the runtime folders need no include: git tracks them)."""
    includes = [_sync_patterns(p) for p in (bundle.get("sync") or {}).get("include") or []]
    if not includes:
        return
    include = _matcher(includes)
    stray = sorted(p for p in _every_file() if include(p) and p.split("/")[0] not in SYNCED)
    assert not stray, f"sync.include {includes} also syncs {len(stray)} other files, e.g. {stray[:3]}"


# ---------------------------------------------------------------- bundle schema


@pytest.fixture(scope="module")
def bundle_schema() -> dict:
    if not BUNDLE_SCHEMA.is_file():
        pytest.skip(f"no Databricks bundle JSON schema at {BUNDLE_SCHEMA} (shared reference data)")
    return json.loads(BUNDLE_SCHEMA.read_text())


@pytest.fixture(scope="module")
def schema_validator(bundle_schema):
    """A Draft 2020-12 validator of the CLI's bundle schema whose `pattern` keyword
    uses the `regex` package: the schema's patterns are Go regexps with \\p{L}/\\p{N},
    which Python's `re` rejects (`bad escape \\p`)."""
    jsonschema = pytest.importorskip("jsonschema")
    regex = pytest.importorskip("regex")
    from jsonschema.exceptions import ValidationError

    def pattern(validator, patrn, instance, schema):
        if validator.is_type(instance, "string") and not regex.search(patrn, instance):
            yield ValidationError(f"{instance!r} does not match {patrn!r}")

    cls = jsonschema.validators.extend(jsonschema.Draft202012Validator, {"pattern": pattern})
    return cls(bundle_schema)


def _schema_errors(validator, document) -> list[str]:
    """One line per error: where (the deepest place any oneOf branch got to) and why."""

    def leaves(error):
        return [leaf for e in error.context for leaf in leaves(e)] if error.context else [error]

    errors = []
    for error in validator.iter_errors(document):
        found = leaves(error)
        deepest = max(len(e.absolute_path) for e in found)
        found = [e for e in found if len(e.absolute_path) == deepest]
        where = "/".join(map(str, found[0].absolute_path)) or "(root)"
        errors.append(f"{where}: " + "; ".join(sorted({e.message[:200] for e in found})))
    return errors


def test_schema_refs_resolve(bundle_schema):
    """Every $ref of the schema points at a definition (the $defs keys nest along the
    JSON pointer: #/$defs/github.com/databricks/cli/bundle/config.Bundle)."""
    referencing = pytest.importorskip("referencing")
    from referencing.jsonschema import DRAFT202012

    resource = referencing.Resource.from_contents(bundle_schema, default_specification=DRAFT202012)
    resolver = referencing.Registry().with_resource("urn:bundle", resource).resolver(base_uri="urn:bundle")
    refs = {text for key, text in _items(bundle_schema) if key == "$ref"}
    assert len(refs) > 100
    for ref in sorted(refs):
        assert ref.startswith("#/$defs/"), ref
        assert isinstance(resolver.lookup(ref).contents, dict), ref


def _items(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, str):
                yield key, value
            else:
                yield from _items(value)
    elif isinstance(node, list):
        for value in node:
            yield from _items(value)


def test_bundle_matches_the_cli_schema(bundle_files, schema_validator):
    """databricks.yml with resources/*.yml merged in, as the CLI loads it, is valid
    for the CLI's bundle JSON schema (${var.x} interpolations being strings)."""
    merged = _merged(bundle_files)
    assert {"schemas", "volumes", "dashboards"} <= set(merged["resources"])
    assert _schema_errors(schema_validator, merged) == []


@pytest.mark.parametrize(
    "mutate, where",
    [
        (lambda d: d["sync"].update(exclude=3), "sync"),
        (
            lambda d: d["resources"]["dashboards"]["linkedin_statistics"].update(bogus_key="x"),
            "resources/dashboards/linkedin_statistics",
        ),
        (lambda d: d["resources"]["volumes"]["posts"].update(name=["posts"]), "resources/volumes/posts"),
        (
            lambda d: d["resources"]["dashboards"]["linkedin_statistics"].update(embed_credentials="yes"),
            "resources/dashboards/linkedin_statistics",
        ),
        (lambda d: d["bundle"].update(databricks_cli_version=255), "bundle"),
        (lambda d: d["sync"].update(excludes=["bench/**"]), "sync"),
        (lambda d: d["bundle"].update(cli_version=">=0.255.0"), "bundle"),
        (
            lambda d: d["resources"]["volumes"]["posts"].update(volume_type="SHARED"),
            "resources/volumes/posts/volume_type",
        ),
        (
            lambda d: d["targets"]["prod"]["workspace"].update(root_path=["/Workspace"]),
            "targets/prod/workspace/root_path",
        ),
    ],
    ids=[
        "sync-exclude-int",
        "unknown-dashboard-key",
        "volume-name-list",
        "bool-not-interpolation",
        "version-int",
        "unknown-sync-key",
        "unknown-bundle-key",
        "volume-type-enum",
        "target-root-path-list",
    ],
)
def test_schema_validation_catches_mistakes(bundle_files, schema_validator, mutate, where):
    """The validation is real: a wrong key or type (reached through the $refs) fails."""
    document = _merged(bundle_files)
    mutate(document)
    errors = _schema_errors(schema_validator, document)
    assert errors, "the mistake went through"
    assert any(e.startswith(where) for e in errors), errors


def test_schema_interpolations_are_strings(bundle_files, schema_validator):
    """A ${var.x} in place of a bool/enum is accepted only through the translated
    \\p{L} patterns; a ${...} of an unknown kind is not."""
    document = _merged(bundle_files)
    dashboard = document["resources"]["dashboards"]["linkedin_statistics"]
    dashboard["embed_credentials"] = "${var.embed}"
    document["resources"]["volumes"]["posts"]["volume_type"] = "${var.volume_type}"
    assert _schema_errors(schema_validator, document) == []
    dashboard["embed_credentials"] = "${nothing.embed}"
    assert _schema_errors(schema_validator, document)


# --------------------------------------------------------------------- dashboard


@pytest.fixture(scope="module")
def dashboard() -> dict:
    """The dashboard as the asset publishes it with the default catalogs (its tables named in full)."""
    from linkedin_assets.core.databricks.lakeview import serialized_dashboard

    return json.loads(serialized_dashboard({"gold": f"gold.{SCHEMA}"}))


def test_the_dashboard_file_names_no_catalog():
    """Deployed by the bundle, the datasets' catalog and schema are its variables'
    (dataset_catalog/dataset_schema): the file names its tables bare, never `gold.linkedin`,
    and every table it reads is one the asset then names in full."""
    from linkedin_assets.core.databricks.lakeview import serialized_dashboard

    text = DASHBOARD_FILE.read_text()
    assert _TABLE.findall(text) == []
    datasets = json.loads(text)["datasets"]
    targets = {t for d in datasets for t in re.findall(r"\b(?:FROM|JOIN)\s+([\w.`]+)", _sql(d), re.I)}
    assert targets == set(GOLD_TABLES_THE_DASHBOARD_NEEDS), targets
    published = json.loads(serialized_dashboard({"gold": "prod_gold.reports"}))["datasets"]
    targets = {t for d in published for t in re.findall(r"\b(?:FROM|JOIN)\s+([\w.`]+)", _sql(d), re.I)}
    assert targets == {f"prod_gold.reports.{t}" for t in GOLD_TABLES_THE_DASHBOARD_NEEDS}, targets


def _project_tables() -> set[str]:
    """Tables the project's SQL defines: gold/<t>.sql, silver/<t>.sql (post_metric.sql
    is run once per metric, as silver.linkedin.impressions and .engagements)."""
    tables = {f"gold.{SCHEMA}.{p.stem}" for p in (REPO / "sql" / "gold").glob("*.sql")}
    for p in (REPO / "sql" / "silver").glob("*.sql"):
        if p.stem == "post_metric":
            tables |= {f"silver.{SCHEMA}.impressions", f"silver.{SCHEMA}.engagements"}
        else:
            tables.add(f"silver.{SCHEMA}.{p.stem}")
    return tables


def _sql(dataset: dict) -> str:
    return "".join(dataset["queryLines"])


def _split_top_level(text: str) -> list[str]:
    parts, depth, current, quote = [], 0, [], None
    for ch in text:
        if quote:
            current.append(ch)
            if ch == quote:
                quote = None
            continue
        if ch in "'\"`":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append("".join(current))
            current = []
            continue
        current.append(ch)
    parts.append("".join(current))
    return parts


def _select_columns(sql: str) -> set[str]:
    """Output column names of the outermost SELECT list (roughly: `AS alias`, else the
    last identifier of a plain column reference)."""
    text = re.sub(r"--[^\n]*", " ", sql)
    # blank out parenthesised parts so a nested SELECT/FROM is not taken for the outer one
    flat, depth = [], 0
    for ch in text:
        depth += ch == "("
        flat.append(ch if depth == 0 else " ")
        depth -= ch == ")"
    flat = "".join(flat)
    select = list(re.finditer(r"\bSELECT\b", flat, re.I))
    assert select, "no SELECT"
    start = select[-1].end()  # the last top-level SELECT follows any WITH clauses
    end = re.compile(r"\bFROM\b", re.I).search(flat, start)
    items = _split_top_level(text[start : end.start() if end else len(text)])
    columns = set()
    for item in items:
        item = item.strip()
        if re.fullmatch(r"(DISTINCT\s+)?\*", item, re.I):
            raise AssertionError("SELECT * hides which columns a dataset has: name them")
        alias = re.search(r"\bAS\s+`?(\w+)`?\s*$", item, re.I)
        plain = re.fullmatch(r"(?:DISTINCT\s+)?(?:\w+\.)*`?(\w+)`?", item, re.I)
        assert alias or plain, f"cannot tell the name of select item {item!r}: give it an alias"
        columns.add((alias or plain).group(1).lower())
    return columns


def _widgets(dashboard):
    for page in dashboard["pages"]:
        for item in page["layout"]:
            yield page, item["widget"], item["position"]


def _encoded_fields(node):
    """(fieldName, queryName or None) for every field an encoding names."""
    if isinstance(node, dict):
        if "fieldName" in node:
            yield node["fieldName"], node.get("queryName")
        for value in node.values():
            yield from _encoded_fields(value)
    elif isinstance(node, list):
        for value in node:
            yield from _encoded_fields(value)


def test_dashboard_pages(dashboard):
    canvas = [p for p in dashboard["pages"] if p.get("pageType") != "PAGE_TYPE_GLOBAL_FILTERS"]
    assert [p["displayName"] for p in canvas] == list(PAGES)
    # The one global filters panel, beside the pages: the profile filter.
    assert [p["displayName"] for p in dashboard["pages"] if p not in canvas] == ["Profile"]
    names = [p["name"] for p in dashboard["pages"]]
    assert len(set(names)) == len(names)
    for page in dashboard["pages"]:
        assert page["layout"], f"page {page['displayName']} is empty"


def test_widgets_are_well_formed(dashboard):
    names = set()
    kinds = set()
    for _page, widget, position in _widgets(dashboard):
        assert widget["name"] not in names, f"widget name {widget['name']} is used twice"
        names.add(widget["name"])
        spec = widget["spec"]
        assert spec["version"] in (2, 3), widget["name"]
        kinds.add(spec["widgetType"])
        assert set(position) == {"x", "y", "width", "height"}
        assert position["x"] >= 0 and position["width"] > 0 and position["x"] + position["width"] <= 6
    assert {"counter", "line", "bar", "table"} <= kinds
    summary = next(p for p in dashboard["pages"] if p["displayName"] == "Summary")
    summary_kinds = [i["widget"]["spec"]["widgetType"] for i in summary["layout"]]
    assert summary_kinds.count("counter") >= 3
    assert {"line", "bar", "table"} <= set(summary_kinds)


def test_widgets_use_existing_datasets_and_selected_fields(dashboard):
    datasets = {d["name"]: d for d in dashboard["datasets"]}
    assert len(datasets) == len(dashboard["datasets"]), "dataset names must be unique"
    columns = {name: _select_columns(_sql(d)) for name, d in datasets.items()}
    used = set()
    for page, widget, _ in _widgets(dashboard):
        where = f"{page['displayName']} / {widget['name']}"
        queries = {q["name"]: q["query"] for q in widget["queries"]}
        assert queries, where
        for query in queries.values():
            assert query["datasetName"] in datasets, f"{where}: no dataset {query['datasetName']!r}"
            used.add(query["datasetName"])
            for f in query["fields"]:
                for column in re.findall(r"`(\w+)`", f["expression"]):
                    assert column.lower() in columns[query["datasetName"]], (
                        f"{where}: {f['expression']} names {column!r}, which dataset "
                        f"{query['datasetName']} does not select ({sorted(columns[query['datasetName']])})"
                    )
        encoded = list(_encoded_fields(widget["spec"].get("encodings", {})))
        assert encoded, f"{where} encodes no field"
        for field_name, query_name in encoded:
            candidates = [queries[query_name]] if query_name else list(queries.values())
            assert query_name is None or query_name in queries, f"{where}: no query {query_name!r}"
            assert any(field_name in {f["name"] for f in q["fields"]} for q in candidates), (
                f"{where}: encodes {field_name!r}, which its query does not select"
            )
    assert used == set(datasets), f"unused datasets: {set(datasets) - used}"


def _unknown_tables(dashboard, known: set[str]) -> list[str]:
    """One line per table a dataset reads that is not in `known`."""
    problems = []
    for dataset in dashboard["datasets"]:
        sql = _sql(dataset)
        tables = {".".join(m).lower() for m in _TABLE.findall(sql)}
        if not tables:
            problems.append(f"dataset {dataset['name']} names no <catalog>.<schema>.<table>")
        for table in sorted(tables - known):
            problems.append(f"dataset {dataset['name']} reads {table}, which sql/ does not define")
        # every FROM/JOIN target is fully qualified, so none escapes the check above
        for target in re.findall(r"\b(?:FROM|JOIN)\s+([\w.`]+)", sql, re.I):
            if target.replace("`", "").lower() not in known | tables:
                problems.append(f"dataset {dataset['name']} reads {target}, not <catalog>.<schema>.<table>")
    return problems


def test_datasets_read_only_project_tables(dashboard):
    known = _project_tables()
    assert {f"gold.{SCHEMA}.{t}" for t in GOLD_TABLES_THE_DASHBOARD_NEEDS} <= known
    assert _unknown_tables(dashboard, known) == []
    read = {".".join(m).lower() for d in dashboard["datasets"] for m in _TABLE.findall(_sql(d))}
    assert read == {f"gold.{SCHEMA}.{t}" for t in GOLD_TABLES_THE_DASHBOARD_NEEDS}


_SQL_WORDS = {
    "select",
    "from",
    "where",
    "join",
    "left",
    "right",
    "inner",
    "outer",
    "full",
    "on",
    "as",
    "and",
    "or",
    "not",
    "case",
    "when",
    "then",
    "else",
    "end",
    "group",
    "by",
    "order",
    "asc",
    "desc",
    "distinct",
    "cast",
    "string",
    "int",
    "bigint",
    "double",
    "date",
    "timestamp",
    "is",
    "null",
    "in",
    "limit",
    "having",
    "true",
    "false",
    "between",
    "like",
    # window functions
    "over",
    "partition",
    "rows",
    "range",
    "unbounded",
    "preceding",
    "following",
    "current",
    "row",
}


def _gold_columns() -> dict[str, set[str]]:
    """Output columns of each gold table, read from its SQL file."""
    return {f"gold.{SCHEMA}.{p.stem}": _select_columns(p.read_text()) for p in (REPO / "sql" / "gold").glob("*.sql")}


def test_datasets_read_only_existing_gold_columns(dashboard):
    """Every column a dataset names exists in a gold table it reads (rough: every
    identifier that is not a keyword, function, alias, table or table alias)."""
    gold = _gold_columns()
    for dataset in dashboard["datasets"]:
        sql = re.sub(r"'[^']*'", "''", _sql(dataset))
        tables = {".".join(m).lower() for m in _TABLE.findall(sql)}
        available = set().union(*(gold.get(t, set()) for t in tables))
        skip = {w.lower() for w in re.findall(r"\bAS\s+`?(\w+)", sql, re.I)}
        skip |= {part for t in tables for part in t.split(".")}
        names = set()
        for m in re.finditer(r"(?<!\w)`?([A-Za-z_]\w*)\b`?(?!\s*\()(\.)?", sql):
            word, dotted = m.group(1).lower(), m.group(2)
            if dotted or word in _SQL_WORDS or word in skip:
                continue  # a qualifier (p.impressions -> p), keyword or alias
            names.add(word)
        missing = names - available
        assert not missing, f"dataset {dataset['name']} names {sorted(missing)}, not columns of {sorted(tables)}"


def test_select_parser():
    """The rough SELECT-list parser the checks above depend on."""
    assert _select_columns(
        "WITH x AS (SELECT a FROM t)\n"
        "SELECT p.a, b AS c, max(d) AS e, concat(f, ', ', g) AS h,\n"
        "  CASE WHEN i THEN 1 END AS j\nFROM x AS p WHERE k IN (SELECT l FROM m)"
    ) == {"a", "c", "e", "h", "j"}
    with pytest.raises(AssertionError):
        _select_columns("SELECT * FROM gold.linkedin.dim_date")
    with pytest.raises(AssertionError):
        _select_columns("SELECT a + b FROM t")


def test_a_renamed_gold_table_is_caught(dashboard, monkeypatch, tmp_path):
    """Renaming sql/gold/fct_daily_post_statistics.sql without updating the dashboard
    is reported, for every dataset that reads the old name."""
    fake = tmp_path / "repo"
    for layer in ("gold", "silver"):
        (fake / "sql" / layer).mkdir(parents=True)
        for p in (REPO / "sql" / layer).glob("*.sql"):
            stem = "fct_post_daily" if p.stem == "fct_daily_post_statistics" else p.stem
            (fake / "sql" / layer / f"{stem}.sql").write_text(p.read_text())
    monkeypatch.setitem(globals(), "REPO", fake)
    problems = _unknown_tables(dashboard, _project_tables())
    readers = {d["name"] for d in dashboard["datasets"] if "fct_daily_post_statistics" in _sql(d)}
    assert readers
    assert len(problems) == len(readers)
    assert all("gold.linkedin.fct_daily_post_statistics" in p for p in problems)
