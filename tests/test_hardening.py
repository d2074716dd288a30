"""Nothing unpickles; the server keeps its protections."""

import re
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [p for p in ROOT.rglob("*.py") if ".venv" not in p.parts and "tests" not in p.parts]


def test_there_are_sources_to_check():
    assert any(p.name == "checkpoint.py" for p in SOURCES) and any(p.name == "app.py" for p in SOURCES)


def test_no_loading_path_unpickles():
    offenders = []
    for path in SOURCES:
        text = path.read_text(encoding="utf-8")
        for pattern in (r"pickle\.loads?\(", r"allow_pickle\s*=\s*True", r"joblib\.load\(", r"cloudpickle"):
            if re.search(pattern, text):
                offenders.append(f"{path.relative_to(ROOT)}: {pattern}")
        for match in re.finditer(r"torch\.load\(([^)]*)\)", text):
            if "weights_only=True" not in match.group(1):
                offenders.append(f"{path.relative_to(ROOT)}: torch.load without weights_only=True")
        for match in re.finditer(r"np\.load\(([^)]*)\)", text):
            if "allow_pickle=False" not in match.group(1):
                offenders.append(f"{path.relative_to(ROOT)}: np.load without allow_pickle=False")
    assert offenders == []


def test_server_config_keeps_xsrf_on_and_uploads_small():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["enableXsrfProtection"] is True
    assert config["server"]["maxUploadSize"] <= 10


def test_a_bugs_exception_shows_neither_its_message_nor_a_traceback():
    """A visitor never sees server paths in a traceback: only the exception's type is shown."""
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["client"]["showErrorDetails"] in ("type", "none")
