#!/usr/bin/env python3
"""Flock's soak run (scripts/soak.sh): `flockctl run` against the simulator
with several accounts for a long time, one campaign after another, limits
off, and a random fault every minute or two from the fault tests' list:
an account's browser SIGKILLed, a phone offline for 20 s, the page
reloading itself, `flockctl run` SIGKILLed and started again, the SQLite
file locked by another program for 15 s. At the end it prints a table:
messages, duplicates, lost, accounts past a deadline, browser memory at
start and end, database size. Exits 1 when anything was doubled, lost or
stuck. Standard library only."""

import argparse
import json
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import datetime, timezone


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Sim:
    def __init__(self, base):
        self.base = base.rstrip("/")

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method, headers={"content-type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.loads(r.read() or b"null")


class Desk:
    """flockctl on one data folder, with the test's HOME."""

    def __init__(self, flockctl, work, sim_url):
        self.flockctl = flockctl
        self.data = os.path.join(work, "data")
        self.home = os.path.join(work, "home")
        os.makedirs(os.path.join(self.home, ".config"), exist_ok=True)
        self.env = dict(os.environ, HOME=self.home, XDG_CONFIG_HOME=self.home + "/.config",
                        XDG_DATA_HOME=self.home + "/.local/share", XDG_CACHE_HOME=self.home + "/.cache")
        self.env.pop("FLOCK_DATABASE_URL", None)
        self.base = [flockctl, "--data-dir", self.data, "--wa-url", sim_url + "/"]

    def json(self, *args):
        out = subprocess.run(self.base + list(args) + ["--json"], env=self.env, capture_output=True, text=True)
        if out.returncode != 0:
            raise SystemExit(f"flockctl {' '.join(args)} failed: {out.stderr.strip()}")
        return json.loads(out.stdout)

    def popen(self, *args):
        return subprocess.Popen(self.base + list(args), env=self.env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)


class Run:
    """A `flockctl run --json` in the background; its lines collected."""

    def __init__(self, desk):
        self.proc = desk.popen("run", "--json")
        self.lines = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            try:
                self.lines.append(json.loads(line))
            except ValueError:
                pass

    def kill(self):
        self.proc.kill()
        self.proc.wait()

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=90)
        except subprocess.TimeoutExpired:
            self.kill()


def link(desk, sim, name, phone):
    acc = desk.json("accounts", "add", name)
    p = desk.popen("accounts", "link", str(acc["id"]), "--json", "--timeout", "150")
    for line in p.stdout:
        ev = json.loads(line)
        if ev.get("event") == "qr":
            try:
                sim.call("POST", "/_sim/scan", {"qr": ev["payload"], "phone": phone})
            except Exception as e:  # a QR replaced meanwhile: the next one comes
                print(f"  scan refused ({e}); waiting for the next QR", file=sys.stderr)
    if p.wait() != 0:
        raise SystemExit(f"linking {phone} failed")
    return acc["id"]


def browser_pids(data_dir):
    """Every process of the browsers running on the data folder's profiles."""
    needle = os.path.join(data_dir, "profiles")
    parents, roots = {}, []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmd = open(f"/proc/{pid}/cmdline", "rb").read().replace(b"\0", b" ").decode(errors="replace")
            ppid = int(open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[1])
        except OSError:
            continue
        parents[int(pid)] = ppid
        if "chrom" in cmd and needle in cmd and "--type=" not in cmd:
            roots.append(int(pid))
    tree = set(roots)
    grew = True
    while grew:
        grew = False
        for pid, ppid in parents.items():
            if ppid in tree and pid not in tree:
                tree.add(pid)
                grew = True
    return roots, tree


def pss_mib(pids):
    total = 0
    for pid in pids:
        try:
            for line in open(f"/proc/{pid}/smaps_rollup"):
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def past_deadline(desk, grace=30):
    now = datetime.now(timezone.utc)
    stuck = []
    for a in desk.json("accounts", "list"):
        if a["state"] in ("waiting_for_scan", "syncing", "reconnecting"):
            d = a.get("deadline")
            if d is None or (now - datetime.fromisoformat(d.replace("Z", "+00:00"))).total_seconds() > grace:
                stuck.append(a["id"])
    return stuck


