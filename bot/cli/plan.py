"""`scenari plan validate [DIR]`: check a whole plan folder in one run (docs/plans.md).

Also :func:`current_plan`, the plan the other file-only commands (``themes validate``,
``questionnaires validate``, ``nlp evaluate``) read, even when an unrelated setting is wrong.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bot.plan import DEFAULT_PLAN_DIR, PlanFolder, plan_at
from bot.settings import SettingsError, load_settings

from .commands import files_only


def current_plan() -> PlanFolder:
    """The settings' plan; if another setting is wrong, SCENARI_PLAN_DIR (and the extra
    questionnaires folder) from the environment alone."""
    try:
        return load_settings().plan
    except SettingsError:
        return plan_at(os.environ.get("SCENARI_PLAN_DIR") or DEFAULT_PLAN_DIR,
                       os.environ.get("SCENARI_QUESTIONNAIRES_DIR") or None)


def load_catalogues() -> Mapping[str, Any]:
    """Import every layer's texts, so each registers its catalogue (the command line may import
    every layer; the service never imports the transports)."""
    import bot.service.mailing  # noqa: F401 - each registers its Catalogue in dialogs.i18n.CATALOGUES
    import bot.service.texts  # noqa: F401
    import bot.telegram.texts  # noqa: F401
    import bot.terminal  # noqa: F401
    import bot.web.dashboard.texts  # noqa: F401
    import bot.web.texts  # noqa: F401
    import bot.whatsapp.texts  # noqa: F401
    from dialogs import i18n

    return i18n.CATALOGUES


def add_plan(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True)
    validate = actions.add_parser("validate", help="check a whole plan folder (default: SCENARI_PLAN_DIR)")
    validate.add_argument("folder", nargs="?", type=Path)
    files_only(validate, _validate)


def _validate(args: argparse.Namespace) -> int:
    """Every problem of the folder, one located line each: ERROR (it cannot run so) or WARN
    (it runs: e.g. a missing translation, read in the default language). 1 if any error."""
    from bot.service.plan import validate_plan  # the layers' checks: only for this command

    plan = plan_at(args.folder.resolve()) if args.folder else current_plan()
    findings = validate_plan(plan, load_catalogues())
    for error in findings.errors:
        print(f"ERROR {error}")
    for warning in findings.warnings:
        print(f"WARN  {warning}")
    if findings.errors:
        print(f"{len(findings.errors)} error(s), {len(findings.warnings)} warning(s) in {plan.root}")
        return 1
    try:
        languages = ", ".join(plan.languages)
    except ValueError:
        languages = "?"
    print(f"OK    {plan.root}: plan {plan.name!r}, languages {languages}"
          + (f", {len(findings.warnings)} warning(s)" if findings.warnings else ""))
    return 0


COMMANDS = {"plan": add_plan}
