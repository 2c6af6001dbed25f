/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Logging: every message goes to stderr as one line "lkvm: <level>: <text>",
 * filtered by the --loglevel the user chose. Messages are written with the
 * terminal restored to cooked-mode line endings (\r\n while it is raw).
 */
#ifndef LKVM_LOG_H
#define LKVM_LOG_H

#include "util/util.h"

enum log_level { LOG_ERROR, LOG_WARNING, LOG_INFO, LOG_DEBUG };

/* Current threshold; messages above it are dropped. Default LOG_WARNING. */
extern enum log_level log_level;

/* Parse "error|warning|info|debug" into @out. Returns 0, or -1 if unknown. */
int log_level_parse(const char *s, enum log_level *out);

void pr_err(const char *fmt, ...) __printf(1, 2);
void pr_warn(const char *fmt, ...) __printf(1, 2);
void pr_info(const char *fmt, ...) __printf(1, 2);
void pr_debug(const char *fmt, ...) __printf(1, 2);
/* Like pr_warn, but only the first call with a given @fmt prints. */
#define pr_warn_once(fmt, ...)                         \
	do {                                           \
		static int __warned;                   \
		if (!__warned) {                       \
			__warned = 1;                  \
			pr_warn(fmt, ##__VA_ARGS__);   \
		}                                      \
	} while (0)

/* Print "lkvm: error: <text>" and exit(EXIT_LKVM_ERROR, 120) after the exit hooks ran. */
void die(const char *fmt, ...) __printf(1, 2) __noreturn;
/* Like die() with ": <strerror(errno)>" appended. */
void die_perror(const char *fmt, ...) __printf(1, 2) __noreturn;

/*
 * Raw-text output for dumps: written to stderr as is, with "\n" turned into
 * "\r\n" while the terminal is in raw mode.
 */
void log_raw(const char *fmt, ...) __printf(1, 2);

/* Set by util/term.c while the terminal is raw, so lines end in \r\n. */
extern volatile int log_crlf;

#endif
