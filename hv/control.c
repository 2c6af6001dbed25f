// SPDX-License-Identifier: GPL-2.0
/*
 * The control socket server: one thread polls the listening socket and up
 * to CONN_MAX connections, checks each peer's uid (SO_PEERCRED), reads
 * whole requests (util/ctl-proto.h), runs them and replies. A malformed
 * request gets an error reply and its connection is closed; it never
 * reaches the guest. Sources: Documentation/control-protocol.txt, unix(7),
 * Documentation/virt/kvm/api.rst (KVM_NMI, KVM_GET_STATS_FD,
 * KVM_CAP_BINARY_STATS_FD), ACPI 6.4 section 4.8.2.2.1 (power button).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hv/acct.h"
#include "hv/control.h"
#include "hv/kvm.h"
#include "hv/x86/acpi.h"
#include "hv/x86/debug.h"
#include "hv/x86/serial8250.h"
#include "util/ctl-client.h"
#include "util/ctl-proto.h"
#include "net/opts.h"
#include "util/log.h"
#include "util/symbols.h"

#define CONN_MAX	16	/* connections served at once; more are refused */
#define CONN_BUF	(CTL_HDR_SIZE + CTL_MAX_PAYLOAD)
#define SEND_TIMEOUT_S	2	/* a client that does not read is dropped */
#define DRAIN_NS	1000000000ULL	/* time a refused client has to hang up */

enum conn_state { CONN_FREE, CONN_ACTIVE, CONN_DRAINING };

/* One client: its input buffer and, once refused, when to give up on it. */
struct conn {
	enum conn_state state;
	int fd;
	pid_t pid;		/* from SO_PEERCRED, for messages */
	u8 *buf;		/* CONN_BUF bytes */
	size_t len;
	u64 drain_until;	/* ns, CONN_DRAINING */
};

static struct {
	struct kvm *kvm;
	char name[CTL_NAME_MAX + 1];
	char kernel[CTL_PATH_MAX + 1];
	struct ctl_listener l;
	pthread_t thread;
	bool running;
	int wake[2];
	u64 start_ns;
	bool user_paused;	/* a PAUSE request is in force */
	struct conn conns[CONN_MAX];
} ctl = { .l = { .fd = -1, .lock_fd = -1 }, .wake = { -1, -1 } };

/* Held console input, for control_console_*(), and the device it is for. */
static pthread_mutex_t hold_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned int held_breaks;
static term_deliver_fn console_deliver = serial8250_term_deliver;
static term_break_fn console_break = serial8250_term_break;
static void *console_opaque;	/* NULL: serial8250_console(), looked up late */

/* ---- console input while paused ---------------------------------------- */

static bool guest_paused(void)
{
	struct kvm *kvm = __atomic_load_n(&ctl.kvm, __ATOMIC_ACQUIRE);

	return kvm && __atomic_load_n(&ctl.user_paused, __ATOMIC_ACQUIRE);
}

void control_console_set(term_deliver_fn deliver, term_break_fn brk, void *opaque)
{
	pthread_mutex_lock(&hold_lock);
	console_deliver = deliver;
	console_break = brk;
	console_opaque = opaque;
	pthread_mutex_unlock(&hold_lock);
}

size_t control_console_deliver(void *opaque, const u8 *buf, size_t len)
{
	term_deliver_fn deliver;

	if (guest_paused())
		return 0;
	pthread_mutex_lock(&hold_lock);
	for (; held_breaks; held_breaks--)
		if (console_break)
			console_break(opaque);
	deliver = console_deliver;
	pthread_mutex_unlock(&hold_lock);
	return deliver(opaque, buf, len);
}

void control_console_break(void *opaque)
{
	pthread_mutex_lock(&hold_lock);
	if (guest_paused())
		held_breaks++;
	else if (console_break)
		console_break(opaque);
	pthread_mutex_unlock(&hold_lock);
}

/* ---- replies ------------------------------------------------------------ */

