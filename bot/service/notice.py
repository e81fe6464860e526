"""The privacy notice (GDPR art. 13) as data of the deployment: the plan's ``privacy.yaml``.

A municipality is the controller and its DPO signs the notice, so its words belong to the city,
not to the code: the plan folder holds them (plans/cremona/privacy.yaml is the example), in the
plan's default language and, optionally, in any other. This module reads and checks the file —
:func:`load_notice` raises :class:`NoticeError` naming every missing field in one line, so
`scenari serve`, `bot` and `chat` refuse to start on an incomplete notice, and
:func:`check_notice` lists the same problems for `scenari plan validate` — and renders it: in
full (:func:`full_sections`, :func:`full_text`: the web page /informativa, Telegram's
/informativa) and in short for the consent question (:func:`short_text`).

Versions are dates (``2026-11`` or ``2026-11-01``), so they sort. Each purpose says in which
version it last changed: a consent given under an older version is asked again only when a
purpose it covers changed since (:meth:`Notice.changed_since`), not for a corrected address.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import (
    AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, ValidationInfo, model_validator,
)

from dialogs.i18n import REGISTERS, current_register

from bot.plan import DEFAULT_PLAN_DIR, FALLBACK_LANGUAGES, PRIVACY, plan_at

from .texts import translate

VERSION = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")
ARTICLE = re.compile(r"^6\(1\)\(([a-f])\)$")
# The purposes the code asks consent for (bot.service.reply.PARTICIPATION, storage.audiences.NEWSLETTER):
# the notice must describe them, under consent.
CONSENT_PURPOSES = ("participation", "newsletter")
DEFAULT_NOTICE = DEFAULT_PLAN_DIR / PRIVACY
NOTICE_PATH = "/informativa"  # the web page of the full notice


class NoticeError(ValueError):
    """The notice cannot be used; the message is one line naming the file and the missing fields."""


def version_key(version: str | None) -> tuple[int, int, int] | None:
    """A version's place in time, or None for one that is no date (legacy "1", a test's "t")."""
    match = VERSION.match(version or "")
    if not match:
        return None
    return int(match[1]), int(match[2]), int(match[3] or 0)


def _as_mapping(value: Any, info: ValidationInfo) -> Any:
    """A plain string is the default language's text (an address reads the same in every language)."""
    if isinstance(value, str):
        return {_default(info): value}
    return value


def _has_default(value: dict[str, str], info: ValidationInfo) -> dict[str, str]:
    default = _default(info)
    cleaned = {str(lang).lower(): str(text).strip() for lang, text in value.items() if text is not None}
    if not cleaned.get(default):
        raise ValueError(f"no text in {default!r}, the plan's default language")
    # a language may also have its text in a register (``it@lei``), read while a questionnaire of that
    # register speaks (dialogs.i18n.speaking) — e.g. the newsletter's purpose on a "Lei" end page
    bad = [lang for lang in cleaned if not re.fullmatch(r"[a-z]{2}(@(" + "|".join(REGISTERS) + r"))?", lang)]
    if bad:
        raise ValueError(f"not a two-letter language code (or code@{'/'.join(REGISTERS)}): {', '.join(bad)}")
    return cleaned


def _default(info: ValidationInfo) -> str:
    return str((info.context or {}).get("default_language", FALLBACK_LANGUAGES[0]))


# A text in several languages: the default one required, the others optional.
Localized = Annotated[dict[str, str], BeforeValidator(_as_mapping), AfterValidator(_has_default)]


def _version(value: str) -> str:
    value = str(value).strip()
    if version_key(value) is None:
        raise ValueError("a date as YYYY-MM or YYYY-MM-DD (versions sort by date)")
    return value


Version = Annotated[str, BeforeValidator(lambda v: str(v) if v is not None else v), AfterValidator(_version)]


def _email(value: str) -> str:
    value = value.strip()
    if value.count("@") != 1 or " " in value or value.startswith("@") or value.endswith("@"):
        raise ValueError("an e-mail address such as privacy@comune.example.it")
    return value


