"""Rooms: a presenter moves a tour, the audience's browsers follow. Held in this process's memory (or, behind
several replicas, mirrored in a shared store: explorer/present/shared_rooms.py).

A room is an id anyone in the audience may know and a secret only the presenter's link carries;
only :meth:`Rooms.move` with that secret changes what the room shows (compared in constant time).
What a room shows is small (a step and the preset values of its controls) and bounded; rooms
expire after ``ttl`` seconds without a move and the oldest give way when ``capacity`` is reached,
so memory stays bounded however many rooms are started. Nothing is written to disk.

Each room also keeps its **view**: the document the presenter's page drew of what the room shows
(explorer_app/room_view.py), gzip-compressed once, with a sequence number of its own. The audience's browsers
draw it themselves; :meth:`Rooms.listen` tells a listener (the app's event route) of each new view, so that
nothing runs for the audience while nobody moves, and a move costs the server one rendering.

No Streamlit here: the app keeps one :class:`Rooms` per server (``st.cache_resource``).
"""

from __future__ import annotations

import gzip
import hashlib
import hmac
import itertools
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field

ROOM_ID = re.compile(r"^[A-Za-z0-9_-]{8,32}$")
MAX_VALUES = 32  # controls per step
MAX_STATE_BYTES = 4096  # what one room shows, as JSON
MAX_VIEW_BYTES = 4 * 1024 * 1024  # a room's view, compressed (a step's pictures and charts: tens to hundreds of kB)


@dataclass(frozen=True)
class Shown:
    """What a room shows: a tour step and its controls' values; ``version`` grows with each move."""

    step: int
    values: dict = field(default_factory=dict)
    version: int = 0


@dataclass(frozen=True)
class View:
    """A room's shared view: ``number`` grows with each new one; ``gzipped`` is the document, compressed."""

    number: int
    gzipped: bytes
    digest: str = ""  # sha256 of the document: an unchanged view is not sent again


@dataclass
class _Room:
    secret: str
    shown: Shown
    moved_at: float
    view: View | None = None


class Rooms:
    def __init__(self, capacity: int = 200, ttl: float = 6 * 3600, clock=time.monotonic):
        self.capacity, self.ttl, self._clock = capacity, ttl, clock
        self._rooms: dict[str, _Room] = {}
        self._lock = threading.Lock()
        self._listeners: dict[int, tuple[str, object]] = {}  # token → (room id, callback(room id, view number))
        self._tokens = itertools.count(1)

    def open(self, step: int = 1, values: dict | None = None) -> tuple[str, str]:
        """A new room showing ``step``: returns (room id, the presenter's secret)."""
        shown = Shown(step, _checked(values or {}))
        with self._lock:
            self._expire()
            while len(self._rooms) >= self.capacity:  # the room moved longest ago gives way
                del self._rooms[min(self._rooms, key=lambda r: self._rooms[r].moved_at)]
            room_id = secrets.token_urlsafe(9)
            self._rooms[room_id] = _Room(secrets.token_urlsafe(18), shown, self._clock())
            return room_id, self._rooms[room_id].secret

    def shown(self, room_id: str) -> Shown | None:
        """What the room shows now, or None if there is no such room (never was, or expired)."""
        if not isinstance(room_id, str) or not ROOM_ID.match(room_id):
            return None
        with self._lock:
            self._expire()
            room = self._rooms.get(room_id)
            return room.shown if room is not None else None

    def is_presenter(self, room_id: str, secret: str | None) -> bool:
        with self._lock:
            room = self._rooms.get(room_id) if isinstance(room_id, str) else None
            return room is not None and isinstance(secret, str) and hmac.compare_digest(
                secret.encode("utf-8", "replace"), room.secret.encode())

    def move(self, room_id: str, secret: str | None, step: int, values: dict) -> bool:
        """Show ``step`` and ``values`` in the room, if ``secret`` is the room's; False changes nothing."""
        checked = _checked(values)
        if not self.is_presenter(room_id, secret):
            return False
        with self._lock:
            room = self._rooms.get(room_id)
            if room is None:
                return False
            if (room.shown.step, room.shown.values) != (int(step), checked):
                room.shown = Shown(int(step), checked, room.shown.version + 1)
            room.moved_at = self._clock()
            return True

    def publish(self, room_id: str, secret: str | None, document: bytes) -> int | None:
        """Keep ``document`` as the room's view, if ``secret`` is the room's and it differs from the view kept; tell
        the listeners. Returns the view's number (the kept one's if unchanged), or None for a refused one."""
        if not self.is_presenter(room_id, secret) or len(document) > 8 * MAX_VIEW_BYTES:
            return None
        with self._lock:
            room = self._rooms.get(room_id)
            if room is None:
                return None
            digest = hashlib.sha256(document).hexdigest()
            if room.view is not None and room.view.digest == digest:
                return room.view.number
            packed = gzip.compress(document, compresslevel=5)
            if len(packed) > MAX_VIEW_BYTES:
                return None
            room.view = View((room.view.number + 1) if room.view else 1, packed, digest)
            number, listeners = room.view.number, [c for r, c in self._listeners.values() if r == room_id]
        for callback in listeners:  # outside the lock: a listener may ask for the view at once
            callback(room_id, number)
        return number

    def take_view(self, room_id: str, view: View) -> None:
        """Keep a view another replica published (explorer/present/shared_rooms.py), and tell the listeners."""
        with self._lock:
            room = self._rooms.get(room_id)
            if room is None or (room.view is not None and room.view.number >= view.number):
                return
            room.view = view
            listeners = [c for r, c in self._listeners.values() if r == room_id]
        for callback in listeners:
            callback(room_id, view.number)

    def view(self, room_id: str) -> View | None:
        """The room's view, or None (no such room, or nothing drawn yet)."""
        if not isinstance(room_id, str) or not ROOM_ID.match(room_id):
            return None
        with self._lock:
            room = self._rooms.get(room_id)
            return room.view if room is not None else None

    def listen(self, room_id: str, callback) -> int:
        """Call ``callback(room_id, view number)`` on each new view of the room (from the thread that published it);
        returns a token for :meth:`unlisten`."""
        with self._lock:
            token = next(self._tokens)
            self._listeners[token] = (room_id, callback)
            return token

    def unlisten(self, token: int) -> None:
        with self._lock:
            self._listeners.pop(token, None)

    def listeners(self) -> int:
        with self._lock:
            return len(self._listeners)

    def degraded(self) -> float | None:
        """Since when the store shared with other replicas cannot be reached; None (a room in memory has none)."""
        return None

    def __len__(self) -> int:
        with self._lock:
            self._expire()
            return len(self._rooms)

    def _expire(self) -> None:
        now = self._clock()
        for room_id in [r for r, room in self._rooms.items() if now - room.moved_at > self.ttl]:
            del self._rooms[room_id]


def _checked(values: dict) -> dict:
    """Plain JSON values only (numbers, strings, booleans, lists of them), few and small."""
    if not isinstance(values, dict) or len(values) > MAX_VALUES:
        raise ValueError(f"a room shows at most {MAX_VALUES} values")
    plain = json.loads(json.dumps(values))  # a copy, and a TypeError for anything that is not JSON
    if len(json.dumps(plain)) > MAX_STATE_BYTES:
        raise ValueError(f"what a room shows is limited to {MAX_STATE_BYTES} bytes")
    return plain
