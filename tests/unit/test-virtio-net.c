// SPDX-License-Identifier: GPL-2.0
/*
 * virtio/net.c against a fake driver (rings in a malloc'd guest RAM, so
 * ASan sees any access outside it) and a fake back end that records what
 * it is sent: configuration and features, transmit with and without the
 * back end's header, checksum completion, receive with and without
 * MRG_RXBUF (merging, short buffers, holding frames for a full queue),
 * the control queue, and every hostile case of virtio 1.2 section 5.1.6
 * (each must put the device into DEVICE_NEEDS_RESET with one config
 * interrupt and send nothing), including a flood of bad transmit chains
 * after which a reset brings the device back. Segmentation offload: what
 * each kind of back end gets offered, the feature dependencies of 5.1.3.1,
 * GSO transmit headers good and bad, GSO frames received over merged
 * buffers, into one big buffer and against a chain too small, and the
 * byte bound on held frames. No /dev/kvm, no threads.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "hv/kvm.h"
#include "tests/tap.h"
#include "util/log.h"
#include "virtio/net.h"

#define RAM_SIZE	(1024 * 1024)
#define QNUM		16
#define RING_GPA(q)	(0x10000ULL * ((q) + 1))	/* desc; avail +0x1000; used +0x2000 */
#define BUF_GPA		0x80000ULL

static u8 *ram;
static struct guest_mem mem;
static struct net_dev *nd;
static int nr_queue_irqs, nr_config_irqs;
static int irq_log[8], nr_irq_log;	/* the queues interrupted, in order */

static void t_signal_queue(struct virtio_device *d, struct virtqueue *vq)
{
	if (nr_irq_log < (int)ARRAY_SIZE(irq_log))
		irq_log[nr_irq_log++] = (int)vq->index;
	nr_queue_irqs++;
}
static void t_signal_config(struct virtio_device *d) { nr_config_irqs++; }

static const struct virtio_transport_ops tops = {
	.signal_queue = t_signal_queue,
	.signal_config = t_signal_config,
};

/* ---- the fake back end ---------------------------------------------------- */

static u8 sent[4][2048];
static size_t sent_len[4];
static int nr_sent, nr_rx_ready, offload = -1;
static bool fb_answer;	/* send() answers each frame at once, as libslirp's ACKs do */

static u32 sum_from;		/* where fb_send's checksum starts, bytes into the frame */
static u16 sent_sum[4];		/* the frame's ones' complement sum (RFC 1071) from sum_from */

/* Records the first 2048 bytes of each of the first 4 frames sent, and
 * the sum of the whole frame from sum_from. */
static int fb_send(struct net_backend *be, const struct iovec *iov, int iovcnt)
{
	size_t len = 0;
	u32 sum = 0;

	for (int i = 0; i < iovcnt; i++) {
		const u8 *p = iov[i].iov_base;

		if (nr_sent < 4 && len < sizeof(sent[0]))
			memcpy(sent[nr_sent] + len, iov[i].iov_base,
			       MIN(iov[i].iov_len, sizeof(sent[0]) - len));
		for (size_t k = 0; k < iov[i].iov_len; k++)
			if (len + k >= sum_from)
				sum += (len + k - sum_from) & 1 ? p[k] : (u32)p[k] << 8;
		len += iov[i].iov_len;
	}
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	if (nr_sent < 4) {
		sent_len[nr_sent] = len;
		sent_sum[nr_sent] = (u16)sum;
	}
	nr_sent++;
	if (fb_answer) {
		u8 answer[60] = { 0 };

		net_dev_rx(nd, answer, sizeof(answer));
	}
	return 0;
}

static void fb_rx_ready(struct net_backend *be) { nr_rx_ready++; }
static void fb_set_offload(struct net_backend *be, unsigned int o) { offload = (int)o; }
static void fb_close(struct net_backend *be) { }

/* A back end that moves frames itself (vhost-net's contract), and can be
 * told where to signal (VHOST_SET_VRING_CALL): be_call[q]. */
static int nr_rings_start, nr_rings_stop;
static u64 rings_features;
static int be_call[2] = { -1, -1 }, nr_set_call, set_call_fails;

static int fb_rings_start(struct net_backend *be, const struct guest_mem *m, u64 features,
			  struct virtqueue *rx, struct virtqueue *tx, const int call_fd[2])
{
	nr_rings_start++;
	rings_features = features;
	be_call[0] = call_fd[0];
	be_call[1] = call_fd[1];
	return rx->index == NET_RXQ && tx->index == NET_TXQ && call_fd[0] >= 0 ? 0 : -1;
}

static int fb_rings_set_call(struct net_backend *be, int q, int fd)
{
	if (set_call_fails)
		return -1;
	nr_set_call++;
	be_call[q] = fd;
	return 0;
}

static void fb_rings_stop(struct net_backend *be) { nr_rings_stop++; }

/* A transport with an irqfd per queue while direct[q] >= 0 (an unmasked
 * MSI-X vector), none otherwise (masked, INTx, virtio-mmio). */
static int direct[NET_NR_QUEUES] = { -1, -1, -1 };

static int t_queue_irqfd(struct virtio_device *d, struct virtqueue *vq)
{
	return direct[vq->index];
}

static const struct virtio_transport_ops tops_irqfd = {
	.signal_queue = t_signal_queue,
	.signal_config = t_signal_config,
	.queue_irqfd = t_queue_irqfd,
};

static const struct net_backend_ops fb_rings_ops = {
	.name = "fake-vhost",
	.send = fb_send,
	.rx_ready = fb_rx_ready,
	.set_offload = fb_set_offload,
	.rings_start = fb_rings_start,
	.rings_set_call = fb_rings_set_call,
	.rings_stop = fb_rings_stop,
	.close = fb_close,
};

static const struct net_backend_ops fb_ops = {
	.name = "fake",
	.send = fb_send,
	.rx_ready = fb_rx_ready,
	.set_offload = fb_set_offload,
	.close = fb_close,
};
static struct net_backend fb = { .ops = &fb_ops, .desc = "fake" };

/* ---- the driver's side ------------------------------------------------------ */

static u16 avail_idx[NET_NR_QUEUES];
static u16 next_desc[NET_NR_QUEUES];

static u16 *g_avail(int q) { return (u16 *)(ram + RING_GPA(q) + 0x1000); }
static u16 *g_used(int q) { return (u16 *)(ram + RING_GPA(q) + 0x2000); }
static u16 g_used_idx(int q) { return g_used(q)[1]; }
static u32 g_used_len(int q, int i) { return ((u32 *)(g_used(q) + 2))[2 * (i % QNUM) + 1]; }
static u32 g_used_id(int q, int i) { return ((u32 *)(g_used(q) + 2))[2 * (i % QNUM)]; }

static void g_desc(int q, int i, u64 addr, u32 len, u16 flags, u16 next)
{
	struct virtq_desc d = { addr, len, flags, next };

	memcpy(ram + RING_GPA(q) + 16 * i, &d, sizeof(d));
}

/* Post a chain on queue @q of @n parts (@gpa[i], @len[i], writable if
 * @w[i]); returns its head. Descriptors are handed out round robin. */
static u16 g_chain(int q, int n, const u64 *gpa, const u32 *len, const bool *w)
{
	u16 head = next_desc[q];

	for (int i = 0; i < n; i++) {
		u16 d = (u16)((head + i) % QNUM);

		g_desc(q, d, gpa[i], len[i], (u16)((w[i] ? VIRTQ_DESC_F_WRITE : 0) |
			(i + 1 < n ? VIRTQ_DESC_F_NEXT : 0)), (u16)((d + 1) % QNUM));
	}
	next_desc[q] = (u16)((head + n) % QNUM);
	g_avail(q)[2 + avail_idx[q] % QNUM] = head;
	g_avail(q)[1] = ++avail_idx[q];
	return head;
}

