"""What people see, per byte: the file each tool writes, scored against the original.

Every contender writes a palette PNG of the same decoded photograph with its own writer:
kmeans_lab with :meth:`~kmeans_lab.Quantized.save` (also with ``optimize=True``),
libimagequant's image with Pillow (``optimize=True``), the pngquant command line its own
output file. Each file is decoded again and scored against the original (definitions in
DESIGN.md): bytes, MSE and PSNR in sRGB, SSIMULACRA2 (``ssimulacra2``; 100 = identical, higher
is better) and FLIP (``flip-evaluator``, LDR mean; 0 = identical, lower is better).

:func:`target_cases` sets kmeans_lab's default against pngquant case by case: undithered
against ``pngquant --nofs K``, dithered (``dither=True``) against ``pngquant K``. A case is
won when both metrics prefer kmeans_lab; where they disagree the table says so. pngquant is
optional: without it those rows are missing and a note says so.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image
from tqdm.auto import tqdm

from ..histogram import ColorHistogram
from ..image import read_image
from ..metrics import mse, psnr_from_mse
from ..palette import Palette
from ..quantization import apply_palette, quantize
from .generated import benchmark_image
from .paths import data_images

__all__ = [
    "WRITERS",
    "PNGQUANT_WRITERS",
    "MATCHES",
    "ssimulacra2_score",
    "flip_mean",
    "score_file",
    "dither_cost",
    "perceptual_images",
    "run_perceptual",
    "target_cases",
    "perceptual_report",
]

#: A writer quantizes ``image`` to ``k`` colours and writes it into ``folder``:
#: ``(image, k, seed, source_png, folder) -> {"file": path, "optimized": path (optional)}``.
#: ``source_png`` is the original as a 24-bit PNG, for command-line tools.
Writer = Callable[[np.ndarray, int, int, Path, Path], dict[str, Path]]


# --------------------------------------------------------------------------- metrics


def ssimulacra2_score(original_png: Path, written: Path) -> float:
    """SSIMULACRA2 of the file ``written`` against the file ``original_png`` (100 = identical).

    Parameters
    ----------
    original_png, written : path
        Image files of the same size; both are read as RGB.
    """
    from ssimulacra2 import compute_ssimulacra2

    return float(compute_ssimulacra2(str(original_png), str(written)))


def flip_mean(original: np.ndarray, written: np.ndarray) -> float:
    """Mean LDR FLIP error of ``written`` against ``original`` (0 = identical, lower is better).

    Parameters
    ----------
    original, written : ndarray of shape (H, W, 3), uint8
        sRGB images.
    """
    import flip_evaluator

    reference = np.ascontiguousarray(original, dtype=np.float32) / 255.0
    test = np.ascontiguousarray(written, dtype=np.float32) / 255.0
    return float(flip_evaluator.evaluate(reference, test, "LDR", applyMagma=False)[1])


def _decode_rgb(path: Path) -> np.ndarray:
    """The pixels of an image file as (H, W, 3) uint8 (a transparent colour, if any, read as its colour)."""
    with Image.open(path) as im:
        return np.asarray(im.convert("RGBA"))[..., :3].copy()


def score_file(original: np.ndarray, original_png: Path, written: Path) -> dict:
    """Bytes and quality of one written file against the original.

    Parameters
    ----------
    original : ndarray of shape (H, W, 3), uint8
    original_png : path
        ``original`` saved losslessly (the reference SSIMULACRA2 reads).
    written : path
        The file a contender wrote.

    Returns
    -------
    dict
        ``bytes``, ``colors`` (distinct colours of the decoded file), ``mse``, ``psnr``,
        ``ssimulacra2`` and ``flip``.
    """
    decoded = _decode_rgb(written)
    error = mse(original, decoded)
    return {
        "bytes": written.stat().st_size,
        "colors": len(ColorHistogram.from_image(decoded)),
        "mse": error,
        "psnr": psnr_from_mse(error),
        "ssimulacra2": ssimulacra2_score(original_png, written),
        "flip": flip_mean(original, decoded),
    }


# --------------------------------------------------------------------------- writers


def _kmeans_lab_writer(dither: bool | str, color_space: str) -> Writer:
    """kmeans_lab's ``quantize`` with ``dither`` and ``color_space``, saved plain and with ``optimize=True``."""

    def write(image: np.ndarray, k: int, seed: int, source_png: Path, folder: Path) -> dict[str, Path]:
        quantized = quantize(image, k, seed=seed, dither=dither, color_space=color_space)
        files = {"file": folder / "plain.png", "optimized": folder / "optimized.png"}
        quantized.save(files["file"])
        quantized.save(files["optimized"], optimize=True)
        return files

    return write


