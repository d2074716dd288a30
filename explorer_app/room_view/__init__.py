"""A room's view, drawn once and shared: what the presenter's page draws of a step, captured as it is drawn and
written as a plain document that the audience's browsers draw themselves (explorer_app/room_view/frontend).

A move costs the server one rendering, not one run of the page per member of the audience: the presenter's run
captures the step's elements (the messages Streamlit sends its browser: headings, text, Plotly charts, pictures,
tables, alerts, the controls' values) and publishes them to the room (explorer.present.rooms); each follower's
page holds one component that hears of a move over the app's own route (explorer_app/room_routes.py: server-sent
events) and fetches the new document. Nothing runs for a follower while nobody moves.

The capture reads Streamlit's own element messages (streamlit.proto), so that every step, and every panel a step
draws, is shared as it is, without a second way of drawing it.
"""

from __future__ import annotations

import base64
import contextlib
import html
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import streamlit.components.v1 as components

from explorer_app import DECLARING

FRONTEND = Path(__file__).resolve().parent / "frontend"
MAX_IMAGE_BYTES = 2 * 1024 * 1024  # a picture larger than this is left out of the shared view (said in its place)


@dataclass
class Captured:
    """The element messages drawn inside :func:`capture`, in order."""

    messages: list = field(default_factory=list)


@contextlib.contextmanager
def capture():
    """Collect every element message this script run sends inside the block (and still send it)."""
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    ctx = get_script_run_ctx()
    captured = Captured()
    if ctx is None:
        yield captured
        return
    sent = ctx.enqueue

    def enqueue(msg):
        if msg.WhichOneof("type") == "delta":
            copy = type(msg)()
            copy.CopyFrom(msg)
            captured.messages.append(copy)
        sent(msg)

    ctx.enqueue = enqueue
    try:
        yield captured
    finally:
        ctx.enqueue = sent


def document(captured: Captured) -> list:
    """The captured elements as a tree of plain nodes, in the layout they were drawn in: blocks (``vertical``,
    ``horizontal``, ``column`` with its weight) holding elements (``heading``, ``markdown``, ``caption``,
    ``plotly``, ``image``, ``alert``, ``table``, ``control``, ``progress``). Elements the audience has no use
    for (buttons, links, components) are left out."""
    nodes: dict[tuple, dict] = {}
    roots: list[dict] = []
    for msg in captured.messages:
        path = tuple(msg.metadata.delta_path)
        delta = msg.delta
        kind = delta.WhichOneof("type")
        node = _block(delta.add_block) if kind == "add_block" else _element(delta.new_element) if kind == "new_element" else None
        if node is None:
            continue
        node["_path"] = path
        parent = nodes.get(path[:-1])
        siblings = parent["children"] if parent is not None else roots
        previous = next((i for i, n in enumerate(siblings) if n["_path"] == path), None)
        if previous is None:
            siblings.append(node)
        else:
            siblings[previous] = node  # an element replaced in place (a spinner's, a placeholder's)
        if "children" in node:
            nodes[path] = node
    return [_plain(n) for n in roots]


def _plain(node: dict) -> dict:
    node = {k: v for k, v in node.items() if k != "_path"}
    if "children" in node:
        node["children"] = [_plain(c) for c in sorted(node["children"], key=lambda c: c["_path"])]
    return node


def _block(block) -> dict:
    kind = block.WhichOneof("type")
    if kind == "column":
        return {"block": "column", "weight": float(block.column.weight or 1.0), "children": []}
    if kind == "horizontal" or (kind == "flex_container" and block.flex_container.direction == 2):
        return {"block": "horizontal", "children": []}
    if kind == "expandable":
        return {"block": "vertical", "title": block.expandable.label, "children": []}
    return {"block": "vertical", "children": []}


def _element(element) -> dict | None:
    kind = element.WhichOneof("type")
    if kind == "heading":
        return {"el": "heading", "tag": element.heading.tag or "h2", "html": markdown_html(element.heading.body)}
    if kind == "markdown":
        body = element.markdown.body
        if element.markdown.element_type == 5:  # a divider
            return {"el": "divider"}
        caption = element.markdown.element_type == 2
        return {"el": "caption" if caption else "markdown", "html": markdown_html(body)}
    if kind == "plotly_chart":
        return {"el": "plotly", "spec": element.plotly_chart.spec, "config": element.plotly_chart.config or "{}"}
    if kind == "imgs":
        return {"el": "images", "images": [_image(i) for i in element.imgs.imgs]}
    if kind == "alert":
        formats = {1: "error", 2: "warning", 3: "info", 4: "success"}
        return {"el": "alert", "format": formats.get(element.alert.format, "info"),
                "html": markdown_html(element.alert.body)}
    if kind == "table":
        return {"el": "table", **_table(element.table.arrow_data.data)}
    if kind == "progress":
        return {"el": "progress", "value": element.progress.value, "text": element.progress.text}
    if kind in ("slider", "select_slider", "selectbox", "radio", "number_input", "checkbox", "multiselect"):
        return {"el": "control", "label": getattr(element, kind).label, "value": _control_value(element, kind)}
    return None