/* One buffer of @len bytes at @gpa: writable for receive, readable else. */
static u16 g_buf(int q, u64 gpa, u32 len, bool writable)
{
	return g_chain(q, 1, &gpa, &len, &writable);
}

/* Reset the device and bring all three queues up with @features. */
static void bring_up(u64 features)
{
	u8 s = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER;

	pthread_mutex_lock(&nd->vdev.lock);
	virtio_set_status_locked(&nd->vdev, 0);
	memset(ram + RING_GPA(0), 0, 0x30000 + 0x10000);
	memset(avail_idx, 0, sizeof(avail_idx));
	memset(next_desc, 0, sizeof(next_desc));
	virtio_set_status_locked(&nd->vdev, s);
	features |= VIRTIO_BIT(VIRTIO_F_VERSION_1);
	virtio_set_driver_features_locked(&nd->vdev, 0, (u32)features);
	virtio_set_driver_features_locked(&nd->vdev, 1, (u32)(features >> 32));
	virtio_set_status_locked(&nd->vdev, s | VIRTIO_STATUS_FEATURES_OK);
	for (int q = 0; q < NET_NR_QUEUES; q++) {
		struct virtqueue *vq = &nd->vdev.vqs[q];

		vq->num = QNUM;
		vq->desc_gpa = RING_GPA(q);
		vq->avail_gpa = RING_GPA(q) + 0x1000;
		vq->used_gpa = RING_GPA(q) + 0x2000;
		virtio_queue_enable_locked(&nd->vdev, vq);
	}
	virtio_set_status_locked(&nd->vdev, s | VIRTIO_STATUS_FEATURES_OK |
				 VIRTIO_STATUS_DRIVER_OK);
	pthread_mutex_unlock(&nd->vdev.lock);
	nr_queue_irqs = nr_config_irqs = nr_sent = nr_rx_ready = 0;
	nd->rx_dropped = nd->rx_frames = nd->tx_frames = nd->tx_dropped = nd->rx_refused = 0;
}

static void notify(int q)
{
	nd->vdev.ops->queue_notify(&nd->vdev, &nd->vdev.vqs[q]);
}

static bool needs_reset(void)
{
	return virtio_status(&nd->vdev) & VIRTIO_STATUS_NEEDS_RESET;
}

#define F(b) VIRTIO_BIT(VIRTIO_NET_F_##b)

/* A header at @gpa followed by a frame of @flen bytes (pattern @seed). */
static void g_packet(u64 gpa, u8 flags, u8 gso, u16 cstart, u16 coff, u32 flen, u8 seed)
{
	struct virtio_net_hdr h = { .flags = flags, .gso_type = gso, .csum_start = cstart,
				    .csum_offset = coff };

	memcpy(ram + gpa, &h, sizeof(h));
	for (u32 i = 0; i < flen; i++)
		ram[gpa + VIRTIO_NET_HDR_BYTES + i] = (u8)(seed + i);
}

/* ---- tests ------------------------------------------------------------------ */

static void test_config(void)
{
	struct virtio_net_config c;
	u64 off = nd->vdev.offered;

	memcpy(&c, nd->vdev.config, sizeof(c));
	ok(!memcmp(c.mac, "\x52\x54\x00\x01\x02\x03", 6) && c.status == VIRTIO_NET_S_LINK_UP &&
	   c.mtu == 1500 && c.max_virtqueue_pairs == 1 && nd->vdev.config_size == 12,
	   "config: MAC, link up, MTU 1500, one pair");
	ok((off & F(MAC)) && (off & F(MTU)) && (off & F(STATUS)) && (off & F(CSUM)) &&
	   (off & F(GUEST_CSUM)) && (off & F(MRG_RXBUF)) && (off & F(CTRL_VQ)) &&
	   (off & F(CTRL_RX)) && nd->vdev.device_id == VIRTIO_ID_NET && nd->vdev.nr_queues == 3,
	   "features: MAC MTU STATUS CSUM GUEST_CSUM MRG_RXBUF CTRL_VQ CTRL_RX; 3 queues");
	bring_up(F(CTRL_RX));
	ok(!(virtio_status(&nd->vdev) & VIRTIO_STATUS_FEATURES_OK),
	   "CTRL_RX without CTRL_VQ is refused at FEATURES_OK");
	bring_up(F(GUEST_CSUM));
	ok(offload == NET_OFFLOAD_CSUM, "DRIVER_OK tells the back end GUEST_CSUM was accepted");
	bring_up(0);
	ok(offload == 0, "... or not");
	ok(!(off & (F(HOST_TSO4) | F(HOST_TSO6) | F(HOST_ECN) | F(GUEST_TSO4) | F(GUEST_TSO6) |
		    F(GUEST_ECN) | F(HOST_UFO) | F(GUEST_UFO))),
	   "a back end without offloads: no TSO, ECN or UFO offered");
}

static void test_tx(void)
{
	u16 cs;
	u32 sum = 0;

	fb.vnet_hdr = false;
	bring_up(F(CSUM));
	g_packet(BUF_GPA, 0, 0, 0, 0, 60, 7);
	/* header and the first 4 bytes, then the rest */
	g_chain(NET_TXQ, 2, (u64[]){ BUF_GPA, BUF_GPA + 16 }, (u32[]){ 16, 56 },
		(bool[]){ false, false });
	notify(NET_TXQ);
	ok(nr_sent == 1 && sent_len[0] == 60 && sent[0][0] == 7 && sent[0][59] == (u8)(7 + 59) &&
	   g_used_idx(NET_TXQ) == 1 && g_used_len(NET_TXQ, 0) == 0 && nr_queue_irqs == 1,
	   "TX: a frame split over two descriptors goes out without the header; used, interrupt");

	/* NEEDS_CSUM: a checksum over bytes 34.. stored at 34 + 6 */
	g_packet(BUF_GPA, VIRTIO_NET_HDR_F_NEEDS_CSUM, 0, 34, 6, 61, 3);
	ram[BUF_GPA + 12 + 40] = ram[BUF_GPA + 12 + 41] = 0;	/* pseudo-header sum 0 */
	g_buf(NET_TXQ, BUF_GPA, 12 + 61, false);
	notify(NET_TXQ);
	for (u32 i = 34; i < 61; i += 2)
		sum += (u32)sent[1][i] << 8 | (i + 1 < 61 ? sent[1][i + 1] : 0);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	memcpy(&cs, &sent[1][40], 2);
	ok(nr_sent == 2 && sum == 0xffff && cs != 0, "TX NEEDS_CSUM: the device finishes the checksum (odd length)");

	fb.vnet_hdr = true;
	g_packet(BUF_GPA, VIRTIO_NET_HDR_F_NEEDS_CSUM, 0, 14, 16, 60, 1);
	g_buf(NET_TXQ, BUF_GPA, 72, false);
	notify(NET_TXQ);
	ok(nr_sent == 3 && sent_len[2] == 72 && sent[2][0] == VIRTIO_NET_HDR_F_NEEDS_CSUM &&
	   sent[2][12] == 1, "TX to a back end with headers: the header goes along");
	fb.vnet_hdr = false;
	ok(!needs_reset() && nd->tx_frames == 3, "... and the device is fine");
}

/* @n frames sent to a back end that answers each inside send(). */
static void tx_answered_batch(int n)
{
	for (int i = 0; i < n; i++)
		g_buf(NET_RXQ, BUF_GPA + 0x1000 * (u64)(i + 1), 1526, true);
	for (int i = 0; i < n; i++) {
		g_packet(BUF_GPA + 0x100 * (u64)i, 0, 0, 0, 0, 60, (u8)i);
		g_buf(NET_TXQ, BUF_GPA + 0x100 * (u64)i, 72, false);
	}
	fb_answer = true;
	nr_irq_log = 0;
	notify(NET_TXQ);
	fb_answer = false;
}

