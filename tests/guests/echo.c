// SPDX-License-Identifier: GPL-2.0
/*
 * echo: terminal input through COM1. Prints "echo ready", then reports
 * every byte received as "got XX" (hex) until it receives 'q', then passes.
 * Polls LSR.DR (16550A: port base + 5, bit 0); RBR is port base + 0.
 */
#include "runtime/rt.h"

#define COM1 0x3f8
#define LSR_DR 0x01

int main(struct mb_info *mbi)
{
	(void)mbi;
	printf("echo ready\n");
	for (;;) {
		u8 c;

		while (!(inb(COM1 + 5) & LSR_DR))
			cpu_relax();
		c = inb(COM1);
		printf("got %02x\n", c);
		if (c == 'q')
			return 0;
	}
}
