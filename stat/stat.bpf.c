// SPDX-License-Identifier: GPL-2.0
/*
 * lkvm stat, source 1: count a guest's exits in the kernel, per vCPU and
 * per reason, with log2 latency histograms, from the kvm tracepoints that
 * fire on its vCPU threads. CO-RE: the tracepoint records are read through
 * local definitions with preserve_access_index, relocated by libbpf
 * against the running kernel's BTF (vmlinux or the kvm module), so the
 * object built here runs on other kernels; they are plain loads from the
 * record, not bpf_probe_read calls, to keep each hit cheap. The pairing
 * rules are those of
 * stat/agg.h, and the keys and histogram layout those of stat/event.h and
 * stat/hist.h, so user space reads the maps straight into its tables.
 * Sources: the kvm tracepoints' format files, Documentation/bpf/
 * (libbpf CO-RE, map types). kvm_fpu with load=1 marks the vCPU thread's
 * entry into KVM_RUN (kvm_arch_vcpu_ioctl_run loads the guest FPU state
 * first), so no system-call tracepoint is needed.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

#include "stat/bpf-maps.h"

char LICENSE[] SEC("license") = "GPL";

#define KVM_EXIT_IO_	2
#define KVM_EXIT_MMIO_	6
#define KVM_EXIT_RDMSR_	29
#define KVM_EXIT_WRMSR_	30

/* The tracepoint records, as far as lkvm stat reads them. */
struct trace_event_raw_kvm_exit___lkvm {
	unsigned int exit_reason;
	unsigned long guest_rip;
	__u32 isa;
} __attribute__((preserve_access_index));

struct trace_event_raw_kvm_userspace_exit___lkvm {
	__u32 reason;
	int errno;
} __attribute__((preserve_access_index));

struct trace_event_raw_kvm_pio___lkvm {
	unsigned int rw;
	unsigned int port;
} __attribute__((preserve_access_index));

struct trace_event_raw_kvm_mmio___lkvm {
	__u32 type;
	__u64 gpa;
} __attribute__((preserve_access_index));

struct trace_event_raw_kvm_msr___lkvm {
	unsigned int write;
	__u32 ecx;
} __attribute__((preserve_access_index));

struct trace_event_raw_kvm_cpuid___lkvm {
	unsigned int function;
} __attribute__((preserve_access_index));

struct trace_event_raw_kvm_emulate_insn___lkvm {
	__u64 rip;
} __attribute__((preserve_access_index));

struct trace_event_raw_kvm_fpu___lkvm {
	__u32 load;
} __attribute__((preserve_access_index));

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SB_MAX_THREADS);
	__type(key, __u32);		/* thread id */
	__type(value, struct sb_tstate);
} threads SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SB_MAX_COUNTS);
	__type(key, struct sb_ckey);
	__type(value, struct sb_cval);
} counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SB_MAX_HISTS);
	__type(key, struct sb_hkey);
	__type(value, struct sb_hval);
} hists SEC(".maps");

const volatile __u32 targ_tgid = 0;	/* the guest's lkvm run */
const volatile __u32 sample_mask = 0;	/* time 1 exit in sample_mask + 1 */
__u64 dropped = 0;			/* counts lost to a full map */
__u32 seen_hw_exit = 0;			/* kvm_exit fired: RIPs come from it */
struct sb_hval zero_hval = {};		/* template for new histograms */

static __always_inline struct sb_tstate *me(void)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;

	if ((__u32)(id >> 32) != targ_tgid)
		return 0;
	return bpf_map_lookup_elem(&threads, &tid);
}

/* Only the vCPU's own thread updates its keys, so plain adds are safe.
 * Adds @n to the count of (@vcpu, @tab, @key) and to its reads or writes
 * (@dir 0 or 1; -1 for neither). */
static __always_inline void count_n(__u32 vcpu, __u32 tab, __u64 key, int dir, __u64 n)
{
	struct sb_ckey k = { .vcpu = vcpu, .tab = tab, .key = key };
	struct sb_cval *v = bpf_map_lookup_elem(&counts, &k);

	if (!v) {
		struct sb_cval zero = {};

		bpf_map_update_elem(&counts, &k, &zero, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&counts, &k);
		if (!v) {
			__sync_fetch_and_add(&dropped, 1);
			return;
		}
	}
	v->count += n;
	if (dir > 0)
		v->writes += n;
	else if (dir == 0)
		v->reads += n;
}

static __always_inline void count(__u32 vcpu, __u32 tab, __u64 key, int dir)
{
	count_n(vcpu, tab, key, dir, 1);
}

