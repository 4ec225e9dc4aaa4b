#!/usr/bin/perl
# SPDX-License-Identifier: GPL-2.0
#
# Fills a template of scripts/upstream/ (stdin to stdout) with what the
# project already says elsewhere, so that commit messages, cover letter
# and README of the upstream series never drift from it.  The texts are
# the README and docs/measurements.md, where the README's dated figures
# live; a section or paragraph is looked for in both, README first:
#
#   @SEED <id>@           the patch "<subject>" from the seeds file (by
#                         subject: the seeds' ids are not upstream's)
#   @CASES <dir/prog>@    cases of a test program (variants x tests)
#   @SECONDS <dir/prog>@  its window time at the default 3 s a case
#   @PROGS <dir>@         the dir's TEST_GEN_PROGS, comma-separated
#   @TESTS <dir/prog>@    its TEST_F names, "a, b and c"
#   @VARIANTS <dir/prog>@ its FIXTURE_VARIANT_ADD names, "a, b and c"
#   @SETTINGS <dir>@      the dir's settings file, e.g. "timeout=900"
#   @PARA <first words>@  the paragraph that starts so, rewrapped
#   @SECTION <title>@     a section's body, verbatim
#   @RACES@               "The races" from its R1 line on
#   @WINDOWS <race> <trigger>@  the measured window table (the section
#                         "Measured ..."), rows matching the two regular
#                         expressions
#   @MUTANTS@             the section "Mutants measured ...", or "Not yet
#                         measured."
#
# Usage: fill.pl README MEASUREMENTS SEEDS SUITE_DIR < template > text
# A placeholder that cannot be filled is an error (exit 1): a reworded
# text then fails the series check instead of shipping a stale one.

use strict;
use warnings;
use Text::Wrap qw(wrap $columns $huge);

my ($readme, $measurements, $seeds, $suite) = @ARGV;
die "usage: fill.pl README MEASUREMENTS SEEDS SUITE_DIR\n"
	unless defined $suite;

$columns = 73;
$huge = 'overflow';
$Text::Wrap::unexpand = 0;

sub slurp
{
	my ($path) = @_;
	open(my $fh, '<', $path) or die "fill.pl: $path: $!\n";
	local $/;
	my $text = <$fh>;
	close($fh);
	return $text;
}

