"""The wire protocol under abuse, through a raw pyzmq client (no jupyter_client):
messages with a wrong or missing signature, garbage frames, invalid JSON, an
unknown msg_type and a 50 MB message are all dropped unanswered, the kernel
stays up, and the next valid request is answered and correctly signed."""
import hmac
import json
import os
import socket
import subprocess
import time

import pytest
import zmq

from raw_kernel import DELIMITER, RawKernel, free_ports, message_frames, sign


@pytest.fixture
def kernel(loralab_bin, tmp_path):
    k = RawKernel(loralab_bin, tmp_path)
    # Wait until the kernel answers, so that iopub is subscribed as well.
    k.request("kernel_info_request", {})
    k.drain(k.iopub)
    yield k
    k.close()


def assert_valid_reply(reply, msg_id, msg_type):
    index = reply.index(DELIMITER)
    signature, body = reply[index + 1], reply[index + 2:index + 6]
    assert hmac.compare_digest(signature, sign(body)), "the kernel's reply is not correctly signed"
    header, parent = json.loads(body[0]), json.loads(body[1])
    assert header["msg_type"] == msg_type
    assert parent["msg_id"] == msg_id
    return json.loads(body[3])


def assert_unanswered_and_alive(kernel, stderr_hint=None):
    assert kernel.drain(kernel.shell, quiet=0.5) == [], "the kernel answered a bad message on shell"
    assert kernel.drain(kernel.iopub, quiet=0.1) == [], "the kernel published something for a bad message"
    assert kernel.process.poll() is None, "the kernel died"
    kernel.heartbeat.send(b"ping")
    assert kernel.receive(kernel.heartbeat, 5) == [b"ping"]
    msg_id, reply = kernel.request("kernel_info_request", {})
    content = assert_valid_reply(reply, msg_id, "kernel_info_reply")
    assert content["implementation"] == "loralab"


def test_valid_request_is_answered_signed_and_bracketed_by_status(kernel):
    msg_id, reply = kernel.request("kernel_info_request", {})
    content = assert_valid_reply(reply, msg_id, "kernel_info_reply")
    assert content["protocol_version"] == "5.5"
    assert content["language_info"]["file_extension"] == ".lora"
    published = kernel.drain(kernel.iopub)
    states = []
    for frames in published:
        index = frames.index(DELIMITER)
        body = frames[index + 2:index + 6]
        assert hmac.compare_digest(frames[index + 1], sign(body))
        assert json.loads(body[1])["msg_id"] == msg_id, "iopub message not parented to the request"
        states.append(json.loads(body[3])["execution_state"])
    assert states == ["busy", "idle"]


def test_wrong_signature_is_dropped(kernel):
    _, frames = message_frames("execute_request", {"code": 'print "x"', "silent": False},
                               key=b"not-the-key")
    kernel.send(frames)
    assert_unanswered_and_alive(kernel)


def test_tampered_content_is_dropped(kernel):
    _, frames = message_frames("kernel_info_request", {})
    frames[-1] = json.dumps({"tampered": True}).encode()
    kernel.send(frames)
    assert_unanswered_and_alive(kernel)


def test_unsigned_message_is_dropped(kernel):
    _, frames = message_frames("kernel_info_request", {}, signature=b"")
    kernel.send(frames)
    assert_unanswered_and_alive(kernel)


def test_garbage_frames_are_dropped(kernel):
    kernel.send([os.urandom(64)])
    kernel.send([b"", os.urandom(3), os.urandom(1000)])
    kernel.send([DELIMITER])
    kernel.send([DELIMITER, b"zz", b"{", b"", b"\xff\xfe"])
    kernel.send([DELIMITER, b"0" * 64] + [b"{}"] * 2)
    assert_unanswered_and_alive(kernel)