Email = Annotated[str, AfterValidator(_email)]


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Contact(_Part):
    name: Localized
    email: Email
    address: str | None = None
    pec: Email | None = None
    phone: str | None = None
    web: str | None = None


class LegalBasis(_Part):
    article: str = Field(description="GDPR art. 6(1), e.g. 6(1)(a) for consent")
    text: Localized

    @model_validator(mode="after")
    def _article(self) -> LegalBasis:
        if not ARTICLE.match(self.article.replace(" ", "")):
            raise ValueError(f"article: {self.article!r} is not a basis of GDPR art. 6(1): write 6(1)(a) … 6(1)(f)")
        return self

    @property
    def letter(self) -> str:
        match = ARTICLE.match(self.article.replace(" ", ""))
        assert match is not None
        return match[1]


class Purpose(_Part):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: Localized
    description: Localized
    legal_basis: LegalBasis
    changed_in: Version


class Retention(_Part):
    kind: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: Localized
    period: Localized
    days: int | None = Field(None, ge=1)


class Complaint(_Part):
    authority: Localized
    text: Localized
    web: str | None = None


class Rights(_Part):
    items: list[Localized] = Field(min_length=1)
    how: Localized
    complaint: Complaint


class Notice(_Part):
    version: Version
    published: date
    title: Localized
    controller: Contact
    dpo: Contact
    purposes: list[Purpose] = Field(min_length=1)
    retention: list[Retention] = Field(min_length=1)
    recipients: list[Localized] = Field(min_length=1)
    rights: Rights
    intro: Localized | None = None
    data: Localized | None = None
    transfers: Localized | None = None
    provision: Localized | None = None
    default_language: str = "it"  # set by the loader from the plan, not written in the file

    @model_validator(mode="after")
    def _coherent(self) -> Notice:
        ids = [p.id for p in self.purposes]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise ValueError(f"purposes: listed twice: {', '.join(twice)}")
        missing = [i for i in CONSENT_PURPOSES if i not in ids]
        if missing:
            raise ValueError(f"purposes: missing {', '.join(missing)} (Scenari asks consent for it)")
        for purpose in self.purposes:
            if purpose.id in CONSENT_PURPOSES and purpose.legal_basis.letter != "a":
                raise ValueError(f"purposes.{purpose.id}.legal_basis: Scenari asks consent for it: write 6(1)(a)")
            if version_key(purpose.changed_in) > version_key(self.version):  # type: ignore[operator]
                raise ValueError(f"purposes.{purpose.id}.changed_in: {purpose.changed_in} is after the notice's version {self.version}")
        kinds = [r.kind for r in self.retention]
        if len(set(kinds)) != len(kinds):
            raise ValueError("retention: a kind of data is listed twice")
        return self

    # --- reading -------------------------------------------------------------------------------

    def text(self, value: dict[str, str] | None, lang: str) -> str:
        """``value`` in ``lang`` — in the register being spoken when it has a text for it (``it@lei``) —
        else in the default language (always there: the loader checked)."""
        if not value:
            return ""
        register = current_register()
        return ((value.get(f"{lang}@{register}") if register else None) or value.get(lang)
                or value.get(self.default_language) or next(iter(value.values())))

    def purpose(self, purpose_id: str) -> Purpose | None:
        return next((p for p in self.purposes if p.id == purpose_id), None)

    def label(self, purpose_id: str, lang: str) -> str:
        """The plain name of a purpose (an unknown one, e.g. from an older deployment, as stored)."""
        purpose = self.purpose(purpose_id)
        return self.text(purpose.label, lang) if purpose else purpose_id

    def changed_since(self, purpose_id: str, agreed_version: str | None) -> bool:
        """Whether ``purpose_id`` changed after the version a respondent agreed to.

        A version that is no date (a legacy "1") cannot be placed: the consent is asked again.
        A purpose the notice no longer lists has not changed (nothing new to agree to).
        """
        agreed = version_key(agreed_version)
        if agreed is None:
            return True
        purpose = self.purpose(purpose_id)
        return purpose is not None and version_key(purpose.changed_in) > agreed  # type: ignore[operator]

    def agreed_since(self, purpose_id: str) -> str | None:
        """The oldest version a consent to ``purpose_id`` may have been given under and still stand.

        The same rule as :meth:`changed_since`, as one string storage can compare in SQL
        (storage.audiences.agreed_since): ``changed_in`` written out, "2026-11-00" as "2026-11".
        None: the notice does not list the purpose (nothing changed to agree to).
        """
        purpose = self.purpose(purpose_id)
        key = version_key(purpose.changed_in) if purpose else None
        if key is None:
            return None
        return f"{key[0]:04d}-{key[1]:02d}" + (f"-{key[2]:02d}" if key[2] else "")

    def version_words(self, version: str, lang: str) -> str:
        """A version as a person reads it: «informativa del 1 novembre 2026»."""
        key = version_key(version)
        if version == self.version:
            return translate("notice_of_date", lang, date=long_date(self.published, lang))
        if key is None:
            return translate("notice_version", lang, version=version)
        if key[2]:
            return translate("notice_of_date", lang, date=long_date(date(*key), lang))
        return translate("notice_of_month", lang, month=month_name(key[1], lang), year=key[0])


