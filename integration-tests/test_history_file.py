"""The history file on disk: private (0600, in folders created 0700), and
appended to by several kernels at once without a record ever interleaving
or being lost."""
import json
import os
import stat

from raw_kernel import RawKernel, message_frames, parse


def kernel_with_history(loralab_bin, tmp_path, history):
    env = dict(os.environ, LORALAB_HISTORY_FILE=str(history))
    k = RawKernel(loralab_bin, tmp_path, env=env)
    k.request("kernel_info_request", {})
    return k


def test_two_kernels_appending_at_once_never_interleave_a_record(loralab_bin, tmp_path):
    history = tmp_path / "shared" / "history.jsonl"
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = kernel_with_history(loralab_bin, tmp_path / "a", history)
    second = kernel_with_history(loralab_bin, tmp_path / "b", history)
    cells = 40
    # Large inputs (a 256 KiB comment each) make a record far larger than
    # any single write the kernel could be sure to make atomically.
    filler = "#" + "x" * (256 << 10)
    expected = set()
    try:
        for index in range(cells):
            for name, kernel in (("first", first), ("second", second)):
                code = f'print "{name}-{index}"\n{filler}'
                expected.add(code)
                kernel.send(message_frames("execute_request", {"code": code})[1])
        for kernel in (first, second):
            for _ in range(cells):
                reply = kernel.receive(kernel.shell, 60)
                assert reply is not None and parse(reply)[2]["status"] == "ok"
    finally:
        first.close()
        second.close()
    lines = history.read_bytes().split(b"\n")
    assert lines[-1] == b"", "the file ends with a whole record"
    records = [json.loads(line) for line in lines[:-1]]
    assert {record["input"] for record in records} == expected
    assert len(records) == 2 * cells


def test_the_history_file_is_private_and_its_new_folders_too(loralab_bin, tmp_path):
    history = tmp_path / "new" / "deeper" / "history.jsonl"
    kernel = kernel_with_history(loralab_bin, tmp_path, history)
    try:
        _, reply = kernel.request("execute_request", {"code": 'print "secret"'})
        assert parse(reply)[2]["status"] == "ok"
    finally:
        kernel.close()
    assert stat.S_IMODE(history.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "new" / "deeper").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "new").stat().st_mode) == 0o700


def test_an_existing_readable_history_file_is_made_private(loralab_bin, tmp_path):
    history = tmp_path / "history.jsonl"
    history.write_text(json.dumps({"session": 1, "line": 1, "input": "print 1"}) + "\n")
    history.chmod(0o644)
    kernel = kernel_with_history(loralab_bin, tmp_path, history)
    try:
        kernel.request("execute_request", {"code": 'print "more"'})
    finally:
        kernel.close()
    assert stat.S_IMODE(history.stat().st_mode) == 0o600
    assert [json.loads(line)["input"] for line in history.read_text().splitlines()] == ["print 1", 'print "more"']
