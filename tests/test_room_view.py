"""The room's shared view (explorer_app/room_view): what a page draws, captured from Streamlit's own element
messages, as the plain document the audience's browsers draw; its text made safe."""

from pathlib import Path

from streamlit.testing.v1 import AppTest

from explorer_app.room_view import markdown_html

SCRIPT = '''
import json
import numpy as np
import plotly.graph_objects as go
import streamlit as st
from explorer_app import room_view

st.session_state.setdefault("size", 16)
with room_view.capture() as captured:
    st.header("A **step**")
    st.markdown("Some *text* with `code` and <script>alert(1)</script>")
    left, right = st.columns([1, 2])
    left.radio("Numbers kept", [2, 16], key="size", format_func=lambda d: f"{d} numbers")
    right.image(np.full((8, 8), 200, dtype=np.uint8), caption="a picture")
    st.plotly_chart(go.Figure(go.Scatter(x=[1, 2], y=[3, 4])))
    st.table({"model": ["VAE", "AE"], "AUC": ["0.91", "0.80"]})
    st.caption("a caption")
    st.button("Next")
st.text(json.dumps(room_view.document(captured)))
'''


def document(tmp_path: Path) -> list:
    import json

    script = tmp_path / "page.py"
    script.write_text(SCRIPT)
    at = AppTest.from_file(str(script), default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    return json.loads(at.text[0].value)


def test_what_a_page_draws_is_captured_in_its_layout(tmp_path):
    nodes = document(tmp_path)
    kinds = [n.get("el") or n.get("block") for n in nodes]
    assert kinds == ["heading", "markdown", "horizontal", "plotly", "table", "caption"]  # the button left out
    columns = nodes[2]["children"]
    assert [c["block"] for c in columns] == ["column", "column"] and columns[0]["weight"] < columns[1]["weight"]
    control, = columns[0]["children"]
    assert control == {"el": "control", "label": "Numbers kept", "value": "16 numbers"}  # its value now, as shown
    images, = columns[1]["children"]
    assert images["images"][0]["caption"] == "a picture" and images["images"][0]["src"].startswith("data:image/")
    assert '"x"' in nodes[3]["spec"]
    assert nodes[4]["columns"] == ["model", "AUC"] and nodes[4]["rows"] == [["VAE", "0.91"], ["AE", "0.80"]]
    assert "<script>" not in nodes[1]["html"] and "<em>text</em>" in nodes[1]["html"]


def test_markdown_becomes_safe_html():
    assert markdown_html("**bold** and *it* and `x<y`") == "<strong>bold</strong> and <em>it</em> and <code>x&lt;y</code>"
    assert markdown_html("[the survey](https://arxiv.org/abs/2003.05991)").startswith(
        '<a href="https://arxiv.org/abs/2003.05991"')
    assert "href" not in markdown_html("[x](javascript:alert(1))")  # only web and relative links become links
    assert markdown_html("<img src=x onerror=alert(1)>") == "&lt;img src=x onerror=alert(1)&gt;"
    assert markdown_html("one\n\ntwo") == "one</p><p>two"
