"""Text from a workbook put into Markdown so that it stays text: no raw HTML, no broken table.

A workbook value may hold backticks, `<script>`, pipes or newlines. In a code span the fence is
one backtick longer than the longest run inside (CommonMark), so no value can close it; outside
one, every character Markdown or HTML would act on is escaped.
"""

from __future__ import annotations

import re

SPECIAL = re.compile(r"([\\`*_\[\]<>|#&~])")


def code(text: object) -> str:
    """`text` as one inline code span that nothing inside can end (pipes escaped for tables)."""
    raw = re.sub(r"\s+", " ", str(text)).replace("|", "\\|")
    longest = max((len(run) for run in re.findall(r"`+", raw)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if raw.startswith("`") or raw.endswith("`") or not raw.strip(" ") else ""
    return f"{fence}{pad}{raw}{pad}{fence}"


def plain(text: object) -> str:
    """`text` as Markdown that shows exactly these characters on one line."""
    return SPECIAL.sub(r"\\\1", re.sub(r"\s+", " ", str(text)))
