"""The shared-palette report's study: an animation made from a photograph, and how to measure its GIFs.

:func:`pan_zoom_frames` makes the animation (a slow pan and zoom across
``data/coffee-2560x1700.jpg``); three GIF encodings of it are compared — one shared k-means
palette (:func:`kmeans_lab.quantize_many`), one k-means palette per frame, and Pillow's own
conversion of RGB frames — by MSE, bytes and :func:`flicker`: how much a pixel whose source
did not change between two frames changes in the GIF.
"""

from __future__ import annotations

import io
import logging
import pickle
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image, ImageSequence

from ..animation import encode_animation
from ..histogram import ColorHistogram
from ..image import read_image
from ..metrics import mse, psnr_from_mse
from .paths import data_path, figures_dir

__all__ = [
    "pan_zoom_frames",
    "flicker",
    "gif_of_shared_palette",
    "gif_of_own_palettes",
    "gif_by_pillow",
    "decode_gif",
    "save_frames",
    "cluster_timing",
    "gif_row",
    "histogram_growth",
    "show_gif",
]


def pan_zoom_frames(
    n_frames: int = 48,
    size: tuple[int, int] = (256, 170),
    *,
    zoom: float = 1.25,
    photo: str = "coffee-2560x1700.jpg",
) -> list[np.ndarray]:
    """A slow pan and zoom across a photograph from ``data/``: ``n_frames`` frames of ``size`` (width, height).

    The view starts at 80 % of the photograph, centred a little left of the middle, and
    moves right and up while zooming in by ``zoom``; each frame is the view resized by
    Pillow's Lanczos filter (deterministic), so consecutive frames differ by a fraction of a
    pixel and smooth regions keep many pixels unchanged.

    Returns
    -------
    list of ndarray of shape (height, width, 3), uint8
    """
    image = Image.fromarray(read_image(data_path(photo)))
    width, height = image.size
    frames = []
    for i in range(n_frames):
        t = i / max(n_frames - 1, 1)
        scale = 0.8 / (1 + (zoom - 1) * t)
        cx, cy = width * (0.45 + 0.06 * t), height * (0.5 - 0.03 * t)
        half_w, half_h = width * scale / 2, height * scale / 2
        box = (cx - half_w, cy - half_h, cx + half_w, cy + half_h)
        frames.append(np.asarray(image.resize(size, Image.Resampling.LANCZOS, box=box)))
    return frames


def flicker(source: Sequence[np.ndarray], shown: Sequence[np.ndarray]) -> dict:
    """How much the shown frames change where the source frames do not.

    For each pair of consecutive frames, the *static* pixels are those whose source colour is
    the same in both; flicker is the mean absolute change of the shown frames on them.

    Parameters
    ----------
    source, shown : sequences of ndarray of shape (H, W, 3), uint8, one per frame

    Returns
    -------
    dict
        ``static``: fraction of pixel pairs that are static; ``flicker``: mean absolute
        change over static pixels and channels, in 8-bit levels; ``changed``: fraction of
        static pixels whose shown colour changed.
    """
    if len(source) != len(shown):
        raise ValueError(f"{len(source)} source frames but {len(shown)} shown")
    static = total = changed = 0
    change = 0.0
    for (a, b), (x, y) in zip(zip(source, source[1:]), zip(shown, shown[1:])):
        mask = np.all(a == b, axis=2)
        diff = np.abs(x[mask].astype(np.int16) - y[mask].astype(np.int16))
        static += int(mask.sum())
        total += mask.size
        change += float(diff.sum())
        changed += int(diff.any(axis=1).sum())
    return {
        "static": static / total,
        "flicker": change / (3 * static) if static else 0.0,
        "changed": changed / static if static else 0.0,
    }


def gif_of_shared_palette(palette: np.ndarray, labels: Sequence[np.ndarray], duration: int) -> bytes:
    """The GIF :func:`kmeans_lab.save_animation` writes: one global colour table, the labels as given."""
    buffer = io.BytesIO()
    encode_animation(buffer, "GIF", palette, labels, duration, loop=0)
    return buffer.getvalue()


def gif_of_own_palettes(quantized: Sequence, duration: int) -> bytes:
    """A GIF whose frames each carry their own palette (a local colour table per frame)."""
    frames = []
    for q in quantized:
        im = Image.fromarray(np.asarray(q.labels, dtype=np.uint8), "P")
        im.putpalette(q.palette.colors.reshape(-1).tolist(), rawmode="RGB")
        frames.append(im)
    buffer = io.BytesIO()
    frames[0].save(
        buffer, format="GIF", save_all=True, append_images=frames[1:], duration=duration, loop=0, optimize=False
    )
    return buffer.getvalue()


