import { ComposeProject } from './project';
import { _DocumentApp, documentsOf, synthDocuments } from '../core/document-binders';

/** Props of a ComposeApp. */
export interface ComposeAppProps {
  /**
   * Folder the Compose files are written to.
   * @default - $COMPOSE_OUTDIR, else "dist"
   */
  readonly outdir?: string;
}

/**
 * The root of a Docker Compose app: `synth()` writes, for every `ComposeProject` in it,
 * `<name>.compose.yaml` (and `<name>.secrets/` for generated secret files).
 */
export class ComposeApp extends _DocumentApp {
  constructor(props: ComposeAppProps = {}) {
    super(props.outdir, 'COMPOSE_OUTDIR');
  }

  /** The projects of the app. */
  public get projects(): ComposeProject[] {
    return documentsOf(this, ComposeProject);
  }

  /**
   * Writes the Compose file of every project.
   * @returns the files written
   */
  public synth(): string[] {
    return synthDocuments(this.outdir, this.projects, (project, file) => {
      file(`${project.name}.compose.yaml`, project.toYaml());
      // Read by the container's user through a bind mount (Compose secrets outside Swarm), so world-readable: local development only.
      for (const [rel, content] of Object.entries(project.generatedSecretFiles())) { file(rel, content, 0o644); }
    });
  }
}
