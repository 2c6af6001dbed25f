/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small helpers shared by every part of lkvm: fixed-width types, array and
 * alignment macros, checked allocation and whole-file reads.
 */
#ifndef LKVM_UTIL_H
#define LKVM_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a) (((x) + (a) - 1) & ~((__typeof__(x))(a) - 1))
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a) - 1))
#define IS_ALIGNED(x, a) (((x) & ((__typeof__(x))(a) - 1)) == 0)
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define SZ_1K 0x400ULL
#define SZ_1M 0x100000ULL
#define SZ_2M 0x200000ULL
#define SZ_1G 0x40000000ULL
#define SZ_4G 0x100000000ULL
#define __unused __attribute__((unused))
#define __noreturn __attribute__((noreturn))
#define __printf(a, b) __attribute__((format(printf, a, b)))
#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

/* malloc/calloc/strdup that die with a message instead of returning NULL. */
void *xmalloc(size_t size);
void *xzalloc(size_t size);
void *xrealloc(void *ptr, size_t size);
char *xstrdup(const char *s);

/*
 * read_file - read a whole regular file into a new malloc'd buffer.
 * @path: file to read; @len: out, its size in bytes.
 * Returns the buffer (NUL-terminated one byte past @len) or NULL with errno
 * set (ENOENT, EISDIR, EFBIG past 1 GiB, ...).
 */
void *read_file(const char *path, size_t *len);

/*
 * set_err - format a one-line reason into @err (@errlen bytes, may be 0)
 * and return -1, so that a parser's checks stay one line each:
 *	if (len < 4) return set_err(err, errlen, "truncated: %zu bytes", len);
 */
int set_err(char *err, size_t errlen, const char *fmt, ...) __printf(3, 4);

/* Little-endian loads from a byte buffer of unknown alignment. */
static inline u16 get_le16(const u8 *p)
{
	return (u16)(p[0] | p[1] << 8);
}

static inline u32 get_le32(const u8 *p)
{
	return (u32)p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24;
}

static inline u64 get_le64(const u8 *p)
{
	return (u64)get_le32(p) | (u64)get_le32(p + 4) << 32;
}

/* Clock helpers: monotonic time in ns. */
u64 now_ns(void);

/* Write all of @len bytes of @buf to @fd, retrying on EINTR and short writes.
 * Returns 0 or -1 with errno set. */
int write_all(int fd, const void *buf, size_t len);

#endif
