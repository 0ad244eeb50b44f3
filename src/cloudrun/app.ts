import { CloudRunService } from './service';
import { _DocumentApp, documentsOf, synthDocuments } from '../core/document-binders';

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
export class CloudRunApp extends _DocumentApp {
  constructor(props: CloudRunAppProps = {}) {
    super(props.outdir, 'CLOUDRUN_OUTDIR');
  }

  /** The services of the app. */
  public get services(): CloudRunService[] {
    return documentsOf(this, CloudRunService);
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
