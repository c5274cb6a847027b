"""Fixtures shared by the integration tests beyond tests/conftest.py."""

from tests.integration.lifecycle_model.world import world  # noqa: F401  (the property test's world fixture)
