"""The transports: CurveZMQ encryption as jupyter_client ≥ 8.10 provisions
it, and the ipc transport, with and without CURVE.

jupyter_kernel_test starts its kernel with `start_new_kernel`, which has no
hook for transport encryption, so the encrypted suites subclass the plain
one and start the kernel themselves through a KernelManager with
`transport_encryption="required"` (which refuses to start a kernel whose
kernelspec does not declare `supported_encryption: ["curve"]`)."""
import json
import pathlib
import subprocess

import pytest
import zmq
from jupyter_client.manager import KernelManager

import test_kernel_protocol as plain
from raw_kernel import RawKernel, message_frames, parse

pytestmark = pytest.mark.usefixtures("kernelspec")

assert zmq.has("curve"), "this pyzmq's libzmq has no CurveZMQ"


def start_kernel(transport="tcp", encryption="disabled"):
    km = KernelManager(kernel_name="loralab", transport=transport, transport_encryption=encryption)
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=60)
    except RuntimeError:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
        raise
    return km, kc


class EncryptedKernelTests(plain.LoRALabKernelTests):
    """Every jupyter_kernel_test check, over tcp with CURVE required."""
    transport = "tcp"

    @classmethod
    def setUpClass(cls):
        cls.km, cls.kc = start_kernel(cls.transport, "required")
        info = json.loads(pathlib.Path(cls.km.connection_file).read_text())
        assert info["transport"] == cls.transport
        assert len(info["curve_secretkey"]) == 40, "jupyter_client did not provision CURVE keys"


class EncryptedIPCKernelTests(EncryptedKernelTests):
    """Every jupyter_kernel_test check, over ipc with CURVE required."""
    transport = "ipc"


def test_the_kernelspec_declares_curve_and_protocol_5_5(kernelspec):
    spec = json.loads(kernelspec.read_text())
    assert spec["metadata"]["supported_encryption"] == ["curve"]
    assert spec["kernel_protocol_version"] == "5.5"


@pytest.mark.parametrize("encryption", ["disabled", "required"])
def test_ipc_transport_runs_a_cell(encryption):
    km, kc = start_kernel("ipc", encryption)
    try:
        info = json.loads(pathlib.Path(km.connection_file).read_text())
        assert info["transport"] == "ipc"
        assert ("curve_secretkey" in info) == (encryption == "required")
        streams = []
        reply = kc.execute_interactive('print "over ipc"', timeout=30,
                                       output_hook=lambda msg: streams.append(msg["content"].get("text")))
        assert reply["content"]["status"] == "ok"
        assert "over ipc\n" in streams
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


@pytest.mark.parametrize("transport", ["tcp", "ipc"])
def test_a_client_without_the_key_gets_nothing(loralab_bin, tmp_path, transport):
    public, secret = zmq.curve_keypair()
    k = RawKernel(loralab_bin, tmp_path, transport=transport, curve=(public, secret), client_curve=False)
    try:
        _, frames = message_frames("kernel_info_request", {})
        k.send(frames)
        k.heartbeat.send(b"ping")
        assert k.receive(k.shell, 1.5) is None, "a client without the CURVE key got a reply"
        assert k.receive(k.heartbeat, 0.5) is None, "a client without the CURVE key got a heartbeat"
        assert k.receive(k.iopub, 0.5) is None, "a client without the CURVE key received iopub traffic"

        # A client with a key pair of its own, but not the kernel's public key, fares no better.
        other_public, other_secret = zmq.curve_keypair()
        k.curve = (other_public, other_secret)
        impostor = k.connect(zmq.DEALER, "shell_port")
        impostor.send_multipart(frames)
        assert k.receive(impostor, 1.0) is None, "a client with the wrong server key got a reply"
        assert k.process.poll() is None, "the kernel died"

        # The same kernel answers a client that has the key.
        k.curve = (public, secret)
        keyed = k.connect(zmq.DEALER, "shell_port")
        _, reply = k.request("kernel_info_request", {}, sock=keyed)
        header, _, content = parse(reply)
        assert header["msg_type"] == "kernel_info_reply" and content["status"] == "ok"
    finally:
        k.close()


@pytest.mark.parametrize("fields, complaint", [
    ({"curve_publickey": "x" * 40}, "'curve_secretkey' is missing"),
    ({"curve_publickey": "short", "curve_secretkey": "short"}, "40-character Z85"),
    ({"curve_publickey": zmq.curve_keypair()[0].decode(), "curve_secretkey": zmq.curve_keypair()[1].decode()},
     "not the public key"),
])
def test_bad_curve_keys_are_refused_clearly(loralab_bin, tmp_path, fields, complaint):
    info = dict(shell_port=1, control_port=2, stdin_port=3, iopub_port=4, hb_port=5, key="k", **fields)
    path = tmp_path / "connection.json"
    path.write_text(json.dumps(info))
    result = subprocess.run([str(loralab_bin), "kernel", "-f", str(path)], capture_output=True, text=True, timeout=10)
    assert result.returncode != 0
    assert complaint in result.stderr
