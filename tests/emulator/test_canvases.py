"""Canvases in the emulator: a channel's canvas created once, edited (the markdown kept
for tests to read), and each refusal Slack gives."""

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from slack_emulator import SlackEmulator


def refused(call, *args, **kwargs) -> str:
    with pytest.raises(SlackApiError) as info:
        call(*args, **kwargs)
    return str(info.value.response["error"])


def markdown(text: str) -> dict:
    return {"type": "markdown", "markdown": text}


def test_a_channel_canvas_is_created_once_and_edited(client: WebClient, emulator: SlackEmulator):
    answer = client.conversations_canvases_create(
        channel_id="C0001", document_content=markdown("# Plan\nweek 1"), title="Acme · pilot"
    )
    canvas_id = answer["canvas_id"]
    assert emulator.canvas("C0001") == "# Plan\nweek 1"
    again = refused(client.conversations_canvases_create, channel_id="C0001",
                    document_content=markdown("# Other"))
    assert again == "channel_canvas_already_exists"
    assert emulator.canvas("C0001") == "# Plan\nweek 1"

    client.canvases_edit(canvas_id=canvas_id, changes=[
        {"operation": "replace", "document_content": markdown("# Plan\nweek 2")},
        {"operation": "insert_at_end", "document_content": markdown("footer")},
    ])
    assert emulator.canvas("C0001") == "# Plan\nweek 2\nfooter"
    (canvas,) = emulator.canvases()
    assert (canvas.id, canvas.title, len(canvas.edits)) == (canvas_id, "Acme · pilot", 1)
    assert refused(client.canvases_edit, canvas_id=canvas_id, changes=[
        {"operation": "replace", "section_id": "temp:C:1", "document_content": markdown("x")}
    ]) == "invalid_arguments"
    assert refused(client.canvases_edit, canvas_id="F404", changes=[
        {"operation": "replace", "document_content": markdown("x")}
    ]) == "canvas_not_found"
    emulator.delete_canvas(canvas_id)
    assert emulator.canvas("C0001") is None


def test_each_refusal(client: WebClient, emulator: SlackEmulator):
    emulator.add_channel_canvas("C0002", "Someone's notes")
    assert refused(client.conversations_canvases_create, channel_id="C0002",
                   document_content=markdown("# Pilot")) == "channel_canvas_already_exists"
    assert emulator.canvas("C0002") == "Someone's notes"
    emulator.add_channel("C0003", is_member=False)
    assert refused(client.conversations_canvases_create, channel_id="C0003",
                   document_content=markdown("# Pilot")) == "not_in_channel"
    emulator.forbid_channel_canvases()
    assert refused(client.conversations_canvases_create, channel_id="C0001",
                   document_content=markdown("# Pilot")) == (
        "team_tier_cannot_create_channel_canvases")
    emulator.revoke_scope("canvases:write")
    with pytest.raises(SlackApiError) as info:
        client.conversations_canvases_create(channel_id="C0001",
                                             document_content=markdown("# Pilot"))
    assert (info.value.response["error"], info.value.response["needed"]) == (
        "missing_scope", "canvases:write")
    canvas_id = emulator.canvases()[0].id
    assert refused(client.canvases_edit, canvas_id=canvas_id, changes=[
        {"operation": "replace", "document_content": markdown("x")}
    ]) == "missing_scope"
    assert emulator.canvas("C0001") is None