def gif_by_pillow(frames: Sequence[np.ndarray], duration: int, colors: int | None = None) -> bytes:
    """Pillow's own GIF of RGB frames.

    ``colors=None``: Pillow's defaults (it reduces each frame to an adaptive palette of up to
    256 colours as it saves). ``colors=K``: each frame reduced first by ``Image.quantize(K)``
    (median cut), saved with its own palette.
    """
    images = [Image.fromarray(frame) for frame in frames]
    options = {}
    if colors is not None:
        images = [im.quantize(colors) for im in images]
        options["optimize"] = False
    buffer = io.BytesIO()
    images[0].save(buffer, format="GIF", save_all=True, append_images=images[1:], duration=duration, loop=0, **options)
    return buffer.getvalue()


def save_frames(frames: Sequence[np.ndarray], folder: str | Path) -> list[Path]:
    """Write frames as PNG files ``frame-000.png``, ... in ``folder``; return their paths."""
    folder = Path(folder)
    paths = []
    for i, frame in enumerate(frames):
        paths.append(folder / f"frame-{i:03d}.png")
        Image.fromarray(frame).save(paths[-1])
    return paths


def cluster_timing(images: Sequence, k: int, workers: int | None, *, repeat: int = 3, seed: int = 0, **options) -> dict:
    """Time ``quantize_many(images, k, **options)`` in this process (``workers=None``) or on a local cluster.

    A first run, untimed, lets every worker import kmeans_lab and warm up; then ``repeat``
    timed runs. The cluster is started and closed here. ``options`` are
    :class:`kmeans_lab.KMeansOptions` fields (e.g. ``color_space="rgb"``).

    Returns
    -------
    dict
        ``workers``, ``startup`` (seconds to start the cluster and connect, 0 here),
        ``seconds`` (a :class:`~kmeans_lab.lab.timing.Timing`) and ``result`` (the last run's
        list of :class:`~kmeans_lab.Quantized`).
    """
    import time

    from ..collection import local_cluster, quantize_many
    from .timing import time_call

    if workers is None:
        timing = time_call(quantize_many, images, k, seed=seed, repeat=repeat, warmup=1, **options)
        return {"workers": None, "startup": 0.0, "seconds": timing, "result": timing.result}
    from distributed import Client

    start = time.perf_counter()
    # Quiet workers: on a loaded machine a late heartbeat is logged as an error, though nothing failed.
    with local_cluster(workers, silence_logs=logging.CRITICAL) as cluster, Client(cluster):
        startup = time.perf_counter() - start
        timing = time_call(quantize_many, images, k, seed=seed, repeat=repeat, warmup=1, **options)
    return {"workers": workers, "startup": startup, "seconds": timing, "result": timing.result}


def decode_gif(data: bytes) -> list[np.ndarray]:
    """Every frame of a GIF as displayed, (H, W, 3) uint8 each."""
    with Image.open(io.BytesIO(data)) as im:
        return [np.asarray(frame.convert("RGB")) for frame in ImageSequence.Iterator(im)]


def gif_row(method: str, source: Sequence[np.ndarray], data: bytes) -> dict:
    """One row of the comparison: the GIF decoded and measured against the source frames.

    Returns
    -------
    dict
        ``method``, ``frames`` (in the file), ``colours`` (distinct, over every frame),
        ``mse`` and ``psnr`` over every frame, ``flicker``, ``changed`` (:func:`flicker`), ``bytes``.
    """
    shown = decode_gif(data)
    if len(shown) != len(source):
        raise ValueError(f"{method}: the GIF holds {len(shown)} frames, not {len(source)}")
    error = float(np.mean([mse(a, b) for a, b in zip(source, shown)]))
    motion = flicker(source, shown)
    colours = len(sum(ColorHistogram.from_image(frame) for frame in shown))
    return {
        "method": method,
        "frames": len(shown),
        "colours": colours,
        "mse": error,
        "psnr": psnr_from_mse(error),
        "flicker": motion["flicker"],
        "changed": motion["changed"],
        "bytes": len(data),
    }


def histogram_growth(frames: Sequence[np.ndarray]) -> pd.DataFrame:
    """Distinct colours, and pickled bytes, of the histogram of the first n frames, for every n.

    Returns
    -------
    DataFrame
        Columns ``frames``, ``pixels``, ``colours``, ``pickled_bytes``.
    """
    rows, total = [], None
    for n, frame in enumerate(frames, 1):
        h = ColorHistogram.from_image(frame)
        total = h if total is None else total + h
        rows.append(
            {"frames": n, "pixels": total.n_pixels, "colours": len(total), "pickled_bytes": len(pickle.dumps(total))}
        )
    return pd.DataFrame(rows)


def show_gif(data: bytes, name: str):
    """Write a GIF as ``figures/<name>`` and return it as an :class:`IPython.display.Image`, for a notebook.

    The notebook embeds the file as it is (an animated GIF plays in JupyterLab), so keep it
    small: a few hundred kilobytes at most.
    """
    from IPython.display import Image as Shown

    path = figures_dir() / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return Shown(filename=str(path))
