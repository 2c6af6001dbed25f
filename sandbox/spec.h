/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The sandbox spec: what `lkvm sandbox` tells its guest init about the
 * command to run (working directory, user, groups, environment, argv,
 * writable shares), and the rootfs config of `lkvm setup` (which host
 * directories to bind). Built into both lkvm and the static guest init
 * (guest/), so it uses libc only and never allocates.
 *
 * Spec format (lkvm's own): a sequence of records, each ending in a NUL
 * byte. The first is exactly SPEC_MAGIC; each other is KEY=VALUE:
 *   cwd=/abs/path       the command's working directory (required)
 *   uid=N gid=N         decimal, below 2^32 - 1 (required)
 *   group=N             a supplementary group; repeatable, in order
 *   term= home= path= user= shell=   environment values (optional)
 *   tty=IO              I 1 if lkvm's stdin is a terminal, O likewise
 *                       for its stdout ("11", "01", ...; optional, "00")
 *   winsize=ROWSxCOLS   the terminal's size, each 1-65535 (optional)
 *   share=TAG:/abs/path a writable 9p share and where it is mounted;
 *                       TAG is 1-31 of [a-z0-9_]; repeatable
 *   arg=WORD            the command's argv, in order; none: a shell
 * Values are any bytes but NUL. Unknown keys, a second cwd/uid/..., a
 * record without '=', a missing terminator are errors: the guest runs
 * nothing it did not understand.
 *
 * Rootfs config format: text lines; empty lines and lines starting with
 * '#' are skipped; "bind /abs/path" binds that host directory read-only
 * at the same path in the guest.
 */
#ifndef LKVM_SANDBOX_SPEC_H
#define LKVM_SANDBOX_SPEC_H

#include <stdbool.h>
#include <stddef.h>

#define SPEC_MAGIC "lkvm-sandbox-spec 1"
#define SPEC_MAX_GROUPS 256
#define SPEC_MAX_ARGS 4096
#define SPEC_MAX_SHARES 16
#define SPEC_TAG_MAX 31		/* characters of a share tag */
#define ROOTFS_MAX_BINDS 32
#define ROOTFS_CONF_NAME "lkvm-rootfs.conf"	/* in a rootfs directory */

/* One writable share: 9p mount tag and the absolute guest (= host) path. */
struct spec_share {
	char tag[SPEC_TAG_MAX + 1];
	const char *path;
};

/*
 * A parsed (or to-be-encoded) spec. Strings point into the buffer that
 * spec_parse() was given; NULL for an absent optional value. @args is
 * NULL-terminated (args[nr_args] == NULL).
 */
struct sandbox_spec {
	const char *cwd;
	unsigned int uid, gid;
	unsigned int groups[SPEC_MAX_GROUPS];
	int nr_groups;
	const char *term, *home, *path, *user, *shell;
	bool stdin_tty, stdout_tty;
	unsigned int rows, cols;	/* terminal size; 0 when unknown */
	struct spec_share shares[SPEC_MAX_SHARES];
	int nr_shares;
	const char *args[SPEC_MAX_ARGS + 1];
	int nr_args;
};

/*
 * spec_encode - write @s into @buf (@size bytes; may be 0 to measure).
 * Returns the length of the whole encoding in bytes (write nothing past
 * @size: encode again with a buffer that large), or 0 if @s is not
 * encodable (no cwd or a relative one, a share tag that is not valid or
 * a relative share path, counts above the limits).
 */
size_t spec_encode(const struct sandbox_spec *s, char *buf, size_t size);

/*
 * spec_parse - parse @len bytes at @buf into @s (zeroed first; its strings
 * point into @buf, which must outlive it). Returns 0, or -1 with a
 * one-line reason in @err (@errlen bytes) naming the record.
 */
int spec_parse(const char *buf, size_t len, struct sandbox_spec *s, char *err, size_t errlen);

/* spec_tag_valid - true for 1 to SPEC_TAG_MAX characters of [a-z0-9_]. */
bool spec_tag_valid(const char *tag);

/* A parsed rootfs config: the host directories to bind, absolute paths. */
struct rootfs_conf {
	const char *binds[ROOTFS_MAX_BINDS];
	int nr_binds;
};

/*
 * rootfs_conf_parse - parse the config text in @buf (@len bytes; its
 * newlines are replaced by NULs in place, so @c's strings point into
 * it). Every line ends in a newline. Returns 0, or -1 with a reason in
 * @err naming the line: an unknown keyword, a relative path or one with
 * a ".." component, a NUL byte, a last line without its newline, too
 * many binds.
 */
int rootfs_conf_parse(char *buf, size_t len, struct rootfs_conf *c, char *err, size_t errlen);

#endif
