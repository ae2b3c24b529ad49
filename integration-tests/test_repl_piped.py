"""The REPL when standard input is not a terminal: no prompt, no colour,
continuation honoured, non-zero exit status when a command failed."""
import subprocess

from test_repl_support import loralab_binary


def run_piped(text: str, *args, tmp_path):
    return subprocess.run([loralab_binary(), *args], input=text, capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "TERM": "xterm"})


def test_commands_run_without_prompt_or_colour(tmp_path):
    result = run_piped('print "one"\nprint "two"\n', tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "one\ntwo\n"
    assert "lora>" not in result.stdout + result.stderr
    assert "\x1b" not in result.stdout + result.stderr


def test_the_repl_subcommand_reads_a_pipe_the_same_way(tmp_path):
    result = run_piped('print "via repl"\n', "repl", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "via repl\n"


def test_continuation_lines_join_into_one_command(tmp_path):
    result = run_piped('print \\\n  "joined"\n', tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "joined\n"


def test_a_failed_command_makes_the_exit_status_non_zero(tmp_path):
    result = run_piped('print "before"\nprnt "oops"\nprint "after"\n', tmp_path=tmp_path)
    assert result.returncode == 1
    assert "line 1, col 1" in result.stderr
    assert "did you mean 'print'" in result.stderr
    assert "\x1b" not in result.stderr
    # Each input line is its own command, as typed at a prompt: the next one still runs.
    assert result.stdout == "before\nafter\n"


def test_warnings_go_to_standard_error(tmp_path):
    result = run_piped('warn "careful"\nprint "fine"\n', tmp_path=tmp_path)
    assert result.returncode == 0
    assert result.stderr == "careful\n"
    assert result.stdout == "fine\n"
