"""The interactive REPL through a real pseudo-terminal (pexpect): prompt,
completion, history, continuation lines, Ctrl-C and Ctrl-D."""
import json
import re
import signal
import time

import pexpect

from test_repl_support import CONTINUATION_PROMPT, PROMPT, run_line, spawn_repl, wait_for_the_editor

UP_ARROW = "\x1b[A"


def printed_line(text: str) -> str:
    """A regex for `text` printed on a line of its own (not the echoed input)."""
    return r"\r\n" + re.escape(text) + r"\r\n"


def test_prompt_appears_and_a_command_prints(tmp_path):
    child = spawn_repl(tmp_path / "history")
    output = run_line(child, 'print "hello, world"')
    assert re.search(printed_line("hello, world"), output)
    child.sendcontrol("d")
    child.expect(pexpect.EOF)


def test_tab_completes_spec_to_spectrum(tmp_path):
    # The engine keeps a path ending in .jsonl as given (it appends .jsonl otherwise).
    history = tmp_path / "history.jsonl"
    child = spawn_repl(history)
    child.send("spec\t")
    # libedit redraws only what changed: the completed tail of the word.
    child.expect_exact("trum")
    # Run the completed line: the engine saw `spectrum`, not `spec`.
    child.sendline("")
    child.expect_exact(PROMPT)
    assert "no command 'spec'" not in child.before
    child.sendcontrol("d")
    child.expect(pexpect.EOF)
    inputs = [json.loads(line)["input"] for line in history.read_text().splitlines()]
    assert inputs == ["spectrum "]


def test_tab_lists_the_candidates_when_several_match(tmp_path):
    child = spawn_repl(tmp_path / "history")
    child.send("s\t")
    # Every command starting with s, listed below the prompt, then the line redrawn.
    child.expect_exact(PROMPT + "s")
    listing = child.before
    for command in ("show", "step", "svd", "similarity"):
        assert command in listing
    child.sendcontrol("c")
    child.expect_exact(PROMPT)


def test_up_arrow_recalls_the_previous_line(tmp_path):
    child = spawn_repl(tmp_path / "history")
    run_line(child, 'print "recall-me"')
    child.send(UP_ARROW)
    child.sendline("")
    child.expect_exact(PROMPT)
    assert re.search(printed_line("recall-me"), child.before)


def test_history_persists_across_sessions(tmp_path):
    history = tmp_path / "history"
    first = spawn_repl(history)
    run_line(first, 'print "from-the-first-session"')
    first.sendcontrol("d")
    first.expect(pexpect.EOF)

    second = spawn_repl(history)
    second.send(UP_ARROW)
    second.sendline("")
    second.expect_exact(PROMPT)
    assert re.search(printed_line("from-the-first-session"), second.before)
    second.sendcontrol("d")
    second.expect(pexpect.EOF)


def test_a_trailing_backslash_continues_the_command(tmp_path):
    child = spawn_repl(tmp_path / "history")
    child.sendline("print \\")
    child.expect(CONTINUATION_PROMPT)
    child.sendline('"joined"')
    child.expect_exact(PROMPT)
    assert re.search(printed_line("joined"), child.before)


def test_ctrl_c_at_the_prompt_abandons_the_line(tmp_path):
    child = spawn_repl(tmp_path / "history")
    child.send('print "never-run"')
    child.sendcontrol("c")
    child.expect_exact(PROMPT)
    output = run_line(child, 'print "after"')
    assert re.search(printed_line("after"), output)
    assert not re.search(printed_line("never-run"), child.before + output)


def test_ctrl_c_at_a_continuation_prompt_drops_the_whole_command(tmp_path):
    child = spawn_repl(tmp_path / "history")
    child.sendline('print \\')
    child.expect(CONTINUATION_PROMPT)
    wait_for_the_editor(child)
    child.sendcontrol("c")
    child.expect_exact(PROMPT)
    output = run_line(child, 'print "fresh"')
    assert re.search(printed_line("fresh"), output)


def test_two_ctrl_c_at_an_empty_prompt_exit(tmp_path):
    child = spawn_repl(tmp_path / "history")
    child.sendcontrol("c")
    child.expect_exact("Ctrl-C again")
    child.expect_exact(PROMPT)
    wait_for_the_editor(child)
    child.sendcontrol("c")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_ctrl_d_exits(tmp_path):
    child = spawn_repl(tmp_path / "history")
    child.sendcontrol("d")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_an_error_shows_line_column_and_caret_and_the_session_goes_on(tmp_path):
    child = spawn_repl(tmp_path / "history")
    output = run_line(child, "prnt 1")
    assert "line 1, col 1" in output
    assert "did you mean 'print'" in output
    assert re.search(r"\r\nprnt 1\r\n\^", output)
    assert re.search(printed_line("still-here"), run_line(child, 'print "still-here"'))


def test_ctrl_c_stops_training_within_a_second_and_keeps_the_model(tmp_path):
    child = spawn_repl(tmp_path / "history", timeout=60)
    for command in ("model tiny dim=32 layers=1 heads=2 kv_heads=1 ffn=64 seq=128",
                    "data pretrain builtin:tinystories",
                    "data finetune builtin:identity",
                    "lora targets=q,v rank=4"):
        output = run_line(child, command)
        assert "error" not in output, output
    child.sendline("train steps=100000 batch=2")
    # The progress line shows training under way before we interrupt it.
    child.expect(r"\d+/100000", timeout=60)
    time.sleep(0.5)
    interrupted_at = time.monotonic()
    child.sendcontrol("c")
    child.expect_exact(PROMPT, timeout=5)
    assert time.monotonic() - interrupted_at < 1.0
    # The model is still there: eval runs and reports losses, no error.
    output = run_line(child, "eval")
    assert "error" not in output.lower(), output
    assert "loss" in output.lower()
    child.sendcontrol("d")
    child.expect(pexpect.EOF)


def test_sigint_from_elsewhere_at_the_prompt_does_not_end_the_session(tmp_path):
    child = spawn_repl(tmp_path / "history")
    # The prompt is drawn just before the editor blocks reading the terminal;
    # let it get there (a signal sent at an idle prompt is the case at hand).
    time.sleep(0.3)
    child.kill(signal.SIGINT)
    child.expect_exact(PROMPT)  # the line is abandoned and the prompt shown again
    output = run_line(child, 'print "still-alive"')
    assert re.search(printed_line("still-alive"), output)
    assert child.isalive()


def test_sigterm_at_the_prompt_ends_the_process(tmp_path):
    child = spawn_repl(tmp_path / "history")
    child.kill(signal.SIGTERM)
    child.expect(pexpect.EOF)
    child.close()
    assert child.signalstatus == signal.SIGTERM
