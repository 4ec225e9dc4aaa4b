/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel log lines that mean the kernel saw something wrong: the one list
 * that lib/verdict.c compiles in and that scripts/kernel-problems.awk reads
 * for scripts/vmtest.sh and scripts/mutants.sh, so the tests and the VM
 * runners judge the same lines.
 *
 * One entry a line, KP(kind, where, "text"): a log line (its text after
 * the printk time stamp) is a problem of that kind when it starts with
 * (START) or contains (ANY) the text.  The first entry that matches wins,
 * so the specific come before the general ("BUG: KASAN:" before "BUG:").
 * Kind "noise" marks lines that look like problems but are expected while
 * the tests run.  The scripts read this file with awk: keep each entry on
 * one line, the text without quotes or backslashes inside.
 *
 * No include guard: the includer defines KP() around the #include.
 */

/* Memory offline dumps the pages it cannot move; soft offline each page. */
KP(noise,		START,	"page dumped because: unmovable page")
KP(noise,		START,	"page dumped because: isolation failed")
KP(noise,		START,	"Memory failure: 0x")

KP(kasan,		START,	"BUG: KASAN:")
KP(kfence,		START,	"BUG: KFENCE:")
KP(bad_page,		START,	"BUG: Bad page")
KP(bad_rss,		START,	"BUG: Bad rss-counter")
KP(soft_lockup,		ANY,	"BUG: soft lockup")
KP(hard_lockup,		ANY,	"hard LOCKUP")
KP(bug,			START,	"BUG:")
KP(bug,			START,	"kernel BUG at")
KP(bug,			ANY,	"page dumped because: VM_BUG_ON")
/* SLUB debug: "BUG kmalloc-64 (Not tainted): Poison overwritten". */
KP(slub,		START,	"BUG ")
KP(warning,		START,	"WARNING:")
KP(oops,		START,	"Oops")
KP(oops,		START,	"general protection fault")
KP(oops,		START,	"Unable to handle kernel")
KP(panic,		START,	"Kernel panic")
KP(ubsan,		START,	"UBSAN:")
KP(list_corruption,	START,	"list_add corruption")
KP(list_corruption,	START,	"list_del corruption")
KP(rcu_stall,		START,	"rcu: INFO:")
KP(rcu_stall,		START,	"INFO: rcu_")
KP(rcu_stall,		ANY,	"self-detected stall")
KP(hung_task,		ANY,	"blocked for more than")
/* pr_err of _swap_info_get() and friends: no taint, no BUG. */
KP(bad_swap_entry,	ANY,	"Bad swap file entry")
KP(bad_swap_entry,	ANY,	"Bad swap offset entry")
KP(bad_swap_entry,	ANY,	"Unused swap file entry")
KP(bad_swap_entry,	ANY,	"Unused swap offset entry")
KP(memory_failure,	START,	"Memory failure:")