def month_name(month: int, lang: str) -> str:
    return translate("months", lang).split(",")[month - 1].strip()


def long_date(day: date, lang: str) -> str:
    """1 novembre 2026 / 1 November 2026."""
    first = translate("first_of_month", lang) if day.day == 1 else str(day.day)  # «1º novembre»
    return translate("long_date", lang, day=first, month=month_name(day.month, lang), year=day.year)


# --- loading and checking ---------------------------------------------------------------------------


def _where(loc: tuple[Any, ...], data: Any) -> str:
    """A pydantic location as the file's reader names it: purposes.newsletter.label (ids, not indices)."""
    parts: list[str] = []
    node = data
    for step in loc:
        if isinstance(step, int) and isinstance(node, list) and step < len(node):
            item = node[step]
            parts.append(str(item["id"]) if isinstance(item, dict) and item.get("id") else f"[{step + 1}]")
            node = item
            continue
        if str(step).startswith(("function-", "dict[")):  # a validator's own step, not a field
            continue
        parts.append(str(step))
        node = node.get(step) if isinstance(node, dict) else None
    return ".".join(parts).replace(".[", "[") or "file"


def _problems(error: ValidationError, data: Any) -> list[str]:
    problems = []
    for item in error.errors():
        where = _where(tuple(item["loc"]), data)
        kind = item["type"]
        if kind == "missing":
            problems.append(f"{where}: missing")
        elif kind == "extra_forbidden":
            problems.append(f"{where}: unknown field (a typo?)")
        else:
            message = str(item["msg"]).removeprefix("Value error, ")
            problems.append(f"{where}: {message}" if where != "file" else message)
    return problems


def _read(path: Path) -> tuple[Any, list[str]]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, ["no such file: the plan folder needs its privacy notice (see plans/cremona/privacy.yaml)"]
    except OSError as exc:
        return None, [f"cannot read ({exc.strerror or exc})"]
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "file"
        return None, [f"{where}: not valid YAML: {getattr(exc, 'problem', exc)}"]
    if not isinstance(data, dict):
        return None, ["the top level must be a mapping (version, controller, dpo, purposes …)"]
    return data, []


def _languages(path: Path, languages: tuple[str, ...] | None) -> tuple[str, ...]:
    if languages:
        return tuple(languages)
    try:
        return plan_at(path.parent).languages  # the plan.yaml beside it, else Cremona's (it, en)
    except ValueError:
        return FALLBACK_LANGUAGES


def _parse(path: Path, languages: tuple[str, ...] | None) -> tuple[Notice | None, list[str]]:
    data, problems = _read(path)
    if data is None:
        return None, problems
    default = _languages(path, languages)[0]
    data = {k: v for k, v in data.items() if k != "default_language"}
    try:
        notice = Notice.model_validate(data, context={"default_language": default})
    except ValidationError as exc:
        return None, _problems(exc, data)
    return notice.model_copy(update={"default_language": default}), []


