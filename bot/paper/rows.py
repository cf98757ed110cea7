"""Checking the rows of a typed-up file: each is good (ready to store) or bad (with its row
number and a reason), and a good row gets a fingerprint that makes re-importing it a no-op."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from datetime import date, datetime

from bot.paper.forms import (
    CATEGORY,
    DATE,
    EARLIEST,
    FORM,
    NAME,
    TEXT,
    VILLAGE,
    BadRow,
    PaperRow,
    RawRow,
)
from bot.paper.reading import cell_text
from domain.categories import OTHER
from domain.models import Dialogue
from domain.normalize import fold
from domain.numfmt import fmt_number
from domain.plan import Plan
from domain.texts import Texts
from domain.timefmt import fmt_day
from handlers.intake import suggestion_for

_DMY = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?")
_YMD = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")


def _parse_date(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        from openpyxl.utils.datetime import from_excel

        # A date cell saved without a date format arrives as Excel's day number.
        try:
            moment = from_excel(value)
        except (ValueError, OverflowError):
            return None
        return moment.date() if isinstance(moment, datetime) else None
    text = cell_text(value)
    try:
        if match := _DMY.fullmatch(text):
            day, month, year = (int(g) for g in match.groups())
            return date(year + 2000 if year < 100 else year, month, day)
        if match := _YMD.fullmatch(text):
            year, month, day = (int(g) for g in match.groups())
            return date(year, month, day)
    except ValueError:
        return None
    return None


def _words(text: str) -> str:
    return " ".join(text.split())


def import_key(
    code: str,
    form: str,
    received: date,
    village: str | None,
    name: str | None,
    category: str,
    text: str,
    occurrence: int,
) -> str:
    """A stable fingerprint of one row's content, the same whether read from xlsx or CSV.

    Values are the canonical ones (configured village spelling, category key, spaces
    collapsed), so retyping a label without diacritics does not make a row new. `occurrence`
    tells apart identical unnumbered rows: two residents may hand in the same words.
    """
    parts = [
        code,
        form,
        received.isoformat(),
        village or "",
        name or "",
        category,
        _words(text),
        str(occurrence),
    ]
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return f"paper:{digest}"


def check_rows(
    rows: Iterable[RawRow], settings: Plan, dialogue: Dialogue, today: date, texts: Texts
) -> tuple[list[PaperRow], list[BadRow]]:
    """Good rows ready to store, and bad rows with the reason, in file order."""
    villages = {fold(v): v for v in settings.commune.villages}
    categories: dict[str, str] = {}
    for cat in settings.categories:
        categories[fold(cat.label)] = cat.key
        categories[fold(cat.key)] = cat.key
    limits = settings.limits
    good: list[PaperRow] = []
    bad: list[BadRow] = []
    # Identical content → (first row holding it, how many rows so far).
    seen: dict[tuple[str, ...], tuple[int, int]] = {}

    for raw in rows:

        def reject(key: str, raw: RawRow = raw, **params: object) -> None:
            bad.append(BadRow(raw.row, texts(f"paper.{key}", **params)))

        text = cell_text(raw.cells.get(TEXT))
        if not text:
            reject("no_text")
            continue
        if len(text) < limits.question_min_chars:
            reject("too_short", length=fmt_number(len(text)), min=limits.question_min_chars)
            continue
        if len(text) > limits.question_max_chars:
            reject(
                "too_long", length=fmt_number(len(text)), max=fmt_number(limits.question_max_chars)
            )
            continue

        date_cell = raw.cells.get(DATE)
        if cell_text(date_cell) == "":
            reject("no_date")
            continue
        received = _parse_date(date_cell)
        if received is None or received < EARLIEST:
            reject("bad_date", value=cell_text(date_cell))
            continue
        # Late forms are fine (they arrive after the deadline); forms from the future are not.
        if received > today:
            reject("future_date", date=fmt_day(received))
            continue

        written_village = cell_text(raw.cells.get(VILLAGE))
        village: str | None = written_village or None
        if villages:
            if not written_village:
                reject("no_village")
                continue
            village = villages.get(fold(written_village))
            if village is None:
                reject("unknown_village", value=written_village)
                continue

        written_category = cell_text(raw.cells.get(CATEGORY))
        category = OTHER  # blank, as "Khác": the office sorts it, helped by the suggestion
        if written_category:
            known = categories.get(fold(written_category))
            if known is None:
                reject("unknown_category", value=written_category)
                continue
            category = known
        if category != OTHER and category not in dialogue.categories:
            reject("foreign_category", label=settings.category_label(category), code=dialogue.code)
            continue
        # As in the chat: a suggestion the office can accept, never a silent change.
        suggested = suggestion_for(text, category, dialogue.categories)

        name = " ".join(cell_text(raw.cells.get(NAME)).split()) or None
        if name is not None and len(name) > limits.name_max_chars:
            reject("name_too_long", length=len(name), max=limits.name_max_chars)
            continue

        form = cell_text(raw.cells.get(FORM))
        # Exactly what the key is made of, so two rows with one key always get two occurrences.
        content = (form, received.isoformat(), village or "", name or "", category, _words(text))
        earlier = seen.get(content)
        if earlier is not None and form:
            # Same form number, same everything: the form was typed twice.
            reject("same_form", row=earlier[0])
            continue
        first_row, occurrence = earlier if earlier is not None else (raw.row, 0)
        seen[content] = (first_row, occurrence + 1)
        key = import_key(dialogue.code, form, received, village, name, category, text, occurrence)
        good.append(
            PaperRow(raw.row, form, received, village, name, category, suggested, text, key)
        )
    return good, bad