/* A back end that answers inside send(): one receive interrupt per
 * transmit batch; the transmit one waits for the driver's receive poll,
 * and goes out when the hold ends unless the driver no longer wants it. */
static void test_tx_answered(void)
{
	volatile u16 *tx_avail_flags;

	fb.vnet_hdr = false;
	bring_up(0);
	tx_avail_flags = (volatile u16 *)(ram + RING_GPA(NET_TXQ) + 0x1000);
	tx_answered_batch(3);
	ok(nr_sent == 3 && g_used_idx(NET_TXQ) == 3 && g_used_idx(NET_RXQ) == 3 &&
	   nd->rx_frames == 3, "TX answered in send(): 3 frames out, 3 answers in");
	ok(nr_irq_log == 1 && irq_log[0] == NET_RXQ && nd->tx_held,
	   "... one receive interrupt for the batch, the transmit one held (got %d)", nr_irq_log);
	net_dev_tx_hold_end(nd);
	ok(nr_irq_log == 2 && irq_log[1] == NET_TXQ && !nd->tx_held,
	   "... and raised when the hold ends: the driver did not look meanwhile");
	tx_answered_batch(2);
	*tx_avail_flags = VIRTQ_AVAIL_F_NO_INTERRUPT;	/* its receive poll cleaned */
	net_dev_tx_hold_end(nd);
	*tx_avail_flags = 0;
	ok(nr_irq_log == 1 && irq_log[0] == NET_RXQ && !nd->tx_held,
	   "... not raised at all when the driver took the buffers in its receive poll");
	/* an answer outside a batch interrupts at once */
	g_buf(NET_RXQ, BUF_GPA + 0x4000, 1526, true);
	nr_irq_log = 0;
	ok(net_dev_rx(nd, (u8[60]){ 0 }, 60) && nr_irq_log == 1 && irq_log[0] == NET_RXQ,
	   "... a frame outside a transmit batch interrupts at once");
}

/* After a transmit batch the device looks at the ring again on its timer
 * instead of asking for a kick; the look that finds nothing asks. */
static void test_tx_poll(void)
{
	volatile u16 *avail_event = &g_used(NET_TXQ)[2 + 4 * QNUM];
	long wait;

	fb.vnet_hdr = false;
	bring_up(VIRTIO_BIT(VIRTIO_F_EVENT_IDX));
	g_packet(BUF_GPA, 0, 0, 0, 0, 60, 1);
	g_buf(NET_TXQ, BUF_GPA, 72, false);
	notify(NET_TXQ);
	ok(nr_sent == 1 && !nd->tx_polling && *avail_event == 1,
	   "TX poll: after a short frame alone (an ACK) the next kick is asked for at once");
	g_packet(BUF_GPA, 0, 0, 0, 0, 600, 1);
	g_buf(NET_TXQ, BUF_GPA, 612, false);
	notify(NET_TXQ);
	ok(nr_sent == 2 && nd->tx_polling && *avail_event == 1,
	   "TX poll: after a data frame the timer is armed and no further kick asked for");
	for (int i = 0; i < 2; i++) {
		g_packet(BUF_GPA + 0x400 * (u64)(i + 1), 0, 0, 0, 0, 600, (u8)i);
		g_buf(NET_TXQ, BUF_GPA + 0x400 * (u64)(i + 1), 612, false);
	}
	net_dev_tx_poll(nd);
	ok(nr_sent == 4 && nd->tx_polling && *avail_event == 1 && g_used_idx(NET_TXQ) == 4,
	   "... the timer sends the 2 frames the driver added meanwhile, still no kick asked");
	wait = nd->tx_poll_ns;
	net_dev_tx_poll(nd);
	ok(nr_sent == 4 && !nd->tx_polling && *avail_event == 4,
	   "... a look that finds none asks for a kick at the next entry (avail_event 4)");
	ok(nd->tx_poll_ns == 2 * wait, "... and the next wait is twice as long (it came too early)");
	g_packet(BUF_GPA, 0, 0, 0, 0, 600, 7);
	g_buf(NET_TXQ, BUF_GPA, 612, false);
	notify(NET_TXQ);
	ok(nr_sent == 5 && nd->tx_polling, "... and the kick that follows sends at once");
	wait = nd->tx_poll_ns;
	for (int i = 0; i < 8; i++) {
		g_packet(BUF_GPA + 0x400 * (u64)i, 0, 0, 0, 0, 600, (u8)i);
		g_buf(NET_TXQ, BUF_GPA + 0x400 * (u64)i, 612, false);
	}
	net_dev_tx_poll(nd);
	ok(nr_sent == 13 && nd->tx_poll_ns == wait / 2,
	   "... a look that finds 8 frames waiting halves the wait");
	net_dev_tx_poll(nd);
}

/* One hostile transmit chain, built by @post, must fault the device. */
static void tx_bad(const char *what, void (*post)(void))
{
	bring_up(F(CSUM));
	post();
	notify(NET_TXQ);
	ok(needs_reset() && nr_config_irqs == 1 && nr_sent == 0 && g_used_idx(NET_TXQ) == 0,
	   "TX hostile: %s -> NEEDS_RESET, one config interrupt, nothing sent", what);
}

static void p_writable(void)
{
	g_packet(BUF_GPA, 0, 0, 0, 0, 60, 0);
	g_chain(NET_TXQ, 2, (u64[]){ BUF_GPA, BUF_GPA + 0x1000 }, (u32[]){ 72, 10 },
		(bool[]){ false, true });
}
static void p_short_hdr(void) { g_buf(NET_TXQ, BUF_GPA, 8, false); }
static void p_short_frame(void) { g_packet(BUF_GPA, 0, 0, 0, 0, 13, 0); g_buf(NET_TXQ, BUF_GPA, 25, false); }
static void p_long_frame(void) { g_packet(BUF_GPA, 0, 0, 0, 0, 1600, 0); g_buf(NET_TXQ, BUF_GPA, 1612, false); }
static void p_gso(void) { g_packet(BUF_GPA, 0, 1, 0, 0, 60, 0); g_buf(NET_TXQ, BUF_GPA, 72, false); }
static void p_flags(void)
{
	g_packet(BUF_GPA, VIRTIO_NET_HDR_F_DATA_VALID, 0, 0, 0, 60, 0);
	g_buf(NET_TXQ, BUF_GPA, 72, false);
}
static void p_csum_past(void)
{
	g_packet(BUF_GPA, VIRTIO_NET_HDR_F_NEEDS_CSUM, 0, 50, 9, 60, 0);
	g_buf(NET_TXQ, BUF_GPA, 72, false);
}
static void p_csum_wrap(void)
{
	g_packet(BUF_GPA, VIRTIO_NET_HDR_F_NEEDS_CSUM, 0, 0xffff, 0xffff, 60, 0);
	g_buf(NET_TXQ, BUF_GPA, 72, false);
}
static void p_outside(void) { g_buf(NET_TXQ, RAM_SIZE - 8, 72, false); }

