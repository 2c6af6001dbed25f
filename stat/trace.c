// SPDX-License-Identifier: GPL-2.0
/*
 * lkvm stat source 2: tracepoints through perf ring buffers, decoded with
 * libtraceevent (see stat/trace.h).
 */
#include <errno.h>
#include <event-parse.h>
#include <linux/kvm.h>
#include <linux/perf_event.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <tracefs.h>
#include <unistd.h>

#include "stat/trace.h"
#include "util/log.h"

#define MAX_FIELDS	6
#define DEFAULT_PAGES	1024

/* A tracepoint lkvm stat reads, and the fields it takes from it. */
struct tp {
	const char *sys, *name;
	int type;			/* SEV_* */
	const char *fields[MAX_FIELDS];
	struct tep_event *ev;
	struct tep_format_field *f[MAX_FIELDS];
};

#define TP(n, t, ...) { .sys = "kvm", .name = n, .type = t, .fields = { __VA_ARGS__ } }
static const struct tp tp_table[] = {
	TP("kvm_exit", SEV_EXIT, "exit_reason", "guest_rip", "isa", "info1"),
	TP("kvm_entry", SEV_ENTRY, "rip"),
	TP("kvm_userspace_exit", SEV_USER_EXIT, "reason", "errno"),
	TP("kvm_pio", SEV_PIO, "rw", "port", "size", "count", "val"),
	TP("kvm_mmio", SEV_MMIO, "type", "len", "gpa", "val"),
	TP("kvm_msr", SEV_MSR, "write", "ecx", "data", "exception"),
	TP("kvm_cpuid", SEV_CPUID, "function", "index"),
	TP("kvm_emulate_insn", SEV_EMULATE, "rip", "len", "failed"),
	TP("kvm_fpu", SEV_RUN, "load"),
};
#undef TP
#define NR_TP ARRAY_SIZE(tp_table)

struct vbuf {
	pid_t tid;
	int fds[NR_TP];
	void *map;
	size_t map_len;
	u64 lost;
};

struct stat_trace {
	struct tep_handle *tep;
	struct tp tp[NR_TP];
	int nr_vcpus;
	struct vbuf *v;
	size_t page, data_len;
	u8 *scratch;		/* a record that wraps the ring's end */
	char events[256];
};

static int perf_open(struct perf_event_attr *a, pid_t tid)
{
	return (int)syscall(SYS_perf_event_open, a, tid, -1, -1, PERF_FLAG_FD_CLOEXEC);
}

/* Parse the formats of the tracepoints this kernel has. */
static int load_formats(struct stat_trace *t, char *err, size_t errlen)
{
	const char *dir = NULL;
	int found = 0;

	tep_set_loglevel(TEP_LOG_NONE);
	tracefs_set_loglevel(TEP_LOG_NONE);
	if (tracefs_tracing_dir_is_mounted(true, &dir) < 0 || !dir) {
		errno = errno ? errno : ENOENT;
		return set_err(err, errlen, "tracefs is not mounted and cannot be (%s)",
			       strerror(errno));
	}
	t->tep = tep_alloc();
	if (!t->tep)
		return set_err(err, errlen, "out of memory");
	memcpy(t->tp, tp_table, sizeof(tp_table));
	for (size_t i = 0; i < NR_TP; i++) {
		struct tp *p = &t->tp[i];
		int size = 0;
		char *fmt = tracefs_event_file_read(NULL, p->sys, p->name, "format", &size);

		if (!fmt) {
			if (errno == EACCES || errno == EPERM) {
				errno = EACCES;
				return set_err(err, errlen, "no permission to read tracepoint formats in %s (needs root)",
					       dir);
			}
			pr_debug("trace: no tracepoint %s:%s", p->sys, p->name);
			continue;
		}
		if (tep_parse_format(t->tep, &p->ev, fmt, (unsigned long)size, p->sys) || !p->ev) {
			pr_debug("trace: cannot parse the format of %s:%s", p->sys, p->name);
			p->ev = NULL;
			free(fmt);
			continue;
		}
		free(fmt);
		for (int k = 0; k < MAX_FIELDS && p->fields[k]; k++)
			p->f[k] = tep_find_field(p->ev, p->fields[k]);
		if (p->sys[0] == 'k')
			found++;
	}
	if (!found) {
		errno = ENOENT;
		return set_err(err, errlen, "no kvm tracepoints in %s (is kvm loaded?)", dir);
	}
	return 0;
}

