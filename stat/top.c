// SPDX-License-Identifier: GPL-2.0
/*
 * `lkvm stat top`: live view (see stat/top.h). Screen handling uses
 * ncurses (curs_initscr(3X), curs_getch(3X), curs_inopts(3X)).
 */
#include <curses.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "hv/kvm.h"
#include "stat/top.h"
#include "util/log.h"

/* ---- rows ---------------------------------------------------------------- */

static struct top_row *row_get(struct top_row **rows, int *n, const char *name, u32 nr_vcpus)
{
	struct top_row *r;

	for (int i = 0; i < *n; i++)
		if (!strcmp((*rows)[i].name, name))
			return &(*rows)[i];
	*rows = xrealloc(*rows, (*n + 1) * sizeof(**rows));
	r = &(*rows)[(*n)++];
	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->dv = xzalloc((nr_vcpus ? nr_vcpus : 1) * sizeof(*r->dv));
	r->mean_us = -1;
	return r;
}

static u64 sub0(u64 a, u64 b)
{
	return a > b ? a - b : 0;
}

static void rows_from_agg(const struct top_snap *prev, const struct top_snap *now, u32 nv,
			  struct top_row **rows, int *n)
{
	struct stat_agg d;
	struct stat_vcpu tot, dtot;

	if (!now->agg.nr_vcpus)
		return;
	stat_agg_sub(&d, &now->agg, &prev->agg);
	stat_agg_total(&now->agg, -1, &tot);
	stat_agg_total(&d, -1, &dtot);
	for (u32 i = 0; i < tot.t[ST_REASON].nr; i++) {
		const struct stat_row *r = &tot.t[ST_REASON].rows[i];
		const struct stat_row *dr = stat_table_find(&dtot.t[ST_REASON], r->key);
		unsigned int cls = STAT_KEY_CLS(r->key);
		char name[64], rn[32];
		struct top_row *t;

		if (cls == STAT_CLS_EV && now->agg.have_hw)
			continue;	/* the hardware reasons say it all */
		stat_reason_name(r->key, rn, sizeof(rn));
		snprintf(name, sizeof(name), "%s%s", cls == STAT_CLS_USER ? "user:" : "", rn);
		t = row_get(rows, n, name, nv);
		t->total = r->count;
		t->delta = dr ? dr->count : 0;
		if (dr && dr->lat && dr->lat->count)
			t->mean_us = hist_mean(dr->lat) / 1000.0;
		for (u32 v = 0; v < d.nr_vcpus && v < nv; v++) {
			const struct stat_row *vr = stat_table_find(&d.vcpu[v].t[ST_REASON], r->key);

			t->dv[v] = vr ? vr->count : 0;
		}
	}
	stat_vcpu_free(&tot);
	stat_vcpu_free(&dtot);
	stat_agg_free(&d);
}

static void acct_get(const struct exit_acct *a, u32 vcpu, u32 reason, u64 *c, u64 *ns)
{
	*c = *ns = 0;
	for (u32 i = 0; i < a->nr_vcpus; i++) {
		if (a->vcpu[i].index != vcpu)
			continue;
		for (u32 k = 0; k < a->vcpu[i].nr; k++)
			if (a->vcpu[i].r[k].reason == reason) {
				*c = a->vcpu[i].r[k].count;
				*ns = a->vcpu[i].r[k].ns;
			}
	}
}

