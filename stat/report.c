// SPDX-License-Identifier: GPL-2.0
/*
 * lkvm stat's text report (see stat/report.h; the columns are explained in
 * Documentation/lkvm-stat.txt).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hv/kvm.h"
#include "stat/record.h"
#include "stat/report.h"
#include "util/parse-options.h"
#include "util/symbols.h"

#define DEFAULT_TOP 10

const char *stat_flavour_name(u32 flavour)
{
	switch (flavour) {
	case KVM_FLAVOUR_VMX: return "VMX";
	case KVM_FLAVOUR_SVM: return "SVM";
	case KVM_FLAVOUR_PVM: return "PVM";
	}
	return "unknown";
}

int stat_report_sections(const char *list, u32 *out, const char **bad)
{
	static const struct parse_flag names[] = {
		{ "all", RS_ALL }, { "exits", RS_EXITS }, { "vmexit", RS_EXITS | RS_USER },
		{ "user", RS_USER }, { "pio", RS_PIO }, { "ioport", RS_PIO },
		{ "mmio", RS_MMIO }, { "msr", RS_MSR }, { "cpuid", RS_CPUID },
		{ "func", RS_FUNC }, { "stats", RS_STATS }, { "lkvm", RS_LKVM },
	};

	return parse_flag_list(list, names, ARRAY_SIZE(names), out, bad);
}

const char *stat_range_name(const struct exit_acct *a, u8 bus, u64 addr, u64 *base, u64 *len)
{
	if (!a)
		return NULL;
	for (u32 i = 0; i < a->nr_ranges; i++) {
		const struct acct_range *r = &a->range[i];

		if (r->bus == bus && addr >= r->base && addr - r->base < r->len) {
			if (base)
				*base = r->base;
			if (len)
				*len = r->len;
			return r->name;
		}
	}
	return NULL;
}

/* ---- helpers ------------------------------------------------------------ */

/* A row to print. */
struct line {
	char name[72];
	char dev[ACCT_NAME_MAX + 1];
	u64 key;
	u64 count, reads, writes;
	u64 time_ns;		/* for --sort time */
	const struct hist *lat;
};

static enum stat_sort g_sort;

static int cmp_line(const void *a, const void *b)
{
	const struct line *x = a, *y = b;
	u64 kx = g_sort == STAT_SORT_TIME ? x->time_ns : x->count;
	u64 ky = g_sort == STAT_SORT_TIME ? y->time_ns : y->count;

	if (kx != ky)
		return kx < ky ? 1 : -1;
	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return x->key < y->key ? -1 : x->key > y->key;
}

static void sort_lines(struct line *l, size_t n, enum stat_sort s)
{
	g_sort = s;
	qsort(l, n, sizeof(*l), cmp_line);
}

static double per_s(u64 n, double seconds)
{
	return seconds > 0 ? (double)n / seconds : 0;
}

static void print_us(FILE *f, const struct hist *h, double v)
{
	if (h && h->count)
		fprintf(f, " %9.2f", v / 1000.0);
	else
		fprintf(f, " %9s", "-");
}

static void print_lat(FILE *f, const struct hist *h)
{
	print_us(f, h, h ? hist_mean(h) : 0);
	print_us(f, h, h ? hist_percentile(h, 50) : 0);
	print_us(f, h, h ? hist_percentile(h, 99) : 0);
}

static void print_share(FILE *f, u64 n, u64 total)
{
	if (total)
		fprintf(f, " %6.2f%%", 100.0 * (double)n / (double)total);
	else
		fprintf(f, " %7s", "-");
}

static size_t shown(size_t n, const struct stat_view *v)
{
	size_t top = v->top > 0 ? (size_t)v->top : DEFAULT_TOP;

	return n < top ? n : top;
}

static void more(FILE *f, size_t n, const struct stat_view *v)
{
	if (shown(n, v) < n)
		fprintf(f, "  ... %zu more (--top)\n", n - shown(n, v));
}

