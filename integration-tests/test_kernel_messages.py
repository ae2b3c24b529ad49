"""Message-level behaviour that jupyter_kernel_test does not cover: silent
and store_history, stop_on_error, comms, control-channel kernel_info, live
output that updates in place, and busy/idle around every request."""
import time
import uuid

import pytest
from jupyter_client.manager import start_new_kernel

pytestmark = pytest.mark.usefixtures("kernelspec")

TINY_FINETUNE = "\n".join([
    "model tiny dim=32 layers=1 heads=2 kv_heads=2 ffn=64 seq=64",
    "data finetune builtin:identity",
    "lora targets=q,v rank=2",
])


@pytest.fixture(scope="module")
def kernel():
    km, kc = start_new_kernel(kernel_name="loralab", startup_timeout=30)
    yield km, kc
    kc.stop_channels()
    km.shutdown_kernel(now=True)


def iopub_for(kc, msg_id, timeout=30):
    """Every iopub message parented to `msg_id`, up to its status idle."""
    messages = []
    deadline = time.monotonic() + timeout
    while True:
        msg = kc.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic()))
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        messages.append(msg)
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            return messages


def reply_for(kc, msg_id, timeout=30):
    while True:
        msg = kc.get_shell_msg(timeout=timeout)
        if msg["parent_header"].get("msg_id") == msg_id:
            return msg


def test_silent_execution_publishes_nothing_and_does_not_count(kernel):
    _, kc = kernel
    before = kc.execute_interactive('print "counted"', timeout=30)["content"]["execution_count"]
    msg_id = kc.execute('print "quiet"', silent=True)
    reply = reply_for(kc, msg_id)
    assert reply["content"]["status"] == "ok"
    published = iopub_for(kc, msg_id)
    assert [m["msg_type"] for m in published] == ["status", "status"]
    after = kc.execute_interactive('print "counted"', timeout=30)["content"]["execution_count"]
    assert after == before + 1


def test_store_history_false_keeps_the_count(kernel):
    _, kc = kernel
    first = kc.execute_interactive('print "a"', timeout=30)["content"]["execution_count"]
    unstored = kc.execute_interactive('print "b"', store_history=False, timeout=30)["content"]["execution_count"]
    second = kc.execute_interactive('print "c"', timeout=30)["content"]["execution_count"]
    assert unstored == first and second == first + 1


def test_stop_on_error_aborts_the_cells_queued_behind_a_failure(kernel):
    _, kc = kernel
    assert kc.execute_interactive(TINY_FINETUNE, timeout=60)["content"]["status"] == "ok"
    # The first cell keeps the kernel busy while the others queue up behind it.
    slow = kc.execute("train steps=400 batch=2")
    failing = kc.execute("no_such_command")
    queued = [kc.execute('print "never"') for _ in range(2)]
    assert reply_for(kc, slow, timeout=120)["content"]["status"] == "ok"
    assert reply_for(kc, failing)["content"]["ename"] == "NameError"
    for msg_id in queued:
        content = reply_for(kc, msg_id)["content"]
        assert content["status"] == "error" and content["ename"] == "ExecutionAborted"
        assert "stream" not in [m["msg_type"] for m in iopub_for(kc, msg_id)]
    # Cells sent after the abort run again.
    assert kc.execute_interactive('print "runs"', timeout=30)["content"]["status"] == "ok"


def test_without_stop_on_error_queued_cells_run(kernel):
    _, kc = kernel
    failing = kc.execute("no_such_command", stop_on_error=False)
    following = kc.execute('print "still runs"')
    assert reply_for(kc, failing)["content"]["status"] == "error"
    assert reply_for(kc, following)["content"]["status"] == "ok"


def test_live_training_output_updates_one_display_in_place(kernel):
    _, kc = kernel
    assert kc.execute_interactive(TINY_FINETUNE, timeout=60)["content"]["status"] == "ok"
    msg_id = kc.execute("train steps=30 batch=2")
    assert reply_for(kc, msg_id, timeout=120)["content"]["status"] == "ok"
    published = iopub_for(kc, msg_id)
    displays = [m for m in published if m["msg_type"] == "display_data" and m["content"].get("transient")]
    updates = [m for m in published if m["msg_type"] == "update_display_data"]
    assert displays, "no display_data with a display_id"
    display_id = displays[0]["content"]["transient"]["display_id"]
    assert updates, "the display was never updated"
    assert {m["content"]["transient"]["display_id"] for m in updates} == {display_id}
    assert "30/30" in updates[-1]["content"]["data"]["text/plain"]
    assert published.index(displays[0]) < published.index(updates[0])


def test_clear_sends_clear_output(kernel):
    _, kc = kernel
    msg_id = kc.execute('print "soon gone"\nclear')
    types = [m["msg_type"] for m in iopub_for(kc, msg_id)]
    assert types.index("stream") < types.index("clear_output")


def test_comm_info_is_empty_and_unknown_comms_are_closed(kernel):
    _, kc = kernel
    reply = kc.comm_info(reply=True, timeout=10)
    assert reply["content"] == {"status": "ok", "comms": {}}

    comm_id = uuid.uuid4().hex
    msg = kc.session.msg("comm_open", {"comm_id": comm_id, "target_name": "no.such.target", "data": {}})
    kc.shell_channel.send(msg)
    published = iopub_for(kc, msg["header"]["msg_id"], timeout=10)
    closes = [m for m in published if m["msg_type"] == "comm_close"]
    assert [m["content"]["comm_id"] for m in closes] == [comm_id]
    assert [m["content"]["execution_state"] for m in published if m["msg_type"] == "status"] == ["busy", "idle"]


def test_kernel_info_on_control(kernel):
    _, kc = kernel
    msg = kc.session.msg("kernel_info_request", {})
    kc.control_channel.send(msg)
    reply = kc.control_channel.get_msg(timeout=10)
    assert reply["parent_header"]["msg_id"] == msg["header"]["msg_id"]
    assert reply["content"]["implementation"] == "loralab"
    assert reply["content"]["language_info"]["name"] == "loralab"


def test_is_complete_reports_the_indent_and_inspect_reports_not_found(kernel):
    _, kc = kernel
    msg_id = kc.is_complete("lora targets=q,v \\")
    content = reply_for(kc, msg_id)["content"]
    assert content["status"] == "incomplete" and "indent" in content
    msg_id = kc.inspect("zzzz", 2)
    content = reply_for(kc, msg_id)["content"]
    assert content == {"status": "ok", "found": False, "data": {}, "metadata": {}}