def check_notice(path: Path | str, languages: tuple[str, ...] | None = None) -> list[str]:
    """Every problem of the notice at ``path``, each ``"<file>: <field>: <what>"`` (empty: fine).

    ``languages`` are the plan's, its default first (default: the plan.yaml beside the file).
    For `scenari plan validate`.
    """
    path = Path(path)
    _, problems = _parse(path, languages)
    return [f"{path}: {problem}" for problem in problems]


@lru_cache(maxsize=8)
def _cached(path: Path, languages: tuple[str, ...] | None, mtime: float) -> Notice:
    notice, problems = _parse(path, languages)
    if notice is None:
        missing = [p.removesuffix(": missing") for p in problems if p.endswith(": missing")]
        if missing and len(missing) == len(problems):
            raise NoticeError(f"Privacy notice {path}: missing {', '.join(missing)} (set them in the plan's privacy.yaml).")
        raise NoticeError(f"Privacy notice {path}: {'; '.join(problems)}.")
    return notice


def load_notice(path: Path | str = DEFAULT_NOTICE, languages: tuple[str, ...] | None = None) -> Notice:
    """The checked notice at ``path`` (read once while the file is unchanged); raises :class:`NoticeError`."""
    path = Path(path)
    try:
        mtime = path.stat().st_mtime
    except OSError:
        mtime = 0.0
    return _cached(path, tuple(languages) if languages else None, mtime)


def notice_of(settings: Any) -> Notice:
    """The deployment's notice: ``privacy.yaml`` of SCENARI_PLAN_DIR, in the plan's languages."""
    plan = settings.plan
    return load_notice(plan.privacy, plan.languages)


def retention_warnings(notice: Notice, settings: Any) -> list[str]:
    """Apply the retention the notice promises; say where a setting overrides it (logged at start-up).

    A retention setting left unset takes the notice's period, so what the city tells people is
    what the daily job does; a setting that says otherwise wins, with a warning naming both.
    """
    settings_of = {"free_text": ("retention_free_text_days", "SCENARI_RETENTION_FREE_TEXT_DAYS"),
                   "contact": ("retention_contact_days", "SCENARI_RETENTION_CONTACT_DAYS"),
                   "audit": ("audit_retention_days", "SCENARI_AUDIT_RETENTION_DAYS")}
    explicit = getattr(settings, "model_fields_set", set())
    warnings = []
    for item in notice.retention:
        if item.days is None or item.kind not in settings_of:
            continue
        field, variable = settings_of[item.kind]
        actual = getattr(settings, field, None)
        if field not in explicit:
            setattr(settings, field, item.days)  # unset (or a default): the notice's period applies
            continue
        if actual != item.days:
            shown = "unset (never erased)" if actual is None else f"{actual} days"
            warnings.append(f"the privacy notice says {item.kind} is kept {item.days} days, but {variable} is {shown}")
    return warnings


# --- rendering ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    """One part of the full notice: a heading, paragraphs, and a list (purposes, rights …)."""

    heading: str
    paragraphs: tuple[str, ...] = ()
    items: tuple[str, ...] = ()
    links: tuple[tuple[str, str], ...] = ()  # (text, address) shown after the paragraphs


def _contact_lines(notice: Notice, contact: Contact, lang: str) -> tuple[str, ...]:
    lines = [notice.text(contact.name, lang)]
    if contact.address:
        lines.append(contact.address)
    lines.append(translate("notice_email", lang, email=contact.email))
    if contact.pec:
        lines.append(translate("notice_pec", lang, pec=contact.pec))
    if contact.phone:
        lines.append(translate("notice_phone", lang, phone=contact.phone))
    return tuple(lines)


def basis_words(notice: Notice, basis: LegalBasis, lang: str) -> str:
    return translate("notice_basis", lang, text=notice.text(basis.text, lang), letter=basis.letter)


