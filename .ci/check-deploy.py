#!/usr/bin/env python3
"""Checks the deployment files against the binary they deploy, without containers:

- every YAML file under deploy/ parses;
- every command, option and environment variable the Dockerfile, the compose file and the
  Kubernetes manifests give ctip-api is one the binary's --help names;
- the ports: each container's `http` port is its CTIP_LISTEN port, its `metrics` port its
  CTIP_METRICS_LISTEN port, the Dockerfile EXPOSEs exactly those; no Service exposes `metrics`;
- every probe asks /ready or /health, and the binary, started here on SQLite, answers 200 on
  both, serves /metrics on the metrics address and not on the public one;
- the HAProxy configurations are valid (`haproxy -c`, when HAProxy is installed);
- the Dockerfile's final stage runs as a numeric non-root user.

Usage: .ci/check-deploy.py path/to/ctip-api
What it cannot check here: that the images build and run (no container runtime), that
PostgreSQL replication works in compose, that the manifests apply to a real cluster.
"""
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
BIN = sys.argv[1] if len(sys.argv) > 1 else str(ROOT / "target/debug/ctip-api")
failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL", msg)


def help_of(*command):
    out = subprocess.run([BIN, *command, "--help"], capture_output=True, text=True, check=True)
    return out.stdout


HELP = {cmd: help_of(cmd) for cmd in ["serve", "migrate"]}
TOP = help_of()


def check_command(where, args, env_names):
    command = args[0] if args else "serve"
    if command not in HELP:
        fail(f"{where}: command {command!r} is not one the binary has (checked: {sorted(HELP)})")
        return
    text = HELP[command]
    for a in args[1:]:
        if a.startswith("--") and a.split("=")[0] not in text:
            fail(f"{where}: option {a} is not in `ctip-api {command} --help`")
    for name in env_names:
        # CTIP_K1 and CTIP_K2 are read from the environment only; the help of --keys-file names them.
        if name not in text:
            fail(f"{where}: environment variable {name} is not in `ctip-api {command} --help`")


def port_of(addr):
    return int(addr.rsplit(":", 1)[1])


# --- YAML parses
docs = {}
for path in sorted((ROOT / "deploy").rglob("*.yaml")):
    try:
        docs[path] = [d for d in yaml.safe_load_all(path.read_text()) if d]
        print("ok  parses", path.relative_to(ROOT))
    except yaml.YAMLError as e:
        fail(f"{path}: {e}")

# --- Kubernetes
probe_paths = set()
for path, items in docs.items():
    if "kubernetes" not in path.parts:
        continue
    for d in items:
        kind = d.get("kind")
        where = f"{path.relative_to(ROOT)} {kind}/{d['metadata']['name']}"
        if kind in ("Deployment", "Job"):
            spec = d["spec"]["template"]["spec"]
            sc = spec.get("securityContext", {})
            if not sc.get("runAsNonRoot") or not sc.get("runAsUser"):
                fail(f"{where}: not run as a non-root user")
            for c in spec["containers"]:
                env = {e["name"]: e.get("value") for e in c.get("env", [])}
                check_command(where, c.get("args", []), env)
                ports = {p["name"]: p["containerPort"] for p in c.get("ports", [])}
                if "CTIP_LISTEN" in env and ports.get("http") != port_of(env["CTIP_LISTEN"]):
                    fail(f"{where}: port http {ports.get('http')} is not CTIP_LISTEN {env['CTIP_LISTEN']}")
                if "CTIP_METRICS_LISTEN" in env and ports.get("metrics") != port_of(env["CTIP_METRICS_LISTEN"]):
                    fail(f"{where}: port metrics is not CTIP_METRICS_LISTEN")
                if kind == "Deployment":
                    for probe, want in (("readinessProbe", "/ready"), ("livenessProbe", "/health")):
                        p = c.get(probe, {}).get("httpGet", {})
                        if p.get("path") != want or p.get("port") != "http":
                            fail(f"{where}: {probe} is not GET {want} on port http")
                        probe_paths.add(p.get("path"))
                    if "CTIP_K2" in env and "secretKeyRef" not in str(
                        [e for e in c["env"] if e["name"] == "CTIP_K2"]
                    ):
                        fail(f"{where}: CTIP_K2 not from a Secret")
        if kind == "Service":
            for p in d["spec"]["ports"]:
                if p.get("targetPort") in ("metrics", 9464):
                    fail(f"{where}: the metrics port is exposed by a Service")
        if kind == "PodDisruptionBudget":
            print("ok  ", where)

