import {createHash} from 'node:crypto'

import type {KubeObject} from '../kube/kube.js'
import {BUILDKIT_VERSION} from './image.js'
import {type BuilderSettings, builderImage} from './settings.js'

/**
 * The builder as Kubernetes objects: pure. One StatefulSet of buildkitd pods in the builder's own
 * namespace (stable pod names, so an app keeps building on the replica that holds its cache), each
 * with a cache volume, a scratch volume for build contexts and, optionally, the Secret with push
 * credentials. Nothing in it is reachable over the network: draft talks to it with exec only.
 */
export const BUILDER_NAME = 'draft-buildkit'
export const BUILDER_CONTAINER = 'buildkitd'
export const MANAGED_BY = 'app.kubernetes.io/managed-by'
/** On a namespace draft created for the builder: `draft builder delete` may delete the namespace. */
export const NAMESPACE_OWNER_LABEL = 'draft.dev/builder-namespace'
/** The settings the StatefulSet was made from (JSON): what an upgrade is decided on. */
export const SETTINGS_ANNOTATION = 'draft.dev/builder-settings'
export const AUTH_SECRET = `${BUILDER_NAME}-registry`
export const CONFIG_MAP = `${BUILDER_NAME}-config`
/** Where the pods see buildkitd.toml. */
export const CONFIG_DIR = '/draft/config'
/** Where the pods see the push credentials, one file per registry (auth-key.ts names them). */
export const AUTH_DIR = '/draft/auth'
/** Scratch space for the contexts of running builds (an emptyDir). */
export const WORK_DIR = '/draft/work'

export const SELECTOR_LABELS = {'app.kubernetes.io/name': 'buildkitd', 'app.kubernetes.io/instance': BUILDER_NAME}
export const POD_SELECTOR = Object.entries(SELECTOR_LABELS).map(([k, v]) => `${k}=${v}`).join(',')

/** Where buildkitd listens and keeps its state in each mode (as in the official images). */
export function daemonPaths(rootless: boolean): {socket: string; state: string} {
  return rootless
    ? {socket: 'unix:///run/user/1000/buildkit/buildkitd.sock', state: '/home/user/.local/share/buildkit'}
    : {socket: 'unix:///run/buildkit/buildkitd.sock', state: '/var/lib/buildkit'}
}

/** What the builder is made from: the pinned version and the settings that shape its pods. */
export type BuilderSpec = Omit<BuilderSettings, 'namespace'> & {
  /** The pinned BuildKit version: a newer draft upgrades the builder. */
  version: string
}

export function builderSpec(settings: BuilderSettings): BuilderSpec {
  const {image: _, namespace: __, ...rest} = settings
  return {version: BUILDKIT_VERSION, image: builderImage(settings), ...rest}
}

export const specDigest = (spec: BuilderSpec): string => createHash('sha256').update(JSON.stringify(spec)).digest('hex').slice(0, 16)

export function namespaceObject(namespace: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {name: namespace, labels: {[MANAGED_BY]: 'draft', [NAMESPACE_OWNER_LABEL]: 'true'}},
  }
}

export function serviceAccountObject(namespace: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: {name: BUILDER_NAME, namespace, labels: labels()},
    // buildkitd never talks to the Kubernetes API: its pods get no token.
    automountServiceAccountToken: false,
  }
}

