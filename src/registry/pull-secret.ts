import {credentialKey} from './image-ref.js'

/**
 * The image pull secret `draft up` creates or updates when the registry needs credentials, so the
 * kubelet can pull what we pushed. Pure: the caller applies the object (src/kube/) and passes its
 * name to the chart as `imagePullSecrets`. Its result holds the secret: never print or log it.
 */
export interface BasicCredentials {
  username: string
  password: string
}

export const PULL_SECRET_TYPE = 'kubernetes.io/dockerconfigjson'
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by'

export interface PullSecret {
  apiVersion: 'v1'
  kind: 'Secret'
  metadata: {name: string; namespace: string; labels: Record<string, string>}
  type: typeof PULL_SECRET_TYPE
  data: {'.dockerconfigjson': string}
}

/**
 * The `.dockerconfigjson` document for one registry. Only username and password: the kubelet reads
 * neither identity tokens nor credential helpers. The key is Docker's (Docker Hub's index URL), which
 * the kubelet matches against image names.
 */
export function dockerConfigJson(registry: string, credentials: BasicCredentials): string {
  const auth = Buffer.from(`${credentials.username}:${credentials.password}`, 'utf8').toString('base64')
  return JSON.stringify({
    auths: {[credentialKey(registry)]: {username: credentials.username, password: credentials.password, auth}},
  })
}

/** `<release>-registry`; a Helm release name (at most 53 characters) always leaves room for it. */
export const pullSecretName = (release: string): string => `${release}-registry`

export function pullSecret(options: {
  release: string
  namespace: string
  registry: string
  credentials: BasicCredentials
}): PullSecret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: pullSecretName(options.release),
      namespace: options.namespace,
      labels: {[MANAGED_BY_LABEL]: 'draft', 'app.kubernetes.io/instance': options.release},
    },
    type: PULL_SECRET_TYPE,
    // `data`, not `stringData`: what we send is what a later read returns, so an update can compare.
    data: {'.dockerconfigjson': Buffer.from(dockerConfigJson(options.registry, options.credentials), 'utf8').toString('base64')},
  }
}
