# Wrenn — the only entry point a person needs.
#   make up      install what is missing, build, build the base image, start the platform (SQLite)
#   make test    install what tests need, build, then the whole suite, then a leak check
#   make build   binaries into builds/: wrenn-cp, wrenn-agent, envd, wrenn; SDK packages into builds/sdk/
#   make bench   benchmarks (ratios against raw baselines); JSON into bench/results/
#   make check   before every commit: formatting, analyzers, go vet, type checks, unit tests (a few minutes)
#   make soak    long runs: a 2 GiB file through the API, 1000 create/exec/destroy cycles 20 at a time, 300 over three agents
SHELL := /bin/bash
.DEFAULT_GOAL := help

WRENN_DIR ?= /var/lib/wrenn
export WRENN_DIR
export DOTNET_CLI_TELEMETRY_OPTOUT := 1
export DOTNET_NOLOGO := 1
export DOTNET_SKIP_FIRST_TIME_EXPERIENCE := 1

TEST_PROJECTS := tests/Wrenn.Common.Tests tests/Wrenn.Envd.Tests tests/Wrenn.Agent.Tests \
                 tests/Wrenn.ControlPlane.Tests tests/Wrenn.Cli.Tests tests/e2e/Wrenn.E2E.Tests

.PHONY: help up test check build image kernel bench soak deps deps-build deps-test unit e2e leak-check clean

help:
	@sed -n '2,7p' Makefile | sed 's/^# *//'

deps:
	@scripts/install-deps.sh run

deps-build:
	@scripts/install-deps.sh build

deps-test:
	@scripts/install-deps.sh test

build: deps-build
	@scripts/publish.sh
	@scripts/package-sdks.sh

image: deps build
	builds/wrenn image build minimal

# A guest kernel (and initramfs) for the VM runtimes, from Debian's linux-image-cloud-amd64.
kernel: deps build
	builds/wrenn image kernel

up: deps build
	builds/wrenn up

# Unit and integration tests first (fast feedback), end-to-end last, then nothing may be left behind:
# the leak check runs after every suite (with-platform.sh runs it after each platform's stop), so a
# leftover is blamed on the suite that left it.
test: export WRENN_TEST_LEAK_CHECK_EACH = 1
test: deps-test build image kernel
	@set -e; for project in $(TEST_PROJECTS); do \
	  echo "=== $$project"; \
	  WRENN_TEST_BUILDS=$(CURDIR)/builds WRENN_TEST_IMAGES=$(WRENN_DIR)/images ENVD_BINARY=$(CURDIR)/builds/envd \
	    dotnet test --project $$project -c Release; \
	  scripts/leak-check.sh "after $$project"; \
	done
	@echo "=== tests/Wrenn.ControlPlane.Tests again, on PostgreSQL"
	@scripts/with-postgres.sh dotnet test --project tests/Wrenn.ControlPlane.Tests -c Release
	@echo "=== tests/e2b-compat (E2B's own JavaScript SDK against our envd)"
	@cd tests/e2b-compat && npm ci --no-audit --no-fund --loglevel=error && ENVD_BINARY=$(CURDIR)/builds/envd npm test
	@echo "=== tests/e2b-compat platform (E2B's own JavaScript SDKs, newest and 2.50, against a platform of its own)"
	@scripts/with-platform.sh tests/e2b-compat/run-platform-tests.sh
	@echo "=== dashboard (Playwright driving Debian's Chromium, against a platform of its own; screenshots in dashboard/test-output)"
	@scripts/with-platform.sh node dashboard/tests/run.mjs
	@echo "=== sdk/go (against a platform of its own)"
	@scripts/with-platform.sh sdk/go/run-tests.sh
	@echo "=== sdk/python (against a platform of its own)"
	@scripts/with-platform.sh sdk/python/run-tests.sh
	@echo "=== sdk/dotnet (against a platform of its own)"
	@scripts/with-platform.sh sdk/dotnet/run-tests.sh
	@echo "=== sdk/typescript (against a platform of its own)"
	@scripts/with-platform.sh sdk/typescript/run-tests.sh
	@echo "=== builds/sdk (each SDK package installed outside the repository and used once, against a platform of its own)"
	@scripts/with-platform.sh sdk/packages-test.sh
	@echo "=== tests/vm (the QEMU runtime through the whole platform, software emulation)"
	@WRENN_TEST_RUNTIME=qemu scripts/with-platform.sh python3 tests/vm/test_qemu_platform.py
	@echo "=== packaging (the .deb built, installed with apt, its binaries run from the installed paths, purged; docs/deploy.md)"
	@scripts/package.sh && scripts/package-test.sh
	@scripts/leak-check.sh

# builds/wrenn_VERSION_amd64.deb: self-contained binaries, systemd units, default settings, docs
# (docs/deploy.md); install with apt install ./builds/wrenn_*.deb.
.PHONY: package
package: deps-build build
	@scripts/package.sh

# The quick gate (scripts/check.sh): no sandboxes, no platform.
check: deps-test
	@scripts/check.sh

leak-check:
	@scripts/leak-check.sh

# BENCH_ARGS picks rows and runs, e.g. make bench BENCH_ARGS="--only envd,exec-true --runs 5" (docs/benchmarks.md).
# The bench creates real sandboxes: it holds the machine-wide sandbox lock like the end-to-end tests.
bench: deps-test build image
	dotnet test --project bench/Wrenn.Bench.Tests -c Release
	WRENN_TEST_BUILDS=$(CURDIR)/builds WRENN_TEST_IMAGES=$(WRENN_DIR)/images \
	  flock -o /tmp/wrenn-sandbox-tests.lock \
	  dotnet run --project bench/Wrenn.Bench -c Release -- --results bench/results $(BENCH_ARGS)

soak: deps-test build image
	scripts/soak.sh

clean:
	rm -rf builds
	find . \( -name bin -o -name obj \) -type d -prune -not -path "./node_modules/*" -exec rm -rf {} +
