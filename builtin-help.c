// SPDX-License-Identifier: GPL-2.0
/*
 * `lkvm help`: the command list, and a command's manual page from
 * Documentation/lkvm-<cmd>.txt, shown through man(1) when it is installed
 * and as plain text otherwise. The txt-to-man(7) converter lives here too,
 * so the build (`lkvm help --man FILE`) and the run-time fallback share one
 * implementation and need nothing but lkvm itself.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "builtin.h"
#include "util/log.h"
#include "util/parse-options.h"

/* Where the pages are; the Makefile passes the real ones. */
#ifndef LKVM_SRCDIR
#define LKVM_SRCDIR "."
#endif
#ifndef LKVM_OUTDIR
#define LKVM_OUTDIR "."
#endif
#ifndef LKVM_DOCDIR
#define LKVM_DOCDIR "/usr/local/share/doc/lkvm"
#endif
#ifndef LKVM_MANDIR
#define LKVM_MANDIR "/usr/local/share/man/man1"
#endif
#ifndef LKVM_VERSION
#define LKVM_VERSION "unknown"
#endif

void lkvm_list_commands(void)
{
	const struct lkvm_cmd *cmds;
	size_t nr, width = 0;

	cmds = lkvm_commands(&nr);
	for (size_t i = 0; i < nr; i++)
		width = MAX(width, strlen(cmds[i].name));
	printf("usage: lkvm [--version] [--help] <command> [<args>]\n\n");
	printf("Commands:\n");
	for (size_t i = 0; i < nr; i++)
		printf("   %-*s   %s\n", (int)width, cmds[i].name, cmds[i].summary);
	printf("\nSee 'lkvm help <command>' for a command's manual page and\n"
	       "'lkvm <command> -h' for its options.\n");
}

/* ---- txt to man(7) ---------------------------------------------------- */

/*
 * The page format is a small asciidoc subset (as in perf's Documentation):
 *   lkvm-run(1)            title, underlined with '='
 *   NAME                   section heading, underlined with '-'
 *   -k FILE::              list entry tag; consecutive tags share one body
 *   	text                the entry's body, indented
 *   	    literal         deeper indentation inside a body: verbatim
 *   plain lines            a filled paragraph (verbatim lines in SYNOPSIS)
 *     indented lines       a verbatim block outside entries
 *   `word`                 bold
 * Anything else is text, so a malformed page degrades instead of failing.
 * Output uses only the man(7) macros every formatter knows (TH, SH, PP, TP,
 * IP, RS/RE) and nf/fi for verbatim text (groff_man(7), man(7)).
 */

struct page {
	char **line;   /* NUL-terminated, trailing blanks removed */
	size_t nr;
	FILE *out;
	bool verbatim; /* inside SYNOPSIS: keep line breaks */
};

/* Columns of leading white space (tabs to multiples of 8); -1 if blank. */
static int indent_of(const char *s)
{
	int col = 0;

	for (; *s == ' ' || *s == '\t'; s++)
		col = *s == '\t' ? (col / 8 + 1) * 8 : col + 1;
	return *s ? col : -1;
}

static bool is_rule(const char *s, char c)
{
	size_t n = strspn(s, (char[]){ c, 0 });

	return n >= 3 && s[n] == '\0';
}

static bool is_heading(const struct page *pg, size_t i)
{
	return i + 1 < pg->nr && indent_of(pg->line[i]) == 0 && is_rule(pg->line[i + 1], '-');
}

static bool is_tag(const char *s)
{
	size_t n = strlen(s);

	return indent_of(s) == 0 && n > 2 && !strcmp(s + n - 2, "::");
}

/* Write @len bytes of @s as roff text: escapes, `code` in bold. @bol: @s
 * starts an output line, where '.' and '\'' would be read as requests. */
