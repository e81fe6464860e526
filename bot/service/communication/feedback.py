"""Feedback of results: once per aggregate snapshot, a personal summary to each participant who opted in.

A firm sees its innovation profile beside the current distribution of firms; an actor sees
which of its objectives' themes are among the city's shared priorities. Counts under ``k``
(:attr:`Plan.suppress_k`) are never shown, as in the exports.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from storage import Database, aggregates, audiences, jobs, outbox, repository
from storage.models import utcnow

from .broadcasts import render_buttons
from .markup import escape
from .plan import Plan
from ..texts import translate

log = logging.getLogger("scenari.communication")


async def scan_feedback(db: Database, plan: Plan, catalog: Any, now: datetime | None = None,
                        snapshot_id: int | None = None) -> int:
    """Once per aggregate snapshot: a personal summary to each participant who opted in."""
    now = now or utcnow()
    async with db.transaction() as session:
        if snapshot_id is None:
            latest = await jobs.latest_snapshot(session)
            if latest is None:
                return 0
            snapshot_id = latest.id
        broadcast = await outbox.system_broadcast(session, f"feedback:snapshot:{snapshot_id}", "feedback")
        if broadcast is None:
            return 0  # this snapshot's feedback was made already (here or by another instance)
        broadcast_id = broadcast.id
    async with db.transaction() as session:
        recipients = {r.respondent_id: r for r in await audiences.resolve(session, {}, plan.newsletter_since)}
    priorities = {lang: await _shared_priorities(db, plan, lang)
                  for lang in sorted({r.language for r in recipients.values()} or {"it"})}
    async with db.transaction() as session:
        firms = await audiences.latest_profiles(session, list(recipients))
        distribution = await repository.outcome_distribution(session, "imprese", "profile")
        themes_by_respondent = await _objective_themes(session, list(recipients))
        rows = []
        for rid, r in recipients.items():
            parts = []
            if rid in firms:
                parts.append(_firm_summary(str(firms[rid]), distribution, r.language, plan, catalog))
            if rid in themes_by_respondent:
                parts.append(_actor_summary(themes_by_respondent[rid], priorities.get(r.language, []), r.language))
            if not parts:
                continue
            body = "\n\n".join([escape(translate("feedback_header", r.language)), *parts])
            buttons = render_buttons([{"kind": "results"}], r.language, plan)
            rows.append({"dedupe_key": f"fb{snapshot_id}:r{rid}", "broadcast_id": broadcast_id, "kind": "feedback",
                         "respondent_id": rid, "chat_id": r.chat_id, "language": r.language, "channel": r.channel,
                         "not_before": plan.out_of_quiet_hours(now), "payload": {"html": body, "buttons": buttons}})
        added = await outbox.enqueue(session, rows) if rows else 0
        await outbox.set_recipients(session, broadcast_id)
        if not added:
            await outbox.finish_broadcasts(session, now)
    log.info("feedback of snapshot %s: %d personal summaries enqueued", snapshot_id, added)
    return added


def _firm_summary(profile: str, distribution: dict[str, int], lang: str, plan: Plan, catalog: Any) -> str:
    labels: dict[str, str] = {}
    if catalog is not None and "imprese" in catalog.ids(open_only=False):
        for outcome in catalog.current("imprese").outcomes:
            if outcome.key == "profile":
                labels = {value: label.get(lang) for value, label in outcome.labels.items()}
    lines = [translate("feedback_profile", lang, label=escape(labels.get(profile, profile)))]
    total = sum(distribution.values())
    k = plan.suppress_k
    if total < k:
        lines.append(escape(translate("feedback_too_few", lang)))
        return "\n".join(lines)
    lines.append(escape(translate("feedback_distribution", lang, n=total)))
    shown = list(labels or sorted(distribution))
    hidden = _hidden_shares(distribution, shown, total, k)
    for value in shown:
        n = distribution.get(value, 0)
        if 0 < n < k:  # a small group is never shown, as in the exports
            share = translate("feedback_small", lang, k=k)
        elif value in hidden:  # hidden too, or the total minus the others would give the small one back
            share = translate("feedback_hidden", lang)
        else:
            share = f"{100 * n / total:.0f}%".replace(".", "," if lang == "it" else ".")
        lines.append(f"• {escape(labels.get(value, value))}: {share}")
    return "\n".join(lines)


def _hidden_shares(distribution: dict[str, int], shown: list[str], total: int, k: int) -> set[str]:
    """The profiles to hide: the small ones and their complements (secondary suppression, the
    exports' one method: the firms' total is printed, so total − the shown shares must not give
    a small group back; docs/convergence.md)."""
    from exports.disclosure import line, protect  # numpy: only when a feedback is written

    values: dict[str, int] = {value: int(n) for value, n in distribution.items()}
    values.update({value: 0 for value in shown if value not in values})
    primary = {value for value, n in values.items() if 0 < n < k or (value not in shown and n)}
    if not primary:
        return set()
    values[" total"] = total
    return {str(key) for key in protect(values, primary, [line(list(values.keys() - {" total"}), " total")])}


def _actor_summary(themes: set[str], priorities: list[tuple[str, str]], lang: str) -> str:
    shared = [label for theme, label in priorities if theme in themes]
    lines = []
    if shared:
        lines.append(escape(translate("feedback_themes", lang)))
        lines.extend(f"• {escape(label)}" for label in shared)
    else:
        lines.append(escape(translate("feedback_no_themes", lang)))
    if priorities:
        lines.append(escape(translate("feedback_priorities", lang, themes=", ".join(label for _, label in priorities[:5]))))
    return "\n".join(lines)


async def _shared_priorities(db: Database, plan: Plan, lang: str = "it", top: int = 8) -> list[tuple[str, str]]:
    """(theme, label) of the shared strategic priorities, best first (exports.tables)."""
    # pandas and numpy: seconds to import, and needed only when a snapshot's feedback is made
    from exports.tables import Options, build_tables
    from exports.tables.build import read_arguments

    try:
        options = Options(k=plan.suppress_k, lang=lang, sources=plan.sources)
        async with db.transaction() as session:  # the plan's questionnaires and questions only
            data = await aggregates.load(session, fast=True, **read_arguments(options))
        tables = await asyncio.to_thread(build_tables, data, options)
        frame = tables["shared_priorities"]
    except Exception:
        log.exception("shared priorities could not be computed; feedback goes without them")
        return []
    frame = frame[frame["rank"].notna()] if "rank" in frame else frame
    frame = frame[frame["group_score"].fillna(0) > 0] if "group_score" in frame else frame
    return [(str(t), str(label)) for t, label in zip(frame["theme"], frame["label"])][:top]


async def _objective_themes(session: AsyncSession, respondent_ids: list[int]) -> dict[int, set[str]]:
    """The themes of each respondent's own objectives (their completed interview's answers)."""
    if not respondent_ids:
        return {}
    wanted = set(respondent_ids)
    answers = {a.answer_id: a.respondent_id for a in await aggregates.current_answers(session, ("ascolto",))
               if a.respondent_id in wanted and a.question_key in ("objective", "objective_more")}
    found: dict[int, set[str]] = {}
    for tag in await aggregates.effective_tags(session, ("ascolto",)):
        if tag.answer_id in answers:
            found.setdefault(answers[tag.answer_id], set()).add(tag.theme_id)
    return found
