"""One router per concern; the order of inclusion is the order of precedence."""

from aiogram import Router

from . import analyst, fallback, guard, privacy, rating, start, survey


def all_routers() -> list[Router]:
    return [module.build_router() for module in (guard, start, analyst, privacy, rating, survey, fallback)]
