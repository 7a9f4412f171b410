/**
 * The parts of @kubernetes/client-node draft uses. `npm run build` bundles this module into one file:
 * the package is about 1,500 ES modules, and loading them costs ~0.5 s on every `draft up`; bundled it
 * loads in ~0.1 s. Unbundled (as in the test build) it behaves the same, only slower to load.
 */
export {AppsV1Api, CoreV1Api, KubeConfig, VersionApi} from '@kubernetes/client-node'
export type {V1Deployment, V1ReplicaSet} from '@kubernetes/client-node'
