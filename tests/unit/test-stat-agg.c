// SPDX-License-Identifier: GPL-2.0
/*
 * lkvm stat's aggregation and report: the latency pairing rules of
 * stat/agg.h on hand-made event streams, snapshot subtraction for the live
 * view, exit reason names, and the report's tables, with guest RIPs
 * symbolized against a test ELF written here by hand (ELF-64 Object File
 * Format 1.5: header, section headers, .symtab and .strtab) and a
 * System.map.
 */
#include <elf.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stat/agg.h"
#include "stat/report.h"
#include "stat/top.h"
#include "tests/tap.h"
#include "util/symbols.h"

static struct stat_event ev(u64 ts, u32 vcpu, u16 type, u32 code, u64 addr, u16 flags)
{
	return (struct stat_event){ .ts = ts, .vcpu = vcpu, .type = type, .code = code,
				    .addr = addr, .flags = flags, .size = 1 };
}

static const struct stat_row *row(const struct stat_agg *a, u32 vcpu, enum stat_tab t, u64 key)
{
	return vcpu < a->nr_vcpus ? stat_table_find(&a->vcpu[vcpu].t[t], key) : NULL;
}

static void test_table(void)
{
	struct stat_table t = { 0 };
	int bad = 0;

	for (u64 k = 0; k < 10000; k++)
		stat_table_get(&t, k * 0x1000)->count = k;
	for (u64 k = 0; k < 10000; k++)
		if (!stat_table_find(&t, k * 0x1000) || stat_table_find(&t, k * 0x1000)->count != k)
			bad++;
	ok(!bad && t.nr == 10000, "table: 10000 keys inserted and found");
	ok(!stat_table_find(&t, 0x123), "table: a missing key");
	stat_table_free(&t);
	ok(t.nr == 0 && !stat_table_find(&t, 0), "table: freed is empty");
}

