"""The kernel in a real browser: JupyterLab in headless Chromium (Debian's
`chromium` and `chromium-driver`, driven by Selenium).

One notebook, run cell by cell with Shift+Enter as a user would:
a short training cell whose progress output is replaced in place (one output
whose text changes) and whose loss chart renders as SVG; `spectrum`, whose
chart renders too; a long training cell stopped with the toolbar's interrupt
button, after which the kernel is idle and the model and its adapters are
still there.

Skipped when chromium, chromedriver or JupyterLab is missing (`make test`
installs them: the Makefile's browser-deps and lab venv).
"""
import json
import os
import pathlib
import re
import shutil
import socket
import subprocess
import sys
import time

import pytest

pytestmark = pytest.mark.usefixtures("kernelspec")

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.common.exceptions import StaleElementReferenceException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402

CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")
JUPYTER = pathlib.Path(sys.executable).parent / "jupyter"
SCREENSHOTS = os.environ.get("LORALAB_SCREENSHOTS")  # a folder, to look at while developing

MODEL = "model tiny dim=64 layers=2 heads=4 kv_heads=2 ffn=128 seq=64"
CELLS = [
    f"{MODEL}\ndata finetune builtin:identity\nlora targets=q,v rank=4 alpha=8",
    "train steps=400 batch=4 seq=64",
    "spectrum",
    "train steps=1000000 batch=4 seq=64",
    "show lora",
]


WATCH_PROGRESS = """
const [index, total] = arguments;
const cell = document.querySelectorAll('.jp-NotebookPanel .jp-Cell.jp-CodeCell')[index];
const pattern = new RegExp('step (\\\\d+)/' + total + '\\\\b');
window.loralabSteps = [];
window.loralabMostBars = 0;
new MutationObserver(() => {
    const bars = [...cell.querySelectorAll('.jp-OutputArea-child')].filter(o => pattern.test(o.textContent));
    window.loralabMostBars = Math.max(window.loralabMostBars, bars.length);
    for (const bar of bars) {
        const step = Number(pattern.exec(bar.textContent)[1]);
        if (!window.loralabSteps.includes(step)) window.loralabSteps.push(step);
    }
}).observe(cell, {childList: true, subtree: true, characterData: true});
"""


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def missing(reason):
    """By hand a missing browser skips; in CI, where `make test` installs it, it fails."""
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture
def lab(tmp_path):
    if not (CHROMIUM and CHROMEDRIVER):
        missing("chromium and chromium-driver are not installed (make browser-deps)")
    if subprocess.run([str(JUPYTER), "lab", "--version"], capture_output=True).returncode != 0:
        missing("JupyterLab is not installed in this venv")
    notebook = {
        "nbformat": 4, "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": "loralab", "display_name": "LoRA Lab", "language": "loralab"}},
        "cells": [{"cell_type": "code", "id": f"cell{i}", "metadata": {}, "source": code,
                   "outputs": [], "execution_count": None} for i, code in enumerate(CELLS)],
    }
    (tmp_path / "browser.ipynb").write_text(json.dumps(notebook))
    port, token = free_port(), "loralab-browser-test"
    settings = tmp_path / "settings"
    # No news prompt and no announcements: nothing may cover the toolbar.
    plugin = settings / "@jupyterlab" / "apputils-extension"
    plugin.mkdir(parents=True)
    (plugin / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    env = dict(os.environ, JUPYTERLAB_SETTINGS_DIR=str(settings),
               JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "workspaces"))
    args = [str(JUPYTER), "lab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
            f"--ServerApp.token={token}", f"--ServerApp.root_dir={tmp_path}"]
    if os.getuid() == 0:
        args.append("--allow-root")
    server = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert server.poll() is None, server.stderr.read().decode()
            time.sleep(0.3)

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1000",
                 "--disable-gpu"):
        options.add_argument(flag)
    browser = webdriver.Chrome(service=webdriver.ChromeService(executable_path=CHROMEDRIVER), options=options)
    browser.get(f"http://127.0.0.1:{port}/lab/tree/browser.ipynb?reset&token={token}")
    try:
        yield browser
    finally:
        browser.quit()
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


