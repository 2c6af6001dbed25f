// SPDX-License-Identifier: GPL-2.0
/*
 * The ioctl trace of `lkvm run --trace-ioctls[=FILE]` (hv/kvm-ioctl.h).
 * Structures are decoded as Documentation/virt/kvm/api.rst describes them
 * (4.35 KVM_SET_USER_MEMORY_REGION, 4.46 KVM_SET_CPUID2, 4.52
 * KVM_SET_GSI_ROUTING, 4.59 KVM_IOEVENTFD, 4.75 KVM_IRQFD, 4.11/4.12
 * KVM_GET/SET_REGS, 4.13/4.14 KVM_GET/SET_SREGS, 5 the kvm_run structure).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hv/kvm-ioctl.h"
#include "hv/kvm-names.h"
#include "util/log.h"

struct kvm_ioctl_trace {
	int fd;			/* where lines go: 2 or the file */
	bool regs;		/* decode kvm_regs / kvm_sregs */
	bool run;		/* trace KVM_RUN too */
	struct timespec start;	/* lines carry seconds since the trace began */
};

struct kvm_ioctl_trace *kvm_ioctl_trace;
static struct kvm_ioctl_trace trace_state;

/* Longest trace line; a routing table's entries are cut to fit. */
#define TRACE_LINE_MAX 2048

/* Appends to a fixed buffer; never overflows, always NUL-terminated. */
struct line {
	char *buf;
	size_t size, len;
};

