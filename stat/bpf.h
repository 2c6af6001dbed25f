/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lkvm stat source 1: the BPF program of stat/stat.bpf.c, loaded from the
 * skeleton `bpftool gen skeleton` made at build time, attached to the kvm
 * tracepoints (as BTF-typed raw tracepoints when the kernel takes them,
 * else as classic ones) and filtered in the kernel to one guest's vCPU
 * threads.
 * Needs CAP_BPF and CAP_PERFMON (or root). Source: libbpf's API
 * (bpf_object skeletons, bpf_map_get_next_key, bpf_map_lookup_elem).
 */
#ifndef LKVM_STAT_BPF_H
#define LKVM_STAT_BPF_H

#include <sys/types.h>

#include "stat/agg.h"

struct stat_bpf;

/*
 * stat_bpf_open - load the program for the lkvm process @tgid whose vCPU
 * threads are @tids (tids[i] runs vCPU i; 0 for none; @n entries), and
 * attach it to every kvm tracepoint this kernel has. Returns the handle,
 * or NULL with errno set and a one-line reason in @err: EPERM or EACCES
 * without the privilege, ENOSYS in a build without BPF, ENOENT when no
 * kvm tracepoint could be attached.
 */
struct stat_bpf *stat_bpf_open(pid_t tgid, const pid_t *tids, int n, char *err, size_t errlen);

/*
 * stat_bpf_snapshot - the counts and histograms so far (cumulative since
 * stat_bpf_open) into @out (stat_agg_free it). Returns 0, or -1 with errno.
 */
int stat_bpf_snapshot(struct stat_bpf *b, struct stat_agg *out);

/* stat_bpf_attached - the tracepoints attached, as "kvm_pio kvm_mmio ...". */
const char *stat_bpf_attached(const struct stat_bpf *b);

/*
 * stat_bpf_set_sample - time one exit in @every (a power of two, 1 to
 * 65536; 0 for the default SB_DEF_SAMPLE) per vCPU, and take that exit's
 * guest RIP for the function table, weighted by @every; exit counts stay
 * exact. For the next stat_bpf_open. Returns 0, or -1 with EINVAL.
 */
int stat_bpf_set_sample(unsigned int every);

/* stat_bpf_sample - the 1-in-N of @b's latencies and RIPs (1: every exit). */
unsigned int stat_bpf_sample(const struct stat_bpf *b);

/* stat_bpf_close - detach and unload; NULL is allowed. */
void stat_bpf_close(struct stat_bpf *b);

#endif
