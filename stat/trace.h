/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lkvm stat source 2: the kvm tracepoints (kvm_fpu with load=1 marking a
 * return into KVM_RUN) of one guest's vCPU threads, streamed through one
 * perf_event_open ring buffer per vCPU thread, their records decoded with
 * the event formats libtraceevent parses from tracefs (found, and mounted
 * when missing and allowed, by libtracefs). Feeds `lkvm stat record` and
 * the live views when BPF is not available. Needs CAP_PERFMON (or
 * perf_event_paranoid -1) and read access to tracefs.
 * Sources: perf_event_open(2) (PERF_TYPE_TRACEPOINT, PERF_SAMPLE_RAW, the
 * mmap ring buffer, PERF_RECORD_LOST, PERF_EVENT_IOC_SET_OUTPUT and
 * SET_FILTER), libtraceevent(3), libtracefs(3).
 */
#ifndef LKVM_STAT_TRACE_H
#define LKVM_STAT_TRACE_H

#include <sys/types.h>

#include "stat/event.h"

struct stat_trace;

/* Called for each decoded event, in order per vCPU. */
typedef void (*stat_trace_fn)(void *opaque, const struct stat_event *ev);

/*
 * stat_trace_open - open the tracepoints on the vCPU threads @tids
 * (tids[i] runs vCPU i, 0 none; @n entries), each vCPU with a ring buffer
 * of @buf_pages pages (a power of two; 0 for the default, 1024 pages = 4 MiB).
 * Counting starts at once. Returns NULL with errno and a one-line @err on
 * failure: EACCES/EPERM without the privilege, ENOENT when tracefs or the
 * kvm events are missing.
 */
struct stat_trace *stat_trace_open(const pid_t *tids, int n, unsigned int buf_pages,
				   char *err, size_t errlen);

/* stat_trace_wait - sleep until a buffer is a quarter full, or @timeout_ms. */
void stat_trace_wait(struct stat_trace *t, int timeout_ms);

/*
 * stat_trace_drain - decode every record in the buffers and pass each
 * event to @fn. Returns the number of events passed.
 */
u64 stat_trace_drain(struct stat_trace *t, stat_trace_fn fn, void *opaque);

/* stat_trace_lost - events the kernel dropped for vCPU @vcpu (buffer full);
 * stat_trace_nr_vcpus - the @n given to stat_trace_open. */
u64 stat_trace_lost(const struct stat_trace *t, int vcpu);
int stat_trace_nr_vcpus(const struct stat_trace *t);

/* stat_trace_events - the tracepoints opened, as "kvm_pio kvm_mmio ...". */
const char *stat_trace_events(const struct stat_trace *t);

/* stat_trace_close - stop and release everything; NULL is allowed. */
void stat_trace_close(struct stat_trace *t);

#endif
