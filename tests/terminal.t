#!/usr/bin/env python3
# tier: kvm (see tests/lib/tier-exec)
# SPDX-License-Identifier: GPL-2.0
# The terminal: lkvm run on a pseudo-terminal puts it in raw mode, passes
# typed bytes to the guest's COM1, handles the Ctrl-A escapes, and restores
# the terminal's mode on every way out: Ctrl-A x, a signal, a guest crash.
import os, pty, select, signal, sys, termios, time

LKVM = os.environ.get("LKVM", "./lkvm")
OUT = os.environ.get("LKVM_OUT", ".")
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from tap import ok, skip, skip_all, failed, done  # noqa: E402


class Guest:
    """lkvm run ARGS on a new pty; self.fd is the master side."""

    def __init__(self, *args):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.execv(LKVM, [LKVM, "run"] + list(args))
        self.buf = b""
        self.before = termios.tcgetattr(self.fd)

    def expect(self, text, timeout=60):
        end = time.time() + timeout
        while text.encode() not in self.buf:
            left = end - time.time()
            if left <= 0:
                return False
            r, _, _ = select.select([self.fd], [], [], left)
            if r:
                try:
                    data = os.read(self.fd, 4096)
                except OSError:
                    return text.encode() in self.buf
                if not data:
                    return False
                self.buf += data
        return True

    def mode(self):
        return termios.tcgetattr(self.fd)

    def wait(self, timeout=60):
        end = time.time() + timeout
        while time.time() < end:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                # Drain what is left so the mode is read after lkvm's restore.
                return os.waitstatus_to_exitcode(status)
            try:
                r, _, _ = select.select([self.fd], [], [], 0.1)
                if r:
                    self.buf += os.read(self.fd, 4096)
            except OSError:
                time.sleep(0.05)
        os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)
        return None


def restored(g):
    after = g.mode()
    return after[3] & termios.ICANON and after[3] & termios.ECHO and after == g.before


if not os.path.exists("/dev/kvm"):
    print("1..0 # SKIP no /dev/kvm")
    sys.exit(0)
echo = os.path.join(OUT, "tests/guests/echo.elf")
crash = os.path.join(OUT, "tests/guests/unhandled.elf")

g = Guest("-k", echo)
ok(g.expect("echo ready"), "guest output reaches the terminal")
ok(not (g.mode()[3] & termios.ICANON), "terminal is raw while the guest runs")
os.write(g.fd, b"ab")
ok(g.expect("got 61") and g.expect("got 62"), "typed bytes reach the guest's COM1")
os.write(g.fd, b"\x01\x01")
ok(g.expect("got 01"), "Ctrl-A Ctrl-A sends one Ctrl-A")
os.write(g.fd, b"\x01h")
ok(g.expect("end the VM") and g.expect("send a break"), "Ctrl-A h lists the escapes")
os.write(g.fd, b"\x01x")
status = g.wait()
ok(status == 0, "Ctrl-A x ends lkvm with status 0 (got %s)" % status)
ok(restored(g), "terminal mode restored after Ctrl-A x")

g = Guest("-k", echo)
g.expect("echo ready")
os.kill(g.pid, signal.SIGTERM)
status = g.wait()
ok(status == -signal.SIGTERM, "SIGTERM: lkvm dies of SIGTERM, no exit status a test kernel could give (got %s)" % status)
ok(restored(g), "terminal mode restored after SIGTERM")

g = Guest("-k", echo)
g.expect("echo ready")
os.write(g.fd, b"q")
status = g.wait()
ok(status == 1, "the guest's own end (debug-exit 0) gives status 1 (got %s)" % status)
ok(restored(g), "terminal mode restored after the guest's end")

g = Guest("-k", crash)
status = g.wait()
ok(status == 122, "a crashing guest gives status 122 (got %s)" % status)
ok(restored(g), "terminal mode restored after a guest crash")
ok(b"RIP" in g.buf, "the crash prints the registers")

g = Guest("-k", "/nonexistent/kernel")
status = g.wait()
ok(status == 120 and g.buf.count(b"error") == 1, "a missing kernel: one error line, status 120")
ok(restored(g), "terminal mode untouched after a start-up error")

done()
