// SPDX-License-Identifier: GPL-2.0
/*
 * i8042 keyboard controller with a PS/2 keyboard behind it and a mouse
 * port with nothing plugged in. No host input reaches the keyboard: it
 * exists so that a guest's probe succeeds quietly and so that the
 * controller's reset line can reboot the VM.
 * Sources: Intel 8042 / IBM PC/AT keyboard controller command set
 * (commands 0x20-0xFF on port 0x64, status and command byte bits);
 * IBM PS/2 keyboard and auxiliary device command set (0xED-0xFF).
 */
#include <pthread.h>
#include <string.h>

#include "hv/kvm.h"
#include "hv/x86/legacy.h"
#include "util/log.h"

#define DATA_PORT	0x60
#define CMD_PORT	0x64
#define KBD_IRQ		1
#define AUX_IRQ		12

/* Status register (port 0x64 read). */
#define STS_OBF		0x01	/* output buffer full */
#define STS_SYS		0x04	/* system flag, from the command byte */
#define STS_CMD		0x08	/* last write was to port 0x64 */
#define STS_UNLOCKED	0x10	/* keyboard not inhibited */
#define STS_AUXDATA	0x20	/* output buffer byte is from the mouse port */

/* Command byte (controller RAM byte 0). */
#define CTR_KBDINT	0x01
#define CTR_AUXINT	0x02
#define CTR_SYS		0x04
#define CTR_KBDDIS	0x10
#define CTR_AUXDIS	0x20
#define CTR_XLATE	0x40

/* Output port (commands 0xD0/0xD1). */
#define OUT_RESET	0x01	/* 0 holds the CPU in reset */
#define OUT_A20		0x02

/* Keyboard replies. */
#define KBD_ACK		0xfa
#define KBD_RESEND	0xfe
#define KBD_BAT_OK	0xaa

enum source { SRC_CTRL, SRC_KBD, SRC_AUX };

#define QUEUE_LEN 16

static struct {
	pthread_mutex_t lock;
	struct kvm *kvm;
	u8 ram[32];		/* controller RAM; ram[0] is the command byte */
	u8 out_port;
	bool last_was_cmd;
	u8 pending_cmd;		/* controller command waiting for its data byte */
	u8 kbd_pending;		/* keyboard command waiting for its parameter */
	u8 last_read;		/* port 0x60 repeats it when empty */
	struct {
		u8 data;
		u8 src;
	} q[QUEUE_LEN];
	unsigned int head, count;
} kbc = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void pulse_irq(u32 irq)
{
	/* ISA interrupts are edge-triggered. */
	kvm_irq_line(kbc.kvm, irq, 1);
	kvm_irq_line(kbc.kvm, irq, 0);
}

/* Interrupt for the byte that just reached the head of the output buffer. */
static void head_irq(void)
{
	if (!kbc.count)
		return;
	/* Replies to controller commands are polled, not interrupt-driven. */
	if (kbc.q[kbc.head].src == SRC_KBD && (kbc.ram[0] & CTR_KBDINT))
		pulse_irq(KBD_IRQ);
	else if (kbc.q[kbc.head].src == SRC_AUX && (kbc.ram[0] & CTR_AUXINT))
		pulse_irq(AUX_IRQ);
}

static void push(u8 data, enum source src)
{
	if (kbc.count == QUEUE_LEN)
		return;		/* a guest that never reads loses replies */
	kbc.q[(kbc.head + kbc.count) % QUEUE_LEN].data = data;
	kbc.q[(kbc.head + kbc.count) % QUEUE_LEN].src = src;
	if (kbc.count++ == 0)
		head_irq();
}

static u8 pop(void)
{
	if (kbc.count) {
		kbc.last_read = kbc.q[kbc.head].data;
		kbc.head = (kbc.head + 1) % QUEUE_LEN;
		kbc.count--;
		head_irq();
	}
	return kbc.last_read;
}

static u8 status(void)
{
	u8 sts = STS_UNLOCKED;

	if (kbc.count) {
		sts |= STS_OBF;
		if (kbc.q[kbc.head].src == SRC_AUX)
			sts |= STS_AUXDATA;
	}
	if (kbc.ram[0] & CTR_SYS)
		sts |= STS_SYS;
	if (kbc.last_was_cmd)
		sts |= STS_CMD;
	return sts;
}

/* A byte the guest sends to the keyboard itself. */
static void kbd_write(u8 val)
{
	u8 cmd = kbc.kbd_pending;

	if (cmd) {
		kbc.kbd_pending = 0;
		push(KBD_ACK, SRC_KBD);
		/* "Get scan code set": report set 2, what is in use. */
		if (cmd == 0xf0 && val == 0)
			push(0x02, SRC_KBD);
		return;
	}
	switch (val) {
	case 0xed:		/* set LEDs */
	case 0xf0:		/* get/set scan code set */
	case 0xf3:		/* set typematic rate */
		push(KBD_ACK, SRC_KBD);
		kbc.kbd_pending = val;
		break;
	case 0xee:		/* echo */
		push(0xee, SRC_KBD);
		break;
	case 0xf2:		/* identify: MF2 keyboard */
		push(KBD_ACK, SRC_KBD);
		push(0xab, SRC_KBD);
		/* With translation on the controller turns 0x83 into 0x41. */
		push(kbc.ram[0] & CTR_XLATE ? 0x41 : 0x83, SRC_KBD);
		break;
	case 0xf4:		/* enable */
	case 0xf5:		/* disable */
	case 0xf6:		/* set defaults */
	case 0xf7: case 0xf8: case 0xf9: case 0xfa: case 0xfb: case 0xfc: case 0xfd:
		push(KBD_ACK, SRC_KBD);
		break;
	case 0xff:		/* reset and self-test */
		push(KBD_ACK, SRC_KBD);
		push(KBD_BAT_OK, SRC_KBD);
		break;
	default:
		push(KBD_RESEND, SRC_KBD);
		break;
	}
}

