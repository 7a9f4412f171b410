import type {DeployConfig} from '../config/draft-toml.js'
import {ConnectionRegistry} from '../connect/connection-registry.js'
import {HelmCli} from '../helm/helm-cli.js'
import {ClientNodeKube} from '../kube/client-node-kube.js'
import {ExecaRunner} from '../process/execa-runner.js'
import {DockerCredentialStore} from '../registry/credentials.js'
import {HttpRegistry} from '../registry/registry.js'
import {BuildContextProvider} from '../up/build-context-provider.js'
import type {ReleaseDependencies} from './release-ops.js'

/** The real external systems for status, history, rollback and delete. Tests build ReleaseDependencies from fakes. */
export async function realReleaseDependencies(config: DeployConfig, env: NodeJS.ProcessEnv = process.env): Promise<ReleaseDependencies> {
  const kube = await ClientNodeKube.open(config.kubeContext || undefined, env)
  return {
    helm: new HelmCli(new ExecaRunner(), {cluster: kube.target()}),
    kube,
    registry: new HttpRegistry(),
    credentials: new DockerCredentialStore({env}),
    contexts: new BuildContextProvider(),
    connections: new ConnectionRegistry(),
  }
}
