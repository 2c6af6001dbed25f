// SPDX-License-Identifier: GPL-2.0
/*
 * lkvm stat record files (stat/record.c) and the payloads they carry:
 * lkvm's exit accounting (hv/acct.c) and KVM stats snapshots
 * (stat/kstats.c, including parsing a KVM_GET_STATS_FD file laid out as
 * Documentation/virt/kvm/api.rst describes). Round trips, then every
 * truncation, and corrupt, wrong-version and hostile files: each must give
 * one clear error and never read out of bounds.
 */
#include <linux/kvm.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hv/acct.h"
#include "hv/kvm.h"
#include "stat/kstats.h"
#include "stat/record.h"
#include "tests/tap.h"

static char tmpfile_path[] = "/tmp/lkvm-test-stat-record-XXXXXX";

static void make_acct(struct exit_acct *a)
{
	memset(a, 0, sizeof(*a));
	a->ts = 123456789;
	a->nr_vcpus = 2;
	a->vcpu = calloc(2, sizeof(*a->vcpu));
	a->vcpu[0] = (struct acct_vcpu){ .index = 0, .nr = 2, .nr_exits = 120000 };
	a->vcpu[0].r[0] = (struct acct_reason){ .reason = KVM_EXIT_IO, .count = 100000, .ns = 12000000 };
	a->vcpu[0].r[1] = (struct acct_reason){ .reason = KVM_EXIT_MMIO, .count = 20000, .ns = 2400000 };
	a->vcpu[1] = (struct acct_vcpu){ .index = 1, .nr = 0 };
	a->nr_ranges = 2;
	a->range = calloc(2, sizeof(*a->range));
	a->range[0] = (struct acct_range){ .bus = ACCT_BUS_PIO, .base = 0x80, .len = 1, .accesses = 100000 };
	strcpy(a->range[0].name, "post");
	a->range[1] = (struct acct_range){ .bus = ACCT_BUS_MMIO, .base = 0xc0000000, .len = 16,
					   .accesses = 20000 };
	strcpy(a->range[1].name, "pvpanic");
}

static void make_kstats(struct kstat_snap *s)
{
	memset(s, 0, sizeof(*s));
	s->ts = 42;
	s->nr = 2;
	s->v = calloc(2, sizeof(*s->v));
	s->v[0] = (struct kstat_val){ .obj = 1, .flags = KVM_STATS_TYPE_CUMULATIVE, .value = 20000 };
	strcpy(s->v[0].name, "mmio_exits");
	s->v[1] = (struct kstat_val){ .obj = 0, .flags = KVM_STATS_TYPE_INSTANT, .value = 7 };
	strcpy(s->v[1].name, "pages_4k");
}