static void conn_close(struct conn *c)
{
	if (c->state == CONN_FREE)
		return;
	close(c->fd);
	free(c->buf);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

/* Send one message with @nfds fds attached. Returns 0, or -1 (the client
 * is gone or does not read: the caller closes the connection). */
static int send_msg(struct conn *c, const struct ctl_hdr *h, const void *payload,
		    const int *fds, int nfds)
{
	union {
		char buf[CMSG_SPACE(CTL_MAX_FDS * sizeof(int))];
		struct cmsghdr align;
	} cbuf;
	u8 hb[CTL_HDR_SIZE];
	struct iovec iov[2] = {
		{ .iov_base = hb, .iov_len = sizeof(hb) },
		{ .iov_base = (void *)payload, .iov_len = h->len },
	};
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = h->len ? 2 : 1 };
	size_t left = sizeof(hb) + h->len;

	ctl_hdr_encode(hb, h);
	if (nfds > 0) {
		struct cmsghdr *cm;

		memset(&cbuf, 0, sizeof(cbuf));
		msg.msg_control = cbuf.buf;
		msg.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(cm), fds, nfds * sizeof(int));
	}
	while (left) {
		ssize_t n = sendmsg(c->fd, &msg, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		left -= n;
		/* The fds went with the first bytes; advance past what was sent. */
		msg.msg_control = NULL;
		msg.msg_controllen = 0;
		while (n > 0 && msg.msg_iovlen) {
			size_t k = MIN((size_t)n, msg.msg_iov[0].iov_len);

			msg.msg_iov[0].iov_base = (u8 *)msg.msg_iov[0].iov_base + k;
			msg.msg_iov[0].iov_len -= k;
			n -= k;
			if (!msg.msg_iov[0].iov_len) {
				msg.msg_iov++;
				msg.msg_iovlen--;
			}
		}
	}
	return 0;
}

/* A reply of any length: CTL_MAX_PAYLOAD-sized parts, CTL_F_MORE on all
 * but the last. */
static int reply_data(struct conn *c, u16 type, u32 id, const void *data, size_t len)
{
	const u8 *p = data;

	do {
		u32 part = MIN(len, (size_t)CTL_MAX_PAYLOAD);
		struct ctl_hdr h = ctl_reply_hdr(type, id, 0, part, len > part ? CTL_F_MORE : 0);

		if (send_msg(c, &h, p, NULL, 0) < 0)
			return -1;
		p += part;
		len -= part;
	} while (len);
	return 0;
}

/* An error reply: status @err (negative errno) and a one-line message. */
static int __printf(5, 6) reply_err(struct conn *c, u16 type, u32 id, int err,
				    const char *fmt, ...)
{
	char msg[512];
	struct ctl_hdr h;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof(msg))
		n = sizeof(msg) - 1;
	h = ctl_reply_hdr(type, id, err, n, 0);
	return send_msg(c, &h, msg, NULL, 0);
}

/* After an error reply: stop writing, and give the client a moment to
 * read the reply and hang up before its connection is closed (closing with
 * unread input would make the client see a reset instead of the reply). */
static void conn_drain(struct conn *c)
{
	shutdown(c->fd, SHUT_WR);
	c->state = CONN_DRAINING;
	c->len = 0;
	c->drain_until = now_ns() + DRAIN_NS;
}

/* ---- requests ----------------------------------------------------------- */

static bool cpu_ok(struct conn *c, const struct ctl_request *rq, u32 cpu)
{
	if (cpu < (u32)ctl.kvm->nr_vcpus)
		return true;
	reply_err(c, rq->type, rq->id, -EINVAL, "no vCPU %u: the guest has %d (0 to %d)", cpu,
		  ctl.kvm->nr_vcpus, ctl.kvm->nr_vcpus - 1);
	return false;
}

static int do_info(struct conn *c, const struct ctl_request *rq)
{
	struct ctl_info info = {
		.pid = (u32)getpid(),
		.state = ctl.user_paused ? CTL_STATE_PAUSED : CTL_STATE_RUNNING,
		.nr_vcpus = ctl.kvm->nr_vcpus,
		.ram_size = ctl.kvm->cfg->ram_size,
		.uptime_ns = now_ns() - ctl.start_ns,
	};
	u8 buf[CTL_PATH_MAX + 256];	/* strings, numbers and the MACs */
	long n;

	strcpy(info.name, ctl.name);
	strcpy(info.kernel, ctl.kernel);
	/* the NICs' MACs, as virtio/net.c derives them from the same config */
	for (int i = 0; i < ctl.kvm->cfg->nr_nets && info.nr_macs < CTL_MAX_MACS; i++)
		if (ctl.kvm->cfg->nets[i]->mode != NET_NONE) {
			net_opts_mac(ctl.kvm->cfg->nets[i], ctl.kvm->cfg->name, (int)info.nr_macs,
				     info.macs[info.nr_macs]);
			info.nr_macs++;
		}
	n = ctl_info_encode(&info, buf, sizeof(buf));
	if (n < 0)
		return reply_err(c, rq->type, rq->id, -EOVERFLOW, "info does not fit");
	return reply_data(c, rq->type, rq->id, buf, n);
}

