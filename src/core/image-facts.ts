/**
 * What third-party images really ship, read from their upstream builds.
 *
 * The runtime contract check (issue 9) tests every command the library runs inside a
 * third-party image (container command, ECS health command, exec probes, postStart waits,
 * preStop drains, init scripts) against these rows. A binary is listed only where an upstream
 * Dockerfile, package list or rootfs was read; anything not confirmed is left out, so the
 * check asks for proof instead of passing a pod that cannot start.
 *
 * Internal: not exported from `src/core/index.ts`. Platform-neutral (no cdk8s/aws-cdk-lib).
 *
 * Shell builtins (`kill`, `echo`, `test`, `[`, `exec`, `sleep` in no shell) are not binaries:
 * a command run through a listed shell can use the builtins of that shell, but an exec probe
 * or `command` array cannot.
 */

import { stringHasToken } from './tokens';

/** What an image really ships, read from its upstream build. */
export interface ImageFacts {
  /**
   * Repository, normalised: no registry prefix for Docker Hub (docker.io/ and
   * docker.io/library/ stripped), e.g. 'envoyproxy/envoy', 'public.ecr.aws/docker/library/busybox'.
   */
  readonly repository: string;
  /** Tags this row covers (tested against the tag; digest-only references match no row). */
  readonly tags: RegExp;
  /** Absolute path of a POSIX shell, or undefined when the image has none (distroless/scratch/static). */
  readonly shell?: string;
  /** bash available (for /dev/tcp etc.). */
  readonly bash: boolean;
  /**
   * Executables the image ships: absolute paths of everything the library might call, and bare
   * names found on the image's PATH. Only what was confirmed upstream.
   */
  readonly binaries: readonly string[];
  /**
   * Executables the cited base's package list shows the image does NOT ship (e.g. curl in the
   * Ubuntu-based Envoy image). An image without a shell ships nothing but `binaries`; one with
   * a shell may ship more than was confirmed, so only these are known to be missing.
   * @default - none known
   */
  readonly absent?: readonly string[];
  /**
   * The image's default user as a numeric UID (what the Dockerfile's USER resolves to; a named
   * USER is resolved through the passwd file the build installs), or undefined for root / no USER.
   */
  readonly user?: string;
  /** Where this comes from: upstream repository, file and tag/commit, or documentation URL. */
  readonly source: string;
  /**
   * CPU architectures the image is published for ('amd64', 'arm64', ...), where an upstream
   * build or release list was read (`architecturesSource`); undefined where not confirmed.
   * @default - unknown
   */
  readonly architectures?: readonly string[];
  /** Where `architectures` comes from. */
  readonly architecturesSource?: string;
}

// ---------------------------------------------------------------------------------------------
// Base-image binary sets. Each is the intersection of what the cited package lists contain.
// ---------------------------------------------------------------------------------------------

/** coreutils commands the library's generated scripts use (GNU coreutils or busybox applets). */
const CORE = ['sleep', 'cat', 'cp', 'mv', 'rm', 'ln', 'ls', 'mkdir', 'chmod', 'chown', 'touch', 'test', 'echo', 'printf', 'base64', 'env', 'id', 'true', 'false', 'timeout'];

/**
 * ubuntu:22.04 and ubuntu:24.04 base: bash, dash (/bin/sh), coreutils, procps (kill, pkill, pgrep,
 * ps), grep, sed, findutils, mawk, tar, gzip, util-linux; no curl, no wget.
 * docker-library/repo-info repos/ubuntu/local/noble-20260905.md @ 9aa76945ed7bc7a99d28309b00dc606622fa5293
 * and repos/ubuntu/local/jammy-20260901.2.md @ 424532a436fead386d965a24e77db8815a87fc07.
 */
const UBUNTU = [
  '/bin/sh', 'sh', '/bin/bash', 'bash', ...CORE,
  'grep', 'sed', 'awk', 'find', 'xargs', 'tar', 'gzip', 'kill', 'pkill', 'pgrep', 'ps',
];
const UBUNTU_SOURCE = 'Ubuntu base packages: docker-library/repo-info repos/ubuntu/local/noble-20260905.md @ 9aa76945ed7bc7a99d28309b00dc606622fa5293, jammy-20260901.2.md @ 424532a436fead386d965a24e77db8815a87fc07 (bash, dash, coreutils, procps, grep, sed, findutils, mawk; no curl/wget)';

/**
 * Alpine's busybox applets (ash as /bin/sh, no bash): CONFIG_WGET, CONFIG_NC, CONFIG_KILL,
 * CONFIG_PKILL, CONFIG_PGREP, CONFIG_TIMEOUT, coreutils, grep, sed, awk, find, xargs, tar, gzip.
 * alpinelinux/aports main/busybox/busyboxconfig @ 05253d2ccfbc33afa159c80635963e9c34d8cf45.
 */
