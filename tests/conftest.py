"""Test-suite settings: hypothesis runs derandomized on CI so a red run can be replayed; the
``children`` fixture owns the processes a test starts and ends them on every path."""

import os
from collections.abc import Iterator

import pytest
from hypothesis import settings

from tests.processes import Children, owned_children

settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture
def children() -> Iterator[Children]:
    """Start processes with ``children.start`` or ``children.run``: each is killed, with everything it
    started, when the test ends, whether it passed, failed or timed out (`tests.processes`)."""
    with owned_children() as owned:
        yield owned