export function statefulSetObject(namespace: string, spec: BuilderSpec): KubeObject {
  const paths = daemonPaths(spec.rootless)
  const persistent = spec.cacheSize !== ''
  const requests = {...(spec.cpu ? {cpu: spec.cpu} : {}), ...(spec.memory ? {memory: spec.memory} : {})}
  const container = {
    name: BUILDER_CONTAINER,
    image: spec.image,
    imagePullPolicy: 'IfNotPresent',
    command: spec.rootless ? ['rootlesskit', 'buildkitd'] : ['buildkitd'],
    // Kubernetes cannot unmask /proc for a container without user-namespaced pods, so the rootless
    // daemon runs its steps without a PID namespace of their own, as BuildKit's Kubernetes examples do.
    args: ['--addr', paths.socket, '--config', `${CONFIG_DIR}/buildkitd.toml`, ...(spec.rootless ? ['--oci-worker-no-process-sandbox'] : [])],
    env: [
      {name: 'BUILDKIT_HOST', value: paths.socket},
      {name: 'DRAFT_WORK', value: WORK_DIR},
      {name: 'DRAFT_AUTH', value: AUTH_DIR},
    ],
    // buildctl answers only once the daemon serves its API and has a worker.
    readinessProbe: {exec: {command: ['buildctl', 'debug', 'workers']}, initialDelaySeconds: 2, periodSeconds: 5, timeoutSeconds: 10},
    ...(Object.keys(requests).length ? {resources: {requests}} : {}),
    securityContext: spec.rootless
      ? {
          runAsUser: 1000,
          runAsGroup: 1000,
          // rootlesskit makes a user namespace and mounts in it: the runtime's default profiles forbid both.
          seccompProfile: {type: 'Unconfined'},
          appArmorProfile: {type: 'Unconfined'},
        }
      : {privileged: true},
    volumeMounts: [
      {name: 'cache', mountPath: paths.state},
      {name: 'work', mountPath: WORK_DIR},
      {name: 'auth', mountPath: AUTH_DIR, readOnly: true},
      {name: 'config', mountPath: CONFIG_DIR, readOnly: true},
    ],
  }
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: {
      name: BUILDER_NAME,
      namespace,
      labels: {...labels(), 'app.kubernetes.io/version': spec.version},
      annotations: {[SETTINGS_ANNOTATION]: JSON.stringify(spec)},
    },
    spec: {
      replicas: spec.replicas,
      serviceName: BUILDER_NAME,
      podManagementPolicy: 'Parallel',
      selector: {matchLabels: SELECTOR_LABELS},
      template: {
        metadata: {
          labels: {...labels(), 'app.kubernetes.io/version': spec.version},
          // buildkitd reads its configuration at start: a new one rolls the pods.
          annotations: {'draft.dev/config-digest': createHash('sha256').update(daemonConfig(spec)).digest('hex').slice(0, 16)},
        },
        spec: {
          serviceAccountName: BUILDER_NAME,
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          // The pause container is PID 1 and reaps what a cancelled step leaves (rootlesskit does not).
          shareProcessNamespace: true,
          ...(spec.hostNetwork ? {hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet'} : {}),
          ...(spec.rootless ? {securityContext: {fsGroup: 1000}} : {}),
          containers: [container],
          volumes: [
            ...(persistent ? [] : [{name: 'cache', emptyDir: {}}]),
            {name: 'work', emptyDir: {}},
            {name: 'auth', secret: {secretName: AUTH_SECRET, optional: true}},
            {name: 'config', configMap: {name: CONFIG_MAP}},
          ],
        },
      },
      ...(persistent
        ? {
            volumeClaimTemplates: [
              {
                metadata: {name: 'cache', labels: labels()},
                spec: {
                  accessModes: ['ReadWriteOnce'],
                  ...(spec.storageClass ? {storageClassName: spec.storageClass} : {}),
                  resources: {requests: {storage: spec.cacheSize}},
                },
              },
            ],
            // The caches outlive an upgrade; `draft builder delete` removes them.
            persistentVolumeClaimRetentionPolicy: {whenDeleted: 'Retain', whenScaled: 'Retain'},
          }
        : {}),
    },
  }
}

/** buildkitd.toml: registry mirrors, plain-HTTP registries, the steps' nameservers (TOML's basic strings take JSON's escapes). */
export function daemonConfig(spec: Pick<BuilderSpec, 'mirrors' | 'insecureRegistries' | 'dns'>): string {
  const q = (text: string): string => JSON.stringify(text)
  const hosts = [...new Set([...Object.keys(spec.mirrors ?? {}), ...(spec.insecureRegistries ?? [])])].sort()
  const sections = hosts.map(host => {
    const lines = [`[registry.${q(host)}]`]
    const mirrors = spec.mirrors?.[host]
    if (mirrors?.length) lines.push(`  mirrors = [${mirrors.map(q).join(', ')}]`)
    if (spec.insecureRegistries?.includes(host)) lines.push('  http = true', '  insecure = true')
    return lines.join('\n')
  })
  if (spec.dns?.length) sections.push(`[dns]\n  nameservers = [${spec.dns.map(q).join(', ')}]`)
  return `# Written by draft from [cluster-builder] in draft.toml.\n${sections.join('\n\n')}\n`
}

export function configMapObject(namespace: string, spec: BuilderSpec): KubeObject {
  return {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: CONFIG_MAP, namespace, labels: labels()}, data: {'buildkitd.toml': daemonConfig(spec)}}
}

function labels(): Record<string, string> {
  return {...SELECTOR_LABELS, 'app.kubernetes.io/component': 'image-builder', [MANAGED_BY]: 'draft'}
}

/** The spec a StatefulSet was made from, read back from its annotation; undefined when it has none or it does not parse. */
export function recordedSpec(annotations: Record<string, string> | undefined): BuilderSpec | undefined {
  const text = annotations?.[SETTINGS_ANNOTATION]
  if (!text) return undefined
  try {
    const value = JSON.parse(text) as BuilderSpec
    return typeof value === 'object' && value !== null && typeof value.version === 'string' ? value : undefined
  } catch {
    return undefined
  }
}
