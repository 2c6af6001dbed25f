/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The driver side of one split virtqueue in a fake guest RAM, shared by the
 * transport unit tests: descriptor table at DESC_GPA, avail ring at
 * AVAIL_GPA, used ring at USED_GPA (8 entries), all inside @ram.
 * Source: virtio 1.2 section 2.7.
 */
#ifndef LKVM_TEST_VIRTQ_DRIVER_H
#define LKVM_TEST_VIRTQ_DRIVER_H

#include <string.h>
#include <unistd.h>

#include "virtio/virtq.h"

#define DESC_GPA	0x1000
#define AVAIL_GPA	0x2000
#define USED_GPA	0x3000

static u8 *ram;

static u16 used_idx(void) { return __atomic_load_n((u16 *)(ram + USED_GPA) + 1, __ATOMIC_ACQUIRE); }

/* Wait up to 2 s for @cond (evaluated once per try: reads may clear). */
#define WAIT_FOR(cond) ({						\
	int __ok = 0;							\
	for (int __i = 0; __i < 2000 && !(__ok = !!(cond)); __i++)	\
		usleep(1000);						\
	__ok;								\
})

static void publish(u16 head)
{
	u16 *avail = (u16 *)(ram + AVAIL_GPA);

	avail[2 + avail[1] % 8] = head;
	__atomic_store_n(&avail[1], avail[1] + 1, __ATOMIC_RELEASE);
}

static void set_desc(int i, u64 addr, u32 len, u16 flags, u16 next)
{
	struct virtq_desc d = { addr, len, flags, next };

	memcpy(ram + DESC_GPA + 16 * i, &d, sizeof(d));
}

#endif
