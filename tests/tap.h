/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimal TAP producer for the unit tests (kselftest style): one
 * "ok N - name" / "not ok N - name" line per check, a plan at the end, and
 * an exit status of 1 if any check failed. Header-only.
 */
#ifndef LKVM_TAP_H
#define LKVM_TAP_H

#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int tap_n, tap_failed;

/* ok(cond, fmt...) - record one check; returns @cond. */
static inline int __attribute__((format(printf, 2, 3))) ok(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", cond ? "" : "not ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!cond)
		tap_failed++;
	return cond;
}

/* skip(reason) - record one skipped check. */
static inline void skip(const char *reason)
{
	printf("ok %d # SKIP %s\n", ++tap_n, reason);
}

/* diag(fmt...) - a "# ..." comment line. */
static inline void __attribute__((format(printf, 1, 2))) diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

#define is_int(got, want, name)                                                \
	({                                                                     \
		long long __g = (long long)(got), __w = (long long)(want);     \
		int __r = ok(__g == __w, "%s", name);                          \
		if (!__r)                                                      \
			diag("  got %lld (%#llx), want %lld (%#llx)", __g,     \
			     (unsigned long long)__g, __w,                      \
			     (unsigned long long)__w);                          \
		__r;                                                           \
	})

#define is_str(got, want, name)                                                \
	({                                                                     \
		const char *__g = (got), *__w = (want);                        \
		int __r = ok(__g && __w && !strcmp(__g, __w), "%s", name);     \
		if (!__r)                                                      \
			diag("  got \"%s\", want \"%s\"", __g ? __g : "(null)", \
			     __w ? __w : "(null)");                             \
		__r;                                                           \
	})

/* done_testing() - print the plan; use as the last statement of main(). */
/*
 * quiet - with @on, send stderr to /dev/null until quiet(false): silences
 * calls that log on purpose (error paths under test), so prove's output
 * stays readable. TEST_VERBOSE=1 in the environment keeps stderr.
 */
static int quiet_saved_stderr = -1;
static inline void quiet(bool on)
{
	if (getenv("TEST_VERBOSE"))
		return;
	fflush(stderr);
	if (on && quiet_saved_stderr < 0) {
		int null = open("/dev/null", O_WRONLY);

		quiet_saved_stderr = dup(STDERR_FILENO);
		if (null >= 0) {
			dup2(null, STDERR_FILENO);
			close(null);
		}
	} else if (!on && quiet_saved_stderr >= 0) {
		dup2(quiet_saved_stderr, STDERR_FILENO);
		close(quiet_saved_stderr);
		quiet_saved_stderr = -1;
	}
}

static inline int done_testing(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
