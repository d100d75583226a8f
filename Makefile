# nashra's commands. On a fresh Debian 12 machine with Rust and Python, `make edition` installs what is
# missing, builds, and renders seeds/ into editions/; `make test` runs every test.
#
# Everything fetched comes from the Debian archive, PyPI or crates.io (see scripts/setup); nothing
# is downloaded by a build script.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := build

CARGO ?= cargo
# Honour a CARGO_TARGET_DIR from the environment, as cargo does.
TARGET_DIR := $(or $(CARGO_TARGET_DIR),target)
RELEASE := $(TARGET_DIR)/release
BIN := $(RELEASE)/nashra
ORT_LIB := .deps/onnxruntime/lib/libonnxruntime.so.1.32.0
PIPER_VENV := .venv-piper

.PHONY: setup build stage test edition lint parity der sentence-bound batch-bench bench clean-deps help fuzz-build fuzz-smoke

help:
	@echo "make setup       install missing Debian packages, onnxruntime and the test voice (idempotent)"
	@echo "make build       setup, then build $(BIN) with its runtime files beside it"
	@echo "make test        setup, build, then run every test (release profile)"
	@echo "make edition     build, then render seeds/ into editions/seed"
	@echo "make lint        rustfmt --check, clippy -D warnings, rustdoc -D warnings"
	@echo "make parity      regenerate tests/data/parity with piper-tts 1.8 (in $(PIPER_VENV))"
	@echo "make der         diacritization DER/WER table (docs/text.md), ../shared/corpora beside the checkout"
	@echo "make sentence-bound  voice memory and speed by sentence length (docs/text.md)"
	@echo "make batch-bench batched inference and session options against nashra's own (docs/bench.md)"
	@echo "make bench       build, then time nashra against piper-tts 1.8 (docs/bench.md; BENCH_ARGS=--quick)"
	@echo "make clean-deps  remove .deps/, $(PIPER_VENV)/ and the test voice"
	@echo "make fuzz-build  build the cargo-fuzz targets in fuzz/ (nightly, or RUSTC_BOOTSTRAP=1)"
	@echo "make fuzz-smoke  run each fuzz target for FUZZ_SECONDS (default 60) and report"

setup:
	@bash scripts/setup

build: setup
	@# build.rs asks `cargo metadata --offline`, which needs every crate of Cargo.lock on disk,
	@# dev-dependencies included (scraper, base64 for the tests of issue #5): fetch them first.
	$(CARGO) fetch --locked
	$(CARGO) build --release --locked
	@$(MAKE) --no-print-directory stage

# Puts what the binary needs at run time beside it, so that $(RELEASE) works on its own: the
# espeak-ng data compiled by espeak-rs-sys and the onnxruntime library.
stage:
	@bash scripts/stage-runtime "$(RELEASE)" "$(ORT_LIB)"

test: build
	@bash scripts/run-tests $(CARGO) test --release --locked --no-fail-fast

edition: build
	$(BIN) edition seeds/ --out editions/seed

lint:
	$(CARGO) fmt --all --check
	$(CARGO) clippy --locked --all-targets -- -D warnings
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --locked --no-deps --document-private-items

parity: setup
	@bash scripts/piper-venv "$(PIPER_VENV)"
	$(PIPER_VENV)/bin/python scripts/parity-fixtures.py

# Text front end measurements (docs/text.md). `der` scores the Shakkelha and CATT outputs, the
# libtashkeel model alone and nashra's diacritization stage on WikiNews and the Fadel test set
# (about 15 minutes on 2 cores); `sentence-bound` synthesizes sentences of growing length.
der: setup
	$(CARGO) run --release --locked --example der -- table

sentence-bound: setup
	$(CARGO) run --release --locked --example sentence_bound

# Batches of 2-4 sentences, graph optimization levels, threads and sessions, each against nashra's
# own way of running the voice: CPU and wall time per audio second, peak RSS, identical output or
# not (docs/bench.md). BATCH_ARGS="--sentences 16 --rounds 2" are the defaults.
batch-bench: setup
	$(CARGO) run --release --locked --example batch -- $(BATCH_ARGS)

# Speed and memory against the reference Piper CLI on WikiNews articles (issue #6, docs/bench.md).
# Takes several minutes (BENCH_ARGS="--no-rss50" skips the 50-article run, "--quick" tries it out,
# "--check" fails on a missed target).
bench: build
	@bash scripts/piper-venv "$(PIPER_VENV)"
	python3 scripts/bench --nashra "$(BIN)" --piper "$(PIPER_VENV)/bin/piper" $(BENCH_ARGS)

clean-deps:
	rm -rf .deps $(PIPER_VENV)
	rm -f voices/en_US-joe-medium.onnx voices/en_US-joe-medium.onnx.json voices/en_US-joe-medium.MODEL_CARD

# --- fuzzing (issue #7, docs/robustness.md) ----------------------------------------------------
# cargo-fuzz builds with sanitizer flags only a nightly compiler accepts. rustup's nightly is used
# when installed; otherwise the stable compiler is told to accept them (RUSTC_BOOTSTRAP=1), which
# builds the same targets. cargo-fuzz itself comes from crates.io. Not part of `make test`/CI.
FUZZ_TARGETS := ingest text manifest publish
FUZZ_SECONDS ?= 60
FUZZ_TARGET_DIR := $(TARGET_DIR)/fuzz
FUZZ_CARGO := $(shell if rustup toolchain list 2>/dev/null | grep -q '^nightly'; \
	then echo 'cargo +nightly'; else echo 'env RUSTC_BOOTSTRAP=1 cargo'; fi)

fuzz-build:
	@command -v cargo-fuzz >/dev/null || $(CARGO) install cargo-fuzz --locked
	$(FUZZ_CARGO) fuzz build -O --fuzz-dir fuzz --target-dir $(FUZZ_TARGET_DIR)

fuzz-smoke: fuzz-build
	@bash scripts/fuzz-smoke "$(FUZZ_SECONDS)" "$(FUZZ_TARGET_DIR)" $(FUZZ_TARGETS)
