#!/usr/bin/env python3
# tier: kvm (see tests/lib/tier-exec)
# SPDX-License-Identifier: GPL-2.0
# lkvm debug, pause, resume and stop on a Linux guest: one boot of the small
# test kernel (`make guest-small`), kernel only. Its /init is a static
# program that spins at CPL3 without a system call, so the kernel stays up
# with its console open on every host, PVM ones included (where user space
# dies on its first system call). Checked while it boots and once /init
# runs: RIP symbolized from the kernel's System.map, a page walk of the
# kernel text, a virtual read of linux_banner, `--sysrq t` printing the task
# list on the console, pause/resume, then `lkvm stop --force`. A graceful
# `lkvm stop` needs guest user space to act on the power button: skipped,
# saying why. Slow on PVM hosts (minutes); the boot is done once.
import os, re, shutil, struct, subprocess, sys, tempfile, time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LKVM = os.path.abspath(os.environ.get("LKVM", os.path.join(REPO, "lkvm")))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from tap import ok, skip, skip_all, failed, done  # noqa: E402


def is_pvm():
    with open("/proc/cpuinfo") as f:
        return not re.search(r"\b(vmx|svm)\b", f.read())


if not os.path.exists("/dev/kvm"):
    skip_all("no /dev/kvm")
if not os.access(LKVM, os.X_OK):
    skip_all("no lkvm binary at " + LKVM)
p = subprocess.run([os.path.join(REPO, "scripts/build-small-kernel.sh"), "--print-path"],
                   capture_output=True, text=True)
KERNEL = p.stdout.strip().splitlines()[-1] if p.returncode == 0 and p.stdout.strip() else ""
if not KERNEL or not os.path.exists(KERNEL):
    skip_all("small kernel not built (run: make guest-small)")
SYSMAP = os.path.join(os.path.dirname(KERNEL), "System.map")
if not os.path.exists(SYSMAP):
    skip_all("no System.map beside " + KERNEL)
if not shutil.which("gcc"):
    skip_all("no gcc to build the spinning /init")

PVM = is_pvm()
BOOT_TIMEOUT = int(os.environ.get("LKVM_BOOT_TIMEOUT", 900 if PVM else 120))
TMP = tempfile.mkdtemp(prefix="lkvm-linux-debug.")
XDG = os.path.join(TMP, "xdg")
os.mkdir(XDG, 0o700)
ENV = dict(os.environ, XDG_RUNTIME_DIR=XDG)
NAME = "linux-debug"


def cpio_newc(entries):
    """A newc cpio archive of (name, mode, rdev major, rdev minor, data)."""
    out = b""
    for ino, (name, mode, major, minor, data) in enumerate(entries + [("TRAILER!!!", 0, 0, 0, b"")]):
        nm = name.encode() + b"\0"
        hdr = "070701" + "".join("%08x" % v for v in (
            ino + 1, mode, 0, 0, 1, 0, len(data), 0, 0, major, minor, len(nm), 0))
        out += hdr.encode() + nm
        out += b"\0" * (-len(out) % 4) + data
        out += b"\0" * (-len(out) % 4)
    return out


def make_initramfs(path):
    """/init: `1: jmp 1b` as a static ELF; /dev/console for the kernel to
    open, which turns on the serial port's receive interrupt (sysrq)."""
    src = os.path.join(TMP, "init.S")
    binary = os.path.join(TMP, "init")
    with open(src, "w") as f:
        f.write(".globl _start\n_start:\n1: jmp 1b\n")
    subprocess.run(["gcc", "-nostdlib", "-static", "-no-pie", "-o", binary, src], check=True)
    with open(binary, "rb") as f:
        init = f.read()
    with open(path, "wb") as f:
        f.write(cpio_newc([("dev", 0o40755, 0, 0, b""),
                           ("dev/console", 0o20600, 5, 1, b""),
                           ("init", 0o100755, 0, 0, init)]))


def lkvm(*args, timeout=120):
    r = subprocess.run([LKVM] + list(args), env=ENV, capture_output=True, text=True,
                       timeout=timeout)
    return r.returncode, r.stdout, r.stderr


def symbol(name):
    """The first address of @name in System.map, or None."""
    addrs = symbols(name)
    return addrs[0] if addrs else None


def symbols(name):
    """Every address of @name: static functions repeat names (wrmsrl...)."""
    out = []
    with open(SYSMAP) as f:
        for line in f:
            fld = line.split()
            if len(fld) == 3 and fld[2] == name:
                out.append(int(fld[0], 16))
    return out


log_path = os.path.join(TMP, "console.log")
err_path = os.path.join(TMP, "stderr.log")


def log():
    with open(log_path, errors="replace") as f:
        return f.read().replace("\r", "")


def wait_for(pattern, timeout):
    end = time.time() + timeout
    while time.time() < end:
        if re.search(pattern, log()):
            return True
        if guest.poll() is not None:
            return bool(re.search(pattern, log()))
        time.sleep(0.2)
    return False


