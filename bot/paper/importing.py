"""Storing the good rows of one file, in one transaction, through handlers/intake.py.

Importing is safe to repeat: every row carries an `import_key` hashed from what it says, so a
file imported twice (or re-imported after fixing its bad rows) adds only rows not seen before.
A bad row never stops the others, and all good rows go in one transaction so a crash leaves
nothing half-imported.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from bot.paper.forms import SOURCE, ImportResult, PaperRow, RawRow, UnusableInput
from bot.paper.rows import check_rows
from bot.services import Services
from domain.complaints import looks_like_complaint
from domain.models import NewQuestion
from domain.plan import Plan
from handlers.duplicates import DuplicateFinder
from handlers.intake import store_question


async def import_forms(
    services: Services, code: str, rows: list[RawRow], file_name: str
) -> ImportResult:
    """Check and store the rows of one file in one transaction; repeat-safe (see module)."""
    settings, texts = services.settings, services.texts
    code = code.strip().upper()
    now = services.clock()
    today = now.astimezone(settings.commune.tz).date()
    result = ImportResult(code)
    finder = DuplicateFinder(settings.dedupe_threshold)
    async with services.store.transaction() as tx:
        dialogue = await tx.dialogue_by_code(code)
        if dialogue is None:
            raise UnusableInput(texts("office.unknown_dialogue", code=code))
        good, result.bad = check_rows(rows, settings, dialogue, today, texts)
        for row in good:
            if await tx.has_import_key(row.key):
                result.already += 1
                continue
            complaint = looks_like_complaint(row.text)
            question = _question(row, dialogue.id, settings, file_name, complaint)
            stored = await store_question(tx, finder, question)
            result.imported.append(stored.question)
            result.joined += stored.joined
            result.complaints += complaint
        await tx.audit(
            now,
            "cli",
            "import",
            f"{code}: {file_name}: {len(result.imported)} imported, {result.already} already, "
            f"{len(result.bad)} bad",
        )
    return result


def _question(
    row: PaperRow, dialogue_id: int, plan: Plan, file_name: str, complaint: bool
) -> NewQuestion:
    return NewQuestion(
        dialogue_id=dialogue_id,
        resident_id=None,
        category=row.category,
        text=row.text,
        village=row.village,
        author_name=row.name,
        created_at=_noon(row.received, plan),
        source=SOURCE,
        suggested_category=row.suggested,
        flag="complaint" if complaint else None,
        entered_by=f"import:{file_name}",
        import_key=row.key,
    )


def _noon(day: date, plan: Plan) -> datetime:
    # Noon, so the day stays the same in any time zone a report might show it in; stored in UTC
    # like chat questions, so ordering by the stored text stays chronological.
    return datetime.combine(day, time(12), tzinfo=plan.commune.tz).astimezone(UTC)
