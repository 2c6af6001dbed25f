/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The control protocol between `lkvm run` and list/stop/pause/resume/debug:
 * length-prefixed binary messages over a UNIX stream socket, every integer
 * little endian. Pure encoding and decoding, no I/O, so every malformed case
 * is unit-testable. Source: Documentation/control-protocol.txt (version 1).
 */
#ifndef LKVM_CTL_PROTO_H
#define LKVM_CTL_PROTO_H

#include "util/util.h"

#define CTL_MAGIC		0x43564b4cU	/* "LKVC" as bytes on the wire */
#define CTL_VERSION		1
#define CTL_HDR_SIZE		24		/* bytes */
#define CTL_MAX_PAYLOAD		65536		/* bytes, per message */
#define CTL_NAME_MAX		64		/* guest name, bytes without NUL */
#define CTL_PATH_MAX		1024		/* paths carried in messages */
#define CTL_MAX_MACS		8		/* NIC MACs in an info reply */
#define CTL_MAX_FDS		64		/* fds per STATS_FDS reply */
#define CTL_ERRNO_MAX		4095		/* statuses are 0 or -1 .. -4095 */

/* Header flags. */
#define CTL_F_REPLY		(1u << 0)	/* set on every reply */
#define CTL_F_MORE		(1u << 1)	/* reply continues in the next message */
#define CTL_F_KNOWN		(CTL_F_REPLY | CTL_F_MORE)

/* Message types: a request and its reply(ies) share the type. */
enum ctl_type {
	CTL_T_NONE = 0,		/* only in error replies to unparseable headers */
	CTL_T_INFO = 1,		/* guest name, pid, state, vCPUs, RAM, uptime, kernel */
	CTL_T_PAUSE = 2,	/* stop every vCPU until RESUME */
	CTL_T_RESUME = 3,
	CTL_T_STOP = 4,		/* power button, or end at once with CTL_STOP_FORCE */
	CTL_T_DUMP = 5,		/* register dump text of one or all vCPUs */
	CTL_T_PAGEWALK = 6,	/* page-table walk text of one guest virtual address */
	CTL_T_MEMORY = 7,	/* raw bytes of guest physical or virtual memory */
	CTL_T_NMI = 8,		/* inject an NMI into one vCPU */
	CTL_T_SYSRQ = 9,	/* serial break + key on the console */
	CTL_T_STATS_FDS = 10,	/* KVM binary-stats fds by SCM_RIGHTS */
	CTL_T_EXIT_ACCT = 11,	/* lkvm's own exit accounting (hv/acct.h), for lkvm stat */
	CTL_T_MAX
};

/* Guest states in INFO, PAUSE and RESUME replies. */
enum ctl_state { CTL_STATE_RUNNING = 0, CTL_STATE_PAUSED = 1 };

#define CTL_STOP_FORCE		(1u << 0)	/* STOP flags */
#define CTL_MEM_VIRTUAL		(1u << 0)	/* MEMORY flags: ADDR is a GVA */
#define CTL_CPU_ALL		0xffffffffU	/* DUMP: every vCPU */

/* STATS_FDS entry kinds. */
enum ctl_fd_kind { CTL_FD_VM = 0, CTL_FD_VCPU = 1 };

/* A decoded header. @status is 0 in requests; in replies, 0 or -errno. */
struct ctl_hdr {
	u32 magic;
	u16 version;
	u16 type;
	u16 flags;
	u16 reserved;
	u32 id;
	s32 status;
	u32 len;	/* payload bytes following the header */
};

/* A decoded request (CTL_T_* in @type); only the member of @type is valid. */
struct ctl_request {
	u16 type;
	u32 id;
	union {
		struct { u32 cpu; char symbols[CTL_PATH_MAX + 1]; } dump;
		struct { u32 cpu; u64 gva; } walk;
		struct { u64 addr; u32 len; u32 cpu; u32 flags; } mem;
		struct { u32 cpu; } nmi;
		struct { u8 key; } sysrq;
		struct { u32 flags; } stop;
		struct { u32 first; u32 max; } fds;
	};
};

/* The INFO reply. Strings are NUL-terminated, truncated to fit. */
struct ctl_info {
	u32 pid;
	u32 state;		/* enum ctl_state */
	u32 nr_vcpus;
	u64 ram_size;		/* bytes */
	u64 uptime_ns;		/* since the guest started */
	char name[CTL_NAME_MAX + 1];
	char kernel[CTL_PATH_MAX + 1];
	u32 nr_macs;		/* NICs, eth0 first (at most CTL_MAX_MACS) */
	u8 macs[CTL_MAX_MACS][6];	/* their MAC addresses */
};