guest = None
try:
    initrd = os.path.join(TMP, "initramfs.cpio")
    make_initramfs(initrd)
    print("# booting %s (timeout %d s)" % (KERNEL, BOOT_TIMEOUT))
    guest = subprocess.Popen([LKVM, "run", "-k", KERNEL, "-i", initrd, "-m", "256", "-c", "2",
                              "--name", NAME, "-p", "console=ttyS0 printk.time=1"],
                             env=ENV, stdin=subprocess.DEVNULL, stdout=open(log_path, "w"),
                             stderr=open(err_path, "w"))
    sock = os.path.join(XDG, "lkvm", NAME + ".sock")
    end = time.time() + 30
    while not os.path.exists(sock) and guest.poll() is None and time.time() < end:
        time.sleep(0.1)

    # While it boots: the kernel runs at CPL0; RIP must be named from System.map.
    ok(wait_for(r"Linux version", 60), "the kernel starts", log())
    rc, out, err = lkvm("list")
    ok(rc == 0 and re.search(r"^%s +%d +running +2 +256M " % (NAME, guest.pid), out, re.M),
       "list: the Linux guest, 2 vCPUs, 256M", out + err)
    rc, out, err = lkvm("debug", NAME, "--cpu", "0")
    m = re.search(r"code at RIP (ffffffff[0-9a-f]{8}) <(\w[\w.]*)\+(0x[0-9a-f]+)>", out)
    ok(rc == 0 and m, "debug while booting: vCPU 0's RIP symbolized from System.map", out + err)
    if m:
        start = int(m.group(1), 16) - int(m.group(3), 16)
        ok(start in symbols(m.group(2)),
           "the symbol is the System.map entry RIP lies in (RIP - offset is its address)",
           m.group(0))
    else:
        skip("the symbol is the System.map entry RIP lies in", "no symbolized RIP")

    text = symbol("_text")
    rc, out, err = lkvm("debug", NAME, "--page-tables", "%#x" % text)
    ok(rc == 0 and re.search(r"=> GPA [0-9a-f]{16} \((2 MiB|4 KiB|1 GiB) page", out),
       "page walk of the kernel text (_text) translates", out + err)
    banner = symbol("linux_banner")
    rc, out, err = lkvm("debug", NAME, "--memory", "%#x,64" % banner, "--virtual")
    ascii_col = "".join(re.findall(r"\|(.*)\|", out))
    ok(rc == 0 and ascii_col.startswith("Linux version"),
       "virtual read of linux_banner: \"Linux version\"", out + err)

    rc, out, err = lkvm("pause", NAME)
    rc2, out2, err2 = lkvm("list")
    time.sleep(1)
    before = log()
    time.sleep(2)
    quiet = log() == before
    rc3, _, err3 = lkvm("resume", NAME)
    ok(rc == 0 and rc3 == 0 and re.search(r"^%s +\d+ +paused " % NAME, out2, re.M) and quiet,
       "pause: the console goes quiet and list says paused; resume", out2 + err + err3)

    # Once /init runs the console is open, so the UART takes input: sysrq.
    ok(wait_for(r"Run /init as init process", BOOT_TIMEOUT), "the kernel runs /init",
       log()[-2000:])
    time.sleep(2)
    ok(guest.poll() is None, "the kernel stays up with the spinning /init", log()[-2000:])
    rc, out, err = lkvm("debug", NAME, "--sysrq", "t")
    ok(rc == 0, "debug --sysrq t is accepted", err)
    ok(wait_for(r"sysrq: Show State", 120) and wait_for(r"task:\S+ +state:", 120),
       "sysrq t: the task list appears on the console", log()[-3000:])

    rc, out, err = lkvm("debug", NAME)
    ok(rc == 0 and out.count("registers (CPL") == 2 and
       (re.search(r"code at RIP ffffffff[0-9a-f]{8} <\w", out) or "(CPL 3" in out),
       "debug after boot: both vCPUs dumped, in the kernel or in /init", out + err)

    why = ("guest user space cannot run on PVM hosts, and the power button needs it"
           if PVM else "this test's /init runs no acpid to act on the power button")
    skip("graceful lkvm stop powers the Linux guest off", why)
    rc, out, err = lkvm("stop", "--force", NAME)
    try:
        st = guest.wait(60)
    except subprocess.TimeoutExpired:
        st = None
    with open(err_path) as f:
        lkvm_err = f.read()
    ok(rc == 0 and st == 0 and "guest stopped by lkvm stop --force" in lkvm_err,
       "stop --force: lkvm run exits 0", lkvm_err + err)
    ok(not os.path.exists(sock), "the socket is gone")
finally:
    if guest and guest.poll() is None:
        guest.kill()
        guest.wait()
    if failed():
        print("# console log kept in " + log_path)
    else:
        shutil.rmtree(TMP, ignore_errors=True)

done()
