/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 16550A UARTs at the four legacy PC COM ports. COM1 is the console: what
 * the guest transmits goes to an output fd (stdout by default) and what the
 * terminal reads is pushed into its receive FIFO. COM2-4 exist so that a
 * guest's probe finds the usual machine, and discard what they transmit.
 * Source: National Semiconductor PC16550D data sheet (register set,
 * FIFO and interrupt rules); IBM PC/AT technical reference (ports, IRQs).
 */
#ifndef LKVM_X86_SERIAL8250_H
#define LKVM_X86_SERIAL8250_H

#include "util/util.h"

struct kvm;
struct serial8250;

#define SERIAL8250_NR_PORTS	4
#define SERIAL8250_FIFO_SIZE	16	/* bytes, the 16550A's receive FIFO */
/* Input accepted beyond the FIFO, so a typed-ahead line is not cut. */
#define SERIAL8250_RX_EXTRA	64
#define SERIAL8250_RX_CAP	(SERIAL8250_FIFO_SIZE + SERIAL8250_RX_EXTRA)

/*
 * serial8250_init - reset the four UARTs and register their 8-byte port
 * ranges (0x3f8/IRQ 4, 0x2f8/IRQ 3, 0x3e8/IRQ 4, 0x2e8/IRQ 3) on kvm->pio.
 * May be called again (tests) to reset them on another VM.
 * Returns 0, or -1 if a range is already taken (error logged by the bus).
 */
int serial8250_init(struct kvm *kvm);

/* serial8250_get - UART @index (0 = COM1 .. 3 = COM4), or NULL if out of range. */
struct serial8250 *serial8250_get(int index);

/* serial8250_console - COM1, the UART wired to the terminal. */
struct serial8250 *serial8250_console(void);

/*
 * serial8250_set_output_fd - where COM1's transmitted bytes go (default
 * STDOUT_FILENO); -1 discards them. Tests pass a pipe.
 */
void serial8250_set_output_fd(int fd);

/*
 * serial8250_receive - the host side sends @len bytes of @buf to @uart.
 * Takes as many as fit in the FIFO plus SERIAL8250_RX_EXTRA and raises the
 * receive interrupt. Returns how many bytes were taken (0..@len); the
 * caller offers the rest again once the guest has read some.
 * Takes nothing (returns 0) while the UART is in loopback mode, where a
 * real one disconnects its input pin, so the input waits for the probe to end.
 */
size_t serial8250_receive(struct serial8250 *uart, const u8 *buf, size_t len);

/*
 * serial8250_break - the host side holds the line in break: queues a NUL
 * with the break flag (LSR.BI when it reaches the top of the FIFO) and
 * raises the line status interrupt. Linux turns a break followed by a key
 * into that key's sysrq. Returns false if the receive queue is full or
 * the UART is in loopback mode.
 */
bool serial8250_break(struct serial8250 *uart);

/*
 * Adaptors with the terminal's callback signatures (util/term.h), @opaque
 * being a struct serial8250 *.
 */
size_t serial8250_term_deliver(void *opaque, const u8 *buf, size_t len);
void serial8250_term_break(void *opaque);

#endif
