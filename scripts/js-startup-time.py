#!/usr/bin/env python3
"""Start-up of a fresh server, plain and with JetStream, over the raw protocol (docs/PERFORMANCE.md, "Start-up").

    scripts/js-startup-time.py [-n RUNS] [--rss-after S] COMMAND...

COMMAND is started with "-a 127.0.0.1 -p PORT" appended (e.g. bin/nats4j, or nats-server). Each run alternates:
  plain: exec -> INFO received on a first connection; idle RSS (VmRSS of the PID) --rss-after seconds later
  js:    the same command with "-js -sd <fresh dir>": exec -> first $JS.API.INFO reply without an error, then
         exec -> the PubAck of a first publish after a STREAM.CREATE; idle RSS as above.
Prints every run and the medians, with the load average before and after. Stops each server with SIGTERM (SIGKILL
after 10 s) and deletes its store directory.
"""
import json, os, shutil, signal, socket, statistics, subprocess, sys, tempfile, time


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return -1


class Conn:
    def __init__(self, port, deadline):
        while True:
            try:
                self.s = socket.create_connection(("127.0.0.1", port), timeout=1)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise TimeoutError("no connection")
                time.sleep(0.002)
        self.s.settimeout(30)
        self.buf = b""

    def line(self):
        while b"\r\n" not in self.buf:
            d = self.s.recv(65536)
            if not d:
                raise EOFError
            self.buf += d
        l, self.buf = self.buf.split(b"\r\n", 1)
        return l.decode()

    def payload(self, n):
        while len(self.buf) < n + 2:
            d = self.s.recv(65536)
            if not d:
                raise EOFError
            self.buf += d
        p, self.buf = self.buf[:n], self.buf[n + 2:]
        return p

    def send(self, b):
        self.s.sendall(b)

    def request(self, subj, body, inbox):
        b = body.encode()
        self.send(b"PUB %s %s %d\r\n%s\r\n" % (subj.encode(), inbox.encode(), len(b), b))
        while True:
            l = self.line()
            if l.startswith("MSG ") or l.startswith("HMSG "):
                f = l.split()
                n = int(f[-1])
                p = self.payload(n)
                if f[0] == "HMSG":
                    return p[int(f[-2]):].decode(errors="replace"), p[:int(f[-2])].decode(errors="replace")
                return p.decode(errors="replace"), ""
            if l == "PING":
                self.send(b"PONG\r\n")
            elif l.startswith("-ERR"):
                raise RuntimeError(l)


def run(cmd, js, rss_after, timeout=60):
    port = free_port()
    sd = tempfile.mkdtemp(prefix="jsst") if js else None
    args = cmd + ["-a", "127.0.0.1", "-p", str(port)] + (["-js", "-sd", sd] if js else [])
    t0 = time.monotonic()
    p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    res = {}
    try:
        c = Conn(port, t0 + timeout)
        info = c.line()
        assert info.startswith("INFO"), info
        res["info_ms"] = (time.monotonic() - t0) * 1000
        c.send(b'CONNECT {"verbose":false,"pedantic":false,"headers":true,"no_responders":true}\r\n'
               b"SUB _INBOX.m.* 1\r\nPING\r\n")
        while c.line() != "PONG":
            pass
        if js:
            i = 0
            while True:
                i += 1
                body, hdr = c.request("$JS.API.INFO", "", f"_INBOX.m.{i}")
                if body and "\"error\":" not in body:
                    break
                if time.monotonic() > t0 + timeout:
                    raise TimeoutError("no JetStream")
                time.sleep(0.002)
            res["js_info_ms"] = (time.monotonic() - t0) * 1000
            cfg = json.dumps({"name": "S", "subjects": ["s.>"], "storage": "file", "num_replicas": 1})
            body, _ = c.request("$JS.API.STREAM.CREATE.S", cfg, "_INBOX.m.c")
            assert "\"error\":" not in body, body
            body, _ = c.request("s.1", "hello", "_INBOX.m.p")
            assert '"seq"' in body, body
            res["puback_ms"] = (time.monotonic() - t0) * 1000
        c.s.close()
        time.sleep(rss_after)
        res["rss_mib"] = rss_kib(p.pid) / 1024
    finally:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
        if sd:
            shutil.rmtree(sd, ignore_errors=True)
    return res


def main():
    a = sys.argv[1:]
    n, rss_after = 7, 2.0
    while a and a[0].startswith("-"):
        if a[0] == "-n":
            n = int(a[1]); a = a[2:]
        elif a[0] == "--rss-after":
            rss_after = float(a[1]); a = a[2:]
        else:
            sys.exit(__doc__)
    if not a:
        sys.exit(__doc__)
    print("load average before:", open("/proc/loadavg").read().split()[:3])
    results = {"plain": [], "js": []}
    for i in range(n):
        for mode in ("plain", "js"):
            r = run(a, mode == "js", rss_after)
            results[mode].append(r)
            print(i, mode, {k: round(v, 1) for k, v in r.items()}, flush=True)
    print("load average after:", open("/proc/loadavg").read().split()[:3])
    for mode, rs in results.items():
        keys = rs[0].keys()
        print(mode, "median:", {k: round(statistics.median(r[k] for r in rs), 1) for k in keys},
              "min:", {k: round(min(r[k] for r in rs), 1) for k in keys})


if __name__ == "__main__":
    main()
