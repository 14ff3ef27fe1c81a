"""Bytes on disk, perceptual metrics, dithering, CIELAB clustering and choosing K."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from kmeans_lab import (
    choose_k,
    compression_ratio,
    delta_e,
    mse,
    palette_png_bytes,
    png24_bytes,
    psnr,
    quantize,
    raw_bytes,
    read_image,
    ssim,
)
from kmeans_lab.cli import main
from kmeans_lab.image import palette_png_bit_depth
from kmeans_lab.paths import data_path
from kmeans_lab.quantize import distinct_colors, dither_to_palette


@pytest.fixture(scope="module")
def small() -> np.ndarray:
    """A 38x48 thumbnail of chelsea.png: real photographic colours, fast to sweep."""
    return read_image(data_path("chelsea.png"))[::8, ::8][:40, :48].copy()


@pytest.fixture(scope="module")
def medium() -> np.ndarray:
    return read_image(data_path("rocket.jpg"))[::4, ::4].copy()


@pytest.mark.parametrize("k", [1, 2, 3, 4, 5, 16, 17, 200])
def test_bytes_reported_equal_file_written_and_bit_depth_matches_k(medium, tmp_path, k):
    q = quantize(medium, k)
    path = tmp_path / "out.png"
    written = q.save(path)
    assert palette_png_bytes(q.palette, q.labels) == written == path.stat().st_size
    with Image.open(path) as im:
        assert im.mode == "P"
    header = path.read_bytes()[:33]
    assert header[12:16] == b"IHDR" and header[25] == 3  # colour type 3: indexed
    assert header[24] == palette_png_bit_depth(k)  # the IHDR bit-depth byte


def test_png24_and_ratios(medium, tmp_path):
    path = tmp_path / "rgb.png"
    Image.fromarray(medium, "RGB").save(path, optimize=True)
    assert png24_bytes(medium) == path.stat().st_size
    assert compression_ratio(medium, 1000) == pytest.approx(path.stat().st_size / 1000)
    assert compression_ratio(medium, 1000, reference="raw") == pytest.approx(raw_bytes(medium) / 1000)
    with pytest.raises(ValueError, match="reference"):
        compression_ratio(medium, 1000, reference="jpeg")


def test_ssim_and_delta_e(medium):
    assert ssim(medium, medium) == pytest.approx(1.0)
    assert delta_e(medium, medium) == 0.0
    q = quantize(medium, 8).image
    assert 0 < ssim(medium, q) < 1
    assert delta_e(medium, q) > 0.5


@pytest.mark.parametrize("k", [1, 2, 7, 16, 64])
def test_dithering_uses_only_palette_colours(medium, k):
    plain = quantize(medium, k)
    dithered = quantize(medium, k, dither=True)
    np.testing.assert_array_equal(dithered.palette, plain.palette)
    assert dithered.labels.dtype == np.uint8 and dithered.labels.max() < k
    used = distinct_colors(dithered.image)[0]
    palette_keys = {tuple(c) for c in dithered.palette.tolist()}
    assert {tuple(c) for c in used.tolist()} <= palette_keys
    if k > 1:
        assert not np.array_equal(dithered.labels, plain.labels)


def test_dither_to_palette_never_picks_padding():
    # A palette far from black: padding Pillow with black would attract dark pixels.
    image = np.zeros((16, 16, 3), np.uint8)
    palette = np.array([[200, 10, 10], [10, 200, 10]], np.uint8)
    labels = dither_to_palette(image, palette)
    assert set(np.unique(labels).tolist()) <= {0, 1}


def test_lab_round_trip_on_srgb_gamut():
    from skimage.color import lab2rgb, rgb2lab

    levels = np.linspace(0.0, 1.0, 18)
    grid = np.stack(np.meshgrid(levels, levels, levels, indexing="ij"), axis=-1).reshape(-1, 1, 3)
    back = lab2rgb(rgb2lab(grid))
    assert np.abs(back - grid).max() < 1e-6


def test_lab_clustering(medium):
    q = quantize(medium, 8, color_space="lab")
    assert q.k == 8 and q.palette.dtype == np.uint8
    assert len({tuple(c) for c in q.palette.tolist()}) == 8
    assert q.options["color_space"] == "lab"
    # Lab clustering targets perceptual difference: its ΔE is no worse than RGB's by much.
    assert delta_e(medium, q.image) < 1.2 * delta_e(medium, quantize(medium, 8).image)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"color_space": "hsv"}, "color_space"),
        ({"dither": "yes"}, "dither"),
        ({"dither": True, "k": 300}, "256"),
    ],
)
def test_bad_options(medium, kwargs, match):
    kwargs = {"k": 4, **kwargs}
    with pytest.raises(ValueError, match=match):
        quantize(medium, kwargs.pop("k"), **kwargs)


def _sweep(image, k_max):
    quality, size = [], []
    for k in range(1, k_max + 1):
        q = quantize(image, k)
        quality.append(psnr(image, q.image))
        size.append(palette_png_bytes(q.palette, q.labels))
    return np.array(quality), np.array(size)


def test_choose_k_matches_exhaustive_sweep(small):
    quality, size = _sweep(small, 32)
    assert np.all(np.diff(quality) > 0)  # the monotonicity bisection assumes holds here
    targets = sorted({*quality.round(3).tolist(), *(quality - 0.01).tolist(), *(quality + 0.01).tolist()})
    for target in targets:
        reachable = np.flatnonzero(quality >= target)
        if len(reachable) == 0:
            with pytest.raises(ValueError, match="not reached"):
                choose_k(small, target_psnr=target, k_max=32)
            continue
        k, q = choose_k(small, target_psnr=target, k_max=32)
        assert k == reachable[0] + 1, target
        assert psnr(small, q.image) == pytest.approx(quality[k - 1])

    k_max = 16
    assert np.all(np.diff(size[:k_max]) >= 0)
    for budget in sorted({*size[:k_max].tolist(), *(size[:k_max] - 1).tolist(), size[k_max - 1] + 50}):
        fitting = np.flatnonzero(size[:k_max] <= budget)
        if len(fitting) == 0:
            with pytest.raises(ValueError, match="smallest palette PNG"):
                choose_k(small, max_bytes=int(budget), k_max=k_max)
            continue
        k, q = choose_k(small, max_bytes=int(budget), k_max=k_max)
        assert k == fitting[-1] + 1, budget
        assert palette_png_bytes(q.palette, q.labels) <= budget


def test_choose_k_errors(small):
    with pytest.raises(ValueError, match="exactly one"):
        choose_k(small)
    with pytest.raises(ValueError, match="exactly one"):
        choose_k(small, target_psnr=30, max_bytes=1000)
    with pytest.raises(ValueError, match="at most 256"):
        choose_k(small, max_bytes=1000, k_max=300)


def test_cli_target_psnr_end_to_end(small, tmp_path, capsys):
    source = tmp_path / "small.png"
    Image.fromarray(small).save(source)
    output = tmp_path / "out.png"
    assert main(["compress", str(source), "--target-psnr", "30", "-o", str(output), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    written = read_image(output)
    assert report["output_bytes"] == output.stat().st_size
    assert report["k"] == choose_k(small, target_psnr=30)[0]
    assert report["colors"] == len(distinct_colors(written)[0]) == report["k"]
    assert report["psnr"] == pytest.approx(psnr(small, written)) and report["psnr"] >= 30
    assert report["mse"] == pytest.approx(mse(small, written))


def test_cli_max_bytes_end_to_end(small, tmp_path, capsys):
    source = tmp_path / "small.png"
    Image.fromarray(small).save(source)
    output = tmp_path / "out.png"
    assert main(["compress", str(source), "--max-bytes", "900", "--dither", "--color-space", "lab",
                 "-o", str(output), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["output_bytes"] == output.stat().st_size <= 900
    assert report["dither"] is True and report["color_space"] == "lab"
    assert report["k"] == choose_k(small, max_bytes=900, dither=True, color_space="lab")[0]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-k", "4", "--max-bytes", "900"], "not allowed with"),
        (["--target-psnr", "30", "--max-bytes", "900"], "not allowed with"),
        (["--target-psnr", "99"], "not reached"),
        (["--max-bytes", "10"], "smallest palette PNG"),
        (["--target-psnr", "30", "-o", "{tmp}/out.jpg"], "use a .png output"),
        (["--color-space", "hsv", "-k", "4"], "invalid choice"),
        ([], "no K given"),
    ],
)
def test_cli_choice_errors_are_one_line(small, tmp_path, capsys, args, message):
    source = tmp_path / "small.png"
    Image.fromarray(small).save(source)
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    if "-o" not in args:
        args += ["-o", str(tmp_path / "out.png")]
    try:
        status = main(["compress", str(source), *args])
    except SystemExit as exc:
        status = exc.code
    err = capsys.readouterr().err
    assert status == 2
    assert message in err and err.count("\n") == 1
    assert not (tmp_path / "out.png").exists() and not (tmp_path / "out.jpg").exists()
