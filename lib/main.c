// SPDX-License-Identifier: GPL-2.0
/* main() of every test program; see harness.h. */
#include <stdio.h>

#include "options.h"

int (*mr_harness_entry)(int argc, char **argv);

int main(int argc, char **argv)
{
	if (mr_options_parse(&argc, argv))
		return 1;	/* usage error, already explained */
	if (!mr_harness_entry) {
		fprintf(stderr, "%s: built without harness.h\n", argv[0]);
		return 1;
	}
	return mr_harness_entry(argc, argv);
}
