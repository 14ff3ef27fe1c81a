"""``kmeans-lab [compress] INPUT -k K -o OUTPUT``: one image, or every frame of an animation.

The data go down the layers once: :func:`~kmeans_lab.read_image` → :func:`~kmeans_lab.quantize`
(histogram, fit, apply; or :func:`~kmeans_lab.choose_k`, or :func:`~kmeans_lab.apply_palette`
for ``--palette``) → :meth:`Quantized.save <kmeans_lab.Quantized.save>` → the report. An
animation written to a ``.gif`` or ``.png`` keeps every frame with one palette: the sum of the
frames' histograms → :func:`~kmeans_lab.fit_palette` → :func:`~kmeans_lab.apply_palette` per
frame → :func:`~kmeans_lab.save_animation`. Everything that can be checked without the pixels
is checked first (:func:`_check_before_work`), so a refusal leaves nothing written.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from dataclasses import replace
from pathlib import Path
from typing import NamedTuple

import numpy as np

from ..animation import ANIMATION_SUFFIXES, read_frames, save_animation, stored_durations
from ..choose import choose_k
from ..histogram import ColorHistogram, distinct_colors, row_chunks
from ..image import (
    OUTPUT_FORMATS,
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
from .report import WrittenFile, build_report, emit, optimize_wanted, warnings_as_notes
from .signals import Done
from .streams import STDIO, send_to_stdout, staged

__all__ = ["Job", "run"]

# Output formats read back to measure what lossy encoding did. Every other file (palette PNG, GIF,
# TIFF, BMP) is exactly palette[labels], measured from the palette and labels; a PDF cannot be read back.
_LOSSY_SUFFIXES = (".jpg", ".jpeg", ".webp")
# Pixels per block when counting the palette entries used (a bincount of the whole label
# image would widen it to 8 bytes per pixel).
_CHUNK_PIXELS = 1 << 18


class Job(NamedTuple):
    """One compress as the command line asks for it.

    Attributes
    ----------
    args : argparse.Namespace
        The parsed command line.
    options : KMeansOptions
        Its k-means options, built once.
    input, output : str
        INPUT and OUTPUT as the command line names them (OUTPUT by default named after INPUT);
        ``-`` is standard input or output.
    suffix : str
        The output's format, as a lower-case suffix (``.png``): OUTPUT's, or ``--format``'s.
    source, target : pathlib.Path
        The files read and written (for ``-``, staged copies: :mod:`.streams`).
    """

    args: argparse.Namespace
    options: KMeansOptions
    input: str
    output: str
    suffix: str
    source: Path
    target: Path

    @property
    def shown_input(self) -> str:
        """INPUT as messages name it."""
        return "stdin" if self.input == STDIO else self.input


def run(args: argparse.Namespace, done: Done) -> int:
    """Run ``compress``.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed command line.
    done : Done
        Kept up to date with what has been written, for the line a stop prints.

    Returns
    -------
    int
        The exit status, 0.

    Raises
    ------
    ValueError
        A refusal (:class:`~kmeans_lab.ImageError` too), before anything is written.
    """
    job = _job(args)
    with staged(job.input, job.output, job.suffix) as (source, target), warnings_as_notes() as notes:
        job = job._replace(source=source, target=target)
        palette, info = _check_before_work(job)
        if info.animated and job.suffix in ANIMATION_SUFFIXES:  # every frame, one palette
            report = _compress_animation(job, palette, notes, done)
        else:
            report = _compress_image(job, palette, info, notes, done)
    emit(report, notes, as_json=args.json, stream=sys.stderr if job.output == STDIO else sys.stdout)
    return 0


def _job(args: argparse.Namespace) -> Job:
    """INPUT, OUTPUT (given, or named after INPUT) and the output's suffix; refuse a command line that lacks one."""
    if args.input and args.image and args.input != args.image:
        raise ValueError("give the input once: INPUT or --image, not both")
    source = args.input or args.image
    if source is None:
        raise ValueError("no input image given (INPUT, - for standard input, or --image)")
    choosing = args.target_psnr is not None or args.max_bytes is not None
    if args.k is None and not choosing and args.palette is None:
        raise ValueError("no K given (-k K, --num_clusters K, --target-psnr DB, --max-bytes N or --palette FILE)")
    output = args.output or _default_output(args, source)
    suffix = (args.format or ".png") if output == STDIO else Path(output).suffix.lower()
    if output != STDIO and args.format and OUTPUT_FORMATS.get(suffix) != OUTPUT_FORMATS[args.format]:
        raise ValueError(f"{output}: its suffix names another format than --format {args.format[1:]}")
    if choosing and suffix != ".png":
        shown = "standard output" if output == STDIO else output
        raise ValueError(f"{shown}: --target-psnr and --max-bytes write a palette PNG; use a .png output")
    return Job(args, kmeans_options(args), source, output, suffix, Path(source), Path(output))


