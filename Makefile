# Subdesk. `make run` and `make test` install what they need on a fresh Debian 12 machine
# (as root, or with sudo), so a new clone needs nothing else.
SHELL := /bin/bash
.DEFAULT_GOAL := help

CARGO ?= cargo
UI := ui
APP := target/debug/subdesk
TAURI_DRIVER := $(HOME)/.cargo/bin/tauri-driver

.PHONY: help deps deps-test ui-deps e2e-deps ui app run test bench package bindings fmt clean

help:
	@echo "make run    - install what is needed, build, open Subdesk on the built-in sandbox"
	@echo "make test   - install what is needed, then every check (fmt, clippy, Rust, UI, E2E)"
	@echo "make bench  - performance figures and ratios"
	@echo "make package - the release .deb (app + subdesk-cli) in target/deb/bundle/deb/ (under CARGO_TARGET_DIR if set)"
	@echo "make bindings - regenerate ui/src/bindings.ts from the Rust command registry"

deps:
	@bash scripts/install-system.sh
	@$(MAKE) --no-print-directory ui-deps

deps-test:
	@bash scripts/install-system.sh --test
	@$(MAKE) --no-print-directory ui-deps e2e-deps
	@test -x $(TAURI_DRIVER) || $(CARGO) install tauri-driver --version '^2' --locked

# npm ci only when package-lock.json changed since the last install.
ui-deps: $(UI)/node_modules/.installed
$(UI)/node_modules/.installed: $(UI)/package-lock.json
	cd $(UI) && npm ci --no-audit --no-fund
	@touch $@

e2e-deps: tests/e2e/node_modules/.installed
tests/e2e/node_modules/.installed: tests/e2e/package-lock.json
	cd tests/e2e && npm ci --no-audit --no-fund
	@touch $@

ui: ui-deps
	cd $(UI) && npm run build

# The debug app with the UI embedded (custom-protocol), as `tauri build --debug` makes it,
# and the CLI (the E2E drives both).
app: ui
	$(CARGO) build -p subdesk -p subdesk-cli --features subdesk/custom-protocol

run: deps app
	@if [ -z "$$DISPLAY" ] && [ -z "$$WAYLAND_DISPLAY" ]; then \
	  echo "No display: run 'xvfb-run make run' on a machine without one."; exit 1; fi
	./$(APP)

test: deps-test
	@bash scripts/test.sh

# The webview figures drive the debug app through WebDriver, as the E2E does.
bench: deps-test app
	@bash scripts/bench.sh

# The release .deb through Tauri's bundler (ui/'s @tauri-apps/cli), app and CLI.
package: deps ui
	@bash scripts/package.sh

bindings:
	UPDATE_BINDINGS=1 $(CARGO) test -p subdesk --test bindings

fmt:
	$(CARGO) fmt --all

clean:
	$(CARGO) clean
	rm -rf $(UI)/dist $(UI)/node_modules tests/e2e/node_modules
