// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>

#include "hv/x86/cmdline.h"

/*
 * CPU features whose instructions the PVM host's emulator lacks (or that we
 * could not verify), by X86_FEATURE_* bit (word * 32 + bit). Clearing them
 * makes the guest kernel patch itself to baseline code. Linux 6.1 reads the
 * clearcpuid= value into a 128-byte buffer: keep the list short.
 */
static const struct {
	u16 bit;
	const char *name;
} pvm_cleared_features[] = {
	{ 1 * 32 + 27, "rdtscp" },	/* rdtsc_ordered() uses rdtscp */
	{ 4 * 32 + 1, "pclmulqdq" },
	{ 4 * 32 + 9, "ssse3" },
	{ 4 * 32 + 12, "fma" },
	{ 4 * 32 + 13, "cx16" },	/* lock cmpxchg16b: failed in the host's emulator */
	{ 4 * 32 + 17, "pcid" },
	{ 4 * 32 + 19, "sse4_1" },
	{ 4 * 32 + 20, "sse4_2" },
	{ 4 * 32 + 22, "movbe" },
	{ 4 * 32 + 23, "popcnt" },	/* failed in the host's emulator */
	{ 4 * 32 + 25, "aes" },
	{ 4 * 32 + 29, "f16c" },
	{ 4 * 32 + 30, "rdrand" },
	{ 6 * 32 + 5, "abm" },		/* lzcnt */
	{ 9 * 32 + 0, "fsgsbase" },
	{ 9 * 32 + 3, "bmi1" },
	{ 9 * 32 + 5, "avx2" },
	{ 9 * 32 + 8, "bmi2" },
	{ 9 * 32 + 10, "invpcid" },
	{ 9 * 32 + 18, "rdseed" },
	{ 9 * 32 + 19, "adx" },
	{ 9 * 32 + 23, "clflushopt" },
	{ 9 * 32 + 24, "clwb" },
	{ 9 * 32 + 29, "sha_ni" },
	{ 16 * 32 + 2, "umip" },
	{ 16 * 32 + 3, "pku" },
	{ 16 * 32 + 16, "la57" },
	{ 16 * 32 + 22, "rdpid" },
};

const char *pvm_clearcpuid_bits(void)
{
	static char buf[256];
	size_t o = 0;

	if (buf[0])
		return buf;
	for (size_t i = 0; i < ARRAY_SIZE(pvm_cleared_features); i++)
		o += snprintf(buf + o, sizeof(buf) - o, "%s%u", i ? "," : "",
			      pvm_cleared_features[i].bit);
	return buf;
}

bool cmdline_has_key(const char *cmdline, const char *key)
{
	size_t klen = strlen(key);
	const char *p = cmdline;

	if (!cmdline)
		return false;
	while (*p) {
		const char *word;
		bool quoted = false;

		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		word = p;
		while (*p && (quoted || (*p != ' ' && *p != '\t' && *p != '\n'))) {
			if (*p == '"')
				quoted = !quoted;
			p++;
		}
		if ((size_t)(p - word) >= klen && !strncmp(word, key, klen) &&
		    (word[klen] == '=' || word + klen == p))
			return true;
	}
	return false;
}

/* Append " @param" to @out unless the user's line already sets its key. */
static int append(char *out, size_t size, size_t *len, const char *user,
		  const char *param)
{
	char key[64];
	size_t k = strcspn(param, "=");
	int n;

	if (k >= sizeof(key))
		k = sizeof(key) - 1;
	memcpy(key, param, k);
	key[k] = 0;
	if (cmdline_has_key(user, key))
		return 0;
	n = snprintf(out + *len, size - *len, "%s%s", *len ? " " : "", param);
	if (n < 0 || (size_t)n >= size - *len)
		return -1;
	*len += n;
	return 0;
}

int linux_cmdline_build(char *out, size_t size, const char *user,
			enum console_type console, bool pvm_quirks,
			unsigned int tsc_khz)
{
	return linux_cmdline_build_devices(out, size, user, console, pvm_quirks,
					   tsc_khz, NULL);
}

int linux_cmdline_build_devices(char *out, size_t size, const char *user,
				enum console_type console, bool pvm_quirks,
				unsigned int tsc_khz, const char *devices)
{
	char clear[300], khz[64];
	size_t len = 0;
	int n;

	if (!size)
		return -1;
	out[0] = 0;
	if (append(out, size, &len, user,
		   console == CONSOLE_VIRTIO ? "console=hvc0" : "console=ttyS0") < 0)
		return -1;
	if (pvm_quirks) {
		snprintf(clear, sizeof(clear), "clearcpuid=%s", pvm_clearcpuid_bits());
		if (append(out, size, &len, user, "noxsave") < 0 ||
		    append(out, size, &len, user, "nosmap") < 0 ||
		    append(out, size, &len, user, "nosmep") < 0 ||
		    append(out, size, &len, user, clear) < 0 ||
		    /* The guest sees the host's KVM CPUID leaves and would use
		     * PV IPIs, PV spinlock kicks and ptp_kvm: all vmcall, which
		     * never completes on PVM hosts. nopv keeps it a plain PC. */
		    append(out, size, &len, user, "nopv") < 0 ||
		    /* Each port 0x80 delay is a ~10 us exit there. */
		    append(out, size, &len, user, "io_delay=none") < 0)
			return -1;
		/* Without kvmclock (nopv) the kernel calibrates the TSC against
		 * the PIT, which fails when its code is emulated; it then falls
		 * back to jiffies and stalls. The host knows the frequency. */
		snprintf(khz, sizeof(khz), "tsc_early_khz=%u", tsc_khz);
		if (tsc_khz && (append(out, size, &len, user, khz) < 0 ||
				append(out, size, &len, user, "tsc=reliable") < 0))
			return -1;
	}
	if (devices && *devices) {
		n = snprintf(out + len, size - len, "%s%s", len ? " " : "", devices);
		if (n < 0 || (size_t)n >= size - len)
			return -1;
		len += n;
	}
	if (user && *user) {
		n = snprintf(out + len, size - len, "%s%s", len ? " " : "", user);
		if (n < 0 || (size_t)n >= size - len)
			return -1;
		len += n;
	}
	return (int)len;
}
