"""The Audience page's model: the latest export's demographics (gold `fct_latest_demographics`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from linkedin_assets.core.exports.model import DEMOGRAPHIC_CATEGORIES

# audience: the profile's followers and viewers; content: who viewed its posts (from August 2026).
TYPES = (("audience", "Audience"), ("content", "Content viewers"))


def _iso(value: Any) -> str | None:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()[:10]
    return None if value is None else str(value)[:10]


def _order(category: str) -> tuple[int, str]:
    known = list(DEMOGRAPHIC_CATEGORIES)
    return (known.index(category) if category in known else len(known), category)


def demographics(rows: list[dict]) -> list[dict]:
    """Per demographic type present: its period, source file and categories, each value ranked."""
    out = []
    labels = dict(TYPES)
    for kind in sorted(
        {str(r.get("demographic_type") or "audience") for r in rows}, key=lambda k: (k not in labels, k)
    ):
        mine = [r for r in rows if str(r.get("demographic_type") or "audience") == kind]
        categories = []
        for category in sorted({str(r["category"]) for r in mine}, key=_order):
            values = sorted(
                (r for r in mine if r["category"] == category),
                key=lambda r: (r.get("rank") is None, r.get("rank") or 0, str(r["value"])),
            )
            categories.append(
                {
                    "category": category,
                    "values": [
                        {
                            "value": str(r["value"]),
                            "percentage": float(r["percentage"]) if r.get("percentage") is not None else None,
                            "below_one_percent": bool(r.get("below_one_percent")),
                        }
                        for r in values
                    ],
                }
            )
        first = mine[0]
        out.append(
            {
                "type": kind,
                "label": labels.get(kind, kind),
                "period_start": _iso(first.get("period_start")),
                "period_end": _iso(first.get("period_end")),
                "source_file": first.get("source_file"),
                "categories": categories,
            }
        )
    return out
