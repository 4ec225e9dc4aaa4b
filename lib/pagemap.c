// SPDX-License-Identifier: GPL-2.0
/* pagemap and kpageflags access; see pagemap.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "kconfig.h"
#include "known_bugs.h"
#include "pagemap.h"

/* 0: not decided yet, 1: known, -1: unknown. */
static int types_state;
static unsigned int migration_read_type;

int pagemap_open(pid_t pid)
{
	char path[64];

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/pagemap", pid);
	else
		snprintf(path, sizeof(path), "/proc/self/pagemap");
	return open(path, O_RDONLY | O_CLOEXEC);
}

int pagemap_read(int fd, unsigned long addr, size_t npages, uint64_t *out)
{
	size_t want = npages * sizeof(*out), done = 0;
	off_t off = addr / getpagesize() * sizeof(*out);
	ssize_t n;

	while (done < want) {
		n = pread(fd, (char *)out + done, want - done, off + done);
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		done += n;
	}
	return 0;
}

uint64_t pagemap_pfn_of(int fd, unsigned long addr)
{
	uint64_t e;

	if (pagemap_read(fd, addr, 1, &e) || !pm_present(e))
		return 0;
	return pm_pfn(e);
}

void migration_types_set(bool device_private, bool swapin_error)
{
	/*
	 * MAX_SWAPFILES = 32 - device - 3 migration - hwpoison - marker
	 * (- swapin error), and the migration types follow hwpoison's.
	 */
	migration_read_type = 32 - (device_private ? 4 : 0) - 3 - 1 - 1 -
			      (swapin_error ? 1 : 0) + 1;
	types_state = 1;
}

/*
 * Kernels 5.19 to 6.1 reserve one more swap type, SWP_SWAPIN_ERROR
 * ("mm/swapfile: unuse_pte can map random data if swap read fails"), until
 * "mm: use pte markers for swap errors" (6.2) made it a PTE marker: every
 * migration type is one lower there.  Debian 12's 6.1 is such a kernel.
 */
static bool has_swapin_error_type(void)
{
	static const struct kver_range swapin_error[] = {
		{ "5.19", "6.2" }, { NULL, NULL },
	};

	return kver_running_in(swapin_error);
}

bool migration_types_known(void)
{
	if (!types_state) {
		switch (kconfig_get("DEVICE_PRIVATE")) {
		case KCONFIG_UNKNOWN:
			types_state = -1;
			break;
		case KCONFIG_NO:
			migration_types_set(false, has_swapin_error_type());
			break;
		default:
			migration_types_set(true, has_swapin_error_type());
		}
	}
	return types_state == 1;
}

enum migration_entry_kind migration_entry_kind(uint64_t e)
{
	unsigned int t;

	if (pm_present(e) || !pm_swapped(e) || !migration_types_known())
		return MIGRATION_NONE;
	t = pm_swap_type(e);
	if (t == migration_read_type)
		return MIGRATION_READ;
	if (t == migration_read_type + 1)
		return MIGRATION_READ_EXCLUSIVE;
	if (t == migration_read_type + 2)
		return MIGRATION_WRITE;
	return MIGRATION_NONE;
}

const char *migration_entry_name(enum migration_entry_kind k)
{
	static const char * const names[] = {
		"none", "read", "read-exclusive", "write"
	};

	return names[k];
}

int kpageflags_open(void)
{
	return open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
}

int kpageflags_read(int fd, uint64_t pfn, uint64_t *flags)
{
	*flags = 0;
	if (pread(fd, flags, sizeof(*flags), pfn * sizeof(*flags)) !=
	    sizeof(*flags))
		return -EIO;
	return 0;
}

bool kpf_unmapped_swapcache(uint64_t f)
{
	/* A folio with mapping == NULL has neither MMAP nor ANON. */
	return kpf(f, KPF_SWAPCACHE) && kpf(f, KPF_LRU) &&
	       !kpf(f, KPF_MMAP) && !kpf(f, KPF_ANON) && !kpf(f, KPF_NOPAGE);
}
