// SPDX-License-Identifier: GPL-2.0
/* exitcode: exit with the value of "code=N" on the command line (default
 * 0), so the VMM ends with status (N << 1) | 1. */
#include "runtime/rt.h"

int main(struct mb_info *mbi)
{
	u64 code = cmdline_num("code", 0);

	(void)mbi;
	printf("exit code %lu\n", code);
	return (int)code;
}
