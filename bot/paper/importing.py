"""Storing the good rows of one file, in short batches, through handlers/intake.py.

Importing is safe to repeat: every row carries an `import_key` hashed from what it says, so a
file imported twice (or re-imported after fixing its bad rows, or after a crash half way)
adds only rows not seen before. A bad row never stops the others.

Each batch is its own transaction, held for about `BATCH_SECONDS`, with a pause after it: a
20,000-row file takes minutes, and the bot must keep answering residents meanwhile (its turns
wait for the write lock while a batch holds it).
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, date, datetime
from datetime import time as day_time

from bot.paper.forms import SOURCE, ImportResult, PaperRow, RawRow, UnusableInput
from bot.paper.rows import check_rows
from bot.services import Services
from domain.complaints import looks_like_complaint
from domain.models import Dialogue, NewQuestion
from domain.plan import Plan
from handlers.duplicates import DuplicateFinder
from handlers.intake import store_question

# How long one batch may hold the write lock, and the pause that lets others take it: SQLite
# wakes a waiting writer every 100 ms at most, so the pause is longer than that.
BATCH_SECONDS = 0.15
PAUSE_SECONDS = 0.12


async def import_forms(
    services: Services, code: str, rows: list[RawRow], file_name: str
) -> ImportResult:
    """Check and store the rows of one file, batch by batch; repeat-safe (see module)."""
    settings, texts = services.settings, services.texts
    code = code.strip().upper()
    now = services.clock()
    today = now.astimezone(settings.commune.tz).date()
    result = ImportResult(code)
    async with services.store.reader() as rd:
        dialogue = await rd.dialogue_by_code(code)
    if dialogue is None:
        raise UnusableInput(texts("office.unknown_dialogue", code=code))
    good, result.bad = check_rows(rows, settings, dialogue, today, texts)
    # One engine across the batches: it follows the store's changes between them by itself.
    finder = DuplicateFinder(settings.dedupe_threshold)
    done = 0
    while done < len(good):
        done = await _batch(services, finder, dialogue, good, done, file_name, result)
        if done < len(good):
            await asyncio.sleep(PAUSE_SECONDS)
    async with services.store.transaction() as tx:
        await tx.audit(
            now,
            "cli",
            "import",
            f"{code}: {file_name}: {len(result.imported)} imported, {result.already} already, "
            f"{len(result.bad)} bad",
        )
    return result


async def _batch(
    services: Services,
    finder: DuplicateFinder,
    dialogue: Dialogue,
    good: list[PaperRow],
    start: int,
    file_name: str,
    result: ImportResult,
) -> int:
    """Store rows from `start` on in one transaction, for about BATCH_SECONDS; returns where
    the next batch starts. The counts move only once the batch committed."""
    began = time.monotonic()
    imported, joined, complaints, already = [], 0, 0, 0
    i = start
    async with services.store.transaction() as tx:
        while i < len(good) and (i == start or time.monotonic() - began < BATCH_SECONDS):
            row = good[i]
            i += 1
            if await tx.has_import_key(row.key):
                already += 1
                continue
            complaint = looks_like_complaint(row.text)
            question = _question(row, dialogue.id, services.settings, file_name, complaint)
            stored = await store_question(tx, finder, question)
            imported.append(stored.question)
            joined += stored.joined
            complaints += complaint
    result.imported += imported
    result.joined += joined
    result.complaints += complaints
    result.already += already
    return i


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
    return datetime.combine(day, day_time(12), tzinfo=plan.commune.tz).astimezone(UTC)
