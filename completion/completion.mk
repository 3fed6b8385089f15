# bash completion for kvmregsctl, installed as <completionsdir>/kvmregsctl (bash-completion
# loads it by the command's name). The folder is bash-completion's own (pkg-config
# --variable=completionsdir bash-completion, relocated to this --prefix), else
# $(datadir)/bash-completion/completions; 'make bashcompletiondir=DIR' chooses another.
bashcompletiondir =
BASH_COMPLETION_DIR_SH = d='$(bashcompletiondir)'; \
	test -n "$$d" || d=`$(PKG_CONFIG) --define-variable=prefix='$(prefix)' --variable=completionsdir bash-completion 2>/dev/null`; \
	test -n "$$d" || d='$(datadir)/bash-completion/completions'
EXTRA_DIST += completion/kvmregsctl.bash
install-data-local: install-bash-completion
uninstall-local: uninstall-bash-completion
install-bash-completion:
	@$(BASH_COMPLETION_DIR_SH); \
	echo " $(MKDIR_P) '$(DESTDIR)'$$d"; $(MKDIR_P) "$(DESTDIR)$$d" && \
	echo " $(INSTALL_DATA) completion/kvmregsctl.bash '$(DESTDIR)'$$d/kvmregsctl"; \
	$(INSTALL_DATA) $(srcdir)/completion/kvmregsctl.bash "$(DESTDIR)$$d/kvmregsctl"
uninstall-bash-completion:
	@$(BASH_COMPLETION_DIR_SH); echo " rm -f '$(DESTDIR)'$$d/kvmregsctl"; rm -f "$(DESTDIR)$$d/kvmregsctl"
.PHONY: install-bash-completion uninstall-bash-completion

# Sourced into bash, COMPREPLY checked; its tables against kvmregsctl --help.
TESTS += tests/test-completion.sh
UNIT_TESTS += tests/test-completion.sh
dist_check_SCRIPTS += tests/test-completion.sh