/* The bus ranges that name ports and MMIO addresses, if known. */
static const struct exit_acct *devices(const struct stat_view *v)
{
	return v->devices ? v->devices : v->ac1;
}

/* ---- sections ----------------------------------------------------------- */

static bool is_exit_class(unsigned int cls, bool hw)
{
	return hw ? cls == STAT_CLS_VMX || cls == STAT_CLS_SVM : cls == STAT_CLS_EV;
}

/* Exit reasons, or exits to userspace when @user. */
static void print_reasons(FILE *f, const struct stat_view *v, const struct stat_vcpu *tot,
			  bool user)
{
	const struct stat_table *t = &tot->t[ST_REASON];
	struct line *l = xzalloc((t->nr + 1) * sizeof(*l));
	size_t n = 0;
	u64 total = 0;
	bool hw = v->agg->have_hw;

	for (u32 i = 0; i < t->nr; i++) {
		const struct stat_row *r = &t->rows[i];
		unsigned int cls = STAT_KEY_CLS(r->key);

		if (user ? cls != STAT_CLS_USER : !is_exit_class(cls, hw))
			continue;
		if (!r->count)
			continue;
		l[n].key = r->key;
		l[n].count = r->count;
		l[n].lat = r->lat;
		l[n].time_ns = r->lat ? r->lat->sum : 0;
		stat_reason_name(r->key, l[n].name, sizeof(l[n].name));
		/* EMULATE overlaps the exits it emulates: no share of them. */
		if (r->key != STAT_KEY(STAT_CLS_EV, STAT_EV_EMULATE))
			total += r->count;
		n++;
	}
	sort_lines(l, n, v->sort);
	if (user)
		fprintf(f, "\nExits to userspace (KVM_EXIT_*; latency from the exit to the next KVM_RUN)\n");
	else if (hw)
		fprintf(f, "\nExit reasons (kvm_exit; latency from kvm_exit to kvm_entry)\n");
	else
		fprintf(f, "\nExit reasons (from kvm_pio, kvm_mmio, kvm_msr, kvm_cpuid, kvm_emulate_insn:\n"
			   "kvm_exit does not fire on this host; latency to the next KVM_RUN, for exits\n"
			   "that went to the VMM)\n");
	fprintf(f, "%-18s %10s %9s %7s %9s %9s %9s\n", "reason", "count", "per s", "share",
		"mean us", "p50 us", "p99 us");
	if (!n)
		fprintf(f, "  (none)\n");
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "%-18s %10llu %9.1f", l[i].name, (unsigned long long)l[i].count,
			per_s(l[i].count, v->seconds));
		if (l[i].key == STAT_KEY(STAT_CLS_EV, STAT_EV_EMULATE))
			fprintf(f, " %7s", "-");
		else
			print_share(f, l[i].count, total);
		print_lat(f, l[i].lat);
		fputc('\n', f);
	}
	if (n)
		fprintf(f, "%-18s %10llu %9.1f\n", "total", (unsigned long long)total,
			per_s(total, v->seconds));
	free(l);
}

static void print_pio(FILE *f, const struct stat_view *v, const struct stat_vcpu *tot)
{
	const struct stat_table *t = &tot->t[ST_PIO];
	struct line *l = xzalloc((t->nr + 1) * sizeof(*l));
	u64 total = 0;

	for (u32 i = 0; i < t->nr; i++) {
		const struct stat_row *r = &t->rows[i];
		const char *dev = stat_range_name(devices(v), ACCT_BUS_PIO, r->key, NULL, NULL);

		l[i] = (struct line){ .key = r->key, .count = r->count, .reads = r->reads,
				      .writes = r->writes, .time_ns = r->count };
		snprintf(l[i].name, sizeof(l[i].name), "%#06llx", (unsigned long long)r->key);
		snprintf(l[i].dev, sizeof(l[i].dev), "%s", dev ? dev : devices(v) ? "(none)" : "?");
		total += r->count;
	}
	sort_lines(l, t->nr, STAT_SORT_COUNT);
	fprintf(f, "\nPIO ports (kvm_pio)\n%-8s %-20s %10s %10s %10s %7s\n", "port", "device",
		"reads", "writes", "count", "share");
	if (!t->nr)
		fprintf(f, "  (none)\n");
	for (size_t i = 0; i < shown(t->nr, v); i++) {
		fprintf(f, "%-8s %-20.20s %10llu %10llu %10llu", l[i].name, l[i].dev,
			(unsigned long long)l[i].reads, (unsigned long long)l[i].writes,
			(unsigned long long)l[i].count);
		print_share(f, l[i].count, total);
		fputc('\n', f);
	}
	more(f, t->nr, v);
	free(l);
}

