"""Heavy imports off the event loop, so the web answers while the bot and the jobs load.

An import runs whole, without an await: ``import aiogram`` (the bot), spaCy (theme tagging),
pandas and scipy (the tables) would each stall every request for seconds if imported in the
event loop once `scenari serve` is up. :func:`import_off_loop` imports in one worker thread
— one, so two of these imports never race for the same modules' import locks — and the loop
keeps serving meanwhile (the GIL is handed back every few milliseconds).
"""

from __future__ import annotations

import asyncio
import importlib
from concurrent.futures import ThreadPoolExecutor
from types import ModuleType

_importer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="scenari-import")


async def import_off_loop(name: str) -> ModuleType:
    """``importlib.import_module(name)`` in the importer thread (at once if already imported)."""
    return await asyncio.get_running_loop().run_in_executor(_importer, importlib.import_module, name)
