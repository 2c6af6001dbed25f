// SPDX-License-Identifier: GPL-2.0
/*
 * 16550A model: Linux's probe sequence, transmit to an fd, receive FIFO,
 * interrupt priorities, DLAB, break. No /dev/kvm: a VM with vm_fd = -1
 * (kvm_irq_line ignores it) and only the PIO bus.
 */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "hv/kvm.h"
#include "hv/x86/serial8250.h"
#include "tests/tap.h"

#define COM1 0x3f8
#define COM2 0x2f8

static struct kvm kvm;

static void outb(u16 port, u8 val)
{
	bus_access(&kvm.pio, port, &val, 1, true, NULL);
}

static u8 inb(u16 port)
{
	u8 val = 0;

	bus_access(&kvm.pio, port, &val, 1, false, NULL);
	return val;
}

static void drain_rx(u16 base)
{
	for (int i = 0; i < 200 && (inb(base + 5) & 0x01); i++)
		inb(base);
}

static void test_probe(void)
{
	u8 save_mcr;

	/* Linux autoconfig(): IER bits 0-3 read back, 4-7 do not. */
	outb(COM1 + 1, 0);
	is_int(inb(COM1 + 1) & 0x0f, 0, "probe: IER reads back 0");
	outb(COM1 + 1, 0x0f);
	is_int(inb(COM1 + 1) & 0x0f, 0x0f, "probe: IER reads back 0x0f");
	outb(COM1 + 1, 0x40);
	is_int(inb(COM1 + 1), 0, "probe: IER bit 6 (XScale UUE) does not stick");
	outb(COM1 + 1, 0);

	/* Loopback: RTS -> CTS, OUT2 -> DCD gives MSR 0x90. */
	save_mcr = inb(COM1 + 4);
	outb(COM1 + 4, 0x10 | 0x0a);
	is_int(inb(COM1 + 6) & 0xf0, 0x90, "probe: loopback MSR status is 0x90");
	outb(COM1 + 4, 0x10 | 0x01 | 0x04);
	is_int(inb(COM1 + 6) & 0xf0, 0x60, "loopback: DTR -> DSR, OUT1 -> RI");
	outb(COM1 + 4, save_mcr);
	is_int(inb(COM1 + 6) & 0xf0, 0xb0, "no loopback: MSR reports DCD|DSR|CTS");
	ok(inb(COM1 + 6) == 0xb0, "MSR deltas cleared by the previous read");

	/* FIFO detection: IIR bits 6-7 both set once FCR enables them. */
	outb(COM1 + 3, 0xbf);
	outb(COM1 + 2, 0);
	outb(COM1 + 3, 0);
	outb(COM1 + 2, 0x01);
	is_int(inb(COM1 + 2) >> 6, 3, "probe: FIFOs detected (16550A)");
	/* 16750 probe: FCR bit 5 must not show in IIR. */
	outb(COM1 + 2, 0x21);
	is_int(inb(COM1 + 2) >> 5, 6, "probe: not a 16750");
	/* EFR probe at LCR 0xbf reads IIR: must not be 0. */
	outb(COM1 + 3, 0xbf);
	ok(inb(COM1 + 2) != 0, "probe: no EFR (not a 16650)");
	outb(COM1 + 3, 0x03);
	outb(COM1 + 7, 0xa5);
	is_int(inb(COM1 + 7), 0xa5, "scratch register");
	is_int(inb(COM1 + 5), 0x60, "LSR idle: THRE|TEMT");
}

static void test_output(void)
{
	int fds[2];
	char buf[16] = { 0 };
	ssize_t n;

	if (pipe(fds) < 0) {
		skip("pipe failed");
		return;
	}
	fcntl(fds[0], F_SETFL, O_NONBLOCK);
	serial8250_set_output_fd(fds[1]);
	outb(COM1 + 4, 0x0b);
	for (const char *p = "hi\r\n"; *p; p++)
		outb(COM1, *p);
	n = read(fds[0], buf, sizeof(buf));
	is_int(n, 4, "THR bytes reach the output fd at once");
	is_str(buf, "hi\r\n", "output bytes in order");

	outb(COM2, 'x');
	n = read(fds[0], buf, sizeof(buf));
	ok(n < 0, "COM2 output is discarded");

	/* Loopback: the byte comes back in RBR and never reaches the fd. */
	outb(COM1 + 4, 0x10);
	outb(COM1, 0x55);
	ok(inb(COM1 + 5) & 0x01, "loopback: LSR.DR after THR write");
	is_int(inb(COM1), 0x55, "loopback: RBR returns the byte");
	n = read(fds[0], buf, sizeof(buf));
	ok(n < 0, "loopback: nothing transmitted");
	is_int(serial8250_receive(serial8250_console(), (const u8 *)"a", 1), 0,
	       "loopback: host input is held back");
	outb(COM1 + 4, 0x0b);

	serial8250_set_output_fd(-1);
	close(fds[0]);
	close(fds[1]);
}

