# Manual pages, hand-written roff (docs/*.md are the long form): the daemon, the hook, the
# hook's policy file and the D-Bus interface. kvmregsctl(1) is docs/kvmregsctl.1 (ctl/ctl.mk).
dist_man5_MANS = man/kvmregs.conf.5 man/org.kvmregs.Profile1.5
dist_man8_MANS = man/kvmregsd.8 man/kvmregs-hook.8

# Every page renders without a warning (groff, man, mandoc when installed); every option
# kvmregsd --help and kvmregsctl --help print is in its page.
TESTS += tests/test-manpages.sh
UNIT_TESTS += tests/test-manpages.sh
dist_check_SCRIPTS += tests/test-manpages.sh

# The pages of this build as a manual tree (man/tree/manN), put first in the tests' MANPATH:
# systemd-analyze verify (tests/test-daemon-systemd.sh) checks that the unit's
# Documentation=man:kvmregsd(8) man:org.kvmregs.Profile1(5) exist, before they are installed.
# The trailing ':' keeps man's own search path after it.
check_DATA = man/tree/.stamp
man/tree/.stamp: $(dist_man1_MANS) $(dist_man5_MANS) $(dist_man8_MANS)
	$(AM_V_GEN)rm -rf man/tree && \
	for p in $(dist_man1_MANS) $(dist_man5_MANS) $(dist_man8_MANS); do \
		s=`echo "$$p" | sed 's/.*\.//'`; \
		$(MKDIR_P) man/tree/man$$s && cp "$(srcdir)/$$p" man/tree/man$$s/ || exit 1; \
	done && touch $@
AM_TESTS_ENVIRONMENT += MANPATH='$(abs_top_builddir)/man/tree:'; export MANPATH;
clean-local: clean-local-man
clean-local-man:
	-rm -rf man/tree
.PHONY: clean-local-man
