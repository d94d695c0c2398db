"""``make bench-checkout``: checkouts per second against a bare DRF insert endpoint, same run.

``run.py`` is the entry point; ``systems.py`` starts what is measured (pluggable), ``load.py``
is the closed- and open-loop client, ``report.py`` writes docs/benchmarks.md's section and
the plot, ``profile.py`` summarises py-spy samples. See docs/benchmarks.md "Checkout".
"""
