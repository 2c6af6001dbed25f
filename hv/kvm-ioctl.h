/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every KVM ioctl lkvm run makes goes through kvm_ioctl(): with tracing off
 * (the default) it is one pointer test and ioctl(2); with `lkvm run
 * --trace-ioctls[=FILE]` each call is written as one line: the fd's kind
 * and vCPU, the ioctl's name (hv/kvm-names.h), its decoded argument, the
 * result or errno and the time it took in microseconds.
 * Source: Documentation/virt/kvm/api.rst (section 4, the ioctls).
 */
#ifndef LKVM_KVM_IOCTL_H
#define LKVM_KVM_IOCTL_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/ioctl.h>

struct kvm_run;

/* Which fd an ioctl is made on (api.rst: system, VM and vCPU ioctls). */
enum kvm_fd_kind { KVM_FD_SYS, KVM_FD_VM, KVM_FD_VCPU };

/* The trace's state; NULL while tracing is off. */
struct kvm_ioctl_trace;
extern struct kvm_ioctl_trace *kvm_ioctl_trace;

/*
 * kvm_ioctl_traced - make the ioctl (@fd, @req, @arg) and write its trace
 * line. @vcpu is the vCPU index (-1 for system and VM fds) and @run its
 * kvm_run mapping (NULL if none; KVM_RUN lines show the exit from it).
 * Returns what ioctl(2) returned, with errno preserved.
 */
int kvm_ioctl_traced(int fd, enum kvm_fd_kind kind, int vcpu, const struct kvm_run *run,
		     unsigned long req, unsigned long arg);

/* kvm_ioctl - ioctl(2) on a KVM fd; traced only when the trace is on. */
static inline int kvm_ioctl(int fd, enum kvm_fd_kind kind, int vcpu, const struct kvm_run *run,
			    unsigned long req, unsigned long arg)
{
	if (__builtin_expect(kvm_ioctl_trace != NULL, 0))
		return kvm_ioctl_traced(fd, kind, vcpu, run, req, arg);
	return ioctl(fd, req, arg);
}

/* The call sites' spellings: a system ioctl on struct kvm's /dev/kvm fd, a
 * VM ioctl on its VM fd, a vCPU ioctl on struct vcpu's fd. @arg is an int,
 * an unsigned long or a pointer, as api.rst gives for @req. */
#define sys_ioctl(kvm, req, arg) \
	kvm_ioctl((kvm)->sys_fd, KVM_FD_SYS, -1, NULL, (req), (unsigned long)(arg))
#define vm_ioctl(kvm, req, arg) \
	kvm_ioctl((kvm)->vm_fd, KVM_FD_VM, -1, NULL, (req), (unsigned long)(arg))
#define vcpu_ioctl(v, req, arg) \
	kvm_ioctl((v)->fd, KVM_FD_VCPU, (v)->id, (v)->run, (req), (unsigned long)(arg))

/*
 * kvm_ioctl_trace_start - turn tracing on, writing to @path (created or
 * truncated; NULL or "" for stderr). @regs: also decode kvm_regs/kvm_sregs
 * of KVM_GET/SET_REGS and _SREGS. @run: also trace KVM_RUN (one line per
 * exit). Returns 0, or -1 with an error printed (the file cannot be opened).
 */
int kvm_ioctl_trace_start(const char *path, bool regs, bool run);

/* kvm_ioctl_trace_stop - turn tracing off and close the file. */
void kvm_ioctl_trace_stop(void);

/*
 * kvm_ioctl_format - write the trace line's body for (@kind, @vcpu, @req,
 * @arg) with result @ret, @err (errno when @ret < 0) and @us into @buf of
 * @size bytes (always NUL-terminated, truncated if need be; ends with a
 * newline). @arg is read as api.rst's structure for @req. For unit tests.
 */
void kvm_ioctl_format(char *buf, size_t size, enum kvm_fd_kind kind, int vcpu,
		      const struct kvm_run *run, unsigned long req, unsigned long arg,
		      int ret, int err, double us, bool regs);

#endif
