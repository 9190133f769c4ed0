# modelseal: sign, verify and trace ML models.
#
#   make                 build build/modelseal
#   make check           install missing deps, build, run unit + command tests
#   make check SANITIZE=1  the same under AddressSanitizer + UBSan
#   make demo            install missing deps, build, run the demo on a generated model
#   make check VALGRIND=1  the command tests with the binary under valgrind
#   make fuzz            libFuzzer targets (clang) into build-fuzz/
#   make fuzz-smoke      each fuzz target for a short fixed run (part of check)
#   make fuzz-run FUZZ_TARGET=statement [FUZZ_TIME=60]   one longer session
#   make bench           benchmarks against sha256sum, b3sum, openssl
#   make install PREFIX=/usr/local [DESTDIR=...]   make uninstall
#   make dist            build/modelseal-<version>.tar.gz (reproducible: SOURCE_DATE_EPOCH)
#   make deb             build/deb/modelseal_<version>_<arch>.deb (debhelper), lintian
#   make image           build/image/modelseal-<version>.tar, an OCI image archive
#   make check-package   install the .deb into a clean Debian root filesystem, run it

PREFIX   ?= /usr/local
BINDIR   ?= $(PREFIX)/bin
DATADIR  ?= $(PREFIX)/share
MANDIR   ?= $(DATADIR)/man
DOCDIR   ?= $(DATADIR)/doc/modelseal
BASHCOMPDIR ?= $(DATADIR)/bash-completion/completions
ZSHCOMPDIR  ?= $(DATADIR)/zsh/site-functions
FISHCOMPDIR ?= $(DATADIR)/fish/vendor_completions.d
BUILD    ?= build
CC       ?= cc
SANITIZE ?= 0
# The one place the version is written: the binary, the .deb (its
# changelog is generated from it), the image and the tarball read it.
VERSION  := $(shell cat VERSION)

PKGS      := libsodium libcrypto libarchive libcjson sqlite3 yaml-0.1 libpq
TEST_PKGS := check

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm
CHECK_CFLAGS := $(shell pkg-config --cflags $(TEST_PKGS) 2>/dev/null)
CHECK_LIBS   := $(shell pkg-config --libs $(TEST_PKGS) 2>/dev/null)

OPT ?= -O2
ALL_CFLAGS := -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	-D_GNU_SOURCE -DMODELSEAL_VERSION='"$(VERSION)"' -Iinclude $(PKG_CFLAGS) \
	$(OPT) -g -pthread $(CFLAGS)
ALL_LDFLAGS := -pthread $(LDFLAGS)
ifeq ($(SANITIZE),1)
ALL_CFLAGS  += -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
ALL_LDFLAGS += -fsanitize=address,undefined
endif

FUZZ_CC     ?= clang
FUZZ_BUILD  ?= build-fuzz
FUZZ_RUNS   ?= 4000
FUZZ_TIME   ?= 60
FUZZ        ?= 1
VALGRIND    ?= 0
FUZZ_CFLAGS := -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -D_GNU_SOURCE \
	-DMODELSEAL_VERSION='"$(VERSION)"' -Iinclude -Itests/fuzz $(PKG_CFLAGS) -O1 -g -pthread \
	-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

# Quiet by default; `make V=1` shows the commands.
ifeq ($(V),1)
Q :=
else
Q := @
endif

