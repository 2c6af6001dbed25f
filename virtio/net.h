/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio network device (virtio 1.2 section 5.1): one receiveq/transmitq
 * pair and a controlq; frames go to and from a back end (net/backend.h).
 * Exposed here for the unit test and the fuzz target, which drive the
 * device without threads.
 */
#ifndef LKVM_VIRTIO_NET_H
#define LKVM_VIRTIO_NET_H

#include "net/backend.h"
#include "virtio/virtio.h"

/* Feature bits (5.1.3). */
#define VIRTIO_NET_F_CSUM		0
#define VIRTIO_NET_F_GUEST_CSUM		1
#define VIRTIO_NET_F_MTU		3
#define VIRTIO_NET_F_MAC		5
#define VIRTIO_NET_F_GUEST_TSO4		7
#define VIRTIO_NET_F_GUEST_TSO6		8
#define VIRTIO_NET_F_GUEST_ECN		9
#define VIRTIO_NET_F_GUEST_UFO		10
#define VIRTIO_NET_F_HOST_TSO4		11
#define VIRTIO_NET_F_HOST_TSO6		12
#define VIRTIO_NET_F_HOST_ECN		13
#define VIRTIO_NET_F_HOST_UFO		14
#define VIRTIO_NET_F_MRG_RXBUF		15
#define VIRTIO_NET_F_STATUS		16
#define VIRTIO_NET_F_CTRL_VQ		17
#define VIRTIO_NET_F_CTRL_RX		18

/* Configuration status bits (5.1.4). */
#define VIRTIO_NET_S_LINK_UP		1

/* struct virtio_net_hdr flags and gso_type (5.1.6). */
#define VIRTIO_NET_HDR_F_NEEDS_CSUM	1
#define VIRTIO_NET_HDR_F_DATA_VALID	2
#define VIRTIO_NET_HDR_F_RSC_INFO	4
#define VIRTIO_NET_HDR_GSO_NONE		0
#define VIRTIO_NET_HDR_GSO_TCPV4	1
#define VIRTIO_NET_HDR_GSO_UDP		3
#define VIRTIO_NET_HDR_GSO_TCPV6	4
#define VIRTIO_NET_HDR_GSO_ECN		0x80	/* with TCPV4/6: CWR set in the segments */

/* Control queue classes and answers (5.1.6.5). */
#define VIRTIO_NET_CTRL_RX		0
#define VIRTIO_NET_CTRL_MAC		1
#define VIRTIO_NET_OK			0
#define VIRTIO_NET_ERR			1

#define VIRTIO_NET_MTU		1500
#define VIRTIO_NET_ETH_HDR	14
/* Largest frame either way: the MTU plus an Ethernet header and a VLAN tag. */
#define VIRTIO_NET_FRAME_MAX	(VIRTIO_NET_MTU + VIRTIO_NET_ETH_HDR + 4)
/*
 * Largest GSO frame either way: what the 65562-byte receive buffer that
 * virtio 1.2 5.1.6.3.1 asks of a driver with GUEST_TSO and without
 * MRG_RXBUF holds after the header. Linux sends and hands a tap at most
 * 64 KiB (its GSO limit) including the Ethernet header.
 */
#define VIRTIO_NET_GSO_FRAME_MAX	(65562 - VIRTIO_NET_HDR_BYTES)
/* The smallest TCP header: a GSO segment is csum_start + this + gso_size. */
#define VIRTIO_NET_TCP_HDR	20
/* The TCP checksum field within the TCP header (RFC 9293 section 3.1). */
#define VIRTIO_NET_TCP_CSUM_OFF	16
/* Receive queue entries; a frame may be merged over all of them (MRG_RXBUF). */
#define VIRTIO_NET_QUEUE_SIZE	256
#define VIRTIO_NET_MERGE_MAX	VIRTIO_NET_QUEUE_SIZE
/*
 * Frames held for a full receive queue before more are refused. libslirp
 * cannot hold a refused frame (TCP then waits out a retransmit timeout),
 * and it writes a whole window of segments at once: room for a few
 * hundred keeps a host -> guest stream from stalling. Frames, not bytes:
 * a slot is allocated only while it holds a frame.
 */