static void put_text(FILE *out, const char *s, size_t len, bool bol)
{
	bool bold = false;

	for (size_t i = 0; i < len && s[i]; i++) {
		char c = s[i];

		if (i == 0 && bol && (c == '.' || c == '\''))
			fputs("\\&", out);
		if (c == '\\')
			fputs("\\e", out);
		else if (c == '-')
			fputs("\\-", out);
		else if (c == '`') {
			fputs(bold ? "\\fR" : "\\fB", out);
			bold = !bold;
		} else
			fputc(c, out);
	}
	if (bold)
		fputs("\\fR", out);
}

/* One line with its first @strip columns of indentation removed. */
static void put_line(FILE *out, const char *s, int strip)
{
	int col = 0;

	while ((*s == ' ' || *s == '\t') && col < strip) {
		col = *s == '\t' ? (col / 8 + 1) * 8 : col + 1;
		s++;
	}
	/* a tab that spanned the strip point leaves its remainder */
	fprintf(out, "%*s", col > strip ? col - strip : 0, "");
	put_text(out, s, strlen(s), col <= strip);
	fputc('\n', out);
}

/* "--kernel=FILE" -> bold option, italic argument. */
static void put_tag(FILE *out, const char *tag, size_t len)
{
	size_t opt = strcspn(tag, " =");

	if (opt > len)
		opt = len;
	fputs("\\fB", out);
	put_text(out, tag, opt, false);
	fputs("\\fR", out);
	if (opt < len) {
		put_text(out, tag + opt, 1, false);
		fputs("\\fI", out);
		put_text(out, tag + opt + 1, len - opt - 1, false);
		fputs("\\fR", out);
	}
}

/*
 * Emit lines [i, end) whose text starts at column @base: runs of lines at
 * @base become filled paragraphs, deeper runs become
 * verbatim blocks. @in_item: the lines are a list entry's body, so
 * paragraphs keep the entry's indentation.
 */
static void put_block(struct page *pg, size_t i, size_t end, int base, bool in_item)
{
	const char *para = in_item ? ".IP" : ".PP";
	bool first = true;

	while (i < end) {
		int ind = indent_of(pg->line[i]);

		if (ind < 0) {
			i++;
			continue;
		}
		if (!first)
			fprintf(pg->out, "%s\n", para);
		first = false;
		if (ind > base) {
			int strip = ind;
			size_t j = i, last = i;

			/* the block runs to the next line at @base or shallower,
			 * keeping its inner blank lines */
			for (; j < end; j++) {
				int d = indent_of(pg->line[j]);

				if (d >= 0 && d <= base)
					break;
				if (d >= 0) {
					strip = MIN(strip, d);
					last = j;
				}
			}
			/* inside a list entry, a bare .RS first moves the margin
			 * to the entry's body */
			fputs(in_item ? ".RS\n.RS 4\n.nf\n" : ".RS 4\n.nf\n", pg->out);
			for (; i <= last; i++)
				put_line(pg->out, pg->line[i], strip);
			fputs(in_item ? ".fi\n.RE\n.RE\n" : ".fi\n.RE\n", pg->out);
			i = j;
			continue;
		}
		if (pg->verbatim)
			fputs(".nf\n", pg->out);
		for (; i < end; i++) {
			int d = indent_of(pg->line[i]);

			if (d < 0 || d > base)
				break;
			put_line(pg->out, pg->line[i], d);
		}
		if (pg->verbatim)
			fputs(".fi\n", pg->out);
	}
}

/* End of the body that starts at line @i: the first non-blank line at
 * column 0 (a new paragraph, tag or heading). */
static size_t body_end(const struct page *pg, size_t i)
{
	for (; i < pg->nr; i++) {
		if (indent_of(pg->line[i]) == 0)
			break;
	}
	return i;
}