static void test_tx_hostile(void)
{
	tx_bad("a device-writable descriptor", p_writable);
	tx_bad("8 bytes, shorter than the header", p_short_hdr);
	tx_bad("a 13-byte frame", p_short_frame);
	tx_bad("a 1600-byte frame (MTU 1500)", p_long_frame);
	tx_bad("gso_type TCPV4 without GSO", p_gso);
	tx_bad("DATA_VALID on transmit", p_flags);
	tx_bad("a checksum field past the frame", p_csum_past);
	tx_bad("csum_start and csum_offset 0xffff", p_csum_wrap);
	tx_bad("a buffer past the end of guest RAM", p_outside);

	bring_up(0);
	g_packet(BUF_GPA, VIRTIO_NET_HDR_F_NEEDS_CSUM, 0, 14, 6, 60, 0);
	g_buf(NET_TXQ, BUF_GPA, 72, false);
	notify(NET_TXQ);
	ok(needs_reset() && nr_sent == 0, "TX hostile: NEEDS_CSUM without VIRTIO_NET_F_CSUM");

	/* a flood: a full ring of bad chains, kicked again and again */
	bring_up(F(CSUM));
	for (int i = 0; i < QNUM; i++)
		g_buf(NET_TXQ, BUF_GPA, 4, false);
	for (int i = 0; i < 100; i++)
		notify(NET_TXQ);
	ok(needs_reset() && nr_config_irqs == 1 && nr_sent == 0 && g_used_idx(NET_TXQ) == 0,
	   "TX flood of bad chains: one fault, one interrupt, nothing sent or used");
	bring_up(F(CSUM));
	g_packet(BUF_GPA, 0, 0, 0, 0, 60, 9);
	g_buf(NET_TXQ, BUF_GPA, 72, false);
	notify(NET_TXQ);
	ok(!needs_reset() && nr_sent == 1 && sent[0][0] == 9,
	   "... and after the driver's reset the device sends again");
}

static void test_rx(void)
{
	u8 frame[200];
	struct virtio_net_hdr h;
	bool okay = true;

	for (int i = 0; i < (int)sizeof(frame); i++)
		frame[i] = (u8)(i * 3);
	fb.vnet_hdr = false;

	/* before DRIVER_OK: dropped */
	pthread_mutex_lock(&nd->vdev.lock);
	virtio_set_status_locked(&nd->vdev, 0);
	pthread_mutex_unlock(&nd->vdev.lock);
	ok(net_dev_rx(nd, frame, 100), "RX before the driver is ready: taken (and dropped)");

	bring_up(0);
	g_buf(NET_RXQ, BUF_GPA, 1526, true);
	ok(net_dev_rx(nd, frame, 100) && g_used_idx(NET_RXQ) == 1 &&
	   g_used_len(NET_RXQ, 0) == 112 && nr_queue_irqs == 1, "RX: a 100-byte frame uses 112 bytes");
	memcpy(&h, ram + BUF_GPA, sizeof(h));
	ok(h.num_buffers == 1 && h.flags == 0 && h.gso_type == 0 &&
	   !memcmp(ram + BUF_GPA + 12, frame, 100), "... header (num_buffers 1) and frame intact");

	/* too small a buffer without MRG_RXBUF: the frame is dropped, the
	 * buffer kept for the next frame */
	g_buf(NET_RXQ, BUF_GPA, 50, true);
	ok(net_dev_rx(nd, frame, 100) && g_used_idx(NET_RXQ) == 1 && nd->rx_dropped == 1,
	   "RX: a frame larger than the buffer is dropped, the buffer kept");
	ok(net_dev_rx(nd, frame, 30) && g_used_idx(NET_RXQ) == 2 && g_used_len(NET_RXQ, 1) == 42,
	   "... and used by the next frame that fits");

	/* merged buffers */
	bring_up(F(MRG_RXBUF));
	for (int i = 0; i < 4; i++)
		g_buf(NET_RXQ, BUF_GPA + 0x100 * i, 64, true);
	ok(net_dev_rx(nd, frame, 150) && g_used_idx(NET_RXQ) == 3 && g_used_len(NET_RXQ, 0) == 64 &&
	   g_used_len(NET_RXQ, 1) == 64 && g_used_len(NET_RXQ, 2) == 34 &&
	   g_used_id(NET_RXQ, 0) == 0 && g_used_id(NET_RXQ, 2) == 2,
	   "MRG_RXBUF: 162 bytes over three 64-byte buffers, in order");
	memcpy(&h, ram + BUF_GPA, sizeof(h));
	okay = h.num_buffers == 3 && !memcmp(ram + BUF_GPA + 12, frame, 52) &&
	       !memcmp(ram + BUF_GPA + 0x100, frame + 52, 64) &&
	       !memcmp(ram + BUF_GPA + 0x200, frame + 116, 34);
	ok(okay, "... num_buffers 3 and the frame reassembles");

	/* not enough buffers yet: the frame waits, the buffers are given back */
	ok(net_dev_rx(nd, frame, 150) && g_used_idx(NET_RXQ) == 3 && nd->pend_count == 1,
	   "MRG_RXBUF: one buffer left for three: the frame is held, nothing used");
	g_buf(NET_RXQ, BUF_GPA + 0x400, 64, true);
	g_buf(NET_RXQ, BUF_GPA + 0x500, 64, true);
	notify(NET_RXQ);
	ok(g_used_idx(NET_RXQ) == 6 && nd->pend_count == 0 && nr_rx_ready == 1 &&
	   g_used_id(NET_RXQ, 3) == 3, "... delivered once the driver posts more, back end told");

	/* a hold that fills up */
	bring_up(0);
	for (int i = 0; i < VIRTIO_NET_PENDING; i++)
		okay = net_dev_rx(nd, frame, 60) && okay;
	ok(okay && !net_dev_rx(nd, frame, 60) && nd->rx_refused == 1,
	   "RX: %d frames are held, then the back end must wait (one refusal counted)",
	   VIRTIO_NET_PENDING);
	bring_up(0);
	ok(nd->pend_count == 0, "... a reset drops the held frames");

	/* a frame from a back end with headers: flags kept only with GUEST_CSUM */
	fb.vnet_hdr = true;
	{
		u8 pkt[12 + 60] = { VIRTIO_NET_HDR_F_DATA_VALID };

		memcpy(pkt + 12, frame, 60);
		g_buf(NET_RXQ, BUF_GPA, 1526, true);
		net_dev_rx(nd, pkt, sizeof(pkt));
		ok(g_used_len(NET_RXQ, 0) == 72 && ram[BUF_GPA] == 0 && ram[BUF_GPA + 12] == frame[0],
		   "RX from a tap without GUEST_CSUM: DATA_VALID cleared");
		bring_up(F(GUEST_CSUM));
		g_buf(NET_RXQ, BUF_GPA, 1526, true);
		net_dev_rx(nd, pkt, sizeof(pkt));
		ok(ram[BUF_GPA] == VIRTIO_NET_HDR_F_DATA_VALID, "... and kept with it");
		pkt[1] = 1;	/* GSO, never negotiated */
		g_buf(NET_RXQ, BUF_GPA, 1526, true);
		ok(net_dev_rx(nd, pkt, sizeof(pkt)) && g_used_idx(NET_RXQ) == 1 && nd->rx_dropped == 1,
		   "... a GSO frame from the back end is dropped");
	}
	fb.vnet_hdr = false;

	/* hostile receive buffers */
	bring_up(0);
	g_buf(NET_RXQ, BUF_GPA, 1526, false);
	ok(net_dev_rx(nd, frame, 60) && needs_reset() && g_used_idx(NET_RXQ) == 0,
	   "RX hostile: a device-readable buffer -> NEEDS_RESET");
	bring_up(F(MRG_RXBUF));
	g_buf(NET_RXQ, BUF_GPA, 64, true);
	g_buf(NET_RXQ, BUF_GPA + 0x100, 8, true);
	ok(net_dev_rx(nd, frame, 100) && needs_reset() && g_used_idx(NET_RXQ) == 0,
	   "RX hostile: a merged buffer shorter than the header -> NEEDS_RESET");
	ok(net_dev_rx(nd, frame, 100), "... later frames are dropped while it is broken");
}

