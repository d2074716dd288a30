"""The Recommendation page's panels (its own page and its tour step draw them): the movie map, your tastes,
and what the autoencoders learned. The work is explorer.analysis.recommend's; here the inputs and the drawing."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from explorer.analysis.recommend import (
    MAX_RATINGS,
    format_rated,
    nearest_movies,
    parse_rated,
    predicted_by_users,
    recommend,
)
from explorer.data.movielens import FETCH_COMMAND, GENRES
from explorer.errors import ExplorerError
from explorer.models.kinds import KINDS
from explorer.present.i18n import t
from explorer.store.catalog import ModelInfo
from explorer_app import loaders, state
from explorer_app.page import show_error
from explorer_app.panels import table
from explorer_app.widgets import figure

# One colour per genre (Plotly's Dark24, the first 18), grey for "unknown"
GENRE_COLOURS = dict(zip(GENRES, ("#9E9E9E", "#2E91E5", "#E15F99", "#1CA71C", "#FB0D0D", "#DA16FF", "#222A2A",
                                  "#B68100", "#750D86", "#EB663B", "#511CFB", "#00A08B", "#FB00D1", "#FC0080",
                                  "#B2828D", "#6C7C32", "#778AAE", "#862A16", "#A777F1")))
RATED_KEY, MOVIE_KEY, PREVIOUS_KEY, PART_KEY = "rec_rated", "rec_movie", "rec_previous", "rec_part"
# The page's three parts, one drawn at a time (a chart costs the browser a quarter of a second: bench/recommendation_page.py)
PARTS = ("tastes", "map", "learned")


class Recommenders:
    """What the page draws from: the movies, and each usable recommender with its model and stored views."""

    def __init__(self, movies: dict, models: list[tuple[ModelInfo, object, dict]]):
        self.movies, self.models = movies, models
        self.labels: list[str] = movies["labels"]
        self.likes: np.ndarray = movies["likes"]

    def by_kind(self, kind: str):
        return next((m for m in self.models if m[0].kind == kind), None)


def open_recommenders() -> Recommenders | None:
    """The movies and the usable recommenders; None after saying what is missing."""
    try:
        movies = loaders.movies()
    except ExplorerError as err:
        show_error(err, "MovieLens-100K")
        return None
    models = []
    for info in loaders.recommenders():
        if not info.available:
            st.warning(t("rec.unavailable", model=model_title(info), reason=info.reason))
            continue
        try:
            models.append((info, loaders.model(info), loaders.recommendation_views(info)))
        except ExplorerError as err:
            show_error(err, model_title(info))
    if not models:
        st.info(t("rec.no_models", command=FETCH_COMMAND))
        return None
    return Recommenders(movies, models)


def model_title(info: ModelInfo) -> str:
    return t("model.label", kind=t(KINDS[info.kind].title_key), latent=info.latent_dim)


def rated_from_url(n_items: int) -> None:
    """Take the link's ratings and movie once per session; a hostile value is said, and dropped."""
    if st.session_state.get("rec_from_url"):
        return
    st.session_state["rec_from_url"] = True
    raw = st.query_params.get("rated")
    if raw is not None:
        rated, refused = parse_rated(raw, n_items)
        st.session_state[RATED_KEY] = rated
        if refused:
            st.warning(t("rec.bad_rated"), icon=":material/link_off:")
    movie = st.query_params.get("movie")
    if movie is not None:
        if movie.isdigit() and len(movie) <= 5 and int(movie) < n_items:
            st.session_state[MOVIE_KEY] = int(movie)
        else:
            st.warning(t("url.bad_value", field="movie", value=str(movie)[:40], fallback="—"),
                       icon=":material/link_off:")


def part_from_url() -> str:
    """The part the link opens (``part=tastes|map|learned``), once per session; a link with a movie opens the map."""
    if "rec_part_from_url" not in st.session_state:
        raw = st.query_params.get("part")
        part = raw if raw in PARTS else ("map" if st.session_state.get(MOVIE_KEY) is not None else PARTS[0])
        if raw is not None and raw not in PARTS:
            st.warning(t("url.bad_value", field="part", value=str(raw)[:40], fallback=t(f"rec.part.{part}")),
                       icon=":material/link_off:")
        st.session_state["rec_part_from_url"] = part
    return st.session_state["rec_part_from_url"]


