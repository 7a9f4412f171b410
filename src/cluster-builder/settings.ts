import {isIP} from 'node:net'

import {BUILDKIT_IMAGES} from './image.js'

/**
 * How the cluster builder runs: `[environments.<name>.cluster-builder]` in draft.toml. These describe
 * one builder that everyone who builds in the cluster shares (it lives in `namespace`), so apps that
 * share a builder should agree on them: when a later `draft up` asks for other settings, the builder
 * is upgraded to them and says which changed.
 */
export interface BuilderSettings {
  /** Where the builder lives: its StatefulSet, cache volumes and the push credentials' Secret. */
  namespace: string
  /** The BuildKit image; empty: the official image of the pinned version (rootless or not). */
  image: string
  /** Run buildkitd without root in a user namespace (the default); false: as root in a privileged pod. */
  rootless: boolean
  /**
   * Run in the node's network namespace, so builds and pushes reach what the node reaches (a registry
   * on the node's loopback, a network the pod network does not route to).
   */
  hostNetwork: boolean
  /** Builder pods: each keeps its own cache; an app always builds on the same one while it is Ready. */
  replicas: number
  /** Size of each replica's cache volume (a PersistentVolumeClaim); empty: an emptyDir that lives as long as the pod. */
  cacheSize: string
  /** StorageClass of the cache volumes; empty: the cluster's default. */
  storageClass: string
  /** CPU and memory the scheduler reserves for each builder pod; empty: none. */
  cpu: string
  memory: string
  /** Registry mirrors for the builder's pulls, by registry host: `"docker.io" = ["mirror.example.com"]`. */
  mirrors: Record<string, string[]>
  /** Registries the builder reaches over plain HTTP (localhost and 127.0.0.0/8 always are). */
  insecureRegistries: string[]
  /** Nameservers for the build steps (RUN), instead of the builder pod's own resolver. */
  dns: string[]
}

export const DEFAULT_BUILDER_SETTINGS: BuilderSettings = {
  namespace: 'draft-builder',
  image: '',
  rootless: true,
  hostNetwork: false,
  replicas: 1,
  cacheSize: '',
  storageClass: '',
  cpu: '',
  memory: '',
  mirrors: {},
  insecureRegistries: [],
  dns: [],
}

/** The image the builder runs: the setting, else the pinned official image for the mode. */
export const builderImage = (settings: Pick<BuilderSettings, 'image' | 'rootless'>): string =>
  settings.image || (settings.rootless ? BUILDKIT_IMAGES.rootless : BUILDKIT_IMAGES.privileged)

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/
const QUANTITY = /^\d+(\.\d+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/

type Check = {kind: 'string' | 'boolean' | 'integer' | 'string-list' | 'list-table'; field: keyof BuilderSettings; valid?: (value: never) => string | undefined; example: string}

const HOST = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:\d{1,5})?$/i
const hosts = (list: string[]): string | undefined => list.map(h => (HOST.test(h) ? undefined : `"${h}" is not a registry host[:port]`)).find(Boolean)

/** The keys of the table, how each is checked, and an example for the fix. */
export const BUILDER_KEYS: Record<string, Check> = {
  namespace: {kind: 'string', field: 'namespace', valid: (v: string) => (v.length <= 63 && DNS_LABEL.test(v) ? undefined : `"${v}" is not a valid namespace`), example: 'namespace = "draft-builder"'},
  image: {kind: 'string', field: 'image', example: 'image = "registry.example.com/moby/buildkit:v0.34.2-rootless"'},
  rootless: {kind: 'boolean', field: 'rootless', example: 'rootless = true'},
  'host-network': {kind: 'boolean', field: 'hostNetwork', example: 'host-network = false'},
  replicas: {kind: 'integer', field: 'replicas', valid: (v: number) => (v >= 1 && v <= 50 ? undefined : `${v} is not between 1 and 50`), example: 'replicas = 2'},
  'cache-size': {kind: 'string', field: 'cacheSize', valid: (v: string) => (v === '' || QUANTITY.test(v) ? undefined : `"${v}" is not a size`), example: 'cache-size = "20Gi"'},
  'storage-class': {kind: 'string', field: 'storageClass', valid: (v: string) => (v === '' || /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(v) ? undefined : `"${v}" is not a StorageClass name`), example: 'storage-class = "standard"'},
  cpu: {kind: 'string', field: 'cpu', valid: (v: string) => (v === '' || QUANTITY.test(v) ? undefined : `"${v}" is not a CPU quantity`), example: 'cpu = "500m"'},
  memory: {kind: 'string', field: 'memory', valid: (v: string) => (v === '' || QUANTITY.test(v) ? undefined : `"${v}" is not a memory quantity`), example: 'memory = "2Gi"'},
  mirrors: {kind: 'list-table', field: 'mirrors', valid: (v: Record<string, string[]>) => hosts([...Object.keys(v), ...Object.values(v).flat()]), example: '[environments.<name>.cluster-builder.mirrors] with "docker.io" = ["mirror.example.com"]'},
  dns: {kind: 'string-list', field: 'dns', valid: (v: string[]) => v.map(a => (isIP(a) ? undefined : `"${a}" is not an IP address`)).find(Boolean), example: 'dns = ["192.0.2.53"]'},
  'insecure-registries': {kind: 'string-list', field: 'insecureRegistries', valid: (v: string[]) => hosts(v), example: 'insecure-registries = ["registry.dev.svc:5000"]'},
}

export type BuilderKind = 'local' | 'cluster'
export const BUILDER_KINDS: readonly BuilderKind[] = ['local', 'cluster']
