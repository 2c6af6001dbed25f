// SPDX-License-Identifier: GPL-2.0
/*
 * virtio/9p.c: the virtio-9p device behind the virtio-mmio transport, as
 * a driver sees it through the register window and a fake guest RAM (no
 * KVM): device ID 9, VIRTIO_9P_MOUNT_TAG offered, the tag in
 * configuration space, requests answered on the device's I/O thread
 * (Tversion, Tattach, a read into a reply split over two buffers), a
 * chain too short to answer ending in DEVICE_NEEDS_RESET, and a reset
 * that starts a new session. Several requests in flight on the worker
 * pool (virtio/9p-pool.h): a Tgetattr answered while a Tread is held in
 * its worker, a Tflush answered only after the request it flushes, a
 * Tversion that waits for an earlier request and holds back a later one,
 * and a full set of chains answered at once. Which thread answers a data
 * request (the io_inline and io_worker counters): a lone Tread, Twrite or
 * Treaddir of a regular file or directory on the I/O thread; one of a
 * FIFO, a Tfsync, two Treads posted together, and a Tread that arrived
 * while the I/O thread answered another, on a worker.
 *
 * LKVM_9P_TIMING=N in the environment also times N Tgetattr, N 16-byte
 * Tread and N 8 KiB Twrite round trips through the MMIO harness
 * (diagnostics only).
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hv/kvm.h"
#include "hv/x86/layout.h"
#include "tests/tap.h"
#include "tests/unit/virtq-driver.h"
#include "util/log.h"
#include "virtio/9p.h"
#include "virtio/9p-pool.h"
#include "virtio/9p-proto.h"
#include "virtio/9p-server.h"
#include "virtio/transport.h"

#define RAM_SIZE	(1024 * 1024)
#define REQ_GPA		0x10000
#define REPLY_GPA	0x20000

static struct kvm kvm = {
	.vm_fd = -1,
	.sys_fd = -1,
	.end_lock = PTHREAD_MUTEX_INITIALIZER,
	.end_cond = PTHREAD_COND_INITIALIZER,
};
static const u64 base = VIRTIO_MMIO_START;

static u32 rd(u64 off)
{
	u32 v = 0;

	bus_access(&kvm.mmio, base + off, (u8 *)&v, 4, false, NULL);
	return v;
}

static void wr(u64 off, u32 v)
{
	bus_access(&kvm.mmio, base + off, (u8 *)&v, 4, true, NULL);
}

static u8 rd8(u64 off)
{
	u8 v = 0;

	bus_access(&kvm.mmio, base + off, &v, 1, false, NULL);
	return v;
}

/* Driver start-up (virtio 1.2 3.1.1) with one queue of 8 entries. */
static void setup(void)
{
	memset(ram, 0, 0x8000);
	wr(0x070, 0);
	wr(0x070, 1);
	wr(0x070, 3);
	wr(0x024, 1);
	wr(0x020, 1);		/* VERSION_1 */
	wr(0x024, 0);
	wr(0x020, 1);		/* VIRTIO_9P_MOUNT_TAG */
	wr(0x070, 0xb);
	wr(0x030, 0);
	wr(0x038, 8);
	wr(0x080, DESC_GPA);
	wr(0x084, 0);
	wr(0x090, AVAIL_GPA);
	wr(0x094, 0);
	wr(0x0a0, USED_GPA);
	wr(0x0a4, 0);
	wr(0x044, 1);
	wr(0x070, 0xf);
}

/* Put the @len-byte message at REQ_GPA, the reply buffer (@in bytes, cut
 * in two at @cut) at REPLY_GPA, notify, and wait for the used ring
 * (spinning if @spin). Returns the used length, or -1 on a timeout. */
static int request_wait(const u8 *msg, u32 len, u32 in, u32 cut, bool spin)
{
	u16 before = used_idx();
	u32 ulen;

	memcpy(ram + REQ_GPA, msg, len);
	memset(ram + REPLY_GPA, 0xee, in);
	set_desc(0, REQ_GPA, len, VIRTQ_DESC_F_NEXT, 1);
	if (cut && cut < in) {
		set_desc(1, REPLY_GPA, cut, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 2);
		set_desc(2, REPLY_GPA + cut, in - cut, VIRTQ_DESC_F_WRITE, 0);
	} else {
		set_desc(1, REPLY_GPA, in, VIRTQ_DESC_F_WRITE, 0);
	}
	publish(0);
	wr(0x050, 0);		/* QueueNotify */
	if (spin) {	/* for timing: WAIT_FOR sleeps a millisecond a try */
		for (long i = 0; used_idx() == before; i++)
			if (i == 2000000000L)
				return -1;
	} else if (!WAIT_FOR(used_idx() != before)) {
		return -1;
	}
	memcpy(&ulen, ram + USED_GPA + 4 + 8 * (before % 8) + 4, 4);
	return (int)ulen;
}

