"""The app's own routes for rooms, mounted beside Streamlit's by app.py (``st.App(..., routes=room_routes())``):

- ``GET /_rooms/{room}/events``: server-sent events, one ``view`` event with the view's number now and on each
  new view (the audience's component fetches it then), a comment every ``KEEPALIVE_S`` so that proxies keep the
  stream open, ``gone`` when the room is no more. Nothing else is sent while nobody moves.
- ``GET /_rooms/{room}/view``: the room's view (explorer_app/room_view.py), the same gzip-compressed bytes for
  every member of the audience, with its number as ``ETag``.
- ``GET /_rooms/assets/{name}``: the component's own scripts (Plotly's, from the installed plotly package), so
  that a room needs no network.

This process's rooms are :func:`registry`: in memory, or mirrored in a shared store behind several replicas
(``EXPLORER_ROOMS_REDIS``; explorer/present/shared_rooms.py). A room id from a URL is checked before use; a
stream beyond ``EXPLORER_ROOM_STREAMS`` (4,000) is refused with 503, so that a flood of joins cannot take the server down.
"""

from __future__ import annotations

import asyncio
import gzip
import os
import threading
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from explorer.present.rooms import ROOM_ID, Rooms

REDIS_ENV = "EXPLORER_ROOMS_REDIS"  # redis://host:port/db: rooms shared by every replica that names it
STREAMS_ENV = "EXPLORER_ROOM_STREAMS"  # open event streams per server at most (default MAX_STREAMS)
MAX_STREAMS = 4000
KEEPALIVE_S = 15.0
SERVED = {"routes": False}  # whether this server mounted the routes (explorer.show and AppTest do not)

_registry: Rooms | None = None
_registry_lock = threading.Lock()
_streams = {"open": 0}


def registry() -> Rooms:
    """This process's rooms, made on first use: shared through Redis where ``EXPLORER_ROOMS_REDIS`` names it."""
    global _registry
    with _registry_lock:
        if _registry is None:
            url = os.environ.get(REDIS_ENV, "").strip()
            if url:
                from explorer.present.shared_rooms import SharedRooms

                _registry = SharedRooms(url)
            else:
                _registry = Rooms()
        return _registry


def max_streams() -> int:
    try:
        return max(1, int(os.environ.get(STREAMS_ENV, MAX_STREAMS)))
    except ValueError:
        return MAX_STREAMS


async def events(request: Request) -> Response:
    room_id = request.path_params["room"]
    rooms = registry()
    if not ROOM_ID.match(room_id) or rooms.shown(room_id) is None:
        return JSONResponse({"error": "no such room"}, status_code=404)
    if _streams["open"] >= max_streams():
        return JSONResponse({"error": "too many followers on this server"}, status_code=503,
                            headers={"Retry-After": "5"})
    loop = asyncio.get_running_loop()
    numbers: asyncio.Queue[int] = asyncio.Queue(maxsize=1)

    def told(_room: str, number: int) -> None:  # from the publishing thread
        loop.call_soon_threadsafe(_newest, numbers, number)

    _streams["open"] += 1  # taken now, so that joins arriving together are counted together

    async def stream():
        token = rooms.listen(room_id, told)
        try:
            view = rooms.view(room_id)
            yield f"event: view\ndata: {view.number if view else 0}\n\n"
            while True:
                try:
                    number = await asyncio.wait_for(numbers.get(), KEEPALIVE_S)
                except asyncio.TimeoutError:
                    if rooms.shown(room_id) is None:
                        yield "event: gone\ndata: 0\n\n"
                        return
                    yield ": keepalive\n\n"
                    continue
                yield f"event: view\ndata: {number}\n\n"
        finally:
            rooms.unlisten(token)
            _streams["open"] -= 1

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


def _newest(queue: asyncio.Queue, number: int) -> None:
    """Keep only the newest view's number for a stream: a follower that reads slowly skips views, never piles
    them up."""
    if queue.full():
        queue.get_nowait()
    queue.put_nowait(number)


async def view(request: Request) -> Response:
    room_id = request.path_params["room"]
    shown = registry().view(room_id) if ROOM_ID.match(room_id) else None
    if shown is None:
        return JSONResponse({"error": "no view of such a room"}, status_code=404)
    headers = {"ETag": f'"{shown.number}"', "Cache-Control": "no-cache", "Vary": "Accept-Encoding"}
    if request.headers.get("if-none-match") == headers["ETag"]:
        return Response(status_code=304, headers=headers)
    if "gzip" in request.headers.get("accept-encoding", ""):
        return Response(shown.gzipped, media_type="application/json",
                        headers={**headers, "Content-Encoding": "gzip"})
    return Response(gzip.decompress(shown.gzipped), media_type="application/json", headers=headers)


def _assets() -> dict[str, Path]:
    import plotly

    return {"plotly.min.js": Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"}


async def asset(request: Request) -> Response:
    path = _assets().get(request.path_params["name"])
    if path is None or not path.is_file():
        return JSONResponse({"error": "no such file"}, status_code=404)
    return FileResponse(path, media_type="text/javascript", headers={"Cache-Control": "public, max-age=86400"})


def room_routes() -> list[Route]:
    SERVED["routes"] = True
    return [Route("/_rooms/assets/{name}", asset), Route("/_rooms/{room}/events", events),
            Route("/_rooms/{room}/view", view)]
