"""The first report's runtime table, measured once: ``python -m kmeans_lab.lab.report1``.

The report's own k-means (:mod:`kmeans_lab.lab.reference`) takes seconds to minutes per run
on a 1920×1080 or 2560×1700 photograph — too slow to time in the notebook on every test run.
This command times it once, in every setting of the report (K = 3, 5, 7 with ``random`` and
``in_pixels``, K = 15 and 30 with ``in_pixels``) and, as extra rows the report does not have,
K = 15 and 30 with ``random``, on both photographs, together with ``kmeans_lab.quantize`` in
the same settings. Runs are interleaved: round r runs every (photograph, setting, algorithm)
once before round r + 1 runs any, so load that comes and goes on a shared machine spreads over
all settings; the median, min and max over the rounds are written.

Written (both rewritten after every round, so an interrupted run leaves what it finished):

- ``figures/report1-reference-runtimes.csv``: one row per photograph, K, init and algorithm —
  seconds (median, min, max over ``repeats``), for the reference also its initialisation and
  its loop timed apart and seconds per iteration, iterations, MSE, colours actually used
  (the report keeps an empty cluster's centroid, so a palette can have fewer than K), the
  machine, the 1-minute load average around the runs, the date and the command.
- ``figures/report1-reference-centroids.json``: per reference run, the centroids its last
  assignment used and the ones it returned, so that the notebook rebuilds the compressed
  images exactly (:func:`rebuild_reference_image`) without re-running it.

BLAS runs on one thread (``--blas-threads``, default 1) for both algorithms: on a shared
2-core machine OpenBLAS's threads wait on each other and make the matrix products of the
report's loop several times slower and erratic.

``--seeds-table`` instead writes ``figures/report1-reference-seeds.csv``: the report's
k-means at seeds 0–4 in every setting, run on the distinct colours
(:func:`kmeans_lab.lab.reference.reference_on_colours`, the same iterations and result): its
iteration counts and MSE over seeds, which one timed seed cannot show. No timing.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ..histogram import distinct_colors
from ..image import read_image
from ..metrics import mse
from ..quantization import quantize
from .compare import round_sig
from .machine import cpu_model
from .paths import data_path, figures_dir
from .reference import reference_labels, reference_on_colours, reference_palette, reference_run

__all__ = [
    "CENTROIDS_FILE",
    "EXTRA_SETTINGS",
    "IMAGES",
    "limit_blas",
    "REPORT_SECONDS",
    "RUNTIMES_FILE",
    "SEEDS_FILE",
    "SETTINGS",
    "machine_line",
    "compare_spread",
    "most_different_box",
    "mse_spread",
    "read_reference_centroids",
    "read_reference_runtimes",
    "read_reference_seeds",
    "reference_seeds",
    "rebuild_reference_image",
    "runtime_verdicts",
    "time_report1",
    "main",
]

#: The report's photograph sizes and the photographs of those sizes in data/.
IMAGES = {"1920x1080": "rocket-1920x1080.jpg", "2560x1700": "coffee-2560x1700.jpg"}

#: The report's settings (K, init), in its order.
SETTINGS = [(3, "random"), (5, "random"), (7, "random"), (3, "in_pixels"), (5, "in_pixels"), (7, "in_pixels")] + [
    (15, "in_pixels"),
    (30, "in_pixels"),
]

#: Settings the report did not run, timed to test its "in_pixels is slower, especially at K >= 15".
EXTRA_SETTINGS = [(15, "random"), (30, "random")]

#: The report's runtimes in seconds (its laptop, its two photographs), keyed by size, then (K, init).
REPORT_SECONDS = {
    "1920x1080": {
        (3, "random"): 1.232475,
        (5, "random"): 3.762998,
        (7, "random"): 3.900795,
        (3, "in_pixels"): 1.330149,
        (5, "in_pixels"): 5.734336,
        (7, "in_pixels"): 19.569252,
    },
    "2560x1700": {
        (3, "random"): 2.987760,
        (5, "random"): 5.293447,
        (7, "random"): 6.042157,
        (3, "in_pixels"): 3.627527,
        (5, "in_pixels"): 7.832237,
        (7, "in_pixels"): 9.433557,
        (15, "in_pixels"): 49.185343,
        (30, "in_pixels"): 56.759814,
    },
}

RUNTIMES_FILE = "report1-reference-runtimes.csv"
CENTROIDS_FILE = "report1-reference-centroids.json"
SEEDS_FILE = "report1-reference-seeds.csv"
COMMAND = "python -m kmeans_lab.lab.report1"


def machine_line() -> str:
    """CPU model, logical cores, memory, OS, Python, NumPy and its BLAS, on one line."""
    pages = os.sysconf("SC_PHYS_PAGES") if hasattr(os, "sysconf") else float("nan")
    memory = pages * os.sysconf("SC_PAGE_SIZE") / 2**30 if hasattr(os, "sysconf") else float("nan")
    try:
        blas = np.__config__.CONFIG["Build Dependencies"]["blas"]["name"]
    except (AttributeError, KeyError, TypeError):
        blas = "?"
    return (
        f"{cpu_model()}, {os.cpu_count()} logical cores, {memory:.0f} GiB, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, NumPy {np.__version__} ({blas})"
    )


def _image_path(name: str) -> Path:
    """A file of ``data/`` by name, or an absolute path as it is."""
    return Path(name) if Path(name).is_absolute() else data_path(name)


def _key(size: str, k: int, init: str) -> str:
    return f"{size} K={k} {init}"


def _load() -> float:
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")


def time_report1(
    sizes: Sequence[str] = tuple(IMAGES),
    settings: Sequence[tuple[int, str]] = (*SETTINGS, *EXTRA_SETTINGS),
    *,
    repeats: int = 3,
    seed: int = 0,
    out: Path | None = None,
    blas_threads: int | None = 1,
    log=sys.stdout,
) -> pd.DataFrame:
    """Time the report's k-means and kmeans_lab in every setting, interleaved; write the CSV and JSON.

    Parameters
    ----------
    sizes : sequence of keys of :data:`IMAGES`
    settings : sequence of (K, init)
    repeats : int, default 3
        Rounds; every run of a setting gives the same result (same seed), only its time varies.
    seed : int, default 0
    out : Path, optional
        Folder for the two files; default ``figures/``.
    blas_threads : int or None, default 1
        Threads BLAS may use (threadpoolctl) during the runs; None leaves its default.
    log : file, default stdout
        One line per run.

    Returns
    -------
    pandas.DataFrame
        The rows written to :data:`RUNTIMES_FILE`.
    """
    if repeats < 1:
        raise ValueError(f"repeats must be >= 1, got {repeats}")
    out = figures_dir() if out is None else Path(out)
    out.mkdir(parents=True, exist_ok=True)
    images = {size: read_image(_image_path(IMAGES[size])) for size in sizes}
    machine = machine_line()
    with limit_blas(blas_threads):
        return _time_rounds(images, settings, repeats, seed, out, machine, blas_threads, log)


def limit_blas(threads: int | None = 1):
    """A context in which BLAS uses at most ``threads`` threads (threadpoolctl); None changes nothing.

    The timings of this module and of notebook 01 run with one: on a shared 2-core machine
    OpenBLAS's own threads contend with each other and with other jobs.
    """
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=threads, user_api="blas") if threads else contextlib.nullcontext()


def _time_rounds(images, settings, repeats, seed, out, machine, blas_threads, log) -> pd.DataFrame:
    times: dict[tuple[str, int, str, str], list[tuple[float, float, float]]] = {}
    results: dict[tuple[str, int, str, str], dict] = {}
    loads: dict[tuple[str, int, str, str], list[float]] = {}
    centroids: dict[str, dict] = {}
    for rnd in range(repeats):
        for size, image in images.items():
            img_1d = image.reshape(-1, 3)
            for k, init in settings:
                for algorithm in ("reference", "kmeans_lab"):
                    case = (size, k, init, algorithm)
                    load = _load()
                    if algorithm == "reference":
                        run = reference_run(img_1d, k, 10000, init, seed)
                        timed = (run.seconds, run.init_seconds, run.loop_seconds)
                        if case not in results:
                            compressed = reference_palette(run.centroids)[run.labels].reshape(image.shape)
                            cluster_sizes = np.bincount(run.labels, minlength=k)
                            results[case] = {
                                "iterations": run.n_iter,
                                "mse": mse(image, compressed),
                                "colours_used": int(np.count_nonzero(cluster_sizes)),
                            }
                            centroids[_key(size, k, init)] = {
                                "file": Path(IMAGES[size]).name,
                                "K": k,
                                "init": init,
                                "seed": seed,
                                "assigned": run.assigned.tolist(),
                                "centroids": run.centroids.tolist(),
                                "cluster_sizes": cluster_sizes.tolist(),
                            }
                        del run
                    else:
                        start = time.perf_counter()
                        q = quantize(image, k, init=init, seed=seed)
                        timed = (time.perf_counter() - start, float("nan"), float("nan"))
                        results.setdefault(
                            case,
                            {
                                "iterations": q.palette.n_iter,
                                "mse": mse(image, q.image),
                                "colours_used": len(distinct_colors(q.image)[0]),
                            },
                        )
                    times.setdefault(case, []).append(timed)
                    loads.setdefault(case, []).append((load + _load()) / 2)
                    print(
                        f"round {rnd + 1}/{repeats} {size} K={k:2d} {init:9s} {algorithm:10s} {timed[0]:8.2f} s "
                        f"{results[case]['iterations']:4d} iterations  load {loads[case][-1]:.2f}",
                        file=log,
                        flush=True,
                    )
        table = _table(times, results, loads, machine, seed, blas_threads)
        table.to_csv(out / RUNTIMES_FILE, index=False)
        (out / CENTROIDS_FILE).write_text(json.dumps(centroids, indent=1) + "\n")
    return table


def _table(times, results, loads, machine: str, seed: int, blas_threads: int | None) -> pd.DataFrame:
    rows = []
    date = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d")
    for (size, k, init, algorithm), runs in times.items():
        total, init_s, loop_s = (np.array(column) for column in zip(*runs))
        result = results[size, k, init, algorithm]
        loop_median = statistics.median(loop_s) if algorithm == "reference" else float("nan")
        rows.append(
            {
                "image": Path(IMAGES[size]).name,
                "size": size,
                "K": k,
                "init": init,
                "algorithm": algorithm,
                "in_report": (k, init) in REPORT_SECONDS.get(size, {}),
                "repeats": len(runs),
                "seconds_median": statistics.median(total),
                "seconds_min": float(total.min()),
                "seconds_max": float(total.max()),
                "init_seconds_median": statistics.median(init_s) if algorithm == "reference" else float("nan"),
                "loop_seconds_median": loop_median,
                "iterations": result["iterations"],
                "seconds_per_iteration": loop_median / result["iterations"],
                "mse": result["mse"],
                "colours_used": result["colours_used"],
                "seed": seed,
                "load_avg_1min": float(np.mean(loads[size, k, init, algorithm])),
                "blas_threads": blas_threads or "default",
                "machine": machine,
                "date": date,
                "command": COMMAND,
            }
        )
    return round_sig(pd.DataFrame(rows))


def reference_seeds(
    sizes: Sequence[str] = tuple(IMAGES),
    settings: Sequence[tuple[int, str]] = (*SETTINGS, *EXTRA_SETTINGS),
    seeds: Sequence[int] = range(5),
    *,
    out: Path | None = None,
    blas_threads: int | None = 1,
    log=sys.stdout,
) -> pd.DataFrame:
    """The report's k-means at several seeds, on the distinct colours: iterations, MSE, colours used.

    Parameters
    ----------
    sizes : sequence of keys of :data:`IMAGES`
    settings : sequence of (K, init)
    seeds : sequence of int, default 0–4
    out : Path, optional
        Folder for :data:`SEEDS_FILE`; default ``figures/``.
    blas_threads : int or None, default 1

    Returns
    -------
    pandas.DataFrame
        One row per photograph, K, init and seed: image, size, K, init, seed, iterations,
        mse, colours_used (non-empty clusters), algorithm.
    """
    out = figures_dir() if out is None else Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    with limit_blas(blas_threads):
        for size in sizes:
            image = read_image(_image_path(IMAGES[size]))
            for k, init in settings:
                for seed in seeds:
                    centroids, labels, n_iter = reference_on_colours(image, k, init, seed)
                    compressed = reference_palette(centroids)[labels].reshape(image.shape)
                    rows.append(
                        {
                            "image": Path(IMAGES[size]).name,
                            "size": size,
                            "K": k,
                            "init": init,
                            "seed": seed,
                            "iterations": n_iter,
                            "mse": mse(image, compressed),
                            "colours_used": len(np.unique(labels)),
                            "algorithm": "reference, on distinct colours",
                        }
                    )
                    print(f"{size} K={k:2d} {init:9s} seed {seed}: {n_iter:4d} iterations", file=log, flush=True)
    table = round_sig(pd.DataFrame(rows))
    table.to_csv(out / SEEDS_FILE, index=False)
    return table


def read_reference_seeds(path: Path | str | None = None) -> pd.DataFrame:
    """The committed :data:`SEEDS_FILE` (default ``figures/``), as written by :func:`reference_seeds`."""
    return pd.read_csv(figures_dir() / SEEDS_FILE if path is None else path)


def read_reference_runtimes(path: Path | str | None = None) -> pd.DataFrame:
    """The committed :data:`RUNTIMES_FILE` (default ``figures/``), as written by :func:`time_report1`."""
    return pd.read_csv(figures_dir() / RUNTIMES_FILE if path is None else path)


def read_reference_centroids(path: Path | str | None = None) -> dict[str, dict]:
    """The committed :data:`CENTROIDS_FILE`, keyed ``"<size> K=<k> <init>"`` (e.g. ``"1920x1080 K=3 random"``)."""
    return json.loads(Path(figures_dir() / CENTROIDS_FILE if path is None else path).read_text())


def rebuild_reference_image(
    image: np.ndarray, entry: dict, *, colours: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The report's compressed image of a stored run, from its centroids: one assignment step.

    The step runs on the image's distinct colours and is mapped back to the pixels: each
    colour gets the label every pixel of that colour gets (the same formula, row by row), at
    a twentieth of the work on a photograph.

    Parameters
    ----------
    image : ndarray of shape (H, W, 3), uint8
        The photograph the run was timed on.
    entry : dict
        One value of :func:`read_reference_centroids`.
    colours : (colours, counts, inverse), optional
        ``distinct_colors(image)``, when several runs of one image are rebuilt.

    Returns
    -------
    compressed : ndarray of shape (H, W, 3), uint8
        The returned centroids, rounded, at each pixel's label.
    sizes : ndarray of shape (K,), int64
        Pixels per label; equal to ``entry["cluster_sizes"]`` when the labels are the run's.
    """
    distinct, counts, inverse = distinct_colors(image) if colours is None else colours
    labels = reference_labels(distinct, np.asarray(entry["assigned"], dtype=np.float64))
    palette = reference_palette(np.asarray(entry["centroids"], dtype=np.float64))
    sizes = np.bincount(labels, weights=counts, minlength=len(palette)).astype(np.int64)
    return palette[labels[inverse]].reshape(image.shape), sizes


