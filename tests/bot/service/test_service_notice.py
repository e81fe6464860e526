"""The privacy notice as the plan's data (privacy.yaml): checked, shown in short and in full, and a
new version asks for consent again only where a purpose changed."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from bot.service import personal_data
from bot.service.communication import set_subscription
from bot.service.conversation import Conversation
from bot.service.notice import (
    DEFAULT_NOTICE, NoticeError, check_notice, full_text, load_notice, retention_warnings, short_text, use_notice,
)
from bot.settings import Settings
from dialogs.i18n import speaking
from storage.models import Consent
from tests.support.plans import ROOT

CHANNEL = "telegram"
USER = "5557001"


def shipped() -> dict:
    return yaml.safe_load(DEFAULT_NOTICE.read_text(encoding="utf-8"))


def write(folder: Path, data: dict, name: str = "privacy.yaml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_the_shipped_notices_are_complete():
    assert check_notice(DEFAULT_NOTICE) == []
    assert check_notice(ROOT / "plans" / "bolzano" / "privacy.yaml") == []  # German first (its plan.yaml)
    notice = load_notice(DEFAULT_NOTICE)
    assert notice.version == "2026-11" and notice.default_language == "it"
    assert [p.id for p in notice.purposes][:2] == ["participation", "newsletter"]


def test_missing_fields_are_named_each(tmp_path):
    data = shipped()
    del data["dpo"]["email"]
    del data["controller"]
    del data["purposes"][1]["changed_in"]
    data["rights"]["complaint"].pop("authority")
    path = write(tmp_path, data)
    problems = check_notice(path)
    assert problems == [
        f"{path}: controller: missing",
        f"{path}: dpo.email: missing",
        f"{path}: purposes.newsletter.changed_in: missing",
        f"{path}: rights.complaint.authority: missing",
    ]
    with pytest.raises(NoticeError) as raised:
        load_notice(path)
    message = str(raised.value)
    assert "\n" not in message
    assert message == (f"Privacy notice {path}: missing controller, dpo.email, purposes.newsletter.changed_in, "
                       "rights.complaint.authority (set them in the plan's privacy.yaml).")


def test_wrong_values_say_what_is_expected(tmp_path):
    data = shipped()
    data["version"] = "autunno"
    data["purposes"][0]["legal_basis"]["article"] = "6(1)(e)"  # participation is asked by consent
    data["purposes"][2]["legal_basis"]["article"] = "art. 9"
    data["purposes"] = [p for p in data["purposes"] if p["id"] != "newsletter"]
    data["controller"]["emial"] = "typo@example.org"
    problems = [p.split(": ", 1)[1] for p in check_notice(write(tmp_path, data))]
    assert "version: a date as YYYY-MM or YYYY-MM-DD (versions sort by date)" in problems
    assert "controller.emial: unknown field (a typo?)" in problems
    assert any(p.startswith("purposes.security.legal_basis: article: 'art. 9' is not a basis of GDPR art. 6(1)") for p in problems)
    assert check_notice(tmp_path / "nowhere.yaml")[0].endswith("no such file: the plan folder needs its privacy notice "
                                                               "(see plans/cremona/privacy.yaml)")


def test_the_default_language_is_required_the_others_optional(tmp_path):
    """A German-first plan: every text in German, Italian and English where given (else German)."""
    data = shipped()
    for purpose in data["purposes"]:
        purpose["label"]["de"] = {"participation": "Teilnahme am Strategieplan"}.get(purpose["id"], purpose["label"]["it"])
    (tmp_path / "plan.yaml").write_text("name: Prova\nlanguages: [de, it, en]\n", encoding="utf-8")
    path = write(tmp_path, data)
    problems = check_notice(path)
    assert f"{path}: title: no text in 'de', the plan's default language" in problems
    assert f"{path}: purposes.participation.label: no text in 'de', the plan's default language" not in problems

    def german(value):
        return {"de": value["it"], **value} if isinstance(value, dict) and "it" in value else value

    def walk(node):
        if isinstance(node, dict):
            node = german(node)
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    complete = walk(data)
    complete["title"] = {"de": "Datenschutzinformation"}  # German only: Italian falls back to it
    notice = load_notice(write(tmp_path, complete))
    assert notice.default_language == "de"
    assert notice.text(notice.title, "it") == "Datenschutzinformation"
    assert notice.label("participation", "de") == "Teilnahme am Strategieplan"
    assert notice.label("participation", "en") == "Taking part in the strategic plan"


def test_a_text_may_have_a_register_s_wording_read_where_a_questionnaire_speaks_it(tmp_path):
    """``it@lei`` beside ``it``: the newsletter's purpose on a "Lei" questionnaire's end page."""
    notice = load_notice(DEFAULT_NOTICE)
    newsletter = notice.purpose("newsletter")
    assert newsletter is not None
    assert notice.text(newsletter.description, "it").startswith("Inviarti, solo se lo chiedi")
    with speaking("lei"):
        assert notice.text(newsletter.description, "it").startswith("Inviarle, solo se lo chiede")
        assert notice.text(newsletter.description, "en").startswith("Sending you")  # no English register
        assert notice.text(newsletter.label, "it") == "Newsletter del piano"  # no Lei text: as written
    with speaking("tu"):
        assert notice.text(newsletter.description, "it").startswith("Inviarti")

    data = shipped()
    data["title"]["it@voi"] = "Informativa a voi"
    problems = check_notice(write(tmp_path, data))
    assert any(p.endswith("title: not a two-letter language code (or code@lei/tu): it@voi") for p in problems), problems


def test_short_and_full_texts_come_from_the_file():
    notice = load_notice(DEFAULT_NOTICE)
    short = short_text(notice, "it", "https://scenari.example.org/informativa").splitlines()
    assert short[0] == "Prima di iniziare, due parole sulla privacy." and short[-1] == "Accetti di partecipare?"
    assert "Titolare del trattamento: Comune di Cremona (privacy@comune.cremona.example)" in short[1]
    assert "Partecipazione al piano strategico; Newsletter del piano" in short[2]
    assert "Garante per la protezione dei dati personali" in short[3] and "(art." not in short[3]
    assert short[4] == "L'informativa completa: https://scenari.example.org/informativa"
    full = full_text(notice, "it")
    for expected in ("Informativa del 1º novembre 2026", "Responsabile della protezione dei dati (RPD/DPO)",
                     "rpd@comune.cremona.example", "Base giuridica: il tuo consenso", "art. 6, par. 1, lett. a, GDPR",
                     "Testi liberi delle risposte: 24 mesi", "https://www.garanteprivacy.it", "portabilità (art. 20)"):
        assert expected in full, expected
    assert "Legal basis: your consent" in full_text(notice, "en")


def test_the_notice_sets_the_retention_the_settings_leave_unset_and_an_override_is_said():
    notice = load_notice(DEFAULT_NOTICE)
    unset = Settings()  # type: ignore[call-arg]
    assert retention_warnings(notice, unset) == []
    # what the notice promises is what the daily job applies
    assert (unset.retention_free_text_days, unset.retention_contact_days) == (730, 1095)
    assert unset.schedule_options().retention_free_text_days == 730
    shorter = Settings(SCENARI_RETENTION_FREE_TEXT_DAYS=365)  # type: ignore[call-arg]
    assert retention_warnings(notice, shorter) == [
        "the privacy notice says free_text is kept 730 days, but SCENARI_RETENTION_FREE_TEXT_DAYS is 365 days",
    ]
    assert (shorter.retention_free_text_days, shorter.retention_contact_days) == (365, 1095)
    matching = Settings(SCENARI_RETENTION_FREE_TEXT_DAYS=730, SCENARI_RETENTION_CONTACT_DAYS=1095)  # type: ignore[call-arg]
    assert retention_warnings(notice, matching) == []


# --- a new version, and consent asked again -----------------------------------------------------------


def bumped(tmp_path: Path, version: str, participation_changed: bool) -> Path:
    data = shipped()
    data["version"] = version
    data["published"] = f"{version}-01"
    if participation_changed:
        data["purposes"][0]["changed_in"] = version
        data["purposes"][0]["description"]["it"] += " Ora anche per gli incontri pubblici del piano."
    return write(tmp_path / version, data)


async def _start(db, conversation, user=USER):
    async with db.transaction() as session:
        respondent = await conversation.lookup(session, CHANNEL, user, "it")
        return await conversation.start(session, respondent, "imprese")


async def _consent(db, conversation, user=USER):
    async with db.transaction() as session:
        respondent = await conversation.lookup(session, CHANNEL, user)
        return await conversation.decide_consent(session, respondent, True, "imprese")


async def test_a_new_version_without_a_changed_purpose_does_not_ask_again(db, catalog, tmp_path):
    await _start(db, Conversation(catalog))
    await _consent(db, Conversation(catalog))  # under 2026-11
    corrected = Conversation(catalog, notice=load_notice(bumped(tmp_path, "2027-01", participation_changed=False)))
    reply = await _start(db, corrected)  # /start again after the city corrected an address
    assert [m.question_key for m in reply.messages] != ["_consent"]
    assert reply.run_id is not None


async def test_a_changed_participation_purpose_asks_again_on_the_next_start(db, catalog, tmp_path):
    await _start(db, Conversation(catalog))
    await _consent(db, Conversation(catalog))
    changed = Conversation(catalog, notice=load_notice(bumped(tmp_path, "2027-03", participation_changed=True)))
    reply = await _start(db, changed)
    assert [m.question_key for m in reply.messages] == ["_consent"]
    lines = reply.messages[0].text.splitlines()
    assert lines[1] == ("Abbiamo aggiornato l'informativa sulla privacy (informativa del 1º marzo 2027) e "
                        "«Partecipazione al piano strategico» è cambiata: le chiediamo di nuovo il consenso.")  # before imprese, which says "Lei"
    reply = await _consent(db, changed)  # agreeing again records the new version, and the run goes on
    assert reply.run_id is not None
    async with db.transaction() as session:
        versions = (await session.scalars(select(Consent.notice_version).order_by(Consent.id))).all()
    assert versions == ["2026-11", "2027-03"]
    assert (await _start(db, changed)).run_id is not None  # and is not asked a third time


async def test_a_consent_under_a_version_that_is_no_date_is_asked_again(db, catalog):
    conversation = Conversation(catalog)
    await _start(db, conversation)
    async with db.transaction() as session:  # what an older deployment recorded (SCENARI_PRIVACY_NOTICE_VERSION=1)
        respondent = await conversation.respondent(session, CHANNEL, USER, "it")
        session.add(Consent(respondent_id=respondent.id, purpose="participation", granted=True, notice_version="1"))
    assert [m.question_key for m in (await _start(db, conversation)).messages] == ["_consent"]


# --- plain words in /privacy and in the download ---------------------------------------------------------------


async def test_privacy_report_and_download_speak_plain_words(db, catalog):
    conversation = Conversation(catalog)
    use_notice(conversation.notice)
    await _start(db, conversation)
    await _consent(db, conversation)
    async with db.transaction() as session:
        respondent = await conversation.lookup(session, CHANNEL, USER)
        await set_subscription(session, respondent, True)
        report = await conversation.privacy_report(session, respondent)
        data = await personal_data.export(session, respondent.id, "test", conversation.notice)
    assert "Consenso «Partecipazione al piano strategico»: dato il " in report
    assert "Consenso «Newsletter del piano»: dato il " in report
    assert "(informativa del 1º novembre 2026)" in report
    for code in ("participation", "«newsletter", "newsletter-1", "informativa 2026-11", "/20"):
        assert code not in report, code
    import json

    consents = json.loads(data.content)["consents"]
    assert [(c["purpose"], c["purpose_label"], c["notice_version"], c["notice"]) for c in consents] == [
        ("participation", "Partecipazione al piano strategico", "2026-11", "informativa del 1º novembre 2026"),
        ("newsletter", "Newsletter del piano", "2026-11", "informativa del 1º novembre 2026"),
    ]