static void test_ctrl(void)
{
	bring_up(F(CTRL_VQ) | F(CTRL_RX));
	ram[BUF_GPA] = VIRTIO_NET_CTRL_RX;
	ram[BUF_GPA + 1] = 0;	/* PROMISC */
	ram[BUF_GPA + 2] = 1;
	ram[BUF_GPA + 0x100] = 0xaa;
	g_chain(NET_CTRLQ, 2, (u64[]){ BUF_GPA, BUF_GPA + 0x100 }, (u32[]){ 3, 1 },
		(bool[]){ false, true });
	ram[BUF_GPA + 0x200] = VIRTIO_NET_CTRL_MAC;
	ram[BUF_GPA + 0x201] = 0;	/* MAC_TABLE_SET */
	memset(ram + BUF_GPA + 0x202, 0, 8);
	ram[BUF_GPA + 0x300] = 0xaa;
	g_chain(NET_CTRLQ, 2, (u64[]){ BUF_GPA + 0x200, BUF_GPA + 0x300 }, (u32[]){ 10, 1 },
		(bool[]){ false, true });
	ram[BUF_GPA + 0x400] = 4;	/* MQ: not offered */
	ram[BUF_GPA + 0x401] = 0;
	ram[BUF_GPA + 0x500] = 0xaa;
	g_chain(NET_CTRLQ, 2, (u64[]){ BUF_GPA + 0x400, BUF_GPA + 0x500 }, (u32[]){ 4, 1 },
		(bool[]){ false, true });
	notify(NET_CTRLQ);
	ok(g_used_idx(NET_CTRLQ) == 3 && ram[BUF_GPA + 0x100] == VIRTIO_NET_OK &&
	   ram[BUF_GPA + 0x300] == VIRTIO_NET_OK && g_used_len(NET_CTRLQ, 0) == 1,
	   "control: rx mode and MAC table commands answered OK");
	ok(ram[BUF_GPA + 0x500] == VIRTIO_NET_ERR && !needs_reset(), "control: an unknown class gets ERR");
	g_buf(NET_CTRLQ, BUF_GPA, 1, false);
	notify(NET_CTRLQ);
	ok(needs_reset() && g_used_idx(NET_CTRLQ) == 3,
	   "control hostile: a command without its command and ack bytes -> NEEDS_RESET");
}

/* A back end with rings_start gets the rings at DRIVER_OK and back at reset;
 * meanwhile the device leaves the rings alone. */
static void test_rings_backend(void)
{
	u8 frame[60] = { 0 };

	fb.ops = &fb_rings_ops;
	nd->call_fd[0] = 100;	/* never used by the device itself */
	nd->call_fd[1] = 101;
	nr_rings_start = nr_rings_stop = 0;
	bring_up(F(MRG_RXBUF) | F(CSUM));
	ok(nr_rings_start == 1 && nd->vhost && (rings_features & F(MRG_RXBUF)),
	   "rings back end: started at DRIVER_OK with the negotiated features");
	g_packet(BUF_GPA, 0, 0, 0, 0, 60, 0);
	g_buf(NET_TXQ, BUF_GPA, 72, false);
	notify(NET_TXQ);
	g_buf(NET_RXQ, BUF_GPA + 0x1000, 1526, true);
	ok(nr_sent == 0 && g_used_idx(NET_TXQ) == 0 && net_dev_rx(nd, frame, 60) &&
	   g_used_idx(NET_RXQ) == 0, "... the device neither pops nor pushes its rings");
	bring_up(0);
	ok(nr_rings_stop == 1 && nr_rings_start == 2, "... a reset takes them back (and DRIVER_OK hands them again)");
	pthread_mutex_lock(&nd->vdev.lock);
	virtio_set_status_locked(&nd->vdev, 0);
	pthread_mutex_unlock(&nd->vdev.lock);
	ok(nr_rings_stop == 2 && !nd->vhost, "... and the last reset leaves the device its rings");
	fb.ops = &fb_ops;
	nd->call_fd[0] = nd->call_fd[1] = -1;
}

/* The transport's irqfd for a queue changed: tell the device, as it would. */
static void irqs_changed(void)
{
	nd->vdev.ops->irqs_changed(&nd->vdev);
}

/* A count the back end left in eventfd @fd. */
static u64 left_in(int fd)
{
	u64 n = 0;

	return read(fd, &n, sizeof(n)) == sizeof(n) ? n : 0;
}

/*
 * vhost-net's interrupts: the back end signals the transport's irqfd for
 * each queue while there is one and the relay eventfd otherwise (a masked
 * vector: its interrupt must become a pending bit), switching as the
 * transport says; nothing signalled on the relay is lost in a switch.
 */
static void test_rings_irqfd(void)
{
	int relay[2], irqfd[2];
	u64 one = 1;

	for (int q = 0; q < 2; q++) {
		relay[q] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		irqfd[q] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		nd->call_fd[q] = relay[q];
	}
	fb.ops = &fb_rings_ops;
	nd->vdev.tops = &tops_irqfd;
	nd->relayed = 0;
	direct[NET_RXQ] = irqfd[0];
	direct[NET_TXQ] = irqfd[1];
	nr_set_call = 0;
	bring_up(F(MRG_RXBUF));
	ok(nd->vhost && be_call[0] == irqfd[0] && be_call[1] == irqfd[1] && nr_set_call == 2,
	   "irqfd: at DRIVER_OK each ring signals its queue's irqfd, not the relay");
	ok(nd->relayed == 0 && nr_queue_irqs == 0, "... nothing relayed by the device");

	direct[NET_RXQ] = -1;		/* the driver masks the receive vector */
	irqs_changed();
	ok(be_call[0] == relay[0] && be_call[1] == irqfd[1],
	   "rx vector masked: the receive ring signals the relay (the pending bit), transmit keeps its irqfd");
	nr_set_call = 0;
	irqs_changed();
	ok(nr_set_call == 0, "... asked again with nothing changed: no VHOST_SET_VRING_CALL");

	/* while masked, the back end signals the relay twice; the I/O thread
	 * has not read it yet when the vector is unmasked */
	ok(write(relay[0], &one, sizeof(one)) == sizeof(one) &&
	   write(relay[0], &one, sizeof(one)) == sizeof(one), "(the relay counts two signals)");
	direct[NET_RXQ] = irqfd[0];
	irqs_changed();
	ok(be_call[0] == irqfd[0] && nr_queue_irqs == 1 && nd->relayed == 1 && !left_in(relay[0]),
	   "unmasked: back on the irqfd, and what the relay held is delivered once");
	direct[NET_RXQ] = -1;
	irqs_changed();
	direct[NET_RXQ] = irqfd[0];
	irqs_changed();
	ok(be_call[0] == irqfd[0] && nr_queue_irqs == 1 && nd->relayed == 1,
	   "masked and unmasked again with the relay empty: no extra interrupt");

	direct[NET_TXQ] = -1;		/* MSI-X disabled: INTx */
	direct[NET_RXQ] = -1;
	set_call_fails = 1;
	irqs_changed();
	ok(be_call[0] == irqfd[0] && be_call[1] == irqfd[1],
	   "a back end that cannot switch keeps what it had");
	set_call_fails = 0;
	irqs_changed();
	ok(be_call[0] == relay[0] && be_call[1] == relay[1], "MSI-X disabled: both rings on the relay");

	nr_set_call = 0;
	direct[NET_RXQ] = irqfd[0];
	pthread_mutex_lock(&nd->vdev.lock);
	virtio_set_status_locked(&nd->vdev, 0);
	pthread_mutex_unlock(&nd->vdev.lock);
	irqs_changed();
	ok(!nd->vhost && nr_set_call == 0, "after a reset the back end's signals are left alone");

	nd->vdev.tops = &tops;		/* no queue_irqfd: virtio-mmio */
	bring_up(0);
	ok(nd->vhost && be_call[0] == relay[0] && be_call[1] == relay[1] && nr_set_call == 0,
	   "a transport without irqfds: the rings signal the relay");
	pthread_mutex_lock(&nd->vdev.lock);
	virtio_set_status_locked(&nd->vdev, 0);
	pthread_mutex_unlock(&nd->vdev.lock);

	fb.ops = &fb_ops;
	direct[NET_RXQ] = direct[NET_TXQ] = -1;
	for (int q = 0; q < 2; q++) {
		close(relay[q]);
		close(irqfd[q]);
		nd->call_fd[q] = -1;
	}
}

