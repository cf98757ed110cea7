"""The deployment files agree with each other and with the code: every commune in the compose
file has a config that loads, names its own schema, and has a role and schema in initdb."""

from __future__ import annotations

import re
from pathlib import Path

from bot.config import load_settings

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"


def test_each_commune_of_the_compose_file_has_its_config_role_and_schema() -> None:
    compose = (DEPLOY / "compose.yaml").read_text(encoding="utf-8")
    initdb = (DEPLOY / "initdb" / "01-communes.sql").read_text(encoding="utf-8")
    communes = sorted(p.name for p in (DEPLOY / "communes").iterdir())
    assert len(communes) >= 2
    schemas = set()
    for commune in communes:
        env = {"BOT_DATABASE_URL": f"postgresql://{commune}:pw@db:5432/doithoai"}
        settings = load_settings(DEPLOY / "communes" / commune / "config.toml", env=env)
        assert settings.storage.postgres and settings.storage.schema == commune
        assert f"./communes/{commune}:/config:ro" in compose
        assert f"postgresql://{commune}:" in compose
        assert f"CREATE SCHEMA {commune} AUTHORIZATION {commune};" in initdb
        schemas.add(settings.storage.schema)
    assert len(schemas) == len(communes)  # never two communes on one schema


def test_the_units_run_the_commands_the_cli_has() -> None:
    from bot.cli import _parser

    commands = set(_parser()._subparsers._group_actions[0].choices)  # type: ignore[union-attr]
    for unit in (DEPLOY / "systemd").iterdir():
        for used in re.findall(r"-m bot --config \S+ (\S+)", unit.read_text(encoding="utf-8")):
            assert used in commands, (unit.name, used)
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert '"health"]' in dockerfile and 'CMD ["run"]' in dockerfile
