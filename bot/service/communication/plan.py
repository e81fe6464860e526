"""The plan's settings and its clock: rate, reminders, quiet hours, the city's time zone.

Read once from :class:`bot.settings.Settings` (:meth:`Plan.from_settings`) and handed to every
part of the plan, so that a test can build one with the values it needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time as clock, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from storage.audiences import NEWSLETTER

from ..notice import notice_of


@dataclass(frozen=True)
class Plan:
    """The communication settings, read once from :class:`bot.settings.Settings`."""

    rate: float = 25.0
    chat_spacing: float = 1.0
    reminder_delays: tuple[float, ...] = (24.0, 96.0)  # hours after the last answer
    reminder_max: int = 2
    quiet_hours: str = "21:00-09:00"
    timezone: str = "Europe/Rome"
    results_url: str | None = None
    uncertain: str = "hold"
    suppress_k: int = 3
    bot_username: str | None = None
    sources: Any = None  # the plan folder's labels for the tables (exports.options.PlanSources)
    # the privacy notice's version since which a newsletter consent stands (its purpose's changed_in):
    # older ones reach no one until given again (storage.audiences); None (a test's Plan()): any version
    newsletter_since: str | None = None
    # the plan's languages (plan.yaml): an event invitation is written in each of them
    languages: tuple[str, ...] = ("it", "en")

    @classmethod
    def from_settings(cls, settings: Any) -> Plan:
        delays = tuple(settings.reminder_delays)
        limit = settings.reminder_max if settings.reminder_max is not None else len(delays)
        return cls(
            rate=settings.broadcast_rate, chat_spacing=settings.chat_spacing, reminder_delays=delays,
            reminder_max=min(limit, len(delays)), quiet_hours=settings.quiet_hours, timezone=settings.city_timezone,
            results_url=settings.results_url, uncertain=settings.sender_uncertain, suppress_k=settings.suppress_k,
            bot_username=settings.telegram_bot_username, sources=settings.plan.sources(),
            newsletter_since=notice_of(settings).agreed_since(NEWSLETTER),
            languages=tuple(settings.plan.languages),
        )

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def out_of_quiet_hours(self, moment: datetime) -> datetime:
        """``moment``, or the end of the quiet hours it falls in (in the city's time zone)."""
        if not self.quiet_hours:
            return moment
        start_s, end_s = self.quiet_hours.split("-")
        start = clock(*map(int, start_s.split(":")))
        end = clock(*map(int, end_s.split(":")))
        local = moment.astimezone(self.zone)
        t = local.time()
        quiet = (start <= t or t < end) if start > end else (start <= t < end)
        if not quiet:
            return moment
        day = local.date() if (start > end and t < end) or start <= end else local.date() + timedelta(days=1)
        return datetime.combine(day, end, tzinfo=self.zone).astimezone(timezone.utc)

    def local(self, moment: datetime, lang: str) -> str:
        local = moment.astimezone(self.zone)
        if lang == "en":
            return local.strftime("%A %d %B %Y, %H:%M")
        days = ["lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato", "domenica"]
        months = ["gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto", "settembre",
                  "ottobre", "novembre", "dicembre"]
        return f"{days[local.weekday()]} {local.day} {months[local.month - 1]} {local.year}, ore {local:%H:%M}"


def parse_time(value: str | None, zone: str) -> datetime | None:
    """"YYYY-MM-DD HH:MM" in the city's time zone → UTC; None (or "now") → None."""
    if value is None or value == "now":
        return None
    for fmt in ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M"):
        try:
            local = datetime.strptime(value.strip(), fmt)
        except ValueError:
            continue
        return local.replace(tzinfo=ZoneInfo(zone)).astimezone(timezone.utc)
    raise ValueError(f'not a time: {value!r} (expected "YYYY-MM-DD HH:MM")')
