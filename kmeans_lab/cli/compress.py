"""``kmeans-lab [compress] INPUT -k K -o OUTPUT``: one image, or every frame of an animation.

The data go down the layers once: :func:`~kmeans_lab.read_image` → :func:`~kmeans_lab.quantize`
(histogram, fit, apply; or :func:`~kmeans_lab.choose_k`, or
:func:`~kmeans_lab.apply_palette` for ``--palette``) → :meth:`Quantized.save
<kmeans_lab.Quantized.save>` → the report. An animation written to a ``.gif`` or ``.png`` keeps
every frame with one palette: the sum of the frames' histograms → :func:`~kmeans_lab.fit_palette`
→ :func:`~kmeans_lab.apply_palette` per frame → :func:`~kmeans_lab.save_animation`. Everything
that can be checked without the pixels is checked first (:func:`_check_before_work`).
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from pathlib import Path
from typing import NamedTuple

import numpy as np

from .._validation import check_palette_size
from ..animation import ANIMATION_SUFFIXES, read_frames, save_animation, stored_durations
from ..choose import choose_k
from ..histogram import ColorHistogram, distinct_colors, row_chunks
from ..image import (
    ImageInfo,
    check_output_path,
    check_quantized_output,
    probe_image,
    read_image,
    read_palette,
)
from ..metrics import mse, palette_mse
from ..options import KMeansOptions
from ..palette import Palette, Quantized
from ..quantization import apply_palette, fit_palette, quantize
from .parser import kmeans_options
from .report import build_report, emit, file_report, warnings_as_notes
from .signals import Done

__all__ = ["run"]

# Output formats read back to measure what lossy encoding did. Every other file (palette PNG, GIF,
# TIFF, BMP) is exactly palette[labels], measured from the palette and labels; a PDF cannot be read back.
_LOSSY_SUFFIXES = (".jpg", ".jpeg", ".webp")
# Pixels per block when counting the palette entries used (a bincount of the whole label
# image would widen it to 8 bytes per pixel).
_CHUNK_PIXELS = 1 << 18


class Names(NamedTuple):
    """The input and output as the user named them, and the output's suffix."""

    input: str
    output: str
    suffix: str

    @property
    def shown_input(self) -> str:
        """The input as messages name it."""
        return self.input


class Staged(NamedTuple):
    """The files the command reads and writes."""

    source: Path
    output: Path


def run(args: argparse.Namespace, done: Done) -> int:
    """Run ``compress``; return the exit status (errors raise ``ValueError`` before anything is written)."""
    names = _names(args)
    options = kmeans_options(args)
    files = Staged(Path(names.input), Path(names.output))
    palette, info = _check_before_work(args, names, files)
    if info.animated and names.suffix in ANIMATION_SUFFIXES:  # every frame, one palette
        report, notes = _compress_animation(args, options, names, files, palette, done)
    else:
        report, notes = _compress_image(args, options, names, files, palette, info, done)
    emit(report, notes, as_json=args.json)
    return 0


def _names(args: argparse.Namespace) -> Names:
    """The input, the output (given, or named after the input) and its format; refuse a command line that lacks one."""
    if args.input and args.image and args.input != args.image:
        raise ValueError("give the input once: INPUT or --image, not both")
    source = args.input or args.image
    if source is None:
        raise ValueError("no input image given (INPUT or --image)")
    choosing = args.target_psnr is not None or args.max_bytes is not None
    if args.k is None and not choosing and args.palette is None:
        raise ValueError("no K given (-k K, --num_clusters K, --target-psnr DB, --max-bytes N or --palette FILE)")
    output = args.output or _default_output(args, source)
    suffix = Path(output).suffix.lower()
    if choosing and suffix != ".png":
        raise ValueError(f"{output}: --target-psnr and --max-bytes write a palette PNG; use a .png output")
    return Names(source, output, suffix)


def _default_output(args: argparse.Namespace, source: str) -> str:
    """INPUT's stem tagged with how K was chosen, in the current folder."""
    if args.target_psnr is not None:
        tag = f"psnr{args.target_psnr:g}"
    elif args.max_bytes is not None:
        tag = f"max{args.max_bytes:g}"
    else:
        tag = Path(args.palette).stem if args.palette else f"k{args.k}"
    return f"{Path(source).stem}_{tag}.png"


