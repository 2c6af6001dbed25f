/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Early checks of lkvm run's -n NICs, made with the other inputs before
 * /dev/kvm is opened (builtin-run.c).
 */
#ifndef LKVM_NET_CHECK_H
#define LKVM_NET_CHECK_H

struct vm_config;

/*
 * net_check_inputs - for cfg->nets: every hostfwd= host port can be bound
 * now (an address in use, a privileged port), a tap can be had
 * (CAP_NET_ADMIN in the effective set, /dev/net/tun usable), and libslirp
 * loads for a -n user NIC (net_slirp_load()). Returns the
 * number of problems, each reported in one error line.
 */
int net_check_inputs(const struct vm_config *cfg);

#endif
