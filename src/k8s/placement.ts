/**
 * Where the workload's own init containers go relative to the injected containers.
 */
export enum AppInitContainerPlacement {
  /**
   * The workload's init containers run first, before any injected container: they
   * see the pod as written (for example without traffic redirection), but cannot
   * use the sidecars.
   */
  BEFORE_SIDECARS = 'BEFORE_SIDECARS',
  /**
   * The workload's init containers run after the injected ones (native mode: while
   * the sidecars run), so they can use them (for example secrets rendered by an
   * agent, or the proxy).
   */
  AFTER_SIDECARS = 'AFTER_SIDECARS',
}
