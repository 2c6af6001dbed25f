// SPDX-License-Identifier: GPL-2.0
/*
 * The 9p server's fid table (virtio/9p-fid.h): chained hashing on the
 * fid number, bounded at P9_MAX_FIDS entries; reference counted fids.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "virtio/9p-fid.h"
#include "virtio/9p-proto.h"

static u32 bucket(u32 id)
{
	return (id * 2654435761u) >> 22;	/* 10 bits: P9_FID_BUCKETS */
}

struct p9_fid *p9_fid_get(struct p9_fid_table *t, u32 id)
{
	for (struct p9_fid *f = t->buckets[bucket(id)]; f; f = f->next)
		if (f->id == id)
			return f;
	return NULL;
}

struct p9_fid *p9_fid_new(struct p9_fid_table *t, u32 id, int *err)
{
	struct p9_fid *f;

	if (id == P9_NOFID || p9_fid_get(t, id)) {
		*err = -EBADF;
		return NULL;
	}
	if (t->count >= P9_MAX_FIDS) {
		*err = -EMFILE;
		return NULL;
	}
	f = xzalloc(sizeof(*f));
	f->id = id;
	f->refs = 1;
	pthread_mutex_init(&f->dir_lock, NULL);
	f->fd = f->open_fd = f->dir_fd = -1;
	f->next = t->buckets[bucket(id)];
	t->buckets[bucket(id)] = f;
	t->count++;
	return f;
}

struct p9_fid *p9_fid_hold(struct p9_fid *f)
{
	__atomic_fetch_add(&f->refs, 1, __ATOMIC_RELAXED);
	return f;
}

void p9_fid_put(struct p9_fid *f)
{
	if (__atomic_sub_fetch(&f->refs, 1, __ATOMIC_ACQ_REL))
		return;
	if (f->fd >= 0)
		close(f->fd);
	if (f->open_fd >= 0)
		close(f->open_fd);
	if (f->dir_fd >= 0)
		close(f->dir_fd);
	free(f->name);
	free(f->xattr_buf);
	free(f->xattr_name);
	pthread_mutex_destroy(&f->dir_lock);
	free(f);
}

void p9_fid_del(struct p9_fid_table *t, struct p9_fid *f)
{
	struct p9_fid **pp = &t->buckets[bucket(f->id)];

	while (*pp && *pp != f)
		pp = &(*pp)->next;
	if (*pp) {
		*pp = f->next;
		t->count--;
		t->xattr_held -= MIN(t->xattr_held, f->xattr_buf ? f->xattr_size : 0);
		p9_fid_put(f);	/* the table's reference */
	}
}

void p9_fid_clear(struct p9_fid_table *t)
{
	for (int i = 0; i < P9_FID_BUCKETS; i++) {
		while (t->buckets[i]) {
			struct p9_fid *f = t->buckets[i];

			t->buckets[i] = f->next;
			p9_fid_put(f);
		}
	}
	t->count = 0;
	t->xattr_held = 0;
}

void p9_fid_each(struct p9_fid_table *t, void (*fn)(struct p9_fid *f, void *opaque), void *opaque)
{
	for (int i = 0; i < P9_FID_BUCKETS; i++)
		for (struct p9_fid *f = t->buckets[i]; f; f = f->next)
			fn(f, opaque);
}
