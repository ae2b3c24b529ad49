"""`loralab run FILE`: scripts run top to bottom and stop at the first
failing line with its line, column and a caret."""
import signal
import subprocess
import time

from test_repl_support import REPO, loralab_binary, with_default_hangup


def run_script(path, tmp_path):
    return subprocess.run([loralab_binary(), "run", str(path)], capture_output=True, text=True, timeout=600,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})


def test_the_tour_example_runs_cleanly(tmp_path):
    tour = REPO / "examples" / "tour.lora"
    assert tour.exists(), "examples/tour.lora is the documented example script"
    result = run_script(tour, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip(), "the tour prints its results"
    assert "error" not in result.stderr.lower()


def test_a_script_stops_at_its_first_error_with_line_and_column(tmp_path):
    script = tmp_path / "broken.lora"
    failing = "lora targets=q,v rnak=4"
    script.write_text('print "before"\n# a comment\n' + failing + '\nprint "after"\n')
    result = run_script(script, tmp_path)
    assert result.returncode == 1
    assert result.stdout == "before\n"  # the line after the error never ran
    column = failing.index("rnak") + 1
    assert f"line 3, col {column}" in result.stderr
    assert "did you mean 'rank'" in result.stderr
    assert f"{script}:3:{column}" in result.stderr
    lines = result.stderr.splitlines()
    source_index = lines.index(failing)
    assert lines[source_index + 1] == " " * (column - 1) + "^"


def test_a_missing_script_is_a_clear_error(tmp_path):
    missing = tmp_path / "nowhere.lora"
    result = run_script(missing, tmp_path)
    assert result.returncode == 2
    assert f"cannot read '{missing}'" in result.stderr
    assert result.stdout == ""


def test_a_script_without_errors_prints_its_results_in_order(tmp_path):
    script = tmp_path / "hello.lora"
    script.write_text('print "hello, world"\nprint \\\n  "continued"\nwarn "to stderr"\n')
    result = run_script(script, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "hello, world\ncontinued\n"
    assert result.stderr == "to stderr\n"


def test_sigint_stops_a_training_script_cleanly_with_status_130(tmp_path):
    script = tmp_path / "long.lora"
    script.write_text("model tiny dim=32 layers=1 heads=2 kv_heads=1 ffn=64 seq=128\n"
                      "data pretrain builtin:tinystories\n"
                      "data finetune builtin:identity\n"
                      "lora targets=q,v rank=4\n"
                      "train steps=100000 batch=2\n"
                      'print "not reached"\n')
    child = subprocess.Popen([loralab_binary(), "run", str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    time.sleep(2.0)  # building the tiny model and loading the corpora take well under this
    assert child.poll() is None, "training 100000 steps must still be running"
    interrupted_at = time.monotonic()
    child.send_signal(signal.SIGINT)
    stdout, stderr = child.communicate(timeout=10)
    assert time.monotonic() - interrupted_at < 1.0
    assert child.returncode == 130
    assert "interrupted" in stderr
    assert "not reached" not in stdout


def run_from_stdin(argument, text, tmp_path):
    return subprocess.run([loralab_binary(), "run", argument], input=text, capture_output=True, text=True,
                          timeout=60, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})


def test_dash_runs_standard_input(tmp_path):
    result = run_from_stdin("-", 'print "from a pipe"\nprint \\\n  "continued"\n', tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "from a pipe\ncontinued\n"


def test_dev_stdin_runs_a_pipe(tmp_path):
    result = run_from_stdin("/dev/stdin", 'print "through /dev/stdin"\n', tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "through /dev/stdin\n"


def test_dev_stdin_runs_a_redirected_file(tmp_path):
    script = tmp_path / "redirected.lora"
    script.write_text('print "redirected"\n')
    with script.open() as stdin:
        result = subprocess.run([loralab_binary(), "run", "/dev/stdin"], stdin=stdin, capture_output=True, text=True,
                                timeout=60, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert result.stdout == "redirected\n"


def test_an_error_in_standard_input_names_stdin_with_line_and_column(tmp_path):
    result = run_from_stdin("-", 'print "ok"\nlora targets=q,v rnak=4\n', tmp_path)
    assert result.returncode == 1
    assert result.stdout == "ok\n"
    assert "<stdin>:2:" in result.stderr


def test_standard_input_that_is_not_utf8_is_refused(tmp_path):
    result = subprocess.run([loralab_binary(), "run", "-"], input=b"print \"\xff\xfe\"\n", capture_output=True,
                            timeout=60, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert result.returncode == 2
    assert b"cannot read '-': not UTF-8 text" in result.stderr


def test_sigterm_and_sighup_end_a_training_script_within_a_second(tmp_path):
    script = tmp_path / "long.lora"
    script.write_text("model tiny dim=256 layers=4 heads=4 kv_heads=2 ffn=768 seq=256\n"
                      "data finetune builtin:identity\n"
                      "lora targets=q,v rank=4\n"
                      "train steps=100000 batch=8\n")
    for sig in (signal.SIGTERM, signal.SIGHUP):
        child = subprocess.Popen([loralab_binary(), "run", str(script)], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
                                 preexec_fn=with_default_hangup)
        time.sleep(2.5)
        assert child.poll() is None, "the training must still be running"
        sent = time.monotonic()
        child.send_signal(sig)
        child.communicate(timeout=10)
        assert time.monotonic() - sent < 1.0
        assert child.returncode == -sig
