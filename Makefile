# modelseal: sign, verify and trace ML models.
#
#   make                 build build/modelseal
#   make check           install missing deps, build, run unit + command tests
#   make check SANITIZE=1  the same under AddressSanitizer + UBSan
#   make demo            install missing deps, build, run the demo on a generated model
#   make bench           benchmarks against sha256sum, b3sum, openssl
#   make install PREFIX=/usr/local

PREFIX   ?= /usr/local
BINDIR   ?= $(PREFIX)/bin
MANDIR   ?= $(PREFIX)/share/man
BUILD    ?= build
CC       ?= cc
SANITIZE ?= 0
VERSION  := 0.1.0

PKGS      := libsodium libcrypto libarchive libcjson sqlite3
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

# Quiet by default; `make V=1` shows the commands.
ifeq ($(V),1)
Q :=
else
Q := @
endif

LIB_SRCS  := $(filter-out src/main.c,$(sort $(wildcard src/*.c)))
LIB_OBJS  := $(LIB_SRCS:src/%.c=$(BUILD)/obj/%.o)
MAIN_OBJ  := $(BUILD)/obj/main.o
LIB       := $(BUILD)/libmodelseal.a
BIN       := $(BUILD)/modelseal
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
MANPAGES  := $(sort $(wildcard man/*.1))

.PHONY: all deps check check-unit check-cli demo bench install uninstall clean format FORCE

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

$(BUILD)/tests/%: tests/unit/%.c tests/unit/check_main.h $(LIB) $(BUILD)/.flags
	@mkdir -p $(dir $@)
	@[ "$(V)" = 1 ] || echo "  TEST    $@"
	$(Q)$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -Itests/unit -o $@ $< $(LIB) \
		$(ALL_LDFLAGS) $(CHECK_LIBS) $(PKG_LIBS)

-include $(LIB_OBJS:.o=.d) $(MAIN_OBJ:.o=.d)

# Installs the Debian packages only when pkg-config cannot find one of them.
deps:
	@pkg-config --exists $(PKGS) $(TEST_PKGS) || sh scripts/install-deps.sh

check: deps
	@$(MAKE) --no-print-directory check-unit check-cli

check-unit: $(UNIT_BINS)
	@sh tests/unit/run.sh $(UNIT_BINS)

check-cli: $(BIN)
	@sh tests/cli/run.sh $(abspath $(BIN))

demo: deps
	@$(MAKE) --no-print-directory $(BIN)
	@sh scripts/demo.sh $(abspath $(BIN)) $(BUILD)/demo

bench: deps
	@$(MAKE) --no-print-directory $(BIN)
	@sh scripts/bench.sh $(abspath $(BIN))

install: $(BIN)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	install -m 0755 $(BIN) $(DESTDIR)$(BINDIR)/modelseal
	install -m 0644 $(MANPAGES) $(DESTDIR)$(MANDIR)/man1/

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/modelseal
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man1/,$(notdir $(MANPAGES)))

format:
	clang-format -i src/*.c include/modelseal/*.h tests/unit/*.c tests/unit/*.h

clean:
	rm -rf $(BUILD)
