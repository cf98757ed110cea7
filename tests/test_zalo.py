"""The resident's path on Zalo: real Services/Engine on a SQLite file, a fake Zalo Bot API on
127.0.0.1, and the real adapter in both of its modes (long polling and webhook)."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from bot.config import parse_settings
from bot.limiter import Limiter
from bot.outbox import Blocked, Outbox, RetryLater, Transient
from bot.services import Services, open_services
from bot.zalo_channel import (
    MESSAGE_LIMIT,
    ZaloApiError,
    ZaloChannel,
    ZaloClient,
    ZaloSender,
    render,
    to_inbound,
)
from domain.models import DeliveryStatus
from domain.texts import load_texts
from handlers.io import Choice, Kind, Reply
from tests.fakes.zalo_api import TOKEN, FakeZaloApi
from tests.harness import MutableClock, base_config

RESIDENT = "e4ea2cd5189df1c3a88c"
OTHER = "7a1b2c3d4e5f60718293"
OFFICIAL = "0f9e8d7c6b5a49382716"
SECRET = "bi-mat-webhook-cua-xa"
WEBHOOK_URL = "https://bot.binhlu.gov.vn/zalo/webhook"
QUESTION = "Đường liên thôn qua Bản Nà Khum bị sụt lún, đề nghị sửa chữa sớm"
T = load_texts("vi")


async def until(condition: Callable[[], bool], within: float = 5.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met in time")
        await asyncio.sleep(0.005)


class ZaloWorld:
    """One bot process on Zalo: the fake API, the shared services and the Zalo channel."""

    def __init__(self, db_path: Path, mode: str) -> None:
        self.db_path = db_path
        self.mode = mode
        self.api = FakeZaloApi()
        self.clock = MutableClock()

    async def start(self) -> None:
        base_url = await self.api.start()
        config: dict[str, Any] = base_config(self.db_path)
        config["roles"]["officials"].append(f"zalo:{OFFICIAL}")
        config["zalo"] = {
            "token": TOKEN,
            "base_url": base_url,
            "mode": self.mode,
            "webhook_url": WEBHOOK_URL,
            "webhook_secret": SECRET,
            "listen": "127.0.0.1",
            "port": 0,  # any free port; the channel reports the one it got
            "per_second": 200,
        }
        self.settings = parse_settings(config)
        await self.start_bot()

    async def start_bot(self) -> None:
        """The bot's side: services on the database and the Zalo channel (a new process)."""
        self.services: Services = await open_services(self.settings, clock=self.clock)
        self.channel = ZaloChannel(
            self.settings.zalo, self.services, poll_timeout=2, backoff_min=0.05
        )
        await self.channel.start()
        if self.mode == "webhook":
            address = self.channel.address
            assert address is not None
            # Zalo would POST to the public https URL; the fake posts to our local server.
            self.api.webhook_target = f"http://{address[0]}:{address[1]}{self.channel.webhook_path}"

    async def stop(self) -> None:
        await self.channel.stop()
        await self.services.close()
        await self.api.stop()

    async def deliver(self, update: dict[str, Any]) -> None:
        """Zalo hands the update over (getUpdates or webhook); wait until it is fully handled."""
        target = self.channel.processed + 1
        if self.mode == "polling":
            self.api.push(update)
        else:
            assert await self.api.deliver(update) == 200
        await until(lambda: self.channel.processed >= target)
        await self.channel.idle()

    async def say(self, user: str, text: str) -> list[str]:
        before = len(self.api.by_chat[user])
        await self.deliver(self.api.text_update(user, text))
        return self.api.texts(user)[before:]

    def rows(self, sql: str, *params: object) -> list[tuple[Any, ...]]:
        conn = sqlite3.connect(self.db_path)
        try:
            return list(conn.execute(sql, params))
        finally:
            conn.close()

    async def to_preview(self, user: str) -> None:
        await self.say(user, "/start")
        await self.say(user, "1")  # Tôi đồng ý
        await self.say(user, "Gửi ý kiến")
        await self.say(user, "Hạ tầng")
        await self.say(user, QUESTION)
        await self.say(user, "Bản Nà Khum")
        await self.say(user, "Bỏ qua")