/* Count through the thread's pending key: the same key as the last exit
 * (one port in a loop) is a plain add; another key first moves the pending
 * counts into the map. */
static __always_inline void count_pend(struct sb_tstate *s, __u32 tab, __u64 key, int dir)
{
	if (!s->pc_count || s->pc_tab != tab || s->pc_key != key) {
		if (s->pc_count) {
			struct sb_ckey k = { .vcpu = s->vcpu, .tab = s->pc_tab, .key = s->pc_key };
			struct sb_cval *v = bpf_map_lookup_elem(&counts, &k);

			if (!v) {
				struct sb_cval zero = {};

				bpf_map_update_elem(&counts, &k, &zero, BPF_NOEXIST);
				v = bpf_map_lookup_elem(&counts, &k);
			}
			if (v) {
				v->count += s->pc_count;
				v->reads += s->pc_reads;
				v->writes += s->pc_writes;
			} else {
				__sync_fetch_and_add(&dropped, s->pc_count);
			}
		}
		s->pc_count = 0;
		s->pc_reads = 0;
		s->pc_writes = 0;
		s->pc_tab = tab;
		s->pc_key = key;
	}
	s->pc_count++;
	if (dir > 0)
		s->pc_writes++;
	else if (dir == 0)
		s->pc_reads++;
}

/* Is this exit one of the 1 in sample_mask + 1 timed on its thread? */
static __always_inline int sampled(__u32 *n)
{
	return ((*n)++ & sample_mask) == 0;
}

static __always_inline __u32 bucket_of(__u64 v)
{
	__u32 r = 0;

	if (!v)
		return 0;
	r = 1;
	if (v >> 32) { v >>= 32; r += 32; }
	if (v >> 16) { v >>= 16; r += 16; }
	if (v >> 8) { v >>= 8; r += 8; }
	if (v >> 4) { v >>= 4; r += 4; }
	if (v >> 2) { v >>= 2; r += 2; }
	if (v >> 1) { r += 1; }
	return r < SB_BUCKETS ? r : SB_BUCKETS - 1;
}

static __always_inline void add_lat(__u32 vcpu, __u64 key, __u64 ns)
{
	struct sb_hkey k = { .vcpu = vcpu, .key = key };
	struct sb_hval *h = bpf_map_lookup_elem(&hists, &k);
	__u32 b;

	if (!h) {
		/* 1056 bytes: too big for the 512-byte stack, so from .bss. */
		bpf_map_update_elem(&hists, &k, &zero_hval, BPF_NOEXIST);
		h = bpf_map_lookup_elem(&hists, &k);
		if (!h) {
			__sync_fetch_and_add(&dropped, 1);
			return;
		}
	}
	if (!h->count || ns < h->min)
		h->min = ns;
	if (ns > h->max)
		h->max = ns;
	h->count++;
	h->sum += ns;
	b = bucket_of(ns) & (SB_BUCKETS - 1);
	h->bucket[b]++;
	h->bucket_sum[b] += ns;
}

/* A reason of the event class, counted in the thread's own array. */
static __always_inline void count_ev(struct sb_tstate *s, __u32 reason)
{
	s->ev_count[reason & (SB_NR_EV - 1)]++;
}

static __always_inline void open_ev(struct sb_tstate *s, __u32 reason)
{
	if (!sampled(&s->n_lat)) {
		s->ev_ts = 0;
		return;
	}
	s->ev_ts = bpf_ktime_get_ns();
	s->ev_key = SB_KEY(SB_CLS_EV, reason);
	s->ev_user = 0;
}

SEC("tp/kvm/kvm_exit")
int on_exit(struct trace_event_raw_kvm_exit___lkvm *ctx)
{
	struct sb_tstate *s = me();
	__u32 isa = 1;

	if (!s)
		return 0;
	if (bpf_core_field_exists(ctx->isa))
		isa = ctx->isa;
	s->exit_key = SB_KEY(isa == 2 ? SB_CLS_SVM : SB_CLS_VMX, ctx->exit_reason);
	s->exit_ts = sampled(&s->n_lat) ? bpf_ktime_get_ns() : 0;
	seen_hw_exit = 1;
	count(s->vcpu, SB_TAB_REASON, s->exit_key, -1);
	/* An exit the guest did not cause counts as a "write" of its RIP. */
	count(s->vcpu, SB_TAB_RIP, ctx->guest_rip,
	      SB_EXIT_ASYNC(isa == 2 ? SB_CLS_SVM : SB_CLS_VMX, ctx->exit_reason) ? 1 : -1);
	return 0;
}

/* ---- handlers: the same for both kinds of program below ---------------- */

