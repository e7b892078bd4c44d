# The two commands a newcomer needs:
#   make run    build everything and serve the dashboard on http://127.0.0.1:8080
#   make test   run every test (formatting, lints, unit, wasm-in-Chromium,
#               real-registry integration and browser end-to-end tests)
# Both install what is missing first (scripts/setup.sh).

SHELL := /bin/bash
export CHROMEDRIVER ?= /usr/bin/chromedriver
LISTEN ?= 127.0.0.1:8080

.PHONY: run test setup frontend proxy lint unit wasm-test fuzz demo demo-cluster bench soak clean

run: setup frontend proxy
	./target/release/strata serve --listen $(LISTEN) --dist dist

test: setup lint frontend
	cargo build -p shared --target wasm32-unknown-unknown
	cargo test --workspace --exclude frontend
	$(MAKE) wasm-test
	scripts/fuzz.sh 10

setup:
	@scripts/setup.sh

frontend:
	trunk build --release --offline

proxy:
	cargo build --release -p strata

lint:
	cargo fmt --all --check
	cargo clippy --all-targets -- -D warnings
	cargo clippy -p frontend --target wasm32-unknown-unknown --all-targets -- -D warnings
	RUSTDOCFLAGS="-D warnings" cargo doc --no-deps -q

# The shared crate's unit tests and the frontend's component tests, compiled to
# wasm32 and run in headless Chromium by wasm-bindgen-test-runner.
wasm-test:
	cargo test -p shared --target wasm32-unknown-unknown
	cargo test -p frontend --target wasm32-unknown-unknown --lib

fuzz:
	scripts/fuzz.sh 60

demo: setup frontend proxy
	scripts/demo.sh

# Two replicas sharing a PostgreSQL and an S3 bucket (SeaweedFS), in front
# of the fixture registry: see README, "Running several replicas".
demo-cluster: setup frontend proxy
	scripts/demo-cluster.sh

bench: setup frontend proxy
	scripts/bench.sh

# The soak test for about ten minutes (cargo test runs a 40 s version);
# writes its table into bench/results.md under "Soak".
soak: setup frontend proxy
	scripts/soak.sh

clean:
	cargo clean
	rm -rf dist artifacts
