"""A model without a stored map (a zoo of your own, a theatre run): its PCA map at once on every page, its UMAP
map made by a background job (explorer.store.map_job) and swapped in; the job's files, its failures, and
`explorer.zoo precompute` storing the map so that the README's own-model commands end with one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from explorer.analysis.project import MAP_FILE, LatentMap, load_map, save_map
from explorer.data.datasets import ZOO_ENV
from explorer.present.i18n import STRINGS
from explorer.store import map_job
from tests.conftest import chart_specs, clear_streamlit_caches, make_pretrained

REPO = Path(__file__).resolve().parent.parent
APP = str(REPO / "app.py")


@pytest.fixture
def own_zoo(tmp_path, monkeypatch):
    """A zoo of your own whose models have no map.npz: a latent-4 VAE and a latent-2 AE (its codes are its map)."""
    zoo = tmp_path / "zoo"
    make_pretrained(zoo, "mnist", models=(("vae", 4), ("ae", 2)), n_test=300)
    (zoo / "own").mkdir()
    for path in (zoo / "mnist").iterdir():
        path.rename(zoo / "own" / path.name)
    for folder in (zoo / "own").glob("*-z*"):
        (folder / MAP_FILE).unlink()
        config = json.loads((folder / "config.json").read_text())
        config["model"]["dataset"] = "own"
        (folder / "config.json").write_text(json.dumps(config))
    monkeypatch.setenv(ZOO_ENV, str(zoo))
    clear_streamlit_caches()
    yield zoo / "own"
    clear_streamlit_caches()


@pytest.fixture
def spawned(monkeypatch):
    """The background jobs on (tests/conftest.py turns them off), each start recorded instead of run."""
    started = []
    monkeypatch.setenv(map_job.JOBS_ENV, "1")
    monkeypatch.setattr(map_job.processes, "spawn", lambda module, args, log, parent: started.append(
        (module, args, parent)) or os.getpid())  # a live pid, whose command line is not a job's
    monkeypatch.setattr(map_job.processes, "alive", lambda pid, marker: pid == os.getpid())
    return started


def points(values) -> int:
    """How many values a figure's array holds: a list, or Plotly's typed array (base64 of ``dtype``)."""
    if isinstance(values, dict) and "bdata" in values:
        import base64

        return len(base64.b64decode(values["bdata"])) // np.dtype(values["dtype"]).itemsize
    return len(values)


def open_map(model: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["dataset"] = "own"
    at.query_params["model"] = model
    return at.run()


# --- the job's files -----------------------------------------------------------------------------------------


def test_one_job_starts_per_checkpoint_however_many_ask(own_zoo, spawned):
    folder = own_zoo / "vae-z4"
    assert map_job.map_job(folder).state == "none"
    assert map_job.start_map_job(folder, parent=123).state == "running"
    assert map_job.start_map_job(folder, parent=123).state == "running"
    assert spawned == [("explorer.embed", [str(folder), "--map-only"], 123)]
    save_map(folder / MAP_FILE, LatentMap(np.zeros((3, 2)), np.arange(3), "umap"))
    assert map_job.map_job(folder).state == "done"


def test_a_job_that_ended_without_its_map_is_started_again_and_a_failed_one_is_not(own_zoo, spawned, monkeypatch):
    folder = own_zoo / "vae-z4"
    (folder / map_job.JOB_FILE).write_text(json.dumps({"pid": 2**22 + 4321}))  # its server stopped, and it with it
    assert map_job.start_map_job(folder, parent=1).state == "running" and len(spawned) == 1
    map_job.job_ended(folder)
    map_job.record_failure(folder, "reason.other", reason="no room left", path_object=object())
    failed = map_job.start_map_job(folder, parent=1)
    assert failed.state == "failed" and failed.message == ("reason.other", ("reason", "no room left"))
    assert len(spawned) == 1  # not again for the same weights
    os.utime(folder / map_job.FAILED_FILE, (1_000_000, 1_000_000))  # older than the weights: retrained since
    assert map_job.start_map_job(folder, parent=1).state == "running" and len(spawned) == 2


def test_no_job_is_started_in_a_folder_that_cannot_be_written_nor_where_the_server_turns_them_off(own_zoo, spawned,
                                                                                                monkeypatch):
    folder = own_zoo / "vae-z4"
    monkeypatch.setattr(map_job.os, "access", lambda path, mode: False)
    assert map_job.start_map_job(folder, parent=1).message == ("map.job_read_only",)
    monkeypatch.undo()
    monkeypatch.setenv(map_job.JOBS_ENV, "0")
    assert map_job.start_map_job(folder, parent=1).state == "none" and not spawned


# --- the pages --------------------------------------------------------------------------------------------------


def test_a_model_without_a_map_opens_on_its_pca_map_while_its_umap_map_is_made(own_zoo, spawned):
    at = open_map("vae-z4")
    assert not at.exception and not at.info, [i.value for i in at.info]  # no "compute one below"
    drawn = json.loads(chart_specs(at)[0])
    assert sum(points(trace.get("x", [])) for trace in drawn["data"]) >= 300  # every test image on the map
    caption = next(c.value for c in at.caption if STRINGS["en"]["map.stand_in"] in c.value)
    assert "PCA" in caption
    assert [args for _, args, _ in spawned] == [[str(own_zoo / "vae-z4"), "--map-only"]]
    assert spawned[0][2] == os.getpid()  # the job ends with this server


def test_the_umap_map_takes_the_pca_map_s_place_once_it_is_stored(own_zoo, spawned):
    at = open_map("vae-z4")
    xy = np.random.default_rng(0).normal(size=(300, 2))
    save_map(own_zoo / "vae-z4" / MAP_FILE, LatentMap(xy, np.arange(300), "umap", {"n_neighbors": 15, "seed": 0}))
    map_job.job_ended(own_zoo / "vae-z4")
    at.run()
    assert not at.exception
    assert not any(STRINGS["en"]["map.stand_in"] in c.value for c in at.caption)
    assert any("UMAP" in c.value for c in at.caption)


def test_a_failed_job_is_said_on_the_page_with_its_reason(own_zoo, spawned):
    map_job.record_failure(own_zoo / "vae-z4", "map.job_error", error="MemoryError")
    at = open_map("vae-z4")
    assert not at.exception
    said = STRINGS["en"]["map.stand_in_failed"].split("(")[0]
    assert any(said in c.value and "MemoryError" in c.value for c in at.caption) and not spawned


def test_a_latent_2_model_without_a_map_is_drawn_from_its_codes_with_no_job(own_zoo, spawned):
    at = open_map("ae-z2")
    assert not at.exception and not spawned
    assert not any(STRINGS["en"]["map.stand_in"] in c.value for c in at.caption)


# --- the job itself, and the commands ---------------------------------------------------------------------------


@pytest.mark.slow
def test_the_background_job_writes_the_umap_map_whole_and_clears_its_job_file(own_zoo):
    folder = own_zoo / "vae-z4"
    (folder / map_job.JOB_FILE).write_text("{}")
    env = {**os.environ, "PYTHONPATH": str(REPO), ZOO_ENV: str(own_zoo.parent)}
    done = subprocess.run([sys.executable, "-m", "explorer.embed", str(folder), "--map-only"], env=env,
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr
    latent_map = load_map(folder / MAP_FILE, n_images=300)
    assert latent_map.method == "umap" and len(latent_map.xy) == 300
    assert not (folder / map_job.JOB_FILE).exists() and map_job.map_job(folder).state == "done"


def test_a_job_that_cannot_make_the_map_says_why_for_the_pages(own_zoo):
    folder = own_zoo / "vae-z4"
    (folder.parent / "test.npz").write_bytes(b"PK\x03\x04 damaged")
    env = {**os.environ, "PYTHONPATH": str(REPO), ZOO_ENV: str(own_zoo.parent)}
    done = subprocess.run([sys.executable, "-m", "explorer.embed", str(folder), "--map-only"], env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    state = map_job.map_job(folder)
    assert state.state == "failed" and state.message[0] != "reason.other" and not (folder / MAP_FILE).exists()


@pytest.mark.slow
def test_zoo_precompute_stores_the_map_of_a_model_that_has_none(own_zoo, capsys):
    from explorer.commands.zoo import main

    assert main(["precompute", str(own_zoo.parent)]) == 0
    assert "map.npz (umap) written" in capsys.readouterr().out
    assert load_map(own_zoo / "vae-z4" / MAP_FILE, n_images=300).method == "umap"
