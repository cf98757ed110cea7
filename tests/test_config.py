"""Every configuration value is checked when the file is read: a bad one is one line naming the
key, exit code 2, never a traceback and never a bot that starts and breaks later."""

from __future__ import annotations

import os
from dataclasses import fields
from pathlib import Path

import pytest

from bot.config import CHECKS, ConfigError, parse_settings
from tests.harness import base_config
from tests.test_cli import run_cli

DIALOGUE = """
[[dialogues]]
code = "BL27"
title = "Hội nghị đối thoại năm 2027"
deadline = 2099-06-15T17:00:00+07:00
"""


def toml_text(value: str) -> str:
    """A TOML basic string; control characters as \\u escapes, as an editor would save them."""
    escaped = "".join(
        f"\\u{ord(ch):04x}" if ord(ch) < 0x20 else ch
        for ch in value.replace("\\", "\\\\").replace('"', '\\"')
    )
    return f'"{escaped}"'


def write_config(tmp_path: Path, section: str = "", key: str = "", value: str = "") -> Path:
    """A small valid config, with `[section] key = value` (TOML source) put in."""
    tables: dict[str, dict[str, str]] = {
        "storage": {"path": toml_text((tmp_path / "bot.sqlite3").as_posix())},
        "commune": {"name": '"xã Bình Lư"', "villages": '["Bản Nà Khum"]'},
    }
    if section:
        tables.setdefault(section, {})[key] = value
    body = "".join(
        f"[{name}]\n" + "".join(f"{k} = {v}\n" for k, v in items.items())
        for name, items in tables.items()
    )
    config = tmp_path / "config.toml"
    config.write_text(body + DIALOGUE, encoding="utf-8")
    return config


def assert_one_line_exit_2(result: object, key: str) -> None:
    returncode, stderr = result.returncode, result.stderr  # type: ignore[attr-defined]
    assert returncode == 2, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert key in lines[0] and "Traceback" not in stderr


# Each of these crashed later, or was accepted and broke the bot (issue 13).
BAD = [
    ("limits", "name_max_chars", "-1", "limits.name_max_chars"),
    ("answers", "due_days", "999999999", "answers.due_days"),
    ("zalo", "per_second", "0", "zalo.per_second"),
    ("zalo", "port", "70000", "zalo.port"),
    ("roles", "officials", '["telegram:abc"]', "roles.officials"),
    ("storage", "path", toml_text("data/bin\x00h-lu.sqlite3"), "storage.path"),
]


@pytest.mark.parametrize(("section", "key", "value", "full"), BAD)
def test_bad_values_are_one_line_exit_2(
    tmp_path: Path, section: str, key: str, value: str, full: str
) -> None:
    config = write_config(tmp_path, section, key, value)
    assert_one_line_exit_2(run_cli("--config", str(config), "run"), full)


def test_storage_path_that_is_a_folder_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    config = write_config(tmp_path, "storage", "path", toml_text(folder.as_posix()))
    assert_one_line_exit_2(run_cli("--config", str(config), "run"), "storage.path")


def test_storage_path_below_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "data").write_text("not a folder", encoding="utf-8")
    config = write_config(tmp_path, "storage", "path", '"data/binh-lu.sqlite3"')
    with pytest.raises(ConfigError) as caught:
        parse_settings(
            {"storage": {"path": "data/binh-lu.sqlite3"}, "commune": {"name": "xã Bình Lư"}},
            source=config,
        )
    assert caught.value.key == "storage.path"


@pytest.mark.parametrize(
    ("section", "key", "value"),
    [
        ("limits", "name_max_chars", 1),
        ("limits", "question_min_chars", 0),
        ("answers", "due_days", -1),
        ("reminders", "per_second", 0),
        ("reminders", "per_second", 31),
        ("reminders", "per_second", float("nan")),
        ("zalo", "per_second", -2.5),
        ("zalo", "port", -1),
        ("zalo", "base_url", "bot-api.zaloplatforms.com"),
        ("telegram", "base_url", "127.0.0.1:8081/bot"),
        ("roles", "admins", [0]),
        ("roles", "collectors", ["viber:123"]),
        ("roles", "secretaries", ["abc"]),
        ("roles", "supervisors", 903),
        ("meeting", "evening", "7pm"),
        ("meeting", "evening", "25:00"),
        ("commitments", "remind_before", [0]),
        ("commitments", "remind_after", [3, 61]),
    ],
)
def test_bounds_name_the_key(tmp_path: Path, section: str, key: str, value: object) -> None:
    config = base_config(tmp_path / "p.sqlite3")
    config.setdefault(section, {})[key] = value
    with pytest.raises(ConfigError) as caught:
        parse_settings(config)
    assert caught.value.key == f"{section}.{key}"


