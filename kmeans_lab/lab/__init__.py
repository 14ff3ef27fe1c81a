"""The lab: what the report and the benchmark need beside the library (the ``report`` and ``bench`` extras).

- ``bench``: the benchmark (``python -m kmeans_lab.lab.bench``; ``--paths``, ``--perceptual``,
  ``--scaling``), over ``contenders`` (the quantizers set against kmeans_lab), ``perceptual``
  (SSIMULACRA2, FLIP and bytes of the file each tool writes), ``scaling`` and ``generated``
  (the generated benchmark images);
- the notebooks' helpers: ``reference`` and ``report1`` (the first report's algorithm and its
  stored measurements), ``compare`` (rows of the compression report), ``transparency``,
  ``animations``, ``gigapixel``, ``plots`` (every figure), ``claims`` (findings checked in
  code), ``machine``, ``timing`` and ``paths`` (where ``data/`` and ``figures/`` are).

The library never imports the lab.
"""
