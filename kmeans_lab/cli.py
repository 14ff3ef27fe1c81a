"""Command line: ``kmeans-lab compress INPUT -k K -o OUTPUT`` (also ``python -m kmeans_lab``).

``kmeans-lab compress-many INPUT... -k K --out-dir DIR`` gives many images one palette
(:mod:`kmeans_lab.cli_many`, which also runs ``compress`` of an animation).

The second report's spelling works too: ``kmeans-lab --image IN --num_clusters K``.
Errors are one line on stderr naming the problem, exit status 2, and nothing written.
SIGINT (Ctrl-C), SIGTERM and SIGHUP stop a run with one line on stderr and exit status
128 + the signal number (130, 143, 129); the temporary file of an unfinished save is removed.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
import warnings
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from . import __version__
from ._validation import COLOR_SPACES, DITHER_METHODS, INIT_NAMES, option_type
from .choose import choose_k
from .cli_many import (
    STOP_SIGNALS,
    add_compress_many,
    compress_animation,
    compress_many,
    is_animation_output,
    load_palette,
    probe,
    stop_signals_handled_by,
)
from .histogram import ColorHistogram, distinct_colors, row_chunks
from .image import (
    DEFAULT_MAX_PIXELS,
    ImageError,
    ImageTooLargeError,
    check_output_path,
    check_quantized_output,
    read_image,
)
from .metrics import mse, palette_mse, psnr_from_mse
from .options import KMeansOptions
from .quantization import apply_palette, quantize

PROG = "kmeans-lab"
# Output formats read back to measure what lossy encoding did. Every other file (palette PNG, TIFF,
# BMP) is exactly palette[labels], measured from the palette and labels; a PDF cannot be read back.
_LOSSY_SUFFIXES = (".jpg", ".jpeg", ".webp")
# Pixels per block when counting the palette entries used.
_CHUNK_PIXELS = 1 << 18


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (``kmeans-lab: error: ...``, exit 2); ``--help`` shows usage."""

    def error(self, message: str):  # type: ignore[override]
        self.exit(2, f"{PROG}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="K-means colour quantization: reduce an image to K colours and save it.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    compress = commands.add_parser(
        "compress",
        help="quantize an image to K colours",
        description=(
            "Quantize INPUT to K colours by exact k-means on its distinct colours and write OUTPUT. "
            "The output format follows the suffix: .png is a palette PNG (K <= 256) with the "
            "smallest bit depth that holds K colours; .jpg, .pdf, .webp, .tif, .bmp are RGB. "
            "An INPUT with transparent pixels keeps them (premultiplied RGBA k-means; a .png gets a "
            "tRNS chunk; .webp and .tif are RGBA) unless --background composites it. "
            "Prints K, MSE (on the [0, 1] scale), PSNR, seconds, input and output bytes."
        ),
    )
    compress.add_argument("input", nargs="?", metavar="INPUT", help="image file to quantize")
    compress.add_argument("--image", dest="image", metavar="INPUT", help="same as INPUT (the second report's spelling)")
    how_many = compress.add_mutually_exclusive_group()
    how_many.add_argument(
        "-k",
        "--k",
        "--num_clusters",
        dest="k",
        type=option_type("k"),
        metavar="K",
        help="number of colours, an integer >= 1",
    )
    how_many.add_argument(
        "--target-psnr",
        type=option_type("target_psnr"),
        metavar="DB",
        help="instead of -k: the smallest K whose PSNR reaches DB (bisection over K <= 256; .png output)",
    )
    how_many.add_argument(
        "--max-bytes",
        type=option_type("max_bytes"),
        metavar="N",
        help="instead of -k: the largest K whose palette PNG is at most N bytes (bisection over K <= 256; .png output)",
    )
    how_many.add_argument(
        "--palette",
        metavar="FILE",
        help="instead of -k: remap to the palette of FILE (a palette PNG or GIF: the colours its pixels use; "
        "any other image: its distinct colours, at most 256)",
    )
    compress.add_argument(
        "-o",
        "--output",
        metavar="OUTPUT",
        help="file to write; never the input file; default: INPUT's name with _k<K>.png, in the current folder",
    )
    compress.add_argument(
        "--init",
        choices=INIT_NAMES,
        default="kmeans++",
        help="initial centres: greedy k-means++ (default), 'in_pixels' (random distinct pixels) or "
        "'random' (uniform in the colour range)",
    )
    compress.add_argument(
        "--seed", type=option_type("seed"), default=0, help="random seed for the initialiser (default 0)"
    )
    compress.add_argument(
        "--max-iter",
        type=option_type("max_iter"),
        default=300,
        metavar="N",
        help="maximum Lloyd iterations (default 300)",
    )
    compress.add_argument(
        "--tol",
        type=option_type("tol"),
        default=1e-4,
        metavar="T",
        help="stop when the total squared centre shift is <= T x the mean channel variance "
        "(default 1e-4; 0 = run to a fixed point)",
    )
    compress.add_argument(
        "--dither",
        nargs="?",
        const=DITHER_METHODS[0],
        default=False,
        choices=DITHER_METHODS,
        metavar="METHOD",
        help="dither the pixels onto the palette (smoother gradients): 'diffusion' (the default METHOD; error "
        "diffusion in the clustering space, limited where the palette already fits) or 'ordered' (8x8 Bayer "
        "threshold: deterministic per pixel position, the same in tiles and animation frames)",
    )
    compress.add_argument(
        "--color-space",
        choices=COLOR_SPACES,
        default="rgb",
        help="colour space k-means clusters in: rgb (default), lab (CIELAB) or oklab (Oklab); the palette "
        "is converted back to sRGB; an image with transparency is clustered in premultiplied rgb only",
    )
    compress.add_argument(
        "--background",
        type=option_type("background"),
        default=None,
        metavar="COLOR",
        help="composite an INPUT with transparency on COLOR ('white', '#rrggbb' or R,G,B) and quantize the "
        "opaque result; default: keep the transparency",
    )
    compress.add_argument(
        "--max-pixels",
        type=option_type("max_pixels"),
        default=DEFAULT_MAX_PIXELS,
        metavar="N",
        help=f"refuse an INPUT of more than N pixels before decoding it (default {DEFAULT_MAX_PIXELS:,}, "
        "Pillow's decompression-bomb limit); raise it for a trusted large image, which needs about "
        "20 bytes of memory per pixel",
    )
    compress.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    add_compress_many(commands, compress)
    return parser


def _normalise_argv(argv: list[str]) -> list[str]:
    # The second report calls the program with options only: `--image X --num_clusters K`.
    if argv and argv[0].startswith("-") and any(a.split("=")[0] in ("--image", "--num_clusters") for a in argv):
        return ["compress", *argv]
    return argv


class _Interrupted(KeyboardInterrupt):
    """A stop signal, raised like Ctrl-C's KeyboardInterrupt so that every cleanup runs."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _raise_interrupted(signum: int, frame: object) -> None:
    for sig in STOP_SIGNALS:  # one stop is enough: let the cleanup finish undisturbed
        signal.signal(sig, signal.SIG_IGN)
    raise _Interrupted(signum)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status (0 success, 2 bad input, 128 + N stopped by signal N)."""
    parser = build_parser()
    progress: dict[str, Path] = {}
    with stop_signals_handled_by(_raise_interrupted):
        try:
            args = parser.parse_args(_normalise_argv(list(sys.argv[1:] if argv is None else argv)))
            if args.command == "compress-many":
                return compress_many(args, progress)
            return _compress(args, progress)
        except (ImageError, ValueError) as exc:
            print(f"{PROG}: error: {exc}", file=sys.stderr)
            return 2
        except KeyboardInterrupt as exc:
            signum = getattr(exc, "signum", signal.SIGINT)
            done = f"{progress['output']} was written" if "output" in progress else "nothing written"
            done = progress.get("summary", done)
            print(f"{PROG}: interrupted by {signal.Signals(signum).name}; {done}", file=sys.stderr)
            return 128 + signum


def _compress(args: argparse.Namespace, progress: dict[str, Path]) -> int:
    if args.input and args.image and args.input != args.image:
        raise ValueError("give the input once: INPUT or --image, not both")
    source = args.input or args.image
    if source is None:
        raise ValueError("no input image given (INPUT or --image)")
    choosing = args.target_psnr is not None or args.max_bytes is not None
    if args.k is None and not choosing and args.palette is None:
        raise ValueError("no K given (-k K, --num_clusters K, --target-psnr DB, --max-bytes N or --palette FILE)")
    source = Path(source)
    if args.output:
        output = Path(args.output)
    elif choosing:
        output = Path(
            f"{source.stem}_{'psnr' if args.target_psnr is not None else 'max'}"
            f"{args.target_psnr if args.target_psnr is not None else args.max_bytes:g}.png"
        )
    elif args.palette:
        output = Path(f"{source.stem}_{Path(args.palette).stem}.png")
    else:
        output = Path(f"{source.stem}_k{args.k}.png")
    if choosing and output.suffix.lower() != ".png":
        raise ValueError(f"{output}: --target-psnr and --max-bytes write a palette PNG; use a .png output")
    # Everything about the output (format, folder, permissions, K <= 256 for .png) before any work.
    palette = load_palette(args.palette) if args.palette else None
    check_output_path(output, inputs=(source,), k=args.k if palette is None else len(palette))
    info = probe(source, args.max_pixels)
    if is_animation_output(info, output):  # every frame, one palette
        return compress_animation(args, source, output, progress)

    notes: list[str] = []
    options = KMeansOptions(
        init=args.init, seed=args.seed, max_iter=args.max_iter, tol=args.tol, color_space=args.color_space
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            image = read_image(source, background=args.background, max_pixels=args.max_pixels)
        except ImageTooLargeError as exc:
            raise ImageTooLargeError(
                exc.path, exc.pixels, exc.limit, advice="raise the limit with --max-pixels N"
            ) from None
        if image.shape[2] == 4:
            _check_alpha_options(args, output)
        start = time.perf_counter()
        if palette is not None:
            result = apply_palette(image, palette, dither=args.dither)
            k, result = len(palette), replace(result, n_distinct=len(ColorHistogram.from_image(image)))
        elif choosing:
            k, result = choose_k(
                image, target_psnr=args.target_psnr, max_bytes=args.max_bytes, dither=args.dither, options=options
            )
        else:
            k, result = args.k, quantize(image, args.k, dither=args.dither, options=options)
        seconds = time.perf_counter() - start if choosing else result.seconds
    notes.extend(str(w.message) for w in caught)
    if info.animated:  # the first frame only: say how to keep them all
        notes = [note for note in notes if "only the first frame is used" not in note]
        notes.append(
            f"{source.name}: {info.n_frames} frames; only the first is written to a {output.suffix} "
            "(a .gif or .png output keeps every frame)"
        )
    output_bytes = result.save(output)
    progress["output"] = output
    # What is on disk: a palette PNG, TIFF or BMP is exactly palette[labels]; measure that in chunks.
    error, colors = _palette_stats(image, result.palette.colors, result.labels)
    suffix = output.suffix.lower()
    if suffix == ".pdf":
        # Pillow cannot read a PDF back; it embeds the pixels as JPEG (quality 95).
        notes.append("PDF output embeds the image as JPEG; MSE is of the quantized image before embedding")
    elif suffix in _LOSSY_SUFFIXES:
        written = read_image(output, max_pixels=None)  # the size of the input, already accepted
        if written.shape[2] < image.shape[2]:  # every pixel came out opaque
            written = np.dstack([written, np.full(written.shape[:2], 255, np.uint8)])
        error = mse(image, written)
        palette_colors, colors = colors, len(distinct_colors(written)[0])
        del written
        if colors != palette_colors:
            notes.append(
                f"{suffix[1:].upper()} is lossy: the file holds {colors:,} colours, not the {palette_colors} "
                "of the palette (a .png output keeps exactly these)"
            )
    report = {
        "input": str(source),
        "output": str(output),
        "width": int(image.shape[1]),
        "height": int(image.shape[0]),
        "k": k,
        "target_psnr": args.target_psnr,
        "max_bytes": args.max_bytes,
        "dither": bool(args.dither),
        "dither_method": args.dither or None,
        "color_space": args.color_space,
        "alpha": image.shape[2] == 4,
        "background": None if args.background is None else "#{:02x}{:02x}{:02x}".format(*args.background),
        "colors": colors,
        "input_colors": result.n_distinct,
        "palette": args.palette,
        "init": args.init,
        "seed": args.seed,
        "n_iter": result.palette.n_iter,
        "converged": result.palette.converged,
        "mse": error,
        "psnr": None if error == 0 else psnr_from_mse(error),
        "seconds": seconds,
        "seconds_final": result.seconds,
        "input_bytes": source.stat().st_size,
        "output_bytes": output_bytes,
    }
    for note in notes:
        print(f"{PROG}: note: {note}", file=sys.stderr)
    if args.json:
        print(json.dumps(report))
    else:
        print(_format_text(report, choosing))
    return 0


def _check_alpha_options(args: argparse.Namespace, output: Path) -> None:
    """Refuse, before quantizing, the options an image with transparency cannot take."""
    advice = "or give --background COLOR to composite the image first"
    check_quantized_output(output, args.k or 1, alpha=True)
    if args.color_space != "rgb":
        raise ValueError(
            f"{args.input or args.image}: has transparency, clustered in premultiplied rgb only; "
            f"drop --color-space {args.color_space}, {advice}"
        )


def _palette_stats(image: np.ndarray, palette: np.ndarray, labels: np.ndarray) -> tuple[float, int]:
    """MSE of ``palette[labels]`` against ``image``, and how many distinct colours it holds.

    Never expands the full (H, W, 3) quantized image: the MSE goes block by block, the
    colours are the palette entries some pixel uses (counted in blocks: a bincount of the
    whole label image would widen it to 8 bytes per pixel).
    """
    used = np.zeros(len(palette), dtype=bool)
    for _, block in row_chunks(labels, _CHUNK_PIXELS):
        used |= np.bincount(block.reshape(-1), minlength=len(palette)) > 0
    return palette_mse(image, palette, labels), len(np.unique(np.asarray(palette)[used], axis=0))


def _format_text(r: dict, choosing: bool = False) -> str:
    psnr = "inf (lossless)" if r["psnr"] is None else f"{r['psnr']:.2f} dB"
    seconds = (
        f"seconds  {r['seconds']:.3f}  (the whole search for K: quantizing and measuring each K tried, "
        f"excluding decoding and saving; the final K alone {r['seconds_final']:.3f})"
        if choosing
        else f"seconds  {r['seconds']:.3f}  (quantization, excluding decoding and saving)"
    )
    return "\n".join(
        [
            f"input    {r['input']}  {r['width']}x{r['height']}, "
            f"{r['input_colors']:,} colours, {r['input_bytes']:,} bytes",
            f"k        {r['k']}  ("
            + (
                f"the palette of {r['palette']}"
                if r.get("palette")
                else f"init {r['init']}, seed {r['seed']}, {r['n_iter']} iterations, "
                f"{'premultiplied rgba' if r['alpha'] else r['color_space']}"
            )
            + f"{', dithered ' + r['dither_method'] if r['dither'] else ''}"
            f"{'' if r['converged'] else ', not converged'})",
            f"mse      {r['mse']:.6g}  "
            + (
                "(premultiplied RGBA: squared error of R, G, B and A summed, / 3 per pixel, [0, 1] scale)"
                if r["alpha"]
                else "(mean over pixels and channels, [0, 1] scale)"
            ),
            f"psnr     {psnr}",
            seconds,
            f"output   {r['output']}  {r['colors']} colours, {r['output_bytes']:,} bytes",
        ]
    )


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
