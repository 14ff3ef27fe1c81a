"""The command line's grammar: the commands, and the options they share through ``parents=``.

The k-means options are made from the fields of :class:`~kmeans_lab.KMeansOptions` (one
``--field-name`` each), so every command takes every option the library does, and
:func:`kmeans_options` turns them back into the one options value. A command line that names no
command is a ``compress``: ``kmeans-lab photo.jpg -k 16``, and the second report's
``kmeans-lab --image photo.jpg --num_clusters 16``.
"""

from __future__ import annotations

import argparse
from dataclasses import fields

from .. import __version__
from .._validation import COLOR_SPACES, DITHER_METHODS, INIT_NAMES, option_type
from ..image import DEFAULT_MAX_PIXELS, OUTPUT_FORMATS
from ..options import KMeansOptions
from .report import PROG

__all__ = ["COMMANDS", "build_parser", "kmeans_options", "with_command"]

COMMANDS = ("compress", "compress-many")

# One entry per field of KMeansOptions: a field without one fails build_parser, so none is forgotten.
_KMEANS_ARGUMENTS: dict[str, dict] = {
    "color_space": dict(
        choices=COLOR_SPACES,
        help="colour space k-means clusters in: rgb (default), lab (CIELAB) or oklab (Oklab); the palette "
        "is converted back to sRGB; an image with transparency is clustered in premultiplied rgb only",
    ),
    "init": dict(
        choices=INIT_NAMES,
        help="initial centres: greedy k-means++ (default), 'in_pixels' (random distinct pixels) or "
        "'random' (uniform in the colour range)",
    ),
    "n_init": dict(
        type=option_type("n_init"),
        metavar="N",
        help="k-means starts, the lowest inertia kept (default: the cascade's own plan)",
    ),
    "seed": dict(type=option_type("seed"), metavar="S", help="random seed for the initialiser (default 0)"),
    "max_iter": dict(type=option_type("max_iter"), metavar="N", help="maximum Lloyd iterations (default 300)"),
    "tol": dict(
        type=option_type("tol"),
        metavar="T",
        help="stop when the total squared centre shift is <= T x the mean channel variance "
        "(default 1e-4; 0 = run to a fixed point)",
    ),
}


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (``kmeans-lab: error: ...``, exit 2); ``--help`` shows usage."""

    def error(self, message: str):  # type: ignore[override]
        self.exit(2, f"{PROG}: error: {message} (see {self.prog} --help)\n")


def kmeans_options(args: argparse.Namespace) -> KMeansOptions:
    """The :class:`KMeansOptions` of the parsed command line (its values already checked by argparse)."""
    return KMeansOptions(**{field.name: getattr(args, field.name) for field in fields(KMeansOptions)})


def _parents() -> list[argparse.ArgumentParser]:
    """The options every command takes: the k-means options, how pixels map and are read, the output."""
    kmeans = _Parser(add_help=False)
    group = kmeans.add_argument_group("k-means options (the fields of kmeans_lab.KMeansOptions)")
    for field in fields(KMeansOptions):
        group.add_argument("--" + field.name.replace("_", "-"), default=field.default, **_KMEANS_ARGUMENTS[field.name])
    mapping = _Parser(add_help=False)
    mapping.add_argument(
        "--dither",
        nargs="?",
        const=DITHER_METHODS[0],
        default=False,
        choices=DITHER_METHODS,
        metavar="METHOD",
        help="dither the pixels onto the palette (lower PSNR, smoother gradients): 'floyd-steinberg' "
        "(the default METHOD; error diffusion, RGB only) or 'ordered' (8x8 Bayer threshold: deterministic "
        "per pixel position, the same in tiles and animation frames, works with transparency)",
    )
    mapping.add_argument(
        "--max-pixels",
        type=option_type("max_pixels"),
        default=DEFAULT_MAX_PIXELS,
        metavar="N",
        help=f"refuse an input of more than N pixels before decoding it (default {DEFAULT_MAX_PIXELS:,}, "
        "Pillow's decompression-bomb limit); raise it for a trusted large image, which needs about "
        "20 bytes of memory per pixel",
    )
    output = _Parser(add_help=False)
    output.add_argument("--json", action="store_true", help="print the report as one JSON object instead of text")
    return [kmeans, mapping, output]


def build_parser() -> argparse.ArgumentParser:
    """The parser of ``kmeans-lab``: the commands ``compress`` and ``compress-many``."""
    parser = _Parser(
        prog=PROG,
        usage=f"{PROG} [compress] INPUT -k K [-o OUTPUT] [options]\n"
        f"       {PROG} compress-many INPUT... -k K --out-dir DIR [options]",
        description="K-means colour quantization: reduce an image to K colours and save it. "
        f"A command line without a command is a compress: '{PROG} photo.jpg -k 16'.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    parents = _parents()
    _add_compress(commands, parents)
    _add_compress_many(commands, parents)
    return parser


def with_command(argv: list[str]) -> list[str]:
    """``argv`` with its command: ``compress`` unless it names one, or asks for the overall help or version."""
    if argv and argv[0] in (*COMMANDS, "-h", "--help", "--version"):
        return argv
    return ["compress", *argv]


def _add_compress(commands, parents: list[argparse.ArgumentParser]) -> None:
    compress = commands.add_parser(
        "compress",
        prog=f"{PROG} compress",
        parents=parents,
        help="quantize an image to K colours (the default command)",
        description=(
            "Quantize INPUT to K colours by exact k-means on its distinct colours and write OUTPUT. "
            "The output format follows the suffix: .png is a palette PNG (K <= 256) with the smallest bit "
            "depth that holds K colours; .gif a GIF; .jpg, .pdf, .webp, .tif, .bmp are RGB. An INPUT with "
            "transparent pixels keeps them (premultiplied RGBA k-means; a .png gets a tRNS chunk; .webp and "
            ".tif are RGBA) unless --background composites it. An animation written to a .gif or .png keeps "
            "every frame. "
            "Prints K, MSE (on the [0, 1] scale), PSNR, seconds, input and output bytes."
        ),
    )
    compress.add_argument("input", nargs="?", metavar="INPUT", help="image file to quantize")
    compress.add_argument("--image", metavar="INPUT", help="same as INPUT (the second report's spelling)")
    how_many = compress.add_mutually_exclusive_group()
    how_many.add_argument(
        "-k", "--k", "--num_clusters", dest="k", type=option_type("k"), metavar="K", help="number of colours, >= 1"
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
        help="file to write, never the input file; default: INPUT's name with _k<K>.png, in the current folder",
    )
    compress.add_argument(
        "--background",
        type=option_type("background"),
        metavar="COLOR",
        help="composite an INPUT with transparency on COLOR ('white', '#rrggbb' or R,G,B) and quantize the "
        "opaque result; default: keep the transparency",
    )


def _add_compress_many(commands, parents: list[argparse.ArgumentParser]) -> None:
    many = commands.add_parser(
        "compress-many",
        prog=f"{PROG} compress-many",
        parents=parents,
        help="quantize many images to one shared palette",
        description=(
            "Quantize every INPUT to K colours with one k-means palette fitted to all their pixels "
            "(exactly: on the sum of their colour histograms), or one palette each, and write "
            "DIR/<input name><suffix>. Runs in this process, on a local Dask cluster (--workers N) or on "
            "an existing one (--scheduler ADDRESS): histograms, their merge and the map-back on the "
            "workers, the same palette either way. Progress goes to stderr, one line per file."
        ),
    )
    many.add_argument("inputs", nargs="+", metavar="INPUT", help="image files")
    many.add_argument(
        "-k", "--k", dest="k", type=option_type("k"), required=True, metavar="K", help="number of colours, >= 1"
    )
    many.add_argument("--out-dir", required=True, metavar="DIR", help="folder to write to (created if missing)")
    many.add_argument(
        "--suffix",
        default=".png",
        choices=sorted(OUTPUT_FORMATS),
        help="output format of every file (default .png, a palette PNG)",
    )
    many.add_argument(
        "--shared-palette",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="one palette for all inputs (the default), or one each (--no-shared-palette)",
    )
    where = many.add_mutually_exclusive_group()
    where.add_argument(
        "--scheduler", metavar="ADDRESS", help="run on the Dask cluster whose scheduler is at ADDRESS (tcp://host:port)"
    )
    where.add_argument(
        "--workers",
        type=option_type("workers"),
        metavar="N",
        help="start a local Dask cluster of N worker processes on 127.0.0.1 (needs the distributed extra)",
    )
