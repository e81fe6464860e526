"""Drive Debian's headless Chromium over the Chrome DevTools Protocol (a websocket, via aiohttp).

Just what the browser tests need: navigate, press keys, type, evaluate, take screenshots, and
watch every request the page makes. No driver binary and no extra package: aiohttp (already
installed with aiogram) speaks the websocket.
"""

from __future__ import annotations

import asyncio
import base64
import json
import shutil
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import Any

import aiohttp

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-extensions", "--disable-default-apps", "--mute-audio", "--hide-scrollbars",
    "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
]
KEYS = {
    "Tab": {"key": "Tab", "code": "Tab", "windowsVirtualKeyCode": 9},
    "Enter": {"key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13, "text": "\r"},
    "Space": {"key": " ", "code": "Space", "windowsVirtualKeyCode": 32, "text": " "},
}


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


class CDPError(RuntimeError):
    pass


class Page:
    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self._next_id = 0
        self._waiting: dict[int, asyncio.Future[Any]] = {}
        self._listeners: list[tuple[str, asyncio.Future[Any]]] = []
        self.requests: list[str] = []
        self.console_errors: list[str] = []
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for msg in self.ws:
            if msg.type != aiohttp.WSMsgType.TEXT:
                continue
            data = json.loads(msg.data)
            if "id" in data:
                future = self._waiting.pop(data["id"], None)
                if future and not future.done():
                    if "error" in data:
                        future.set_exception(CDPError(str(data["error"])))
                    else:
                        future.set_result(data.get("result", {}))
                continue
            method = data.get("method")
            params = data.get("params", {})
            if method == "Network.requestWillBeSent":
                self.requests.append(params["request"]["url"])
            elif method == "Runtime.exceptionThrown":
                self.console_errors.append(str(params.get("exceptionDetails", {}).get("text")))
            for entry in list(self._listeners):
                if entry[0] == method and not entry[1].done():
                    entry[1].set_result(params)
                    self._listeners.remove(entry)

    async def send(self, method: str, **params: Any) -> Any:
        self._next_id += 1
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._waiting[self._next_id] = future
        await self.ws.send_str(json.dumps({"id": self._next_id, "method": method, "params": params}))
        return await asyncio.wait_for(future, timeout=30)

    def expect(self, event: str) -> asyncio.Future[Any]:
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._listeners.append((event, future))
        return future

    async def goto(self, url: str) -> None:
        loaded = self.expect("Page.loadEventFired")
        await self.send("Page.navigate", url=url)
        await asyncio.wait_for(loaded, timeout=15)

    async def answered(self) -> int:
        """How many answers the page took in place (static/answer.js counts them on ``<html>``)."""
        try:
            value = await self.evaluate("document.documentElement.getAttribute('data-answered')")
        except (CDPError, asyncio.TimeoutError):  # the page is being replaced: no count to read
            return -1
        return int(value or 0)

    async def until_changed(self, loaded: asyncio.Future[Any], answered_before: int, timeout: float = 15) -> None:
        """Wait until the action's result shows: a page loaded, or (answer.js) the answer put in place."""
        deadline = asyncio.get_running_loop().time() + timeout
        while not loaded.done():
            now = await self.answered()
            if now > answered_before:
                loaded.cancel()
                self._listeners[:] = [entry for entry in self._listeners if entry[1] is not loaded]
                return
            if asyncio.get_running_loop().time() > deadline:
                raise asyncio.TimeoutError("neither a page load nor an answer put in place")
            await asyncio.wait({loaded}, timeout=0.05)

    async def key(self, name: str, *, navigates: bool = False) -> None:
        """Press and release a key; with ``navigates``, wait for the page it loads (or the answer
        that static/answer.js puts in place of the question)."""
        before = await self.answered() if navigates else 0
        loaded = self.expect("Page.loadEventFired") if navigates else None
        spec = KEYS[name]
        down = {k: v for k, v in spec.items()}
        await self.send("Input.dispatchKeyEvent", type="keyDown", **down)
        up = {k: v for k, v in spec.items() if k != "text"}
        await self.send("Input.dispatchKeyEvent", type="keyUp", **up)
        if loaded is not None:
            await self.until_changed(loaded, before)

    async def type(self, text: str) -> None:
        await self.send("Input.insertText", text=text)

    async def evaluate(self, expression: str, await_promise: bool = False) -> Any:
        result = await self.send(
            "Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=await_promise
        )
        if "exceptionDetails" in result:
            raise CDPError(json.dumps(result["exceptionDetails"])[:2000])
        return result["result"].get("value")

    async def focused(self) -> str:
        """A short description of the focused element: tag, name/value or label text."""
        return await self.evaluate(
            """(() => { const e = document.activeElement; if (!e) return '';
                 const label = e.labels && e.labels.length ? e.labels[0].innerText : '';
                 return [e.tagName.toLowerCase(), e.getAttribute('name') || '', (e.innerText || label || '').trim()].join('|'); })()"""
        )

    async def tab_to(self, text: str, limit: int = 40) -> int:
        """Press Tab until the focused element's text (or label) is ``text``; return the presses."""
        for presses in range(1, limit + 1):
            await self.key("Tab")
            if (await self.focused()).split("|", 2)[2] == text:
                return presses
        raise AssertionError(f"{text!r} not reached with {limit} Tab presses; focus is on {await self.focused()!r}")

    async def screenshot(self, path: Path, full_page: bool = False) -> Path:
        params: dict[str, Any] = {"format": "png"}
        if full_page:
            params["captureBeyondViewport"] = True
            size = await self.send("Page.getLayoutMetrics")
            css = size.get("cssContentSize") or size["contentSize"]
            params["clip"] = {"x": 0, "y": 0, "width": css["width"], "height": css["height"], "scale": 1}
        data = await self.send("Page.captureScreenshot", **params)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data["data"]))
        return path

    async def close(self) -> None:
        self._reader.cancel()
        with suppress(asyncio.CancelledError, Exception):
            await self._reader


@asynccontextmanager
async def chromium(width: int = 390, height: int = 844) -> AsyncIterator[Page]:
    """A fresh headless Chromium (own profile), its first tab emulating a phone-sized screen."""
    binary = chromium_path()
    if binary is None:
        raise RuntimeError("chromium is not installed")
    profile = Path(tempfile.mkdtemp(prefix="scenari-chromium-"))
    process = subprocess.Popen(
        [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    page: Page | None = None
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.exists() and port_file.read_text().strip().count("\n") >= 1):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"chromium did not start (exit {process.poll()})")
            await asyncio.sleep(0.05)
        port = int(port_file.read_text().splitlines()[0])
        async with aiohttp.ClientSession() as http:
            targets = await (await http.get(f"http://127.0.0.1:{port}/json/list")).json()
            target = next(t for t in targets if t["type"] == "page")
            async with http.ws_connect(target["webSocketDebuggerUrl"], max_msg_size=0) as ws:
                page = Page(ws)
                await page.send("Page.enable")
                await page.send("Network.enable")
                await page.send("Runtime.enable")
                await page.send(
                    "Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=True
                )
                yield page
                await page.close()
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(profile, ignore_errors=True)