static void rows_from_acct(const struct top_snap *base, const struct top_snap *prev,
			   const struct top_snap *now, u32 nv, struct top_row **rows, int *n)
{
	for (u32 reason = 0; reason < ACCT_MAX_REASONS; reason++) {
		u64 total = 0, delta = 0, dns = 0;
		struct top_row *t;
		char name[48];

		for (u32 i = 0; i < now->ac.nr_vcpus; i++) {
			u64 c1, n1, c0, n0, cb, nb;

			acct_get(&now->ac, now->ac.vcpu[i].index, reason, &c1, &n1);
			acct_get(&prev->ac, now->ac.vcpu[i].index, reason, &c0, &n0);
			acct_get(&base->ac, now->ac.vcpu[i].index, reason, &cb, &nb);
			total += sub0(c1, cb);
			delta += sub0(c1, c0);
			dns += sub0(n1, n0);
		}
		if (!total)
			continue;
		snprintf(name, sizeof(name), "lkvm:%s", kvm_exit_reason_name(reason));
		t = row_get(rows, n, name, nv);
		t->total = total;
		t->delta = delta;
		if (delta)
			t->mean_us = (double)dns / (double)delta / 1000.0;
		for (u32 i = 0; i < now->ac.nr_vcpus; i++) {
			u32 v = now->ac.vcpu[i].index;
			u64 c1, n1, c0, n0;

			if (v >= nv)
				continue;
			acct_get(&now->ac, v, reason, &c1, &n1);
			acct_get(&prev->ac, v, reason, &c0, &n0);
			t->dv[v] = sub0(c1, c0);
		}
	}
}

static void rows_from_kstats(const struct top_snap *base, const struct top_snap *prev,
			     const struct top_snap *now, u32 nv, struct top_row **rows, int *n)
{
	for (u32 i = 0; i < now->ks.nr; i++) {
		const struct kstat_val *x = &now->ks.v[i];
		const struct kstat_val *p = kstat_snap_find(&prev->ks, x->obj, x->name);
		const struct kstat_val *b = kstat_snap_find(&base->ks, x->obj, x->name);
		struct top_row *t;
		char name[64];
		u64 d, total = sub0(x->value, b ? b->value : 0);

		if ((x->flags & 0xf) != 0 || !total)	/* cumulative scalars that moved */
			continue;
		d = sub0(x->value, p ? p->value : 0);
		snprintf(name, sizeof(name), "kvm%s:%s", x->obj == KSTAT_OBJ_VM ? "-vm" : "",
			 x->name);
		t = row_get(rows, n, name, nv);
		t->total += total;
		t->delta += d;
		if (x->obj != KSTAT_OBJ_VM && x->obj - 1 < nv)
			t->dv[x->obj - 1] = d;
	}
}

static int g_sort_by;

static int cmp_rows(const void *a, const void *b)
{
	const struct top_row *x = a, *y = b;

	if (g_sort_by == 2)
		return strcmp(x->name, y->name);
	if (g_sort_by == 1 && x->total != y->total)
		return x->total < y->total ? 1 : -1;
	if (x->delta != y->delta)
		return x->delta < y->delta ? 1 : -1;
	if (x->total != y->total)
		return x->total < y->total ? 1 : -1;
	return strcmp(x->name, y->name);
}

int top_rows(const struct top_snap *base, const struct top_snap *prev, const struct top_snap *now,
	     u32 nr_vcpus, int sort_by, const char *filter, struct top_row **out)
{
	struct top_row *rows = NULL;
	int n = 0;

	rows_from_agg(prev, now, nr_vcpus, &rows, &n);
	rows_from_acct(base, prev, now, nr_vcpus, &rows, &n);
	rows_from_kstats(base, prev, now, nr_vcpus, &rows, &n);
	if (filter && *filter) {
		int k = 0;

		for (int i = 0; i < n; i++) {
			if (strcasestr(rows[i].name, filter))
				rows[k++] = rows[i];
			else
				free(rows[i].dv);
		}
		n = k;
	}
	g_sort_by = sort_by;
	if (n)
		qsort(rows, (size_t)n, sizeof(*rows), cmp_rows);
	*out = rows;
	return n;
}

void top_rows_free(struct top_row *r, int n)
{
	for (int i = 0; i < n; i++)
		free(r[i].dv);
	free(r);
}

/* ---- the loop ------------------------------------------------------------ */

static volatile sig_atomic_t top_quit;
static bool screen_on;

static void on_quit_signal(int sig)
{
	top_quit = sig;
}