/* Convert the page; returns 0, or -1 if it has no "name(N)" title. */
static int page_to_roff(struct page *pg)
{
	char name[64], *p;
	size_t i = 0, len;
	int sect;

	while (i < pg->nr && indent_of(pg->line[i]) < 0)
		i++;
	if (i + 1 >= pg->nr || !is_rule(pg->line[i + 1], '='))
		return -1;
	p = strchr(pg->line[i], '(');
	len = p ? (size_t)(p - pg->line[i]) : 0;
	if (!len || len >= sizeof(name) || !isdigit((unsigned char)p[1]) || strcmp(p + 2, ")"))
		return -1;
	for (size_t k = 0; k < len; k++)
		name[k] = toupper((unsigned char)pg->line[i][k]);
	name[len] = '\0';
	sect = p[1] - '0';
	fprintf(pg->out, ".TH \"");
	put_text(pg->out, name, len, false);
	fprintf(pg->out, "\" \"%d\" \"\" \"lkvm %s\" \"lkvm Manual\"\n", sect, LKVM_VERSION);
	fputs(".nh\n.ad l\n", pg->out);

	for (i += 2; i < pg->nr;) {
		const char *s = pg->line[i];
		int ind = indent_of(s);

		if (ind < 0) {
			i++;
		} else if (is_heading(pg, i)) {
			fputs(".SH \"", pg->out);
			/* a quote would end the macro argument */
			for (; *s; s++) {
				if (*s == '\\')
					fputs("\\e", pg->out);
				else
					fputc(*s == '"' ? '\'' : toupper((unsigned char)*s), pg->out);
			}
			fputs("\"\n", pg->out);
			pg->verbatim = !strcmp(pg->line[i], "SYNOPSIS");
			i += 2;
		} else if (is_tag(s)) {
			fputs(".TP\n", pg->out);
			for (bool first = true; i < pg->nr && is_tag(pg->line[i]); i++, first = false) {
				if (!first)
					fputs(", ", pg->out);
				put_tag(pg->out, pg->line[i], strlen(pg->line[i]) - 2);
			}
			fputc('\n', pg->out);
			/* asciidoc also allows the body unindented right below */
			size_t start = i, end;
			int base;

			if (i < pg->nr && indent_of(pg->line[i]) == 0 && !is_tag(pg->line[i]) &&
			    !is_heading(pg, i)) {
				while (i < pg->nr && indent_of(pg->line[i]) == 0 &&
				       !is_tag(pg->line[i]) && !is_heading(pg, i))
					i++;
			}
			end = body_end(pg, i);
			base = INT_MAX;
			for (size_t k = start; k < end; k++) {
				int d = indent_of(pg->line[k]);

				if (d >= 0) {
					base = d;
					break;
				}
			}
			if (base != INT_MAX)
				put_block(pg, start, end, base, true);
			i = end;
		} else if (ind > 0) {
			size_t end = body_end(pg, i);

			fputs(".PP\n", pg->out);
			put_block(pg, i, end, 0, false);
			i = end;
		} else {
			size_t end = i;

			while (end < pg->nr && indent_of(pg->line[end]) == 0 &&
			       !is_tag(pg->line[end]) && !is_heading(pg, end))
				end++;
			fputs(".PP\n", pg->out);
			put_block(pg, i, end, 0, false);
			i = end;
		}
	}
	return 0;
}

/*
 * txt_to_roff - convert the page text @buf (@len bytes) into man(7) roff
 * on @out. Returns 0, or -1 if @buf has no title line (errno EINVAL) or
 * @out failed.
 */
static int txt_to_roff(char *buf, size_t len, FILE *out)
{
	struct page pg = { .out = out };
	size_t cap = 0;
	int r;

	for (char *s = buf, *nl; s < buf + len; s = nl + 1) {
		nl = memchr(s, '\n', buf + len - s);
		if (!nl)
			nl = buf + len;
		*nl = '\0';
		for (char *e = nl; e > s && isspace((unsigned char)e[-1]);)
			*--e = '\0';
		if (pg.nr == cap) {
			cap = cap ? cap * 2 : 64;
			pg.line = xrealloc(pg.line, cap * sizeof(*pg.line));
		}
		pg.line[pg.nr++] = s;
	}
	r = page_to_roff(&pg);
	free(pg.line);
	if (r) {
		errno = EINVAL;
		return -1;
	}
	return fflush(out) || ferror(out) ? -1 : 0;
}

