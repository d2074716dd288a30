"""A visitor's own image: the preparation as MNIST and Fashion-MNIST were made, every bad input refused
with its reason, and the page (uploads good and bad, and carrying the image to other pages)."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from explorer.data.own_image import (
    MAX_BYTES,
    MAX_PIXELS,
    ImageRejected,
    percentile_of,
    prepare,
    prepare_bytes,
    read_image,
)

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def encoded(picture, fmt: str = "PNG", **options) -> bytes:
    image = picture if isinstance(picture, Image.Image) else Image.fromarray(picture)
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def seven(height: int = 200, width: int = 150, top: int = 30, left: int = 20) -> np.ndarray:
    """A light-on-dark '7' drawn off-centre (towards the top left) in a larger picture."""
    a = np.zeros((height, width), np.uint8)
    a[top : top + 16, left : left + 70] = 255
    for k in range(100):
        a[top + 16 + k, left + 60 - k // 2 : left + 72 - k // 2] = 255
    return a


def png_with_size(width: int, height: int) -> bytes:
    """A 1×1 PNG whose header claims ``width``×``height``: what a decompression bomb's header says."""
    data = bytearray(encoded(np.zeros((1, 1), np.uint8)))
    chunk = b"IHDR" + struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    data[8:33] = struct.pack(">I", 13) + chunk + struct.pack(">I", zlib.crc32(chunk))
    return bytes(data)


# --- the preparation ---------------------------------------------------------------------


def test_an_off_centre_digit_comes_out_in_a_20_box_with_its_centre_of_mass_at_the_centre():
    prepared = prepare_bytes(encoded(seven()), "mnist")
    image = prepared.image.astype(float)
    rows, cols = np.nonzero(image > 25)
    assert max(rows.max() - rows.min(), cols.max() - cols.min()) + 1 <= 20
    centre = [np.average(np.arange(28), weights=image.sum(axis=1)), np.average(np.arange(28), weights=image.sum(axis=0))]
    assert np.allclose(centre, 13.5, atol=1.0)
    assert [name for name, _ in prepared.steps] == ["read", "ink", "cropped", "fitted"] and not prepared.inverted


def test_fashion_images_fill_28_and_are_centred_by_their_box():
    image = prepare_bytes(encoded(seven()), "fashion-mnist").image
    rows, cols = np.nonzero(image > 25)
    assert max(rows.max() - rows.min(), cols.max() - cols.min()) + 1 >= 27
    assert abs((rows.min() + rows.max()) / 2 - 13.5) <= 1 and abs((cols.min() + cols.max()) / 2 - 13.5) <= 1


def test_dark_ink_on_light_paper_gives_the_same_input_as_light_on_dark():
    light_on_dark = prepare_bytes(encoded(seven()), "mnist")
    dark_on_light = prepare_bytes(encoded(255 - seven()), "mnist")
    assert dark_on_light.inverted
    assert np.abs(light_on_dark.image.astype(int) - dark_on_light.image).max() <= 2


@pytest.mark.parametrize("variant", ["16-bit", "CMYK JPEG", "palette", "white ink on transparent",
                                     "black ink on transparent", "animated GIF", "WebP", "BMP", "bilevel"])
def test_every_mode_and_format_gives_the_same_input(variant):
    a = seven()
    data = {
        "16-bit": lambda: encoded(Image.fromarray(a.astype(np.uint16) * 257).convert("I;16")),
        "CMYK JPEG": lambda: encoded(Image.fromarray(255 - a).convert("CMYK"), "JPEG", quality=95),
        "palette": lambda: encoded(Image.fromarray(a).convert("P")),
        "white ink on transparent": lambda: encoded(Image.fromarray(np.dstack([np.full_like(a, 255)] * 3 + [a]), "RGBA")),
        "black ink on transparent": lambda: encoded(Image.fromarray(np.dstack([np.zeros_like(a)] * 3 + [a]), "RGBA")),
        "animated GIF": lambda: encoded(Image.fromarray(a), "GIF", save_all=True, append_images=[Image.fromarray(255 - a)]),
        "WebP": lambda: encoded(a, "WEBP", lossless=True),
        "BMP": lambda: encoded(a, "BMP"),
        "bilevel": lambda: encoded(Image.fromarray(a > 127)),
    }[variant]()
    reference = prepare_bytes(encoded(a), "mnist").image.astype(int)
    assert np.abs(prepare_bytes(data, "mnist").image - reference).max() <= 3


def noisy_picture() -> np.ndarray:
    return np.random.default_rng(0).integers(0, 256, (300, 300), dtype=np.uint8)


