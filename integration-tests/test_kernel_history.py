"""History through the kernel: kept across kernel restarts, queried by
tail, range (relative sessions) and search."""
import pytest
from jupyter_client.manager import start_new_kernel

pytestmark = pytest.mark.usefixtures("kernelspec")


def history(kc, **request):
    return kc.history(reply=True, timeout=10, raw=True, output=False, **request)["content"]["history"]


def test_history_survives_a_restart(tmp_path, monkeypatch):
    monkeypatch.setenv("LORALAB_HISTORY_FILE", str(tmp_path / "history.jsonl"))
    km, kc = start_new_kernel(kernel_name="loralab", startup_timeout=30)
    try:
        assert kc.execute_interactive('print "before the restart"', timeout=30)["content"]["status"] == "ok"
        [(first_session, line, code)] = history(kc, hist_access_type="tail", n=1)
        assert (line, code) == (1, 'print "before the restart"')

        km.restart_kernel()
        kc.wait_for_ready(timeout=30)
        assert kc.execute_interactive('print "after"', timeout=30)["content"]["status"] == "ok"

        assert history(kc, hist_access_type="tail", n=2) == [
            [first_session, 1, 'print "before the restart"'],
            [first_session + 1, 1, 'print "after"'],
        ]
        # Session -1 is the one before the current session.
        assert history(kc, hist_access_type="range", session=-1, start=1, stop=2) == [
            [first_session, 1, 'print "before the restart"']]
        assert [h[2] for h in history(kc, hist_access_type="search", pattern="*restart*")] == [
            'print "before the restart"']
        with_output = kc.history(reply=True, timeout=10, raw=True, output=True, hist_access_type="tail", n=1)
        assert with_output["content"]["history"] == [[first_session + 1, 1, ['print "after"', None]]]
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
