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

# Each field of KMeansOptions: its choices, or the metavar of a number (checked by option_type); its help.
# A field missing here fails build_parser, so a new option cannot be left off the command line.
_KMEANS_OPTIONS: dict[str, tuple[tuple[str, ...] | str, str]] = {
    "color_space": (COLOR_SPACES, "where k-means clusters: oklab (default: looks best), rgb (lowest MSE) or lab"),
    "init": (INIT_NAMES, "initial centres: kmeans++ (default), in_pixels (random colours of the image), random"),
    "n_init": ("N", "k-means starts, the one of lowest inertia kept (default: the cascade's own plan)"),
    "seed": ("S", "random seed of the initialiser (default 0)"),
    "max_iter": ("N", "Lloyd iterations at most (default 300)"),
    "tol": ("T", "stop when the squared centre shift is <= T x the colours' variance (default 1e-4; 0: a fixed point)"),
}


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (``kmeans-lab: error: ...``, exit 2) that point to ``--help``."""

    def error(self, message: str):  # type: ignore[override]
        self.exit(2, f"{PROG}: error: {message} (see {self.prog} --help)\n")


def kmeans_options(args: argparse.Namespace) -> KMeansOptions:
    """The :class:`~kmeans_lab.KMeansOptions` of the parsed command line ``args``, built once.

    Its values were checked by argparse already (:func:`~kmeans_lab._validation.option_type`).
    """
    return KMeansOptions(**{field.name: getattr(args, field.name) for field in fields(KMeansOptions)})


def _output_format(text: str) -> str:
    """A ``--format``: a format's name or suffix (``png``, ``.JPG``), as the lower-case suffix (``.png``)."""
    suffix = "." + text.lower().lstrip(".")
    if suffix not in OUTPUT_FORMATS:
        raise argparse.ArgumentTypeError(f"must be one of {', '.join(s[1:] for s in OUTPUT_FORMATS)}, got {text!r}")
    return suffix


def with_command(argv: list[str]) -> list[str]:
    """The arguments ``argv`` with their command: ``compress`` unless they name one.

    ``kmeans-lab photo.jpg -k 16`` and ``kmeans-lab --image photo.jpg --num_clusters 16`` are
    compresses; ``-h``, ``--help`` and ``--version`` first stay the program's own.
    """
    if argv and argv[0] in (*COMMANDS, "-h", "--help", "--version"):
        return argv
    return ["compress", *argv]


