"""Decoders that run in the browser: each model's decoder exported to ONNX, shipped beside its weights.

    python -m explorer.browser_decoder --all            # every model of the shipped zoo
    python -m explorer.browser_decoder --zoo DIR          # every model of a zoo of your own
    python -m explorer.browser_decoder pretrained/mnist/vae-z16 [--force]

A checkpoint that has no ``decoder.onnx`` (a zoo of your own, or the shipped zoo, which leaves them
out to stay small) gets one the first time a page asks: the server exports it once, checks it the
same way, and keeps it in its cache (``exported_on_demand``), keyed by the weights' fingerprint.

For each checkpoint folder it writes

- ``decoder.onnx``: code (B×d float32) → image (B×C×H×W float32 in [0, 1]), the sigmoid
  included; exported with ``torch.onnx.export(..., dynamo=False)`` (opset 17);
- ``browser.json``: what the app checks before sending the file to a browser: the weights'
  fingerprint (a decoder of other weights is never used), the file's own fingerprint (a
  damaged file is never sent), the weights' storage type, and the largest difference from
  PyTorch that ONNX Runtime gave on the model's own test codes.

Weights are stored as float16 (each followed by a Cast to float32, so the arithmetic stays
float32 in every runtime) where ONNX Runtime's result stays within 1e-3 of PyTorch's on every
pixel; otherwise they stay float32. Half the bytes to send to each browser.

Only this command needs the ``onnx`` and ``onnxruntime`` packages; the app reads
``browser.json`` and the file's bytes (no torch, no onnx) and sends them to the browser,
which runs them with onnxruntime-web (explorer_app/browser_decoder).
"""

from __future__ import annotations

import sys
from pathlib import Path

from explorer.store.browser_decoder import (
    DECODER_FILE,
    BrowserDecoderUnavailable,
    read_browser_decoder,
    write_browser_decoder,
)


def zoo_checkpoints(zoo: Path) -> list[Path] | None:
    """The available checkpoint folders of a zoo of your own (opened, see main), or None if it is not one."""
    from explorer.data.datasets import user_datasets
    from explorer.store.catalog import list_models

    if not zoo.is_dir():
        return None
    datasets = [name for name, (_, root) in user_datasets().items() if root == zoo]
    if not datasets:
        return None
    return [m.folder for name in datasets for m in list_models(name) if m.available]


def main(argv: list[str] | None = None) -> int:
    import os

    from explorer.data.datasets import ZOO_ENV

    previous = os.environ.get(ZOO_ENV)
    try:
        return _main(argv)
    finally:  # --zoo opens a zoo for this run only (main may be called in a process that goes on)
        if previous is None:
            os.environ.pop(ZOO_ENV, None)
        else:
            os.environ[ZOO_ENV] = previous


def _main(argv: list[str] | None) -> int:
    import os

    from explorer.commands.args import ArgumentParser, add_checkpoint_folders, checkpoint_folders, fail
    from explorer.data.datasets import ZOO_ENV, DatasetUnavailable
    from explorer.store.checkpoint import CheckpointError

    parser = ArgumentParser(prog="python -m explorer.browser_decoder", description=__doc__.splitlines()[0])
    add_checkpoint_folders(parser)
    parser.add_argument("--zoo", type=Path, help="every available model of a zoo folder of your own")
    parser.add_argument("--force", action="store_true", help="export again where a current export exists")
    args = parser.parse_args(argv)
    if args.zoo is not None:
        zoo = args.zoo.expanduser()
        os.environ[ZOO_ENV] = os.pathsep.join(filter(None, [str(zoo), os.environ.get(ZOO_ENV, "")]))
        folders = zoo_checkpoints(zoo)
        if folders is None:
            return fail(f"{args.zoo} is not a zoo folder (no sub-folder with a test.npz); nothing written there")
        folders += list(args.folders)
    else:
        folders = checkpoint_folders(parser, args)
    import importlib.util

    missing = [name for name in ("onnx", "onnxruntime") if importlib.util.find_spec(name) is None]
    if missing:
        return fail(f"exporting needs the onnx and onnxruntime packages ({', '.join(missing)} not installed): "
                    "python -m pip install onnx onnxruntime")
    status = 0
    for folder in folders:
        if not (Path(folder) / "config.json").is_file():
            status = fail(f"{folder} is not a checkpoint folder (it has no config.json); nothing written there")
            continue
        if not args.force:
            try:
                read_browser_decoder(folder)
                print(f"{folder}: current export kept (--force to export again)")
                continue
            except BrowserDecoderUnavailable:
                pass
        try:
            record = write_browser_decoder(folder)
        except (CheckpointError, DatasetUnavailable) as err:
            status = fail(str(err))
            continue
        except Exception as err:  # noqa: BLE001  (a model of your own may use what ONNX cannot express)
            status = fail(f"{folder}: its decoder could not be exported to ONNX ({type(err).__name__}: {err})")
            continue
        print(f"{folder}: {DECODER_FILE} {record['bytes'] / 1e6:.2f} MB, {record['weights_dtype']} weights, "
              f"largest difference from PyTorch {record['max_abs_error']:.1e} on {record['checked_codes']} test codes")
    return status


if __name__ == "__main__":
    sys.exit(main())
