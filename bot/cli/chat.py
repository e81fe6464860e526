"""`scenari chat --questionnaire ID`: answer a questionnaire in this terminal (bot.terminal).

The same conversation as Telegram's and the web's, on the same database, under a local
respondent name; an author may try any questionnaire, open or closed.
"""

from __future__ import annotations

import argparse
import sys

from storage import Database

from bot.service.catalog import QuestionnaireCatalog
from bot.service.conversation import conversation_from_settings
from bot.settings import Settings
from bot.terminal import run_chat

from .commands import with_database


def add_chat(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--questionnaire", "-q", required=True)
    parser.add_argument("--respondent", default="terminal", help="who is answering (a local name; default: terminal)")
    parser.add_argument("--lang", default=None, help="one of the plan's languages (default: its first)")
    with_database(parser, _chat)
    parser.set_defaults(needs_notice=True)  # the privacy notice is checked before anything starts


async def _chat(args: argparse.Namespace, settings: Settings, db: Database) -> int:
    catalog = QuestionnaireCatalog.load(settings.plan)
    conversation = conversation_from_settings(settings, catalog, open_only=False)  # any questionnaire, open or not
    if args.questionnaire not in catalog.ids(open_only=False):
        known = ", ".join(catalog.ids(open_only=False))
        print(f"Unknown questionnaire {args.questionnaire!r}; known: {known}", file=sys.stderr)
        return 2
    return await run_chat(db, conversation, args.questionnaire, args.respondent,
                          conversation.language_for(args.lang or settings.lang))


COMMANDS = {"chat": add_chat}
