// SPDX-License-Identifier: GPL-2.0
/*
 * Freestanding string helpers and the command-line reader. The compiler
 * may emit calls to memcpy/memset/memcmp (GCC manual, "Standards": a
 * freestanding program must supply them).
 */
#include "rt.h"

void *memcpy(void *dst, const void *src, size_t n)
{
	void *d = dst;

	asm volatile("rep movsb" : "+D"(d), "+S"(src), "+c"(n) : : "memory");
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	void *d = dst;

	asm volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const u8 *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (u8)*a - (u8)*b;
		if (!*a)
			break;
	}
	return 0;
}

u64 strtou64(const char *s, const char **end)
{
	unsigned base = 10;
	u64 v = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	for (;; s++) {
		unsigned d;

		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			break;
		v = v * base + d;
	}
	if (end)
		*end = s;
	return v;
}

static const char *cmdline(void)
{
	if (!mb_info || !(mb_info->flags & MB_INFO_CMDLINE) || !mb_info->cmdline)
		return "";
	return (const char *)(u64)mb_info->cmdline;
}

const char *cmdline_args(void)
{
	const char *s = cmdline();

	while (*s == ' ')
		s++;
	while (*s && *s != ' ')	/* the image name, argv[0] */
		s++;
	while (*s == ' ')
		s++;
	return s;
}

const char *cmdline_value(const char *key, char *buf, size_t len)
{
	const char *s = cmdline_args();
	size_t klen = strlen(key);

	while (*s) {
		const char *w = s;
		size_t n = 0;

		while (*s && *s != ' ')
			s++;
		if ((size_t)(s - w) > klen && !strncmp(w, key, klen) && w[klen] == '=') {
			for (w += klen + 1; w < s && n + 1 < len; w++)
				buf[n++] = *w;
			if (len)
				buf[n] = 0;
			return buf;
		}
		while (*s == ' ')
			s++;
	}
	return NULL;
}

u64 cmdline_num(const char *key, u64 def)
{
	char buf[32];

	if (!cmdline_value(key, buf, sizeof(buf)) || !buf[0])
		return def;
	return strtou64(buf, NULL);
}
