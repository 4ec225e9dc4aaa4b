// SPDX-License-Identifier: GPL-2.0
/* /proc/vmstat parsing; see vmstat.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmstat.h"

int vmstat_parse(const char *text, struct vmstat_snap *s)
{
	const char *line = text;

	s->n = 0;
	while (line && *line && s->n < VMSTAT_MAX) {
		char name[sizeof(s->item[0].name)];
		long long value;

		if (sscanf(line, "%47s %lld", name, &value) == 2) {
			snprintf(s->item[s->n].name, sizeof(s->item[0].name),
				 "%s", name);
			s->item[s->n].value = value;
			s->n++;
		}
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return s->n ? 0 : -EINVAL;
}

int vmstat_read(struct vmstat_snap *s)
{
	static char buf[64 * 1024];
	FILE *f = fopen("/proc/vmstat", "r");
	size_t n;

	if (!f)
		return -errno;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return vmstat_parse(buf, s);
}

long long vmstat_get(const struct vmstat_snap *s, const char *name)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->item[i].name, name))
			return s->item[i].value;
	return -1;
}

long long vmstat_delta(const struct vmstat_snap *before,
		       const struct vmstat_snap *after, const char *name)
{
	long long a = vmstat_get(before, name), b = vmstat_get(after, name);

	if (a < 0 || b < 0)
		return -1;
	return b - a;
}

long meminfo_kb(const char *key)
{
	char line[128], name[64];
	long kb;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63[^:]: %ld", name, &kb) == 2 &&
		    !strcmp(name, key)) {
			fclose(f);
			return kb;
		}
	fclose(f);
	return -1;
}