static int request(const u8 *msg, u32 len, u32 in, u32 cut)
{
	return request_wait(msg, len, in, cut, false);
}

static struct p9_buf B;
static u8 msg[512];

static void beg_tag(u8 type, u16 tag)
{
	p9_buf_init(&B, msg, sizeof(msg));
	p9_reply_begin(&B, type, tag);
}

static void beg(u8 type)
{
	beg_tag(type, 7);
}

/* The device's data requests answered so far on the I/O thread, and on
 * workers. */
static u64 n_inline(void)
{
	struct p9_stats st = { 0 };

	virtio_9p_stats(0, &st);
	return st.io_inline;
}

static u64 n_worker(void)
{
	struct p9_stats st = { 0 };

	virtio_9p_stats(0, &st);
	return st.io_worker;
}

/* Twalk from the root (fid 0) to @name as @fid, then Tlopen it with
 * @flags. Returns true if both succeed. */
static bool open_fid(u32 fid, const char *name, u32 flags)
{
	u8 *reply = ram + REPLY_GPA;

	beg(P9_TWALK);
	p9_put_u32(&B, 0);
	p9_put_u32(&B, fid);
	p9_put_u16(&B, 1);
	p9_put_str(&B, name, strlen(name));
	if (request(msg, p9_reply_end(&B), 256, 0) < 0 || reply[4] != P9_RWALK)
		return false;
	beg(P9_TLOPEN);
	p9_put_u32(&B, fid);
	p9_put_u32(&B, flags);
	return request(msg, p9_reply_end(&B), 256, 0) == 24 && reply[4] == P9_RLOPEN;
}

/* A data request @type (fid[4] offset[8] count[4], and @wlen bytes of
 * data for Twrite) on @fid, waited for; returns the reply's type. */
static u8 data_request(u8 type, u32 fid, u32 count, u32 wlen)
{
	beg(type);
	p9_put_u32(&B, fid);
	if (type == P9_TFSYNC) {
		p9_put_u32(&B, 0);
	} else {
		p9_put_u64(&B, 0);
		p9_put_u32(&B, count);
		for (u32 i = 0; i < wlen; i++)
			p9_put_u8(&B, 'w');
	}
	if (request(msg, p9_reply_end(&B), 4096, 0) < 0)
		return 0;
	return ram[REPLY_GPA + 4];
}

/* ---- several chains in flight ------------------------------------------ */

#define SLOT_BYTES	0x1000

/* The worker hook: a request with tag hold_tag waits in its worker until
 * release() (held says it arrived). */
static pthread_mutex_t hold_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t hold_cond = PTHREAD_COND_INITIALIZER;
static int hold_tag = -1, held;

static void hold_hook(const struct virtq_elem *e)
{
	u8 h[P9_HDR_BYTES];

	virtq_elem_from_guest(e, 0, h, sizeof(h));
	pthread_mutex_lock(&hold_lock);
	if ((h[5] | h[6] << 8) == hold_tag) {
		held = 1;
		while (hold_tag >= 0)
			pthread_cond_wait(&hold_cond, &hold_lock);
		held = 0;
	}
	pthread_mutex_unlock(&hold_lock);
}

static void hold(int tag)
{
	pthread_mutex_lock(&hold_lock);
	hold_tag = tag;
	pthread_mutex_unlock(&hold_lock);
}

static int is_held(void)
{
	int h;

	pthread_mutex_lock(&hold_lock);
	h = held;
	pthread_mutex_unlock(&hold_lock);
	return h;
}

static void release(void)
{
	hold(-1);
	pthread_cond_broadcast(&hold_cond);
}

/* Post the message built in B as chain @slot (descriptors 2 * slot and
 * 2 * slot + 1, a SLOT_BYTES reply buffer) and notify; do not wait. */
