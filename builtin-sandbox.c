// SPDX-License-Identifier: GPL-2.0
/*
 * lkvm sandbox: boot a kernel with the host's / as a read-only 9p root
 * under a tmpfs overlay, the current directory (and --rw directories)
 * shared read-write at the same paths, and run a command there as the
 * invoking user; lkvm exits with the command's status
 * (Documentation/lkvm-sandbox.txt). Checks its inputs, writes the spec
 * the guest init reads (sandbox/spec.h), builds the initramfs
 * (sandbox/initramfs.h) and hands a run argv to cmd_run().
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "builtin.h"
#include "sandbox/initramfs.h"
#include "sandbox/rootfs.h"
#include "sandbox/runargs.h"
#include "sandbox/spec.h"
#include "util/ctl-client.h"
#include "util/exit-status.h"
#include "util/log.h"
#include "util/parse-options.h"

static char spec_file[PATH_MAX];

static void remove_spec(void)
{
	if (spec_file[0])
		unlink(spec_file);
}

static void usage(void)
{
	printf("usage: lkvm sandbox [run options] [--rw DIR]... [--modules DIR] [-- COMMAND [ARGS...]]\n"
	       "\n"
	       "    --rw DIR          share DIR read-write at the same path (repeatable, up to %d)\n"
	       "    --modules DIR     the kernel's module directory (with modules.dep)\n"
	       "    -k, --kernel FILE kernel (default: the tree's arch/x86/boot/bzImage, the host's)\n"
	       "    -p, --params TEXT more kernel command line\n"
	       "    run options       any of 'lkvm run -h' but -i, --module, --debug-exit\n"
	       "\n"
	       "Runs COMMAND (default: $SHELL) in a guest that sees the host's files, in the\n"
	       "current directory, as you; exits with its status. See 'lkvm help sandbox'.\n",
	       RUNARGS_MAX_RW);
}

/* A directory to share: absolute, real, a directory, no comma (--9p syntax). */
static char *share_dir(const char *what, const char *dir)
{
	char *real = realpath(dir, NULL);
	struct stat st;

	if (!real || stat(real, &st) < 0) {
		pr_err("%s %s: %s", what, dir, strerror(errno));
		free(real);
		return NULL;
	}
	if (!S_ISDIR(st.st_mode)) {
		pr_err("%s %s: not a directory", what, dir);
		free(real);
		return NULL;
	}
	if (strchr(real, ',')) {
		pr_err("%s %s: a path with a comma cannot be shared (--9p syntax)", what, real);
		free(real);
		return NULL;
	}
	return real;
}

/* Fill @s from the environment and write it to the state directory. */
static int write_spec(struct sandbox_spec *s)
{
	char dir[PATH_MAX];
	struct passwd *pw;
	size_t len;
	char *buf;
	int fd, n;
	gid_t groups[SPEC_MAX_GROUPS];
	struct winsize ws;

	s->uid = getuid();
	s->gid = getgid();
	n = getgroups(SPEC_MAX_GROUPS, groups);
	for (int i = 0; i < n; i++)
		s->groups[s->nr_groups++] = groups[i];
	s->term = getenv("TERM");
	s->home = getenv("HOME");
	s->path = getenv("PATH");
	s->user = getenv("USER");
	s->shell = getenv("SHELL");
	pw = getpwuid(s->uid);
	if (!s->user && pw)
		s->user = pw->pw_name;
	if (!s->home && pw)
		s->home = pw->pw_dir;
	s->stdin_tty = isatty(STDIN_FILENO);
	s->stdout_tty = isatty(STDOUT_FILENO);
	if (s->stdout_tty && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col) {
		s->rows = ws.ws_row;
		s->cols = ws.ws_col;
	}
	len = spec_encode(s, NULL, 0);
	if (!len) {
		pr_err("cannot describe the command to the guest (a bad path or too many arguments)");
		return -1;
	}
	if (ctl_sock_dir(dir, sizeof(dir)) < 0) {
		pr_err("no state directory for the sandbox spec: set XDG_RUNTIME_DIR or HOME");
		return -1;
	}
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		pr_err("cannot create %s: %s", dir, strerror(errno));
		return -1;
	}
	if ((size_t)snprintf(spec_file, sizeof(spec_file), "%s/sandbox-%d.spec", dir,
			     (int)getpid()) >= sizeof(spec_file) || strchr(spec_file, '"')) {
		pr_err("the spec path in %s is too long or has a '\"'", dir);
		spec_file[0] = 0;
		return -1;
	}
	buf = xmalloc(len);
	spec_encode(s, buf, len);
	fd = open(spec_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write_all(fd, buf, len) < 0 || close(fd) < 0) {
		pr_err("cannot write %s: %s", spec_file, strerror(errno));
		free(buf);
		return -1;
	}
	free(buf);
	atexit(remove_spec);
	return 0;
}

