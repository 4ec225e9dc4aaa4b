// SPDX-License-Identifier: GPL-2.0
/*
 * R3's lane (fork_cow_internal.h): the pipeline of generation
 * children and their checks, and the sleepers.  The lane reads a child's
 * pagemap as soon as fork returns and the child reads its own first: the
 * migration fork copied ends microseconds later.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "procs.h"
#include "fork_cow_internal.h"

#define RECYCLE_PER_GEN		4	/* sleepers replaced per generation */
#define HANDSHAKE_MS		20000	/* a step takes milliseconds */
#define BAD_ENTRY_FMT \
	"lane %d generation %u: %s %d has a %s migration entry in its COW mapping at page %zu (pagemap %#llx)"
#define COW_LEAK_FMT \
	"lane %d generation %u: COW leak: page %zu of the %s holds what the other process wrote (tag %#x gen %u)"

/* Records a failure in the shared result, printed at once. */
void lane_fail(struct lane *l, const char *kind, const char *fmt, ...)
{
	char msg[RACE_TEXT_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	race_fail(l->env, &l->sh->res, kind, "%s", msg);
	fflush(stdout);
}

void child_exit(int code)
{
	fflush(stdout);
	_exit(code);
}

/* Die with the lane; false when it is gone already. */
static bool follow_lane(const struct lane *l)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	return getppid() == l->pid;
}

/* fork(), counted; the caller's child runs on from here. */
static pid_t lane_fork_child(struct lane *l)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid > 0)
		count(&l->sh->forks, 1);
	return pid;
}

/* Waits (bounded) until *@counter reaches @want; false when it did not. */
bool wait_count(int *counter, int want, bool *stop)
{
	double t0 = now_seconds();

	while (__atomic_load_n(counter, __ATOMIC_ACQUIRE) < want) {
		if (stop_requested(stop) || now_seconds() - t0 > READY_SECONDS)
			return false;
		usleep(1000);
	}
	return true;
}

/*
 * What a pagemap entry of a populated COW region says: -1 when it is not
 * a migration entry, else its kind (MIGRATION_NONE: type not decodable).
 */
int classify(const struct lane *l, uint64_t e)
{
	enum migration_entry_kind k;

	if (pm_present(e))
		return -1;
	/*
	 * pagemap shows no swap type for a non-present hugetlb entry (up to
	 * 6.12 at least): in a populated private region it is migration.
	 */
	if (!pm_swapped(e))
		return l->o->memory == FORK_COW_HUGETLB ? MIGRATION_NONE : -1;
	k = migration_entry_kind(e);
	if (k != MIGRATION_NONE)
		return k;
	/* Types unknown means no swap is active: it is a migration entry. */
	return l->types_known ? -1 : MIGRATION_NONE;
}

/*
 * Reads the pagemap of a freshly forked child (@pid, 0 for this process),
 * counts the migration entries in its region into *@seen (one per PTE,
 * PMD or hugetlb entry) and returns WORKER_BAD_ENTRY when one of them
 * still grants write access or exclusive ownership: fix (a) lost.
 */
int scan_entries(struct lane *l, pid_t pid, const char *who, long *seen)
{
	size_t n = l->len / l->psz, step = l->huge ? l->huge / l->psz : 1;
	int fd = pagemap_open(pid), ret = WORKER_OK, k, first;
	size_t i, j;

	*seen = 0;
	if (fd < 0 || pagemap_read(fd, (unsigned long)l->region, n, l->pm)) {
		lane_fail(l, "child_failed",
			  "lane %d: cannot read the pagemap of %s %d: %s",
			  l->id, who, pid ?: getpid(), strerror(errno));
		if (fd >= 0)
			close(fd);
		return WORKER_SYSCALL;
	}
	close(fd);
	for (i = 0; i < n; i += step) {
		first = -1;
		for (j = i; j < i + step && j < n; j++) {
			k = classify(l, l->pm[j]);
			if (k < 0)
				continue;
			if (first < 0)
				first = k;
			if ((k == MIGRATION_WRITE ||
			     k == MIGRATION_READ_EXCLUSIVE) && !ret) {
				lane_fail(l, "cow_entry", BAD_ENTRY_FMT, l->id,
					  l->gen, who, pid ?: getpid(),
					  migration_entry_name(k), j,
					  (unsigned long long)l->pm[j]);
				ret = WORKER_BAD_ENTRY;
			}
		}
		if (first >= 0) {
			(*seen)++;
			count(&l->sh->kind[first], 1);
		}
	}
	return ret;
}

