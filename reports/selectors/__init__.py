"""Reads for the ministry pages, by topic: ``filters`` (the range and the list's filters),
``overview``, ``statistics``, ``drilldown`` (the rows behind a figure), ``organisations`` (one
organisation's page) and ``exports`` (a person's export jobs). Every caller has already been
checked for VIEW_STATISTICS (export jobs: the person who asked)."""