/* PAUSE and RESUME reply with the state before the request. */
static int do_pause(struct conn *c, const struct ctl_request *rq, bool pause)
{
	u8 out[4];
	bool was = ctl.user_paused;

	if (pause && !was) {
		vm_pause(ctl.kvm);
		__atomic_store_n(&ctl.user_paused, true, __ATOMIC_RELEASE);
		pr_info("guest paused by lkvm pause (pid %d)", (int)c->pid);
	} else if (!pause && was) {
		__atomic_store_n(&ctl.user_paused, false, __ATOMIC_RELEASE);
		vm_resume(ctl.kvm);
		pr_info("guest resumed by lkvm resume (pid %d)", (int)c->pid);
	}
	ctl_put_u32(out, was ? CTL_STATE_PAUSED : CTL_STATE_RUNNING);
	return reply_data(c, rq->type, rq->id, out, sizeof(out));
}

static int do_stop(struct conn *c, const struct ctl_request *rq)
{
	if (rq->stop.flags & CTL_STOP_FORCE) {
		vm_request_exit(ctl.kvm, VM_END_USER, EXIT_GUEST_OFF,
				"guest stopped by lkvm stop --force");
	} else {
		/* A paused guest could not answer the button: let it run. */
		if (ctl.user_paused) {
			__atomic_store_n(&ctl.user_paused, false, __ATOMIC_RELEASE);
			vm_resume(ctl.kvm);
		}
		pr_info("power button pressed by lkvm stop (pid %d)", (int)c->pid);
		acpi_pm_power_button(ctl.kvm);
	}
	return reply_data(c, rq->type, rq->id, NULL, 0);
}

/* Run @fn(arg, fp) into a buffer and reply with the text. */
static int reply_text(struct conn *c, const struct ctl_request *rq,
		      void (*fn)(const struct ctl_request *rq, FILE *fp, void *arg), void *arg)
{
	char *text = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&text, &len);
	int ret;

	if (!fp)
		return reply_err(c, rq->type, rq->id, -ENOMEM, "out of memory");
	fn(rq, fp, arg);
	if (fclose(fp) || !text) {
		free(text);
		return reply_err(c, rq->type, rq->id, -ENOMEM, "out of memory");
	}
	ret = reply_data(c, rq->type, rq->id, text, len);
	free(text);
	return ret;
}

static void dump_fn(const struct ctl_request *rq, FILE *fp, void *arg)
{
	const struct symtab *st = arg;
	int first = rq->dump.cpu == CTL_CPU_ALL ? 0 : (int)rq->dump.cpu;
	int last = rq->dump.cpu == CTL_CPU_ALL ? ctl.kvm->nr_vcpus - 1 : first;

	vm_pause(ctl.kvm);
	for (int i = first; i <= last; i++)
		x86_vcpu_dump(&ctl.kvm->vcpus[i], fp, st);
	vm_resume(ctl.kvm);
}

static int do_dump(struct conn *c, const struct ctl_request *rq)
{
	struct symtab *own = NULL;
	const struct symtab *st;
	int ret;

	if (rq->dump.cpu != CTL_CPU_ALL && !cpu_ok(c, rq, rq->dump.cpu))
		return 0;
	if (rq->dump.symbols[0]) {
		char err[256];
		struct stat sb;

		/* Only regular files: a FIFO or a tty would block this thread. */
		if (stat(rq->dump.symbols, &sb) < 0 || !S_ISREG(sb.st_mode))
			return reply_err(c, rq->type, rq->id, -EINVAL,
					 "symbols: %s is not a regular file", rq->dump.symbols);
		own = symtab_load(rq->dump.symbols, err, sizeof(err));
		if (!own)
			return reply_err(c, rq->type, rq->id, -ENOENT, "symbols from %s: %s",
					 rq->dump.symbols, err);
		st = own;
	} else {
		st = x86_guest_symbols(ctl.kvm);
	}
	ret = reply_text(c, rq, dump_fn, (void *)st);
	symtab_free(own);
	return ret;
}

