#!/usr/bin/env python3
# tier: kvm (see tests/lib/tier-exec)
# SPDX-License-Identifier: GPL-2.0
# The control socket and lkvm list, stop, pause, resume and debug, against
# guest payloads: spin (tests/guests/spin.c: a CPL3 loop bumping a counter,
# an NMI handler, a power-button poll), echo (console input) and cpl3 (a
# guest that ignores the power button). Also malformed requests over the
# raw socket, SCM_RIGHTS stats fds, a refused other user, stale sockets and
# name clashes. TAP output. LKVM and LKVM_OUT are set by `make check`.
import errno, json, os, re, shutil, signal, socket, stat, struct, subprocess
import sys, tempfile, time

LKVM = os.path.abspath(os.environ.get("LKVM", "./lkvm"))
OUT = os.environ.get("LKVM_OUT", ".")
G = os.path.join(OUT, "tests/guests")
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from tap import ok, skip, skip_all, failed, done  # noqa: E402


if not os.path.exists("/dev/kvm"):
    skip_all("no /dev/kvm")
if not os.access(LKVM, os.X_OK):
    skip_all("no lkvm binary at " + LKVM)
SPIN = os.path.join(G, "spin.elf")
if not os.path.exists(SPIN):
    skip_all("payloads not built (make guests) in " + G)

TMP = tempfile.mkdtemp(prefix="lkvm-control.")
XDG = os.path.join(TMP, "xdg")
os.mkdir(XDG, 0o700)
SOCKDIR = os.path.join(XDG, "lkvm")
ENV = dict(os.environ, XDG_RUNTIME_DIR=XDG)
guests = []


def lkvm(*args, env=ENV, timeout=60, pre=()):
    """Run lkvm ARGS; returns (status, stdout, stderr)."""
    p = subprocess.run(list(pre) + [LKVM] + list(args), env=env, capture_output=True,
                       timeout=timeout, text=True)
    return p.returncode, p.stdout, p.stderr


