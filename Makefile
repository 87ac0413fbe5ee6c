# invar: one entry point.
#   make            libinvar.a and the programs in bin/ (CPU; OpenMP)
#   make CUDA=1     also the CUDA sources (*.cu) with nvcc, linked with cuDNN/cuBLAS/NCCL/cuRAND
#   make check      unit tests (CUnit), the same under ASan+UBSan, integration tests (mpirun
#                   -np 1 and 2) and parity tests (Debian's python3 with torch/sklearn)
#   make bench      benchmarks against their named baselines (prints ratios)
#   make fuzz       libFuzzer targets for every parser (FUZZ_SECONDS each, default 60)
#   make campaign   the whole study (CONFIG=slurm/default.ini; SLURM=1 submits to Slurm)
#   make deps       installs the Debian packages all of this needs (as root)
#   make format     clang-format every C/CUDA source in place
# Build outputs go to $(O) (objects) and $(BIN) (programs); O=build-x keeps parallel trees apart.

O   ?= build
BIN ?= bin
CUDA ?= 0

SHELL := /bin/bash
CC := gcc
CLANG ?= clang
PYTHON ?= /usr/bin/python3

# ---- Debian packages (make deps) -------------------------------------------------------------
DEPS_PKGS := build-essential pkg-config clang libclang-rt-14-dev libopenblas-dev libdnnl-dev \
	libopenmpi-dev openmpi-bin libnetcdf-dev netcdf-bin libcjson-dev \
	libjpeg62-turbo-dev libpng-dev libcunit1-dev \
	python3 python3-numpy python3-netcdf4 \
	liblapacke-dev libscalapack-openmpi-dev python3-sklearn python3-scipy \
	python3-torch python3-torchvision python3-pil libmatio-dev \
	libinih-dev gnuplot-nox slurm-wlm munge

.PHONY: all deps check bench fuzz format clean cuda-info campaign
all: info lib programs

