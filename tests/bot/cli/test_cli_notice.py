"""`scenari serve`, `bot` and `chat` refuse to start on an incomplete privacy notice, in one line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from tests.support.cli import scenari
from tests.support.plans import CREMONA


@pytest.fixture
def plan_without_dpo(tmp_path: Path) -> Path:
    folder = tmp_path / "plan"
    shutil.copytree(CREMONA.root, folder)
    data = yaml.safe_load((folder / "privacy.yaml").read_text(encoding="utf-8"))
    del data["dpo"]["email"]
    del data["retention"]
    (folder / "privacy.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return folder


@pytest.mark.parametrize("command", [["serve", "--port", "1"], ["bot"], ["chat", "--questionnaire", "imprese"]])
def test_an_incomplete_notice_stops_the_command_in_one_line(plan_without_dpo: Path, tmp_path: Path, command: list[str]):
    env = {"SCENARI_PLAN_DIR": str(plan_without_dpo), "TELEGRAM_BOT_TOKEN": "123:abc"}
    result = scenari(*command, env=env, db=tmp_path / "scenari.db", stdin="")
    assert result.returncode == 2 and "Traceback" not in result.stderr + result.stdout
    [line] = result.stderr.strip().splitlines()
    assert line == (f"Privacy notice {plan_without_dpo / 'privacy.yaml'}: missing dpo.email, retention "
                    "(set them in the plan's privacy.yaml).")
    assert not (tmp_path / "scenari.db").exists()  # refused before the database is touched


def test_a_missing_notice_is_named(tmp_path: Path):
    folder = tmp_path / "plan"
    shutil.copytree(CREMONA.root, folder)
    (folder / "privacy.yaml").unlink()
    result = scenari("chat", "--questionnaire", "imprese", env={"SCENARI_PLAN_DIR": str(folder)}, db=tmp_path / "x.db")
    assert result.returncode == 2
    assert result.stderr.strip() == (f"Privacy notice {folder / 'privacy.yaml'}: no such file: the plan folder needs "
                                     "its privacy notice (see plans/cremona/privacy.yaml).")