const ALPINE_BUSYBOX = [
  '/bin/sh', 'sh', ...CORE,
  'grep', 'sed', 'awk', 'find', 'xargs', 'tar', 'gzip', 'kill', 'killall', 'pkill', 'pgrep', 'ps', 'wget', 'nc',
];

/**
 * Amazon Linux 2 container base: bash (also /bin/sh), coreutils, curl, grep, sed, gawk, findutils;
 * no procps-ng and no util-linux binaries (so no kill/pkill executables).
 * docker-library/repo-info repos/amazonlinux/local/2.md @ 082a4310b3f776dbabcaa832e1da42751cf5376b.
 */
const AL2 = ['/bin/sh', 'sh', '/bin/bash', 'bash', ...CORE, 'grep', 'sed', 'awk', 'find', 'xargs', 'curl'];
/** No procps-ng in the amazonlinux:2 base. */
const AL2_ABSENT = ['pkill', 'pgrep', 'ps'];
const AL2_SOURCE = 'amazonlinux:2 packages: docker-library/repo-info repos/amazonlinux/local/2.md @ 082a4310b3f776dbabcaa832e1da42751cf5376b (bash, coreutils, curl, grep, sed, gawk, findutils; no procps-ng)';

/**
 * Amazon Linux 2023 container base: bash, coreutils-single, curl-minimal (/usr/bin/curl), grep, sed,
 * gawk; no findutils, no tar, no procps-ng.
 * docker-library/repo-info repos/amazonlinux/local/2023.md @ 583515f1fe1ff17aac0b347a6f01d51b6b269ada.
 */
const AL2023 = ['/bin/sh', 'sh', '/bin/bash', 'bash', ...CORE, 'grep', 'sed', 'awk', 'curl'];
/** No findutils, tar or procps-ng in the amazonlinux:2023 base. */
const AL2023_ABSENT = ['find', 'xargs', 'tar', 'pkill', 'pgrep', 'ps'];
const AL2023_SOURCE = 'amazonlinux:2023 packages: docker-library/repo-info repos/amazonlinux/local/2023.md @ 583515f1fe1ff17aac0b347a6f01d51b6b269ada (bash, coreutils-single, curl-minimal, grep, sed, gawk)';

/** Debian slim base (dash, bash, coreutils, grep, sed, findutils, tar, gzip); procps is not in slim. */
const DEBIAN_SLIM = ['/bin/sh', 'sh', '/bin/bash', 'bash', ...CORE, 'grep', 'sed', 'find', 'xargs', 'tar', 'gzip'];

/**
 * busybox:1.37 (glibc, the variant plain `1.37` points to): every applet is a hard link in /bin.
 * Read from the published rootfs: docker-library/busybox branch dist-amd64 @
 * 70ce0fb98bee360bbcce132660d727bf6ce55a99, latest-1/glibc/amd64/rootfs.tar.gz (1.37.0).
 */
const BUSYBOX_137 = [
  '/bin/sh', 'sh', '/bin/busybox', ...CORE, ...CORE.map(b => `/bin/${b}`),
  'grep', 'sed', 'awk', 'find', 'xargs', 'tar', 'gzip', 'kill', '/bin/kill', 'killall', 'pkill', 'pgrep', 'ps',
  'wget', '/bin/wget', 'nc', '/bin/nc', 'install', 'nslookup', 'ip',
];
const BUSYBOX_SOURCE = 'docker-library/busybox branch dist-amd64 @ 70ce0fb98bee360bbcce132660d727bf6ce55a99, latest-1/glibc/amd64/rootfs.tar.gz (BusyBox 1.37.0, glibc; plain `1.37` is the glibc variant per generate-stackbrew-library.sh and versions.json @ 9c2087811429374737832a4c936fc411c1b4a22b); applets hard-linked in /bin, no bash';

// ---------------------------------------------------------------------------------------------
// Rows.
// ---------------------------------------------------------------------------------------------