# Both texts as lines, without the ``` fences that keep the tables of
# docs/measurements.md verbatim in Markdown (a fence stands next to its
# table, so dropping it leaves the blank lines as they were).
my @texts = map { [grep { !/^```/ } split(/\n/, slurp($_), -1)] }
	($readme, $measurements);
my @all_lines = map { (@$_, '') } @texts;

# Sections: a title line underlined with dashes or equals signs; a
# section ends at the next title or at the end of its text.
my @sections;
for my $text (@texts) {
	my @starts;
	for (my $i = 0; $i < $#$text; $i++) {
		push(@starts, $i + 2) if ($text->[$i] =~ /\S/ &&
					  $text->[$i + 1] =~ /^[-=]{3,}\s*$/);
	}
	for (my $s = 0; $s <= $#starts; $s++) {
		my $end = $s < $#starts ? $starts[$s + 1] - 2 : @$text;
		my @body = @$text[$starts[$s] .. $end - 1];
		shift(@body) while (@body && $body[0] !~ /\S/);
		pop(@body) while (@body && $body[-1] !~ /\S/);
		push(@sections, { title => $text->[$starts[$s] - 2],
				  body => \@body });
	}
}

sub section
{
	my ($re) = @_;
	for my $s (@sections) {
		return $s->{body} if ($s->{title} =~ /$re/);
	}
	return undef;
}

sub need_section
{
	my ($re) = @_;
	my $body = section($re);
	die "fill.pl: no section matching /$re/ in $readme or $measurements\n"
		unless $body;
	return $body;
}

sub paragraph
{
	my ($start) = @_;
	my @found;
	my @para;
	for my $line (@all_lines) {
		if ($line =~ /\S/) {
			push(@para, $line);
			next;
		}
		if (@para) {
			my $text = join_lines(@para);
			push(@found, $text) if (index($text, $start) == 0);
		}
		@para = ();
	}
	die "fill.pl: no paragraph starts with \"$start\"\n" unless @found;
	die "fill.pl: several paragraphs start with \"$start\"\n"
		if (@found > 1);
	return wrap_text($found[0]);
}

my %seed;
for my $line (split(/\n/, slurp($seeds))) {
	next if ($line =~ /^\s*(#|$)/);
	my ($id, $subject) = $line =~ /^([0-9a-f]{12,40})\s+(.+?)\s*$/
		or die "fill.pl: bad line in $seeds: $line\n";
	$seed{$id} = $subject;
}

sub seed
{
	my ($id) = @_;
	my ($full) = grep { index($_, $id) == 0 } keys(%seed);
	die "fill.pl: no seed commit $id in $seeds\n" unless $full;
	return sprintf('the patch "%s"', $seed{$full});
}

sub cases
{
	my ($prog) = @_;
	my $src = slurp("$suite/$prog.c");
	my $variants = () = $src =~ /^FIXTURE_VARIANT_ADD\(/mg;
	my $tests = () = $src =~ /^TEST(?:_F)?(?:_TIMEOUT)?\(/mg;
	die "fill.pl: no tests in $suite/$prog.c\n" unless $tests;
	return ($variants || 1) * $tests;
}

sub and_list
{
	my @items = @_;
	my $last = pop(@items);
	return @items ? join(', ', @items) . " and $last" : $last;
}

sub names
{
	my ($prog, $re) = @_;
	my $src = slurp("$suite/$prog.c");
	my @names = $src =~ /$re/mg;
	die "fill.pl: nothing matches $re in $suite/$prog.c\n" unless @names;
	return and_list(@names);
}

sub settings
{
	my ($dir) = @_;
	my $text = slurp("$suite/$dir/settings");
	$text =~ s/\s+$//;
	$text =~ s/\n/, /g;
	return $text;
}

sub progs
{
	my ($dir) = @_;
	my $mk = slurp("$suite/$dir/Makefile");
	$mk =~ s/\\\n/ /g;
	my @progs;
	push(@progs, split(' ', $1))
		while ($mk =~ /^TEST_GEN_PROGS\s*[:+]?=\s*(.*)$/mg);
	die "fill.pl: no TEST_GEN_PROGS in $suite/$dir/Makefile\n" unless @progs;
	return join(', ', @progs);
}

sub windows
{
	my ($race, $trigger) = @_;
	my $body = need_section(qr/^Measured/);
	my @out;
	my $in = 0;
	for my $line (@$body) {
		if (!$in) {
			if ($line =~ /^\s+race\s+trigger\b/) {
				push(@out, $line);
				$in = 1;
			}
			next;
		}
		last if ($line !~ /\S/);
		my @col = split(' ', $line);
		push(@out, $line) if ($col[0] =~ /^(?:$race)$/ &&
				      $col[1] =~ /^(?:$trigger)$/);
	}
	die "fill.pl: no window rows for race /$race/ trigger /$trigger/\n"
		if (@out < 2);
	return join("\n", @out);
}

sub races
{
	my $body = need_section(qr/^The races/);
	my $i = 0;
	$i++ while ($i < @$body && $body->[$i] !~ /^\s+R1\s/);
	die "fill.pl: no R1 line in \"The races\"\n" if ($i == @$body);
	return join("\n", @$body[$i .. $#$body]);
}

sub mutants
{
	my $body = section(qr/^Mutants measured/);
	return 'Not yet measured.' unless $body;
	return join("\n", @$body);
}

sub inline
{
	my ($line) = @_;
	$line =~ s/\@SEED ([0-9a-f]+)\@/seed($1)/ge;
	$line =~ s/\@CASES (\S+)\@/cases($1)/ge;
	$line =~ s/\@SECONDS (\S+)\@/3 * cases($1)/ge;
	$line =~ s/\@PROGS (\S+)\@/progs($1)/ge;
	$line =~ s/\@TESTS (\S+)\@/names($1, qr{^TEST_F(?:_TIMEOUT)?\(\w+, (\w+)}m)/ge;
	$line =~ s/\@VARIANTS (\S+)\@/names($1, qr{^FIXTURE_VARIANT_ADD\(\w+, (\w+)\)}m)/ge;
	$line =~ s/\@SETTINGS (\S+)\@/settings($1)/ge;
	die "fill.pl: unknown placeholder in: $line\n" if ($line =~ /\@[A-Z]+\b.*\@/);
	return $line;
}

sub block
{
	my ($line) = @_;
	return paragraph($1) if ($line =~ /^\@PARA (.+)\@$/);
	return join("\n", @{need_section(qr/^\Q$1\E/)})
		if ($line =~ /^\@SECTION (.+)\@$/);
	return races() if ($line =~ /^\@RACES\@$/);
	return windows($1, $2) if ($line =~ /^\@WINDOWS (\S+) (\S+)\@$/);
	return mutants() if ($line =~ /^\@MUTANTS\@$/);
	return undef;
}

# Lines of a paragraph as one line, two spaces after a sentence as the
# project writes them.
sub join_lines
{
	my $text = '';

	for my $line (@_) {
		$line =~ s/^\s+|\s+$//g;
		next if ($line eq '');
		$text .= ($text =~ /[.!?]$/ ? '  ' : ' ') if ($text ne '');
		$text .= $line;
	}
	return $text;
}

# Wraps a text to 72 columns, never between a number and its unit.
sub wrap_text
{
	my ($text) = @_;

	$text =~ s/(\d) (s|KiB|MiB|GiB)\b/$1\x01$2/g;
	$text = wrap('', '', $text);
	$text =~ s/\x01/ /g;
	$text =~ s/ +$//mg;
	return $text;
}

# A paragraph whose words change length (all but @SEED) is
# rewrapped; a line that is only @SEED stays a line of its own, as the
# commit citation style wants.
sub fill_paragraph
{
	my (@lines) = @_;
	my @out;
	my @text;

	if (@lines == 1) {
		my $text = block($lines[0]);
		return $text if (defined($text));
	}
	return join("\n", map { inline($_) } @lines)
		unless (grep { /\@(?:CASES|SECONDS|PROGS|TESTS|VARIANTS|SETTINGS) / } @lines);
	for my $line (@lines) {
		if ($line =~ /^\@SEED [0-9a-f]+\@$/) {
			push(@out, wrap_text(join_lines(@text))) if (@text);
			push(@out, inline($line));
			@text = ();
		} else {
			push(@text, inline($line));
		}
	}
	push(@out, wrap_text(join_lines(@text))) if (@text);
	return join("\n", @out);
}

my @para;
my @out;
for my $line (split(/\n/, do { local $/; <STDIN> }), '') {
	if ($line =~ /\S/) {
		push(@para, $line);
		next;
	}
	push(@out, fill_paragraph(@para)) if (@para);
	@para = ();
}
print(join("\n\n", @out), "\n");
