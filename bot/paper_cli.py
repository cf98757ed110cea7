"""`python -m bot template --out FILE.xlsx [--dialogue CODE]` and
`python -m bot import --dialogue CODE FILE`.

Paper forms ("phát phiếu, thu phiếu") are typed up by the office in a workbook the project
ships, then imported into the same pipeline as chat questions (see bot/paper/forms.py). This
module is the command line and the summary it prints; the work is in bot/paper/.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.paper.forms import (
    BadRow,
    FormRows,
    ImportResult,
    PaperRow,
    RawRow,
    UnusableInput,
)
from bot.paper.importing import import_forms
from bot.paper.reading import read_forms
from bot.paper.rows import check_rows, import_key
from bot.paper.template import write_template
from bot.services import open_services
from domain.texts import Texts, load_texts

__all__ = [
    "BadRow",
    "FormRows",
    "ImportResult",
    "PaperRow",
    "RawRow",
    "UnusableInput",
    "check_rows",
    "format_summary",
    "import_forms",
    "import_key",
    "read_forms",
    "register",
    "run_import",
    "run_template",
    "write_template",
]

EXIT_OK = 0
EXIT_UNUSABLE = 2


# --- command line ---------------------------------------------------------------------------


def register(subparsers: Any) -> None:
    """Add the `template` and `import` sub-commands to an argparse sub-parsers object."""
    h = load_texts()
    template = subparsers.add_parser("template", help=h("cli_help.template"))
    template.add_argument("--out", type=Path, required=True, help=h("cli_help.template_out"))
    template.add_argument("--dialogue", help=h("cli_help.template_dialogue"))
    importer = subparsers.add_parser("import", help=h("cli_help.import"))
    importer.add_argument("--dialogue", required=True, help=h("cli_help.import_dialogue"))
    importer.add_argument("file", type=Path, metavar="FILE", help=h("cli_help.import_file"))


async def _dialogue_categories(settings: Settings, code: str) -> tuple[str, ...] | None:
    """The categories of the dialogue `code` as stored (a dialogue added by an admin too)."""
    services = await open_services(settings)
    try:
        async with services.store.reader() as rd:
            dialogue = await rd.dialogue_by_code(code.strip().upper())
    finally:
        await services.close()
    return None if dialogue is None else dialogue.categories


def run_template(args: argparse.Namespace, settings: Settings) -> int:
    texts = load_texts()
    out: Path = args.out
    categories: tuple[str, ...] | None = None
    if args.dialogue:
        categories = asyncio.run(_dialogue_categories(settings, args.dialogue))
        if categories is None:
            code = args.dialogue.strip().upper()
            print(texts("office.unknown_dialogue", code=code), file=sys.stderr)
            return EXIT_UNUSABLE
    try:
        today = datetime.now(settings.commune.tz).date()
        write_template(settings, out, today, texts, categories)
    except OSError as exc:
        print(texts("paper.error_write", path=out, problem=exc.strerror or exc), file=sys.stderr)
        return EXIT_UNUSABLE
    print(texts("paper.template_written", path=out))
    return EXIT_OK


def run_import(args: argparse.Namespace, settings: Settings) -> int:
    texts = load_texts()
    path: Path = args.file

    async def go() -> tuple[ImportResult, str | None]:
        # The file is read before the database is opened: a wrong path touches nothing.
        table = read_forms(path, settings, texts)
        services = await open_services(settings)
        try:
            return await import_forms(services, args.dialogue, table, path.name), table.encoding
        finally:
            await services.close()

    try:
        result, encoding = asyncio.run(go())
    except UnusableInput as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_UNUSABLE
    print(format_summary(result, path.name, texts, encoding))
    return EXIT_OK


def format_summary(
    result: ImportResult, file_name: str, texts: Texts, encoding: str | None = None
) -> str:
    """What the import did; `encoding`: the one a CSV was read in, so a wrong guess shows."""
    lines = [texts("paper.summary_head", name=file_name, code=result.code)]
    if encoding is not None:
        lines.append(texts("paper.encoding_read", encoding=encoding))
    codes = [q.receipt_code for q in result.imported]
    if len(codes) > 1:
        lines.append(texts("paper.imported_many", count=len(codes), first=codes[0], last=codes[-1]))
    elif codes:
        lines.append(texts("paper.imported_one", first=codes[0]))
    else:
        lines.append(texts("paper.imported_none"))
    if result.joined:
        lines.append(texts("paper.joined", count=result.joined))
    if result.complaints:
        lines.append(texts("paper.complaints", count=result.complaints))
    if result.already:
        lines.append(texts("paper.already", count=result.already))
    if result.bad:
        lines.append(texts("paper.bad", count=len(result.bad)))
        lines.extend(texts("paper.bad_line", row=b.row, reason=b.reason) for b in result.bad)
    return "\n".join(lines)