/** Envoy release lines: v1.x.y and the vX.Y-latest line tags (distribution/docker/docker_ci.sh). */
const ENVOY_VERSION = 'v1\\.\\d+(?:\\.\\d+|-latest)';
const ENVOY_DOCKERFILE = 'envoyproxy/envoy distribution/docker/Dockerfile-envoy @ 0252c88f4757a779c62b2cc034e29bb737e0783a';
const ENVOY_TAGGING = 'envoyproxy/envoy distribution/docker/docker_ci.sh @ 2a81dac05af40c7c51bc9e46b8f0f645f69ed98c (tags `<type>-v1.x.y` on envoyproxy/envoy and `envoyproxy/envoy-<type>:v1.x.y`)';
const ENVOY_UBUNTU: Omit<ImageFacts, 'repository' | 'tags'> = {
  architectures: ['amd64', 'arm64'],
  architecturesSource: 'envoyproxy/envoy docs/root/start/install.rst: pre-built Docker images for both amd64 and arm64',
  shell: '/bin/sh',
  bash: true,
  binaries: ['/usr/local/bin/envoy', 'envoy', '/usr/local/bin/su-exec', 'su-exec', ...UBUNTU],
  absent: ['curl', 'wget'],
  source: `${ENVOY_DOCKERFILE}, stage envoy: FROM ubuntu, apt-get install ca-certificates tzdata only (no curl, envoyproxy/envoy#31614), no USER (root; docker-entrypoint.sh may drop to ENVOY_UID with su-exec); -contrib/-debug/-tools copy their binary to /usr/local/bin/envoy on the same base; ${ENVOY_TAGGING}; ${UBUNTU_SOURCE}`,
};
const ENVOY_DISTROLESS: Omit<ImageFacts, 'repository' | 'tags'> = {
  architectures: ['amd64', 'arm64'],
  architecturesSource: 'envoyproxy/envoy docs/root/start/install.rst: pre-built Docker images for both amd64 and arm64',
  bash: false,
  binaries: ['/usr/local/bin/envoy'],
  user: '65532',
  source: `${ENVOY_DOCKERFILE}, stage envoy-distroless: FROM gcr.io/distroless/base-nossl-debian12:nonroot (no shell, UID 65532), only /usr/local/bin/envoy added; ${ENVOY_TAGGING}`,
};

const VAULT: Omit<ImageFacts, 'repository' | 'tags'> = {
  shell: '/bin/sh',
  bash: false,
  binaries: ['/bin/vault', 'vault', '/usr/bin/dumb-init', 'dumb-init', 'su-exec', '/usr/local/bin/docker-entrypoint.sh', ...ALPINE_BUSYBOX],
  absent: ['bash', 'curl'],
  source: 'hashicorp/vault Dockerfile @ 1815be8b5efedf3353db36e5e746397df6d5b36f, stage default (## DOCKERHUB DOCKERFILE ##; current main is FROM alpine:3 with the same `apk add libcap su-exec dumb-init tzdata`, vault in /bin, no USER: root, the entrypoint drops to the `vault` user with su-exec for vault subcommands); .release/docker/docker-entrypoint.sh @ 1d04c5e2762f15a2d53e19836208adfb038abc14 (#!/usr/bin/dumb-init /bin/sh); Alpine busybox applets: alpinelinux/aports main/busybox/busyboxconfig @ 05253d2ccfbc33afa159c80635963e9c34d8cf45',
};

const FLUENT_BIT_DISTROLESS: Omit<ImageFacts, 'repository' | 'tags'> = {
  architectures: ['amd64', 'arm64', 'arm'],
  architecturesSource: 'fluent/fluent-bit dockerfiles/README.md: distroless production images for AMD64, ARM32 and ARM64 (no debug images for ARM)',
  bash: false,
  binaries: ['/fluent-bit/bin/fluent-bit'],
  source: 'fluent/fluent-bit dockerfiles/Dockerfile, stage production: FROM gcr.io/distroless/cc-debian11 (v3.0.0 @ f499a4fbe1a58e3230cf1f8dce51145f1f721cf0), cc-debian12 (v3.2.x–v4.0.x), cc-debian13 (v4.2.8 @ 419540c428089155f42e710503ad23ce60737618, v5.0.8 @ c2b1cfd5f5b3530d613c167fc999a7df4eb2eabb): no shell, no USER (root), only /fluent-bit/bin/fluent-bit',
};
const FLUENT_BIT_DEBUG: Omit<ImageFacts, 'repository' | 'tags'> = {
  shell: '/bin/sh',
  bash: true,
  binaries: ['/fluent-bit/bin/fluent-bit', ...DEBIAN_SLIM, 'curl', 'jq', 'nc', 'killall', 'openssl'],
  source: 'fluent/fluent-bit dockerfiles/Dockerfile, stage debug: FROM debian:<bullseye|bookworm|trixie>-slim (not busybox) + apt-get install bash curl jq netcat-openbsd psmisc openssl tcpdump strace … (v3.0.0 @ f499a4fbe1a58e3230cf1f8dce51145f1f721cf0, v4.2.8 @ 419540c428089155f42e710503ad23ce60737618, v5.0.8 @ c2b1cfd5f5b3530d613c167fc999a7df4eb2eabb); no procps (kill/pkill executables unconfirmed), no USER (root)',
};

const AWS_FOR_FLUENT_BIT: Omit<ImageFacts, 'repository' | 'tags'> = {
  shell: '/bin/sh',
  bash: true,
  binaries: ['/fluent-bit/bin/fluent-bit', '/entrypoint.sh', ...AL2, 'nc'],
  absent: AL2_ABSENT,
  source: `aws/aws-for-fluent-bit scripts/dockerfiles/Dockerfile.main-release @ v2.32.3 (cd557e03126848594038e0e41f80d2bd8c27e54d): FROM public.ecr.aws/amazonlinux/amazonlinux:2 + yum install … nc, fluent-bit in /fluent-bit/bin, CMD /entrypoint.sh, no USER (root); ${AL2_SOURCE}`,
};

