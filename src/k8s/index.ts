export * from './placement';
export * from './target';
export * from './workload-sidecars';
export * from './injector';
export * from './network-policy';
export * from './canary';
export * from './disruption-budget';
export * from './readiness-gates';
export * from './monitoring';
export * from './alert-rules';
export {
  PodSecurityLevel, PodSecurityViolation, PodSecurityEvaluation, WorkloadPodSecurity, PodSecurityStandards,
  PodSecurityCheckProps, PodSecurityCheck,
} from './pod-security-standards';
export { PodSecurityNamespaceProps, PodSecurityNamespace } from './pod-security-namespace';
export {
  ImageVerificationAction, ImageAttestorKeyOptions, ImageAttestorKeylessOptions, ImageAttestor,
  SidecarImageVerificationProps, SidecarImageVerification,
} from './image-verification';
