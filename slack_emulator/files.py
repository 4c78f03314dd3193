"""Files: Slack's upload flow, and files.info.

1. ``files.getUploadURLExternal`` (``filename``, ``length``, ``alt_txt``) answers an
   ``upload_url`` (served by the emulator, ``/upload/<file_id>``) and a ``file_id``.
2. A POST of the bytes to that URL, raw or ``multipart/form-data``; answered ``200 OK -
   <length>`` as Slack does. Recorded as a call to :data:`UPLOAD_URL`, which
   :meth:`~slack_emulator.server.SlackEmulator.fail` and ``slow`` also take.
3. ``files.completeUploadExternal`` (``files=[{"id", "title"}]``, ``channel_id``,
   ``thread_ts``, ``initial_comment``) shares the files, together, as one bot message in
   the channel's history (in the thread) carrying ``files``, and records the share.

``files.info`` answers a shared file as Slack shows it (``shares.public|private`` by
channel, ``channels``/``groups``/``ims``, ``name``, ``title``, ``size``, ``alt_txt``...);
a file never completed is ``file_not_found``, as is an unknown id.

Completing a file that is already shared shares it again: the emulator assumes the worst,
so that a test catches a bot that completes twice.
"""

from __future__ import annotations

import copy
import email.policy
import json
import mimetypes
import time
from dataclasses import dataclass, field
from email.parser import BytesParser
from typing import Any, NamedTuple

from slack_emulator.limits import MAX_MESSAGE_TEXT
from slack_emulator.methods import Params, _bot_message, _writable, in_thread, method
from slack_emulator.workspace import Channel, SlackError, Workspace

UPLOAD_URL = "upload_url"  # the method name of a POST to an upload URL (calls and faults)
UPLOAD_PATH = "/upload/"
MAX_ALT_TXT = 1000


class Share(NamedTuple):
    """Where a file was shared: the channel, the thread (None: the channel itself) and the
    ts of the message that carries it."""

    channel: str
    thread_ts: str | None
    ts: str


@dataclass
class File:
    """A file as the emulated workspace keeps it."""

    id: str
    name: str
    length: int  # as files.getUploadURLExternal declared it
    alt_txt: str
    created: int = field(default_factory=lambda: int(time.time()))
    content: bytes | None = None  # None until the bytes arrive at the upload URL
    title: str = ""
    completed: bool = False
    shares: list[Share] = field(default_factory=list)


@dataclass(frozen=True)
class UploadedFile:
    """A file as tests see it (:meth:`SlackEmulator.files`)."""

    id: str
    name: str
    title: str
    alt_txt: str
    content: bytes
    completed: bool
    shares: tuple[Share, ...]


def view(file: File) -> UploadedFile:
    return UploadedFile(file.id, file.name, file.title, file.alt_txt, file.content or b"",
                        file.completed, tuple(file.shares))


# ----- step 1 -----------------------------------------------------------------------------


@method("files.getUploadURLExternal")
def get_upload_url_external(ws: Workspace, params: Params) -> dict[str, Any]:
    """An upload URL and a file id for a file of ``length`` bytes named ``filename``."""
    name = params.get("filename")
    if not isinstance(name, str) or not name.strip():
        raise SlackError("invalid_arguments")
    length = _length(params.get("length"))
    alt_txt = str(params.get("alt_txt") or "")
    if len(alt_txt) > MAX_ALT_TXT:
        raise SlackError("alt_txt_too_large")
    file = File(f"F{ws.serial():09d}", name, length, alt_txt)
    ws.files[file.id] = file
    return {"ok": True, "upload_url": f"{ws.upload_base}{UPLOAD_PATH}{file.id}",
            "file_id": file.id}


def _length(value: Any) -> int:
    if value in (None, ""):
        raise SlackError("invalid_arguments")
    try:
        length = int(str(value))
    except ValueError:
        raise SlackError("invalid_arguments") from None
    if length == 0:
        raise SlackError("missing_argument")  # Slack's answer for a length of 0
    if length < 0:
        raise SlackError("invalid_arguments")
    return length


# ----- step 2 -----------------------------------------------------------------------------


def receive(ws: Workspace, file_id: str, body: bytes, content_type: str) -> tuple[int, str]:
    """A POST to a file's upload URL: the HTTP status and the text answer."""
    file = ws.files.get(file_id)
    if file is None or file.completed:
        return 404, "Not Found"
    data = _multipart_file(body, content_type) if content_type.lower().startswith(
        "multipart/form-data") else body
    if data is None:
        return 400, "Bad Request: no file in the form"
    if len(data) != file.length:
        return 400, f"Bad Request: {len(data)} bytes, {file.length} declared"
    file.content = data
    return 200, f"OK - {len(data)}"


