/**
 * What one task's sidecars make of its app containers, kept for the next task with the same
 * ones. An app often gives one set of sidecars to many task definitions whose app containers
 * are alike; composing the pod and checking it (task size, ephemeral storage, the run-time
 * contract, the config writer's plan) gives the same answer for the same inputs, so a later
 * task reuses it and only what depends on its own place (image policy, architecture, Service
 * Connect, notes and warnings, the containers themselves) is done again.
 *
 * Kept per app (the construct tree's root), so that it goes with the app, and only for
 * sidecars whose description depends on the pod alone (declareDeterministic). A task that fails
 * a check leaves nothing behind: only a render that finished is remembered.
 */
import { IConstruct } from 'constructs';
import { ComposedPod, isDeterministic } from '../core/composition';
import { ISidecar } from '../core/contribution';

/** The most compositions kept per app; beyond it, tasks are composed and checked each time. */
export const TASK_PLANS_SIZE = 256;

/** A pod composed once, with the checks it passed for each set of task settings (by their key). */
export interface ComposedTask<Checked> {
  readonly pod: ComposedPod;
  readonly checked: ReadonlyMap<string, Checked>;
}

interface Entry<Checked> {
  readonly sidecars: readonly ISidecar[];
  readonly pod: ComposedPod;
  readonly checked: Map<string, Checked>;
}

const perApp = new WeakMap<IConstruct, TaskPlans<any>>();

/** The compositions of one app, by the app containers' key and the sidecars attached. */
export class TaskPlans<Checked> {
  /** The plans of the app `scope` is in; undefined where a sidecar's description is not known to depend on the pod alone. */
  public static of<Checked>(scope: IConstruct, sidecars: readonly ISidecar[]): TaskPlans<Checked> | undefined {
    if (!sidecars.every(isDeterministic)) { return undefined; }
    const root = scope.node.root;
    let plans = perApp.get(root);
    if (!plans) {
      plans = new TaskPlans();
      perApp.set(root, plans);
    }
    return plans;
  }

  private readonly byApp = new Map<string, Array<Entry<Checked>>>();
  private size = 0;

  /** The pod composed for the same app containers (`appKey`) and the same sidecars, in order. */
  public find(appKey: string, sidecars: readonly ISidecar[]): ComposedTask<Checked> | undefined {
    return this.byApp.get(appKey)?.find(e => e.sidecars.length === sidecars.length && e.sidecars.every((s, i) => s === sidecars[i]));
  }

  /** Keeps `pod` (as composed for `appKey` and `sidecars`) with the checks it passed under `checksKey`. */
  public remember(appKey: string, sidecars: readonly ISidecar[], pod: ComposedPod, checksKey: string, checked: Checked): void {
    const known = this.find(appKey, sidecars) as Entry<Checked> | undefined;
    if (known) {
      if (known.checked.size < TASK_PLANS_SIZE) { known.checked.set(checksKey, checked); }
      return;
    }
    if (this.size >= TASK_PLANS_SIZE) { return; }
    const entries = this.byApp.get(appKey) ?? [];
    entries.push({ sidecars: [...sidecars], pod, checked: new Map([[checksKey, checked]]) });
    this.byApp.set(appKey, entries);
    this.size++;
  }
}
