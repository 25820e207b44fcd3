# Makefile - the only build file for zoodex.  `make help` lists the targets.
# Variables you may set on the command line (defaults in parentheses):
#   CFLAGS (-O2 -g)  PREFIX (/usr/local)  DESTDIR ()  O (build)  V=1 (echo commands)
#   DEVELOPER=1      add -Werror
#   SANITIZE=address,undefined   build everything with those sanitizers
#   FAISS_CFLAGS / FAISS_LIBS    FAISS's C API (built by scripts/setup into $(O)/faiss)
#   FUZZ_TIME (60)   seconds per fuzz target for `make fuzz`
#   FUZZ_TARGETS (all)  names of the tests/fuzz/fuzz_<name>.c that `make fuzz` runs
#   FUZZ_CC (clang-14)  the libFuzzer compiler (`scripts/setup --fuzz` installs it)
#   VALGRIND=1       run the zoodex of the CLI tests and the fuzz replays under valgrind
#   VALGRIND_TESTS (t1100 t1300 t1400)  the CLI tests `make valgrind` runs
#   SKIP_SETUP=1     demo, test and check do not run scripts/setup first
# `make all` never installs anything: `make setup` (which demo, test and check
# run first) installs the build dependencies and builds FAISS's C API.
# Objects are rebuilt when the compiler, flags or libraries change
# ($(O)/.flags records them).
PREFIX ?= /usr/local
MANDIR ?= $(PREFIX)/share/man
O      ?= build
CFLAGS ?= -O2 -g
PKG_CONFIG ?= pkg-config
PKGS   ?= libcurl libarchive lmdb openblas lapacke jansson yaml-0.1 libxxhash libcrypto
FAISS_CFLAGS ?=
FAISS_LIBS   ?= $(O)/faiss/libfaiss_c.a -lfaiss -llapack -lgomp -lstdc++
FUZZ_TIME    ?= 60
FUZZ_CC      ?= clang-14
VALGRIND_TESTS ?= t1100 t1300 t1400

# pkg-config runs once, when a recipe first needs it (so that `make setup`
# can install what it looks for), and a failure stops the build with its
# message instead of compiling without the flags.
pkgconf = $(strip $(eval _pkg := $(shell $(PKG_CONFIG) $(1) $(PKGS)))$(if \
    $(filter 0,$(.SHELLSTATUS)),$(_pkg),$(error pkg-config $(1) failed for \
    PKGS ($(PKGS)), see its message above; 'make setup' installs the build \
    dependencies)))
PKG_CFLAGS = $(eval PKG_CFLAGS := $(call pkgconf,--cflags))$(PKG_CFLAGS)
PKG_LIBS = $(eval PKG_LIBS := $(call pkgconf,--libs))$(PKG_LIBS)

WARN = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
       -Wformat=2 -Wvla -Wwrite-strings -Wpointer-arith -Wold-style-definition
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) -fopenmp-simd \
       -Isrc -Iingest -Iindex -Iquery -MMD -MP $(FAISS_CFLAGS) $(PKG_CFLAGS)
LIBS = $(FAISS_LIBS) $(PKG_LIBS) -lpthread -lm
ifdef DEVELOPER
ALL_CFLAGS += -Werror
endif
ifdef SANITIZE
ALL_CFLAGS += -fsanitize=$(SANITIZE) -fno-sanitize-recover=all -fno-omit-frame-pointer
LDFLAGS    += -fsanitize=$(SANITIZE)
endif
QUIET = $(if $(filter 1,$(V)),,@echo '  $(1) $@';)