class Guest:
    """lkvm run -k PAYLOAD --name NAME in the background."""

    def __init__(self, name, payload="spin", args=(), stdin=subprocess.DEVNULL):
        self.name = name
        self.out = open(os.path.join(TMP, name + ".out"), "w+")
        self.err = open(os.path.join(TMP, name + ".err"), "w+")
        self.p = subprocess.Popen([LKVM, "run", "-k", os.path.join(G, payload + ".elf"),
                                   "--name", name] + list(args),
                                  env=ENV, stdin=stdin, stdout=self.out, stderr=self.err)
        self.status = None
        guests.append(self)

    def sock(self):
        return os.path.join(SOCKDIR, self.name + ".sock")

    def wait_socket(self, timeout=20):
        end = time.time() + timeout
        while time.time() < end:
            if self.p.poll() is None and os.path.exists(self.sock()):
                # Live, not a stale one left by an earlier guest of this name.
                c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                try:
                    c.connect(self.sock())
                    return True
                except OSError:
                    pass
                finally:
                    c.close()
            if self.p.poll() is not None:
                return False
            time.sleep(0.05)
        return False

    def output(self):
        self.out.flush()
        with open(self.out.name) as f:
            return f.read().replace("\r", "")

    def stderr(self):
        self.err.flush()
        with open(self.err.name) as f:
            return f.read()

    def expect(self, text, timeout=20):
        end = time.time() + timeout
        while time.time() < end:
            if text in self.output():
                return True
            time.sleep(0.05)
        return text in self.output()

    def wait(self, timeout=30):
        try:
            self.status = self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.status = self.p.wait()
            return None
        return self.status

    def kill(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()


def symbol(name):
    """Address of @name in spin.elf (nm), or None."""
    if not shutil.which("nm"):
        return None
    out = subprocess.run(["nm", SPIN], capture_output=True, text=True).stdout
    for line in out.splitlines():
        f = line.split()
        if len(f) == 3 and f[2] == name:
            return int(f[0], 16)
    return None


def read_u64(name, addr, virtual=False):
    args = ["debug", "--name", name, "--memory", "%#x,8" % addr]
    if virtual:
        args.append("--virtual")
    rc, out, err = lkvm(*args)
    m = re.match(r"^[0-9a-f]{16}  ((?:[0-9a-f]{2} ){8})", out)
    if rc or not m:
        return None
    return int.from_bytes(bytes.fromhex(m.group(1).replace(" ", "")), "little")


def moving(name, addr, delay=0.3):
    a = read_u64(name, addr)
    time.sleep(delay)
    b = read_u64(name, addr)
    return a is not None and b is not None and a != b, (a, b)


def list_json():
    rc, out, err = lkvm("list", "--json")
    try:
        return {g["name"]: g for g in json.loads(out)}
    except ValueError:
        return {"error": out + err}


# ---- raw protocol ----------------------------------------------------------
MAGIC = 0x43564b4c
HDR = struct.Struct("<IHHHHIiI")


def hdr(type_, length, version=1, magic=MAGIC, flags=0, id_=1):
    return HDR.pack(magic, version, type_, flags, 0, id_, 0, length)


def raw_exchange(path, data, shut=False, timeout=5):
    """Send @data on a new connection, read until EOF. Returns (header
    tuple or None, payload bytes, closed-by-peer)."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(path)
    try:
        s.sendall(data)
    except OSError:
        pass
    if shut:
        s.shutdown(socket.SHUT_WR)
    buf = b""
    closed = False
    try:
        while True:
            d = s.recv(65536)
            if not d:
                closed = True
                break
            buf += d
    except (socket.timeout, ConnectionResetError):
        pass
    s.close()
    if len(buf) < HDR.size:
        return None, buf, closed
    h = HDR.unpack(buf[:HDR.size])
    return h, buf[HDR.size:HDR.size + h[7]], closed


try:
    COUNTER = symbol("spin_counter")

    # ---- a running guest: list, debug, pause, resume -----------------------
    g = Guest("c1")
    ok(g.wait_socket(), "lkvm run creates its control socket", g.stderr())
    st = os.stat(g.sock())
    ok(stat.S_IMODE(st.st_mode) == 0o600 and stat.S_ISSOCK(st.st_mode) and
       stat.S_IMODE(os.stat(SOCKDIR).st_mode) == 0o700,
       "socket mode 0600 in a 0700 directory under $XDG_RUNTIME_DIR/lkvm")
    g.expect("spin: counter at")

    rc, out, err = lkvm("list")
    ok(rc == 0 and re.search(r"^NAME +PID +STATE +VCPUS +MEMORY +UPTIME +KERNEL$", out, re.M) and
       re.search(r"^c1 +%d +running +1 +512M +\S+ +%s$" % (g.p.pid, re.escape(os.path.realpath(SPIN))),
                 out, re.M),
       "list: name, pid, state running, vCPUs, memory, uptime, kernel", out + err)
    j = list_json()
    ok("c1" in j and j["c1"]["state"] == "running" and j["c1"]["vcpus"] == 1 and
       j["c1"]["pid"] == g.p.pid and j["c1"]["memory"] == 512 << 20 and
       j["c1"]["uptime"] >= 0 and j["c1"]["socket"] == g.sock(), "list --json", j)

    if COUNTER is None:
        skip("counter moves while running", "no nm to find spin_counter")
    else:
        mv, v = moving("c1", COUNTER)
        ok(mv, "debug --memory: the guest's counter moves while it runs", v)

    rc, out, err = lkvm("pause", "--name", "c1")
    ok(rc == 0 and not out and not err, "pause: status 0, silent", out + err)
    j = list_json()
    ok(j.get("c1", {}).get("state") == "paused", "list shows the guest paused", j)
    rc, out, err = lkvm("list")
    ok(re.search(r"^c1 +\d+ +paused ", out, re.M), "list table: state paused", out)
    if COUNTER is not None:
        mv, v = moving("c1", COUNTER, 0.5)
        ok(not mv and v[0] is not None, "paused: the counter stops", v)
    rc, out, err = lkvm("pause", "c1")
    ok(rc == 0 and "already paused" in err, "pause twice: status 0, says so", err)

    rc, out, err = lkvm("debug", "--name", "c1", "--dump")
    ok(rc == 0 and "vCPU 0 registers (CPL 3, 64-bit mode)" in out and
       re.search(r"code at RIP [0-9a-f]{16} <spin_loop\+0x[0-9a-f]+>", out),
       "debug --dump while paused: RIP in spin_loop, symbolized from the payload's ELF",
       out + err)
    rip = re.search(r"RIP ([0-9a-f]{16})", out)
    start = symbol("spin_loop")
    if rip and start is not None:
        ok(start <= int(rip.group(1), 16) < start + 0x100, "RIP lies in spin_loop",
           "%s vs %#x" % (rip.group(1), start))
    else:
        skip("RIP lies in spin_loop", "no RIP or no nm")
    ok(all(k in out for k in ("RFLAGS", "CR0", "CR3", "CR4", "EFER", "APIC base", "CS ",
                              "GDT", "events:", "instruction:")),
       "dump: general, control and segment registers, EFER, APIC base, events, instruction")
    ok(re.search(r"^  instruction: [a-z]", out, re.M),
       "dump: the instruction at RIP is disassembled (capstone, loaded on first use)", out)

    rc, out, err = lkvm("resume", "--name", "c1")
    ok(rc == 0 and not err, "resume: status 0", err)
    ok(list_json().get("c1", {}).get("state") == "running", "list shows it running again")
    if COUNTER is not None:
        mv, v = moving("c1", COUNTER)
        ok(mv, "resumed: the counter moves again", v)
    rc, out, err = lkvm("resume", "c1")
    ok(rc == 0 and "was not paused" in err, "resume a running guest: status 0, says so", err)

    rc, out, err = lkvm("debug", "c1")
    ok(rc == 0 and "<spin_loop+" in out, "debug (default --dump) while running: spin_loop",
       out + err)
    if g.p.poll() is None:
        ok(True, "the guest runs on after the dumps")
    else:
        ok(False, "the guest runs on after the dumps", g.stderr())

    if COUNTER is not None:
        rc, out, err = lkvm("debug", "c1", "--page-tables", "%#x" % COUNTER)
        ok(rc == 0 and "4-level paging" in out and "PML4[  0]" in out and
           ("=> GPA %016x (2 MiB page" % COUNTER) in out,
           "debug --page-tables: each level, identity-mapped 2 MiB page", out + err)
        a, b = read_u64("c1", COUNTER, virtual=True), read_u64("c1", COUNTER)
        ok(a is not None and b is not None, "debug --memory --virtual reads through the tables")
    rc, out, err = lkvm("debug", "c1", "--page-tables", "0x800000000000")
    ok(rc == 0 and "not canonical" in out, "page walk of a non-canonical address", out)
    rc, out, err = lkvm("debug", "c1", "--memory", "0x1ffffff8,16")
    ok(rc == 1 and out.count("\n") == 1 and "0x20000000 is not RAM" in err,
       "memory at the end of RAM: the part in RAM, then one error line", out + err)
    rc, out, err = lkvm("debug", "c1", "--memory", "0xfee00000")
    ok(rc == 1 and not out and "not RAM" in err and err.count("\n") == 1,
       "memory outside RAM: one error line", err)

    rc, out, err = lkvm("debug", "c1", "--nmi", "0")
    ok(rc == 0 and g.expect("spin: nmi 1", 10), "debug --nmi 0 reaches the guest's NMI handler",
       g.output() + err)
    rc, out, err = lkvm("debug", "c1", "--nmi", "0")
    ok(rc == 0 and g.expect("spin: nmi 2", 10), "a second NMI is counted too")
    rc, out, err = lkvm("debug", "c1", "--nmi", "7")
    ok(rc == 1 and err.count("\n") == 1 and "no vCPU 7" in err, "--nmi 7 on a 1-vCPU guest",
       err)
    rc, out, err = lkvm("debug", "c1", "--dump", "--cpu", "3")
    ok(rc == 1 and "no vCPU 3" in err, "--dump --cpu 3 on a 1-vCPU guest", err)

    rc, out, err = lkvm("debug", "c1", "--stats-fds")
    m = re.search(r'^vm: id "([^"]*)", (\d+) descriptors', out, re.M)
    m2 = re.search(r'^vcpu 0: id "([^"]*)", (\d+) descriptors', out, re.M)
    ok(rc == 0 and m and m2 and int(m.group(2)) > 0 and int(m2.group(2)) > 0,
       "debug --stats-fds: the VM's and vCPU 0's stats fds, headers read", out + err)

    # SCM_RIGHTS by hand: request STATS_FDS and read struct kvm_stats_header.
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(g.sock())
    s.sendall(hdr(10, 8, id_=5) + struct.pack("<II", 0, 64))
    msg, fds, flags, addr = socket.recv_fds(s, 65536, 64)
    s.close()
    good = False
    why = repr((msg[:32], fds))
    if len(msg) >= HDR.size + 8 and len(fds) == 2:
        h = HDR.unpack(msg[:HDR.size])
        total, cnt = struct.unpack("<II", msg[HDR.size:HDR.size + 8])
        sh = [struct.unpack("<6I", os.pread(fd, 24, 0)) for fd in fds]
        ids = [os.pread(fd, x[1], x[3]).rstrip(b"\0").decode() for fd, x in zip(fds, sh)]
        good = (h[6] == 0 and h[5] == 5 and total == 2 and cnt == 2 and
                all(x[2] > 0 for x in sh) and ids[0].startswith("kvm-") and
                ids[1].endswith("vcpu-0"))
        why = repr((h, total, cnt, sh, ids))
    for fd in fds:
        os.close(fd)
    ok(good, "SCM_RIGHTS: the VM and vCPU stats fds arrive; their kvm_stats_header reads", why)

    # ---- malformed requests ------------------------------------------------
    cases = [
        ("bad magic", hdr(1, 0, magic=0xdeadbeef), False, -errno.EPROTO),
        ("bad version", hdr(1, 0, version=7), False, -errno.EPROTONOSUPPORT),
        ("oversized length", hdr(7, 1 << 20), False, -errno.EMSGSIZE),
        ("unknown type", hdr(99, 0), False, -errno.EOPNOTSUPP),
        ("payload too short for its type", hdr(8, 3) + b"\0\0\0", False, -errno.EINVAL),
        ("payload shorter than the header says", hdr(8, 4) + b"\0\0", True, -errno.EPROTO),
        ("truncated header", hdr(1, 0)[:10], True, -errno.EPROTO),
        ("a reply flag in a request", hdr(1, 0, flags=1), False, -errno.EINVAL),
        ("100 KiB of garbage", os.urandom(100 << 10), False, None),
    ]
    for name, data, shut, want in cases:
        h, payload, closed = raw_exchange(g.sock(), data, shut)
        good = h is not None and h[0] == MAGIC and h[6] < 0 and (want is None or h[6] == want)
        ok(good and closed and payload, "malformed (%s): error reply, connection closed" % name,
           repr((h, payload, closed)))
    h, payload, closed = raw_exchange(g.sock(), hdr(1, 0) + hdr(2, 0, flags=0x10), False)
    ok(h is not None and h[6] == 0 and h[2] == 1, "a good request before a bad one is answered",
       repr(h))
    ok(g.p.poll() is None and list_json().get("c1", {}).get("state") == "running",
       "after the malformed requests the guest runs on, not paused")
    if COUNTER is not None:
        mv, v = moving("c1", COUNTER)
        ok(mv, "... and its counter still moves", v)

    # ---- names ---------------------------------------------------------------
    g2 = Guest("c1")
    st2 = g2.wait(30)
    e2 = g2.stderr()
    ok(st2 == 120 and e2.count("\n") == 1 and "already running" in e2 and
       "pid %d" % g.p.pid in e2 and not g2.output(),
       "a second guest with the same name: one error line, status 120, no guest output", e2)
    ok(g.p.poll() is None and os.path.exists(g.sock()), "the first guest is unaffected")
    rc, out, err = lkvm("run", "-k", SPIN, "--name", "a/b")
    ok(rc == 128 and "--name 'a/b'" in err, "run --name with a slash: usage error", err)
    rc, out, err = lkvm("run", "-k", SPIN, "--name", "x" * 65)
    ok(rc == 128, "run --name of 65 characters: usage error", err)
    rc, out, err = lkvm("stop", "--name", "nosuch")
    ok(rc == 1 and err == "lkvm: error: no guest named 'nosuch' (see 'lkvm list')\n",
       "stop --name nosuch: one line, status 1", err)
    rc, out, err = lkvm("pause")
    ok(rc == 128 and "--name" in err, "pause without a name: usage error", err)

    # ---- another user ------------------------------------------------------
    setpriv = shutil.which("setpriv")
    if os.geteuid() != 0 or not setpriv:
        skip("another user is refused", "needs root and setpriv")
        skip("another user is refused by SO_PEERCRED", "needs root and setpriv")
    else:
        bin_copy = os.path.join(TMP, "lkvm")
        shutil.copy(LKVM, bin_copy)
        os.chmod(bin_copy, 0o755)
        os.chmod(TMP, 0o711)
        nobody = [setpriv, "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"]
        p = subprocess.run(nobody + [bin_copy, "pause", "c1"], env=ENV, capture_output=True,
                           text=True, timeout=30)
        ok(p.returncode == 1 and p.stderr.count("\n") == 1 and "permission denied" in p.stderr,
           "another user is refused (the socket directory is private)", p.stderr)
        # Open the file system up, so only SO_PEERCRED stands in the way.
        os.chmod(XDG, 0o711)
        os.chmod(SOCKDIR, 0o711)
        os.chmod(g.sock(), 0o666)
        p = subprocess.run(nobody + [bin_copy, "pause", "c1"], env=ENV, capture_output=True,
                           text=True, timeout=30)
        ok(p.returncode == 1 and p.stderr.count("\n") == 1 and
           "permission denied" in p.stderr and "belongs to uid" in p.stderr,
           "another user is refused by SO_PEERCRED, with a clear error", p.stderr)
        p = subprocess.run(nobody + [bin_copy, "debug", "c1", "--nmi", "0"], env=ENV,
                           capture_output=True, text=True, timeout=30)
        ok(p.returncode == 1 and "permission denied" in p.stderr, "... also for debug --nmi")
        os.chmod(SOCKDIR, 0o700)
        os.chmod(XDG, 0o700)
        os.chmod(TMP, 0o700)
        ok(g.p.poll() is None and list_json().get("c1", {}).get("state") == "running" and
           "spin: nmi 3" not in g.output(), "the refused requests did not touch the guest")

    # ---- graceful stop -----------------------------------------------------
    rc, out, err = lkvm("stop", "--name", "c1")
    st = g.wait(30)
    ok(rc == 0 and not err, "stop: power button, status 0 once the guest is off", err)
    ok(st == 0 and "spin: power button" in g.output() and "guest powered off" in g.stderr(),
       "the guest saw the power button and powered off; lkvm run exits 0",
       "%r %s %s" % (st, g.output(), g.stderr()))
    ok(not os.path.exists(g.sock()) and not os.path.exists(os.path.join(SOCKDIR, "c1.lock")),
       "the socket and lock are removed at the end", os.listdir(SOCKDIR))

    # ---- forced stop, --all ------------------------------------------------
    d1, d2 = Guest("d1"), Guest("d2", "cpl3", ["-p", "loops=1000000000000"])
    ok(d1.wait_socket() and d2.wait_socket(), "two guests start")
    rc, out, err = lkvm("list")
    ok(re.search(r"^d1 ", out, re.M) and re.search(r"^d2 ", out, re.M), "list shows both", out)
    rc, out, err = lkvm("stop", "--name", "d2", "--timeout", "1")
    ok(rc == 1 and "did not power off within 1 s" in err and "--force" in err and
       d2.p.poll() is None, "stop of a guest that ignores the button: times out, says --force",
       err)
    rc, out, err = lkvm("stop", "--force", "--name", "d2")
    st = d2.wait(30)
    ok(rc == 0 and st == 0 and "guest stopped by lkvm stop --force" in d2.stderr(),
       "stop --force: lkvm run exits 0 at once, says why", d2.stderr() + err)
    ok(not os.path.exists(d2.sock()), "stop --force removes the socket")
    d3 = Guest("d3")
    ok(d3.wait_socket(), "a third guest starts")
    rc, out, err = lkvm("stop", "--all", "--force")
    ok(rc == 0 and d1.wait(30) == 0 and d3.wait(30) == 0, "stop --all --force ends every guest",
       err)
    rc, out, err = lkvm("list", "--json")
    ok(rc == 0 and json.loads(out) == [], "list --json with no guests: []", out)

    # ---- stale sockets and signals -----------------------------------------
    s1 = Guest("s1")
    ok(s1.wait_socket(), "guest s1 starts")
    s1.p.send_signal(signal.SIGKILL)
    s1.wait()
    ok(os.path.exists(s1.sock()), "SIGKILL leaves a stale socket behind")
    rc, out, err = lkvm("list")
    ok(rc == 0 and "s1" not in out, "list leaves the stale socket out", out)
    rc, out, err = lkvm("list", "--all")
    ok(re.search(r"^s1 +- +stale ", out, re.M), "list --all shows it as stale", out)
    ok(list_json().get("s1") is None, "list --json leaves it out too")
    rc, out, err = lkvm("pause", "s1")
    ok(rc == 1 and "stale socket" in err and err.count("\n") == 1,
       "pause of a stale guest: one clear error", err)
    s1b = Guest("s1")
    ok(s1b.wait_socket() and s1b.p.poll() is None, "a new guest replaces the stale socket")
    ok(list_json().get("s1", {}).get("pid") == s1b.p.pid, "... and is the one listed")
    s1b.p.send_signal(signal.SIGTERM)
    st = s1b.wait()
    ok(st == -signal.SIGTERM and not os.path.exists(s1b.sock()),
       "SIGTERM: lkvm run dies of SIGTERM and removes its socket", st)

    # ---- console input is held while paused --------------------------------
    fifo = os.path.join(TMP, "in")
    os.mkfifo(fifo)
    fd = os.open(fifo, os.O_RDWR)
    e = Guest("e1", "echo", stdin=fd)
    ok(e.wait_socket() and e.expect("echo ready"), "echo guest starts")
    rc, out, err = lkvm("pause", "e1")
    os.write(fd, b"a")
    time.sleep(1)
    ok(rc == 0 and "got 61" not in e.output(), "paused: typed input is held", e.output())
    rc, out, err = lkvm("resume", "e1")
    ok(rc == 0 and e.expect("got 61", 20), "resumed: the held input arrives", e.output())
    os.write(fd, b"q")
    ok(e.wait(30) == 1, "echo guest ends normally")
    os.close(fd)

    # ... and the same with the virtio console (hvc0's receive queue)
    fifo = os.path.join(TMP, "vin")
    os.mkfifo(fifo)
    fd = os.open(fifo, os.O_RDWR)
    v = Guest("v1", "virtio-console", args=("--console", "virtio", "-p", "echo=1"), stdin=fd)
    ok(v.wait_socket() and v.expect("waiting for input"), "virtio-console guest starts")
    rc, out, err = lkvm("pause", "v1")
    os.write(fd, b"ping\n")
    time.sleep(1)
    ok(rc == 0 and "got: ping" not in v.output(),
       "paused: input for the virtio console is held", v.output())
    rc, out, err = lkvm("resume", "v1")
    ok(rc == 0 and v.expect("virtio-console got: ping", 20),
       "resumed: the held input reaches the virtio console", v.output())
    ok(v.wait(30) == 1, "virtio-console guest ends normally")
    os.close(fd)
finally:
    for gst in guests:
        gst.kill()
    shutil.rmtree(TMP, ignore_errors=True)

done()
