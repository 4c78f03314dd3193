"""The upload flow: files.getUploadURLExternal, the upload URL (raw or multipart bytes),
files.completeUploadExternal into a channel or thread, files.info, what Slack refuses,
and faults on each step."""

import json
from urllib.error import HTTPError
from urllib.request import Request, urlopen

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from slack_emulator import SlackEmulator
from slack_emulator.files import UPLOAD_URL


def put(url: str, data: bytes, content_type: str = "application/octet-stream") -> str:
    request = Request(url, data=data, method="POST", headers={"Content-Type": content_type})
    with urlopen(request, timeout=5) as answer:
        return answer.read().decode()


def refused(call, *args, **kwargs) -> str:
    with pytest.raises(SlackApiError) as info:
        call(*args, **kwargs)
    return str(info.value.response["error"])


def test_slack_sdks_upload_v2_shares_files_in_a_thread_with_files_info_to_match(
    client: WebClient, emulator: SlackEmulator
) -> None:
    emulator.add_channel("G0001", is_private=True)
    root = client.chat_postMessage(channel="C0001", text="Weekly review")["ts"]
    answer = client.files_upload_v2(
        file_uploads=[
            {"content": b"# Week 3", "filename": "week-3.md", "title": "Week 3"},
            {"content": b"\x89PNG", "filename": "chart.png", "alt_txt": "C-1 at 52%"},
        ],
        channel="C0001",
        thread_ts=root,
        initial_comment="The week in figures",
    )
    report, chart = emulator.files("C0001")
    assert [f["id"] for f in answer["files"]] == [report.id, chart.id]
    assert (report.name, report.title, report.content) == ("week-3.md", "Week 3", b"# Week 3")
    assert (chart.alt_txt, chart.content) == ("C-1 at 52%", b"\x89PNG")
    [reply] = emulator.thread("C0001", root)[1:]
    assert reply["text"] == "The week in figures" and reply["upload"] is True
    assert [f["name"] for f in reply["files"]] == ["week-3.md", "chart.png"]
    assert report.shares == chart.shares == ((("C0001", root, reply["ts"])),)

    info = client.files_info(file=chart.id)["file"]
    assert (info["name"], info["title"], info["size"], info["alt_txt"]) == (
        "chart.png", "chart.png", 4, "C-1 at 52%")
    assert info["mimetype"] == "image/png" and info["channels"] == ["C0001"]
    [share] = info["shares"]["public"]["C0001"]
    assert (share["ts"], share["thread_ts"]) == (reply["ts"], root)

    client.files_upload_v2(content=b"secret", filename="s.csv", channel="G0001")
    [private] = emulator.files("G0001")
    info = client.files_info(file=private.id)["file"]
    assert list(info["shares"]) == ["private"] and info["groups"] == ["G0001"]
    assert "thread_ts" not in info["shares"]["private"]["G0001"][0]


def test_bytes_arrive_raw_or_as_multipart_form_data(
    client: WebClient, emulator: SlackEmulator
) -> None:
    raw = client.files_getUploadURLExternal(filename="a.txt", length=3)
    assert put(raw["upload_url"], b"abc") == "OK - 3"
    form = client.files_getUploadURLExternal(filename="b.txt", length=5)
    body = (b'--XyZ\r\nContent-Disposition: form-data; name="filename"; filename="b.txt"\r\n'
            b"Content-Type: text/plain\r\n\r\nhello\r\n--XyZ--\r\n")
    assert put(form["upload_url"], body, "multipart/form-data; boundary=XyZ") == "OK - 5"
    assert emulator.file(raw["file_id"]).content == b"abc"
    assert emulator.file(form["file_id"]).content == b"hello"
    assert emulator.file(raw["file_id"]).shares == ()
    [call, _] = emulator.calls_to(UPLOAD_URL)
    assert call.params == {"file_id": raw["file_id"], "length": 3} and call.status == 200