/* Restore the terminal however the process ends: atexit covers exit() and
 * die(); the fatal-signal handler covers crashes. */
static void restore_screen(void)
{
	if (screen_on) {
		screen_on = false;
		endwin();
	}
}

static void on_fatal_signal(int sig)
{
	restore_screen();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void snap_free(struct top_snap *s)
{
	stat_agg_free(&s->agg);
	kstat_snap_free(&s->ks);
	exit_acct_free(&s->ac);
}

static void take(struct stat_collect *c, struct top_snap *s)
{
	stat_collect_snapshot(c, &s->agg, &s->ks, &s->ac);
	s->ts = now_ns();
}

static const char *const sort_names[] = { "rate", "total", "name" };

static void print_batch(FILE *f, const struct stat_collect *c, const struct top_row *r, int n,
			double dt)
{
	time_t now = time(NULL);
	char tbuf[32];

	strftime(tbuf, sizeof(tbuf), "%H:%M:%S", localtime(&now));
	fprintf(f, "lkvm stat top - %s - guest '%s' (pid %d), %u vCPU%s, interval %.2f s\n", tbuf,
		c->g.name, (int)c->g.pid, c->g.nr_vcpus, c->g.nr_vcpus == 1 ? "" : "s", dt);
	fprintf(f, "%-32s %12s %12s %10s\n", "event", "total", "rate/s", "mean us");
	for (int i = 0; i < n; i++) {
		fprintf(f, "%-32.32s %12llu %12.1f", r[i].name, (unsigned long long)r[i].total,
			dt > 0 ? (double)r[i].delta / dt : 0.0);
		if (r[i].mean_us >= 0)
			fprintf(f, " %10.2f\n", r[i].mean_us);
		else
			fprintf(f, " %10s\n", "-");
	}
	fputc('\n', f);
	fflush(f);
}

static void draw(const struct stat_collect *c, const struct top_row *r, int n, double dt,
		 double every, int sort_by, bool per_vcpu, const char *filter, const char *status)
{
	int rows = LINES, cols = COLS, y = 0;
	int name_w = 28, ncol;
	u32 nv = c->g.nr_vcpus;
	char line[512];

	erase();
	/* Header lines are cut at the screen's width, never wrapped. */
	snprintf(line, sizeof(line), "lkvm stat top - guest '%s' (pid %d), %u vCPU%s, %s",
		 c->g.name, (int)c->g.pid, nv, nv == 1 ? "" : "s",
		 c->events_from[0] ? c->events_from : "no event source");
	mvaddnstr(y++, 0, line, cols);
	snprintf(line, sizeof(line), "every %.1f s  sort: %s  filter: %s  %s", every,
		 sort_names[sort_by], filter && *filter ? filter : "none", status);
	mvaddnstr(y++, 0, line, cols);
	mvaddnstr(y++, 0, "keys: v per-vCPU  s sort  f filter  q quit", cols);
	attron(A_REVERSE);
	if (per_vcpu) {
		ncol = (cols - name_w - 1) / 10;
		if (ncol < 1)
			ncol = 1;
		mvprintw(y, 0, "%-*s", cols, "");
		mvprintw(y, 0, "%-*s", name_w, "event (rate/s per vCPU)");
		for (int v = 0; v < ncol && (u32)v < nv; v++)
			printw("    vcpu%-2d", v);
	} else {
		ncol = 0;
		mvprintw(y, 0, "%-*s", cols, "");
		mvprintw(y, 0, "%-*s %12s %12s %10s", name_w, "event", "total", "rate/s", "mean us");
	}
	attroff(A_REVERSE);
	y++;
	for (int i = 0; i < n && y < rows - 1; i++, y++) {
		double rate = dt > 0 ? (double)r[i].delta / dt : 0.0;

		if (per_vcpu) {
			mvprintw(y, 0, "%-*.*s", name_w, name_w, r[i].name);
			for (int v = 0; v < ncol && (u32)v < nv; v++)
				printw(" %9.1f", dt > 0 ? (double)r[i].dv[v] / dt : 0.0);
		} else {
			mvprintw(y, 0, "%-*.*s %12llu %12.1f", name_w, name_w, r[i].name,
				 (unsigned long long)r[i].total, rate);
			if (r[i].mean_us >= 0)
				printw(" %10.2f", r[i].mean_us);
			else
				printw(" %10s", "-");
		}
	}
	if (!n)
		mvprintw(y, 0, "(no events yet)");
	refresh();
}

/* Ask for a filter on the last line; returns it (static), "" to clear. */
static const char *prompt_filter(void)
{
	static char buf[48];

	move(LINES - 1, 0);
	clrtoeol();
	printw("filter (substring, empty for all): ");
	echo();
	curs_set(1);
	timeout(-1);
	if (getnstr(buf, sizeof(buf) - 1) == ERR)
		buf[0] = '\0';
	noecho();
	curs_set(0);
	return buf;
}

int stat_top_run(struct stat_collect *c, const struct stat_top_opts *o)
{
	struct top_snap base, prev, now;
	struct sigaction sa = { .sa_handler = on_quit_signal };
	char filter[48] = "";
	int sort_by = 0, iter = 0;
	bool per_vcpu = false;
	const char *status = "";

	if (o->filter)
		snprintf(filter, sizeof(filter), "%s", o->filter);
	/* No SA_RESTART: a signal must end the wait in poll() or getch(). */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	memset(&prev, 0, sizeof(prev));
	take(c, &base);
	take(c, &prev);
	if (!o->batch) {
		if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
			pr_err("top needs a terminal; use --batch for plain text");
			snap_free(&prev);
			snap_free(&base);
			return 1;
		}
		atexit(restore_screen);
		signal(SIGSEGV, on_fatal_signal);
		signal(SIGABRT, on_fatal_signal);
		signal(SIGBUS, on_fatal_signal);
		if (!initscr()) {
			pr_err("cannot set up the terminal");
			snap_free(&prev);
			snap_free(&base);
			return 1;
		}
		screen_on = true;
		cbreak();
		noecho();
		keypad(stdscr, TRUE);
		curs_set(0);
	}
	while (!top_quit) {
		u64 end = now_ns() + (u64)o->interval_ms * 1000000ULL;
		struct top_row *rows;
		double dt;
		int n, key = ERR;

		/* Move the stream while waiting; keys are read every 50 ms. */
		while (!top_quit && now_ns() < end) {
			int left = (int)((end - now_ns()) / 1000000ULL);

			stat_collect_pump(c, MIN(left, 50));
			if (!o->batch) {
				timeout(0);
				key = getch();
				if (key != ERR)
					break;
			}
		}
		switch (key) {
		case 'q':
		case 'Q':
			top_quit = 1;
			continue;
		case 'v':
			per_vcpu = !per_vcpu;
			break;
		case 's':
			sort_by = (sort_by + 1) % 3;
			break;
		case 'f':
			snprintf(filter, sizeof(filter), "%s", prompt_filter());
			break;
		}
		take(c, &now);
		dt = (double)(now.ts - prev.ts) / 1e9;
		n = top_rows(&base, &prev, &now, c->g.nr_vcpus, sort_by, filter, &rows);
		if (o->batch)
			print_batch(stdout, c, rows, n, dt);
		else
			draw(c, rows, n, dt, (double)o->interval_ms / 1000.0, sort_by, per_vcpu,
			     filter, status);
		top_rows_free(rows, n);
		/* After a key press the interval goes on from the same baseline. */
		if (key == ERR) {
			snap_free(&prev);
			prev = now;
		} else {
			snap_free(&now);
		}
		if (!stat_guest_alive(&c->g)) {
			status = "(guest ended)";
			if (o->batch)
				break;
		}
		if (o->batch && o->iterations > 0 && ++iter >= o->iterations)
			break;
	}
	restore_screen();
	snap_free(&prev);
	snap_free(&base);
	return 0;
}
