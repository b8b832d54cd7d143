"""Shared pytest set-up for the unit tests."""
