// SPDX-License-Identifier: GPL-2.0
/*
 * The control protocol (util/ctl-proto.c): every request round-trips, and
 * every malformed message is refused with the right errno: truncated
 * header, bad magic, bad version, oversized length, reserved bits, unknown
 * type, payloads shorter or longer than their type, bad values. Then the
 * socket side (util/ctl-client.c): directory selection from
 * XDG_RUNTIME_DIR/HOME, names, stale-socket detection and replacement,
 * the name lock, listing, and ctl_call() against a canned peer
 * (multi-part replies, SCM_RIGHTS, bad replies, hang-ups, timeouts).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "tests/tap.h"
#include "util/ctl-client.h"
#include "util/ctl-proto.h"

static u8 buf[CTL_HDR_SIZE + CTL_MAX_PAYLOAD + 64];

static struct ctl_hdr good_hdr(u16 type, u32 len)
{
	return (struct ctl_hdr){ .magic = CTL_MAGIC, .version = CTL_VERSION, .type = type,
				 .id = 7, .len = len };
}

/* Encode @rq, decode it back into @out. Returns ctl_request_decode's value. */
static int roundtrip(const struct ctl_request *rq, struct ctl_request *out)
{
	struct ctl_hdr h;
	const u8 *payload = NULL;
	const char *why;
	long n = ctl_request_encode(rq, buf, sizeof(buf));

	if (n < CTL_HDR_SIZE || ctl_msg_decode(buf, n, &h, &payload, &why) != n)
		return -9999;
	return ctl_request_decode(&h, payload, out, &why);
}

static void test_roundtrip(void)
{
	struct ctl_request rq, out;

	rq = (struct ctl_request){ .type = CTL_T_INFO, .id = 42 };
	ok(roundtrip(&rq, &out) == 0 && out.type == CTL_T_INFO && out.id == 42,
	   "info: round trip, id kept");
	is_int(ctl_request_encode(&rq, buf, sizeof(buf)), CTL_HDR_SIZE, "info: no payload");
	rq = (struct ctl_request){ .type = CTL_T_PAUSE };
	ok(roundtrip(&rq, &out) == 0 && out.type == CTL_T_PAUSE, "pause: round trip");
	rq = (struct ctl_request){ .type = CTL_T_RESUME };
	ok(roundtrip(&rq, &out) == 0 && out.type == CTL_T_RESUME, "resume: round trip");
	rq = (struct ctl_request){ .type = CTL_T_STOP, .stop = { CTL_STOP_FORCE } };
	ok(roundtrip(&rq, &out) == 0 && out.stop.flags == CTL_STOP_FORCE, "stop --force: round trip");
	rq = (struct ctl_request){ .type = CTL_T_DUMP, .dump = { .cpu = CTL_CPU_ALL } };
	strcpy(rq.dump.symbols, "/boot/System.map-6.1");
	ok(roundtrip(&rq, &out) == 0 && out.dump.cpu == CTL_CPU_ALL &&
	   !strcmp(out.dump.symbols, "/boot/System.map-6.1"), "dump: cpu and symbols path");
	rq = (struct ctl_request){ .type = CTL_T_DUMP, .dump = { .cpu = 3 } };
	ok(roundtrip(&rq, &out) == 0 && out.dump.cpu == 3 && !out.dump.symbols[0],
	   "dump: empty symbols path");
	rq = (struct ctl_request){ .type = CTL_T_PAGEWALK, .walk = { 1, 0xffffffff81000000ULL } };
	ok(roundtrip(&rq, &out) == 0 && out.walk.cpu == 1 && out.walk.gva == 0xffffffff81000000ULL,
	   "pagewalk: 64-bit address survives");
	rq = (struct ctl_request){ .type = CTL_T_MEMORY,
				   .mem = { 0x123456789aULL, 4096, 2, CTL_MEM_VIRTUAL } };
	ok(roundtrip(&rq, &out) == 0 && out.mem.addr == 0x123456789aULL && out.mem.len == 4096 &&
	   out.mem.cpu == 2 && out.mem.flags == CTL_MEM_VIRTUAL, "memory: every field");
	rq = (struct ctl_request){ .type = CTL_T_NMI, .nmi = { 5 } };
	ok(roundtrip(&rq, &out) == 0 && out.nmi.cpu == 5, "nmi: round trip");
	rq = (struct ctl_request){ .type = CTL_T_SYSRQ, .sysrq = { 't' } };
	ok(roundtrip(&rq, &out) == 0 && out.sysrq.key == 't', "sysrq: round trip");
	rq = (struct ctl_request){ .type = CTL_T_STATS_FDS, .fds = { 64, CTL_MAX_FDS } };
	ok(roundtrip(&rq, &out) == 0 && out.fds.first == 64 && out.fds.max == CTL_MAX_FDS,
	   "stats-fds: round trip");

	/* Wire format: little endian, fixed offsets. */
	rq = (struct ctl_request){ .type = CTL_T_NMI, .id = 0x01020304, .nmi = { 0x0a0b } };
	ctl_request_encode(&rq, buf, sizeof(buf));
	ok(!memcmp(buf, "LKVC", 4) && buf[4] == 1 && buf[5] == 0 && buf[6] == CTL_T_NMI &&
	   buf[12] == 4 && buf[15] == 1 && buf[20] == 4 && buf[24] == 0x0b && buf[25] == 0x0a,
	   "wire format: \"LKVC\", version, type, id and length little endian");

	rq = (struct ctl_request){ .type = CTL_T_NONE };
	is_int(ctl_request_encode(&rq, buf, sizeof(buf)), -1, "encode: type NONE refused");
	rq = (struct ctl_request){ .type = CTL_T_MAX };
	is_int(ctl_request_encode(&rq, buf, sizeof(buf)), -1, "encode: unknown type refused");
	rq = (struct ctl_request){ .type = CTL_T_NMI };
	is_int(ctl_request_encode(&rq, buf, CTL_HDR_SIZE + 3), -1, "encode: buffer too small");
	rq = (struct ctl_request){ .type = CTL_T_DUMP };
	memset(rq.dump.symbols, 'a', CTL_PATH_MAX);
	rq.dump.symbols[CTL_PATH_MAX] = 0;
	ok(ctl_request_encode(&rq, buf, sizeof(buf)) > 0, "encode: symbols path of CTL_PATH_MAX");
}

