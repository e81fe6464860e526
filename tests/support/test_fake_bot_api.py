"""The FakeBotAPI stand-in works with the real aiogram stack (session, dispatcher, polling)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramUnauthorizedError,
)
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BufferedInputFile,
    CallbackQuery,
    ErrorEvent,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from .fake_bot_api import DEFAULT_TOKEN, FakeBotAPI, parse_html, parse_markdown_v2

def echo_dispatcher(seen: list[Any] | None = None) -> Dispatcher:
    """A small bot: echo, /start with deep link, an inline keyboard flow, a document."""
    router = Router()

    @router.message(CommandStart())
    async def start(message: Message, command: CommandObject) -> None:
        await message.answer(f"start:{command.args or ''}")

    @router.message(Command("ask"))
    async def ask(message: Message) -> None:
        keyboard = InlineKeyboardMarkup(
            inline_keyboard=[
                [
                    InlineKeyboardButton(text="Sì", callback_data="ans:yes"),
                    InlineKeyboardButton(text="No", callback_data="ans:no"),
                ]
            ]
        )
        await message.answer("Ti piace la città?", reply_markup=keyboard)

    @router.callback_query(F.data.startswith("ans:"))
    async def answered(query: CallbackQuery) -> None:
        choice = query.data.split(":", 1)[1]
        await query.answer(f"Registrato: {choice}")
        assert query.message is not None
        await query.message.edit_text(f"Hai scelto <b>{choice}</b>")

    @router.message(Command("export"))
    async def export(message: Message) -> None:
        await message.answer_document(
            BufferedInputFile(b"id;risposta\n1;si\n", filename="risposte.csv"), caption="Esportazione"
        )

    @router.message(F.text)
    async def echo(message: Message) -> None:
        if seen is not None:
            seen.append(message)
        await message.answer(message.text or "")

    dp = Dispatcher()
    dp.include_router(router)
    return dp


async def test_get_me_wrong_token_and_unknown_method() -> None:
    async with FakeBotAPI() as api:
        bot = api.make_bot()
        me = await bot.get_me()
        assert me.id == 123456789 and me.is_bot and me.username == "scenari_test_bot"

        intruder = Bot(
            "42:WRONGtoken", session=AiohttpSession(api=TelegramAPIServer.from_base(api.base_url))
        )
        with pytest.raises(TelegramUnauthorizedError):
            await intruder.get_me()
        await intruder.session.close()

        async with aiohttp.ClientSession() as http:
            async with http.post(f"{api.base_url}/bot{DEFAULT_TOKEN}/sendPigeon", json={"x": 1}) as resp:
                assert resp.status == 404
                assert await resp.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
            # JSON bodies work too (aiogram itself sends form-data)
            async with http.post(f"{api.base_url}/bot{DEFAULT_TOKEN}/getMe", json={}) as resp:
                assert (await resp.json())["result"]["id"] == 123456789
        await bot.session.close()


async def test_echo_round_trip_and_deep_link() -> None:
    seen: list[Message] = []
    async with FakeBotAPI() as api:
        user = api.user(user_id=1001, first_name="Anna", language_code="it")
        async with api.polling(echo_dispatcher(seen)):
            update = await user.send_text("ciao città 🏙️")
            reply = await user.wait_reply()
            assert reply.text == "ciao città 🏙️"
            assert reply.from_bot and reply.chat_id == 1001

            await user.send_command("/start imprese")
            assert (await user.wait_reply()).text == "start:imprese"

        # aiogram parsed our update JSON into a real Message
        assert seen[0].from_user is not None and seen[0].from_user.language_code == "it"
        assert seen[0].chat.type == "private"
        assert seen[0].message_id == update["message"]["message_id"]
        # ids are per chat, shared by user and bot messages
        assert [m.message_id for m in user.history] == [1, 2, 3, 4]
        assert user.texts == ["ciao città 🏙️", "start:imprese"]


async def test_callback_press_is_answered_and_message_edited() -> None:
    async with FakeBotAPI() as api:
        user = api.user(user_id=7)
        async with api.polling(echo_dispatcher(), bot=api.make_bot(default=DefaultBotProperties(parse_mode="HTML"))):
            await user.send_command("/ask")
            question = await user.wait_reply()
            assert question.buttons == ["Sì", "No"]
            assert question.callback_data == ["ans:yes", "ans:no"]

            query_id = await user.press("Sì")
            edited = await user.wait_reply()
            answer = await user.wait_callback_answer(query_id)

        assert edited is question  # edited in place
        assert edited.text == "Hai scelto yes"
        assert edited.source_text == "Hai scelto <b>yes</b>"
        assert edited.entities == [{"type": "bold", "offset": 11, "length": 3}]
        assert edited.inline_keyboard == []  # editMessageText without markup drops the keyboard
        assert edited.edit_count == 1
        assert answer.text == "Registrato: yes" and not answer.show_alert
        assert user.callback_answers == ["Registrato: yes"]
        assert api.unanswered_callbacks() == []
        assert len(user.messages) == 1
        with pytest.raises(LookupError):
            await user.press("Sì")  # keyboard is gone


async def test_offsets_are_confirmed_and_not_redelivered() -> None:
    seen: list[Message] = []
    async with FakeBotAPI() as api:
        user = api.user()
        async with api.polling(echo_dispatcher(seen)):
            for text in ("uno", "due", "tre"):
                await user.send_text(text)
                await user.wait_reply()
            await api.wait_idle()
        assert api.pending_updates == []
        last_id = api.delivered_updates[-1]["update_id"]
        assert api.confirmed_offset == last_id + 1

        # a restarted bot (fresh dispatcher, offset unknown) gets nothing again
        async with api.polling(echo_dispatcher(seen)):
            await user.expect_silence(0.3)
        assert [m.text for m in seen] == ["uno", "due", "tre"]
        assert len(api.delivered_updates) == 3


async def test_get_updates_offset_semantics_directly() -> None:
    async with FakeBotAPI() as api:
        user = api.user()
        bot = api.make_bot()
        first = await user.send_text("a")
        second = await user.send_text("b")
        got = await bot.get_updates()
        assert [u.update_id for u in got] == [first["update_id"], second["update_id"]]
        # not confirmed yet -> delivered again (what a restarted bot sees)
        assert len(await bot.get_updates()) == 2
        assert [u.update_id for u in await bot.get_updates(offset=second["update_id"])] == [second["update_id"]]
        assert await bot.get_updates(offset=second["update_id"] + 1) == []
        assert await bot.get_updates() == []  # confirmed updates are gone for good

        # long polling returns early when an update arrives: a 30 s poll, already waiting at
        # the server, answers the update (bounded wait, far below 30 s; no duration asserted)
        polls = api.count("getUpdates")
        poll = asyncio.create_task(bot.get_updates(timeout=30))
        await api.wait_for_calls("getUpdates", polls + 1)
        assert not poll.done()
        await user.send_text("c")
        assert [u.message.text for u in await asyncio.wait_for(poll, 20) if u.message] == ["c"]
        # and, when nothing arrives, answers nothing once its timeout is over
        assert await bot.get_updates(offset=api._next_update_id, timeout=1) == []
        await bot.session.close()


async def test_reset_offset_and_redeliver_deliver_the_same_update_again() -> None:
    seen: list[Message] = []
    async with FakeBotAPI() as api:
        user = api.user()
        async with api.polling(echo_dispatcher(seen)):
            update = await user.send_text("doppio")
            await user.wait_reply()
            await api.wait_idle()

            again = api.reset_offset()  # "the confirmation never reached Telegram"
            assert [u["update_id"] for u in again] == [update["update_id"]]
            await user.wait_reply()

            await api.redeliver(update)  # same update_id, same payload, once more
            await user.wait_reply()
            await api.wait_idle()
        assert [(m.message_id, m.text) for m in seen] == [(update["message"]["message_id"], "doppio")] * 3
        assert [u["update_id"] for u in api.delivered_updates] == [update["update_id"]] * 3

        # reset_offset also works across a restart (fresh dispatcher and bot)
        api.reset_offset(update["update_id"])
        async with api.polling(echo_dispatcher(seen)):
            await user.wait_reply()
        assert len(seen) == 4


async def test_429_retry_after_in_handler_and_in_polling() -> None:
    errors: list[BaseException] = []
    dp = echo_dispatcher()

    @dp.errors()
    async def on_error(event: ErrorEvent) -> bool:
        errors.append(event.exception)
        return True

    async with FakeBotAPI() as api:
        user = api.user()
        async with api.polling(dp):
            # 1) sendMessage -> 429: aiogram does NOT retry; TelegramRetryAfter reaches error handlers
            api.fail_next("sendMessage", 429, retry_after=3)
            await user.send_text("primo")
            await user.expect_silence(0.3)
            assert len(errors) == 1 and isinstance(errors[0], TelegramRetryAfter)
            assert errors[0].retry_after == 3
            assert api.calls_of("sendMessage")[0].status == 429
            # the update counts as handled: it is confirmed, never redelivered
            await api.wait_idle()

            # 2) getUpdates -> 429: polling logs, sleeps its *backoff* (not retry_after), retries
            api.fail_next("getUpdates", 429, retry_after=30)
            await user.send_text("secondo")
            assert (await user.wait_reply(timeout=3)).text == "secondo"
            assert [c.status for c in api.calls_of("getUpdates")].count(429) == 1
        assert len(errors) == 1

        # 3) calling the method directly raises TelegramRetryAfter with the server's retry_after
        bot = api.make_bot()
        api.fail_next("sendMessage", 429, retry_after=2)
        with pytest.raises(TelegramRetryAfter) as info:
            await bot.send_message(user.user_id, "x")
        assert info.value.retry_after == 2
        assert (await bot.send_message(user.user_id, "y")).text == "y"
        await bot.session.close()


async def test_network_faults_map_to_aiogram_exceptions() -> None:
    async with FakeBotAPI() as api:
        user = api.user()
        bot = api.make_bot()
        api.fail_next_network("sendMessage", "disconnect")
        with pytest.raises(TelegramNetworkError):
            await bot.send_message(user.user_id, "a")
        api.fail_next_network("sendMessage", "http", status=502)
        with pytest.raises(ClientDecodeError):
            await bot.send_message(user.user_id, "b")
        api.fail_next("sendMessage", 500)
        with pytest.raises(Exception, match="Internal Server Error"):
            await bot.send_message(user.user_id, "c")
        assert user.messages == []

        # a slow server: the client times out although the message *was* delivered
        api.delay_next("sendMessage", 1.5)
        with pytest.raises(TelegramNetworkError, match="timeout"):
            await bot.send_message(user.user_id, "lento", request_timeout=1)
        assert (await user.wait_reply(30)).text == "lento"  # the server finishes it all the same

        # polling survives a dropped getUpdates connection
        api.fail_next_network("getUpdates", "disconnect")
        async with api.polling(echo_dispatcher(), bot=bot):
            await user.send_text("ancora qui")
            assert (await user.wait_reply(3)).text == "ancora qui"


async def test_send_document_bytes_are_received() -> None:
    async with FakeBotAPI() as api:
        user = api.user()
        async with api.polling(echo_dispatcher()) as bot:
            await user.send_command("/export")
            message = await user.wait_reply()
            assert message.kind == "document" and message.caption == "Esportazione"
            doc = user.documents[0]
            assert doc.filename == "risposte.csv"
            assert doc.content == b"id;risposta\n1;si\n"
            # the bot can fetch it back as from Telegram's file storage
            file = await bot.get_file(doc.file_id)
            assert file.file_size == len(doc.content)
            downloaded = await bot.download_file(file.file_path)
            assert downloaded is not None and downloaded.read() == doc.content


async def test_set_my_commands_per_language_and_scope() -> None:
    async with FakeBotAPI() as api:
        user_it = api.user(user_id=1, language_code="it")
        user_de = api.user(user_id=2, language_code="de")
        bot = api.make_bot()
        await bot.set_my_commands([BotCommand(command="start", description="Start")])
        await bot.set_my_commands(
            [BotCommand(command="start", description="Inizia"), BotCommand(command="aiuto", description="Aiuto")],
            language_code="it",
        )
        await bot.set_my_commands(
            [BotCommand(command="esci", description="Esci")], scope=BotCommandScopeAllPrivateChats(), language_code="it"
        )
        assert [c.command for c in await bot.get_my_commands(language_code="it")] == ["start", "aiuto"]
        assert [c.description for c in await bot.get_my_commands()] == ["Start"]
        assert await bot.get_my_commands(language_code="fr") == []
        assert api.get_commands("it")[1] == {"command": "aiuto", "description": "Aiuto"}
        assert api.get_commands("it", scope={"type": "all_private_chats"}) == [
            {"command": "esci", "description": "Esci"}
        ]
        # what the clients show: most specific scope first, then language fallback
        assert [c["command"] for c in user_it.commands_menu] == ["esci"]
        assert [c["command"] for c in user_de.commands_menu] == ["start"]

        with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
            await bot.set_my_commands([BotCommand(command="Start-Now", description="x")])
        await bot.delete_webhook(drop_pending_updates=True)
        await bot.session.close()


async def test_telegram_validation_errors() -> None:
    async with FakeBotAPI() as api:
        user = api.user()
        bot = api.make_bot()
        with pytest.raises(TelegramBadRequest, match="Unsupported start tag \"br\""):
            await bot.send_message(user.user_id, "riga<br>riga", parse_mode="HTML")
        with pytest.raises(TelegramBadRequest, match="can't parse entities"):
            await bot.send_message(user.user_id, "3 < 4", parse_mode="HTML")
        with pytest.raises(TelegramBadRequest, match="Character '.' is reserved"):
            await bot.send_message(user.user_id, "Fine.", parse_mode="MarkdownV2")
        with pytest.raises(TelegramBadRequest, match="chat not found"):
            await bot.send_message(999, "chi?")
        with pytest.raises(TelegramBadRequest, match="message text is empty"):
            await bot.send_message(user.user_id, "<b></b>", parse_mode="HTML")
        with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
            await bot.send_message(
                user.user_id,
                "x",
                reply_markup=InlineKeyboardMarkup(
                    inline_keyboard=[[InlineKeyboardButton(text="lungo", callback_data="x" * 65)]]
                ),
            )
        sent = await bot.send_message(user.user_id, "<i>ok</i> &amp; 3 &lt; 4", parse_mode="HTML")
        assert sent.text == "ok & 3 < 4"
        with pytest.raises(TelegramBadRequest, match="message is not modified"):
            await bot.edit_message_text("<i>ok</i> &amp; 3 &lt; 4", chat_id=user.user_id, message_id=sent.message_id,
                                        parse_mode="HTML")  # fmt: skip
        await bot.delete_message(user.user_id, sent.message_id)
        assert user.messages == [] and user.history[0].deleted
        with pytest.raises(TelegramBadRequest, match="message to delete not found"):
            await bot.delete_message(user.user_id, sent.message_id)
        await bot.send_chat_action(user.user_id, "typing")
        assert user.chat_actions == ["typing"]

        await user.block_bot()
        with pytest.raises(TelegramForbiddenError, match="blocked"):
            await bot.send_message(user.user_id, "ci sei?")
        await bot.session.close()


def test_markup_parsers() -> None:
    assert parse_html('<a href="https://x.it">sito</a> 🎉 <b>b</b>') == (
        "sito 🎉 b",
        [
            {"type": "text_link", "offset": 0, "length": 4, "url": "https://x.it"},
            {"type": "bold", "offset": 8, "length": 1},  # emoji = 2 UTF-16 units
        ],
    )
    assert parse_markdown_v2(r"*Ciao* \- _tu_\!") == (
        "Ciao - tu!",
        [{"type": "bold", "offset": 0, "length": 4}, {"type": "italic", "offset": 7, "length": 2}],
    )


async def test_media_edits_groups_and_reply_keyboards_reach_aiogram() -> None:
    got: list[tuple[str, str, str | None]] = []
    router = Router()

    @router.edited_message()
    async def edited(message: Message) -> None:
        got.append(("edited", message.chat.type, message.text))

    @router.message(Command("menu"))
    async def menu(message: Message) -> None:
        keyboard = ReplyKeyboardMarkup(
            keyboard=[[KeyboardButton(text="Residente"), KeyboardButton(text="Impresa")]], one_time_keyboard=True
        )
        await message.answer("Chi sei?", reply_markup=keyboard)

    @router.message(F.text.in_({"Residente", "Impresa"}))
    async def chosen(message: Message) -> None:
        await message.answer(f"ok {message.text}", reply_markup=ReplyKeyboardRemove())

    @router.message()
    async def anything(message: Message) -> None:
        content_type = getattr(message.content_type, "value", message.content_type)
        got.append((content_type, message.chat.type, message.text or message.caption))
        await message.answer(f"ricevuto {content_type}")

    dp = Dispatcher()
    dp.include_router(router)
    async with FakeBotAPI() as api:
        user = api.user(user_id=5, first_name="Luca", username="luca")
        async with api.polling(dp):
            for action in (
                user.send_sticker(),
                user.send_photo(caption="foto"),
                user.send_voice(),
                user.send_location(),
                user.send_document("verbale.pdf"),
                user.send_contact(),
                api.group_message(user, "nel gruppo"),
            ):
                await action
                await api.wait_idle()
            await user.send_text("prima")
            await user.wait_text("ricevuto text")
            await user.edit_last_text("dopo")
            await user.send_command("menu")
            assert (await user.wait_text("Chi sei?")).reply_keyboard == [["Residente", "Impresa"]]
            assert user.reply_keyboard == [["Residente", "Impresa"]]
            await user.press_reply("Impresa")
            assert (await user.wait_text("ok Impresa")).text == "ok Impresa"
            assert user.reply_keyboard is None
        assert got[:7] == [
            ("sticker", "private", None),
            ("photo", "private", "foto"),
            ("voice", "private", None),
            ("location", "private", None),
            ("document", "private", None),
            ("contact", "private", None),
            ("text", "supergroup", "nel gruppo"),
        ]
        assert ("edited", "private", "dopo") in got
        assert api.chat(-1001234567890).bot_messages[0].text == "ricevuto text"


async def test_allowed_updates_and_conflicting_pollers() -> None:
    dp = echo_dispatcher()  # no edited_message handler -> aiogram does not ask for them
    async with FakeBotAPI() as api:
        user = api.user()
        async with api.polling(dp):
            await user.send_text("x")
            await user.wait_reply()
            await user.edit_last_text("y")
            await user.send_text("z")
            assert (await user.wait_reply()).text == "z"
            assert "edited_message" not in (api.allowed_updates or [])
            assert [next(k for k in u if k != "update_id") for u in api.dropped_updates] == ["edited_message"]

        bot = api.make_bot()
        polls = api.count("getUpdates")
        first = asyncio.create_task(bot.get_updates(timeout=30))
        await api.wait_for_calls("getUpdates", polls + 1)  # the first poll is waiting at the server
        second = asyncio.create_task(bot.get_updates(timeout=0))
        with pytest.raises(TelegramConflictError):
            await first
        assert await second == []
        await bot.session.close()


async def test_update_json_is_telegram_shaped() -> None:
    api = FakeBotAPI()  # no server needed to build updates
    user = api.user(user_id=11, first_name="Eva", language_code="it")
    update = await user.send_command("/start@scenari_test_bot imprese")
    message = update["message"]
    assert message["chat"] == {"id": 11, "type": "private", "first_name": "Eva"}
    assert message["from"] == {"id": 11, "is_bot": False, "first_name": "Eva", "language_code": "it"}
    assert message["entities"] == [{"type": "bot_command", "offset": 0, "length": 23}]
    assert json.loads(json.dumps(update)) == update
