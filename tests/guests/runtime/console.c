// SPDX-License-Identifier: GPL-2.0
/*
 * Serial console on COM1 and a small printf. Polled output: wait for the
 * transmitter holding register to be empty (16550 LSR bit 5, THRE), then
 * write the byte (PC16550D data sheet, "Line Status Register"). No UART
 * set-up: the VMM's UART (lkvm's, QEMU's) ignores the baud rate.
 */
#include "rt.h"

#define UART_LSR	5
#define UART_LSR_THRE	0x20

static volatile int console_locked;

void console_lock(void)
{
	while (__atomic_exchange_n(&console_locked, 1, __ATOMIC_ACQUIRE))
		cpu_relax();
}

void console_unlock(void)
{
	__atomic_store_n(&console_locked, 0, __ATOMIC_RELEASE);
}

static void serial_tx(u8 c)
{
	while (!(inb(COM1 + UART_LSR) & UART_LSR_THRE))
		cpu_relax();
	outb(COM1, c);
}

void putchar(int c)
{
	if (c == '\n')
		serial_tx('\r');
	serial_tx((u8)c);
}

void puts(const char *s)
{
	while (*s)
		putchar(*s++);
}

/* Print @v in @base, at least @width digits wide, padded with @pad. */
static int put_num(u64 v, unsigned base, int width, char pad, int neg)
{
	char buf[24];
	int n = 0, out = 0;

	do {
		buf[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	if (neg && pad == '0') {
		putchar('-');
		out++;
		width--;
	} else if (neg) {
		buf[n++] = '-';
	}
	for (; width > n; width--, out++)
		putchar(pad);
	while (n) {
		putchar(buf[--n]);
		out++;
	}
	return out;
}

int vprintf(const char *fmt, va_list ap)
{
	int out = 0;

	for (; *fmt; fmt++) {
		int width = 0, longs = 0, alt = 0;
		char pad = ' ';
		u64 v;

		if (*fmt != '%') {
			putchar(*fmt);
			out++;
			continue;
		}
		fmt++;
		if (*fmt == '#') {
			alt = 1;
			fmt++;
		}
		if (*fmt == '0') {
			pad = '0';
			fmt++;
		}
		for (; *fmt >= '0' && *fmt <= '9'; fmt++)
			width = width * 10 + (*fmt - '0');
		for (; *fmt == 'l' || *fmt == 'z'; fmt++)
			longs++;
		switch (*fmt) {
		case 'd':
		case 'i': {
			s64 s = longs ? va_arg(ap, s64) : va_arg(ap, int);

			out += put_num(s < 0 ? -(u64)s : (u64)s, 10, width, pad, s < 0);
			break;
		}
		case 'u':
			v = longs ? va_arg(ap, u64) : va_arg(ap, unsigned int);
			out += put_num(v, 10, width, pad, 0);
			break;
		case 'p':
			alt = 1;
			longs = 1;
			/* fall through */
		case 'x':
			v = longs ? va_arg(ap, u64) : va_arg(ap, unsigned int);
			if (alt) {
				puts("0x");
				out += 2;
			}
			out += put_num(v, 16, width, pad, 0);
			break;
		case 's': {
			const char *s = va_arg(ap, const char *);

			if (!s)
				s = "(null)";
			for (; *s; s++, out++)
				putchar(*s);
			break;
		}
		case 'c':
			putchar(va_arg(ap, int));
			out++;
			break;
		case '%':
			putchar('%');
			out++;
			break;
		default:
			return out;
		}
	}
	return out;
}

int printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}