static void print_mmio(FILE *f, const struct stat_view *v, const struct stat_vcpu *tot)
{
	const struct stat_table *t = &tot->t[ST_MMIO];
	struct stat_table g = { 0 };
	struct line *l;
	u64 total = 0;

	/* Group the addresses by the device range holding them, or by page. */
	for (u32 i = 0; i < t->nr; i++) {
		const struct stat_row *r = &t->rows[i];
		u64 base = r->key & ~0xfffULL, len = 0x1000;
		struct stat_row *d;

		stat_range_name(devices(v), ACCT_BUS_MMIO, r->key, &base, &len);
		d = stat_table_get(&g, base);
		d->count += r->count;
		d->reads += r->reads;
		d->writes += r->writes;
		total += r->count;
	}
	l = xzalloc((g.nr + 1) * sizeof(*l));
	for (u32 i = 0; i < g.nr; i++) {
		const struct stat_row *r = &g.rows[i];
		u64 base = r->key, len = 0x1000;
		const char *dev = stat_range_name(devices(v), ACCT_BUS_MMIO, r->key, &base, &len);

		l[i] = (struct line){ .key = r->key, .count = r->count, .reads = r->reads,
				      .writes = r->writes };
		snprintf(l[i].name, sizeof(l[i].name), "%#llx-%#llx", (unsigned long long)base,
			 (unsigned long long)(base + len - 1));
		snprintf(l[i].dev, sizeof(l[i].dev), "%s", dev ? dev : devices(v) ? "(none)" : "?");
	}
	sort_lines(l, g.nr, STAT_SORT_COUNT);
	fprintf(f, "\nMMIO ranges (kvm_mmio; by lkvm device, or by page where none)\n"
		   "%-25s %-14s %9s %9s %9s %7s\n", "range", "device", "reads", "writes",
		"count", "share");
	if (!g.nr)
		fprintf(f, "  (none)\n");
	for (size_t i = 0; i < shown(g.nr, v); i++) {
		fprintf(f, "%-25s %-14.14s %9llu %9llu %9llu", l[i].name, l[i].dev,
			(unsigned long long)l[i].reads, (unsigned long long)l[i].writes,
			(unsigned long long)l[i].count);
		print_share(f, l[i].count, total);
		fputc('\n', f);
	}
	more(f, g.nr, v);
	free(l);
	stat_table_free(&g);
}

static void print_msr(FILE *f, const struct stat_view *v, const struct stat_vcpu *tot)
{
	const struct stat_table *t = &tot->t[ST_MSR];
	struct line *l = xzalloc((t->nr + 1) * sizeof(*l));

	for (u32 i = 0; i < t->nr; i++) {
		const struct stat_row *r = &t->rows[i];
		const char *name = stat_msr_name((u32)r->key);

		l[i] = (struct line){ .key = r->key, .count = r->count, .reads = r->reads,
				      .writes = r->writes };
		snprintf(l[i].name, sizeof(l[i].name), "%s", name ? name : "-");
	}
	sort_lines(l, t->nr, STAT_SORT_COUNT);
	fprintf(f, "\nMSRs (kvm_msr)\n%-12s %-24s %10s %10s %10s\n", "msr", "name", "reads",
		"writes", "count");
	if (!t->nr)
		fprintf(f, "  (none)\n");
	for (size_t i = 0; i < shown(t->nr, v); i++)
		fprintf(f, "0x%08llx   %-24.24s %10llu %10llu %10llu\n", (unsigned long long)l[i].key,
			l[i].name, (unsigned long long)l[i].reads, (unsigned long long)l[i].writes,
			(unsigned long long)l[i].count);
	more(f, t->nr, v);
	free(l);
}

