"""The project's Databricks SQL, translated to DuckDB's with the meaning Spark gives it.

sqlglot translates the text; where its DuckDB output would compute something else
than Databricks does, one rule here says so and fixes it (the parity test,
test_engine_parity.py, runs every statement on both engines and compares):

- `from_utc_timestamp(ts, zone)`: sqlglot reads it as `ts AT TIME ZONE zone`, which in
  DuckDB takes a zone-less timestamp to be *in* that zone. Spark takes it as UTC and
  gives its wall-clock time in the zone.
- `dayofweek`: Spark counts 1 = Sunday ... 7 = Saturday, DuckDB 0 = Sunday.
- `date_add` / `date_sub`: a DATE in Spark, a TIMESTAMP in DuckDB (date plus interval).
- Types: Spark's date parts, `datediff` and ranking functions are INT, DuckDB's BIGINT;
  cast, so a table written by either engine has the same schema (a Delta merge of one
  into the other's table would fail). DuckDB's SUM of integers is HUGEINT, Spark's
  BIGINT: see duckdb.py, which casts results.

A statement is translated once per process (`translate` is cached on its text). Unlike
Spark, DuckDB refuses a parameter the statement does not use: pass only those it names.
"""

from __future__ import annotations

import re
from functools import cache
from typing import ClassVar

from sqlglot import exp, parse_one
from sqlglot.dialects.databricks import Databricks
from sqlglot.errors import ErrorLevel, SqlglotError
from sqlglot.parsers.databricks import DatabricksParser


class TranslationError(ValueError):
    """The statement has a construct that does not translate from Databricks SQL to DuckDB."""


def _from_utc_timestamp(args: list) -> exp.Expr:
    instant = exp.AtTimeZone(this=exp.cast(args[0], exp.DType.TIMESTAMP), zone=exp.Literal.string("UTC"))
    return exp.AtTimeZone(this=instant, zone=args[1])


class _SparkMeaning(Databricks):
    """Databricks SQL, parsed so that what sqlglot would reinterpret keeps Spark's meaning."""

    class Parser(DatabricksParser):
        FUNCTIONS: ClassVar = {**DatabricksParser.FUNCTIONS, "FROM_UTC_TIMESTAMP": _from_utc_timestamp}


# Spark types these INT; DuckDB BIGINT.
INT_FUNCTIONS = (
    exp.DayOfMonth,
    exp.DayOfWeek,
    exp.DayOfYear,
    exp.WeekOfYear,
    exp.Month,
    exp.Quarter,
    exp.Year,
    exp.Hour,
    exp.Minute,
    exp.DateDiff,
)
INT_WINDOWS = (exp.RowNumber, exp.Rank, exp.DenseRank, exp.Ntile)


def _as_spark(node: exp.Expr) -> exp.Expr:
    if isinstance(node, exp.TsOrDsAdd):  # date_add, date_sub
        return exp.cast(node, exp.DType.DATE)
    if isinstance(node, exp.DayOfWeek):
        node = exp.Paren(this=exp.Add(this=node, expression=exp.Literal.number(1)))
    elif not (isinstance(node, INT_FUNCTIONS) or (isinstance(node, exp.Window) and isinstance(node.this, INT_WINDOWS))):
        return node
    return exp.cast(node, exp.DType.INT)


@cache
def translate(sql: str) -> str:
    """`sql` (Databricks SQL, `:name` parameters) as DuckDB SQL (`$name` parameters)."""
    try:
        tree = parse_one(sql, read=_SparkMeaning)
        # Children first: a node is wrapped after what it holds was.
        for node in reversed(list(tree.walk(bfs=False))):
            parent, key, index = node.parent, node.arg_key, node.index  # before a wrapper adopts it
            fixed = _as_spark(node)
            if fixed is not node and parent is not None and key is not None:
                parent.set(key, fixed, index)
        return tree.sql(dialect="duckdb", unsupported_level=ErrorLevel.RAISE)
    except SqlglotError as exc:
        # sqlglot underlines the culprit with terminal escapes: plain text for a log.
        raise TranslationError(TERMINAL_ESCAPE.sub("", str(exc))) from None


TERMINAL_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")