static void test_header(void)
{
	struct ctl_hdr h = good_hdr(CTL_T_INFO, 0), got;
	const u8 *payload;
	const char *why;

	int short_ok = 0;

	ctl_hdr_encode(buf, &h);
	for (size_t len = 0; len < CTL_HDR_SIZE; len++)
		short_ok += ctl_hdr_decode(buf, len, &got, &why) == 1;
	is_int(short_ok, CTL_HDR_SIZE, "truncated header (0..23 bytes): need more");
	is_int(ctl_msg_decode(buf, 10, &got, &payload, &why), 0, "msg: truncated header -> 0");
	is_int(ctl_hdr_decode(buf, CTL_HDR_SIZE, &got, &why), 0, "a good header decodes");

	h.magic = 0x12345678;
	ctl_hdr_encode(buf, &h);
	is_int(ctl_hdr_decode(buf, CTL_HDR_SIZE, &got, &why), -EPROTO, "bad magic: EPROTO");
	ok(why && strstr(why, "magic"), "bad magic: reason says so");
	is_int(ctl_msg_decode(buf, CTL_HDR_SIZE, &got, &payload, &why), -EPROTO,
	       "msg: bad magic");

	h = good_hdr(CTL_T_INFO, 0);
	h.version = 2;
	ctl_hdr_encode(buf, &h);
	is_int(ctl_hdr_decode(buf, CTL_HDR_SIZE, &got, &why), -EPROTONOSUPPORT,
	       "version 2: EPROTONOSUPPORT");
	ok(got.id == 7 && got.type == CTL_T_INFO, "version 2: id and type still decoded for the reply");
	h.version = 0;
	ctl_hdr_encode(buf, &h);
	is_int(ctl_hdr_decode(buf, CTL_HDR_SIZE, &got, &why), -EPROTONOSUPPORT, "version 0 refused");

	h = good_hdr(CTL_T_MEMORY, CTL_MAX_PAYLOAD + 1);
	ctl_hdr_encode(buf, &h);
	is_int(ctl_hdr_decode(buf, CTL_HDR_SIZE, &got, &why), -EMSGSIZE,
	       "length 64 KiB + 1: EMSGSIZE before any payload is read");
	h.len = 0xffffffff;
	ctl_hdr_encode(buf, &h);
	is_int(ctl_msg_decode(buf, CTL_HDR_SIZE, &got, &payload, &why), -EMSGSIZE,
	       "length 4 GiB - 1: EMSGSIZE");
	h.len = CTL_MAX_PAYLOAD;
	ctl_hdr_encode(buf, &h);
	is_int(ctl_hdr_decode(buf, CTL_HDR_SIZE, &got, &why), 0, "length exactly 64 KiB accepted");

	h = good_hdr(CTL_T_INFO, 0);
	h.reserved = 1;
	ctl_hdr_encode(buf, &h);
	is_int(ctl_hdr_decode(buf, CTL_HDR_SIZE, &got, &why), -EPROTO, "reserved field set: EPROTO");
	h = good_hdr(CTL_T_INFO, 0);
	h.flags = 0x80;
	ctl_hdr_encode(buf, &h);
	is_int(ctl_hdr_decode(buf, CTL_HDR_SIZE, &got, &why), -EPROTO, "unknown flag: EPROTO");

	/* Found by fuzz-ctl: lkvm printed strerror(-status), and -INT32_MIN
	 * overflows. A status is 0 or a negative errno, nothing else. */
	h = good_hdr(CTL_T_INFO, 0);
	h.flags = CTL_F_REPLY;
	h.status = INT32_MIN;
	ctl_hdr_encode(buf, &h);
	is_int(ctl_hdr_decode(buf, CTL_HDR_SIZE, &got, &why), -EPROTO, "status INT32_MIN: EPROTO");
	ok(why && strstr(why, "status"), "status INT32_MIN: reason says so");
	h.status = 1;
	ctl_hdr_encode(buf, &h);
	is_int(ctl_hdr_decode(buf, CTL_HDR_SIZE, &got, &why), -EPROTO, "positive status: EPROTO");
	h.status = -CTL_ERRNO_MAX;
	ctl_hdr_encode(buf, &h);
	is_int(ctl_hdr_decode(buf, CTL_HDR_SIZE, &got, &why), 0, "status -4095 accepted");
	h.status = -CTL_ERRNO_MAX - 1;
	ctl_hdr_encode(buf, &h);
	is_int(ctl_hdr_decode(buf, CTL_HDR_SIZE, &got, &why), -EPROTO, "status -4096: EPROTO");

	/* Payload shorter than the header says: wait for more. */
	h = good_hdr(CTL_T_NMI, 4);
	ctl_hdr_encode(buf, &h);
	memset(buf + CTL_HDR_SIZE, 0, 4);
	is_int(ctl_msg_decode(buf, CTL_HDR_SIZE + 3, &got, &payload, &why), 0,
	       "payload shorter than the header says: need more");
	is_int(ctl_msg_decode(buf, CTL_HDR_SIZE + 4, &got, &payload, &why), CTL_HDR_SIZE + 4,
	       "whole message: its size");
	ok(payload == buf + CTL_HDR_SIZE, "payload points after the header");
	is_int(ctl_msg_decode(buf, CTL_HDR_SIZE + 9, &got, &payload, &why), CTL_HDR_SIZE + 4,
	       "bytes after a message belong to the next one");
}