static void print_cpuid(FILE *f, const struct stat_view *v, const struct stat_vcpu *tot)
{
	const struct stat_table *t = &tot->t[ST_CPUID];
	struct line *l = xzalloc((t->nr + 1) * sizeof(*l));

	for (u32 i = 0; i < t->nr; i++)
		l[i] = (struct line){ .key = t->rows[i].key, .count = t->rows[i].count };
	sort_lines(l, t->nr, STAT_SORT_COUNT);
	fprintf(f, "\nCPUID leaves (kvm_cpuid)\n%-12s %10s %10s\n", "leaf", "count", "per s");
	if (!t->nr)
		fprintf(f, "  (none)\n");
	for (size_t i = 0; i < shown(t->nr, v); i++)
		fprintf(f, "0x%08llx   %10llu %10.1f\n", (unsigned long long)l[i].key,
			(unsigned long long)l[i].count, per_s(l[i].count, v->seconds));
	more(f, t->nr, v);
	free(l);
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(((const struct line *)a)->name, ((const struct line *)b)->name);
}

/*
 * The address width of the guest whose symbols are in the ELF file @path:
 * 32 for an ELFCLASS32 file (a 32-bit payload, which never enters long
 * mode, so its RIPs fit in 32 bits), 64 for ELFCLASS64, 0 when unknown (no
 * file, a System.map). System V gABI 4.1 "ELF Identification".
 */
static int sym_addr_bits(const char *path)
{
	unsigned char id[5];
	FILE *f = path ? fopen(path, "rb") : NULL;
	size_t n = f ? fread(id, 1, sizeof(id), f) : 0;

	if (f)
		fclose(f);
	if (n != sizeof(id) || memcmp(id, "\x7f" "ELF", 4))
		return 0;
	return id[4] == 1 ? 32 : id[4] == 2 ? 64 : 0;
}

#define FUNC_NOT_GUEST	"(not a 32-bit guest address)"
#define FUNC_OUTSIDE	"(outside the guest's symbols)"

