"""Shared helpers for the REPL and script-runner tests: where the binary is,
and a REPL spawned on a real pseudo-terminal with its own history file."""
import os
import pathlib
import signal
import termios
import time

import pexpect

REPO = pathlib.Path(__file__).resolve().parent.parent
PROMPT = "lora> "
CONTINUATION_PROMPT = r" \.\.\.> "


def with_default_hangup():
    """Popen's preexec_fn for a child that must die of SIGHUP as its default action says:
    under `nohup` (how a long CI run is often started by hand) every child inherits
    SIGHUP ignored, and the tests that send it would measure nohup, not LoRA Lab."""
    signal.signal(signal.SIGHUP, signal.SIG_DFL)


def loralab_binary() -> str:
    return os.environ.get("LORALAB_BIN", str(REPO / ".build" / "release" / "loralab"))


def terminal_environment(history_file) -> dict:
    env = dict(os.environ)
    env.update(TERM="xterm", NO_COLOR="1", LORALAB_HISTORY_FILE=str(history_file))
    env.pop("EDITRC", None)
    return env


def spawn_repl(history_file, *args, timeout=20) -> pexpect.spawn:
    """`loralab` with no subcommand on a pseudo-terminal, at its first prompt."""
    child = pexpect.spawn(loralab_binary(), list(args), env=terminal_environment(history_file),
                          encoding="utf-8", timeout=timeout, dimensions=(40, 160))
    child.expect_exact(PROMPT)
    wait_for_the_editor(child)
    return child


def wait_for_the_editor(child: pexpect.spawn, timeout=20.0):
    """Waits until the line editor reads keys: its terminal mode turns ISIG off
    (Ctrl-C becomes a key, docs/design.md). The prompt can be on the screen a
    moment before that; a Ctrl-C typed in that moment is a signal, not a key."""
    deadline = time.monotonic() + timeout
    while termios.tcgetattr(child.child_fd)[3] & termios.ISIG:
        if time.monotonic() > deadline:
            raise AssertionError("the line editor never took the terminal (ISIG still on)")
        time.sleep(0.01)


def run_line(child: pexpect.spawn, line: str) -> str:
    """Types a line and returns everything printed before the next prompt."""
    child.sendline(line)
    child.expect_exact(PROMPT)
    return child.before
