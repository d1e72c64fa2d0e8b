#!/usr/bin/env python3
"""Start-up race check: fresh standalone starts, each probed by clients as early as possible.

For each of N starts: bin/nats4j -p PORT is started, then at once a few raw-socket clients connect in
parallel (retrying until the port accepts: the launcher binds it before the JVM runs) and must each get INFO;
one of them also sends CONNECT {} and PING and must get PONG. The server log must not hold
"Unexpected error". Prints the failed starts and a summary; exit status 1 if any start failed.

    scripts/start-race.py [starts=100] [clients=4]
Environment: NATS4J_CMD (default bin/nats4j), START_RACE_PORT (default 14222).
"""
import os, shlex, signal, socket, subprocess, sys, tempfile, threading, time

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
starts = int(sys.argv[1]) if len(sys.argv) > 1 else 100
clients = int(sys.argv[2]) if len(sys.argv) > 2 else 4
cmd = shlex.split(os.environ.get("NATS4J_CMD", os.path.join(root, "bin", "nats4j")))
port = int(os.environ.get("START_RACE_PORT", "14222"))


def probe(results, i, ping, deadline):
    while time.monotonic() < deadline:
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=10)
            break
        except OSError:
            time.sleep(0.0005)
    else:
        results[i] = "never connected"
        return
    try:
        if ping:
            s.sendall(b"CONNECT {}\r\nPING\r\n")
        data = b""
        want = b"PONG\r\n" if ping else b"\r\n"
        while want not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        if not data.startswith(b"INFO "):
            results[i] = "no INFO: " + repr(data[:80])
        elif want not in data:
            results[i] = "no PONG: " + repr(data[-80:])
        else:
            results[i] = None
    except OSError as e:
        results[i] = "error: " + str(e)
    finally:
        s.close()


failed = 0
env = dict(os.environ, NATS4J_NO_BUILD="1")
for n in range(starts):
    log = tempfile.NamedTemporaryFile(prefix="start-race-", suffix=".log", delete=False)
    server = subprocess.Popen(cmd + ["-a", "127.0.0.1", "-p", str(port)], stdout=log, stderr=log, env=env)
    results = ["not run"] * clients
    deadline = time.monotonic() + 30
    threads = [threading.Thread(target=probe, args=(results, i, i == clients - 1, deadline)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
    log.close()
    with open(log.name, errors="replace") as f:
        unexpected = [l.strip() for l in f if "Unexpected error" in l]
    bad = [r for r in results if r]
    if bad or unexpected:
        failed += 1
        print(f"start {n + 1}: {bad} {unexpected[:2]} (log {log.name})", flush=True)
    else:
        os.unlink(log.name)
print(f"{failed} of {starts} starts failed", flush=True)
sys.exit(1 if failed else 0)
