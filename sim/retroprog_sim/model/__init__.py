"""The simulated client and the populations it is drawn from.

* :mod:`.activities` — what a session plan asks (its dose), activity by activity;
* :mod:`.params` — a client's parameters;
* :mod:`.core` — the model's pure core, for one client or a block (NumPy);
* :mod:`.client` — the per-client plug-in (:class:`ClientModel`) and the default client;
* :mod:`.block` — the default client for a whole block of clients, as arrays;
* :mod:`.likelihood` — the log-likelihood of a session log;
* :mod:`.population` — populations as data files, and the presets.
"""
