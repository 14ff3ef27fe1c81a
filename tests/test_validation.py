"""The argument checks: what each accepts, normalises and refuses."""

from __future__ import annotations

import argparse

import numpy as np
import pytest

from kmeans_lab._validation import check, check_palette_size, option_type


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("k", 3, 3),
        ("k", np.int64(7), 7),
        ("k", 4.0, 4),
        ("seed", None, None),
        ("seed", 0, 0),
        ("tol", 0, 0.0),
        ("tol", np.float32(1e-4), pytest.approx(1e-4)),
        ("target_psnr", -3.5, -3.5),
        ("color_space", "lab", "lab"),
        ("dither", np.bool_(True), "diffusion"),
        ("dither", False, False),
        ("dither", "ordered", "ordered"),
        ("color_space", "oklab", "oklab"),
        ("background", None, None),
        ("background", "white", (255, 255, 255)),
        ("background", "#102030", (16, 32, 48)),
        ("background", " 1, 2,3 ", (1, 2, 3)),
        ("background", np.array([4, 5, 6]), (4, 5, 6)),
        ("init", "in_pixels", "in_pixels"),
        ("n_init", None, None),
        ("n_init", 3.0, 3),
    ],
)
def test_accepted_values_are_normalised(name, value, expected):
    result = check(name, value)
    assert result == expected
    assert type(result) is type(expected) or expected is None or isinstance(expected, type(pytest.approx(0)))


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("k", 0, "k must be an integer >= 1, got 0"),
        ("k", True, "k must be an integer >= 1, got True"),
        ("k", 2.5, "k must be an integer >= 1, got 2.5"),
        ("k", float("nan"), "k must be an integer >= 1, got nan"),
        ("k", "4", "k must be an integer >= 1, got '4'"),
        ("seed", -1, "seed must be an integer >= 0, got -1"),
        ("max_iter", 0, "max_iter must be an integer >= 1, got 0"),
        ("n_init", 0, "n_init must be an integer >= 1, got 0"),
        ("tol", -1, "tol must be a finite number >= 0, got -1"),
        ("tol", float("inf"), "tol must be a finite number >= 0, got inf"),
        ("target_psnr", float("nan"), "target_psnr must be a finite number, got nan"),
        ("color_space", "hsv", "unknown color_space 'hsv'"),
        ("dither", "yes", "dither must be True, False or one of 'diffusion', 'ordered', got 'yes'"),
        ("dither", 1, "dither must be True, False or one of 'diffusion', 'ordered', got 1"),
        ("background", "nope", "background must be a colour: a name ('white'), '#rrggbb', 'R,G,B' or three integers"),
        ("background", "1,2,300", "background must be a colour"),
        ("background", "#ff000080", "background must be an opaque colour (three channels), got '#ff000080'"),
        ("background", (1, 2), "background must be an opaque colour"),
        ("rgb_image", np.zeros((2, 2, 4), np.uint8), r"rgb_image must have shape (H, W, 3), got (2, 2, 4)"),
        ("image", np.zeros((2, 2, 5), np.uint8), r"image must have shape (H, W, 3) or (H, W, 4), got (2, 2, 5)"),
        ("init", "farthest", "unknown init 'farthest'"),
        ("image", np.zeros((2, 2), np.uint8), r"image must have shape (H, W, 3) or (H, W, 4), got (2, 2)"),
        ("image", np.zeros((2, 2, 3)), "image must be uint8 (0..255), got dtype float64"),
        ("image", np.zeros((0, 2, 3), np.uint8), "image is empty"),
        ("points", np.zeros(3), "points must have shape (n, d), got shape (3,)"),
        ("points", np.array([[np.inf]]), "points contain NaN or infinity"),
    ],
)
def test_refused_values_name_the_argument_and_the_value(name, value, message):
    with pytest.raises(ValueError) as info:
        check(name, value)
    assert message in str(info.value)


def test_label_names_the_argument_as_the_caller_spells_it():
    with pytest.raises(ValueError, match="^K must be an integer >= 1, got 0$"):
        check("k", 0, label="K")


def test_context_dependent_rules():
    assert check("sample_weight", None, n=3).tolist() == [1.0, 1.0, 1.0]
    with pytest.raises(ValueError, match=r"sample_weight must have shape \(3,\), got \(2,\)"):
        check("sample_weight", [1, 2], n=3)
    with pytest.raises(ValueError, match="sample_weight sums to zero"):
        check("sample_weight", [0, 0, 0], n=3)
    centres = check("init", [[1, 2], [3, 4]], k=2, d=2)
    assert centres.dtype == np.float64 and centres.shape == (2, 2)
    with pytest.raises(ValueError, match=r"init centres must have shape \(3, 2\)"):
        check("init", [[1, 2], [3, 4]], k=3, d=2)


def test_palette_size_limit():
    assert check_palette_size(256) == 256
    with pytest.raises(ValueError, match="^k=257: a palette PNG holds at most 256 colours$"):
        check_palette_size(257)
    with pytest.raises(ValueError, match="^K=300: --dither maps to at most 256 colours$"):
        check_palette_size(300, "--dither maps to", label="K")


def test_option_type_parses_text_and_leaves_the_name_to_argparse():
    assert option_type("k")("12") == 12
    assert option_type("tol")("0") == 0.0
    for name, text in [("k", "0"), ("k", "2.5"), ("seed", "-1"), ("tol", "nan"), ("max_bytes", "ten")]:
        with pytest.raises(argparse.ArgumentTypeError, match=f"^must be .*, got '{text}'$"):
            option_type(name)(text)