def _imagequant_writer(image: np.ndarray, k: int, seed: int, source_png: Path, folder: Path) -> dict[str, Path]:
    """libimagequant (undithered), its palette image saved by Pillow with ``optimize=True``.

    The binding takes RGBA and returns the palette's alpha; the photograph is opaque, so that
    alpha is dropped rather than written as a ``tRNS`` chunk no pixel needs.
    """
    import imagequant

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # imagequant 1.1 calls Image.getdata
        rgba = Image.fromarray(image, "RGB").convert("RGBA")
        out = imagequant.quantize_pil_image(rgba, dithering_level=0.0, max_colors=k)
    if out.palette is not None and out.palette.mode == "RGBA":
        out.putpalette(out.getpalette("RGB"), "RGB")  # the palette's colours without their alpha
    target = folder / "imagequant.png"
    out.save(target, optimize=True)
    return {"file": target}


def _pngquant_writer(*options: str) -> Writer:
    """The pngquant command line with ``options``, on the original as a PNG; its own output file."""

    def write(image: np.ndarray, k: int, seed: int, source_png: Path, folder: Path) -> dict[str, Path]:
        target = folder / "pngquant.png"
        command = ["pngquant", *options, "--force", "--output", str(target), str(k), "--", str(source_png)]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} exited with {done.returncode}: {done.stderr.strip()}")
        return {"file": target}

    return write


#: The library and kmeans_lab writers by name, in table order. ``kmeans_lab`` is the default
#: (Oklab, undithered); ``kmeans_lab_dither`` adds ``dither=True`` (error diffusion).
WRITERS: dict[str, Writer] = {
    "kmeans_lab": _kmeans_lab_writer(False, "oklab"),
    "kmeans_lab_dither": _kmeans_lab_writer(True, "oklab"),
    "kmeans_lab_ordered": _kmeans_lab_writer("ordered", "oklab"),
    "kmeans_lab_rgb": _kmeans_lab_writer(False, "rgb"),
    "imagequant": _imagequant_writer,
}
#: The pngquant command line: undithered (``--nofs``) and with its default dithering.
PNGQUANT_WRITERS: dict[str, Writer] = {
    "pngquant_nofs": _pngquant_writer("--nofs"),
    "pngquant": _pngquant_writer(),
}


# --------------------------------------------------------------------------- dithering cost


def dither_cost(image: np.ndarray, palette: Palette, *, dither: str = "diffusion", repeats: int = 3) -> dict:
    """CPU and wall seconds per megapixel that dithering adds to mapping ``image`` to ``palette``.

    Both ``apply_palette(image, palette, dither=dither)`` and the nearest-colour mapping
    (``dither=False``) run ``repeats`` times, interleaved; the cost is the difference of their
    medians (``time.process_time``: every thread's CPU; ``time.perf_counter``: wall clock).

    Parameters
    ----------
    image : ndarray of shape (H, W, 3) or (H, W, 4), uint8
    palette : Palette
    dither : {"diffusion", "ordered"}, default "diffusion"
    repeats : int, default 3

    Returns
    -------
    dict
        ``cpu_s_per_mp`` and ``wall_s_per_mp``.
    """
    if repeats < 1:
        raise ValueError(f"repeats must be >= 1, got {repeats}")
    cpu: dict[object, list[float]] = {dither: [], False: []}
    wall: dict[object, list[float]] = {dither: [], False: []}
    for _ in range(repeats):
        for method in (dither, False):
            cpu_start, wall_start = time.process_time(), time.perf_counter()
            apply_palette(image, palette, dither=method)
            cpu[method].append(time.process_time() - cpu_start)
            wall[method].append(time.perf_counter() - wall_start)
    megapixels = image.shape[0] * image.shape[1] / 1e6
    return {
        "cpu_s_per_mp": (statistics.median(cpu[dither]) - statistics.median(cpu[False])) / megapixels,
        "wall_s_per_mp": (statistics.median(wall[dither]) - statistics.median(wall[False])) / megapixels,
    }


# --------------------------------------------------------------------------- the study


def perceptual_images(sources: Sequence[Path | str] | None = None) -> tuple[list[tuple[str, np.ndarray]], list[str]]:
    """The photographs of the perceptual study, decoded: ``([(name, image), ...], notes)``.

    Parameters
    ----------
    sources : sequence of paths or generated names, optional
        Instead of the default: every photograph of ``data/`` at its own size and the Kodak
        pair of ``../shared/benchdata/`` (a note says when it is absent).
    """
    from .bench import benchdata_dir

    if sources is not None:
        return [benchmark_image(source) for source in sources], []
    images = [(path.stem, read_image(path)) for path in data_images()]
    notes = []
    folder = benchdata_dir()
    if folder is None:
        notes.append("the Kodak photographs are skipped: no ../shared/benchdata beside the checkout")
    else:
        for name in ("kodim05.png", "kodim23.png"):
            path = folder / name
            if path.is_file():
                images.append((path.stem, read_image(path)))
            else:
                notes.append(f"{path} is absent: skipped")
    return [(name, image[..., :3]) for name, image in images], notes


