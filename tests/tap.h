/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimal TAP producer for the unit tests (kselftest style): one
 * "ok N - name" / "not ok N - name" line per check, a plan at the end, and
 * an exit status of 1 if any check failed. Header-only.
 */
#ifndef LKVM_TAP_H
#define LKVM_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
static inline int done_testing(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