def part_tabs(default: str) -> dict:
    """The three parts as tabs that rerun on a switch, only the open one drawn: {part: its tab, None if closed}."""
    labels = {part: t(f"rec.part.{part}") for part in PARTS}
    if st.session_state.get(PART_KEY) not in labels.values():  # the other language's label: not this widget's
        st.session_state.pop(PART_KEY, None)
    # the same default on every run (the widget is known by its arguments): the link's part, settled once
    tabs = st.tabs(list(labels.values()), key=PART_KEY, on_change="rerun", default=labels[default])
    return {part: tab for part, tab in zip(PARTS, tabs)}


def open_part() -> str | None:
    label = st.session_state.get(PART_KEY)
    return next((part for part in PARTS if t(f"rec.part.{part}") == label), None)


def keep_in_url() -> None:
    part = open_part()
    if part is not None:
        st.query_params["part"] = part
    rated = st.session_state.get(RATED_KEY, {})
    if rated:
        st.query_params["rated"] = format_rated(rated)
    else:
        st.query_params.pop("rated", None)
    if st.session_state.get(MOVIE_KEY) is not None:
        st.query_params["movie"] = str(st.session_state[MOVIE_KEY])


def movie_map_figure(rec: Recommenders, xy: np.ndarray, genre: str | None, picked: int | None,
                     height: int = 560) -> go.Figure:
    """The movies in a model's space, one trace per (first) genre, sized by how often each was rated."""
    movies = rec.movies["movies"]
    size = 4 + 3 * np.log10(1 + np.array([m["ratings"] for m in movies]))
    fig = go.Figure()
    for name in GENRES:
        index = [i for i, m in enumerate(movies) if m["genres"][0] == name and (genre is None or genre in m["genres"])]
        if not index:
            continue
        fig.add_trace(go.Scatter(  # SVG: 1,682 points draw sooner than a WebGL context starts
            x=xy[index, 0], y=xy[index, 1], mode="markers", name=t(f"genre.{name}"), customdata=index,
            text=[rec.labels[i] for i in index],
            hovertemplate=t("rec.hover") + "<extra></extra>",
            marker={"size": size[index], "color": GENRE_COLOURS[name], "opacity": 0.8, "line": {"width": 0}}))
    if picked is not None:
        fig.add_trace(go.Scatter(x=[xy[picked, 0]], y=[xy[picked, 1]], mode="markers+text", text=[rec.labels[picked]],
                                 textposition="top center", name=rec.labels[picked], hoverinfo="skip",
                                 marker={"size": 16, "color": "rgba(0,0,0,0)", "line": {"width": 2, "color": "black"}}))
    fig.update_layout(height=height, margin={"l": 10, "r": 10, "t": 10, "b": 10}, dragmode="pan",
                      legend={"itemsizing": "constant"}, xaxis={"visible": False}, yaxis={"visible": False})
    return fig


def movie_map_panel(rec: Recommenders, key: str = "rec_map") -> None:
    st.caption(t("rec.map_intro"))
    left, middle, right = st.columns([2, 2, 3])
    kinds = [m[0].kind for m in rec.models]
    kind = left.radio(t("rec.map_space"), kinds, format_func=lambda k: t(f"rec.space.{k}"), key=f"{key}_space")
    genre = middle.selectbox(t("rec.genre_filter"), [None, *GENRES[1:]], key=f"{key}_genre",
                             format_func=lambda g: t("rec.genre_all") if g is None else t(f"genre.{g}"))
    found = right.selectbox(t("rec.search"), range(len(rec.labels)), index=None, key=f"{key}_search",
                            format_func=lambda i: rec.labels[i], placeholder=t("rec.search_placeholder"))
    if found is not None and found != st.session_state.get(f"{key}_found"):
        st.session_state[f"{key}_found"] = found
        st.session_state[MOVIE_KEY] = found
    _, model, views = rec.by_kind(kind)
    picked = st.session_state.get(MOVIE_KEY)
    event = figure(movie_map_figure(rec, views["movie_map"], genre, picked), "movie-map", key,
                   on_select="rerun", selection_mode="points", config={"displaylogo": False, "scrollZoom": True})
    points = (event or {}).get("selection", {}).get("points", []) if event else []
    clicked = next((p.get("customdata") for p in points if isinstance(p.get("customdata"), int)), None)
    if clicked is not None and clicked != picked:
        st.session_state[MOVIE_KEY] = picked = clicked
    st.caption(t("rec.map_caption", method=str(views.get("map_method", "umap")).upper()))
    if picked is not None:
        picked_panel(rec, model, views, int(picked))