def test_what_slack_refuses(client: WebClient, emulator: SlackEmulator) -> None:
    upload_url = client.files_getUploadURLExternal
    assert refused(upload_url, filename="", length=3) == "invalid_arguments"
    assert refused(client.api_call, "files.getUploadURLExternal",
                   params={"filename": "a.md"}) == "invalid_arguments"
    assert refused(upload_url, filename="a.md", length=0) == "missing_argument"
    assert refused(upload_url, filename="a.png", length=3, alt_txt="x" * 1001) == (
        "alt_txt_too_large")
    assert upload_url(filename="a.png", length=3, alt_txt="x" * 1000)["ok"]

    step1 = upload_url(filename="a.md", length=3)
    with pytest.raises(HTTPError) as info:
        put(step1["upload_url"], b"abcd")  # not the length declared
    assert info.value.code == 400
    complete = client.files_completeUploadExternal
    files = [{"id": step1["file_id"], "title": "A"}]
    assert refused(complete, files=files, channel_id="C0001") == "file_not_found"  # no bytes
    put(step1["upload_url"], b"abc")
    emulator.remove_channel("C0404")
    emulator.add_channel("C0002", is_member=False)
    assert refused(complete, files=files, channel_id="C0404") == "channel_not_found"
    assert refused(complete, files=files, channel_id="C0002") == "not_in_channel"
    assert refused(complete, files=[{"id": "F404"}], channel_id="C0001") == "file_not_found"
    assert refused(client.api_call, "files.completeUploadExternal",
                   params={"files": "[{not json", "channel_id": "C0001"}) == "invalid_arguments"
    assert refused(client.api_call, "files.completeUploadExternal",
                   params={"files": json.dumps([{"title": "no id"}])}) == "invalid_arguments"
    assert emulator.file(step1["file_id"]).shares == ()  # none of those shared anything
    assert refused(client.files_info, file=step1["file_id"]) == "file_not_found"  # not done
    assert refused(client.files_info, file="F404") == "file_not_found"
    with pytest.raises(HTTPError) as info:
        put(f"{emulator.base_url}/upload/F404", b"abc")
    assert info.value.code == 404


def test_faults_hit_each_step_with_no_effect_and_slow_answers_still_take_effect(
    client: WebClient, emulator: SlackEmulator
) -> None:
    emulator.fail("files.getUploadURLExternal", retry_after=9)
    with pytest.raises(SlackApiError) as info:
        client.files_getUploadURLExternal(filename="a.md", length=3)
    assert (info.value.response.status_code, info.value.response.headers["Retry-After"]) == (
        429, "9")
    step1 = client.files_getUploadURLExternal(filename="a.md", length=3)

    emulator.fail(UPLOAD_URL, status=503)
    with pytest.raises(HTTPError) as failed:
        put(step1["upload_url"], b"abc")
    assert failed.value.code == 503 and emulator.file(step1["file_id"]).content == b""
    emulator.slow(UPLOAD_URL, 0.05)
    assert put(step1["upload_url"], b"abc") == "OK - 3"
    assert emulator.calls_to(UPLOAD_URL)[-1].delay == 0.05

    files = [{"id": step1["file_id"], "title": "A"}]
    emulator.fail("files.completeUploadExternal", status=500)
    with pytest.raises(SlackApiError):
        client.files_completeUploadExternal(files=files, channel_id="C0001")
    assert emulator.files("C0001") == []
    emulator.slow("files.completeUploadExternal", 0.3)
    slow = WebClient(token=emulator.token, base_url=emulator.api_url, retry_handlers=[],
                     timeout=0.1)  # type: ignore[arg-type]
    with pytest.raises(TimeoutError):
        slow.files_completeUploadExternal(files=files, channel_id="C0001")
    emulator.wait_for(lambda emu: emu.files("C0001"))  # shared, though answered late
    assert len(emulator.file(step1["file_id"]).shares) == 1
