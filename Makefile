# The two commands of the README.  Everything else is CMake's.
#   make run    bootstrap if needed, build, run the main job (10M rows, dmda)
#   make test   bootstrap if needed, build, run the whole CTest suite
BUILD ?= build
JOBS  ?= $(shell nproc)
DEPS  := $(or $(LP_DEPS_DIR),.deps)
# Written by the bootstrap when all it builds is in place, changed only when
# something was (re)built: CMake configures again then.
DONE  := $(DEPS)/.lp-starpu-bootstrap-done

.PHONY: all run test bootstrap build install clean test-sanitize fuzz-smoke sim

all: build

# Every time: a no-op in a fraction of a second when all is in place, and
# the way a build that failed half-way, a new nvcc or a changed patch is
# taken up (the bootstrap's own stamps decide what to rebuild).
bootstrap:
	scripts/bootstrap.sh

# configure(BUILDDIR, EXTRA CMAKE ARGUMENTS): again when the bootstrap built
# something since.
configure = if [ ! -f $(1)/CMakeCache.txt ] || [ $(DONE) -nt $(1)/CMakeCache.txt ]; then \
	    cmake -S . -B $(1) $(2); fi

build: bootstrap
	@$(call configure,$(BUILD))
	cmake --build $(BUILD) -j $(JOBS)

run: build
	$(BUILD)/lp-starpu --sched dmda

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# lp-starpu-sim: the bootstrap also builds StarPU with SimGrid (.deps/starpu-sim)
# where libsimgrid-dev is installed (it installs it); then this is make build.
sim: build
	@test -x $(BUILD)/lp-starpu-sim || { echo "lp-starpu-sim was not built: is libsimgrid-dev installed? (scripts/bootstrap.sh)"; exit 1; }
	@echo "$(BUILD)/lp-starpu-sim --machine NAME (perfmodels/machines: $$(ls perfmodels/machines | tr '\n' ' '))"

# bin/lp-starpu, the library, its header, pkg-config file and man page, and
# the bootstrap's StarPU beside them; the prefix may be moved afterwards.
PREFIX ?= /usr/local
install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

# Reliability checks, each in its own build directory (.ci/run runs both
# after `make test`; the valgrind test is part of `make test` itself).
#   make test-sanitize  the whole suite under ASan + UBSan, suppressions in
#                       tests/sanitizers/ (about 10 min on 2 cores, build included)
#   make fuzz-smoke     replays tests/fuzz/corpus, then fuzzes each harness
#                       for FUZZ_SECONDS.  A longer run, keeping the corpus
#                       in build-fuzz/corpus: see tests/fuzz/README.md, e.g.
#                       make fuzz-smoke FUZZ_SECONDS=3600 FUZZ_FLAGS=-fork=2
ASAN_BUILD   ?= build-asan
FUZZ_BUILD   ?= build-fuzz
FUZZ_SECONDS ?= 30
FUZZ_FLAGS   ?=
FUZZERS      := npy_header cli

test-sanitize: bootstrap
	cmake -S . -B $(ASAN_BUILD) -DLP_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ctest --output-on-failure -j $(JOBS)

fuzz-smoke: bootstrap
	cmake -S . -B $(FUZZ_BUILD) -DCMAKE_C_COMPILER=clang -DLP_FUZZ=ON -DLP_CUDA=OFF \
	      -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target $(addprefix fuzz_,$(FUZZERS))
	cd $(FUZZ_BUILD) && ctest --output-on-failure -L fuzz
	for f in $(FUZZERS); do \
	    log=$(FUZZ_BUILD)/fuzz-$$f.log; mkdir -p $(FUZZ_BUILD)/corpus/$$f; \
	    echo "fuzz_$$f: $(FUZZ_SECONDS) s, log in $$log"; \
	    if ! $(FUZZ_BUILD)/tests/fuzz/fuzz_$$f -max_total_time=$(FUZZ_SECONDS) \
	        -print_final_stats=1 -artifact_prefix=$(FUZZ_BUILD)/crash-$$f- $(FUZZ_FLAGS) \
	        $(FUZZ_BUILD)/corpus/$$f tests/fuzz/corpus/$$f > $$log 2>&1; then \
	        tail -n 80 $$log; exit 1; fi; \
	    grep -E '^#[0-9]' $$log | tail -n 1; grep -E '^stat::(number_of_executed_units|peak_rss)' $$log; \
	    true; \
	done

clean:
	rm -rf $(BUILD)
