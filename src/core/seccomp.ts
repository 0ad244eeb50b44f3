/**
 * Localhost seccomp profiles: a syscall filter the library writes as an OCI runtime-spec
 * `linux.seccomp` document (opencontainers/runtime-spec v1.3.0 schema/config-linux.json and
 * schema/defs-linux.json), for the user to install on each node under the kubelet's seccomp
 * root (`<kubelet root-dir>/seccomp`, by default /var/lib/kubelet/seccomp; a Localhost
 * `localhostProfile` is a path relative to it: core/v1 SeccompProfile in the Kubernetes API).
 * Platform-neutral: no cdk8s or aws-cdk-lib import.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Errors } from './errors';
import { checkPropTypes } from './prop-types';
import { DOCKER_DEFAULT_ALLOWED, DOCKER_DEFAULT_CONDITIONAL } from './seccomp-default';

/**
 * What the kernel does with a matching system call (runtime-spec defs-linux.json SeccompAction).
 */
export enum SeccompAction {
  /** Allow the call. */
  ALLOW = 'SCMP_ACT_ALLOW',
  /** Fail the call with an errno (`errnoRet`, else the profile's `defaultErrnoRet`, else EPERM). */
  ERRNO = 'SCMP_ACT_ERRNO',
  /** Kill the whole process. */
  KILL_PROCESS = 'SCMP_ACT_KILL_PROCESS',
  /** Kill the calling thread. */
  KILL_THREAD = 'SCMP_ACT_KILL_THREAD',
  /** Send SIGSYS to the caller. */
  TRAP = 'SCMP_ACT_TRAP',
  /** Allow the call and log it (audit log): for finding what a container calls. */
  LOG = 'SCMP_ACT_LOG',
}

/**
 * A CPU architecture the filter covers (runtime-spec defs-linux.json SeccompArch).
 */
export enum SeccompArchitecture {
  /** 64-bit x86. */
  X86_64 = 'SCMP_ARCH_X86_64',
  /** 32-bit x86 (i386 binaries on x86_64). */
  X86 = 'SCMP_ARCH_X86',
  /** x32 ABI on x86_64. */
  X32 = 'SCMP_ARCH_X32',
  /** 64-bit Arm. */
  AARCH64 = 'SCMP_ARCH_AARCH64',
  /** 32-bit Arm (binaries on aarch64). */
  ARM = 'SCMP_ARCH_ARM',
}

/**
 * How a system call argument is compared (runtime-spec defs-linux.json SeccompOperators).
 */
export enum SeccompOperator {
  /** argument == value */
  EQUAL_TO = 'SCMP_CMP_EQ',
  /** argument != value */
  NOT_EQUAL = 'SCMP_CMP_NE',
  /** argument < value */
  LESS_THAN = 'SCMP_CMP_LT',
  /** argument <= value */
  LESS_OR_EQUAL = 'SCMP_CMP_LE',
  /** argument > value */
  GREATER_THAN = 'SCMP_CMP_GT',
  /** argument >= value */
  GREATER_OR_EQUAL = 'SCMP_CMP_GE',
  /** (argument & value) == valueTwo */
  MASKED_EQUAL = 'SCMP_CMP_MASKED_EQ',
}

/**
 * A condition on one argument of a system call (runtime-spec SyscallArg).
 */
export interface SeccompArgumentCondition {
  /** Index of the argument (0 to 5). */
  readonly index: number;
  /** The value compared with (or the mask, for MASKED_EQUAL). */
  readonly value: number;
  /**
   * The second value: the expected result of the mask, for MASKED_EQUAL (e.g. moby's clone rule
   * masks the namespace flags and expects 0).
   * @default - none: 0 for the runtime
   */
  readonly valueTwo?: number;
  /** The comparison. */
  readonly op: SeccompOperator;
}

/**
 * A rule of the filter: the action for some system calls (runtime-spec Syscall).
 */
export interface SeccompSyscallRule {
  /** System call names, e.g. `mount`. */
  readonly names: string[];
  /** The action. */
  readonly action: SeccompAction;
  /**
   * The errno returned, for ERRNO (e.g. 1 = EPERM, 38 = ENOSYS).
   * @default - the profile's defaultErrnoRet
   */
  readonly errnoRet?: number;
  /**
   * Conditions on the arguments (all must hold).
   * @default - none: the rule matches every call of the names
   */
  readonly args?: SeccompArgumentCondition[];
}