BAD_INPUTS = {
    "empty file": (lambda: b"", "empty"),
    "not an image": (lambda: b"%PDF-1.4 this is a document, not a picture", "not_image"),
    "truncated PNG": (lambda: encoded(noisy_picture())[:5000], "damaged"),
    "truncated JPEG": (lambda: encoded(noisy_picture(), "JPEG")[:3000], "damaged"),
    "decompression bomb": (lambda: png_with_size(200_000, 200_000), "too_many_pixels"),
    "over the pixel cap": (lambda: png_with_size(6000, MAX_PIXELS // 6000 + 1), "too_many_pixels"),
    "over the byte limit": (lambda: b"\x89PNG" + bytes(MAX_BYTES), "too_large"),
    "1×1": (lambda: encoded(np.full((1, 1), 255, np.uint8)), "too_small"),
    "10,000×10": (lambda: encoded(np.tile(np.eye(10, dtype=np.uint8) * 255, (1, 1000))), "too_thin"),
    "all one colour": (lambda: encoded(np.full((64, 64), 200, np.uint8)), "blank"),
}


@pytest.mark.parametrize("name", list(BAD_INPUTS))
def test_each_bad_input_is_refused_with_its_reason(name):
    make, key = BAD_INPUTS[name]
    with pytest.raises(ImageRejected) as caught:
        prepare_bytes(make(), "mnist")
    assert caught.value.fault == key and caught.value.reason


def test_the_pixel_cap_is_checked_before_any_pixel_is_decoded(monkeypatch):
    from PIL import ImageFile

    def decode_attempt(self, *args, **kwargs):
        raise AssertionError("a pixel was decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", decode_attempt)
    with pytest.raises(ImageRejected):
        read_image(png_with_size(8000, 8000))


def test_a_faint_but_real_drawing_is_kept():
    a = np.full((80, 80), 100, np.uint8)
    a[20:60, 38:42] = 140  # low contrast, but there
    assert prepare(np.asarray(a, np.float32) / 255, "mnist").image.max() == 255


def test_percentile_of_a_score_among_the_test_scores():
    assert percentile_of(5.0, np.arange(10)) == 50.0
    assert percentile_of(100.0, np.arange(10)) == 100.0


# --- the page ----------------------------------------------------------------------------


def files_under(*folders: Path) -> dict[str, int]:
    return {str(p): p.stat().st_size for folder in folders if folder.exists() for p in folder.rglob("*") if p.is_file()}


def own_image_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["dataset"] = "mnist"
    at.query_params["model"] = "vae-z4"
    at.run()
    at.switch_page("explorer_app/views/own_image.py").run()
    return at


def test_an_uploaded_image_is_prepared_and_every_model_answers(fake_pretrained, tmp_path):
    before = files_under(fake_pretrained, tmp_path / "cache")
    at = own_image_page()
    at.file_uploader(key="own_upload").upload("seven.png", encoded(255 - seven()), "image/png").run()
    assert not at.exception and not at.error
    assert next(s.value for s in at.subheader) == "What the model receives"
    assert len(at.metric) == len(at.multiselect(key="own_models").value) >= 2
    assert all(m.value.endswith("% of test images") for m in at.metric)
    assert files_under(fake_pretrained, tmp_path / "cache") == before  # nothing written to the server's disk


@pytest.mark.parametrize("name", list(BAD_INPUTS))
def test_a_bad_upload_gets_one_line_and_the_page_stays_usable(fake_pretrained, name):
    at = own_image_page()
    at.file_uploader(key="own_upload").upload("upload.png", BAD_INPUTS[name][0](), "image/png").run()
    assert not at.exception
    assert len(at.error) == 1 and "\n" not in at.error[0].value
    assert not at.error[0].value.startswith("own.") and "{" not in at.error[0].value  # the catalogue's sentence
    assert str(fake_pretrained) not in at.error[0].value
    # usable: a good file afterwards is taken
    at.file_uploader(key="own_upload").upload("seven.png", encoded(seven()), "image/png").run()
    assert not at.exception and not at.error and len(at.metric) >= 1


def test_the_image_is_carried_to_the_traversal_and_the_interpolation(fake_pretrained):
    at = own_image_page()
    at.file_uploader(key="own_upload").upload("seven.png", encoded(seven()), "image/png").run()
    at.button(key="own_to_traverse").click().run()
    assert not at.exception
    assert at.radio(key="trav_source").value == "own"
    at = own_image_page()
    at.file_uploader(key="own_upload").upload("seven.png", encoded(seven()), "image/png").run()
    at.button(key="own_to_interpolate").click().run()
    assert not at.exception
    assert at.toggle(key="interp_own").value is True
    assert "your image" in [img.caption for element in at.get("image") for img in element.proto.imgs]


def test_without_an_own_image_the_other_pages_offer_no_such_choice(fake_pretrained):
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page("explorer_app/views/traverse.py").run()
    assert "own" not in at.radio(key="trav_source").options
    at.switch_page("explorer_app/views/interpolate.py").run()
    assert not [w for w in at.toggle if w.key == "interp_own"]
