"""A raw pyzmq client of the kernel (no jupyter_client), shared by the wire,
malformed-request, iopub and transport tests: it signs messages itself, so
tests can send exactly the bytes they mean to."""
import hashlib
import hmac
import json
import socket
import subprocess
import uuid

import zmq

from test_repl_support import with_default_hangup

KEY = b"a-test-key-" + uuid.uuid4().hex.encode()
DELIMITER = b"<IDS|MSG>"


def free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def sign(frames, key=KEY):
    mac = hmac.new(key, digestmod=hashlib.sha256)
    for frame in frames:
        mac.update(frame)
    return mac.hexdigest().encode()


def message_frames(msg_type, content, key=KEY, signature=None, header_extra=None, raw_content=None):
    header = {"msg_id": uuid.uuid4().hex, "session": "raw-test", "username": "test",
              "date": "2026-01-01T00:00:00.000000Z", "msg_type": msg_type, "version": "5.5"}
    header.update(header_extra or {})
    body = [json.dumps(header).encode(), b"{}", b"{}",
            raw_content if raw_content is not None else json.dumps(content).encode()]
    return header["msg_id"], [DELIMITER, sign(body, key) if signature is None else signature] + body


def parse(frames, key=KEY):
    """(header, parent_header, content) of a message from the kernel, after checking its signature."""
    index = frames.index(DELIMITER)
    signature, body = frames[index + 1], frames[index + 2:index + 6]
    assert hmac.compare_digest(signature, sign(body, key)), "a message from the kernel is not correctly signed"
    return json.loads(body[0]), json.loads(body[1]), json.loads(body[3])


class RawKernel:
    """A kernel process on a fresh connection file, with raw sockets to it.
    `transport` is tcp or ipc; `curve` is a (public, secret) Z85 key pair to
    give the kernel, and `client_curve` whether the client sockets use it."""

    def __init__(self, binary, tmp_path, transport="tcp", curve=None, client_curve=True, env=None, command=None,
                 pass_fds=()):
        ports = free_ports(5)
        ip = "127.0.0.1" if transport == "tcp" else str(tmp_path / "kernel-ipc")
        self.info = dict(zip(["shell_port", "iopub_port", "stdin_port", "control_port", "hb_port"], ports),
                         ip=ip, transport=transport, key=KEY.decode(), signature_scheme="hmac-sha256")
        if curve:
            self.info["curve_publickey"], self.info["curve_secretkey"] = (k.decode() for k in curve)
        self.curve = curve if client_curve else None
        path = tmp_path / "connection.json"
        path.write_text(json.dumps(self.info))
        # `command` replaces `binary kernel` (the launcher, or extra arguments); `-f FILE` follows it.
        self.process = subprocess.Popen([*(command or [str(binary), "kernel"]), "-f", str(path)],
                                        stderr=subprocess.PIPE, text=True, env=env, pass_fds=pass_fds,
                                        preexec_fn=with_default_hangup)
        self.context = zmq.Context()
        self.shell = self.connect(zmq.DEALER, "shell_port")
        self.iopub = self.connect(zmq.SUB, "iopub_port", subscribe=b"")
        self.heartbeat = self.connect(zmq.REQ, "hb_port")

    def url(self, port_name):
        port = self.info[port_name]
        if self.info["transport"] == "ipc":
            return f"ipc://{self.info['ip']}-{port}"
        return f"tcp://127.0.0.1:{port}"

    def connect(self, kind, port_name, subscribe=None):
        sock = self.context.socket(kind)
        sock.linger = 0
        if self.curve:
            public, secret = self.curve
            sock.curve_publickey, sock.curve_secretkey, sock.curve_serverkey = public, secret, public
        if subscribe is not None:
            sock.setsockopt(zmq.SUBSCRIBE, subscribe)
        sock.connect(self.url(port_name))
        return sock

    def send(self, frames, sock=None):
        (sock or self.shell).send_multipart(frames, copy=False)

    def receive(self, sock, timeout):
        if sock.poll(int(timeout * 1000)):
            return sock.recv_multipart()
        return None

    def drain(self, sock, quiet=0.3):
        received = []
        while (frames := self.receive(sock, quiet)) is not None:
            received.append(frames)
        return received

    def request(self, msg_type, content, timeout=10, sock=None, **options):
        msg_id, frames = message_frames(msg_type, content, **options)
        self.send(frames, sock)
        reply = self.receive(sock or self.shell, timeout)
        assert reply is not None, f"no reply to a {msg_type}"
        return msg_id, reply

    def close(self):
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self.context.destroy(linger=0)