static void walk_fn(const struct ctl_request *rq, FILE *fp, void *arg)
{
	struct vcpu *v = &ctl.kvm->vcpus[rq->walk.cpu];
	struct x86_paging pg;
	struct pt_walk w;
	int ret;

	(void)arg;
	vm_pause(ctl.kvm);
	ret = x86_vcpu_paging(v, &pg);
	if (ret == 0)
		x86_pt_walk(&ctl.kvm->mem, &pg, rq->walk.gva, &w);
	vm_resume(ctl.kvm);
	if (ret < 0) {
		fprintf(fp, "vCPU %u: control registers not readable: %s\n", rq->walk.cpu,
			strerror(errno));
		return;
	}
	fprintf(fp, "vCPU %u: CR0 %016llx CR3 %016llx CR4 %016llx EFER %016llx\n",
		rq->walk.cpu, (unsigned long long)pg.cr0, (unsigned long long)pg.cr3,
		(unsigned long long)pg.cr4, (unsigned long long)pg.efer);
	x86_pt_walk_print(fp, &w);
}

static int do_memory(struct conn *c, const struct ctl_request *rq)
{
	u8 *buf;
	size_t done = 0;
	int ret;

	if ((rq->mem.flags & CTL_MEM_VIRTUAL) && !cpu_ok(c, rq, rq->mem.cpu))
		return 0;
	buf = xmalloc(rq->mem.len);
	if (rq->mem.flags & CTL_MEM_VIRTUAL) {
		struct x86_paging pg;

		vm_pause(ctl.kvm);
		if (x86_vcpu_paging(&ctl.kvm->vcpus[rq->mem.cpu], &pg) == 0)
			done = x86_gva_read(&ctl.kvm->mem, &pg, rq->mem.addr, buf, rq->mem.len);
		vm_resume(ctl.kvm);
	} else {
		/* Page by page, so a range running into a hole gives its start. */
		while (done < rq->mem.len) {
			u64 at = rq->mem.addr + done;
			size_t chunk = MIN(rq->mem.len - done, 4096 - (at & 4095));
			const void *p = at >= rq->mem.addr ? gpa_to_hva(&ctl.kvm->mem, at, chunk) : NULL;

			if (!p)
				break;
			memcpy(buf + done, p, chunk);
			done += chunk;
		}
	}
	if (!done && (rq->mem.flags & CTL_MEM_VIRTUAL))
		ret = reply_err(c, rq->type, rq->id, -EFAULT,
				"guest virtual address %#llx is not mapped to RAM on vCPU %u (see --page-tables)",
				(unsigned long long)rq->mem.addr, rq->mem.cpu);
	else if (!done)
		ret = reply_err(c, rq->type, rq->id, -EFAULT,
				"guest physical address %#llx is not RAM",
				(unsigned long long)rq->mem.addr);
	else
		ret = reply_data(c, rq->type, rq->id, buf, done);
	free(buf);
	return ret;
}

static int do_nmi(struct conn *c, const struct ctl_request *rq)
{
	int ret, err = 0;

	if (!cpu_ok(c, rq, rq->nmi.cpu))
		return 0;
	/* KVM_NMI is a vCPU ioctl: it waits for KVM_RUN to return, so stop
	 * the vCPUs first; the NMI is delivered when they run again. */
	vm_pause(ctl.kvm);
	ret = vcpu_ioctl(&ctl.kvm->vcpus[rq->nmi.cpu], KVM_NMI, 0);
	if (ret < 0)
		err = errno;
	vm_resume(ctl.kvm);
	if (ret < 0)
		return reply_err(c, rq->type, rq->id, -err, "KVM_NMI on vCPU %u: %s",
				 rq->nmi.cpu, strerror(err));
	pr_info("NMI injected into vCPU %u by lkvm debug (pid %d)", rq->nmi.cpu, (int)c->pid);
	return reply_data(c, rq->type, rq->id, NULL, 0);
}