def _writers(pngquant: bool | None) -> tuple[dict[str, Writer], list[str]]:
    """The writers to run and a note when pngquant is left out (``pngquant=None``: when installed)."""
    writers = dict(WRITERS)
    notes = []
    if pngquant is None:
        pngquant = shutil.which("pngquant") is not None
        if not pngquant:
            notes.append("pngquant is not installed (Debian package pngquant): its rows are skipped")
    if pngquant:
        writers |= PNGQUANT_WRITERS
    return writers, notes


def run_perceptual(
    images: Sequence[tuple[str, np.ndarray]],
    ks: Sequence[int],
    *,
    seed: int = 0,
    repeats: int = 3,
    pngquant: bool | None = None,
    progress: bool = True,
) -> tuple[pd.DataFrame, list[str]]:
    """Write, decode and score every contender's file on every photograph and K.

    Parameters
    ----------
    images : sequence of (str, ndarray of shape (H, W, 3), uint8)
    ks : sequence of int
    seed : int, default 0
    repeats : int, default 3
        Runs of each mapping in :func:`dither_cost`.
    pngquant : bool or None, default None
        Run the pngquant command line; ``None``: when it is on the ``PATH``.
    progress : bool, default True

    Returns
    -------
    table : pandas.DataFrame
        One row per (image, K, contender): image, pixels, distinct_colors, k, contender,
        seconds (wall, one run: quantizing and writing; for pngquant also its process and
        PNG decoding), bytes, bytes_optimized (kmeans_lab's ``save(optimize=True)``, NaN for
        the others), optimized_same_pixels, colors, mse, psnr, ssimulacra2, flip; the
        ``kmeans_lab_dither`` and ``kmeans_lab_ordered`` rows also carry
        ``dither_cpu_s_per_mp`` and ``dither_wall_s_per_mp`` (:func:`dither_cost` on the
        default palette).
    notes : list of str
        One line per contender that could not run.
    """
    writers, notes = _writers(pngquant)
    bar = tqdm(total=len(images) * len(ks) * len(writers), disable=not progress, desc="perceptual", file=sys.stderr)
    rows = []
    with tempfile.TemporaryDirectory(prefix="kmeans-lab-perceptual-") as scratch:
        scratch = Path(scratch)
        for image_name, image in images:
            original_png = scratch / "original.png"
            Image.fromarray(image, "RGB").save(original_png, compress_level=1)
            distinct = len(ColorHistogram.from_image(image))
            for k in ks:
                palette = quantize(image, k, seed=seed).palette
                costs = {m: dither_cost(image, palette, dither=m, repeats=repeats) for m in ("diffusion", "ordered")}
                for name, write in writers.items():
                    bar.set_postfix_str(f"{image_name} K={k} {name}")
                    folder = scratch / name
                    folder.mkdir(exist_ok=True)
                    start = time.perf_counter()
                    files = write(image, k, seed, original_png, folder)
                    seconds = time.perf_counter() - start
                    row = {
                        "image": image_name,
                        "pixels": image.shape[0] * image.shape[1],
                        "distinct_colors": distinct,
                        "k": k,
                        "contender": name,
                        "seconds": seconds,
                        **score_file(image, original_png, files["file"]),
                    }
                    if "optimized" in files:
                        row["bytes_optimized"] = files["optimized"].stat().st_size
                        row["optimized_same_pixels"] = bool(
                            np.array_equal(_decode_rgb(files["optimized"]), _decode_rgb(files["file"]))
                        )
                    method = {"kmeans_lab_dither": "diffusion", "kmeans_lab_ordered": "ordered"}.get(name)
                    if method is not None:
                        row["dither_cpu_s_per_mp"] = costs[method]["cpu_s_per_mp"]
                        row["dither_wall_s_per_mp"] = costs[method]["wall_s_per_mp"]
                    rows.append(row)
                    bar.update(1)
    bar.close()
    columns = [
        "image",
        "pixels",
        "distinct_colors",
        "k",
        "contender",
        "seconds",
        "bytes",
        "bytes_optimized",
        "optimized_same_pixels",
        "colors",
        "mse",
        "psnr",
        "ssimulacra2",
        "flip",
        "dither_cpu_s_per_mp",
        "dither_wall_s_per_mp",
    ]
    return pd.DataFrame(rows).reindex(columns=columns), notes


# --------------------------------------------------------------------------- the targets

#: kmeans_lab's setting set against each pngquant setting: (ours, theirs).
MATCHES = (("kmeans_lab", "pngquant_nofs"), ("kmeans_lab_dither", "pngquant"))