/* ---- segmentation offload ------------------------------------------------ */

#define ALL_TSO		(NET_OFFLOAD_TSO4 | NET_OFFLOAD_TSO6 | NET_OFFLOAD_TSO_ECN)
#define TSO_OFFER	(F(HOST_TSO4) | F(HOST_TSO6) | F(HOST_ECN) | F(GUEST_TSO4) | \
			 F(GUEST_TSO6) | F(GUEST_ECN))
#define TX_TSO		(F(CSUM) | F(HOST_TSO4) | F(HOST_TSO6) | F(HOST_ECN))
#define RX_TSO		(F(GUEST_CSUM) | F(GUEST_TSO4) | F(GUEST_TSO6) | F(GUEST_ECN))

/* What a NIC offers over a back end with @vnet_hdr and @offloads. The
 * devices stay reachable (static) for the leak checker. */
static u64 offer_for(bool vnet_hdr, unsigned int offloads)
{
	static struct net_backend be[8];
	static struct net_dev *devs[8];
	static int n;
	struct net_dev *d;

	if (n == 8)
		return 0;
	d = devs[n] = net_dev_new((const u8 *)"\x52\x54\x00\x01\x02\x04", 1);
	if (virtio_dev_init(NULL, &d->vdev, &mem) < 0)
		return 0;
	be[n] = (struct net_backend){ .ops = &fb_ops, .vnet_hdr = vnet_hdr, .offloads = offloads };
	net_dev_set_backend(d, &be[n]);
	n++;
	return d->vdev.offered;
}

static void test_tso_offer(void)
{
	u64 slirp = offer_for(false, ALL_TSO), plain = offer_for(true, 0);
	u64 tap = offer_for(true, ALL_TSO), v4 = offer_for(true, NET_OFFLOAD_TSO4);
	u64 ecn = offer_for(true, NET_OFFLOAD_TSO_ECN);

	ok((slirp & TSO_OFFER) == (F(HOST_TSO4) | F(HOST_TSO6)) && (slirp & F(CSUM)) &&
	   (slirp & F(GUEST_CSUM)),
	   "offer: a back end without headers that takes whole segments (user networking): checksums, HOST_TSO4/6 only");
	ok(!(plain & TSO_OFFER), "offer: a tap that takes no TSO: none offered");
	ok((tap & TSO_OFFER) == TSO_OFFER && (tap & F(CSUM)) && (tap & F(GUEST_CSUM)) &&
	   !(tap & (F(HOST_UFO) | F(GUEST_UFO))),
	   "offer: a tap with TSO: HOST/GUEST TSO4, TSO6 and ECN with both checksums, no UFO");
	ok((v4 & TSO_OFFER) == (F(HOST_TSO4) | F(GUEST_TSO4)), "offer: TSO4 alone: only its bits");
	ok(!(ecn & TSO_OFFER), "offer: ECN without a TSO kind: nothing (5.1.3.1)");
}

/* 5.1.3.1's dependencies, alone and at FEATURES_OK. */
static void test_tso_deps(void)
{
	static const struct {
		u64 f;
		int want;
		const char *what;
	} c[] = {
		{ F(GUEST_TSO4), -1, "GUEST_TSO4 without GUEST_CSUM" },
		{ F(GUEST_TSO6), -1, "GUEST_TSO6 without GUEST_CSUM" },
		{ F(GUEST_CSUM) | F(GUEST_ECN), -1, "GUEST_ECN without a GUEST_TSO" },
		{ F(GUEST_UFO), -1, "GUEST_UFO without GUEST_CSUM" },
		{ F(HOST_TSO4), -1, "HOST_TSO4 without CSUM" },
		{ F(HOST_TSO6) | F(GUEST_CSUM), -1, "HOST_TSO6 with GUEST_CSUM but not CSUM" },
		{ F(CSUM) | F(HOST_ECN), -1, "HOST_ECN without a HOST_TSO" },
		{ F(HOST_UFO), -1, "HOST_UFO without CSUM" },
		{ F(CTRL_RX), -1, "CTRL_RX without CTRL_VQ" },
		{ TX_TSO | RX_TSO, 0, "all TSO bits with both checksums" },
		{ F(CSUM) | F(HOST_TSO6) | F(HOST_ECN), 0, "HOST_ECN with HOST_TSO6 alone" },
		{ F(GUEST_CSUM) | F(GUEST_TSO4), 0, "GUEST_TSO4 with GUEST_CSUM" },
	};
	bool okay = true;

	for (size_t i = 0; i < ARRAY_SIZE(c); i++)
		if (net_features_check(c[i].f) != c[i].want) {
			okay = false;
			diag("dependency check wrong for %s", c[i].what);
		}
	ok(okay, "5.1.3.1: each TSO/UFO bit needs its checksum, each ECN a TSO, CTRL_RX the CTRL_VQ");

	fb.vnet_hdr = true;
	fb.offloads = ALL_TSO;
	net_dev_set_backend(nd, &fb);
	bring_up(F(GUEST_TSO4));
	ok(!(virtio_status(&nd->vdev) & VIRTIO_STATUS_FEATURES_OK),
	   "FEATURES_OK refused: a driver taking GUEST_TSO4 without GUEST_CSUM");
	bring_up(F(CSUM) | F(HOST_ECN));
	ok(!(virtio_status(&nd->vdev) & VIRTIO_STATUS_FEATURES_OK),
	   "FEATURES_OK refused: HOST_ECN without HOST_TSO4/6");
	bring_up(RX_TSO | TX_TSO | F(MRG_RXBUF));
	ok((virtio_status(&nd->vdev) & VIRTIO_STATUS_DRIVER_OK) &&
	   offload == (NET_OFFLOAD_CSUM | ALL_TSO),
	   "all of it accepted; the back end is told CSUM, TSO4, TSO6 and ECN for receive");
	bring_up(F(GUEST_CSUM) | F(GUEST_TSO6) | TX_TSO);
	ok(offload == (NET_OFFLOAD_CSUM | NET_OFFLOAD_TSO6),
	   "... only what the driver took for receive (GUEST_TSO6: no TSO4, no ECN)");
	pthread_mutex_lock(&nd->vdev.lock);
	virtio_set_status_locked(&nd->vdev, 0);
	pthread_mutex_unlock(&nd->vdev.lock);
	ok(offload == 0, "a reset turns the back end's offloads off");
}

/* A header with every field, then a frame of @flen bytes (pattern @seed). */
static void g_gso(u64 gpa, u8 flags, u8 gso, u16 hdr_len, u16 gso_size, u16 cstart, u16 coff,
		  u32 flen, u8 seed)
{
	struct virtio_net_hdr h = { .flags = flags, .gso_type = gso, .hdr_len = hdr_len,
				    .gso_size = gso_size, .csum_start = cstart,
				    .csum_offset = coff };

	memcpy(ram + gpa, &h, sizeof(h));
	for (u32 i = 0; i < flen; i++)
		ram[gpa + VIRTIO_NET_HDR_BYTES + i] = (u8)(seed + i);
}