int cmd_sandbox(int argc, const char **argv)
{
	static struct sandbox_spec s;
	struct user_opts o;
	struct runargs run = { 0 };
	char err[256], initrd[PATH_MAX], searched[1024], cwd[PATH_MAX];
	char *dirs[RUNARGS_MAX_RW + 1];
	const char *kernel;
	size_t n;
	char params[4096];

	if (runargs_scan("sandbox", argc, argv, &o, &run, err, sizeof(err)) < 0)
		parse_options_error("sandbox", "%s", err);
	if (o.help) {
		usage();
		return 0;
	}
	if (o.debug_exit)
		parse_options_error("sandbox", "--debug-exit: lkvm sandbox uses the port itself for the command's status");
	if (o.nr_command > SPEC_MAX_ARGS)
		parse_options_error("sandbox", "more than %d command arguments", SPEC_MAX_ARGS);

	/* Every input first, before /dev/kvm is opened. */
	kernel = o.kernel ? o.kernel : find_kernel(searched, sizeof(searched));
	if (!kernel) {
		pr_err("no kernel given and none found (searched %s): pass one with -k", searched);
		return EXIT_LKVM_ERROR;
	}
	if (access(kernel, R_OK) < 0) {
		pr_err("kernel %s: %s", kernel, strerror(errno));
		return EXIT_LKVM_ERROR;
	}
	if (!getcwd(cwd, sizeof(cwd))) {
		pr_err("cannot tell the current directory: %s", strerror(errno));
		return EXIT_LKVM_ERROR;
	}
	dirs[0] = share_dir("the current directory", cwd);
	if (!dirs[0])
		return EXIT_LKVM_ERROR;
	for (int i = 0; i < o.nr_rw; i++) {
		dirs[i + 1] = share_dir("--rw", o.rw[i]);
		if (!dirs[i + 1])
			return EXIT_LKVM_ERROR;
	}
	/* Shares mount in this order: parents before what is inside them. */
	for (int i = 1; i <= o.nr_rw; i++)
		for (int j = i; j > 0 && strlen(dirs[j]) < strlen(dirs[j - 1]); j--) {
			char *t = dirs[j];

			dirs[j] = dirs[j - 1];
			dirs[j - 1] = t;
		}
	if (initramfs_for_kernel(kernel, o.modules, initrd, sizeof(initrd)) < 0)
		return EXIT_LKVM_ERROR;

	s.cwd = cwd;
	for (int i = 0; i <= o.nr_rw; i++) {
		if (!strcmp(dirs[i], "/") || (i && !strcmp(dirs[i], dirs[i - 1])))
			continue;	/* never the host's whole / read-write; each once */
		snprintf(s.shares[s.nr_shares].tag, sizeof(s.shares[0].tag), "rw%d", s.nr_shares);
		s.shares[s.nr_shares++].path = dirs[i];
	}
	s.nr_args = o.nr_command;
	for (int i = 0; i < o.nr_command; i++)
		s.args[i] = o.command[i];
	if (write_spec(&s) < 0)
		return EXIT_LKVM_ERROR;

	n = (size_t)snprintf(params, sizeof(params),
			     "console=ttyS0 quiet loglevel=1 panic=-1 lkvm.mode=sandbox lkvm.spec=\"%s\" lkvm.exit=%#x%s%s",
			     spec_file, SANDBOX_EXIT_PORT, o.params ? " " : "",
			     o.params ? o.params : "");
	if (n >= sizeof(params)) {
		pr_err("the kernel command line is too long");
		return EXIT_LKVM_ERROR;
	}
	if (!o.loglevel) {
		/* the command's output alone, not lkvm's notes on how it ended */
		runargs_push(&run, "--loglevel");
		runargs_push(&run, "error");
	}
	if (!o.name)	/* lkvm list shows what it is */
		runargs_pushf(&run, "--name=sandbox-%d", (int)getpid());
	runargs_push(&run, "-k");
	runargs_push(&run, kernel);
	runargs_push(&run, "--9p");
	runargs_push(&run, "/,hostroot,ro");
	for (int i = 0; i < s.nr_shares; i++) {
		runargs_push(&run, "--9p");
		runargs_pushf(&run, "%s,%s", s.shares[i].path, s.shares[i].tag);
	}
	runargs_push(&run, "-i");
	runargs_push(&run, initrd);
	/* an optional-argument option: the value goes after '=' */
	runargs_pushf(&run, "--debug-exit=%#x,4,exact", SANDBOX_EXIT_PORT);
	runargs_push(&run, "-p");
	runargs_push(&run, params);
	if (log_level >= LOG_DEBUG)
		for (int i = 0; i < run.n; i++)
			pr_debug("run argv[%d]: %s", i, run.v[i]);
	return cmd_run(run.n, run.v);
}