def target_cases(table: pd.DataFrame, matches: Sequence[tuple[str, str]] = MATCHES) -> pd.DataFrame:
    """kmeans_lab against pngquant, case by case.

    Parameters
    ----------
    table : pandas.DataFrame
        Rows of :func:`run_perceptual`.
    matches : sequence of (str, str), default :data:`MATCHES`
        Pairs (ours, theirs) of contender names; a pair with no rows of ``theirs`` is left out.

    Returns
    -------
    pandas.DataFrame
        One row per (match, image, K): ours, theirs, image, k, ssimulacra2_diff (ours −
        theirs; above 0 better), flip_diff (ours − theirs; below 0 better), ``verdict``
        (``"both better"``, ``"both worse"`` or ``"disagree"``), ``won`` (both better),
        bytes_ratio (ours / theirs) and bytes_optimized_ratio (``optimize=True`` / theirs).
    """
    by_case = table.set_index(["image", "k", "contender"])
    rows = []
    for ours, theirs in matches:
        for (image, k), _ in table[table.contender == theirs].groupby(["image", "k"], sort=False):
            if (image, k, ours) not in by_case.index:
                continue
            a, b = by_case.loc[(image, k, ours)], by_case.loc[(image, k, theirs)]
            ssim_diff, flip_diff = a.ssimulacra2 - b.ssimulacra2, a.flip - b.flip
            better = (ssim_diff > 0, flip_diff < 0)
            verdict = "both better" if all(better) else "both worse" if not any(better) else "disagree"
            rows.append(
                {
                    "ours": ours,
                    "theirs": theirs,
                    "image": image,
                    "k": k,
                    "ssimulacra2_diff": ssim_diff,
                    "flip_diff": flip_diff,
                    "verdict": verdict,
                    "won": all(better),
                    "bytes_ratio": a.bytes / b.bytes,
                    "bytes_optimized_ratio": a.bytes_optimized / b.bytes,
                }
            )
    return pd.DataFrame(rows)


def perceptual_report(table: pd.DataFrame) -> str:
    """The study as text: the scores of every contender, the cases against pngquant, the dithering cost.

    Parameters
    ----------
    table : pandas.DataFrame
        Rows of :func:`run_perceptual`.
    """

    def fmt(value: float) -> str:
        return f"{value:.4g}"

    lines = []
    with pd.option_context("display.width", 250, "display.max_rows", 500, "display.max_columns", 30):
        for value, title in (
            ("ssimulacra2", "SSIMULACRA2 of the written file (higher is better)"),
            ("flip", "FLIP, LDR mean (lower is better)"),
            ("bytes", "bytes of the file each tool writes"),
            ("mse", "MSE in sRGB"),
        ):
            if value not in table:
                continue
            wide = table.pivot_table(index=["image", "k"], columns="contender", values=value, sort=False)
            lines += ["", title, wide.reset_index().to_string(index=False, float_format=fmt)]
        cases = target_cases(table)
        if len(cases) == 0:
            lines += ["", "no pngquant rows: nothing to set kmeans_lab against"]
        else:
            lines += ["", "kmeans_lab against pngquant, per case", cases.to_string(index=False, float_format=fmt)]
            lines += [""]
            for (ours, theirs), match in cases.groupby(["ours", "theirs"], sort=False):
                won = int(match.won.sum())
                disagree = int((match.verdict == "disagree").sum())
                lines.append(
                    f"{ours} vs {theirs}: better on both metrics in {won} of {len(match)} cases "
                    f"({won / len(match):.0%}); metrics disagree in {disagree}; "
                    f"median bytes {match.bytes_ratio.median():.3f}x pngquant's "
                    f"({match.bytes_optimized_ratio.median():.3f}x with optimize=True)"
                )
                for k, at_k in match.groupby("k"):
                    lines.append(
                        f"  K={k}: {int(at_k.won.sum())} of {len(at_k)}; median SSIMULACRA2 "
                        f"{at_k.ssimulacra2_diff.median():+.2f}, FLIP {at_k.flip_diff.median():+.4f}, "
                        f"bytes {at_k.bytes_ratio.median():.3f}x ({at_k.bytes_optimized_ratio.median():.3f}x optimized)"
                    )
        dithered = table.dropna(subset=["dither_cpu_s_per_mp"]) if "dither_cpu_s_per_mp" in table else table[:0]
        for name, rows in dithered.groupby("contender", sort=False):
            lines.append(
                f"{name}: dithering adds {rows.dither_cpu_s_per_mp.median():.3f} CPU s per megapixel "
                f"(median; {rows.dither_cpu_s_per_mp.min():.3f}-{rows.dither_cpu_s_per_mp.max():.3f}), "
                f"{rows.dither_wall_s_per_mp.median():.3f} wall s"
            )
    return "\n".join(lines)
