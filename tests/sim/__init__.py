"""Tests of the SimPy harness (retroprog_sim): runs, populations, metrics, comparisons."""
