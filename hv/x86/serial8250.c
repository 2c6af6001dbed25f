// SPDX-License-Identifier: GPL-2.0
/*
 * 16550A UART model. Transmission is instantaneous (THR and the shift
 * register are always empty again by the time the guest looks), so only
 * the receive side has a FIFO. Source: PC16550D data sheet, tables 2-4
 * (registers), table 5 (interrupt priorities), section 8.4 (FIFO modes).
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "hv/kvm.h"
#include "hv/x86/serial8250.h"
#include "util/log.h"

/* Register offsets from the port base (DLAB selects DLL/DLM at 0 and 1). */
enum {
	REG_RBR_THR = 0,
	REG_IER = 1,
	REG_IIR_FCR = 2,
	REG_LCR = 3,
	REG_MCR = 4,
	REG_LSR = 5,
	REG_MSR = 6,
	REG_SCR = 7,
	NR_REGS = 8,
};

#define IER_ERBFI	0x01	/* received data available */
#define IER_ETBEI	0x02	/* transmitter holding register empty */
#define IER_ELSI	0x04	/* receiver line status */
#define IER_EDSSI	0x08	/* modem status */
#define IER_MASK	0x0f	/* a 16550A has no more: Linux probes bits 4-7 */

#define IIR_NONE	0x01
#define IIR_MSI		0x00
#define IIR_THRI	0x02
#define IIR_RDI		0x04
#define IIR_RLSI	0x06
#define IIR_CTI		0x0c	/* character timeout */
#define IIR_FIFO	0xc0	/* both bits set: FIFOs enabled (16550A) */

#define FCR_ENABLE	0x01
#define FCR_CLEAR_RX	0x02

#define LCR_DLAB	0x80

#define MCR_DTR		0x01
#define MCR_RTS		0x02
#define MCR_OUT1	0x04
#define MCR_OUT2	0x08	/* gates the IRQ line on PCs */
#define MCR_LOOP	0x10
#define MCR_MASK	0x1f

#define LSR_DR		0x01
#define LSR_OE		0x02
#define LSR_BI		0x10
#define LSR_THRE	0x20
#define LSR_TEMT	0x40
#define LSR_FIFOERR	0x80

#define MSR_DCTS	0x01
#define MSR_DDSR	0x02
#define MSR_TERI	0x04
#define MSR_DDCD	0x08
#define MSR_CTS		0x10
#define MSR_DSR		0x20
#define MSR_RI		0x40
#define MSR_DCD		0x80

/* A receive queue entry: the byte, plus this flag if it arrived as a break. */
#define RX_BREAK	0x100

/* One UART: its registers and receive queue, guarded by @lock. */
struct serial8250 {
	pthread_mutex_t lock;
	struct kvm *kvm;
	const char *name;
	u16 base;
	u8 irq;
	int index;

	u8 ier, lcr, mcr, scr, dll, dlm;
	u8 msr_delta;		/* MSR bits 0-3, cleared when MSR is read */
	bool fifo_enabled;
	u8 rx_trigger;		/* bytes that raise RDI (FCR bits 6-7) */
	bool thre_pending;	/* THRE interrupt raised and not yet acknowledged */
	bool overrun;		/* LSR.OE, cleared when LSR is read */

	/* Receive queue: the FIFO followed by SERIAL8250_RX_EXTRA more bytes. */
	u16 rx[SERIAL8250_RX_CAP];
	unsigned int rx_head, rx_count, rx_breaks;

	bool line;		/* this UART's interrupt output (after OUT2) */
};

static const struct {
	u16 base;
	u8 irq;
	const char *name;
} port_table[SERIAL8250_NR_PORTS] = {
	{ 0x3f8, 4, "ttyS0" }, { 0x2f8, 3, "ttyS1" },
	{ 0x3e8, 4, "ttyS2" }, { 0x2e8, 3, "ttyS3" },
};

static struct serial8250 uarts[SERIAL8250_NR_PORTS] = {
	{ .lock = PTHREAD_MUTEX_INITIALIZER }, { .lock = PTHREAD_MUTEX_INITIALIZER },
	{ .lock = PTHREAD_MUTEX_INITIALIZER }, { .lock = PTHREAD_MUTEX_INITIALIZER },
};