# --- compose
for path, items in docs.items():
    if "compose" not in path.parts:
        continue
    for d in items:
        for name, svc in d.get("services", {}).items():
            if svc.get("image") != "ctip-api:local":
                continue
            env = svc.get("environment", {})
            where = f"{path.relative_to(ROOT)} service {name}"
            check_command(where, svc.get("command", ["serve"]), env)
            for published in svc.get("ports", []):
                if str(published).endswith(":9464"):
                    fail(f"{where}: publishes the metrics port")

# --- Dockerfile
dockerfile = (ROOT / "Dockerfile").read_text()
final = dockerfile.split("\nFROM ")[-1]
env_block = re.search(r"^ENV (.*?)(?:\n(?!\s))", final, re.S | re.M)
docker_env = dict(re.findall(r"(\w+)=(\S+)", env_block.group(1))) if env_block else {}
check_command("Dockerfile", ["serve"], docker_env)
exposed = sorted(int(p) for p in re.findall(r"^EXPOSE (.*)$", final, re.M)[0].split())
wanted = sorted([port_of(docker_env["CTIP_LISTEN"]), port_of(docker_env["CTIP_METRICS_LISTEN"])])
if exposed != wanted:
    fail(f"Dockerfile: EXPOSE {exposed} but the listen addresses are on {wanted}")
user = re.findall(r"^USER (\S+)", final, re.M)
if not user or user[-1].split(":")[0] in ("0", "root") or not user[-1].split(":")[0].isdigit():
    fail(f"Dockerfile: the final stage does not run as a numeric non-root user ({user})")
if "/ready" not in final:
    fail("Dockerfile: no HEALTHCHECK on /ready")
probe_paths.add("/ready")

# --- HAProxy
haproxy = shutil.which("haproxy")
if haproxy:
    for cfg in [ROOT / "deploy/compose/haproxy.cfg"]:
        r = subprocess.run([haproxy, "-c", "-q", "-f", str(cfg)], capture_output=True, text=True)
        if r.returncode != 0:
            fail(f"{cfg}: haproxy -c: {r.stdout}{r.stderr}")
        else:
            print("ok  haproxy -c", cfg.relative_to(ROOT))
else:
    print("skip haproxy -c (HAProxy is not installed)")


# --- the binary serves the probes and keeps /metrics internal
def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def status(url):
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


with tempfile.TemporaryDirectory() as d:
    keys = os.path.join(d, "keys.env")
    subprocess.run([BIN, "keys", "init", "--keys-file", keys], check=True, capture_output=True)
    http, metrics = free_port(), free_port()
    env = dict(os.environ, CTIP_KEYS_FILE=keys, RUST_LOG="warn",
               DATABASE_URL=f"sqlite://{d}/ctip.db?mode=rwc",
               CTIP_LISTEN=f"127.0.0.1:{http}", CTIP_METRICS_LISTEN=f"127.0.0.1:{metrics}")
    server = subprocess.Popen([BIN, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        for _ in range(300):
            try:
                if status(f"http://127.0.0.1:{http}/health") == 200:
                    break
            except OSError:
                time.sleep(0.1)
        for path in sorted(probe_paths):
            got = status(f"http://127.0.0.1:{http}{path}")
            (print if got == 200 else fail)(f"{'ok  ' if got == 200 else ''}GET {path}: {got}")
        got = status(f"http://127.0.0.1:{metrics}/metrics")
        (print if got == 200 else fail)(f"{'ok  ' if got == 200 else ''}GET /metrics on the metrics address: {got}")
        got = status(f"http://127.0.0.1:{http}/metrics")
        (print if got == 404 else fail)(f"{'ok  ' if got == 404 else ''}GET /metrics on the public address: {got}")
    finally:
        server.terminate()
        server.wait(timeout=30)

if failures:
    print(f"{len(failures)} problem(s) in the deployment files")
    sys.exit(1)
print("the deployment files name what the binary serves")
