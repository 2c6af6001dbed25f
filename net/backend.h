/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The host side of a virtio-net device: a back end moves Ethernet frames
 * between the device (virtio/net.c) and the host. A back end owns its
 * thread (slirp's sockets and timers, the tap's fd), which is never a
 * vCPU thread; the device never sees how frames reach the host, and a
 * new back end is one file that fills struct net_backend_ops.
 *
 * Frames: whole Ethernet frames without FCS. When be->vnet_hdr is set,
 * every frame in both directions is preceded by the 12-byte struct
 * virtio_net_hdr of virtio 1.2 section 5.1.6 (the tap's IFF_VNET_HDR),
 * and with be->offloads a frame may be a segmentation offload (GSO)
 * frame of up to 64 KiB that the header describes.
 */
#ifndef LKVM_NET_BACKEND_H
#define LKVM_NET_BACKEND_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/uio.h>

#include "hv/guest_mem.h"
#include "net/opts.h"
#include "virtio/virtq.h"

struct net_backend;

/*
 * Offloads a back end can carry (net_backend.offloads, and set_offload's
 * argument): GSO frames of these kinds, in the virtio_net_hdr's terms
 * (virtio 1.2 section 5.1.6). With vnet_hdr both ways, the header going
 * along. Without it only from the guest: the back end takes a TCP
 * segment of up to 64 KiB as one IP packet (libslirp's TCP reads it
 * whole), its checksum finished by the device; TSO_ECN means nothing
 * there. Checksum offload needs no flag: every back end gets it (the
 * device finishes a checksum for a back end without headers).
 */
#define NET_OFFLOAD_CSUM	(1u << 0)	/* set_offload: partial checksums for the guest */
#define NET_OFFLOAD_TSO4	(1u << 1)	/* TCP over IPv4 (gso_type TCPV4) */
#define NET_OFFLOAD_TSO6	(1u << 2)	/* TCP over IPv6 (gso_type TCPV6) */
#define NET_OFFLOAD_TSO_ECN	(1u << 3)	/* either with CWR set (the GSO_ECN bit) */

/*
 * net_rx_fn - a frame of @len bytes at @buf arrived for the guest. Called
 * on the back end's thread (or inside ops->send). Returns true if the
 * frame was taken (delivered, queued or dropped for good), false if the
 * device has no room now: the back end should hold further frames if it
 * can (a tap stops reading) until ops->rx_ready.
 */
typedef bool (*net_rx_fn)(void *opaque, const u8 *buf, size_t len);

struct net_backend_ops {
	const char *name;		/* "user", "tap" */
	/*
	 * send - one frame from the guest (@iovcnt parts, headed by the
	 * virtio_net_hdr if be->vnet_hdr). Called on the device's I/O thread.
	 * Returns 0, or -1 if the frame was dropped (counted by the device).
	 */
	int (*send)(struct net_backend *be, const struct iovec *iov, int iovcnt);
	/* rx_ready - the guest posted receive buffers: deliver held frames. */
	void (*rx_ready)(struct net_backend *be);
	/*
	 * set_offload - what the guest takes from now on (NET_OFFLOAD_*
	 * bits, a subset of be->offloads plus NET_OFFLOAD_CSUM): frames
	 * for the guest may carry a partial checksum with CSUM, be GSO
	 * frames of the kinds set. Called at DRIVER_OK with what the
	 * driver negotiated and with 0 at a reset. Optional.
	 */
	void (*set_offload)(struct net_backend *be, unsigned int offloads);
	/*
	 * rings_start - optional (vhost-net): from now on the host kernel
	 * moves frames between the back end and the started rings @rx and
	 * @tx itself (guest RAM @mem, negotiated virtio @features), taking
	 * the driver's kicks from the queues' kick eventfds and signalling
	 * used buffers on @call_fd[0] (rx) and @call_fd[1] (tx). Returns 0,
	 * or -1 when the device must keep moving frames (then nothing
	 * changed). Called with the device lock held, no queue work running.
	 */
	int (*rings_start)(struct net_backend *be, const struct guest_mem *mem, u64 features,
			   struct virtqueue *rx, struct virtqueue *tx, const int call_fd[2]);
	/*
	 * rings_set_call - with rings_start: signal ring @q's used buffers
	 * (0 rx, 1 tx) on eventfd @fd from now on, a transport's irqfd or
	 * the call_fd[@q] of rings_start again (vhost's
	 * VHOST_SET_VRING_CALL). Once it returns, the previous fd gets no
	 * more signals. Returns 0, or -1 (nothing changed). Called with
	 * the device's call lock held.
	 */
	int (*rings_set_call)(struct net_backend *be, int q, int fd);
	/* rings_stop - the device reset: the kernel lets go of the rings. */
	void (*rings_stop)(struct net_backend *be);
	/* close - stop the thread, release sockets and fds, free @be. */
	void (*close)(struct net_backend *be);
};

/* An open back end. */
struct net_backend {
	const struct net_backend_ops *ops;
	bool vnet_hdr;			/* frames carry a virtio_net_hdr */
	unsigned int offloads;		/* NET_OFFLOAD_TSO*: GSO frames it carries */
	net_rx_fn rx;			/* the device's receive callback */
	void *rx_opaque;
	char desc[96];			/* "user 10.0.2.15/24", "tap tap0": for logs */
};

/*
 * net_backend_open - open the back end @o asks for (o->mode NET_USER or
 * NET_TAP) for NIC number @index, frames for the guest going to
 * @rx(@opaque). The back end's thread starts at once. Returns the back
 * end, or NULL after one error line.
 */
struct net_backend *net_backend_open(const struct net_opts *o, int index, net_rx_fn rx,
				     void *opaque);

/*
 * net_thread_start - start a back end's thread @fn(@arg) with every signal
 * blocked (signals belong to lkvm's main and vCPU threads). Returns 0 or
 * an errno value.
 */
int net_thread_start(pthread_t *tid, void *(*fn)(void *), void *arg);

/* The back ends' openers (net/slirp.c, net/tap.c), same contract. */
struct net_backend *net_slirp_open(const struct net_opts *o, int index, net_rx_fn rx,
				   void *opaque);
struct net_backend *net_tap_open(const struct net_opts *o, int index, net_rx_fn rx,
				 void *opaque);

/*
 * net_slirp_load - dlopen libslirp once (net/slirp.c); net_slirp_open()
 * needs it. Returns NULL when it is loaded, else why it is not
 * (dlerror()'s text), kept for the process's life.
 */
const char *net_slirp_load(void);

#endif