def lock_database(path, seconds):
    c = sqlite3.connect(path, isolation_level=None, timeout=60)
    c.execute("BEGIN EXCLUSIVE")
    time.sleep(seconds)
    c.execute("COMMIT")
    c.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--flockctl", required=True)
    ap.add_argument("--minutes", type=float, default=60)
    ap.add_argument("--accounts", type=int, default=5)
    ap.add_argument("--campaign-size", type=int, default=300)
    ap.add_argument("--seed", type=int, default=None)
    a = ap.parse_args()
    seed = a.seed if a.seed is not None else random.randrange(1 << 30)
    rnd = random.Random(seed)
    work = tempfile.mkdtemp(prefix="flock-soak.")
    port = free_port()
    sim_env = dict(os.environ, HOME=work)
    sim_proc = subprocess.Popen([a.flockctl, "--data-dir", os.path.join(work, "sim"), "sim", "serve", "--port", str(port)],
                                env=sim_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    sim_url = f"http://127.0.0.1:{port}"
    sim = Sim(sim_url)
    for _ in range(100):
        try:
            sim.call("GET", "/_sim/phones")
            break
        except OSError:
            time.sleep(0.1)
    desk = Desk(a.flockctl, work, sim_url)
    print(f"soak: {a.minutes:g} min, {a.accounts} accounts, seed {seed}, work folder {work}", file=sys.stderr)
    phones = [f"+91980000{i:04d}" for i in range(1, a.accounts + 1)]
    ids = []
    for i, phone in enumerate(phones):
        sim.call("POST", "/_sim/phones", {"phone": phone, "name": f"Soak {i + 1}"})
        ids.append(link(desk, sim, f"Soak {i + 1}", phone))
    for i in ids:
        desk.json("accounts", "limits", str(i), "--per-minute", "off", "--per-hour", "off", "--per-day", "off",
                  "--gap", "0", "--pause-every", "off", "--ramp-up", "off")

    run = Run(desk)
    time.sleep(10)
    mem_start = pss_mib(browser_pids(desk.data)[1])
    end = time.time() + a.minutes * 60
    campaigns, targets, faults, stuck_seen = [], [], [], set()
    next_fault = time.time() + rnd.uniform(45, 90)
    n = 0
    while time.time() < end:
        # A new campaign whenever the last one is done (or at the start).
        if not campaigns or desk.json("campaigns", "show", str(campaigns[-1]))["status"] == "completed":
            people = [f"+9197{n + k:08d}" for k in range(a.campaign_size)]
            n += a.campaign_size
            csv = os.path.join(work, f"c{len(campaigns)}.csv")
            with open(csv, "w") as f:
                f.write("name,phone\n" + "".join(f"Person {p[-4:]},{p}\n" for p in people))
            c = desk.json("campaigns", "create", "--name", f"soak {len(campaigns) + 1}", "--text",
                          "{Hello|Hi|Vanakkam} {{ first_name }}, soak message", "--csv", csv)["id"]
            desk.json("campaigns", "start", str(c))
            campaigns.append(c)
            targets += people
        if time.time() >= next_fault:
            kind = rnd.choice(["browser killed", "phone offline 20 s", "page reload", "flockctl run killed", "database locked 15 s"])
            faults.append(kind)
            print(f"  [{time.strftime('%H:%M:%S')}] fault: {kind}", file=sys.stderr)
            if kind == "browser killed":
                roots, _ = browser_pids(desk.data)
                if roots:
                    os.kill(rnd.choice(roots), signal.SIGKILL)
            elif kind == "phone offline 20 s":
                phone = rnd.choice(phones)
                sim.call("POST", f"/_sim/phones/{phone}/offline")
                time.sleep(20)
                sim.call("POST", f"/_sim/phones/{phone}/online")
            elif kind == "page reload":
                live = [s for s in sim.call("GET", "/_sim/sessions") if s.get("phone")]
                if live:
                    sim.call("POST", f"/_sim/sessions/{rnd.choice(live)['id']}/reload")
            elif kind == "flockctl run killed":
                run.kill()
                time.sleep(2)
                run = Run(desk)
            else:
                lock_database(os.path.join(desk.data, "flock.sqlite3"), 15)
            next_fault = time.time() + rnd.uniform(60, 120)
        stuck_seen.update(past_deadline(desk))
        time.sleep(5)

    # Let the last campaign finish, then judge.
    print("  soak time over: letting the last campaign finish", file=sys.stderr)
    deadline = time.time() + 600
    while time.time() < deadline and desk.json("campaigns", "show", str(campaigns[-1]))["status"] != "completed":
        stuck_seen.update(past_deadline(desk))
        time.sleep(5)
    mem_end = pss_mib(browser_pids(desk.data)[1])
    run.stop()
    ledger = sim.call("GET", "/_sim/ledger?accepted=true")
    per = {}
    for e in ledger:
        key = e.get("target") or e["chat"]
        per[key] = per.get(key, 0) + 1
    doubled = sum(1 for v in per.values() if v > 1)
    resubmitted = sum(1 for e in sim.call("GET", "/_sim/ledger") if e["submissions"] != 1)
    open_rows = 0
    failed = 0
    for c in campaigns:
        counts = desk.json("campaigns", "show", str(c))["counts"]
        open_rows += counts["pending"] + counts["sending"]
        failed += counts["failed"]
    db_bytes = sum(os.path.getsize(os.path.join(desk.data, f)) for f in os.listdir(desk.data) if f.startswith("flock.sqlite3"))
    sim_proc.terminate()

    rows = [
        ("minutes", f"{a.minutes:g}"),
        ("accounts", str(a.accounts)),
        ("campaigns", str(len(campaigns))),
        ("faults", f"{len(faults)} ({', '.join(sorted(set(faults)))})" if faults else "0"),
        ("messages reached WhatsApp", str(len(ledger))),
        ("targets", str(len(targets))),
        ("duplicates (a target twice)", str(doubled)),
        ("ids submitted more than once", str(resubmitted)),
        ("lost (left pending or sending)", str(open_rows)),
        ("failed with a reason", str(failed)),
        ("accounts past a deadline", str(len(stuck_seen))),
        ("browser memory at start (PSS)", f"{mem_start:.0f} MiB"),
        ("browser memory at end (PSS)", f"{mem_end:.0f} MiB"),
        ("database size", f"{db_bytes / 1048576:.1f} MiB"),
        ("seed", str(seed)),
    ]
    width = max(len(k) for k, _ in rows)
    print(f"| {'':<{width}} | value |\n|{'-' * (width + 2)}|-------|")
    for k, v in rows:
        print(f"| {k:<{width}} | {v} |")
    bad = doubled or resubmitted or open_rows or stuck_seen
    if not bad:
        subprocess.run(["rm", "-rf", work])
    else:
        print(f"kept the work folder for a look: {work}", file=sys.stderr)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
