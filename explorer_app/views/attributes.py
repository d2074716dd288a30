"""Attribute vectors: the direction between two groups' mean codes, walked and added (Latent Space Cartography)."""

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from explorer.analysis.attributes import analogy, attribute_vector, projection, separation, stability, walk
from explorer.data.images import grid, pictures
from explorer.present.figures import CLASS_COLOURS
from explorer.present.i18n import t
from explorer.store.catalog import siblings
from explorer_app import loaders, state
from explorer_app.page import PageInput, model_or_error, open_page
from explorer_app.widgets import figure, image_download, image_picker, model_label, model_picker

GROUPS = {"a": "_attr_group_a", "b": "_attr_group_b"}  # this page's session keys: groups taken from the map
WALK = np.linspace(-1.5, 1.5, 13)  # the walk's steps, in lengths of the vector


def render(page: PageInput) -> None:
    view, images, labels = page.view, page.images, page.labels
    class_names = view.class_names

    # --- the two groups, and the models they drive -----------------------------------
    left, right = st.columns([2, 3])
    with left:
        source = st.radio(t("attr.source"), ["classes", "selections"], key="attr_source", horizontal=True,
                          format_func=lambda s: t(f"attr.source_{s}"))
        if source == "classes":
            a, b = st.columns(2)
            class_a = a.selectbox(t("attr.class_a"), range(len(class_names)), key="attr_class_a",
                                  format_func=lambda c: class_names[c])
            class_b = b.selectbox(t("attr.class_b"), range(len(class_names)), key="attr_class_b",
                                  index=min(1, len(class_names) - 1), format_func=lambda c: class_names[c])
            group_a, group_b = np.flatnonzero(labels == class_a), np.flatnonzero(labels == class_b)
            names = class_names[class_a], class_names[class_b]
        else:
            chosen = state.selection_so_far()
            a, b = st.columns(2)
            for column, group in zip((a, b), GROUPS):
                column.button(t(f"attr.take_{group}"), key=f"attr_take_{group}", disabled=not chosen,
                              on_click=take_group, args=(group, chosen))
                column.caption(t("attr.group_size", n=len(st.session_state.get(GROUPS[group], []))))
            group_a = np.asarray(st.session_state.get(GROUPS["a"], []), dtype=np.int64)
            group_b = np.asarray(st.session_state.get(GROUPS["b"], []), dtype=np.int64)
            group_a, group_b = group_a[group_a < len(images)], group_b[group_b < len(images)]
            names = t("attr.group_a"), t("attr.group_b")
            st.caption(t("attr.selections_help"))
    with right:
        models = model_picker(t("attr.models"), view, "attr_models", siblings(view.models, view.model))
    if len(group_a) == 0 or len(group_b) == 0:
        st.info(t("attr.need_groups"))
        return
    if not models:
        st.info(t("attr.no_models"))
        return

    # --- one image walked along the vector, and one analogy: the same for every model -----
    walk_col, alpha_col = st.columns([2, 3])
    with walk_col:
        start = image_picker(t("attr.walk_image"), "walk", images, labels, class_names,
                             default=int(group_a[0]))
    alpha = alpha_col.slider(t("attr.alpha"), float(WALK[0]), float(WALK[-1]), 1.0, 0.1, key="attr_alpha",
                             help=t("attr.alpha_help", a=names[0], b=names[1]))
    st.caption(t("attr.analogy_help"))
    p1, p2, p3 = st.columns(3)
    with p1:
        index_a = image_picker(t("attr.analogy_a"), "an_a", images, labels, class_names, default=int(group_b[0]))
    with p2:
        index_b = image_picker(t("attr.analogy_b"), "an_b", images, labels, class_names, default=int(group_a[0]))
    with p3:
        index_c = image_picker(t("attr.analogy_c"), "an_c", images, labels, class_names,
                               default=int(group_a[min(1, len(group_a) - 1)]))

    for column, info in zip(st.columns(len(models)), models):
        with column:
            st.markdown(t("page.column_heading", model=model_label(info)))
            model = model_or_error(info)
            if model is None:
                continue
            codes = np.asarray(loaders.test_codes(info))
            vector = attribute_vector(codes[group_a], codes[group_b])
            st.caption(t("attr.figures", length=float(np.linalg.norm(vector)),
                         auc=separation(codes[group_a], codes[group_b], vector),
                         stable=stability(codes[group_a], codes[group_b])))
            figure(projection_figure(codes, vector, labels, class_names, group_a, group_b, names),
                   f"attribute-{view.dataset}-{info.name}", f"attr_proj_{info.name}", config={"displaylogo": False})
            direction = vector.tobytes()  # names the vector in the decoded images' cache keys
            strip = grid(loaders.decoded(info, ("walk", start, direction, tuple(WALK)),
                                         walk(codes[start], vector, WALK)), ncols=len(WALK))
            st.image(strip, width="stretch", caption=t("attr.walk_caption", lo=WALK[0], hi=WALK[-1]),
                     alt=t("alt.walk", model=model_label(info), lo=WALK[0], hi=WALK[-1]))
            image_download(t("download.png"), strip, f"walk-{view.dataset}-{info.name}-{start}.png",
                           f"attr_walk_dl_{info.name}")
            moved = loaders.decoded(info, ("walk", start, direction, (0.0, alpha)),
                                    walk(codes[start], vector, [0.0, alpha]))
            described = [t("attr.walk_from"), t("attr.walk_to", alpha=alpha)]
            st.image(pictures(moved), width=96, caption=described, alt=described)
            made = loaders.decoded(info, ("analogy", index_a, index_b, index_c),
                                   analogy(codes[index_a], codes[index_b], codes[index_c])[None])
            described = [t("attr.analogy_a"), t("attr.analogy_b"), t("attr.analogy_c"), t("attr.analogy_result")]
            st.image([images[index_a], images[index_b], images[index_c], pictures(made)[0]], width=64,
                     caption=described, alt=described)