static void test_acct_codec(void)
{
	struct exit_acct a, b;
	char err[256];
	size_t n;
	long len;
	u8 *buf;
	int bad = 0;

	make_acct(&a);
	n = exit_acct_size(&a);
	buf = malloc(n + 8);
	len = exit_acct_encode(&a, buf, n + 8);
	is_int(len, (long)n, "acct: encoded size is exit_acct_size");
	is_int(exit_acct_encode(&a, buf, n - 1), -1, "acct: too small a buffer is refused");
	exit_acct_encode(&a, buf, n);
	ok(exit_acct_decode(buf, n, &b, err, sizeof(err)) == 0, "acct: decodes");
	ok(b.ts == a.ts && b.nr_vcpus == 2 && b.vcpu[0].nr == 2 &&
	   b.vcpu[0].r[0].count == 100000 && b.vcpu[0].r[1].ns == 2400000 &&
	   b.vcpu[0].nr_exits == 120000, "acct: vCPU counters round-trip");
	ok(b.nr_ranges == 2 && !strcmp(b.range[1].name, "pvpanic") && b.range[1].bus == 1 &&
	   b.range[1].base == 0xc0000000 && b.range[0].accesses == 100000,
	   "acct: ranges round-trip");
	exit_acct_free(&b);
	for (size_t cut = 0; cut < n; cut++)
		if (exit_acct_decode(buf, cut, &b, err, sizeof(err)) == 0 || !strstr(err, "truncated"))
			bad++;
	ok(!bad, "acct: each of the %zu truncations is refused as truncated", n);
	exit_acct_decode(buf, n / 2, &b, err, sizeof(err));
	diag("  -> %s", err);
	memcpy(buf + n, "junk", 4);
	ok(exit_acct_decode(buf, n + 4, &b, err, sizeof(err)) < 0 && strstr(err, "trailing"),
	   "acct: trailing bytes are refused");
	/* A huge vCPU count must not allocate or loop. */
	buf[8] = 0xff, buf[9] = 0xff, buf[10] = 0xff, buf[11] = 0x7f;
	ok(exit_acct_decode(buf, n, &b, err, sizeof(err)) < 0 && strstr(err, "vCPUs"),
	   "acct: a vCPU count above the limit is refused");
	diag("  -> %s", err);
	exit_acct_encode(&a, buf, n);
	buf[12 + 16] = 64;	/* the first reason of vCPU 0 */
	ok(exit_acct_decode(buf, n, &b, err, sizeof(err)) < 0 && strstr(err, "reason"),
	   "acct: an exit reason out of range is refused");
	exit_acct_encode(&a, buf, n);
	buf[12 + 16 + 40] = 0;	/* vCPU 1's index: now a duplicate of 0 */
	ok(exit_acct_decode(buf, n, &b, err, sizeof(err)) < 0 && strstr(err, "twice"),
	   "acct: a duplicate vCPU index is refused");
	exit_acct_encode(&a, buf, n);
	buf[12 + 16 + 40 + 16 + 4] = 7;	/* the first range's bus */
	ok(exit_acct_decode(buf, n, &b, err, sizeof(err)) < 0 && strstr(err, "bus"),
	   "acct: an unknown bus is refused");
	free(buf);
	exit_acct_free(&a);
}

/*
 * The three errors found by fuzzing: each message must name the value
 * read from the input, and must be formatted before the arrays holding it
 * are freed. glibc's M_PERTURB fills freed chunks (those too large for its
 * per-thread cache, hence 20 ranges) with a byte, so a message formatted
 * from freed memory shows 0xa5a5... instead of the value even without ASan.
 */
static void test_acct_decode_errors(void)
{
	struct exit_acct a, b;
	char err[256] = "";
	size_t n, r19;
	u8 *buf;

	mallopt(M_PERTURB, 0xa5);
	make_acct(&a);
	a.range = realloc(a.range, 20 * sizeof(*a.range));
	for (u32 i = 2; i < 20; i++) {
		a.range[i] = (struct acct_range){ .bus = ACCT_BUS_PIO, .base = 0x100 + i, .len = 1 };
		strcpy(a.range[i].name, "dev");
	}
	a.nr_ranges = 20;
	n = exit_acct_size(&a);
	buf = malloc(n);
	/* The last range starts 27 + 3 name bytes before the end. */
	r19 = n - 27 - 3;

	exit_acct_encode(&a, buf, n);
	buf[12 + 16 + 40] = 0;	/* vCPU 1's index: now a duplicate of 0 */
	ok(exit_acct_decode(buf, n, &b, err, sizeof(err)) < 0 &&
	   !strcmp(err, "accounting: vCPU 0 twice") && !b.vcpu && !b.range,
	   "acct: a duplicate vCPU index is named after the arrays are gone");
	diag("  -> %s", err);

	exit_acct_encode(&a, buf, n);
	buf[12 + 16 + 20] = 64;	/* vCPU 0's second reason */
	ok(exit_acct_decode(buf, n, &b, err, sizeof(err)) < 0 &&
	   !strcmp(err, "accounting: exit reason 64 out of range") && !b.vcpu,
	   "acct: a reason >= 64 is named after the arrays are gone");
	diag("  -> %s", err);

	exit_acct_encode(&a, buf, n);
	buf[r19] = 2;		/* the last range's bus */
	ok(exit_acct_decode(buf, n, &b, err, sizeof(err)) < 0 &&
	   !strcmp(err, "accounting: range 19 on unknown bus 2") && !b.range,
	   "acct: a bus > 1 is named after the arrays are gone");
	diag("  -> %s", err);
	mallopt(M_PERTURB, 0);
	free(buf);
	exit_acct_free(&a);
}

