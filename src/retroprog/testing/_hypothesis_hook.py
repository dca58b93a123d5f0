"""Registers retroprog's strategies with Hypothesis (its ``hypothesis`` entry point).

Hypothesis calls :func:`_hypothesis_setup_hook` when it is imported, so
``st.from_type(SessionOutcome)`` works with no import of :mod:`retroprog.testing`.
This module imports Hypothesis only inside the hook: retroprog itself never
depends on it.
"""

from __future__ import annotations

__all__: list[str] = []


def _hypothesis_setup_hook() -> None:
    """Register a strategy for each of retroprog's core types."""
    from hypothesis import strategies as st

    import retroprog as rp

    from . import _strategies as s

    st.register_type_strategy(rp.SessionOutcome, s.outcomes())
    st.register_type_strategy(rp.Segment, s.segments())
    st.register_type_strategy(rp.Level, s.levels())
    st.register_type_strategy(rp.Stage, s.stages())
    st.register_type_strategy(rp.Prescription, s.prescriptions())
    st.register_type_strategy(rp.StagedProtocol, s.protocols())
    st.register_type_strategy(rp.ClientState, st.deferred(lambda: s.states(s.builtin_protocol())))
