"""Fixtures: a running emulator and a slack_sdk client pointed at it."""

from collections.abc import Iterator

import pytest
from slack_sdk import WebClient

from slack_emulator import SlackEmulator

TOKEN = "xoxb-test-token"


@pytest.fixture
def emulator() -> Iterator[SlackEmulator]:
    with SlackEmulator(token=TOKEN) as emu:
        yield emu


@pytest.fixture
def client(emulator: SlackEmulator) -> WebClient:
    # No retry handlers: tests see exactly what the emulator answered.
    return WebClient(token=TOKEN, base_url=emulator.api_url, retry_handlers=[])
