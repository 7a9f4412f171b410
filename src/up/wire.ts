import {KubeBuildKit} from '../cluster-builder/kube-buildkit.js'
import type {DeployConfig} from '../config/draft-toml.js'
import {DockerodeEngine} from '../docker/dockerode-engine.js'
import {GitCli} from '../git/git-cli.js'
import {HelmCli} from '../helm/helm-cli.js'
import {ClientNodeKube} from '../kube/client-node-kube.js'
import {loadKubeConfig} from '../kube/kube-config.js'
import {ClientNodePodStreams} from '../pod-streams/client-node-pod-streams.js'
import {ExecaRunner} from '../process/execa-runner.js'
import {DockerCredentialStore} from '../registry/credentials.js'
import {HttpRegistry} from '../registry/registry.js'
import {BuildContextProvider} from './build-context-provider.js'
import type {UpDependencies} from './up-engine.js'

/** The real external systems for a deploy. Tests build UpDependencies from fakes instead. */
export async function realDependencies(config: DeployConfig, env: NodeJS.ProcessEnv = process.env): Promise<UpDependencies> {
  const runner = new ExecaRunner()
  const loaded = await loadKubeConfig(config.kubeContext || undefined, env)
  const kube = new ClientNodeKube(loaded)
  const streams = new ClientNodePodStreams(loaded)
  return {
    docker: new DockerodeEngine(env),
    clusterBuilder: new KubeBuildKit(kube, streams),
    registry: new HttpRegistry(),
    credentials: new DockerCredentialStore({env}),
    helm: new HelmCli(runner, {cluster: kube.target()}),
    kube,
    streams,
    runner,
    contexts: new BuildContextProvider(),
    git: new GitCli(runner),
    env,
  }
}