/* Decode a request of @type with a raw @len-byte @payload. */
static int decode_raw(u16 type, const void *payload, u32 len, u16 flags, s32 status)
{
	struct ctl_hdr h = good_hdr(type, len);
	struct ctl_request rq;
	const char *why;

	h.flags = flags;
	h.status = status;
	return ctl_request_decode(&h, payload, &rq, &why);
}

static void test_bad_requests(void)
{
	static const struct { u16 type; u32 len; } sizes[] = {
		{ CTL_T_INFO, 0 }, { CTL_T_PAUSE, 0 }, { CTL_T_RESUME, 0 }, { CTL_T_STOP, 4 },
		{ CTL_T_PAGEWALK, 12 }, { CTL_T_MEMORY, 20 }, { CTL_T_NMI, 4 },
		{ CTL_T_SYSRQ, 1 }, { CTL_T_STATS_FDS, 8 }, { CTL_T_EXIT_ACCT, 0 },
	};
	u8 p[64];
	int wrong = 0;

	is_int(decode_raw(CTL_T_NONE, NULL, 0, 0, 0), -EOPNOTSUPP, "type 0: unknown");
	is_int(decode_raw(CTL_T_MAX, NULL, 0, 0, 0), -EOPNOTSUPP, "type past the last: unknown");
	is_int(decode_raw(0xffff, NULL, 0, 0, 0), -EOPNOTSUPP, "type 0xffff: unknown");
	is_int(decode_raw(CTL_T_INFO, NULL, 0, CTL_F_REPLY, 0), -EINVAL, "a reply sent as request");
	is_int(decode_raw(CTL_T_INFO, NULL, 0, 0, -1), -EINVAL, "a status in a request");

	/* Each fixed-size type: one byte short and one byte long both fail. */
	memset(p, 0, sizeof(p));
	p[0] = 't';			/* a valid sysrq key; else zeros */
	p[8] = 1;			/* memory len = 1; stats first */
	p[4] = 1;			/* stats max = 1 */
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		if (sizes[i].len && decode_raw(sizes[i].type, p, sizes[i].len - 1, 0, 0) != -EINVAL)
			wrong++;
		if (decode_raw(sizes[i].type, p, sizes[i].len + 1, 0, 0) != -EINVAL)
			wrong++;
	}
	is_int(wrong, 0, "every type: payload one byte short or long is EINVAL");

	ctl_put_u32(p, 2);
	is_int(decode_raw(CTL_T_STOP, p, 4, 0, 0), -EINVAL, "stop: unknown flag");
	memset(p, 0, sizeof(p));
	is_int(decode_raw(CTL_T_MEMORY, p, 20, 0, 0), -EINVAL, "memory: length 0");
	ctl_put_u32(p + 8, CTL_MAX_PAYLOAD + 1);
	is_int(decode_raw(CTL_T_MEMORY, p, 20, 0, 0), -EINVAL, "memory: length above 64 KiB");
	ctl_put_u32(p + 8, 16);
	ctl_put_u32(p + 16, 4);
	is_int(decode_raw(CTL_T_MEMORY, p, 20, 0, 0), -EINVAL, "memory: unknown flag");
	ctl_put_u32(p + 16, CTL_MEM_VIRTUAL);
	is_int(decode_raw(CTL_T_MEMORY, p, 20, 0, 0), 0, "memory: virtual, 16 bytes is fine");
	p[0] = 0x1b;
	is_int(decode_raw(CTL_T_SYSRQ, p, 1, 0, 0), -EINVAL, "sysrq: a control character");
	p[0] = ' ';
	is_int(decode_raw(CTL_T_SYSRQ, p, 1, 0, 0), -EINVAL, "sysrq: space");
	memset(p, 0, sizeof(p));
	is_int(decode_raw(CTL_T_STATS_FDS, p, 8, 0, 0), -EINVAL, "stats-fds: max 0");
	ctl_put_u32(p + 4, CTL_MAX_FDS + 1);
	is_int(decode_raw(CTL_T_STATS_FDS, p, 8, 0, 0), -EINVAL, "stats-fds: max above 64");

	/* dump: u32 cpu, u16 length, the path bytes. */
	memset(p, 0, sizeof(p));
	p[4] = 4;
	memcpy(p + 6, "/a/b", 4);
	is_int(decode_raw(CTL_T_DUMP, p, 10, 0, 0), 0, "dump: a 4-byte path");
	is_int(decode_raw(CTL_T_DUMP, p, 9, 0, 0), -EINVAL, "dump: string longer than the payload");
	is_int(decode_raw(CTL_T_DUMP, p, 11, 0, 0), -EINVAL, "dump: trailing byte");
	p[7] = 0;
	is_int(decode_raw(CTL_T_DUMP, p, 10, 0, 0), -EINVAL, "dump: NUL inside the path");
	p[4] = 0xff;
	p[5] = 0xff;
	is_int(decode_raw(CTL_T_DUMP, p, 10, 0, 0), -EINVAL, "dump: path length 65535");
	is_int(decode_raw(CTL_T_DUMP, p, 5, 0, 0), -EINVAL, "dump: length field cut");
}

