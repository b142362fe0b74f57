"""Structural checks of the Databricks deployment files (no workspace, no Spark).

databricks.yml (+ resources/*.yml) must declare what the code expects to find in
Unity Catalog, and the Lakeview dashboard must read only tables that sql/ defines,
with every field a widget draws selected by its dataset. Renaming a gold or silver
SQL file without updating the dashboard fails here.
"""

from __future__ import annotations

import glob
import json
import re
from pathlib import Path

import pytest
import yaml

from linkedin_assets.settings import SCHEMA, VOLUMES

REPO = Path(__file__).resolve().parent.parent
BUNDLE_FILE = REPO / "databricks.yml"
DASHBOARD_FILE = (REPO / "dashboards" / "linkedin_statistics.lvdash.json").resolve()
CATALOGS = ("landing", "bronze", "silver", "gold")
PAGES = ("Summary", "By post", "By day", "Historical")
GOLD_TABLES_THE_DASHBOARD_NEEDS = {
    "fct_daily_profile_statistics",
    "fct_daily_post_statistics",
    "dim_date",
}
# What the notebooks need on the workspace: the package they import, its SQL, themselves.
SYNCED = {"linkedin_assets", "sql", "notebooks"}

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
        assert set(definition) <= {"catalog_name", "name", "comment", "grants", "properties"}, key


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
        assert set(definition) <= {"catalog_name", "schema_name", "name", "volume_type", "comment", "grants"}
        # referring to the schema resource orders its creation before the volume
        assert definition["schema_name"].startswith("${resources.schemas."), key


def test_dashboard_resource(bundle_files):
    dashboards = _resources(bundle_files, "dashboards")
    assert len(dashboards) == 1
    (path, definition), = dashboards.values()
    assert definition["display_name"] == "LinkedIn Statistics"
    assert definition["warehouse_id"] == "${var.warehouse_id}"
    file_path = (path.parent / definition["file_path"]).resolve()
    assert file_path.is_file(), f"{definition['file_path']} (relative to {path.name}) does not exist"
    assert file_path == DASHBOARD_FILE


def test_sync_carries_what_the_notebooks_import(bundle, bundle_files):
    includes = (bundle.get("sync") or {}).get("include") or []
    assert SYNCED <= {pattern.split("/")[0] for pattern in includes}
    for pattern in includes:
        # (glob's "x/**" yields "x/" even when x does not exist: count files only)
        files = [p for p in glob.glob(str(REPO / pattern), recursive=True) if Path(p).is_file()]
        assert files, f"sync include {pattern!r} matches no file"
    for notebook in ("bronze", "silver"):
        assert (REPO / "notebooks" / f"{notebook}.py").read_text().startswith("# Databricks notebook source\n")
    sql_files = {p.relative_to(REPO).as_posix() for p in (REPO / "sql").rglob("*.sql")}
    synced = {
        Path(p).relative_to(REPO).as_posix()
        for pattern in includes
        for p in glob.glob(str(REPO / pattern), recursive=True)
    }
    assert sql_files and sql_files <= synced, f"not synced: {sorted(sql_files - synced)}"

    # every relative path mentioned anywhere in the bundle files exists
    for path, doc in bundle_files.items():
        for text in _strings(doc):
            if text.endswith((".json", ".yml", ".yaml", ".py", ".sql", ".toml")) and "*" not in text:
                assert (path.parent / text).exists(), f"{path.name}: {text} does not exist"


# --------------------------------------------------------------------- dashboard


@pytest.fixture(scope="module")
def dashboard() -> dict:
    return json.loads(DASHBOARD_FILE.read_text())


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
    assert [p["displayName"] for p in dashboard["pages"]] == list(PAGES)
    names = [p["name"] for p in dashboard["pages"]]
    assert len(set(names)) == len(names)
    for page in dashboard["pages"]:
        assert page["layout"], f"page {page['displayName']} is empty"


def test_widgets_are_well_formed(dashboard):
    names = set()
    kinds = set()
    for page, widget, position in _widgets(dashboard):
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
    "select", "from", "where", "join", "left", "right", "inner", "outer", "full", "on", "as",
    "and", "or", "not", "case", "when", "then", "else", "end", "group", "by", "order", "asc",
    "desc", "distinct", "cast", "string", "int", "bigint", "double", "date", "timestamp",
    "is", "null", "in", "limit", "having", "true", "false", "between", "like",
}


def _gold_columns() -> dict[str, set[str]]:
    """Output columns of each gold table, read from its SQL file."""
    return {
        f"gold.{SCHEMA}.{p.stem}": _select_columns(p.read_text())
        for p in (REPO / "sql" / "gold").glob("*.sql")
    }


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