LIB_SRCS  := $(filter-out src/main.c,$(sort $(wildcard src/*.c src/*/*.c)))
LIB_OBJS  := $(LIB_SRCS:src/%.c=$(BUILD)/obj/%.o)
MAIN_OBJ  := $(BUILD)/obj/main.o
LIB       := $(BUILD)/libmodelseal.a
BIN       := $(BUILD)/modelseal
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
TOOL      := $(BUILD)/tests/ms_tool
MANPAGES  := $(sort $(wildcard man/*.1))
FUZZ_OBJS := $(LIB_SRCS:src/%.c=$(FUZZ_BUILD)/obj/%.o)
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(FUZZ_BUILD)/%,$(sort $(wildcard tests/fuzz/fuzz_*.c)))

.PHONY: all deps check check-unit check-cli check-fuzz fuzz fuzz-smoke fuzz-run demo bench install \
	uninstall clean format FORCE dist deb image check-package

all: $(BIN)

# Builds with different flags (SANITIZE=1, CFLAGS=...) must not share objects:
# the stamp changes when the flags do, and every object depends on it.
$(BUILD)/.flags: FORCE
	@mkdir -p $(BUILD)
	@echo '$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS)' | cmp -s - $@ || \
		echo '$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS)' > $@

$(BUILD)/obj/%.o: src/%.c $(BUILD)/.flags
	@mkdir -p $(dir $@)
	@[ "$(V)" = 1 ] || echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(LIB): $(LIB_OBJS)
	$(Q)rm -f $@
	$(Q)ar rcs $@ $^

$(BIN): $(MAIN_OBJ) $(LIB)
	@[ "$(V)" = 1 ] || echo "  LINK    $@"
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/tests/%: tests/unit/%.c $(wildcard tests/unit/*.h) $(LIB) $(BUILD)/.flags
	@mkdir -p $(dir $@)
	@[ "$(V)" = 1 ] || echo "  TEST    $@"
	$(Q)$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -Itests/unit -o $@ $< $(LIB) \
		$(ALL_LDFLAGS) $(CHECK_LIBS) $(PKG_LIBS)

-include $(LIB_OBJS:.o=.d) $(MAIN_OBJ:.o=.d)

# Installs the Debian packages only when pkg-config cannot find one of them.
deps:
	@pkg-config --exists $(PKGS) $(TEST_PKGS) || sh scripts/install-deps.sh

check: deps
	@$(MAKE) --no-print-directory check-unit check-cli check-fuzz

check-unit: $(UNIT_BINS)
	@sh tests/unit/run.sh $(UNIT_BINS)

check-cli: $(BIN) $(TOOL)
	@VALGRIND=$(VALGRIND) MS_TOOL=$(abspath $(TOOL)) sh tests/cli/run.sh $(abspath $(BIN))

# tests/tools/ms_tool: parsers and raw signing for the shell tests.
$(TOOL): tests/tools/ms_tool.c $(LIB) $(BUILD)/.flags
	@mkdir -p $(dir $@)
	@[ "$(V)" = 1 ] || echo "  TOOL    $@"
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $< $(LIB) $(ALL_LDFLAGS) $(PKG_LIBS)

# The fuzz build is sanitized already: the SANITIZE=1 and VALGRIND=1 runs of
# check leave it out, as does FUZZ=0. Without clang's libFuzzer it is skipped
# with a note.
check-fuzz:
ifeq ($(SANITIZE)$(VALGRIND)$(FUZZ),001)
	@if sh tests/fuzz/have-libfuzzer.sh $(FUZZ_CC); then \
		$(MAKE) --no-print-directory fuzz-smoke; \
	else \
		echo "fuzz: skipped ($(FUZZ_CC) with libFuzzer not found; scripts/install-deps.sh installs it)"; \
	fi
endif

# ---- fuzzing: clang + libFuzzer, its own objects in $(FUZZ_BUILD) ----
# The library is compiled with coverage hooks (fuzzer-no-link) and ASan +
# UBSan; each tests/fuzz/fuzz_<target>.c links it into build-fuzz/fuzz_<target>.
fuzz: $(FUZZ_BINS)

fuzz-smoke: $(FUZZ_BINS)
	@sh tests/fuzz/smoke.sh $(FUZZ_RUNS) $(FUZZ_BINS)

fuzz-run: $(FUZZ_BUILD)/fuzz_$(FUZZ_TARGET)
	@mkdir -p $(FUZZ_BUILD)/corpus/$(FUZZ_TARGET) $(FUZZ_BUILD)/crashes
	$< -max_total_time=$(FUZZ_TIME) -timeout=10 \
		-artifact_prefix=$(FUZZ_BUILD)/crashes/$(FUZZ_TARGET)- \
		$(if $(wildcard tests/fuzz/$(FUZZ_TARGET).dict),-dict=tests/fuzz/$(FUZZ_TARGET).dict) \
		$(FUZZ_BUILD)/corpus/$(FUZZ_TARGET) tests/fuzz/corpus/$(FUZZ_TARGET)

$(FUZZ_BUILD)/obj/%.o: src/%.c
	@mkdir -p $(dir $@)
	@[ "$(V)" = 1 ] || echo "  FUZZCC  $<"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@

$(FUZZ_BUILD)/libmodelseal.a: $(FUZZ_OBJS)
	$(Q)rm -f $@
	$(Q)ar rcs $@ $^

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FUZZ_BUILD)/libmodelseal.a
	@[ "$(V)" = 1 ] || echo "  FUZZ    $@"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_BUILD)/libmodelseal.a \
		$(PKG_LIBS)

-include $(FUZZ_OBJS:.o=.d)

demo: deps
	@$(MAKE) --no-print-directory $(BIN)
	@sh scripts/demo.sh $(abspath $(BIN)) $(BUILD)/demo

bench: deps
	@$(MAKE) --no-print-directory $(BIN)
	@sh scripts/bench.sh $(abspath $(BIN))

# Completion scripts come from the binary itself (modelseal completion).
COMPLETIONS := $(BUILD)/completion/modelseal.bash $(BUILD)/completion/_modelseal \
	$(BUILD)/completion/modelseal.fish
$(BUILD)/completion/modelseal.bash: $(BIN)
	@mkdir -p $(dir $@)
	$(Q)$(BIN) completion bash >$@.tmp && mv $@.tmp $@
$(BUILD)/completion/_modelseal: $(BIN)
	@mkdir -p $(dir $@)
	$(Q)$(BIN) completion zsh >$@.tmp && mv $@.tmp $@
$(BUILD)/completion/modelseal.fish: $(BIN)
	@mkdir -p $(dir $@)
	$(Q)$(BIN) completion fish >$@.tmp && mv $@.tmp $@

EXAMPLES := $(sort $(wildcard examples/*/*))
# Documentation files installed under DOCDIR: the PostgreSQL roles.
DOCFILES := docs/postgresql/roles.sql

