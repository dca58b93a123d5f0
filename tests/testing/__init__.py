"""Tests of retroprog.testing: strategies, check_decision, check_policy, the Hypothesis hook."""
