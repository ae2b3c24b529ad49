"""`loralab install`: the kernelspec it writes, and its refusals."""
import json
import pathlib
import shutil
import subprocess

import pytest


def install(binary, *arguments, env=None):
    return subprocess.run([str(binary), "install", *arguments], capture_output=True, text=True, env=env)


def test_prefix_install_writes_kernel_json_and_logos(loralab_bin, tmp_path):
    result = install(loralab_bin, "--prefix", str(tmp_path), "--name", "lab2", "--display-name", "LoRA Lab (test)")
    assert result.returncode == 0, result.stderr
    spec_dir = tmp_path / "share" / "jupyter" / "kernels" / "lab2"
    spec = json.loads((spec_dir / "kernel.json").read_text())
    # The launcher is built beside the binary (make build): the kernelspec starts it.
    assert spec["argv"] == [str(loralab_bin.parent / "loralab-kernel"), "-f", "{connection_file}"]
    assert spec["display_name"] == "LoRA Lab (test)"
    assert spec["language"] == "loralab"
    assert spec["interrupt_mode"] == "message"
    for logo, magic in [("logo-32x32.png", b"\x89PNG"), ("logo-64x64.png", b"\x89PNG"), ("logo-svg.svg", b"<svg")]:
        assert (spec_dir / logo).read_bytes().startswith(magic), logo
    png64 = (spec_dir / "logo-64x64.png").read_bytes()
    assert int.from_bytes(png64[16:20], "big") == 64 and int.from_bytes(png64[20:24], "big") == 64


def test_without_the_launcher_beside_it_the_kernelspec_runs_the_binary_itself(loralab_bin, tmp_path):
    alone = tmp_path / "bin" / "loralab"
    alone.parent.mkdir()
    shutil.copy2(loralab_bin, alone)
    templates = pathlib.Path(__file__).resolve().parent.parent / "kernelspec"
    result = install(alone, "--prefix", str(tmp_path), "--from", str(templates))
    assert result.returncode == 0, result.stderr
    spec = json.loads((tmp_path / "share" / "jupyter" / "kernels" / "loralab" / "kernel.json").read_text())
    assert spec["argv"] == [str(alone), "kernel", "-f", "{connection_file}"]


def test_user_install_honours_jupyter_data_dir(loralab_bin, tmp_path):
    env = {"JUPYTER_DATA_DIR": str(tmp_path / "data"), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    result = install(loralab_bin, "--user", env=env)
    assert result.returncode == 0, result.stderr
    spec = json.loads((tmp_path / "data" / "kernels" / "loralab" / "kernel.json").read_text())
    assert spec["display_name"] == "LoRA Lab"


def test_sys_prefix_without_jupyter_is_a_clear_error(loralab_bin, tmp_path):
    result = install(loralab_bin, "--sys-prefix", env={"PATH": str(tmp_path), "HOME": str(tmp_path)})
    assert result.returncode != 0
    assert "jupyter" in result.stderr and "--prefix" in result.stderr


@pytest.mark.parametrize("arguments", [["--user", "--prefix", "/tmp/x"], ["--name", "bad name!"]])
def test_bad_arguments_are_refused(loralab_bin, tmp_path, arguments):
    result = install(loralab_bin, *arguments, env={"PATH": "/usr/bin", "HOME": str(tmp_path),
                                                   "JUPYTER_DATA_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert not (tmp_path / "kernels").exists() or not any((tmp_path / "kernels").iterdir())


def test_sys_prefix_uses_the_prefix_of_the_python_that_runs_jupyter(loralab_bin, tmp_path):
    import os
    import shutil
    import sys
    jupyter = shutil.which("jupyter", path=os.path.dirname(sys.executable))
    assert jupyter, "jupyter is installed next to the test's Python"
    name = "loralab-sys-prefix-test"
    env = {"PATH": os.path.dirname(jupyter) + ":/usr/bin:/bin", "HOME": str(tmp_path)}
    result = install(loralab_bin, "--sys-prefix", "--name", name, env=env)
    assert result.returncode == 0, result.stderr
    spec_dir = os.path.join(sys.prefix, "share", "jupyter", "kernels", name)
    try:
        assert os.path.isfile(os.path.join(spec_dir, "kernel.json"))
    finally:
        shutil.rmtree(spec_dir, ignore_errors=True)
