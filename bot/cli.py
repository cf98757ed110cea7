"""Command line: `python -m bot [--config PATH] run | demo`.

Configuration problems print one Vietnamese line naming the key and exit with code 2.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from bot import cluster_cli, dialogue_cli, paper_cli, store_cli
from bot.config import ConfigError, Settings, StorageSettings, WebSettings, load_settings
from domain.dedupe.clusters import DEFAULT_JOIN
from domain.texts import load_texts
from storage.sqlite import NewerDatabase, StoreUnavailable

EXIT_CONFIG = 2
EXIT_FAILED = 1
# Another process polls this token: restarting would not help (systemd: RestartPreventExitStatus).
EXIT_SECOND_POLLER = 3
EXAMPLE_CONFIG = Path(__file__).resolve().parent.parent / "config.example.toml"


def _parser() -> argparse.ArgumentParser:
    h = load_texts()
    parser = argparse.ArgumentParser(prog="python -m bot", description=h("cli_help.description"))
    parser.add_argument("--config", type=Path, default=None, help=h("cli_help.config"))
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help=h("cli_help.run"))
    demo = sub.add_parser("demo", help=h("cli_help.demo"))
    demo.add_argument("--db", type=Path, default=Path("demo.sqlite3"), help=h("cli_help.demo_db"))
    demo.add_argument("--as", dest="user", default="nguoi-dan-1", help=h("cli_help.demo_as"))
    demo.add_argument(
        "--web",
        type=int,
        nargs="?",
        const=8080,
        default=None,
        metavar="PORT",
        help=h("cli_help.demo_web"),
    )
    sub.add_parser("web", help=h("cli_help.web"))
    cluster_cli.register(sub)
    dialogue_cli.register(sub)
    paper_cli.register(sub)
    store_cli.register(sub)
    report = sub.add_parser("report", help=h("cli_help.report"))
    report.add_argument("--dialogue", required=True, help=h("cli_help.report_dialogue"))
    report.add_argument("--out", type=Path, default=Path("."), help=h("cli_help.report_out"))
    report.add_argument("--public", action="store_true", help=h("cli_help.report_public"))
    report.add_argument("--number", default="", help=h("cli_help.report_number"))
    return parser


def _fail(key: str, problem: str) -> int:
    print(load_texts()("cli.config_error", key=key, problem=problem), file=sys.stderr)
    return EXIT_CONFIG


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        if args.command == "demo":
            return _demo(args)
        if args.command == "cluster":
            # Works without a config file; a config, when there is one, sets the threshold.
            config = args.config or Path("config.toml")
            threshold = load_settings(config).dedupe_threshold if config.exists() else None
            return cluster_cli.run(args, threshold or DEFAULT_JOIN)
        if args.command == "migrate-store":
            # Works from its options alone; a config, when there is one, names the target.
            return store_cli.run_migrate(args, store_cli.load_optional(args.config))
        settings = load_settings(args.config or Path("config.toml"))
        if args.command == "backup":
            return store_cli.run_backup(args, settings)
        if args.command == "health":
            return store_cli.run_health(args, settings)
        if args.command == "dialogue":
            return dialogue_cli.run(args, settings)
        if args.command == "import":
            return paper_cli.run_import(args, settings)
        if args.command == "template":
            return paper_cli.run_template(args, settings)
        if args.command == "report":
            return _report(settings, args.dialogue, args.out, args.public, args.number.strip())
        if args.command == "web":
            return _web(settings)
        return _run(settings)
    except ConfigError as exc:
        return _fail(exc.key, exc.problem)
    except StoreUnavailable as exc:
        print(database_problem(exc), file=sys.stderr)
        return EXIT_FAILED


def database_problem(exc: StoreUnavailable) -> str:
    """One line about a database that cannot be used, in the office's words."""
    texts = load_texts()
    if isinstance(exc, NewerDatabase):
        return texts("runner.database_newer", path=exc.path, found=exc.found, known=exc.known)
    problem = exc.problem
    if "locked" in problem or "busy" in problem:
        problem = texts("runner.database_locked")
    elif "not a database" in problem or "malformed" in problem:
        problem = texts("runner.database_corrupt")
    return texts("runner.database_unusable", path=exc.path, problem=problem)


async def _check_token(settings: Settings) -> None:
    """Ask the Bot API who we are before starting, so a bad token is one clear line."""
    from telegram import Bot

    base_url = settings.telegram.base_url or "https://api.telegram.org/bot"
    async with Bot(settings.telegram.checked_token(), base_url=base_url):
        pass