static void test_fifo(void)
{
	struct serial8250 *u = serial8250_console();
	u8 in[100];
	size_t n;
	int ok_order = 1;

	for (int i = 0; i < 100; i++)
		in[i] = i;
	outb(COM1 + 2, 0x07);		/* FIFO on, both cleared, trigger 1 */
	is_int(inb(COM1 + 5) & 0x01, 0, "empty FIFO: LSR.DR clear");
	n = serial8250_receive(u, in, 16);
	is_int(n, 16, "16 bytes fill the FIFO");
	ok(inb(COM1 + 5) & 0x01, "LSR.DR set");
	n = serial8250_receive(u, in + 16, 84);
	is_int(n, SERIAL8250_RX_CAP - 16, "receive beyond the queue: accepted count");
	for (int i = 0; i < 10; i++)
		ok_order &= inb(COM1) == i;
	ok(ok_order, "bytes read back in order");
	is_int(serial8250_receive(u, in, 20), 10, "room for what the guest read");
	drain_rx(COM1);
	is_int(inb(COM1 + 5) & 0x01, 0, "drained: LSR.DR clear");
	is_int(inb(COM1 + 5) & 0x02, 0, "no overrun: the queue refused instead");

	/* Loopback overrun sets OE, cleared by reading LSR. */
	outb(COM1 + 4, 0x10);
	for (int i = 0; i < SERIAL8250_RX_CAP + 1; i++)
		outb(COM1, 'o');
	ok(inb(COM1 + 5) & 0x02, "loopback overflow: LSR.OE");
	is_int(inb(COM1 + 5) & 0x02, 0, "LSR.OE cleared by the read");
	drain_rx(COM1);
	outb(COM1 + 4, 0x0b);
}

static void test_iir(void)
{
	struct serial8250 *u = serial8250_console();

	outb(COM1 + 2, 0x87);		/* FIFO on, cleared, trigger 8 */
	outb(COM1 + 1, 0);
	inb(COM1 + 6);			/* clear deltas left by loopback tests */
	is_int(inb(COM1 + 2), 0xc1, "IIR: nothing pending, FIFO bits");

	/* THRE: enabling ETBEI with THR empty raises it at once. */
	outb(COM1 + 1, 0x02);
	is_int(inb(COM1 + 2), 0xc2, "IIR: THRE right after enabling ETBEI");
	is_int(inb(COM1 + 2), 0xc1, "IIR read acknowledged THRE");
	outb(COM1 + 1, 0);
	outb(COM1 + 1, 0x02);
	is_int(inb(COM1 + 2), 0xc2, "IIR: THRE again after ETBEI 0 -> 1");
	outb(COM1, 'x');
	is_int(inb(COM1 + 2), 0xc2, "IIR: THRE again after a THR write");

	/* Receive below the trigger level: timeout; at it: data available. */
	outb(COM1 + 1, 0x0f);
	serial8250_receive(u, (const u8 *)"abcd", 4);
	is_int(inb(COM1 + 2), 0xcc, "IIR: character timeout below the trigger");
	serial8250_receive(u, (const u8 *)"efgh", 4);
	is_int(inb(COM1 + 2), 0xc4, "IIR: data available at the trigger");

	/* A break outranks data; reading LSR reports BI once. */
	drain_rx(COM1);
	serial8250_break(u);
	serial8250_receive(u, (const u8 *)"s", 1);
	is_int(inb(COM1 + 2), 0xc6, "IIR: line status (break) first");
	is_int(inb(COM1 + 5) & 0x91, 0x91, "LSR: BI, DR and FIFO error");
	is_int(inb(COM1 + 5) & 0x10, 0, "LSR.BI reported once");
	is_int(inb(COM1 + 2), 0xcc, "IIR: then the data");
	is_int(inb(COM1), 0, "break reads as a NUL");
	is_int(inb(COM1), 's', "then the key after it");
	is_int(inb(COM1 + 2), 0xc1, "IIR: nothing once the data is read");
	outb(COM1, 'y');
	outb(COM1 + 4, 0x0a);		/* DTR off: DSR stays (not loopback) */
	outb(COM1 + 4, 0x1b);		/* into loopback: CTS, DSR, DCD keep, RI 0 */
	outb(COM1 + 4, 0x19);		/* RTS off: CTS drops */
	is_int(inb(COM1 + 2), 0xc2, "IIR: THRE before modem status");
	is_int(inb(COM1 + 2), 0xc0, "IIR: modem status last");
	ok(inb(COM1 + 6) & 0x01, "MSR.DCTS set");
	is_int(inb(COM1 + 2), 0xc1, "IIR: nothing left");
	outb(COM1 + 4, 0x0b);
	inb(COM1 + 6);
	outb(COM1 + 1, 0);
}

static void test_dlab(void)
{
	outb(COM1 + 1, 0x05);
	outb(COM1 + 3, 0x83);
	outb(COM1 + 0, 0x01);
	outb(COM1 + 1, 0x02);
	is_int(inb(COM1 + 0), 0x01, "DLAB: DLL reads back");
	is_int(inb(COM1 + 1), 0x02, "DLAB: DLM reads back");
	outb(COM1 + 3, 0x03);
	is_int(inb(COM1 + 1), 0x05, "DLAB off: IER untouched by the DLM write");
	is_int(inb(COM1 + 3), 0x03, "LCR reads back");
	outb(COM1 + 1, 0);
}

int main(void)
{
	kvm.vm_fd = -1;
	bus_init(&kvm.pio, "pio");
	serial8250_set_output_fd(-1);
	if (!ok(serial8250_init(&kvm) == 0, "four UARTs registered"))
		return done_testing();
	is_int(inb(0x2e8 + 5), 0x60, "COM4 present");

	test_probe();
	test_output();
	test_fifo();
	test_iir();
	test_dlab();
	return done_testing();
}
