"""The benchmark: ``python -m kmeans_lab.lab.bench`` (protocol in DESIGN.md).

Every contender (:mod:`kmeans_lab.lab.contenders`) gets the same decoded image, K and seed;
contenders are interleaved in one process (repeat r of every contender runs before repeat
r + 1 of any), each timed from the decoded ``(H, W, 3) uint8`` array to the quantized array
it produces. MSE and PSNR are measured on that uint8 array. Rows go to
``figures/benchmark.csv`` (or ``--out``) and are printed as a table with each contender's
time as a multiple of kmeans_lab's.

``--scaling`` instead times kmeans_lab against pixels (0.25 → 16 MP, a photograph cropped
or upscaled) and against K (2 → 256): ``scaling.csv`` and ``scaling.png``
(:mod:`kmeans_lab.lab.scaling`).

``--paths`` times every path of kmeans_lab — clustering in sRGB, Oklab and CIELAB, and
RGBA with a soft vignette and a hard cut-out (:mod:`kmeans_lab.lab.transparency`) — against
libimagequant and the floor on the same input, interleaved, at ordinary sizes (the Kodak
pair of ``../shared/benchdata/``, a 1920×1275 photograph) and on the two 2560×1700 ones:
``benchmark-paths.csv``, with the load average of the machine at each case.

``--perceptual`` scores the file each tool writes by SSIMULACRA2, FLIP, MSE and bytes,
kmeans_lab against libimagequant and the pngquant command line
(:mod:`kmeans_lab.lab.perceptual`): ``benchmark-perceptual.csv``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image
from tqdm.auto import tqdm

from ..histogram import ColorHistogram
from ..image import read_image
from ..metrics import mse, psnr_from_mse
from ..options import KMeansOptions
from .contenders import CONTENDERS, FLOOR, RGBA_CONTENDERS, available_contenders
from .generated import GENERATED, benchmark_image
from .paths import data_path, figures_dir, project_root
from .plots import save_figure, scaling_figure
from .scaling import run_scaling
from .timing import time_call
from .transparency import SHAPES

__all__ = [
    "run_benchmark",
    "summary",
    "PATHS",
    "benchdata_dir",
    "paths_images",
    "run_paths",
    "paths_summary",
    "main",
]


# --------------------------------------------------------------------------- benchmark


def run_benchmark(
    images: Sequence[Path | str],
    ks: Sequence[int],
    contenders: Sequence[str],
    *,
    repeats: int = 3,
    seeds: Sequence[int] = (0,),
    quality_seeds: Sequence[int] = (),
    max_iter: int = 300,
    tol: float = 1e-4,
    slow_repeats: int = 1,
    slow_max_k: int = 30,
    progress: bool = True,
) -> pd.DataFrame:
    """Time and score every contender on every image, K and seed.

    Parameters
    ----------
    images : sequence of paths or names of generated images (:data:`kmeans_lab.lab.generated.GENERATED`)
    ks : sequence of int
    contenders : sequence of names from :data:`kmeans_lab.lab.contenders.CONTENDERS`
    repeats : int, default 3
        Timed runs per (image, K, seed, contender); the median is reported.
    seeds : sequence of int, default (0,)
        Seeds that are timed.
    quality_seeds : sequence of int, default ()
        Further seeds run once each for MSE only (``seconds`` is NaN on their rows).
    max_iter, tol
        Passed to the k-means contenders (``reference`` keeps the first report's rule).
    slow_repeats : int, default 1
        Repeats of ``reference`` (minutes per run on a large photograph).
    slow_max_k : int, default 30
        ``reference`` runs only at K ≤ this.
    progress : bool, default True
        Show a tqdm progress bar.

    Returns
    -------
    pandas.DataFrame
        One row per (image, K, seed, contender): image, pixels, distinct_colors, k, seed,
        contender, seconds (median), min_s, max_s, repeats, mse, psnr, and the ratios to the
        same image, K and seed: ``ratio`` (seconds / kmeans_lab's), ``mse_ratio`` (MSE /
        kmeans_lab's) and ``x_floor`` (seconds / the floor's, when the floor ran). The floor's
        MSE is NaN: its output is not a clustering.
    """
    jobs = []
    for path in images:
        for k in ks:
            for seed in list(seeds) + [s for s in quality_seeds if s not in seeds]:
                timed = seed in seeds
                names = [n for n in contenders if n != "reference" or (k <= slow_max_k and timed)]
                n_rep = repeats if timed else 1
                jobs.append((path, k, seed, names, n_rep, timed))
    total = sum(
        sum(min(reps, slow_repeats) if n == "reference" else reps for n in names) for _, _, _, names, reps, _ in jobs
    )
    bar = tqdm(total=total, disable=not progress, desc="bench", unit="run", file=sys.stderr)
    rows = []
    decoded: dict[Path | str, tuple[str, np.ndarray, int]] = {}
    for path, k, seed, names, n_rep, timed in jobs:
        if path not in decoded:
            decoded = {}  # keep one image in memory
            name, image = benchmark_image(path)
            decoded[path] = (name, image, len(ColorHistogram.from_image(image)))
        image_name, image, n_distinct = decoded[path]
        runs: dict[str, list[float]] = {n: [] for n in names}
        outputs: dict[str, np.ndarray] = {}
        for rep in range(n_rep):
            for name in names:  # interleaved: one run of each contender per round
                if name == "reference" and rep >= slow_repeats:
                    continue
                bar.set_postfix_str(f"{image_name} K={k} seed={seed} {name}")
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # e.g. sklearn's memory-leak notice on Windows
                    timing = time_call(CONTENDERS[name], image, k, seed, max_iter, tol, repeat=1)
                runs[name].append(timing.median)
                outputs[name] = timing.result
                bar.update(1)
        for name in names:
            value = float("nan") if name == FLOOR else mse(image, outputs[name])
            secs = runs[name]
            rows.append(
                {
                    "image": image_name,
                    "pixels": image.shape[0] * image.shape[1],
                    "distinct_colors": n_distinct,
                    "k": k,
                    "seed": seed,
                    "contender": name,
                    "seconds": statistics.median(secs) if timed else float("nan"),
                    "min_s": min(secs) if timed else float("nan"),
                    "max_s": max(secs) if timed else float("nan"),
                    "repeats": len(secs) if timed else 0,
                    "mse": value,
                    "psnr": psnr_from_mse(value),
                }
            )
    bar.close()
    return _with_ratios(pd.DataFrame(rows))


def _with_ratios(table: pd.DataFrame) -> pd.DataFrame:
    """Add ``ratio``, ``mse_ratio`` and ``x_floor``: each row against kmeans_lab and the floor on its case."""
    case = ["image", "k", "seed"]
    for column, contender, value in (
        ("ratio", "kmeans_lab", "seconds"),
        ("mse_ratio", "kmeans_lab", "mse"),
        ("x_floor", FLOOR, "seconds"),
    ):
        base = table[table.contender == contender].set_index(case)[value].rename(f"_{column}")
        joined = table.join(base, on=case) if len(base) else table.assign(**{f"_{column}": float("nan")})
        table[column] = joined[value] / joined[f"_{column}"]
    return table


def summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per (image, K, contender): median seconds of the timed seed(s), ratio, mean MSE over all seeds."""
    timed = table[table.repeats > 0]
    grouped = table.groupby(["image", "k", "contender"], sort=False)
    out = grouped.agg(pixels=("pixels", "first"), distinct_colors=("distinct_colors", "first"), mse=("mse", "mean"))
    out["seeds"] = grouped["seed"].nunique()
    t = timed.groupby(["image", "k", "contender"], sort=False).agg(
        seconds=("seconds", "median"), ratio=("ratio", "median"), x_floor=("x_floor", "median")
    )
    out = out.join(t)
    ours = out.xs("kmeans_lab", level="contender")["mse"]
    out["mse_ratio"] = out["mse"] / ours.reindex(out.index.droplevel("contender")).to_numpy()
    out["psnr"] = [psnr_from_mse(v) for v in out.mse]
    return out.reset_index()[
        [
            "image",
            "pixels",
            "distinct_colors",
            "k",
            "contender",
            "seconds",
            "ratio",
            "x_floor",
            "mse",
            "mse_ratio",
            "psnr",
            "seeds",
        ]
    ]


# --------------------------------------------------------------------------- paths

#: The paths of kmeans_lab the paths study times: name → (input, contender). The input is the
#: opaque photograph (``"rgb"``) or one of its transparent versions
#: (:data:`kmeans_lab.lab.transparency.SHAPES`); the contender is a key of
#: :data:`~kmeans_lab.lab.contenders.CONTENDERS` for the opaque input and of
#: :data:`~kmeans_lab.lab.contenders.RGBA_CONTENDERS` for a transparent one.
PATHS: dict[str, tuple[str, str]] = {
    "rgb": ("rgb", "kmeans_lab"),
    "oklab": ("rgb", "kmeans_lab_oklab"),
    "lab": ("rgb", "kmeans_lab_lab"),
    "rgba-vignette": ("vignette", "kmeans_lab"),
    "rgba-cutout": ("cutout", "kmeans_lab"),
}
#: What every path is set against, on the same input.
_PATH_BASELINES = ("imagequant", FLOOR)
#: The Kodak photographs (768×512) of the shared benchmark data.
_KODAK = ("kodim05.png", "kodim23.png")
#: The 1920×1280-class photograph: the 2560×1700 one resized by Lanczos, kept in memory.
_MID_SIZE = (1920, 1275)


def benchdata_dir() -> Path | None:
    """The shared benchmark photographs, ``../shared/benchdata`` of the checkout, or None if absent.

    A checkout in a git worktree lies deeper than the main one, so the nearest folder above the
    checkout holding ``shared/benchdata`` counts as well.
    """
    for folder in project_root().parents:
        candidate = folder / "shared" / "benchdata"
        if candidate.is_dir():
            return candidate
    return None


def _resized(path: Path, size: tuple[int, int]) -> np.ndarray:
    """The photograph at ``path`` resized to ``size`` (width, height) by Lanczos, (H, W, 3) uint8."""
    return np.asarray(Image.fromarray(read_image(path)).resize(size, Image.Resampling.LANCZOS))


def paths_images(sources: Sequence[Path | str] | None = None) -> tuple[list[tuple[str, np.ndarray]], list[str]]:
    """The photographs of the paths study, decoded: ``([(name, image), ...], notes)``.

    Parameters
    ----------
    sources : sequence of paths or generated names, optional
        Instead of the default: the Kodak pair (768×512, when the shared benchmark data is
        there; a note says when it is not), ``coffee-1920x1275`` (``data/coffee-2560x1700.jpg``
        resized by Lanczos), ``data/coffee-2560x1700.jpg`` itself and the generated lossless
        ``high-colour`` photograph (2560×1700, :mod:`kmeans_lab.lab.generated`).

    Returns
    -------
    images : list of (str, ndarray of shape (H, W, 3), uint8)
    notes : list of str
        One line per photograph that could not be used.
    """
    if sources is not None:
        return [benchmark_image(source) for source in sources], []
    images, notes = [], []
    folder = benchdata_dir()
    if folder is None:
        notes.append("the Kodak photographs are skipped: no ../shared/benchdata beside the checkout")
    else:
        for name in _KODAK:
            path = folder / name
            if path.is_file():
                images.append((path.stem, read_image(path)))
            else:
                notes.append(f"{path} is absent: skipped")
    large = data_path(_DEFAULT_IMAGE)
    images.append((f"coffee-{_MID_SIZE[0]}x{_MID_SIZE[1]}", _resized(large, _MID_SIZE)))
    images.append((large.stem, read_image(large)))
    images.append(benchmark_image(_DEFAULT_GENERATED))
    return images, notes


def _path_calls(image: np.ndarray, seed: int) -> dict[tuple[str, str], tuple[np.ndarray, object]]:
    """Every (input, contender) of the paths study on one photograph: its input and a ``fn(input, k)``."""
    defaults = KMeansOptions()
    inputs = {"rgb": image} | {shape: make(image) for shape, make in SHAPES.items()}
    runnable, _ = available_contenders(list(_PATH_BASELINES))
    calls = {}
    for input_name, contender in PATHS.values():
        for name in [contender, *runnable]:
            if input_name == "rgb":
                fn = CONTENDERS[name]
                calls[input_name, name] = (inputs[input_name], _rgb_call(fn, seed, defaults))
            else:
                calls[input_name, name] = (inputs[input_name], _rgba_call(RGBA_CONTENDERS[name], seed))
    return calls


def _rgb_call(fn, seed: int, defaults: KMeansOptions):
    return lambda image, k: fn(image, k, seed, defaults.max_iter, defaults.tol)


def _rgba_call(fn, seed: int):
    return lambda rgba, k: fn(rgba, k, seed)


def run_paths(
    images: Sequence[tuple[str, np.ndarray]],
    ks: Sequence[int],
    *,
    repeats: int = 3,
    seed: int = 0,
    progress: bool = True,
) -> pd.DataFrame:
    """Time every path of kmeans_lab against libimagequant and the floor on the same input.

    For each photograph and K, every (input, contender) runs once per round, ``repeats``
    rounds (interleaved), on the library's default k-means settings and ``seed``.

    Parameters
    ----------
    images : sequence of (str, ndarray of shape (H, W, 3), uint8)
        Named opaque photographs; their transparent versions are built here.
    ks : sequence of int
    repeats : int, default 3
    seed : int, default 0
    progress : bool, default True

    Returns
    -------
    pandas.DataFrame
        One row per (image, K, input, contender): image, input (``"rgb"`` or a shape of
        :data:`~kmeans_lab.lab.transparency.SHAPES`), pixels, distinct_colors (of the input),
        k, contender, path (the :data:`PATHS` name of a kmeans_lab row, empty for the
        baselines), seconds (median wall clock), min_s, max_s, repeats, cpu_s (median CPU
        seconds of the process, every thread: less sensitive than the wall clock to other work
        on the machine, above it for a contender that runs threads), mse (RGBA MSE for RGBA
        inputs; NaN for the floor), psnr, load_1min and load_5min (the machine's load average
        when the case started), and, against the same image, K and input: ``x_imagequant``
        (seconds / libimagequant's), ``x_floor`` (seconds / the floor's), the same of CPU
        seconds (``cpu_x_imagequant``, ``cpu_x_floor``) and ``mse_ratio`` (MSE /
        libimagequant's).
    """
    if repeats < 1:
        raise ValueError(f"repeats must be >= 1, got {repeats}")
    path_of = {value: name for name, value in PATHS.items()}
    total = len(images) * len(ks) * repeats
    bar = tqdm(total=total, disable=not progress, desc="paths", unit="round", file=sys.stderr)
    rows = []
    for image_name, image in images:
        calls = _path_calls(image, seed)
        distinct = {name: len(ColorHistogram.from_image(inputs)) for (name, _), (inputs, _) in calls.items()}
        for k in ks:
            load_1, load_5, _ = os.getloadavg()
            runs: dict[tuple[str, str], list[float]] = {key: [] for key in calls}
            cpu: dict[tuple[str, str], list[float]] = {key: [] for key in calls}
            outputs: dict[tuple[str, str], np.ndarray] = {}
            for _ in range(repeats):
                for key, (inputs, fn) in calls.items():  # interleaved: one run of each per round
                    bar.set_postfix_str(f"{image_name} K={k} {key[0]} {key[1]}")
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        cpu_start, wall_start = time.process_time(), time.perf_counter()
                        outputs[key] = fn(inputs, k)
                        runs[key].append(time.perf_counter() - wall_start)
                        cpu[key].append(time.process_time() - cpu_start)
                bar.update(1)
            for (input_name, name), secs in runs.items():
                inputs = calls[input_name, name][0]
                value = float("nan") if name == FLOOR else mse(inputs, outputs[input_name, name])
                rows.append(
                    {
                        "image": image_name,
                        "input": input_name,
                        "pixels": image.shape[0] * image.shape[1],
                        "distinct_colors": distinct[input_name],
                        "k": k,
                        "contender": name,
                        "path": path_of.get((input_name, name), ""),
                        "seconds": statistics.median(secs),
                        "min_s": min(secs),
                        "max_s": max(secs),
                        "repeats": len(secs),
                        "cpu_s": statistics.median(cpu[input_name, name]),
                        "mse": value,
                        "psnr": psnr_from_mse(value),
                        "load_1min": load_1,
                        "load_5min": load_5,
                    }
                )
    bar.close()
    return _with_baseline_ratios(pd.DataFrame(rows))


def _with_baseline_ratios(table: pd.DataFrame) -> pd.DataFrame:
    """Add the ratios of time (wall and CPU) and MSE of each row to the baselines' on its input."""
    case = ["image", "k", "input"]
    for column, contender, value in (
        ("x_imagequant", "imagequant", "seconds"),
        ("x_floor", FLOOR, "seconds"),
        ("cpu_x_imagequant", "imagequant", "cpu_s"),
        ("cpu_x_floor", FLOOR, "cpu_s"),
        ("mse_ratio", "imagequant", "mse"),
    ):
        base = table[table.contender == contender].set_index(case)[value].rename(f"_{column}")
        joined = table.join(base, on=case) if len(base) else table.assign(**{f"_{column}": float("nan")})
        table[column] = joined[value] / joined[f"_{column}"]
    return table


def paths_summary(table: pd.DataFrame, value: str = "x_imagequant") -> pd.DataFrame:
    """One row per (image, K), one column per path: ``value`` of the kmeans_lab rows (:func:`run_paths`)."""
    ours = table[table.path.fillna("") != ""]
    wide = ours.pivot_table(index=["image", "k"], columns="path", values=value, sort=False)
    return wide[[p for p in PATHS if p in wide.columns]].reset_index()


# --------------------------------------------------------------------------- command line

# --quick: a smoke test of the whole pipeline, seconds on a small image.
_QUICK_IMAGE = "chelsea.png"
_DEFAULT_IMAGE = "coffee-2560x1700.jpg"
_DEFAULT_GENERATED = "high-colour"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m kmeans_lab.lab.bench", description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--images",
        nargs="+",
        help=f"image files or generated images {list(GENERATED)} "
        f"(default: data/{_DEFAULT_IMAGE} and {_DEFAULT_GENERATED})",
    )
    p.add_argument(
        "--k", nargs="+", type=int, help="palette sizes (default 16 30 64 256; 64 256 for --paths and --perceptual)"
    )
    p.add_argument("--repeats", type=int, default=3, help="timed runs per case, median reported (default 3)")
    p.add_argument("--contenders", nargs="+", default=list(CONTENDERS), help=f"subset of {list(CONTENDERS)}")
    p.add_argument("--seeds", nargs="+", type=int, default=[0], help="seeds timed (default 0)")
    p.add_argument("--quality-seeds", nargs="*", type=int, default=[], help="extra seeds run once for MSE only")
    p.add_argument("--max-iter", type=int, default=300)
    p.add_argument("--tol", type=float, default=1e-4)
    p.add_argument("--slow-repeats", type=int, default=1, help="repeats of 'reference' (default 1)")
    p.add_argument("--slow-max-k", type=int, default=30, help="run 'reference' only at K <= this (default 30)")
    p.add_argument("--quick", action="store_true", help=f"data/{_QUICK_IMAGE} (or --images), K 4 and 16, 1 repeat")
    study = p.add_mutually_exclusive_group()
    study.add_argument("--scaling", action="store_true", help="time vs pixels and vs K instead")
    study.add_argument(
        "--paths",
        action="store_true",
        help="instead: every path (rgb, oklab, lab, RGBA vignette and cut-out) against libimagequant and the floor",
    )
    study.add_argument(
        "--perceptual",
        action="store_true",
        help="instead: SSIMULACRA2, FLIP, MSE and bytes of the file each tool writes, against pngquant",
    )
    p.add_argument("--out", type=Path, help="folder for the CSV (and figure); default figures/ of the checkout")
    p.add_argument(
        "--csv",
        help="file name of the table in --out "
        "(default benchmark.csv; benchmark-paths.csv, benchmark-perceptual.csv for those studies)",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    args = _parser().parse_args(argv)
    if args.repeats < 1:
        raise SystemExit(f"--repeats must be >= 1, got {args.repeats}")
    out = args.out or figures_dir()
    out.mkdir(parents=True, exist_ok=True)
    progress = not args.no_progress
    if args.paths:
        return _main_paths(args, out, progress)
    if args.perceptual:
        return _main_perceptual(args, out, progress)
    if args.scaling:
        image = args.images[0] if args.images else data_path(_DEFAULT_IMAGE)
        kw = {"megapixels": (0.25, 0.5), "ks": (2, 8), "repeats": 1} if args.quick else {"repeats": args.repeats}
        table = run_scaling(image, seed=args.seeds[0], progress=progress, **kw)
        table.to_csv(out / "scaling.csv", index=False)
        save_figure(scaling_figure(table), out / "scaling.png")
        print(table.to_string(index=False))
        return 0
    if args.quick:
        images = args.images or [data_path(_QUICK_IMAGE)]
        ks, repeats, quality_seeds = [4, 16], 1, []
    else:
        images = args.images or [data_path(_DEFAULT_IMAGE), _DEFAULT_GENERATED]
        ks, repeats, quality_seeds = args.k or [16, 30, 64, 256], args.repeats, args.quality_seeds
    contenders, notes = available_contenders(args.contenders)
    if "kmeans_lab" not in contenders:
        contenders.insert(0, "kmeans_lab")  # the ratios are to kmeans_lab
    for note in notes:
        print(note, file=sys.stderr)
    table = run_benchmark(
        images,
        ks,
        contenders,
        repeats=repeats,
        seeds=args.seeds,
        quality_seeds=quality_seeds,
        max_iter=args.max_iter,
        tol=args.tol,
        slow_repeats=args.slow_repeats,
        slow_max_k=args.slow_max_k,
        progress=progress,
    )
    table.to_csv(out / (args.csv or "benchmark.csv"), index=False)
    with pd.option_context("display.width", 200, "display.max_rows", 500):
        print(summary(table).to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    for note in notes:
        print(note)
    return 0


def _load_line(when: str) -> str:
    return f"load average {when}: " + " ".join(f"{v:.2f}" for v in os.getloadavg()) + f" ({os.cpu_count()} cores)"


def _main_paths(args: argparse.Namespace, out: Path, progress: bool) -> int:
    """``--paths``: the paths study, its CSV and its tables of ratios."""
    if args.quick:
        images, notes = paths_images(args.images or [data_path(_QUICK_IMAGE)])
        ks, repeats = [4, 16], 1
    else:
        images, notes = paths_images(args.images)
        ks, repeats = args.k or [64, 256], args.repeats
    for note in notes:
        print(note, file=sys.stderr)
    started = _load_line("at the start")
    print(started)
    table = run_paths(images, ks, repeats=repeats, seed=args.seeds[0], progress=progress)
    table.to_csv(out / (args.csv or "benchmark-paths.csv"), index=False)

    def fmt(value: float) -> str:
        return f"{value:.3g}"

    with pd.option_context("display.width", 200, "display.max_rows", 500):
        for value, title in (
            ("x_imagequant", "kmeans_lab's time / libimagequant's (same input)"),
            ("x_floor", "kmeans_lab's time / the floor's (same input)"),
            ("cpu_x_imagequant", "kmeans_lab's CPU time / libimagequant's (same input)"),
            ("seconds", "kmeans_lab's seconds (median)"),
            ("mse_ratio", "kmeans_lab's MSE / libimagequant's"),
        ):
            print(f"\n{title}")
            print(paths_summary(table, value).to_string(index=False, float_format=fmt))
        baselines = table[table.path == ""][["image", "k", "input", "contender", "seconds", "cpu_s", "x_floor"]]
        print("\nthe baselines' seconds (median wall clock and CPU)")
        print(baselines.to_string(index=False, float_format=fmt))
    print(started)
    print(_load_line("at the end"))
    for note in notes:
        print(note)
    return 0


def _main_perceptual(args: argparse.Namespace, out: Path, progress: bool) -> int:
    """``--perceptual``: the perceptual study, its CSV and the summary its targets need."""
    from .perceptual import perceptual_images, perceptual_report, run_perceptual

    if args.quick:
        images, notes = paths_images(args.images or [data_path(_QUICK_IMAGE)])
        ks, repeats = [16], 1
    else:
        images, notes = perceptual_images(args.images)
        ks, repeats = args.k or [64, 256], args.repeats
    started = _load_line("at the start")
    print(started)
    table, run_notes = run_perceptual(images, ks, seed=args.seeds[0], repeats=repeats, progress=progress)
    notes += run_notes
    for note in notes:
        print(note, file=sys.stderr)
    table.to_csv(out / (args.csv or "benchmark-perceptual.csv"), index=False)
    print(perceptual_report(table))
    print(started)
    print(_load_line("at the end"))
    for note in notes:
        print(note)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
