"""Malformed requests, correctly signed, through a raw pyzmq client: every
shell and control request type with a missing or wrongly typed field gets an
error reply that names the field, is never acted on (no cell runs, no
execution count is taken, no shutdown happens), and the kernel keeps serving."""
import json
import time

import pytest
import zmq

from raw_kernel import RawKernel, message_frames, parse

# (msg_type, content, the field the reply must name, a word of the complaint)
SHELL_CASES = [
    ("execute_request", {}, "code", "missing"),
    ("execute_request", {"code": 5}, "code", "an integer"),
    ("execute_request", {"code": None}, "code", "null"),
    ("execute_request", {"code": ["print 1"]}, "code", "an array"),
    ("execute_request", {"code": "print \"ran\"", "silent": "no"}, "silent", "a string"),
    ("execute_request", {"code": "print \"ran\"", "store_history": 1}, "store_history", "an integer"),
    ("execute_request", {"code": "print \"ran\"", "user_expressions": []}, "user_expressions", "an array"),
    ("execute_request", {"code": "print \"ran\"", "allow_stdin": 0}, "allow_stdin", "an integer"),
    ("execute_request", {"code": "print \"ran\"", "stop_on_error": "true"}, "stop_on_error", "a string"),
    ("complete_request", {"cursor_pos": 1}, "code", "missing"),
    ("complete_request", {"code": "tra"}, "cursor_pos", "missing"),
    ("complete_request", {"code": "tra", "cursor_pos": "3"}, "cursor_pos", "a string"),
    ("complete_request", {"code": "tra", "cursor_pos": 1.5}, "cursor_pos", "a number"),
    ("complete_request", {"code": "tra", "cursor_pos": True}, "cursor_pos", "a boolean"),
    ("complete_request", {"code": "tra", "cursor_pos": -1}, "cursor_pos", "negative"),
    ("inspect_request", {"code": 3, "cursor_pos": 0}, "code", "an integer"),
    ("inspect_request", {"code": "train", "cursor_pos": 2, "detail_level": "1"}, "detail_level", "a string"),
    ("is_complete_request", {}, "code", "missing"),
    ("is_complete_request", {"code": {"a": 1}}, "code", "an object"),
    ("history_request", {}, "hist_access_type", "missing"),
    ("history_request", {"hist_access_type": "everything"}, "hist_access_type", "one of"),
    ("history_request", {"hist_access_type": "tail", "n": "10"}, "n", "a string"),
    ("history_request", {"hist_access_type": "range", "session": 0, "start": "1"}, "start", "a string"),
    ("history_request", {"hist_access_type": "search", "pattern": 7}, "pattern", "an integer"),
    ("comm_info_request", {"target_name": 1}, "target_name", "an integer"),
    ("shutdown_request", {"restart": "yes"}, "restart", "a string"),
]

CONTROL_CASES = [
    ("shutdown_request", {"restart": "no"}, "restart", "a string"),
    ("shutdown_request", {"restart": 0}, "restart", "an integer"),
    ("delete_subshell_request", {}, "subshell_id", "missing"),
]


@pytest.fixture(scope="module")
def kernel(loralab_bin, tmp_path_factory):
    k = RawKernel(loralab_bin, tmp_path_factory.mktemp("malformed"))
    k.request("kernel_info_request", {})
    k.drain(k.iopub)
    yield k
    k.close()


def execution_count(kernel):
    """The count the engine has reached, read with a silent cell (which takes none)."""
    _, reply = kernel.request("execute_request", {"code": "", "silent": True})
    return parse(reply)[2]["execution_count"]