/*
 * WORKER_OK when every page holds (tag, gen).  A page that holds the other
 * process's (other_tag, other_gen) instead is a COW leak, anything else
 * bad data; the first bad page is reported.
 */
static int verify(struct lane *l, const char *region, const char *who,
		  uint32_t tag, uint32_t gen, uint32_t other_tag,
		  uint32_t other_gen)
{
	size_t i, n = l->len / l->psz;
	const char *page;

	for (i = 0; i < n; i++) {
		page = region + i * l->psz;
		if (!pattern_check(page, l->psz, tag, i, gen, 1))
			continue;
		if (!pattern_check(page, l->psz, other_tag, i, other_gen, 1)) {
			lane_fail(l, "cow_leak", COW_LEAK_FMT, l->id, gen, i,
				  who, other_tag, other_gen);
			return WORKER_COW_LEAK;
		}
		pattern_check(page, l->psz, tag, i, gen, 0);
		lane_fail(l, "bad_data",
			  "lane %d generation %u: bad data in page %zu of the %s",
			  l->id, gen, i, who);
		return WORKER_BAD_DATA;
	}
	return WORKER_OK;
}

/*
 * A byte to @out, then one from @in (bounded), either < 0 for none;
 * WORKER_SYSCALL on a timeout or when the other end died.
 */
static int handshake(int out, int in)
{
	struct pollfd p = { .fd = in, .events = POLLIN };
	char c = 1;
	int r;

	if (out >= 0 && write(out, &c, 1) != 1)
		return WORKER_SYSCALL;
	if (in < 0)
		return 0;
	do
		r = poll(&p, 1, HANDSHAKE_MS);
	while (r < 0 && errno == EINTR);
	return r == 1 && read(in, &c, 1) == 1 ? 0 : WORKER_SYSCALL;
}

/*
 * Generation child g: pagemap, its snapshot (P, g); after the parent's
 * (P, g + 1) the snapshot again, then it writes (C, g); after the
 * parent's (P, g + 2) its own values.
 */
static void __noreturn child_main(struct lane *l, int up, int down)
{
	uint32_t pt = parent_tag(l), g = l->gen;
	long seen;
	int ret = scan_entries(l, 0, "child", &seen);

	/* Forked in a hold: the lane's SCHED_FIFO is not the child's. */
	sched_realtime(false);
	if (!follow_lane(l))
		child_exit(WORKER_SYSCALL);
	/* The lane adds it up once it has looked too (signal A). */
	l->sh->child_seen[l->id] = seen;
	count(&l->sh->seen_by_child, seen);
	if (ret)
		child_exit(ret);
	if (l->o->read_only &&
	    mprotect(l->region, l->len, PROT_READ | PROT_WRITE))
		child_exit(WORKER_SYSCALL);
	ret = verify(l, l->region, "child", pt, g, pt, g + 1) ?:
	      handshake(up, down) ?:
	      verify(l, l->region, "child", pt, g, pt, g + 1);
	if (!ret) {
		fill(l, l->region, child_tag(l), g);
		ret = handshake(up, down) ?:
		      verify(l, l->region, "child", child_tag(l), g, pt, g + 2);
	}
	child_exit(ret);
}

/*
 * Reaps a child and returns its exit code (WORKER_*), WORKER_BAD_DATA
 * when a signal killed it: a crash fails whatever the checks said.
 */
