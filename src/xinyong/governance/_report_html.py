"""The subject report as one self-contained HTML page (``xinyong report ID --html FILE``).

No scripts, fonts, images or links to fetch: one file a person can keep, print or open offline.
Every value is escaped with :func:`html.escape` (furnishers and authorities supply free text,
which must never become markup), and the page declares a Content-Security-Policy that forbids
scripts as a second line of defence.
"""

from __future__ import annotations

from html import escape
from typing import Any

from xinyong.governance._report import ReportTable, readable_time, report_tables

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 72rem; color: #1b1b1b;
       line-height: 1.4; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; }
h2 { font-size: 1.15rem; margin-top: 2rem; border-bottom: 1px solid #ccc; }
p.meta { color: #555; margin-top: 0; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { text-align: left; vertical-align: top; padding: .3rem .5rem;
         border-bottom: 1px solid #e4e4e4; }
th { background: #f3f3f3; }
tr.disputed td { background: #fff6d6; }
p.empty { color: #666; font-style: italic; }
"""


def _table(table: ReportTable) -> str:
    if not table.rows:
        return f'<p class="empty">{escape(table.empty)}</p>'
    dispute_column = table.columns.index("dispute") if "dispute" in table.columns else None
    head = "".join(f"<th scope=\"col\">{escape(c)}</th>" for c in table.columns)
    body = []
    for row in table.rows:
        marked = dispute_column is not None and row[dispute_column]
        cells = "".join(f"<td>{escape(v)}</td>" for v in row)
        body.append(f'<tr class="disputed">{cells}</tr>' if marked else f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def render_html(report: dict[str, Any]) -> str:
    """The whole page, escaped."""
    meta = report["report"]
    made, profile = escape(readable_time(meta["generated_at"])), escape(str(meta["profile"]))
    note = escape(str(meta["note"]))
    sections = "\n".join(
        f'<section id="{escape(t.key)}"><h2>{escape(t.title)}</h2>{_table(t)}</section>'
        for t in report_tables(report))
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Your xinyong report</title>
<style>{_STYLE}</style>
</head>
<body>
<h1>Your xinyong report</h1>
<p class="meta">Made {made} UTC under the {profile} profile. {note}</p>
{sections}
</body>
</html>
"""
