# tlskit: GNU Make + pkg-config. See README.md. Knobs: SANITIZE=address,undefined  DEBUG=1
#   CC=clang  PREFIX=/usr/local  DESTDIR=  FUZZ_SECONDS=20
PREFIX ?= /usr/local
DESTDIR ?=
BUILD ?= build
PKG_CONFIG ?= pkg-config
SANITIZE ?=
DEBUG ?=
FUZZ_SECONDS ?= 20
VERSION := 0.1.0

# Deferred (=): evaluated after scripts/install-deps has run, on a fresh machine too.
OPENSSL_CFLAGS = $(shell $(PKG_CONFIG) --cflags 'openssl >= 3.0' 2>/dev/null)
OPENSSL_LIBS = $(shell $(PKG_CONFIG) --libs 'openssl >= 3.0' 2>/dev/null || echo -lssl -lcrypto)
EV_LIBS = -lev

WARN := -Wall -Wextra -Wshadow -Wpointer-arith -Wstrict-prototypes -Wformat=2 -Wvla
ifeq ($(DEBUG),1)
OPT := -O0 -g3
else
OPT := -O2 -g
endif
ifneq ($(SANITIZE),)
HARDEN := -fsanitize=$(SANITIZE) -fno-sanitize-recover=all -fno-omit-frame-pointer -fPIE
HARDEN_LD := -fsanitize=$(SANITIZE) -pie
else
HARDEN := -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
HARDEN_LD := -pie -Wl,-z,relro,-z,now
endif
CPPFLAGS_ALL = -Iinclude -Ilib -Isrc -D_GNU_SOURCE $(OPENSSL_CFLAGS)
CFLAGS_ALL = -std=c11 $(WARN) $(OPT) $(HARDEN) $(CFLAGS)
LDFLAGS_ALL = $(HARDEN_LD) $(LDFLAGS)