static void dummy_access(void *o, u64 off, u8 *d, u32 len, bool w, struct vcpu *v)
{
}

/* The server side: a snapshot of a VM's counters and bus ranges. */
static void test_acct_snapshot(void)
{
	struct vcpu vcpus[2];
	struct kvm kvm;
	struct exit_acct a;
	u8 data[4];

	memset(&kvm, 0, sizeof(kvm));
	memset(vcpus, 0, sizeof(vcpus));
	kvm.nr_vcpus = 2;
	kvm.vcpus = vcpus;
	vcpus[0].nr_exits = 7;
	vcpus[0].exit_count[KVM_EXIT_IO] = 5;
	vcpus[0].exit_ns[KVM_EXIT_IO] = 500;
	vcpus[1].exit_count[KVM_EXIT_MMIO] = 2;
	vcpus[1].exit_count[KVM_EXIT_HLT] = 1;
	bus_init(&kvm.pio, "pio");
	bus_init(&kvm.mmio, "mmio");
	bus_register(&kvm.pio, 0x80, 1, "post", dummy_access, NULL);
	bus_register(&kvm.mmio, 0xc0000000, 16, "pvpanic", dummy_access, NULL);
	for (int i = 0; i < 3; i++)
		bus_access(&kvm.pio, 0x80, data, 1, true, NULL);
	bus_access(&kvm.pio, 0x81, data, 1, true, NULL);	/* nobody's */
	exit_acct_snapshot(&kvm, &a);
	ok(a.nr_vcpus == 2 && a.vcpu[0].nr == 1 && a.vcpu[0].r[0].reason == KVM_EXIT_IO &&
	   a.vcpu[0].r[0].count == 5 && a.vcpu[0].r[0].ns == 500 && a.vcpu[0].nr_exits == 7,
	   "snapshot: vCPU 0's non-zero reasons");
	ok(a.vcpu[1].nr == 2 && a.vcpu[1].r[0].reason == KVM_EXIT_HLT &&
	   a.vcpu[1].r[1].reason == KVM_EXIT_MMIO, "snapshot: vCPU 1's reasons, ascending");
	ok(a.nr_ranges == 2 && !strcmp(a.range[0].name, "post") && a.range[0].accesses == 3 &&
	   a.range[1].bus == ACCT_BUS_MMIO && a.range[1].len == 16,
	   "snapshot: bus ranges with their names and exits");
	ok(a.ts > 0, "snapshot: time stamped");
	exit_acct_free(&a);
	bus_exit(&kvm.pio);
	bus_exit(&kvm.mmio);
}

static void test_kstat_codec(void)
{
	struct kstat_snap s, t;
	char err[256];
	size_t n;
	u8 *buf;
	int bad = 0;

	make_kstats(&s);
	n = kstat_snap_size(&s);
	buf = malloc(n + 1);
	is_int(kstat_snap_encode(&s, buf, n), (long)n, "kstats: encoded size");
	ok(kstat_snap_decode(buf, n, &t, err, sizeof(err)) == 0 && t.nr == 2 &&
	   !strcmp(t.v[0].name, "mmio_exits") && t.v[0].value == 20000 && t.v[0].obj == 1 &&
	   t.v[1].flags == KVM_STATS_TYPE_INSTANT, "kstats: round trip");
	ok(kstat_snap_find(&t, 1, "mmio_exits") && !kstat_snap_find(&t, 0, "mmio_exits"),
	   "kstats: find by object and name");
	kstat_snap_free(&t);
	for (size_t cut = 0; cut < n; cut++)
		if (kstat_snap_decode(buf, cut, &t, err, sizeof(err)) == 0)
			bad++;
	ok(!bad, "kstats: every truncation is refused");
	buf[8] = 0xff, buf[9] = 0xff, buf[10] = 0xff, buf[11] = 0xff;
	ok(kstat_snap_decode(buf, n, &t, err, sizeof(err)) < 0 && strstr(err, "do not fit"),
	   "kstats: a count the bytes cannot hold is refused");
	kstat_snap_encode(&s, buf, n);
	buf[12 + 9] = '\n';	/* inside the first name */
	ok(kstat_snap_decode(buf, n, &t, err, sizeof(err)) < 0 && strstr(err, "printable"),
	   "kstats: a name with a control character is refused");
	free(buf);
	kstat_snap_free(&s);
}