static void test_pairing(void)
{
	struct stat_agg a = { 0 };
	const struct stat_row *r;
	u64 io = STAT_KEY(STAT_CLS_EV, STAT_EV_IO);
	u64 uio = STAT_KEY(STAT_CLS_USER, KVM_EXIT_IO);
	struct stat_event e;

	/* PVM-style: pio, to userspace, back to KVM_RUN. */
	stat_agg_event(&a, &(struct stat_event){ .ts = 1000, .type = SEV_EMULATE, .addr = 0x1010 });
	e = ev(1100, 0, SEV_PIO, 0x80, 1, SEV_F_WRITE);
	stat_agg_event(&a, &e);
	e = ev(1300, 0, SEV_USER_EXIT, KVM_EXIT_IO, 0, 0);
	stat_agg_event(&a, &e);
	e = ev(1500, 0, SEV_RUN, 0, 0, 0);
	stat_agg_event(&a, &e);
	r = row(&a, 0, ST_REASON, io);
	ok(r && r->count == 1 && r->lat && r->lat->count == 1 && r->lat->sum == 400,
	   "PVM: IO latency from kvm_pio to the next KVM_RUN (400 ns)");
	r = row(&a, 0, ST_REASON, uio);
	ok(r && r->count == 1 && r->lat && r->lat->sum == 200,
	   "userspace exit latency to the next KVM_RUN (200 ns)");
	r = row(&a, 0, ST_PIO, 0x80);
	ok(r && r->writes == 1 && r->reads == 0, "PIO port table: one write to 0x80");
	ok(row(&a, 0, ST_RIP, 0x1010) != NULL, "RIP from kvm_emulate_insn without kvm_exit");

	/* An in-kernel exit (CPUID) then a signal exit: no latency for CPUID,
	 * and the signal exit is not the CPUID's. */
	e = ev(2000, 0, SEV_CPUID, 0, 0, 0);
	stat_agg_event(&a, &e);
	e = (struct stat_event){ .ts = 9000, .type = SEV_USER_EXIT, .data = (u64)(s64)-4 };
	stat_agg_event(&a, &e);
	e = ev(9100, 0, SEV_RUN, 0, 0, 0);
	stat_agg_event(&a, &e);
	r = row(&a, 0, ST_REASON, STAT_KEY(STAT_CLS_EV, STAT_EV_CPUID));
	ok(r && r->count == 1 && !r->lat, "CPUID counted, no latency");
	r = row(&a, 0, ST_REASON, STAT_KEY(STAT_CLS_USER, STAT_USER_ERR | 4));
	ok(r && r->lat && r->lat->sum == 100, "EINTR userspace exit has its own latency");

	/* An in-kernel PIO (no userspace exit) then KVM_RUN is not paired. */
	e = ev(10000, 0, SEV_PIO, 0x40, 1, SEV_F_WRITE);
	stat_agg_event(&a, &e);
	e = ev(10500, 0, SEV_RUN, 0, 0, 0);
	stat_agg_event(&a, &e);
	r = row(&a, 0, ST_REASON, io);
	ok(r && r->count == 2 && r->lat->count == 1, "an exit handled in the kernel adds no latency");

	/* MMIO: the unsatisfied read is counted when it completes. */
	e = ev(11000, 1, SEV_MMIO, SEV_MMIO_UNSATISFIED_READ, 0xfee00030, 0);
	stat_agg_event(&a, &e);
	e = ev(11200, 1, SEV_USER_EXIT, KVM_EXIT_MMIO, 0, 0);
	stat_agg_event(&a, &e);
	e = ev(11600, 1, SEV_RUN, 0, 0, 0);
	stat_agg_event(&a, &e);
	e = ev(11700, 1, SEV_MMIO, SEV_MMIO_READ, 0xfee00030, 0);
	stat_agg_event(&a, &e);
	r = row(&a, 1, ST_REASON, STAT_KEY(STAT_CLS_EV, STAT_EV_MMIO));
	ok(r && r->count == 1 && r->lat && r->lat->sum == 600, "MMIO read: one count, 600 ns");
	r = row(&a, 1, ST_MMIO, 0xfee00030);
	ok(r && r->reads == 1 && r->writes == 0, "MMIO table: one read on vCPU 1");

	/* VMX: kvm_exit to kvm_entry; its RIP wins over kvm_emulate_insn's. */
	e = ev(20000, 0, SEV_EXIT, 30, 0x2000, 0);
	e.size = 1;
	stat_agg_event(&a, &e);
	e = ev(20800, 0, SEV_ENTRY, 0, 0x2002, 0);
	stat_agg_event(&a, &e);
	r = row(&a, 0, ST_REASON, STAT_KEY(STAT_CLS_VMX, 30));
	ok(r && r->lat && r->lat->sum == 800 && a.have_hw, "VMX: kvm_exit to kvm_entry, 800 ns");
	e = (struct stat_event){ .ts = 21000, .type = SEV_EMULATE, .addr = 0x3000 };
	stat_agg_event(&a, &e);
	ok(!row(&a, 0, ST_RIP, 0x3000) && row(&a, 0, ST_RIP, 0x2000),
	   "with kvm_exit, RIPs come from it only");

	e = ev(1, STAT_MAX_VCPUS, SEV_PIO, 0, 0, 0);
	is_int(stat_agg_event(&a, &e), -1, "a vCPU index out of range is refused");
	e = ev(1, 0, 0, 0, 0, 0);
	is_int(stat_agg_event(&a, &e), -1, "event type 0 is refused");
	stat_agg_free(&a);
}

static void test_sub_total(void)
{
	struct stat_agg a = { 0 }, b, d;
	struct stat_vcpu tot;
	struct stat_event e;
	const struct stat_row *r;

	for (int i = 0; i < 10; i++) {
		e = ev(100 * (u64)i, (u32)(i % 2), SEV_PIO, 0x80, 1, SEV_F_WRITE);
		stat_agg_event(&a, &e);
	}
	stat_agg_copy(&b, &a);
	for (int i = 10; i < 25; i++) {
		e = ev(100 * (u64)i, (u32)(i % 2), SEV_PIO, 0x80, 1, SEV_F_WRITE);
		stat_agg_event(&a, &e);
	}
	stat_agg_sub(&d, &a, &b);
	stat_agg_total(&d, -1, &tot);
	r = stat_table_find(&tot.t[ST_PIO], 0x80);
	ok(r && r->count == 15 && r->writes == 15, "sub: 15 writes between the snapshots");
	stat_vcpu_free(&tot);
	stat_agg_total(&d, 1, &tot);
	r = stat_table_find(&tot.t[ST_PIO], 0x80);
	ok(r && r->count == 7, "sub: 7 of them on vCPU 1 (--vcpu 1)");
	stat_vcpu_free(&tot);
	stat_agg_free(&a);
	stat_agg_free(&b);
	stat_agg_free(&d);
}