def _image(image) -> dict:
    """A picture inlined (the follower's browser may be served by another replica than the presenter's)."""
    from streamlit.runtime import get_instance

    src = ""
    try:
        name = image.url.rsplit("/", 1)[-1].split("?")[0]
        found = get_instance().media_file_mgr.read_file(name.split(".")[0])
        if found is not None and len(found.content) <= MAX_IMAGE_BYTES:
            src = f"data:{found.mimetype};base64,{base64.b64encode(found.content).decode()}"
    except Exception:  # noqa: BLE001  (no runtime, as in a headless test: a data URL is kept as it is)
        src = image.url if image.url.startswith("data:") else ""
    if not src and image.url.startswith("data:"):
        src = image.url
    return {"src": src, "caption": image.caption, "alt": image.alt}


def _table(arrow: bytes) -> dict:
    import pyarrow as pa

    try:
        table = pa.ipc.open_stream(arrow).read_all()
    except (pa.ArrowInvalid, OSError):
        return {"columns": [], "rows": []}
    columns = [c for c in table.column_names if not c.startswith("__index_level")]
    rows = [[str(v) for v in row] for row in zip(*(table.column(c).to_pylist() for c in columns))]
    return {"columns": columns, "rows": rows}


def _control_value(element, kind: str) -> str:
    """What a control shows now, as its page shows it: the value set from the session (``set_value``; a choice's
    is its option as formatted), else its default."""
    proto = getattr(element, kind)
    if kind in ("selectbox", "radio"):
        if proto.set_value and proto.raw_value:
            return proto.raw_value
        with contextlib.suppress(IndexError, TypeError):
            return str(proto.options[int(proto.default)])
        return ""
    if kind in ("slider", "select_slider"):
        values = list(proto.value) if proto.set_value else list(proto.default)
        if proto.options:
            with contextlib.suppress(IndexError, TypeError):
                return " – ".join(str(proto.options[int(v)]) for v in values)
        return " – ".join(f"{v:g}" for v in values)
    if kind == "number_input":
        return f"{proto.value:g}" if proto.set_value else f"{proto.default:g}"
    if kind == "checkbox":
        return "✓" if (proto.value if proto.set_value else proto.default) else "✗"
    return ""


_INLINE = [
    (re.compile(r"`([^`]+)`"), r"<code>\1</code>"),
    (re.compile(r"\*\*(.+?)\*\*"), r"<strong>\1</strong>"),
    (re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])"), r"<em>\1</em>"),
    (re.compile(r"(?<![\w_])_(?!\s)(.+?)(?<!\s)_(?![\w_])"), r"<em>\1</em>"),
]
_LINK = re.compile(r"\[([^\]]+)\]\(((?:https?://|/|\.\.?/)[^)\s]*)\)")
_ICON = re.compile(r":material/[a-z_]+:")


def markdown_html(text: str) -> str:
    """The little Markdown the catalogue's sentences use (bold, italics, code, links, line breaks) as safe HTML:
    everything else is escaped."""
    out = html.escape(_ICON.sub("", text), quote=False)
    for pattern, replacement in _INLINE:
        out = pattern.sub(replacement, out)
    out = _LINK.sub(lambda m: f'<a href="{html.escape(m.group(2))}" target="_blank" rel="noopener">{m.group(1)}</a>', out)
    paragraphs = [p.replace("  \n", "<br>").replace("\n", " ") for p in out.split("\n\n")]
    return "</p><p>".join(paragraphs)


def rendering(step: int, total: int, lang: str, nodes: list) -> bytes:
    """The document a room shares: its step and the step's nodes, as UTF-8 JSON."""
    return json.dumps({"step": step, "total": total, "lang": lang, "nodes": nodes}, ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")


_component = None


def follower(room_id: str, strings: dict, height: int = 900) -> None:
    """The audience's view of a room: drawn in the browser from the room's shared document, moved by the server's
    events (no run of this page on a move)."""
    global _component
    with DECLARING:
        if _component is None:
            _component = components.declare_component("room_view", path=str(FRONTEND))
    _component(room=room_id, strings=strings, height=height, key="room_view", default=None)