static void post(int slot)
{
	u32 len = p9_reply_end(&B);
	u64 req = REQ_GPA + slot * SLOT_BYTES, rep = REPLY_GPA + slot * SLOT_BYTES;

	memcpy(ram + req, msg, len);
	memset(ram + rep, 0xee, SLOT_BYTES);
	set_desc(2 * slot, req, len, VIRTQ_DESC_F_NEXT, 2 * slot + 1);
	set_desc(2 * slot + 1, rep, SLOT_BYTES, VIRTQ_DESC_F_WRITE, 0);
	publish(2 * slot);
	wr(0x050, 0);
}

/* Where chain @slot is in the used ring counting from used index @from
 * (0 first), or -1 if it is not there yet. */
static int used_pos(u16 from, int slot)
{
	for (u16 i = from; i != used_idx(); i++) {
		u32 id;

		memcpy(&id, ram + USED_GPA + 4 + 8 * (i % 8), 4);
		if (id == (u32)(2 * slot))
			return (u16)(i - from);
	}
	return -1;
}

static const u8 *slot_reply(int slot)
{
	return ram + REPLY_GPA + slot * SLOT_BYTES;
}

static void post_getattr(int slot, u16 tag, u32 fid)
{
	beg_tag(P9_TGETATTR, tag);
	p9_put_u32(&B, fid);
	p9_put_u64(&B, P9_GETATTR_BASIC);
	post(slot);
}

static void post_read(int slot, u16 tag, u32 fid)
{
	beg_tag(P9_TREAD, tag);
	p9_put_u32(&B, fid);
	p9_put_u64(&B, 0);
	p9_put_u32(&B, 100);
	post(slot);
}

/* The answer to a Tread of the FIFO: the server reads with preadv,
 * which a FIFO refuses (ESPIPE); Linux clients read FIFOs locally. */
static bool fifo_answer(u8 type)
{
	return type == P9_RREAD || type == P9_RLERROR;
}

/* Which thread answers a data request. Fid 1 is the regular file
 * "hello", fid 2 the directory "sub", fid 3 the FIFO "fifo" (all open);
 * fid 4 is "out", open for writing. */
static void which_thread(void)
{
	u64 in0, w0, in1, w1;
	u16 from;
	int all;

	in0 = n_inline();
	w0 = n_worker();
	ok(data_request(P9_TREAD, 1, 16, 0) == P9_RREAD && n_inline() == in0 + 1 &&
	   n_worker() == w0, "a lone Tread of a regular file is answered on the I/O thread");
	ok(data_request(P9_TWRITE, 4, 5, 5) == P9_RWRITE && n_inline() == in0 + 2 &&
	   n_worker() == w0, "... a lone Twrite too");
	ok(data_request(P9_TREADDIR, 2, 512, 0) == P9_RREADDIR && n_inline() == in0 + 3 &&
	   n_worker() == w0, "... and a lone Treaddir of a directory");
	ok(fifo_answer(data_request(P9_TREAD, 3, 16, 0)) && n_worker() == w0 + 1 &&
	   n_inline() == in0 + 3, "a Tread of a FIFO goes to a worker");
	ok(data_request(P9_TFSYNC, 4, 0, 0) == P9_RFSYNC && n_worker() == w0 + 2 &&
	   n_inline() == in0 + 3, "a Tfsync goes to a worker");
	ok(data_request(P9_TREAD, 1, 16, 0) == P9_RREAD && n_inline() == in0 + 4,
	   "with the workers idle again, a lone Tread is back on the I/O thread");

	/* two chains in the ring at once: the first has company */
	from = used_idx();
	w0 = n_worker();
	for (int i = 0; i < 2; i++) {
		u32 len;
		u64 req = REQ_GPA + i * SLOT_BYTES, rep = REPLY_GPA + i * SLOT_BYTES;

		beg_tag(P9_TREAD, 140 + i);
		p9_put_u32(&B, 1);
		p9_put_u64(&B, 0);
		p9_put_u32(&B, 16);
		len = p9_reply_end(&B);
		memcpy(ram + req, msg, len);
		set_desc(2 * i, req, len, VIRTQ_DESC_F_NEXT, 2 * i + 1);
		set_desc(2 * i + 1, rep, SLOT_BYTES, VIRTQ_DESC_F_WRITE, 0);
		publish(2 * i);
	}
	wr(0x050, 0);
	ok(WAIT_FOR(used_idx() == (u16)(from + 2)), "two Treads posted together are answered");
	ok(n_worker() >= w0 + 1, "... the first of them by a worker (%llu)",
	   (unsigned long long)(n_worker() - w0));

	/* a Tread arriving while the I/O thread answers one goes to a worker */
	p9_pool_test_hook = hold_hook;
	from = used_idx();
	in1 = n_inline();
	w1 = n_worker();
	hold(150);
	post_read(0, 150, 1);
	ok(WAIT_FOR(is_held()) && n_inline() == in1 + 1,
	   "a lone Tread of a regular file is held on the I/O thread");
	post_getattr(1, 151, 0);
	post_read(2, 152, 1);
	usleep(50 * 1000);
	ok(used_idx() == from, "requests sent meanwhile wait for it");
	release();
	ok(WAIT_FOR(used_idx() == (u16)(from + 3)), "all three answered once it ends");
	all = slot_reply(0)[4] == P9_RREAD && slot_reply(1)[4] == P9_RGETATTR &&
	      slot_reply(2)[4] == P9_RREAD;
	ok(all && n_worker() == w1 + 1 && n_inline() == in1 + 1,
	   "the Tread that came in meanwhile went to a worker");
	p9_pool_test_hook = NULL;
}