def build_parser() -> argparse.ArgumentParser:
    """The parser of ``kmeans-lab``: the commands ``compress`` and ``compress-many``, after :func:`with_command`."""
    parser = _Parser(
        prog=PROG,
        usage=f"{PROG} [compress] INPUT -k K [-o OUTPUT] [options]\n"
        f"       {PROG} compress-many INPUT... -k K --out-dir DIR [options]",
        description=f"K-means colour quantization: reduce images to K colours. '{PROG} INPUT ...' is a compress.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    shared = _shared_options()
    _add_compress(commands, shared)
    _add_compress_many(commands, shared)
    return parser


def _shared_options() -> list[argparse.ArgumentParser]:
    """Parent parsers of the options every command takes: the k-means options, the mapping and reading, the report."""
    kmeans = _Parser(add_help=False)
    group = kmeans.add_argument_group("k-means options (the fields of kmeans_lab.KMeansOptions)")
    for field in fields(KMeansOptions):
        kind, text = _KMEANS_OPTIONS[field.name]
        how = dict(choices=kind) if isinstance(kind, tuple) else dict(type=option_type(field.name), metavar=kind)
        group.add_argument("--" + field.name.replace("_", "-"), default=field.default, help=text, **how)
    parent = _Parser(add_help=False)
    common = parent.add_argument_group("reading, mapping and output options")
    common.add_argument(
        "--dither",
        nargs="?",
        const=DITHER_METHODS[0],
        default=False,
        choices=DITHER_METHODS,
        metavar="METHOD",
        help="map by dithering: diffusion (the default METHOD: error diffusion in the clustering space) or ordered "
        "(8x8 Bayer: the same in tiles and animation frames)",
    )
    common.add_argument(
        "--max-pixels",
        type=option_type("max_pixels"),
        default=DEFAULT_MAX_PIXELS,
        metavar="N",
        help=f"refuse an input of more than N pixels (default {DEFAULT_MAX_PIXELS:,}, Pillow's bomb limit)",
    )
    formats = ", ".join(suffix[1:] for suffix in OUTPUT_FORMATS)
    common.add_argument(
        "--format",
        type=_output_format,
        help=f"output format where no file name gives it (-o -, the default name, compress-many): {formats} "
        "(default png)",
    )
    common.add_argument(
        "--optimize",
        action="store_true",
        help="recompress a PNG output losslessly with oxipng, its palette ordered for PNG's filters "
        "(needs pyoxipng: pip install 'kmeans-lab[optimize]'; without it, a note and a plain PNG)",
    )
    common.add_argument(
        "--json", action="store_true", help="print the report as one JSON object (on stderr when the image goes to -)"
    )
    return [kmeans, parent]


def _add_compress(commands, shared: list[argparse.ArgumentParser]) -> None:
    compress = commands.add_parser(
        "compress",
        prog=f"{PROG} compress",
        parents=shared,
        help="quantize an image, or every frame of an animation, to K colours (the default command)",
        description="Quantize INPUT to K colours by exact k-means on its distinct colours and write OUTPUT, in the "
        "format of its suffix: .png a palette PNG (K <= 256, smallest bit depth, tRNS for transparency), .gif a GIF, "
        ".jpg .pdf .webp .tif .bmp RGB(A). An animation into a .gif or .png keeps every frame, with one palette. "
        "INPUT - reads standard input; OUTPUT - (the default for INPUT -) writes standard output in --format "
        "(default png) and the report goes to stderr, so that stdout holds the image alone: "
        f"'{PROG} - -k 16 < a.png > b.png'.",
    )
    compress.add_argument("input", nargs="?", metavar="INPUT", help="the image file; - reads standard input")
    compress.add_argument("--image", metavar="INPUT", help="same as INPUT (the second report's spelling)")
    how_many = compress.add_mutually_exclusive_group()
    how_many.add_argument("-k", "--k", "--num_clusters", dest="k", type=option_type("k"), help="number of colours")
    how_many.add_argument(
        "--target-psnr", type=option_type("target_psnr"), metavar="DB", help="instead of -k: the smallest K reaching DB"
    )
    how_many.add_argument(
        "--max-bytes", type=option_type("max_bytes"), metavar="N", help="instead of -k: the largest K in N bytes"
    )
    how_many.add_argument(
        "--palette", metavar="FILE", help="instead of -k: the palette of FILE (a palette image, or <= 256 colours)"
    )
    compress.add_argument(
        "-o", "--output", help="file to write, never INPUT; - writes standard output (default: INPUT_k<K>.png, here)"
    )
    compress.add_argument(
        "--background",
        type=option_type("background"),
        metavar="COLOR",
        help="composite transparency on COLOR (white, #rrggbb or R,G,B) first (default: keep it)",
    )


def _add_compress_many(commands, shared: list[argparse.ArgumentParser]) -> None:
    many = commands.add_parser(
        "compress-many",
        prog=f"{PROG} compress-many",
        parents=shared,
        help="quantize many images to one shared palette",
        description="Quantize every INPUT to K colours with one k-means palette fitted to all their pixels (or one "
        "palette each) and write DIR/<input name><suffix>: in this process, on a local Dask cluster (--workers N) or "
        "on an existing one (--scheduler ADDRESS), with the same palette. Progress: one line per file on stderr.",
    )
    many.add_argument("inputs", nargs="+", metavar="INPUT", help="the image files")
    many.add_argument("-k", "--k", dest="k", type=option_type("k"), required=True, help="number of colours")
    many.add_argument("--out-dir", required=True, metavar="DIR", help="folder to write to (created if missing)")
    many.add_argument("--suffix", dest="format", type=_output_format, help="same as --format (.png, .gif, ...)")
    many.add_argument(
        "--shared-palette",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="one palette for all inputs (default), or one each",
    )
    where = many.add_mutually_exclusive_group()
    where.add_argument("--scheduler", metavar="ADDRESS", help="run on the Dask cluster at ADDRESS (tcp://host:port)")
    where.add_argument(
        "--workers", type=option_type("workers"), metavar="N", help="run on a local Dask cluster of N worker processes"
    )