static void test_replies(void)
{
	struct ctl_info in = { .pid = 1234, .state = CTL_STATE_PAUSED, .nr_vcpus = 4,
			       .ram_size = 3 * SZ_1G, .uptime_ns = 5000000000ULL };
	struct ctl_info out;
	struct ctl_fd_entry e[3] = { { CTL_FD_VM, 0 }, { CTL_FD_VCPU, 0 }, { CTL_FD_VCPU, 1 } };
	struct ctl_fd_entry eo[CTL_MAX_FDS];
	struct ctl_hdr h;
	const char *why;
	u32 total, n;
	long len;

	strcpy(in.name, "web-1");
	strcpy(in.kernel, "/boot/vmlinuz");
	in.nr_macs = 2;
	memcpy(in.macs[1], "\x52\x54\x00\xab\xcd\xef", 6);
	len = ctl_info_encode(&in, buf, sizeof(buf));
	ok(len > 0 && ctl_info_decode(buf, len, &out) == 0 && out.pid == 1234 &&
	   out.state == CTL_STATE_PAUSED && out.nr_vcpus == 4 && out.ram_size == 3 * SZ_1G &&
	   out.uptime_ns == 5000000000ULL && !strcmp(out.name, "web-1") &&
	   !strcmp(out.kernel, "/boot/vmlinuz") && out.nr_macs == 2 &&
	   !memcmp(out.macs[1], "\x52\x54\x00\xab\xcd\xef", 6), "info reply: round trip");
	is_int(ctl_info_decode(buf, len - 1, &out), -EINVAL, "info reply: one byte short");
	is_int(ctl_info_decode(buf, len + 1, &out), -EINVAL, "info reply: trailing byte");
	buf[4] = 7;
	is_int(ctl_info_decode(buf, len, &out), -EINVAL, "info reply: unknown state");
	is_int(ctl_info_encode(&in, buf, 20), -1, "info reply: buffer too small");

	len = ctl_fds_encode(5, 3, e, buf, sizeof(buf));
	ok(len == 8 + 24 && ctl_fds_decode(buf, len, &total, &n, eo) == 0 && total == 5 &&
	   n == 3 && eo[0].kind == CTL_FD_VM && eo[2].kind == CTL_FD_VCPU && eo[2].index == 1,
	   "stats-fds reply: round trip");
	is_int(ctl_fds_decode(buf, len - 4, &total, &n, eo), -EINVAL, "stats-fds reply: cut");
	ctl_put_u32(buf + 4, 6);
	is_int(ctl_fds_decode(buf, len, &total, &n, eo), -EINVAL, "stats-fds reply: n > total");
	is_int(ctl_fds_encode(1, 2, e, buf, sizeof(buf)), -1, "stats-fds reply: n > total refused");

	h = ctl_reply_hdr(CTL_T_DUMP, 9, -EINVAL, 10, CTL_F_MORE);
	ok(h.flags == (CTL_F_REPLY | CTL_F_MORE) && h.status == -EINVAL && h.id == 9 &&
	   h.magic == CTL_MAGIC && h.version == CTL_VERSION, "reply header: flags, status, id");
	ctl_hdr_encode(buf, &h);
	ok(ctl_hdr_decode(buf, CTL_HDR_SIZE, &h, &why) == 0 &&
	   h.status == -EINVAL, "reply header: negative status survives the wire");
	is_str(ctl_type_name(CTL_T_STATS_FDS), "stats-fds", "type names");
	is_str(ctl_type_name(999), "unknown", "unknown type name");
}