static void in_flight(void)
{
	u16 from = used_idx();
	int a, b, c, all;

	p9_pool_test_hook = hold_hook;

	/* a Tread of a FIFO held in its worker; a Tgetattr goes past it */
	hold(100);
	post_read(0, 100, 3);
	ok(WAIT_FOR(is_held()), "a Tread is held in its worker");
	post_getattr(1, 101, 0);
	ok(WAIT_FOR(used_pos(from, 1) == 0) && slot_reply(1)[4] == P9_RGETATTR,
	   "a Tgetattr sent after it is answered first: several requests in flight");

	/* Tflush of the held read: answered only after the read */
	beg_tag(P9_TFLUSH, 102);
	p9_put_u16(&B, 100);
	post(2);
	usleep(100 * 1000);
	ok(used_pos(from, 2) < 0 && used_pos(from, 0) < 0,
	   "a Tflush of the held Tread is not answered while the Tread runs");
	release();
	ok(WAIT_FOR(used_pos(from, 2) >= 0), "the Tflush is answered once the Tread ends");
	a = used_pos(from, 0);
	b = used_pos(from, 2);
	ok(a >= 0 && a < b && fifo_answer(slot_reply(0)[4]) && slot_reply(2)[4] == P9_RFLUSH,
	   "the Rread reaches the used ring before the Rflush (%d, %d)", a, b);

	/* Tversion waits for an earlier request and holds back a later one */
	from = used_idx();
	hold(110);
	post_read(0, 110, 3);
	ok(WAIT_FOR(is_held()), "another Tread held");
	beg_tag(P9_TVERSION, P9_NOTAG);
	p9_put_u32(&B, 8192);
	p9_put_str(&B, "9P2000.L", 8);
	post(1);
	usleep(50 * 1000);	/* the Tversion is in a worker, waiting */
	beg_tag(P9_TATTACH, 111);
	p9_put_u32(&B, 0);
	p9_put_u32(&B, P9_NOFID);
	p9_put_str(&B, "u", 1);
	p9_put_str(&B, "", 0);
	p9_put_u32(&B, 0);
	post(2);
	usleep(100 * 1000);
	ok(used_idx() == from, "a Tversion waits for the held Tread, a Tattach after it waits too");
	release();
	ok(WAIT_FOR(used_idx() == (u16)(from + 3)), "all three answered once the Tread ends");
	a = used_pos(from, 0);
	b = used_pos(from, 1);
	c = used_pos(from, 2);
	ok(a == 0 && b == 1 && c == 2 && fifo_answer(slot_reply(0)[4]) &&
	   slot_reply(1)[4] == P9_RVERSION && slot_reply(2)[4] == P9_RATTACH,
	   "in order: Rread, Rversion, then Rattach in the new session (%d %d %d)", a, b, c);

	/* every chain the queue holds, at once */
	from = used_idx();
	for (int i = 0; i < 4; i++)
		post_getattr(i, 120 + i, 0);
	ok(WAIT_FOR(used_idx() == (u16)(from + 4)), "four chains in flight at once all answered");
	all = 1;
	for (int i = 0; i < 4; i++)
		all &= slot_reply(i)[4] == P9_RGETATTR && slot_reply(i)[5] == 120 + i;
	ok(all, "... each with its own tag");
	p9_pool_test_hook = NULL;

	beg(P9_TWALK);		/* fid 1 again, for the reset below */
	p9_put_u32(&B, 0);
	p9_put_u32(&B, 1);
	p9_put_u16(&B, 1);
	p9_put_str(&B, "hello", 5);
	ok(request(msg, p9_reply_end(&B), 256, 0) == 22, "Twalk in the new session");
}

