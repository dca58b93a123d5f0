"""The simulated client and the populations it is drawn from."""

from .client import Client, ClientModel, ClientParams
from .population import (
    PRESETS,
    Population,
    PresetPopulation,
    client_streams,
    load_population,
)

__all__ = [
    "PRESETS",
    "Client",
    "ClientModel",
    "ClientParams",
    "Population",
    "PresetPopulation",
    "client_streams",
    "load_population",
]
