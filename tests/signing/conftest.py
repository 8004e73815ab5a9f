"""Signing's evidence fixtures: a test CA with its CRL and timestamp authority over HTTP, and a
SoftHSM2 token."""

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.signing.hsm import Token, make_token
from tests.signing.trust import TestPki


@pytest.fixture
def pki() -> Iterator[TestPki]:
    server = TestPki().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def token() -> Iterator[Token]:
    made = make_token()
    yield made
    shutil.rmtree(Path(os.environ["SOFTHSM2_CONF"]).parent, ignore_errors=True)
