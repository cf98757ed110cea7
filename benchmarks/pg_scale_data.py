"""The data set of benchmarks/pg_scale.py: one commune's tables as both stores keep them, loaded
into many PostgreSQL schemas with COPY and into a SQLite file."""

from __future__ import annotations

import json
import random
import sqlite3
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.dedupe_speed import generate  # noqa: E402
from storage.postgres import PostgresStore, connect  # noqa: E402
from storage.sqlite import SqliteStore  # noqa: E402

NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
CATEGORIES = ("land", "social_policy", "infrastructure", "other")
VILLAGES = ("Bản Nà Khum", "Bản Vàng Bó", "Khu dân cư Bình Lư")
DEPARTMENTS = ("kinh_te", "vh_xh")
TABLES_WITH_IDS = ("dialogues", "residents", "questions", "supports", "deliveries")


def schema_of(i: int) -> str:
    return f"xa_{i:03d}"


# --- the data set ------------------------------------------------------------------------------


def commune_rows(questions: int, seed: int) -> dict[str, tuple[list[str], list[tuple[Any, ...]]]]:
    """Every table's rows for one commune, as both stores keep them (ISO text, 0/1 flags)."""
    rng = random.Random(seed)
    texts = generate(questions, seed=seed)
    at = (NOW - timedelta(days=20)).isoformat()
    residents = max(10, questions * 3 // 5)
    deadline = datetime(2026, 12, 15, 10, 0, tzinfo=UTC).isoformat()
    dialogue = (
        1,
        "BL26",
        "Hội nghị đối thoại năm 2026",
        "",
        "",
        deadline,
        None,
        "",
        "",
        "Asia/Ho_Chi_Minh",
        json.dumps(list(CATEGORIES)),
        0,
        questions,
        at,
        at,
        "[]",
        0,
        "seed",
        "ông/bà",
    )
    people = [
        (
            i,
            "telegram",
            str(500_000 + i),
            str(500_000 + i),
            "granted",
            at,
            rng.choice(VILLAGES),
            f"Người dân {i}",
            1,
            1,
        )
        for i in range(1, residents + 1)
    ]
    qrows, clusters = [], []
    for i in range(1, questions + 1):
        cluster = None
        if i > 10 and rng.random() < 0.33:
            cluster = rng.choice([c[0] for c in clusters[-200:]] or [1])
        status = "received"
        qrows.append(
            (
                i,
                1,
                i,
                f"BL26-{i:04d}",
                rng.randint(1, residents),
                rng.choice(CATEGORIES),
                texts[i - 1],
                rng.choice(VILLAGES),
                None,
                "chat",
                status,
                at,
                cluster,
                None,
                None,
                None,
                None,
                None,
            )
        )
        if cluster is None:
            handled = rng.random() < 0.3
            clusters.append(
                (
                    i,
                    1,
                    rng.choice(DEPARTMENTS) if handled else None,
                    None,
                    "Đã có kế hoạch xử lý." if handled and rng.random() < 0.5 else None,
                    at if handled else None,
                    None,
                    None,
                    at,
                    None,
                    None,
                )
            )
    supports = sorted(
        {(rng.randint(1, questions), rng.randint(1, residents)) for _ in range(questions // 2)}
    )
    tables: dict[str, tuple[list[str], list[tuple[Any, ...]]]] = {
        "dialogues": (
            [
                "id",
                "code",
                "title",
                "host",
                "audience",
                "deadline",
                "meeting_at",
                "meeting_note",
                "location",
                "timezone",
                "categories",
                "closed",
                "next_seq",
                "created_at",
                "updated_at",
                "overrides",
                "complex",
                "cluster_gen",
                "address",
            ],
            [dialogue],
        ),
        "residents": (
            [
                "id",
                "channel",
                "chat_id",
                "user_id",
                "consent",
                "consent_at",
                "village",
                "name",
                "notices",
                "active",
            ],
            people,
        ),
        "questions": (
            [
                "id",
                "dialogue_id",
                "seq",
                "receipt_code",
                "resident_id",
                "category",
                "text",
                "village",
                "author_name",
                "source",
                "status",
                "created_at",
                "cluster_id",
                "suggested_category",
                "flag",
                "entered_by",
                "import_key",
                "clustered_by",
            ],
            qrows,
        ),
        "clusters": (
            [
                "id",
                "dialogue_id",
                "department",
                "answer_due",
                "answer",
                "answered_at",
                "answered_by",
                "forwarded_to",
                "updated_at",
                "reviewed_by",
                "reviewed_at",
            ],
            clusters,
        ),
        "supports": (
            ["id", "question_id", "resident_id", "created_at"],
            [(n, q, r, at) for n, (q, r) in enumerate(supports, 1)],
        ),
        "processed_updates": (
            ["channel", "update_key", "processed_at"],
            [("telegram", f"seed-{i}", at) for i in range(questions * 2)],
        ),
        "deliveries": (
            [
                "id",
                "channel",
                "chat_id",
                "kind",
                "ref",
                "text",
                "status",
                "attempts",
                "created_at",
                "sent_at",
                "error",
                "file_ref",
                "file_name",
                "claimed_by",
                "claimed_at",
                "next_try_at",
            ],
            [
                (
                    i,
                    "telegram",
                    str(500_000 + i),
                    "notice",
                    "1",
                    "Mời dự hội nghị",
                    "sent",
                    1,
                    at,
                    at,
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                )
                for i in range(1, residents + 1)
            ],
        ),
    }
    return tables


async def load_postgres(url: str, communes: int, questions: int) -> None:
    rows = commune_rows(questions, seed=1)
    for i in range(communes):
        store = PostgresStore(url, schema_of(i))
        await store.open()  # the migrations, as a commune's first start runs them
        await store.close()
        conn = await connect(url, schema_of(i))
        try:
            async with conn.transaction():
                await conn.execute("SET CONSTRAINTS ALL DEFERRED")
                for table, (columns, records) in rows.items():
                    await conn.copy_records_to_table(
                        table, records=records, columns=columns, schema_name=schema_of(i)
                    )
                for table in TABLES_WITH_IDS:
                    await conn.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT MAX(id) FROM {table}))"
                    )
            # This schema's tables only: a bare ANALYZE would read every commune's again.
            await conn.execute(f"ANALYZE {', '.join(rows)}")
        finally:
            await conn.close()
        if i % 10 == 9:
            print(f"  {i + 1} schemas loaded", flush=True)


async def load_sqlite(path: Path, questions: int) -> None:
    store = SqliteStore(path)
    await store.open()
    await store.close()
    with sqlite3.connect(path) as conn:
        for table, (columns, records) in commune_rows(questions, seed=1).items():
            marks = ", ".join("?" * len(columns))
            conn.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", records
            )
        conn.execute("ANALYZE")
