# SPDX-License-Identifier: GPL-2.0
#
# awk functions that judge kernel log lines by lib/kernel_problems.h, the
# list lib/verdict.c compiles in: scripts put this text in front of their
# own awk program and pass -v kp_file=<that header>.
#
#   kp_kind(msg)	the kind of problem the text of a printk (after its
#			time stamp) reports, or "" for none or noise
#   kp_is_hang(kind)	whether the kind says the guest stopped making
#			progress (stall, hung task, lockup)

# Reads the KP(kind, START|ANY, "text") lines; a malformed one or an
# empty list stops the script: a silent empty list would pass everything.
function kp_load(    line, n, kind, where, text) {
	while ((getline line < kp_file) > 0) {
		if (line !~ /^KP\(/)
			continue
		if (line !~ /^KP\([a-z_]+,[ \t]+(START|ANY),[ \t]+"[^"\\]+"\)$/) {
			printf "kernel-problems.awk: %s: malformed entry: %s\n", kp_file, line > "/dev/stderr"
			exit 2
		}
		sub(/^KP\(/, "", line)
		kind = line
		sub(/,.*/, "", kind)
		where = line
		sub(/^[a-z_]+,[ \t]+/, "", where)
		sub(/,.*/, "", where)
		text = line
		sub(/^[^"]*"/, "", text)
		sub(/"\)$/, "", text)
		n++
		kp_kinds[n] = kind
		kp_where[n] = where
		kp_text[n] = text
	}
	close(kp_file)
	if (n == 0) {
		printf "kernel-problems.awk: no KP() entries in '%s'\n", kp_file > "/dev/stderr"
		exit 2
	}
	kp_n = n
}

function kp_kind(msg,    i, at) {
	if (!kp_n)
		kp_load()
	for (i = 1; i <= kp_n; i++) {
		at = index(msg, kp_text[i])
		if (at == 1 || (at > 1 && kp_where[i] == "ANY"))
			return kp_kinds[i] == "noise" ? "" : kp_kinds[i]
	}
	return ""
}

function kp_is_hang(kind) {
	return kind ~ /^(rcu_stall|hung_task|soft_lockup|hard_lockup)$/
}
