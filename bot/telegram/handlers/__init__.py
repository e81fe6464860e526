"""One router per concern; the order of inclusion is the order of precedence."""

from aiogram import Router

from . import analyst, communication, deliberation, fallback, guard, privacy, rating, reports, start, survey


def all_routers() -> list[Router]:
    return [module.build_router() for module in (guard, deliberation, start, analyst, privacy, rating, reports, communication, survey, fallback)]