def _check_before_work(args: argparse.Namespace, names: Names, files: Staged) -> tuple[Palette | None, ImageInfo]:
    """The given palette and what the input's header says, once every check that needs no pixels has passed.

    The output's format, folder and permissions, K within the format, the input an image
    within ``--max-pixels``: a refusal here leaves nothing written.
    """
    palette = Palette.from_colors(read_palette(args.palette, max_pixels=None)) if args.palette else None
    k = args.k if palette is None else len(palette)
    check_output_path(files.output, inputs=(files.source,), k=k)
    if args.k is not None and args.dither == "floyd-steinberg":
        check_palette_size(args.k, "--dither maps to", label="K")
    return palette, probe_image(files.source, max_pixels=args.max_pixels)


def _check_alpha_options(args: argparse.Namespace, names: Names, files: Staged) -> None:
    """Refuse, before quantizing, the options an image with transparency cannot take."""
    advice = "or give --background COLOR to composite the image first"
    check_quantized_output(files.output, args.k or 1, alpha=True)
    if args.color_space != "rgb":
        raise ValueError(
            f"{names.shown_input}: has transparency, clustered in premultiplied rgb only; "
            f"drop --color-space {args.color_space}, {advice}"
        )
    if args.dither == "floyd-steinberg":
        raise ValueError(
            f"{names.shown_input}: has transparency; Floyd-Steinberg dithering takes RGB only: "
            f"use --dither ordered, {advice}"
        )


def _delivered(names: Names, files: Staged, done: Done) -> None:
    """After the save: a stop now says what was written."""
    done.summary = f"{names.output} was written"


def _compress_image(
    args: argparse.Namespace,
    options: KMeansOptions,
    names: Names,
    files: Staged,
    palette: Palette | None,
    info: ImageInfo,
    done: Done,
) -> tuple[dict, list[str]]:
    """Read, quantize, save and measure one image (of an animation, its first frame); the report and notes."""
    with warnings_as_notes() as notes:
        image = read_image(files.source, background=args.background, max_pixels=args.max_pixels)
        if image.shape[2] == 4:
            _check_alpha_options(args, names, files)
        k, result, seconds = _quantize(args, options, image, palette)
    if info.animated:  # the first frame only: say how to keep them all
        notes = [note for note in notes if "only the first frame is used" not in note]
        notes.append(
            f"{Path(names.shown_input).name}: {info.n_frames} frames; only the first is written to a "
            f"{names.suffix} (a .gif or .png output keeps every frame)"
        )
    output_bytes = result.save(files.output)
    _delivered(names, files, done)
    error, colors = _measure(image, result, files.output, notes)
    measured = file_report(
        names.input,
        names.output,
        image.shape,
        input_colors=result.n_distinct,
        colors=colors,
        mse=error,
        input_bytes=files.source.stat().st_size,
        output_bytes=output_bytes,
    )
    background = None if args.background is None else "#{:02x}{:02x}{:02x}".format(*args.background)
    report = build_report(
        args,
        options,
        [measured],
        k=k,
        seconds=seconds,
        palette=result.palette,
        target_psnr=args.target_psnr,
        max_bytes=args.max_bytes,
        alpha=image.shape[2] == 4,
        background=background,
        seconds_final=result.seconds,
    )
    return report, notes


def _quantize(
    args: argparse.Namespace, options: KMeansOptions, image: np.ndarray, palette: Palette | None
) -> tuple[int, Quantized, float]:
    """K, the quantized image, and the seconds it took (a search for K: the whole search)."""
    if palette is not None:
        result = apply_palette(image, palette, dither=args.dither)
        return len(palette), replace(result, n_distinct=len(ColorHistogram.from_image(image))), result.seconds
    if args.k is not None:
        result = quantize(image, args.k, dither=args.dither, options=options)
        return args.k, result, result.seconds
    start = time.perf_counter()
    k, result = choose_k(
        image, target_psnr=args.target_psnr, max_bytes=args.max_bytes, dither=args.dither, options=options
    )
    return k, result, time.perf_counter() - start