static int do_sysrq(struct conn *c, const struct ctl_request *rq)
{
	struct serial8250 *uart = serial8250_console();
	u8 key = rq->sysrq.key;
	term_deliver_fn deliver;
	term_break_fn brk;
	void *opaque;

	pthread_mutex_lock(&hold_lock);
	deliver = console_deliver;
	brk = console_break;
	opaque = console_opaque;
	pthread_mutex_unlock(&hold_lock);
	if (deliver != serial8250_term_deliver) {
		/* Another console (virtio): its break arms sysrq for the next key. */
		brk(opaque);
		if (deliver(opaque, &key, 1) != 1)
			return reply_err(c, rq->type, rq->id, -EBUSY,
					 "the console took the break but not the key '%c'", key);
		pr_info("sysrq '%c' sent by lkvm debug (pid %d)", key, (int)c->pid);
		return reply_data(c, rq->type, rq->id, NULL, 0);
	}
	if (!uart || !serial8250_break(uart))
		return reply_err(c, rq->type, rq->id, -EBUSY,
				 "the serial console cannot take a break now (receive queue full, or the guest put it in loopback)");
	if (serial8250_receive(uart, &key, 1) != 1)
		return reply_err(c, rq->type, rq->id, -EBUSY,
				 "the serial console took the break but not the key '%c'", key);
	pr_info("sysrq '%c' sent by lkvm debug (pid %d)", key, (int)c->pid);
	return reply_data(c, rq->type, rq->id, NULL, 0);
}

static int do_stats_fds(struct conn *c, const struct ctl_request *rq)
{
#ifdef KVM_GET_STATS_FD
	struct kvm *kvm = ctl.kvm;
	u32 total = 1 + kvm->nr_vcpus, n = 0;
	struct ctl_fd_entry e[CTL_MAX_FDS];
	int fds[CTL_MAX_FDS];
	u8 buf[8 + 8 * CTL_MAX_FDS];
	struct ctl_hdr h;
	long len;
	int ret = 0;

	if (sys_ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_BINARY_STATS_FD) <= 0)
		return reply_err(c, rq->type, rq->id, -EOPNOTSUPP,
				 "this host's KVM has no binary statistics (KVM_CAP_BINARY_STATS_FD)");
	/* KVM_GET_STATS_FD on a vCPU fd takes the vCPU's mutex, which KVM_RUN
	 * holds: a guest that makes no exits would block this thread, so
	 * stop the vCPUs as do_nmi() does. */
	vm_pause(kvm);
	for (u32 i = rq->fds.first; i < total && n < rq->fds.max; i++, n++) {
		e[n].kind = i == 0 ? CTL_FD_VM : CTL_FD_VCPU;
		e[n].index = i == 0 ? 0 : i - 1;
		fds[n] = i == 0 ? vm_ioctl(kvm, KVM_GET_STATS_FD, NULL) :
				 vcpu_ioctl(&kvm->vcpus[i - 1], KVM_GET_STATS_FD, NULL);
		if (fds[n] < 0) {
			int err = errno;

			vm_resume(kvm);
			for (u32 k = 0; k < n; k++)
				close(fds[k]);
			return reply_err(c, rq->type, rq->id, -err, "KVM_GET_STATS_FD: %s",
					 strerror(err));
		}
	}
	vm_resume(kvm);
	len = ctl_fds_encode(total, n, e, buf, sizeof(buf));
	h = ctl_reply_hdr(rq->type, rq->id, 0, (u32)len, 0);
	if (send_msg(c, &h, buf, fds, (int)n) < 0)
		ret = -1;
	for (u32 k = 0; k < n; k++)
		close(fds[k]);
	return ret;
#else
	return reply_err(c, rq->type, rq->id, -EOPNOTSUPP,
			 "lkvm was built without KVM_GET_STATS_FD (older kernel headers)");
#endif
}

/* EXIT_ACCT: lkvm's own accounting, encoded as hv/acct.h describes. */
static int do_exit_acct(struct conn *c, const struct ctl_request *rq)
{
	struct exit_acct a;
	size_t len;
	u8 *buf;
	int ret;

	exit_acct_snapshot(ctl.kvm, &a);
	len = exit_acct_size(&a);
	buf = xmalloc(len);
	exit_acct_encode(&a, buf, len);
	ret = reply_data(c, rq->type, rq->id, buf, len);
	free(buf);
	exit_acct_free(&a);
	return ret;
}

