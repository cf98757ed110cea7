"""The office's side in the chat: digests, reports, assignment, answers, merges, staff.

Every command and every step checks the caller's role again (Turn.role is read from the config
and the store on each inbound message), so a revoked official is refused mid-flow too.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from datetime import datetime

from domain.models import DeliveryStatus, Dialogue, Question
from domain.reports.data import ReportData
from domain.reports.digest import format_digest, format_empty_digest
from domain.timefmt import fmt_datetime, fmt_day
from handlers.common import parse_code, parse_date, snippet
from handlers.engine import Turn
from handlers.io import Attachment, Choice, Reply
from handlers.reporting import build_digest, build_report, default_due

OFFICIAL_COMMANDS = frozenset(
    {
        "tonghop",
        "digest",
        "baocao",
        "report",
        "phancong",
        "hanxuly",
        "traloi",
        "chuyen",
        "gop",
        "tach",
        "nhatky",
    }
)
ADMIN_COMMANDS = frozenset({"themcanbo", "themquantri", "xoacanbo", "canbo", "office"})
COMMANDS = OFFICIAL_COMMANDS | ADMIN_COMMANDS

PICK_DEPARTMENT = "office_pick_department"
WRITE_ANSWER = "office_write_answer"
CONFIRM_ANSWER = "office_confirm_answer"
WRITE_AUTHORITY = "office_write_authority"
CONFIRM_FORWARD = "office_confirm_forward"
CONFIRM_MERGE = "office_confirm_merge"
CONFIRM_SPLIT = "office_confirm_split"

ANSWER_MAX_CHARS = 3000
AUDIT_SHOWN = 20


def _person(argument: str) -> str | None:
    arg = argument.strip()
    if re.fullmatch(r"\d{3,15}", arg):
        return f"telegram:{arg}"
    if re.fullmatch(r"[a-z]+:\S+", arg):
        return arg
    return None


class OfficeFlows:
    """Steps are named office_*; the router sends those and COMMANDS here."""

    async def done(self, turn: Turn, text: str) -> None:
        turn.state.step, turn.state.choices, turn.state.data = "menu", [], {}
        turn.say(text)

    async def refuse(self, turn: Turn, admin: bool = False) -> None:
        turn.state.step, turn.state.choices, turn.state.data = "menu", [], {}
        if turn.role is None and (turn.resident is None or turn.resident.consent != "granted"):
            # Nothing may stay stored for someone who is neither staff nor a consenting resident.
            await turn.tx.clear_conversation(turn.inbound.channel, turn.inbound.chat_id)
        turn.say(turn.t("roles.admins_only" if admin else "roles.officials_only"))

    # --- commands ------------------------------------------------------------------------

    async def on_command(self, turn: Turn, command: str, argument: str) -> None:
        if command in ADMIN_COMMANDS:
            if not turn.is_admin:
                await self.refuse(turn, admin=True)
                return
            await self._admin_command(turn, command, argument)
            return
        if not turn.is_official:
            await self.refuse(turn)
            return
        if command in ("tonghop", "digest"):
            await self.digest(turn, argument)
        elif command in ("baocao", "report"):
            await self.report(turn, argument)
        elif command == "nhatky":
            await self.audit_log(turn)
        elif command == "hanxuly":
            await self.set_due(turn, argument)
        elif command == "gop":
            await self.ask_merge(turn, argument)
        else:
            question = await self._question_arg(turn, argument, command)
            if question is None:
                return
            turn.state.data = {"question": question.id, "cluster": question.cluster_id}
            if command == "phancong":
                await self._ask_department(turn, question)
            elif command == "traloi":
                await self._ask_answer(turn, question)
            elif command == "chuyen":
                turn.ask(
                    WRITE_AUTHORITY, turn.t("office.write_authority", code=question.receipt_code)
                )
            elif command == "tach":
                turn.ask(
                    CONFIRM_SPLIT,
                    turn.t(
                        "office.confirm_split",
                        code=question.receipt_code,
                        text=snippet(question.text, 200),
                    ),
                    self._yes_no(turn),
                )

    async def _question_arg(self, turn: Turn, argument: str, command: str) -> Question | None:
        code = parse_code(argument)
        if code is None:
            await self.done(turn, turn.t("office.usage_code", command=command))
            return None
        question = await turn.tx.question_by_code(code)
        if question is None:
            await self.done(turn, turn.t("office.unknown_code", code=code))
            return None
        return question

    def _yes_no(self, turn: Turn) -> list[Choice]:
        return [Choice("yes", turn.t("office.yes")), Choice("no", turn.t("office.no"))]

    async def _dialogues_for(self, turn: Turn, argument: str) -> list[Dialogue] | None:
        dialogues = await turn.tx.dialogues()
        code = argument.strip().upper().split(" ")[0] if argument.strip() else ""
        if code and code not in ("ALL", "TATCA", "CONGKHAI"):
            chosen = [d for d in dialogues if d.code == code]
            if not chosen:
                await self.done(turn, turn.t("office.unknown_dialogue", code=code))
                return None
            return chosen
        opened = [d for d in dialogues if d.is_open(turn.now)]
        return opened or dialogues

    # --- digests and reports -------------------------------------------------------------

    async def digest(self, turn: Turn, argument: str) -> None:
        dialogues = await self._dialogues_for(turn, argument)
        if dialogues is None:
            return
        if not dialogues:
            await self.done(turn, turn.t("closed.no_dialogue"))
            return
        datas = [await build_digest(turn.tx, turn.plan, turn.t, d, turn.now) for d in dialogues]
        turn.state.step, turn.state.choices, turn.state.data = "menu", [], {}

        async def render() -> None:
            from domain.reports.chart import render_chart  # matplotlib: imported when used

            for data in datas:
                if not data.clusters:
                    turn.say(format_empty_digest(data, turn.t))
                    continue
                chunks = format_digest(data, turn.t)
                chart = await asyncio.to_thread(render_chart, data, turn.t)
                for chunk in chunks[:-1]:
                    turn.say(chunk)
                turn.replies.append(
                    Reply(
                        chunks[-1],
                        attachments=(
                            Attachment(f"bieu-do-{data.dialogue_code}.png", chart, "photo"),
                        ),
                    )
                )

        turn.deferred.append(render)

    async def report(self, turn: Turn, argument: str) -> None:
        public = "congkhai" in argument.lower() or "public" in argument.lower()
        dialogues = await self._dialogues_for(turn, argument)
        if dialogues is None:
            return
        if not dialogues:
            await self.done(turn, turn.t("closed.no_dialogue"))
            return
        dialogue = dialogues[0]
        data = await build_report(turn.tx, turn.plan, turn.t, dialogue, turn.now, public)
        turn.state.step, turn.state.choices, turn.state.data = "menu", [], {}

        async def render() -> None:
            turn.replies.append(await report_reply(turn, data, dialogue))

        turn.deferred.append(render)

    async def audit_log(self, turn: Turn) -> None:
        entries = await turn.tx.audit_log(AUDIT_SHOWN)
        if not entries:
            await self.done(turn, turn.t("office.audit_empty"))
            return
        tz = turn.plan.commune.tz
        lines = [
            turn.t(
                "office.audit_line",
                at=fmt_datetime(e.at, tz),
                who=e.who,
                action=turn.t(f"audit.{e.action}"),
                detail=e.detail,
            )
            for e in entries
        ]
        await self.done(turn, turn.t("office.audit_head") + "\n" + "\n".join(lines))

    # --- assignment ------------------------------------------------------------------------

    async def _ask_department(self, turn: Turn, question: Question) -> None:
        departments = turn.plan.departments
        if not departments:
            await self.done(turn, turn.t("office.no_departments"))
            return
        default = turn.plan.department_for(question.category)
        choices = [Choice(d.key, d.name) for d in departments]
        turn.ask(
            PICK_DEPARTMENT,
            turn.t(
                "office.pick_department",
                code=question.receipt_code,
                text=snippet(question.text, 200),
                default=default.name if default else turn.t("common.not_given"),
            ),
            choices,
        )

    async def _assign(self, turn: Turn, key: str) -> None:
        cluster_id = int(str(turn.state.data["cluster"]))
        question = (await turn.tx.questions_by_ids([cluster_id]))[0]
        dialogue = await turn.tx.dialogue_by_code(question.dialogue_code)
        assert dialogue is not None
        record = await turn.tx.cluster(cluster_id)
        due = (
            record.answer_due if record and record.answer_due else default_due(turn.plan, dialogue)
        )
        await turn.tx.assign(cluster_id, key, due, turn.now)
        dept = turn.plan.department(key)
        name = dept.name if dept else key
        await turn.tx.audit(
            turn.now,
            turn.inbound.person,
            "assign",
            f"{question.receipt_code} → {name}, hạn {fmt_day(due)}",
        )
        await self.done(
            turn,
            turn.t(
                "office.assigned",
                code=question.receipt_code,
                department=name,
                due=fmt_day(due),
            ),
        )

    async def set_due(self, turn: Turn, argument: str) -> None:
        parts = argument.split()
        code = parse_code(parts[0]) if parts else None
        due = parse_date(parts[1]) if len(parts) > 1 else None
        if code is None or due is None:
            await self.done(turn, turn.t("office.usage_due"))
            return
        question = await turn.tx.question_by_code(code)
        if question is None:
            await self.done(turn, turn.t("office.unknown_code", code=code))
            return
        await turn.tx.set_due(question.cluster_id, due, turn.now)
        await turn.tx.audit(turn.now, turn.inbound.person, "due", f"{code}: {fmt_day(due)}")
        await self.done(turn, turn.t("office.due_set", code=code, due=fmt_day(due)))

    # --- answers and forwarding --------------------------------------------------------

    async def _ask_answer(self, turn: Turn, question: Question, lead: str = "") -> None:
        members = [
            q
            for q in await turn.tx.dialogue_questions(question.dialogue_id)
            if q.cluster_id == question.cluster_id
        ]
        text = turn.t(
            "office.write_answer",
            code=question.receipt_code,
            count=len(members),
            text=snippet(members[0].text if members else question.text, 300),
            max=ANSWER_MAX_CHARS,
        )
        turn.ask(WRITE_ANSWER, f"{lead}\n\n{text}" if lead else text)

    async def _take_answer(self, turn: Turn, text: str) -> None:
        answer = text.strip()
        question = (await turn.tx.questions_by_ids([int(str(turn.state.data["question"]))]))[0]
        if len(answer) < 5 or len(answer) > ANSWER_MAX_CHARS:
            await self._ask_answer(
                turn,
                question,
                turn.t("office.bad_answer", length=len(answer), max=ANSWER_MAX_CHARS),
            )
            return
        turn.state.data["answer"] = answer
        recipients = await turn.tx.recipients(question.cluster_id)
        turn.ask(
            CONFIRM_ANSWER,
            turn.t(
                "office.confirm_answer",
                code=question.receipt_code,
                answer=answer,
                people=len(recipients),
            ),
            [Choice("yes", turn.t("office.send_answer")), Choice("no", turn.t("office.no"))],
        )

    async def _record_answer(self, turn: Turn) -> None:
        cluster_id = int(str(turn.state.data["cluster"]))
        answer = str(turn.state.data["answer"])
        first = (await turn.tx.questions_by_ids([cluster_id]))[0]
        await turn.tx.record_answer(cluster_id, answer, turn.inbound.person, turn.now)
        record = await turn.tx.cluster(cluster_id)
        dept = turn.plan.department(record.department if record else None)
        queued = await self._notify(
            turn,
            first,
            cluster_id,
            "answer",
            lambda code: turn.t(
                "notify.answer",
                code=code,
                department=dept.name if dept else turn.t("notify.the_commune"),
                answer=answer,
            ),
        )
        await turn.tx.audit(
            turn.now, turn.inbound.person, "answer", f"{first.receipt_code}: {snippet(answer, 120)}"
        )
        await self.done(turn, turn.t("office.answered", code=first.receipt_code, people=queued))

    async def _record_forward(self, turn: Turn) -> None:
        cluster_id = int(str(turn.state.data["cluster"]))
        authority = str(turn.state.data["authority"])
        first = (await turn.tx.questions_by_ids([cluster_id]))[0]
        await turn.tx.record_forward(cluster_id, authority, turn.inbound.person, turn.now)
        queued = await self._notify(
            turn,
            first,
            cluster_id,
            "answer",
            lambda code: turn.t("notify.forwarded", code=code, authority=authority),
        )
        await turn.tx.audit(
            turn.now, turn.inbound.person, "forward", f"{first.receipt_code} → {authority}"
        )
        await self.done(
            turn,
            turn.t("office.forwarded", code=first.receipt_code, authority=authority, people=queued),
        )

    async def _notify(
        self,
        turn: Turn,
        first: Question,
        cluster_id: int,
        kind: str,
        text_for: Callable[[str], str],
    ) -> int:
        """Queue one message per asker and backer, written before anything is sent."""
        held = turn.plan.answers.notify == "at_conclusion"
        status = DeliveryStatus.HELD if held else DeliveryStatus.PENDING
        ref = f"{first.dialogue_code}/{cluster_id}/{turn.now.isoformat()}"
        queued = 0
        for who in await turn.tx.recipients(cluster_id):
            if await turn.tx.add_delivery(
                who.channel,
                who.chat_id,
                kind,
                ref,
                text_for(who.receipt_code),
                status,
                turn.now,
            ):
                queued += 1
        turn.wake_outbox = turn.wake_outbox or not held
        return queued

    # --- merge and split -------------------------------------------------------------------

    async def ask_merge(self, turn: Turn, argument: str) -> None:
        parts = argument.split()
        codes = [parse_code(p) for p in parts]
        if len(codes) != 2 or None in codes:
            await self.done(turn, turn.t("office.usage_merge"))
            return
        found = [await turn.tx.question_by_code(str(c)) for c in codes]
        if found[0] is None or found[1] is None:
            missing = codes[0] if found[0] is None else codes[1]
            await self.done(turn, turn.t("office.unknown_code", code=missing))
            return
        keep, absorb = found[0], found[1]
        if keep.dialogue_id != absorb.dialogue_id:
            await self.done(turn, turn.t("office.merge_other_dialogue"))
            return
        if keep.cluster_id == absorb.cluster_id:
            await self.done(turn, turn.t("office.already_together"))
            return
        turn.state.data = {
            "keep": keep.cluster_id,
            "absorb": absorb.cluster_id,
            "codes": f"{keep.receipt_code} + {absorb.receipt_code}",
        }
        turn.ask(
            CONFIRM_MERGE,
            turn.t(
                "office.confirm_merge",
                first=snippet(keep.text, 150),
                second=snippet(absorb.text, 150),
                code1=keep.receipt_code,
                code2=absorb.receipt_code,
            ),
            self._yes_no(turn),
        )

    async def _merge(self, turn: Turn) -> None:
        keep, absorb = int(str(turn.state.data["keep"])), int(str(turn.state.data["absorb"]))
        moved = await turn.tx.merge_clusters(keep, absorb, turn.now)
        await turn.tx.audit(
            turn.now, turn.inbound.person, "merge", f"{turn.state.data['codes']} ({moved} ý kiến)"
        )
        await self.done(turn, turn.t("office.merged", count=moved))

    async def _split(self, turn: Turn) -> None:
        question = (await turn.tx.questions_by_ids([int(str(turn.state.data["question"]))]))[0]
        left = await turn.tx.split_question(question.id, turn.now)
        if left is None:
            await self.done(turn, turn.t("office.already_alone", code=question.receipt_code))
            return
        await turn.tx.audit(turn.now, turn.inbound.person, "split", question.receipt_code)
        await self.done(turn, turn.t("office.split", code=question.receipt_code))

    # --- steps ---------------------------------------------------------------------------

    async def on_choice(self, turn: Turn, key: str) -> None:
        if not turn.is_official:
            await self.refuse(turn)
            return
        step = turn.state.step
        if key == "no":
            await self.done(turn, turn.t("office.cancelled"))
        elif step == PICK_DEPARTMENT:
            await self._assign(turn, key)
        elif step == CONFIRM_ANSWER:
            await self._record_answer(turn)
        elif step == CONFIRM_FORWARD:
            await self._record_forward(turn)
        elif step == CONFIRM_MERGE:
            await self._merge(turn)
        elif step == CONFIRM_SPLIT:
            await self._split(turn)
        else:
            await self.done(turn, turn.t("office.cancelled"))

    async def on_text(self, turn: Turn, text: str) -> None:
        if not turn.is_official:
            await self.refuse(turn)
            return
        step = turn.state.step
        if step == WRITE_ANSWER:
            await self._take_answer(turn, text)
        elif step == WRITE_AUTHORITY:
            authority = " ".join(text.split())
            if not 3 <= len(authority) <= 200:
                turn.ask(WRITE_AUTHORITY, turn.t("office.bad_authority"))
                return
            turn.state.data["authority"] = authority
            turn.ask(
                CONFIRM_FORWARD,
                turn.t("office.confirm_forward", authority=authority),
                [Choice("yes", turn.t("office.yes")), Choice("no", turn.t("office.no"))],
            )
        else:
            turn.ask(
                step,
                turn.t("input.choose_from"),
                [Choice(k, label) for k, label in turn.state.choices],
            )

    # --- staff -----------------------------------------------------------------------------

    async def _admin_command(self, turn: Turn, command: str, argument: str) -> None:
        if command == "office":
            if turn.inbound.chat_id.startswith("-"):
                await turn.tx.kv_set(f"office_chat:{turn.inbound.channel}", turn.inbound.chat_id)
                await turn.tx.audit(turn.now, turn.inbound.person, "office", turn.inbound.chat_id)
                await self.done(turn, turn.t("office.registered"))
            else:
                await self.done(turn, turn.t("office.register_in_group"))
            return
        if command == "canbo":
            roles = turn.plan.roles
            staff = [(p, "admin", "from_config") for p in sorted(roles.admins)]
            staff += [(p, "official", "from_config") for p in sorted(roles.officials)]
            staff += [(p, "collector", "from_config") for p in sorted(roles.collectors)]
            staff += [(p, r, "from_chat") for p, r in await turn.tx.staff_list()]
            lines = [
                turn.t(
                    "office.staff_line",
                    person=p,
                    role=turn.t(f"roles.{role}"),
                    origin=turn.t(f"office.{origin}"),
                )
                for p, role, origin in staff
            ]
            await self.done(turn, turn.t("office.staff_head") + "\n" + "\n".join(lines))
            return
        person = _person(argument)
        if person is None:
            await self.done(turn, turn.t("office.usage_staff", command=command))
            return
        if command in ("themcanbo", "themquantri"):
            role = "admin" if command == "themquantri" else "official"
            await turn.tx.grant_staff(person, role, turn.inbound.person, turn.now)
            await turn.tx.audit(turn.now, turn.inbound.person, "grant", f"{person}: {role}")
            await self.done(
                turn, turn.t("office.granted", person=person, role=turn.t(f"roles.{role}"))
            )
        else:
            if person in turn.plan.roles.admins or person in turn.plan.roles.officials:
                await self.done(turn, turn.t("office.in_config", person=person))
                return
            removed = await turn.tx.revoke_staff(person)
            if removed:
                await turn.tx.audit(turn.now, turn.inbound.person, "revoke", person)
            await self.done(
                turn, turn.t("office.revoked" if removed else "office.not_staff", person=person)
            )


async def report_reply(turn: Turn, data: ReportData, dialogue: Dialogue) -> Reply:
    from domain.reports.docx_report import render_docx
    from domain.reports.xlsx_report import render_xlsx

    docx = await asyncio.to_thread(render_docx, data, turn.t)
    xlsx = await asyncio.to_thread(render_xlsx, data, turn.t)
    suffix = "-cong-khai" if data.public else ""
    stamp = datetime.strftime(data.generated_at, "%Y%m%d")
    return Reply(
        turn.t(
            "office.report_ready",
            code=dialogue.code,
            kind=turn.t("office.public" if data.public else "office.internal"),
        ),
        attachments=(
            Attachment(f"bao-cao-{dialogue.code}{suffix}-{stamp}.docx", docx),
            Attachment(f"tong-hop-{dialogue.code}{suffix}-{stamp}.xlsx", xlsx),
        ),
    )
