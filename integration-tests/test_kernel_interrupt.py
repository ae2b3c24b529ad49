"""Interrupt and shutdown while a long `train` holds the shell thread: both
go through the control channel's own thread and must act within a second."""
import time

import pytest
from jupyter_client.manager import start_new_kernel

pytestmark = pytest.mark.usefixtures("kernelspec")

SETUP = "\n".join([
    "model tiny dim=32 layers=1 heads=2 kv_heads=2 ffn=64 seq=64",
    "data finetune builtin:identity",
    "lora targets=q,v rank=2",
])


def wait_until_training(kc, msg_id, timeout=30):
    """Waits for the first live training output of the request `msg_id`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        msg = kc.get_iopub_msg(timeout=deadline - time.monotonic())
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] in ("display_data", "update_display_data", "stream"):
            return
        assert msg["msg_type"] != "error", msg["content"]
    raise AssertionError("training never showed progress")


def reply_to(kc, msg_id, timeout):
    deadline = time.monotonic() + timeout
    while True:
        msg = kc.get_shell_msg(timeout=max(0.0, deadline - time.monotonic()))
        if msg["parent_header"].get("msg_id") == msg_id:
            return msg


@pytest.fixture
def kernel():
    km, kc = start_new_kernel(kernel_name="loralab", startup_timeout=30)
    yield km, kc
    kc.stop_channels()
    if km.is_alive():
        km.shutdown_kernel(now=True)


def test_interrupt_stops_training_then_eval_works_then_shutdown_mid_training(kernel):
    km, kc = kernel
    setup = kc.execute_interactive(SETUP, timeout=60)
    assert setup["content"]["status"] == "ok", setup["content"]

    msg_id = kc.execute("train steps=100000")
    wait_until_training(kc, msg_id)
    # The control thread answers while the shell thread trains.
    started = time.monotonic()
    request = kc.session.msg("kernel_info_request", {})
    kc.control_channel.send(request)
    info = kc.control_channel.get_msg(timeout=1.0)
    assert info["parent_header"]["msg_id"] == request["header"]["msg_id"]
    assert time.monotonic() - started < 1.0

    started = time.monotonic()
    km.interrupt_kernel()
    reply = reply_to(kc, msg_id, timeout=1.0)
    assert time.monotonic() - started < 1.0
    assert reply["content"]["status"] == "error"
    assert "interrupt" in reply["content"]["ename"].lower()

    evaluation = kc.execute_interactive("eval", timeout=60)
    assert evaluation["content"]["status"] == "ok", evaluation["content"]

    msg_id = kc.execute("train steps=100000")
    wait_until_training(kc, msg_id)
    process = km.provisioner.process
    started = time.monotonic()
    km.shutdown_kernel()
    assert time.monotonic() - started < 1.0
    assert process.poll() is not None, "the kernel process is still running"


def test_sigint_interrupts_training(kernel):
    """SIGINT (a frontend in signal mode, or Ctrl-C on a terminal) works too."""
    km, kc = kernel
    assert kc.execute_interactive(SETUP, timeout=60)["content"]["status"] == "ok"
    msg_id = kc.execute("train steps=100000")
    wait_until_training(kc, msg_id)
    started = time.monotonic()
    km.signal_kernel(2)
    reply = reply_to(kc, msg_id, timeout=1.0)
    assert time.monotonic() - started < 1.0
    assert reply["content"]["status"] == "error"
    assert km.is_alive()


def test_kernel_exits_when_its_frontend_dies(tmp_path):
    """A frontend killed without a shutdown_request leaves no orphan kernel."""
    import os
    import signal
    import subprocess
    import sys
    script = (
        "import sys, time\n"
        "from jupyter_client.manager import start_new_kernel\n"
        "km, kc = start_new_kernel(kernel_name='loralab', startup_timeout=30)\n"
        "print(km.provisioner.process.pid, flush=True)\n"
        "time.sleep(60)\n"
    )
    frontend = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    kernel_pid = int(frontend.stdout.readline())
    os.kill(frontend.pid, signal.SIGKILL)
    frontend.wait()
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        try:
            os.kill(kernel_pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    os.kill(kernel_pid, signal.SIGKILL)
    raise AssertionError("the kernel outlived its frontend")
