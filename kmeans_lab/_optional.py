"""Imports of optional dependencies, with an error that says how to install them."""

from __future__ import annotations

import importlib
from types import ModuleType

__all__ = ["require"]


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