/**
 * How a Localhost profile reaches the nodes: it decides the path pods name.
 */
export enum SeccompProfileDelivery {
  /**
   * You copy the file `writeTo` writes into the kubelet's seccomp root of every node (node
   * image, DaemonSet, configuration management); pods name `cdk-sidecars-<name>.seccomp.json`.
   */
  NODE_FILE = 'NODE_FILE',
  /**
   * The Security Profiles Operator writes it on every node from a `SeccompProfile` object
   * (Kubernetes: the `SeccompProfileObject` construct); pods name `operator/cdk-sidecars-<name>.json`,
   * where SPO v1.0.0 writes a cluster-scoped profile (api/seccompprofile/v1 GetProfilePath:
   * `<kubelet seccomp root>/operator/<namespace>/<name>.json`, no namespace for the cluster-scoped v1 kind).
   */
  SECURITY_PROFILES_OPERATOR = 'SECURITY_PROFILES_OPERATOR',
}

/**
 * Props of a Localhost seccomp profile.
 */
export interface LocalhostSeccompProfileProps {
  /**
   * The profile's name: lowercase letters, digits, '-' and '.' (at most 200 characters). It makes
   * the file name `cdk-sidecars-<name>.json`.
   */
  readonly name: string;
  /**
   * What happens to a call no rule matches.
   * @default SeccompAction.ERRNO
   */
  readonly defaultAction?: SeccompAction;
  /**
   * The errno of the default action when it is ERRNO.
   * @default 1 (EPERM)
   */
  readonly defaultErrnoRet?: number;
  /**
   * The architectures the filter covers.
   * @default - x86_64, x86, x32, aarch64 and arm (Docker's archMap for amd64 and arm64)
   */
  readonly architectures?: SeccompArchitecture[];
  /**
   * The rules, in order.
   * @default - none
   */
  readonly syscalls?: SeccompSyscallRule[];
  /**
   * How the profile reaches the nodes.
   * @default SeccompProfileDelivery.NODE_FILE
   */
  readonly delivery?: SeccompProfileDelivery;
}

/**
 * Options of the built-in profile derived from Docker's default.
 */
export interface DockerDefaultSeccompOptions {
  /**
   * System calls taken out of the allow list (they fail with EPERM), e.g. `unshare` or `mount`.
   * @default - none
   */
  readonly denySyscalls?: string[];
  /**
   * Rules added after the default ones (e.g. allowing a call the default list lacks).
   * @default - none
   */
  readonly extraRules?: SeccompSyscallRule[];
  /**
   * How the profile reaches the nodes.
   * @default SeccompProfileDelivery.NODE_FILE
   */
  readonly delivery?: SeccompProfileDelivery;
}

/** Where the kubelet looks for Localhost profiles: paths are relative to it (core/v1 SeccompProfile.localhostProfile). */
export const KUBELET_SECCOMP_ROOT = '/var/lib/kubelet/seccomp';

const DEFAULT_ARCHITECTURES = [SeccompArchitecture.X86_64, SeccompArchitecture.X86, SeccompArchitecture.X32,
  SeccompArchitecture.AARCH64, SeccompArchitecture.ARM];
const NAME = /^[a-z0-9]([-a-z0-9.]{0,198}[a-z0-9])?$/;
const SYSCALL = /^[a-z0-9_]{1,64}$/;
/** Largest value a JSON number written by JavaScript keeps exactly (runtime-spec: uint64). */
const MAX_EXACT = Number.MAX_SAFE_INTEGER;

