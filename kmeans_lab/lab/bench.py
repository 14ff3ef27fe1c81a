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
"""

from __future__ import annotations

import argparse
import statistics
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from ..histogram import ColorHistogram
from ..metrics import mse, psnr_from_mse
from .contenders import CONTENDERS, FLOOR, available_contenders
from .generated import GENERATED, benchmark_image
from .paths import data_path, figures_dir
from .plots import save_figure, scaling_figure
from .scaling import run_scaling
from .timing import time_call

__all__ = ["run_benchmark", "summary", "main"]


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
    p.add_argument("--k", nargs="+", type=int, default=[16, 30, 64, 256], help="palette sizes (default 16 30 64 256)")
    p.add_argument("--repeats", type=int, default=3, help="timed runs per case, median reported (default 3)")
    p.add_argument("--contenders", nargs="+", default=list(CONTENDERS), help=f"subset of {list(CONTENDERS)}")
    p.add_argument("--seeds", nargs="+", type=int, default=[0], help="seeds timed (default 0)")
    p.add_argument("--quality-seeds", nargs="*", type=int, default=[], help="extra seeds run once for MSE only")
    p.add_argument("--max-iter", type=int, default=300)
    p.add_argument("--tol", type=float, default=1e-4)
    p.add_argument("--slow-repeats", type=int, default=1, help="repeats of 'reference' (default 1)")
    p.add_argument("--slow-max-k", type=int, default=30, help="run 'reference' only at K <= this (default 30)")
    p.add_argument("--quick", action="store_true", help=f"data/{_QUICK_IMAGE} (or --images), K 4 and 16, 1 repeat")
    p.add_argument("--scaling", action="store_true", help="time vs pixels and vs K instead")
    p.add_argument("--out", type=Path, help="folder for the CSV (and figure); default figures/ of the checkout")
    p.add_argument("--csv", default="benchmark.csv", help="file name of the table in --out (default benchmark.csv)")
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
        ks, repeats, quality_seeds = args.k, args.repeats, args.quality_seeds
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
    table.to_csv(out / args.csv, index=False)
    with pd.option_context("display.width", 200, "display.max_rows", 500):
        print(summary(table).to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    for note in notes:
        print(note)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
