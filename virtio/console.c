// SPDX-License-Identifier: GPL-2.0
/*
 * virtio console device, one port. Source: virtio 1.2 section 5.3:
 * without VIRTIO_CONSOLE_F_MULTIPORT the device has port 0 only, on
 * receiveq (0, device to driver) and transmitq (1, driver to device);
 * configuration space: cols, rows, max_nr_ports, emerg_wr (5.3.4), of
 * which nothing is offered. Linux puts hvc0 on it.
 *
 * Output is written to the terminal by the device's I/O thread; input
 * comes from the terminal thread (util/term.c) through
 * virtio_console_deliver(), which fills the receive buffers the driver
 * posted and returns what did not fit to the terminal's queue.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "util/log.h"
#include "hv/kvm.h"
#include "virtio/devices.h"

#define RX_QUEUE	0
#define TX_QUEUE	1
#define CONFIG_SIZE	12	/* struct virtio_console_config */

static struct virtio_device con_dev;
static u8 con_config[CONFIG_SIZE];
static struct virtq_elem *tx_elem, *rx_elem;
static pthread_mutex_t rx_lock = PTHREAD_MUTEX_INITIALIZER;
static bool break_pending;	/* a Ctrl-O not yet taken by the guest */
static int con_out = -1;
static u64 con_bytes_out;

u64 virtio_console_bytes_out(void)
{
	return __atomic_load_n(&con_bytes_out, __ATOMIC_RELAXED);
}

/* Write all of @buf to the output, waiting while it is full; a dead
 * output (closed pipe) drops the guest's text from then on. */
static void out_write(const u8 *buf, size_t len)
{
	while (len && con_out >= 0) {
		ssize_t n = write(con_out, buf, len);

		if (n > 0) {
			buf += n;
			len -= n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			struct pollfd pfd = { .fd = con_out, .events = POLLOUT };

			poll(&pfd, 1, 100);
			continue;
		}
		pr_warn("virtio-console: output: %s; dropping the guest's console output",
			n < 0 ? strerror(errno) : "nothing written");
		con_out = -1;
	}
}

static void con_queue_notify(struct virtio_device *vdev, struct virtqueue *vq)
{
	bool pushed = false;

	if (vq->index != TX_QUEUE)
		return;		/* receive buffers are taken when input arrives */
	while (virtq_pop(vq, tx_elem) == 1) {
		for (u32 k = 0; k < tx_elem->nr_out; k++)
			out_write(tx_elem->iov[k].iov_base, tx_elem->iov[k].iov_len);
		__atomic_fetch_add(&con_bytes_out, tx_elem->out_len, __ATOMIC_RELAXED);
		virtq_push(vq, tx_elem, 0);
		pushed = true;
	}
	if (pushed)
		virtq_notify(vq);
}

/* One receive buffer's worth of @buf into the guest. rx_lock held.
 * Returns the bytes taken, 0 when no buffer is posted (or on a fault). */
static size_t rx_put(struct virtqueue *vq, const u8 *buf, size_t len, bool *pushed)
{
	size_t n;

	if (virtq_pop(vq, rx_elem) != 1)
		return 0;
	if (!rx_elem->nr_in) {
		virtio_dev_fail(vq->vdev, vq, "receive buffer %u is not device-writable",
				rx_elem->head);
		return 0;
	}
	n = virtq_elem_to_guest(rx_elem, 0, buf, len);
	virtq_push(vq, rx_elem, (u32)n);
	*pushed = true;
	return n;
}

size_t virtio_console_deliver(void *opaque, const u8 *buf, size_t len)
{
	static const u8 ctrl_o = 0x0f;
	struct virtio_device *vdev = &con_dev;
	struct virtqueue *vq = &vdev->vqs[RX_QUEUE];
	bool pushed = false;
	size_t done = 0;

	(void)opaque;
	if (!rx_elem || !virtio_dev_begin(vdev))
		return 0;
	pthread_mutex_lock(&rx_lock);
	/* A break waits for a buffer like a key does, and goes first. */
	if (break_pending && rx_put(vq, &ctrl_o, 1, &pushed) == 1)
		break_pending = false;
	while (!break_pending && done < len) {
		size_t n = rx_put(vq, buf + done, len - done, &pushed);

		if (!n)
			break;
		done += n;
	}
	pthread_mutex_unlock(&rx_lock);
	if (pushed)
		virtq_notify(vq);
	virtio_dev_end(vdev);
	return done;
}

void virtio_console_break(void *opaque)
{
	pthread_mutex_lock(&rx_lock);
	break_pending = true;
	pthread_mutex_unlock(&rx_lock);
	virtio_console_deliver(opaque, NULL, 0);
}

static const struct virtio_dev_ops con_ops = {
	.queue_notify = con_queue_notify,
};

int virtio_console_init(struct kvm *kvm, enum virtio_transport transport, int out_fd)
{
	struct virtio_device *vdev = &con_dev;

	memset(vdev, 0, sizeof(*vdev));
	memset(con_config, 0, sizeof(con_config));
	vdev->name = "virtio-console";
	vdev->device_id = VIRTIO_ID_CONSOLE;
	vdev->pci_class_hi = 0x0780;	/* simple communication controller, other */
	vdev->ops = &con_ops;
	vdev->config = con_config;
	vdev->config_size = CONFIG_SIZE;
	vdev->nr_queues = 2;
	vdev->queue_size = 128;
	con_out = out_fd;
	con_bytes_out = 0;
	break_pending = false;
	if (virtio_dev_register(kvm, vdev, transport) < 0)
		return -1;
	tx_elem = virtq_elem_alloc(&vdev->vqs[TX_QUEUE]);
	rx_elem = virtq_elem_alloc(&vdev->vqs[RX_QUEUE]);
	return 0;
}

/* virtio/devtable.c's creator: hvc0 with --console virtio, on stdout. */
int virtio_console_create(struct kvm *kvm)
{
	const struct vm_config *cfg = kvm->cfg;

	if (cfg->console != CONSOLE_VIRTIO)
		return 0;
	return virtio_console_init(kvm, cfg->virtio_transport, STDOUT_FILENO);
}
