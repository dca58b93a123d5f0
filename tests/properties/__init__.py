"""Hypothesis property tests: the safety invariants, JSON round-trips, replay, the article."""