#define VIRTIO_NET_PENDING	512
/*
 * And bytes: 512 GSO frames of 64 KiB would be 32 MiB. 512 MTU-sized
 * frames (libslirp's case, which has no GSO) fit well below this; a tap
 * that meets the cap holds the frame and stops reading, so the kernel's
 * queue keeps the rest.
 */
#define VIRTIO_NET_PENDING_BYTES	(2u << 20)

/* Queue numbers (5.1.2, no VIRTIO_NET_F_MQ). */
enum { NET_RXQ, NET_TXQ, NET_CTRLQ, NET_NR_QUEUES };

/* The header before every frame (5.1.6; num_buffers always, VERSION_1). */
struct virtio_net_hdr {
	u8 flags;
	u8 gso_type;
	u16 hdr_len;
	u16 gso_size;
	u16 csum_start;
	u16 csum_offset;
	u16 num_buffers;
} __attribute__((packed));

#define VIRTIO_NET_HDR_BYTES	((u32)sizeof(struct virtio_net_hdr))

/* Configuration space (5.1.4), the fields up to mtu. */
struct virtio_net_config {
	u8 mac[6];
	u16 status;
	u16 max_virtqueue_pairs;
	u16 mtu;
} __attribute__((packed));

/* One NIC. */
struct net_dev {
	struct virtio_device vdev;
	struct virtio_net_config config;
	struct net_backend *be;
	int index;			/* eth0, eth1...: creation order */
	struct virtq_elem *tx_elem, *ctrl_elem;
	/* receive chain holders, allocated as a frame first needs that many */
	struct virtq_elem *rx_elems[VIRTIO_NET_MERGE_MAX];
	u32 rx_lens[VIRTIO_NET_MERGE_MAX];
	u8 txbuf[VIRTIO_NET_HDR_BYTES + VIRTIO_NET_GSO_FRAME_MAX];
	pthread_mutex_t rx_lock;	/* RX delivery and @pending */
	struct {
		u32 len;
		u8 *buf;		/* header (if be->vnet_hdr) and frame */
	} pending[VIRTIO_NET_PENDING];
	int pend_head, pend_count;
	size_t pend_bytes;		/* held in @pending, at most VIRTIO_NET_PENDING_BYTES */
	bool vhost;			/* the back end has the rx/tx rings (under rx_lock) */
	int call_fd[2];			/* rings_start's used-buffer eventfds (relayed), or -1 */
	struct net_call {
		struct net_dev *nd;
		int q;
	} calls[2];
	pthread_mutex_t call_lock;	/* @call_cur; after rx_lock, before the transport's */
	int call_cur[2];		/* what the back end signals: call_fd[q], an irqfd, -1 (no rings) */
	bool rings_used, irqfd_used;	/* the back end had the rings, an irqfd (call_lock) */
	int tx_hold_fd;			/* timerfd ending a held transmit interrupt, or -1 */
	bool tx_held;			/* it is armed (the I/O thread's) */
	int tx_poll_fd;			/* timerfd: look at the transmit ring again, or -1 */
	bool tx_polling;		/* it is armed (the I/O thread's) */
	long tx_poll_ns;		/* its wait, adapted to the guest (the I/O thread's) */
	/* statistics (atomic) */
	u64 rx_frames, tx_frames, rx_dropped, tx_dropped;
	u64 rx_refused;			/* no buffers and @pending full */
	u64 relayed;			/* interrupts relayed from call_fd[] */
};

/*
 * net_dev_new - a NIC with MAC @mac (index @index for names) without a
 * back end, not yet on a transport: the caller registers &nd->vdev
 * (virtio_dev_register(), or virtio_dev_init() in tests), calls
 * net_dev_alloc_elems() and then net_dev_set_backend().
 */
