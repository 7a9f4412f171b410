/**
 * What draft needs from the Kubernetes API. `ClientNodeKube` is the real one
 * (@kubernetes/client-node); `FakeKube` keeps objects in memory for unit tests.
 */
export interface KubeTarget {
  context: string
  cluster: string
  server: string
  user: string
  kubeconfig: string
}

/** The parts of a Deployment's status a rollout is judged on. */
export interface DeploymentState {
  name: string
  generation: number
  observedGeneration: number
  replicas: number
  updatedReplicas: number
  readyReplicas: number
  availableReplicas: number
  unavailableReplicas: number
  /** matchLabels as a label selector string. */
  selector: string
  conditions: {type: string; status: string; reason: string; message: string}[]
  /** Container ports of the pod template: what the newest pods will declare. */
  ports?: PortState[]
  /** Where the first container's probe looks (startup, else readiness, else liveness). */
  probe?: {port?: number; path?: string}
}

export interface PortState {
  container: string
  /** The port's name in the spec ("http"), or empty. */
  name: string
  port: number
  protocol: string
}

export interface ContainerState {
  name: string
  ready: boolean
  restartCount: number
  /** The process is running (whether or not its probes pass yet). */
  running?: boolean
  waiting?: {reason: string; message: string}
  terminated?: {reason: string; exitCode: number; message: string}
  /** The runtime's id of the current (or last) instance: it changes when the container restarts. */
  id?: string
}

export interface PodState {
  name: string
  phase: string
  /** Pod template hash: tells pods of the new ReplicaSet from the old. */
  templateHash: string
  image: string
  conditions: {type: string; status: string; reason: string; message: string}[]
  containers: ContainerState[]
  /** Deleted (metadata.deletionTimestamp is set), and waiting for its containers to stop. */
  terminating?: boolean
  /** A StatefulSet's pod: the controller revision it was made from (label controller-revision-hash). */
  revision?: string
  /** The node it runs on, once scheduled. */
  node?: string
  /** metadata.uid: a pod made again under the same name (a StatefulSet's) has a new one. */
  uid?: string
  /** metadata.creationTimestamp (RFC 3339). */
  created?: string
  /** The containers of the spec, in order (statuses are missing until the pod is scheduled). */
  containerNames?: string[]
  ports?: PortState[]
  /** Init containers (the chart's seeding and release phase), which must finish before the app starts. */
  initContainers?: ContainerState[]
  /** metadata.annotations (draft reads its own: live update writes what it synced there). */
  annotations?: Record<string, string>
}

/** Any Kubernetes object, as JSON: what the generic calls apply, read and delete. */
export interface KubeObject {
  apiVersion: string
  kind: string
  metadata: {name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>; [key: string]: unknown}
  [key: string]: unknown
}

/** Names an object: its kind (with apiVersion), and its namespace unless it is cluster-wide. */
export interface ObjectRef {
  apiVersion: string
  kind: string
  name: string
  namespace?: string
}

/** A change seen by a pod watch. */
export type PodChange = {type: 'added' | 'modified' | 'deleted'; pod: PodState}

export interface EventState {
  object: string
  type: string
  reason: string
  message: string
  count: number
  lastSeen: string
}

/** KEP-1755: how a local cluster advertises its registry. */
export interface LocalRegistryHosting {
  host?: string
  hostFromClusterNetwork?: string
  hostFromContainerRuntime?: string
  help?: string
}

export interface Kube {
  /** The context to use; throws KUBE_NO_CONTEXT. */
  target(): KubeTarget
  /** Throws KUBE_UNREACHABLE. */
  ping(): Promise<string>
  ensureNamespace(namespace: string): Promise<'exists' | 'created'>
  /** Create or replace a Secret. */
  applySecret(namespace: string, secret: {metadata: {name: string; labels?: Record<string, string>}; type: string; data: Record<string, string>}): Promise<void>
  localRegistryHosting(): Promise<LocalRegistryHosting | undefined>
  deployment(namespace: string, name: string): Promise<DeploymentState | undefined>
  /** The ReplicaSet template hash the Deployment's newest ReplicaSet uses. */
  newestTemplateHash(namespace: string, deployment: DeploymentState): Promise<string | undefined>
  /** Throws NAMESPACE_FORBIDDEN when the user may not list pods there. */
  pods(namespace: string, selector: string): Promise<PodState[]>
  /** Deployments matching a label selector. Throws NAMESPACE_FORBIDDEN. */
  deployments(namespace: string, selector: string): Promise<DeploymentState[]>
  /**
   * Lists the pods of a selector, hands the list to `onList`, then every change to `onChange`, until
   * the watch ends. It resolves when the API closes the watch (normal, every few minutes) and rejects
   * when it fails (the API went away); either way the caller lists again. Ends at once on the signal.
   */
  watchPods(namespace: string, selector: string, handlers: {onList: (pods: PodState[]) => void; onChange: (change: PodChange) => void}, signal: AbortSignal): Promise<void>
  events(namespace: string, objects: readonly string[]): Promise<EventState[]>
  /**
   * The values of every environment variable the Deployments of a selector take from Secrets
   * (`valueFrom.secretKeyRef`, `envFrom.secretRef`), so that they can be kept off a page; and the
   * Secrets that could not be read (no permission, or missing).
   */
  secretEnvValues(namespace: string, selector: string): Promise<{values: string[]; unreadable: string[]}>
  /** Merges annotations into a pod's metadata (a JSON merge patch). Throws NAMESPACE_FORBIDDEN. */
  annotatePod(namespace: string, pod: string, annotations: Record<string, string>): Promise<void>
  /** Deletes the Secrets that match a label selector; returns their names. */
  deleteSecrets(namespace: string, selector: string): Promise<string[]>
  /**
   * Server-side apply: creates the object or brings the fields this manager owns to these values.
   * Throws NAMESPACE_FORBIDDEN ("create or update <Kind>s") on a 403, NAMESPACE_TERMINATING when the
   * namespace is being deleted.
   */
  applyObject(object: KubeObject, fieldManager?: string): Promise<void>
  /** A JSON merge patch of an existing object; false when it does not exist. */
  patchObject(ref: ObjectRef, patch: object): Promise<boolean>
  /** The object, or undefined when it does not exist. Throws NAMESPACE_FORBIDDEN on a 403. */
  readObject(ref: ObjectRef): Promise<KubeObject | undefined>
  /** The objects of a kind that match a label selector. */
  listObjects(apiVersion: string, kind: string, namespace: string, selector: string): Promise<KubeObject[]>
  /** Deletes the object (its dependents in the background); false when it was not there. */
  deleteObject(ref: ObjectRef): Promise<boolean>
}
