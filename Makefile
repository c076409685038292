# tablejohn: one non-recursive GNU Makefile. `make help` lists the targets.

VERSION := 0.1.0
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
DATADIR ?= $(PREFIX)/share/tablejohn
MANDIR ?= $(PREFIX)/share/man

CC ?= cc
PKGS := sqlite3 libgit2 libcmark libmicrohttpd libcjson libcurl libarchive
# A missing library stops the build with pkg-config's message naming it
# (except for `make deps`/`make test`, which install it first).
ifeq ($(filter deps test demo clean help,$(MAKECMDGOALS)),)
PKG_CHECK := $(shell pkg-config --exists --print-errors $(PKGS) 2>&1)
ifneq ($(PKG_CHECK),)
$(error missing libraries (run `make deps`): $(PKG_CHECK))
endif
endif
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wstrict-prototypes \
	-Wmissing-prototypes -Wpointer-arith -Wcast-qual
CFLAGS ?= -O2 -g
SAN := -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
TJ_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) -Ilib $(PKG_CFLAGS) \
	-DTJ_VERSION='"$(VERSION)"' -DTJ_DATADIR='"$(DATADIR)"' -MMD -MP
TJ_LIBS = $(PKG_LIBS) -lpthread -lm

ifeq ($(V),1)
Q :=
else
Q := @
endif

