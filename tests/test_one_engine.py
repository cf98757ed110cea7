"""One engine on every path: the chat, the import and `cluster` give the same clusters; the office
reviews suggested duplicates and sees who an answer reaches before it is sent."""

from __future__ import annotations

import argparse
import io
import json
import random
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

import pytest

from benchmarks.labelled import Row, load
from bot import cluster_cli
from bot.paper_cli import import_forms, read_forms
from bot.services import open_services
from domain.categories import DEFAULT_CATEGORIES
from domain.texts import load_texts
from tests.harness import OFFICIAL, OTHER_RESIDENT, RESIDENT, Harness, base_config

CATEGORIES = ["land", "social_policy", "infrastructure", "other"]


def sample_rows(count: int = 18, seed: int = 5) -> list[Row]:
    """Rows of our labelled set in the dialogue's categories: duplicate groups and singles."""
    rows = [r for r in load("own") if r.category in CATEGORIES and 15 <= len(r.text) <= 300]
    groups: dict[str, list[Row]] = {}
    for row in rows:
        groups.setdefault(row.group, []).append(row)
    chosen = [r for g in groups.values() if len(g) > 1 for r in g][: count * 2 // 3]
    singles = [g[0] for g in groups.values() if len(g) == 1]
    chosen += singles[: count - len(chosen)]
    random.Random(seed).shuffle(chosen)
    return chosen


def partition(keys: list[str], cluster_of: dict[str, str]) -> set[frozenset[str]]:
    found: dict[str, set[str]] = {}
    for key in keys:
        found.setdefault(cluster_of[key], set()).add(key)
    return {frozenset(v) for v in found.values()}


async def test_chat_import_and_cluster_command_give_the_same_clusters(tmp_path: Path) -> None:
    rows = sample_rows()
    keys = [r.id for r in rows]
    plan_labels = {c.key: c.label for c in DEFAULT_CATEGORIES}

    # 1. Typed in the chat, one resident each, in this order.
    chat = Harness(tmp_path / "chat.sqlite3", base_config(tmp_path / "chat.sqlite3"))
    await chat.start()
    try:
        for i, row in enumerate(rows):
            resident = 5000 + i
            await chat.consent(resident)
            await chat.press(resident, "Gửi ý kiến")
            await chat.press(resident, plan_labels[row.category])
            await chat.send(resident, row.text)
            for way_on in ("Vẫn gửi ý kiến của tôi", "Vẫn gửi"):
                if way_on in chat.labels(resident):
                    await chat.press(resident, way_on)
            await chat.press(resident, "Bản Nà Khum")
            await chat.press(resident, "Bỏ qua")
            sent = await chat.press(resident, "Gửi")
            assert "BL26-" in sent[-1].text
        stored = chat.rows("SELECT id, COALESCE(cluster_id, id) FROM questions ORDER BY id")
    finally:
        await chat.stop()
    by_chat = {keys[i]: keys[c - 1] for i, (_, c) in enumerate(stored)}

    # 2. Imported from a spreadsheet of paper forms, in the same order.
    config = base_config(tmp_path / "import.sqlite3")
    csv = tmp_path / "phieu.csv"
    lines = ["Số phiếu,Ngày nhận,Thôn/tổ dân phố,Họ tên,Nhóm vấn đề,Nội dung ý kiến"]
    for i, row in enumerate(rows, start=1):
        text = row.text.replace('"', '""')
        lines.append(f'{i},20/11/2026,Bản Nà Khum,,{plan_labels[row.category]},"{text}"')
    csv.write_text("\n".join(lines), encoding="utf-8")
    from bot.config import parse_settings

    settings = parse_settings(config)
    services = await open_services(settings)
    try:
        texts = load_texts()
        result = await import_forms(services, "BL26", read_forms(csv, settings, texts), csv.name)
        assert len(result.imported) == len(rows)
    finally:
        await services.close()
    import sqlite3

    with sqlite3.connect(tmp_path / "import.sqlite3") as db:
        imported = db.execute(
            "SELECT id, COALESCE(cluster_id, id) FROM questions ORDER BY id"
        ).fetchall()
    by_import = {keys[i]: keys[c - 1] for i, (_, c) in enumerate(imported)}

    # 3. The `cluster` command on the same lines.
    source = tmp_path / "in.jsonl"
    source.write_text(
        "".join(
            json.dumps({"id": r.id, "text": r.text, "category": r.category}, ensure_ascii=False)
            + "\n"
            for r in rows
        ),
        encoding="utf-8",
    )
    out = io.StringIO()
    with redirect_stdout(out):
        assert cluster_cli.run(argparse.Namespace(input=str(source), threshold=None), 65.0) == 0
    by_command = {d["id"]: d["cluster"] for d in map(json.loads, out.getvalue().splitlines())}

    expected = partition(keys, by_command)
    assert any(len(group) > 1 for group in expected)  # the sample does hold duplicates
    assert partition(keys, by_chat) == expected
    assert partition(keys, by_import) == expected


# --- suggested duplicates -----------------------------------------------------------------------

LAND = "Đề nghị cấp giấy chứng nhận quyền sử dụng đất cho các hộ ở Bản Nà Khum đã nộp hồ sơ"
LAND_AGAIN = "xin cap so do cho cac ho ban na khum, nop ho so 2 nam roi"
OTHER_LAND = "Các hộ Bản Nà Khum nộp hồ sơ xin cấp đất ở từ năm 2024 mà chưa có kết quả"


@pytest.fixture
async def office(tmp_path: Path) -> Any:
    harness = Harness(tmp_path / "office.sqlite3", base_config(tmp_path / "office.sqlite3"))
    await harness.start()
    yield harness
    await harness.stop()


async def submit_all(bot: Harness, texts: list[str]) -> None:
    for i, text in enumerate(texts):
        chat = [RESIDENT, OTHER_RESIDENT, 3003, 3004][i]
        await bot.consent(chat)
        await bot.press(chat, "Gửi ý kiến")
        await bot.press(chat, "Đất đai")
        await bot.send(chat, text)
        if "Vẫn gửi ý kiến của tôi" in bot.labels(chat):
            await bot.press(chat, "Vẫn gửi ý kiến của tôi")
        await bot.press(chat, "Bản Nà Khum")
        await bot.press(chat, "Bỏ qua")
        await bot.press(chat, "Gửi")


def seed_pair(bot: Harness) -> None:
    """Two questions in two clusters with an open suggestion between them."""
    with bot.db() as db:
        db.execute("UPDATE questions SET cluster_id = NULL")
        db.execute(
            "INSERT OR IGNORE INTO clusters (id, dialogue_id, updated_at) "
            "SELECT id, dialogue_id, created_at FROM questions"
        )
        db.execute("DELETE FROM suggestions")
        db.execute(
            "INSERT INTO suggestions (dialogue_id, question_id, other_id, confidence, created_at) "
            "VALUES (1, 1, 2, 55.0, '2026-11-23T03:00:00+00:00')"
        )
        db.execute("UPDATE dialogues SET cluster_gen = 'seeded'")


async def test_the_digest_lists_suggested_pairs_and_goiy_merges_one(office: Harness) -> None:
    await submit_all(office, [LAND, OTHER_LAND])
    seed_pair(office)
    await office.send(OFFICIAL, "/tonghop")
    digest = "\n".join(office.api.texts(OFFICIAL)[-3:])
    assert "Có thể trùng" in digest and "BL26-0001 ↔ BL26-0002" in digest
    await office.send(OFFICIAL, "/goiy")
    assert "BL26-0001" in office.last_text(OFFICIAL) and "BL26-0002" in office.last_text(OFFICIAL)
    await office.press(OFFICIAL, "Gộp thành một nhóm")
    assert office.rows("SELECT COALESCE(cluster_id, id) FROM questions ORDER BY id") == [(1,), (1,)]
    assert office.rows("SELECT status, decided_by FROM suggestions") == [
        ("merged", f"telegram:{OFFICIAL}")
    ]
    assert office.rows("SELECT reviewed_by FROM clusters WHERE id = 1") == [
        (f"telegram:{OFFICIAL}",)
    ]
    assert ("merge",) in office.rows("SELECT action FROM audit")
    assert "Đã xem hết" in office.last_text(OFFICIAL)


async def test_a_dismissed_pair_is_kept_apart_and_never_suggested_again(office: Harness) -> None:
    await submit_all(office, [LAND, OTHER_LAND])
    seed_pair(office)
    await office.send(OFFICIAL, "/goiy")
    await office.press(OFFICIAL, "Không trùng")
    assert office.rows("SELECT reason FROM kept_apart") == [("dismissed",)]
    assert office.rows("SELECT status FROM suggestions") == [("dismissed",)]
    assert ("dismiss",) in office.rows("SELECT action FROM audit")
    # A question like both arrives: the two clusters are still not joined nor suggested.
    await submit_all_more(office, LAND_AGAIN)
    clusters = office.rows("SELECT COALESCE(cluster_id, id) FROM questions ORDER BY id")
    assert clusters[0] != clusters[1]
    await office.send(OFFICIAL, "/goiy")
    shown = office.last_text(OFFICIAL)
    assert not ("BL26-0001" in shown and "BL26-0002" in shown and "Có thể trùng" in shown)


async def submit_all_more(bot: Harness, text: str) -> None:
    await bot.consent(3005)
    await bot.press(3005, "Gửi ý kiến")
    await bot.press(3005, "Đất đai")
    await bot.send(3005, text)
    if "Vẫn gửi ý kiến của tôi" in bot.labels(3005):
        await bot.press(3005, "Vẫn gửi ý kiến của tôi")
    await bot.press(3005, "Bản Nà Khum")
    await bot.press(3005, "Bỏ qua")
    await bot.press(3005, "Gửi")


async def test_later_keeps_a_pair_open_and_residents_cannot_review(office: Harness) -> None:
    await submit_all(office, [LAND, OTHER_LAND])
    seed_pair(office)
    refused = await office.send(RESIDENT, "/goiy")
    assert "cán bộ" in refused[-1].text.lower()
    await office.send(OFFICIAL, "/goiy")
    await office.press(OFFICIAL, "Để sau")
    assert office.rows("SELECT status FROM suggestions") == [("open",)]
    assert "Đã xem hết" in office.last_text(OFFICIAL)


# --- the answer's preview -----------------------------------------------------------------------


async def test_the_answer_preview_names_members_and_can_leave_one_out(office: Harness) -> None:
    await submit_all(office, [LAND, LAND_AGAIN, OTHER_LAND])
    with office.db() as db:  # the engine put all three together, unchecked by anyone
        db.execute("UPDATE questions SET cluster_id = 1, clustered_by = NULL WHERE id > 1")
        db.execute("DELETE FROM clusters WHERE id > 1")
        db.execute("UPDATE dialogues SET cluster_gen = 'seeded'")
    await office.send(OFFICIAL, "/traloi BL26-0001")
    preview = office.last_text(OFFICIAL)
    assert "3 người" in preview or "tới 3" in preview
    assert preview.count("chưa cán bộ nào xem") == 2
    await office.press(OFFICIAL, "Bỏ ra số 3")
    assert "Đã tách BL26-0003" in office.last_text(OFFICIAL)
    assert office.rows("SELECT COALESCE(cluster_id, id) FROM questions ORDER BY id") == [
        (1,),
        (1,),
        (3,),
    ]
    assert "tới 2 người" in office.last_text(OFFICIAL)
    await office.press(OFFICIAL, "Viết câu trả lời")
    await office.send(OFFICIAL, "Xã sẽ cấp giấy chứng nhận cho các hộ trong quý I năm 2027.")
    await office.press(OFFICIAL, "Ghi nhận và báo người dân")
    assert office.rows(
        "SELECT id, answer IS NOT NULL, reviewed_by IS NOT NULL FROM clusters ORDER BY id"
    ) == [(1, 1, 1), (3, 0, 1)]  # both decided by an official
    # The left-out question is never put back by the engine.
    assert office.rows("SELECT reason FROM kept_apart") == [("split",), ("split",)]