const OPA_NO_SHELL_SOURCE = 'open-policy-agent/opa Dockerfile @ 02755047844876101145b92f20536a17eba6d083 (ARG USER=1000:1000, COPY … /opa, ENV PATH=${PATH}:/, ENTRYPOINT /opa); bases from Chainguard static (`-static`) and glibc-dynamic (default), neither has a shell: open-policy-agent/opa#5540; non-root 1000:1000 by default and `-rootless` dropped: open-policy-agent/opa#5718';
const OPA: Omit<ImageFacts, 'repository' | 'tags'> = {
  bash: false,
  binaries: ['/opa', 'opa'],
  user: '1000',
  source: OPA_NO_SHELL_SOURCE,
};
const OPA_DEBUG: Omit<ImageFacts, 'repository' | 'tags'> = {
  shell: '/bin/sh',
  bash: false,
  binaries: ['/opa', 'opa', '/bin/sh', 'sh'],
  user: '1000',
  source: `${OPA_NO_SHELL_SOURCE}; \`-debug\` and \`-static-debug\` are built FROM Chainguard busybox with /bin/sh (checked in open-policy-agent/opa#5787); the busybox applet set of that base was not read, so only the shell is listed`,
};
const OPA_ENVOY: Omit<ImageFacts, 'repository' | 'tags'> = {
  bash: false,
  binaries: ['/opa'],
  user: '1000',
  source: 'open-policy-agent/opa-envoy-plugin Dockerfile and Makefile @ v1.10.0-envoy (d122f600a4a186919e295514e65e186477c14620): `<opa>-envoy[-<rev>]` FROM chainguard/glibc-dynamic, `…-static` FROM chainguard/static, both no shell; USER 1000:1000; COPY opa_envoy_* /opa, ENTRYPOINT /opa (no PATH change, so only the absolute path)',
};

const OTEL_CONTRIB: Omit<ImageFacts, 'repository' | 'tags'> = {
  architectures: ['amd64', 'arm64'],
  architecturesSource: 'open-telemetry/opentelemetry-collector-releases README.md: each distribution ships multi-arch container images, at least amd64 and arm64',
  bash: false,
  binaries: ['/otelcol-contrib'],
  user: '10001',
  source: 'open-telemetry/opentelemetry-collector-releases distributions/otelcol-contrib/Dockerfile @ ceccc19da2df99e24c1d826bd1600e0edbdbea3d (same shape at v0.100.0, v0.120.0, v0.150.0 @ 42b734490c633cda377131baa23883380439c029): FROM scratch, only /otelcol-contrib, CA bundle and config; USER 10001:10001',
};

const ADOT: Omit<ImageFacts, 'repository' | 'tags'> = {
  bash: false,
  binaries: ['/awscollector', '/healthcheck'],
  user: '4317',
  source: 'aws-observability/aws-otel-collector cmd/awscollector/Dockerfile @ ed0b1d595c795442480c8e83435b9bf7d79429b2: final stage FROM scratch with /awscollector and /healthcheck (copy mode, .github/workflows/CI.yml build-args BUILDMODE=copy), passwd from alpine with user aoc UID 4317, USER aoc',
};

const DAPRD: Omit<ImageFacts, 'repository' | 'tags'> = {
  architectures: ['amd64', 'arm', 'arm64'],
  architecturesSource: 'dapr/dapr docker/docker.mk: DOCKER_MULTI_ARCH linux-amd64 linux-arm linux-arm64 (plus Windows)',
  bash: false,
  binaries: ['/daprd'],
  user: '65532',
  source: 'dapr/dapr docker/Dockerfile @ v1.17.0 (755b4763223f066f75876dccd34e3be3aea476e7) and v1.18.3 (2dcf2e3548faf3c740b3d29ee300e2132db65cff): FROM gcr.io/distroless/static:nonroot, COPY /daprd /, USER 65532:65532 (same base since v1.10.0); docker/docker.mk builds daprio/daprd with PKG_FILES=daprd',
};
const DAPRD_MARINER: Omit<ImageFacts, 'repository' | 'tags'> = {
  bash: false,
  binaries: ['/daprd'],
  user: '65532',
  source: 'dapr/dapr docker/Dockerfile-mariner @ d8450742ce3260d93a2346f4398a1e60d019a45b: FROM mcr.microsoft.com/cbl-mariner/distroless/minimal:2.0-nonroot, USER 65532, COPY /daprd /',
};

