# SPDX-License-Identifier: GPL-2.0
"""TAP output for the Python integration tests (tests/*.t): one
"ok N - name" line per check, "# SKIP" for checks that cannot run, the plan
at the end, and an exit status of 1 if any check failed.

    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
    from tap import ok, skip, skip_all, failed, done
"""
import sys

_n = 0
_failed = 0


def ok(cond, name, diag=None, lines=40):
    """Record one check; on failure print up to @lines of @diag as comments."""
    global _n, _failed
    _n += 1
    print(("ok" if cond else "not ok") + " %d - %s" % (_n, name))
    if not cond:
        _failed += 1
        for line in str(diag or "").splitlines()[-lines:]:
            print("#   " + line)
    sys.stdout.flush()
    return cond


def skip(name, why):
    """Record one check that cannot run here, saying why."""
    global _n
    _n += 1
    print("ok %d - %s # SKIP %s" % (_n, name, why))
    sys.stdout.flush()


def skip_all(why):
    """Skip the whole file."""
    print("1..0 # SKIP " + why)
    sys.exit(0)


def failed():
    """How many checks failed so far."""
    return _failed


def done():
    """Print the plan and exit: 1 if any check failed."""
    print("1..%d" % _n)
    sys.exit(1 if _failed else 0)
