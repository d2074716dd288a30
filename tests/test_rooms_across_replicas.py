"""A room across three replicas behind nginx (deploy/room.py), its state in the room's own Redis: the audience
of every replica follows a presenter on one, at the protocol level (tests/protocol_client.py); with Redis gone
mid-lecture the presenter's own replica keeps following and the others catch up once it is back."""

from __future__ import annotations

import asyncio
import os
import shutil
import time
from pathlib import Path

import pytest

from explorer.present.i18n import STRINGS
from tests.browser_support import ROOT
from tests.protocol_client import AudienceMember
from tests.redis_support import redis_binary
from tests.test_room_audience import presenting, until

pytestmark = pytest.mark.slow
PER_REPLICA = 8


@pytest.fixture(scope="module")
def room():
    from deploy.room import Room

    if shutil.which("nginx") is None and not Path("/usr/sbin/nginx").is_file():
        (pytest.fail if os.environ.get("CI") else pytest.skip)("nginx is not installed (apt-get install nginx)")
    redis_binary()
    started = Room(3, log_dir=ROOT / "test-artifacts").start(timeout=180)
    yield started
    started.stop()


def test_the_audience_of_every_replica_follows_a_presenter_on_one_and_outlives_redis(room):
    titles = {step: STRINGS["en"][f"tour.s{step}.title"] for step in (2, 3, 4)}

    async def scenario():
        presenter, query = await presenting(room.replica_url(0))
        room_id = dict(p.split("=", 1) for p in query.split("&"))["room"]
        members = {k: [AudienceMember(room.replica_url(k), query, room_id) for _ in range(PER_REPLICA)]
                   for k in range(3)}
        everyone = [m for group in members.values() for m in group]
        try:
            await asyncio.gather(*(m.open(120) for m in everyone))
            assert all(m.follower.connected.is_set() and not m.errors for m in everyone)
            await until(lambda: all(m.follower.step_after(1, 0) for m in everyone), 60, "the first view everywhere")

            async def press_next(step: int) -> float:
                await until(lambda: "tour_next" in presenter.seen.buttons, 30, "the presenter's Next")
                pressed = time.time()
                await presenter.click("tour_next")
                await until(lambda: presenter.seen.first_heading_after(titles[step], pressed), 60, "the presenter")
                return pressed

            pressed = await press_next(2)
            await until(lambda: all(m.got(2, titles[2], pressed) for m in everyone), 120, "step 2 on every replica")

            room.stop_redis()  # the shared store goes away mid-lecture
            pressed = await press_next(3)
            await until(lambda: all(m.got(3, titles[3], pressed) for m in members[0]), 60, "the presenter's replica")
            assert not any(m.got(3, titles[3], pressed) for k in (1, 2) for m in members[k])

            room.start_redis()  # back (empty): the others catch up on their own
            await until(lambda: all(m.got(3, titles[3], pressed) for m in everyone), 120, "step 3 after Redis is back")
            pressed = await press_next(4)
            await until(lambda: all(m.got(4, titles[4], pressed) for m in everyone), 120, "step 4 on every replica")
            assert not [m.errors for m in everyone if m.errors]
        finally:
            await asyncio.gather(*(m.close() for m in everyone), presenter.close(), return_exceptions=True)

    asyncio.run(scenario())
