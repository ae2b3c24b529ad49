"""Shared helpers for the REPL and script-runner tests: where the binary is,
and a REPL spawned on a real pseudo-terminal with its own history file."""
import os
import pathlib

import pexpect

REPO = pathlib.Path(__file__).resolve().parent.parent
PROMPT = "lora> "
CONTINUATION_PROMPT = r" \.\.\.> "


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
    return child


def run_line(child: pexpect.spawn, line: str) -> str:
    """Types a line and returns everything printed before the next prompt."""
    child.sendline(line)
    child.expect_exact(PROMPT)
    return child.before
