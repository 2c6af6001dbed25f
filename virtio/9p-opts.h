/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lkvm run's --9p HOSTDIR[,TAG][,ro] (Documentation/lkvm-run.txt, HOST
 * FILES): one host directory shared with the guest through virtio-9p.
 */
#ifndef LKVM_VIRTIO_9P_OPTS_H
#define LKVM_VIRTIO_9P_OPTS_H

#include <stdbool.h>

#define P9_TAG_MAX	32	/* bytes of a mount tag */

/* One parsed --9p argument. @path points into @buf (a private copy). */
struct p9_share_opts {
	char *buf;
	const char *path;		/* HOSTDIR as given */
	char tag[P9_TAG_MAX + 1];	/* the mount tag, given or derived */
	bool tag_given;
	bool ro;
};

/*
 * p9_opts_parse - parse one --9p argument into @o: HOSTDIR, then up to
 * one TAG and the flag "ro" in any order. A TAG is 1 to P9_TAG_MAX
 * characters from A-Z a-z 0-9 . _ - (so "ro" cannot be a tag). Without
 * one, the tag is the directory's name (the last component of its real
 * path, "root" for /), other characters turned into '_', cut to
 * P9_TAG_MAX. Returns 0, or -1 with nothing kept and one error line
 * naming the argument.
 */
int p9_opts_parse(const char *arg, struct p9_share_opts *o);

/* p9_opts_free - release @o's copy and zero it. */
void p9_opts_free(struct p9_share_opts *o);

/*
 * p9_check_dir - is @path (a --9p HOSTDIR) an existing, searchable
 * directory? Returns 0, or -1 with one error line naming it.
 */
int p9_check_dir(const char *path);

#endif
