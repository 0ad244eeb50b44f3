import * as fs from 'fs';
import * as path from 'path';
import { Construct } from 'constructs';
import { ComposeProject } from './project';

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
    fs.mkdirSync(this.outdir, { recursive: true });
    const files: string[] = [];
    for (const project of this.projects) {
      const file = path.join(this.outdir, `${project.name}.compose.yaml`);
      fs.writeFileSync(file, project.toYaml());
      files.push(file);
      for (const [rel, content] of Object.entries(project.generatedSecretFiles())) {
        const target = path.join(this.outdir, rel);
        fs.mkdirSync(path.dirname(target), { recursive: true });
        // Read by the container's user through a bind mount (Compose secrets outside Swarm), so world-readable: local development only.
        fs.writeFileSync(target, content, { mode: 0o644 });
        files.push(target);
      }
      for (const w of project.warnings) { process.stderr.write(`[cdk-sidecars] warning: ${w}\n`); }
      for (const n of project.notes) { process.stderr.write(`[cdk-sidecars] note: ${n}\n`); }
    }
    return files;
  }
}
