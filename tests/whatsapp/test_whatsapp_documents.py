"""Files on WhatsApp: «imieidati» sends the respondent's own data as a JSON document (Telegram's
/imieidati, the same file), and a newsletter's document reaches each subscriber with its text as the
caption, uploaded once. Through the Cloud API emulator, which keeps what was uploaded so the test
opens the file the person would open."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from storage import Database, outbox, repository
from storage.models import OutboxMessage
from tests.support import whatsapp as emulator
from tests.support.polling import until
from tests.whatsapp.conftest import Service
from tests.whatsapp.test_whatsapp_channel import consent, subscribe
from tests.whatsapp.test_whatsapp_parity import complete_visione


async def pseudonym_of(db: Database, wa_id: str) -> str:
    async with db.transaction() as session:
        respondent = await repository.get_respondent(session, "whatsapp", wa_id)
        assert respondent is not None
        return respondent.pseudonym


async def files_kept(db: Database, wa_id: str) -> int:
    """Outbox rows of this chat still holding a file to upload."""
    async with db.transaction() as session:
        rows = await session.scalars(select(OutboxMessage.payload).where(OutboxMessage.chat_id == int(wa_id)))
        return sum(1 for payload in rows if payload and "upload" in payload)


async def _none_kept(db: Database, wa_id: str) -> bool:
    return await files_kept(db, wa_id) == 0


async def test_imieidati_sends_my_answers_as_a_json_document_and_nobody_elses(
    cloud: emulator.CloudAPI, service: Service, db: Database
) -> None:
    me, other = cloud.user("393330000051"), cloud.user("393330000052")
    await complete_visione(me)  # 35 years old, Cremona centre, «piste ciclabili»
    await consent(other, "visione", "quanti anni hai")
    await other.send_text("77")
    await other.wait_text("Dove vivi")

    await me.send_text("imieidati")
    report = await me.wait_text("codice")  # the readable summary of «privacy» first
    document = await me.wait_for(lambda m: m.type == "document")
    assert report.type == "text" and me.messages.index(report) < me.messages.index(document)
    mine, theirs = await pseudonym_of(db, me.wa_id), await pseudonym_of(db, other.wa_id)
    assert document.filename == f"scenari-i-miei-dati-{mine}.json"
    assert mine in document.text and "I tuoi dati in un file JSON" in document.text
    assert document.media is not None and json.loads(document.media.content)["questionnaires"]
    data = json.loads(document.media.content.decode("utf-8"))
    assert data["format"] == "scenari-personal-data/1" and data["pseudonym"] == mine
    [visione] = data["questionnaires"]
    answers = {a["question"]: a["value"] for a in visione["answers"]}
    assert visione["questionnaire"] == "visione" and answers["area"] == "cremona_centre"
    assert "piste ciclabili" in str(answers["become"]) and str(answers["age"]) == "35"
    content = document.media.content.decode("utf-8")
    assert theirs not in content and "77" not in json.dumps(answers) and me.wa_id not in content
    assert [u.content for u in cloud.uploads] == [document.media.content]  # one upload, this person's file
    assert not any(m.type == "document" for m in other.messages)
    await until(lambda: _none_kept(db, me.wa_id))  # the file is not kept once sent

    await me.send_text("/I miei dati")  # the words work too, and a second request gets a fresh file
    await me.wait_for(lambda m: m.type == "document")
    assert len(cloud.uploads) == 2
    assert cloud.refused == []


async def test_imieidati_without_data_says_nothing_is_kept(cloud: emulator.CloudAPI, service: Service, db: Database) -> None:
    stranger = cloud.user("393330000053")
    await stranger.send_text("/imieidati")
    await stranger.wait_text("Non conservo nessun dato su di te")
    await stranger.expect_silence(1.0)
    assert not any(m.type == "document" for m in stranger.messages) and cloud.uploads == []
    async with db.transaction() as session:
        assert await repository.get_respondent(session, "whatsapp", stranger.wa_id) is None
    assert cloud.refused == []


async def test_a_newsletter_with_a_document_reaches_two_subscribers_uploaded_once(
    cloud: emulator.CloudAPI, service: Service, db: Database, tmp_path: Path
) -> None:
    subscribers = [cloud.user("393330000054"), cloud.user("393330000055")]
    for user in subscribers:
        await subscribe(user)
    programme = tmp_path / "programma-laboratorio.pdf"
    programme.write_bytes(b"%PDF-1.4\n% il programma del laboratorio\n%%EOF\n")
    async with db.transaction() as session:
        broadcast = await outbox.create_broadcast(
            session, segment={}, text_it="**Laboratorio aperto** giovedì: il programma è nel file.",
            document_path=str(programme), status="scheduled", scheduled_at=service.clock())
        broadcast_id = broadcast.id
    service.channel.sender.wake()
    for user in subscribers:
        news = await user.wait_for(lambda m: m.type == "document", timeout=90)
        assert news.text == "*Laboratorio aperto* giovedì: il programma è nel file."
        assert news.filename == "programma-laboratorio.pdf"
        assert news.media is not None and news.media.content == programme.read_bytes()
        assert news.media.mime_type == "application/pdf"

    async def both_sent() -> bool:
        async with db.transaction() as session:
            return int(await session.scalar(select(func.count()).select_from(OutboxMessage).where(
                OutboxMessage.broadcast_id == broadcast_id, OutboxMessage.status == "sent")) or 0) == 2

    await until(both_sent)
    await subscribers[0].expect_silence(2.0)  # the sender's next sweeps send nothing again
    assert [sum(m.type == "document" for m in u.messages) for u in subscribers] == [1, 1]
    assert len(cloud.uploads) == 1  # one upload for the broadcast, its media id reused
    async with db.transaction() as session:
        stored = await outbox.get_broadcast(session, broadcast_id)
        assert stored is not None and stored.document_file_id is None  # Telegram's file id is not WhatsApp's

    # with a questionnaire's button: the buttons under the document (a document header), another upload
    async with db.transaction() as session:
        await outbox.create_broadcast(session, segment={}, text_it="Un nuovo questionario, la scheda nel file.",
                                      buttons=[{"kind": "questionnaire", "questionnaire": "imprese"}],
                                      document_path=str(programme), status="scheduled", scheduled_at=service.clock())
    service.channel.sender.wake()
    second = await subscribers[1].wait_text("Un nuovo questionario")
    assert second.type == "interactive" and second.buttons and second.buttons[0].startswith("📝 Rispondi")
    assert second.filename == "programma-laboratorio.pdf" and second.media is not None
    await subscribers[0].wait_text("Un nuovo questionario")
    assert len(cloud.uploads) == 2
    assert cloud.refused == []


async def test_a_newsletter_file_outside_the_window_goes_as_the_document_template(
    cloud: emulator.CloudAPI, service: Service, db: Database, tmp_path: Path
) -> None:
    """A subscriber who last wrote two days ago still gets the newsletter's file: in the template's header."""
    user = cloud.user("393330000056")
    await subscribe(user)
    cloud.advance(hours=49)  # the 24-hour window closed: only templates go out
    service.offset += timedelta(hours=49)
    programme = tmp_path / "programma-laboratorio.pdf"
    programme.write_bytes(b"%PDF-1.4\n% il programma del laboratorio\n%%EOF\n")
    async with db.transaction() as session:
        await outbox.create_broadcast(
            session, segment={}, text_it="**Laboratorio aperto** giovedì: il programma è nel file.",
            document_path=str(programme), status="scheduled", scheduled_at=service.clock())
    service.channel.sender.wake()
    news = await user.wait_for(lambda m: m.type == "template" and m.document is not None, timeout=90)
    template = news.body["template"]
    assert template["name"] == "notizie_con_allegato" and template["language"]["code"] == "it"
    body = next(c for c in template["components"] if c["type"] == "body")
    assert body["parameters"][0]["text"] == "*Laboratorio aperto* giovedì: il programma è nel file."
    assert news.filename == "programma-laboratorio.pdf"
    assert news.media is not None and news.media.content == programme.read_bytes()
    assert cloud.refused == []


async def test_a_failed_upload_is_tried_again_and_the_file_arrives_once(
    cloud: emulator.CloudAPI, service: Service, db: Database
) -> None:
    me = cloud.user("393330000056")
    await consent(me, "visione", "quanti anni hai")
    await me.send_text("42")
    await me.wait_text("Dove vivi")
    cloud.fail_uploads = [503]  # Meta's media endpoint has a bad moment: nothing was shown to anyone
    await me.send_text("imieidati")
    document = await me.wait_for(lambda m: m.type == "document")
    assert document.media is not None and json.loads(document.media.content)["questionnaires"]
    await until(lambda: _none_kept(db, me.wa_id))
    await me.expect_silence(1.0)
    assert sum(m.type == "document" for m in me.messages) == 1 and len(cloud.uploads) == 1
    assert [r.code for _, r in cloud.refused] == [131000]  # the one simulated failure, nothing else refused


async def test_a_broadcast_file_whatsapp_does_not_take_fails_its_rows_with_one_attempt(
    cloud: emulator.CloudAPI, service: Service, db: Database, tmp_path: Path
) -> None:
    user = cloud.user("393330000057")
    await subscribe(user)
    archive = tmp_path / "materiali.zip"
    archive.write_bytes(b"PK\x03\x04")
    async with db.transaction() as session:
        broadcast_id = (await outbox.create_broadcast(
            session, segment={}, text_it="I materiali del laboratorio.", document_path=str(archive),
            status="scheduled", scheduled_at=service.clock())).id
    service.channel.sender.wake()

    async def failed() -> str | None:
        async with db.transaction() as session:
            return await session.scalar(select(OutboxMessage.last_error).where(
                OutboxMessage.broadcast_id == broadcast_id, OutboxMessage.status == "failed"))

    async def is_failed() -> bool:
        return await failed() is not None

    await until(is_failed)
    assert "materiali.zip" in str(await failed())
    assert not any("materiali" in m.text for m in user.messages) and cloud.uploads == [] and cloud.refused == []


def test_the_emulator_refuses_a_document_without_a_file_or_with_a_long_caption() -> None:
    base = {"messaging_product": "whatsapp", "to": "393330000000", "type": "document"}
    assert emulator.check_message({**base, "document": {"id": "1", "caption": "c" * 1024, "filename": "a.pdf"}}) == "document"
    for document in ({"filename": "a.pdf"}, {"id": "1", "caption": "c" * 1025}, {"id": "1", "link": "https://x/a.pdf"}):
        try:
            emulator.check_message({**base, "document": document})
        except emulator.Refused:
            continue
        raise AssertionError(f"accepted {document}")
