# cocoon-net — see README.md. Every target is safe to run on a developer machine; `test`, `demo` and
# `bench` need root (they create network namespaces) and the packages `make deps-system` installs.
SHELL := /bin/bash
.DEFAULT_GOAL := help

CONFIG  ?= Release
OUT     ?= out
PREFIX  ?= /usr
DESTDIR ?=
LIBDIR  := $(DESTDIR)$(PREFIX)/lib/cocoon-net
BINLINK := $(DESTDIR)$(PREFIX)/bin/cocoon-net
# The agent's unit, in systemd's unit path for the prefix (/usr/lib/systemd/system, /usr/local/lib/systemd/system).
UNITDIR := $(DESTDIR)$(PREFIX)/lib/systemd/system
DOTNET  ?= dotnet
# Release artifacts (make release, deb, image) go here; the version is the host's <Version>, kept in one place.
DIST    ?= dist
VERSION := $(shell sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' src/Host/CocoonNet.Host.csproj)
# Every file in the tarball, .deb and image carries this time: the last commit's (reproducible artifacts).
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || date +%s)
export SOURCE_DATE_EPOCH
# The plugin contract's Major.Minor (src/Abstractions/ContractVersion.props) and the next minor, which the version-range tests
# build as a contract this cocoon-net must refuse.
CONTRACT      := $(shell sed -n 's:.*<CocoonNetContract>\(.*\)</CocoonNetContract>.*:\1:p' src/Abstractions/ContractVersion.props)
CONTRACT_NEXT := $(word 1,$(subst ., ,$(CONTRACT))).$(shell echo $$(( $(word 2,$(subst ., ,$(CONTRACT))) + 1 )))
# Self-contained + composite ReadyToRun: no runtime needed on nodes, faster start-up, ~2 min to build.
# SELF_CONTAINED=false builds a small framework-dependent out/ in seconds (for quick local iterations).
SELF_CONTAINED ?= true
export DOTNET_CLI_TELEMETRY_OPTOUT := 1
export DOTNET_NOLOGO := 1

PLUGINS := adopt:providers/Adopt/CocoonNet.Providers.Adopt.csproj gke:providers/Gke/CocoonNet.Providers.Gke.csproj \
           volcengine:providers/Volcengine/CocoonNet.Providers.Volcengine.csproj

.PHONY: help build build-arm64 release-x86_64 release-arm64 deb-x86_64 deb-arm64 image-amd64 image-arm64 test unit bench demo install uninstall lint fmt deps deps-system clean test-plugins pack release deb image manifests-deps manifests-check

help: ## Show all targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

