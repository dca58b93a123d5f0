"""The SimPy engine: what a run is, and the process that simulates its clients.

* :mod:`.spec` — :class:`~retroprog_sim.RunSpec`, what a run is (no SimPy here);
* :mod:`.blocks` — a block's clients, asked about many at once (a population's
  own block form, or its clients one by one);
* :mod:`.process` — one SimPy process per block, stepping the clients due each day;
* :mod:`.tally` — what is kept of each client, and its result.

The package imports none of them itself: building a run does not load SimPy.
"""