struct net_dev *net_dev_new(const u8 mac[6], int index);

/*
 * net_dev_set_backend - attach back end @be to @nd before the driver
 * runs, and offer what it carries: HOST_TSO4/6, GUEST_TSO4/6 and
 * HOST/GUEST_ECN for its NET_OFFLOAD_TSO* bits with vnet_hdr; without
 * it HOST_TSO4/6 only (whole segments from the guest, net/backend.h).
 * CSUM and GUEST_CSUM, which they require (virtio 1.2 5.1.3.1), are
 * offered for every back end. UFO is never offered.
 */
void net_dev_set_backend(struct net_dev *nd, struct net_backend *be);

/*
 * net_features_check - the feature dependencies of virtio 1.2 5.1.3.1
 * for driver features @f: every TSO and UFO bit needs its direction's
 * checksum bit, each ECN bit a TSO bit of its direction, CTRL_RX needs
 * CTRL_VQ. Returns 0, or -1 (FEATURES_OK is refused).
 */
int net_features_check(u64 f);

/*
 * net_dev_tx_hold_end - the end of a held transmit interrupt (the
 * tx_hold_fd timer's callback, @opaque the net_dev): raise it now if the
 * driver still wants it. On the device's I/O thread.
 */
void net_dev_tx_hold_end(void *opaque);

/*
 * net_dev_tx_poll - the tx_poll_fd timer's callback (@opaque the
 * net_dev): send what the transmit ring holds; the next look, or a kick
 * when it was empty, is arranged as after a kick. On the device's I/O
 * thread; nothing when the device is not live or vhost-net has the ring.
 */
void net_dev_tx_poll(void *opaque);

/* net_dev_alloc_elems - chain holders, once the queues are initialized. */
void net_dev_alloc_elems(struct net_dev *nd);

/*
 * net_dev_rx - the back end's receive callback (net_rx_fn, @opaque the
 * net_dev): deliver @len bytes at @buf to the guest's receiveq, or hold
 * the frame while the queue has no buffers. Returns false only when the
 * hold is full. Takes and drops frames as the device is live or not.
 */
bool net_dev_rx(void *opaque, const u8 *buf, size_t len);

/*
 * net_tx_parse - check the transmit chain @elem (virtio 1.2 5.1.6.2)
 * against the negotiated @features: device-readable only, a header then
 * a frame of 14 to VIRTIO_NET_FRAME_MAX bytes, flags only NEEDS_CSUM and
 * only with CSUM, csum_start + csum_offset + 2 inside the frame. A GSO
 * frame (gso_type TCPV4 or TCPV6 with HOST_TSO4 or HOST_TSO6, the ECN bit
 * only with HOST_ECN) may be up to VIRTIO_NET_GSO_FRAME_MAX bytes and
 * must have NEEDS_CSUM on the TCP checksum (csum_offset 16), a gso_size
 * from 1 to what fills a VIRTIO_NET_FRAME_MAX segment after csum_start
 * and a 20-byte TCP header, and an hdr_len within the frame. Copies
 * header and frame to @out (at least VIRTIO_NET_HDR_BYTES +
 * VIRTIO_NET_GSO_FRAME_MAX bytes) and returns their length, or -1 with
 * the fault in @why.
 */
int net_tx_parse(const struct virtq_elem *elem, u64 features, u8 *out, char *why,
		 size_t whylen);

/*
 * net_csum_finish - do the checksum the driver left with NEEDS_CSUM on
 * frame @frame of @len bytes: the ones' complement sum from @start to the
 * end, with the field at @start + @offset holding the pseudo-header sum
 * (5.1.6.2), stored complemented at that field. Bounds checked by caller.
 */
void net_csum_finish(u8 *frame, u32 len, u16 start, u16 offset);

/* net_dev_count - NICs created so far; net_dev_get - NIC @i (NULL past). */
int net_dev_count(void);
struct net_dev *net_dev_get(int i);

#endif
