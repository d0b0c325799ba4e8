/**
 * Which layers made a document: the canary whose candidate replaced the base (etcd only), and
 * the overlays merged over it, in the order they were applied. An instance without layers runs
 * `{ overlays: [] }`.
 */
export interface ConfigVariant {
  /** The id of the canary this instance is a member of, when its candidate is the document. */
  canary?: string;
  /** Overlay names as the source knows them (etcd: `<name>` of `K/overlays/<name>`; file: the path as given). */
  overlays: readonly string[];
}
