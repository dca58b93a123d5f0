"""Presenting results: in the terminal, in files, and in the HTML report.

* :mod:`.format` — how figures are written and what each metric is called;
* :mod:`.tables` — one table model for the terminal and the report;
* :mod:`.terminal` — tables drawn with rich, user text shown as written;
* :mod:`.plots` — the plots (matplotlib, imported when drawn);
* :mod:`.figures` — the report's plots, embedded as images;
* :mod:`.report` — the self-contained HTML report;
* :mod:`.plain` — results as JSON values and CSV cells;
* :mod:`.documents` — what ``summary.json``, ``experiment.json`` and the tables say;
* :mod:`.files` — an output folder's files, written whole.

The package imports none of them itself, so that a module needing one (the
store needs :mod:`.plain`) does not load the rest.
"""