int reap(struct lane *l, pid_t pid, const char *what)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return WORKER_SYSCALL;
	if (WIFEXITED(status) && WEXITSTATUS(status) == WORKER_OK)
		return WORKER_OK;
	if (WIFEXITED(status)) {
		lane_fail(l, "child_failed", "lane %d: %s %d exited %d (%s)",
			  l->id, what, pid, WEXITSTATUS(status),
			  worker_exit_name(WEXITSTATUS(status)));
		return WEXITSTATUS(status);
	}
	lane_fail(l, "child_failed", "lane %d: %s %d killed by signal %d (%s)",
		  l->id, what, pid, WTERMSIG(status),
		  strsignal(WTERMSIG(status)));
	return WORKER_BAD_DATA;
}

/*
 * The children besides the generation's read their pagemap at once, the
 * migration fork met still in flight, and count what they saw (also in
 * *@seen_by, unless NULL).  A burst child then exits, which zaps what
 * fork copied; a storm child checks the first word of every page; a
 * sleeper keeps only its VMA (what every rmap walk of the parent's pages
 * visits) until SIGUSR1, blocked since the lane set up.  An entry a
 * remove_migration_ptes() walk passed before fork copied it stays in the
 * child (fix (b) lost): the pagemap read, a fault or the exit over it is
 * the kernel's BUG on a migration entry of an unlocked folio.
 */
static void __noreturn extra_main(struct lane *l, enum extra kind,
				  long *seen_by)
{
	static const char *const who[] = { "sleeper", "storm child",
					   "burst child" };
	size_t i, n = l->len / l->psz;
	/*
	 * A sleeper drops a storm region's lead (region_map()) too: kept,
	 * its 200 mappings of every lead page made each migration of one
	 * 200 unmaps, which compaction spent its rounds on.  Fork storm
	 * cases within 3 s, two-node TCG VM, 6.12.118, 2026-12-06: compact_node
	 * 0 in 5 of 10 runs kept, 0 in 1 of 6 dropped (49 to 864 else); soft
	 * offline 22 to 75 kept, 54 to 109 dropped; compaction no better.
	 */
	size_t lead = l->o->storm && !l->huge ? storm_lead(l->len) : 0;
	sigset_t usr1;
	long seen;
	int ret = scan_entries(l, 0, who[kind], &seen), sig;

	count(&l->sh->entries, seen);
	count(&l->sh->seen_by_child, seen);
	if (seen_by)
		count(seen_by, seen);
	if (kind == BURST_CHILD)
		child_exit(ret);
	sched_realtime(false);
	if (!follow_lane(l))
		child_exit(WORKER_SYSCALL);
	if (ret)
		child_exit(ret);
	if (kind == SLEEPER) {
		madvise(l->region - lead, lead + l->len, MADV_DONTNEED);
		sigemptyset(&usr1);
		sigaddset(&usr1, SIGUSR1);
		child_exit(sigwait(&usr1, &sig) ? WORKER_SYSCALL : WORKER_OK);
	}
	/* A bad first word gets the full check, which reports it. */
	for (i = 0; !ret && i < n; i++)
		if (*(uint64_t *)(l->region + i * l->psz) !=
		    pattern_word(parent_tag(l), i, l->gen, 0))
			ret = verify(l, l->region, "storm child",
				     parent_tag(l), l->gen, child_tag(l),
				     l->gen - 1);
	child_exit(ret);
}

pid_t extra_fork(struct lane *l, enum extra kind, long *seen_by)
{
	pid_t pid = lane_fork_child(l);

	if (!pid)
		extra_main(l, kind, seen_by);
	return pid;
}

static int sleeper_retire(struct lane *l, int i)
{
	int ret;

	if (l->sleeper[i] <= 0)
		return 0;
	kill(l->sleeper[i], SIGUSR1);
	ret = reap(l, l->sleeper[i], "sleeper");
	l->sleeper[i] = 0;
	return ret;
}

/*
 * Replaces the oldest sleepers: VMAs unlinked from the anon_vma and new
 * ones linked while pages of it are under migration.
 */