static void vbuf_close(struct vbuf *b)
{
	for (size_t k = 0; k < NR_TP; k++)
		if (b->fds[k] >= 0)
			close(b->fds[k]);
	if (b->map)
		munmap(b->map, b->map_len);
}

struct stat_trace *stat_trace_open(const pid_t *tids, int n, unsigned int buf_pages,
				   char *err, size_t errlen)
{
	struct stat_trace *t = xzalloc(sizeof(*t));
	int e = 0;

	if (!buf_pages)
		buf_pages = DEFAULT_PAGES;
	if (buf_pages & (buf_pages - 1)) {
		set_err(err, errlen, "ring buffer pages must be a power of two, not %u", buf_pages);
		e = EINVAL;
		goto fail;
	}
	if (load_formats(t, err, errlen) < 0) {
		e = errno;
		goto fail;
	}
	t->page = (size_t)sysconf(_SC_PAGESIZE);
	t->data_len = t->page * buf_pages;
	t->scratch = xmalloc(65536);
	t->nr_vcpus = n;
	t->v = xzalloc((n ? n : 1) * sizeof(*t->v));
	for (int i = 0; i < n; i++)
		for (size_t k = 0; k < NR_TP; k++)
			t->v[i].fds[k] = -1;
	for (int i = 0; i < n; i++) {
		struct vbuf *b = &t->v[i];
		int leader = -1;

		b->tid = tids[i];
		if (tids[i] <= 0)
			continue;
		for (size_t k = 0; k < NR_TP; k++) {
			struct perf_event_attr a;
			int fd;

			if (!t->tp[k].ev)
				continue;
			memset(&a, 0, sizeof(a));
			a.size = sizeof(a);
			a.type = PERF_TYPE_TRACEPOINT;
			a.config = (u64)t->tp[k].ev->id;
			a.sample_period = 1;
			a.sample_type = PERF_SAMPLE_TIME | PERF_SAMPLE_RAW;
			a.disabled = 1;
			a.watermark = 1;
			a.wakeup_watermark = (u32)(t->data_len / 4);
			a.use_clockid = 1;
			a.clockid = CLOCK_MONOTONIC;	/* the clock of now_ns() and BPF */
			fd = perf_open(&a, tids[i]);
			if (fd < 0) {
				e = errno;
				if (e == EACCES || e == EPERM)
					set_err(err, errlen, "no privilege to trace kvm tracepoints (needs CAP_PERFMON, or perf_event_paranoid -1)");
				else if (e == ESRCH)
					set_err(err, errlen, "vCPU thread %d is gone", (int)tids[i]);
				else
					set_err(err, errlen, "perf_event_open(%s:%s): %s", t->tp[k].sys,
						t->tp[k].name, strerror(e));
				goto fail;
			}
			b->fds[k] = fd;
			/* Only the loads: KVM_RUN entered (the unloads are its returns). */
			if (t->tp[k].type == SEV_RUN && ioctl(fd, PERF_EVENT_IOC_SET_FILTER, "load == 1"))
				pr_debug("trace: cannot filter kvm_fpu: %s", strerror(errno));
			if (leader < 0) {
				b->map_len = t->page + t->data_len;
				b->map = mmap(NULL, b->map_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
				if (b->map == MAP_FAILED) {
					e = errno;
					b->map = NULL;
					set_err(err, errlen, "cannot map a %zu KiB perf buffer: %s (try fewer pages)",
						t->data_len / 1024, strerror(e));
					goto fail;
				}
				leader = fd;
			} else if (ioctl(fd, PERF_EVENT_IOC_SET_OUTPUT, leader)) {
				e = errno;
				set_err(err, errlen, "PERF_EVENT_IOC_SET_OUTPUT: %s", strerror(e));
				goto fail;
			}
		}
	}
	for (size_t k = 0; k < NR_TP; k++) {
		if (!t->tp[k].ev)
			continue;
		snprintf(t->events + strlen(t->events), sizeof(t->events) - strlen(t->events),
			 "%s%s", t->events[0] ? " " : "", t->tp[k].name);
	}
	for (int i = 0; i < n; i++)
		for (size_t k = 0; k < NR_TP; k++)
			if (t->v[i].fds[k] >= 0)
				ioctl(t->v[i].fds[k], PERF_EVENT_IOC_ENABLE, 0);
	return t;
fail:
	stat_trace_close(t);
	errno = e ? e : EIO;
	return NULL;
}

void stat_trace_wait(struct stat_trace *t, int timeout_ms)
{
	struct pollfd *p = xzalloc((t->nr_vcpus ? t->nr_vcpus : 1) * sizeof(*p));
	int n = 0;

	for (int i = 0; i < t->nr_vcpus; i++) {
		for (size_t k = 0; k < NR_TP; k++) {
			if (t->v[i].fds[k] >= 0) {
				p[n].fd = t->v[i].fds[k];
				p[n++].events = POLLIN;
				break;
			}
		}
	}
	if (n && poll(p, (nfds_t)n, timeout_ms) > 0) {
		bool data = false;

		for (int i = 0; i < n; i++)
			data |= (p[i].revents & POLLIN) != 0;
		if (data) {
			free(p);
			return;
		}
		/* Only hang-ups: the threads are gone; do not spin on them. */
	} else if (n) {
		free(p);
		return;		/* timed out (or a signal) */
	}
	nanosleep(&(struct timespec){ .tv_sec = timeout_ms / 1000,
				      .tv_nsec = (timeout_ms % 1000) * 1000000L }, NULL);
	free(p);
}

static u64 field(const struct tp *p, int k, const void *data)
{
	unsigned long long v = 0;

	if (!p->f[k] || tep_read_number_field(p->f[k], data, &v))
		return 0;
	return v;
}

/* Decode one raw tracepoint record of vCPU @vcpu. Returns false to drop it. */
static bool decode(const struct stat_trace *t, u32 vcpu, u64 ts, const u8 *raw, u32 len,
		   struct stat_event *ev)
{
	const struct tp *p = NULL;
	u16 id;

	if (len < 8)
		return false;
	id = get_le16(raw);		/* common_type, at offset 0 of every record */
	for (size_t k = 0; k < NR_TP; k++)
		if (t->tp[k].ev && t->tp[k].ev->id == id) {
			p = &t->tp[k];
			break;
		}
	if (!p)
		return false;
	for (int k = 0; k < MAX_FIELDS; k++)
		if (p->f[k] && (u32)(p->f[k]->offset + p->f[k]->size) > len)
			return false;
	memset(ev, 0, sizeof(*ev));
	ev->ts = ts;
	ev->vcpu = vcpu;
	ev->type = (u16)p->type;
	switch (p->type) {
	case SEV_EXIT:
		ev->code = (u32)field(p, 0, raw);
		ev->addr = field(p, 1, raw);
		ev->size = p->f[2] ? (u32)field(p, 2, raw) : 1;
		ev->data = field(p, 3, raw);
		break;
	case SEV_ENTRY:
		ev->addr = field(p, 0, raw);
		break;
	case SEV_USER_EXIT:
		ev->code = (u32)field(p, 0, raw);
		ev->data = (u64)(s64)(s32)field(p, 1, raw);
		break;
	case SEV_PIO:
		ev->flags = field(p, 0, raw) ? SEV_F_WRITE : 0;
		ev->code = (u32)field(p, 1, raw);
		ev->size = (u32)field(p, 2, raw);
		ev->addr = field(p, 3, raw);
		ev->data = field(p, 4, raw);
		break;
	case SEV_MMIO:
		ev->code = (u32)field(p, 0, raw);
		ev->size = (u32)field(p, 1, raw);
		ev->addr = field(p, 2, raw);
		ev->data = field(p, 3, raw);
		if (ev->code == SEV_MMIO_WRITE)
			ev->flags = SEV_F_WRITE;
		break;
	case SEV_MSR:
		ev->flags = (field(p, 0, raw) ? SEV_F_WRITE : 0) | (field(p, 3, raw) ? SEV_F_FAULT : 0);
		ev->code = (u32)field(p, 1, raw);
		ev->data = field(p, 2, raw);
		break;
	case SEV_CPUID:
		ev->code = (u32)field(p, 0, raw);
		ev->size = (u32)field(p, 1, raw);
		break;
	case SEV_EMULATE:
		ev->addr = field(p, 0, raw);
		ev->size = (u32)field(p, 1, raw);
		ev->flags = field(p, 2, raw) ? SEV_F_FAULT : 0;
		break;
	case SEV_RUN:
		if (field(p, 0, raw) != 1)	/* kvm_fpu load: KVM_RUN entered */
			return false;
		break;
	}
	return true;
}

/* Drain one vCPU's ring (perf_event_open(2), "MMAP layout"). */
static u64 drain_one(struct stat_trace *t, u32 vcpu, stat_trace_fn fn, void *opaque)
{
	struct vbuf *b = &t->v[vcpu];
	struct perf_event_mmap_page *pg = b->map;
	u8 *data;
	u64 head, tail, n = 0;

	if (!pg)
		return 0;
	data = (u8 *)pg + t->page;
	head = __atomic_load_n(&pg->data_head, __ATOMIC_ACQUIRE);
	tail = pg->data_tail;
	while (tail < head) {
		struct perf_event_header h;
		size_t off = tail % t->data_len;
		const u8 *rec;

		if (head - tail < sizeof(h))
			break;
		if (off + sizeof(h) <= t->data_len) {
			memcpy(&h, data + off, sizeof(h));
		} else {
			size_t first = t->data_len - off;

			memcpy(&h, data + off, first);
			memcpy((u8 *)&h + first, data, sizeof(h) - first);
		}
		if (h.size < sizeof(h) || h.size > head - tail)
			break;		/* cannot happen with a sane kernel; stop */
		if (off + h.size <= t->data_len) {
			rec = data + off;
		} else {
			size_t first = t->data_len - off;

			memcpy(t->scratch, data + off, first);
			memcpy(t->scratch + first, data, h.size - first);
			rec = t->scratch;
		}
		if (h.type == PERF_RECORD_SAMPLE && h.size >= sizeof(h) + 12) {
			u64 ts = get_le64(rec + sizeof(h));
			u32 raw_len = get_le32(rec + sizeof(h) + 8);
			struct stat_event ev;

			if (raw_len <= h.size - sizeof(h) - 12 &&
			    decode(t, vcpu, ts, rec + sizeof(h) + 12, raw_len, &ev)) {
				fn(opaque, &ev);
				n++;
			}
		} else if (h.type == PERF_RECORD_LOST && h.size >= sizeof(h) + 16) {
			b->lost += get_le64(rec + sizeof(h) + 8);
		}
		tail += h.size;
	}
	__atomic_store_n(&pg->data_tail, tail, __ATOMIC_RELEASE);
	return n;
}

u64 stat_trace_drain(struct stat_trace *t, stat_trace_fn fn, void *opaque)
{
	u64 n = 0;

	for (int i = 0; i < t->nr_vcpus; i++)
		n += drain_one(t, (u32)i, fn, opaque);
	return n;
}

u64 stat_trace_lost(const struct stat_trace *t, int vcpu)
{
	return vcpu >= 0 && vcpu < t->nr_vcpus ? t->v[vcpu].lost : 0;
}

int stat_trace_nr_vcpus(const struct stat_trace *t)
{
	return t->nr_vcpus;
}

const char *stat_trace_events(const struct stat_trace *t)
{
	return t->events;
}

void stat_trace_close(struct stat_trace *t)
{
	if (!t)
		return;
	for (int i = 0; i < t->nr_vcpus; i++)
		vbuf_close(&t->v[i]);
	free(t->v);
	free(t->scratch);
	if (t->tep)
		tep_free(t->tep);
	free(t);
}
