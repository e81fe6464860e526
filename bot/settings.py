"""Settings from the environment and `.env`, made once at start-up and passed down."""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.plan import DEFAULT_PLAN_DIR, PlanError, PlanFolder, plan_at
from exports.options import Options as TableOptions, ScheduleOptions

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///var/scenari.db"
# The shipped example plan (Cremona's, bot/plan.py): a city's own folder replaces it (SCENARI_PLAN_DIR).


class SettingsError(Exception):
    """A setting is wrong or missing; the message is one line naming the variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = Field(DEFAULT_DATABASE_URL, alias="SCENARI_DATABASE_URL")
    telegram_bot_token: str | None = Field(None, alias="TELEGRAM_BOT_TOKEN")
    telegram_api_base: str | None = Field(None, alias="TELEGRAM_API_BASE")
    analysts: Annotated[frozenset[int], NoDecode] = Field(frozenset(), alias="SCENARI_ANALYSTS")
    raters: Annotated[frozenset[int], NoDecode] = Field(frozenset(), alias="SCENARI_RATERS")
    rating_weights: Annotated[dict[str, float], NoDecode] = Field(default_factory=dict, alias="SCENARI_RATING_WEIGHTS")
    telegram_bot_username: str | None = Field(None, alias="TELEGRAM_BOT_USERNAME")
    # the default language; unset: the plan's (the first of plan.yaml `languages`), which it must be one of
    lang: str = Field("", alias="SCENARI_LANG")
    # the deployment's plan folder: its questionnaires, lists, taxonomy, baseline, register,
    # privacy notice and the texts it overrides (issue 18 item 6)
    plan_dir: Path = Field(DEFAULT_PLAN_DIR, alias="SCENARI_PLAN_DIR")
    questionnaires_dir: Path | None = Field(None, alias="SCENARI_QUESTIONNAIRES_DIR")
    run_expiry_hours: float = Field(24 * 14, alias="SCENARI_RUN_EXPIRY_HOURS", gt=0)
    spacy_model: str | None = Field(None, alias="SCENARI_SPACY_MODEL")
    log_level: str = Field("INFO", alias="SCENARI_LOG_LEVEL")
    # the convergence tables: rebuilt every N minutes by `scenari serve`; counts under k are hidden
    aggregate_minutes: float = Field(15, alias="SCENARI_AGGREGATE_MINUTES", gt=0)
    suppress_k: int = Field(3, alias="SCENARI_SUPPRESS_K", ge=1)
    # privacy (issue 16): how long the audit log and each kind of data are kept, in days
    audit_retention_days: int = Field(730, alias="SCENARI_AUDIT_RETENTION_DAYS", ge=1)
    retention_free_text_days: int | None = Field(None, alias="SCENARI_RETENTION_FREE_TEXT_DAYS", ge=1)
    retention_contact_days: int | None = Field(None, alias="SCENARI_RETENTION_CONTACT_DAYS", ge=1)
    # the age gate (fragments/age_gate.yaml): a respondent younger than this is stopped. 14 is
    # Italy's age of digital consent (Codice privacy art. 2-quinquies), the lowest allowed; 18, adulthood
    minimum_age: int = Field(14, alias="SCENARI_MINIMUM_AGE")
    # where the tables are rebuilt; the analysts' nightly package (HH:MM in a time zone; a zip of
    # csv or parquet files beside the workbook when set), sent to /iscrivi_report subscribers
    exports_dir: Path = Field(Path("var/exports"), alias="SCENARI_EXPORTS_DIR")
    report_time: str = Field("02:30", alias="SCENARI_REPORT_TIME")
    report_timezone: str = Field("Europe/Rome", alias="SCENARI_REPORT_TIMEZONE")
    report_package: str | None = Field(None, alias="SCENARI_REPORT_PACKAGE")
    # `scenari serve`: the web channel's address, the key signing its cookies (unset: one kept in
    # var/secret_key), and, when set, the public HTTPS URL Telegram delivers updates to (webhook).
    host: str = Field("127.0.0.1", alias="SCENARI_HOST", min_length=1)
    port: int = Field(8000, alias="SCENARI_PORT", ge=1, le=65535)
    secret_key: str | None = Field(None, alias="SCENARI_SECRET_KEY", repr=False)
    telegram_webhook_url: str | None = Field(None, alias="TELEGRAM_WEBHOOK_URL")
    # long polling: how long an update's replies may take before Telegram is told to forget it anyway
    # (bot.telegram.confirmations): a crash before then gets the update again and shows the open question
    telegram_reply_wait: float = Field(2.0, alias="SCENARI_TELEGRAM_REPLY_WAIT", ge=0, le=120)
    # the communication plan (bot.service.communication, bot.telegram.sender): the sender's global pace (messages
    # per second, 0 = no limit) and the spacing between two messages to one chat; reminders of
    # stopped runs (delays after the last answer, e.g. "24h,96h"; at most that many, or
    # SCENARI_REMINDER_MAX), never in the quiet hours of the city's time zone; the public results
    # page for the "results" button; what a restarted sender does with a message interrupted
    # while Telegram had it ("hold": never twice, "resend": never skipped).
    broadcast_rate: float = Field(25.0, alias="SCENARI_BROADCAST_RATE", ge=0)
    chat_spacing: float = Field(1.0, alias="SCENARI_BROADCAST_CHAT_SPACING", ge=0)
    reminder_delays: Annotated[tuple[float, ...], NoDecode] = Field((24.0, 96.0), alias="SCENARI_REMINDER_DELAYS")
    reminder_max: int | None = Field(None, alias="SCENARI_REMINDER_MAX", ge=0)
    quiet_hours: str = Field("21:00-09:00", alias="SCENARI_QUIET_HOURS")
    city_timezone: str = Field("Europe/Rome", alias="SCENARI_TIMEZONE")
    results_url: str | None = Field(None, alias="SCENARI_RESULTS_URL")
    sender_uncertain: str = Field("hold", alias="SCENARI_SENDER_UNCERTAIN", pattern="^(hold|resend)$")
    # e-mail invitations and reminders to the register's contacts (bot.mail, issue 19): the SMTP
    # server (STARTTLS unless turned off; SCENARI_SMTP_TLS for a server that speaks TLS from the
    # first byte, port 465), the sender's address and name (unset: the plan's name), the pace in
    # e-mails per second, the public address of the web pages the links open, and the days after
    # the invitation (then after each reminder) a contact who has not answered is reminded.
    smtp_host: str | None = Field(None, alias="SCENARI_SMTP_HOST")
    smtp_port: int | None = Field(None, alias="SCENARI_SMTP_PORT", ge=1, le=65535)  # unset: 587 (465 with TLS)
    smtp_user: str | None = Field(None, alias="SCENARI_SMTP_USER")
    smtp_password: str | None = Field(None, alias="SCENARI_SMTP_PASSWORD", repr=False)
    smtp_starttls: bool = Field(True, alias="SCENARI_SMTP_STARTTLS")
    smtp_tls: bool = Field(False, alias="SCENARI_SMTP_TLS")
    smtp_timeout: float = Field(30.0, alias="SCENARI_SMTP_TIMEOUT", gt=0)
    smtp_ca_file: Path | None = Field(None, alias="SCENARI_SMTP_CA_FILE")  # a relay's own CA (unset: the system's)
    email_from: str | None = Field(None, alias="SCENARI_EMAIL_FROM")
    email_sender_name: str | None = Field(None, alias="SCENARI_EMAIL_SENDER_NAME")
    email_rate: float = Field(1.0, alias="SCENARI_EMAIL_RATE", ge=0)
    public_url: str | None = Field(None, alias="SCENARI_PUBLIC_URL")
    email_reminder_days: Annotated[tuple[float, ...], NoDecode] = Field((7.0, 14.0), alias="SCENARI_EMAIL_REMINDER_DAYS")
    # the WhatsApp Cloud API channel (bot.whatsapp, issue 19; docs/whatsapp.md): on when the token, the
    # phone number id, the app secret (checks X-Hub-Signature-256) and the webhook's verify token are set.
    # Outside the 24-hour window only approved templates go out: their names (unset: not sent, skipped).
    whatsapp_token: str | None = Field(None, alias="SCENARI_WHATSAPP_TOKEN", repr=False)
    whatsapp_phone_id: str | None = Field(None, alias="SCENARI_WHATSAPP_PHONE_ID", pattern=r"^\d{1,30}$")
    whatsapp_app_secret: str | None = Field(None, alias="SCENARI_WHATSAPP_APP_SECRET", repr=False)
    whatsapp_verify_token: str | None = Field(None, alias="SCENARI_WHATSAPP_VERIFY_TOKEN", repr=False)
    whatsapp_api_url: str = Field("https://graph.facebook.com", alias="SCENARI_WHATSAPP_API_URL", pattern=r"^https?://\S+$")
    whatsapp_api_version: str = Field("v21.0", alias="SCENARI_WHATSAPP_API_VERSION", pattern=r"^v\d+\.\d+$")
    whatsapp_template_reminder: str | None = Field(None, alias="SCENARI_WHATSAPP_TEMPLATE_REMINDER", pattern=r"^[a-z0-9_]{1,512}$")
    whatsapp_template_newsletter: str | None = Field(None, alias="SCENARI_WHATSAPP_TEMPLATE_NEWSLETTER", pattern=r"^[a-z0-9_]{1,512}$")
    whatsapp_template_feedback: str | None = Field(None, alias="SCENARI_WHATSAPP_TEMPLATE_FEEDBACK", pattern=r"^[a-z0-9_]{1,512}$")
    # a template whose header is a DOCUMENT: a broadcast's file outside the window (unset: the text template, no file)
    whatsapp_template_document: str | None = Field(None, alias="SCENARI_WHATSAPP_TEMPLATE_DOCUMENT", pattern=r"^[a-z0-9_]{1,512}$")
    # how long a message claimed by a process stays its own: a killed process's messages wait this long
    # before another takes them (those it had in flight are then held as uncertain, never sent twice)
    whatsapp_lease_seconds: float = Field(60.0, alias="SCENARI_WHATSAPP_LEASE_SECONDS", ge=2, le=3600)

    @property
    def whatsapp_enabled(self) -> bool:
        """All four WhatsApp settings given (one or three of them alone: :meth:`_whatsapp_complete` says which is missing)."""
        return bool(self.whatsapp_token and self.whatsapp_phone_id and self.whatsapp_app_secret and self.whatsapp_verify_token)

    @model_validator(mode="after")
    def _whatsapp_complete(self) -> Settings:
        names = {"SCENARI_WHATSAPP_TOKEN": self.whatsapp_token, "SCENARI_WHATSAPP_PHONE_ID": self.whatsapp_phone_id,
                 "SCENARI_WHATSAPP_APP_SECRET": self.whatsapp_app_secret,
                 "SCENARI_WHATSAPP_VERIFY_TOKEN": self.whatsapp_verify_token}
        missing = [name for name, value in names.items() if not value]
        if missing and len(missing) < len(names):
            raise ValueError(f"{missing[0]} is not set (the WhatsApp channel needs it with the other SCENARI_WHATSAPP_ settings)")
        return self

    @field_validator("reminder_delays", mode="before")
    @classmethod
    def _reminder_delays(cls, value: object) -> tuple[float, ...]:
        """Hours, or numbers with a unit (m, h, d): "24h,96h", "1d,4d", "" for no reminders."""
        if value is None:
            return ()
        if isinstance(value, str):
            hours = []
            for part in (p.strip().lower() for p in value.split(",")):
                if not part:
                    continue
                unit = {"m": 1 / 60, "h": 1.0, "d": 24.0}.get(part[-1])
                number = part[:-1] if unit else part
                try:
                    amount = float(number)
                except ValueError:
                    raise ValueError("expected delays like 24h,96h (m, h or d)") from None
                if amount <= 0:
                    raise ValueError("delays must be positive")
                hours.append(amount * (unit or 1.0))
            return tuple(sorted(hours))
        return tuple(float(v) for v in value)  # type: ignore[union-attr]

    @field_validator("minimum_age")
    @classmethod
    def _minimum_age(cls, value: int) -> int:
        """Not under Italy's age of digital consent, so no deployment lets a younger child consent."""
        if value < 14:
            raise ValueError(f"{value} is under 14, the age a child may consent alone in Italy (Codice privacy art. 2-quinquies)")
        if value > 18:
            raise ValueError(f"{value} is over 18, the age of majority: at most 18")
        return value

    @field_validator("quiet_hours")
    @classmethod
    def _quiet_hours(cls, value: str) -> str:
        value = value.strip()
        if value.lower() in ("", "none", "no"):
            return ""
        match = re.fullmatch(r"(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})", value)
        if not match or int(match[1]) > 23 or int(match[3]) > 23 or int(match[2]) > 59 or int(match[4]) > 59:
            raise ValueError("expected HH:MM-HH:MM, e.g. 21:00-09:00 (or none)")
        return f"{int(match[1]):02d}:{match[2]}-{int(match[3]):02d}:{match[4]}"

    @field_validator("city_timezone")
    @classmethod
    def _city_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value.strip())
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("not a time zone name (e.g. Europe/Rome)") from None
        return value.strip()
    # the web's cookies (citizens' and analysts') marked Secure (auto: when the request came over
    # https; true behind a TLS-terminating proxy); the proxies whose X-Forwarded-For/-Proto are
    # believed (unset: none). Logins: N failures of an account from one address lock that pair,
    # 4N from one address lock the address, for the lock's duration; an account's failures from
    # everywhere only slow its logins, by a bounded delay (bot.web.dashboard.throttle)
    cookie_secure: bool | None = Field(None, alias="SCENARI_COOKIE_SECURE")
    forwarded_allow_ips: str | None = Field(None, alias="SCENARI_FORWARDED_ALLOW_IPS")
    login_max_failures: int = Field(5, alias="SCENARI_LOGIN_MAX_FAILURES", ge=1)
    login_lock_minutes: float = Field(15, alias="SCENARI_LOGIN_LOCK_MINUTES", gt=0)
    login_max_delay: float = Field(8, alias="SCENARI_LOGIN_MAX_DELAY", ge=0)
    # deliberation rounds (issue 9): who moderates statements (/modera; analysts may too), and the
    # thresholds a new round gets unless `scenari round open` says otherwise
    moderators: Annotated[frozenset[int], NoDecode] = Field(frozenset(), alias="SCENARI_MODERATORS")
    consensus_min_votes: int = Field(5, alias="SCENARI_CONSENSUS_MIN_VOTES", ge=1)
    consensus_min_category_votes: int = Field(3, alias="SCENARI_CONSENSUS_MIN_CATEGORY_VOTES", ge=1)

    @field_validator("analysts", "raters", "moderators", mode="before")
    @classmethod
    def _parse_analysts(cls, value: object) -> frozenset[int]:
        if value is None or value == "":
            return frozenset()
        if isinstance(value, str):
            parts = [part.strip() for part in value.split(",") if part.strip()]
            bad = [part for part in parts if not part.lstrip("-").isdigit()]
            if bad:
                raise ValueError(f"expected comma-separated Telegram user ids, got {bad[0]!r}")
            return frozenset(int(part) for part in parts)
        return frozenset(value)  # type: ignore[arg-type]

    @field_validator("rating_weights", mode="before")
    @classmethod
    def _parse_weights(cls, value: object) -> dict[str, float]:
        """Five numbers in the order of the indices, or ``index=weight`` pairs (others weigh 1)."""
        from storage.ratings import INDICES, check_weights  # storage loads SQLAlchemy: `questionnaires validate` needs none

        if value is None or value == "":
            return check_weights({})
        if isinstance(value, str):
            parts = [part.strip() for part in value.split(",") if part.strip()]
            try:
                if all("=" in part for part in parts):
                    pairs = {k.strip(): float(v) for k, v in (part.split("=", 1) for part in parts)}
                elif len(parts) == len(INDICES) and not any("=" in part for part in parts):
                    pairs = dict(zip(INDICES, (float(part) for part in parts)))
                else:
                    raise ValueError(f"expected {len(INDICES)} numbers or index=weight pairs ({', '.join(INDICES)})")
            except ValueError as exc:
                if "could not convert" in str(exc):
                    raise ValueError("weights must be numbers") from None
                raise
            return check_weights(pairs)
        return check_weights(dict(value))  # type: ignore[call-overload]

    @property
    def moderator_ids(self) -> frozenset[int]:
        """Who moderates deliberation statements: the configured moderators and the analysts."""
        return self.moderators | self.analysts

    @property
    def rater_ids(self) -> frozenset[int]:
        """Who may rate project cards: the configured raters and the analysts."""
        return self.raters | self.analysts

    # Roles, asked by every transport the same way (a None id — no sender — has no role).
    def is_analyst(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.analysts

    def is_rater(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.rater_ids

    def is_moderator(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.moderator_ids

    @property
    def plan(self) -> PlanFolder:
        """The deployment's plan folder (bot/plan.py): where each of its parts is."""
        return plan_at(self.plan_dir, self.questionnaires_dir)

    # What exports needs of these settings, as its own dataclasses (exports never imports bot).
    def table_options(self) -> TableOptions:
        """The convergence tables' k, language and rating weights."""
        return TableOptions(k=self.suppress_k, lang=self.lang, weights=self.rating_weights or None,
                            sources=self.plan.sources())

    def schedule_options(self) -> ScheduleOptions:
        """The scheduled jobs': the tables, where they go, how often, the nightly package, retention."""
        return ScheduleOptions(
            tables=self.table_options(), exports_dir=self.exports_dir, aggregate_minutes=self.aggregate_minutes,
            spacy_model=self.spacy_model, report_time=self.report_time, report_timezone=self.report_timezone,
            report_package=self.report_package or None, retention_free_text_days=self.retention_free_text_days,
            retention_contact_days=self.retention_contact_days, audit_retention_days=self.audit_retention_days,
        )

    @field_validator("telegram_bot_username")
    @classmethod
    def _bot_username(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip().removeprefix("@")
        if not value.replace("_", "").isalnum():
            raise ValueError("expected the bot's username, e.g. ScenariCremonaBot")
        return value

    @field_validator("lang")
    @classmethod
    def _known_language(cls, value: str) -> str:
        value = value.strip().lower()
        if value and not re.fullmatch(r"[a-z]{2}", value):
            raise ValueError("must be a two-letter language code of the plan, e.g. 'it' or 'en'")
        return value

    @model_validator(mode="after")
    def _plan_language(self) -> Settings:
        """SCENARI_LANG defaults to the plan's language and must be one the plan speaks."""
        try:
            languages = self.plan.languages
            self.plan.table_inputs()  # plan.yaml `tables:` well formed: one line at start-up, not mid-export
        except PlanError as exc:
            raise ValueError(f"SCENARI_PLAN_DIR: {exc}") from None
        if not self.lang:
            self.lang = languages[0]
        elif self.lang not in languages:
            raise ValueError(f"SCENARI_LANG: {self.lang!r} is not a language of the plan ({', '.join(languages)})")
        return self

    @field_validator("telegram_api_base")
    @classmethod
    def _api_base(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip().rstrip("/")
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @field_validator("secret_key")
    @classmethod
    def _secret_key(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if len(value.strip()) < 16:
            raise ValueError("too short: use at least 16 random characters")
        return value.strip()

    @field_validator("report_time")
    @classmethod
    def _report_time(cls, value: str) -> str:
        parts = value.strip().split(":")
        if len(parts) != 2 or not all(p.isdigit() for p in parts) or not (0 <= int(parts[0]) < 24 and 0 <= int(parts[1]) < 60):
            raise ValueError("expected a time of day as HH:MM, e.g. 02:30")
        return f"{int(parts[0]):02d}:{int(parts[1]):02d}"

    @field_validator("report_timezone")
    @classmethod
    def _report_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value.strip())
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("not a time zone name (e.g. Europe/Rome)") from None
        return value.strip()

    @field_validator("report_package")
    @classmethod
    def _report_package(cls, value: str | None) -> str | None:
        if value is None or value.strip().lower() in ("", "none", "no"):
            return None
        if value.strip().lower() not in ("csv", "parquet"):
            raise ValueError("must be csv, parquet or empty (workbook only)")
        return value.strip().lower()

    @field_validator("cookie_secure", mode="before")
    @classmethod
    def _cookie_secure(cls, value: object) -> object:
        if isinstance(value, str) and value.strip().lower() in ("", "auto"):
            return None
        return value

    @field_validator("forwarded_allow_ips")
    @classmethod
    def _forwarded_allow_ips(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        items = [item.strip() for item in value.split(",") if item.strip()]
        for item in items:
            if item != "*":
                try:
                    ipaddress.ip_network(item, strict=False)
                except ValueError:
                    raise ValueError(f"{item!r} is not an IP address or network (e.g. 127.0.0.1,10.0.0.0/8 or *)") from None
        return ",".join(items)

    @field_validator("email_reminder_days", mode="before")
    @classmethod
    def _email_reminder_days(cls, value: object) -> tuple[float, ...]:
        if isinstance(value, (tuple, list)):
            return tuple(float(v) for v in value)
        items = [item.strip() for item in str(value or "").split(",") if item.strip()]
        try:
            days = tuple(float(item) for item in items)
        except ValueError:
            raise ValueError("days after the invitation, comma-separated (e.g. 7,14; empty: no reminders)") from None
        if any(d <= 0 for d in days):
            raise ValueError("every delay must be more than 0 days")
        return days

    @field_validator("email_from")
    @classmethod
    def _email_from(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        if value.count("@") != 1 or any(c in value for c in " <>,;\"\r\n"):
            raise ValueError("an address such as piano@comune.cremona.it (the name goes in SCENARI_EMAIL_SENDER_NAME)")
        return value

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip().rstrip("/")
        if not value.startswith(("https://", "http://")):
            raise ValueError("the address people open, e.g. https://scenari.comune.cremona.it")
        return value

    @property
    def web_base_url(self) -> str:
        """Where the links of e-mails point: SCENARI_PUBLIC_URL, else this server's own address."""
        return self.public_url or f"http://{self.host}:{self.port}"

    @field_validator("telegram_webhook_url")
    @classmethod
    def _webhook_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        if not value.startswith("https://"):
            raise ValueError("must start with https:// (Telegram delivers webhooks over HTTPS only)")
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        # SQLAlchemy (~0.3 s): only when a database URL is read, not for the file-only commands
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            backend = make_url(value).get_backend_name()
        except ArgumentError:
            raise ValueError("not a database URL (e.g. sqlite:///var/scenari.db)") from None
        if backend not in ("sqlite", "postgresql"):
            raise ValueError("only SQLite and PostgreSQL are supported")
        return value


def load_settings(**overrides: object) -> Settings:
    """Read the settings; a bad one raises :class:`SettingsError` naming the variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        error = exc.errors()[0]
        field = str(error["loc"][0]) if error["loc"] else "settings"
        variable = Settings.model_fields[field].alias if field in Settings.model_fields else field
        message = error["msg"].removeprefix("Value error, ")
        if not error["loc"] and message.startswith(("SCENARI_", "TELEGRAM_")):  # a check across settings
            raise SettingsError(f"Configuration error: {message}") from None
        raise SettingsError(f"Configuration error: {variable}: {message}") from None