def picked_panel(rec: Recommenders, model, views: dict, picked: int) -> None:
    movie = rec.movies["movies"][picked]
    st.subheader(rec.labels[picked])
    st.caption(t("rec.picked_about", genres=", ".join(t(f"genre.{g}") for g in movie["genres"]),
                 ratings=movie["ratings"]))
    left, right = st.columns(2)
    with left:
        near, similarity = nearest_movies(views["item_vectors"], picked)
        st.markdown(t("rec.neighbours"))
        table({t("rec.col_movie"): [rec.labels[i] for i in near], t("rec.col_similarity"): [f"{s:.3f}" for s in similarity]})
    with right:
        autorec = rec.by_kind("autorec")
        if autorec is not None:
            predicted = predicted_by_users(autorec[1], autorec[2], picked)
            xy = autorec[2]["user_map"]
            fig = go.Figure(go.Scatter(x=xy[:, 0], y=xy[:, 1], mode="markers", name=t("rec.users"),
                                         marker={"size": 6, "color": predicted, "colorscale": "RdYlGn", "cmin": 1,
                                                 "cmax": 5, "colorbar": {"title": {"text": "★"}}},
                                         hovertemplate=t("rec.user_hover") + "<extra></extra>", text=predicted))
            fig.update_layout(height=360, margin={"l": 10, "r": 10, "t": 30, "b": 10}, title=t("rec.users_by_prediction"),
                              xaxis={"visible": False}, yaxis={"visible": False})
            figure(fig, "users-by-prediction", "rec_users_by_prediction", config={"displaylogo": False})
            st.caption(t("rec.users_by_prediction_caption"))


def _rate() -> None:
    movie, stars = st.session_state.get("rec_rate_movie"), st.session_state.get("rec_rate_stars")
    rated = dict(st.session_state.get(RATED_KEY, {}))
    if movie is not None and stars is not None and (movie in rated or len(rated) < MAX_RATINGS):
        rated[int(movie)] = float(stars)
        st.session_state[RATED_KEY] = rated
    st.session_state["rec_rate_movie"] = None


def _forget(movie: int) -> None:
    rated = dict(st.session_state.get(RATED_KEY, {}))
    rated.pop(movie, None)
    st.session_state[RATED_KEY] = rated


def _clear() -> None:
    st.session_state[RATED_KEY] = {}


