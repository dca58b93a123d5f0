"""The SimPy engine: what a run is, and the process that simulates its clients."""

from .process import BlockResult, ClientResult, RunSpec, run_block, schedule

__all__ = ["BlockResult", "ClientResult", "RunSpec", "run_block", "schedule"]