/**
 * A seccomp profile installed on the nodes (Kubernetes `seccompProfile.type: Localhost`).
 * The library writes it as OCI runtime-spec JSON (what containerd and CRI-O read; the Docker-only
 * keys `archMap`, `includes` and `excludes` are never written: containerd ignores them, so a
 * conditional rule would apply unconditionally there). Install the file with `writeTo` output
 * under the kubelet's seccomp root on every node the pod can run on (a DaemonSet, the node image,
 * or the Security Profiles Operator); a pod whose profile is missing fails to start its container.
 * ECS Fargate and ACI take no custom profile: the binders refuse it.
 *
 * @example
 * const profile = LocalhostSeccompProfile.dockerDefault('sidecars', { denySyscalls: ['unshare'] });
 * profile.writeTo('dist'); // dist/cdk-sidecars-sidecars.seccomp.json
 */
export class LocalhostSeccompProfile {
  /**
   * Docker's default profile as it applies to a container without capabilities (every sidecar
   * here drops ALL), without ptrace, process_vm_readv and process_vm_writev, with
   * `denySyscalls` taken out: an allow list, every other call fails with EPERM.
   * @param name the profile's name
   * @param options calls to deny and rules to add
   */
  public static dockerDefault(name: string, options?: DockerDefaultSeccompOptions): LocalhostSeccompProfile {
    const where = `LocalhostSeccompProfile ${JSON.stringify(name)}`;
    checkPropTypes(where, options ?? {}, { denySyscalls: 'stringArray', extraRules: 'objectArray', delivery: { enum: SeccompProfileDelivery } }, []);
    const deny = options?.denySyscalls ?? [];
    const known = new Set([...DOCKER_DEFAULT_ALLOWED, ...DOCKER_DEFAULT_CONDITIONAL.flatMap(r => r.names)]);
    deny.forEach((call, i) => {
      if (!known.has(call)) {
        throw Errors.invalidRole(where, `denySyscalls[${i}]`, call, 'is not allowed by the default profile, so denying it changes nothing',
          'Name a system call the default profile allows (Docker\'s default for a container without capabilities), or leave it out');
      }
    });
    const keep = (names: readonly string[]) => names.filter(n => !deny.includes(n));
    const rules: SeccompSyscallRule[] = [
      { names: keep(DOCKER_DEFAULT_ALLOWED), action: SeccompAction.ALLOW },
      ...DOCKER_DEFAULT_CONDITIONAL
        .map(r => ({ ...r, names: keep(r.names) }))
        .filter(r => r.names.length > 0)
        .map(r => ({
          names: [...r.names],
          action: r.action as SeccompAction,
          ...(r.errnoRet !== undefined ? { errnoRet: r.errnoRet } : {}),
          ...(r.args ? { args: r.args.map(a => ({ ...a, op: a.op as SeccompOperator })) } : {}),
        })),
      ...(options?.extraRules ?? []),
    ];
    return new LocalhostSeccompProfile({
      name, defaultAction: SeccompAction.ERRNO, defaultErrnoRet: 1, syscalls: rules, delivery: options?.delivery,
    });
  }

  /** The profile's name. */
  public readonly name: string;
  /** How the profile reaches the nodes. */
  public readonly delivery: SeccompProfileDelivery;
  /** The name of the file `writeTo` writes: `cdk-sidecars-<name>.seccomp.json`. */
  public readonly fileName: string;
  /**
   * The path relative to the kubelet's seccomp root that pods name (`seccompProfile.localhostProfile`):
   * the file name (NODE_FILE), or where the Security Profiles Operator writes it.
   */
  public readonly localhostProfile: string;
  private readonly props: LocalhostSeccompProfileProps;