const XRAY_RELEASE = 'aws/aws-xray-daemon .github/workflows/release-build-publish.yml @ 8c295a5b20dce58bb1ab38cd4a93e84b70449e94 (Docker Hub amazon/aws-xray-daemon from Dockerfile.amazonlinux, public.ecr.aws/xray/aws-xray-daemon from Dockerfile)';
const XRAY_HUB: Omit<ImageFacts, 'repository' | 'tags'> = {
  shell: '/bin/sh',
  bash: true,
  binaries: ['/xray', '/usr/bin/xray', 'xray', ...AL2023],
  absent: AL2023_ABSENT,
  user: '10001',
  source: `aws/aws-xray-daemon Dockerfile.amazonlinux @ 8c295a5b20dce58bb1ab38cd4a93e84b70449e94: FROM amazonlinux:latest, /xray linked to /usr/bin/xray, /etc/passwd from the alpine build stage (adduser -u 10001 xray), USER xray; ${XRAY_RELEASE}; base binaries are those common to amazonlinux:2 and :2023 (${AL2023_SOURCE})`,
};
const XRAY_ECR: Omit<ImageFacts, 'repository' | 'tags'> = {
  bash: false,
  binaries: ['/xray'],
  user: '10001',
  source: `aws/aws-xray-daemon Dockerfile @ 8c295a5b20dce58bb1ab38cd4a93e84b70449e94: FROM scratch, only /xray, passwd with xray UID 10001, USER xray; ${XRAY_RELEASE}`,
};

const ISTIO_SOURCE = 'istio/istio @ 1.29.6 (7019d6d3608e4995e9a36d2977cfec3a341431cd): pilot/docker/Dockerfile.proxyv2 (FROM istio base by default, iptables base with BASE_DISTRIBUTION=distroless; /usr/local/bin/envoy and /usr/local/bin/pilot-agent; no USER)';
const IPTABLES = [
  'iptables', 'iptables-save', 'iptables-restore', 'ip6tables', 'ip6tables-save', 'ip6tables-restore',
  'iptables-legacy', 'iptables-legacy-save', 'iptables-legacy-restore', 'ip6tables-legacy', 'ip6tables-legacy-save', 'ip6tables-legacy-restore',
  'iptables-nft', 'iptables-nft-save', 'iptables-nft-restore', 'ip6tables-nft', 'ip6tables-nft-save', 'ip6tables-nft-restore',
  '/usr/sbin/iptables-restore', '/usr/sbin/ip6tables-restore', '/usr/sbin/iptables-legacy-restore', '/usr/sbin/iptables-nft-restore',
];
const ISTIO_PROXY: Omit<ImageFacts, 'repository' | 'tags'> = {
  shell: '/bin/sh',
  bash: true,
  binaries: [
    '/usr/local/bin/envoy', 'envoy', '/usr/local/bin/pilot-agent', 'pilot-agent',
    ...UBUNTU, ...IPTABLES, 'nft', 'ip', 'curl', 'nc', 'sudo', 'tcpdump', 'conntrack', 'lsof',
  ],
  source: `${ISTIO_SOURCE}; docker/Dockerfile.base: FROM ubuntu:noble (ubuntu:jammy up to 1.23) + apt-get install curl iptables nftables iproute2 netcat-openbsd tcpdump conntrack lsof sudo …, update-alternatives --set iptables/ip6tables to the -legacy binaries, useradd istio-proxy 1337 but no USER (root); the iptables package ships the -legacy/-nft variants and the iptables-restore/ip6tables-restore alternatives (Debian/Ubuntu iptables packaging, checked with dpkg -L iptables and update-alternatives --query iptables on Debian 12); ${UBUNTU_SOURCE}`,
};
/** Wolfi's iptables and ip6tables packages install into /sbin (names from the package tests). */
const WOLFI_IPTABLES = [
  ...IPTABLES.filter(b => !b.startsWith('/')),
  '/sbin/iptables-restore', '/sbin/ip6tables-restore', '/sbin/iptables-legacy-restore', '/sbin/iptables-nft-restore',
];
const ISTIO_PROXY_DISTROLESS: Omit<ImageFacts, 'repository' | 'tags'> = {
  bash: false,
  binaries: ['/usr/local/bin/envoy', '/usr/local/bin/pilot-agent', ...WOLFI_IPTABLES],
  user: '65532',
  source: `${ISTIO_SOURCE}; docker/iptables.yaml (apko: Wolfi packages iptables, ip6tables, nftables, glibc; no shell; run-as 65532); wolfi-dev/os iptables.yaml @ 00534b3659f562ef9461b98d3a1775c2c91773e8 (--sbindir=/sbin; package tests run iptables-restore, iptables-legacy-restore, iptables-nft-restore and the ip6tables subpackage's ip6tables-restore, -legacy-restore, -nft-restore by name)`,
};

