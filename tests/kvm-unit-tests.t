#!/usr/bin/env python3
# tier: kvm (see tests/lib/tier-exec)
# SPDX-License-Identifier: GPL-2.0
# scripts/kvm-unit-tests, the runner of kvm-unit-tests' x86 suite under lkvm.
# 1. Against a fake kvm-unit-tests tree made of our own payloads (a pass, a
#    failure, a self-skip, SMP, a crash, an lkvm error, a timeout, arch and
#    accel skips, a nested-kvm wrapper): the TAP lines and the summary.
# 2. Against a real built tree when KVM_UNIT_TESTS_DIR names one (the
#    project ships no copy): the run completes, every line is TAP, and no
#    test ends in an lkvm error. Otherwise skipped, saying so.
# TAP output. LKVM and LKVM_OUT as set by `make check`.
import os, re, shutil, subprocess, sys, tempfile

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LKVM = os.path.abspath(os.environ.get("LKVM", "./lkvm"))
G = os.path.join(os.environ.get("LKVM_OUT", "."), "tests/guests")
RUNNER = os.path.join(SRC, "scripts/kvm-unit-tests")
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from tap import ok, skip, skip_all, done  # noqa: E402

if not os.path.exists("/dev/kvm"):
    skip_all("no /dev/kvm")
if not os.access(LKVM, os.X_OK):
    skip_all("no lkvm binary at " + LKVM)
if not os.path.exists(os.path.join(G, "hello.elf")):
    skip_all("payloads not built (make guests) in " + G)

TMP = tempfile.mkdtemp(prefix="lkvm-kut.")
tree = os.path.join(TMP, "kut")
os.makedirs(os.path.join(tree, "x86"))
for src, dst in (("hello", "hello"), ("exitcode", "exitcode"), ("smp", "smp"),
                 ("unhandled", "crash"), ("spin", "spin"), ("fwcfg", "fwcfg")):
    shutil.copy(os.path.join(G, src + ".elf"), os.path.join(tree, "x86", dst + ".flat"))
with open(os.path.join(tree, "x86", "junk.flat"), "w") as f:
    f.write("not an image\n")
with open(os.path.join(tree, "x86", "unittests.cfg"), "w") as f:
    f.write("""# fake kvm-unit-tests configuration
[pass]
file = hello.flat

[fail5]
file = exitcode.flat
extra_params = -append 'code=5' -cpu max,+x2apic

[selfskip]
file = exitcode.flat
extra_params = -append "code=77"

[smp]
file = smp.flat
smp = 2

[fwcfg]
file = fwcfg.flat
smp = 3
extra_params = -m 128

[crash]
file = crash.flat

[lkvm-error]
file = junk.flat

[hang]
file = spin.flat
timeout = 3s

[i386-only]
file = hello.flat
arch = i386

[tcg-only]
file = hello.flat
accel = tcg

[manual]
file = hello.flat
groups = nodefault
""")


def runner(*args, env=None):
    r = subprocess.run([RUNNER, "--lkvm", LKVM] + list(args), capture_output=True,
                       text=True, timeout=300, env=env)
    return r.returncode, r.stdout, r.stderr


rc, out, err = runner("--kvm-unit-tests-dir", tree)
lines = out.splitlines()


def line(pat):
    return any(re.match(pat, l) for l in lines)


ok(rc == 1 and "1..11" in lines, "fake tree: 11 tests, status 1 (some failed)", out + err)
ok(line(r"^ok 1 - pass \(") and line(r"^ok 4 - smp \("), "debug-exit 0 is a pass (also -c 2)", out)
rc2, out2, err2 = runner("-v", "--kvm-unit-tests-dir", tree, "fwcfg")
ok(line(r"^ok 5 - fwcfg \(") and "#   | fwcfg: cpus 3" in out2 and "#   | fwcfg: ram 128 MiB" in out2,
   "smp and -m from unittests.cfg reach the guest (read back through fw_cfg)", out2 + err2)
