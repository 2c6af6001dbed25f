// SPDX-License-Identifier: GPL-2.0
/*
 * The control protocol (util/ctl-proto.c, util/ctl-client.c, hv/acct.c;
 * Documentation/control-protocol.txt), from both ends:
 *  - requests as a guest's lkvm reads them from a client: a stream of
 *    messages cut by ctl_msg_decode, each checked by ctl_request_decode
 *    and re-encoded;
 *  - replies as lkvm list/stop/debug/stat read them from a guest's lkvm:
 *    ctl_call on one end of a socket pair whose other end holds the input
 *    (multi-part CTL_F_MORE replies included), then the payload decoded as
 *    the request's type says (INFO, STATS_FDS, EXIT_ACCT) and reported.
 *
 * Input: u8 mode (bit 0: requests or replies), u8 request type for a
 * reply, then the bytes on the wire. Checked: no sanitizer report or leak.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hv/acct.h"
#include "tests/fuzz/fuzz.h"
#include "util/ctl-client.h"
#include "util/ctl-proto.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	log_level = LOG_ERROR;
	return 0;
}

/* The guest side: every request in @p. */
static void requests(const u8 *p, size_t len)
{
	while (len) {
		struct ctl_hdr h;
		struct ctl_request rq;
		const u8 *payload;
		const char *why;
		u8 out[CTL_HDR_SIZE + 16 + CTL_PATH_MAX];
		long n = ctl_msg_decode(p, len, &h, &payload, &why);

		if (n <= 0)
			break;
		if (ctl_request_decode(&h, payload, &rq, &why) == 0 &&
		    ctl_request_encode(&rq, out, sizeof(out)) < 0)
			abort();	/* whatever decodes must encode again */
		ctl_type_name(h.type);
		p += n;
		len -= (size_t)n;
	}
}

/* The payload of a reply to @type. */
static void payload(u16 type, const u8 *p, size_t len)
{
	struct ctl_info info;
	struct ctl_fd_entry e[CTL_MAX_FDS];
	struct exit_acct a;
	char err[256];
	u32 total, n;

	switch (type) {
	case CTL_T_INFO:
		ctl_info_decode(p, len, &info);
		break;
	case CTL_T_STATS_FDS:
		if (ctl_fds_decode(p, len, &total, &n, e) == 0 && n > CTL_MAX_FDS)
			abort();
		break;
	case CTL_T_EXIT_ACCT:
		if (exit_acct_decode(p, len, &a, err, sizeof(err)) == 0)
			exit_acct_free(&a);
		else if (a.vcpu || a.range)
			abort();	/* documented: nothing kept on failure */
		break;
	}
}

/* The client side: a reply to a request of @type read from a socket. */
static void reply(u16 type, const u8 *p, size_t len)
{
	struct ctl_request rq = { .type = type, .id = 7 };
	struct ctl_reply rep;
	int sv[2], ret;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		abort();
	while (len) {
		/* Never block: what the socket cannot buffer is cut off. */
		ssize_t w = send(sv[1], p, len, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (w <= 0)
			break;
		p += w;
		len -= (size_t)w;
	}
	shutdown(sv[1], SHUT_WR);
	ret = ctl_call(sv[0], &rq, &rep, 1000);
	if (ret == 0) {
		payload(type, rep.data, rep.len);
		if (rep.hdr.status)
			ctl_report("fuzz", ret, &rep);
	}
	ctl_reply_free(&rep);
	close(sv[0]);
	close(sv[1]);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct fz f = { data, size };
	u8 mode = fz_u8(&f);
	u16 type = 1 + fz_u8(&f) % (CTL_T_MAX - 1);

	if (mode & 1)
		reply(type, f.p, f.n);
	else
		requests(f.p, f.n);
	/* The payload decoders straight on the input as well. */
	payload(type, f.p, f.n);
	return 0;
}
