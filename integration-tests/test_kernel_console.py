"""`jupyter console --kernel loralab` in a real pseudo-terminal: the banner,
a cell's output, and tab completion from the engine."""
import os
import shutil
import sys

import pexpect
import pytest

# The prompt is coloured: escape sequences sit between "In [", the number and "]".
ESCAPES = r"(?:\x1b\[[0-9;?]*[A-Za-z])*"


def prompt(number):
    return rf"In \[{ESCAPES}{number}{ESCAPES}\]"

pytestmark = pytest.mark.usefixtures("kernelspec")


def test_console_banner_execute_and_completion():
    jupyter = shutil.which("jupyter", path=os.path.dirname(sys.executable))
    assert jupyter, "jupyter-console is installed next to the test's Python"
    env = dict(os.environ, TERM="xterm", COLUMNS="120", LINES="40")
    console = pexpect.spawn(jupyter, ["console", "--kernel", "loralab"], env=env, encoding="utf-8", timeout=30, dimensions=(40, 120))
    try:
        console.expect("LoRA Lab")                      # the kernel's banner
        console.expect(prompt(1))
        console.send('print "hello from the console"\r')
        console.expect("hello from the console")
        console.expect(prompt(2))
        # "pri" + Tab: the engine's only match, "print", completes in place.
        console.send("pri\t")
        console.expect("print")
        console.send(' "completed"\r')
        console.expect(r"completed\s")
        console.expect(prompt(3))
        console.sendcontrol("d")
        console.expect("exit")
        console.send("y\r")
        console.expect(pexpect.EOF, timeout=15)
    finally:
        console.close(force=True)