/* A KVM_GET_STATS_FD file: header, id, 3 descriptors, data. */
static int fake_stats_fd(int variant)
{
	enum { NAME = 48, DESC = 16 + NAME };
	u8 f[24 + NAME + 3 * DESC + 64];
	u32 hdr[6] = { 0, NAME, 3, 24, 24 + NAME, 24 + NAME + 3 * DESC };
	struct { u32 flags; s16 exp; u16 size; u32 off; u32 bucket; const char *name; } d[3] = {
		{ KVM_STATS_TYPE_CUMULATIVE, 0, 1, 0, 0, "exits" },
		{ KVM_STATS_TYPE_PEAK, 0, 1, 8, 0, "max_halt" },
		{ KVM_STATS_TYPE_LOG_HIST | KVM_STATS_UNIT_SECONDS, -9, 4, 16, 0, "halt_wait_hist" },
	};
	u64 data[8] = { 121496, 5, 1, 2, 3, 4, 0, 0 };
	int fd = memfd_create("stats", MFD_CLOEXEC);

	memset(f, 0, sizeof(f));
	if (variant == 1)
		hdr[1] = 200;		/* name size too large */
	if (variant == 2)
		d[2].size = 400;	/* runs past anything sane */
	memcpy(f, hdr, sizeof(hdr));
	memcpy(f + 24, "kvm-1234/vcpu0", 14);
	for (int i = 0; i < 3; i++) {
		u8 *p = f + 24 + NAME + i * DESC;

		memcpy(p, &d[i].flags, 4);
		memcpy(p + 4, &d[i].exp, 2);
		memcpy(p + 6, &d[i].size, 2);
		memcpy(p + 8, &d[i].off, 4);
		memcpy(p + 12, &d[i].bucket, 4);
		strcpy((char *)p + 16, d[i].name);
		if (variant == 3 && i == 1)
			memset(p + 16, 'x', NAME);	/* no NUL */
	}
	memcpy(f + 24 + NAME + 3 * DESC, data, sizeof(data));
	if (fd < 0 || write(fd, f, variant == 4 ? 20 : sizeof(f)) < 0)
		abort();
	return fd;
}

static void test_kstats_fd(void)
{
	struct kstats_fd k;
	struct kstat_snap s;
	char err[256];
	int fd = fake_stats_fd(0);

	ok(kstats_open(&k, fd, 1, err, sizeof(err)) == 0 && k.nr == 3, "stats fd: 3 descriptors");
	ok(kstat_snap_take(&k, 1, &s) == 0 && s.nr == 3, "stats fd: snapshot");
	ok(kstat_snap_find(&s, 1, "exits") && kstat_snap_find(&s, 1, "exits")->value == 121496,
	   "stats fd: a cumulative value");
	ok(kstat_snap_find(&s, 1, "halt_wait_hist")->value == 10, "stats fd: a histogram is summed");
	ok(kstat_is_cumulative(s.v[0].flags) && !kstat_is_cumulative(s.v[1].flags) &&
	   kstat_is_hist(s.v[2].flags), "stats fd: types");
	kstat_snap_free(&s);
	kstats_close(&k);
	close(fd);
	for (int v = 1; v <= 4; v++) {
		fd = fake_stats_fd(v);
		ok(kstats_open(&k, fd, 1, err, sizeof(err)) < 0, "stats fd: bad file %d refused", v);
		diag("  -> %s", err);
		close(fd);
	}
}