/*
 * COM1's output. Written outside the UART's lock, so that a stalled reader
 * of stdout never blocks the input side (and Ctrl-A x) on that lock.
 */
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
static int out_fd = STDOUT_FILENO;

/* Bytes one access transmits (at most one per register touched). */
struct txbuf {
	u8 buf[NR_REGS];
	u32 len;
};

/*
 * COM1/COM3 share IRQ 4 and COM2/COM4 IRQ 3: the line the irqchip sees is
 * the OR of both outputs, so it is recomputed under one lock.
 */
static pthread_mutex_t irq_lock = PTHREAD_MUTEX_INITIALIZER;
static int irq_level[16];

static u8 modem_lines(const struct serial8250 *u)
{
	u8 lines = 0;

	if (!(u->mcr & MCR_LOOP))
		return MSR_DCD | MSR_DSR | MSR_CTS;
	/* Loopback wires the outputs back to the inputs (data sheet 8.6). */
	if (u->mcr & MCR_RTS)
		lines |= MSR_CTS;
	if (u->mcr & MCR_DTR)
		lines |= MSR_DSR;
	if (u->mcr & MCR_OUT1)
		lines |= MSR_RI;
	if (u->mcr & MCR_OUT2)
		lines |= MSR_DCD;
	return lines;
}

static bool rx_head_is_break(const struct serial8250 *u)
{
	return u->rx_count && (u->rx[u->rx_head] & RX_BREAK);
}

static bool rx_push(struct serial8250 *u, u16 entry)
{
	if (u->rx_count >= SERIAL8250_RX_CAP)
		return false;
	u->rx[(u->rx_head + u->rx_count) % SERIAL8250_RX_CAP] = entry;
	u->rx_count++;
	if (entry & RX_BREAK)
		u->rx_breaks++;
	return true;
}

static u8 rx_pop(struct serial8250 *u)
{
	u16 entry;

	if (!u->rx_count)
		return 0;
	entry = u->rx[u->rx_head];
	u->rx_head = (u->rx_head + 1) % SERIAL8250_RX_CAP;
	u->rx_count--;
	if (entry & RX_BREAK)
		u->rx_breaks--;
	return entry & 0xff;
}

static void rx_clear(struct serial8250 *u)
{
	u->rx_head = u->rx_count = u->rx_breaks = 0;
}

/* Highest-priority pending interrupt, as IIR bits 0-3 (data sheet table 5). */
static u8 iir_id(const struct serial8250 *u)
{
	if ((u->ier & IER_ELSI) && (u->overrun || rx_head_is_break(u)))
		return IIR_RLSI;
	if ((u->ier & IER_ERBFI) && u->rx_count) {
		/* No timer: data under the trigger level times out at once. */
		if (!u->fifo_enabled || u->rx_count >= u->rx_trigger)
			return IIR_RDI;
		return IIR_CTI;
	}
	if ((u->ier & IER_ETBEI) && u->thre_pending)
		return IIR_THRI;
	if ((u->ier & IER_EDSSI) && u->msr_delta)
		return IIR_MSI;
	return IIR_NONE;
}

static u8 lsr_value(const struct serial8250 *u)
{
	u8 lsr = LSR_THRE | LSR_TEMT;

	if (u->rx_count)
		lsr |= LSR_DR;
	if (u->overrun)
		lsr |= LSR_OE;
	if (rx_head_is_break(u))
		lsr |= LSR_BI;
	if (u->fifo_enabled && u->rx_breaks)
		lsr |= LSR_FIFOERR;
	return lsr;
}

/* Drive the shared IRQ line from this UART's new output. Caller holds u->lock. */
static void update_irq(struct serial8250 *u)
{
	bool line = iir_id(u) != IIR_NONE && (u->mcr & MCR_OUT2);
	int level = 0;

	pthread_mutex_lock(&irq_lock);
	u->line = line;
	for (int i = 0; i < SERIAL8250_NR_PORTS; i++)
		if (uarts[i].irq == u->irq && uarts[i].line)
			level = 1;
	if (level != irq_level[u->irq]) {
		irq_level[u->irq] = level;
		kvm_irq_line(u->kvm, u->irq, level);
	}
	pthread_mutex_unlock(&irq_lock);
}