/* Convert the txt page at @path to a malloc'd roff string (*@len bytes). */
static char *file_to_roff(const char *path, size_t *len)
{
	size_t n;
	char *txt = read_file(path, &n), *roff = NULL;
	FILE *m;

	if (!txt)
		return NULL;
	m = open_memstream(&roff, len);
	if (!m || txt_to_roff(txt, n, m)) {
		int e = errno;

		if (m)
			fclose(m);
		free(roff);
		free(txt);
		errno = e;
		return NULL;
	}
	fclose(m);
	free(txt);
	return roff;
}

/* ---- finding and showing pages ----------------------------------------- */

/* Directory of the running binary, or "" if /proc is missing. */
static void exe_dir(char *buf, size_t size)
{
	ssize_t n = readlink("/proc/self/exe", buf, size - 1);
	char *slash;

	buf[n > 0 ? n : 0] = '\0';
	slash = strrchr(buf, '/');
	if (slash)
		*slash = '\0';
	else
		buf[0] = '\0';
}

static bool same_dir(const char *a, const char *b)
{
	struct stat sa, sb;

	return !stat(a, &sa) && !stat(b, &sb) && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static bool is_file(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISREG(st.st_mode);
}

/* Try "<dir>/lkvm-<cmd><ext>" into @out; true if it is a regular file. */
static bool try_page(char *out, const char *dir, const char *cmd, const char *ext)
{
	int n = snprintf(out, PATH_MAX, "%s/lkvm-%s%s", dir, cmd, ext);

	return n > 0 && n < PATH_MAX && is_file(out);
}

/*
 * Locate the text page and the prebuilt man page of @cmd. A binary in its
 * build tree reads the pages next to it and in the source tree (O= builds
 * keep the txt there); an installed one reads the docdir and mandir first
 * and the source tree only as a last resort.
 */
static void find_pages(const char *cmd, char *txt, char *man)
{
	char exe[PATH_MAX], doc[PATH_MAX + 16];
	bool built;

	exe_dir(exe, sizeof(exe));
	built = exe[0] && same_dir(exe, LKVM_OUTDIR);
	snprintf(doc, sizeof(doc), "%s/Documentation", exe);
	if (!(exe[0] && try_page(txt, doc, cmd, ".txt")) &&
	    !(built && try_page(txt, LKVM_SRCDIR "/Documentation", cmd, ".txt")) &&
	    !try_page(txt, LKVM_DOCDIR, cmd, ".txt") &&
	    !try_page(txt, LKVM_SRCDIR "/Documentation", cmd, ".txt"))
		txt[0] = '\0';
	if (!(exe[0] && try_page(man, doc, cmd, ".1")) &&
	    !(!built && try_page(man, LKVM_MANDIR, cmd, ".1")))
		man[0] = '\0';
}

/* True if @prog is an executable file in a $PATH directory (an empty
 * entry means the current directory, as for execvp). */
static bool on_path(const char *prog)
{
	const char *path = getenv("PATH"), *p, *colon;
	char buf[PATH_MAX];

	if (!path)
		path = "/usr/bin:/bin";
	for (p = path;; p = colon + 1) {
		int dl, n;

		colon = strchrnul(p, ':');
		dl = (int)MIN(colon - p, PATH_MAX);
		n = snprintf(buf, sizeof(buf), "%.*s/%s", dl ? dl : 1, dl ? p : ".", prog);
		if (n > 0 && n < (int)sizeof(buf) && is_file(buf) && !access(buf, X_OK))
			return true;
		if (!*colon)
			return false;
	}
}

/*
 * Run `man -l <file>`, or `man -l -` fed @roff (@len bytes) through a pipe.
 * Returns man's exit status, 127 if it could not be started.
 */
static int run_man(const char *file, const char *roff, size_t len)
{
	int fds[2] = { -1, -1 }, status;
	void (*old)(int);
	pid_t pid;

	fflush(stdout);
	if (!file && pipe(fds))
		return 127;
	pid = fork();
	if (pid < 0) {
		if (!file) {
			close(fds[0]);
			close(fds[1]);
		}
		return 127;
	}
	if (pid == 0) {
		if (!file) {
			dup2(fds[0], STDIN_FILENO);
			close(fds[0]);
			close(fds[1]);
		}
		execlp("man", "man", "-l", file ? file : "-", (char *)NULL);
		_exit(127);
	}
	if (!file) {
		close(fds[0]);
		/* man may stop reading (a pager quit early): no SIGPIPE death */
		old = signal(SIGPIPE, SIG_IGN);
		write_all(fds[1], roff, len);
		close(fds[1]);
		signal(SIGPIPE, old);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return 127;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

static int print_file(const char *path)
{
	size_t len;
	char *buf = read_file(path, &len);

	if (!buf) {
		pr_err("cannot read %s: %s", path, strerror(errno));
		return 1;
	}
	fwrite(buf, 1, len, stdout);
	free(buf);
	return 0;
}

/* Show @cmd's page; @text: skip man(1). Returns the exit status. */
static int show_page(const char *cmd, bool text)
{
	char txt[PATH_MAX], man[PATH_MAX];

	find_pages(cmd, txt, man);
	if (!txt[0] && !man[0]) {
		pr_err("no manual page for '%s'", cmd);
		return 1;
	}
	if (!text && on_path("man")) {
		int r;

		if (man[0]) {
			r = run_man(man, NULL, 0);
		} else {
			size_t len;
			char *roff = file_to_roff(txt, &len);

			if (!roff) {
				pr_err("cannot convert %s: %s", txt, strerror(errno));
				return 1;
			}
			r = run_man(NULL, roff, len);
			free(roff);
		}
		if (r != 127 || !txt[0])
			return r;
	}
	if (!txt[0]) {
		pr_err("only a man page exists for '%s' and man(1) cannot show it: %s", cmd, man);
		return 1;
	}
	return print_file(txt);
}

/* `lkvm help --man FILE`: the build's txt-to-man(7) step. */
static int convert(const char *path)
{
	size_t len;
	char *roff = file_to_roff(path, &len);

	if (!roff) {
		if (errno == EINVAL)
			pr_err("%s: not an lkvm page (no 'lkvm-<cmd>(1)' title line)", path);
		else
			pr_err("cannot convert %s: %s", path, strerror(errno));
		return 1;
	}
	fwrite(roff, 1, len, stdout);
	free(roff);
	return 0;
}

int cmd_help(int argc, const char **argv)
{
	static const char *const usage[] = {
		"lkvm help [-t] [<command>]",
		"lkvm help --man <page.txt>",
		NULL,
	};
	const char *man_src = NULL;
	bool text = false;
	const struct option opts[] = {
		OPT_BOOLEAN('t', "text", &text, "print the text page even if man(1) is installed"),
		OPT_STRING(0, "man", &man_src, "FILE",
			   "convert a Documentation/*.txt page to man(7) on stdout"),
		OPT_END(),
	};

	argc = parse_options(argc, argv, opts, usage, 0);
	if (man_src) {
		if (argc)
			parse_options_error("help", "--man takes no command");
		return convert(man_src);
	}
	if (argc == 0) {
		lkvm_list_commands();
		return 0;
	}
	if (argc > 1)
		parse_options_error("help", "too many arguments: one command at a time");
	if (!lkvm_find_command(argv[0])) {
		const char *hint = lkvm_suggest_command(argv[0]);

		fprintf(stderr, "lkvm help: error: '%s' is not an lkvm command. See 'lkvm help'.%s%s%s\n",
			argv[0], hint ? " Did you mean '" : "", hint ? hint : "", hint ? "'?" : "");
		return PARSE_OPT_EXIT_USAGE;
	}
	return show_page(argv[0], text);
}
