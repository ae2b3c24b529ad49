"""`loralab run FILE`: scripts run top to bottom and stop at the first
failing line with its line, column and a caret."""
import subprocess

from test_repl_support import REPO, loralab_binary


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