def full_sections(notice: Notice, lang: str) -> list[Section]:
    """The whole notice in ``lang``, section by section (the web page and the chat's text)."""
    t = notice.text
    sections = []
    if notice.intro:
        sections.append(Section("", (t(notice.intro, lang),)))
    controller_links = ((notice.controller.web, notice.controller.web),) if notice.controller.web else ()
    sections.append(Section(translate("notice_controller", lang), _contact_lines(notice, notice.controller, lang),
                            links=controller_links))
    sections.append(Section(translate("notice_dpo", lang), _contact_lines(notice, notice.dpo, lang)))
    if notice.data:
        sections.append(Section(translate("notice_data", lang), (t(notice.data, lang),)))
    sections.append(Section(translate("notice_purposes", lang), items=tuple(
        f"{t(p.label, lang)} — {t(p.description, lang)} {basis_words(notice, p.legal_basis, lang)}" for p in notice.purposes
    )))
    sections.append(Section(translate("notice_retention", lang), items=tuple(
        f"{t(r.label, lang)}: {t(r.period, lang)}" for r in notice.retention
    )))
    sections.append(Section(translate("notice_recipients", lang), items=tuple(t(r, lang) for r in notice.recipients)))
    if notice.transfers:
        sections.append(Section(translate("notice_transfers", lang), (t(notice.transfers, lang),)))
    if notice.provision:
        sections.append(Section(translate("notice_provision", lang), (t(notice.provision, lang),)))
    complaint = notice.rights.complaint
    sections.append(Section(
        translate("notice_rights", lang),
        (translate("notice_rights_intro", lang), t(notice.rights.how, lang),
         f"{t(complaint.text, lang)} {t(complaint.authority, lang)}" + (f": {complaint.web}" if complaint.web else "")),
        items=tuple(t(item, lang) for item in notice.rights.items),
    ))
    return sections


def full_text(notice: Notice, lang: str) -> str:
    """The whole notice as plain text, for a chat (Telegram's /informativa, the terminal)."""
    lines = [notice.text(notice.title, lang).upper(), notice.version_words(notice.version, lang).capitalize()]
    for section in full_sections(notice, lang):
        lines.append("")
        if section.heading:
            lines.append(section.heading)
        lines.extend(section.paragraphs[:1] if section.items and section.paragraphs else ())
        lines.extend(f"• {item}" for item in section.items)
        lines.extend(section.paragraphs[1:] if section.items else section.paragraphs)
        lines.extend(address for _, address in section.links)
    return "\n".join(lines)


def short_text(notice: Notice, lang: str, url: str | None) -> str:
    """The consent question's notice: the controller, the purposes, the rights, the full notice's address.

    The first line and the question (the last) stay the same whatever the plan: the web shows
    the lines between as the notice and the last as the question.
    """
    t = notice.text
    purposes = "; ".join(t(p.label, lang) for p in notice.purposes)
    rights = ", ".join(re.sub(r"\s*\([^)]*\)", "", t(item, lang)) for item in notice.rights.items)  # no article numbers
    lines = [
        translate("consent_intro", lang),
        translate("consent_controller", lang, controller=t(notice.controller.name, lang), email=notice.controller.email,
                  dpo=notice.dpo.email),
        translate("consent_purposes", lang, purposes=purposes),
        translate("consent_rights", lang, rights=rights, authority=t(notice.rights.complaint.authority, lang)),
    ]
    if url:
        lines.append(translate("consent_link", lang, url=url))
    lines.append(translate("consent_question", lang))
    return "\n".join(lines)


def default_notice() -> Notice:
    """Cremona's notice (the shipped plan): what a Conversation built without settings shows."""
    return load_notice(DEFAULT_NOTICE)


_CURRENT: list[Notice] = []


def use_notice(notice: Notice) -> None:
    """Make ``notice`` the process's (set by ``conversation_from_settings``, read by the newsletter's opt-in)."""
    _CURRENT[:] = [notice]


def current_notice() -> Notice:
    """The notice of this process's plan (Cremona's until a conversation is built from settings)."""
    return _CURRENT[0] if _CURRENT else default_notice()
