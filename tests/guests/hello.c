// SPDX-License-Identifier: GPL-2.0
/* hello: one line on the serial console, then a pass (exit 0, status 1). */
#include "runtime/rt.h"

int main(struct mb_info *mbi)
{
	(void)mbi;
	printf("hello from payload\n");
	return 0;
}
