"""Rooms shared by replicas through Redis (explorer/present/shared_rooms.py): a room opened on one replica is
followed on another, only its secret moves it from either, a view reaches the other replica's listeners, and a
Redis that goes away mid-lecture leaves each replica going on alone, then catching up once it is back."""

from __future__ import annotations

import gzip
import time

import pytest

from explorer.present.shared_rooms import SharedRooms
from tests.redis_support import RedisServer


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path).start()
    yield server
    server.stop()


def until(condition, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


@pytest.fixture
def replicas(redis_server):
    a, b = SharedRooms(redis_server.url), SharedRooms(redis_server.url)
    assert until(lambda: a._listening.is_set() and b._listening.is_set())
    yield a, b
    a.close()
    b.close()


def test_a_room_opened_on_one_replica_is_followed_on_another(replicas):
    a, b = replicas
    room_id, secret = a.open(1, {"tour_image": 0})
    assert b.shown(room_id).step == 1
    told = []
    b.listen(room_id, lambda room, number: told.append(number))
    assert a.move(room_id, secret, 2, {"tour_size": 16})
    assert a.publish(room_id, secret, b'{"step": 2}') == 1
    assert until(lambda: told == [1])  # B's listeners are told of A's view
    assert gzip.decompress(b.view(room_id).gzipped) == b'{"step": 2}'
    assert b.shown(room_id).step == 2 and b.shown(room_id).values == {"tour_size": 16}


def test_only_the_room_s_secret_moves_it_from_any_replica(replicas):
    a, b = replicas
    room_id, secret = a.open(3)
    assert not b.move(room_id, "guessed", 7, {}) and b.publish(room_id, "guessed", b"{}") is None
    assert a.shown(room_id).step == 3
    assert b.move(room_id, secret, 4, {})  # the presenter's page reconnected to the other replica
    assert b.publish(room_id, secret, b'{"step": 4}') == 1
    assert until(lambda: a.view(room_id) is not None and a.view(room_id).number == 1)


def test_redis_gone_mid_lecture_leaves_each_replica_going_on_and_it_catches_up_once_back(replicas, redis_server):
    a, b = replicas
    room_id, secret = a.open(1)
    assert b.shown(room_id) is not None
    told_a, told_b = [], []
    a.listen(room_id, lambda room, number: told_a.append(number))
    b.listen(room_id, lambda room, number: told_b.append(number))
    redis_server.stop()
    started = time.monotonic()
    assert a.move(room_id, secret, 5, {}) and a.publish(room_id, secret, b'{"step": 5}') == 1
    assert time.monotonic() - started < 5  # no move waits on a dead store for long
    assert told_a == [1] and a.degraded() is not None  # its own audience follows, and the page can say why
    assert until(lambda: b.degraded() is not None)
    assert told_b == []
    redis_server.start()  # back, and empty
    assert until(lambda: a.degraded() is None and b.degraded() is None, 30)
    assert until(lambda: told_b == [1], 30)  # A wrote back what it holds; B's audience catches up
    assert b.shown(room_id).step == 5
