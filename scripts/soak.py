"""The soak run's body (see scripts/soak.sh): standard library only, against WRENN_API_URL/WRENN_API_KEY."""
import concurrent.futures
import hashlib
import http.client
import json
import os
import subprocess
import sys
import time
import urllib.parse

API = urllib.parse.urlparse(os.environ["WRENN_API_URL"])
KEY = os.environ["WRENN_API_KEY"]
CHUNK = 1024 * 1024


def connection():
    return http.client.HTTPConnection(API.hostname, API.port, timeout=600)


def call(method, path, body=None):
    conn = connection()
    data = None if body is None else json.dumps(body).encode()
    conn.request(method, path, body=data, headers={"X-API-Key": KEY, "Content-Type": "application/json"})
    response = conn.getresponse()
    text = response.read()
    conn.close()
    if response.status >= 300:
        raise RuntimeError(f"{method} {path}: {response.status} {text[:300]!r}")
    return json.loads(text) if text else None


def rss_mib(name):
    """Resident memory of the newest process with this exact name, in MiB."""
    pids = subprocess.run(["pgrep", "-n", "-x", name], capture_output=True, text=True).stdout.split()
    if not pids:
        return None
    with open(f"/proc/{pids[0]}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return None


def pattern(size):
    block = hashlib.sha256(b"wrenn-soak").digest() * (CHUNK // 32)
    remaining = size
    while remaining > 0:
        part = block[: min(CHUNK, remaining)]
        remaining -= len(part)
        yield part


def big_file(results):
    size = int(os.environ["SOAK_FILE_MIB"]) * 1024 * 1024
    sandbox = call("POST", "/v1/sandboxes", {"memory_mb": 512})["id"]
    try:
        before = {name: rss_mib(name) for name in ("wrenn-cp", "wrenn-agent")}
        digest = hashlib.sha256()
        started = time.monotonic()
        conn = connection()
        conn.putrequest("POST", f"/v1/sandboxes/{sandbox}/files?path=/tmp/big.bin")
        conn.putheader("X-API-Key", KEY)
        conn.putheader("Content-Type", "application/octet-stream")
        conn.putheader("Content-Length", str(size))
        conn.endheaders()
        for part in pattern(size):
            digest.update(part)
            conn.send(part)
        response = conn.getresponse()
        answer = response.read()
        conn.close()
        if response.status != 200:
            raise RuntimeError(f"upload: {response.status} {answer[:300]!r}")
        upload_s = time.monotonic() - started
        peak_during = {name: rss_mib(name) for name in ("wrenn-cp", "wrenn-agent")}

        started = time.monotonic()
        conn = connection()
        conn.request("GET", f"/v1/sandboxes/{sandbox}/files?path=/tmp/big.bin", headers={"X-API-Key": KEY})
        response = conn.getresponse()
        back = hashlib.sha256()
        total = 0
        while True:
            part = response.read(CHUNK)
            if not part:
                break
            back.update(part)
            total += len(part)
        conn.close()
        download_s = time.monotonic() - started
        after = {name: rss_mib(name) for name in ("wrenn-cp", "wrenn-agent")}
        if total != size or back.hexdigest() != digest.hexdigest():
            raise RuntimeError(f"download differs: {total} bytes of {size}")
        growth = {name: after[name] - before[name] for name in before}
        results["big_file"] = {
            "mib": size // (1024 * 1024),
            "upload_mib_per_s": round(size / CHUNK / upload_s, 1),
            "download_mib_per_s": round(size / CHUNK / download_s, 1),
            "rss_before_mib": before,
            "rss_after_upload_mib": peak_during,
            "rss_after_mib": after,
        }
        print(f"big file: {size // CHUNK} MiB up {results['big_file']['upload_mib_per_s']} MiB/s, down {results['big_file']['download_mib_per_s']} MiB/s; RSS growth {growth}")
        for name, grew in growth.items():
            if grew > 150:
                raise RuntimeError(f"{name} grew by {grew:.0f} MiB moving a {size // CHUNK} MiB file")
    finally:
        call("DELETE", f"/v1/sandboxes/{sandbox}")


def one_cycle(index):
    started = time.monotonic()
    sandbox = call("POST", "/v1/sandboxes", {})["id"]
    created = time.monotonic()
    result = call("POST", f"/v1/sandboxes/{sandbox}/exec", {"cmd": f"echo {index}"})
    if result["stdout"] != f"{index}\n":
        raise RuntimeError(f"cycle {index}: {result}")
    executed = time.monotonic()
    call("DELETE", f"/v1/sandboxes/{sandbox}")
    return created - started, executed - created, time.monotonic() - executed


def cycles(results):
    count = int(os.environ["SOAK_CYCLES"])
    parallel = int(os.environ["SOAK_PARALLEL"])
    before = {name: rss_mib(name) for name in ("wrenn-cp", "wrenn-agent")}
    started = time.monotonic()
    timings = []
    with concurrent.futures.ThreadPoolExecutor(parallel) as pool:
        for timing in pool.map(one_cycle, range(count)):
            timings.append(timing)
            if len(timings) % 100 == 0:
                print(f"  {len(timings)}/{count} cycles, agent RSS {rss_mib('wrenn-agent'):.0f} MiB", flush=True)
    elapsed = time.monotonic() - started
    after = {name: rss_mib(name) for name in ("wrenn-cp", "wrenn-agent")}

    def p(values, q):
        ordered = sorted(values)
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 1)

    creates, execs, destroys = zip(*timings)
    left = call("GET", "/v1/sandboxes")["sandboxes"]
    results["cycles"] = {
        "count": count,
        "parallel": parallel,
        "seconds": round(elapsed, 1),
        "per_second": round(count / elapsed, 2),
        "create_ms_p50": p(creates, 0.5), "create_ms_p95": p(creates, 0.95),
        "exec_ms_p50": p(execs, 0.5), "exec_ms_p95": p(execs, 0.95),
        "destroy_ms_p50": p(destroys, 0.5), "destroy_ms_p95": p(destroys, 0.95),
        "rss_before_mib": before,
        "rss_after_mib": after,
        "sandboxes_left": len(left),
    }
    print(json.dumps(results["cycles"], indent=2))
    if left:
        raise RuntimeError(f"{len(left)} sandboxes still listed after the cycles")


def main():
    results = {"when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    big_file(results)
    cycles(results)
    path = os.path.join(os.environ["SOAK_RESULTS"], time.strftime("soak-%Y%m%d-%H%M%S.json", time.gmtime()))
    with open(path, "w") as out:
        json.dump(results, out, indent=2)
    print("results in", path)


if __name__ == "__main__":
    try:
        main()
    except Exception as error:  # a failed soak says why in one line and exits non-zero
        print("soak: FAILED:", error, file=sys.stderr)
        sys.exit(1)
