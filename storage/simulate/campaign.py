"""When synthetic respondents answer: a campaign of several weeks, and how long each answer takes.

A real consultation starts with a peak at its launch, gets a second wind at the reminder, answers
more on weekdays than on Sundays and hardly at night; a free text takes longer than a button, and
some people leave part-way. The dashboards and the exports show all of that, so the simulation does.
"""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta, timezone
from typing import Any

from .walk import Asked

START = datetime(2026, 3, 2, 0, 0, tzinfo=timezone.utc)  # a Monday: the launch
WEEKS = 7
END = START + timedelta(weeks=WEEKS)
EXPIRY = timedelta(days=14)  # SCENARI_RUN_EXPIRY_HOURS' default: older partial runs count as abandoned
REMINDER_DAY = 21
# relative activity by hour of the day in Cremona (UTC+1), from midnight
HOURLY = (0.15, 0.08, 0.04, 0.03, 0.03, 0.08, 0.3, 0.8, 1.2, 1.4, 1.4, 1.3, 1.1, 1.3, 1.3, 1.2, 1.2, 1.3, 1.5,
          1.7, 1.8, 1.5, 0.9, 0.4)
WEEKDAY = (1.0, 1.0, 0.95, 0.95, 0.9, 0.6, 0.45)  # Monday … Sunday
OFFICE = tuple(1.0 if 9 <= h < 13 or 14 <= h < 18 else 0.0 for h in range(24))  # interviews by appointment
# seconds a button, a number or a list takes before the respondent moves on (median)
BASE_SECONDS = {"single": 7.0, "yesno": 4.0, "scale": 6.0, "multiple": 14.0, "ranking": 22.0, "integer": 6.0,
                "decimal": 10.0, "date": 9.0, "time": 7.0, "datetime": 12.0}
SECONDS_PER_CHARACTER = 0.55  # typing on a phone, thinking included
# share of runs left part-way, by questionnaire (the ratings are short and asked of people who agreed)
DROP_OUT = {"visione": 0.12, "imprese": 0.18, "ascolto": 0.08, "progetto": 0.15, "valutazione": 0.0}


class Campaign:
    """Start times and answer durations, all drawn from the simulation's one random source."""

    def __init__(self, rnd: random.Random) -> None:
        self.rnd = rnd

    def start(self, first_day: float = 0.0, last_day: float = WEEKS * 7, office: bool = False) -> datetime:
        """A run's start: launch peak, reminder, weekly rhythm, few at night (office hours if asked)."""
        rnd, span = self.rnd, last_day - first_day
        while True:
            pick = rnd.random()
            if pick < 0.35:
                day = first_day + rnd.expovariate(1 / 4)
            elif pick < 0.5:
                day = first_day + REMINDER_DAY * span / (WEEKS * 7) + rnd.expovariate(1 / 3)
            else:
                day = first_day + rnd.random() * span
            if day >= last_day:
                continue
            whole = int(day)
            if rnd.random() > WEEKDAY[(START + timedelta(days=whole)).weekday()] or (office and whole % 7 >= 5):
                continue
            hour = rnd.choices(range(24), weights=OFFICE if office else HOURLY)[0]
            local = START + timedelta(days=whole, hours=hour, seconds=rnd.randrange(3600))
            return local - timedelta(hours=1)  # Cremona's hours, stored in UTC

    def seconds(self, asked: Asked | None, value: Any) -> float:
        """How long one answer takes: the type's median, longer for free texts, log-normal spread."""
        spread = math.exp(self.rnd.gauss(0.0, 0.45))
        if asked is None:  # "add another?", or the summary before sending
            return 4.0 * spread
        kind = asked.question.type
        if asked.follow_up or kind == "text":
            return (12.0 + SECONDS_PER_CHARACTER * len(value or "")) * spread
        if self.rnd.random() < 0.01:  # a break: the phone rang, back after minutes or hours
            return self.rnd.choice((180.0, 900.0, 3600.0, 5 * 3600.0))
        return BASE_SECONDS.get(kind, 8.0) * spread

    def leaves(self, qid: str, questions: int) -> int | None:
        """After how many answers this respondent leaves (None: they finish)."""
        if self.rnd.random() >= DROP_OUT.get(qid, 0.0):
            return None
        return self.rnd.randint(1, max(1, questions - 1))


def partial_status(updated_at: datetime) -> str:
    """A run left part-way: still active while it could be resumed, expired (abandoned) after."""
    return "expired" if END - updated_at > EXPIRY else "active"
