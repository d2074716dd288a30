"""Rooms shared by several replicas behind a proxy (deploy/room.py): each replica keeps its rooms in memory
(explorer.present.rooms.Rooms), mirrored in Redis (or Valkey), whose pub/sub tells every replica of each move and
each new view, so that the audience of any replica follows a presenter on another.

In Redis, per room: ``explorer:room:<id>`` (a hash: secret, step, values, version, moved_at) and
``explorer:room:<id>:view`` (a hash: number, digest, the gzipped document), both expiring with the room; the
channel ``explorer:rooms`` carries ``{"room", "view"}`` for each new view. A replica asked about a room it does not
hold reads it from Redis.

When Redis cannot be reached, every replica goes on with the rooms it holds (its own audience keeps following;
:meth:`SharedRooms.degraded` says since when, for the presenter's page to say so) and sends nothing to Redis
meanwhile, so that no move waits on a timeout; a thread tries again every second and, once Redis answers, listens
again, writes back what this replica holds (a Redis that restarted empty) and reads what the others wrote.
"""

from __future__ import annotations

import json
import threading
import time

from explorer.present.rooms import Rooms, Shown, View, _Room

CHANNEL = "explorer:rooms"
PREFIX = "explorer:room:"
RETRY_S = 1.0
# Written whole, and only over an older state: a replica that held an older room while Redis was away, or a
# stale view, never replaces a newer one when it writes back.
WRITE_ROOM = """
local held = redis.call('HGET', KEYS[1], 'version')
if held and tonumber(held) > tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'version', ARGV[1], 'secret', ARGV[2], 'step', ARGV[3], 'values', ARGV[4], 'moved_at', ARGV[5])
redis.call('EXPIRE', KEYS[1], ARGV[6])
return 1
"""
WRITE_VIEW = """
local held = redis.call('HGET', KEYS[1], 'number')
if held and tonumber(held) >= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'number', ARGV[1], 'digest', ARGV[2], 'gz', ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('PUBLISH', ARGV[5], ARGV[6])
return 1
"""