CMD_SRC = src/main.c $(wildcard src/cmd_*.c)
LIB_SRC = $(filter-out $(CMD_SRC),$(wildcard src/*.c ingest/*.c index/*.c query/*.c))
UNIT    = $(patsubst tests/unit/%.c,$(O)/tests/%,$(wildcard tests/unit/test_*.c))
FUZZERS = $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_TARGETS ?= $(FUZZERS)
BENCH   = $(patsubst tests/bench/%.c,$(O)/bench/%,$(wildcard tests/bench/bench_*.c))

all: $(O)/zoodex                                        ## build build/zoodex (never installs anything)

# demo, test and check set the machine up first (the README's two commands);
# everything else only says what is missing.
SETUP_FIRST = $(if $(SKIP_SETUP),,$(if $(filter setup demo test check,$(MAKECMDGOALS)),setup))
setup:                                                  ## install the build dependencies (as root) and build FAISS's C API
	@scripts/setup $(O)

$(O)/faiss/libfaiss_c.a: | $(SETUP_FIRST)
	@test -f $@ || { echo "make: $@ is missing: run 'make setup' (as root it" \
	  "installs the build dependencies and builds FAISS's C API)" >&2; exit 1; }

# The compiler, flags and libraries of this build, rewritten only when they
# change, so that a change rebuilds everything (git's GIT-CFLAGS).
FLAGS_LINE = $(CC) $(ALL_CFLAGS) | $(LDFLAGS) $(LIBS)
$(O)/.flags: FORCE | $(SETUP_FIRST)
	@mkdir -p $(@D)
	@printf '%s\n' '$(subst ','\'',$(FLAGS_LINE))' >$@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else \
	  { [ ! -f $@ ] || echo "  FLAGS changed: rebuilding"; }; mv $@.tmp $@; fi
FORCE:

$(O)/libzoodex.a: $(LIB_SRC:%.c=$(O)/%.o)
	$(call QUIET,AR)$(AR) rcs $@ $^
$(O)/zoodex: $(CMD_SRC:%.c=$(O)/%.o) $(O)/libzoodex.a $(O)/faiss/libfaiss_c.a $(O)/.flags
	$(call QUIET,LINK)$(CC) $(LDFLAGS) -o $@ $(CMD_SRC:%.c=$(O)/%.o) $(O)/libzoodex.a $(LIBS)
$(O)/%.o: %.c $(O)/.flags | $(O)/faiss/libfaiss_c.a
	@mkdir -p $(@D)
	$(call QUIET,CC)$(CC) $(ALL_CFLAGS) -c -o $@ $<
$(O)/tests/%: tests/unit/%.c tests/harness.h $(O)/libzoodex.a $(O)/.flags
	@mkdir -p $(@D)
	$(call QUIET,CC)$(CC) $(ALL_CFLAGS) -Itests -o $@ $< $(O)/libzoodex.a $(LDFLAGS) $(LIBS)
$(O)/tests/replay-%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c $(O)/libzoodex.a $(O)/.flags
	@mkdir -p $(@D)
	$(call QUIET,CC)$(CC) $(ALL_CFLAGS) -o $@ tests/fuzz/fuzz_$*.c tests/fuzz/replay.c $(O)/libzoodex.a $(LDFLAGS) $(LIBS)
$(O)/bench/%: tests/bench/%.c $(O)/libzoodex.a $(O)/.flags
	@mkdir -p $(@D)
	$(call QUIET,CC)$(CC) $(ALL_CFLAGS) -o $@ $< $(O)/libzoodex.a $(LDFLAGS) $(LIBS)

RUN_TESTS = O=$(O) ZX=$(abspath $(O)/zoodex) sh tests/run.sh $(if $(VALGRIND),--valgrind) $(UNIT)
test: $(SETUP_FIRST) all $(UNIT) $(FUZZERS:%=$(O)/tests/replay-%)     ## set up, build; unit, CLI (mock Hub), mock selftest, fuzz replay
	@$(RUN_TESTS)

valgrind: all $(FUZZERS:%=$(O)/tests/replay-%)          ## VALGRIND_TESTS and the fuzz replays under valgrind (leaks fail)
	@scripts/setup --valgrind
	@O=$(O) ZX=$(abspath $(O)/zoodex) ZX_CLI="$(VALGRIND_TESTS)" sh tests/run.sh --valgrind

# check runs the tests and every check, then fails if any did (each prints
# "name: N passed, N failed"): a failing test does not hide the rest.
check: $(SETUP_FIRST) all $(UNIT) $(FUZZERS:%=$(O)/tests/replay-%)    ## test, then layering, docs/usage sync, man lint, examples, format, file tour
	@rc=0; \
	$(RUN_TESTS) || rc=1; \
	sh tests/check-deps.sh || rc=1; \
	ZX=$(abspath $(O)/zoodex) sh tests/check-docs.sh || rc=1; \
	ZX=$(abspath $(O)/zoodex) python3 tests/check-examples.py || rc=1; \
	sh tests/check-format.sh || rc=1; \
	sh tests/check-tour.sh || rc=1; \
	exit $$rc

examples: all                                           ## rerun the README's and man pages' examples, rewrite their outputs
	@ZX=$(abspath $(O)/zoodex) python3 tests/check-examples.py --update

format:                                                 ## clang-format every tracked .c and .h in place
	@sh tests/check-format.sh --fix

bench: all $(BENCH)                                     ## benchmarks (never part of test)
	@ZX=$(abspath $(O)/zoodex) O=$(O) sh tests/bench/run.sh

demo: $(SETUP_FIRST) all                               ## set up, build; sample zoo into a temp index: stats, search, lineage, show, verify
	@sh scripts/demo $(O)/zoodex

# libFuzzer: the parsers live in src/ and ingest/, so only those are built,
# once, instrumented, into $(O)/fuzz/ (no FAISS needed).  Each target runs
# on a corpus in $(O)/fuzz/corpus-<name> plus its committed seeds, with
# tests/fuzz/<name>.dict when there is one; crashes land in $(O)/fuzz/.
FUZZ_SRC    = $(filter src/% ingest/%,$(LIB_SRC))
FUZZ_SAN    = -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS = -std=c11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer $(FUZZ_SAN) \
       -fsanitize=fuzzer-no-link -Isrc -Iingest -Iindex -Iquery -MMD -MP \
       $(PKG_CFLAGS)
FUZZ_LIBS   = $(PKG_LIBS) -lpthread -lm
$(O)/fuzz/obj/%.o: %.c
	@mkdir -p $(@D)
	$(call QUIET,FUZZCC)$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<
.PRECIOUS: $(O)/fuzz/obj/%.o
$(O)/fuzz/libzoodex-fuzz.a: $(FUZZ_SRC:%.c=$(O)/fuzz/obj/%.o)
	$(call QUIET,AR)$(AR) rcs $@ $^
$(O)/fuzz/fuzz_%: $(O)/fuzz/obj/tests/fuzz/fuzz_%.o $(O)/fuzz/libzoodex-fuzz.a
	$(call QUIET,LINK)$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(FUZZ_LIBS)

fuzz-tools:
	@scripts/setup --fuzz
fuzz-build: fuzz-tools
	@$(MAKE) --no-print-directory $(FUZZ_TARGETS:%=$(O)/fuzz/fuzz_%)

fuzz: fuzz-build                                        ## clang + libFuzzer: FUZZ_TARGETS, FUZZ_TIME s each
	@for f in $(FUZZ_TARGETS); do \
	  mkdir -p $(O)/fuzz/corpus-$$f && \
	  dict= && { [ ! -f tests/fuzz/$$f.dict ] || dict=-dict=tests/fuzz/$$f.dict; } && \
	  echo "fuzz: $$f for $(FUZZ_TIME) s" && \
	  $(O)/fuzz/fuzz_$$f -max_total_time=$(FUZZ_TIME) -print_final_stats=1 \
	    -artifact_prefix=$(O)/fuzz/$$f- $$dict \
	    $(O)/fuzz/corpus-$$f tests/fuzz/seeds/$$f || exit 1; done

install: all                                            ## honours DESTDIR, PREFIX and MANDIR
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5
	install -m 755 $(O)/zoodex $(DESTDIR)$(PREFIX)/bin/zoodex
	install -m 644 man/*.1 $(DESTDIR)$(MANDIR)/man1
	install -m 644 man/*.5 $(DESTDIR)$(MANDIR)/man5

clean:                                                  ## remove $(O) but keep the FAISS C API build
	find $(O) -mindepth 1 -maxdepth 1 ! -name faiss -exec rm -rf {} +

help:                                                   ## list the targets
	@grep -E '^[a-z]+:.*## ' Makefile | sed 's/:.*## /\t/'

.PHONY: all setup test check examples format bench demo fuzz fuzz-tools fuzz-build valgrind install clean help FORCE
-include $(shell find $(O) -name '*.d' 2>/dev/null)