#define NC	VIRTIO_NET_HDR_F_NEEDS_CSUM
#define V4	VIRTIO_NET_HDR_GSO_TCPV4
#define V6	VIRTIO_NET_HDR_GSO_TCPV6
#define ECN	VIRTIO_NET_HDR_GSO_ECN

static void test_tso_tx(void)
{
	struct virtio_net_hdr h;

	fb.vnet_hdr = true;
	bring_up(TX_TSO);
	/* a 64000-byte TCP/IPv4 GSO frame in two descriptors */
	g_gso(BUF_GPA, NC, V4, 66, 1448, 34, 16, 64000, 5);
	g_chain(NET_TXQ, 2, (u64[]){ BUF_GPA, BUF_GPA + 12 }, (u32[]){ 12, 64000 },
		(bool[]){ false, false });
	notify(NET_TXQ);
	memcpy(&h, sent[0], sizeof(h));
	ok(!needs_reset() && nr_sent == 1 && sent_len[0] == 12 + 64000 && h.gso_type == V4 &&
	   h.gso_size == 1448 && h.hdr_len == 66 && h.csum_start == 34 && h.csum_offset == 16 &&
	   h.flags == NC && sent[0][12] == 5 && g_used_idx(NET_TXQ) == 1,
	   "TX GSO: a 64000-byte TCPV4 frame goes to the back end with its header intact");
	g_gso(BUF_GPA, NC, V6 | ECN, 74, 1428, 54, 16, VIRTIO_NET_GSO_FRAME_MAX, 1);
	g_buf(NET_TXQ, BUF_GPA, 12 + VIRTIO_NET_GSO_FRAME_MAX, false);
	notify(NET_TXQ);
	memcpy(&h, sent[1], sizeof(h));
	ok(!needs_reset() && nr_sent == 2 && sent_len[1] == 65562 && h.gso_type == (V6 | ECN),
	   "TX GSO: TCPV6 with ECN, the largest frame (65562 bytes with the header)");
	g_gso(BUF_GPA, NC, V4, 0, 1460, 34, 16, 1000, 1);
	g_buf(NET_TXQ, BUF_GPA, 12 + 1000, false);
	notify(NET_TXQ);
	ok(!needs_reset() && nr_sent == 3, "TX GSO: a frame shorter than one segment, hdr_len 0");
	fb.vnet_hdr = false;
}

/* A back end without headers that takes whole segments (user
 * networking): a GSO frame goes out as one frame, checksum finished. */
static void test_tso_tx_whole(void)
{
	unsigned int was = fb.offloads;
	u16 cs;

	fb.vnet_hdr = false;
	fb.offloads = NET_OFFLOAD_TSO4 | NET_OFFLOAD_TSO6;
	net_dev_set_backend(nd, &fb);
	bring_up(F(CSUM) | F(HOST_TSO4));
	ok(virtio_status(&nd->vdev) & VIRTIO_STATUS_FEATURES_OK,
	   "a back end that takes whole segments: HOST_TSO4 accepted");
	nr_sent = 0;
	sum_from = 34;
	g_gso(BUF_GPA, NC, V4, 66, 1448, 34, 16, 64000, 9);
	ram[BUF_GPA + 12 + 50] = ram[BUF_GPA + 12 + 51] = 0;	/* pseudo-header sum 0 */
	g_buf(NET_TXQ, BUF_GPA, 12 + 64000, false);
	notify(NET_TXQ);
	memcpy(&cs, &sent[0][50], 2);
	ok(!needs_reset() && nr_sent == 1 && sent_len[0] == 64000 && sent[0][0] == 9 &&
	   sent_sum[0] == 0xffff && cs != 0 && g_used_idx(NET_TXQ) == 1,
	   "TX GSO without headers: the 64000-byte TCPV4 frame goes out whole, its TCP checksum finished");
	sum_from = 0;
	fb.offloads = was;	/* the tap's offer again, for the tests after */
	fb.vnet_hdr = true;
	net_dev_set_backend(nd, &fb);
	fb.vnet_hdr = false;
}

/* One hostile GSO chain with all host TSO bits negotiated unless @f. */
static void tso_bad(const char *what, u64 f, u8 flags, u8 gso, u16 hdr_len, u16 gso_size,
		    u16 cstart, u16 coff, u32 flen)
{
	fb.vnet_hdr = true;
	bring_up(f);
	g_gso(BUF_GPA, flags, gso, hdr_len, gso_size, cstart, coff, flen, 0);
	g_buf(NET_TXQ, BUF_GPA, 12 + flen, false);
	notify(NET_TXQ);
	ok(needs_reset() && nr_config_irqs == 1 && nr_sent == 0 && g_used_idx(NET_TXQ) == 0,
	   "TX GSO hostile: %s -> NEEDS_RESET, nothing sent", what);
	fb.vnet_hdr = false;
}

static void test_tso_tx_hostile(void)
{
	tso_bad("TCPV4 with only HOST_TSO6", F(CSUM) | F(HOST_TSO6), NC, V4, 66, 1448, 34, 16, 9000);
	tso_bad("TCPV6 with only HOST_TSO4", F(CSUM) | F(HOST_TSO4), NC, V6, 86, 1428, 54, 16, 9000);
	tso_bad("the ECN bit without HOST_ECN", F(CSUM) | F(HOST_TSO4), NC, V4 | ECN, 66, 1448,
		34, 16, 9000);
	tso_bad("gso_type UDP (no UFO offered)", TX_TSO, NC, VIRTIO_NET_HDR_GSO_UDP, 42, 1472, 34,
		6, 9000);
	tso_bad("gso_type 5 (no USO offered)", TX_TSO, NC, 5, 42, 1472, 34, 6, 9000);
	tso_bad("gso_type 2 (legacy, undefined)", TX_TSO, NC, 2, 66, 1448, 34, 16, 9000);
	tso_bad("GSO without NEEDS_CSUM", TX_TSO, 0, V4, 66, 1448, 34, 16, 9000);
	tso_bad("GSO with csum_offset 6 (UDP's, not TCP's)", TX_TSO, NC, V4, 66, 1448, 34, 6, 9000);
	tso_bad("gso_size 0", TX_TSO, NC, V4, 66, 0, 34, 16, 9000);
	tso_bad("gso_size 1465 (a 1519-byte segment)", TX_TSO, NC, V4, 66, 1465, 34, 16, 9000);
	tso_bad("gso_size 65535", TX_TSO, NC, V4, 66, 65535, 34, 16, 9000);
	tso_bad("hdr_len 9001 past a 9000-byte frame", TX_TSO, NC, V4, 9001, 1448, 34, 16, 9000);
	tso_bad("a TCP header past the frame's end", TX_TSO, NC, V4, 66, 1000, 8982, 16, 9000);
	tso_bad("a checksum field past the frame", TX_TSO, NC, V4, 66, 1448, 34, 0xfff0, 9000);
	tso_bad("a frame one byte over 65550", TX_TSO, NC, V4, 66, 1448, 34, 16,
		VIRTIO_NET_GSO_FRAME_MAX + 1);
	tso_bad("a 9000-byte frame without GSO", TX_TSO, NC, 0, 0, 0, 34, 16, 9000);
	tso_bad("TCPV4 without any HOST_TSO", F(CSUM), NC, V4, 66, 1448, 34, 16, 1000);
}

/* A frame from the back end: a header with @gso, @gso_size, NEEDS_CSUM at
 * 34 + 16, then @flen bytes of pattern i * 7. In the static @pkt. */
static u8 pkt[12 + VIRTIO_NET_GSO_FRAME_MAX + 1];

