# edgelstm - top-level build.
#
#   make              build build/edgelstm (optimized), build/libedgelstm.a and .so, build/edgelstm.1
#   make test         install what is missing, build (incl. AddressSanitizer/UBSan build), run all tests
#   make demo         install what is missing, build, run the end-to-end demo on real data
#   make fuzz         run the libFuzzer targets for a while (FUZZ_SECONDS per target, or
#                     FUZZ_RUNS executions each; FUZZ_TARGETS=fuzz_meta picks targets)
#   make bench        run the benchmark scripts in bench/
#   make install PREFIX=/usr/local   executable, libraries, headers, edgelstm.pc, edgelstm.1
#   make uninstall PREFIX=/usr/local
#
# Layers (one-way dependencies): runtime <- io <- data, train <- codegen <- report <- cli.
# Every .c file in a layer folder is part of libedgelstm; cli/*.c make the executable.

VERSION   := 0.1.0
CC        ?= cc
PREFIX    ?= /usr/local
BINDIR    ?= $(PREFIX)/bin
LIBDIR    ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
MANDIR    ?= $(PREFIX)/share/man
BUILD     ?= build
ASAN      := $(BUILD)/asan
PYTHON    := .venv/bin/python
FUZZ_SECONDS ?= 60

# Vectorized host kernels are chosen at build time: AVX2+FMA when this machine has them,
# and AVX-512 (the training GEMMs' wider kernel) when it has that too. NATIVE=0 builds the
# plain C kernels only (a portable binary).
NATIVE    ?= 1
HAVE_AVX2 := $(if $(filter 1,$(NATIVE)),$(shell grep -qw avx2 /proc/cpuinfo 2>/dev/null && grep -qw fma /proc/cpuinfo 2>/dev/null && echo 1))
HAVE_AVX512 := $(if $(HAVE_AVX2),$(shell grep -qw avx512f /proc/cpuinfo 2>/dev/null && echo 1))
# The int8 kernel's AVX-512 VNNI variant (vpdpbusd on 512-bit registers) when the CPU has it.
HAVE_VNNI := $(if $(HAVE_AVX512),$(shell grep -qw avx512_vnni /proc/cpuinfo 2>/dev/null && grep -qw avx512vl /proc/cpuinfo 2>/dev/null && grep -qw avx512bw /proc/cpuinfo 2>/dev/null && echo 1))
ARCHFLAGS := $(if $(HAVE_AVX2),-mavx2 -mfma -mf16c,) $(if $(HAVE_AVX512),-mavx512f,) \
             $(if $(HAVE_VNNI),-mavx512vnni -mavx512vl -mavx512bw,)

WARN      := -Wall -Wextra -Wshadow -Wpointer-arith -Wvla -Wformat=2
CPPFLAGS  := -Iinclude -Iruntime -DELSTM_VERSION=\"$(VERSION)\" -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
HOSTSTD   := -std=c11
RTSTD     := -std=c99 -pedantic
OPT       := -O2 -g
ASANFLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LIBS      := -lcsv -lzip -ljansson -lopenblas -lpthread -lm
# The optimized objects are position-independent, so one set makes both libedgelstm.a
# and libedgelstm.so (-fno-semantic-interposition: calls inside the library are inlined
# and bound as without -fPIC). The shared library exports the elstm_* names only.
PICFLAGS  := -fPIC -fno-semantic-interposition
SOVERSION := 0
SHLIB     := $(BUILD)/libedgelstm.so.$(VERSION)
# The optimized objects depend on the flags they were compiled with ($(BUILD)/.flags is
# rewritten when they change), so a change of flags rebuilds them.
FLAGS_SIG := $(CC) $(HOSTSTD) $(RTSTD) $(OPT) $(PICFLAGS) $(WARN) $(ARCHFLAGS) $(CPPFLAGS)
$(shell mkdir -p $(BUILD) && echo '$(FLAGS_SIG)' | cmp -s - $(BUILD)/.flags || echo '$(FLAGS_SIG)' > $(BUILD)/.flags)