static void test_names(void)
{
	char b[32];

	is_str(stat_reason_name(STAT_KEY(STAT_CLS_VMX, 30), b, sizeof(b)), "IO_INSTRUCTION", "VMX 30");
	is_str(stat_reason_name(STAT_KEY(STAT_CLS_VMX, 48), b, sizeof(b)), "EPT_VIOLATION", "VMX 48");
	is_str(stat_reason_name(STAT_KEY(STAT_CLS_VMX, 0x80000021), b, sizeof(b)),
	       "INVALID_STATE|0x80000000", "VMX entry failure flag");
	is_str(stat_reason_name(STAT_KEY(STAT_CLS_VMX, 999), b, sizeof(b)), "vmx:0x3e7", "VMX unknown");
	is_str(stat_reason_name(STAT_KEY(STAT_CLS_SVM, 0x7b), b, sizeof(b)), "IOIO", "SVM IOIO");
	is_str(stat_reason_name(STAT_KEY(STAT_CLS_SVM, 0x400), b, sizeof(b)), "NPF", "SVM NPF");
	is_str(stat_reason_name(STAT_KEY(STAT_CLS_SVM, 0x13), b, sizeof(b)), "WRITE_CR3", "SVM CR group");
	is_str(stat_reason_name(STAT_KEY(STAT_CLS_SVM, 0x4e), b, sizeof(b)), "EXCP14", "SVM exception");
	is_str(stat_reason_name(STAT_KEY(STAT_CLS_EV, STAT_EV_MSR_READ), b, sizeof(b)), "MSR_READ", "event class");
	is_str(stat_reason_name(STAT_KEY(STAT_CLS_USER, KVM_EXIT_HLT), b, sizeof(b)), "HLT", "KVM_EXIT_HLT");
	is_str(stat_reason_name(STAT_KEY(STAT_CLS_USER, STAT_USER_ERR | 4), b, sizeof(b)), "EINTR", "EINTR");
	is_str(stat_msr_name(0xc0000080), "IA32_EFER", "MSR name");
	ok(stat_msr_name(0x12345) == NULL, "unknown MSR");
}

