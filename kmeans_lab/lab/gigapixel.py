"""The gigapixel measurement: a 200-megapixel tiled TIFF quantized chunk by chunk, and its peak memory.

Make the input (16384 × 12288 RGB, 512 × 512 tiles, 604 MB uncompressed: the bundled
``coffee-2560x1700.jpg`` enlarged band by band, never whole in memory), then quantize it under
GNU time, which reports the peak resident memory of the process::

    python -m kmeans_lab.lab.gigapixel make /tmp/big.tif
    /usr/bin/time -v python -m kmeans_lab.lab.gigapixel quantize /tmp/big.tif /tmp/big-16.tif -k 16

``--scheduler threads`` counts and maps two chunks at a time; ``--scheduler distributed
--workers 2`` runs on a local cluster (GNU time then reports the largest single process, and
the script prints each worker's peak too). The output is checked against the labels of a few
windows computed straight from the input.
"""

from __future__ import annotations

import argparse
import resource
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from PIL import Image

from ..image import read_image
from ..tiled import TiffSource, quantize_tiled, read_tiled
from .paths import data_path

__all__ = ["make_tiled_tiff", "enlarged_tiles", "main"]

HEIGHT, WIDTH, TILE = 12288, 16384, 512


def enlarged_tiles(source: np.ndarray, height: int, width: int, tile: int) -> Iterator[np.ndarray]:
    """``(tile, tile, 3)`` tiles of ``source`` enlarged to ``height`` × ``width`` (bilinear), in TIFF order.

    One band of ``tile`` rows is made at a time (Pillow ``resize`` with a fractional source box).
    """
    photo = Image.fromarray(source)
    scale = photo.size[1] / height
    for top in range(0, height, tile):
        box = (0, top * scale, photo.size[0], min(height, top + tile) * scale)
        band = np.asarray(photo.resize((width, min(tile, height - top)), Image.Resampling.BILINEAR, box=box))
        for left in range(0, width, tile):
            yield band[:, left : left + tile]


def make_tiled_tiff(path: str | Path, *, height: int = HEIGHT, width: int = WIDTH, tile: int = TILE) -> Path:
    """Write the test input: ``data/coffee-2560x1700.jpg`` enlarged to ``height`` × ``width``, tiled, uncompressed."""
    import tifffile

    path = Path(path)
    tifffile.imwrite(
        path,
        enlarged_tiles(read_image(data_path("coffee-2560x1700.jpg")), height, width, tile),
        shape=(height, width, 3),
        dtype=np.uint8,
        tile=(tile, tile),
        photometric="rgb",
        bigtiff=True,
    )
    return path


def _peak_mib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def _check_windows(source: Path, output: Path, palette, rng: np.random.Generator, n: int = 5) -> None:
    """Labels of random windows of the output equal those computed straight from the input's pixels."""
    import tifffile

    from ..lookup import ColorLookup

    lookup = ColorLookup(palette)
    pixels, labels = TiffSource(source), TiffSource(output)
    for _ in range(n):
        top = int(rng.integers(0, pixels.shape[0] - 600))
        left = int(rng.integers(0, pixels.shape[1] - 600))
        window = np.s_[top : top + 600, left : left + 600]
        if not np.array_equal(labels[window], lookup(pixels[window])):
            raise AssertionError(f"{output}: window at ({top}, {left}) differs from the input's labels")
    with tifffile.TiffFile(output) as tif:
        colormap = tif.pages[0].colormap
    if not np.array_equal(colormap[:, : len(palette)] // 257, palette.colors.T):
        raise AssertionError(f"{output}: colour map is not the palette")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m kmeans_lab.lab.gigapixel", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("make", help="write the 200-megapixel tiled TIFF")
    make.add_argument("output")
    run = commands.add_parser("quantize", help="quantize a tiled TIFF chunk by chunk into a palette TIFF")
    run.add_argument("input")
    run.add_argument("output")
    run.add_argument("-k", type=int, default=16)
    run.add_argument("--chunk", type=int, default=2048)
    run.add_argument("--scheduler", choices=("synchronous", "threads", "distributed"), default="synchronous")
    run.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    if args.command == "make":
        path = make_tiled_tiff(args.output)
        print(f"wrote {path}: {WIDTH}x{HEIGHT} = {WIDTH * HEIGHT / 1e6:.0f} MP, {path.stat().st_size / 1e6:.0f} MB")
        print(f"{time.perf_counter() - start:.1f} s, peak RSS {_peak_mib()} MiB")
        return
    import dask

    client = cluster = None
    if args.scheduler == "distributed":
        from distributed import Client

        from ..collection import local_cluster

        cluster = local_cluster(args.workers)
        client = Client(cluster)  # the current scheduler from now on
    else:
        dask.config.set(scheduler=args.scheduler)
    x = read_tiled(args.input, chunks=args.chunk)
    print(
        f"{x.shape[1]}x{x.shape[0]} = {x.shape[0] * x.shape[1] / 1e6:.0f} MP, {x.nbytes / 1e6:.0f} MB of pixels, "
        f"{x.numblocks[0]}x{x.numblocks[1]} chunks of {args.chunk}x{args.chunk}; {args.scheduler}"
    )
    t = time.perf_counter()
    result = quantize_tiled(x, args.k)
    print(
        f"histogram + palette: {result.n_distinct:,} colours, K={args.k}, {result.palette.n_iter} iterations, "
        f"{time.perf_counter() - t:.1f} s, peak RSS so far {_peak_mib()} MiB"
    )
    t = time.perf_counter()
    n_bytes = result.save(args.output)
    print(
        f"labels written to {args.output}: {n_bytes / 1e6:.1f} MB, {time.perf_counter() - t:.1f} s, "
        f"peak RSS so far {_peak_mib()} MiB"
    )
    if client is not None:
        peaks = client.run(lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
        print(f"workers' peak RSS: {sorted(peaks.values())} MiB")
        client.close()
        cluster.close()
    _check_windows(Path(args.input), Path(args.output), result.palette, np.random.default_rng(0))
    print(
        f"checked 5 windows of 600x600 and the colour map; total {time.perf_counter() - start:.1f} s, "
        f"peak RSS {_peak_mib()} MiB"
    )


if __name__ == "__main__":
    main()
