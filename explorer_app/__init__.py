"""The app layer: everything that imports Streamlit, beside the plain package ``explorer``.

- ``state``   every URL parameter and session key: how each is read, checked and written
- ``loaders`` what the pages draw from, cached per server (models, test splits, maps, mixtures)
- ``widgets`` the sidebar and the pickers the pages share
- ``page``    opening a page: its view, test images and model, or the catalogue's message
- ``scripts`` the scripts run in the page, the first element every page sends among them

A page is one file in ``views/`` with a ``render(view, …)`` function and one line in ``app.py``'s
navigation table; app.py runs it inside :func:`pages_after_imports`. ``show`` starts this app in the
user's own Python process (``explorer.show``).
"""

import contextlib
import gc
import importlib
import threading
from pathlib import Path

APP_DIR = Path(__file__).resolve().parent


def page_script(name: str) -> str:
    """A page's script by its file's name, whole: what ``st.Page`` and ``st.switch_page`` take, whichever
    script started the server (a checkout's ``app.py``, or this package's own when ``explorer.show`` did)."""
    return str(APP_DIR / "views" / f"{name}.py")


_frozen = False
# Set by explorer.show (explorer_app.show): the app runs inside someone else's Python process. It then
# leaves that process's garbage collection alone (no pause, no freeze), reads no arguments of that
# process's command line, and lists only the pages that make sense for the objects shown.
EMBEDDED = False
_imported = False  # SHARED_IMPORTS, after the server's first page
# Streamlit names a components-v1 component after the module that declares it (inspect.getmodule, which is not
# thread-safe): sessions drawing their first page at once (a room joining a fresh server) declared them together,
# and one of them failed ("module is None"). Every component is declared under this lock.
DECLARING = threading.Lock()
_first_page = threading.Lock()  # held while the server's first page is drawn and SHARED_IMPORTS imported


def hold_collections() -> None:
    """First thing app.py does: on the server's first run, no garbage collection until :func:`load_once`.

    A full pass walks every object of Streamlit's server, and the app's imports made Python start
    one: 0.13–0.15 s of the first run before the first map (docs/performance.md: cold start). Imported
    modules make no garbage worth collecting; :func:`load_once` freezes them and turns collection back on.
    """
    if not _frozen and not EMBEDDED:
        gc.disable()


def load_once() -> None:
    """Freeze what is loaded before any page runs: once per server (app.py, through :func:`pages_after_imports`)."""
    global _frozen
    if _frozen:
        return
    importlib.import_module("plotly.graph_objects")  # every page draws with it
    if EMBEDDED:  # the caller's objects are not the server's to freeze
        _frozen = True
        return
    # Streamlit collects all garbage after every run (runner.postScriptGC). A full pass walked every
    # object of streamlit, numpy and plotly each time: 0.1–0.3 s a rerun with the GIL held, while the
    # page's last messages waited and the browser painted (docs/performance.md). What is loaded before
    # any page lives as long as the server: frozen (gc.freeze), later passes leave it out. Frozen later,
    # a session alive at that moment would be frozen with it (bench/memory.py: it grows).
    gc.freeze()
    gc.enable()  # off since hold_collections
    _frozen = True