/* Run one decoded request. Returns -1 if the connection must close. */
static int handle_request(struct conn *c, const struct ctl_request *rq)
{
	pr_debug("control: %s request from pid %d", ctl_type_name(rq->type), (int)c->pid);
	switch (rq->type) {
	case CTL_T_INFO:
		return do_info(c, rq);
	case CTL_T_PAUSE:
		return do_pause(c, rq, true);
	case CTL_T_RESUME:
		return do_pause(c, rq, false);
	case CTL_T_STOP:
		return do_stop(c, rq);
	case CTL_T_DUMP:
		return do_dump(c, rq);
	case CTL_T_PAGEWALK:
		if (!cpu_ok(c, rq, rq->walk.cpu))
			return 0;
		return reply_text(c, rq, walk_fn, NULL);
	case CTL_T_MEMORY:
		return do_memory(c, rq);
	case CTL_T_NMI:
		return do_nmi(c, rq);
	case CTL_T_SYSRQ:
		return do_sysrq(c, rq);
	case CTL_T_STATS_FDS:
		return do_stats_fds(c, rq);
	case CTL_T_EXIT_ACCT:
		return do_exit_acct(c, rq);
	default:
		return reply_err(c, rq->type, rq->id, -EOPNOTSUPP, "unknown request type");
	}
}

/* ---- connections -------------------------------------------------------- */

/* Decode and run every whole request in @c's buffer. */
static void conn_process(struct conn *c)
{
	while (c->state == CONN_ACTIVE && c->len) {
		struct ctl_request rq;
		struct ctl_hdr h;
		const u8 *payload = NULL;
		const char *why;
		long n = ctl_msg_decode(c->buf, c->len, &h, &payload, &why);
		int ret;

		if (n == 0)
			return;
		if (n < 0) {
			bool magic_ok = c->len >= 4 && h.magic == CTL_MAGIC;

			pr_debug("control: malformed request from pid %d: %s", (int)c->pid, why);
			reply_err(c, magic_ok ? h.type : CTL_T_NONE, magic_ok ? h.id : 0, (int)n,
				  "malformed request: %s", why);
			conn_drain(c);
			return;
		}
		ret = ctl_request_decode(&h, payload, &rq, &why);
		if (ret < 0) {
			pr_debug("control: bad %s request from pid %d: %s",
				 ctl_type_name(h.type), (int)c->pid, why);
			reply_err(c, h.type, h.id, ret, "bad request: %s (type %u)", why, h.type);
			conn_drain(c);
			return;
		}
		if (handle_request(c, &rq) < 0) {
			conn_close(c);
			return;
		}
		memmove(c->buf, c->buf + n, c->len - n);
		c->len -= n;
	}
}

static void conn_read(struct conn *c)
{
	ssize_t n;

	if (c->state == CONN_DRAINING) {
		u8 junk[4096];

		n = recv(c->fd, junk, sizeof(junk), MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
			conn_close(c);
		return;
	}
	n = recv(c->fd, c->buf + c->len, CONN_BUF - c->len, MSG_DONTWAIT);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		/* The client hung up, maybe after half a request. */
		if (c->len && n == 0) {
			reply_err(c, CTL_T_NONE, 0, -EPROTO,
				  "truncated request: the connection ended inside a message");
		}
		conn_close(c);
		return;
	}
	c->len += n;
	conn_process(c);
}

static void conn_accept(void)
{
	struct timeval tv = { .tv_sec = SEND_TIMEOUT_S };
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	struct conn *c = NULL;
	int fd = accept4(ctl.l.fd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	for (int i = 0; i < CONN_MAX; i++)
		if (ctl.conns[i].state == CONN_FREE) {
			c = &ctl.conns[i];
			break;
		}
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (!c) {
		struct conn tmp = { .state = CONN_ACTIVE, .fd = fd };

		reply_err(&tmp, CTL_T_NONE, 0, -EBUSY, "too many control connections (%d)", CONN_MAX);
		close(fd);
		return;
	}
	c->state = CONN_ACTIVE;
	c->fd = fd;
	c->len = 0;
	c->buf = xmalloc(CONN_BUF);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) < 0) {
		cred.uid = (uid_t)-1;
		cred.pid = 0;
	}
	c->pid = cred.pid;
	/* Only the user who started the guest (and root, who could ptrace it
	 * anyway) may control it. */
	if (cred.uid != geteuid() && cred.uid != 0) {
		pr_info("control: refused a connection from uid %u (pid %d)",
			(unsigned int)cred.uid, (int)cred.pid);
		reply_err(c, CTL_T_NONE, 0, -EACCES,
			  "permission denied: guest '%s' belongs to uid %u; only that user or root may control it",
			  ctl.name, (unsigned int)geteuid());
		conn_drain(c);
	}
}

