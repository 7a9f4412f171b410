import {execFileSync} from 'node:child_process'
import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

import {DNS_ADDRESS, startDnsForwarder} from './dns-forwarder.js'

/**
 * What a test of the cluster builder needs from the bed: the BuildKit stand-in (by digest), the base
 * images mirrored in the open registry (test/bed/lib/buildkit.sh makes both), the node's network for
 * the builder (the bed's pod network forwards nothing off its bridge, and its registries are on the
 * node's loopback), and a loopback DNS server for the build steps.
 */
export function bedBuilderImage(): string {
  const file = join(process.env.DRAFT_BED_RUN ?? '/run/draft-bed', 'buildkit-image')
  if (!existsSync(file)) {
    throw new Error(`the bed has no BuildKit stand-in (${file} is missing): bed:up must run buildkit_ensure from test/bed/lib/buildkit.sh`)
  }
  return readFileSync(file, 'utf8').trim()
}

/** The [cluster-builder] table of draft.toml for a builder on the bed, in `namespace`. */
export function bedBuilderToml(namespace: string, env = 'development', extra: string[] = []): string {
  const registry = process.env.DRAFT_BED_REGISTRY ?? '127.0.0.1:45000'
  return [
    '',
    `[environments.${env}.cluster-builder]`,
    `namespace = "${namespace}"`,
    `image = "${bedBuilderImage()}"`,
    'host-network = true',
    `dns = ["${DNS_ADDRESS}"]`,
    ...extra,
    '',
    `[environments.${env}.cluster-builder.mirrors]`,
    `"docker.io" = ["${registry}"]`,
    `"gcr.io" = ["${registry}"]`,
    '',
  ].join('\n')
}

let dns: Promise<Awaited<ReturnType<typeof startDnsForwarder>>> | undefined
let users = 0

/** The loopback DNS server for build steps, shared by the tests of one run. */
export async function useDns(): Promise<() => Promise<void>> {
  users++
  dns ??= startDnsForwarder()
  await dns
  return async () => {
    if (--users === 0 && dns) {
      await (await dns).close()
      dns = undefined
    }
  }
}

/** The command lines of the processes in a builder pod (its PID namespace is shared, so all of them). */
export function podProcesses(namespace: string, pod = 'draft-buildkit-0'): string[] {
  const out = execFileSync('kubectl', ['-n', namespace, 'exec', pod, '-c', 'buildkitd', '--', 'sh', '-c', 'for p in /proc/[0-9]*; do tr "\\0" " " <"$p/cmdline" 2>/dev/null; echo; done'], {encoding: 'utf8'})
  return out.split('\n').map(l => l.trim()).filter(Boolean)
}

export const kubectl = (...args: string[]): string => execFileSync('kubectl', args, {encoding: 'utf8'})