LIB_SRC := $(sort $(wildcard lib/*.c))
APP_SRC := $(sort $(wildcard src/http/*.c src/client/*.c src/server/*.c))
CLI_SRC := $(sort $(wildcard src/cli/*.c))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
FUZZ_SRC := $(sort $(wildcard fuzz/fuzz_*.c))

LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
APP_OBJ := $(APP_SRC:%.c=$(BUILD)/obj/%.o)
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
EXAMPLES := $(BUILD)/examples/client $(BUILD)/examples/server

DEPS_STAMP := $(BUILD)/.deps-build
FLAGS_STAMP := $(BUILD)/.flags

# Objects made by chained rules are kept, so a second make does not relink everything.
.SECONDARY: $(UNIT_SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/examples/client.o $(BUILD)/obj/examples/server.o
.PHONY: FORCE all deps test-deps test run install uninstall fuzz format check-format clean unit
all: $(BUILD)/libtlskit.a $(BUILD)/libtlskit.so $(BUILD)/tlskit $(EXAMPLES) $(BUILD)/tlskit.pc

# Installs what the build needs, only when something is missing (scripts/install-deps).
$(DEPS_STAMP): scripts/install-deps
	@mkdir -p $(BUILD)
	@scripts/install-deps --build --if-missing
	@touch $@
deps: $(DEPS_STAMP)
test-deps:
	@scripts/install-deps --test --if-missing

# Objects are rebuilt whenever the flags change (a SANITIZE build after a plain one).
$(FLAGS_STAMP): FORCE | $(DEPS_STAMP)
	@mkdir -p $(BUILD)
	@echo '$(CC) $(CFLAGS_ALL) $(LDFLAGS_ALL)' | cmp -s - $@ || echo '$(CC) $(CFLAGS_ALL) $(LDFLAGS_ALL)' > $@
FORCE:

$(BUILD)/obj/lib/%.o: lib/%.c $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS_ALL) -fPIC -fvisibility=hidden -MMD -MP -c $< -o $@
$(BUILD)/obj/%.o: %.c $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS_ALL) -MMD -MP -c $< -o $@

$(BUILD)/libtlskit.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^
# Only the tlskit_* names of include/tlskit.h are exported (lib/tlskit.map).
$(BUILD)/libtlskit.so: $(LIB_OBJ) lib/tlskit.map
	$(CC) -shared -Wl,--version-script=lib/tlskit.map -Wl,-soname,libtlskit.so.0 \
	    $(filter-out -pie,$(LDFLAGS_ALL)) -o $@ $(LIB_OBJ) $(OPENSSL_LIBS)
$(BUILD)/libtlskit-app.a: $(APP_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/tlskit: $(CLI_OBJ) $(BUILD)/libtlskit-app.a $(BUILD)/libtlskit.a
	$(CC) $(LDFLAGS_ALL) -o $@ $(CLI_OBJ) $(BUILD)/libtlskit-app.a $(BUILD)/libtlskit.a \
	    $(EV_LIBS) $(OPENSSL_LIBS) -lm
$(BUILD)/examples/%: $(BUILD)/obj/examples/%.o $(BUILD)/libtlskit.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $< $(BUILD)/libtlskit.a $(OPENSSL_LIBS)
$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(BUILD)/libtlskit-app.a $(BUILD)/libtlskit.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $< $(BUILD)/libtlskit-app.a $(BUILD)/libtlskit.a \
	    $(EV_LIBS) $(OPENSSL_LIBS) -lm
# Rewritten when PREFIX changes, so 'make install PREFIX=/usr' installs a .pc that says /usr.
$(BUILD)/tlskit.pc: FORCE
	@mkdir -p $(BUILD)
	@printf 'prefix=%s\nlibdir=$${prefix}/lib\nincludedir=$${prefix}/include\n\nName: tlskit\nDescription: TLS with safe defaults, over OpenSSL 3\nVersion: %s\nRequires.private: openssl >= 3.0\nCflags: -I$${includedir}\nLibs: -L$${libdir} -ltlskit\n' '$(PREFIX)' '$(VERSION)' > $@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@

unit: $(UNIT_BIN)

# The whole suite; ends with "N passed, N failed".
test: all $(UNIT_BIN) test-deps
	@TLSKIT_BUILD=$(abspath $(BUILD)) tests/run $(TESTS)

# The main job: the server on a local development certificate.
run: all
	@scripts/run-dev

install: all
	install -d $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/bin \
	    $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man3
	install -m 644 $(BUILD)/libtlskit.a $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(BUILD)/libtlskit.so $(DESTDIR)$(PREFIX)/lib/libtlskit.so.0
	ln -sf libtlskit.so.0 $(DESTDIR)$(PREFIX)/lib/libtlskit.so
	install -m 644 include/tlskit.h $(DESTDIR)$(PREFIX)/include/
	install -m 644 $(BUILD)/tlskit.pc $(DESTDIR)$(PREFIX)/lib/pkgconfig/
	install -m 755 $(BUILD)/tlskit $(DESTDIR)$(PREFIX)/bin/
	for m in docs/*.1; do [ -f "$$m" ] && install -m 644 "$$m" $(DESTDIR)$(PREFIX)/share/man/man1/ || true; done
	for m in docs/*.3; do [ -f "$$m" ] && install -m 644 "$$m" $(DESTDIR)$(PREFIX)/share/man/man3/ || true; done
uninstall:
	rm -f $(DESTDIR)$(PREFIX)/lib/libtlskit.a $(DESTDIR)$(PREFIX)/lib/libtlskit.so* \
	    $(DESTDIR)$(PREFIX)/include/tlskit.h $(DESTDIR)$(PREFIX)/lib/pkgconfig/tlskit.pc \
	    $(DESTDIR)$(PREFIX)/bin/tlskit

# libFuzzer targets (clang), each run for FUZZ_SECONDS on its seed corpus.
FUZZ_CFLAGS = -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Iinclude -Ilib -Isrc \
    $(OPENSSL_CFLAGS)
fuzz: $(DEPS_STAMP)
	@mkdir -p $(BUILD)/fuzz
	@set -e; for f in $(FUZZ_SRC); do n=$$(basename $$f .c); \
	    echo "== $$n"; \
	    clang $(FUZZ_CFLAGS) -o $(BUILD)/fuzz/$$n $$f $(LIB_SRC) $(APP_SRC) $(EV_LIBS) $(OPENSSL_LIBS) -lm; \
	    mkdir -p $(BUILD)/fuzz/$$n.corpus; \
	    $(BUILD)/fuzz/$$n -max_total_time=$(FUZZ_SECONDS) -print_final_stats=0 \
	        $(BUILD)/fuzz/$$n.corpus fuzz/corpus/$${n#fuzz_} 2>&1 | tail -3; \
	done

FMT_FILES = $(wildcard include/*.h lib/*.c lib/*.h src/*/*.c src/*/*.h examples/*.c tests/unit/*.c tests/unit/*.h fuzz/*.c fuzz/*.h bench/*.c)
format:
	clang-format -i $(FMT_FILES)
check-format:
	@clang-format --dry-run -Werror $(FMT_FILES) && echo "format: ok"

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