LIB_DIRS  := io data train codegen report
# The device runtime is runtime/*.c *.h: exactly those files (with include/edgelstm/status.h
# and lstm.h, encoding.h) are embedded and shipped in every library `deploy` writes. runtime/host/
# holds runtime code the host library needs and devices do not (status strings, packed
# weights); it is compiled with the same C99 rules but never shipped.
# runtime/multi/ is device code for models with several LSTM layers or several outputs:
# shipped (as edgelstm/multi/) in the libraries of those models only, so that the library
# of a one-layer, one-output model stays exactly what it was.
RT_DEVICE := $(sort $(wildcard runtime/*.h runtime/*.c))
RT_MULTI  := $(sort $(wildcard runtime/multi/*.h runtime/multi/*.c))
RT_HEADERS := include/edgelstm/status.h include/edgelstm/lstm.h include/edgelstm/encoding.h \
              include/edgelstm/quant.h include/edgelstm/ops.h
RT_SRC    := $(sort $(wildcard runtime/*.c runtime/multi/*.c runtime/host/*.c))
LIB_SRC   := $(sort $(foreach d,$(LIB_DIRS),$(wildcard $(d)/*.c)))
CLI_SRC   := $(sort $(wildcard cli/*.c))
TEST_SRC  := $(sort $(wildcard tests/unit/test_*.c))
GEN_SRC   := $(BUILD)/gen/runtime_sources.c
# Files `deploy` and `profile` write besides the runtime: codegen templates, the MCU harness.
DEPLOY_FILES := $(sort $(wildcard codegen/templates/* tools/mcu/*.* tools/mcu/xtensa/*.* tools/mcu/xtensa/include/*.h))
DEPLOY_GEN := $(BUILD)/gen/deploy_files.c

obj = $(patsubst %.c,$(1)/obj/%.o,$(2))

RT_OBJ     := $(call obj,$(BUILD),$(RT_SRC))
LIB_OBJ    := $(call obj,$(BUILD),$(LIB_SRC)) $(BUILD)/obj/gen/runtime_sources.o $(BUILD)/obj/gen/deploy_files.o
CLI_OBJ    := $(call obj,$(BUILD),$(CLI_SRC))
ART_OBJ    := $(call obj,$(ASAN),$(RT_SRC))
ALIB_OBJ   := $(call obj,$(ASAN),$(LIB_SRC)) $(ASAN)/obj/gen/runtime_sources.o $(ASAN)/obj/gen/deploy_files.o
ACLI_OBJ   := $(call obj,$(ASAN),$(CLI_SRC))
TEST_BIN   := $(patsubst tests/unit/%.c,$(ASAN)/tests/%,$(TEST_SRC))
# The training GEMMs' AVX2 kernel is tested too where the build picks the AVX-512 one: both
# must give the same floats (tests/unit/test_train_gemm.c).
ifneq ($(HAVE_AVX512),)
TEST_BIN   += $(ASAN)/tests/test_train_gemm_avx2
endif
REPLAY_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
REPLAY_BIN := $(patsubst tests/fuzz/%.c,$(ASAN)/tests/replay_%,$(REPLAY_SRC))
# Test drivers (not suites): small programs that Python/shell suites call.
TOOL_SRC   := $(sort $(wildcard tests/tools/*.c))
TOOL_BIN   := $(patsubst tests/tools/%.c,$(ASAN)/tools/%,$(TOOL_SRC))

.PHONY: all asan mpi tests test demo fuzz bench install uninstall clean deps venv venv-bench check-runtime

all: $(BUILD)/edgelstm $(SHLIB) $(BUILD)/edgelstm.1

# ---- can this machine build? One line naming the install command when it cannot. -----
# Checked once per build folder (the stamp), before anything compiles; not for the goals
# that install the packages first (test, demo, fuzz, bench, deps).
ifeq ($(filter deps venv venv-bench test demo fuzz bench clean uninstall,$(MAKECMDGOALS)),)
ifeq ($(wildcard $(BUILD)/.build-ok),)
BUILD_PROBLEM := $(shell sh tools/check_build.sh "$(CC)" "$(BUILD)/.build-ok")
ifneq ($(BUILD_PROBLEM),)
$(error $(BUILD_PROBLEM))
endif
endif
endif

# Archives are made anew (rm first): `ar r` only adds and replaces members, so an object
# whose source was removed or renamed would stay in the library and could be linked.
$(BUILD)/libedgelstm.a: $(RT_OBJ) $(LIB_OBJ)
	@mkdir -p $(@D)
	@rm -f $@
	$(AR) rcs $@ $^

$(SHLIB): $(RT_OBJ) $(LIB_OBJ) tools/libedgelstm.map
	$(CC) -shared -Wl,-soname,libedgelstm.so.$(SOVERSION) -Wl,--version-script=tools/libedgelstm.map \
	  -Wl,--no-undefined -o $@ $(RT_OBJ) $(LIB_OBJ) $(LIBS)

# The manual page is printed by the executable from the texts `edgelstm help` prints.
$(BUILD)/edgelstm.1: $(BUILD)/edgelstm
	$(BUILD)/edgelstm help --man > $@.tmp && mv $@.tmp $@

$(BUILD)/edgelstm: $(CLI_OBJ) $(BUILD)/libedgelstm.a
	$(CC) $(OPT) $(ARCHFLAGS) -o $@ $(CLI_OBJ) $(BUILD)/libedgelstm.a $(LIBS)

# edgelstm-mpi (cli/mpi/): one model trained by MPI processes (docs/engine-mpi.md). A second
# binary, so that edgelstm itself has no MPI dependency; built by `make mpi` and by
# `make tests` where mpicc exists (Debian: openmpi-bin libopenmpi-dev, tools/deps.sh).
MPICC      ?= mpicc
HAVE_MPICC := $(shell command -v $(MPICC) 2>/dev/null)
MPI_CLI_OBJ := $(filter-out $(BUILD)/obj/cli/main.o,$(CLI_OBJ))
mpi: $(BUILD)/edgelstm-mpi
$(BUILD)/edgelstm-mpi: cli/mpi/edgelstm_mpi.c cli/cli.h $(MPI_CLI_OBJ) $(BUILD)/libedgelstm.a
	$(MPICC) $(HOSTSTD) $(OPT) $(WARN) $(ARCHFLAGS) $(CPPFLAGS) -o $@ $< $(MPI_CLI_OBJ) $(BUILD)/libedgelstm.a $(LIBS)

$(ASAN)/libedgelstm.a: $(ART_OBJ) $(ALIB_OBJ)
	@mkdir -p $(@D)
	@rm -f $@
	$(AR) rcs $@ $^

$(ASAN)/edgelstm: $(ACLI_OBJ) $(ASAN)/libedgelstm.a
	$(CC) $(ASANFLAGS) $(ARCHFLAGS) -o $@ $(ACLI_OBJ) $(ASAN)/libedgelstm.a $(LIBS)

asan: $(ASAN)/edgelstm

tests: $(TEST_BIN) $(REPLAY_BIN) $(TOOL_BIN) $(ASAN)/edgelstm all $(if $(HAVE_MPICC),$(BUILD)/edgelstm-mpi)

# Fuzz targets are also built with gcc + sanitizers and a replay main(), so that
# `make test` replays their committed corpus (tests/fuzz/corpus/fuzz_NAME/).
$(ASAN)/tests/replay_%: tests/fuzz/%.c tests/fuzz/replay_main.c $(ASAN)/libedgelstm.a
	@mkdir -p $(@D)
	$(CC) $(HOSTSTD) $(ASANFLAGS) $(WARN) $(ARCHFLAGS) $(CPPFLAGS) -Itests -o $@ $< tests/fuzz/replay_main.c $(ASAN)/libedgelstm.a $(LIBS)

$(ASAN)/tools/%: tests/tools/%.c $(ASAN)/libedgelstm.a
	@mkdir -p $(@D)
	$(CC) $(HOSTSTD) $(ASANFLAGS) $(WARN) $(ARCHFLAGS) $(CPPFLAGS) -Itests -o $@ $< $(ASAN)/libedgelstm.a $(LIBS)

$(ASAN)/tests/%: tests/unit/%.c $(ASAN)/libedgelstm.a tests/elstm_test.h
	@mkdir -p $(@D)
	$(CC) $(HOSTSTD) $(ASANFLAGS) $(WARN) $(ARCHFLAGS) $(CPPFLAGS) -Itests -MMD -MP -o $@ $< $(ASAN)/libedgelstm.a $(LIBS)

$(ASAN)/tests/test_train_gemm_avx2: tests/unit/test_train_gemm.c train/train_gemm.h tests/elstm_test.h
	@mkdir -p $(@D)
	$(CC) $(HOSTSTD) $(ASANFLAGS) $(WARN) -mavx2 -mfma -mf16c $(CPPFLAGS) -Itests -o $@ $< -lm

# The runtime is the device code: C99, pedantic, no host headers.
$(BUILD)/obj/runtime/%.o: runtime/%.c $(BUILD)/.flags
	@mkdir -p $(@D)
	$(CC) $(RTSTD) $(OPT) $(PICFLAGS) $(WARN) $(ARCHFLAGS) -Iinclude -MMD -MP -c -o $@ $<
$(ASAN)/obj/runtime/%.o: runtime/%.c
	@mkdir -p $(@D)
	$(CC) $(RTSTD) $(ASANFLAGS) $(WARN) $(ARCHFLAGS) -Iinclude -MMD -MP -c -o $@ $<

$(BUILD)/obj/%.o: %.c $(BUILD)/.flags
	@mkdir -p $(@D)
	$(CC) $(HOSTSTD) $(OPT) $(PICFLAGS) $(WARN) $(ARCHFLAGS) $(CPPFLAGS) -MMD -MP -c -o $@ $<
$(ASAN)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(HOSTSTD) $(ASANFLAGS) $(WARN) $(ARCHFLAGS) $(CPPFLAGS) -MMD -MP -c -o $@ $<

# The device-runtime sources are embedded in the executable so that `deploy` can copy
# them into generated libraries (installed binaries do not need the source tree).
$(GEN_SRC): tools/embed_sources.sh $(RT_HEADERS) $(RT_DEVICE) $(RT_MULTI)
	@mkdir -p $(@D)
	sh tools/embed_sources.sh $@ $(RT_HEADERS) $(RT_DEVICE) $(RT_MULTI)
$(BUILD)/obj/gen/runtime_sources.o: $(GEN_SRC) $(BUILD)/.flags
	@mkdir -p $(@D)
	$(CC) $(HOSTSTD) $(OPT) $(PICFLAGS) $(CPPFLAGS) -c -o $@ $<
$(ASAN)/obj/gen/runtime_sources.o: $(GEN_SRC)
	@mkdir -p $(@D)
	$(CC) $(HOSTSTD) $(ASANFLAGS) $(CPPFLAGS) -c -o $@ $<
$(DEPLOY_GEN): tools/embed_sources.sh $(DEPLOY_FILES)
	@mkdir -p $(@D)
	sh tools/embed_sources.sh -n elstm_deploy_files $@ $(DEPLOY_FILES)
$(BUILD)/obj/gen/deploy_files.o: $(DEPLOY_GEN) $(BUILD)/.flags
	@mkdir -p $(@D)
	$(CC) $(HOSTSTD) $(OPT) $(PICFLAGS) $(CPPFLAGS) -c -o $@ $<
$(ASAN)/obj/gen/deploy_files.o: $(DEPLOY_GEN)
	@mkdir -p $(@D)
	$(CC) $(HOSTSTD) $(ASANFLAGS) $(CPPFLAGS) -c -o $@ $<

# ---- set-up on a fresh machine ------------------------------------------------
deps:
	@sh tools/deps.sh

venv: deps
	@sh tools/venv.sh test

venv-bench: deps
	@sh tools/venv.sh bench

# ---- the two commands of the README --------------------------------------------
test: venv
	@$(MAKE) --no-print-directory -j2 tests
	@BUILD=$(BUILD) sh tests/run.sh

demo: deps
	@$(MAKE) --no-print-directory -j2 all
	@sh tools/demo.sh

# ---- fuzzing (clang libFuzzer) ---------------------------------------------------
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRC))
FUZZ_LIB_SRC := $(RT_SRC) $(LIB_SRC)
$(BUILD)/fuzz/%: tests/fuzz/%.c $(FUZZ_LIB_SRC) $(GEN_SRC) $(DEPLOY_GEN)
	@mkdir -p $(@D)
	clang -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined $(CPPFLAGS) -o $@ $< $(FUZZ_LIB_SRC) $(GEN_SRC) $(DEPLOY_GEN) $(LIBS)
FUZZ_TARGETS ?= $(notdir $(FUZZ_BIN))
fuzz: deps $(FUZZ_BIN)
	@for n in $(FUZZ_TARGETS); do f=$(BUILD)/fuzz/$$n; mkdir -p $(BUILD)/fuzz/corpus-$$n; \
	  echo "== $$n ($(if $(FUZZ_RUNS),$(FUZZ_RUNS) runs,$(FUZZ_SECONDS) s))"; \
	  $$f $(if $(FUZZ_RUNS),-runs=$(FUZZ_RUNS),-max_total_time=$(FUZZ_SECONDS)) -max_len=65536 $(BUILD)/fuzz/corpus-$$n tests/fuzz/corpus/$$n || exit 1; done

# Every script runs even when one fails (bench_train.sh needs the Beijing station files,
# which are not in the repository, and says so); the failed ones are listed at the end.
bench: venv-bench all
	@failed=""; for b in bench/*.sh; do echo "== $$b"; sh $$b || failed="$$failed $$b"; done; \
	  [ -z "$$failed" ] || { echo "bench: failed:$$failed" >&2; exit 1; }

# ---- install like a C library ------------------------------------------------------
# edgelstm.pc: the dependencies that have a pkg-config module go in Requires.private, the
# others (libcsv has none) with pthread and m in Libs.private: `pkg-config --libs edgelstm`
# links the shared library, `pkg-config --static --libs edgelstm` everything a static link
# needs. Evaluated only when installing.
PC_MODULES = $(shell for m in libzip jansson openblas; do pkg-config --exists $$m 2>/dev/null && echo $$m; done)
PC_LIBS_PRIVATE = -lcsv $(foreach m,libzip:-lzip jansson:-ljansson openblas:-lopenblas,$(if $(filter $(word 1,$(subst :, ,$(m))),$(PC_MODULES)),,$(word 2,$(subst :, ,$(m))))) -pthread -lm
install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(INCLUDEDIR)/edgelstm $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(MANDIR)/man1
	install -m 755 $(BUILD)/edgelstm $(DESTDIR)$(BINDIR)/edgelstm
	install -m 644 include/edgelstm/*.h $(DESTDIR)$(INCLUDEDIR)/edgelstm/
	install -m 644 $(BUILD)/libedgelstm.a $(DESTDIR)$(LIBDIR)/
	install -m 755 $(SHLIB) $(DESTDIR)$(LIBDIR)/
	ln -sf libedgelstm.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libedgelstm.so.$(SOVERSION)
	ln -sf libedgelstm.so.$(SOVERSION) $(DESTDIR)$(LIBDIR)/libedgelstm.so
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' \
	    -e 's|@VERSION@|$(VERSION)|' -e 's|@REQUIRES_PRIVATE@|$(strip $(PC_MODULES))|' \
	    -e 's|@LIBS_PRIVATE@|$(strip $(PC_LIBS_PRIVATE))|' tools/edgelstm.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/edgelstm.pc
	install -m 644 $(BUILD)/edgelstm.1 $(DESTDIR)$(MANDIR)/man1/edgelstm.1

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/edgelstm $(DESTDIR)$(LIBDIR)/libedgelstm.a $(DESTDIR)$(LIBDIR)/libedgelstm.so \
	  $(DESTDIR)$(LIBDIR)/libedgelstm.so.$(SOVERSION) $(DESTDIR)$(LIBDIR)/libedgelstm.so.$(VERSION) \
	  $(DESTDIR)$(LIBDIR)/pkgconfig/edgelstm.pc $(DESTDIR)$(MANDIR)/man1/edgelstm.1
	rm -rf $(DESTDIR)$(INCLUDEDIR)/edgelstm

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
