"""Fixtures of the client tests; helpers live in tests_clients_support.py."""

from tests_clients_support import ed_factory, research_factory  # noqa: F401  (fixtures)
