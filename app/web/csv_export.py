"""CSV downloads that a spreadsheet opens as data, never as formulas.

A child's name, a note or a reference is typed by a person, and Excel, LibreOffice and Google
Sheets run a cell that starts with `=`, `+`, `-` or `@` (or a tab or carriage return before
one) as a formula: `=HYPERLINK(...)` in a name would send whoever opens the register to
another site. Every text cell that starts with one of those is written with a leading `'`,
which the spreadsheet shows as text and hides. Numbers are written as they are.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from flask import Response

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """The value as a spreadsheet should show it: text that could start a formula gets a '."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_response(header: Sequence[str], rows: Iterable[Sequence], name: str) -> Response:
    """A CSV attachment `name`.csv: the header, then each row with every cell made safe."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([safe_cell(cell) for cell in header])
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