static void print_funcs(FILE *f, const struct stat_view *v, const struct stat_vcpu *tot)
{
	const struct stat_table *t = &tot->t[ST_RIP];
	struct line *l = xzalloc((t->nr + 1) * sizeof(*l));
	int bits = sym_addr_bits(v->sym_path);
	bool hw = v->agg->have_hw;
	size_t n = 0;
	u64 total = 0;

	/*
	 * One line per function: symbolize, sort by name, merge. Addresses a
	 * 32-bit guest cannot have, and with symbols loaded every address no
	 * symbol holds, are merged into one line each instead of one hex line
	 * per RIP: the guest's functions stay on top and nothing is hidden.
	 */
	for (u32 i = 0; i < t->nr; i++) {
		const struct stat_row *r = &t->rows[i];
		const char *name = v->sym ? symtab_lookup(v->sym, r->key, NULL) : NULL;

		l[i] = (struct line){ .key = r->key, .count = r->count, .writes = r->writes };
		if (bits == 32 && r->key > 0xffffffffULL)
			snprintf(l[i].name, sizeof(l[i].name), "%s", FUNC_NOT_GUEST);
		else if (name)
			snprintf(l[i].name, sizeof(l[i].name), "%s", name);
		else if (v->sym)
			snprintf(l[i].name, sizeof(l[i].name), "%s", FUNC_OUTSIDE);
		else
			snprintf(l[i].name, sizeof(l[i].name), "%#llx", (unsigned long long)r->key);
		total += r->count;
	}
	qsort(l, t->nr, sizeof(*l), cmp_name);
	for (u32 i = 0; i < t->nr; i++) {
		if (n && !strcmp(l[n - 1].name, l[i].name)) {
			l[n - 1].count += l[i].count;
			l[n - 1].writes += l[i].writes;
			l[n - 1].key = MIN(l[n - 1].key, l[i].key);
		} else {
			l[n++] = l[i];
		}
	}
	sort_lines(l, n, STAT_SORT_COUNT);
	fprintf(f, "\nGuest functions by exits (RIP from %s)\nsymbols: %s\n",
		hw ? "kvm_exit; async: exits the guest did not cause, e.g. host interrupts" :
		"kvm_emulate_insn", v->sym_path ? v->sym_path : "none found");
	fprintf(f, "%-48s %10s %7s", "function", "count", "share");
	if (hw)
		fprintf(f, " %9s", "async");
	fputc('\n', f);
	if (!n)
		fprintf(f, "  (none)\n");
	for (size_t i = 0; i < shown(n, v); i++) {
		fprintf(f, "%-48.48s %10llu", l[i].name, (unsigned long long)l[i].count);
		print_share(f, l[i].count, total);
		if (hw)
			fprintf(f, " %9llu", (unsigned long long)l[i].writes);
		fputc('\n', f);
	}
	more(f, n, v);
	free(l);
}

/* ---- KVM binary stats --------------------------------------------------- */

static u64 kval(const struct kstat_snap *s, u32 obj, const char *name)
{
	const struct kstat_val *k = s ? kstat_snap_find(s, obj, name) : NULL;

	return k ? k->value : 0;
}

static void print_kstats(FILE *f, const struct stat_view *v)
{
	const struct kstat_snap *a = v->ks0, *b = v->ks1;
	struct kstat_snap sum = { .v = xzalloc((b->nr + 1) * sizeof(*sum.v)) };
	struct line *l;
	u32 nv = v->nr_vcpus;
	size_t n = 0;
	bool cols = v->vcpu < 0 && nv > 1 && nv <= 2;	/* 80 columns */

	/*
	 * One line per (VM or vCPUs, name): the vCPU values summed. Sums are
	 * kept in a hashed snapshot (object 0 the VM, 1 the vCPUs), so this
	 * is linear in the number of values: a record file may hold millions.
	 */
	for (u32 i = 0; i < b->nr; i++) {
		const struct kstat_val *x = &b->v[i];
		bool vm = x->obj == KSTAT_OBJ_VM;
		struct kstat_val *t;

		if (!kstat_is_cumulative(x->flags))
			continue;
		if (!vm && v->vcpu >= 0 && x->obj != 1 + (u32)v->vcpu)
			continue;
		t = kstat_snap_add(&sum, b->nr, vm ? 0 : 1, 0, x->name);
		t->value += x->value - MIN(x->value, kval(a, x->obj, x->name));
	}
	l = xzalloc((sum.nr + 1) * sizeof(*l));
	for (u32 i = 0; i < sum.nr; i++) {
		if (!sum.v[i].value)
			continue;
		l[n].key = sum.v[i].obj;
		l[n].count = sum.v[i].value;
		snprintf(l[n].name, sizeof(l[n].name), "%s", sum.v[i].name);
		n++;
	}
	kstat_snap_free(&sum);
	sort_lines(l, n, STAT_SORT_COUNT);
	fprintf(f, "\nKVM statistics (binary stats fds; %s)\n%-24s %-5s %10s %10s",
		a ? "change during the measurement" : "since the VM was created",
		"name", "of", "count", "per s");
	if (cols)
		for (u32 i = 0; i < nv; i++) {
			char h[16];

			snprintf(h, sizeof(h), "vcpu%u", i);
			fprintf(f, " %10s", h);
		}
	fputc('\n', f);
	if (!n)
		fprintf(f, "  (no counter changed)\n");
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "%-24.24s %-5s %10llu %10.1f", l[i].name, l[i].key ? "vcpus" : "vm",
			(unsigned long long)l[i].count, per_s(l[i].count, a ? v->seconds : 0));
		if (cols && l[i].key)
			for (u32 c = 0; c < nv; c++) {
				u64 e = kval(b, 1 + c, l[i].name), s = kval(a, 1 + c, l[i].name);

				fprintf(f, " %10llu", (unsigned long long)(e - MIN(e, s)));
			}
		fputc('\n', f);
	}
	free(l);
}

