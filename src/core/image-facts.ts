/**
 * PLACEHOLDER: replaced by the researched table (wip/facts).
 * What third-party images really ship, each row citing its upstream source.
 */
export interface ImageFacts {
  readonly repository: string;
  readonly tags: RegExp;
  readonly shell?: string;
  readonly bash: boolean;
  readonly binaries: readonly string[];
  readonly user?: string;
  readonly source: string;
}

export const IMAGE_FACTS: readonly ImageFacts[] = [];

export function imageFacts(image: string): ImageFacts | undefined {
  const at = image.indexOf('@');
  const ref = at === -1 ? image : image.slice(0, at);
  const colon = ref.lastIndexOf(':');
  const slash = ref.lastIndexOf('/');
  if (colon === -1 || colon < slash) { return undefined; }
  const repository = ref.slice(0, colon).replace(/^docker\.io\/(library\/)?/, '');
  const tag = ref.slice(colon + 1);
  return IMAGE_FACTS.find(f => f.repository === repository && f.tags.test(tag));
}
