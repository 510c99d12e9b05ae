"""A copy of the workbook with the check's findings where clinicians look: in the cells.

Every cell a finding names is filled with its severity's colour and gets an Excel comment
saying what is wrong; every gap becomes a suggested rule row under its table (id
`FORSLAG-n`, the region in the input cells, the outputs left empty to fill in). A list of all
findings goes on a sheet of its own. The input is never written: the copy is saved to a
temporary file and moved into place (core/safe_io.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..core.errors import Finding, kind_word, severity_word
from ..core.i18n import N_, _
from ..core.model import Model, Table
from ..core.safe_io import OutputError, refuse_overwrite, write_with
from ..core.text import xml_safe
from ..domain.words import cell_words
from ..workbook.print_setup import apply_print_setup, setup_sheet

FILLS = {"error": "FFC7CE", "warning": "FFEB9C", "info": "E4DFEC"}  # red, amber, lilac
SUGGESTION_FILL = "FCE4D6"
SUGGESTION_ID = "FORSLAG"
FINDINGS_SHEET = N_("Findings from the check")
AUTHOR = "guideline check"
RANK = {"error": 0, "warning": 1, "info": 2}
CELL = re.compile(r"^(?P<sheet>.+)!(?P<col>[A-Z]{1,3})(?P<row>[0-9]+)$")


@dataclass
class Marks:
    """What goes into one cell: the worst severity and every message."""

    severity: str = "info"
    messages: list[str] = field(default_factory=list)

    def add(self, finding: Finding) -> None:
        if RANK[finding.severity] < RANK[self.severity]:
            self.severity = finding.severity
        text = f"{severity_word(finding.severity).upper()} ({kind_word(finding.kind)}): " \
               f"{finding.message}"
        if text not in self.messages:
            self.messages.append(text)


def split_cell(cell: str) -> tuple[str, str] | None:
    """'Sheet!B7' -> ('Sheet', 'B7'); None for a location that is not one cell."""
    m = CELL.match(cell)
    return (m.group("sheet"), m.group("col") + m.group("row")) if m else None


def collect(findings: list[Finding]) -> dict[tuple[str, str], Marks]:
    marks: dict[tuple[str, str], Marks] = {}
    for f in findings:
        for cell in f.cells:
            where = split_cell(cell)
            if where is not None:
                marks.setdefault(where, Marks()).add(f)
    return marks


def annotate(model: Model, findings: list[Finding], workbook_path: str, out_path: str) -> str:
    """Write the annotated copy of `workbook_path` to `out_path` (never the input itself);
    return what was written, in one line for the person who asked."""
    if not str(out_path).lower().endswith(".xlsx"):
        raise OutputError(_("the annotated copy must be an .xlsx file, not {out_path}").format(
                              out_path=out_path))
    if not str(workbook_path).lower().endswith((".xlsx", ".xlsm")):
        raise OutputError(_("--annotate marks cells of an .xlsx workbook; "
                            "{workbook_path} is not one").format(workbook_path=workbook_path))
    refuse_overwrite(out_path, workbook_path)
    import openpyxl

    wb = openpyxl.load_workbook(workbook_path)
    keep_saved_values(wb, openpyxl.load_workbook(workbook_path, data_only=True))
    apply_print_setup(wb, booleans=True)  # landscape, fit to width, headers repeated
    marked = mark_cells(wb, collect(findings))
    suggested = suggest_rules(wb, model, findings)
    list_findings(wb, findings)
    write_with(out_path, wb.save)
    return _("annotated copy written to {out_path}: {marked} cell(s) marked, "
             "{suggested} suggested rule(s)").format(
               out_path=out_path, marked=marked, suggested=suggested)


def keep_saved_values(wb: Any, saved: Any) -> None:
    """Formulas as the values the spreadsheet program saved with them: openpyxl writes a
    formula without its value, so LibreOffice's `=TRUE()` (its way of saving a boolean)
    would come back as an unsaved formula and the copy would not check as the original did.
    A formula with no saved value stays (the original has that error too)."""
    for ws in wb.worksheets:
        values = saved[ws.title]
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    value = values[cell.coordinate].value
                    if value is not None:
                        cell.value = value


def mark_cells(wb: Any, marks: dict[tuple[str, str], Marks]) -> int:
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    done = 0
    for (sheet, coord), mark in marks.items():
        if sheet not in wb.sheetnames:
            continue
        cell = wb[sheet][coord]
        if type(cell).__name__ == "MergedCell":
            continue
        colour = FILLS[mark.severity]
        cell.fill = PatternFill(fill_type="solid", start_color=colour, end_color=colour)
        text = "\n\n".join(mark.messages)
        if cell.comment is not None and cell.comment.text:
            text = f"{cell.comment.text}\n\n{text}"
        cell.comment = comment(Comment, text)
        done += 1
    return done


def comment(kind: Any, text: str) -> Any:
    """A comment big enough to read without resizing it."""
    text = xml_safe(text[:30000])  # Excel refuses longer comments; XML, control characters
    c = kind(text, AUTHOR)
    lines = sum(1 + len(line) // 60 for line in text.splitlines())
    c.width = 420
    c.height = min(600, 20 + 15 * lines)
    return c


def suggest_rules(wb: Any, model: Model, findings: list[Finding]) -> int:
    """Each gap becomes a row under its table: the region in the inputs, outputs to fill in."""
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    fill = PatternFill(fill_type="solid", start_color=SUGGESTION_FILL, end_color=SUGGESTION_FILL)
    count = 0
    next_row: dict[str, int] = {}
    unsure = unreadable_rules(findings)
    for f in findings:
        if f.kind != "gap" or not f.region or f.decision not in model.tables:
            continue
        if f.decision in unsure:  # a rule whose cell is a typo may be meant for these cases
            continue
        table = model.tables[f.decision]
        if table.sheet not in wb.sheetnames:
            continue
        ws = wb[table.sheet]
        row = next_row.get(table.name) or free_row(ws, table)
        next_row[table.name] = row + 1
        count += 1
        ws.cell(row, 1, f"{SUGGESTION_ID}-{count}")
        words = region_words(model, f.region)
        ws.cell(row, 1).comment = comment(
            Comment,
            _(
                "Suggested by guideline check: no rule covers these cases. Fill in the "
                "answer in the output columns and give the row an ordinary id, or delete "
                "the row.\n\n{message}"
            ).format(message=f.message)
            + (_("\n\nThese cases in words: {words}").format(words=words) if words else ""),
        )
        for col in table.inputs:
            ws[f"{col.letter}{row}"] = safe_text(f.region.get(col.name, "-"))
        for col in (*table.inputs, *table.outputs):
            ws[f"{col.letter}{row}"].fill = fill
        ws.cell(row, 1).fill = fill
    return count


def unreadable_rules(findings: list[Finding]) -> set[str]:
    """Decisions with a rule left out of the check (a cell that cannot be read): a gap there
    may be where that rule belongs, so no FORSLAG row is proposed until it is fixed."""
    return {f.decision for f in findings
            if f.kind == "not_analysed" and f.rules and f.decision is not None}


def region_words(model: Model, region: dict[str, str]) -> str:
    """The cases of a region in the committee's words (the Values sheet's labels), or "" when
    the workbook has no labels for them; the row's cells keep the codes, which rules need."""
    if not any(name in model.value_labels for name in region):
        return ""
    return "; ".join(f"{model.variables[name].title() if name in model.variables else name}: "
                     f"{cell_words(model.variables.get(name), text, model.value_labels.get(name))}"
                     for name, text in region.items() if text != "-")