/* Returns true if the write pulls the reset line. */
static bool data_write(u8 val)
{
	u8 cmd = kbc.pending_cmd;

	kbc.pending_cmd = 0;
	if (cmd >= 0x60 && cmd <= 0x7f) {
		kbc.ram[cmd & 0x1f] = val;
		return false;
	}
	switch (cmd) {
	case 0xd1:		/* write output port */
		kbc.out_port = val;
		return !(val & OUT_RESET);
	case 0xd2:		/* as if the keyboard sent @val */
		push(val, SRC_KBD);
		return false;
	case 0xd3:		/* as if the mouse sent @val (loop test) */
		push(val, SRC_AUX);
		return false;
	case 0xd4:		/* to the mouse: nobody there */
		push(KBD_RESEND, SRC_AUX);
		return false;
	default:
		kbd_write(val);
		return false;
	}
}

/* Returns true if the command pulses the reset line. */
static bool cmd_write(u8 cmd)
{
	kbc.pending_cmd = 0;
	if (cmd >= 0x20 && cmd <= 0x3f) {	/* read controller RAM */
		push(kbc.ram[cmd & 0x1f], SRC_CTRL);
		return false;
	}
	if (cmd >= 0x60 && cmd <= 0x7f) {	/* write controller RAM */
		kbc.pending_cmd = cmd;
		return false;
	}
	if (cmd >= 0xf0)			/* pulse output bits 0-3 low */
		return !(cmd & OUT_RESET);
	switch (cmd) {
	case 0xa7:
		kbc.ram[0] |= CTR_AUXDIS;
		break;
	case 0xa8:
		kbc.ram[0] &= ~CTR_AUXDIS;
		break;
	case 0xa9:		/* mouse interface test: no fault */
	case 0xab:		/* keyboard interface test: no fault */
		push(0x00, SRC_CTRL);
		break;
	case 0xaa:		/* controller self-test */
		kbc.ram[0] |= CTR_SYS;
		push(0x55, SRC_CTRL);
		break;
	case 0xad:
		kbc.ram[0] |= CTR_KBDDIS;
		break;
	case 0xae:
		kbc.ram[0] &= ~CTR_KBDDIS;
		break;
	case 0xc0:		/* read input port: keyboard not inhibited */
		push(0x80, SRC_CTRL);
		break;
	case 0xd0:		/* read output port */
		push(kbc.out_port, SRC_CTRL);
		break;
	case 0xd1:
	case 0xd2:
	case 0xd3:
	case 0xd4:
		kbc.pending_cmd = cmd;
		break;
	case 0xdd:		/* A20 off / on */
		kbc.out_port &= ~OUT_A20;
		break;
	case 0xdf:
		kbc.out_port |= OUT_A20;
		break;
	default:
		break;		/* unknown commands are ignored */
	}
	return false;
}

static void i8042_access(void *opaque, u64 offset, u8 *data, u32 len,
			 bool is_write, struct vcpu *vcpu)
{
	u16 port = (uintptr_t)opaque;
	bool reset = false;

	pthread_mutex_lock(&kbc.lock);
	if (is_write) {
		kbc.last_was_cmd = port == CMD_PORT;
		reset = port == CMD_PORT ? cmd_write(data[0]) : data_write(data[0]);
	} else {
		data[0] = port == CMD_PORT ? status() : pop();
	}
	/* Wider accesses only use their first byte. */
	if (!is_write && len > 1)
		memset(data + 1, 0xff, len - 1);
	pthread_mutex_unlock(&kbc.lock);
	if (reset)
		vm_request_exit(kbc.kvm, VM_END_REBOOT, EXIT_GUEST_OFF,
				"guest rebooted");
}

int i8042_init(struct kvm *kvm)
{
	pthread_mutex_lock(&kbc.lock);
	kbc.kvm = kvm;
	memset(kbc.ram, 0, sizeof(kbc.ram));
	/* What a BIOS leaves: keyboard interrupt, translation, mouse off. */
	kbc.ram[0] = CTR_KBDINT | CTR_SYS | CTR_AUXDIS | CTR_XLATE;
	kbc.out_port = OUT_RESET | OUT_A20;
	kbc.last_was_cmd = false;
	kbc.pending_cmd = kbc.kbd_pending = 0;
	kbc.last_read = 0;
	kbc.head = kbc.count = 0;
	pthread_mutex_unlock(&kbc.lock);
	if (bus_register(&kvm->pio, DATA_PORT, 1, "i8042-data", i8042_access,
			 (void *)(uintptr_t)DATA_PORT) < 0)
		return -1;
	return bus_register(&kvm->pio, CMD_PORT, 1, "i8042-cmd", i8042_access,
			    (void *)(uintptr_t)CMD_PORT);
}
