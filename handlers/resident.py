"""The resident's conversation: consent, menu, sending a question, my questions, my data.

Steps (state.step): menu · offer_draft · pick_dialogue · pick_category · write_text ·
complaint_notice · pick_similar · pick_village · write_name · preview · my_data ·
confirm_forget.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from domain.categories import OTHER
from domain.dedupe import looks_like_complaint, suggest_category
from domain.models import Consent, Dialogue, NewQuestion, Question
from domain.normalize import fold
from domain.timefmt import fmt_date, fmt_datetime
from handlers.common import RECEIPT_RE, parse_code, snippet
from handlers.engine import Flows, Turn, match_choice, parse_command
from handlers.io import Choice, Kind, Reply

MENU, OFFER_DRAFT = "menu", "offer_draft"
PICK_DIALOGUE, PICK_CATEGORY, WRITE_TEXT = "pick_dialogue", "pick_category", "write_text"
PICK_VILLAGE, WRITE_NAME, PREVIEW = "pick_village", "write_name", "preview"
MY_DATA, CONFIRM_FORGET = "my_data", "confirm_forget"
COMPLAINT, PICK_SIMILAR = "complaint_notice", "pick_similar"
HOME_VILLAGE = "home_village"
# What people type to stop notices, folded (no diacritics, lower case).
STOP_WORDS = frozenset(
    {
        "stop",
        "dung",
        "dung lai",
        "tat thong bao",
        "huy dang ky",
        "ngung nhan thong bao",
        "khong nhan thong bao",
        "dung gui",
    }
)
SIMILAR_SHOWN = 3

# Commands that work before the data notice is agreed to: staff tools, which store nothing.
NO_CONSENT_COMMANDS = frozenset({"thongke", "nhapphieu"})
HELP_COMMANDS = frozenset({"help", "trogiup"})

MAX_LISTED = 20


class ResidentFlows(Flows):
    # --- entry points the engine calls ----------------------------------------------------

    def needs_consent(self, command: str) -> bool:
        return command not in NO_CONSENT_COMMANDS

    async def on_unconsented(self, turn: Turn) -> None:
        consent_choices = self._consent_choices(turn)
        inbound = turn.inbound
        key: str | None = None
        command = parse_command(inbound.text) if inbound.kind is Kind.TEXT else None
        if inbound.kind is Kind.CHOICE:
            key = inbound.payload.partition("|")[2] or None
        elif inbound.kind is Kind.TEXT and command is None:
            key = match_choice(inbound.text, [(c.key, c.label) for c in consent_choices])
        if key == "agree":
            turn.resident = await turn.tx.record_consent(
                inbound.channel, inbound.chat_id, inbound.user_id, Consent.GRANTED, turn.now
            )
            turn.state.step, turn.state.data = MENU, {}
            await self.show_menu(turn, turn.t("consent.thanks"))
            return
        if key == "decline":
            turn.resident = await turn.tx.record_consent(
                inbound.channel, inbound.chat_id, inbound.user_id, Consent.DECLINED, turn.now
            )
            turn.say(turn.t("consent.declined"))
            return
        lead = ""
        if turn.resident is not None and turn.resident.consent is Consent.DECLINED:
            lead = turn.t("consent.declined_before") + "\n\n"
        elif inbound.kind is Kind.UNSUPPORTED:
            lead = turn.t("input.unsupported") + "\n\n"
        elif command is not None and command[0] in HELP_COMMANDS:
            lead = turn.t("help.text") + "\n\n"
        turn.replies.append(
            _reply(
                lead
                + await self._greeting(turn)
                + "\n\n"
                + turn.t("consent.request", commune=turn.plan.commune.name),
                consent_choices,
            )
        )

    async def on_command(self, turn: Turn, command: str, argument: str) -> None:
        if command == "start":
            turn.state.data = {}
            await self.show_menu(turn, await self._greeting(turn))
        elif command in ("cancel", "huy"):
            busy = turn.state.step != MENU
            turn.state.data = {}
            await self.show_menu(turn, turn.t("cancel.done" if busy else "cancel.nothing"))
        elif command in ("help", "trogiup"):
            await self.show_menu(turn, turn.t("help.text"))
        elif command == "gui":
            turn.state.data = {}
            await self.start_send(turn)
        elif command == "cuatoi":
            await self.show_mine(turn)
        elif command == "hoinghi":
            await self.show_about(turn)
        elif command == "dulieu":
            await self.show_my_data(turn)
        elif command == "tracuu":
            await self.lookup(turn, argument)
        elif command == "thongke":
            await self.show_statistics(turn)
        elif command == "nhapphieu":
            if not turn.can_enter_paper:
                turn.persist = turn.resident is not None
                turn.say(turn.t("roles.collectors_only"))
                return
            turn.state.data = {"proxy": True}
            await self.start_send(turn)
        elif command in ("tatthongbao", "stop"):
            await self.set_notices(turn, False)
        elif command == "batthongbao":
            await self.set_notices(turn, True)
        elif command == "thon":
            await self._ask_home_village(turn)
        else:
            await self.reprompt(turn, turn.t("input.unknown_command", command=command))

    async def on_choice(self, turn: Turn, key: str) -> None:
        step = turn.state.step
        if step == MENU:
            await self._menu_choice(turn, key)
        elif step == OFFER_DRAFT:
            if key == "yes":
                await self.start_send(turn)
            else:
                turn.state.data = {}
                await self.show_menu(turn, turn.t("draft.dropped"))
        elif step == PICK_DIALOGUE:
            turn.state.data["dialogue"] = key
            await self._after_dialogue(turn)
        elif step == PICK_CATEGORY:
            turn.state.data["category"] = key
            await self._after_category(turn)
        elif step == COMPLAINT:
            if key == "go":
                turn.state.data["flag"] = "complaint"
                await self._offer_similar(turn)
            else:
                await self.show_menu(turn, turn.t("send.cancelled"))
        elif step == PICK_SIMILAR:
            if key == "own":
                await self._ask_village(turn)
            else:
                await self._back(turn, int(key[1:]))
        elif step == PICK_VILLAGE:
            turn.state.data["village"] = turn.plan.commune.villages[int(key)]
            await self._ask_name(turn)
        elif step == HOME_VILLAGE:
            assert turn.resident is not None
            village = turn.plan.commune.villages[int(key)]
            await turn.tx.update_profile(turn.resident.id, village, turn.resident.name)
            await self.show_menu(turn, turn.t("notices.village_set", village=village))
        elif step == WRITE_NAME:
            turn.state.data["name"] = None
            await self._preview(turn)
        elif step == PREVIEW:
            await self._preview_choice(turn, key)
        elif step == MY_DATA:
            if key == "forget":
                turn.ask(
                    CONFIRM_FORGET,
                    turn.t("data.confirm_forget"),
                    [Choice("yes", turn.t("data.yes_forget")), Choice("no", turn.t("common.back"))],
                )
            else:
                await self.show_menu(turn)
        elif step == CONFIRM_FORGET:
            if key == "yes" and turn.resident is not None:
                kept = await turn.tx.forget_resident(turn.resident.id)
                turn.resident = None
                turn.say(turn.t("data.forgotten", kept=kept))
            else:
                await self.show_menu(turn)
        else:
            await self.show_menu(turn)

    async def on_text(self, turn: Turn, text: str) -> None:
        step = turn.state.step
        if not text.strip():
            await self.reprompt(turn, turn.t("input.empty"))
        elif step == WRITE_TEXT:
            await self._take_text(turn, text)
        elif step == WRITE_NAME:
            await self._take_name(turn, text)
        elif step == MENU:
            await self._menu_text(turn, text)
        else:
            await self.reprompt(turn, turn.t("input.pick_one"))

    async def on_unsupported(self, turn: Turn) -> None:
        await self.reprompt(turn, turn.t("input.unsupported"))

    async def on_stale_choice(self, turn: Turn) -> None:
        # Nothing changes: a double tap or an old button must not repeat or undo a step.
        turn.toast = turn.t("input.stale_button")
        turn.persist = False

    # --- menu ----------------------------------------------------------------------------

    def _menu_choices(self, turn: Turn) -> list[Choice]:
        return [
            Choice("send", turn.t("menu.send")),
            Choice("mine", turn.t("menu.mine")),
            Choice("about", turn.t("menu.about")),
            Choice("help", turn.t("menu.help")),
        ]

    async def show_menu(self, turn: Turn, lead: str | None = None) -> None:
        text = turn.t("menu.prompt")
        if lead:
            text = f"{lead}\n\n{text}"
        turn.state.data = {}
        turn.ask(MENU, text, self._menu_choices(turn))

    async def _menu_choice(self, turn: Turn, key: str) -> None:
        if key == "send":
            await self.start_send(turn)
        elif key == "mine":
            await self.show_mine(turn)
        elif key == "about":
            await self.show_about(turn)
        else:
            await self.show_menu(turn, turn.t("help.text"))

    async def _menu_text(self, turn: Turn, text: str) -> None:
        if fold(text).strip(" .!") in STOP_WORDS:
            await self.set_notices(turn, False)
            return
        if RECEIPT_RE.match(text):
            await self.lookup(turn, text)
            return
        limits = turn.plan.limits
        if len(text.strip()) >= limits.question_min_chars:
            # Many people simply type their question; offer to send it rather than refuse it.
            turn.state.data = {"draft": text.strip()}
            turn.ask(
                OFFER_DRAFT,
                turn.t("draft.offer", text=snippet(text, 200)),
                [Choice("yes", turn.t("draft.yes")), Choice("no", turn.t("draft.no"))],
            )
            return
        await self.show_menu(turn, turn.t("input.not_understood"))

    async def reprompt(self, turn: Turn, lead: str) -> None:
        """Say what went wrong, then ask the current step's question again."""
        step = turn.state.step
        if step == WRITE_TEXT:
            await self._ask_text(turn, lead)
        elif step == WRITE_NAME:
            await self._ask_name(turn, lead)
        elif step == PICK_DIALOGUE:
            await self._ask_dialogue(turn, lead)
        elif step == PICK_CATEGORY:
            await self._ask_category(turn, lead)
        elif step == PICK_VILLAGE:
            await self._ask_village(turn, lead)
        elif step == PREVIEW:
            await self._preview(turn, lead)
        elif turn.state.choices:
            turn.ask(
                step,
                lead + "\n\n" + turn.t("input.choose_from"),
                [Choice(k, label) for k, label in turn.state.choices],
            )
        else:
            await self.show_menu(turn, lead)

    # --- sending a question -------------------------------------------------------------

    async def _open_dialogues(self, turn: Turn) -> list[Dialogue]:
        return [d for d in await turn.tx.dialogues() if d.is_open(turn.now)]

    async def start_send(self, turn: Turn) -> None:
        draft = turn.state.data.get("draft")
        proxy = bool(turn.state.data.get("proxy"))
        turn.state.data = {} if draft is None else {"text": draft}
        if proxy:
            turn.state.data["proxy"] = True
        opened = await self._open_dialogues(turn)
        if not opened:
            await self.show_menu(turn, await self._closed_notice(turn))
        elif len(opened) == 1:
            turn.state.data["dialogue"] = opened[0].code
            await self._after_dialogue(turn)
        else:
            await self._ask_dialogue(turn)

    async def _ask_dialogue(self, turn: Turn, lead: str = "") -> None:
        opened = await self._open_dialogues(turn)
        if not opened:
            await self.show_menu(turn, await self._closed_notice(turn))
            return
        lines = [
            turn.t("send.dialogue_line", title=d.title, deadline=fmt_datetime(d.deadline, d.tz))
            for d in opened
        ]
        turn.ask(
            PICK_DIALOGUE,
            _lead(lead) + turn.t("send.pick_dialogue", dialogues="\n".join(lines)),
            [Choice(d.code, d.title) for d in opened],
        )

    async def _current_dialogue(self, turn: Turn) -> Dialogue | None:
        code = turn.state.data.get("dialogue")
        return await turn.tx.dialogue_by_code(code) if isinstance(code, str) else None

    async def _after_dialogue(self, turn: Turn) -> None:
        dialogue = await self._current_dialogue(turn)
        if dialogue is None or not dialogue.is_open(turn.now):
            await self.show_menu(turn, await self._closed_notice(turn, dialogue))
            return
        await self._ask_category(turn)

    async def _ask_category(self, turn: Turn, lead: str = "") -> None:
        dialogue = await self._current_dialogue(turn)
        if dialogue is None:
            await self.show_menu(turn)
            return
        choices = [Choice(key, turn.plan.category_label(key)) for key in dialogue.categories]
        turn.ask(
            PICK_CATEGORY, _lead(lead) + turn.t("send.pick_category", title=dialogue.title), choices
        )

    async def _after_category(self, turn: Turn) -> None:
        text = turn.state.data.get("text")
        if isinstance(text, str):
            problem = self._text_problem(turn, text)
            if problem is None:
                await self._after_text(turn)
                return
            await self._ask_text(turn, problem)
            return
        await self._ask_text(turn)

    async def _ask_text(self, turn: Turn, lead: str = "") -> None:
        limits = turn.plan.limits
        key = "send.write_text_again" if turn.state.data.get("editing") else "send.write_text"
        turn.ask(
            WRITE_TEXT,
            _lead(lead) + turn.t(key, min=limits.question_min_chars, max=limits.question_max_chars),
        )

    def _text_problem(self, turn: Turn, text: str) -> str | None:
        limits = turn.plan.limits
        length = len(text)
        if length < limits.question_min_chars:
            return turn.t("send.too_short", length=length, min=limits.question_min_chars)
        if length > limits.question_max_chars:
            # The text is echoed back so that nothing typed is lost; the resident shortens it.
            return turn.t("send.too_long", length=length, max=limits.question_max_chars, text=text)
        return None

    async def _take_text(self, turn: Turn, raw: str) -> None:
        text = raw.strip()
        problem = self._text_problem(turn, text)
        if problem is not None:
            turn.state.data.pop("text", None)
            await self._ask_text(turn, problem)
            return
        turn.state.data["text"] = text
        if turn.state.data.get("editing"):
            turn.state.data.pop("editing")
            await self._preview(turn)
        else:
            await self._after_text(turn)

    async def _after_text(self, turn: Turn) -> None:
        text = str(turn.state.data["text"])
        if turn.state.data.get("proxy"):
            # Typed in from a paper form: nobody to advise in the chat, so the office is told
            # through the flag, and the form's author cannot back another question here.
            if looks_like_complaint(text):
                turn.state.data["flag"] = "complaint"
            await self._ask_village(turn)
            return
        if looks_like_complaint(text):
            # Complaints go to the citizen reception by law; the resident is told where, and
            # may still send the text as a question, flagged for the office.
            turn.ask(
                COMPLAINT,
                turn.t("send.complaint", reception=turn.plan.commune.citizen_reception),
                [
                    Choice("go", turn.t("send.complaint_go")),
                    Choice("cancel", turn.t("send.cancel")),
                ],
            )
            return
        await self._offer_similar(turn)

    async def _offer_similar(self, turn: Turn) -> None:
        dialogue = await self._current_dialogue(turn)
        assert dialogue is not None and turn.resident is not None
        text = str(turn.state.data["text"])
        found = await turn.finder.similar(turn.tx, dialogue.id, text, limit=SIMILAR_SHOWN * 3)
        by_id = {q.id: q for q in await turn.tx.questions_by_ids([qid for qid, _ in found])}
        shown: list[Question] = []
        clusters: set[int] = set()
        for qid, _ in found:
            q = by_id.get(qid)
            # One line per cluster, and never the resident's own questions.
            if q is None or q.resident_id == turn.resident.id or q.cluster_id in clusters:
                continue
            shown.append(q)
            clusters.add(q.cluster_id)
            if len(shown) == SIMILAR_SHOWN:
                break
        if not shown:
            await self._ask_village(turn)
            return
        people = await turn.tx.backers([q.cluster_id for q in shown])
        lines = [
            turn.t(
                "send.similar_line",
                n=i,
                text=snippet(q.text, 200),
                people=people.get(q.cluster_id, 1),
            )
            for i, q in enumerate(shown, start=1)
        ]
        choices = [
            Choice(f"b{q.id}", turn.t("send.back_this", n=i)) for i, q in enumerate(shown, start=1)
        ]
        choices.append(Choice("own", turn.t("send.own")))
        turn.ask(PICK_SIMILAR, turn.t("send.similar", lines="\n".join(lines)), choices)

    async def _back(self, turn: Turn, question_id: int) -> None:
        dialogue = await self._current_dialogue(turn)
        if dialogue is None or not dialogue.is_open(turn.now):
            await self.show_menu(turn, await self._closed_notice(turn, dialogue))
            return
        assert turn.resident is not None
        found = await turn.tx.questions_by_ids([question_id])
        if not found:
            await self.show_menu(turn)
            return
        new = await turn.tx.add_support(question_id, turn.resident.id, turn.now)
        key = "send.backed" if new else "send.already_backed"
        await self.show_menu(turn, turn.t(key, code=found[0].receipt_code))

    async def _ask_village(self, turn: Turn, lead: str = "") -> None:
        villages = turn.plan.commune.villages
        if not villages:
            turn.state.data["village"] = None
            await self._ask_name(turn, lead)
            return
        turn.ask(
            PICK_VILLAGE,
            _lead(lead) + turn.t("send.pick_village"),
            [Choice(str(i), name) for i, name in enumerate(villages)],
        )

    async def _ask_name(self, turn: Turn, lead: str = "") -> None:
        key = "send.write_name_proxy" if turn.state.data.get("proxy") else "send.write_name"
        turn.ask(
            WRITE_NAME,
            _lead(lead) + turn.t(key, max=turn.plan.limits.name_max_chars),
            [Choice("skip", turn.t("send.skip_name"))],
        )

    async def _take_name(self, turn: Turn, raw: str) -> None:
        name = " ".join(raw.split())
        limit = turn.plan.limits.name_max_chars
        if len(name) < 2 or len(name) > limit or any(ch.isdigit() for ch in name):
            await self._ask_name(turn, turn.t("send.bad_name", max=limit))
            return
        turn.state.data["name"] = name
        await self._preview(turn)

    async def _preview(self, turn: Turn, lead: str = "") -> None:
        data = turn.state.data
        dialogue = await self._current_dialogue(turn)
        if dialogue is None:
            await self.show_menu(turn)
            return
        if data.get("proxy"):
            lead = _lead(lead) + turn.t("send.proxy_note", who=turn.inbound.person)
        text = turn.t(
            "send.preview",
            title=dialogue.title,
            category=turn.plan.category_label(str(data.get("category"))),
            text=data.get("text"),
            village=data.get("village") or turn.t("common.not_given"),
            name=data.get("name") or turn.t("common.not_given"),
        )
        choices = [
            Choice("confirm", turn.t("send.confirm")),
            Choice("edit", turn.t("send.edit")),
            Choice("cancel", turn.t("send.cancel")),
        ]
        suggestion = self._suggestion(turn, dialogue)
        if suggestion is not None:
            # Only offered: the resident's own choice of category is never overridden.
            label = turn.plan.category_label(suggestion)
            choices.insert(1, Choice("suggest", turn.t("send.use_suggestion", category=label)))
        turn.ask(PREVIEW, _lead(lead) + text, choices)

    def _suggestion(self, turn: Turn, dialogue: Dialogue) -> str | None:
        if turn.state.data.get("category") != OTHER:
            return None
        allowed = [c for c in dialogue.categories if c != OTHER]
        suggested = suggest_category(str(turn.state.data.get("text", "")), allowed)
        return suggested if suggested in allowed else None

    async def _preview_choice(self, turn: Turn, key: str) -> None:
        if key == "suggest":
            dialogue = await self._current_dialogue(turn)
            suggestion = self._suggestion(turn, dialogue) if dialogue else None
            if suggestion is not None:
                turn.state.data["category"] = suggestion
            await self._preview(turn)
            return
        if key == "edit":
            turn.state.data["editing"] = True
            await self._ask_text(turn, turn.t("send.current_text", text=turn.state.data["text"]))
            return
        if key == "cancel":
            await self.show_menu(turn, turn.t("send.cancelled"))
            return
        dialogue = await self._current_dialogue(turn)
        if dialogue is None or not dialogue.is_open(turn.now):
            # The deadline can pass while the resident reads the preview.
            await self.show_menu(turn, await self._closed_notice(turn, dialogue))
            return
        data = turn.state.data
        proxy = bool(data.get("proxy"))
        if proxy and not turn.can_enter_paper:
            turn.say(turn.t("roles.collectors_only"))
            await self.show_menu(turn)
            return
        assert proxy or turn.resident is not None
        village = data.get("village")
        name = data.get("name")
        text, category = str(data["text"]), str(data["category"])
        flag = data.get("flag")
        question = await turn.tx.add_question(
            NewQuestion(
                dialogue_id=dialogue.id,
                resident_id=None if proxy or turn.resident is None else turn.resident.id,
                category=category,
                text=text,
                village=village if isinstance(village, str) else None,
                author_name=name if isinstance(name, str) else None,
                created_at=turn.now,
                cluster_id=await turn.finder.cluster_for(turn.tx, dialogue.id, text),
                suggested_category=self._suggestion(turn, dialogue),
                flag=flag if isinstance(flag, str) else None,
                source="paper" if proxy else "chat",
                entered_by=turn.inbound.person if proxy else None,
            )
        )
        finder = turn.finder

        async def index_it() -> None:
            finder.added(dialogue.id, question.id, text, category)

        turn.deferred.append(index_it)
        if proxy:
            await self.show_menu(turn, turn.t("send.proxy_receipt", code=question.receipt_code))
            return
        assert turn.resident is not None
        await turn.tx.update_profile(
            turn.resident.id,
            village if isinstance(village, str) else turn.resident.village,
            name if isinstance(name, str) else turn.resident.name,
        )
        await self.show_menu(
            turn,
            turn.t(
                "send.receipt",
                code=question.receipt_code,
                deadline=fmt_datetime(dialogue.deadline, dialogue.tz),
            ),
        )

    # --- information -----------------------------------------------------------------------

    async def _greeting(self, turn: Turn) -> str:
        commune = turn.plan.commune.name
        opened = await self._open_dialogues(turn)
        if not opened:
            return turn.t("start.greeting_none_open", commune=commune)
        lines = [
            turn.t("start.dialogue_line", title=d.title, deadline=fmt_datetime(d.deadline, d.tz))
            for d in opened
        ]
        return turn.t("start.greeting", commune=commune, dialogues="\n".join(lines))

    def _meeting(self, turn: Turn, dialogue: Dialogue) -> str:
        if dialogue.meeting_at is not None:
            return fmt_datetime(dialogue.meeting_at, dialogue.tz)
        return dialogue.meeting_note or turn.t("about.meeting_tba")

    async def _closed_notice(self, turn: Turn, dialogue: Dialogue | None = None) -> str:
        dialogues = [dialogue] if dialogue is not None else await turn.tx.dialogues()
        if not dialogues:
            return turn.t("closed.no_dialogue")
        lines = [
            turn.t(
                "closed.line",
                title=d.title,
                deadline=fmt_datetime(d.deadline, d.tz),
                meeting=self._meeting(turn, d),
                location=d.location or turn.t("about.location_tba"),
            )
            for d in dialogues
        ]
        return turn.t("closed.notice", dialogues="\n\n".join(lines))

    async def show_about(self, turn: Turn) -> None:
        dialogues = await turn.tx.dialogues()
        if not dialogues:
            await self.show_menu(turn, turn.t("closed.no_dialogue"))
            return
        blocks = []
        for d in dialogues:
            state = "about.open" if d.is_open(turn.now) else "about.closed"
            blocks.append(
                turn.t(
                    "about.block",
                    title=d.title,
                    host=d.host or turn.t("common.not_given"),
                    audience=d.audience or turn.t("common.not_given"),
                    deadline=fmt_datetime(d.deadline, d.tz),
                    state=turn.t(state),
                    meeting=self._meeting(turn, d),
                    location=d.location or turn.t("about.location_tba"),
                )
            )
        await self.show_menu(turn, "\n\n".join(blocks))

    def _status_line(self, turn: Turn, q: Question, tz_name: str) -> str:
        return turn.t(
            "mine.line",
            code=q.receipt_code,
            category=turn.plan.category_label(q.category),
            date=fmt_date(q.created_at, ZoneInfo(tz_name)),
            status=turn.t(f"status.{q.status.value}"),
            text=snippet(q.text),
        )

    async def show_mine(self, turn: Turn) -> None:
        assert turn.resident is not None
        questions = await turn.tx.questions_of_resident(turn.resident.id)
        backed = await turn.tx.supported_by(turn.resident.id)
        if not questions and not backed:
            await self.show_menu(turn, turn.t("mine.none"))
            return
        tz = turn.plan.commune.timezone
        parts = []
        if questions:
            shown = questions[-MAX_LISTED:]
            head = turn.t("mine.head", count=len(questions))
            if len(questions) > len(shown):
                head += "\n" + turn.t("mine.only_recent", shown=len(shown))
            parts.append(head + "\n\n" + "\n\n".join(self._status_line(turn, q, tz) for q in shown))
        if backed:
            lines = [self._status_line(turn, q, tz) for q in backed[-MAX_LISTED:]]
            parts.append(
                turn.t("mine.backed_head", count=len(backed)) + "\n\n" + "\n\n".join(lines)
            )
        await self.show_menu(turn, "\n\n".join(parts))

    async def lookup(self, turn: Turn, argument: str) -> None:
        code = parse_code(argument)
        if code is None:
            await self.show_menu(turn, turn.t("lookup.usage"))
            return
        question = await turn.tx.question_by_code(code)
        mine = (
            question is not None
            and turn.resident is not None
            and (
                question.resident_id == turn.resident.id
                or question.id in {q.id for q in await turn.tx.supported_by(turn.resident.id)}
            )
        )
        # Someone else's code answers exactly like an unknown one: nothing about it leaks.
        if question is None or not mine:
            await self.show_menu(turn, turn.t("lookup.not_found", code=code))
            return
        await self.show_menu(turn, self._status_line(turn, question, turn.plan.commune.timezone))

    # --- notices -------------------------------------------------------------------------

    async def set_notices(self, turn: Turn, on: bool) -> None:
        assert turn.resident is not None
        await turn.tx.set_notices(turn.resident.id, on)
        await self.show_menu(turn, turn.t("notices.on" if on else "notices.off"))

    async def _ask_home_village(self, turn: Turn) -> None:
        villages = turn.plan.commune.villages
        if not villages:
            await self.show_menu(turn, turn.t("notices.no_villages"))
            return
        turn.ask(
            HOME_VILLAGE,
            turn.t("notices.pick_village"),
            [Choice(str(i), name) for i, name in enumerate(villages)],
        )

    # --- personal data -------------------------------------------------------------------

    async def show_my_data(self, turn: Turn) -> None:
        assert turn.resident is not None
        count = len(await turn.tx.questions_of_resident(turn.resident.id))
        tz = turn.plan.commune.tz
        text = turn.t(
            "data.summary",
            consent_at=fmt_datetime(turn.resident.consent_at, tz),
            village=turn.resident.village or turn.t("common.not_given"),
            name=turn.resident.name or turn.t("common.not_given"),
            count=count,
        )
        turn.ask(
            MY_DATA,
            text,
            [Choice("forget", turn.t("data.forget")), Choice("back", turn.t("common.back"))],
        )

    # --- officials -------------------------------------------------------------------------

    async def show_statistics(self, turn: Turn) -> None:
        # Checked on every call: the role lists are the only source of truth.
        if not turn.is_official:
            turn.persist = turn.resident is not None
            if turn.resident is not None and turn.resident.consent is Consent.GRANTED:
                await self.show_menu(turn, turn.t("roles.officials_only"))
            else:
                turn.say(turn.t("roles.officials_only"))
            return
        counts = await turn.tx.category_counts()
        dialogues = await turn.tx.dialogues()
        blocks = []
        for d in dialogues:
            rows = [(cat, n) for code, cat, n in counts if code == d.code]
            total = sum(n for _, n in rows)
            lines = [
                turn.t("stats.line", category=turn.plan.category_label(cat), count=n)
                for cat, n in rows
            ]
            blocks.append(
                turn.t("stats.block", title=d.title, code=d.code, total=total)
                + ("\n" + "\n".join(lines) if lines else "")
            )
        text = "\n\n".join(blocks) if blocks else turn.t("closed.no_dialogue")
        if turn.resident is not None and turn.resident.consent is Consent.GRANTED:
            await self.show_menu(turn, text)
        else:
            turn.say(text)

    # --- helpers ---------------------------------------------------------------------------

    def _consent_choices(self, turn: Turn) -> list[Choice]:
        return [
            Choice("agree", turn.t("consent.agree")),
            Choice("decline", turn.t("consent.decline")),
        ]


def _lead(lead: str) -> str:
    return f"{lead}\n\n" if lead else ""


def _reply(text: str, choices: list[Choice]) -> Reply:
    # Consent is asked before any state exists, so its buttons carry the fixed nonce 0.
    return Reply(text, tuple(choices), 0)