def assert_refused(kernel, sock, msg_type, content, field, complaint, **options):
    before = execution_count(kernel)
    kernel.drain(kernel.iopub, quiet=0.2)
    msg_id, reply = kernel.request(msg_type, content, sock=sock, **options)
    header, parent, body = parse(reply)
    assert header["msg_type"] == msg_type.replace("_request", "_reply")
    assert parent["msg_id"] == msg_id
    assert body["status"] == "error", body
    assert body["ename"] == "MalformedRequest"
    assert f"'{field}'" in body["evalue"], body["evalue"]
    assert complaint in body["evalue"], body["evalue"]
    assert body["traceback"], "an error reply carries a traceback"
    if msg_type == "execute_request":
        assert body["execution_count"] == before
    published = [parse(frames) for frames in kernel.drain(kernel.iopub, quiet=0.3)]
    kinds = [header["msg_type"] for header, _, _ in published]
    # Bracketed by busy and idle like any request; nothing ran, so nothing else.
    assert kinds == ["status", "status"], kinds
    assert [content["execution_state"] for _, _, content in published] == ["busy", "idle"]
    assert execution_count(kernel) == before, "a malformed request took an execution count"
    assert kernel.process.poll() is None, "the kernel died"


@pytest.mark.parametrize("msg_type, content, field, complaint", SHELL_CASES)
def test_malformed_shell_request_gets_an_error_naming_the_field(kernel, msg_type, content, field, complaint):
    assert_refused(kernel, kernel.shell, msg_type, content, field, complaint)


@pytest.fixture(scope="module")
def control(kernel):
    sock = kernel.connect(zmq.DEALER, "control_port")
    yield sock
    sock.close(linger=0)


@pytest.mark.parametrize("msg_type, content, field, complaint", CONTROL_CASES)
def test_malformed_control_request_gets_an_error_naming_the_field(kernel, control, msg_type, content, field, complaint):
    assert_refused(kernel, control, msg_type, content, field, complaint)


def test_a_request_for_a_subshell_is_refused_not_run_on_the_main_shell(kernel):
    assert_refused(kernel, kernel.shell, "execute_request", {"code": 'print "ran"'}, "header.subshell_id",
                   "offers none", header_extra={"subshell_id": "sub-1"})
    assert_refused(kernel, kernel.shell, "execute_request", {"code": 'print "ran"'}, "header.subshell_id",
                   "a string or null", header_extra={"subshell_id": 4})


def test_a_null_subshell_id_means_the_main_shell(kernel):
    msg_id, reply = kernel.request("execute_request", {"code": 'print "main"'}, header_extra={"subshell_id": None})
    assert parse(reply)[2]["status"] == "ok"


def test_optional_fields_sent_as_null_count_as_absent(kernel):
    _, reply = kernel.request("execute_request", {"code": 'print "x"', "silent": None, "stop_on_error": None})
    assert parse(reply)[2]["status"] == "ok"
    _, reply = kernel.request("history_request", {"hist_access_type": "range", "session": 0, "start": 1,
                                                  "stop": None, "output": False, "raw": True})
    assert parse(reply)[2]["status"] == "ok"


def test_the_debugger_and_subshells_are_answered_as_not_offered(kernel, control):
    for msg_type in ("debug_request", "create_subshell_request", "list_subshell_request"):
        _, reply = kernel.request(msg_type, {}, sock=control)
        header, _, content = parse(reply)
        assert header["msg_type"] == msg_type.replace("_request", "_reply")
        assert content["status"] == "error" and content["ename"] == "NotOffered", content
    assert kernel.process.poll() is None


def test_the_kernel_serves_normally_after_every_malformed_request(kernel):
    kernel.drain(kernel.iopub, quiet=0.1)
    msg_id, reply = kernel.request("execute_request", {"code": 'print "still here"'})
    assert parse(reply)[2]["status"] == "ok"
    texts = [content.get("text") for header, _, content in map(parse, kernel.drain(kernel.iopub))
             if header["msg_type"] == "stream"]
    assert texts == ["still here\n"]


def test_comm_messages_without_a_comm_id_are_ignored_and_logged(kernel):
    for msg_type in ("comm_open", "comm_msg", "comm_close"):
        kernel.send(message_frames(msg_type, {"data": {}})[1])
    assert kernel.drain(kernel.shell, quiet=0.5) == [], "comm messages have no reply"
    assert kernel.drain(kernel.iopub, quiet=0.1) == [], "nothing is published for a malformed comm message"
    assert kernel.process.poll() is None