class SharedRooms(Rooms):
    def __init__(self, url: str, capacity: int = 200, ttl: float = 6 * 3600, clock=time.time):
        import redis

        super().__init__(capacity, ttl, clock)  # wall-clock time: the replicas compare their rooms' ages
        self._redis = redis.Redis.from_url(url, socket_timeout=2.0, socket_connect_timeout=1.0)
        self._errors = (redis.RedisError, OSError)
        self._degraded_since: float | None = None
        self._stopped = threading.Event()
        self._listening = threading.Event()
        threading.Thread(target=self._subscribe, name="rooms-subscriber", daemon=True).start()

    # --- what the replicas share ------------------------------------------------------------------------------

    def open(self, step: int = 1, values: dict | None = None) -> tuple[str, str]:
        room_id, secret = super().open(step, values)
        self._write_room(room_id)
        return room_id, secret

    def shown(self, room_id: str) -> Shown | None:
        found = super().shown(room_id)
        if found is None and self._read_room(room_id):
            found = super().shown(room_id)
        return found

    def is_presenter(self, room_id: str, secret: str | None) -> bool:
        self.shown(room_id)  # a room opened on another replica: read it first
        return super().is_presenter(room_id, secret)

    def move(self, room_id: str, secret: str | None, step: int, values: dict) -> bool:
        moved = super().move(room_id, secret, step, values)
        if moved:
            self._write_room(room_id)
        return moved

    def publish(self, room_id: str, secret: str | None, document: bytes) -> int | None:
        before = super().view(room_id)
        number = super().publish(room_id, secret, document)
        if number is not None and (before is None or before.number != number):
            self._write_view(room_id)
        return number

    def view(self, room_id: str) -> View | None:
        if super().shown(room_id) is None:
            self.shown(room_id)
        return super().view(room_id)

    def degraded(self) -> float | None:
        """Since when (``time.time()``) Redis cannot be reached, or None while it can."""
        return self._degraded_since

    def close(self) -> None:
        self._stopped.set()

    # --- Redis --------------------------------------------------------------------------------------------------

    def _guarded(self, write) -> bool:
        """Run ``write`` against Redis unless it is known unreachable; a failure marks it so (the retry thread
        takes it from there). Returns whether it ran."""
        if self._degraded_since is not None:
            return False
        try:
            write()
            return True
        except self._errors:
            self._degraded_since = time.time()
            self._listening.clear()
            return False

    def _write_room(self, room_id: str) -> None:
        with self._lock:
            room = self._rooms.get(room_id)
            if room is None:
                return
            fields = {"secret": room.secret, "step": room.shown.step, "values": json.dumps(room.shown.values),
                      "version": room.shown.version, "moved_at": room.moved_at}

        def write():  # never over a newer state (a replica that held an older one while Redis was away)
            self._redis.eval(WRITE_ROOM, 1, PREFIX + room_id, fields["version"], fields["secret"], fields["step"],
                             fields["values"], fields["moved_at"], int(self.ttl))

        self._guarded(write)

    def _write_view(self, room_id: str) -> None:
        with self._lock:
            room = self._rooms.get(room_id)
            view = room.view if room is not None else None
        if view is None:
            return

        def write():
            self._redis.eval(WRITE_VIEW, 1, f"{PREFIX}{room_id}:view", view.number, view.digest, view.gzipped,
                             int(self.ttl), CHANNEL, json.dumps({"room": room_id, "view": view.number}))

        self._guarded(write)

    def _read_room(self, room_id: str) -> bool:
        """Take a room another replica opened from Redis; False if Redis has none (or cannot be reached)."""
        from explorer.present.rooms import ROOM_ID

        if not isinstance(room_id, str) or not ROOM_ID.match(room_id) or self._degraded_since is not None:
            return False
        found = {}

        def read():
            found.update({k.decode(): v for k, v in self._redis.hgetall(PREFIX + room_id).items()})

        if not self._guarded(read) or not found:
            return False
        try:
            shown = Shown(int(found["step"]), json.loads(found["values"]), int(found["version"]))
            room = _Room(found["secret"].decode(), shown, float(found["moved_at"]))
        except (KeyError, ValueError, TypeError):
            return False
        with self._lock:
            known = self._rooms.get(room_id)
            if known is None:
                while len(self._rooms) >= self.capacity:
                    del self._rooms[min(self._rooms, key=lambda r: self._rooms[r].moved_at)]
                self._rooms[room_id] = room
            elif known.shown.version < shown.version:
                known.shown, known.moved_at = shown, room.moved_at
        self._read_view(room_id)
        return True

    def _read_view(self, room_id: str) -> None:
        found = {}

        def read():
            found.update({k.decode(): v for k, v in self._redis.hgetall(f"{PREFIX}{room_id}:view").items()})

        if self._guarded(read) and found:
            try:
                view = View(int(found["number"]), found["gz"], found["digest"].decode())
            except (KeyError, ValueError):
                return
            self.take_view(room_id, view)

    def _subscribe(self) -> None:
        """Listen to the other replicas' views; on a broken connection, try again every second, and once Redis
        answers again, write back what this replica holds."""
        while not self._stopped.is_set():
            try:
                pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(CHANNEL)
                if self._degraded_since is not None:
                    self._degraded_since = None
                    self._write_back()
                self._listening.set()
                while not self._stopped.is_set():
                    message = pubsub.get_message(timeout=1.0)
                    if message is None:
                        continue
                    self._take(message.get("data"))
            except self._errors:
                self._degraded_since = self._degraded_since or time.time()
                self._listening.clear()
                self._stopped.wait(RETRY_S)

    def _take(self, data) -> None:
        try:
            said = json.loads(data)
            room_id, number = str(said["room"]), int(said["view"])
        except (ValueError, TypeError, KeyError):
            return  # not one of ours
        with self._lock:
            room = self._rooms.get(room_id)
            held = room.view.number if room is not None and room.view is not None else 0
        if room is None:
            return  # nobody here follows that room: read when asked
        if number > held:
            self._read_room(room_id)

    def _write_back(self) -> None:
        """After Redis was away: what this replica holds goes back (where newer), then what the others wrote while
        this one could not hear them comes in (subscribed already, so that nothing said from now on is missed)."""
        with self._lock:
            rooms = list(self._rooms)
        for room_id in rooms:
            self._write_room(room_id)
            self._write_view(room_id)
        for room_id in rooms:
            self._read_room(room_id)