build: ## Build out/cocoon-net and the first-party plugins in out/plugins/<name>/
	@rm -rf $(OUT)   # a self-contained and a framework-dependent build must never mix
	$(DOTNET) publish src/Host/CocoonNet.Host.csproj -c $(CONFIG) -o $(OUT) --nologo -v quiet -p:CocoonSelfContained=$(SELF_CONTAINED)
	@for p in $(PLUGINS); do name=$${p%%:*}; proj=$${p#*:}; \
	  $(DOTNET) publish $$proj -c $(CONFIG) -o $(OUT)/plugins/$$name --nologo -v quiet || exit 1; \
	  rm -f $(OUT)/plugins/$$name/*.pdb; done
	@chmod -R go-w $(OUT)
	@echo "built $(OUT)/cocoon-net with plugins: $$(ls $(OUT)/plugins | tr '\n' ' ')"

test-plugins: build pack ## Packages (make pack), the sample plugin against this contract, the oldest minor and the next one, the cloud emulators
	@# The contract as its oldest supported minor (2.0) and as the next, unreleased minor, for the version-range
	@# tests; obj/ and bin/ of their own, so they never mix with the real contract's build (which make pack packs).
	@for v in older:2.0 newer:$(CONTRACT_NEXT); do \
	  $(DOTNET) build src/Abstractions/CocoonNet.Abstractions.csproj -c $(CONFIG) -o $(OUT)/test-contracts/$${v%%:*} --nologo -v quiet \
	    -p:ContractVersion=$${v#*:} -p:BaseIntermediateOutputPath=$(abspath $(OUT))/obj/contract-$${v%%:*}/ \
	    -p:BaseOutputPath=$(abspath $(OUT))/obj/contract-$${v%%:*}/bin/ || exit 1; done
	@for v in acme:$(abspath $(OUT)) acme-contract-older:$(abspath $(OUT))/test-contracts/older acme-contract-newer:$(abspath $(OUT))/test-contracts/newer; do \
	  name=$${v%%:*}; $(DOTNET) build tests/SamplePlugin/Acme.CocoonNet.Plugin.csproj -c $(CONFIG) -o $(OUT)/test-plugins/$$name --nologo -v quiet \
	    -p:ContractDir=$${v#*:} -p:BaseIntermediateOutputPath=$(abspath $(OUT))/obj/$$name/ \
	    -p:BaseOutputPath=$(abspath $(OUT))/obj/$$name/bin/ || exit 1; done
	@# The same plugin hanging in its entry point's constructor or in ConfigureServices, for the deadline tests.
	@for v in acme-hangs:CONSTRUCTOR acme-hangs-services:SERVICES; do \
	  name=$${v%%:*}; $(DOTNET) build tests/SamplePlugin/Acme.CocoonNet.Plugin.csproj -c $(CONFIG) -o $(OUT)/test-plugins/$$name --nologo -v quiet \
	    -p:ContractDir=$(abspath $(OUT)) -p:AcmeHang=$${v#*:} -p:BaseIntermediateOutputPath=$(abspath $(OUT))/obj/$$name/ \
	    -p:BaseOutputPath=$(abspath $(OUT))/obj/$$name/bin/ || exit 1; done
	$(DOTNET) build tests/Emulators/Gce/CocoonNet.Emulators.Gce.csproj -c $(CONFIG) -o $(OUT)/emulators/gce --nologo -v quiet
	$(DOTNET) build tests/Emulators/Volcengine/CocoonNet.Emulators.Volcengine.csproj -c $(CONFIG) -o $(OUT)/emulators/volcengine --nologo -v quiet
	$(DOTNET) build tests/Emulators/Kubernetes/CocoonNet.Emulators.Kubernetes.csproj -c $(CONFIG) -o $(OUT)/emulators/kubernetes --nologo -v quiet
	@chmod -R go-w $(OUT)

# The SDK for plugin authors: never from the composite ReadyToRun build (dotnet pack builds the IL assembly).
pack: ## out/packages: CocoonNet.Abstractions (the contract, IL + XML docs) and CocoonNet.PluginTemplate (dotnet new cocoon-net-plugin)
	@rm -rf $(OUT)/packages
	$(DOTNET) pack src/Abstractions/CocoonNet.Abstractions.csproj -c $(CONFIG) -o $(OUT)/packages --nologo -v quiet
	$(DOTNET) pack templates/CocoonNet.PluginTemplate.csproj -c $(CONFIG) -o $(OUT)/packages --nologo -v quiet
	@echo "packed: $$(cd $(OUT)/packages && ls *.nupkg | tr '\n' ' ')"

# release and deb package the out/ test-plugins built (one build per make run); the release tests read DIST.
# TEST_IMAGE=1 (CI) builds the image too: it needs Debian's mirror and ~2 min, so a local make test leaves it out.
TEST_IMAGE ?= 0
# make deb runs lintian; under make test the lintian test does (once, in parallel with the other tests).
LINTIAN ?= 1
test: LINTIAN := 0
# The arm64 tarball and .deb are built in the background, niced, while the tests run (the arm64 publish is minutes of
# crossgen2 that would otherwise lengthen the serial part); the tests that read them wait for DIST/.arm64-ready
# (COCOON_NET_ARM64_PENDING, tests/CocoonNet.Testing/ReleaseArtifacts.cs), and fail with the log on .arm64-failed.
# With TEST_IMAGE=1 the arm64 image follows the arm64 tarball, beside the arm64 .deb, with its own markers
# (DIST/.arm64-image-ready or .arm64-image-failed, log DIST/arm64-image.log).
test: deps-system test-plugins manifests-deps release-x86_64 deb-x86_64 $(if $(filter 1,$(TEST_IMAGE)),image-amd64) ## Unit + network-namespace integration tests (root; CI=true: a skipped privileged test fails)
	@rm -f $(DIST)/.arm64-ready $(DIST)/.arm64-failed $(DIST)/.arm64-image-ready $(DIST)/.arm64-image-failed
	( nice -n 19 sh -c '$(PUBLISH_ARM64) && $(TARBALL_ARM64)' && { \
	    $(if $(filter 1,$(TEST_IMAGE)),( nice -n 19 $(IMAGE_ARM64) > $(DIST)/arm64-image.log 2>&1 && touch $(DIST)/.arm64-image-ready \
	      || touch $(DIST)/.arm64-image-failed ) &) \
	    nice -n 19 sh -c '$(DEB_ARM64)' && touch $(DIST)/.arm64-ready || touch $(DIST)/.arm64-failed; wait; } \
	  || touch $(DIST)/.arm64-failed $(DIST)/.arm64-image-failed ) > $(DIST)/arm64-build.log 2>&1 & arm64=$$!; \
	CONFIG=$(CONFIG) COCOON_NET_DIST=$(abspath $(DIST)) COCOON_NET_ARM64_PENDING=1 COCOON_NET_ARM64_IMAGE=$(filter 1,$(TEST_IMAGE)) \
	  bash tests/run-tests.sh $(abspath $(OUT)); status=$$?; wait $$arm64; exit $$status

# The fast inner loop: no root, no namespaces, no out/ and no publish (tests/CocoonNet.Testing/Needs.cs says which).
unit: ## Tests that need neither root nor a build (no namespaces, no out/): only the test projects are built
	@# The manifest tests read tests/manifests/node_modules; without node they skip, as in make test off CI.
	@if command -v npm >/dev/null; then $(MAKE) --no-print-directory manifests-deps; fi
	CONFIG=$(CONFIG) bash tests/run-tests.sh --unit

bench: deps-system test-plugins ## Host: adopt / no-op / status vs an upstream-style script; Volcengine init vs upstream's algorithm; DHCP: dnsmasq vs embedded; VM traffic with isolation on vs off
	bash tests/bench/bench.sh $(abspath $(OUT))
	bash tests/bench/volcengine-bench.sh $(abspath $(OUT))
	bash tests/bench/agent-bench.sh $(abspath $(OUT))
	bash tests/bench/dhcp-bench.sh $(abspath $(OUT))
	bash tests/bench/isolation-bench.sh $(abspath $(OUT))

demo: deps-system test-plugins ## Sandbox node + VMs in namespaces: adopt (dnsmasq, and a node with the embedded DHCP server), then init on an emulated GKE node; DHCP, ping out, teardown
	bash tests/demo/demo.sh $(abspath $(OUT))

install: ## Install the existing out/ (no rebuild: 'make build' first, as a normal user) to $(PREFIX)/lib/cocoon-net, link $(PREFIX)/bin/cocoon-net
	@test -x $(OUT)/cocoon-net || { echo "$(OUT)/cocoon-net is missing: run 'make build' first (as a normal user), then 'sudo make install'" >&2; exit 1; }
	@test -e $(OUT)/libcoreclr.so || echo "note: $(OUT) is a framework-dependent build (SELF_CONTAINED=false): nodes need the .NET 10 runtime" >&2
	rm -rf $(LIBDIR)
	install -d -m 0755 $(LIBDIR)
	@# Only what runs: no symbols, XML docs, crash-dump helper, test plugins, emulators or build leftovers.
	tar -C $(OUT) --exclude='./test-plugins' --exclude='./test-contracts' --exclude='./packages' --exclude='./emulators' --exclude='./arm64-sysroot' --exclude='./obj' \
	    --exclude='*.pdb' --exclude='*.xml' --exclude='createdump' -cf - . | tar -C $(LIBDIR) --no-same-owner -xf -
	@if [ "$$(id -u)" = 0 ]; then chown -R root:root $(LIBDIR); fi
	chmod -R u+rwX,go+rX,go-w $(LIBDIR)
	install -d -m 0755 $(dir $(BINLINK))
	ln -sfn $(PREFIX)/lib/cocoon-net/cocoon-net $(BINLINK)
	@# The agent's unit, not enabled (README: run adopt or init once, then systemctl enable --now cocoon-net).
	install -d -m 0755 $(UNITDIR)
	sed 's#^ExecStart=/usr/bin/cocoon-net #ExecStart=$(PREFIX)/bin/cocoon-net #' packaging/systemd/cocoon-net.service > $(UNITDIR)/cocoon-net.service
	chmod 0644 $(UNITDIR)/cocoon-net.service
	@if [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ]; then systemctl daemon-reload; fi
	@echo "installed $(LIBDIR) ($$(du -sh $(LIBDIR) | cut -f1)), $(BINLINK) and $(UNITDIR)/cocoon-net.service (not enabled)"

uninstall: ## Remove exactly what install put in place (run 'cocoon-net teardown' on the node first)
	@# An enabled agent would be left pointing at a removed binary: disable and stop it (it leaves the network as it is).
	@if [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ] && [ -f $(UNITDIR)/cocoon-net.service ]; then \
	  systemctl disable --now cocoon-net.service; fi
	rm -rf $(LIBDIR)
	@if [ -L $(BINLINK) ]; then rm -f $(BINLINK); echo "rm -f $(BINLINK)"; fi
	rm -f $(UNITDIR)/cocoon-net.service
	@if [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ]; then systemctl daemon-reload; fi

# The Kubernetes manifests' schema check and the admission policy's CEL test: node + the pinned npm packages
# (tests/manifests/package-lock.json: kubernetes-models, yaml, @bufbuild/cel).
# npm ci only when node_modules is missing or older than the lock file (npm writes node_modules/.package-lock.json).
manifests-deps: ## Install the manifests validator's pinned packages (npm ci in tests/manifests)
	@cd tests/manifests && if [ ! node_modules/.package-lock.json -nt package-lock.json ]; then \
	  npm ci --no-audit --no-fund --loglevel=error; fi

manifests-check: manifests-deps ## Validate deploy/kubernetes (and the teardown Job) against the Kubernetes API schemas, unknown fields rejected; evaluate the admission policy's CEL on the agent's requests
	node tests/manifests/validate.mjs deploy/kubernetes
	node --test tests/manifests/policy.test.mjs

# The arm64 program: the host published for linux-arm64 (crossgen2 compiles arm64 code on any machine) beside OUT,
# which make build starts afresh; its own obj/ and bin/ (CocoonObjSuffix), so the two publishes never restore over
# each other. The plugins are IL with no architecture-specific files: both tarballs take OUT's.
ARM64_OUT ?= $(OUT)-arm64
PUBLISH_ARM64 = rm -rf $(ARM64_OUT) && $(DOTNET) publish src/Host/CocoonNet.Host.csproj -c $(CONFIG) -r linux-arm64 -o $(ARM64_OUT) \
                --nologo -v quiet -p:CocoonSelfContained=true -p:CocoonObjSuffix=-arm64 && chmod -R go-w $(ARM64_OUT)
build-arm64: ## $(OUT)-arm64: the program (no plugins) published for linux-arm64, self-contained, for make release
	$(PUBLISH_ARM64)

TARBALL_ARM64 = bash packaging/release/build-tarball.sh $(OUT) $(DIST) $(VERSION) arm64 $(ARM64_OUT)
DEB_ARM64     = env LINTIAN=$(LINTIAN) bash packaging/deb/build-deb.sh $(DIST) $(VERSION) arm64

release: release-x86_64 release-arm64 ## dist/cocoon-net_<version>_Linux_{x86_64,arm64}.tar.gz (+ .sha256, + the unversioned names): program, plugins, unit, completions, install.sh
release-x86_64: build
	bash packaging/release/build-tarball.sh $(OUT) $(DIST) $(VERSION)
release-arm64: build build-arm64
	$(TARBALL_ARM64)

deb: deb-x86_64 deb-arm64 ## dist/cocoon-net_<version>_{amd64,arm64}.deb from the release tarballs (installs, starts nothing), checked by lintian
deb-x86_64: release-x86_64
	LINTIAN=$(LINTIAN) bash packaging/deb/build-deb.sh $(DIST) $(VERSION)
deb-arm64: release-arm64
	$(DEB_ARM64)

IMAGE_ARM64 = bash packaging/image/build-image.sh $(DIST) $(VERSION) arm64

image: image-amd64 image-arm64 ## dist/cocoon-net-image.tar (amd64) and cocoon-net-image-arm64.tar: OCI images (Debian rootfs by mmdebstrap + the release), entrypoint cocoon-net agent
image-amd64: release-x86_64
	bash packaging/image/build-image.sh $(DIST) $(VERSION) amd64
image-arm64: release-arm64
	$(IMAGE_ARM64)

lint: ## Analyzers (warnings are errors) and formatting check
	$(DOTNET) build CocoonNet.sln -c $(CONFIG) --nologo -v quiet
	$(DOTNET) format CocoonNet.sln --verify-no-changes --no-restore

fmt: ## Format the code
	$(DOTNET) format CocoonNet.sln

deps: ## Restore NuGet packages
	$(DOTNET) restore CocoonNet.sln

deps-system: ## Install the system packages the tests, demo and benchmark use (Debian/Ubuntu, root)
	@# node + npm: the Kubernetes manifests' schema check (make manifests-check). Only when missing: a node from
	@# another source (e.g. NodeSource's nodejs, which carries npm and conflicts with Debian's npm) is kept.
	@# lintian: make deb (and its test) checks the package with it; mmdebstrap, umoci: make image.
	@# acl: setfacl, with which the plugin permission tests grant another user write by ACL.
	@# strace: the agent test that proves a repair opens no state, lock or plugin file.
	@# dhcp_release (dnsmasq-utils): the control socket frees dnsmasq leases; dhclient, dhcpcd: real clients of the
	@# embedded server; go: builds vk-cocoon's lease client for the tests. nft (nftables): the anti-spoofing table;
	@# iperf3: make bench's throughput; /usr/lib/cni/bridge (containernetworking-plugins): the isolation tests' VMs.
	@# qemu-aarch64-static (qemu-user-static): the arm64 release's emulated runs (tests/CocoonNet.Parity.Tests/Arm64) and,
	@# with arch-test (mmdebstrap's check of a foreign architecture), the arm64 image's build (packaging/image/foreign-arch.sh).
	@need=""; test -x /usr/lib/cni/bridge || need=" containernetworking-plugins"; for c in nft:nftables iperf3:iperf3 dnsmasq:dnsmasq-base dhcp_release:dnsmasq-utils dhclient:isc-dhcp-client dhcpcd:dhcpcd-base go:golang-go iptables:iptables ip:iproute2 busybox:busybox hyperfine:hyperfine promtool:prometheus \
	  systemd-analyze:systemd lintian:lintian mmdebstrap:mmdebstrap umoci:umoci node:nodejs npm:npm setfacl:acl strace:strace qemu-aarch64-static:qemu-user-static arch-test:arch-test; do \
	  command -v $${c%%:*} >/dev/null || need="$$need $${c#*:}"; done; \
	if [ -n "$$need" ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$need; fi

clean: ## Remove build output
	rm -rf $(OUT) $(ARM64_OUT) $(DIST) src/*/bin src/*/obj providers/*/bin providers/*/obj tests/*/bin tests/*/obj templates/bin templates/obj
