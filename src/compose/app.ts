import { Construct } from 'constructs';
import { ComposeProject } from './project';
import { synthDocuments } from '../core/document-binders';

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
export class ComposeApp extends Construct {
  /** Output folder. */
  public readonly outdir: string;

  constructor(props: ComposeAppProps = {}) {
    super(undefined as any, '');
    this.outdir = props.outdir ?? process.env.COMPOSE_OUTDIR ?? 'dist';
  }

  /** The projects of the app. */
  public get projects(): ComposeProject[] {
    return this.node.findAll().filter((c): c is ComposeProject => c instanceof ComposeProject);
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
