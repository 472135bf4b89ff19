"""``make bench``: how Musaada behaves at national scale (not part of the test suite).

``bench.generate`` builds a separate PostgreSQL database per scale with COPY; ``bench.run``
measures the scenarios of docs/benchmarks.md against it and prints one table.
"""