int sleepers_recycle(struct lane *l)
{
	int ret = 0, i, n = RECYCLE_PER_GEN;

	while (n-- > 0 && l->nr_sleepers && !ret) {
		i = l->next_retire;
		l->next_retire = (i + 1) % l->nr_sleepers;
		ret = sleeper_retire(l, i);
		l->sleeper[i] = extra_fork(l, SLEEPER, NULL);
		if (l->sleeper[i] < 0)
			ret = WORKER_SYSCALL;
		count(&l->sh->sleepers_recycled, 1);
	}
	return ret;
}

static int sleepers_stop(struct lane *l)
{
	int i, ret = 0;

	for (i = 0; i < l->nr_sleepers; i++)
		if (l->sleeper[i] > 0)
			kill(l->sleeper[i], SIGUSR1);
	for (i = 0; i < l->nr_sleepers; i++)
		ret = sleeper_retire(l, i) ?: ret;
	return ret;
}

static void kid_close(struct kid *k)
{
	close(k->up);
	close(k->down);
	memset(k, 0, sizeof(*k));
}

/* Forks generation child l->gen over l->region; 0 or WORKER_SYSCALL. */
int kid_fork(struct lane *l, struct kid *k)
{
	int up[2], down[2];
	pid_t pid;

	if (pipe(up) || pipe(down))
		return WORKER_SYSCALL;	/* the lane ends, and its fds */
	pid = lane_fork_child(l);
	if (!pid) {
		close(up[0]);
		close(down[1]);
		child_main(l, up[1], down[0]);
	}
	close(up[1]);
	close(down[0]);
	*k = (struct kid){ .pid = pid, .up = up[0], .down = down[1],
			   .gen = l->gen, .region = l->region };
	if (pid < 0) {
		kid_close(k);
		return WORKER_SYSCALL;
	}
	return 0;
}

/* A child that stopped answering: kill it and report what became of it. */
static int kid_failed(struct lane *l, struct kid *k)
{
	int ret;

	kill(k->pid, SIGKILL);
	ret = reap(l, k->pid, "child");
	if (!ret) {
		lane_fail(l, "child_failed", "lane %d: child %d stopped answering",
			  l->id, k->pid);
		ret = WORKER_SYSCALL;
	}
	kid_close(k);
	return ret;
}

/* Lets child @k do its last check and reaps it. */
static int kid_finish(struct lane *l, struct kid *k)
{
	int ret;

	if (handshake(k->down, -1))
		return kid_failed(l, k);
	ret = reap(l, k->pid, "child");
	kid_close(k);
	return ret;
}

/*
 * The parent's write of @gen into every region a live child forked over:
 * it COWs the pages the previous child shares (fresh pages for the next
 * fork), and children check it never reaches them.  THP regions of
 * finished children go.
 */
static void lane_write(struct lane *l, struct kid *prev, struct kid *old,
		       uint32_t gen)
{
	if (l->o->memory != FORK_COW_THP) {
		fill(l, l->region, parent_tag(l), gen);
		return;
	}
	if (old->pid) {
		fill(l, old->region, parent_tag(l), gen);
		munmap(old->region, l->len);
	}
	if (prev->pid)
		fill(l, prev->region, parent_tag(l), gen);
}

/*
 * One generation k of the pipeline, children k - 2 and k - 1 alive: the
 * parent writes (P, k), forks child k (unless draining), lets child k - 2
 * do its last check, and has child k - 1 check its snapshot and write
 * (C, k - 1), which must not reach the parent.
 */