const AWS_CLI_AL2: Omit<ImageFacts, 'repository' | 'tags'> = {
  shell: '/bin/sh',
  bash: true,
  binaries: ['/usr/local/bin/aws', 'aws', ...AL2, 'less'],
  absent: AL2_ABSENT,
  source: `aws/aws-cli docker/Dockerfile @ 2.27.50 (e0b51301c79fe8bde05fabd9cb2162dc4cac39fd): FROM public.ecr.aws/amazonlinux/amazonlinux:2 + yum install less groff, aws in /usr/local/bin, ENTRYPOINT /usr/local/bin/aws, no USER (root); ${AL2_SOURCE}`,
};
const AWS_CLI_AL2023: Omit<ImageFacts, 'repository' | 'tags'> = {
  shell: '/bin/sh',
  bash: true,
  binaries: ['/usr/local/bin/aws', 'aws', ...AL2023, 'less', 'find', 'xargs', 'jq'],
  absent: AL2023_ABSENT.filter(b => b !== 'find' && b !== 'xargs'),
  source: `aws/aws-cli docker/Dockerfile on branch v2 @ 73fb33bb171ace3e9eaa03308f76e5de50c21393: FROM public.ecr.aws/amazonlinux/amazonlinux:2023 since 2.27.51 (commit 54b1fc31c86b40dfef4cb3858c0f689bf84baeef, aws/aws-cli#9551) + dnf install less groff findutils jq (aws/aws-cli#9600), ENTRYPOINT /usr/local/bin/aws, no USER (root); ${AL2023_SOURCE}`,
};

const BUSYBOX: Omit<ImageFacts, 'repository' | 'tags'> = {
  architectures: ['amd64', 'arm', 'arm64', '386', 'mips64le', 'ppc64le', 's390x'],
  architecturesSource: 'docker-library/official-images library/busybox @ 01fe87cdd608348939826acd8ad7236b74b5b21c: every variant lists arm64v8 (shape read at 1.32)',
  shell: '/bin/sh',
  bash: false,
  binaries: BUSYBOX_137,
  absent: ['bash', 'curl'],
  source: BUSYBOX_SOURCE,
};

/**
 * The OpenTelemetry Operator's autoinstrumentation images (java, nodejs, python, dotnet): busybox
 * with the agent under /javaagent.jar or /autoinstrumentation, no USER (root by default; the
 * library runs their `cp` as its own UID). open-telemetry/opentelemetry-operator
 * autoinstrumentation/{java,nodejs,python,dotnet}/Dockerfile @ be894441 (FROM busybox 1.38).
 */
const OTEL_AUTOINSTRUMENTATION: Omit<ImageFacts, 'repository' | 'tags'> = {
  shell: '/bin/sh',
  bash: false,
  binaries: BUSYBOX_137,
  absent: ['bash', 'curl'],
  source: 'open-telemetry/opentelemetry-operator autoinstrumentation/{java,nodejs,python,dotnet}/Dockerfile @ be8944414a876f17fcdeb5a59b86b8866fb5c88e (FROM busybox)',
};

/** aws-cli 2.x up to 2.27.50 (Amazon Linux 2) and from 2.27.51 on (Amazon Linux 2023). */
const AWS_CLI_AL2_TAGS = /^2\.(?:\d|1\d|2[0-6])\.\d+$|^2\.27\.(?:\d|[1-4]\d|50)$/;
const AWS_CLI_AL2023_TAGS = /^2\.27\.(?:5[1-9]|[6-9]\d|\d{3,})$|^2\.(?:2[89]|[3-9]\d|\d{3,})\.\d+$/;

