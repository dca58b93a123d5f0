"""The built-in populations where entry points of earlier installs look for them.

``pyproject.toml`` registers them as ``retroprog_sim.model.population:GENERAL``
and so on; an environment installed before the harness's layout changed still
has ``retroprog_sim._population:GENERAL`` in its metadata until it is installed
again.  This module keeps those entry points loading.
"""

from .model.population import ATHLETE, DECONDITIONED, GENERAL, POST_INJURY

__all__ = ["ATHLETE", "DECONDITIONED", "GENERAL", "POST_INJURY"]