def _default_output(args: argparse.Namespace, source: str) -> str:
    """Standard output for standard input; else INPUT's stem tagged with how K was chosen, in the current folder."""
    if source == STDIO:
        return STDIO
    if args.target_psnr is not None:
        tag = f"psnr{args.target_psnr:g}"
    elif args.max_bytes is not None:
        tag = f"max{args.max_bytes:g}"
    else:
        tag = Path(args.palette).stem if args.palette else f"k{args.k}"
    return f"{Path(source).stem}_{tag}{args.format or '.png'}"


def _check_before_work(job: Job) -> tuple[Palette | None, ImageInfo]:
    """The ``--palette``, and what INPUT's header says, once every check that needs no pixels has passed."""
    args = job.args
    palette = Palette.from_colors(read_palette(args.palette, max_pixels=None)) if args.palette else None
    k = args.k if palette is None else len(palette)
    if job.output != STDIO:
        check_output_path(job.target, inputs=(job.source,), k=k)
    elif k is not None:  # K within the format
        check_quantized_output(job.target, k)
    return palette, probe_image(job.source, max_pixels=args.max_pixels)


def _delivered(job: Job, done: Done) -> None:
    """After the save: a staged image goes to standard output; a stop now says what was written."""
    if job.output == STDIO:
        send_to_stdout(job.target)
        done.summary = "the image was written to standard output"
    else:
        done.summary = f"{job.output} was written"


def _compress_image(job: Job, palette: Palette | None, info: ImageInfo, notes: list[str], done: Done) -> dict:
    """Read, quantize, save and measure one image (of an animation, its first frame); the report."""
    if info.animated:  # the first frame only: this note says how to keep them all, instead of read_image's
        warnings.filterwarnings("ignore", message=".*only the first frame is used")
        notes.append(
            f"{job.source.name}: {info.n_frames} frames; only the first is written to a {job.suffix} "
            "(a .gif or .png output keeps every frame)"
        )
    args = job.args
    image = read_image(job.source, background=args.background, max_pixels=args.max_pixels)
    if image.shape[2] == 4:  # before quantizing: a format that cannot keep the transparency
        check_quantized_output(job.target, args.k or 1, alpha=True)
    k, result, seconds = _quantize(job, image, palette)
    output_bytes = result.save(job.target, optimize=optimize_wanted(args, notes))
    _delivered(job, done)
    error, colors = _palette_stats([image], [result])
    error, colors = _measure_lossy(image, job, notes, error, colors)
    background = None if args.background is None else "#{:02x}{:02x}{:02x}".format(*args.background)
    fields = dict(target_psnr=args.target_psnr, max_bytes=args.max_bytes, alpha=image.shape[2] == 4)
    fields |= dict(background=background, seconds_final=result.seconds, k=k, seconds=seconds, palette=result.palette)
    return _report(job, image.shape, result.n_distinct, colors, error, output_bytes, **fields)


def _quantize(job: Job, image: np.ndarray, palette: Palette | None) -> tuple[int, Quantized, float]:
    """K, the quantized image, and the seconds it took (of a search for K: the whole search)."""
    args, options = job.args, job.options
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


