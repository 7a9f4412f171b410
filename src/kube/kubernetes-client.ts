/**
 * The parts of @kubernetes/client-node draft uses. `npm run build` bundles this module into one file:
 * the package is about 1,500 ES modules, and loading them costs ~0.5 s on every `draft up`; bundled it
 * loads in ~0.1 s. Unbundled (as in the test build) it behaves the same, only slower to load.
 */
export {AppsV1Api, CoreV1Api, Exec, KubeConfig, KubernetesObjectApi, Log, PatchStrategy, PortForward, VersionApi, Watch, setHeaderOptions} from '@kubernetes/client-node'
export type {KubernetesObject, V1Container, V1ContainerStatus, V1Deployment, V1Pod, V1ReplicaSet, V1Status} from '@kubernetes/client-node'
// Not re-exported by the package's index. PortForward and Exec take it so that a stream's close frame
// ends our streams; their default handler would end process.stdout instead.
export {WebSocketHandler} from '@kubernetes/client-node/dist/web-socket-handler.js'