def _multipart_file(body: bytes, content_type: str) -> bytes | None:
    """The first file part of a ``multipart/form-data`` body (``-F file=@x``)."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    form = BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    if not form.is_multipart():
        return None
    for part in form.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if part.get_filename() is not None or name in ("file", "filename"):
            payload = part.get_payload(decode=True)
            return payload if isinstance(payload, bytes) else None
    return None


# ----- step 3 -----------------------------------------------------------------------------


@method("files.completeUploadExternal")
def complete_upload_external(ws: Workspace, params: Params) -> dict[str, Any]:
    """Share uploaded files together, in ``channel_id`` (in ``thread_ts``) if given."""
    entries = _files_param(params.get("files"))
    files: list[tuple[File, str]] = []
    for entry in entries:
        file = ws.files.get(str(entry["id"]))
        if file is None or file.content is None:
            raise SlackError("file_not_found")  # unknown, or its bytes never arrived
        files.append((file, str(entry.get("title") or file.title or file.name)))
    comment = params.get("initial_comment")
    if comment is not None and len(str(comment)) > MAX_MESSAGE_TEXT:
        raise SlackError("msg_too_long")
    channel_id = params.get("channel_id") or str(params.get("channels") or "").split(",")[0]
    thread_ts = params.get("thread_ts") or None
    if thread_ts and not channel_id:
        raise SlackError("invalid_arguments")
    channel = _writable(ws.resolve(channel_id)) if channel_id else None
    for file, title in files:
        file.title, file.completed = title, True
    if channel is not None:
        _share(ws, channel, [file for file, _ in files], comment, thread_ts)
    return {"ok": True, "files": [{"id": file.id, "title": file.title} for file, _ in files]}


def _files_param(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise SlackError("invalid_arguments") from None
    if not isinstance(value, list) or not value:
        raise SlackError("invalid_arguments")
    if not all(isinstance(entry, dict) and entry.get("id") for entry in value):
        raise SlackError("invalid_arguments")
    return value


def _share(ws: Workspace, channel: Channel, files: list[File], comment: Any,
           thread_ts: str | None) -> None:
    message = _bot_message(ws, None if comment is None else str(comment), None)
    message.update(upload=True, display_as_bot=False,
                   files=[_file_object(ws, file, shares=False) for file in files])
    root = in_thread(ws, channel.id, message, str(thread_ts)) if thread_ts else None
    ws.append(channel.id, message)
    for file in files:
        file.shares.append(Share(channel.id, root, message["ts"]))


# ----- files.info -------------------------------------------------------------------------


@method("files.info")
def files_info(ws: Workspace, params: Params) -> dict[str, Any]:
    """A completed file, with where it was shared."""
    file = ws.files.get(str(params.get("file") or ""))
    if file is None or not file.completed:
        raise SlackError("file_not_found")
    return {"ok": True, "file": _file_object(ws, file, shares=True), "comments": [],
            "response_metadata": {"next_cursor": ""}}


def _file_object(ws: Workspace, file: File, *, shares: bool) -> dict[str, Any]:
    mimetype = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    filetype = file.name.rpartition(".")[2].lower() if "." in file.name else "binary"
    url = f"https://files.slack.com/files-pri/{ws.team_id}-{file.id}/{file.name}"
    shown: dict[str, Any] = {
        "id": file.id, "created": file.created, "timestamp": file.created, "name": file.name,
        "title": file.title or file.name, "mimetype": mimetype, "filetype": filetype,
        "pretty_type": filetype.upper(), "user": ws.bot_user_id, "user_team": ws.team_id,
        "editable": False, "size": len(file.content or b""), "mode": "hosted",
        "is_external": False, "external_type": "", "is_public": False,
        "public_url_shared": False, "display_as_bot": False, "username": "",
        "url_private": url, "url_private_download": url.replace("files-pri", "files-pri/download"),
        "permalink": f"https://{ws.team_domain}.slack.com/files/{ws.bot_user_id}/{file.id}",
        "has_rich_preview": False, "file_access": "visible",
    }
    if file.alt_txt:
        shown["alt_txt"] = file.alt_txt
    if shares:
        shown.update(_shares(ws, file))
    return shown


def _shares(ws: Workspace, file: File) -> dict[str, Any]:
    found: dict[str, dict[str, list[dict[str, Any]]]] = {}
    where: dict[str, list[str]] = {"channels": [], "groups": [], "ims": []}
    for share in file.shares:
        channel = ws.channels.get(share.channel)
        private = channel is None or channel.is_private or channel.is_im or channel.is_mpim
        entry: dict[str, Any] = {"reply_users": [], "reply_users_count": 0, "reply_count": 0,
                                 "ts": share.ts, "channel_name": channel.name if channel else "",
                                 "team_id": ws.team_id, "share_user_id": ws.bot_user_id,
                                 "source": "UNKNOWN"}
        if share.thread_ts:
            entry["thread_ts"] = share.thread_ts
        found.setdefault("private" if private else "public", {}).setdefault(
            share.channel, []).append(entry)
        group = "ims" if channel is not None and channel.is_im else (
            "groups" if private else "channels")
        if share.channel not in where[group]:
            where[group].append(share.channel)
    is_public = bool(found.get("public"))
    return {"shares": copy.deepcopy(found), "is_public": is_public, **where}
