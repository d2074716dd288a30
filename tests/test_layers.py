"""The layout holds: explorer/ imports no Streamlit; every string the app layer shows is a catalogue key.

The string check walks the syntax tree of app.py, explorer_app/ and explorer_app/views/: a string literal
with letters in it, passed as the text of a Streamlit call or a figure's text field, is
a string a user reads that the catalogue does not hold (a Chinese reading would miss it).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = sorted((ROOT / "explorer").rglob("*.py"))
APP_LAYER = [ROOT / "app.py", *sorted((ROOT / "explorer_app").glob("*.py")), *sorted((ROOT / "explorer_app" / "views").glob("*.py"))]

# Keyword arguments whose value a person reads (in Streamlit calls and Plotly figures).
TEXT_KEYWORDS = {"label", "help", "caption", "placeholder", "title", "name", "text", "hovertemplate",
                 "xaxis_title", "yaxis_title", "title_text", "subplot_titles", "page_title", "body", "labels"}
# Receivers whose calls draw text: st.*, a column or container from st.columns(), Plotly's go.* and px.*,
# and a figure's own methods.
DRAWING_CALLS = {"st", "go", "px", "fig", "hist", "curves", "scrubber", "column", "status", "left", "right",
                 "middle", "head", "button", "picture", "controls", "c1", "c2", "c3", "c4", "b1", "b2", "heat", "bar"}


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_there_is_a_package_and_an_app_layer_to_check():
    assert any(p.name == "nets.py" for p in PACKAGE) and any(p.name == "page.py" for p in APP_LAYER)


@pytest.mark.parametrize("path", PACKAGE, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_package_imports_no_streamlit(path):
    assert "streamlit" not in imported_modules(path)


# Calls whose first argument is a name, a path or a key, not text.
NOT_TEXT = {"Page", "form", "get", "pop", "setdefault", "switch_page", "fragment", "toast_key", "component"}
STATE = {"session_state", "query_params"}


def receiver(call: ast.Call) -> str | None:
    func, chain = call.func, []
    while isinstance(func, ast.Attribute):
        chain.append(func.attr)
        func = func.value
    if set(chain) & STATE or (chain and chain[0] in NOT_TEXT):
        return None
    return func.id if isinstance(func, ast.Name) else None


def words_in(node: ast.AST) -> list[str]:
    """The literal text with letters that ``node`` puts on screen (in lists, dicts and f-strings too)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value] if any(ch.isalpha() for ch in node.value) else []
    if isinstance(node, ast.JoinedStr):
        return [part for value in node.values for part in words_in(value)]
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return [w for element in node.elts for w in words_in(element)]
    if isinstance(node, ast.Dict):
        return [w for key in node.keys if key is not None for w in words_in(key)]
    return []


def literal_texts(path: Path, root: Path = ROOT) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call) or receiver(node) not in DRAWING_CALLS:
            continue
        shown = node.args[:1] + [kw.value for kw in node.keywords if kw.arg in TEXT_KEYWORDS - {"labels"}]
        # Plotly's labels={column: text}: the texts are shown, the columns are not
        shown += [v for kw in node.keywords if kw.arg == "labels" and isinstance(kw.value, ast.Dict)
                  for v in kw.value.values]
        if isinstance(node.func, ast.Attribute) and node.func.attr == "dataframe":
            shown = node.args[:1]  # a table's column headings
        if isinstance(node.func, ast.Attribute) and node.func.attr == "page_link":
            shown = [kw.value for kw in node.keywords if kw.arg == "label"]  # the first argument is the page's file
        for value in shown:
            found += [f"{path.relative_to(root)}:{node.lineno}: {w!r}" for w in words_in(value)]
    return found