deps:
	@missing=""; for p in $(DEPS_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" != 0 ]; then \
	  echo "make deps: missing Debian packages; run as root:"; \
	  echo "  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends$$missing"; \
	  exit 1; \
	fi; \
	echo "make deps: installing$$missing"; \
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null

# ---- toolchain detection ---------------------------------------------------------------------
MPICC := $(shell command -v mpicc 2>/dev/null)
ifeq ($(MPICC),)
$(if $(filter deps format clean,$(MAKECMDGOALS)),,$(error mpicc not found: run 'make deps' (as root) first))
endif
MPI_CFLAGS := $(shell mpicc --showme:compile 2>/dev/null)
MPI_LIBS   := $(shell mpicc --showme:link 2>/dev/null)
PKG_CFLAGS := $(shell pkg-config --cflags netcdf libcjson libpng matio 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs netcdf libcjson libpng matio 2>/dev/null)

NVCC := $(shell command -v nvcc 2>/dev/null || ( [ -x /usr/local/cuda/bin/nvcc ] && echo /usr/local/cuda/bin/nvcc ))
CUDA_HOME ?= $(if $(NVCC),$(patsubst %/bin/nvcc,%,$(NVCC)),/usr/local/cuda)
HAVE_DNNL := $(shell [ -f /usr/include/oneapi/dnnl/dnnl.h ] && echo 1)

WARN   := -Wall -Wextra -Werror -Wno-format-truncation
CFLAGS_BASE := -std=c11 $(WARN) -fopenmp -D_GNU_SOURCE -Isrc/common $(MPI_CFLAGS) $(PKG_CFLAGS)
CFLAGS ?= -O2 -g
LIBS   := $(PKG_LIBS) -linih -ljpeg -lscalapack-openmpi -llapacke -lopenblas $(MPI_LIBS) -fopenmp -lm
DEFS   :=
ifeq ($(HAVE_DNNL),1)
DEFS += -DINVAR_HAVE_DNNL
LIBS += -ldnnl
endif

# ---- sources ---------------------------------------------------------------------------------
LIB_DIRS := core io image nn data
LIB_SRC  := $(foreach d,$(LIB_DIRS),$(wildcard src/common/$(d)/*.c))
LIB_CU   := $(foreach d,$(LIB_DIRS),$(wildcard src/common/$(d)/*.cu))
LIB_OBJ  := $(LIB_SRC:%.c=$(O)/%.o)
LIBINVAR := $(O)/libinvar.a

ifeq ($(CUDA),1)
ifeq ($(NVCC),)
$(error CUDA=1 but nvcc was not found on PATH or in /usr/local/cuda/bin)
endif
DEFS += -DINVAR_CUDA -I$(CUDA_HOME)/include
LIB_OBJ += $(LIB_CU:%.cu=$(O)/%.cu.o)
LIBS += -L$(CUDA_HOME)/lib64 -Wl,-rpath,$(CUDA_HOME)/lib64 -lcudnn -lcublas -lcurand -lnccl -lcudart
NVCCFLAGS ?= -O2 -std=c++17 -Isrc/common $(MPI_CFLAGS) $(PKG_CFLAGS) -Xcompiler -Wall,-Werror,-fopenmp
endif

# One folder per program: src/<folder>/*.c -> bin/<program>.
PROGRAMS := invar-data:src/common/invar-data invar-report:src/common/invar-report \
	invar-train:src/train invar-measure:src/measure invar-probe:src/probe
prog_name = $(word 1,$(subst :, ,$(1)))
prog_dir  = $(word 2,$(subst :, ,$(1)))
PROG_BINS := $(foreach p,$(PROGRAMS),$(if $(wildcard $(call prog_dir,$(p))/*.c),$(BIN)/$(call prog_name,$(p))))

info:
	@echo "invar: mpicc $(if $(MPICC),found,MISSING); oneDNN $(if $(HAVE_DNNL),found (fast CPU convolutions),not found (plain im2col+BLAS path only)); nvcc $(if $(NVCC),found at $(NVCC)$(if $(filter 1,$(CUDA)), (building CUDA), (CUDA sources skipped: use make CUDA=1)),not found (CPU build only))"

lib: $(LIBINVAR)
programs: $(PROG_BINS)

$(LIBINVAR): $(LIB_OBJ)
	@mkdir -p $(@D)
	@rm -f $@
	@echo "  AR      $@"
	@ar rcs $@ $^

$(O)/%.o: %.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS_BASE) $(CFLAGS) $(DEFS) -MMD -MP -c $< -o $@

$(O)/%.cu.o: %.cu
	@mkdir -p $(@D)
	@echo "  NVCC    $<"
	@$(NVCC) $(NVCCFLAGS) $(DEFS) -c $< -o $@

define PROGRAM_RULE
$(BIN)/$(call prog_name,$(1)): $$(patsubst %.c,$(O)/%.o,$$(wildcard $(call prog_dir,$(1))/*.c)) $(LIBINVAR)
	@mkdir -p $$(@D)
	@echo "  LD      $$@"
	@$(CC) $(CFLAGS) $$^ -o $$@ $(LIBS) $(if $(filter 1,$(CUDA)),-lstdc++)
endef
$(foreach p,$(PROGRAMS),$(eval $(call PROGRAM_RULE,$(p))))

# ---- tests -----------------------------------------------------------------------------------
UNIT_SRC := $(filter-out tests/unit/test_util.c,$(sort $(wildcard tests/unit/test_*.c)))
UNIT_NAMES := $(patsubst tests/unit/%.c,%,$(UNIT_SRC))
UNIT_OBJ := $(patsubst %.c,$(O)/%.o,$(UNIT_SRC) tests/unit/runner.c tests/unit/test_util.c)
# The probe's numerics (src/probe but its main) are unit-tested too, linked from an archive
# so that only the objects a test uses are pulled in.
PROBE_UNIT_LIB := $(O)/libprobe-unit.a
$(PROBE_UNIT_LIB): $(patsubst %.c,$(O)/%.o,$(filter-out src/probe/main.c,$(wildcard src/probe/*.c)))
	@rm -f $@
	@ar rcs $@ $^

# The measurement numerics (whitening, metrics, Hoeffding) likewise.
MEASURE_UNIT_LIB := $(O)/libmeasure-unit.a
$(MEASURE_UNIT_LIB): $(patsubst %,$(O)/src/measure/%.o,whiten metrics hoeffding)
	@rm -f $@
	@ar rcs $@ $^

# invar-report's campaign and report readers (its folder but main and the cmd_* files) likewise.
REPORT_UNIT_LIB := $(O)/libreport-unit.a
$(REPORT_UNIT_LIB): $(patsubst %.c,$(O)/%.o,$(filter-out src/common/invar-report/main.c src/common/invar-report/cmd_%.c,$(wildcard src/common/invar-report/*.c)))
	@rm -f $@
	@ar rcs $@ $^

$(O)/tests/unit/suites.h: $(UNIT_SRC) Makefile
	@mkdir -p $(@D)
	@{ for n in $(UNIT_NAMES); do echo "SUITE($$n)"; done; } > $@.tmp && \
	  (cmp -s $@.tmp $@ || mv $@.tmp $@); rm -f $@.tmp

$(O)/tests/unit/runner.o: $(O)/tests/unit/suites.h
$(O)/tests/unit/%.o: tests/unit/%.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS_BASE) $(CFLAGS) $(DEFS) -Itests/unit -I$(O)/tests/unit -Isrc/common/invar-report -MMD -MP -c $< -o $@

$(O)/tests/unit_tests: $(UNIT_OBJ) $(PROBE_UNIT_LIB) $(MEASURE_UNIT_LIB) $(REPORT_UNIT_LIB) $(LIBINVAR)
	@echo "  LD      $@"
	@$(CC) $(CFLAGS) $^ -o $@ -lcunit $(LIBS) $(if $(filter 1,$(CUDA)),-lstdc++)

ASAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

check: all $(O)/tests/unit_tests
	@$(MAKE) --no-print-directory O=$(O)/asan BIN=$(O)/asan/bin CFLAGS="$(ASAN_FLAGS)" $(O)/asan/tests/unit_tests >/dev/null
	@O=$(O) BIN=$(BIN) PYTHON=$(PYTHON) bash tests/run_checks.sh

# make campaign [CONFIG=slurm/default.ini] [SLURM=1]: the whole study from one configuration,
# here with mpirun (SLURM=1: submitted to Slurm with sbatch); see slurm/campaign.sh.
CONFIG ?= slurm/default.ini
campaign: all
	@bash slurm/campaign.sh $(CONFIG) $(if $(filter 1,$(SLURM)),,--local)

bench: all
	@O=$(O) BIN=$(BIN) PYTHON=$(PYTHON) bash tests/bench/run.sh

# ---- fuzzing (clang libFuzzer + ASan) --------------------------------------------------------
FUZZ_SECONDS ?= 60
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
# FUZZ_TARGETS=fuzz_safetensors runs only that target (default: all of them).
FUZZ_TARGETS ?= $(patsubst tests/fuzz/%.c,%,$(FUZZ_SRC))
FUZZ_O := $(O)/fuzz
# Each target runs FUZZ_SECONDS on its corpus (build/fuzz/corpus-NAME, seeded from
# tests/fuzz/seeds/NAME, with tests/fuzz/NAME.dict if present); a crash, leak, sanitizer report
# or timeout makes `make fuzz` fail and leaves the input in $(FUZZ_O)/crash-* (or leak-*,
# timeout-*) and the log in $(FUZZ_O)/NAME.log.
fuzz:
	@$(MAKE) --no-print-directory O=$(FUZZ_O) BIN=$(FUZZ_O)/bin CC=$(CLANG) \
	  WARN="$(WARN) -Wno-unknown-warning-option -Wno-pass-failed" \
	  CFLAGS="-O1 -g -fsanitize=fuzzer-no-link,address,undefined" $(FUZZ_O)/libinvar.a >/dev/null
	@status=0; for name in $(FUZZ_TARGETS); do \
	  src=tests/fuzz/$$name.c; \
	  $(CLANG) $(CFLAGS_BASE) -Wno-unknown-warning-option -Wno-unused-command-line-argument -O1 -g -fsanitize=fuzzer,address,undefined $(DEFS) \
	    $$src $(FUZZ_O)/libinvar.a -o $(FUZZ_O)/$$name $(LIBS) || exit 1; \
	  mkdir -p $(FUZZ_O)/corpus-$$name; \
	  seeds=tests/fuzz/seeds/$${name#fuzz_}; \
	  log=$(FUZZ_O)/$$name.log; \
	  echo "fuzz: $$name for $(FUZZ_SECONDS) s (log: $$log)"; \
	  if $(FUZZ_O)/$$name -max_total_time=$(FUZZ_SECONDS) -timeout=10 -print_final_stats=1 \
	    -artifact_prefix=$(FUZZ_O)/ \
	    $$( [ -f tests/fuzz/$$name.dict ] && echo -dict=tests/fuzz/$$name.dict ) $(FUZZ_O)/corpus-$$name $$( [ -d $$seeds ] && echo $$seeds ) \
	    >$$log 2>&1; then rc=0; else rc=$$?; fi; \
	  grep -E 'stat::number_of_executed_units|stat::average_exec_per_sec|ERROR|SUMMARY|Done' $$log || true; \
	  if [ $$rc != 0 ]; then \
	    echo "fuzz: $$name FOUND A PROBLEM (exit $$rc); the input is in $(FUZZ_O)/ (crash-*, leak-*, timeout-*):"; \
	    tail -n 40 $$log; status=1; \
	  fi; \
	done; exit $$status

format:
	clang-format -i $$(find src tests -name '*.[ch]' -o -name '*.cu' -o -name '*.cuh')

clean:
	rm -rf build build-* bin

-include $(shell find $(O) -name '*.d' 2>/dev/null)

# Flags for scripts that compile small tools against libinvar (tests/parity, tests/gpu).
print-cflags:
	@echo $(CFLAGS_BASE) $(DEFS)
print-libs:
	@echo $(LIBS)
