"""loralab-kernel, the launcher the kernelspec starts (Sources/KernelLauncher):
it listens on the connection file's TCP ports, then becomes `loralab kernel`
(the same process: exec keeps the pid), which adopts those sockets. When it
cannot pre-bind (ipc, an address it does not take), the kernel binds as it
always did; a descriptor that is not a listener on the right port is
ignored, never served on."""
import json
import os
import pathlib
import socket
import subprocess
import time

import pytest
from jupyter_client.manager import KernelManager

from raw_kernel import RawKernel, parse


@pytest.fixture(scope="module")
def launcher(loralab_bin):
    path = loralab_bin.parent / "loralab-kernel"
    assert path.is_file(), f"{path} is missing: `make build` builds it beside loralab"
    return path


def kernel_info(kernel):
    _, reply = kernel.request("kernel_info_request", {}, timeout=30)
    header, _, content = parse(reply)
    assert header["msg_type"] == "kernel_info_reply" and content["status"] == "ok"
    return content


def command_line(pid):
    return pathlib.Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")


def listening_ports(pid):
    """The TCP ports the process listens on, from its descriptors and /proc/net/tcp."""
    inodes = set()
    for fd in pathlib.Path(f"/proc/{pid}/fd").iterdir():
        target = os.readlink(fd)
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    ports = set()
    for line in pathlib.Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[3] == "0A" and fields[9] in inodes:  # 0A: LISTEN
            ports.add(int(fields[1].split(":")[1], 16))
    return ports


def test_the_launcher_listens_then_becomes_the_kernel_which_adopts_its_sockets(launcher, tmp_path):
    kernel = RawKernel(None, tmp_path, command=[str(launcher)])
    try:
        assert kernel_info(kernel)["implementation"] == "loralab"
        arguments = command_line(kernel.process.pid)
        assert pathlib.Path(arguments[0].decode()).name == "loralab" and arguments[1] == b"kernel"
        given = arguments[arguments.index(b"--listening-sockets") + 1].decode()
        channels = dict(item.split("=") for item in given.split(","))
        assert sorted(channels) == ["control", "heartbeat", "iopub", "shell", "stdin"]
        # The kernel serves on the descriptors the launcher opened: each is a listener on its own port.
        names = {"shell": "shell_port", "control": "control_port", "stdin": "stdin_port", "iopub": "iopub_port",
                 "heartbeat": "hb_port"}
        for channel, descriptor in channels.items():
            target = os.readlink(f"/proc/{kernel.process.pid}/fd/{descriptor}")
            assert target.startswith("socket:["), (channel, target)
        assert {kernel.info[name] for name in names.values()} <= listening_ports(kernel.process.pid)
        kernel.heartbeat.send(b"ping")
        assert kernel.receive(kernel.heartbeat, 10) == [b"ping"]
    finally:
        kernel.close()


def test_a_client_that_connects_before_the_kernel_has_loaded_is_answered(launcher, tmp_path):
    # The connection is accepted by the kernel's listen queue as soon as the launcher
    # has run; it must then be served, not dropped, when the kernel adopts the socket.
    kernel = RawKernel(None, tmp_path, command=[str(launcher)])
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", kernel.info["shell_port"]), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "the shell port never listened"
                time.sleep(0.001)
        assert kernel_info(kernel)["status"] == "ok"
    finally:
        kernel.close()


def test_over_ipc_the_launcher_passes_nothing_and_the_kernel_binds(launcher, tmp_path):
    kernel = RawKernel(None, tmp_path, transport="ipc", command=[str(launcher)])
    try:
        assert kernel_info(kernel)["status"] == "ok"
        assert b"--listening-sockets" not in command_line(kernel.process.pid)
    finally:
        kernel.close()


def test_a_descriptor_that_is_not_a_listener_on_its_port_is_ignored(loralab_bin, tmp_path):
    # The shell is offered a real listener on another port, the control a descriptor
    # that is not open: the kernel binds both ports itself and serves on them.
    elsewhere = socket.socket()
    elsewhere.bind(("127.0.0.1", 0))
    elsewhere.listen()
    descriptor = elsewhere.fileno()
    kernel = RawKernel(loralab_bin, tmp_path, pass_fds=(descriptor,),
                       command=[str(loralab_bin), "kernel", "--listening-sockets", f"shell={descriptor},control=250"])
    try:
        assert kernel_info(kernel)["status"] == "ok"
        ports = listening_ports(kernel.process.pid)
        assert {kernel.info["shell_port"], kernel.info["control_port"]} <= ports
        # The offered socket was left as it was, not served on: nothing answers a connection to it.
        elsewhere.settimeout(0.5)
        client = socket.create_connection(elsewhere.getsockname(), timeout=5)
        accepted, _ = elsewhere.accept()  # still ours to accept: the kernel did not take it
        accepted.close()
        client.close()
    finally:
        kernel.close()
        elsewhere.close()


@pytest.mark.parametrize("argument", ["shell", "shell=x", "shell=1", "shel=5", "shell=5,shell=6", ""])
def test_a_malformed_listening_sockets_argument_is_a_clear_error(loralab_bin, tmp_path, argument):
    connection = tmp_path / "connection.json"
    connection.write_text(json.dumps({"shell_port": 1, "iopub_port": 2, "stdin_port": 3, "control_port": 4,
                                      "hb_port": 5, "ip": "127.0.0.1", "key": "k"}))
    result = subprocess.run([str(loralab_bin), "kernel", "-f", str(connection), "--listening-sockets", argument],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode != 0
    assert "--listening-sockets takes channel=descriptor pairs" in result.stderr, result.stderr


def test_the_launcher_refuses_other_arguments(launcher):
    result = subprocess.run([str(launcher), "kernel"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 2 and "usage: loralab-kernel -f CONNECTION_FILE" in result.stderr


def test_jupyter_client_starts_the_kernel_through_the_launcher(kernelspec, launcher):
    assert json.loads(kernelspec.read_text())["argv"][:2] == [str(launcher), "-f"]
    km = KernelManager(kernel_name="loralab")
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=60)
        reply = kc.execute_interactive('print "launched"', timeout=30)
        assert reply["content"]["status"] == "ok"
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
