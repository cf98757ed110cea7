"""The long-lived objects every channel shares, opened once and closed once."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.config import Settings
from bot.outbox import Owner
from domain.texts import Texts, load_texts
from handlers.engine import Clock, Engine
from handlers.router import Router
from storage.base import Store
from storage.sqlite import SqliteStore, StoreUnavailable


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Services:
    settings: Settings
    store: Store
    texts: Texts
    engine: Engine
    clock: Clock
    # This process, as the holder of delivery claims (its outbox and its secure replies).
    owner: Owner

    async def close(self) -> None:
        await self.store.close()


async def open_services(
    settings: Settings, *, clock: Clock = utc_now, store: Store | None = None
) -> Services:
    store = store if store is not None else SqliteStore(settings.storage.path)
    await store.open()
    try:
        # Dialogues in the config are created or updated; their questions are never touched.
        async with store.transaction() as tx:
            for spec in settings.dialogues:
                await tx.upsert_dialogue(spec, clock())
    except BaseException as exc:
        await store.close()  # an open store is a thread that would keep the process alive
        if isinstance(exc, sqlite3.Error):
            raise StoreUnavailable(settings.storage.path, str(exc)) from exc
        raise
    texts = load_texts("vi")
    owner = Owner.here()
    engine = Engine(store, settings.plan, texts, clock, Router(), owner=owner.name)
    return Services(
        settings=settings, store=store, texts=texts, engine=engine, clock=clock, owner=owner
    )
