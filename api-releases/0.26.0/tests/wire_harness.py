"""What the tests from another language share: Python stubs made by protoc at
test time from the tree's protos, a real gridsyncd on 127.0.0.1 (started,
stopped, restored from a backup), calls with a token, and checks counted.
Debian's python3-grpcio and python3-protobuf only.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

import grpc

results = {"passed": 0, "failed": 0}


def check(name, ok, detail=""):
    results["passed" if ok else "failed"] += 1
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else ": " + str(detail)), flush=True)


def finish():
    print("%d passed, %d failed" % (results["passed"], results["failed"]))
    sys.exit(1 if results["failed"] else 0)


def make_stubs(proto_dir, out):
    """Generates Python modules for every proto of the tree into `out`."""
    protos = []
    for sub in ("gridsync/v1", "google/rpc"):
        protos += [os.path.join(sub, f) for f in sorted(os.listdir(os.path.join(proto_dir, sub)))]
    subprocess.run(["protoc", "-I", proto_dir, "--python_out", out] + protos, check=True)
    sys.path.insert(0, out)


def _serialize(m):
    return m if isinstance(m, bytes) else m.SerializeToString()


class Server:
    """A gridsyncd of its own in a private scratch folder (0700)."""

    def __init__(self, gridsyncd, proto_dir, extra_args=()):
        self.gridsyncd = gridsyncd
        self.extra_args = list(extra_args)
        self.scratch = tempfile.mkdtemp(prefix="gridsync-py-")
        out = os.path.join(self.scratch, "py")
        os.mkdir(out)
        make_stubs(proto_dir, out)
        self.data = os.path.join(self.scratch, "data")
        subprocess.run([gridsyncd, "init", "--data", self.data], check=True, capture_output=True)
        self.admin_token = open(os.path.join(self.data, "admin.token")).read().strip()
        self.process = None
        self.start()

    def start(self):
        port_file = os.path.join(self.scratch, "port")
        if os.path.exists(port_file):
            os.unlink(port_file)
        self.log = open(os.path.join(self.scratch, "gridsyncd.log"), "a")
        self.process = subprocess.Popen([self.gridsyncd, "--data", self.data, "--listen", "127.0.0.1:0",
                                         "--port-file", port_file] + self.extra_args, stderr=self.log)
        port = 0
        for _ in range(200):  # at most 10 s
            if os.path.exists(port_file) and open(port_file).read().strip():
                port = int(open(port_file).read())
                break
            time.sleep(0.05)
        assert port > 0, "gridsyncd did not start"
        self.channel = grpc.insecure_channel("127.0.0.1:%d" % port)
        grpc.channel_ready_future(self.channel).result(timeout=10)

    def stop(self):
        if self.process is not None:
            self.channel.close()
            self.process.terminate()
            self.process.wait(timeout=20)
            self.process = None

    def restore(self, backups):
        """Stops, restores the newest backup in `backups` into a new data
        folder (the admin token comes along), starts on it."""
        self.stop()
        restored = self.data + "-restored"
        subprocess.run([self.gridsyncd, "restore", "--from", backups, "--data", restored],
                       check=True, capture_output=True)
        self.data = restored
        self.start()

    def close(self):
        self.stop()
        shutil.rmtree(self.scratch, ignore_errors=True)

    def call(self, method, req, resp_type, token, with_call=False):
        rpc = self.channel.unary_unary(method, request_serializer=_serialize,
                                       response_deserializer=resp_type.FromString)
        if with_call:
            return rpc.with_call(req, metadata=[("authorization", "Bearer " + token)], timeout=30)
        return rpc(req, metadata=[("authorization", "Bearer " + token)], timeout=30)

    def stream(self, method, req, resp_type, token, timeout=30):
        rpc = self.channel.unary_stream(method, request_serializer=_serialize,
                                        response_deserializer=resp_type.FromString)
        return rpc(req, metadata=[("authorization", "Bearer " + token)], timeout=timeout)


def _crc32c_table():
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ (0x82F63B78 if c & 1 else 0)
        table.append(c)
    return table


_CRC32C = _crc32c_table()


def crc32c(data):
    """CRC-32C (Castagnoli) of `data`: an upload chunk's checksum, as the
    proto says, computed here and not by the server's code."""
    crc = 0xFFFFFFFF
    for b in data:
        crc = (crc >> 8) ^ _CRC32C[(crc ^ b) & 0xFF]
    return crc ^ 0xFFFFFFFF


def refused(fn):
    """The grpc.RpcError `fn` raises, or None when it answered."""
    try:
        fn()
        return None
    except grpc.RpcError as e:
        return e
