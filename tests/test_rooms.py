"""Rooms (explorer/present/rooms.py): only the presenter's secret moves a room; rooms expire and stay bounded."""

import pytest

from explorer.present.rooms import MAX_STATE_BYTES, MAX_VALUES, Rooms


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_room_shows_what_its_presenter_moves_it_to():
    rooms = Rooms()
    room_id, secret = rooms.open(1, {"tour_image": 0})
    assert rooms.shown(room_id).step == 1 and rooms.shown(room_id).values == {"tour_image": 0}
    before = rooms.shown(room_id).version
    assert rooms.move(room_id, secret, 4, {"tour_sigma": 0.1})
    shown = rooms.shown(room_id)
    assert (shown.step, shown.values) == (4, {"tour_sigma": 0.1}) and shown.version == before + 1


def test_moving_to_what_it_shows_already_keeps_its_version():
    rooms = Rooms()
    room_id, secret = rooms.open(2, {"a": 1})
    version = rooms.shown(room_id).version
    assert rooms.move(room_id, secret, 2, {"a": 1})
    assert rooms.shown(room_id).version == version


@pytest.mark.parametrize("guess", [None, "", "x" * 24, "wrong-secret", "\udcff", 12345])
def test_a_missing_or_guessed_secret_changes_nothing(guess):
    rooms = Rooms()
    room_id, _secret = rooms.open(3, {"tour_level": 0.5})
    assert not rooms.move(room_id, guess, 7, {"tour_level": 0.9})
    assert not rooms.is_presenter(room_id, guess)
    assert rooms.shown(room_id).step == 3 and rooms.shown(room_id).values == {"tour_level": 0.5}


def test_a_secret_moves_only_its_own_room():
    rooms = Rooms()
    _first, first_secret = rooms.open(1)
    second, _ = rooms.open(1)
    assert not rooms.move(second, first_secret, 5, {})
    assert rooms.shown(second).step == 1


@pytest.mark.parametrize("room_id", ["", "../../etc", "a" * 200, None, 42, "<script>", "no-such-room-id"])
def test_unknown_or_hostile_room_ids_show_nothing(room_id):
    rooms = Rooms()
    rooms.open(1)
    assert rooms.shown(room_id) is None
    assert not rooms.move(room_id, "secret", 2, {})


def test_rooms_expire_after_their_last_move():
    clock = Clock()
    rooms = Rooms(ttl=60, clock=clock)
    room_id, secret = rooms.open(1)
    clock.now += 50
    assert rooms.move(room_id, secret, 2, {})  # a move keeps it alive
    clock.now += 50
    assert rooms.shown(room_id).step == 2
    clock.now += 61
    assert rooms.shown(room_id) is None and len(rooms) == 0
    assert not rooms.move(room_id, secret, 3, {})


def test_the_number_of_rooms_is_bounded_and_the_longest_idle_gives_way():
    clock = Clock()
    rooms = Rooms(capacity=3, clock=clock)
    opened = []
    for _ in range(3):
        opened.append(rooms.open(1))
        clock.now += 1
    assert rooms.move(*opened[0], 2, {})  # the first room moved last: the second is now the idlest
    rooms.open(1)
    assert len(rooms) == 3
    assert rooms.shown(opened[1][0]) is None
    assert rooms.shown(opened[0][0]) is not None and rooms.shown(opened[2][0]) is not None


@pytest.mark.parametrize("values", [{f"k{i}": i for i in range(MAX_VALUES + 1)}, {"big": "x" * MAX_STATE_BYTES},
                                    {"obj": object()}, ["not", "a", "dict"]])
def test_what_a_room_shows_is_small_plain_data(values):
    rooms = Rooms()
    room_id, secret = rooms.open(1, {"a": 1})
    with pytest.raises((ValueError, TypeError)):
        rooms.move(room_id, secret, 2, values)
    assert rooms.shown(room_id).values == {"a": 1}


def test_what_a_room_shows_is_a_copy_the_caller_cannot_change():
    rooms = Rooms()
    values = {"picked": [1, 2]}
    room_id, _secret = rooms.open(1, values)
    values["picked"].append(3)
    assert rooms.shown(room_id).values == {"picked": [1, 2]}


# --- the room's shared view ------------------------------------------------------------------------------------


def test_only_the_presenter_publishes_a_view_and_an_unchanged_one_keeps_its_number():
    import gzip

    rooms = Rooms()
    room_id, secret = rooms.open(1)
    told = []
    token = rooms.listen(room_id, lambda room, number: told.append((room, number)))
    assert rooms.view(room_id) is None
    assert rooms.publish(room_id, "guessed", b'{"step": 1}') is None and rooms.view(room_id) is None
    assert rooms.publish(room_id, secret, b'{"step": 1}') == 1
    assert gzip.decompress(rooms.view(room_id).gzipped) == b'{"step": 1}'
    assert rooms.publish(room_id, secret, b'{"step": 1}') == 1  # the same document: not sent again
    assert rooms.publish(room_id, secret, b'{"step": 2}') == 2
    assert told == [(room_id, 1), (room_id, 2)]
    rooms.unlisten(token)
    rooms.publish(room_id, secret, b'{"step": 3}')
    assert len(told) == 2 and rooms.listeners() == 0


def test_a_view_too_large_or_of_another_room_is_refused():
    import os

    from explorer.present.rooms import MAX_VIEW_BYTES

    rooms = Rooms()
    room_id, secret = rooms.open(1)
    _other, other_secret = rooms.open(1)
    assert rooms.publish(room_id, other_secret, b"{}") is None
    assert rooms.publish(room_id, secret, os.urandom(MAX_VIEW_BYTES + 1)) is None  # random bytes do not compress
    assert rooms.view(room_id) is None and rooms.view("../../etc") is None


def test_a_view_from_another_replica_is_kept_only_if_newer():
    from explorer.present.rooms import View

    rooms = Rooms()
    room_id, secret = rooms.open(1)
    rooms.publish(room_id, secret, b"one")
    rooms.publish(room_id, secret, b"two")
    rooms.take_view(room_id, View(1, b"old"))
    assert rooms.view(room_id).number == 2
    rooms.take_view(room_id, View(5, b"newer", "d"))
    assert rooms.view(room_id) == View(5, b"newer", "d")