def most_different_box(a: np.ndarray, b: np.ndarray, height: int, width: int) -> tuple[int, int, int, int]:
    """The ``height × width`` window (on a grid of half-window steps) where two images differ most.

    Parameters
    ----------
    a, b : ndarray of shape (H, W, 3), uint8
    height, width : int

    Returns
    -------
    (top, left, height, width)
        The window with the largest sum of absolute channel differences; the first one on ties.

    Examples
    --------
    >>> a = np.zeros((8, 8, 3), np.uint8)
    >>> b = a.copy()
    >>> b[5:7, 5:7] = 255
    >>> most_different_box(a, b, 4, 4)
    (4, 4, 4, 4)
    """
    if a.shape != b.shape:
        raise ValueError(f"images of shapes {a.shape} and {b.shape}")
    if not (0 < height <= a.shape[0] and 0 < width <= a.shape[1]):
        raise ValueError(f"a {height}x{width} window does not fit a {a.shape[0]}x{a.shape[1]} image")
    diff = np.abs(a.astype(np.int32) - b.astype(np.int32)).sum(axis=2)
    table = np.pad(diff.cumsum(0).cumsum(1), ((1, 0), (1, 0)))  # summed-area table
    best, where = -1, (0, 0)
    for top in range(0, a.shape[0] - height + 1, max(1, height // 2)):
        for left in range(0, a.shape[1] - width + 1, max(1, width // 2)):
            bottom, right = top + height, left + width
            total = table[bottom, right] - table[top, right] - table[bottom, left] + table[top, left]
            if total > best:
                best, where = int(total), (top, left)
    return (*where, height, width)


def mse_spread(seeds: pd.DataFrame) -> pd.DataFrame:
    """MSE over seeds per photograph, K and init: mean, min, max and range / mean.

    Parameters
    ----------
    seeds : DataFrame
        Columns ``size``, ``K``, ``init``, ``mse`` (one row per seed).

    Returns
    -------
    pandas.DataFrame
        Index (size, K, init) in first-seen order; columns ``mean``, ``min``, ``max``, ``range / mean``.
    """
    stats = seeds.groupby(["size", "K", "init"], sort=False)["mse"].agg(["mean", "min", "max"])
    stats["range / mean"] = (stats["max"] - stats["min"]) / stats["mean"]
    return stats


def compare_spread(spread: pd.DataFrame, *, factor: float = 1.25, floor: float = 0.005) -> pd.Series:
    """Which initialiser's MSE varies less over seeds, per photograph and K.

    Parameters
    ----------
    spread : DataFrame
        :func:`mse_spread` of both inits.
    factor : float, default 1.25
        One range / mean must be this many times the other's to count as smaller.
    floor : float, default 0.005
        Ranges below this share of the mean (0.5 %) count as no spread (MSE is stored to 4
        significant digits).

    Returns
    -------
    pandas.Series
        Index (size, K) where both inits ran: ``"in_pixels"`` or ``"random"`` (the one that varies
        less) or ``"same"``.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"size": ["a"] * 4, "K": [3, 3, 5, 5], "init": ["random", "in_pixels"] * 2,
    ...                   "range / mean": [0.2, 0.05, 0.001, 0.004]}).set_index(["size", "K", "init"])
    >>> compare_spread(s).tolist()
    ['in_pixels', 'same']
    """
    wide = spread["range / mean"].unstack("init").dropna()
    r, p = wide["random"].clip(lower=floor), wide["in_pixels"].clip(lower=floor)
    verdict = pd.Series("same", index=wide.index)
    verdict[p * factor <= r] = "in_pixels"
    verdict[r * factor <= p] = "random"
    return verdict


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=COMMAND, description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", nargs="+", choices=list(IMAGES), default=list(IMAGES), help="photographs by size")
    p.add_argument("--repeats", type=int, default=3, help="interleaved rounds; medians over them (default 3)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--report-settings-only", action="store_true", help="without the extra random K = 15, 30 rows")
    p.add_argument("--blas-threads", type=int, default=1, help="BLAS threads, 0 for its default (default 1)")
    p.add_argument("--seeds-table", action="store_true", help=f"write {SEEDS_FILE} (seeds 0-4, no timing) instead")
    p.add_argument("--out", type=Path, help="folder for the files; default figures/ of the checkout")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    args = _parser().parse_args(argv)
    if args.repeats < 1:
        raise SystemExit(f"--repeats must be >= 1, got {args.repeats}")
    settings = SETTINGS if args.report_settings_only else [*SETTINGS, *EXTRA_SETTINGS]
    threads = args.blas_threads or None
    if args.seeds_table:
        reference_seeds(args.sizes, settings, out=args.out, blas_threads=threads)
        return 0
    print(machine_line(), flush=True)
    table = time_report1(args.sizes, settings, repeats=args.repeats, seed=args.seed, out=args.out, blas_threads=threads)
    columns = ["size", "K", "init", "algorithm", "repeats", "seconds_median", "seconds_min", "seconds_max"]
    columns.append("iterations")
    print(table[columns].to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


def _ratio_text(values: Sequence[float]) -> str:
    low, high = min(values), max(values)
    return f"{low:.2g}×" if f"{low:.2g}" == f"{high:.2g}" else f"{low:.2g}–{high:.2g}×"


def runtime_verdicts(reference: pd.DataFrame) -> pd.DataFrame:
    """The first report's runtime conclusions against the stored timings of its algorithm.

    Each conclusion is tested twice, on the median of the rounds and on the fastest round
    (the least disturbed by load): "yes" or "no" where both agree, "not settled" where the
    load decides.

    Parameters
    ----------
    reference : DataFrame
        The ``algorithm == "reference"`` rows of :func:`read_reference_runtimes`, indexed by
        (size, K, init), with ``seconds_median``, ``seconds_min`` and ``iterations``.

    Returns
    -------
    pandas.DataFrame
        Index: the conclusion; columns ``the report (its laptop)``, ``here, median``,
        ``here, fastest round``, ``iterations here`` (text) and ``holds here``
        ("yes", "no" or "not settled").
    """
    sizes = list(dict.fromkeys(reference.index.get_level_values("size")))
    ks = sorted(set(reference.index.get_level_values("K")))

    def seconds(column: str, size: str, k: int, init: str) -> float:
        return float(reference.loc[(size, k, init), column])

    def ratio(column: str, size: str, k: int, a: str = "in_pixels", b: str = "random") -> float:
        return seconds(column, size, k, a) / seconds(column, size, k, b)

    def iters(size: str, k: int) -> str:
        n = reference["iterations"]
        return f"{int(n[size, k, 'in_pixels'])} against {int(n[size, k, 'random'])}"

    rows = []
    n_iter = reference["iterations"]

    def add(statement, report, test, describe, iterations):
        results = {column: test(column) for column in ("seconds_median", "seconds_min")}
        holds = ["no", "yes"][results["seconds_median"]] if len(set(results.values())) == 1 else "not settled"
        rows.append(
            {
                "conclusion": statement,
                "the report (its laptop)": report,
                "here, median": describe("seconds_median"),
                "here, fastest round": describe("seconds_min"),
                "iterations here (in_pixels against random)": iterations,
                "holds here": holds,
            }
        )

    lap = REPORT_SECONDS
    both = [s for s in sizes if (3, "random") in lap.get(s, {})]
    add(
        "at K = 3 both initialisers take about as long (within 25 %)",
        "in_pixels " + _ratio_text([lap[s][3, "in_pixels"] / lap[s][3, "random"] for s in both]) + " random",
        lambda c: all(0.8 <= ratio(c, s, 3) <= 1.25 for s in sizes),
        lambda c: "in_pixels " + _ratio_text([ratio(c, s, 3) for s in sizes]) + " random",
        "; ".join(iters(s, 3) for s in sizes),
    )

    def falls(column: str) -> list[str]:
        out = []
        for s in sizes:
            for init in ("random", "in_pixels"):
                have = [k for k in ks if (s, k, init) in reference.index]
                for a, b in zip(have, have[1:]):
                    if seconds(column, s, b, init) < seconds(column, s, a, init):
                        out.append(f"{s} {init} K {a}→{b}")
        return out

    add(
        "runtime grows with K for both initialisers",
        "grows at every step",
        lambda c: not falls(c),
        lambda c: "falls at " + ", ".join(falls(c)) if falls(c) else "grows at every step",
        "; ".join(
            f"{s} in_pixels " + ", ".join(str(int(reference.loc[(s, k, "in_pixels"), "iterations"])) for k in ks)
            for s in sizes
        ),
    )
    add(
        "at K = 7 in_pixels is more than 5 times slower than random",
        "in_pixels " + _ratio_text([lap[s][7, "in_pixels"] / lap[s][7, "random"] for s in both]) + " random",
        lambda c: all(ratio(c, s, 7) > 5 for s in sizes),
        lambda c: "in_pixels " + _ratio_text([ratio(c, s, 7) for s in sizes]) + " random",
        "; ".join(iters(s, 7) for s in sizes),
    )
    pairs = [
        (s, k)
        for s in sizes
        for k in ks
        if (s, k, "random") in reference.index and (s, k, "in_pixels") in reference.index
    ]
    add(
        "random is faster at every K",
        f"faster in all {sum(1 for s in both for k in (3, 5, 7))} of its settings",
        lambda c: all(ratio(c, s, k) > 1 for s, k in pairs),
        lambda c: f"faster in {sum(ratio(c, s, k) > 1 for s, k in pairs)} of {len(pairs)} (photograph, K)",
        f"in_pixels more in {sum(n_iter[s, k, 'in_pixels'] > n_iter[s, k, 'random'] for s, k in pairs)}/{len(pairs)}",
    )
    large = [(s, k) for s, k in pairs if k >= 15]
    add(
        "in_pixels is slower especially at K ≥ 15",
        "not timed with random at K ≥ 15",
        lambda c: all(ratio(c, s, k) > max(ratio(c, s, j) for j in (3, 5, 7)) for s, k in large),
        lambda c: (
            "in_pixels "
            + ", ".join(f"{ratio(c, s, k):.2g}×" for s, k in large)
            + " random ("
            + ", ".join(f"{s} K={k}" for s, k in large)
            + ")"
        ),
        "; ".join(iters(s, k) for s, k in large),
    )

    def jump(c: str, k: int) -> str:
        return _ratio_text([seconds(c, s, k, i) / seconds(c, s, 7, i) for s in sizes for i in ("random", "in_pixels")])

    report_jump = [lap["2560x1700"][k, "in_pixels"] / lap["2560x1700"][7, "in_pixels"] for k in (15, 30)]
    add(
        "K = 15 and 30 take much longer than K = 7 (at least 1.5 times)",
        f"in_pixels {report_jump[0]:.2g}× (K = 15) and {report_jump[1]:.2g}× (K = 30) K = 7",
        lambda c: all(
            seconds(c, s, k, i) > 1.5 * seconds(c, s, 7, i)
            for s in sizes
            for k in (15, 30)
            for i in ("random", "in_pixels")
        ),
        lambda c: f"{jump(c, 15)} (K = 15) and {jump(c, 30)} (K = 30) K = 7",
        "; ".join(
            f"{s} " + ", ".join(str(int(reference.loc[(s, k, "in_pixels"), "iterations"])) for k in (7, 15, 30))
            for s in sizes
        )
        + " at K = 7, 15, 30 (in_pixels)",
    )
    return pd.DataFrame(rows).set_index("conclusion")