static double now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

/* A Twrite of @dlen bytes (whatever RAM holds at WDATA_GPA) to fid @fid
 * at offset 0, its data in a descriptor of its own, as Linux sends it;
 * waits spinning. */
#define WDATA_GPA	0x80000

static void write_spin(u32 fid, u32 dlen)
{
	u16 before = used_idx();
	u32 len, size;

	beg(P9_TWRITE);
	p9_put_u32(&B, fid);
	p9_put_u64(&B, 0);
	p9_put_u32(&B, dlen);
	len = p9_reply_end(&B);
	size = len + dlen;
	memcpy(msg, &size, 4);
	memcpy(ram + REQ_GPA, msg, len);
	set_desc(0, REQ_GPA, len, VIRTQ_DESC_F_NEXT, 1);
	set_desc(1, WDATA_GPA, dlen, VIRTQ_DESC_F_NEXT, 2);
	set_desc(2, REPLY_GPA, 64, VIRTQ_DESC_F_WRITE, 0);
	publish(0);
	wr(0x050, 0);
	for (long i = 0; used_idx() == before && i < 2000000000L; i++)
		;
}

/* LKVM_9P_TIMING=N: N round trips each of a Tgetattr (fid 0), a 16-byte
 * Tread (fid 1) and an 8 KiB Twrite (fid 4; msize is 8192), one after
 * another, in 5 batches; the mean of each batch. */
static void timing(void)
{
	static const char *const what[] = { "Tgetattr", "16-byte Tread", "8 KiB Twrite" };
	const char *env = getenv("LKVM_9P_TIMING");
	int n = env ? atoi(env) : 0;

	for (int kind = 0; n > 0 && kind < 3; kind++) {
		char line[200];
		int len = 0;

		for (int b = 0; b < 5; b++) {
			double t0 = now_us();

			for (int i = 0; i < n / 5; i++) {
				if (kind == 2) {
					write_spin(4, 8192 - P9_TWRITE_HDR);
					continue;
				}
				if (kind) {
					beg(P9_TREAD);
					p9_put_u32(&B, 1);
					p9_put_u64(&B, 0);
					p9_put_u32(&B, 16);
				} else {
					beg(P9_TGETATTR);
					p9_put_u32(&B, 0);
					p9_put_u64(&B, P9_GETATTR_BASIC);
				}
				request_wait(msg, p9_reply_end(&B), 256, 0, true);
			}
			len += snprintf(line + len, sizeof(line) - len, " %.1f",
					(now_us() - t0) / (n / 5));
		}
		diag("timing: %s round trip, us per request in 5 batches of %d:%s", what[kind],
		     n / 5, line);
	}
}

