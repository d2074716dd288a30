"""The class palette and its symbols as seen with normal vision and the three colour-vision deficiencies.

    python bench/palette.py [--out docs/images/palette.png]

One row per vision (explorer.present.colour_vision), each class's marker in its simulated colour, and the
closest pair's CIEDE2000 distance at the row's end. Drawn with Plotly, written by Kaleido.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images" / "palette.png")
    args = parser.parse_args(argv)
    import plotly.graph_objects as go

    from explorer.present.colour_vision import VISIONS, as_rgb, closest_pair, seen
    from explorer.present.figures import CLASS_COLOURS, CLASS_SYMBOLS

    rgb = as_rgb(CLASS_COLOURS)
    fig = go.Figure()
    for row, vision in enumerate(VISIONS):
        colours = ["#" + "".join(f"{round(v * 255):02x}" for v in c) for c in seen(rgb, vision)]
        fig.add_trace(go.Scatter(x=list(range(10)), y=[-row] * 10, mode="markers", showlegend=False,
                                 marker={"size": 30, "color": colours, "symbol": list(CLASS_SYMBOLS)}))
        fig.add_annotation(x=-0.8, y=-row, text=vision, showarrow=False, xanchor="right", font={"size": 16})
        fig.add_annotation(x=9.8, y=-row, text=f"closest pair ΔE₀₀ {closest_pair(rgb, vision):.1f}", showarrow=False,
                           xanchor="left", font={"size": 14})
    fig.update_xaxes(range=[-3, 13], tickvals=list(range(10)), ticktext=[f"class {c}" for c in range(10)],
                     showgrid=False, zeroline=False, side="top")
    fig.update_yaxes(visible=False, range=[-len(VISIONS) + 0.4, 0.6])
    fig.update_layout(width=1000, height=330, margin={"l": 10, "r": 10, "t": 40, "b": 10}, plot_bgcolor="white")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    fig.write_image(str(args.out), scale=1)
    print(args.out)


if __name__ == "__main__":
    main()