@pytest.mark.parametrize("path", APP_LAYER, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_string_the_app_shows_comes_from_the_catalogue(path):
    assert literal_texts(path) == []


def test_the_string_check_finds_a_literal(tmp_path):
    """The check itself: literals in a label, a figure title, an f-string and a table heading are caught;
    catalogue calls, widget keys and format-only strings are not."""
    page = tmp_path / "page.py"
    page.write_text('st.button("Go")\nfig.update_layout(title="Loss")\nst.markdown(f"**{x}** items")\n'
                    'st.dataframe({"AUC": [1]})\nst.button(t("ok"), key="plain_key")\nst.markdown(f"**{x}**")\n'
                    'st.page_link("explorer_app/views/a.py", label="Open it")\n')
    found = [line.split(": ", 1)[1] for line in literal_texts(page, root=tmp_path)]
    assert found == ["'Go'", "'Loss'", "'** items'", "'AUC'", "'Open it'"]


# Libraries whose modules import one another: the first import of each is made once per server, in one
# thread, after its first page (explorer_app.SHARED_IMPORTS). Two sessions importing two of them at once met
# each other's half-made modules, and scipy stayed broken for every session after.
INTERLINKED = {"pandas", "scipy", "sklearn", "skimage"}
EVERY_MODULE = sorted({*PACKAGE, *APP_LAYER, *(ROOT / "explorer_app").rglob("*.py")})


def imports_not_shared(paths: list[Path]) -> list[str]:
    """``module: name`` for each import from an interlinked library that explorer_app.SHARED_IMPORTS does not make."""
    from explorer_app import SHARED_IMPORTS

    missing = set()
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                missing |= {alias.name for alias in node.names
                            if alias.name.split(".")[0] in INTERLINKED and alias.name not in SHARED_IMPORTS}
            elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in INTERLINKED:
                missing |= {f"{node.module}: {alias.name}" for alias in node.names
                            if alias.name not in SHARED_IMPORTS.get(node.module, ())}
    return sorted(missing)


def test_every_import_from_the_interlinked_libraries_is_made_once_after_the_first_page():
    assert imports_not_shared(EVERY_MODULE) == [], "add them to explorer_app.SHARED_IMPORTS"


def test_the_shared_import_check_finds_one_left_out(tmp_path):
    module = tmp_path / "page.py"
    module.write_text("import scipy.signal\n\ndef f():\n    from sklearn.svm import SVC\n    from sklearn.decomposition import PCA\n")
    assert imports_not_shared([module]) == ["scipy.signal", "sklearn.svm: SVC"]


def cache_decorators(function: ast.FunctionDef) -> list[str]:
    """The Streamlit cache decorators on a function (st.cache_data, st.cache_resource, with or without arguments)."""
    names = []
    for decorator in function.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if isinstance(target, ast.Attribute) and target.attr in ("cache_data", "cache_resource"):
            names.append(target.attr)
    return names


def stacked_caches(source: str) -> list[str]:
    """The functions of ``source`` with more than one cache decorator: a slip (one was left behind when a
    function was inserted above it, and that function lost its cache)."""
    return [node.name for node in ast.walk(ast.parse(source))
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and len(cache_decorators(node)) > 1]


def test_no_function_of_the_app_layer_carries_two_caches():
    found = {str(path.relative_to(ROOT)): stacked_caches(path.read_text(encoding="utf-8")) for path in APP_LAYER}
    assert {path: names for path, names in found.items() if names} == {}


def test_the_cache_check_finds_a_decorator_left_behind():
    source = ("@st.cache_resource(show_spinner=False, max_entries=1)\n@st.cache_resource(max_entries=4)\n"
              "def training_images(dataset): ...\n\n@st.cache_data\ndef fine(): ...\n")
    assert stacked_caches(source) == ["training_images"]


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(paths: list[Path], prefix: str) -> dict[str, set[str]]:
    """Which modules of ``prefix`` each module imports, anywhere in it (inside functions too)."""
    modules = {module_name(p): p for p in paths}
    graph = {}
    for name, path in modules.items():
        targets = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            else:
                continue
            targets |= {m for m in found if m in modules and m.startswith(prefix)}
        graph[name] = targets - {name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_package_has_no_import_cycle_even_inside_functions():
    # a package's __init__ that re-exports its modules is not a cycle of theirs: it is left out
    graph = import_graph([p for p in PACKAGE if p.name != "__init__.py" or p.parent == ROOT / "explorer"], "explorer")
    assert cycles(graph) == []


def test_the_cycle_check_finds_one():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_pages_do_not_import_pages():
    pages = sorted((ROOT / "explorer_app" / "views").glob("*.py"))
    graph = import_graph(pages, "views")
    assert {page: sorted(imported) for page, imported in graph.items() if imported} == {}


def long_functions(source: str, limit: int) -> list[str]:
    return [f"{node.name} ({node.end_lineno - node.lineno + 1} lines)" for node in ast.walk(ast.parse(source))
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno - node.lineno + 1 > limit]


def test_no_page_function_is_longer_than_a_screenful_or_two():
    """A page reads top to bottom like the page looks: its parts are functions of their own, none over 120 lines."""
    found = {p.name: long_functions(p.read_text(encoding="utf-8"), 120) for p in sorted((ROOT / "explorer_app" / "views").glob("*.py"))}
    assert {name: functions for name, functions in found.items() if functions} == {}
