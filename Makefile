# The two commands of the README.  Everything else is CMake's.
#   make run    bootstrap if needed, build, run the main job (10M rows, dmda)
#   make test   bootstrap if needed, build, run the whole CTest suite
BUILD ?= build
JOBS  ?= $(shell nproc)
STAMP := .deps/starpu/.lp-starpu-bootstrap

.PHONY: all run test bootstrap build clean

all: build

bootstrap:
	scripts/bootstrap.sh

$(STAMP): scripts/bootstrap.sh $(wildcard scripts/patches/*.patch)
	scripts/bootstrap.sh

$(BUILD)/CMakeCache.txt: $(STAMP)
	cmake -S . -B $(BUILD)

build: $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

run: build
	$(BUILD)/lp-starpu --sched dmda

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

clean:
	rm -rf $(BUILD)