export const IMAGE_FACTS: readonly ImageFacts[] = [
  // Envoy. Ubuntu-based images: default, debug, contrib, contrib-debug, tools (new and old tag styles).
  { repository: 'envoyproxy/envoy', tags: new RegExp(`^(?:(?:debug|contrib|contrib-debug|tools)-)?${ENVOY_VERSION}$`), ...ENVOY_UBUNTU },
  { repository: 'envoyproxy/envoy-contrib', tags: new RegExp(`^${ENVOY_VERSION}$`), ...ENVOY_UBUNTU },
  { repository: 'envoyproxy/envoy-debug', tags: new RegExp(`^${ENVOY_VERSION}$`), ...ENVOY_UBUNTU },
  { repository: 'envoyproxy/envoy-contrib-debug', tags: new RegExp(`^${ENVOY_VERSION}$`), ...ENVOY_UBUNTU },
  { repository: 'envoyproxy/envoy-tools', tags: new RegExp(`^${ENVOY_VERSION}$`), ...ENVOY_UBUNTU },
  // Envoy distroless: `envoyproxy/envoy:distroless-v1.x.y` (new style) and `envoyproxy/envoy-distroless:v1.x.y`.
  { repository: 'envoyproxy/envoy', tags: new RegExp(`^distroless-${ENVOY_VERSION}$`), ...ENVOY_DISTROLESS },
  { repository: 'envoyproxy/envoy-distroless', tags: new RegExp(`^${ENVOY_VERSION}$`), ...ENVOY_DISTROLESS },

  // Vault (Docker Hub image, Alpine).
  { repository: 'hashicorp/vault', tags: /^[12]\.\d+\.\d+$/, ...VAULT },

  // Fluent Bit 3.x–5.x: distroless by default, Debian slim for -debug (also on cr.fluentbit.io).
  { repository: 'fluent/fluent-bit', tags: /^[345]\.\d+\.\d+$/, ...FLUENT_BIT_DISTROLESS },
  { repository: 'fluent/fluent-bit', tags: /^[345]\.\d+\.\d+-debug$/, ...FLUENT_BIT_DEBUG },
  { repository: 'cr.fluentbit.io/fluent/fluent-bit', tags: /^[345]\.\d+\.\d+$/, ...FLUENT_BIT_DISTROLESS },
  { repository: 'cr.fluentbit.io/fluent/fluent-bit', tags: /^[345]\.\d+\.\d+-debug$/, ...FLUENT_BIT_DEBUG },
  // AWS for Fluent Bit 2.x (Amazon Linux 2).
  { repository: 'public.ecr.aws/aws-observability/aws-for-fluent-bit', tags: /^2\.\d+\.\d+(?:\.\d+)?$/, ...AWS_FOR_FLUENT_BIT },
  { repository: 'amazon/aws-for-fluent-bit', tags: /^2\.\d+\.\d+(?:\.\d+)?$/, ...AWS_FOR_FLUENT_BIT },

  // OPA 1.x: default and -static have no shell; -debug / -static-debug have a busybox shell.
  { repository: 'openpolicyagent/opa', tags: /^1\.\d+\.\d+(?:-static)?$/, ...OPA },
  { repository: 'openpolicyagent/opa', tags: /^1\.\d+\.\d+(?:-static)?-debug$/, ...OPA_DEBUG },
  // opa-envoy-plugin images on the same repository: <opa>-envoy[-rev][-static], <opa>-istio[-rev][-static].
  { repository: 'openpolicyagent/opa', tags: /^1\.\d+\.\d+-(?:envoy|istio)(?:-\d+)?(?:-static)?$/, ...OPA_ENVOY },

  // OpenTelemetry Collector contrib (scratch) and the AWS distribution (scratch).
  { repository: 'otel/opentelemetry-collector-contrib', tags: /^0\.\d+\.\d+$/, ...OTEL_CONTRIB },
  { repository: 'ghcr.io/open-telemetry/opentelemetry-collector-releases/opentelemetry-collector-contrib', tags: /^0\.\d+\.\d+$/, ...OTEL_CONTRIB },
  { repository: 'public.ecr.aws/aws-observability/aws-otel-collector', tags: /^v0\.\d+\.\d+$/, ...ADOT },
  { repository: 'amazon/aws-otel-collector', tags: /^v0\.\d+\.\d+$/, ...ADOT },

  // Dapr sidecar (distroless static nonroot; -mariner on CBL-Mariner distroless).
  { repository: 'daprio/daprd', tags: /^1\.\d+\.\d+$/, ...DAPRD },
  { repository: 'ghcr.io/dapr/daprd', tags: /^1\.\d+\.\d+$/, ...DAPRD },
  { repository: 'daprio/daprd', tags: /^1\.\d+\.\d+-mariner$/, ...DAPRD_MARINER },
  { repository: 'ghcr.io/dapr/daprd', tags: /^1\.\d+\.\d+-mariner$/, ...DAPRD_MARINER },

  // X-Ray daemon: Docker Hub image is Amazon Linux based, the public ECR one is scratch.
  { repository: 'amazon/aws-xray-daemon', tags: /^3\.\d+\.\d+$|^3\.x$/, ...XRAY_HUB },
  { repository: 'public.ecr.aws/xray/aws-xray-daemon', tags: /^3\.\d+\.\d+$|^3\.x$/, ...XRAY_ECR },

  // Istio proxy (used for the iptables redirect init container).
  { repository: 'istio/proxyv2', tags: /^1\.2\d\.\d+$/, ...ISTIO_PROXY },
  { repository: 'gcr.io/istio-release/proxyv2', tags: /^1\.2\d\.\d+$/, ...ISTIO_PROXY },
  { repository: 'istio/proxyv2', tags: /^1\.2\d\.\d+-distroless$/, ...ISTIO_PROXY_DISTROLESS },
  { repository: 'gcr.io/istio-release/proxyv2', tags: /^1\.2\d\.\d+-distroless$/, ...ISTIO_PROXY_DISTROLESS },

  // BusyBox 1.37 (glibc variant; ECR Public mirrors the Docker official image).
  { repository: 'busybox', tags: /^1\.37(?:\.0)?(?:-glibc)?$/, ...BUSYBOX },
  // The Kubernetes pause image (the Compose binder's namespace holder): a scratch image with the static
  // /pause binary and nothing else, USER 65535:65535 (kubernetes/kubernetes build/pause/Dockerfile and
  // Makefile, tag 3.10: ADD bin/pause-linux-${ARCH} /pause; ENTRYPOINT ["/pause"]).
  { repository: 'registry.k8s.io/pause', tags: /^3\.10(?:\.\d+)?$/, bash: false, binaries: ['/pause'], user: '65535', source: 'kubernetes/kubernetes build/pause/Dockerfile (FROM scratch, ADD bin/pause-linux-${ARCH} /pause, USER 65535:65535) and build/pause/Makefile TAG 3.10' },
  { repository: 'public.ecr.aws/docker/library/busybox', tags: /^1\.37(?:\.0)?(?:-glibc)?$/, ...BUSYBOX },

  // OpenTelemetry Operator autoinstrumentation images (OtelInstrumentation's init step runs their cp).
  { repository: 'ghcr.io/open-telemetry/opentelemetry-operator/autoinstrumentation-java', tags: /^\d+\.\d+\.\d+$/, ...OTEL_AUTOINSTRUMENTATION },
  { repository: 'ghcr.io/open-telemetry/opentelemetry-operator/autoinstrumentation-nodejs', tags: /^\d+\.\d+\.\d+$/, ...OTEL_AUTOINSTRUMENTATION },
  { repository: 'ghcr.io/open-telemetry/opentelemetry-operator/autoinstrumentation-python', tags: /^\d+\.\d+(?:\.\d+)?(?:b\d+)?$/, ...OTEL_AUTOINSTRUMENTATION },
  { repository: 'ghcr.io/open-telemetry/opentelemetry-operator/autoinstrumentation-dotnet', tags: /^\d+\.\d+\.\d+$/, ...OTEL_AUTOINSTRUMENTATION },
  // The webserver SDK image (Apache HTTPD and nginx): alpine:latest, busybox applets (autoinstrumentation/apache-httpd/Dockerfile @ be894441).
  {
    repository: 'ghcr.io/open-telemetry/opentelemetry-operator/autoinstrumentation-apache-httpd',
    tags: /^\d+\.\d+\.\d+$/,
    ...OTEL_AUTOINSTRUMENTATION,
    binaries: ALPINE_BUSYBOX,
    source: 'open-telemetry/opentelemetry-operator autoinstrumentation/apache-httpd/Dockerfile @ be8944414a876f17fcdeb5a59b86b8866fb5c88e (FROM alpine:latest)',
  },

  // AWS CLI v2.
  { repository: 'public.ecr.aws/aws-cli/aws-cli', tags: AWS_CLI_AL2_TAGS, ...AWS_CLI_AL2 },
  { repository: 'amazon/aws-cli', tags: AWS_CLI_AL2_TAGS, ...AWS_CLI_AL2 },
  { repository: 'public.ecr.aws/aws-cli/aws-cli', tags: AWS_CLI_AL2023_TAGS, ...AWS_CLI_AL2023 },
  { repository: 'amazon/aws-cli', tags: AWS_CLI_AL2023_TAGS, ...AWS_CLI_AL2023 },
];

