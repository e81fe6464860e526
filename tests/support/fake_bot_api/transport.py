"""The HTTP side of the fake server: the routes aiogram calls (``/bot<token>/<method>``, file
downloads), the parameters read as Telegram reads them (query, form, multipart, JSON), the record
of every call, and injected faults played out around the method that answers.

A call other than ``getUpdates`` completes server-side even when the client gives up, as on
Telegram: that is what makes "did my message go out?" tests meaningful.
"""

from __future__ import annotations

import asyncio
import json
import re
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from .base import BotAPIError, Json, Signal, maybe_json
from .chats import SentFile, file_path, new_file_id
from .faults import Fault, FaultInjection

MethodHandler = Callable[[Json, dict[str, SentFile]], Awaitable[Any]]
"""A Bot API method: ``async handler(params, files) -> result``; it raises :class:`BotAPIError`."""


@dataclass
class RecordedCall:
    """One HTTP call the bot made to the fake server."""

    method: str
    """Method name as called (original case)."""
    params: Json
    """Parameters: query string + form fields/JSON body (values as received)."""
    files: dict[str, SentFile]
    status: int = 0
    response: Json | None = None
    at: float = field(default_factory=time.monotonic)

    def json_param(self, name: str) -> Any:
        """Return parameter ``name`` decoded from JSON when it is a JSON string."""
        return maybe_json(self.params.get(name))


class Transport(FaultInjection):
    """The HTTP part of :class:`~.server.FakeBotAPI` (its state lives there)."""

    token: str
    calls: list[RecordedCall]
    _signal: Signal
    _inflight: set[asyncio.Future[web.StreamResponse]]
    _custom: dict[str, MethodHandler]
    _methods: dict[str, MethodHandler]
    _files: dict[str, SentFile]

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        file_match = re.fullmatch(r"/file/bot([^/]+)/(.+)", path)
        if file_match:
            return await self._download(request, file_match.group(1), file_match.group(2))
        match = re.fullmatch(r"/bot([^/]*)/([A-Za-z0-9_]+)/?", path)
        if not match:
            return self._json_response(BotAPIError(404, "Not Found").to_json(), 404)
        token, method = match.group(1), match.group(2)
        params, files = await self._read_params(request)
        call = RecordedCall(method=method, params=params, files=files)
        self.calls.append(call)
        self._signal.fire()
        if token != self.token:
            return self._finish(call, BotAPIError(401, "Unauthorized").to_json(), 401)
        if method.lower() == "getupdates":
            # a long poll whose client went away is cancelled (handler_cancellation)
            return await self._process(request, call, method, params, files)
        # any other call completes server-side even if the client gives up (like Telegram)
        task = asyncio.ensure_future(self._process(request, call, method, params, files))
        self._inflight.add(task)
        task.add_done_callback(self._inflight.discard)
        return await asyncio.shield(task)

    async def _process(
        self, request: web.Request, call: RecordedCall, method: str, params: Json, files: dict[str, SentFile]
    ) -> web.StreamResponse:
        fault = self._take_fault(method)
        if fault is not None and fault.executed:
            return await self._execute_then_spoil(request, call, method, params, files, fault)
        if fault is not None:
            if fault.kind == "error" and fault.error is not None:
                return self._finish(call, fault.error.to_json(), fault.error.error_code)
            if fault.kind == "http":
                call.status = fault.status
                return web.Response(status=fault.status, text=fault.body, content_type="text/html")
            if fault.kind == "disconnect":
                call.status = -1
                if request.transport is not None:
                    request.transport.abort()
                raise asyncio.CancelledError  # nothing to send; aiohttp drops the request
            if fault.kind == "delay":
                await asyncio.sleep(fault.delay)
        return await self._execute(call, method, params, files)

    async def _execute(self, call: RecordedCall, method: str, params: Json, files: dict[str, SentFile]) -> web.Response:
        handler = self._custom.get(method.lower()) or self._methods.get(method.lower())
        if handler is None:
            return self._finish(call, BotAPIError(404, "Not Found").to_json(), 404)
        try:
            result = await handler(params, files)
        except BotAPIError as exc:
            return self._finish(call, exc.to_json(), exc.error_code)
        return self._finish(call, {"ok": True, "result": result}, 200)

    async def _execute_then_spoil(
        self, request: web.Request, call: RecordedCall, method: str, params: Json, files: dict[str, SentFile], fault: Fault
    ) -> web.StreamResponse:
        """The server acts on the call, then the answer is lost, spoilt or held back."""
        response = await self._execute(call, method, params, files)
        if fault.kind == "hold" and fault.hold is not None:
            fault.hold.arrived.set()
            await fault.hold.wait_released()
            return response
        if fault.kind == "garble":
            text = response.text or ""
            return web.Response(status=200, text=text[: len(text) // 2], content_type="application/json")
        if fault.kind == "error" and fault.error is not None:
            return self._json_response(fault.error.to_json(), fault.error.error_code)
        if fault.kind == "http":
            return web.Response(status=fault.status, text=fault.body, content_type="text/html")
        if request.transport is not None:  # disconnect
            request.transport.abort()
        raise asyncio.CancelledError

    def _finish(self, call: RecordedCall, body: Json, status: int) -> web.Response:
        call.status = status
        call.response = body
        self._signal.fire()
        return self._json_response(body, status)

    @staticmethod
    def _json_response(body: Json, status: int) -> web.Response:
        return web.Response(status=status, text=json.dumps(body, ensure_ascii=False), content_type="application/json")

    async def _read_params(self, request: web.Request) -> tuple[Json, dict[str, SentFile]]:
        params: Json = dict(request.query)
        files: dict[str, SentFile] = {}
        if request.method != "POST" or not request.can_read_body:
            return params, files
        if request.content_type == "application/json":
            body = await request.json()
            if isinstance(body, dict):
                params.update(body)
            return params, files
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, web.FileField):
                content = value.file.read()
                files[key] = SentFile(
                    file_id=new_file_id(),
                    file_unique_id=secrets.token_hex(8),
                    filename=value.filename,
                    content=content,
                    mime_type=value.content_type if value.content_type != "application/octet-stream" else None,
                )
            else:
                params[key] = value
        return params, files

    async def _download(self, request: web.Request, token: str, path: str) -> web.StreamResponse:
        if token != self.token:
            return self._json_response(BotAPIError(401, "Unauthorized").to_json(), 401)
        for f in self._files.values():
            if file_path(f) == path and f.content is not None:
                return web.Response(body=f.content, content_type=f.mime_type or "application/octet-stream")
        return self._json_response(BotAPIError(404, "Not Found").to_json(), 404)
