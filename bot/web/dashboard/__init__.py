"""The analysts' side of the web app: login, the dashboard (/analisi), the public results page
(/risultati) and the JSON API (/api/...).

One concern per module:

* :mod:`.core` — :class:`Dashboard`: who is asking (cookie or token), how a page is shown,
  which posts count (each dashboard form carries an HMAC of the analyst's session cookie).
* :mod:`.login` and :mod:`.throttle` — logging in and out; Argon2 hashes (:mod:`bot.web.auth`),
  failures counted in the database per (account, address) and per address, which lock for
  ``SCENARI_LOGIN_LOCK_MINUTES``, and per account, which only slows attempts by a bounded delay.
* :mod:`.cache` — the convergence tables (:mod:`exports.tables`, the same k-suppression
  and pseudonyms as the file exports), built on demand in a worker thread and kept a minute.
* :mod:`.views` and :mod:`.charts` — from the tables to the pages' table views and SVG charts.
* :mod:`.pages`, :mod:`.downloads`, :mod:`.api`, :mod:`.audit_page` — the routes, wired by
  :func:`install` (:mod:`.routes`).
* :mod:`.texts` — the dashboard's one text catalogue, :func:`.texts.translate`.

pandas and :mod:`exports` are imported at the first dashboard request, never at start-up, so
the first pages of a restarted service wait for neither (tests/bot/test_startup.py).
"""

from .core import Dashboard
from .routes import install

__all__ = ["Dashboard", "install"]
