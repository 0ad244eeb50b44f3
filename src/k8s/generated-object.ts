import { ApiObject, ApiObjectProps, Lazy } from 'cdk8s';
import { Construct } from 'constructs';

/**
 * An ApiObject whose `spec` is computed at synthesis, before cdk8s serializes the object: cdk8s
 * wraps whatever a Lazy value throws in a plain Error ("Failed serializing construct ..."), so a
 * catalogued error would reach the user without its code. The spec is produced first, outside
 * that wrapping, and then resolved as a Lazy value, so JSON patches on the object still apply.
 * Internal: not exported from the package.
 */
export class GeneratedObject extends ApiObject {
  private current?: { readonly spec: unknown };

  constructor(scope: Construct, id: string, props: ApiObjectProps, private readonly produceSpec: () => unknown) {
    super(scope, id, { ...props, spec: Lazy.any({ produce: () => (this.current ?? { spec: this.produceSpec() }).spec }) });
  }

  public toJson(): any {
    this.current = { spec: this.produceSpec() };
    try {
      return super.toJson();
    } finally {
      this.current = undefined;
    }
  }
}
