// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-console: write through the console device's port 0 (virtio 1.2
 * section 5.3; no MULTIPORT, so receiveq is queue 0 and transmitq queue
 * 1, 5.3.2) and check the device consumed the buffer: the VMM shows
 * "hello from virtio-console" on its console output (lkvm: stdout). With
 * "echo=1" it also posts a receive buffer, waits for a line typed on the
 * VMM's terminal (lkvm: stdin, through --console virtio) and writes it
 * back as "virtio-console got: LINE" on both the serial port and the
 * virtio console.
 */
#include "runtime/virtio.h"

#define CPL0_SPINS	2000000ULL
#define ECHO_SPINS	4000000000ULL	/* at CPL3: seconds, natively */

static u8 rxpage[4096] __attribute__((aligned(4096)));
static u8 txpage[4096] __attribute__((aligned(4096)));
static char txbuf[128], rxbuf[64];
static struct vio_dev dev;
static struct vio_queue rx, tx;

static int send(const char *s, int n)
{
	u32 id, len;

	memcpy(txbuf, s, n);
	tx.desc[0] = (struct vio_desc){ (u64)txbuf, (u32)n, 0, 0 };
	vio_publish(&tx, 0);
	vio_kick(&dev, &tx);
	return vio_wait_used(&tx, CPL0_SPINS, &id, &len);
}

static long wait_input(long unused)
{
	u32 id, len;

	(void)unused;
	if (vio_wait_used(&rx, ECHO_SPINS, &id, &len) < 0)
		return -1;
	return len;
}

int main(struct mb_info *mbi)
{
	static const char hello[] = "hello from virtio-console\n";
	char line[96];
	long got;
	int n;

	(void)mbi;
	if (vio_find(&dev, 3) < 0) {
		printf("virtio-console: no device\n");
		return 1;
	}
	printf("virtio-console: found on %s\n", vio_transport(&dev));
	if (vio_negotiate(&dev, 1ULL << VIO_F_VERSION_1) != 1ULL << VIO_F_VERSION_1 ||
	    vio_queue_setup(&dev, &rx, 0, 8, rxpage) < 0 ||
	    vio_queue_setup(&dev, &tx, 1, 8, txpage) < 0) {
		printf("virtio-console: set-up failed\n");
		return 2;
	}
	vio_driver_ok(&dev);
	if (send(hello, sizeof(hello) - 1) < 0) {
		printf("virtio-console: transmit buffer not used\n");
		return 3;
	}
	printf("virtio-console: transmit buffer used\n");
	if (!cmdline_num("echo", 0))
		return 0;

	rx.desc[0] = (struct vio_desc){ (u64)rxbuf, sizeof(rxbuf) - 1, VIO_DESC_F_WRITE, 0 };
	vio_publish(&rx, 0);
	vio_kick(&dev, &rx);
	printf("virtio-console: waiting for input\n");
	got = run_user(wait_input, 0);
	if (got < 0) {
		printf("virtio-console: no input\n");
		return 4;
	}
	rxbuf[got] = 0;
	for (n = 0; n < got && rxbuf[n] != '\n' && rxbuf[n] != '\r'; n++)
		;
	rxbuf[n] = 0;
	printf("virtio-console got: %s\n", rxbuf);
	n = 0;
	for (const char *p = "virtio-console got: "; *p; p++)
		line[n++] = *p;
	for (const char *p = rxbuf; *p && n < (int)sizeof(line) - 2; p++)
		line[n++] = *p;
	line[n++] = '\n';
	return send(line, n) < 0 ? 5 : 0;
}