/* Write a record file with every record type; returns its bytes. */
static u8 *write_sample(size_t *len, u64 nr_events)
{
	struct stat_rec_info info;
	struct stat_writer w;
	struct exit_acct a;
	struct kstat_snap s;
	char err[256];
	int fd = mkstemp(tmpfile_path);
	u8 *buf;

	if (fd < 0)
		abort();
	close(fd);
	memset(&info, 0, sizeof(info));
	info.pid = 4242;
	info.nr_vcpus = 2;
	info.flavour = 3;
	info.sources = STAT_SRC_TRACE | STAT_SRC_LKVM;
	info.start_ns = 1000;
	strcpy(info.name, "guest1");
	strcpy(info.kernel, "/boot/vmlinuz");
	strcpy(info.symbols, "/boot/System.map");
	if (stat_writer_open(&w, tmpfile_path, &info, err, sizeof(err)))
		abort();
	make_acct(&a);
	make_kstats(&s);
	stat_writer_acct(&w, 0, &a);
	stat_writer_kstats(&w, 0, &s);
	for (u64 i = 0; i < nr_events; i++) {
		struct stat_event ev = { .ts = 1000 + i, .vcpu = (u32)(i & 1), .type = SEV_PIO,
					 .flags = SEV_F_WRITE, .code = 0x80, .size = 1, .addr = 1 };

		stat_writer_event(&w, &ev);
	}
	stat_writer_lost(&w, 1, 3);
	stat_writer_acct(&w, 1, &a);
	stat_writer_kstats(&w, 1, &s);
	if (stat_writer_close(&w, 5000000000ULL, err, sizeof(err)))
		abort();
	exit_acct_free(&a);
	kstat_snap_free(&s);
	buf = read_file(tmpfile_path, len);
	unlink(tmpfile_path);
	return buf;
}

static void put16(u8 *p, u16 v) { p[0] = (u8)v; p[1] = (u8)(v >> 8); }
static void put32(u8 *p, u32 v) { put16(p, (u16)v); put16(p + 2, (u16)(v >> 16)); }

