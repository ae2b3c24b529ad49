"""The REPL gives the terminal back as it found it on every way out: Ctrl-D,
a double Ctrl-C, SIGTERM or SIGHUP at the prompt (while the line editor has
the terminal in its raw mode), and SIGTERM, SIGHUP or SIGQUIT while a
command runs. A shell on a real pseudo-terminal records `stty -g` before
and after the REPL; the two must be equal."""
import os
import pathlib
import signal
import time

import pexpect
import pytest

from test_repl_support import PROMPT, loralab_binary, terminal_environment

TRAINING = ["model tiny dim=128 layers=2 heads=2 kv_heads=2 ffn=256 seq=128",
            "data finetune builtin:identity", "lora targets=q,v rank=2", "train steps=100000 batch=4"]


def children_of(pid):
    found = []
    for stat in pathlib.Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


class WrappedREPL:
    """bash -c 'set -m; stty -g > before; loralab repl; echo exit=$?; stty -g > after' on a pty."""

    def __init__(self, tmp_path):
        self.before, self.after = tmp_path / "before", tmp_path / "after"
        # `set -m`: the REPL runs as its own foreground job, as from an
        # interactive shell (libedit passes a signal on to the process group).
        script = (f'set -m; stty -g > "{self.before}"; "{loralab_binary()}" repl; echo "exit=$?"; '
                  f'stty -g > "{self.after}"; echo wrapped-done')
        self.child = pexpect.spawn("bash", ["--norc", "--noprofile", "-c", script],
                                   env=terminal_environment(tmp_path / "history"), encoding="utf-8",
                                   timeout=30, dimensions=(40, 160))
        self.child.expect_exact(PROMPT)
        deadline = time.monotonic() + 5
        while not (pids := children_of(self.child.pid)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert pids, "the REPL process was not found"
        self.repl_pid = pids[0]

    def finish(self):
        self.child.expect(r"exit=(\d+)")
        status = int(self.child.match.group(1))
        self.child.expect_exact("wrapped-done")
        self.child.expect(pexpect.EOF)
        assert self.after.read_text() == self.before.read_text(), "the terminal's mode was not restored"
        return status


def test_ctrl_d_restores_the_terminal(tmp_path):
    repl = WrappedREPL(tmp_path)
    repl.child.sendcontrol("d")
    assert repl.finish() == 0


def test_a_double_ctrl_c_restores_the_terminal(tmp_path):
    repl = WrappedREPL(tmp_path)
    repl.child.sendcontrol("c")
    repl.child.expect_exact("press Ctrl-C again")
    repl.child.sendcontrol("c")
    assert repl.finish() == 0


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_at_the_prompt_restores_the_terminal(tmp_path, sig):
    repl = WrappedREPL(tmp_path)
    repl.child.send("half-typed")  # the editor is in its raw mode, mid-line
    time.sleep(0.3)
    os.kill(repl.repl_pid, sig)
    assert repl.finish() == 128 + sig


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT])
def test_a_signal_while_training_restores_the_terminal_and_ends_within_a_second(tmp_path, sig):
    repl = WrappedREPL(tmp_path)
    for line in TRAINING[:-1]:
        repl.child.sendline(line)
        repl.child.expect_exact(PROMPT)
    repl.child.sendline(TRAINING[-1])
    time.sleep(2.0)
    sent = time.monotonic()
    os.kill(repl.repl_pid, sig)
    status = repl.finish()
    assert time.monotonic() - sent < 1.5
    assert status == 128 + sig