/* One STATS_FDS entry: which object the fd at the same position describes. */
struct ctl_fd_entry {
	u32 kind;		/* enum ctl_fd_kind */
	u32 index;		/* vCPU index; 0 for the VM */
};

/*
 * ctl_hdr_encode - write @h as CTL_HDR_SIZE bytes into @out (magic and
 * version are written as given, so tests can forge bad ones).
 */
void ctl_hdr_encode(u8 out[CTL_HDR_SIZE], const struct ctl_hdr *h);

/*
 * ctl_hdr_decode - parse and check the header at the start of @buf (@len
 * bytes available). Returns 0 with @h filled; 1 if fewer than CTL_HDR_SIZE
 * bytes are there yet; or a negative errno with *@why a short reason:
 * -EPROTO (bad magic, reserved field or unknown flag, a status other than
 * 0 or -1 .. -CTL_ERRNO_MAX), -EPROTONOSUPPORT
 * (version other than CTL_VERSION), -EMSGSIZE (len > CTL_MAX_PAYLOAD).
 * On errors past the magic, @h is still filled, so a reply can echo the id.
 */
int ctl_hdr_decode(const u8 *buf, size_t len, struct ctl_hdr *h, const char **why);

/*
 * ctl_msg_decode - a whole message at the start of @buf: header checked as
 * ctl_hdr_decode() does, then the payload (*@payload points into @buf).
 * Returns the message's total size in bytes (> 0); 0 if more bytes are
 * needed (truncated header, or a payload shorter than the header says);
 * negative errno as ctl_hdr_decode().
 */
long ctl_msg_decode(const u8 *buf, size_t len, struct ctl_hdr *h,
		    const u8 **payload, const char **why);

/*
 * ctl_request_encode - one request message (header + payload) for @rq into
 * @out (@cap bytes). Returns its size in bytes, or -1 if @rq->type is not a
 * request type, a string is too long, or @cap is too small.
 */
long ctl_request_encode(const struct ctl_request *rq, u8 *out, size_t cap);

/*
 * ctl_request_decode - check a request's header and payload: not a reply,
 * a known type, the exact payload size that type has, in-range values and
 * strings without NUL bytes. Returns 0 with @rq filled, or -EOPNOTSUPP
 * (unknown type) / -EINVAL (bad payload) with *@why set.
 */
int ctl_request_decode(const struct ctl_hdr *h, const u8 *payload,
		       struct ctl_request *rq, const char **why);

/*
 * ctl_reply_hdr - header of a reply to request type @type with id @id,
 * status @status (0 or -errno), @len payload bytes and @flags (CTL_F_MORE);
 * CTL_F_REPLY is added.
 */
struct ctl_hdr ctl_reply_hdr(u16 type, u32 id, s32 status, u32 len, u16 flags);

/*
 * ctl_info_encode - INFO reply payload of @info into @out (@cap bytes).
 * Returns its size, or -1 if @cap is too small (CTL_PATH_MAX + 128 always
 * suffices). ctl_info_decode - the reverse; returns 0, or -EINVAL on a
 * short, long or otherwise malformed payload.
 */
long ctl_info_encode(const struct ctl_info *info, u8 *out, size_t cap);
int ctl_info_decode(const u8 *p, size_t len, struct ctl_info *info);

/*
 * ctl_fds_encode - STATS_FDS reply payload: @total entries exist, @n
 * (<= CTL_MAX_FDS) of them in @e are in this message (their fds ride
 * along in SCM_RIGHTS, in the same order). Returns the size or -1.
 * ctl_fds_decode - the reverse: returns 0 with @total, @n, @e filled (@e
 * has room for CTL_MAX_FDS), or -EINVAL.
 */
long ctl_fds_encode(u32 total, u32 n, const struct ctl_fd_entry *e, u8 *out, size_t cap);
int ctl_fds_decode(const u8 *p, size_t len, u32 *total, u32 *n, struct ctl_fd_entry *e);

/* Little-endian u32 at @out / from @in: PAUSE and RESUME replies carry the
 * state before the request as one such u32. */
void ctl_put_u32(u8 *out, u32 v);
u32 ctl_get_u32(const u8 *in);

/* ctl_type_name - "info", "pause", ... for messages; "unknown" otherwise. */
const char *ctl_type_name(u16 type);

#endif
