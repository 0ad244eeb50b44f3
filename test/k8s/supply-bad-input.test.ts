/**
 * The bad-input guard (issue 10, section 4) for the constructs generated around the pods for the
 * supply chain and pod security (issue 14): every prop gets the values of the wrong runtime type of
 * test/bad-input/harness.ts WRONG; each case must end in a catalogued SidecarError naming the
 * construct path and the prop (none of these values makes a valid output). Kept here rather than in
 * the PROPS table of bad-input.test.ts, whose harness composes sidecars on all three platforms.
 */
import { Chart, Testing } from 'cdk8s';
import { Construct } from 'constructs';
import { rawDeployment, synth } from './util';
import { FluentBitOutput, FluentBitSidecar } from '../../src';
import { SidecarError } from '../../src/core/errors';
import { ImageAttestor, PodSecurityCheck, PodSecurityNamespace, SidecarImageVerification, WorkloadSidecars } from '../../src/k8s';
import { PropKind, WRONG } from '../bad-input/harness';

interface Case {
  readonly make: (scope: Construct, id: string, props: any) => unknown;
  readonly base: any;
  readonly props: { [prop: string]: PropKind };
}

const KEYLESS = ImageAttestor.keyless({ issuer: 'https://token.actions.githubusercontent.com', subject: 'https://github.com/acme/x/.github/workflows/r.yaml@refs/heads/main' });

const CASES: { [construct: string]: Case } = {
  PodSecurityCheck: {
    make: (s, id, p) => new PodSecurityCheck(s, id, p),
    base: {},
    props: { workloads: 'array', require: 'enum', version: 'string' },
  },
  PodSecurityNamespace: {
    make: (s, id, p) => new PodSecurityNamespace(s, id, p),
    base: { name: 'shop' },
    props: { name: 'string', namespace: 'object', enforce: 'enum', audit: 'enum', warn: 'enum', version: 'string' },
  },
  SidecarImageVerification: {
    make: (s, id, p) => new SidecarImageVerification(s, id, p),
    base: { attestors: [KEYLESS] },
    props: {
      attestors: 'array',
      workloads: 'array',
      name: 'string',
      failureAction: 'enum',
      mutateDigest: 'boolean',
      verifyDigest: 'boolean',
      required: 'boolean',
      imageValidatingPolicy: 'boolean',
    },
  },
};

function attempt(c: Case, props: any): string | undefined {
  const chart = new Chart(Testing.app(), 'web');
  WorkloadSidecars.of(rawDeployment(chart, 'api')).add(new FluentBitSidecar(chart, 'logs', { outputs: [FluentBitOutput.stdout()] }));
  try {
    c.make(chart, 'subject', props);
    synth(chart);
    return undefined;
  } catch (e) {
    return e instanceof SidecarError ? e.message : `crash: ${(e as Error).message}`;
  }
}

describe('bad inputs of the supply-chain and pod-security constructs', () => {
  for (const [name, c] of Object.entries(CASES)) {
    test(`${name}: base props synthesize`, () => expect(attempt(c, c.base)).toBeUndefined());
    for (const [prop, kind] of Object.entries(c.props)) {
      test.each(WRONG[kind])(`${name} ${prop}=%s`, (_label, value) => {
        const message = attempt(c, { ...c.base, [prop]: value });
        expect(message).toBeDefined();
        expect(message).not.toMatch(/^crash:/);
        expect(message).toContain(`web/subject: ${prop}`);
      });
    }
  }
});
