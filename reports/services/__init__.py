"""Writes of the reports app, by topic: ``rollups`` (the refresh of the statistics, with
``rollup_events``, ``rollup_statuses`` and ``coverage``), ``exports`` (export jobs) and
``heartbeat`` (the worker heartbeat and the runs of the periodic jobs)."""