def take_group(group: str, chosen: list[int]) -> None:
    st.session_state[GROUPS[group]] = list(chosen)


def box_statistics(values: np.ndarray) -> dict[str, list[float]]:
    """A box plot's quartiles and whiskers (the furthest values within 1.5 IQR of the box), as Plotly draws them."""
    q1, median, q3 = np.percentile(values, [25, 50, 75])
    reach = 1.5 * (q3 - q1)
    inside = values[(values >= q1 - reach) & (values <= q3 + reach)]
    return {"q1": [q1], "median": [median], "q3": [q3], "lowerfence": [inside.min()], "upperfence": [inside.max()]}


def projection_figure(codes, vector, labels, class_names, group_a, group_b, names) -> go.Figure:
    """Every test code's coordinate along the vector, one box per class, the two groups first."""
    along = projection(codes, vector)
    fig = go.Figure()
    boxes = [(t("attr.group_label", name=names[0]), group_a, "#4e79a7", 1.0),
             (t("attr.group_label", name=names[1]), group_b, "#e15759", 1.0)]
    boxes += [(class_name, np.flatnonzero(labels == c), CLASS_COLOURS[c % len(CLASS_COLOURS)], 0.6)
              for c, class_name in enumerate(class_names)]
    for name, rows, colour, opacity in boxes:
        if len(rows):  # the box's statistics, not its 10,000 values: the browser draws it at once
            fig.add_trace(go.Box(y=[name], orientation="h", name=name, marker_color=colour, opacity=opacity,
                                 **box_statistics(along[rows])))
    fig.update_layout(height=120 + 22 * (len(class_names) + 2), showlegend=False,
                      margin={"l": 10, "r": 10, "t": 10, "b": 10}, xaxis_title=t("attr.along"))
    fig.update_yaxes(autorange="reversed")
    return fig


if __name__ == "__main__":
    render(open_page("attr.title", "attr.intro"))