def _measure(image: np.ndarray, result: Quantized, output: Path, notes: list[str]) -> tuple[float, int]:
    """The MSE and the distinct colours of the file written, with a note where they differ from the palette's.

    A palette PNG, GIF, TIFF or BMP is exactly ``palette[labels]``: measured from those,
    block by block, never expanding the image. A JPEG or WebP file is read back.
    """
    colors = result.palette.colors
    used = np.zeros(len(colors), dtype=bool)
    for _, block in row_chunks(result.labels, _CHUNK_PIXELS):
        used |= np.bincount(block.reshape(-1), minlength=len(colors)) > 0
    error, n_colors = palette_mse(image, colors, result.labels), len(np.unique(colors[used], axis=0))
    suffix = output.suffix.lower()
    if suffix == ".pdf":  # Pillow cannot read a PDF back; it embeds the pixels as JPEG (quality 95)
        notes.append("PDF output embeds the image as JPEG; MSE is of the quantized image before embedding")
    elif suffix in _LOSSY_SUFFIXES:
        written = read_image(output, max_pixels=None)  # the size of the input, already accepted
        if written.shape[2] < image.shape[2]:  # every pixel came out opaque
            written = np.dstack([written, np.full(written.shape[:2], 255, np.uint8)])
        error, palette_colors, n_colors = mse(image, written), n_colors, len(distinct_colors(written)[0])
        if n_colors != palette_colors:
            notes.append(
                f"{suffix[1:].upper()} is lossy: the file holds {n_colors:,} colours, not the {palette_colors} "
                "of the palette (a .png output keeps exactly these)"
            )
    return error, n_colors


def _compress_animation(
    args: argparse.Namespace,
    options: KMeansOptions,
    names: Names,
    files: Staged,
    palette: Palette | None,
    done: Done,
) -> tuple[dict, list[str]]:
    """Every frame to one palette fitted on the sum of their histograms, saved as a GIF or APNG."""
    if args.k is None and palette is None:
        raise ValueError(
            f"{names.shown_input}: an animation takes -k K or --palette FILE, not --target-psnr or --max-bytes"
        )
    with warnings_as_notes() as notes:
        animation = read_frames(files.source, max_pixels=args.max_pixels)
        start = time.perf_counter()
        histogram = sum(ColorHistogram.from_image(frame) for frame in animation.frames)
        if palette is None:
            palette = fit_palette(histogram, args.k, options)
        lossless = args.k is not None and len(palette) < args.k  # the frames' own colours: nothing to dither
        frames = [apply_palette(frame, palette, dither=not lossless and args.dither) for frame in animation.frames]
        seconds = time.perf_counter() - start
    labels = [frame.labels for frame in frames]
    output_bytes = save_animation(files.output, frames, animation.durations, animation.loop)
    _delivered(names, files, done)
    kept = stored_durations(names.suffix, labels, animation.durations)
    if names.suffix == ".gif":
        if len(kept) < len(labels):
            notes.append(
                f"GIF merges identical consecutive frames: {len(labels)} frames written as {len(kept)}, "
                "their durations added"
            )
        if any(duration % 10 for duration in animation.durations):
            notes.append("GIF stores durations in centiseconds: rounded to the nearest 10 ms")
    used = np.zeros(len(palette), dtype=bool)
    for frame_labels in labels:
        used[np.unique(frame_labels)] = True
    measured = file_report(
        names.input,
        names.output,
        animation.frames[0].shape,
        input_colors=len(histogram),
        colors=int(used.sum()),
        mse=float(np.mean([palette_mse(f, palette.colors, q) for f, q in zip(animation.frames, labels)])),
        input_bytes=files.source.stat().st_size,
        output_bytes=output_bytes,
    )
    details = dict(frames=len(animation), frames_written=len(kept), durations=list(kept), loop=animation.loop)
    return build_report(args, options, [measured], k=len(palette), seconds=seconds, palette=palette, **details), notes