ok(line(r"^not ok 2 - fail5 # FAIL: .*debug-exit value 5, status 11") and
   line(r"^#   QEMU options ignored: -cpu max,\+x2apic$"),
   "a failing test; QEMU-only options are listed as ignored", out)
ok(line(r"^ok 3 - selfskip # SKIP the test skipped itself"), "exit value 77 is a skip", out)
ok(line(r"^not ok 6 - crash # FAIL: guest crash .*status 122"), "a crash is a failure, not a pass", out)
ok(line(r"^not ok 7 - lkvm-error # ERROR: lkvm error \(status 120\)") and
   line(r"^#   \| lkvm: error: kernel .*junk.flat"),
   "lkvm's own failure is an ERROR with its message", out)
ok(line(r"^not ok 8 - hang # TIMEOUT: timed out after 3 s"), "the per-test timeout from the cfg", out)
ok(line(r"^ok 9 - i386-only # SKIP arch i386") and line(r"^ok 10 - tcg-only # SKIP accel tcg") and
   line(r"^ok 11 - manual # SKIP group nodefault"), "arch, accel and nodefault skips", out)
ok(lines and lines[-1] == "# pass 3, fail 2, skip 4, lkvm error 1, timeout 1", "summary line", out)
ok(not [l for l in lines if not re.match(r"^(ok|not ok) \d+ - |^#|^1\.\.\d+$", l)],
   "every line is TAP", out)

rc, out, err = runner("--kvm-unit-tests-dir", tree, "pass", "manual")
ok(rc == 0 and "ok 1 - pass (" in out and re.search(r"^ok 2 - manual \(", out, re.M),
   "named tests only; a named nodefault test runs", out + err)
rc, out, err = runner("--kvm-unit-tests-dir", tree, "nosuch")
ok(rc == 2 and "no test 'nosuch'" in err, "an unknown test name: usage error", err)
env = dict(os.environ)
env.pop("KVM_UNIT_TESTS_DIR", None)
rc, out, err = runner(env=env)
ok(rc == 2 and "KVM_UNIT_TESTS_DIR" in err and err.count("\n") == 1,
   "no tree: one line saying how to give one", err)

# Nested: a stand-in scripts/nested-kvm that marks its use and runs the command.
flags = open("/proc/cpuinfo").read()
if re.search(r"\b(vmx|svm)\b", flags):
    skip("runs through scripts/nested-kvm without VMX/SVM", "this host has VMX/SVM")
else:
    fake = os.path.join(TMP, "nested-kvm")
    with open(fake, "w") as f:
        f.write('#!/bin/sh\n[ "$1" = -- ] && shift\necho nested >>"%s/nested.log"\nexec "$@"\n' % TMP)
    os.chmod(fake, 0o755)
    rc, out, err = runner("--kvm-unit-tests-dir", tree, "--nested-kvm", fake, "pass", "smp")
    n = open(os.path.join(TMP, "nested.log")).read().count("nested") \
        if os.path.exists(os.path.join(TMP, "nested.log")) else 0
    ok(rc == 0 and n == 2 and "through %s --" % fake in out,
       "no VMX/SVM: each test runs through scripts/nested-kvm --", out + err)

real = os.environ.get("KVM_UNIT_TESTS_DIR")
if not real:
    skip("the real kvm-unit-tests x86 suite",
         "KVM_UNIT_TESTS_DIR is not set (the project ships no kvm-unit-tests; build one and set it)")
else:
    r = subprocess.run([RUNNER, "--lkvm", LKVM, "--kvm-unit-tests-dir", real],
                       capture_output=True, text=True, timeout=7200)
    lines = r.stdout.splitlines()
    ok(r.returncode in (0, 1) and any(re.match(r"^1\.\.\d+$", l) for l in lines) and
       lines and lines[-1].startswith("# pass "),
       "real suite: ran to the end with a plan and a summary", r.stdout[-3000:] + r.stderr)
    errors = [l for l in lines if "# ERROR:" in l]
    ok(not errors, "real suite: no test ended in an lkvm error", "\n".join(errors))
    print("# " + (lines[-1] if lines else "no output"))

shutil.rmtree(TMP, ignore_errors=True)
done()