@state.fragment
def tastes_panel(rec: Recommenders) -> None:
    """A fragment: a rating reruns this panel alone."""
    st.caption(t("rec.tastes_intro"))
    rated: dict[int, float] = st.session_state.setdefault(RATED_KEY, {})
    pick, stars, add = st.columns([4, 3, 1], vertical_alignment="bottom")
    pick.selectbox(t("rec.rate_pick"), range(len(rec.labels)), index=None, key="rec_rate_movie",
                   format_func=lambda i: rec.labels[i], placeholder=t("rec.search_placeholder"))
    stars.radio(t("rec.stars"), (1, 2, 3, 4, 5), index=4, horizontal=True, key="rec_rate_stars",
                format_func=lambda s: "★" * s)
    add.button(t("rec.add"), key="rec_add", on_click=_rate, icon=":material/add:",
               disabled=st.session_state.get("rec_rate_movie") is None)
    if rated:
        with st.expander(t("rec.your_ratings", n=len(rated)), expanded=True):
            for movie, value in list(rated.items()):
                line, drop = st.columns([8, 1], vertical_alignment="center")
                line.markdown(f'{"★" * int(value)}{"☆" * (5 - int(value))} {rec.labels[movie]}')
                drop.button("✕", key=f"rec_forget_{movie}", on_click=_forget, args=(movie,),
                            help=t("rec.remove"))
            st.button(t("rec.clear"), key="rec_clear", on_click=_clear, icon=":material/delete:")
    results = {info.kind: recommend(model, views, rated, rec.likes) for info, model, views in rec.models}
    previous = st.session_state.get(PREVIOUS_KEY, {})
    if not rated:
        st.info(t("rec.nothing_rated"), icon=":material/trending_up:")
    columns = st.columns(len(results))
    for column, (info, _, _) in zip(columns, rec.models):
        shown = results[info.kind]
        before = set(previous.get(info.kind, ()))
        with column:
            st.markdown(t("pick.heading", label=model_title(info)))
            if shown.popular and rated:
                st.caption(t("rec.no_likes"))
            scores = [f"{s:.2f}\u00a0★" if KINDS[info.kind].input == "item" else ("—" if np.isnan(s) else f"{s:.2f} %")
                      for s in shown.scores]
            table({t("rec.col_rank"): list(range(1, len(shown.items) + 1)),
                   t("rec.col_movie"): [("🆕 " if before and i not in before else "") + rec.labels[i]
                                        for i in shown.items],
                   t("rec.col_score"): scores})
    st.session_state[PREVIOUS_KEY] = {kind: [int(i) for i in r.items] for kind, r in results.items()}
    if rated and previous:
        st.caption(t("rec.new_caption"))
    you_on_the_map(rec, results)
    keep_in_url()


def you_on_the_map(rec: Recommenders, results: dict) -> None:
    """The visitor among the 943 users, one panel per model: one figure (a chart costs the browser more than a
    panel does)."""
    from plotly.subplots import make_subplots

    st.subheader(t("rec.you_heading"))
    fig = make_subplots(rows=1, cols=len(rec.models), subplot_titles=[model_title(i) for i, _, _ in rec.models])
    for k, (info, _, views) in enumerate(rec.models, start=1):
        xy, you = views["user_map"], results[info.kind].code_xy
        fig.add_trace(go.Scatter(x=xy[:, 0], y=xy[:, 1], mode="markers", name=t("rec.users"), hoverinfo="skip",
                                 marker={"size": 5, "color": "#7F8C8D", "opacity": 0.6}), row=1, col=k)
        fig.add_trace(go.Scatter(x=[you[0]], y=[you[1]], mode="markers+text", name=t("rec.you"), text=[t("rec.you")],
                                 textposition="top center", marker={"size": 18, "symbol": "star", "color": "#D55E00",
                                                                    "line": {"width": 1, "color": "black"}}),
                      row=1, col=k)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.update_layout(height=340, margin={"l": 10, "r": 10, "t": 40, "b": 10}, showlegend=False)
    figure(fig, "you-among-the-users", "rec_you", config={"displaylogo": False})
    st.caption(t("rec.you_caption"))


