"""The web channel: citizens answer in the browser, on the same Conversation service as Telegram.

A second transport beside :mod:`bot.telegram`: it turns HTML form posts into
:class:`dialogs.Input` and shows the returned :class:`dialogs.Message` list as a chat thread,
which also proves that ``dialogs/`` knows nothing of any transport.

Where things are: :mod:`.app` builds the ASGI app (``create_app``) from :mod:`.citizen` and
:mod:`.privacy` (the citizens' pages, shown through :mod:`.views` and :mod:`.texts`),
:mod:`.dashboard` (the analysts' package: login, pages, downloads, API), :mod:`.probes` and
:mod:`.webhook`; both sides read posts with :mod:`.forms`, render with :mod:`.rendering`, keep
sessions with :mod:`.session` (:mod:`.auth` for analysts), behind the middlewares of :mod:`.edge`.

Why FastAPI (on Starlette) + Jinja2, served by uvicorn:

* The pages are server-rendered HTML forms (they must work with JavaScript off), so the core
  needs only what Starlette gives: routing, static files, Jinja2 templates, an ASGI lifecycle
  that runs in the same event loop as the aiogram bot. FastAPI *is* Starlette plus typed
  routes and an OpenAPI schema; the analysts' dashboard (a later issue) needs a small JSON API
  described by the app's OpenAPI schema, which FastAPI produces from the code with no extra
  work, so choosing it now avoids swapping frameworks later. The citizen pages use plain
  Starlette requests and are left out of the schema.
* Jinja2 autoescapes every template (answers are user text), has no build step, and is what
  Starlette's template responses use.
* uvicorn runs programmatically (``uvicorn.Server(...).serve()``), so ``scenari serve`` keeps the
  web app and the Telegram bot in one process and one event loop and stops both on a signal.
* Cookies are signed with itsdangerous (the same signer Starlette's own sessions use); the
  forms are ``application/x-www-form-urlencoded`` and parsed here with a size cap, so no
  multipart parser is needed.
"""

from .app import create_app

__all__ = ["create_app"]
