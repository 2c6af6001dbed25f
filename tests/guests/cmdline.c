// SPDX-License-Identifier: GPL-2.0
/*
 * cmdline: print the command line (without the image name the loader puts
 * first) and each module's string, size and first bytes, as text up to the
 * first newline or 64 bytes.
 */
#include "runtime/rt.h"

static void print_module(int i, const struct mb_module *m)
{
	const char *p = (const char *)(u64)m->mod_start;
	u32 len = m->mod_end > m->mod_start ? m->mod_end - m->mod_start : 0;
	u32 n;

	printf("module %d: %u bytes, page aligned: %s\n", i, len,
	       (m->mod_start & 0xfff) ? "no" : "yes");
	printf("module %d string: %s\n", i, m->string ? (const char *)(u64)m->string : "");
	printf("module %d data: ", i);
	for (n = 0; n < len && n < 64 && p[n] != '\n'; n++)
		putchar(p[n] >= 0x20 && p[n] < 0x7f ? p[n] : '.');
	putchar('\n');
}

int main(struct mb_info *mbi)
{
	const struct mb_module *mods;
	u32 n;

	printf("cmdline: %s\n", cmdline_args());
	if (!(mbi->flags & MB_INFO_MODS)) {
		printf("modules: none\n");
		return 0;
	}
	n = mbi->mods_count;
	mods = (const struct mb_module *)(u64)mbi->mods_addr;
	printf("modules: %u\n", n);
	for (u32 i = 0; i < n && i < 16; i++)
		print_module((int)i, &mods[i]);
	return 0;
}