def learned_figure(rec: Recommenders) -> go.Figure | None:
    """I-AutoRec's hidden ratings against its predictions, its bottleneck curve, and Mult-VAE's codes against the
    prior: the panels there are stored figures for, in one figure."""
    from plotly.subplots import make_subplots

    autorec, vae = rec.by_kind("autorec"), rec.by_kind("multvae")
    panels = []
    if autorec is not None and "prediction_by_rating" in autorec[2]:
        panels.append("by_rating")
    curve = read_bottleneck(autorec[0]) if autorec is not None else []
    if curve:
        panels.append("bottleneck")
    if vae is not None and "prior_map" in vae[2]:
        panels.append("prior")
    if not panels:
        return None
    titles = {"by_rating": t("rec.by_rating_title"), "bottleneck": t("rec.bottleneck_title"),
              "prior": t("rec.prior_title")}
    fig = make_subplots(rows=1, cols=len(panels), subplot_titles=[titles[p] for p in panels], horizontal_spacing=0.08)
    for col, panel in enumerate(panels, start=1):
        if panel == "by_rating":
            spread = autorec[2]["prediction_by_rating"]
            for r in range(5):
                low, q1, median, q3, high = (float(v) for v in spread[r])
                fig.add_trace(go.Box(x=[f"{r + 1} ★"], q1=[q1], median=[median], q3=[q3], lowerfence=[low],
                                     upperfence=[high], name=f"{r + 1} ★", marker={"color": "#0072B2"},
                                     showlegend=False), row=1, col=col)
            fig.add_trace(go.Scatter(x=[f"{r} ★" for r in range(1, 6)], y=list(range(1, 6)), mode="lines+markers",
                                     name=t("rec.perfect"), line={"dash": "dot", "color": "black"}), row=1, col=col)
            fig.update_xaxes(title_text=t("rec.axis_true"), row=1, col=col)
            fig.update_yaxes(title_text=t("rec.axis_predicted"), row=1, col=col)
        elif panel == "bottleneck":
            sizes = [c["latent_dim"] for c in curve]
            fig.add_trace(go.Scatter(x=sizes, y=[c["rmse"] for c in curve], mode="lines+markers", name=t("rec.axis_rmse"),
                                     line={"color": "#D55E00"}, showlegend=False), row=1, col=col)
            fig.update_xaxes(type="log", title_text=t("rec.axis_code"), tickvals=sizes, ticktext=sizes, row=1, col=col)
            fig.update_yaxes(title_text=t("rec.axis_rmse"), row=1, col=col)
        else:
            users, prior = vae[2]["user_map"], vae[2]["prior_map"]
            fig.add_trace(go.Scatter(x=prior[:, 0], y=prior[:, 1], mode="markers", name=t("rec.prior_samples"),
                                     marker={"size": 4, "color": "#56B4E9", "opacity": 0.5}), row=1, col=col)
            fig.add_trace(go.Scatter(x=users[:, 0], y=users[:, 1], mode="markers", name=t("rec.prior_users"),
                                     marker={"size": 4, "color": "#D55E00", "opacity": 0.7}), row=1, col=col)
            fig.update_xaxes(title_text=t("rec.axis_pc", n=1), row=1, col=col)
            fig.update_yaxes(title_text=t("rec.axis_pc", n=2), row=1, col=col)
    fig.update_layout(height=420, margin={"t": 50}, legend={"orientation": "h", "y": -0.25})
    return fig


def learned_panel(rec: Recommenders) -> None:
    st.caption(t("rec.learned_intro"))
    rows = [(model_title(info), info.test) for info, _, _ in rec.models]
    figures = {"rmse": ".4f", "mae": ".4f", "recall@20": ".3f", "recall@50": ".3f", "ndcg@100": ".3f"}
    table({t("rec.col_model"): [r[0] for r in rows],
           **{t(f"rec.figure.{name}"): [format(f[name], spec) if isinstance(f.get(name), float) else "—" for _, f in rows]
              for name, spec in figures.items()}})
    st.caption(t("rec.figures_caption"))
    fig = learned_figure(rec)
    if fig is not None:
        figure(fig, "what-the-autoencoders-learned", "rec_learned", config={"displaylogo": False})
        st.caption(" ".join(t(k) for k in ("rec.by_rating_caption", "rec.bottleneck_caption", "rec.prior_caption")))
    cards_panel(rec)


def cards_panel(rec: Recommenders) -> None:
    """Each recommender's card: what it is, its loss, how it was trained and measured, its curves (drawn only once its
    card is opened), and the command that trains it again."""
    from explorer.store.checkpoint import read_config, read_metrics

    st.subheader(t("rec.cards_heading"))
    for info, _, _ in rec.models:
        card = st.expander(model_title(info), key=f"rec_card_{info.kind}", on_change="rerun")
        with card:
            st.markdown(t(KINDS[info.kind].about_key))
            try:
                config, data = read_config(info.folder)
                metrics = read_metrics(info.folder)
            except ExplorerError as err:
                show_error(err, model_title(info))
                continue
            st.markdown(t(f"rec.loss_{info.kind}", lam=config.weight_decay, beta=config.beta, dropout=config.dropout,
                          anneal=config.anneal_steps))
            training, train = data.get("training", {}), metrics.get("train", {})
            st.markdown(t("rec.card_training", optimiser=str(training.get("optimiser", "Adam")),
                          epochs=training.get("epochs", "?"), best=train.get("best_epoch", "?"),
                          parameters=number(train.get("parameters"), ","), seconds=number(train.get("seconds_per_epoch"), ".2f")))
            st.markdown(t("rec.card_protocol", protocol=t(f"rec.protocol.{KINDS[info.kind].input}")))
            st.code(training_command(info, config, "bottleneck" in metrics), language="bash")
            history = metrics.get("history")
            history = [h for h in history if isinstance(h, dict) and isinstance(h.get("epoch"), int)
                       and all(isinstance(h.get(k, 0.0), (int, float)) for k in ("loss", "validation"))] \
                if isinstance(history, list) else []
            if card.open and history:
                figure(curves_figure(history, KINDS[info.kind].input == "item"), f"{info.kind}-curves",
                       f"rec_curves_{info.kind}", config={"displaylogo": False})