/* A minimal ELF64 executable: .text (NOBITS), .symtab, .strtab, .shstrtab. */
static int write_test_elf(const char *path)
{
	static const struct { const char *name; u64 value, size; } syms[] = {
		{ "pio_loop", 0x101000, 0x40 },
		{ "mmio_loop", 0x101040, 0x40 },
		{ "cpl0_loop", 0x101080, 0x80 },
	};
	const char shstr[] = "\0.text\0.symtab\0.strtab\0.shstrtab";
	char str[128] = "";
	Elf64_Sym sym[4];
	Elf64_Shdr sh[5];
	Elf64_Ehdr eh;
	size_t slen = 1, off;
	FILE *f = fopen(path, "wb");

	if (!f)
		return -1;
	memset(sym, 0, sizeof(sym));
	for (int i = 0; i < 3; i++) {
		sym[i + 1] = (Elf64_Sym){ .st_name = (Elf64_Word)slen,
					  .st_info = ELF64_ST_INFO(STB_GLOBAL, STT_FUNC),
					  .st_shndx = 1, .st_value = syms[i].value,
					  .st_size = syms[i].size };
		strcpy(str + slen, syms[i].name);
		slen += strlen(syms[i].name) + 1;
	}
	off = sizeof(eh);
	memset(sh, 0, sizeof(sh));
	sh[1] = (Elf64_Shdr){ .sh_name = 1, .sh_type = SHT_NOBITS, .sh_flags = SHF_ALLOC | SHF_EXECINSTR,
			      .sh_addr = 0x101000, .sh_size = 0x1000, .sh_addralign = 16 };
	sh[2] = (Elf64_Shdr){ .sh_name = 7, .sh_type = SHT_SYMTAB, .sh_offset = off,
			      .sh_size = sizeof(sym), .sh_link = 3, .sh_info = 1,
			      .sh_entsize = sizeof(Elf64_Sym), .sh_addralign = 8 };
	off += sizeof(sym);
	sh[3] = (Elf64_Shdr){ .sh_name = 15, .sh_type = SHT_STRTAB, .sh_offset = off,
			      .sh_size = slen, .sh_addralign = 1 };
	off += slen;
	sh[4] = (Elf64_Shdr){ .sh_name = 23, .sh_type = SHT_STRTAB, .sh_offset = off,
			      .sh_size = sizeof(shstr), .sh_addralign = 1 };
	off += sizeof(shstr);
	off = ALIGN_UP(off, 8);
	memset(&eh, 0, sizeof(eh));
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = ET_EXEC;
	eh.e_machine = EM_X86_64;
	eh.e_version = EV_CURRENT;
	eh.e_ehsize = sizeof(eh);
	eh.e_shoff = off;
	eh.e_shentsize = sizeof(Elf64_Shdr);
	eh.e_shnum = 5;
	eh.e_shstrndx = 4;
	fwrite(&eh, sizeof(eh), 1, f);
	fwrite(sym, sizeof(sym), 1, f);
	fwrite(str, slen, 1, f);
	fwrite(shstr, sizeof(shstr), 1, f);
	while ((size_t)ftell(f) < off)
		fputc(0, f);
	fwrite(sh, sizeof(sh), 1, f);
	return fclose(f);
}

/* The report of @a as text (malloc'd). */
static const char *render_sym_path;	/* the symbol file a report names, if set */

static char *render(const struct stat_agg *a, const struct symtab *st, const struct exit_acct *ac,
		    u32 sections)
{
	struct stat_view v = { .name = "t", .pid = 1, .nr_vcpus = 2, .seconds = 2, .agg = a,
			       .sym = st, .sym_path = render_sym_path ? render_sym_path :
			       st ? "test.elf" : NULL, .vcpu = -1,
			       .sections = sections,
			       .ac1 = ac };
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	stat_report_print(f, &v);
	fclose(f);
	return text;
}

static int has_line(const char *text, const char *prefix, const char *rest)
{
	for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		size_t n = strcspn(p, "\n");
		char line[256];

		snprintf(line, sizeof(line), "%.*s", (int)MIN(n, sizeof(line) - 1), p);
		if (!strncmp(line, prefix, strlen(prefix)) && (!rest || strstr(line, rest)))
			return 1;
	}
	return 0;
}