/** Docker Hub spellings that name the same repository as the bare path. */
const HUB_PREFIXES = ['docker.io/library/', 'docker.io/', 'index.docker.io/library/', 'index.docker.io/', 'registry-1.docker.io/library/', 'registry-1.docker.io/'];

/** Splits an image reference into its normalised repository and tag (undefined when it has none). */
export function parseImage(image: string): { readonly repository: string; readonly tag?: string; readonly digest?: string } {
  let rest = image.trim();
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  for (const prefix of HUB_PREFIXES) {
    if (rest.startsWith(prefix)) {
      rest = rest.slice(prefix.length);
      break;
    }
  }
  if (rest.startsWith('library/')) { rest = rest.slice('library/'.length); }
  return { repository: rest, tag, digest };
}

/**
 * Looks up the facts of an image reference (e.g. 'docker.io/envoyproxy/envoy:v1.39.1'); undefined
 * when unknown or pinned by digest only. A reference without tag or digest means `latest`, which
 * no row vouches for (its content moves), so it is unknown too.
 */
export function imageFacts(image: string): ImageFacts | undefined {
  // An image known only at deployment (a CDK token) is an unknown image.
  if (stringHasToken(image)) { return undefined; }
  const ref = parseImage(image);
  if (ref.tag === undefined) { return undefined; }
  const tag = ref.tag;
  return IMAGE_FACTS.find(row => row.repository === ref.repository && row.tags.test(tag));
}

/**
 * The CPU architectures `image` is known to be published for, with where that was read; undefined
 * when the image or its architectures are unknown.
 */
export function imageArchitectures(image: string): { readonly architectures: readonly string[]; readonly source: string } | undefined {
  const facts = imageFacts(image);
  return facts?.architectures ? { architectures: facts.architectures, source: facts.architecturesSource ?? facts.source } : undefined;
}