LIB_SRC := $(shell find lib -name '*.c' | sort)
GEN_SRC := $(wildcard gen/*.c)
API_SRC := $(wildcard api/*.c)
WORKER_SRC := $(wildcard worker/*.c)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
# The renderer's pages are as its code makes them: render.c carries a
# checksum of lib/'s sources, so that HTML made by other code is not taken
# as current (lib/site/render.c, stamp). build/src-id changes with it.
TJ_SRC_ID := $(shell cat $(LIB_SRC) $(sort $(wildcard lib/*.h lib/site/*.h)) \
	2>/dev/null | cksum | tr ' ' '-')
# A program is built once its directory has sources.
PROGS := $(if $(GEN_SRC),tj-gen) $(if $(API_SRC),tj-api) \
	$(if $(WORKER_SRC),tj-worker)

.PHONY: all test check check-asan unit e2e lint bench demo install uninstall \
	clean deps help asan test-run golden fuzz fuzz-build

all: $(PROGS:%=build/%)

# variant(DIR, EXTRA_CFLAGS): objects, programs and unit tests in DIR.
define variant
$(1)/%.o: %.c
	@mkdir -p $$(dir $$@)
	@$(if $(Q),echo "  CC      $$@")
	$(Q)$$(CC) $$(TJ_CFLAGS) $(2) $$(CFLAGS) -c -o $$@ $$<

$(1)/libtj.a: $(LIB_SRC:%.c=$(1)/%.o)
	@rm -f $$@
	$(Q)ar rcs $$@ $$^

$(1)/tj-gen: $(GEN_SRC:%.c=$(1)/%.o) $(1)/libtj.a
	@$(if $(Q),echo "  LD      $$@")
	$(Q)$$(CC) $(2) $$(CFLAGS) $$(LDFLAGS) -o $$@ $$^ $$(TJ_LIBS)

$(1)/tj-api: $(API_SRC:%.c=$(1)/%.o) $(1)/libtj.a
	@$(if $(Q),echo "  LD      $$@")
	$(Q)$$(CC) $(2) $$(CFLAGS) $$(LDFLAGS) -o $$@ $$^ $$(TJ_LIBS)

$(1)/tj-worker: $(WORKER_SRC:%.c=$(1)/%.o) $(1)/libtj.a
	@$(if $(Q),echo "  LD      $$@")
	$(Q)$$(CC) $(2) $$(CFLAGS) $$(LDFLAGS) -o $$@ $$^ $$(TJ_LIBS)

$(1)/tests/%: $(1)/tests/unit/%.o $(1)/libtj.a
	@$(if $(Q),echo "  LD      $$@")
	$(Q)$$(CC) $(2) $$(CFLAGS) $$(LDFLAGS) -o $$@ $$^ $$(TJ_LIBS)

$(1)/lib/site/render.o: build/src-id
$(1)/lib/site/render.o: TJ_CFLAGS += -DTJ_SRC_ID='"$(TJ_SRC_ID)"'

-include $(shell find $(1) -path $(1)/asan -prune -o -name '*.d' -print 2>/dev/null)
endef

build/src-id: FORCE
	@mkdir -p build
	@echo '$(TJ_SRC_ID)' | cmp -s - $@ || echo '$(TJ_SRC_ID)' >$@
FORCE:

$(eval $(call variant,build,))
$(eval $(call variant,build/asan,$(SAN)))

UNIT_BINS = $(UNIT_SRC:tests/unit/%.c=build/tests/%)
# Benchmark drivers: bench/NAME.c becomes build/bench-NAME.
BENCH_BINS = $(patsubst bench/%.c,build/bench-%,$(wildcard bench/*.c))

build/bench-%: build/bench/%.o build/libtj.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(TJ_LIBS)
UNIT_BINS_ASAN = $(UNIT_SRC:tests/unit/%.c=build/asan/tests/%)

.SECONDARY:

asan: $(PROGS:%=build/asan/%)

# make test: installs what is missing, then the unit and end-to-end suites,
# plain and under ASan+UBSan. (pkg-config must see the libraries before the
# build, so the build runs in a second make after deps.)
test: deps
	$(Q)$(MAKE) --no-print-directory test-run

test-run: all asan $(UNIT_BINS) $(UNIT_BINS_ASAN)
	$(Q)tests/run.sh build build/asan

check: test

check-asan: asan $(UNIT_BINS_ASAN)
	$(Q)tests/run.sh build/asan

unit: all $(UNIT_BINS)
	$(Q)TJ_ONLY=unit tests/run.sh build

e2e: all
	$(Q)TJ_ONLY=e2e tests/run.sh build

lint:
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability \
		--inline-suppr -Ilib $(LIB_SRC) $(GEN_SRC) $(API_SRC) $(WORKER_SRC)
	clang-tidy --quiet -checks='-*,bugprone-*,clang-analyzer-*,-bugprone-easily-swappable-parameters,-bugprone-reserved-identifier,-clang-analyzer-security.insecureAPI.DeprecatedOrUnsafeBufferHandling' \
		$(LIB_SRC) $(GEN_SRC) $(API_SRC) $(WORKER_SRC) -- \
		-std=c11 -D_GNU_SOURCE -Ilib $(PKG_CFLAGS) \
		-DTJ_VERSION='"$(VERSION)"' -DTJ_DATADIR='"$(DATADIR)"'

deps:
	$(Q)scripts/deps.sh

# Fuzzing (tests/fuzz/README): libFuzzer targets built with clang under
# ASan+UBSan into build/fuzz/ (lib/, and the api/ and worker/ objects but
# their main), each run FUZZ_TIME seconds by tests/fuzz/run.sh.
FUZZ_CC ?= clang
FUZZ_TIME ?= 30
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
FUZZ_CFLAGS ?= -O1 -g
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/%)

build/fuzz/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(FUZZ_CC) $(TJ_CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer-no-link \
		$(FUZZ_CFLAGS) -c -o $@ $<

build/fuzz/libtj.a: $(LIB_SRC:%.c=build/fuzz/%.o)
	@rm -f $@
	$(Q)ar rcs $@ $^

build/fuzz/api.a: $(patsubst %.c,build/fuzz/%.o,$(filter-out api/main.c api/status.c,$(API_SRC)))
	@rm -f $@
	$(Q)ar rcs $@ $^

build/fuzz/worker.a: $(patsubst %.c,build/fuzz/%.o,$(filter-out worker/main.c,$(WORKER_SRC)))
	@rm -f $@
	$(Q)ar rcs $@ $^

build/fuzz/fuzz_%: build/fuzz/tests/fuzz/fuzz_%.o build/fuzz/api.a \
    build/fuzz/worker.a build/fuzz/libtj.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer $(FUZZ_CFLAGS) -o $@ $^ \
		$(TJ_LIBS)

fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
	$(Q)FUZZ_TIME=$(FUZZ_TIME) tests/fuzz/run.sh $(FUZZ_BINS:build/fuzz/fuzz_%=%)

# The golden pages (tests/golden/README): rewrite tests/golden/expected/
# from this tree's output and print the diff.
golden: all
	$(Q)tests/golden/update.sh build

bench: all $(BENCH_BINS)
	$(Q)scripts/bench.sh

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)scripts/demo.sh

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)
	install -m 0755 $(PROGS:%=build/%) $(DESTDIR)$(BINDIR)/
	cp -R theme $(DESTDIR)$(DATADIR)/
	install -m 0644 node_modules/uplot/dist/uPlot.iife.min.js \
		node_modules/uplot/dist/uPlot.min.css $(DESTDIR)$(DATADIR)/theme/static/
	if [ -d docs/man ]; then \
		for f in docs/man/*.[0-9]; do \
			s=$${f##*.}; install -d $(DESTDIR)$(MANDIR)/man$$s; \
			install -m 0644 $$f $(DESTDIR)$(MANDIR)/man$$s/; \
		done; \
	fi

uninstall:
	rm -f $(PROGS:%=$(DESTDIR)$(BINDIR)/%)
	rm -rf $(DESTDIR)$(DATADIR)
	for f in docs/man/*.[0-9]; do \
		[ -e "$$f" ] || continue; \
		rm -f $(DESTDIR)$(MANDIR)/man$${f##*.}/$${f##*/}; \
	done

clean:
	rm -rf build

help:
	@echo "make            build tj-gen, tj-api, tj-worker into build/"
	@echo "make deps       install the Debian packages that are missing"
	@echo "make test       unit + end-to-end tests, plain and under ASan+UBSan"
	@echo "make check-asan the tests under ASan+UBSan only"
	@echo "make lint       cppcheck and clang-tidy"
	@echo "make fuzz       libFuzzer targets, FUZZ_TIME (30) seconds each"
	@echo "make golden     regenerate tests/golden/expected/, print the diff"
	@echo "make bench      benchmarks with ratios against same-run baselines"
	@echo "make demo       import this repository and show the result"
	@echo "make install    PREFIX=/usr/local DESTDIR= (also uninstall)"
