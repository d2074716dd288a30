"""A Streamlit session as the server sees a browser tab, at the protocol level: Streamlit's own WebSocket
(``/_stcore/stream``) and its protobuf messages (``streamlit.proto``), no browser. Many of them on one machine
measure what the server pays for a room's audience (bench/room_load.py), and check that every one of them
follows a move (tests/test_room_audience.py): each costs the server what a browser costs it, and this machine
almost nothing.

What a tab does, and this does too: it asks for the page (``BackMsg.rerun_script`` with the URL's query string and
the page's script hash, learnt from the ``navigation`` message), reads every ``ForwardMsg`` that comes back, and
runs again each fragment the server asks to run on a timer (``auto_rerun``: a fragment id and an interval) as
the browser's timer does. Loopback only: the server is one this machine started.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

LOOPBACK = ("127.0.0.1", "localhost", "::1")


@dataclass
class Seen:
    """What a session has been shown: each heading with the time it arrived (``time.time()``), and counts."""

    headings: list[tuple[float, str]] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)  # st.code blocks' text (a room's links)
    buttons: dict[str, str] = field(default_factory=dict)  # a button's key → its widget id
    runs_finished: int = 0
    errors: list[str] = field(default_factory=list)
    messages: int = 0

    def first_heading_after(self, prefix: str, since: float) -> float | None:
        """When a heading starting with ``prefix`` first arrived after ``since``; None if none has."""
        return next((at for at, text in self.headings if at >= since and text.startswith(prefix)), None)


class ProtocolSession:
    """One tab on one page of a Streamlit server at ``base_url`` (http://127.0.0.1:PORT)."""

    def __init__(self, base_url: str, page: str, query_string: str = "", auto_rerun: bool = True,
                 wait_for_runs: bool = False):
        host = urlsplit(base_url).hostname
        if host not in LOOPBACK:
            raise ValueError(f"a protocol session talks to a server on this machine only, not {host!r}")
        self.url = base_url.replace("http://", "ws://").rstrip("/") + "/_stcore/stream"
        self.page, self.query_string = page, query_string
        self.auto_rerun = auto_rerun  # run the server's timed fragments, as a browser does
        self.wait_for_runs = wait_for_runs  # ask again only after the last run finished (the gentlest browser)
        self.seen = Seen()
        self.page_hash = ""
        self.fragments: dict[str, float] = {}  # fragment id → interval (s)
        self._socket = None
        self._tasks: list[asyncio.Task] = []
        self._running = False
        self.closed = asyncio.Event()

    async def open(self, timeout: float = 60.0) -> None:
        import websockets

        self._socket = await asyncio.wait_for(
            websockets.connect(self.url, subprotocols=["streamlit"], max_size=2**28, open_timeout=timeout,
                               ping_interval=None), timeout)
        self._tasks.append(asyncio.create_task(self._read()))
        await self.rerun()  # the first run learns the pages' hashes; the page asked for comes with them

    async def click(self, key: str) -> None:
        """Press the button whose key is ``key`` (as last drawn), as a click does: a run with its trigger set."""
        await self.rerun(trigger=self.seen.buttons[key])

    async def rerun(self, fragment_id: str = "", is_auto: bool = False, trigger: str = "") -> None:
        msg = BackMsg()
        state = msg.rerun_script
        if trigger:
            widget = state.widget_states.widgets.add()
            widget.id = trigger
            widget.trigger_value = True
        state.query_string = self.query_string
        state.page_script_hash = self.page_hash
        state.page_name = "" if self.page_hash else self.page
        state.fragment_id = fragment_id
        state.is_auto_rerun = is_auto
        self._running = True
        await self._socket.send(msg.SerializeToString())

    async def _read(self) -> None:
        try:
            async for data in self._socket:
                forward = ForwardMsg()
                forward.ParseFromString(data)
                self.seen.messages += 1
                self._take(forward)
        except Exception as err:  # noqa: BLE001  (a closed or broken socket: said in the session's errors)
            if not self.closed.is_set():
                self.seen.errors.append(f"{type(err).__name__}: {err}")
        finally:
            self.closed.set()

    def _take(self, forward: ForwardMsg) -> None:
        kind = forward.WhichOneof("type")
        if kind == "navigation":
            for page in forward.navigation.app_pages:
                if page.url_pathname == self.page and not self.page_hash:
                    self.page_hash = page.page_script_hash
        elif kind == "delta" and forward.delta.WhichOneof("type") == "new_element":
            element = forward.delta.new_element
            if element.WhichOneof("type") == "heading":
                self.seen.headings.append((time.time(), element.heading.body))
            elif element.WhichOneof("type") == "code":
                self.seen.codes.append(element.code.code_text)
            elif element.WhichOneof("type") == "button":
                self.seen.buttons[element.button.id.rsplit("-", 1)[-1]] = element.button.id
            elif element.WhichOneof("type") == "exception":
                self.seen.errors.append(f"exception in the page: {element.exception.message[:200]}")
        elif kind == "auto_rerun" and self.auto_rerun:
            fragment, interval = forward.auto_rerun.fragment_id, forward.auto_rerun.interval
            if fragment not in self.fragments:
                self.fragments[fragment] = interval
                self._tasks.append(asyncio.create_task(self._timer(fragment, interval)))
        elif kind == "stop_auto_rerun":
            self.fragments.pop(forward.stop_auto_rerun.fragment_id, None)
        elif kind == "script_finished":
            self.seen.runs_finished += 1
            self._running = False

    async def _timer(self, fragment: str, interval: float) -> None:
        """A fragment the server runs on a timer: asked for every ``interval`` seconds, as the browser's timer does."""
        while fragment in self.fragments and not self.closed.is_set():
            await asyncio.sleep(interval)
            if self.wait_for_runs and self._running:
                continue
            try:
                await self.rerun(fragment, is_auto=True)
            except Exception:  # noqa: BLE001  (the socket closed meanwhile: _read says so)
                return

    async def close(self) -> None:
        self.fragments.clear()
        self.closed.set()
        for task in self._tasks:
            task.cancel()
        if self._socket is not None:
            await self._socket.close()


def server_cpu_seconds(pid: int) -> float:
    """The CPU time (user + system) a process has used so far, from /proc."""
    import os

    with open(f"/proc/{pid}/stat", "rb") as f:
        fields = f.read().rpartition(b")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class ViewFollower:
    """What the room's audience component does in a browser (explorer_app/room_view/frontend/main.js): listen to
    the room's server-sent events and fetch the room's view on each, the newest only. Raw HTTP/1.1 on asyncio
    streams: no client library, and nothing but this machine's loopback."""

    def __init__(self, base_url: str, room_id: str):
        parts = urlsplit(base_url)
        if parts.hostname not in LOOPBACK:
            raise ValueError(f"a follower talks to a server on this machine only, not {parts.hostname!r}")
        self.host, self.port, self.prefix = parts.hostname, parts.port, parts.path.rstrip("/")
        self.room = room_id
        self.views: list[tuple[float, int, dict]] = []  # (arrived, number, the document)
        self.errors: list[str] = []
        self.events = 0
        self._wanted = self._shown = 0
        self._fetching: asyncio.Task | None = None
        self._task: asyncio.Task | None = None
        self._writer = None
        self.connected = asyncio.Event()

    async def open(self, timeout: float = 30.0) -> None:
        self._task = asyncio.create_task(self._listen(timeout))
        await asyncio.wait_for(self.connected.wait(), timeout)

    def step_after(self, step: int, since: float) -> float | None:
        """When a view of ``step`` first arrived after ``since``; None if none has."""
        return next((at for at, _, doc in self.views if at >= since and doc.get("step") == step), None)

    async def _listen(self, timeout: float) -> None:
        try:
            reader, self._writer = await asyncio.wait_for(asyncio.open_connection(self.host, self.port), timeout)
            path = f"{self.prefix}/_rooms/{self.room}/events"
            self._writer.write(f"GET {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
                               "Accept: text/event-stream\r\n\r\n".encode())
            await self._writer.drain()
            status, headers = await _response_head(reader)
            if status != 200:
                self.errors.append(f"events answered {status}")
                return
            self.connected.set()
            event = ""
            async for line in _body_lines(reader, headers):
                if line.startswith("event:"):
                    event = line[6:].strip()
                elif line.startswith("data:") and event == "view":
                    self.events += 1
                    self._ask(int(line[5:].strip() or 0))
                elif line.startswith("data:") and event == "gone":
                    return
        except (OSError, asyncio.IncompleteReadError, ValueError, asyncio.TimeoutError) as err:
            self.errors.append(f"{type(err).__name__}: {err}")
        finally:
            self.connected.set()

    def _ask(self, number: int) -> None:
        self._wanted = max(self._wanted, number)
        if number > 0 and (self._fetching is None or self._fetching.done()):
            self._fetching = asyncio.create_task(self._fetch())

    async def _fetch(self) -> None:
        import gzip
        import json

        while self._wanted > self._shown:
            asked = self._wanted
            try:
                reader, writer = await asyncio.open_connection(self.host, self.port)
                writer.write(f"GET {self.prefix}/_rooms/{self.room}/view HTTP/1.1\r\nHost: {self.host}\r\n"
                             "Accept-Encoding: gzip\r\nConnection: close\r\n\r\n".encode())
                await writer.drain()
                status, headers = await _response_head(reader)
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                writer.close()
                if status != 200:
                    self.errors.append(f"view answered {status}")
                    return
                if headers.get("content-encoding") == "gzip":
                    body = gzip.decompress(body)
                self.views.append((time.time(), asked, json.loads(body)))
                self._shown = asked
            except (OSError, asyncio.IncompleteReadError, ValueError) as err:
                self.errors.append(f"{type(err).__name__}: {err}")
                return

    async def close(self) -> None:
        for task in (self._task, self._fetching):
            if task is not None:
                task.cancel()
        if self._writer is not None:
            self._writer.close()


async def _response_head(reader) -> tuple[int, dict]:
    status_line = (await reader.readline()).decode("latin-1")
    status = int(status_line.split()[1])
    headers = {}
    while (line := (await reader.readline()).decode("latin-1").strip()):
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers


async def _body_lines(reader, headers: dict):
    """The lines of a streamed body, chunked or not."""
    buffer = b""
    chunked = headers.get("transfer-encoding", "").lower() == "chunked"
    while True:
        if chunked:
            size = int((await reader.readline()).strip() or b"0", 16)
            if size == 0:
                return
            buffer += await reader.readexactly(size)
            await reader.readexactly(2)
        else:
            data = await reader.read(65536)
            if not data:
                return
            buffer += data
        *lines, buffer = buffer.split(b"\n")
        for line in lines:
            yield line.decode("utf-8").rstrip("\r")


class AudienceMember:
    """One member of a room's audience, as its browser is: the session its link opens, and, where that page holds
    the room's component (no timed fragment asks instead), the component's follower."""

    def __init__(self, url: str, query: str, room_id: str, gentle: bool = False):
        self.session = ProtocolSession(url, "tour", query, wait_for_runs=gentle)
        self.follower = ViewFollower(url, room_id)

    async def open(self, timeout: float) -> None:
        await self.session.open(timeout)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not (self.session.seen.runs_finished or self.session.seen.errors):
            await asyncio.sleep(0.1)
        if not self.session.fragments:  # no timed fragment: its page has the room component, which listens
            await self.follower.open(timeout)

    def got(self, step: int, title: str, since: float) -> float | None:
        times = [self.follower.step_after(step, since), self.session.seen.first_heading_after(title, since)]
        return min((t for t in times if t is not None), default=None)

    @property
    def errors(self) -> list[str]:
        return self.session.seen.errors + self.follower.errors

    async def close(self) -> None:
        await self.follower.close()
        await self.session.close()