/* Write COM1's output, waiting out a non-blocking fd; give up on errors. */
static void transmit(const struct txbuf *tx)
{
	const u8 *p = tx->buf;
	size_t left = tx->len;

	pthread_mutex_lock(&out_lock);
	while (left && out_fd >= 0) {
		ssize_t n = write(out_fd, p, left);

		if (n > 0) {
			p += n;
			left -= n;
		} else if (n < 0 && errno == EINTR) {
			continue;
		} else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			struct pollfd pfd = { .fd = out_fd, .events = POLLOUT };

			poll(&pfd, 1, -1);
		} else {
			pr_warn("ttyS0: console output failed (%s); discarding it from now on",
				n < 0 ? strerror(errno) : "no progress");
			out_fd = -1;
		}
	}
	pthread_mutex_unlock(&out_lock);
}

static void set_mcr(struct serial8250 *u, u8 val)
{
	u8 old = modem_lines(u), now;

	u->mcr = val & MCR_MASK;
	now = modem_lines(u);
	if ((old ^ now) & MSR_CTS)
		u->msr_delta |= MSR_DCTS;
	if ((old ^ now) & MSR_DSR)
		u->msr_delta |= MSR_DDSR;
	if ((old ^ now) & MSR_DCD)
		u->msr_delta |= MSR_DDCD;
	if ((old & MSR_RI) && !(now & MSR_RI))
		u->msr_delta |= MSR_TERI;
}

static void set_fcr(struct serial8250 *u, u8 val)
{
	static const u8 triggers[4] = { 1, 4, 8, 14 };
	bool enable = val & FCR_ENABLE;

	/* Switching the FIFOs on or off empties them (data sheet 8.4). */
	if (enable != u->fifo_enabled)
		rx_clear(u);
	u->fifo_enabled = enable;
	if (!enable)
		return;		/* other bits are only programmed with bit 0 set */
	if (val & FCR_CLEAR_RX)
		rx_clear(u);
	u->rx_trigger = triggers[val >> 6];
}

static void reg_write(struct serial8250 *u, unsigned int reg, u8 val,
		      struct txbuf *tx)
{
	bool dlab = u->lcr & LCR_DLAB;

	switch (reg) {
	case REG_RBR_THR:
		if (dlab) {
			u->dll = val;
			break;
		}
		if (u->mcr & MCR_LOOP) {
			if (!rx_push(u, val))
				u->overrun = true;
		} else if (u->index == 0 && tx->len < sizeof(tx->buf)) {
			tx->buf[tx->len++] = val;	/* COM2-4 are not wired */
		}
		/* The byte left at once: THR is empty again. */
		u->thre_pending = true;
		break;
	case REG_IER:
		if (dlab) {
			u->dlm = val;
			break;
		}
		val &= IER_MASK;
		/* Enabling ETBEI with THR empty raises THRE at once. */
		if ((val & IER_ETBEI) && !(u->ier & IER_ETBEI))
			u->thre_pending = true;
		u->ier = val;
		break;
	case REG_IIR_FCR:
		set_fcr(u, val);
		break;
	case REG_LCR:
		u->lcr = val;
		break;
	case REG_MCR:
		set_mcr(u, val);
		break;
	case REG_SCR:
		u->scr = val;
		break;
	default:
		break;		/* LSR and MSR are read-only */
	}
}

static u8 reg_read(struct serial8250 *u, unsigned int reg)
{
	bool dlab = u->lcr & LCR_DLAB;
	u8 val;

	switch (reg) {
	case REG_RBR_THR:
		return dlab ? u->dll : rx_pop(u);
	case REG_IER:
		return dlab ? u->dlm : u->ier;
	case REG_IIR_FCR:
		val = iir_id(u);
		/* Reading IIR acknowledges a THRE interrupt. */
		if (val == IIR_THRI)
			u->thre_pending = false;
		return val | (u->fifo_enabled ? IIR_FIFO : 0);
	case REG_LCR:
		return u->lcr;
	case REG_MCR:
		return u->mcr;
	case REG_LSR:
		val = lsr_value(u);
		u->overrun = false;
		/* BI is reported once for the byte at the top of the FIFO. */
		if (rx_head_is_break(u)) {
			u->rx[u->rx_head] &= ~RX_BREAK;
			u->rx_breaks--;
		}
		return val;
	case REG_MSR:
		val = modem_lines(u) | u->msr_delta;
		u->msr_delta = 0;
		return val;
	case REG_SCR:
		return u->scr;
	default:
		return 0xff;
	}
}

