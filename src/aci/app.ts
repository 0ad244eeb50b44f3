import { AciContainerGroup } from './container-group';
import { _DocumentApp, documentsOf, synthDocuments } from '../core/document-binders';

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
export class AciApp extends _DocumentApp {
  constructor(props: AciAppProps = {}) {
    super(props.outdir, 'ACI_OUTDIR');
  }

  /** The container groups of the app. */
  public get groups(): AciContainerGroup[] {
    return documentsOf(this, AciContainerGroup);
  }

  /**
   * Writes the ARM template and the ACI YAML of every group.
   * @returns the files written
   */
  public synth(): string[] {
    return synthDocuments(this.outdir, this.groups, (group, file) => {
      file(`${group.name}.arm.json`, `${JSON.stringify(group.toArmTemplate(), null, 2)}\n`);
      file(`${group.name}.aci.yaml`, group.toYaml());
    });
  }
}
