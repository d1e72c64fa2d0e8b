#!/usr/bin/env python3
# Measures, after SIGTERM, the time from a connected client's end of stream to the server process's exit.
#
#   scripts/shutdown-gap.py RUNS COMMAND...      ("{port}" in COMMAND is replaced by a port, 27500 + run)
#   scripts/shutdown-gap.py 9 bin/nats4j -a 127.0.0.1 -p {port}
#   scripts/shutdown-gap.py 9 nats-server -a 127.0.0.1 -p {port}
#
# Each run starts COMMAND, connects one raw client (INFO, CONNECT, PING/PONG), waits 0.3 s, sends SIGTERM, then
# polls the socket and the process alternately without sleeping; prints exit time minus end-of-stream time.
import socket, subprocess, sys, time, os, signal, select
n=int(sys.argv[1]); cmd=sys.argv[2:]
res=[]
for r in range(n):
    port=27500+r
    p=subprocess.Popen([a.replace('{port}',str(port)) for a in cmd], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    s=None
    for i in range(3000):
        try:
            s=socket.create_connection(("127.0.0.1",port)); break
        except OSError: time.sleep(0.01)
    s.settimeout(60)
    f=s.makefile('rb')
    f.readline(); s.sendall(b'CONNECT {"verbose":false}\r\nPING\r\n'); assert f.readline().startswith(b'PONG')
    time.sleep(0.3)
    p.send_signal(signal.SIGTERM)
    # the client's EOF/reset, then the exit (pidfd-free: poll waitpid)
    t_eof=None; t_exit=None
    s.setblocking(False)
    while t_eof is None or t_exit is None:
        if t_eof is None:
            try:
                d=s.recv(65536)
                if d==b'': t_eof=time.monotonic()
            except BlockingIOError: pass
            except OSError: t_eof=time.monotonic()
        if t_exit is None and p.poll() is not None: t_exit=time.monotonic()
    res.append((t_exit-t_eof)*1000)
    print("run %d: exit - client EOF = %.1f ms" % (r, res[-1]), flush=True)
res.sort(); print("median %.1f ms, min %.1f, max %.1f" % (res[len(res)//2], res[0], res[-1]))
