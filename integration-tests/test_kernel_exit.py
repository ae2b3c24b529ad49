"""The kernel ends within a second when told to while it trains — by
SIGTERM, by SIGHUP, or by a shutdown_request on control — even in the
middle of a training step (nothing but history needs saving, and history is
written when a cell starts)."""
import signal
import time

import pytest
import zmq

from raw_kernel import RawKernel, message_frames, parse

# Steps of a few hundred milliseconds, so a signal lands inside one.
TRAINING = ("model tiny dim=256 layers=4 heads=4 kv_heads=2 ffn=768 seq=256\n"
            "data finetune builtin:identity\nlora targets=q,v rank=4\ntrain steps=100000 batch=8")


@pytest.fixture
def training_kernel(loralab_bin, tmp_path):
    k = RawKernel(loralab_bin, tmp_path)
    k.request("kernel_info_request", {})
    k.send(message_frames("execute_request", {"code": TRAINING})[1])
    # Wait until training reports progress: the model is built and steps run.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        frames = k.receive(k.iopub, deadline - time.monotonic())
        if frames and parse(frames)[0]["msg_type"] in ("update_display_data",):
            break
    else:
        pytest.fail("training never reported progress")
    time.sleep(0.3)
    yield k
    k.close()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_ends_the_kernel_mid_training_within_a_second(training_kernel, sig):
    sent = time.monotonic()
    training_kernel.process.send_signal(sig)
    training_kernel.process.wait(timeout=5)
    assert time.monotonic() - sent < 1.0
    assert training_kernel.process.returncode == -sig


def test_shutdown_request_ends_the_kernel_mid_training_within_a_second(training_kernel):
    control = training_kernel.connect(zmq.DEALER, "control_port")
    msg_id, frames = message_frames("shutdown_request", {"restart": False})
    sent = time.monotonic()
    control.send_multipart(frames)
    assert control.poll(1000), "no shutdown_reply"
    header, parent, content = parse(control.recv_multipart())
    assert header["msg_type"] == "shutdown_reply" and parent["msg_id"] == msg_id
    training_kernel.process.wait(timeout=5)
    assert time.monotonic() - sent < 1.0
    assert training_kernel.process.returncode == 0