static void test_symbolized_report(void)
{
	char path[] = "/tmp/lkvm-test-stat-elf-XXXXXX", map[64], err[256];
	struct stat_agg a = { 0 };
	struct symtab *st;
	struct exit_acct ac = { 0 };
	char *text;
	int fd = mkstemp(path);

	close(fd);
	ok(write_test_elf(path) == 0, "test ELF written");
	st = symtab_load(path, err, sizeof(err));
	if (!ok(st != NULL, "test ELF loads as a symbol table"))
		diag("  %s", err);
	/* 3 exits at two RIPs in pio_loop, 2 in mmio_loop, 1 outside any symbol. */
	stat_agg_event(&a, &(struct stat_event){ .ts = 1, .type = SEV_EMULATE, .addr = 0x101004 });
	stat_agg_event(&a, &(struct stat_event){ .ts = 2, .type = SEV_EMULATE, .addr = 0x101004 });
	stat_agg_event(&a, &(struct stat_event){ .ts = 3, .type = SEV_EMULATE, .addr = 0x101010, .vcpu = 1 });
	stat_agg_event(&a, &(struct stat_event){ .ts = 4, .type = SEV_EMULATE, .addr = 0x101044 });
	stat_agg_event(&a, &(struct stat_event){ .ts = 5, .type = SEV_EMULATE, .addr = 0x101078 });
	stat_agg_event(&a, &(struct stat_event){ .ts = 6, .type = SEV_EMULATE, .addr = 0x500000 });
	stat_agg_event(&a, &(struct stat_event){ .ts = 7, .type = SEV_PIO, .code = 0x80, .flags = SEV_F_WRITE });
	stat_agg_event(&a, &(struct stat_event){ .ts = 8, .type = SEV_MMIO, .code = SEV_MMIO_WRITE,
						 .addr = 0xc0000004 });
	stat_agg_event(&a, &(struct stat_event){ .ts = 9, .type = SEV_MMIO, .code = SEV_MMIO_WRITE,
						 .addr = 0xd0000010 });
	ac.nr_ranges = 2;
	ac.range = calloc(2, sizeof(*ac.range));
	ac.range[0] = (struct acct_range){ .bus = ACCT_BUS_PIO, .base = 0x80, .len = 1 };
	strcpy(ac.range[0].name, "post");
	ac.range[1] = (struct acct_range){ .bus = ACCT_BUS_MMIO, .base = 0xc0000000, .len = 16 };
	strcpy(ac.range[1].name, "pvpanic");

	text = render(&a, st, &ac, RS_FUNC | RS_PIO | RS_MMIO);
	ok(has_line(text, "pio_loop ", "3"), "functions: pio_loop has its 3 exits, offsets merged");
	ok(has_line(text, "mmio_loop ", "2"), "functions: mmio_loop 2 (0x101044 and 0x101078)");
	ok(has_line(text, "(outside the guest's symbols) ", "1") && !strstr(text, "0x500000"),
	   "functions: an address outside every symbol: one merged line");
	ok(!has_line(text, "cpl0_loop", NULL), "functions: no exits, no line");
	ok(has_line(text, "0x0080   post", "1"), "PIO: port 0x80 named by its lkvm device");
	ok(has_line(text, "0xc0000000-0xc000000f", "pvpanic"), "MMIO: grouped into the pvpanic range");
	ok(has_line(text, "0xd0000000-0xd0000fff", "(none)"), "MMIO: an unowned address by page");
	if (tap_failed)
		diag("%s", text);
	free(text);

	/* The same RIPs through a System.map. */
	snprintf(map, sizeof(map), "%s.map", path);
	FILE *f = fopen(map, "w");

	fputs("0000000000101000 T pio_loop\n0000000000101040 t mmio_loop\n"
	      "0000000000101080 T cpl0_loop\n0000000000102000 T _end\n", f);
	fclose(f);
	symtab_free(st);
	st = symtab_load(map, err, sizeof(err));
	text = render(&a, st, NULL, RS_FUNC);
	ok(has_line(text, "pio_loop ", "3") && has_line(text, "mmio_loop ", "2"),
	   "functions from a System.map");
	free(text);
	text = render(&a, NULL, NULL, RS_FUNC);
	if (!ok(has_line(text, "0x101004 ", "2") && strstr(text, "symbols: none found"),
		"without symbols, raw RIPs"))
		diag("%s", text);
	free(text);
	symtab_free(st);
	stat_agg_free(&a);
	exit_acct_free(&ac);
	unlink(path);
	unlink(map);
}

/*
 * KVM stats with many values: 2 vCPUs x 100000 names (200000 values, the
 * record format allows millions). print_kstats once compared every value
 * with every line so far (minutes here); it must now be linear. The test
 * checks the report's content, not its time.
 */