def test_invalid_json_is_dropped(kernel):
    deeply_nested = b'{"a": ' + b"[" * 200_000 + b"]" * 200_000 + b"}"
    for broken in (b"{not json", b"[1, 2]", b"\xff\xfe\xfd", b'"a string"', b"", b"{" * 100_000):
        header = json.dumps({"msg_id": "x", "session": "s", "username": "u", "date": "",
                             "msg_type": "kernel_info_request", "version": "5.3"}).encode()
        for position in range(4):
            body = [header, b"{}", b"{}", b"{}"]
            body[position] = broken
            kernel.send([DELIMITER, sign(body)] + body)
    # Nesting deep enough to exhaust a recursive parser's stack.
    header = json.loads(header)
    body = [json.dumps(header).encode(), b"{}", b"{}", deeply_nested]
    kernel.send([DELIMITER, sign(body)] + body)
    assert_unanswered_and_alive(kernel)


def test_unknown_msg_type_is_dropped(kernel):
    _, frames = message_frames("make_coffee_request", {"sugar": 2})
    kernel.send(frames)
    assert_unanswered_and_alive(kernel)


def test_fifty_megabyte_message_is_dropped(kernel):
    huge = "x" * (50 << 20)
    _, frames = message_frames("execute_request", {"code": huge, "silent": False})
    kernel.send(frames)
    _, frames = message_frames("execute_request", {"code": huge}, key=b"wrong")
    kernel.send(frames)
    assert_unanswered_and_alive(kernel)
    assert kernel.process.poll() is None


def test_control_channel_drops_bad_messages_too(kernel):
    control = kernel.context.socket(zmq.DEALER)
    control.connect(f"tcp://127.0.0.1:{kernel.info['control_port']}")
    _, frames = message_frames("shutdown_request", {"restart": False}, key=b"wrong")
    control.send_multipart(frames)
    control.send_multipart([b"garbage"])
    assert control.poll(500) == 0
    assert kernel.process.poll() is None, "a forged shutdown_request stopped the kernel"
    msg_id, frames = message_frames("kernel_info_request", {})
    control.send_multipart(frames)
    assert control.poll(5000), "no kernel_info_reply on control"
    assert_valid_reply(control.recv_multipart(), msg_id, "kernel_info_reply")
    control.close(linger=0)


def test_shutdown_request_ends_the_process(kernel):
    control = kernel.context.socket(zmq.DEALER)
    control.connect(f"tcp://127.0.0.1:{kernel.info['control_port']}")
    msg_id, frames = message_frames("shutdown_request", {"restart": False})
    started = time.monotonic()
    control.send_multipart(frames)
    assert control.poll(2000), "no shutdown_reply"
    content = assert_valid_reply(control.recv_multipart(), msg_id, "shutdown_reply")
    assert content == {"status": "ok", "restart": False}
    kernel.process.wait(timeout=2)
    assert time.monotonic() - started < 1.0
    assert kernel.process.returncode == 0
    control.close(linger=0)


@pytest.mark.parametrize("content, complaint", [
    ("not json", "not a JSON object"),
    (json.dumps({"shell_port": 1}), "control_port"),
    (json.dumps(dict(shell_port=1, control_port=2, stdin_port=3, iopub_port=4, hb_port=70000)), "hb_port"),
    (json.dumps(dict(shell_port=1, control_port=2, stdin_port=3, iopub_port=4, hb_port=5,
                     signature_scheme="hmac-md5")), "signature_scheme"),
    (json.dumps(dict(shell_port=1, control_port=2, stdin_port=3, iopub_port=4, hb_port=5,
                     transport="udp")), "transport"),
])
def test_bad_connection_files_are_refused_clearly(loralab_bin, tmp_path, content, complaint):
    path = tmp_path / "connection.json"
    path.write_text(content)
    result = subprocess.run([str(loralab_bin), "kernel", "-f", str(path)], capture_output=True, text=True, timeout=10)
    assert result.returncode != 0
    assert complaint in result.stderr


def test_a_port_in_use_is_a_clear_error(loralab_bin, tmp_path):
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    ports = free_ports(4)
    info = dict(shell_port=busy.getsockname()[1], control_port=ports[0], stdin_port=ports[1],
                iopub_port=ports[2], hb_port=ports[3], ip="127.0.0.1", key="k")
    path = tmp_path / "connection.json"
    path.write_text(json.dumps(info))
    result = subprocess.run([str(loralab_bin), "kernel", "-f", str(path)], capture_output=True, text=True, timeout=10)
    busy.close()
    assert result.returncode != 0
    assert "cannot bind the shell socket" in result.stderr