static void test_record(void)
{
	struct stat_recording r;
	char err[512];
	size_t len, n;
	u8 *buf = write_sample(&len, 2500), *copy;
	int truncated = 0;

	ok(stat_recording_parse(buf, len, &r, err, sizeof(err)) == 0, "record: reads back");
	ok(r.info.pid == 4242 && r.info.nr_vcpus == 2 && r.info.flavour == 3 &&
	   !strcmp(r.info.name, "guest1") && !strcmp(r.info.symbols, "/boot/System.map"),
	   "record: INFO round-trips");
	is_int(r.nr_ev, 2500, "record: every event, across several EVENTS records");
	ok(r.ev[7].vcpu == 1 && r.ev[7].type == SEV_PIO && r.ev[7].code == 0x80 &&
	   r.ev[7].ts == 1007 && r.ev[7].flags == SEV_F_WRITE, "record: an event's fields");
	is_int(r.lost, 3, "record: LOST");
	is_int(r.duration_ns, 5000000000ULL, "record: END duration");
	ok(r.have_acct[0] && r.have_acct[1] && r.acct[1].range[1].accesses == 20000,
	   "record: start and end accounting");
	ok(r.have_kstats[0] && r.have_kstats[1] && r.kstats[0].v[0].value == 20000,
	   "record: start and end KVM stats");
	stat_recording_free(&r);

	/* Every strict prefix is refused, and says it is truncated. */
	for (n = 0; n < len; n++) {
		if (stat_recording_parse(buf, n, &r, err, sizeof(err)) == 0) {
			truncated = -1;
			break;
		}
		if (n >= 8 && !strstr(err, "truncated") && !strstr(err, "magic"))
			truncated++;
	}
	ok(truncated == 0, "record: all %zu truncations refused as truncated", len);
	stat_recording_parse(buf, len - 20, &r, err, sizeof(err));
	diag("  cut 20 bytes short -> %s", err);
	stat_recording_parse(buf, len - 24, &r, err, sizeof(err));
	diag("  cut before END -> %s", err);
	ok(strstr(err, "no END") != NULL, "record: a file cut at a record boundary lacks END");

	copy = malloc(len + 64);
	memcpy(copy, buf, len);
	memcpy(copy, "NOTSTATS", 8);
	ok(stat_recording_parse(copy, len, &r, err, sizeof(err)) < 0 && strstr(err, "not an lkvm stat"),
	   "record: bad magic");
	diag("  -> %s", err);
	memcpy(copy, buf, len);
	put16(copy + 8, 2);
	ok(stat_recording_parse(copy, len, &r, err, sizeof(err)) < 0 && strstr(err, "version 2"),
	   "record: another version");
	diag("  -> %s", err);
	memcpy(copy, buf, len);
	put32(copy + 12, 1);
	ok(stat_recording_parse(copy, len, &r, err, sizeof(err)) < 0 && strstr(err, "corrupt"),
	   "record: header flags set");
	memcpy(copy, buf, len);
	put16(copy + 16, REC_EVENTS);	/* the first record is no longer INFO */
	ok(stat_recording_parse(copy, len, &r, err, sizeof(err)) < 0 && strstr(err, "not INFO"),
	   "record: INFO must come first");
	memcpy(copy, buf, len);
	put32(copy + 20, 0x7fffffff);	/* INFO's length */
	ok(stat_recording_parse(copy, len, &r, err, sizeof(err)) < 0 && strstr(err, "corrupt"),
	   "record: a record length above the limit");
	diag("  -> %s", err);
	memcpy(copy, buf, len);
	put32(copy + 16 + 4, 31);	/* INFO shorter than its fixed part */
	ok(stat_recording_parse(copy, len, &r, err, sizeof(err)) < 0,
	   "record: a record length that cuts INFO");

	/* Find the first EVENTS record and damage it. */
	for (n = 16; n + 8 <= len; n += 8 + get_le32(buf + n + 4))
		if (get_le16(buf + n) == REC_EVENTS)
			break;
	memcpy(copy, buf, len);
	put16(copy + n + 8 + 12, 99);	/* first event's type */
	ok(stat_recording_parse(copy, len, &r, err, sizeof(err)) < 0 && strstr(err, "corrupt event"),
	   "record: an unknown event type");
	diag("  -> %s", err);
	memcpy(copy, buf, len);
	put32(copy + n + 8 + 8, 5000);	/* first event's vCPU */
	ok(stat_recording_parse(copy, len, &r, err, sizeof(err)) < 0 && strstr(err, "vCPU"),
	   "record: a vCPU index out of range");
	memcpy(copy, buf, len);
	put32(copy + n + 4, get_le32(buf + n + 4) - 1);
	ok(stat_recording_parse(copy, len, &r, err, sizeof(err)) < 0, "record: EVENTS not a multiple of 40");
	/* END's count must match. */
	memcpy(copy, buf, len);
	put32(copy + len - 8, 2499);
	ok(stat_recording_parse(copy, len, &r, err, sizeof(err)) < 0 && strstr(err, "END record counts"),
	   "record: END's event count is checked");
	diag("  -> %s", err);
	/* A record type from a later version is skipped. */
	memcpy(copy, buf, len - 24);
	put16(copy + len - 24, 77);
	put16(copy + len - 22, 0);
	put32(copy + len - 20, 4);
	memcpy(copy + len - 16, "abcd", 4);
	memcpy(copy + len - 12, buf + len - 24, 24);
	ok(stat_recording_parse(copy, len + 12, &r, err, sizeof(err)) == 0 && r.nr_ev == 2500,
	   "record: an unknown record type is skipped");
	stat_recording_free(&r);
	memcpy(copy, buf, len);
	memcpy(copy + len, "xx", 2);
	ok(stat_recording_parse(copy, len + 2, &r, err, sizeof(err)) < 0 && strstr(err, "after the END"),
	   "record: bytes after END");
	ok(stat_recording_read("/nonexistent/lkvm-stat.data", &r, err, sizeof(err)) < 0 &&
	   strstr(err, "/nonexistent/lkvm-stat.data: No such file"), "record: a missing file");
	diag("  -> %s", err);
	free(copy);
	free(buf);
}

int main(void)
{
	test_acct_codec();
	test_acct_decode_errors();
	test_acct_snapshot();
	test_kstat_codec();
	test_kstats_fd();
	test_record();
	return done_testing();
}
