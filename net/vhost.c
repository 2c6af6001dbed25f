// SPDX-License-Identifier: GPL-2.0
/*
 * vhost-net set-up (net/vhost.h). The device keeps its rings where the
 * driver put them; this file tells the kernel where they are in lkvm's
 * address space and which eventfds carry the notifications.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/vhost.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "net/vhost.h"
#include "util/log.h"

/* Feature bits vhost-net applies (virtio 1.2 sections 5.1.3 and 6). */
#define F_MRG_RXBUF		(1ULL << 15)
#define F_INDIRECT_DESC		(1ULL << 28)
#define F_EVENT_IDX		(1ULL << 29)
#define F_VERSION_1		(1ULL << 32)

struct vhost_net {
	int fd;
	u64 features;		/* what the kernel's vhost-net offers */
	bool attached;
};

struct vhost_net *vhost_net_open(char *why, size_t len)
{
	struct vhost_net *v = xzalloc(sizeof(*v));

	v->fd = open("/dev/vhost-net", O_RDWR | O_CLOEXEC);
	if (v->fd < 0) {
		snprintf(why, len, "/dev/vhost-net: %s", strerror(errno));
		free(v);
		return NULL;
	}
	if (ioctl(v->fd, VHOST_SET_OWNER) < 0 || ioctl(v->fd, VHOST_GET_FEATURES, &v->features) < 0) {
		snprintf(why, len, "VHOST_SET_OWNER/GET_FEATURES: %s", strerror(errno));
		close(v->fd);
		free(v);
		return NULL;
	}
	return v;
}

#define FAIL(step) do { snprintf(why, len, "%s: %s", step, strerror(errno)); goto fail; } while (0)

int vhost_net_start(struct vhost_net *v, const struct guest_mem *mem, u64 features,
		    const struct vhost_ring r[2], int tap_fd, char *why, size_t len)
{
	struct vhost_memory *m = xzalloc(sizeof(*m) + mem->nr_banks * sizeof(m->regions[0]));
	u64 want = features & v->features &
		   (F_VERSION_1 | F_EVENT_IDX | F_INDIRECT_DESC | F_MRG_RXBUF);

	/*
	 * The header is the tap's (TUNSETVNETHDRSZ 12): no
	 * VHOST_NET_F_VIRTIO_NET_HDR. The offloads (HOST_TSO4, GUEST_TSO4
	 * and friends) are no vhost features: vhost-net passes each
	 * header between ring and tap unchanged and refuses bits it does
	 * not know (EOPNOTSUPP), so they stay out of @want; the tap's
	 * TUNSETOFFLOAD, set from the same negotiation before this call,
	 * decides what GSO frames reach the guest.
	 */
	if (ioctl(v->fd, VHOST_SET_FEATURES, &want) < 0)
		FAIL("VHOST_SET_FEATURES");
	m->nregions = (u32)mem->nr_banks;
	for (int i = 0; i < mem->nr_banks; i++) {
		m->regions[i].guest_phys_addr = mem->banks[i].gpa;
		m->regions[i].memory_size = mem->banks[i].size;
		m->regions[i].userspace_addr = (u64)(uintptr_t)mem->banks[i].hva;
	}
	if (ioctl(v->fd, VHOST_SET_MEM_TABLE, m) < 0)
		FAIL("VHOST_SET_MEM_TABLE");
	for (unsigned int q = 0; q < 2; q++) {
		struct vhost_vring_state num = { q, r[q].num }, base = { q, r[q].base };
		struct vhost_vring_addr addr = {
			.index = q,
			.desc_user_addr = (u64)(uintptr_t)r[q].desc,
			.avail_user_addr = (u64)(uintptr_t)r[q].avail,
			.used_user_addr = (u64)(uintptr_t)r[q].used,
		};
		struct vhost_vring_file kick = { q, r[q].kick_fd }, call = { q, r[q].call_fd };
		struct vhost_vring_file backend = { q, tap_fd };

		if (ioctl(v->fd, VHOST_SET_VRING_NUM, &num) < 0)
			FAIL("VHOST_SET_VRING_NUM");
		if (ioctl(v->fd, VHOST_SET_VRING_BASE, &base) < 0)
			FAIL("VHOST_SET_VRING_BASE");
		if (ioctl(v->fd, VHOST_SET_VRING_ADDR, &addr) < 0)
			FAIL("VHOST_SET_VRING_ADDR");
		if (ioctl(v->fd, VHOST_SET_VRING_KICK, &kick) < 0)
			FAIL("VHOST_SET_VRING_KICK");
		if (ioctl(v->fd, VHOST_SET_VRING_CALL, &call) < 0)
			FAIL("VHOST_SET_VRING_CALL");
		if (ioctl(v->fd, VHOST_NET_SET_BACKEND, &backend) < 0)
			FAIL("VHOST_NET_SET_BACKEND");
		v->attached = true;
	}
	free(m);
	return 0;
fail:
	vhost_net_stop(v);
	free(m);
	return -1;
}

int vhost_net_set_call(struct vhost_net *v, unsigned int q, int fd)
{
	struct vhost_vring_file call = { q, fd };

	return ioctl(v->fd, VHOST_SET_VRING_CALL, &call) < 0 ? -1 : 0;
}

void vhost_net_stop(struct vhost_net *v)
{
	if (!v->attached)
		return;
	for (unsigned int q = 0; q < 2; q++) {
		struct vhost_vring_file backend = { q, -1 };

		if (ioctl(v->fd, VHOST_NET_SET_BACKEND, &backend) < 0 && errno != EINVAL)
			pr_warn_once("vhost-net: detaching the tap: %s", strerror(errno));
	}
	v->attached = false;
}

void vhost_net_close(struct vhost_net *v)
{
	if (!v)
		return;
	vhost_net_stop(v);
	close(v->fd);
	free(v);
}