static void test_paths(void)
{
	char b[CTL_SUN_PATH_MAX], lng[200];

	ok(ctl_sock_dir_for("/run/user/1000", "/home/u", b, sizeof(b)) == 0 &&
	   !strcmp(b, "/run/user/1000/lkvm"), "XDG_RUNTIME_DIR set: $XDG_RUNTIME_DIR/lkvm");
	ok(ctl_sock_dir_for(NULL, "/home/u", b, sizeof(b)) == 0 && !strcmp(b, "/home/u/.lkvm"),
	   "XDG_RUNTIME_DIR unset: ~/.lkvm");
	ok(ctl_sock_dir_for("", "/home/u", b, sizeof(b)) == 0 && !strcmp(b, "/home/u/.lkvm"),
	   "XDG_RUNTIME_DIR empty: ~/.lkvm");
	ok(ctl_sock_dir_for("run/user", "/home/u", b, sizeof(b)) == 0 &&
	   !strcmp(b, "/home/u/.lkvm"), "XDG_RUNTIME_DIR relative: ignored (XDG spec)");
	errno = 0;
	ok(ctl_sock_dir_for(NULL, "relative", b, sizeof(b)) == -1 && errno == ENOENT,
	   "no usable directory: ENOENT");
	memset(lng, 'x', sizeof(lng) - 1);
	lng[0] = '/';
	lng[sizeof(lng) - 1] = 0;
	errno = 0;
	ok(ctl_sock_dir_for(lng, NULL, b, sizeof(b)) == -1 && errno == ENAMETOOLONG,
	   "directory too long: ENAMETOOLONG");
	ok(ctl_sock_path("/run/user/1000/lkvm", "g1", b, sizeof(b)) == 0 &&
	   !strcmp(b, "/run/user/1000/lkvm/g1.sock"), "socket path: <dir>/<name>.sock");
	lng[100] = 0;
	errno = 0;
	ok(ctl_sock_path(lng, "abcdefgh", b, sizeof(b)) == -1 && errno == ENAMETOOLONG,
	   "socket path beyond sun_path: ENAMETOOLONG");

	setenv("XDG_RUNTIME_DIR", "/xdg", 1);
	setenv("HOME", "/home/t", 1);
	ok(ctl_sock_dir(b, sizeof(b)) == 0 && !strcmp(b, "/xdg/lkvm"), "environment: XDG wins");
	unsetenv("XDG_RUNTIME_DIR");
	ok(ctl_sock_dir(b, sizeof(b)) == 0 && !strcmp(b, "/home/t/.lkvm"),
	   "environment: HOME without XDG");

	ok(ctl_name_valid("guest-1234") && ctl_name_valid("a.b_c-D9") && ctl_name_valid("x"),
	   "names: letters, digits, . _ -");
	ok(!ctl_name_valid("") && !ctl_name_valid(".") && !ctl_name_valid("..") &&
	   !ctl_name_valid("a/b") && !ctl_name_valid("a b") && !ctl_name_valid("é"),
	   "names: empty, dot, dot-dot, slash, space, non-ASCII refused");
	memset(lng, 'n', 65);
	lng[65] = 0;
	ok(!ctl_name_valid(lng), "names: 65 characters refused");
	lng[64] = 0;
	ok(ctl_name_valid(lng), "names: 64 characters allowed");
}

