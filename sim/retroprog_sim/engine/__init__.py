"""The SimPy engine: what a run is, and the process that simulates its clients.

* :mod:`.spec` — :class:`~retroprog_sim.RunSpec`, what a run is (no SimPy here);
* :mod:`.process` — the SimPy process of each client, block by block;
* :mod:`.tally` — what is kept of each client, and its result.

The package imports none of them itself: building a run does not load SimPy.
"""