static __always_inline int h_entry(void)
{
	struct sb_tstate *s = me();
	__u64 now;

	if (!s || !s->exit_ts)
		return 0;
	now = bpf_ktime_get_ns();
	if (now >= s->exit_ts)
		add_lat(s->vcpu, s->exit_key, now - s->exit_ts);
	s->exit_ts = 0;
	return 0;
}

static __always_inline int h_pio(__u32 rw, __u32 port)
{
	struct sb_tstate *s = me();

	if (!s)
		return 0;
	count_ev(s, SB_EV_IO);
	count_pend(s, SB_TAB_PIO, port & 0xffff, rw ? 1 : 0);
	open_ev(s, SB_EV_IO);
	return 0;
}

static __always_inline int h_mmio(__u32 type, __u64 gpa)
{
	struct sb_tstate *s = me();

	if (!s)
		return 0;
	if (type == 0) {		/* unsatisfied read: counted on completion */
		open_ev(s, SB_EV_MMIO);
		return 0;
	}
	count_ev(s, SB_EV_MMIO);
	count_pend(s, SB_TAB_MMIO, gpa, type == 2 ? 1 : 0);
	if (type == 2)
		open_ev(s, SB_EV_MMIO);
	return 0;
}

static __always_inline int h_msr(__u32 write, __u32 ecx)
{
	struct sb_tstate *s = me();
	int w = write ? 1 : 0;

	if (!s)
		return 0;
	count_ev(s, w ? SB_EV_MSR_WRITE : SB_EV_MSR_READ);
	count_pend(s, SB_TAB_MSR, ecx, w);
	open_ev(s, w ? SB_EV_MSR_WRITE : SB_EV_MSR_READ);
	return 0;
}

static __always_inline int h_cpuid(__u32 function)
{
	struct sb_tstate *s = me();

	if (!s)
		return 0;
	count_ev(s, SB_EV_CPUID);
	count_pend(s, SB_TAB_CPUID, function, -1);
	s->ev_ts = 0;
	return 0;
}

/* @s is the caller's (it needed the thread before reading the RIP). */
static __always_inline int h_emulate(struct sb_tstate *s, __u64 rip)
{
	count_ev(s, SB_EV_EMULATE);
	if (!seen_hw_exit && sampled(&s->n_rip))
		count_n(s->vcpu, SB_TAB_RIP, rip, -1, (__u64)sample_mask + 1);
	return 0;
}

static __always_inline __u32 user_ev(__u32 reason)
{
	switch (reason) {
	case KVM_EXIT_IO_: return SB_EV_IO;
	case KVM_EXIT_MMIO_: return SB_EV_MMIO;
	case KVM_EXIT_RDMSR_: return SB_EV_MSR_READ;
	case KVM_EXIT_WRMSR_: return SB_EV_MSR_WRITE;
	}
	return 0;
}

static __always_inline int h_user_exit(__u32 reason, int err)
{
	struct sb_tstate *s = me();
	__u32 r, idx;

	if (!s)
		return 0;
	if (err < 0) {
		idx = err == -4 ? SB_USER_EINTR : err == -11 ? SB_USER_EAGAIN : SB_USER_EOTHER;
		r = idx == SB_USER_EOTHER ? SB_USER_ERR : SB_USER_ERR | (__u32)-err;
	} else {
		r = reason & 0xffff;
		if (s->ev_ts && user_ev(r) && SB_KEY(SB_CLS_EV, user_ev(r)) == s->ev_key)
			s->ev_user = r;
		idx = r < 64 ? r : SB_USER_EOTHER;
		if (idx == SB_USER_EOTHER)
			r = SB_USER_ERR;
	}
	s->user_key = SB_KEY(SB_CLS_USER, r);
	s->user_ts = sampled(&s->n_user) ? bpf_ktime_get_ns() : 0;
	if (idx < SB_NR_USER)
		s->user_count[idx]++;
	return 0;
}

/* kvm_fpu load=1: the thread is back in KVM_RUN. */
static __always_inline int h_fpu(int load)
{
	struct sb_tstate *s;
	__u64 now;

	if (!load)
		return 0;
	s = me();
	if (!s || !(s->user_ts | s->ev_ts))
		return 0;
	now = bpf_ktime_get_ns();
	if (s->user_ts && now >= s->user_ts)
		add_lat(s->vcpu, s->user_key, now - s->user_ts);
	if (s->ev_user && s->ev_ts && now >= s->ev_ts)
		add_lat(s->vcpu, s->ev_key, now - s->ev_ts);
	s->user_ts = 0;
	s->ev_ts = 0;
	s->ev_user = 0;
	return 0;
}

/* ---- tp_btf: the tracepoints' own arguments, no record built ------------ */