/* ---- lkvm's own accounting ---------------------------------------------- */

static const struct acct_vcpu *acct_vcpu(const struct exit_acct *a, u32 idx)
{
	for (u32 i = 0; a && i < a->nr_vcpus; i++)
		if (a->vcpu[i].index == idx)
			return &a->vcpu[i];
	return NULL;
}

static void acct_reason(const struct acct_vcpu *v, u32 reason, u64 *count, u64 *ns)
{
	*count = *ns = 0;
	for (u32 i = 0; v && i < v->nr; i++)
		if (v->r[i].reason == reason) {
			*count = v->r[i].count;
			*ns = v->r[i].ns;
		}
}

static void print_lkvm(FILE *f, const struct stat_view *v)
{
	const struct exit_acct *a = v->ac0, *b = v->ac1;
	struct line l[ACCT_MAX_REASONS];
	struct line *d;
	size_t n = 0, nd = 0;
	u64 total = 0;

	memset(l, 0, sizeof(l));
	for (u32 r = 0; r < ACCT_MAX_REASONS; r++) {
		u64 c = 0, ns = 0;

		for (u32 i = 0; i < b->nr_vcpus; i++) {
			u64 c1, n1, c0, n0;

			if (v->vcpu >= 0 && b->vcpu[i].index != (u32)v->vcpu)
				continue;
			acct_reason(&b->vcpu[i], r, &c1, &n1);
			acct_reason(acct_vcpu(a, b->vcpu[i].index), r, &c0, &n0);
			c += c1 - MIN(c1, c0);
			ns += n1 - MIN(n1, n0);
		}
		if (!c)
			continue;
		l[n].key = r;
		l[n].count = c;
		l[n].time_ns = ns;
		snprintf(l[n].name, sizeof(l[n].name), "%s", kvm_exit_reason_name(r));
		total += c;
		n++;
	}
	sort_lines(l, n, v->sort);
	fprintf(f, "\nlkvm's own handling (its accounting per KVM_EXIT_*: the time from KVM_RUN's\n"
		   "return to the next KVM_RUN, which no kernel-side tool sees)\n"
		   "%-18s %10s %9s %7s %9s %9s\n", "reason", "count", "per s", "share",
		"mean us", "total ms");
	if (!n)
		fprintf(f, "  (none)\n");
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "%-18s %10llu %9.1f", l[i].name, (unsigned long long)l[i].count,
			per_s(l[i].count, v->seconds));
		print_share(f, l[i].count, total);
		fprintf(f, " %9.2f %9.3f\n", (double)l[i].time_ns / (double)l[i].count / 1000.0,
			(double)l[i].time_ns / 1e6);
	}

	d = xzalloc((b->nr_ranges + 1) * sizeof(*d));
	for (u32 i = 0; i < b->nr_ranges; i++) {
		const struct acct_range *r = &b->range[i];
		u64 before = 0;

		for (u32 k = 0; a && k < a->nr_ranges; k++)
			if (a->range[k].bus == r->bus && a->range[k].base == r->base &&
			    !strcmp(a->range[k].name, r->name))
				before = a->range[k].accesses;
		if (r->accesses <= before)
			continue;
		d[nd].count = r->accesses - before;
		d[nd].key = r->base;
		snprintf(d[nd].dev, sizeof(d[nd].dev), "%s", r->name);
		snprintf(d[nd].name, sizeof(d[nd].name), "%-4s  %#llx-%#llx", r->bus ? "mmio" : "pio",
			 (unsigned long long)r->base, (unsigned long long)(r->base + r->len - 1));
		nd++;
	}
	sort_lines(d, nd, STAT_SORT_COUNT);
	fprintf(f, "\nDevices (exits that reached each bus range, lkvm's count%s)\n"
		   "%-34s %-20s %10s %10s\n", v->vcpu >= 0 ? ", all vCPUs" : "",
		"bus   range", "device", "exits", "per s");
	if (!nd)
		fprintf(f, "  (none)\n");
	for (size_t i = 0; i < shown(nd, v); i++)
		fprintf(f, "%-34s %-20.20s %10llu %10.1f\n", d[i].name, d[i].dev,
			(unsigned long long)d[i].count, per_s(d[i].count, v->seconds));
	more(f, nd, v);
	free(d);
}

