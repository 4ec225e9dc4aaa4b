// SPDX-License-Identifier: GPL-2.0
/* Kernel config lookup; see kconfig.h. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "kconfig.h"

#define CONFIG_TEXT_MAX	(1024 * 1024)
#define NO_RCU_DEBUG \
	" without SLUB_RCU_DEBUG (blind to the anon_vma cache)"
#define KFENCE_FMT "%sKFENCE (sampled every %ld ms)"

static char *config_text;

enum kconfig_state kconfig_lookup(const char *text, const char *name)
{
	char key[128];
	const char *p = text;
	size_t klen;

	klen = snprintf(key, sizeof(key), "CONFIG_%s=", name);
	while ((p = strstr(p, key))) {
		if (p == text || p[-1] == '\n') {
			if (p[klen] == 'y')
				return KCONFIG_YES;
			if (p[klen] == 'm')
				return KCONFIG_MODULE;
			return KCONFIG_YES;	/* a value: the option is set */
		}
		p += klen;
	}
	return KCONFIG_NO;
}

static char *slurp_command(const char *cmd)
{
	char *buf = malloc(CONFIG_TEXT_MAX);
	size_t n = 0, r;
	FILE *f;

	if (!buf)
		return NULL;
	f = popen(cmd, "r");
	if (!f) {
		free(buf);
		return NULL;
	}
	while ((r = fread(buf + n, 1, CONFIG_TEXT_MAX - 1 - n, f)) > 0)
		n += r;
	pclose(f);
	buf[n] = '\0';
	if (!strstr(buf, "CONFIG_")) {
		free(buf);
		return NULL;
	}
	return buf;
}

static void load_config(void)
{
	struct utsname u;
	char cmd[256];

	if (config_text)
		return;
	config_text = slurp_command("zcat /proc/config.gz 2>/dev/null");
	if (config_text || uname(&u))
		return;
	snprintf(cmd, sizeof(cmd), "cat /boot/config-%s 2>/dev/null", u.release);
	config_text = slurp_command(cmd);
}

enum kconfig_state kconfig_get(const char *name)
{
	load_config();
	if (!config_text)
		return KCONFIG_UNKNOWN;
	return kconfig_lookup(config_text, name);
}

/* KFENCE's sample interval in ms, 0 when it is off or not built in. */
static long kfence_interval_ms(void)
{
	FILE *f = fopen("/sys/module/kfence/parameters/sample_interval", "r");
	long ms = 0;

	if (f) {
		if (fscanf(f, "%ld", &ms) != 1)
			ms = 0;
		fclose(f);
	}
	return ms;
}

const char *kconfig_uaf_detectors(char *buf, size_t len)
{
	bool kasan = kconfig_get("KASAN") == KCONFIG_YES;
	bool rcu = kconfig_get("SLUB_RCU_DEBUG") == KCONFIG_YES;
	long kfence = kfence_interval_ms();
	size_t n = 0;

	buf[0] = '\0';
	if (kasan)
		n += snprintf(buf + n, len - n, "KASAN%s",
			      rcu ? "+SLUB_RCU_DEBUG" : NO_RCU_DEBUG);
	if (kfence > 0 && n < len)
		n += snprintf(buf + n, len - n, KFENCE_FMT, n ? ", " : "",
			      kfence);
	if (!n)
		snprintf(buf, len, "none (no KASAN, KFENCE off)");
	return buf;
}