def test_meeting_roles_and_reminders_are_read(tmp_path: Path) -> None:
    config = base_config(tmp_path / "p.sqlite3")
    config["roles"].update({"secretaries": [902], "supervisors": ["zalo:mttq1", 903]})
    config["meeting"] = {"evening": "18:30"}
    config["commitments"] = {"remind_before": [1, 5], "remind_after": [2]}
    config["departments"] = [
        {"key": "kinh_te", "name": "Phòng Kinh tế", "categories": [], "officials": [904]}
    ]
    settings = parse_settings(config)
    assert settings.roles.secretaries == {"telegram:902"}
    assert settings.roles.supervisors == {"zalo:mttq1", "telegram:903"}
    assert f"{settings.meeting.evening:%H:%M}" == "18:30"
    assert settings.commitments.remind_before == (5, 1)
    assert settings.departments[0].officials == {"telegram:904"}
    config["departments"][0]["officials"] = ["viber:1"]
    with pytest.raises(ConfigError) as caught:
        parse_settings(config)
    assert caught.value.key == "departments[0].officials"


def test_rates_may_be_fractions(tmp_path: Path) -> None:
    config = base_config(tmp_path / "p.sqlite3")
    config["reminders"] = {"per_second": 2.5}
    config["zalo"] = {"per_second": 2.5}
    settings = parse_settings(config)
    assert settings.reminders.per_second == 2.5
    assert settings.zalo.per_second == 2.5


def test_people_of_every_channel_are_read(tmp_path: Path) -> None:
    config = base_config(tmp_path / "p.sqlite3")
    config["roles"] = {"admins": [901, "telegram:902"], "officials": ["zalo:8f3a9c"]}
    roles = parse_settings(config).roles
    assert roles.admins == {"telegram:901", "telegram:902"}
    assert roles.officials == {"zalo:8f3a9c"}


def test_defaults_come_from_the_plan_types(tmp_path: Path) -> None:
    settings = parse_settings(base_config(tmp_path / "p.sqlite3"))
    assert (settings.limits.question_min_chars, settings.limits.name_max_chars) == (15, 80)
    assert settings.answers.due_days == 5 and settings.zalo.port == 8443
    assert settings.reminders.deadline_days == (3, 1)
    # The flows get the plan without any transport secret.
    assert not hasattr(settings.plan, "telegram") and not hasattr(settings.plan, "zalo")
    assert settings.plan.commune == settings.commune


def test_report_out_at_an_existing_file(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    taken = tmp_path / "bao-cao.docx"
    taken.write_bytes(b"already here")
    result = run_cli("--config", str(config), "report", "--dialogue", "BL27", "--out", str(taken))
    assert_one_line_exit_2(result, "--out")
    assert taken.read_bytes() == b"already here"


def test_report_out_in_an_unwritable_folder(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    if os.geteuid() == 0:
        # Root writes through any permission bits; /proc takes no new files from anyone.
        folder = Path("/proc")
    else:
        folder = tmp_path / "locked"
        folder.mkdir()
        folder.chmod(0o500)
    result = run_cli("--config", str(config), "report", "--dialogue", "BL27", "--out", str(folder))
    assert_one_line_exit_2(result, "--out")


def test_zalo_api_unreachable_at_start(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    with config.open("a", encoding="utf-8") as out:
        # Nothing listens on the discard port: the connection is refused at once.
        out.write('[zalo]\ntoken = "zalo-token"\nbase_url = "http://127.0.0.1:9"\n')
    result = run_cli("--config", str(config), "run")
    assert_one_line_exit_2(result, "zalo.base_url")


def test_every_setting_of_every_section_has_a_check() -> None:
    # A field without a check would be read from the TOML unchecked (or not at all).
    for section, (model, section_checks) in CHECKS.items():
        assert set(section_checks) == {f.name for f in fields(model)}, section
