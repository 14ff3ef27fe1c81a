"""The lab: what the report and the benchmark need beside the library (the ``report`` extra).

``contenders`` (the quantizers compared with kmeans_lab), ``bench`` (the benchmark, also
``python -m kmeans_lab.lab.bench``), ``scaling``, ``compare`` (rows of the compression
report), ``plots`` (every figure), ``reference`` (the first report's algorithm), ``timing``
and ``paths`` (where ``data/`` and ``figures/`` are). The library never imports the lab.
"""
