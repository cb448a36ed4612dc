"""Decoding image files of any mode and size into RGB uint8 model inputs."""
import numpy as np
import pytest
from PIL import Image

from fastcnn.data import decode_image
from fastcnn.errors import DataError, InvalidArgumentError


def save(tmp_path, name, array, mode=None, **options):
    path = tmp_path / name
    Image.fromarray(array, mode=mode).save(path, **options)
    return path


def test_rgb_png_at_target_size_is_unchanged(tmp_path):
    pixels = np.random.default_rng(0).integers(0, 256, (16, 16, 3), dtype=np.uint8)
    out = decode_image(save(tmp_path, "a.png", pixels), size=(16, 16))
    np.testing.assert_array_equal(out, pixels)


def test_grayscale_is_repeated_into_three_channels(tmp_path):
    gray = np.arange(64, dtype=np.uint8).reshape(8, 8) * 3
    out = decode_image(save(tmp_path, "g.png", gray), size=(8, 8))
    assert out.shape == (8, 8, 3)
    for c in range(3):
        np.testing.assert_array_equal(out[..., c], gray)


def test_16_bit_grayscale_is_scaled_not_clipped(tmp_path):
    values = np.array([[0, 257 * 100], [257 * 200, 65535]], dtype=np.uint16)
    path = tmp_path / "deep.png"
    Image.fromarray(values).save(path)
    assert Image.open(path).mode.startswith("I")
    out = decode_image(path, size=(2, 2))
    np.testing.assert_array_equal(out[..., 0], [[0, 100], [200, 255]])


def test_rgba_is_composited_over_black(tmp_path):
    rgba = np.zeros((4, 4, 4), np.uint8)
    rgba[..., 0] = 200
    rgba[..., 3] = 128  # half transparent red
    out = decode_image(save(tmp_path, "t.png", rgba, mode="RGBA"), size=(4, 4))
    assert out[0, 0].tolist() == [100, 0, 0]


def test_palette_and_cmyk_images_convert(tmp_path):
    rgb = np.random.default_rng(1).integers(0, 256, (10, 10, 3), dtype=np.uint8)
    palette_path = tmp_path / "p.png"
    Image.fromarray(rgb).convert("P").save(palette_path)
    cmyk_path = tmp_path / "c.jpg"
    Image.fromarray(rgb).convert("CMYK").save(cmyk_path)
    for path in (palette_path, cmyk_path):
        out = decode_image(path, size=(10, 10))
        assert out.shape == (10, 10, 3) and out.dtype == np.uint8
    # the palette round trip keeps the colours closely (quantised to 256 colours)
    assert np.abs(decode_image(palette_path, size=(10, 10)).astype(int) - rgb).mean() < 40


def test_centre_crop_then_resize(tmp_path):
    big = np.zeros((100, 100, 3), np.uint8)
    big[25:75, 25:75] = 255  # white central square, half the side
    path = save(tmp_path, "c.png", big)
    cropped = decode_image(path, size=(10, 10), crop=0.5)
    assert cropped.min() == 255  # only the white centre is left
    whole = decode_image(path, size=(10, 10))
    assert whole[0, 0].max() == 0 and whole[5, 5].min() == 255


def test_non_square_images_keep_their_central_square(tmp_path):
    wide = np.zeros((20, 60, 3), np.uint8)
    wide[:, 20:40] = 255  # the central 20x20 square
    assert decode_image(save(tmp_path, "w.png", wide), size=(5, 5)).min() == 255


def test_tiny_image_is_upscaled(tmp_path):
    out = decode_image(save(tmp_path, "one.png", np.full((1, 1, 3), 77, np.uint8)), size=(8, 8))
    assert out.shape == (8, 8, 3) and (out == 77).all()


@pytest.mark.parametrize("content,message", [
    (b"", "not an image Pillow can read"),
    (b"hello, not an image", "not an image Pillow can read"),
])
def test_unreadable_files_name_the_file(tmp_path, content, message):
    path = tmp_path / "bad.png"
    path.write_bytes(content)
    with pytest.raises(DataError, match=message) as info:
        decode_image(path)
    assert "bad.png" in str(info.value)


def test_truncated_png_names_the_file(tmp_path):
    path = save(tmp_path, "full.png", np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8))
    data = path.read_bytes()
    truncated = tmp_path / "truncated.png"
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(DataError, match="truncated.png"):
        decode_image(truncated)


def test_missing_file_and_bad_crop():
    with pytest.raises(DataError, match="image not found: nowhere.png"):
        decode_image("nowhere.png")
    with pytest.raises(InvalidArgumentError, match=r"crop must be a fraction in \(0, 1\], got 1.5"):
        decode_image("nowhere.png", crop=1.5)