def number(value, spec: str) -> str:
    """A figure of metrics.json as the card writes it; "?" where the file holds something else (a hand-edited one)."""
    return format(value, spec) if isinstance(value, (int, float)) and not isinstance(value, bool) else "?"


def training_command(info: ModelInfo, config, with_curve: bool) -> str:
    """The command that trains this recommender again (its zoo entry's, where it is one)."""
    from explorer.models.recommenders import RatingsConfig
    from explorer.store.zoo import BOTTLENECK_SIZES

    words = ["python", "-m", "explorer.train", "--dataset", info.dataset, "--model", info.kind,
             "--latent-dim", str(info.latent_dim)]
    default = RatingsConfig(kind=info.kind, latent_dim=info.latent_dim)
    for name in ("hidden", "weight_decay", "dropout", "beta", "anneal_steps"):
        if getattr(config, name) != getattr(default, name) and not (info.kind == "multvae" and name == "weight_decay"):
            words += [f"--{name.replace('_', '-')}", f"{getattr(config, name):g}"]
    if with_curve:
        words += ["--bottleneck", BOTTLENECK_SIZES]
    return " ".join(words)


def curves_figure(history: list[dict], rating_error: bool) -> go.Figure:
    """The training loss per epoch, and the validation figure the best epoch was chosen on (a second axis)."""
    epochs = [h["epoch"] for h in history]
    fig = go.Figure(go.Scatter(x=epochs, y=[h.get("loss") for h in history], mode="lines", name=t("rec.curve_loss")))
    if any("validation" in h for h in history):
        sign = 1.0 if rating_error else -1.0  # the Mult-* models' is stored as −NDCG@100 (what is minimised)
        fig.add_trace(go.Scatter(x=epochs, y=[sign * h["validation"] if "validation" in h else None for h in history],
                                 mode="lines", yaxis="y2", line={"dash": "dot"},
                                 name=t("rec.curve_rmse" if rating_error else "rec.curve_ndcg")))
    best = next((h["epoch"] for h in history if h.get("best")), None)
    if best is not None:
        fig.add_vline(x=best, line={"color": "#7F8C8D", "dash": "dash"}, annotation_text=t("rec.curve_best"))
    fig.update_layout(height=320, margin={"l": 10, "r": 10, "t": 30, "b": 10}, xaxis_title=t("rec.axis_epoch"),
                      yaxis_title=t("rec.curve_loss"), legend={"orientation": "h", "y": -0.3},
                      yaxis2={"overlaying": "y", "side": "right", "showgrid": False})
    return fig


def read_bottleneck(info: ModelInfo) -> list[dict]:
    """I-AutoRec's curve of the code size against the test RMSE (metrics.json), the model's own size on it."""
    from explorer.store.checkpoint import read_metrics

    try:
        curve = read_metrics(info.folder).get("bottleneck", [])
    except ExplorerError:
        return []
    points = {c["latent_dim"]: c for c in curve if isinstance(c, dict) and isinstance(c.get("latent_dim"), int)
              and isinstance(c.get("rmse"), float)}
    if points and isinstance(info.test.get("rmse"), float):
        points.setdefault(info.latent_dim, {"latent_dim": info.latent_dim, "rmse": info.test["rmse"]})
    return [points[size] for size in sorted(points)]
