"""explorer.export site: a view as a folder that opens from file:// (explorer_app/site).

Headless here: what the folder holds, what is refused and left untouched, the command's answers and the map
page's button. tests/test_site_browser.py opens an export of the shipped models in a real Chromium.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from explorer.errors import ExportRefused
from explorer_app.site import MARKER, site_zip, write_site
from explorer_app.site.command import main

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def window_value(path: Path, name: str) -> dict:
    text = path.read_text(encoding="utf-8")
    return json.loads(re.match(rf"window\.{name} = (.*);\n$", text, re.DOTALL).group(1))


def test_an_export_holds_the_page_the_runtime_the_data_and_each_model(fake_pretrained, tmp_path):
    out = tmp_path / "lecture"
    record = write_site(out, "mnist", ["vae-z4", "wae-z4"], "zh")
    assert record["models"] == ["vae-z4", "wae-z4"] and record["lang"] == "zh" and record["points"] == 300
    assert json.loads((out / MARKER).read_text())["models"] == ["vae-z4", "wae-z4"]
    page = (out / "index.html").read_text(encoding="utf-8")
    assert '<html lang="zh-Hans">' in page and "{" + "title}" not in page
    scripts = re.findall(r'<script src="([^"]+)"></script>', page)
    assert scripts == ["runtime.js", "data/dataset.js", "data/model-0.js", "data/model-1.js", "decoder.js", "site.js"]
    assert all((out / s).is_file() for s in scripts)  # nothing the page loads is outside the folder
    assert not re.search(r'(src|href)="(https?:)?//', page)
    site = window_value(out / "data" / "dataset.js", "EXPLORER_SITE")
    assert site["image_shape"] == [300, 28, 28, 1] and len(site["class_names"]) == 10
    runtime = window_value(out / "runtime.js", "EXPLORER_RUNTIME")
    assert set(runtime) == {"mjs", "glue", "wasm_gz"}
    model = json.loads(re.match(r"window\.EXPLORER_SITE\.models\.push\((.*)\);\n$",
                                (out / "data" / "model-0.js").read_text(encoding="utf-8"), re.DOTALL).group(1))
    assert model["dim"] == 4 and model["shape"] == [1, 28, 28] and model["label"]
    assert record["bytes_per_model"]["vae-z4"] == (out / "data" / "model-0.js").stat().st_size
    assert (out.stat().st_mode & 0o755) == 0o755  # readable as any folder, not the temporary folder's 0700


def test_an_earlier_export_is_replaced_and_anything_else_is_refused_untouched(fake_pretrained, tmp_path):
    out = tmp_path / "site"
    write_site(out, "mnist", ["vae-z4"])
    (out / "stale.txt").write_text("from before")
    write_site(out, "mnist", ["ae-z2"])  # an export: replaced whole
    assert not (out / "stale.txt").exists() and json.loads((out / MARKER).read_text())["models"] == ["ae-z2"]
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "lecture.md").write_text("my notes")
    with pytest.raises(ExportRefused, match="not an export"):
        write_site(notes, "mnist", ["vae-z4"])
    assert [p.name for p in notes.iterdir()] == ["lecture.md"] and (notes / "lecture.md").read_text() == "my notes"
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    with pytest.raises(ExportRefused, match="not a folder"):
        write_site(a_file, "mnist", ["vae-z4"])
    with pytest.raises(ExportRefused, match="cannot write"):
        write_site(a_file / "inside", "mnist", ["vae-z4"])  # its parent cannot be made
    assert a_file.read_text() == "x"
    assert not list(tmp_path.glob(".*partial*")) and not list(tmp_path.glob(".*old*"))  # no half-written folder


@pytest.mark.parametrize("dataset,names,words", [
    ("mnist", ["vae-z99"], "no usable model 'vae-z99' in mnist; one of: vae-z4, wae-z4, ae-z2"),
    ("nope", ["vae-z4"], "unknown dataset 'nope'"),
    ("mnist", [], "at least one model"),
    ("mnist", ["vae-z4", "vae-z4"], "each model once"),
])
def test_unknown_or_repeated_models_are_refused_before_anything_is_written(fake_pretrained, tmp_path, dataset,
                                                                            names, words):
    with pytest.raises(ExportRefused, match=re.escape(words)):
        write_site(tmp_path / "out", dataset, names)
    assert not (tmp_path / "out").exists()


def test_the_command_says_what_it_wrote_or_one_line_of_why_not(fake_pretrained, tmp_path, capsys):
    assert main(["site", str(tmp_path / "out"), "--dataset", "mnist", "--models", "vae-z4", "wae-z4"]) == 0
    said = capsys.readouterr().out
    assert "300 points" in said and "vae-z4" in said and "index.html" in said
    assert main(["site", str(tmp_path / "out2"), "--models", "nope"]) == 2
    error = capsys.readouterr().err
    assert error.startswith("error: no usable model 'nope'") and error.count("\n") == 1
    assert main(["site", str(tmp_path / "out3"), "--models", "vae-z4", "--lang", "fr"]) == 2
    assert "unknown language 'fr'" in capsys.readouterr().err


def test_the_zip_holds_one_export_folder(fake_pretrained):
    import io
    import zipfile

    names = zipfile.ZipFile(io.BytesIO(site_zip("mnist", ["vae-z4"]))).namelist()
    assert "explorer-mnist/index.html" in names and f"explorer-mnist/{MARKER}" in names
    assert all(name.startswith("explorer-mnist/") for name in names)


def test_the_map_page_prepares_the_export_of_the_shown_models_and_offers_it(fake_pretrained):
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update({"dataset": "mnist", "model": "vae-z4"})
    at.run()
    assert not at.exception
    at.button(key="site_prepare").click().run()
    assert not at.exception and not at.warning
    made = at.session_state["site_zip"]
    assert made[0] == ("mnist", ("vae-z4",), "en") and made[1][:2] == b"PK"
    assert any(getattr(e.proto, "label", "") == "Download the offline export (zip)" for e in at.get("download_button"))
