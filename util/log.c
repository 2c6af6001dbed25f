// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/exit-status.h"
#include "util/log.h"

enum log_level log_level = LOG_WARNING;
volatile int log_crlf;

static const char *const level_names[] = { "error", "warning", "info", "debug" };

int log_level_parse(const char *s, enum log_level *out)
{
	for (size_t i = 0; i < ARRAY_SIZE(level_names); i++) {
		if (!strcmp(s, level_names[i])) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -1;
}

/* Format into one buffer and write it with a single write(2), so lines from
 * several threads never interleave. */
static void vlog(const char *prefix, const char *fmt, va_list ap, const char *suffix)
{
	char buf[4096];
	char out[8192];
	size_t n = 0, o = 0;

	if (prefix)
		n = snprintf(buf, sizeof(buf), "lkvm: %s: ", prefix);
	n += vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	if (n >= sizeof(buf))
		n = sizeof(buf) - 1;
	if (suffix && n < sizeof(buf) - 1)
		n += snprintf(buf + n, sizeof(buf) - n, "%s", suffix);
	if (n >= sizeof(buf))
		n = sizeof(buf) - 1;
	if (prefix && (n == 0 || buf[n - 1] != '\n') && n < sizeof(buf) - 1)
		buf[n++] = '\n';
	for (size_t i = 0; i < n && o < sizeof(out) - 2; i++) {
		if (buf[i] == '\n' && log_crlf)
			out[o++] = '\r';
		out[o++] = buf[i];
	}
	if (write(STDERR_FILENO, out, o) < 0)
		return;
}

#define DEFINE_LOG(fn, lvl, name)                       \
	void fn(const char *fmt, ...)                   \
	{                                               \
		va_list ap;                             \
		if (log_level < (lvl))                  \
			return;                         \
		va_start(ap, fmt);                      \
		vlog(name, fmt, ap, NULL);              \
		va_end(ap);                             \
	}

DEFINE_LOG(pr_err, LOG_ERROR, "error")
DEFINE_LOG(pr_warn, LOG_WARNING, "warning")
DEFINE_LOG(pr_info, LOG_INFO, "info")
DEFINE_LOG(pr_debug, LOG_DEBUG, "debug")

void log_raw(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(NULL, fmt, ap, NULL);
	va_end(ap);
}

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("error", fmt, ap, NULL);
	va_end(ap);
	exit(EXIT_LKVM_ERROR);
}

void die_perror(const char *fmt, ...)
{
	char suffix[256];
	va_list ap;

	snprintf(suffix, sizeof(suffix), ": %s", strerror(errno));
	va_start(ap, fmt);
	vlog("error", fmt, ap, suffix);
	va_end(ap);
	exit(EXIT_LKVM_ERROR);
}