# What pages import the first time they need it, from the libraries whose modules import one another:
# imported once, after the server's first page (:func:`pages_after_imports`). Two sessions importing two
# of these at once can each meet the other's half-made module: a click's neighbours (sklearn) beside
# another session's denoising (skimage) left scipy half-imported, and the server failing every page
# that needed it until restarted (tests/test_load.py, one clean-clone run in two). tests/test_layers.py
# keeps this table whole: every such import in explorer/ and explorer_app/ is in it. UMAP is left
# out: only a recompute imports it (numba, 5 s), and two recomputes import it in the same order.
SHARED_IMPORTS = {
    "pandas": (),  # Plotly looks it up in sys.modules without the import lock
    "plotly.subplots": ("make_subplots",),  # the Recommendation page's figures of several panels
    "torch": (),  # every page but the map's first view needs it (1.4 s), and it imports numpy's and scipy's modules
    "scipy": ("linalg",),
    "scipy.optimize": ("linear_sum_assignment",),
    "scipy.stats": ("chi",),
    "skimage.color": ("deltaE_ciede2000", "rgb2lab"),  # explorer.present.colour_vision (no page's yet: kept whole)
    "skimage.measure": ("find_contours",),  # explorer.store.precomputed, for a model without its views.npz
    "skimage.metrics": ("structural_similarity",),  # lazily loaded: the name imports the module
    "skimage.transform": ("resize",),
    "sklearn.cluster": ("KMeans",),
    "sklearn.decomposition": ("PCA",),
    "sklearn.linear_model": ("LogisticRegression",),
    "sklearn.manifold": ("TSNE", "trustworthiness"),
    "sklearn.metrics": ("adjusted_rand_score", "normalized_mutual_info_score", "roc_auc_score", "roc_curve"),
    "sklearn.metrics.cluster": ("contingency_matrix",),
    "sklearn.mixture": ("GaussianMixture",),
    "sklearn.neighbors": ("NearestNeighbors",),
    "sklearn.pipeline": ("make_pipeline",),
    "sklearn.preprocessing": ("StandardScaler",),
}


def import_shared() -> None:
    """Import every module of :data:`SHARED_IMPORTS` and the names taken from it, in one thread."""
    for name, attributes in SHARED_IMPORTS.items():
        module = importlib.import_module(name)
        for attribute in attributes:
            getattr(module, attribute)


def _serving() -> bool:
    """Whether this is a real server (`streamlit run`), not a test's mock of one."""
    from streamlit.runtime import Runtime, exists, get_instance

    return exists() and type(get_instance()) is Runtime


_warm_up_stop = threading.Event()
_warm_up_thread: threading.Thread | None = None


def warm_up() -> None:
    """Ahead of the first visit to each page, in the background once the shared imports are made: every
    model loaded and its stored views read (or, for a model without them, its test codes computed)."""
    from explorer_app import loaders

    loaders.warm_up(_warm_up_stop)


def start_warm_up() -> None:
    global _warm_up_thread
    _warm_up_stop.clear()
    _warm_up_thread = threading.Thread(target=warm_up, name="explorer-warm-up", daemon=True)
    _warm_up_thread.start()


def stop_warm_up(timeout: float = 60.0) -> None:
    """Let the warm-up end (after the model it is at) and wait for it: a server stopped inside a process that
    goes on (explorer.show) leaves no thread running torch as the process exits, which aborts it."""
    _warm_up_stop.set()
    if _warm_up_thread is not None:
        _warm_up_thread.join(timeout)


def mark_pages_running() -> None:
    """A page's run starts: a training-theatre worker of this server waits a moment (explorer.training.theatre)."""
    from explorer.data.datasets import theatre_zoo
    from explorer.training.theatre import mark_pages_running as mark

    mark(theatre_zoo())


@contextlib.contextmanager
def pages_after_imports():
    """Around every page's run: the server's very first page is drawn first, the shared imports made after it.

    Two sessions' threads importing at once can meet each other's half-made modules. Plotly looks
    pandas up in sys.modules without the import lock: a figure built while another session's first
    table imported pandas failed ("partially initialized module 'pandas' has no attribute 'Series'");
    scipy's modules import one another, and sklearn and skimage reach them in different orders
    (:data:`SHARED_IMPORTS`). So they are imported here, once, in one thread: after the server's first
    page, which need not wait for them (docs/performance.md: cold start), and in that page's own run,
    so that its fragments too (a click on its map) run only after. Every other session waits at this
    lock meanwhile and then finds them whole.
    """
    global _imported
    mark_pages_running()
    if not _imported:
        _first_page.acquire()
        if not _imported:
            try:
                load_once()
                yield  # no other session runs a page meanwhile: none imports beside this one
            finally:
                try:
                    import_shared()
                    # Streamlit collects all garbage after every run (runner.postScriptGC): a full pass over
                    # torch, pandas and scikit-learn took 0.2 s of every page's run, before its end reached
                    # the browser (bench/page_times.py). What they load lives as long as the server: frozen too.
                    gc.freeze()
                    _imported = True
                finally:
                    _first_page.release()
                if _serving():  # not in AppTest, whose tests swap zoos under a mock runtime
                    start_warm_up()
            return
        _first_page.release()
    yield