/* A socket bound at @path and closed without listening: what a killed
 * lkvm leaves behind. */
static void make_stale(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	strcpy(sa.sun_path, path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		perror("bind");
	close(fd);
}

static void test_sockets(void)
{
	static const char *const leftovers[] = { "a0.sock", "bad name.sock", "notes.txt" };
	char tmpl[] = "/tmp/lkvm-ctl-test.XXXXXX", dir[256], path[300], err[512];
	struct ctl_listener l, l2;
	struct ctl_entry *ents;
	struct stat st;
	int n, fd;

	if (!mkdtemp(tmpl)) {
		skip("mkdtemp failed");
		return;
	}
	setenv("XDG_RUNTIME_DIR", tmpl, 1);
	snprintf(dir, sizeof(dir), "%s/lkvm", tmpl);
	snprintf(path, sizeof(path), "%s/g1.sock", dir);

	is_int(ctl_probe_path(path), CTL_PROBE_ABSENT, "probe: nothing there");
	ok(ctl_list(dir, &ents) == 0, "list: a missing directory has no guests");
	free(ents);
	mkdir(dir, 0755);
	make_stale(path);
	is_int(ctl_probe_path(path), CTL_PROBE_STALE, "probe: socket without listener is stale");
	is_int(ctl_connect_path(path), -ECONNREFUSED, "connect to a stale socket: ECONNREFUSED");

	ok(ctl_listen("g1", &l, err, sizeof(err)) == 0, "listen: replaces the stale socket");
	is_int(ctl_probe_path(path), CTL_PROBE_LIVE, "probe: now live");
	ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "socket mode 0600");
	ok(stat(dir, &st) == 0 && (st.st_mode & 0777) == 0700, "directory made 0700");
	errno = 0;
	ok(ctl_listen("g1", &l2, err, sizeof(err)) == -1 && errno == EADDRINUSE &&
	   strstr(err, "already running") && strstr(err, "pid"),
	   "listen: a second guest with the same name is refused, with the owner's pid");
	is_int(ctl_probe_path(path), CTL_PROBE_LIVE, "the refused second listen left the first alone");

	fd = ctl_connect_path(path);
	ok(fd >= 0, "connect to a live socket");
	if (fd >= 0)
		close(fd);

	snprintf(path, sizeof(path), "%s/a0.sock", dir);
	make_stale(path);
	snprintf(path, sizeof(path), "%s/bad name.sock", dir);
	close(open(path, O_CREAT | O_WRONLY, 0600));
	snprintf(path, sizeof(path), "%s/notes.txt", dir);
	close(open(path, O_CREAT | O_WRONLY, 0600));
	n = ctl_list(dir, &ents);
	ok(n == 2 && !strcmp(ents[0].name, "a0") && !strcmp(ents[1].name, "g1"),
	   "list: .sock files with valid names, sorted");
	if (n > 0)
		is_int(ctl_probe_path(ents[0].path), CTL_PROBE_STALE, "list: a0 is stale");
	free(ents);

	ctl_unlisten(&l);
	snprintf(path, sizeof(path), "%s/g1.sock", dir);
	is_int(ctl_probe_path(path), CTL_PROBE_ABSENT, "unlisten removes the socket");
	snprintf(path, sizeof(path), "%s/g1.lock", dir);
	ok(access(path, F_OK) < 0, "unlisten removes the lock file");
	ctl_unlisten(&l);
	ok(1, "unlisten twice is harmless");

	snprintf(path, sizeof(path), "%s/notes.txt", dir);
	is_int(ctl_probe_path(path), CTL_PROBE_ERROR, "probe: a regular file is an error");

	chmod(dir, 0755);
	ok(ctl_listen("g2", &l, err, sizeof(err)) == 0 && stat(dir, &st) == 0 &&
	   (st.st_mode & 0777) == 0700, "listen: an existing open directory is made 0700");
	ctl_unlisten(&l);
	ok(ctl_listen("no/slash", &l, err, sizeof(err)) == -1, "listen: invalid name refused");

	for (size_t i = 0; i < ARRAY_SIZE(leftovers); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, leftovers[i]);
		unlink(path);
	}
	rmdir(dir);
	rmdir(tmpl);
}