def _run(settings: Settings) -> int:
    from telegram.error import InvalidToken, NetworkError, TelegramError

    from bot.runner import ChannelStartError, PollingStopped, serve
    from bot.telegram_poll import SecondPoller

    if not settings.zalo.enabled or settings.telegram.token:
        settings.telegram.checked_token()
        try:
            asyncio.run(_check_token(settings))
        except InvalidToken:
            print(load_texts()("cli.token_rejected"), file=sys.stderr)
            return EXIT_CONFIG
        except NetworkError as exc:
            print(load_texts()("cli.network_error", problem=exc.message), file=sys.stderr)
            return 1
    texts = load_texts()
    try:
        # Stops cleanly on SIGINT and SIGTERM: channels first, then the database.
        asyncio.run(serve(settings))
    except ChannelStartError as exc:
        return _fail(exc.key, exc.problem)
    except SecondPoller:
        print(texts("runner.second_poller"), file=sys.stderr)
        return EXIT_SECOND_POLLER
    except PollingStopped:
        print(texts("runner.polling_stopped"), file=sys.stderr)
        return EXIT_FAILED
    except StoreUnavailable as exc:
        print(database_problem(exc), file=sys.stderr)
        return EXIT_FAILED
    except (OSError, TelegramError) as exc:
        # Whatever else stops the start (a port taken, the network gone): one line, and a
        # non-zero exit so that the service manager restarts the bot.
        print(texts("runner.start_failed", problem=exc), file=sys.stderr)
        return EXIT_FAILED
    return 0


async def _report_files(
    settings: Settings, code: str, public: bool, number: str = ""
) -> list[tuple[str, bytes]] | None:
    from bot.services import open_services
    from handlers.reporting import build_report, report_files

    texts = load_texts()
    services = await open_services(settings)
    try:
        async with services.store.reader() as rd:
            dialogue = await rd.dialogue_by_code(code.strip().upper())
            if dialogue is None:
                return None
            data = await build_report(rd, settings, texts, dialogue, services.clock(), public)
            # The number the clerk registered the report under, in its header and its annex.
            data = dataclasses.replace(data, number=number)
    finally:
        await services.close()
    return report_files(data, texts)


def _report(settings: Settings, code: str, out: Path, public: bool, number: str = "") -> int:
    texts = load_texts()
    # Checked before the report is built: a wrong folder should not cost the office a minute.
    problem = _unwritable(out)
    if problem is not None:
        return _option_error("--out", problem)
    if number and not (number.isdigit() and len(number) <= 6):
        return _option_error("--number", texts("cli_error.number"))
    files = asyncio.run(_report_files(settings, code, public, number))
    if files is None:
        print(texts("office.unknown_dialogue", code=code), file=sys.stderr)
        return EXIT_CONFIG
    try:
        for name, content in files:
            (out / name).write_bytes(content)
            print(out / name)
    except OSError as exc:
        return _option_error(
            "--out", texts("cli_error.out_unwritable", path=out, problem=exc.strerror or exc)
        )
    return 0


def _unwritable(folder: Path) -> str | None:
    """Why files cannot be written into `folder` (created if missing), or None."""
    texts = load_texts()
    if folder.exists() and not folder.is_dir():
        return texts("cli_error.out_not_folder", path=folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        # Trying is the only test that holds for root, read-only disks and network shares.
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        return texts("cli_error.out_unwritable", path=folder, problem=exc.strerror or exc)
    return None


def _option_error(option: str, problem: str) -> int:
    print(load_texts()("cli_error.option", option=option, problem=problem), file=sys.stderr)
    return EXIT_CONFIG


def _web(settings: Settings) -> int:
    from bot.web.server import DEFAULT_PORT, serve_alone

    if settings.web.port is None:
        settings = dataclasses.replace(
            settings, web=dataclasses.replace(settings.web, port=DEFAULT_PORT)
        )
    asyncio.run(serve_alone(settings))
    return 0


# Plays the office in the demo: `--as van-phong`, and the one the demo's page signs in.
DEMO_OFFICIAL = "van-phong"


def _demo(args: argparse.Namespace) -> int:
    from bot.services import open_services
    from bot.terminal import CHANNEL, run_terminal

    logging.getLogger().setLevel(logging.WARNING)
    config = args.config
    if config is None:
        config = Path("config.toml") if Path("config.toml").exists() else EXAMPLE_CONFIG
    settings = load_settings(config)
    official = f"{CHANNEL}:{DEMO_OFFICIAL}"
    settings = dataclasses.replace(
        settings,
        storage=StorageSettings(path=args.db),
        roles=dataclasses.replace(settings.roles, officials=settings.roles.officials | {official}),
    )
    if args.web is not None:
        # On this machine only, whatever the config says: the demo's page is for trying out.
        settings = dataclasses.replace(settings, web=WebSettings(listen="127.0.0.1", port=args.web))
    texts = load_texts()
    banner = texts("cli.demo_banner", commune=settings.commune.name, db=args.db)

    async def go() -> None:
        services = await open_services(settings)
        server = None
        try:
            intro = banner
            if args.web is not None:
                from bot.web.server import start_web
                from handlers.web_access import SIGN_IN_PATH, issue_link

                server = await start_web(services)
                async with services.store.transaction() as tx:
                    token = await issue_link(tx, official, services.clock())
                intro += "\n" + texts(
                    "cli.demo_web",
                    address=server.address,
                    link=f"{server.address}{SIGN_IN_PATH}{token}",
                    official=DEMO_OFFICIAL,
                )
            await run_terminal(
                services, user=args.user, stdin=sys.stdin, stdout=sys.stdout, banner=intro
            )
        finally:
            if server is not None:
                await server.stop()
            await services.close()

    try:
        asyncio.run(go())
    except KeyboardInterrupt:
        print("\n" + texts("cli.demo_bye"))
    return 0
