"""Command line: ``kmeans-lab compress INPUT -k K -o OUTPUT`` (also ``python -m kmeans_lab``).

The second report's spelling works too: ``kmeans-lab --image IN --num_clusters K``.
Errors are one line on stderr naming the problem, exit status 2, and nothing written.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from ._validation import COLOR_SPACES, INIT_NAMES, check_palette_size, option_type
from .choose import choose_k
from .histogram import distinct_colors
from .image import ImageError, check_output_path, read_image
from .metrics import mse, psnr_from_mse
from .quantization import quantize

PROG = "kmeans-lab"


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
        action="store_true",
        help="map pixels to the palette by Floyd-Steinberg error diffusion (lower PSNR, smoother gradients)",
    )
    compress.add_argument(
        "--color-space",
        choices=COLOR_SPACES,
        default="rgb",
        help="colour space k-means clusters in: rgb (default) or lab (CIELAB, palette converted back to sRGB)",
    )
    compress.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    return parser


def _normalise_argv(argv: list[str]) -> list[str]:
    # The second report calls the program with options only: `--image X --num_clusters K`.
    if argv and argv[0].startswith("-") and any(a.split("=")[0] in ("--image", "--num_clusters") for a in argv):
        return ["compress", *argv]
    return argv


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status (0 success, 2 bad input)."""
    parser = build_parser()
    args = parser.parse_args(_normalise_argv(list(sys.argv[1:] if argv is None else argv)))
    try:
        return _compress(args)
    except (ImageError, ValueError) as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2


def _compress(args: argparse.Namespace) -> int:
    if args.input and args.image and args.input != args.image:
        raise ValueError("give the input once: INPUT or --image, not both")
    source = args.input or args.image
    if source is None:
        raise ValueError("no input image given (INPUT or --image)")
    choosing = args.target_psnr is not None or args.max_bytes is not None
    if args.k is None and not choosing:
        raise ValueError("no K given (-k K, --num_clusters K, --target-psnr DB or --max-bytes N)")
    source = Path(source)
    if args.output:
        output = Path(args.output)
    elif choosing:
        output = Path(
            f"{source.stem}_{'psnr' if args.target_psnr is not None else 'max'}"
            f"{args.target_psnr if args.target_psnr is not None else args.max_bytes:g}.png"
        )
    else:
        output = Path(f"{source.stem}_k{args.k}.png")
    if choosing and output.suffix.lower() != ".png":
        raise ValueError(f"{output}: --target-psnr and --max-bytes write a palette PNG; use a .png output")
    if args.k is not None:
        if output.suffix.lower() == ".png":
            try:
                check_palette_size(args.k, "a palette PNG holds", label="K")
            except ValueError as exc:
                raise ValueError(f"{exc}; use a .jpg, .webp or .tif output") from None
        if args.dither:
            check_palette_size(args.k, "--dither maps to", label="K")
    check_output_path(output, inputs=(source,))

    notes: list[str] = []
    options = dict(
        init=args.init,
        seed=args.seed,
        max_iter=args.max_iter,
        tol=args.tol,
        dither=args.dither,
        color_space=args.color_space,
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        image = read_image(source)
        if choosing:
            k, result = choose_k(image, target_psnr=args.target_psnr, max_bytes=args.max_bytes, **options)
        else:
            k, result = args.k, quantize(image, args.k, **options)
    notes.extend(str(w.message) for w in caught)
    output_bytes = result.save(output)
    if output.suffix.lower() == ".pdf":
        # Pillow cannot read a PDF back; it embeds the pixels as JPEG (quality 95).
        notes.append("PDF output embeds the image as JPEG; MSE is of the quantized image before embedding")
        written = result.image
    else:
        written = read_image(output)  # MSE of what is on disk (JPEG output is lossy)
    error = mse(image, written)
    report = {
        "input": str(source),
        "output": str(output),
        "width": int(image.shape[1]),
        "height": int(image.shape[0]),
        "k": k,
        "target_psnr": args.target_psnr,
        "max_bytes": args.max_bytes,
        "dither": args.dither,
        "color_space": args.color_space,
        "colors": len(distinct_colors(written)[0]),
        "input_colors": result.n_distinct,
        "init": args.init,
        "seed": args.seed,
        "n_iter": result.n_iter,
        "converged": result.converged,
        "mse": error,
        "psnr": None if error == 0 else psnr_from_mse(error),
        "seconds": result.seconds,
        "input_bytes": source.stat().st_size,
        "output_bytes": output_bytes,
    }
    for note in notes:
        print(f"{PROG}: note: {note}", file=sys.stderr)
    if args.json:
        print(json.dumps(report))
    else:
        print(_format_text(report))
    return 0


def _format_text(r: dict) -> str:
    psnr = "inf (lossless)" if r["psnr"] is None else f"{r['psnr']:.2f} dB"
    return "\n".join(
        [
            f"input    {r['input']}  {r['width']}x{r['height']}, "
            f"{r['input_colors']:,} colours, {r['input_bytes']:,} bytes",
            f"k        {r['k']}  (init {r['init']}, seed {r['seed']}, {r['n_iter']} iterations, "
            f"{r['color_space']}{', dithered' if r['dither'] else ''}"
            f"{'' if r['converged'] else ', not converged'})",
            f"mse      {r['mse']:.6g}  (mean over pixels and channels, [0, 1] scale)",
            f"psnr     {psnr}",
            f"seconds  {r['seconds']:.3f}  (quantization, excluding decoding and saving)",
            f"output   {r['output']}  {r['colors']} colours, {r['output_bytes']:,} bytes",
        ]
    )


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