static int lane_step(struct lane *l, bool fork_new)
{
	struct kid *cur = &l->kid[l->gen % 3];
	struct kid *prev = &l->kid[(l->gen + 2) % 3];
	struct kid *old = &l->kid[(l->gen + 1) % 3];
	uint32_t pt = parent_tag(l), k = l->gen;
	int ret = 0;
	long seen;

	lane_write(l, prev, old, k);
	if (fork_new)
		ret = lane_fork(l, cur);
	if (!ret && old->pid)
		ret = kid_finish(l, old);
	if (!ret && prev->pid) {
		if (handshake(prev->down, prev->up))
			return kid_failed(l, prev);
		ret = verify(l, prev->region, "parent", pt, k,
			     child_tag(l), k - 1);
	}
	if (!ret && cur->pid) {
		if (handshake(-1, cur->up))
			return kid_failed(l, cur);
		seen = l->sh->child_seen[l->id];
		count(&l->sh->entries, seen > cur->seen ? seen : cur->seen);
	}
	if (!ret && fork_new)
		count(&l->sh->generations, 1);
	l->gen++;
	return ret;
}

/* After a failure: the children's checks no longer matter. */
static void lane_abort(struct lane *l)
{
	int i;

	for (i = 0; i < 3; i++)
		if (l->kid[i].pid > 0) {
			kill(l->kid[i].pid, SIGKILL);
			waitpid(l->kid[i].pid, NULL, 0);
			kid_close(&l->kid[i]);
		}
}

static int lane_setup(struct lane *l)
{
	size_t n = l->len / l->psz;
	sigset_t usr1;
	int i;

	/* Sleepers inherit the blocked SIGUSR1 and wait for it. */
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, NULL);
	signal(SIGPIPE, SIG_IGN);	/* a dead child fails its handshake */
	l->pid = getpid();
	l->pm = calloc(n, sizeof(*l->pm));
	l->pre = calloc(n, sizeof(*l->pre));
	l->post = calloc(n, sizeof(*l->post));
	l->sleeper = calloc(l->nr_sleepers + 1, sizeof(*l->sleeper));
	l->pm_fd = pagemap_open(0);
	l->kpf_fd = kpageflags_open();
	l->region = region_map(l->o, l->len, l->huge);
	if (!l->pm || !l->pre || !l->post || !l->sleeper || !l->region ||
	    l->pm_fd < 0) {
		lane_fail(l, "setup", "lane %d: set-up: %s", l->id,
			  strerror(errno));
		return WORKER_SYSCALL;
	}
	fill(l, l->region, parent_tag(l), 0);
	l->slot = targets_add(l->env->targets, l->pid, l->region, l->len);
	if (l->slot < 0) {
		lane_fail(l, "setup", "lane %d: no free target slot", l->id);
		return WORKER_SYSCALL;
	}
	/*
	 * The lanes fork their sleepers on every CPU of the test, not only
	 * on the one they share: 600 forks took 2.4 s of each sleeper
	 * case's set-up there (two-node TCG VM, Debian 6.12.118,
	 * 2026-12-06).  The region is filled by then, on the lane's node.
	 */
	sched_setaffinity(0, sizeof(l->allowed), &l->allowed);
	for (i = 0; i < l->nr_sleepers; i++) {
		l->sleeper[i] = extra_fork(l, SLEEPER, NULL);
		if (l->sleeper[i] < 0)
			return WORKER_SYSCALL;
	}
	pin_to_cpu(0, l->cpu);
	/* THP: lane_fork() maps fresh regions for the children. */
	if (l->o->memory == FORK_COW_THP)
		munmap(l->region, l->len);
	return 0;
}

int lane_main(struct lane *l)
{
	int ret, i;

	pin_to_cpu(0, l->cpu);
	ret = lane_setup(l);
	__atomic_fetch_add(&l->sh->ready, 1, __ATOMIC_RELEASE);
	if (!ret && wait_count(&l->sh->go, 1, l->env->stop))
		while (!ret && !stop_requested(l->env->stop))
			ret = lane_step(l, true);
	/* Two more steps take the last children through their checks. */
	for (i = 0; i < 2 && !ret; i++)
		ret = lane_step(l, false);
	if (ret) {
		lane_abort(l);
		stop_request(l->env->stop);	/* end the case early */
	}
	if (l->sleeper)
		ret = sleepers_stop(l) ?: ret;
	if (l->slot >= 0)
		targets_remove(l->env->targets, l->slot);
	return ret;
}
