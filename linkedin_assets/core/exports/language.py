"""The languages a Content export comes in: its sheet names, labels and date order.

LinkedIn localises the whole workbook (sheet names, labels, the date order), so the
language is told from the sheet names and decides how the rest is read. A language
is read only when every label of it is known from real exports; one known by its
sheet names alone is recognised, so its files are refused with a reason that names
it. To read a new language, fill in its `labels` and `date_order` from a real export.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from linkedin_assets.core.exports.cells import DAY_FIRST, MONTH_FIRST, label
from linkedin_assets.core.exports.model import ExportError

# Sheet roles, in LinkedIn's order. The 2023 layout has no DISCOVERY; from August 2026
# AUDIENCE and CONTENT DEMOGRAPHICS replace DEMOGRAPHICS.
ROLES = (
    "DISCOVERY",
    "ENGAGEMENT",
    "TOP POSTS",
    "FOLLOWERS",
    "DEMOGRAPHICS",
    "AUDIENCE DEMOGRAPHICS",
    "CONTENT DEMOGRAPHICS",
)


@dataclass(frozen=True)
class Language:
    name: str
    sheets: dict[str, str]  # role -> sheet name as LinkedIn writes it
    # role -> every text LinkedIn writes for it; empty: known by its sheet names only
    labels: dict[str, tuple[str, ...]] = field(default_factory=dict)
    date_order: str | None = None  # how "a/b/YYYY" reads in this language

    @property
    def readable(self) -> bool:
        return bool(self.labels) and self.date_order is not None

    def texts(self, role: str) -> tuple[str, ...]:
        return self.labels[role]


ENGLISH = Language(
    "English",
    sheets={role: role for role in ROLES},
    labels={
        "overall performance": ("Overall Performance",),
        "impressions": ("Impressions",),
        # Mid-2024 exports say "Unique views" for the same figure.
        "members reached": ("Members reached", "Unique views"),
        "date": ("Date",),
        "engagements": ("Engagements",),
        "new followers": ("New followers",),
        "post url": ("Post URL",),
        "post publish date": ("Post publish date",),
        # "Total followers on 6/13/2026" (2026) or "... on 8/5/2024:" (legacy)
        "total followers on": ("Total followers on",),
        "top demographics": ("Top Demographics",),
        "value": ("Value",),
        "percentage": ("Percentage",),
    },
    # English exports write M/D/YYYY always, whatever the member's region.
    date_order=MONTH_FIRST,
)

# Seen in a real 2026 export (dates dd/mm/aaaa, "menos de 1%"); its row labels are not
# known from a real file yet, so it is recognised and refused, never guessed.
PORTUGUESE = Language(
    "Portuguese",
    sheets={
        "DISCOVERY": "Descoberta",
        "ENGAGEMENT": "Engajamento",
        "TOP POSTS": "Publicações mais em alta",
        "FOLLOWERS": "Seguidores",
        "AUDIENCE DEMOGRAPHICS": "Dados demográficos do público",
        "CONTENT DEMOGRAPHICS": "Dados demográficos do conteúdo",
    },
    date_order=DAY_FIRST,
)

LANGUAGES = (ENGLISH, PORTUGUESE)

# Other LinkedIn products' exports that land here by mistake: sheet names -> what it is.
_OTHER_EXPORTS = {
    frozenset({"metrics", "all posts"}): "a LinkedIn Company Page content export",
    frozenset({"performance", "top demographics"}): "a single-post export (PostAnalytics_...)",
    frozenset({"post analytics"}): "a single-post export (SinglePostAnalytics_...)",
}


def export_of_sheets(sheet_names: list[str]) -> str | None:
    """What LinkedIn export a workbook's sheets make, whatever its file is called; None: none we know."""
    present = {label(name) for name in sheet_names}
    for lang in LANGUAGES:
        if present & {label(s) for s in lang.sheets.values()}:
            return f"a LinkedIn Content export ({lang.name})"
    for names, what in _OTHER_EXPORTS.items():
        if names <= present:
            return what
    return None


def language_of(file_name: str, sheet_names: list[str]) -> Language:
    """The language whose sheet names the workbook has; refused when it is none we read."""
    present = {label(name) for name in sheet_names}
    found = ", ".join(repr(name) for name in sheet_names) or "none"
    hits, best = max(
        ((len(present & {label(s) for s in lang.sheets.values()}), lang) for lang in LANGUAGES),
        key=lambda found: found[0],
    )
    if hits == 0:
        for names, what in _OTHER_EXPORTS.items():
            if names <= present:
                raise ExportError(file_name, f"{what} (sheets found: {found}), not a creator Content export")
        expected = ", ".join(ENGLISH.sheets[r] for r in ("ENGAGEMENT", "TOP POSTS", "FOLLOWERS"))
        raise ExportError(
            file_name, f"not a LinkedIn Content export: none of its sheets ({found}) is one of {expected}..."
        )
    if not best.readable:
        readable = ", ".join(lang.name for lang in LANGUAGES if lang.readable)
        raise ExportError(
            file_name,
            f"looks like a {best.name}-language export (sheets found: {found}); only {readable} exports are "
            f"read: set LinkedIn's language to {readable} and download the export again",
        )
    return best