  constructor(props: LocalhostSeccompProfileProps) {
    const where = `LocalhostSeccompProfile ${JSON.stringify(props?.name)}`;
    checkPropTypes(where, props, {
      name: 'string',
      defaultAction: { enum: SeccompAction },
      defaultErrnoRet: 'count',
      delivery: { enum: SeccompProfileDelivery },
      architectures: { enumArray: SeccompArchitecture },
      syscalls: {
        each: {
          names: 'stringArray',
          action: { enum: SeccompAction },
          errnoRet: 'count',
          args: { each: { index: 'count', value: 'number', valueTwo: 'number', op: { enum: SeccompOperator } }, required: ['index', 'value', 'op'] },
        },
        required: ['names', 'action'],
      },
    }, ['name']);
    if (!NAME.test(props.name)) {
      throw Errors.invalidName(where, 'name', props.name, 'a name of lowercase letters, digits, \'-\' and \'.\', at most 200, starting and ending with a letter or digit');
    }
    (props.syscalls ?? []).forEach((rule, i) => {
      if (rule.names.length === 0) {
        throw Errors.invalidRole(where, `syscalls[${i}].names`, rule.names, 'is empty', 'Name at least one system call');
      }
      rule.names.forEach((n, j) => {
        if (!SYSCALL.test(n)) {
          throw Errors.invalidRole(where, `syscalls[${i}].names[${j}]`, n, 'is not a system call name', 'Use the name as in syscalls(2), e.g. "mount"');
        }
      });
      if (rule.errnoRet !== undefined && rule.action !== SeccompAction.ERRNO) {
        throw Errors.invalidRole(where, `syscalls[${i}].errnoRet`, rule.errnoRet, `is set for action ${rule.action}, which returns no errno`,
          'Use SeccompAction.ERRNO, or leave errnoRet out');
      }
      (rule.args ?? []).forEach((a, j) => {
        if (a.index > 5) {
          throw Errors.invalidRole(where, `syscalls[${i}].args[${j}].index`, a.index, 'is not an argument index', 'Use 0 to 5 (system calls take at most six arguments)');
        }
        for (const [field, v] of [['value', a.value], ['valueTwo', a.valueTwo]] as const) {
          if (v !== undefined && (!Number.isInteger(v) || v < 0 || v > MAX_EXACT)) {
            throw Errors.invalidNumber(where, `syscalls[${i}].args[${j}].${field}`, v, `an integer from 0 to ${MAX_EXACT} (the runtime spec takes an unsigned 64-bit value; JSON written by JavaScript keeps integers up to 2^53 - 1 exact)`);
          }
        }
      });
    });
    if (props.defaultErrnoRet !== undefined && (props.defaultAction ?? SeccompAction.ERRNO) !== SeccompAction.ERRNO) {
      throw Errors.invalidRole(where, 'defaultErrnoRet', props.defaultErrnoRet, `is set for defaultAction ${props.defaultAction}, which returns no errno`,
        'Use SeccompAction.ERRNO, or leave defaultErrnoRet out');
    }
    this.props = props;
    this.name = props.name;
    this.delivery = props.delivery ?? SeccompProfileDelivery.NODE_FILE;
    this.fileName = `cdk-sidecars-${props.name}.seccomp.json`;
    this.localhostProfile = this.delivery === SeccompProfileDelivery.NODE_FILE ? this.fileName : `operator/${this.objectName}.json`;
  }

  /** The name of the Security Profiles Operator `SeccompProfile` object: `cdk-sidecars-<name>`. */
  public get objectName(): string {
    return `cdk-sidecars-${this.name}`;
  }

  /**
   * The profile as OCI runtime-spec `linux.seccomp` JSON.
   */
  public toJson(): any {
    const p = this.props;
    const action = p.defaultAction ?? SeccompAction.ERRNO;
    return {
      defaultAction: action,
      ...(action === SeccompAction.ERRNO ? { defaultErrnoRet: p.defaultErrnoRet ?? 1 } : {}),
      architectures: [...(p.architectures ?? DEFAULT_ARCHITECTURES)],
      syscalls: (p.syscalls ?? []).map(r => ({
        names: [...r.names],
        action: r.action,
        ...(r.errnoRet !== undefined ? { errnoRet: r.errnoRet } : {}),
        ...(r.args?.length ? {
          args: r.args.map(a => ({ index: a.index, value: a.value, ...(a.valueTwo !== undefined ? { valueTwo: a.valueTwo } : {}), op: a.op })),
        } : {}),
      })),
    };
  }

  /**
   * Writes the profile into `dir` as `fileName` (JSON) and returns the file's path.
   * Copy it to the kubelet's seccomp root (`/var/lib/kubelet/seccomp` by default) on every node.
   * @param dir an existing directory, e.g. the cdk8s output directory
   */
  public writeTo(dir: string): string {
    const file = path.join(dir, this.fileName);
    fs.writeFileSync(file, JSON.stringify(this.toJson(), null, 2) + '\n');
    return file;
  }
}