static void test_kstats_many(void)
{
	enum { NAMES = 100000 };
	struct kstat_snap s0 = { 0 }, s1 = { 0 };
	struct stat_view v = { .name = "t", .pid = 1, .nr_vcpus = 2, .seconds = 2, .vcpu = -1,
			       .sections = RS_STATS, .ks0 = &s0, .ks1 = &s1 };
	char *text = NULL, want[128];
	size_t len = 0, lines = 0;
	FILE *f;

	s0.v = calloc(2 * NAMES + 1, sizeof(*s0.v));
	s1.v = calloc(2 * NAMES + 1, sizeof(*s1.v));
	for (u32 i = 0; i < NAMES; i++)
		for (u32 c = 0; c < 2; c++) {
			struct kstat_val *x = &s1.v[s1.nr++], *y = &s0.v[s0.nr++];

			*x = (struct kstat_val){ .obj = 1 + c, .flags = KVM_STATS_TYPE_CUMULATIVE,
						 .value = 10 + i + c * 1000000 };
			snprintf(x->name, sizeof(x->name), "stat_%u", i);
			*y = *x;
			y->value = 10;	/* each vCPU moved by i + c * 1000000 */
		}
	/* One VM value of the same name as a vCPU one: its own line. */
	s1.v[s1.nr++] = (struct kstat_val){ .obj = KSTAT_OBJ_VM, .flags = KVM_STATS_TYPE_CUMULATIVE,
					    .value = 5, .name = "stat_7" };
	kstat_snap_index(&s0);
	kstat_snap_index(&s1);
	ok(kstat_snap_find(&s1, 2, "stat_99999") == &s1.v[2 * 99999 + 1] &&
	   kstat_snap_find(&s1, 0, "stat_7") == &s1.v[2 * NAMES] &&
	   !kstat_snap_find(&s1, 3, "stat_1") && !kstat_snap_find(&s1, 1, "stat_100000"),
	   "kstats: an indexed snapshot finds by object and name");

	f = open_memstream(&text, &len);
	stat_report_print(f, &v);
	fclose(f);
	for (size_t i = (size_t)(strstr(text, "KVM statistics") - text); i + 1 < len; i++)
		lines += text[i] == '\n';
	/* The header line, NAMES vCPU lines (stat_0 moved on vCPU 1 only) and
	 * the VM line. */
	is_int(lines, 1 + NAMES + 1, "kstats: 200000 values give one line per (VM or vCPUs, name)");
	/* Whole lines, found with strstr: the text has 100000 of them. */
	snprintf(want, sizeof(want), "\n%-24s %-5s %10llu %10.1f %10llu %10llu\n", "stat_99999",
		 "vcpus", 99999ULL * 2 + 1000000ULL, (99999.0 * 2 + 1000000.0) / 2, 99999ULL,
		 1099999ULL);
	ok(strstr(text, want) != NULL, "kstats: the vCPUs' deltas are summed, with a column per vCPU");
	snprintf(want, sizeof(want), "\n%-24s %-5s %10llu %10.1f\n", "stat_7", "vm", 5ULL, 2.5);
	ok(strstr(text, want) != NULL, "kstats: a VM value keeps its own line");
	snprintf(want, sizeof(want), "\n%-24s %-5s %10llu ", "stat_7", "vcpus", 1000014ULL);
	ok(strstr(text, want) != NULL, "kstats: apart from the vCPUs' line of the same name");
	if (!ok(strstr(text, "stat_99999") < strstr(text, "stat_0 "),
		"kstats: sorted by count, largest first"))
		diag("%.400s", strstr(text, "KVM statistics"));
	free(text);
	kstat_snap_free(&s0);
	kstat_snap_free(&s1);
}

/*
 * A 32-bit guest (its symbol file is ELFCLASS32): kvm_exit RIPs above
 * 4 GiB cannot be its own (issue 9: NPFs reported at 0xffffffffc047820c
 * for a 32-bit payload) and are merged into one line, with or without
 * its symbols; a 64-bit guest keeps them.
 */