def _palette_stats(images: list[np.ndarray], quantized: list[Quantized]) -> tuple[float, int]:
    """The MSE of the quantized images against the images (mean over images), and the palette colours used.

    That is what a palette PNG, GIF, TIFF or BMP holds, ``palette[labels]``; it is measured
    block by block, never expanding an image. The images share one palette.
    """
    colors = quantized[0].palette.colors
    used = np.zeros(len(colors), dtype=bool)
    for q in quantized:
        for _, block in row_chunks(q.labels, _CHUNK_PIXELS):
            used |= np.bincount(block.reshape(-1), minlength=len(colors)) > 0
    error = float(np.mean([palette_mse(image, colors, q.labels) for image, q in zip(images, quantized)]))
    return error, int(used.sum())


def _measure_lossy(image: np.ndarray, job: Job, notes: list[str], error: float, colors: int) -> tuple[float, int]:
    """The MSE and colours of a JPEG or WebP file read back (a note if encoding added colours); else as given."""
    if job.suffix == ".pdf":  # Pillow cannot read a PDF back; it embeds the pixels as JPEG (quality 95)
        notes.append("PDF output embeds the image as JPEG; MSE is of the quantized image before embedding")
    if job.suffix not in _LOSSY_SUFFIXES:
        return error, colors
    written = read_image(job.target, max_pixels=None)  # the size of the input, already accepted
    if written.shape[2] < image.shape[2]:  # every pixel came out opaque
        written = np.dstack([written, np.full(written.shape[:2], 255, np.uint8)])
    written_colors = len(distinct_colors(written)[0])
    if written_colors != colors:
        notes.append(
            f"{job.suffix[1:].upper()} is lossy: the file holds {written_colors:,} colours, not the {colors} "
            "of the palette (a .png output keeps exactly these)"
        )
    return mse(image, written), written_colors


def _compress_animation(job: Job, palette: Palette | None, notes: list[str], done: Done) -> dict:
    """Every frame to one palette fitted on the sum of their histograms, saved as a GIF or APNG; the report."""
    args = job.args
    if args.k is None and palette is None:
        raise ValueError(
            f"{job.shown_input}: an animation takes -k K or --palette FILE, not --target-psnr or --max-bytes"
        )
    animation = read_frames(job.source, max_pixels=args.max_pixels)
    start = time.perf_counter()
    histogram = sum(ColorHistogram.from_image(frame) for frame in animation.frames)
    if palette is None:
        palette = fit_palette(histogram, args.k, job.options)
    lossless = args.k is not None and len(palette) < args.k  # the frames' own colours: nothing to dither
    frames = [apply_palette(frame, palette, dither=not lossless and args.dither) for frame in animation.frames]
    seconds = time.perf_counter() - start
    output_bytes = save_animation(job.target, frames, animation.durations, animation.loop)
    _delivered(job, done)
    kept = stored_durations(job.suffix, [frame.labels for frame in frames], animation.durations)
    if job.suffix == ".gif" and len(kept) < len(frames):
        notes.append(
            f"GIF merges identical consecutive frames: {len(frames)} frames written as {len(kept)}, "
            "their durations added"
        )
    if job.suffix == ".gif" and any(duration % 10 for duration in animation.durations):
        notes.append("GIF stores durations in centiseconds: rounded to the nearest 10 ms")
    error, colors = _palette_stats(animation.frames, frames)
    fields = dict(frames=len(animation), frames_written=len(kept), durations=list(kept), loop=animation.loop)
    fields |= dict(k=len(palette), seconds=seconds, palette=palette)
    return _report(job, animation.frames[0].shape, len(histogram), colors, error, output_bytes, **fields)


def _report(
    job: Job,
    shape: tuple[int, ...],
    input_colors: int | None,
    colors: int,
    error: float,
    output_bytes: int,
    **fields: object,
) -> dict:
    """The report of a compress: the file written and the run's ``fields`` (see :func:`~.report.build_report`)."""
    height, width, input_bytes = shape[0], shape[1], job.source.stat().st_size
    written = WrittenFile(job.input, job.output, width, height, input_colors, colors, error, input_bytes, output_bytes)
    return build_report(job.args, job.options, [written], **fields)
