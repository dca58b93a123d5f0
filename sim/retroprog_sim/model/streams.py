"""Counter-based random numbers: a client's every draw a function of (seed, id, stream, counter).

A simulated client draws from a few named streams (:data:`STREAMS`): its
parameters, its attendance, its sessions, its dropout and, with a coach, its
arrival.  Each stream of each client is a SplitMix64 generator (Steele, Lea
& Flood 2014, "Fast splittable pseudorandom number generators", OOPSLA;
``splitmix64`` in Vigna's xoshiro reference code), whose *n*-th output is a
mixing function of ``key + n·γ``: the *n*-th draw is computed directly from
its counter, with no state kept between draws.  So a client draws the same
numbers whatever else is drawn, whatever the worker, the order or the
block, and a block of clients draws all its numbers with a few NumPy
operations.

Counters are the day (attendance, arrival), the day and the uniform's
position (a session's :data:`~.core.UNIFORMS` uniforms), the day of the
session just done (dropout) and the parameter's position (parameters).

The same functions take Python ints (one client) and ``uint64`` arrays (a
block): integer arithmetic modulo 2⁶⁴ is exact either way, and the uniform is
an odd multiple of 2⁻⁵³ (never 0 or 1), exact in a float, so both give the
same numbers bit for bit.
"""

from __future__ import annotations

from typing import Any, TypeVar

__all__ = ["STREAMS", "stream_keys", "uniforms"]

T = TypeVar("T")

#: The streams a client draws from.
STREAMS = ("params", "attendance", "session", "dropout", "arrival")

_MASK = (1 << 64) - 1
#: SplitMix64's increment: 2⁶⁴ divided by the golden ratio, made odd.
_GAMMA = 0x9E3779B97F4A7C15


def _mix(z: Any) -> Any:
    """SplitMix64's output function (a bijection of 64-bit integers)."""
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


def stream_keys(seed: int, ids: T, stream: str) -> T:
    """The keys of clients ``ids`` (an int, or an array of ``uint64``) for ``stream``.

    One client's numbers are a block's, bit for bit:

    >>> import numpy as np
    >>> one = uniforms(stream_keys(0, 7, "session"), 3)
    >>> ids = np.arange(10, dtype=np.uint64)
    >>> block = uniforms(stream_keys(0, ids, "session"), np.full(10, 3, np.uint64))
    >>> bool(block[7] == one), 0 < one < 1
    (True, True)
    """
    base = _mix((seed * _GAMMA + STREAMS.index(stream) + 1) & _MASK)
    keys: T = _mix((base + ids * _GAMMA) & _MASK)  # type: ignore[operator]
    return keys


def uniforms(keys: Any, counters: Any) -> Any:
    """The uniform numbers in (0, 1) at ``counters`` of the streams ``keys``.

    ``keys`` and ``counters``: ints, or ``uint64`` arrays (broadcast together;
    arrays, not NumPy scalars, whose arithmetic warns when it wraps).
    """
    drawn = _mix((keys + (counters + 1) * _GAMMA) & _MASK)
    return ((drawn >> 11) | 1) * 2.0**-53
