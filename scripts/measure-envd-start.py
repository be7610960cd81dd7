#!/usr/bin/env python3
"""Measures envd's start: time from spawning it to the first answered GET /health, and its idle RSS.

    scripts/measure-envd-start.py [--runs 20] [--idle 2] [--mode port|fd] [ENVD ...]

ENVD defaults to builds/envd; several binaries are measured interleaved (run i of each binary back to
back), so a busy machine slows them alike and their figures stay comparable.

--mode port (default): envd binds 127.0.0.1:PORT itself (--listen); the script retries its request
  every 0.5 ms until envd answers, as a client that cannot know when envd listens must.
--mode fd: the script binds and listens on the socket first and hands it to envd as fd 3 with
  LISTEN_FDS=1 (as the agent does, docs/envd.md), then sends its request at once: it waits in the
  socket's backlog until envd accepts it, so nothing is lost to polling.

For each run: start -> first 204 from /health (ms) and the CPU time envd's threads used by then
(a figure a busy machine does not inflate), then RSS, RssAnon and RssFile (MB) after envd
has idled --idle seconds. Prints p50/min/max per binary; --json prints the figures as JSON too.
Run it with `nice`: the machine is shared, and the p50 of 20 runs is what to quote.
"""
import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time

REQUEST = b"GET /health HTTP/1.1\r\nHost: envd\r\nConnection: close\r\n\r\n"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ask_health(port, deadline, retry):
    """Sends GET /health until it is answered; returns the status code."""
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port)) as s:
                s.sendall(REQUEST)
                data = b""
                while b"\r\n" not in data:
                    chunk = s.recv(4096)
                    if not chunk:
                        raise ConnectionResetError("closed before a status line")
                    data += chunk
                return int(data.split(b" ", 2)[1])
        except (ConnectionRefusedError, ConnectionResetError):
            if not retry or time.monotonic() > deadline:
                raise
            time.sleep(0.0005)


def cpu_ms(pid):
    """CPU time envd's threads have used so far (schedstat, ns): its start's cost, however busy the machine."""
    total = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/schedstat") as f:
                total += int(f.read().split()[0])
        except FileNotFoundError:
            pass
    return total / 1e6


def status_mb(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "RssAnon", "RssFile"):
                fields[key] = int(value.split()[0]) / 1024.0
    return fields


def run_once(envd, mode, idle):
    env = {k: v for k, v in os.environ.items() if k not in ("LISTEN_FDS", "LISTEN_PID", "WRENN_ENVD_ACCESS_TOKEN")}
    args = [envd, "--default-user", "root", "--forward-ports", "off"]
    listener = None
    if mode == "fd":
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(128)
        port = listener.getsockname()[1]
        env["LISTEN_FDS"] = "1"
        fd = listener.fileno()

        def preexec():  # in the child only: the socket as an inheritable fd 3 (dup2 onto itself changes nothing)
            if fd != 3:
                os.dup2(fd, 3)
            os.set_inheritable(3, True)
    else:
        port = free_port()
        args += ["--listen", f"127.0.0.1:{port}"]

        def preexec():  # nothing to do; there so both modes start envd the same way (fork, not vfork)
            pass
    started = time.perf_counter()
    process = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               close_fds=False, preexec_fn=preexec)
    try:
        if listener is not None:
            listener.close()  # envd holds its own copy now
        status = ask_health(port, time.monotonic() + 10, retry=(mode == "port"))
        elapsed = (time.perf_counter() - started) * 1000
        cpu = cpu_ms(process.pid)
        if status != 204:
            raise RuntimeError(f"/health answered {status}")
        time.sleep(idle)
        memory = status_mb(process.pid)
    finally:
        process.kill()
        process.wait()
    return elapsed, cpu, memory


def summary(values):
    return {"p50": round(statistics.median(values), 2), "min": round(min(values), 2), "max": round(max(values), 2)}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--idle", type=float, default=2.0)
    parser.add_argument("--mode", choices=["port", "fd"], default="port")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("envd", nargs="*")
    options = parser.parse_args()
    binaries = options.envd or [os.path.join(os.path.dirname(__file__), "..", "builds", "envd")]
    results = {b: {"start_ms": [], "start_cpu_ms": [], "rss_mb": [], "rss_anon_mb": [], "rss_file_mb": []} for b in binaries}
    for _ in range(options.runs):
        for binary in binaries:
            elapsed, cpu, memory = run_once(binary, options.mode, options.idle)
            r = results[binary]
            r["start_ms"].append(elapsed)
            r["start_cpu_ms"].append(cpu)
            r["rss_mb"].append(memory["VmRSS"])
            r["rss_anon_mb"].append(memory.get("RssAnon", 0.0))
            r["rss_file_mb"].append(memory.get("RssFile", 0.0))
    report = {}
    for binary, r in results.items():
        report[binary] = {k: summary(v) for k, v in r.items()}
        s = report[binary]
        print(f"{binary} ({options.mode}, {options.runs} runs): start->/health p50 {s['start_ms']['p50']} ms "
              f"(min {s['start_ms']['min']}, max {s['start_ms']['max']}), CPU used by then p50 {s['start_cpu_ms']['p50']} ms; idle RSS p50 {s['rss_mb']['p50']} MB "
              f"(anon {s['rss_anon_mb']['p50']}, file {s['rss_file_mb']['p50']})")
    if options.json:
        json.dump({"mode": options.mode, "runs": options.runs, "results": report}, sys.stdout, indent=2)
        print()


if __name__ == "__main__":
    main()