# The binary, the man pages, the completions, the pre-deploy hook (as
# modelseal-pre-deploy on PATH) and the examples.
install: $(BIN) $(COMPLETIONS)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(BASHCOMPDIR) \
		$(DESTDIR)$(ZSHCOMPDIR) $(DESTDIR)$(FISHCOMPDIR) \
		$(addprefix $(DESTDIR)$(DOCDIR)/,$(sort $(dir $(EXAMPLES)))) \
		$(DESTDIR)$(DOCDIR)/postgresql
	install -m 0755 $(BIN) $(DESTDIR)$(BINDIR)/modelseal
	install -m 0755 examples/hooks/pre-deploy.sh $(DESTDIR)$(BINDIR)/modelseal-pre-deploy
	install -m 0644 $(MANPAGES) $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 $(BUILD)/completion/modelseal.bash $(DESTDIR)$(BASHCOMPDIR)/modelseal
	install -m 0644 $(BUILD)/completion/_modelseal $(DESTDIR)$(ZSHCOMPDIR)/_modelseal
	install -m 0644 $(BUILD)/completion/modelseal.fish $(DESTDIR)$(FISHCOMPDIR)/modelseal.fish
	for f in $(EXAMPLES); do install -m 0644 $$f $(DESTDIR)$(DOCDIR)/$$f || exit 1; done
	install -m 0644 $(DOCFILES) $(DESTDIR)$(DOCDIR)/postgresql/

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/modelseal $(DESTDIR)$(BINDIR)/modelseal-pre-deploy
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man1/,$(notdir $(MANPAGES)))
	rm -f $(DESTDIR)$(BASHCOMPDIR)/modelseal $(DESTDIR)$(ZSHCOMPDIR)/_modelseal \
		$(DESTDIR)$(FISHCOMPDIR)/modelseal.fish
	rm -f $(addprefix $(DESTDIR)$(DOCDIR)/,$(EXAMPLES))
	rm -f $(addprefix $(DESTDIR)$(DOCDIR)/postgresql/,$(notdir $(DOCFILES)))
	-rmdir $(addprefix $(DESTDIR)$(DOCDIR)/,$(sort $(dir $(EXAMPLES)))) $(DESTDIR)$(DOCDIR)/examples \
		$(DESTDIR)$(DOCDIR)/postgresql \
		$(DESTDIR)$(DOCDIR) 2>/dev/null

# ---- release: tarball, Debian package, OCI image (scripts/ do the work) ----
DIST := $(BUILD)/modelseal-$(VERSION).tar.gz

dist:
	@sh scripts/dist.sh $(VERSION) $(DIST)

deb: dist
	@sh scripts/build-deb.sh $(VERSION) $(DIST) $(BUILD)/deb

image: deb
	@sh scripts/build-image.sh $(VERSION) $(BUILD)/deb $(BUILD)/image

# Builds the .deb and the image itself, or says why it is skipped.
check-package:
	@MAKE="$(MAKE)" sh scripts/test-package.sh $(VERSION) $(BUILD)

format:
	clang-format -i src/*.c src/sigstore/*.[ch] src/registry/*.[ch] include/modelseal/*.h tests/unit/*.c tests/unit/*.h tests/fuzz/*.[ch]

clean:
	rm -rf $(BUILD) $(FUZZ_BUILD)