static size_t b_gso(u8 gso, u16 gso_size, u32 flen)
{
	struct virtio_net_hdr h = { .flags = NC, .gso_type = gso, .hdr_len = 66,
				    .gso_size = gso_size, .csum_start = 34, .csum_offset = 16 };

	memcpy(pkt, &h, sizeof(h));
	for (u32 i = 0; i < flen; i++)
		pkt[12 + i] = (u8)(i * 7);
	return 12 + flen;
}

static bool frame_at(u64 gpa, u32 from, u32 n)
{
	for (u32 i = 0; i < n; i++)
		if (ram[gpa + i] != (u8)((from + i) * 7))
			return false;
	return true;
}

static void test_tso_rx(void)
{
	struct virtio_net_hdr h;
	bool okay = true;
	size_t len;

	fb.vnet_hdr = true;
	/* merged: 40000 bytes and the header over 4096-byte buffers */
	bring_up(RX_TSO | F(MRG_RXBUF));
	for (int i = 0; i < 12; i++)
		g_buf(NET_RXQ, BUF_GPA + 0x1000 * (u64)i, 4096, true);
	len = b_gso(V4, 1448, 40000);
	ok(net_dev_rx(nd, pkt, len) && g_used_idx(NET_RXQ) == 10 && nd->rx_frames == 1,
	   "RX GSO, MRG_RXBUF: 40012 bytes over ten 4096-byte buffers");
	memcpy(&h, ram + BUF_GPA, sizeof(h));
	for (int i = 0; i < 9; i++)
		okay = okay && g_used_len(NET_RXQ, i) == 4096 && g_used_id(NET_RXQ, i) == (u32)i;
	okay = okay && g_used_len(NET_RXQ, 9) == 40012 - 9 * 4096;
	ok(okay && h.num_buffers == 10 && h.gso_type == V4 && h.gso_size == 1448 &&
	   h.hdr_len == 66 && h.flags == NC && h.csum_start == 34 && h.csum_offset == 16,
	   "... num_buffers 10, the GSO fields as the back end gave them");
	ok(frame_at(BUF_GPA + 12, 0, 4084) && frame_at(BUF_GPA + 0x1000, 4084, 4096) &&
	   frame_at(BUF_GPA + 0x9000, 4084 + 8 * 4096, 40000 - 4084 - 8 * 4096),
	   "... and the frame reassembles");

	/* no MRG_RXBUF: the 65562-byte buffer of 5.1.6.3.1 */
	bring_up(RX_TSO);
	g_chain(NET_RXQ, 2, (u64[]){ BUF_GPA, BUF_GPA + 0x8000 }, (u32[]){ 0x8000, 65562 - 0x8000 },
		(bool[]){ true, true });
	len = b_gso(V6 | ECN, 1428, VIRTIO_NET_GSO_FRAME_MAX);
	ok(net_dev_rx(nd, pkt, len) && g_used_idx(NET_RXQ) == 1 && g_used_len(NET_RXQ, 0) == 65562,
	   "RX GSO, no MRG_RXBUF: the largest frame fills one 65562-byte chain");
	memcpy(&h, ram + BUF_GPA, sizeof(h));
	ok(h.num_buffers == 1 && h.gso_type == (V6 | ECN) &&
	   frame_at(BUF_GPA + 12, 0, VIRTIO_NET_GSO_FRAME_MAX), "... num_buffers 1, frame intact");

	/* a chain too small for it: dropped, the buffer kept for a frame
	 * that fits (the driver SHOULD post 65562 bytes: no fault) */
	g_buf(NET_RXQ, BUF_GPA, 1526, true);
	len = b_gso(V4, 1448, 3000);
	ok(net_dev_rx(nd, pkt, len) && !needs_reset() && g_used_idx(NET_RXQ) == 1 &&
	   nd->rx_dropped == 1, "RX GSO into a 1526-byte chain: dropped, no fault");
	len = b_gso(0, 0, 1000);
	ok(net_dev_rx(nd, pkt, len) && g_used_idx(NET_RXQ) == 2 && g_used_len(NET_RXQ, 1) == 1012,
	   "... and the chain is used by the next frame that fits");
	len = b_gso(V4, 1448, VIRTIO_NET_GSO_FRAME_MAX + 1);
	ok(net_dev_rx(nd, pkt, len) && nd->rx_dropped == 2, "RX: a frame over 65550 bytes is dropped");

	/* a kind the driver did not take */
	bring_up(F(GUEST_CSUM) | F(GUEST_TSO4) | F(MRG_RXBUF));
	g_buf(NET_RXQ, BUF_GPA, 4096, true);
	len = b_gso(V6, 1428, 3000);
	ok(net_dev_rx(nd, pkt, len) && nd->rx_dropped == 1 && g_used_idx(NET_RXQ) == 0,
	   "RX: a TCPV6 frame to a driver with GUEST_TSO4 only: dropped");
	len = b_gso(V4 | ECN, 1448, 3000);
	ok(net_dev_rx(nd, pkt, len) && nd->rx_dropped == 2, "... and ECN without GUEST_ECN too");

	/* more than the ring can ever hold: 16 buffers of 64 bytes */
	bring_up(RX_TSO | F(MRG_RXBUF));
	for (int i = 0; i < QNUM; i++)
		g_buf(NET_RXQ, BUF_GPA + 0x100 * (u64)i, 64, true);
	len = b_gso(V4, 1448, 3000);
	ok(net_dev_rx(nd, pkt, len) && nd->rx_dropped == 1 && nd->pend_count == 0 &&
	   g_used_idx(NET_RXQ) == 0, "RX GSO needing more buffers than the ring has: dropped");
	len = b_gso(0, 0, 100);
	ok(net_dev_rx(nd, pkt, len) && g_used_idx(NET_RXQ) == 2, "... the buffers kept for the next");

	/* held frames are bounded by bytes too */
	bring_up(RX_TSO | F(MRG_RXBUF));
	len = b_gso(V4, 1448, 60000);
	okay = true;
	for (size_t i = 0; i < VIRTIO_NET_PENDING_BYTES / len; i++)
		okay = net_dev_rx(nd, pkt, len) && okay;
	ok(okay && !net_dev_rx(nd, pkt, len) && nd->rx_refused == 1 &&
	   nd->pend_bytes <= VIRTIO_NET_PENDING_BYTES,
	   "RX: %zu held 60 KB frames, then the back end must wait (%u bytes at most)",
	   (size_t)(VIRTIO_NET_PENDING_BYTES / len), VIRTIO_NET_PENDING_BYTES);
	len = b_gso(0, 0, 60);
	ok(net_dev_rx(nd, pkt, len) && nd->pend_count == (int)(VIRTIO_NET_PENDING_BYTES / 60012) + 1,
	   "... a small frame that fits the bytes left is still held");
	bring_up(0);
	ok(nd->pend_count == 0 && nd->pend_bytes == 0, "... a reset drops them");
	fb.vnet_hdr = false;
}

int main(void)
{
	log_level = LOG_ERROR;	/* the hostile cases warn by design */
	ram = calloc(1, RAM_SIZE);
	guest_mem_layout(&mem, ram, RAM_SIZE);
	nd = net_dev_new((const u8 *)"\x52\x54\x00\x01\x02\x03", 0);
	is_int(virtio_dev_init(NULL, &nd->vdev, &mem), 0, "virtio_dev_init");
	nd->vdev.tops = &tops;
	net_dev_alloc_elems(nd);
	net_dev_set_backend(nd, &fb);

	test_config();
	test_tx();
	test_tx_answered();
	test_tx_poll();
	test_tx_hostile();
	test_rx();
	test_ctrl();
	test_rings_backend();
	test_rings_irqfd();
	test_tso_offer();
	test_tso_deps();
	test_tso_tx();
	test_tso_tx_whole();
	test_tso_tx_hostile();
	test_tso_rx();
	return done_testing();
}