static void __printf(2, 3) put(struct line *l, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (l->len + 1 >= l->size)
		return;
	va_start(ap, fmt);
	n = vsnprintf(l->buf + l->len, l->size - l->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	l->len += (size_t)n;
	if (l->len >= l->size)
		l->len = l->size - 1;
}

static const char *cap_name(unsigned long cap)
{
	const char *n = kvm_name_of(&kvm_caps, cap);

	return n ? n : "?";
}

static void put_exit(struct line *l, const struct kvm_run *run)
{
	const char *n = kvm_name_of(&kvm_exits, run->exit_reason);

	if (n)
		put(l, " exit=%s", n);
	else
		put(l, " exit=%u", run->exit_reason);
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		put(l, " {port=%#x %s size=%u count=%u}", run->io.port,
		    run->io.direction == KVM_EXIT_IO_OUT ? "out" : "in",
		    run->io.size, run->io.count);
		break;
	case KVM_EXIT_MMIO:
		put(l, " {addr=%#llx %s len=%u}", (unsigned long long)run->mmio.phys_addr,
		    run->mmio.is_write ? "write" : "read", run->mmio.len);
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		put(l, " {suberror=%u ndata=%u}", run->internal.suberror, run->internal.ndata);
		break;
	case KVM_EXIT_SYSTEM_EVENT:
		put(l, " {type=%u}", run->system_event.type);
		break;
	case KVM_EXIT_FAIL_ENTRY:
		put(l, " {reason=%#llx}",
		    (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		break;
	default:
		break;
	}
}

static void put_regs(struct line *l, const struct kvm_regs *r)
{
	put(l, "{rax=%#llx rbx=%#llx rcx=%#llx rdx=%#llx rsi=%#llx rdi=%#llx rsp=%#llx"
	    " rbp=%#llx r8=%#llx r9=%#llx r10=%#llx r11=%#llx r12=%#llx r13=%#llx"
	    " r14=%#llx r15=%#llx rip=%#llx rflags=%#llx}",
	    (unsigned long long)r->rax, (unsigned long long)r->rbx,
	    (unsigned long long)r->rcx, (unsigned long long)r->rdx,
	    (unsigned long long)r->rsi, (unsigned long long)r->rdi,
	    (unsigned long long)r->rsp, (unsigned long long)r->rbp,
	    (unsigned long long)r->r8, (unsigned long long)r->r9,
	    (unsigned long long)r->r10, (unsigned long long)r->r11,
	    (unsigned long long)r->r12, (unsigned long long)r->r13,
	    (unsigned long long)r->r14, (unsigned long long)r->r15,
	    (unsigned long long)r->rip, (unsigned long long)r->rflags);
}

static void put_seg(struct line *l, const char *name, const struct kvm_segment *s)
{
	put(l, " %s={sel=%#x base=%#llx limit=%#x type=%u dpl=%u l=%u db=%u p=%u}", name,
	    s->selector, (unsigned long long)s->base, s->limit, s->type, s->dpl, s->l,
	    s->db, s->present);
}

static void put_sregs(struct line *l, const struct kvm_sregs *s)
{
	put(l, "{cr0=%#llx cr2=%#llx cr3=%#llx cr4=%#llx cr8=%#llx efer=%#llx apic_base=%#llx",
	    (unsigned long long)s->cr0, (unsigned long long)s->cr2,
	    (unsigned long long)s->cr3, (unsigned long long)s->cr4,
	    (unsigned long long)s->cr8, (unsigned long long)s->efer,
	    (unsigned long long)s->apic_base);
	put_seg(l, "cs", &s->cs);
	put_seg(l, "ds", &s->ds);
	put_seg(l, "ss", &s->ss);
	put(l, " gdt={base=%#llx limit=%#x} idt={base=%#llx limit=%#x}}",
	    (unsigned long long)s->gdt.base, s->gdt.limit,
	    (unsigned long long)s->idt.base, s->idt.limit);
}

static void put_routing(struct line *l, const struct kvm_irq_routing *t)
{
	put(l, "{nr=%u", t->nr);
	for (__u32 i = 0; i < t->nr; i++) {
		const struct kvm_irq_routing_entry *e = &t->entries[i];

		if (l->len + 64 >= l->size) {
			put(l, " ...");
			break;
		}
		switch (e->type) {
		case KVM_IRQ_ROUTING_IRQCHIP:
			put(l, " gsi%u=irqchip%u:%u", e->gsi, e->u.irqchip.irqchip,
			    e->u.irqchip.pin);
			break;
		case KVM_IRQ_ROUTING_MSI:
			put(l, " gsi%u=msi:%#llx/%#x", e->gsi,
			    ((unsigned long long)e->u.msi.address_hi << 32) | e->u.msi.address_lo,
			    e->u.msi.data);
			break;
		default:
			put(l, " gsi%u=type%u", e->gsi, e->type);
			break;
		}
	}
	put(l, "}");
}

/* The argument: decoded for the common structures, else its raw value. */
static void put_arg(struct line *l, const struct kvm_run *run, unsigned long req,
		    unsigned long arg, int ret, bool regs)
{
	const void *p = (const void *)arg;

	switch (req) {
	case KVM_CHECK_EXTENSION:
		put(l, "(%s)", cap_name(arg));
		return;
	case KVM_CREATE_VM:
		put(l, "(type=%lu)", arg);
		return;
	case KVM_CREATE_VCPU:
		put(l, "(id=%lu)", arg);
		return;
	case KVM_GET_API_VERSION:
	case KVM_GET_VCPU_MMAP_SIZE:
	case KVM_CREATE_IRQCHIP:
	case KVM_NMI:
		put(l, "()");
		return;
	case KVM_SET_TSS_ADDR:
		put(l, "(%#lx)", arg);
		return;
	case KVM_RUN:
		put(l, "()");
		return;
	}
	if (!p) {
		put(l, "(%#lx)", arg);
		return;
	}
	switch (req) {
	case KVM_SET_USER_MEMORY_REGION: {
		const struct kvm_userspace_memory_region *r = p;

		put(l, "({slot=%u flags=%#x gpa=%#llx size=%#llx uaddr=%#llx})", r->slot,
		    r->flags, (unsigned long long)r->guest_phys_addr,
		    (unsigned long long)r->memory_size, (unsigned long long)r->userspace_addr);
		return;
	}
#ifdef KVM_SET_USER_MEMORY_REGION2
	case KVM_SET_USER_MEMORY_REGION2: {
		const struct kvm_userspace_memory_region2 *r = p;

		put(l, "({slot=%u flags=%#x gpa=%#llx size=%#llx uaddr=%#llx guest_memfd=%u})",
		    r->slot, r->flags, (unsigned long long)r->guest_phys_addr,
		    (unsigned long long)r->memory_size, (unsigned long long)r->userspace_addr,
		    r->guest_memfd);
		return;
	}
#endif
	case KVM_SET_CPUID2:
	case KVM_GET_SUPPORTED_CPUID:
#ifdef KVM_GET_EMULATED_CPUID
	case KVM_GET_EMULATED_CPUID:
#endif
		put(l, "({nent=%u})", ((const struct kvm_cpuid2 *)p)->nent);
		return;
	case KVM_SET_GSI_ROUTING:
		put(l, "(");
		put_routing(l, p);
		put(l, ")");
		return;
	case KVM_IOEVENTFD: {
		const struct kvm_ioeventfd *e = p;

		put(l, "({addr=%#llx len=%u fd=%d flags=%#x datamatch=%#llx})",
		    (unsigned long long)e->addr, e->len, e->fd, e->flags,
		    (unsigned long long)e->datamatch);
		return;
	}
	case KVM_IRQFD: {
		const struct kvm_irqfd *f = p;

		put(l, "({fd=%u gsi=%u flags=%#x resamplefd=%u})", f->fd, f->gsi, f->flags,
		    f->resamplefd);
		return;
	}
	case KVM_IRQ_LINE: {
		const struct kvm_irq_level *i = p;

		put(l, "({irq=%u level=%u})", i->irq, i->level);
		return;
	}
	case KVM_SIGNAL_MSI: {
		const struct kvm_msi *m = p;

		put(l, "({addr=%#llx data=%#x})",
		    ((unsigned long long)m->address_hi << 32) | m->address_lo, m->data);
		return;
	}
	case KVM_CREATE_PIT2:
		put(l, "({flags=%#x})", ((const struct kvm_pit_config *)p)->flags);
		return;
	case KVM_SET_IDENTITY_MAP_ADDR:
		put(l, "(%#llx)", (unsigned long long)*(const __u64 *)p);
		return;
	case KVM_GET_REGS:
	case KVM_SET_REGS:
		put(l, "(");
		if (regs && (ret >= 0 || req == KVM_SET_REGS))
			put_regs(l, p);
		put(l, ")");
		return;
	case KVM_GET_SREGS:
	case KVM_SET_SREGS:
		put(l, "(");
		if (regs && (ret >= 0 || req == KVM_SET_SREGS))
			put_sregs(l, p);
		put(l, ")");
		return;
	case KVM_GET_MSR_INDEX_LIST:
		put(l, "({nmsrs=%u})", ((const struct kvm_msr_list *)p)->nmsrs);
		return;
	default:
		put(l, "(%#lx)", arg);
		return;
	}
	(void)run;
}

void kvm_ioctl_format(char *buf, size_t size, enum kvm_fd_kind kind, int vcpu,
		      const struct kvm_run *run, unsigned long req, unsigned long arg,
		      int ret, int err, double us, bool regs)
{
	struct line l = { buf, size, 0 };
	const char *name = kvm_name_of(&kvm_ioctls, req);

	if (!size)
		return;
	buf[0] = '\0';
	if (kind == KVM_FD_VCPU)
		put(&l, "vcpu%d ", vcpu);
	else
		put(&l, "%s ", kind == KVM_FD_SYS ? "sys" : "vm");
	if (name)
		put(&l, "%s", name);
	else
		put(&l, "ioctl_%#lx", req);
	put_arg(&l, run, req, arg, ret, regs);
	if (ret < 0) {
		const char *en = strerrorname_np(err);

		put(&l, " = -1 %s (%s)", en ? en : "?", strerror(err));
	} else {
		put(&l, " = %d", ret);
	}
	if (req == KVM_RUN && ret >= 0 && run)
		put_exit(&l, run);
	put(&l, " <%.1f us>\n", us);
	if (l.len + 1 >= l.size && size >= 2) {
		buf[size - 2] = '\n';	/* truncated: still one line */
		buf[size - 1] = '\0';
	}
}

static double ts_us(const struct timespec *a, const struct timespec *b)
{
	return (b->tv_sec - a->tv_sec) * 1e6 + (b->tv_nsec - a->tv_nsec) / 1e3;
}

int kvm_ioctl_traced(int fd, enum kvm_fd_kind kind, int vcpu, const struct kvm_run *run,
		     unsigned long req, unsigned long arg)
{
	struct kvm_ioctl_trace *t = kvm_ioctl_trace;
	char buf[TRACE_LINE_MAX];
	struct timespec t0, t1;
	int ret, err, n;

	if (req == KVM_RUN && !t->run)
		return ioctl(fd, req, arg);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ret = ioctl(fd, req, arg);
	err = errno;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	n = snprintf(buf, sizeof(buf), "%.6f ", ts_us(&t->start, &t0) / 1e6);
	kvm_ioctl_format(buf + n, sizeof(buf) - n, kind, vcpu, run, req, arg, ret, err,
			 ts_us(&t0, &t1), t->regs);
	/* One write(2) per line: lines of several vCPU threads do not mix. */
	if (write(t->fd, buf, strlen(buf)) < 0)
		(void)0;
	errno = err;
	return ret;
}

int kvm_ioctl_trace_start(const char *path, bool regs, bool run)
{
	struct kvm_ioctl_trace *t = &trace_state;

	t->fd = 2;
	if (path && *path) {
		t->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_APPEND, 0644);
		if (t->fd < 0) {
			pr_err("--trace-ioctls=%s: cannot open: %s (give a writable file)", path,
			       strerror(errno));
			return -1;
		}
	}
	t->regs = regs;
	t->run = run;
	clock_gettime(CLOCK_MONOTONIC, &t->start);
	kvm_ioctl_trace = t;
	return 0;
}

void kvm_ioctl_trace_stop(void)
{
	struct kvm_ioctl_trace *t = kvm_ioctl_trace;

	if (!t)
		return;
	kvm_ioctl_trace = NULL;
	if (t->fd > 2)
		close(t->fd);
}
