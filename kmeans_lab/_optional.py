"""Imports of optional dependencies, with an error that says how to install them."""

from __future__ import annotations

import contextlib
import functools
import importlib
from contextlib import AbstractContextManager
from types import ModuleType

__all__ = ["dask_compute", "require", "single_blas_thread"]


def require(module: str, purpose: str, extra: str = "report") -> ModuleType:
    """Import ``module`` or raise ``ImportError`` naming ``purpose`` and the extra that installs it.

    Examples
    --------
    >>> require("numpy", "arrays").__name__
    'numpy'
    """
    try:
        return importlib.import_module(module)
    except ImportError:
        package = module.split(".")[0].replace("skimage", "scikit-image").replace("sklearn", "scikit-learn")
        raise ImportError(
            f"{purpose} needs {package}: pip install {package} (or pip install 'kmeans-lab[{extra}]')"
        ) from None


def dask_compute(*collections, purpose: str):
    """Compute Dask collections on the current scheduler; threads in this process when none is set.

    The current scheduler is a ``distributed.Client`` that made itself current (every client
    does when made, or ``dask.config.set(scheduler=client)``), or what ``dask.config`` names.
    Unset, threads: a ``dask.bag``'s own default would start processes and pickle every image.
    """
    dask = require("dask", purpose, extra="distributed")
    return dask.compute(*collections, scheduler=dask.config.get("scheduler", None) or "threads")


def single_blas_thread() -> AbstractContextManager:
    """A context in which BLAS runs on one thread, if ``threadpoolctl`` is installed; else it does nothing.

    ``threadpoolctl`` is optional (scikit-learn brings it); nothing else changes without it.

    Examples
    --------
    >>> with single_blas_thread():
    ...     pass
    """
    controller = _blas_controller()
    return contextlib.nullcontext() if controller is None else controller.limit(limits=1, user_api="blas")


@functools.cache
def _blas_controller():
    """threadpoolctl's controller, made once (making one scans the loaded libraries); None without threadpoolctl."""
    try:
        return importlib.import_module("threadpoolctl").ThreadpoolController()
    except ImportError:
        return None