static void serial_access(void *opaque, u64 offset, u8 *data, u32 len,
			  bool is_write, struct vcpu *vcpu)
{
	struct serial8250 *u = opaque;
	struct txbuf tx = { .len = 0 };

	pthread_mutex_lock(&u->lock);
	/* A wider access touches consecutive registers, one byte each. */
	for (u32 i = 0; i < len; i++) {
		u64 reg = offset + i;

		if (reg >= NR_REGS) {
			if (!is_write)
				data[i] = 0xff;
			continue;
		}
		if (is_write)
			reg_write(u, reg, data[i], &tx);
		else
			data[i] = reg_read(u, reg);
	}
	update_irq(u);
	pthread_mutex_unlock(&u->lock);
	/* Sent before the exit returns: output is never held across exits. */
	if (tx.len)
		transmit(&tx);
}

static void uart_reset(struct serial8250 *u, struct kvm *kvm, int index)
{
	u->kvm = kvm;
	u->index = index;
	u->base = port_table[index].base;
	u->irq = port_table[index].irq;
	u->name = port_table[index].name;
	u->ier = u->lcr = u->mcr = u->scr = 0;
	u->dll = 0x0c;		/* 9600 baud, what a BIOS leaves */
	u->dlm = 0;
	u->msr_delta = 0;
	u->fifo_enabled = false;
	u->rx_trigger = 1;
	u->thre_pending = false;
	u->overrun = false;
	u->line = false;
	rx_clear(u);
}

int serial8250_init(struct kvm *kvm)
{
	pthread_mutex_lock(&irq_lock);
	memset(irq_level, 0, sizeof(irq_level));
	pthread_mutex_unlock(&irq_lock);
	for (int i = 0; i < SERIAL8250_NR_PORTS; i++) {
		struct serial8250 *u = &uarts[i];

		pthread_mutex_lock(&u->lock);
		uart_reset(u, kvm, i);
		pthread_mutex_unlock(&u->lock);
		if (bus_register(&kvm->pio, u->base, NR_REGS, u->name,
				 serial_access, u) < 0)
			return -1;
	}
	return 0;
}

struct serial8250 *serial8250_get(int index)
{
	if (index < 0 || index >= SERIAL8250_NR_PORTS)
		return NULL;
	return &uarts[index];
}

struct serial8250 *serial8250_console(void)
{
	return &uarts[0];
}

void serial8250_set_output_fd(int fd)
{
	pthread_mutex_lock(&out_lock);
	out_fd = fd;
	pthread_mutex_unlock(&out_lock);
}

size_t serial8250_receive(struct serial8250 *u, const u8 *buf, size_t len)
{
	size_t n = 0;

	pthread_mutex_lock(&u->lock);
	/* In loopback the input pin is disconnected: offer it again later. */
	if (!(u->mcr & MCR_LOOP)) {
		while (n < len && rx_push(u, buf[n]))
			n++;
		if (n)
			update_irq(u);
	}
	pthread_mutex_unlock(&u->lock);
	return n;
}

bool serial8250_break(struct serial8250 *u)
{
	bool ok = false;

	pthread_mutex_lock(&u->lock);
	if (!(u->mcr & MCR_LOOP) && rx_push(u, RX_BREAK)) {
		ok = true;
		update_irq(u);
	}
	pthread_mutex_unlock(&u->lock);
	return ok;
}

size_t serial8250_term_deliver(void *opaque, const u8 *buf, size_t len)
{
	return serial8250_receive(opaque, buf, len);
}

void serial8250_term_break(void *opaque)
{
	if (!serial8250_break(opaque))
		pr_warn_once("console: receive queue full, break dropped");
}
