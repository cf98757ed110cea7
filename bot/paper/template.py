"""`python -m bot template [--dialogue CODE]`: the workbook the office types paper forms into.

Its drop-down offers the dialogue's own categories (all the commune's without --dialogue),
"Khác" last: the import refuses a category the dialogue does not use, so the form must not
offer one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from bot.paper.forms import DATE_FORMAT, EARLIEST, FIELDS, HEADER_KEYS, TEMPLATE_ROWS
from domain.categories import category_order
from domain.numfmt import fmt_number, words_within
from domain.plan import Plan
from domain.texts import Texts


def write_template(
    settings: Plan,
    out: Path,
    today: date,
    texts: Texts,
    categories: Sequence[str] | None = None,
) -> None:
    """Write the typing template: the form sheet, its hidden lists, and the instructions.

    `categories`: the keys the drop-down offers (a dialogue's); None for all of them."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    villages = settings.commune.villages
    keys = category_order(
        categories if categories is not None else [c.key for c in settings.categories]
    )
    labels = [settings.category_label(key) for key in keys]
    wb = Workbook()
    ws = wb.active
    ws.title = texts("paper.sheet_forms")
    ws.append([texts(HEADER_KEYS[f]) for f in FIELDS])
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDE6F0")
    for cell in ws[1]:
        cell.font = bold
        cell.fill = fill
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.freeze_panes = "A2"
    ws.row_dimensions[1].height = 32
    widths = {"A": 10, "B": 16, "C": 24, "D": 26, "E": 24, "F": 90}
    for letter, width in widths.items():
        ws.column_dimensions[letter].width = width
    # Column styles apply to the cells people type later, so dates show as dd/mm/yyyy and long
    # texts wrap without anyone formatting them.
    ws.column_dimensions["B"].number_format = DATE_FORMAT
    ws.column_dimensions["F"].alignment = Alignment(wrap_text=True, vertical="top")

    example_category = (
        settings.category_label("infrastructure") if "infrastructure" in keys else labels[0]
    )
    ws.append(
        [
            texts("paper.example_form"),
            datetime.combine(today, time()),
            villages[0] if villages else "",
            texts("paper.example_name"),
            example_category,
            texts("paper.example_text"),
        ]
    )
    grey = Font(italic=True, color="808080")
    for cell in ws[2]:
        cell.font = grey
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws["B2"].number_format = DATE_FORMAT

    # Lists live on a hidden sheet: an inline list is limited to 255 characters and breaks on
    # a comma inside a name.
    lists = wb.create_sheet(texts("paper.sheet_lists"))
    lists.append([texts("paper.col_village"), texts("paper.col_category")])
    for i in range(max(len(villages), len(labels))):
        lists.append(
            [villages[i] if i < len(villages) else None, labels[i] if i < len(labels) else None]
        )
    lists.sheet_state = "hidden"
    quoted = "'" + lists.title.replace("'", "''") + "'"
    last = TEMPLATE_ROWS + 1

    def validation(cells: str, name: str, **kwargs: Any) -> None:
        """A check on `cells` with its prompt and error from the catalog (paper.valid_<name>_*)."""
        dv = DataValidation(
            allow_blank=True,
            showErrorMessage=True,
            showInputMessage=True,
            promptTitle=texts(f"paper.valid_{name}_title"),
            prompt=texts(f"paper.valid_{name}_prompt"),
            errorTitle=texts(f"paper.valid_{name}_title"),
            error=texts(f"paper.valid_{name}_error"),
            **kwargs,
        )
        ws.add_data_validation(dv)
        dv.add(f"{cells}{last}")

    if villages:
        validation("C2:C", "village", type="list", formula1=f"{quoted}!$A$2:$A${len(villages) + 1}")
    validation("E2:E", "category", type="list", formula1=f"{quoted}!$B$2:$B${len(labels) + 1}")
    # A warning, not a stop: on a computer set to US dates Excel reads "20/11/2026" as text,
    # and the import reads such text anyway.
    validation(
        "B2:B",
        "date",
        type="date",
        operator="between",
        formula1=f"DATE({EARLIEST.year},{EARLIEST.month},{EARLIEST.day})",
        formula2="TODAY()",
        errorStyle="warning",
    )

    guide = wb.create_sheet(texts("paper.sheet_guide"), 1)
    guide.column_dimensions["A"].width = 120
    guide.append([texts("paper.guide_title")])
    guide["A1"].font = Font(bold=True, size=13)
    limits = settings.limits
    lines = texts(
        "paper.guide",
        max_words=words_within(limits.question_max_chars),
        max=fmt_number(limits.question_max_chars),
    )
    extra = [
        texts("paper.guide_villages", villages=", ".join(villages))
        if villages
        else texts("paper.guide_no_villages"),
        texts("paper.guide_categories", categories=", ".join(labels)),
    ]
    wrap = Alignment(wrap_text=True, vertical="top")
    for line in [*lines.splitlines(), *extra]:
        guide.append([line])
        guide.cell(guide.max_row, 1).alignment = wrap
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