def wait_for(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = condition()
            if value:
                return value
        except StaleElementReferenceException:
            pass
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def cells(browser):
    return browser.find_elements(By.CSS_SELECTOR, ".jp-NotebookPanel .jp-Cell.jp-CodeCell")


def outputs(browser, index):
    return cells(browser)[index].find_elements(By.CSS_SELECTOR, ".jp-OutputArea-child")


def progress_outputs(browser, index, total):
    """The outputs of cell `index` that show a training progress bar of `total` steps."""
    return [o for o in outputs(browser, index) if re.search(rf"step \d+/{total}\b", o.text)]


def log(what, started=time.monotonic()):
    print(f"{time.monotonic() - started:6.1f} s  {what}", flush=True)


def output_text(browser, index):
    return "\n".join(o.text for o in outputs(browser, index))


def kernel_status(browser):
    indicator = browser.find_elements(By.CSS_SELECTOR, ".jp-Notebook-ExecutionIndicator")
    return indicator[0].get_attribute("data-status") if indicator else None


def run_cell(browser, index):
    """Clicks into cell `index`'s editor and presses Shift+Enter."""
    editor = cells(browser)[index].find_element(By.CSS_SELECTOR, ".jp-InputArea-editor")
    editor.click()
    webdriver.ActionChains(browser).key_down(Keys.SHIFT).send_keys(Keys.ENTER).key_up(Keys.SHIFT).perform()


def prompt(browser, index):
    return cells(browser)[index].find_element(By.CSS_SELECTOR, ".jp-InputPrompt").text


def wait_until_done(browser, index, timeout):
    """Until the cell's prompt shows an execution count ([3]:, not [*]: or [ ]:) and the kernel is idle."""
    wait_for(lambda: any(c.isdigit() for c in prompt(browser, index)) and kernel_status(browser) == "idle",
             timeout, f"cell {index} to finish")


def shot(browser, name):
    if SCREENSHOTS:
        pathlib.Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        browser.save_screenshot(str(pathlib.Path(SCREENSHOTS) / f"{name}.png"))


def test_training_progress_chart_and_interrupt_in_jupyterlab(lab):
    browser = lab
    wait_for(lambda: len(cells(browser)) == len(CELLS), 90, "the notebook to open")
    wait_for(lambda: kernel_status(browser) == "idle", 60, "the LoRA Lab kernel to start")
    log("notebook open, kernel idle")

    run_cell(browser, 0)
    wait_until_done(browser, 0, 60)
    assert "Error" not in output_text(browser, 0), output_text(browser, 0)

    # Short training: one progress output, replaced in place while it runs.
    # A MutationObserver in the page records every step count the output shows
    # and the most progress bars ever present at once (polling through
    # WebDriver is too slow to see a few seconds of updates reliably).
    browser.execute_script(WATCH_PROGRESS, 1, 400)
    run_cell(browser, 1)
    wait_until_done(browser, 1, 90)
    steps_seen, most_bars = browser.execute_script("return [window.loralabSteps, window.loralabMostBars]")
    assert most_bars == 1, f"the progress output was appended to ({most_bars} of them at once), not replaced"
    shot(browser, "1-trained")
    bars = progress_outputs(browser, 1, total=400)
    assert len(bars) == 1 and "step 400/400" in bars[0].text, output_text(browser, 1)
    assert len(set(steps_seen) - {400}) >= 1 and len(steps_seen) >= 2, \
        f"the progress output was never seen to change: steps {sorted(steps_seen)}"
    assert bars[0].find_elements(By.CSS_SELECTOR, "svg"), "no loss chart (SVG) in the progress output"
    log("short training done")

    # spectrum: its chart is image/svg+xml, which JupyterLab renders as an image of the SVG.
    run_cell(browser, 2)
    wait_until_done(browser, 2, 60)
    spectrum = cells(browser)[2]
    charts = spectrum.find_elements(By.CSS_SELECTOR, ".jp-OutputArea-output svg, "
                                                     ".jp-RenderedSVG img, img[src^='data:image/svg+xml']")
    assert charts, f"no SVG chart in the spectrum output: {output_text(browser, 2)}"
    assert all(chart.size["width"] > 50 and chart.size["height"] > 50 for chart in charts[:1])
    shot(browser, "2-spectrum")
    log("spectrum rendered")

    # A long training run, stopped with the toolbar's interrupt button.
    run_cell(browser, 3)
    wait_for(lambda: "/1000000" in output_text(browser, 3), 60, "the long training to show progress")
    button = browser.find_element(By.CSS_SELECTOR, "jp-button[data-command='notebook:interrupt-kernel'], "
                                                   "button[data-command='notebook:interrupt-kernel']")
    shot(browser, "3-before-interrupt")
    started = time.monotonic()
    button.click()
    # JupyterLab shows an error's traceback, whose first line names what stopped it.
    wait_for(lambda: "train interrupted after" in output_text(browser, 3), 30, "the interrupted error")
    wait_until_done(browser, 3, 30)
    assert time.monotonic() - started < 15
    shot(browser, "4-interrupted")
    log("interrupted")

    # The model and adapters survived the interrupt.
    run_cell(browser, 4)
    wait_until_done(browser, 4, 60)
    after = output_text(browser, 4)
    shot(browser, "5-show-lora")
    assert "layers.1.v" in after and "Error" not in after, after
    assert kernel_status(browser) == "idle"