/* Write a reply part with optional fd to @fd. */
static void put_reply(int fd, u16 type, u32 id, s32 status, const char *data, u16 flags,
		      int pass_fd)
{
	struct ctl_hdr h = ctl_reply_hdr(type, id, status, data ? strlen(data) : 0, flags);
	u8 hb[CTL_HDR_SIZE];
	union {
		char b[CMSG_SPACE(sizeof(int))];
		struct cmsghdr a;
	} cb;
	struct iovec iov[2] = { { hb, sizeof(hb) }, { (void *)data, h.len } };
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = 2 };

	ctl_hdr_encode(hb, &h);
	if (pass_fd >= 0) {
		struct cmsghdr *c;

		memset(&cb, 0, sizeof(cb));
		m.msg_control = cb.b;
		m.msg_controllen = sizeof(cb.b);
		c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
	}
	if (sendmsg(fd, &m, 0) < 0)
		perror("sendmsg");
}

static void test_call(void)
{
	struct ctl_request rq = { .type = CTL_T_DUMP, .id = 5 };
	struct ctl_reply rep;
	int sv[2], p[2];
	char c = 0;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0 || pipe(p) < 0) {
		skip("socketpair");
		return;
	}
	put_reply(sv[1], CTL_T_DUMP, 5, 0, "hello ", CTL_F_MORE, p[0]);
	put_reply(sv[1], CTL_T_DUMP, 5, 0, "world", 0, -1);
	ok(ctl_call(sv[0], &rq, &rep, 1000) == 0 && rep.len == 11 &&
	   !strcmp((char *)rep.data, "hello world") && rep.nr_fds == 1,
	   "call: two parts joined, one fd received");
	if (rep.nr_fds == 1) {
		ok(write(p[1], "z", 1) == 1 && read(rep.fds[0], &c, 1) == 1 && c == 'z',
		   "call: the received fd is the pipe sent");
	}
	ctl_reply_free(&rep);
	ok(recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT) == CTL_HDR_SIZE + 6 &&
	   !memcmp(buf, "LKVC", 4), "call: the request went out");

	put_reply(sv[1], CTL_T_DUMP, 5, INT32_MIN, "", 0, -1);
	is_int(ctl_call(sv[0], &rq, &rep, 1000), -EPROTO,
	       "call: a reply with status INT32_MIN is malformed (fuzz-ctl)");
	ctl_reply_free(&rep);

	put_reply(sv[1], CTL_T_DUMP, 5, -EINVAL, "no vCPU 9", CTL_F_MORE, -1);
	ok(ctl_call(sv[0], &rq, &rep, 1000) == 0 && rep.hdr.status == -EINVAL &&
	   !strcmp((char *)rep.data, "no vCPU 9"), "call: an error status ends the reply");
	ctl_reply_free(&rep);

	put_reply(sv[1], CTL_T_NONE, 0, -EACCES, "permission denied", 0, -1);
	ok(ctl_call(sv[0], &rq, &rep, 1000) == 0 && rep.hdr.status == -EACCES,
	   "call: an error reply of type NONE is accepted");
	ctl_reply_free(&rep);

	put_reply(sv[1], CTL_T_DUMP, 6, 0, "x", 0, -1);
	is_int(ctl_call(sv[0], &rq, &rep, 1000), -EPROTO, "call: wrong id is EPROTO");
	ctl_reply_free(&rep);
	recv(sv[0], buf, sizeof(buf), MSG_DONTWAIT);

	is_int(ctl_call(sv[0], &rq, &rep, 20), -ETIMEDOUT, "call: no reply: ETIMEDOUT");
	ctl_reply_free(&rep);

	{
		struct ctl_hdr h = ctl_reply_hdr(CTL_T_DUMP, 5, 0, 0, 0);

		h.version = 9;
		ctl_hdr_encode(buf, &h);
		if (write(sv[1], buf, CTL_HDR_SIZE) != CTL_HDR_SIZE)
			perror("write");
		is_int(ctl_call(sv[0], &rq, &rep, 1000), -EPROTONOSUPPORT,
		       "call: reply of another version");
		ctl_reply_free(&rep);
	}
	/* The peer sends half a header and hangs up. */
	if (write(sv[1], "LKVC", 4) != 4)
		perror("write");
	close(sv[1]);
	is_int(ctl_call(sv[0], &rq, &rep, 1000), -ECONNRESET, "call: hang-up mid reply: ECONNRESET");
	ctl_reply_free(&rep);
	is_int(ctl_wait_closed(sv[0], 100), 0, "wait_closed: returns once the peer is gone");
	close(sv[0]);

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0) {
		is_int(ctl_wait_closed(sv[0], 30), -ETIMEDOUT, "wait_closed: times out on a live peer");
		close(sv[0]);
		close(sv[1]);
	}
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	test_roundtrip();
	test_header();
	test_bad_requests();
	test_replies();
	test_paths();
	test_sockets();
	test_call();
	return done_testing();
}
