"""A room's audience at the protocol level (tests/protocol_client.py): many sessions, each what a browser is to the
server, follow one presenter's move; none of them asks anything while nobody moves; the room's routes refuse
what is not a room and hold their limit. No timing is asserted (bench/room_load.py measures it)."""

from __future__ import annotations

import asyncio
import time
import urllib.error
import urllib.request

import pytest

from explorer.present.i18n import STRINGS
from tests.browser_support import AppServer
from tests.protocol_client import AudienceMember, ProtocolSession, ViewFollower

FOLLOWERS = 40
CAP = FOLLOWERS + 2  # the server's streams at most (EXPLORER_ROOM_STREAMS)


@pytest.fixture(scope="module")
def server():
    srv = AppServer(env={"EXPLORER_ROOM_STREAMS": str(CAP)})
    srv.wait_healthy()
    yield srv
    srv.stop()


async def until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        await asyncio.sleep(0.1)


async def status_of(port: int, path: str) -> int:
    """The status a GET of ``path`` answers with (the connection closed after its head)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
    await writer.drain()
    status = int((await reader.readline()).split()[1])
    writer.close()
    return status


async def presenting(url: str) -> tuple[ProtocolSession, str]:
    """A presenter on step 1 who started a room: the session, and the audience's query string."""
    presenter = ProtocolSession(url, "tour", "step=1")
    await presenter.open()
    await until(lambda: presenter.seen.runs_finished and "room_start" in presenter.seen.buttons, 120, "the tour")
    finished = presenter.seen.runs_finished
    await presenter.click("room_start")
    await until(lambda: presenter.seen.runs_finished > finished and any("room=" in c for c in presenter.seen.codes),
                60, "the room's links")
    link = next(c for c in presenter.seen.codes if "room=" in c and "key=" not in c)
    return presenter, link.split("?", 1)[1]


def test_every_follower_gets_the_moves_and_none_asks_while_nobody_moves(server):
    async def scenario():
        presenter, query = await presenting(server.url)
        room_id = dict(p.split("=", 1) for p in query.split("&"))["room"]
        members = [AudienceMember(server.url, query, room_id) for _ in range(FOLLOWERS)]
        try:
            await asyncio.gather(*(m.open(120) for m in members))
            assert all(not m.session.fragments for m in members)  # nothing on a timer: told, not asking
            await until(lambda: all(m.follower.step_after(1, 0) for m in members), 120, "every follower's first view")
            # a follower that never reads its stream, and a flood of joins to rooms that do not exist
            _, silent = await asyncio.open_connection("127.0.0.1", server.port)
            silent.write(f"GET /_rooms/{room_id}/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
            flood = await asyncio.gather(*(status_of(server.port, f"/_rooms/nosuchroom{k:04d}/events")
                                           for k in range(300)))
            assert set(flood) == {404}
            # a move: the presenter presses Next
            await until(lambda: "tour_next" in presenter.seen.buttons, 30, "the presenter's Next")
            moved = time.time()
            await presenter.click("tour_next")
            title = STRINGS["en"]["tour.s2.title"]
            await until(lambda: all(m.got(2, title, moved) for m in members), 180, "the move at every follower")
            assert not [m.errors for m in members if m.errors]
            # the presenter closes the tab: the room stays; their link opens it again, and it moves on
            presenter_link = next(c for c in presenter.seen.codes if "key=" in c)
            await presenter.close()
            presenter = ProtocolSession(server.url, "tour", presenter_link.split("?", 1)[1])
            await presenter.open()
            await until(lambda: "tour_next" in presenter.seen.buttons, 60, "the presenter back")
            moved = time.time()
            await presenter.click("tour_next")
            title = STRINGS["en"]["tour.s3.title"]
            await until(lambda: all(m.got(3, title, moved) for m in members), 180, "the next move at every follower")
            silent.close()
            # a stream more than the server holds is refused, and the others keep theirs
            extra = [ViewFollower(server.url, room_id) for _ in range(CAP - FOLLOWERS + 1)]
            await asyncio.gather(*(e.open(30) for e in extra))
            refused = [e for e in extra if e.errors]
            assert len(refused) >= 1 and all("503" in e.errors[0] for e in refused)
            assert all(not m.follower.errors for m in members)
            for e in extra:
                await e.close()
        finally:
            await asyncio.gather(*(m.close() for m in members), presenter.close(), return_exceptions=True)

    asyncio.run(scenario())


@pytest.mark.parametrize("room", ["nosuchroom1", "..%2F..%2Fetc%2Fpasswd", "x" * 200, "%3Cscript%3E"])
def test_the_routes_refuse_what_is_not_a_room(server, room):
    # 404, or 400 where Streamlit's own path check refuses first (an encoded ../)
    for what in ("events", "view"):
        with pytest.raises(urllib.error.HTTPError) as answered:
            urllib.request.urlopen(f"{server.url}/_rooms/{room}/{what}", timeout=10)
        assert answered.value.code in (400, 404)
    with pytest.raises(urllib.error.HTTPError) as answered:
        urllib.request.urlopen(f"{server.url}/_rooms/assets/..%2F..%2Fapp.py", timeout=10)
    assert answered.value.code in (400, 404)


def test_plotly_s_script_is_served_by_the_app_itself(server):
    with urllib.request.urlopen(f"{server.url}/_rooms/assets/plotly.min.js", timeout=30) as answer:
        assert answer.status == 200 and b"plotly" in answer.read(4096).lower()


def test_a_room_joining_a_fresh_server_all_at_once_draws_every_page(tmp_path):
    # a lecture hall opens its link together: the sessions' first pages run at once on a server that has drawn
    # none (Streamlit's naming of the components is not thread-safe: explorer_app.DECLARING)
    fresh = AppServer()
    fresh.wait_healthy()

    async def scenario():
        sessions = [ProtocolSession(fresh.url, page, "") for page in ("", "tour") * 6]
        try:
            await asyncio.gather(*(s.open(120) for s in sessions))
            await until(lambda: all(s.seen.runs_finished or s.seen.errors for s in sessions), 180, "every first page")
            assert [s.seen.errors for s in sessions if s.seen.errors] == []
        finally:
            await asyncio.gather(*(s.close() for s in sessions), return_exceptions=True)

    try:
        asyncio.run(scenario())
    finally:
        fresh.stop()
