/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Names of CPUID feature flags for the common leaves, for lkvm features:
 * leaf 1 (ECX, EDX), leaf 7 subleaf 0 (EBX, ECX, EDX) and leaf 0x80000001
 * (ECX, EDX). Sources: Intel SDM vol. 2A, CPUID ("Feature Information",
 * "Structured Extended Feature Flags"); AMD APM vol. 3, appendix E
 * (CPUID Fn8000_0001). Names are lower case, /proc/cpuinfo style.
 */
#ifndef LKVM_X86_CPUID_NAMES_H
#define LKVM_X86_CPUID_NAMES_H

#include <stdbool.h>

#include "util/util.h"

/* A CPUID output register. */
enum cpuid_reg { CPUID_EAX, CPUID_EBX, CPUID_ECX, CPUID_EDX };

/*
 * cpuid_flag_name - the name of bit @bit (0-31) of register @reg of leaf
 * @function, subleaf @index, or NULL when the leaf has no flag names or
 * the bit is reserved.
 */
const char *cpuid_flag_name(u32 function, u32 index, enum cpuid_reg reg, unsigned int bit);

/* cpuid_has_flag_names - true if register @reg of (@function, @index)
 * holds feature flags named here. */
bool cpuid_has_flag_names(u32 function, u32 index, enum cpuid_reg reg);

#endif