@pytest.fixture(params=["polling", "webhook"])
async def zalo(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[ZaloWorld]:
    world = ZaloWorld(tmp_path / "bot.sqlite3", request.param)
    await world.start()
    try:
        yield world
    finally:
        await world.stop()


@pytest.fixture
async def webhook(tmp_path: Path) -> AsyncIterator[ZaloWorld]:
    world = ZaloWorld(tmp_path / "bot.sqlite3", "webhook")
    await world.start()
    try:
        yield world
    finally:
        await world.stop()


@pytest.fixture
async def fake_api() -> AsyncIterator[FakeZaloApi]:
    api = FakeZaloApi()
    await api.start()
    try:
        yield api
    finally:
        await api.stop()


# --- the resident's path, both modes ----------------------------------------------------------


async def test_start_registers_the_right_way_to_receive(zalo: ZaloWorld) -> None:
    assert zalo.api.calls_of("getMe")
    if zalo.mode == "polling":
        assert zalo.api.calls_of("deleteWebhook")
        assert not zalo.api.calls_of("setWebhook")
        # The long poll asks for the configured time, as a string of seconds.
        await until(lambda: bool(zalo.api.calls_of("getUpdates")))
        assert zalo.api.calls_of("getUpdates")[0] == {"timeout": "2"}
    else:
        assert zalo.api.calls_of("setWebhook") == [{"url": WEBHOOK_URL, "secret_token": SECRET}]
        assert not zalo.api.calls_of("getUpdates")


async def test_submission_by_typing_numbers_labels_and_plain_letters(zalo: ZaloWorld) -> None:
    (consent,) = await zalo.say(RESIDENT, "/start")
    assert "xã Bình Lư" in consent
    assert consent.endswith("\n1. Tôi đồng ý\n2. Không đồng ý")
    assert zalo.rows("SELECT COUNT(*) FROM residents") == [(0,)]

    menu = await zalo.say(RESIDENT, "1")  # the number of “Tôi đồng ý”
    assert menu[-1].endswith(
        "\n1. Gửi ý kiến\n2. Ý kiến của tôi\n3. Thông tin hội nghị\n4. Hướng dẫn"
    )
    categories = await zalo.say(RESIDENT, "1")  # “Gửi ý kiến” by its number
    assert categories[-1].endswith("\n1. Đất đai\n2. Chính sách xã hội\n3. Hạ tầng\n4. Khác")
    prompt = await zalo.say(RESIDENT, "dat dai")  # “Đất đai” typed without diacritics
    assert "không quá 300 chữ" in prompt[-1]
    villages = await zalo.say(RESIDENT, QUESTION)
    assert villages[-1].endswith("\n1. Bản Nà Khum\n2. Bản Vàng Bó\n3. Khu dân cư Bình Lư")
    name = await zalo.say(RESIDENT, "Bản Vàng Bó")  # a label, exactly as shown
    assert name[-1].endswith("\n1. Bỏ qua")
    preview = await zalo.say(RESIDENT, "Lò Thị Hoa")
    for part in ("Đất đai", "Bản Vàng Bó", "Lò Thị Hoa", QUESTION):
        assert part in preview[-1]
    assert preview[-1].endswith("\n1. Gửi\n2. Sửa nội dung\n3. Hủy")
    receipt = await zalo.say(RESIDENT, "gui")  # “Gửi” without diacritics
    assert "Mã tiếp nhận: BL26-0001" in receipt[-1]

    assert zalo.rows(
        "SELECT q.receipt_code, q.category, q.village, q.author_name, r.channel, r.chat_id, "
        "r.user_id FROM questions q JOIN residents r ON r.id = q.resident_id"
    ) == [("BL26-0001", "land", "Bản Vàng Bó", "Lò Thị Hoa", "zalo", RESIDENT, RESIDENT)]
    # Nothing of Telegram leaked out: no payloads, no buttons, only text within Zalo's limit.
    for sent in zalo.api.sent:
        assert sent.kind == "text"
        assert 1 <= len(sent.text) <= MESSAGE_LIMIT
        assert "|" not in sent.text


async def test_stickers_and_images_get_the_polite_refusal(zalo: ZaloWorld) -> None:
    await zalo.say(RESIDENT, "/start")
    await zalo.say(RESIDENT, "1")
    for update in (zalo.api.sticker_update(RESIDENT), zalo.api.image_update(RESIDENT)):
        before = len(zalo.api.by_chat[RESIDENT])
        await zalo.deliver(update)
        replies = zalo.api.texts(RESIDENT)[before:]
        assert len(replies) == 1
        assert replies[0].startswith(T("input.unsupported"))
        # The resident is shown where they were, as a list to answer from.
        assert "\n1. Gửi ý kiến" in replies[0]
    assert zalo.rows("SELECT COUNT(*) FROM questions") == [(0,)]


async def test_a_redelivered_message_makes_one_question_not_two(zalo: ZaloWorld) -> None:
    await zalo.to_preview(RESIDENT)
    confirm = zalo.api.text_update(RESIDENT, "1")
    await zalo.deliver(confirm)
    sent = len(zalo.api.by_chat[RESIDENT])
    assert "BL26-0001" in zalo.api.last(RESIDENT)
    await zalo.deliver(confirm)  # Zalo sends the same message_id again
    assert len(zalo.api.by_chat[RESIDENT]) == sent
    assert zalo.rows("SELECT receipt_code FROM questions") == [("BL26-0001",)]


async def test_a_long_reply_is_split_within_the_limit(zalo: ZaloWorld) -> None:
    await zalo.say(RESIDENT, "/start")
    await zalo.say(RESIDENT, "1")
    await zalo.say(RESIDENT, "1")
    await zalo.say(RESIDENT, "Hạ tầng")
    sentences = [
        f"Câu số {i}: đoạn đường từ nhà văn hóa đến trường tiểu học bị ngập khi mưa lớn."
        for i in range(40)
    ]
    too_long = " ".join(sentences)
    assert len(too_long) > 3000
    replies = await zalo.say(RESIDENT, too_long)
    # The engine echoes the text so the resident can shorten it: far more than one message.
    assert len(replies) >= 2
    assert all(1 <= len(part) <= MESSAGE_LIMIT for part in replies)
    joined = "\n".join(replies)
    assert all(sentence in joined for sentence in sentences)  # cut between sentences only
    assert zalo.rows("SELECT COUNT(*) FROM questions") == [(0,)]


async def test_zalo_roles_come_from_the_same_roles_lists(zalo: ZaloWorld) -> None:
    refused = T("roles.officials_only")
    assert any(refused in text for text in await zalo.say(RESIDENT, "/thongke"))
    assert not any(refused in text for text in await zalo.say(OFFICIAL, "/thongke"))


async def test_an_outbox_delivery_reaches_the_zalo_chat(zalo: ZaloWorld) -> None:
    store, now = zalo.services.store, zalo.clock()
    answer = "Trả lời ý kiến BL26-0001: UBND xã đã giao sửa đường trong quý I năm 2027."
    long_notice = "\n".join(f"Dòng {i}: thông báo kết luận hội nghị đối thoại." for i in range(90))
    async with store.transaction() as tx:
        await tx.add_delivery(
            channel="zalo",
            chat_id=RESIDENT,
            kind="answer",
            ref="q1",
            text=answer,
            status=DeliveryStatus.PENDING,
            at=now,
        )
        await tx.add_delivery(
            channel="zalo",
            chat_id=RESIDENT,
            kind="conclusion",
            ref="c1",
            text=long_notice,
            status=DeliveryStatus.PENDING,
            at=now,
        )
        await tx.add_delivery(
            channel="zalo",
            chat_id=OTHER,
            kind="answer",
            ref="q2",
            text=answer,
            status=DeliveryStatus.PENDING,
            at=now,
        )
    zalo.api.blocked.add(OTHER)
    # Zalo asks us to slow down once: the outbox waits and sends, nothing is lost.
    zalo.api.failures["sendMessage"].append((429, {"parameters": {"retry_after": 0.05}}))
    outbox = Outbox(store, zalo.clock, {"zalo": zalo.channel.sender})
    assert await outbox.flush() == 2
    texts = zalo.api.texts(RESIDENT)
    assert texts[0] == answer
    assert len(texts) >= 3 and all(len(t) <= MESSAGE_LIMIT for t in texts)
    assert "\n".join(texts[1:]) == long_notice  # cut at line breaks, nothing dropped
    assert zalo.api.texts(OTHER) == []
    assert zalo.rows("SELECT ref, status FROM deliveries ORDER BY ref") == [
        ("c1", "sent"),
        ("q1", "sent"),
        ("q2", "blocked"),
    ]


# --- the webhook's door ---------------------------------------------------------------------


async def test_webhook_rejects_a_wrong_or_missing_secret_and_changes_nothing(
    webhook: ZaloWorld,
) -> None:
    api = webhook.api
    update = api.text_update(RESIDENT, "/start")
    assert await api.deliver(update, secret="not-the-secret") == 403
    assert await api.deliver(update, secret="") == 401  # no header at all
    # The header is checked before the body is read: garbage with a bad secret is just refused.
    assert await api.deliver(b"{not json", secret="not-the-secret") == 403
    assert await api.deliver(b"{not json") == 400
    assert await api.deliver({"message": {"text": "no event"}}) == 400
    await asyncio.sleep(0.05)
    await webhook.channel.idle()
    assert webhook.channel.processed == 0
    assert api.sent == []
    assert webhook.rows("SELECT COUNT(*) FROM processed_updates") == [(0,)]
    assert webhook.rows("SELECT COUNT(*) FROM conversations") == [(0,)]
    # The refused delivery left no mark: the genuine one with the same message_id still counts.
    await webhook.deliver(update)
    assert "xã Bình Lư" in api.last(RESIDENT)


async def test_webhook_answers_before_processing(webhook: ZaloWorld) -> None:
    started = asyncio.Event()
    release = asyncio.Event()
    engine = webhook.services.engine
    original = engine.handle

    async def slow(inbound: Any) -> Any:
        started.set()
        await release.wait()
        return await original(inbound)

    engine.handle = slow  # type: ignore[method-assign]
    assert await webhook.api.deliver(webhook.api.text_update(RESIDENT, "/start")) == 200
    await asyncio.wait_for(started.wait(), 2)
    assert webhook.api.sent == []  # answered 200 while the update was still being handled
    release.set()
    await until(lambda: webhook.channel.processed == 1)
    assert "xã Bình Lư" in webhook.api.last(RESIDENT)


async def test_webhook_errors_while_processing_are_logged_and_told(
    webhook: ZaloWorld, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(inbound: Any) -> Any:
        raise RuntimeError("database on fire")

    webhook.services.engine.handle = broken  # type: ignore[method-assign]
    await webhook.deliver(webhook.api.text_update(RESIDENT, "/start"))
    assert "database on fire" in caplog.text
    assert webhook.api.texts(RESIDENT) == [T("error.internal")]


# --- polling loop -------------------------------------------------------------------------


async def test_polling_backs_off_on_errors_and_recovers(tmp_path: Path) -> None:
    world = ZaloWorld(tmp_path / "bot.sqlite3", "polling")
    world.api.failures["getUpdates"] += [(502, {}), (500, {}), (408, {})]
    await world.start()
    try:
        assert "xã Bình Lư" in (await world.say(RESIDENT, "/start"))[0]
        assert len(world.api.calls_of("getUpdates")) >= 4
    finally:
        started = time.monotonic()
        await world.stop()
        # A pending long poll does not hold the shutdown up.
        assert time.monotonic() - started < 1.5


# --- the client and the edges ---------------------------------------------------------------


async def test_client_maps_errors_to_outbox_exceptions(fake_api: FakeZaloApi) -> None:
    client = ZaloClient(TOKEN, fake_api.base_url)
    try:
        fake_api.failures["getUpdates"].append((408, {"description": "Request timeout"}))
        assert await client.get_updates(5) == []  # an idle poll is not an error
        fake_api.failures["sendMessage"] += [
            (429, {"parameters": {"retry_after": 7}}),
            (429, {}),
            (500, {}),
            (400, {"description": "Bad Request: user not found"}),
            (400, {"description": "Bad Request: text"}),
        ]
        with pytest.raises(RetryLater) as slow:
            await client.send_message(RESIDENT, "a")
        assert slow.value.seconds == 7
        with pytest.raises(RetryLater):
            await client.send_message(RESIDENT, "a")
        with pytest.raises(Transient):
            await client.send_message(RESIDENT, "a")
        with pytest.raises(Blocked):
            await client.send_message(RESIDENT, "a")
        with pytest.raises(ZaloApiError) as bad:
            await client.send_message(RESIDENT, "a")
        assert bad.value.code == 400
        fake_api.blocked.add(OTHER)
        with pytest.raises(Blocked):
            await client.send_message(OTHER, "a")
    finally:
        await client.aclose()

    wrong = ZaloClient("1:wrong-token-xyz", fake_api.base_url)
    try:
        with pytest.raises(ZaloApiError) as denied:
            await wrong.get_me()
        assert denied.value.code == 401
        assert "wrong-token" not in str(denied.value)
    finally:
        await wrong.aclose()

    down = ZaloClient(TOKEN, "http://127.0.0.1:9")  # nothing listens on the discard port
    try:
        with pytest.raises(Transient) as lost:
            await down.send_message(RESIDENT, "a")
        assert TOKEN not in str(lost.value)
    finally:
        await down.aclose()


async def test_files_become_a_note_and_actions_are_sent(fake_api: FakeZaloApi) -> None:
    client = ZaloClient(TOKEN, fake_api.base_url)
    try:
        sender = ZaloSender(client, Limiter(1000), texts=T)
        await sender.send_file(RESIDENT, b"x" * 5000, "bao-cao.docx", "document", "Báo cáo")
        (note,) = fake_api.texts(RESIDENT)
        assert "bao-cao.docx" in note and "Báo cáo" in note
        await client.send_chat_action(RESIDENT, "typing")
        assert fake_api.actions == [(RESIDENT, "typing")]
        await client.send_photo(RESIDENT, "https://example.org/chart.png", "Biểu đồ")
        assert fake_api.by_chat[RESIDENT][-1].photo == "https://example.org/chart.png"
    finally:
        await client.aclose()


async def test_sender_paces_messages(fake_api: FakeZaloApi) -> None:
    client = ZaloClient(TOKEN, fake_api.base_url)
    try:
        sender = ZaloSender(client, Limiter(20))
        started = time.monotonic()
        for i in range(5):
            await sender.send_text(RESIDENT, f"tin {i}")
        # Five messages at 20 a second: at least four intervals of 50 ms.
        assert time.monotonic() - started >= 0.19
    finally:
        await client.aclose()


def test_to_inbound_reads_zalo_shapes() -> None:
    message = {
        "from": {"id": RESIDENT, "display_name": "Lò Văn Minh", "is_bot": False},
        "chat": {"id": RESIDENT, "chat_type": "PRIVATE"},
        "message_id": "16f6366b3f02645a3d15",
        "date": 1766619597466,
        "text": "/huy",
    }
    inbound = to_inbound({"event_name": "message.text.received", "message": message})
    assert inbound is not None
    assert (inbound.channel, inbound.chat_id, inbound.kind, inbound.text) == (
        "zalo",
        RESIDENT,
        Kind.TEXT,
        "/huy",
    )
    assert inbound.update_key == "16f6366b3f02645a3d15"
    assert inbound.person == f"zalo:{RESIDENT}"
    sticker = to_inbound({"event_name": "message.sticker.received", "message": message})
    assert sticker is not None and sticker.kind is Kind.UNSUPPORTED
    group = {**message, "chat": {"id": "g1", "chat_type": "GROUP"}}
    assert to_inbound({"event_name": "message.text.received", "message": group}) is None
    bot = {**message, "from": {"id": "b1", "is_bot": True}}
    assert to_inbound({"event_name": "message.text.received", "message": bot}) is None
    assert to_inbound({"event_name": "message.text.received"}) is None


def test_render_numbers_the_choices() -> None:
    reply = Reply("Ông/bà muốn làm gì?", (Choice("send", "Gửi ý kiến"), Choice("mine", "Của tôi")))
    assert render(reply) == "Ông/bà muốn làm gì?\n1. Gửi ý kiến\n2. Của tôi"
    assert render(Reply("Chỉ chữ")) == "Chỉ chữ"
