import { Construct } from 'constructs';
import { CloudRunService } from './service';
import { synthDocuments } from '../core/document-binders';

/** Props of a CloudRunApp. */
export interface CloudRunAppProps {
  /**
   * Folder the service files are written to.
   * @default - $CLOUDRUN_OUTDIR, else "dist"
   */
  readonly outdir?: string;
}

/**
 * The root of a Google Cloud Run app: `synth()` writes, for every `CloudRunService` in it,
 * `<name>.cloudrun.yaml` (for `gcloud run services replace`) and, beside it, one file per
 * generated config file, to be created as a Secret Manager secret (the YAML's header says how).
 */
export class CloudRunApp extends Construct {
  /** Output folder. */
  public readonly outdir: string;

  constructor(props: CloudRunAppProps = {}) {
    super(undefined as any, '');
    this.outdir = props.outdir ?? process.env.CLOUDRUN_OUTDIR ?? 'dist';
  }

  /** The services of the app. */
  public get services(): CloudRunService[] {
    return this.node.findAll().filter((c): c is CloudRunService => c instanceof CloudRunService);
  }

  /**
   * Writes the YAML of every service and the files of its generated secrets.
   * @returns the files written
   */
  public synth(): string[] {
    return synthDocuments(this.outdir, this.services, (service, file) => {
      file(`${service.name}.cloudrun.yaml`, service.toYaml());
      for (const s of service.generatedSecrets) { file(s.fileName, s.content); }
    });
  }
}