static void *control_thread(void *arg)
{
	sigset_t all;

	(void)arg;
	pthread_setname_np(pthread_self(), "lkvm-control");
	/* Exit signals belong to the terminal's signal thread. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	for (;;) {
		struct pollfd p[2 + CONN_MAX];
		struct conn *who[2 + CONN_MAX];
		int np = 0, timeout = -1, n;
		u64 now = now_ns();

		p[np++] = (struct pollfd){ .fd = ctl.wake[0], .events = POLLIN };
		p[np++] = (struct pollfd){ .fd = ctl.l.fd, .events = POLLIN };
		for (int i = 0; i < CONN_MAX; i++) {
			struct conn *c = &ctl.conns[i];

			if (c->state == CONN_FREE)
				continue;
			if (c->state == CONN_DRAINING) {
				if (now >= c->drain_until) {
					conn_close(c);
					continue;
				}
				n = (int)((c->drain_until - now) / 1000000) + 1;
				timeout = timeout < 0 ? n : MIN(timeout, n);
			}
			who[np] = c;
			p[np++] = (struct pollfd){ .fd = c->fd, .events = POLLIN };
		}
		n = poll(p, np, timeout);
		if (n < 0 && errno != EINTR) {
			pr_warn("control socket: poll: %s", strerror(errno));
			break;
		}
		if (n <= 0)
			continue;
		if (p[0].revents)
			break;
		for (int i = 2; i < np; i++)
			if (p[i].revents)
				conn_read(who[i]);
		if (p[1].revents & POLLIN)
			conn_accept();
	}
	for (int i = 0; i < CONN_MAX; i++)
		conn_close(&ctl.conns[i]);
	return NULL;
}

/* ---- start and stop ----------------------------------------------------- */

static void control_atexit(void)
{
	ctl_unlisten(&ctl.l);
}

int control_start(struct kvm *kvm, const char *name)
{
	static bool atexit_done;
	char err[512], *real;

	if (ctl.running)
		return 0;
	if (ctl_listen(name, &ctl.l, err, sizeof(err)) < 0) {
		pr_err("%s", err);
		return -1;
	}
	if (!atexit_done) {
		atexit(control_atexit);
		atexit_done = true;
	}
	snprintf(ctl.name, sizeof(ctl.name), "%s", name);
	real = realpath(kvm->cfg->kernel, NULL);
	snprintf(ctl.kernel, sizeof(ctl.kernel), "%s", real ? real : kvm->cfg->kernel);
	free(real);
	ctl.start_ns = now_ns();
	for (int i = 0; i < CONN_MAX; i++)
		ctl.conns[i].fd = -1;
	if (pipe2(ctl.wake, O_CLOEXEC) < 0) {
		pr_err("control socket: pipe: %s", strerror(errno));
		ctl_unlisten(&ctl.l);
		return -1;
	}
	__atomic_store_n(&ctl.kvm, kvm, __ATOMIC_RELEASE);
	if (pthread_create(&ctl.thread, NULL, control_thread, NULL)) {
		pr_err("control socket: cannot start its thread");
		close(ctl.wake[0]);
		close(ctl.wake[1]);
		ctl.wake[0] = ctl.wake[1] = -1;
		ctl_unlisten(&ctl.l);
		return -1;
	}
	ctl.running = true;
	pr_info("control socket %s", ctl.l.path);
	return 0;
}

void control_stop(void)
{
	u8 b = 0;

	if (ctl.running) {
		if (write(ctl.wake[1], &b, 1) < 0)
			pr_warn("control socket: cannot wake its thread");
		pthread_join(ctl.thread, NULL);
		close(ctl.wake[0]);
		close(ctl.wake[1]);
		ctl.wake[0] = ctl.wake[1] = -1;
		ctl.running = false;
	}
	ctl_unlisten(&ctl.l);
	/* Input held for a paused guest that is gone now has nowhere to go. */
	__atomic_store_n(&ctl.user_paused, false, __ATOMIC_RELEASE);
}