int main(void)
{
	char dir[] = "/tmp/lkvm-virtio-9p.XXXXXX", path[64];
	struct p9_share_opts o;
	u8 *reply;
	int fd, n;

	log_level = LOG_ERROR;
	if (!mkdtemp(dir)) {
		printf("1..0 # SKIP no temporary directory\n");
		return 0;
	}
	snprintf(path, sizeof(path), "%s/hello", dir);
	fd = open(path, O_WRONLY | O_CREAT, 0644);
	if (fd < 0 || write(fd, "hello from the host\n", 20) != 20)
		diag("cannot write %s", path);
	close(fd);
	snprintf(path, sizeof(path), "%s/sub", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/fifo", dir);
	if (mkfifo(path, 0644) < 0)
		diag("cannot make %s", path);
	snprintf(path, sizeof(path), "%s/out", dir);
	fd = open(path, O_WRONLY | O_CREAT, 0644);
	close(fd);
	snprintf(path, sizeof(path), "%s/hello", dir);
	ram = calloc(1, RAM_SIZE);
	reply = ram + REPLY_GPA;
	guest_mem_layout(&kvm.mem, ram, RAM_SIZE);
	bus_init(&kvm.pio, "pio");
	bus_init(&kvm.mmio, "mmio");
	virtio_mmio_reset_layout();

	ok(p9_opts_parse(dir, &o) == 0, "a share of %s", dir);
	snprintf(o.tag, sizeof(o.tag), "hostfiles");
	is_int(virtio_9p_init(&kvm, VIRTIO_TRANSPORT_MMIO, &o), 0, "virtio_9p_init on MMIO");
	is_int(rd(0x008), VIRTIO_ID_9P, "DeviceID 9");
	wr(0x014, 0);
	ok(rd(0x010) & 1, "VIRTIO_9P_MOUNT_TAG offered");
	ok(rd8(0x100) == 9 && rd8(0x101) == 0 && rd8(0x102) == 'h' && rd8(0x10a) == 's',
	   "configuration: tag_len 9, then the tag");
	setup();
	ok(rd(0x070) == 0xf, "the driver is running");

	beg(P9_TVERSION);
	p9_put_u32(&B, 8192);
	p9_put_str(&B, "9P2000.L", 8);
	n = request(msg, p9_reply_end(&B), 256, 0);
	ok(n == 21 && reply[4] == P9_RVERSION && reply[5] == 7 && !memcmp(reply + 13, "9P2000.L", 8),
	   "Tversion answered through the queue (%d bytes)", n);
	beg(P9_TATTACH);
	p9_put_u32(&B, 0);
	p9_put_u32(&B, P9_NOFID);
	p9_put_str(&B, "u", 1);
	p9_put_str(&B, "", 0);
	p9_put_u32(&B, 0);
	n = request(msg, p9_reply_end(&B), 256, 0);
	ok(n == 20 && reply[4] == P9_RATTACH && reply[7] == P9_QTDIR, "Tattach: the root's qid");
	beg(P9_TWALK);
	p9_put_u32(&B, 0);
	p9_put_u32(&B, 1);
	p9_put_u16(&B, 1);
	p9_put_str(&B, "hello", 5);
	request(msg, p9_reply_end(&B), 256, 0);
	beg(P9_TLOPEN);
	p9_put_u32(&B, 1);
	p9_put_u32(&B, 0);
	n = request(msg, p9_reply_end(&B), 256, 0);
	ok(n == 24 && reply[4] == P9_RLOPEN, "Twalk + Tlopen of a host file");
	beg(P9_TREAD);
	p9_put_u32(&B, 1);
	p9_put_u64(&B, 0);
	p9_put_u32(&B, 100);
	n = request(msg, p9_reply_end(&B), 4096, 11);
	ok(n == 31 && reply[4] == P9_RREAD && reply[7] == 20 &&
	   !memcmp(reply + 11, "hello from the host\n", 20),
	   "Tread into a header buffer and a data buffer (the zero-copy layout)");
	ok(open_fid(2, "sub", O_RDONLY | O_DIRECTORY) && open_fid(3, "fifo", O_RDONLY) &&
	   open_fid(4, "out", O_RDWR), "a directory and a FIFO opened for reading, a file for writing");
	timing();
	which_thread();
	in_flight();

	/* 3 readable bytes: no message, no answer possible */
	set_desc(0, REQ_GPA, 3, VIRTQ_DESC_F_NEXT, 1);
	set_desc(1, REPLY_GPA, 64, VIRTQ_DESC_F_WRITE, 0);
	publish(0);
	wr(0x050, 0);
	ok(WAIT_FOR(rd(0x070) & VIRTIO_STATUS_NEEDS_RESET),
	   "a chain of 3 readable bytes: DEVICE_NEEDS_RESET");

	setup();	/* reset, then a new session */
	beg(P9_TCLUNK);
	p9_put_u32(&B, 1);
	n = request(msg, p9_reply_end(&B), 64, 0);
	ok(n == 11 && reply[4] == P9_RLERROR, "after a reset the old session is gone (Rlerror)");
	beg(P9_TVERSION);
	p9_put_u32(&B, 8192);
	p9_put_str(&B, "9P2000.L", 8);
	n = request(msg, p9_reply_end(&B), 256, 0);
	ok(n == 21 && reply[4] == P9_RVERSION, "... and a new one starts with Tversion");

	wr(0x070, 0);
	virtio_exit_all();
	p9_opts_free(&o);
	free(kvm.cmdline_extra);
	free(ram);
	unlink(path);
	for (int i = 0; i < 3; i++) {
		static const char *const names[] = { "sub", "fifo", "out" };

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		remove(path);
	}
	rmdir(dir);
	return done_testing();
}