def free_row(ws: Any, table: Table) -> int:
    """The first empty row below the table's last rule (empty rows below may hold dropdowns)."""
    header = split_cell((*table.inputs, *table.outputs)[0].cell)
    first = int(re.sub(r"\D", "", header[1])) + 2 if header else 4  # below the role row
    row = max([first] + [r.row + 1 for r in table.rules])
    while any(ws.cell(row, c).value is not None for c in range(1, ws.max_column + 1)):
        row += 1
    return row


def safe_text(text: str) -> str:
    """Text a spreadsheet would take as a formula gets a leading space (S-FEEL ignores it)."""
    return xml_safe(f" {text}" if text.startswith("=") else text)


def list_findings(wb: Any, findings: list[Finding]) -> None:
    from openpyxl.styles import Font, PatternFill

    name = base = _(FINDINGS_SHEET)
    n = 2
    while name in wb.sheetnames:
        name = f"{base} {n}"
        n += 1
    ws = wb.create_sheet(name)
    ws.append(
        [
            _("Severity"),
            _("Kind"),
            _("Decision"),
            _("Cell"),
            _("Message"),
        ]
    )
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for f in sorted(findings, key=lambda f: RANK[f.severity]):
        ws.append([severity_word(f.severity), kind_word(f.kind), f.decision or "",
                   ", ".join(f.cells),
                   safe_text(f.message)])
        for cell in ws[ws.max_row]:  # a sheet named "=HYPERLINK(...)" stays text, never runs
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"
        colour = FILLS[f.severity]
        ws.cell(ws.max_row, 1).fill = PatternFill(fill_type="solid", start_color=colour,
                                                  end_color=colour)
    if not findings:
        ws.append(["", "", "", "", _("No findings: every table is complete and "
                                     "consistent.")])
    for letter, width in zip("ABCDE", (16, 14, 18, 28, 110)):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"
    setup_sheet(ws, header_rows=1)  # prints like the rest: one page wide, not one per column
