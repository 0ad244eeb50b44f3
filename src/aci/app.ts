import * as fs from 'fs';
import * as path from 'path';
import { Construct } from 'constructs';
import { AciContainerGroup } from './container-group';

/** Props of an AciApp. */
export interface AciAppProps {
  /**
   * Folder the templates are written to.
   * @default - $ACI_OUTDIR, else "dist"
   */
  readonly outdir?: string;
}

/**
 * The root of an Azure Container Instances app: `synth()` writes, for every
 * `AciContainerGroup` in it, `<name>.arm.json` (ARM deployment template) and
 * `<name>.aci.yaml` (for `az container create --file`).
 */
export class AciApp extends Construct {
  /** Output folder. */
  public readonly outdir: string;

  constructor(props: AciAppProps = {}) {
    super(undefined as any, '');
    this.outdir = props.outdir ?? process.env.ACI_OUTDIR ?? 'dist';
  }

  /** The container groups of the app. */
  public get groups(): AciContainerGroup[] {
    return this.node.findAll().filter((c): c is AciContainerGroup => c instanceof AciContainerGroup);
  }

  /**
   * Writes the ARM template and the ACI YAML of every group.
   * @returns the files written
   */
  public synth(): string[] {
    fs.mkdirSync(this.outdir, { recursive: true });
    const files: string[] = [];
    for (const group of this.groups) {
      const arm = path.join(this.outdir, `${group.name}.arm.json`);
      fs.writeFileSync(arm, `${JSON.stringify(group.toArmTemplate(), null, 2)}\n`);
      const yaml = path.join(this.outdir, `${group.name}.aci.yaml`);
      fs.writeFileSync(yaml, group.toYaml());
      files.push(arm, yaml);
      for (const w of group.warnings) { process.stderr.write(`[cdk-sidecars] warning: ${w}\n`); }
      for (const n of group.notes) { process.stderr.write(`[cdk-sidecars] note: ${n}\n`); }
    }
    return files;
  }
}
