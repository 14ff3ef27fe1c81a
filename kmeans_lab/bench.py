"""The benchmark: ``python -m kmeans_lab.bench`` (protocol in DESIGN.md).

Every contender gets the same decoded image, K and seed; contenders are interleaved in
one process (repeat r of every contender runs before repeat r + 1 of any), each timed
from the decoded ``(H, W, 3) uint8`` array to the quantized array it produces. MSE and
PSNR are measured on that uint8 array. Rows go to ``figures/benchmark.csv`` (or
``--out``) and are printed as a table with each contender's time as a multiple of
kmeans_lab's.

``--scaling`` instead times kmeans_lab against pixels (0.25 → 16 MP, a photograph
cropped or upscaled) and against K (2 → 256): ``figures/scaling.csv`` and
``figures/scaling.png``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from .image import read_image
from .metrics import mse, psnr_from_mse
from .paths import DATA_DIR, FIGURES_DIR
from .quantize import distinct_colors, quantize

__all__ = ["CONTENDERS", "available_contenders", "run_benchmark", "summary", "run_scaling", "scaling_figure", "main"]

Contender = Callable[[np.ndarray, int, int, int, float], np.ndarray]


# --------------------------------------------------------------------------- contenders
# Each: (image (H, W, 3) uint8, k, seed, max_iter, tol) -> quantized (H, W, 3) uint8.


def _kmeans_lab(image: np.ndarray, k: int, seed: int, max_iter: int, tol: float) -> np.ndarray:
    return quantize(image, k, seed=seed, max_iter=max_iter, tol=tol).image


def _reference(image: np.ndarray, k: int, seed: int, max_iter: int, tol: float) -> np.ndarray:
    from .reference import reference_quantize

    # The first report's own stopping rule and iteration cap, its "in pixels" init.
    return reference_quantize(image, k, init_centroids="in_pixels", seed=seed)


def _sklearn_pixels(image: np.ndarray, k: int, seed: int, max_iter: int, tol: float) -> np.ndarray:
    from sklearn.cluster import KMeans

    x = image.reshape(-1, 3).astype(np.float32) / 255.0
    model = KMeans(k, init="k-means++", n_init=1, max_iter=max_iter, tol=tol, algorithm="lloyd", random_state=seed)
    labels = model.fit(x).predict(x)
    palette = np.clip(np.rint(model.cluster_centers_ * 255.0), 0, 255).astype(np.uint8)
    return palette[labels].reshape(image.shape)


def _sklearn_weighted(image: np.ndarray, k: int, seed: int, max_iter: int, tol: float) -> np.ndarray:
    from sklearn.cluster import KMeans

    colors, counts, inverse = distinct_colors(image)
    x = colors.astype(np.float32) / 255.0
    model = KMeans(k, init="k-means++", n_init=1, max_iter=max_iter, tol=tol, algorithm="lloyd", random_state=seed)
    labels = model.fit(x, sample_weight=counts.astype(np.float32)).predict(x)
    palette = np.clip(np.rint(model.cluster_centers_ * 255.0), 0, 255).astype(np.uint8)
    return palette[labels][inverse].reshape(image.shape)


def _pillow(method_name: str) -> Contender:
    def run(image: np.ndarray, k: int, seed: int, max_iter: int, tol: float) -> np.ndarray:
        from PIL import Image

        method = getattr(Image.Quantize, method_name)
        out = Image.fromarray(image, "RGB").quantize(colors=k, method=method, dither=Image.Dither.NONE)
        return np.asarray(out.convert("RGB"))

    return run


def _imagequant(image: np.ndarray, k: int, seed: int, max_iter: int, tol: float) -> np.ndarray:
    import imagequant
    from PIL import Image

    with warnings.catch_warnings():
        # imagequant 1.1 calls Pillow's deprecated Image.getdata; not ours to fix.
        warnings.simplefilter("ignore", DeprecationWarning)
        out = imagequant.quantize_pil_image(Image.fromarray(image, "RGB").convert("RGBA"), dithering_level=0.0, max_colors=k)
    return np.asarray(out.convert("RGB"))


#: Contenders by the names the command line takes, in table order.
CONTENDERS: dict[str, Contender] = {
    "kmeans_lab": _kmeans_lab,
    "reference": _reference,
    "sklearn": _sklearn_pixels,
    "sklearn_weighted": _sklearn_weighted,
    "pillow_mediancut": _pillow("MEDIANCUT"),
    "pillow_maxcoverage": _pillow("MAXCOVERAGE"),
    "pillow_fastoctree": _pillow("FASTOCTREE"),
    "imagequant": _imagequant,
}


def available_contenders(names: Sequence[str]) -> tuple[list[str], list[str]]:
    """Split ``names`` into (runnable, skipped-with-reason notes); unknown names raise ``ValueError``."""
    unknown = [n for n in names if n not in CONTENDERS]
    if unknown:
        raise ValueError(f"unknown contender(s) {unknown}; choose from {list(CONTENDERS)}")
    runnable, notes = [], []
    needs = {"sklearn": "sklearn", "sklearn_weighted": "sklearn", "imagequant": "imagequant"}
    for name in names:
        module = needs.get(name)
        if module is not None:
            try:
                __import__(module)
            except ImportError:
                notes.append(f"{name} skipped: the {module!r} package is not installed")
                continue
        runnable.append(name)
    return runnable, notes


# --------------------------------------------------------------------------- benchmark


def _timed(fn: Contender, image: np.ndarray, k: int, seed: int, max_iter: int, tol: float) -> tuple[float, np.ndarray]:
    start = time.perf_counter()
    out = fn(image, k, seed, max_iter, tol)
    return time.perf_counter() - start, out


def run_benchmark(
    images: Sequence[Path],
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
) -> "pandas.DataFrame":  # noqa: F821
    """Time and score every contender on every image, K and seed.

    Parameters
    ----------
    images : sequence of paths
    ks : sequence of int
    contenders : sequence of names from :data:`CONTENDERS`
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
        contender, seconds (median), min_s, max_s, repeats, mse, psnr, ratio (seconds /
        kmeans_lab's seconds on the same image, K and seed).
    """
    import pandas as pd
    from tqdm.auto import tqdm

    jobs = []
    for path in images:
        for k in ks:
            for seed in list(seeds) + [s for s in quality_seeds if s not in seeds]:
                timed = seed in seeds
                names = [n for n in contenders if n != "reference" or (k <= slow_max_k and timed)]
                n_rep = repeats if timed else 1
                jobs.append((Path(path), k, seed, names, n_rep, timed))
    total = sum(
        sum(min(reps, slow_repeats) if n == "reference" else reps for n in names) for _, _, _, names, reps, _ in jobs
    )
    bar = tqdm(total=total, disable=not progress, desc="bench", unit="run", file=sys.stderr)
    rows = []
    decoded: dict[Path, tuple[np.ndarray, int]] = {}
    for path, k, seed, names, n_rep, timed in jobs:
        if path not in decoded:
            image = read_image(path)
            decoded = {path: (image, len(distinct_colors(image)[0]))}  # keep one image in memory
        image, n_distinct = decoded[path]
        runs: dict[str, list[float]] = {n: [] for n in names}
        outputs: dict[str, np.ndarray] = {}
        for rep in range(n_rep):
            for name in names:  # interleaved: one run of each contender per round
                if name == "reference" and rep >= slow_repeats:
                    continue
                bar.set_postfix_str(f"{path.stem} K={k} seed={seed} {name}")
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # e.g. sklearn's memory-leak notice on Windows
                    seconds, out = _timed(CONTENDERS[name], image, k, seed, max_iter, tol)
                runs[name].append(seconds)
                outputs[name] = out
                bar.update(1)
        for name in names:
            value = mse(image, outputs[name])
            secs = runs[name]
            rows.append(
                {
                    "image": path.stem,
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
    table = pd.DataFrame(rows)
    if len(table):
        base = table[table.contender == "kmeans_lab"].set_index(["image", "k", "seed"])["seconds"]
        keys = list(zip(table.image, table.k, table.seed))
        table["ratio"] = [s / base.get(key, float("nan")) for s, key in zip(table.seconds, keys)]
    return table


def summary(table: "pandas.DataFrame") -> "pandas.DataFrame":  # noqa: F821
    """Per (image, K, contender): median seconds of the timed seed(s), ratio, mean MSE over all seeds."""
    timed = table[table.repeats > 0]
    grouped = table.groupby(["image", "k", "contender"], sort=False)
    out = grouped.agg(pixels=("pixels", "first"), distinct_colors=("distinct_colors", "first"), mse=("mse", "mean"))
    out["seeds"] = grouped["seed"].nunique()
    t = timed.groupby(["image", "k", "contender"], sort=False).agg(seconds=("seconds", "median"), ratio=("ratio", "median"))
    out = out.join(t)
    out["psnr"] = [psnr_from_mse(v) for v in out.mse]
    return out.reset_index()[["image", "pixels", "distinct_colors", "k", "contender", "seconds", "ratio", "mse", "psnr", "seeds"]]


# --------------------------------------------------------------------------- scaling


def _resized(image: np.ndarray, megapixels: float) -> np.ndarray:
    """Centre crop (smaller) or Lanczos upscale (larger) to about ``megapixels``, same aspect."""
    from PIL import Image

    h, w = image.shape[:2]
    scale = np.sqrt(megapixels * 1e6 / (h * w))
    nh, nw = max(1, round(h * scale)), max(1, round(w * scale))
    if scale <= 1:
        top, left = (h - nh) // 2, (w - nw) // 2
        return np.ascontiguousarray(image[top : top + nh, left : left + nw])
    return np.asarray(Image.fromarray(image).resize((nw, nh), Image.Resampling.LANCZOS))


def run_scaling(
    image_path: Path,
    *,
    megapixels: Sequence[float] = (0.25, 0.5, 1, 2, 4, 8, 16),
    ks: Sequence[int] = (2, 4, 8, 16, 32, 64, 128, 256),
    fixed_k: int = 16,
    repeats: int = 3,
    seed: int = 0,
    progress: bool = True,
) -> "pandas.DataFrame":  # noqa: F821
    """kmeans_lab's median time vs pixels (at ``fixed_k``) and vs K (on the image as is).

    Returns
    -------
    pandas.DataFrame
        Rows: study ("pixels" or "k"), pixels, distinct_colors, k, seconds, mse, n_iter.
    """
    import pandas as pd
    from tqdm.auto import tqdm

    image = read_image(image_path)
    cases = [("pixels", _resized(image, mp), fixed_k) for mp in megapixels] + [("k", image, k) for k in ks]
    rows = []
    for study, img, k in tqdm(cases, disable=not progress, desc="scaling", file=sys.stderr):
        secs = []
        for _ in range(repeats):
            start = time.perf_counter()
            q = quantize(img, k, seed=seed)
            secs.append(time.perf_counter() - start)
        rows.append(
            {
                "study": study,
                "pixels": img.shape[0] * img.shape[1],
                "distinct_colors": q.n_distinct,
                "k": k,
                "seconds": statistics.median(secs),
                "mse": mse(img, q.image),
                "n_iter": q.n_iter,
            }
        )
    return pd.DataFrame(rows)


def scaling_figure(table: "pandas.DataFrame") -> "matplotlib.figure.Figure":  # noqa: F821
    """Two log-log panels: seconds vs megapixels, seconds vs K."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.6))
    px = table[table.study == "pixels"]
    left.loglog(px.pixels / 1e6, px.seconds, "o-")
    left.set(xlabel="megapixels", ylabel="seconds (median)", title=f"time vs image size (K={int(px.k.iloc[0])})")
    ks = table[table.study == "k"]
    right.loglog(ks.k, ks.seconds, "o-", base=2)
    right.set(xlabel="K", ylabel="seconds (median)", title=f"time vs K ({ks.pixels.iloc[0] / 1e6:.2f} MP)")
    for ax in (left, right):
        ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- command line

_QUICK_IMAGE = "coffee.png"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m kmeans_lab.bench", description=__doc__.split("\n\n")[0])
    p.add_argument("--images", nargs="+", type=Path, help="image files (default: data/coffee-2560x1700.jpg)")
    p.add_argument("--k", nargs="+", type=int, default=[16, 30, 64], help="palette sizes (default 16 30 64)")
    p.add_argument("--repeats", type=int, default=3, help="timed runs per case, median reported (default 3)")
    p.add_argument("--contenders", nargs="+", default=list(CONTENDERS), help=f"subset of {list(CONTENDERS)}")
    p.add_argument("--seeds", nargs="+", type=int, default=[0], help="seeds timed (default 0)")
    p.add_argument("--quality-seeds", nargs="*", type=int, default=[], help="extra seeds run once for MSE only")
    p.add_argument("--max-iter", type=int, default=300)
    p.add_argument("--tol", type=float, default=1e-4)
    p.add_argument("--slow-repeats", type=int, default=1, help="repeats of 'reference' (default 1)")
    p.add_argument("--slow-max-k", type=int, default=30, help="run 'reference' only at K <= this (default 30)")
    p.add_argument("--quick", action="store_true", help="small image, K 4 and 16: a smoke test under 2 minutes")
    p.add_argument("--scaling", action="store_true", help="time vs pixels and vs K instead")
    p.add_argument("--out", type=Path, default=FIGURES_DIR, help="folder for the CSV (and figure)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    import pandas as pd

    args = _parser().parse_args(argv)
    if args.repeats < 1:
        raise SystemExit(f"--repeats must be >= 1, got {args.repeats}")
    args.out.mkdir(parents=True, exist_ok=True)
    progress = not args.no_progress
    if args.scaling:
        image = args.images[0] if args.images else DATA_DIR / "coffee-2560x1700.jpg"
        kw = {"megapixels": (0.25, 0.5), "ks": (2, 8), "repeats": 1} if args.quick else {"repeats": args.repeats}
        table = run_scaling(image, seed=args.seeds[0], progress=progress, **kw)
        table.to_csv(args.out / "scaling.csv", index=False)
        fig = scaling_figure(table)
        fig.savefig(args.out / "scaling.png", dpi=110, bbox_inches="tight", metadata={"Software": None})
        print(table.to_string(index=False))
        return 0
    if args.quick:
        images = args.images or [DATA_DIR / _QUICK_IMAGE]
        ks, repeats, quality_seeds = [4, 16], min(args.repeats, 3), []
    else:
        images = args.images or [DATA_DIR / "coffee-2560x1700.jpg"]
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
    table.to_csv(args.out / "benchmark.csv", index=False)
    with pd.option_context("display.width", 200, "display.max_rows", 500):
        print(summary(table).to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    for note in notes:
        print(note)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