/*
 * BTF-typed raw tracepoints get the TP_PROTO arguments directly, so the
 * kernel skips building the trace record (perf_trace_*), which costs
 * more than these programs. stat/bpf.c loads these first and falls back to
 * the classic tracepoint programs below when the kernel refuses them.
 * Only kvm_exit has no such variant: its reason is not an argument.
 */
struct fetch_cache___lkvm {
	__u8 data[15];
	__u8 *ptr;
} __attribute__((preserve_access_index));

struct x86_emulate_ctxt___lkvm {
	unsigned long eip;
	struct fetch_cache___lkvm fetch;
} __attribute__((preserve_access_index));

struct x86_emulate_ctxt___old {
	unsigned long _eip;
} __attribute__((preserve_access_index));

struct kvm_vcpu_arch___lkvm {
	struct x86_emulate_ctxt___lkvm *emulate_ctxt;
} __attribute__((preserve_access_index));

struct kvm_vcpu___lkvm {
	struct kvm_vcpu_arch___lkvm arch;
} __attribute__((preserve_access_index));

SEC("tp_btf/kvm_entry")
int BPF_PROG(btf_entry)
{
	return h_entry();
}

SEC("tp_btf/kvm_pio")
int BPF_PROG(btf_pio, unsigned int rw, unsigned int port)
{
	return h_pio(rw, port);
}

SEC("tp_btf/kvm_mmio")
int BPF_PROG(btf_mmio, int type, int len, __u64 gpa)
{
	return h_mmio((__u32)type, gpa);
}

SEC("tp_btf/kvm_msr")
int BPF_PROG(btf_msr, unsigned int write, __u32 ecx)
{
	return h_msr(write, ecx);
}

SEC("tp_btf/kvm_cpuid")
int BPF_PROG(btf_cpuid, unsigned int function)
{
	return h_cpuid(function);
}

/* The record's RIP is the emulator's eip minus the bytes it fetched
 * (arch/x86/kvm/trace.h, kvm_emulate_insn). */
SEC("tp_btf/kvm_emulate_insn")
int BPF_PROG(btf_emulate, struct kvm_vcpu___lkvm *vcpu)
{
	struct sb_tstate *s = me();
	struct x86_emulate_ctxt___lkvm *c;
	__u64 eip, len;

	if (!s)
		return 0;
	c = vcpu->arch.emulate_ctxt;
	if (bpf_core_field_exists(c->eip))
		eip = c->eip;
	else
		eip = ((struct x86_emulate_ctxt___old *)c)->_eip;
	len = (__u64)c->fetch.ptr - (__u64)&c->fetch.data[0];
	return h_emulate(s, eip - (len < 16 ? len : 0));
}

SEC("tp_btf/kvm_userspace_exit")
int BPF_PROG(btf_user_exit, __u32 reason, int err)
{
	return h_user_exit(reason, err);
}

SEC("tp_btf/kvm_fpu")
int BPF_PROG(btf_fpu, int load)
{
	return h_fpu(load);
}

/* ---- classic tracepoints: the fallback, reading the records ------------- */

SEC("tp/kvm/kvm_entry")
int on_entry(void *ctx)
{
	return h_entry();
}

SEC("tp/kvm/kvm_pio")
int on_pio(struct trace_event_raw_kvm_pio___lkvm *ctx)
{
	return h_pio(ctx->rw, ctx->port);
}

SEC("tp/kvm/kvm_mmio")
int on_mmio(struct trace_event_raw_kvm_mmio___lkvm *ctx)
{
	return h_mmio(ctx->type, ctx->gpa);
}

SEC("tp/kvm/kvm_msr")
int on_msr(struct trace_event_raw_kvm_msr___lkvm *ctx)
{
	return h_msr(ctx->write, ctx->ecx);
}

SEC("tp/kvm/kvm_cpuid")
int on_cpuid(struct trace_event_raw_kvm_cpuid___lkvm *ctx)
{
	return h_cpuid(ctx->function);
}

SEC("tp/kvm/kvm_emulate_insn")
int on_emulate(struct trace_event_raw_kvm_emulate_insn___lkvm *ctx)
{
	struct sb_tstate *s = me();

	return s ? h_emulate(s, ctx->rip) : 0;
}

SEC("tp/kvm/kvm_userspace_exit")
int on_user_exit(struct trace_event_raw_kvm_userspace_exit___lkvm *ctx)
{
	return h_user_exit(ctx->reason, ctx->errno);
}

SEC("tp/kvm/kvm_fpu")
int on_fpu(struct trace_event_raw_kvm_fpu___lkvm *ctx)
{
	return h_fpu(ctx->load);
}