static void test_32bit_guest(void)
{
	char path[] = "/tmp/lkvm-test-stat-elf32-XXXXXX";
	unsigned char id[EI_NIDENT + 36] = { ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS32,
					      ELFDATA2LSB, EV_CURRENT };
	struct stat_agg a = { 0 };
	char *text;
	int fd = mkstemp(path);

	ok(fd >= 0 && write(fd, id, sizeof(id)) == (ssize_t)sizeof(id), "ELF32 header written");
	close(fd);
	for (u64 i = 0; i < 3; i++)
		stat_agg_event(&a, &(struct stat_event){ .ts = 1 + i, .type = SEV_EXIT, .size = 2,
							 .code = 0x400, .addr = 0xffffffffc047820cULL });
	stat_agg_event(&a, &(struct stat_event){ .ts = 9, .type = SEV_EXIT, .size = 2, .code = 0x7b,
						 .addr = 0x100028 });
	/* A host interrupt (SVM INTR) lands at the same RIP: async. */
	stat_agg_event(&a, &(struct stat_event){ .ts = 10, .type = SEV_EXIT, .size = 2, .code = 0x60,
						 .addr = 0x100028 });
	render_sym_path = path;
	text = render(&a, NULL, NULL, RS_FUNC);
	if (!ok(has_line(text, "(not a 32-bit guest address) ", "3") &&
		has_line(text, "0x100028 ", " 2  40.00%         1") &&
		!strstr(text, "0xffffffffc047820c") && strstr(text, "async"),
		"32-bit guest: RIPs above 4 GiB merged into one line; its own stay, INTR as async"))
		diag("%s", text);
	free(text);
	id[EI_CLASS] = ELFCLASS64;
	fd = open(path, O_WRONLY);
	ok(fd >= 0 && write(fd, id, sizeof(id)) == (ssize_t)sizeof(id), "ELF64 header written");
	close(fd);
	text = render(&a, NULL, NULL, RS_FUNC);
	if (!ok(has_line(text, "0xffffffffc047820c ", " 3  60.00%         0") &&
		!strstr(text, "(not a 32-bit"),
		"64-bit guest: high RIPs are its own"))
		diag("%s", text);
	free(text);
	render_sym_path = NULL;
	stat_agg_free(&a);
	unlink(path);
}

static void test_sections(void)
{
	u32 s;
	const char *bad;

	ok(stat_report_sections("pio,mmio", &s, &bad) == 0 && s == (RS_PIO | RS_MMIO), "--event pio,mmio");
	ok(stat_report_sections("vmexit", &s, &bad) == 0 && (s & RS_EXITS), "--event vmexit (perf's name)");
	ok(stat_report_sections("all", &s, &bad) == 0 && s == RS_ALL, "--event all");
	ok(stat_report_sections("pio,bogus", &s, &bad) < 0 && !strcmp(bad, "bogus"), "--event bogus refused");
}

static void test_top_rows(void)
{
	struct top_snap base, prev, now;
	struct top_row *r;
	struct stat_event e;
	int n;

	memset(&base, 0, sizeof(base));
	memset(&prev, 0, sizeof(prev));
	memset(&now, 0, sizeof(now));
	for (int i = 0; i < 5; i++) {
		e = ev((u64)i, 0, SEV_PIO, 0x80, 1, SEV_F_WRITE);
		stat_agg_event(&prev.agg, &e);
	}
	stat_agg_copy(&now.agg, &prev.agg);
	for (int i = 0; i < 7; i++) {
		e = ev(10 + (u64)i, 1, SEV_MSR, 0x1b, 0, 0);
		stat_agg_event(&now.agg, &e);
	}
	n = top_rows(&base, &prev, &now, 2, 0, NULL, &r);
	ok(n == 2 && !strcmp(r[0].name, "MSR_READ") && r[0].delta == 7 && r[0].dv[1] == 7 &&
	   !strcmp(r[1].name, "IO") && r[1].delta == 0 && r[1].total == 5,
	   "top: rows by rate, with totals and per-vCPU deltas");
	top_rows_free(r, n);
	n = top_rows(&base, &prev, &now, 2, 0, "io", &r);
	ok(n == 1 && !strcmp(r[0].name, "IO"), "top: the filter is a case-insensitive substring");
	top_rows_free(r, n);
	stat_agg_free(&prev.agg);
	stat_agg_free(&now.agg);
}

int main(void)
{
	test_table();
	test_pairing();
	test_sub_total();
	test_names();
	test_symbolized_report();
	test_32bit_guest();
	test_sections();
	test_kstats_many();
	test_top_rows();
	return done_testing();
}