/* ---- the report ------------------------------------------------------------ */

void stat_report_print(FILE *f, const struct stat_view *v)
{
	u32 s = v->sections ? v->sections : RS_ALL;
	struct stat_vcpu tot;

	fprintf(f, "guest '%s' (pid %d), %u vCPU%s, %s host, %.2f s", v->name ? v->name : "?",
		v->pid, v->nr_vcpus, v->nr_vcpus == 1 ? "" : "s", stat_flavour_name(v->flavour),
		v->seconds);
	if (v->vcpu >= 0)
		fprintf(f, ", vCPU %d only", v->vcpu);
	fputc('\n', f);
	if (v->events_from)
		fprintf(f, "events: %s\n", v->events_from);
	for (int i = 0; i < v->nr_notes; i++)
		fprintf(f, "note: %s\n", v->notes[i]);
	if (v->agg && v->agg->lost)
		fprintf(f, "warning: %llu events were lost (ring buffers or BPF maps full): counts below are short\n",
			(unsigned long long)v->agg->lost);

	if (v->agg) {
		stat_agg_total(v->agg, v->vcpu, &tot);
		if (s & RS_EXITS)
			print_reasons(f, v, &tot, false);
		if (s & RS_USER)
			print_reasons(f, v, &tot, true);
		if (s & RS_PIO)
			print_pio(f, v, &tot);
		if (s & RS_MMIO)
			print_mmio(f, v, &tot);
		if (s & RS_MSR)
			print_msr(f, v, &tot);
		if (s & RS_CPUID)
			print_cpuid(f, v, &tot);
		if (s & RS_FUNC)
			print_funcs(f, v, &tot);
		stat_vcpu_free(&tot);
	}
	if ((s & RS_LKVM) && v->ac1)
		print_lkvm(f, v);
	if ((s & RS_STATS) && v->ks1)
		print_kstats(f, v);
}

void stat_view_from_recording(struct stat_view *v, struct stat_recording *r,
			      struct stat_agg *agg)
{
	for (size_t i = 0; i < r->nr_ev; i++)
		stat_agg_event(agg, &r->ev[i]);
	agg->lost = r->lost;
	v->name = r->info.name;
	v->pid = (int)r->info.pid;
	v->nr_vcpus = r->info.nr_vcpus;
	v->flavour = r->info.flavour;
	v->seconds = (double)r->duration_ns / 1e9;
	if (r->info.sources & STAT_SRC_TRACE)
		v->agg = agg;
	if (r->have_kstats[0] && r->have_kstats[1]) {
		v->ks0 = &r->kstats[0];
		v->ks1 = &r->kstats[1];
	}
	if (r->have_acct[0] && r->have_acct[1]) {
		v->ac0 = &r->acct[0];
		v->ac1 = &r->acct[1];
	}
	if (r->have_acct[2])
		v->devices = &r->acct[2];
}
