"""iopub as an XPUB socket (JEP 65): every new subscription, however late,
is answered with `iopub_welcome` on its own topic, so a client can wait for
it instead of racing the kernel's first outputs; and the protocol 5.5 parts
of kernel_info."""
import time

import pytest
import zmq

from raw_kernel import RawKernel, message_frames, parse


@pytest.fixture
def kernel(loralab_bin, tmp_path):
    k = RawKernel(loralab_bin, tmp_path)
    k.request("kernel_info_request", {})
    k.drain(k.iopub)
    yield k
    k.close()


def welcome_on(kernel, sock, timeout=3.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        frames = kernel.receive(sock, deadline - time.monotonic())
        if frames is None:
            break
        header, parent, content = parse(frames)
        if header["msg_type"] == "iopub_welcome":
            return frames, header, parent, content
    raise AssertionError("no iopub_welcome")


def test_the_first_subscriber_is_welcomed(loralab_bin, tmp_path):
    k = RawKernel(loralab_bin, tmp_path)
    try:
        _, header, parent, content = welcome_on(k, k.iopub, timeout=10)
        assert content == {"subscription": ""}
        assert parent == {}
        assert header["version"] == "5.5"
    finally:
        k.close()


def test_a_late_subscriber_to_an_idle_kernel_is_welcomed(kernel):
    time.sleep(1.5)  # the kernel has been idle: no publishing wakes the socket
    late = kernel.connect(zmq.SUB, "iopub_port", subscribe=b"")
    started = time.monotonic()
    _, _, _, content = welcome_on(kernel, late)
    assert content == {"subscription": ""}
    assert time.monotonic() - started < 1.0, "the welcome took longer than a second"


def test_a_topic_subscriber_gets_its_welcome_on_its_topic(kernel):
    late = kernel.connect(zmq.SUB, "iopub_port", subscribe=b"kernel.")
    frames, _, _, content = welcome_on(kernel, late)
    assert content == {"subscription": "kernel."}
    assert frames[0] == b"kernel.", "the welcome is routed by the subscribed topic"


def test_a_subscriber_joining_while_a_cell_runs_is_welcomed(kernel):
    code = ("model tiny dim=64 layers=2 heads=2 kv_heads=2 ffn=128 seq=32\n"
            "data finetune builtin:identity\nlora targets=q,v rank=2\ntrain steps=60")
    _, frames = message_frames("execute_request", {"code": code})
    kernel.send(frames)
    time.sleep(0.3)
    late = kernel.connect(zmq.SUB, "iopub_port", subscribe=b"")
    welcome_on(kernel, late, timeout=5)
    reply = kernel.receive(kernel.shell, 120)
    assert reply is not None, "no execute_reply"
    assert parse(reply)[2]["status"] == "ok", "the cell meant to keep the kernel busy failed"


def test_every_subscriber_is_welcomed_not_only_the_first_of_a_topic(kernel):
    sockets = [kernel.connect(zmq.SUB, "iopub_port", subscribe=b"") for _ in range(3)]
    for sock in sockets:
        welcome_on(kernel, sock)


def test_kernel_info_speaks_protocol_5_5(kernel):
    for port in ("shell_port", "control_port"):
        sock = kernel.connect(zmq.DEALER, port)
        _, reply = kernel.request("kernel_info_request", {}, sock=sock)
        header, _, content = parse(reply)
        assert header["version"] == "5.5"
        assert content["protocol_version"] == "5.5"
        assert content["supported_features"] == [], "no optional 5.5 feature is offered"
        assert content["debugger"] is False
        sock.close(linger=0)
