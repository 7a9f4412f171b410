/**
 * Every failure a user can cause or fix is a DraftError. The catalogue below is the one place where a
 * code becomes a message and a fix, so wording stays consistent and every error names what to do next.
 */

export interface SourceLocation {
  file: string
  line?: number
  column?: number
}

interface Advice {
  message: string
  fix: string
}

const list = (items: readonly string[]): string => items.join(', ')

const catalogue = {
  PATH_NOT_FOUND: (c: {path: string}): Advice => ({
    message: `${c.path} does not exist`,
    fix: 'Pass the folder that holds your app, e.g. `draft create ./my-app`.',
  }),
  PATH_NOT_DIRECTORY: (c: {path: string}): Advice => ({
    message: `${c.path} is a file, not a folder`,
    fix: 'Pass the folder that holds your app, not one of its files.',
  }),
  EMPTY_FOLDER: (c: {path: string}): Advice => ({
    message: `${c.path} has no files draft can look at`,
    fix: 'Run draft in the folder of an app with source code, or add your code first.',
  }),
  UNREADABLE: (c: {path: string; reason: string}): Advice => ({
    message: `cannot read ${c.path}: ${c.reason}`,
    fix: 'Check the file permissions (draft needs to read the app to detect it), or run draft as the owner of the folder.',
  }),
  NO_PACK_MATCH: (c: {path: string; packs: readonly string[]; held?: readonly string[]}): Advice => ({
    message: `no language pack fits ${c.path}${c.held?.length ? ` (the app's own packs were not loaded: ${list(c.held)})` : ''}`,
    fix: c.held?.length
      ? `Review the app's packs, then allow them with \`draft pack allow ${c.held.length === 1 ? c.held[0] : 'PATH'}\` (or pass --yes to trust them for one run); or choose one with --pack NAME from: ${list(c.packs)}.`
      : `Choose one with --pack NAME. Available packs: ${list(c.packs)}. \`draft detect --explain\` shows what was found.`,
  }),
  MONOREPO: (c: {path: string; apps: readonly string[]; example: string}): Advice => ({
    message: `${c.path} is a monorepo root with ${c.apps.length} apps: ${list(c.apps)}`,
    fix: `\`draft create\` here scaffolds every app and one draft.toml for all of them (then \`draft up\` deploys them together); or run draft in one app folder, e.g. \`draft create ${c.example}\`, or treat this folder as a single app with --pack NAME.`,
  }),
  UNKNOWN_PACK: (c: {name: string; packs: readonly string[]}): Advice => ({
    message: `there is no pack named "${c.name}"`,
    fix: `Use one of: ${list(c.packs)}. \`draft pack list\` shows where each comes from.`,
  }),
  BAD_SET: (c: {input: string; reason: string; keys?: readonly string[]}): Advice => ({
    message: `--set ${c.input}: ${c.reason}`,
    fix: c.keys
      ? `Use --set KEY=VALUE with one of: ${list(c.keys)}.`
      : 'Use --set KEY=VALUE, e.g. --set port=8080.',
  }),
  BAD_BUILD_ARG: (c: {input: string}): Advice => ({
    message: `--build-arg ${c.input}: expected NAME=VALUE`,
    fix: 'Use --build-arg NAME=VALUE, e.g. --build-arg PYTHON_VERSION=3.13 (or put it in draft.toml\'s [environments.NAME.build-args]).',
  }),
  BAD_VALUE: (c: {name: string; value: string; reason: string; source: string}): Advice => ({
    message: `${c.name} = ${JSON.stringify(c.value)} (from ${c.source}) ${c.reason}`,
    fix: `Set a valid value with --set ${c.name}=VALUE.`,
  }),
  BAD_APP_NAME: (c: {name: string}): Advice => ({
    message: `"${c.name}" cannot be made into a valid Kubernetes name`,
    fix: 'Pass --app with lower-case letters, digits and dashes, starting with a letter (at most 53 characters).',
  }),
  FILES_EXIST: (c: {files: readonly string[]}): Advice => ({
    message: `these files already exist and would be replaced: ${list(c.files)}`,
    fix: 'Pass --force to replace them (nothing else is touched), or remove them first.',
  }),
  WRITE_FAILED: (c: {path: string; reason: string}): Advice => ({
    message: `could not write ${c.path}: ${c.reason}. Nothing was changed`,
    fix: 'Check that the folder is writable and the disk is not full, then run the command again.',
  }),
  PACK_INVALID: (c: {pack: string; problems: readonly string[]}): Advice => ({
    message: `pack "${c.pack}" is invalid:\n  ${c.problems.join('\n  ')}`,
    fix: 'Fix the manifest (see packs/README.md), then check it with `draft pack lint DIR`.',
  }),
  TEMPLATE_FAILED: (c: {pack: string; template: string; reason: string}): Advice => ({
    message: `pack "${c.pack}": template ${c.template} failed: ${c.reason}`,
    fix: 'Fix the template, then check it with `draft pack lint DIR`; or choose another pack with --pack.',
  }),
  BAD_IMAGE_REF: (c: {input: string; reason: string}): Advice => ({
    message: `"${c.input}" is not a valid image reference: ${c.reason}`,
    fix: 'Use HOST[:PORT][/PATH]/NAME[:TAG] in lower case, e.g. 127.0.0.1:45000/my-app or ghcr.io/me/my-app:1.0.',
  }),
  REGISTRY_UNREACHABLE: (c: {registry: string; reason: string; local: boolean}): Advice => ({
    message: `cannot reach registry ${c.registry}: ${c.reason}`,
    fix: c.local
      ? 'Start it, check --registry (or `registry` in draft.toml), or use `npm run bed:up` for the test bed\'s registries.'
      : 'Check --registry (or `registry` in draft.toml), your network, VPN and proxy, and that the registry serves HTTPS.',
  }),
  REGISTRY_UNAUTHORIZED: (c: {registry: string; login: string; source?: string}): Advice => ({
    message: c.source
      ? `registry ${c.registry} refused the credentials from ${c.source}`
      : `registry ${c.registry} needs credentials`,
    fix: c.source
      ? `Log in again with \`docker login ${c.login}\` and check that the account may pull and push there.`
      : `Run \`docker login ${c.login}\`, or set credentials for ${c.login} in your Docker config (auths, credHelpers or credsStore).`,
  }),
  REGISTRY_FAILED: (c: {registry: string; request: string; reason: string}): Advice => ({
    message: `registry ${c.registry} answered ${c.request} with ${c.reason}`,
    fix: 'Check that --registry points at an OCI registry (it serves /v2/), then run again; the registry\'s logs say more.',
  }),
  DOCKER_CONFIG_INVALID: (c: {file: string; line?: number; problem: string}): Advice => ({
    message: `${c.file}${c.line ? `:${c.line}` : ''}: ${c.problem}`,
    fix: 'Fix the file (it is JSON, written by `docker login`), or move it away and run `docker login HOST` again.',
  }),
  CREDENTIAL_HELPER_FAILED: (c: {helper: string; registry: string; reason: string; file: string}): Advice => ({
    message: `docker-credential-${c.helper} could not give the credentials for ${c.registry}: ${c.reason}`,
    fix: `Check that docker-credential-${c.helper} is on your PATH and works (\`echo ${c.registry} | docker-credential-${c.helper} get\`), or change credsStore/credHelpers in ${c.file}.`,
  }),
  UNSAFE_PATH: (c: {pack: string; path: string; link?: string}): Advice => ({
    message: `pack "${c.pack}" tried to write ${c.path}, which ${c.link ? `the symlink ${c.link} leads` : 'is'} outside the app folder`,
    fix: c.link
      ? `draft never writes through a symlink that leaves the app. Replace ${c.link} with a folder inside the app, then run the command again.`
      : 'A pack may only write relative paths inside the app. Fix the [files] table of the pack.',
  }),
  CONFIG_MISSING: (c: {path: string}): Advice => ({
    message: `${c.path} has no draft.toml`,
    fix: 'Run `draft create` in the app folder first: it writes the Dockerfile, the chart and draft.toml.',
  }),
  CONFIG_INVALID: (c: {file: string; line?: number; key: string; problem: string; fix: string}): Advice => ({
    message: `${c.file}${c.line ? `:${c.line}` : ''}: ${c.key}: ${c.problem}`,
    fix: c.fix,
  }),
  UNKNOWN_ENVIRONMENT: (c: {file: string; env: string; available: readonly string[]}): Advice => ({
    message: `${c.file} has no environment "${c.env}"`,
    fix: c.available.length
      ? `Choose one of ${list(c.available)} with --env or DRAFT_ENV, or add [environments.${c.env}] to draft.toml.`
      : `Add [environments.${c.env}] to draft.toml (draft create writes one).`,
  }),
  CHART_MISSING: (c: {chart: string; file: string; line?: number}): Advice => ({
    message: `the chart ${c.chart} named in ${c.file}${c.line ? `:${c.line}` : ''} does not exist`,
    fix: 'Run `draft create` to add the chart, or fix `chart` in draft.toml.',
  }),
  DOCKERFILE_NOT_FOUND: (c: {dockerfile: string; file: string; line?: number}): Advice => ({
    message: `the Dockerfile ${c.dockerfile} named in ${c.file}${c.line ? `:${c.line}` : ''} does not exist`,
    fix: 'Run `draft create` to add one, or fix `dockerfile` in draft.toml.',
  }),
  NO_REGISTRY: (c: {context: string}): Advice => ({
    message: `no registry is set, and the cluster of context "${c.context}" cannot see local images`,
    fix: 'Pass --registry HOST[:PORT][/NAMESPACE] or set `registry` in draft.toml (e.g. registry = "ghcr.io/you").',
  }),
  DOCKER_UNAVAILABLE: (c: {host: string; reason: string}): Advice => ({
    message: `Docker is not running or not reachable at ${c.host}: ${c.reason}`,
    fix: 'Start Docker, or set DOCKER_HOST to the engine you use (e.g. unix:///var/run/docker.sock).',
  }),
  BUILD_FAILED: (c: {step: string; reason: string; log: string; details?: string[]}): Advice => ({
    message: `the image build failed at ${c.step}: ${c.reason}`,
    fix: `Fix the Dockerfile or the code it builds, then run again. The full build log is in ${c.log}.`,
  }),
  PUSH_FAILED: (c: {image: string; reason: string}): Advice => ({
    message: `pushing ${c.image} failed: ${c.reason}`,
    fix: 'Check that the registry is up and that you may push to it (`docker login HOST`), then run again.',
  }),
  IMAGE_LOAD_FAILED: (c: {image: string; command: string; cluster: string; reason: string}): Advice => ({
    message: `loading ${c.image} into the ${c.cluster} cluster with ${c.command} failed: ${c.reason}`,
    fix: `Check that \`${c.command}\` is installed and the cluster is running, or push through a registry instead (--registry HOST:PORT).`,
  }),
  KUBE_NO_CONTEXT: (c: {kubeconfig: string; wanted?: string; available: readonly string[]; missing?: boolean}): Advice => ({
    message: c.missing
      ? `the kubeconfig ${c.kubeconfig} does not exist`
      : c.wanted
        ? `the kube context "${c.wanted}" is not in ${c.kubeconfig}`
        : `no current Kubernetes context in ${c.kubeconfig}`,
    fix: c.available.length
      ? `Choose one with --kube-context (${list(c.available)}) or \`kubectl config use-context NAME\`.`
      : 'Point KUBECONFIG at a cluster\'s kubeconfig, or create a local cluster (kind, minikube, k3d).',
  }),
  KUBE_UNREACHABLE: (c: {context: string; server: string; reason: string}): Advice => ({
    message: `cannot reach the Kubernetes API of context "${c.context}" at ${c.server}: ${c.reason}`,
    fix: 'Check that the cluster is running and that your kubeconfig and VPN are right (`kubectl get nodes` should work).',
  }),
  NAMESPACE_FORBIDDEN: (c: {namespace: string; user: string; verb: string}): Advice => ({
    message: `${c.user} may not ${c.verb} in namespace "${c.namespace}"`,
    fix: 'Use a namespace you may deploy to (--namespace), or ask a cluster admin for a Role there.',
  }),
  NAMESPACE_TERMINATING: (c: {namespace: string}): Advice => ({
    message: `namespace "${c.namespace}" is being deleted, so nothing can be deployed into it`,
    fix: `Wait until it is gone (\`kubectl get namespace ${c.namespace}\` says NotFound), then run again; or deploy to another --namespace.`,
  }),
  HELM_MISSING: (c: {binary: string}): Advice => ({
    message: `${c.binary} is not installed or does not run (draft deploys with helm 3.8 or newer)`,
    fix: 'Install helm 3 (https://helm.sh/docs/intro/install/) and make sure `helm` is on your PATH.',
  }),
  HELM_TOO_OLD: (c: {version: string}): Advice => ({
    message: `helm ${c.version} is too old: draft needs helm 3.8 or newer`,
    fix: 'Upgrade helm to a current 3.x release.',
  }),
  HELM_FAILED: (c: {release: string; reason: string; fix: string; action?: string}): Advice => ({
    message: `helm could not ${c.action ?? 'upgrade'} release "${c.release}": ${c.reason}`,
    fix: c.fix,
  }),
  ROLLOUT_FAILED: (c: {deployment: string; cause: string; fix: string; details?: string[]}): Advice => ({
    message: `deployment ${c.deployment} did not become available: ${c.cause}`,
    fix: c.fix,
  }),
  ABORTED: (c: {stage: string}): Advice => ({
    message: `interrupted during ${c.stage}`,
    fix: 'Nothing was deployed by this run; the previous release keeps running. Run draft up again when ready.',
  }),
  CONTEXT_UNREADABLE: (c: {path: string; reason: string}): Advice => ({
    message: `cannot read ${c.path} in the build context: ${c.reason}`,
    fix: `Make ${c.path} readable by your user, or leave it out of the image by adding it to .dockerignore.`,
  }),
  DOCKERFILE_MISSING: (c: {path: string}): Advice => ({
    message: `the Dockerfile ${c.path} does not exist or is not a file`,
    fix: `Create ${c.path} (\`draft create\` writes one), or set \`dockerfile\` in draft.toml to the Dockerfile you use.`,
  }),
  DOCKERIGNORE_INVALID: (c: {file: string; line: number; pattern: string; reason: string}): Advice => ({
    message: `${c.file}:${c.line}: the pattern ${JSON.stringify(c.pattern)} is invalid: ${c.reason}`,
    fix: `Fix or remove line ${c.line} of ${c.file} (docker build rejects it too). Use \\ before [ ] * ? to mean the character itself.`,
  }),
  PACK_DIR_EXISTS: (c: {dir: string; name: string}): Advice => ({
    message: `${c.dir} already exists and is not empty, so the pack ${c.name} is not written there`,
    fix: 'Choose another name, or another parent folder with --dir, or move that folder away first; draft never writes into it.',
  }),
  BAD_PACK_NAME: (c: {name: string}): Advice => ({
    message: `"${c.name}" is not a valid pack name`,
    fix: 'Use lower-case letters, digits and dashes, starting with a letter (at most 40 characters), e.g. `draft pack new elixir`.',
  }),
  PACK_NEW_INCOMPLETE: (c: {missing: readonly string[]; example: string}): Advice => ({
    message: `draft pack new needs ${list(c.missing)}, e.g. \`${c.example}\``,
    fix: 'Pass them as flags; on a terminal, draft asks for each and offers what it can infer from the name and the language.',
  }),
  PACK_SOURCE_FAILED: (c: {source: string; reason: string}): Advice => ({
    message: `cannot fetch the pack from ${c.source}: ${c.reason}`,
    fix: 'Check the path or git URL (and #ref), and that git can reach it: `git ls-remote URL` should work.',
  }),
  PACK_NOT_FOUND_IN_SOURCE: (c: {source: string}): Advice => ({
    message: `${c.source} holds no pack (no pack.toml at its top or in a sub-folder)`,
    fix: 'Point at the folder that holds pack.toml, or create one with `draft pack new NAME`.',
  }),
  PACK_EXISTS: (c: {name: string; dir: string}): Advice => ({
    message: `a pack named "${c.name}" is already installed in ${c.dir}`,
    fix: `Update it with \`draft pack update ${c.name}\`, replace it with --force, or remove it with \`draft pack remove ${c.name}\`.`,
  }),
  PACK_NOT_REMOVABLE: (c: {name: string; source: string; dir: string}): Advice => ({
    message: `"${c.name}" is a${c.source === 'app' ? 'n app' : ' built-in'} pack (${c.dir}), not one you installed`,
    fix: c.source === 'app' ? 'Delete its folder under .draft/packs in the app if you no longer want it.' : 'Built-in packs stay; shadow one with a pack of the same name in ~/.draft/packs instead.',
  }),
  PACK_UNTRUSTED: (c: {name: string; dir: string; reason: string}): Advice => ({
    message: `pack "${c.name}" in ${c.dir} came with the app and was not loaded: ${c.reason}`,
    fix: `Its templates are code: review the folder, then run \`draft pack allow ${c.dir}\` (or pass --yes to trust it for this run only).`,
  }),
  TRUST_STORE_INVALID: (c: {file: string; reason: string}): Advice => ({
    message: `cannot read the list of allowed packs ${c.file}: ${c.reason}`,
    fix: `Fix or delete ${c.file}; draft then asks again about the packs that come with an app.`,
  }),
  RENDER_FAILED: (c: {pack: string; reason: string}): Advice => ({
    message: `the templates of pack "${c.pack}" could not be rendered: ${c.reason}`,
    fix: 'A template may loop forever or use too much memory: check the pack with `draft pack lint DIR`, or choose another pack with --pack.',
  }),
  CONFIRMATION_NEEDED: (c: {what: string}): Advice => ({
    message: `${c.what} needs your confirmation, and there is no terminal to ask on`,
    fix: 'Read what it shows, then run again with --yes.',
  }),
  DECLINED: (c: {what: string; fix?: string}): Advice => ({
    message: `${c.what}: not confirmed, nothing was changed`,
    fix: c.fix ?? 'Run it again and answer yes when you trust the source.',
  }),
  WATCH_FAILED: (c: {reason: string}): Advice => ({
    message: `watching the app's files failed: ${c.reason}`,
    fix: 'draft keeps running; if saves stop starting cycles, restart `draft up --watch`.',
  }),
  PORT_IN_USE: (c: {port: number}): Advice => ({
    message: `port ${c.port} is already in use on this machine`,
    fix: 'Stop what listens there, then run the pack test again.',
  }),
  NOTHING_DEPLOYED: (c: {release: string; namespace: string; context: string}): Advice => ({
    message: `nothing is deployed as "${c.release}" in namespace "${c.namespace}" (context ${c.context})`,
    fix: 'Run `draft up` first; if it was deployed elsewhere, pass the same --env, --namespace, --release or --kube-context it was deployed with.',
  }),
  RELEASE_NOT_MANAGED: (c: {release: string; namespace: string; pods: readonly string[]}): Advice => ({
    message: `pods labelled app.kubernetes.io/instance=${c.release} run in namespace "${c.namespace}" (${list(c.pods.slice(0, 3))}${c.pods.length > 3 ? ', ...' : ''}), but helm manages no release "${c.release}" there`,
    fix: 'draft manages helm releases only: remove what deployed those pods (kubectl, another tool) and run `draft up`, or choose another --release.',
  }),
  REVISION_NOT_FOUND: (c: {release: string; revision: string; available: readonly number[]}): Advice => ({
    message: /^\d+$/.test(c.revision) ? `release "${c.release}" has no revision ${c.revision}` : `"${c.revision}" is not a revision number`,
    fix: `Choose one of ${list(c.available.map(String))} (\`draft history\` lists them), or leave REVISION out to go back to the previous one.`,
  }),
  NOTHING_TO_ROLL_BACK: (c: {release: string; live: number; failed: readonly number[]}): Advice => ({
    message: `release "${c.release}" has no revision before ${c.live} that was ever deployed`,
    fix: c.failed.length
      ? `Only failed revisions (${list(c.failed.map(String))}) are older: name one to go back to it anyway (\`draft rollback N\`), or fix the app and run \`draft up\`.`
      : 'There is nothing to go back to: fix the app and run `draft up`.',
  }),
  PODS_REMAIN: (c: {release: string; namespace: string; pods: readonly string[]; seconds: number}): Advice => ({
    message: `release "${c.release}" is uninstalled, but ${c.pods.length} of its pods are still there after ${c.seconds}s: ${list(c.pods.slice(0, 3))}${c.pods.length > 3 ? ', ...' : ''}`,
    fix: `See what holds them with \`kubectl -n ${c.namespace} describe pod ${c.pods[0] ?? ''}\` (a finalizer, or a node that is gone); \`kubectl -n ${c.namespace} delete pod --force\` removes them.`,
  }),
  NO_PORTS: (c: {release: string}): Advice => ({
    message: `the pods of release "${c.release}" declare no container ports, so there is nothing to forward`,
    fix: 'Declare the port the app listens on (containerPort in the chart\'s values.yaml), or name it with --port LOCAL:REMOTE.',
  }),
  LOCAL_PORT_UNAVAILABLE: (c: {port: number; remote: number; reason: string}): Advice => ({
    message: `local port ${c.port} cannot be used: ${c.reason}`,
    fix: `Choose another local port (--port ${c.port === 8080 ? 8081 : 8080}:${c.remote}), or stop what listens on ${c.port} (\`lsof -i :${c.port}\` shows it).`,
  }),
  BAD_PORT_FLAG: (c: {input: string; reason: string}): Advice => ({
    message: `--port ${c.input}: ${c.reason}`,
    fix: 'Write it as LOCAL:REMOTE (e.g. --port 8080:3000) or PORT for the same number on both sides, with ports from 1 to 65535.',
  }),
  CONTAINER_NOT_FOUND: (c: {container: string; release: string; available: readonly string[]}): Advice => ({
    message: `no pod of release "${c.release}" has a container named "${c.container}"`,
    fix: c.available.length ? `Use one of: ${list(c.available)}.` : 'Leave --container out to see every container.',
  }),
  NO_PREVIOUS_LOGS: (c: {release: string}): Advice => ({
    message: `no container of release "${c.release}" has restarted, so there is no previous log to show`,
    fix: 'Leave --previous out to see the running containers\' logs.',
  }),
  NO_BUILD_LOG: (c: {path: string}): Advice => ({
    message: `there is no build log at ${c.path} yet`,
    fix: '`draft up` writes it whenever it builds an image: run `draft up` (an unchanged app needs no build and writes none).',
  }),
  SYNC_NOT_APPLIED: (c: {reason: string}): Advice => ({
    message: `the change could not be synced: ${c.reason}`,
    fix: 'Nothing to do: this cycle builds and deploys the app instead, so the change is not lost. If it happens on every save, the line above says why (sync needs sh, tar, head and cksum in the container, and pods/exec and pods patch rights).',
  }),
  SYNC_RELOAD_FAILED: (c: {pod: string; reason: string}): Advice => ({
    message: `the files are in pod ${c.pod}, but ${c.reason}`,
    fix: 'Fix the code and save: the next sync starts the app again. `draft logs` shows why it stopped.',
  }),
  STREAM_FORBIDDEN: (c: {namespace: string; user: string; what: string}): Advice => ({
    message: `${c.user} may not ${c.what} in namespace "${c.namespace}"`,
    fix: 'Ask a cluster admin for a Role with that verb on pods/portforward, pods/log or pods/exec there, or use a namespace you own (--namespace).',
  }),
  CONFIG_IS_PROJECT: (c: {file: string}): Advice => ({
    message: `${c.file} describes several services; this command works on one app at a time`,
    fix: 'Run it in the folder of the project for all services, or pass a service\'s folder with its own draft.toml.',
  }),
  COMPOSE_INVALID: (c: {file: string; line?: number; problem: string; fix: string}): Advice => ({
    message: c.problem,
    fix: `${c.fix} Nothing was written.`,
  }),
  COMPOSE_BUILD_MISSING: (c: {file: string; line?: number; service: string; what: 'context' | 'dockerfile'; path: string}): Advice => ({
    message: c.what === 'context' ? `service ${c.service} is built from ${c.path}, which is not a folder here` : `service ${c.service} is built with ${c.path}, which does not exist`,
    fix: `Fix \`build\` of ${c.service} in ${c.file}, or add the ${c.what === 'context' ? 'folder' : 'Dockerfile'}. Nothing was written.`,
  }),
  UNKNOWN_DEPENDENCY: (c: {file: string; line?: number; service: string; dependency: string; services: readonly string[]}): Advice => ({
    message: `service ${c.service} depends on ${c.dependency}, which is not a service of ${c.file}`,
    fix: `Depend on one of: ${list(c.services)}. Nothing was written.`,
  }),
  DEPENDENCY_CYCLE: (c: {file: string; line?: number; cycle: readonly string[]}): Advice => ({
    message: `the services depend on each other in a circle: ${c.cycle.join(' -> ')}`,
    fix: `Remove one of these dependencies in ${c.file}: each service must be able to start after the ones it depends on.`,
  }),
  DUPLICATE_RELEASE: (c: {file: string; line?: number; release: string; services: readonly string[]}): Advice => ({
    message: `services ${list(c.services)} would both be deployed as release "${c.release}"`,
    fix: `Rename one of them in ${c.file} (Kubernetes names are lower case, with "-" for "_" and "."), or give one its own \`release\`. Nothing was written.`,
  }),
  UNKNOWN_SERVICE: (c: {name: string; flag: string; services: readonly string[]}): Advice => ({
    message: `there is no service "${c.name}"`,
    fix: `Pass ${c.flag} with one of: ${list(c.services)}.`,
  }),
  NOT_A_PROJECT_FLAG: (c: {flag: string}): Advice => ({
    message: `${c.flag} names one app, and this folder holds several services`,
    fix: `Leave ${c.flag} out (each service is named after its compose service or folder), or run draft create in one app's folder.`,
  }),
  SERVICE_NEEDED: (c: {services: readonly string[]}): Advice => ({
    message: `this folder holds ${c.services.length} services, and this command works on one`,
    fix: `Name it with --service: ${list(c.services)}.`,
  }),
  NO_SERVICES: (c: {path: string; skipped: readonly string[]}): Advice => ({
    message: `${c.path} has no service to scaffold${c.skipped.length ? ` (${list(c.skipped)})` : ''}`,
    fix: 'Check --only, or run `draft detect --explain` in an app folder to see why no pack fits it.',
  }),
  DEPENDENCY_FAILED: (c: {service: string; dependency: string; reason: string}): Advice => ({
    message: `not deployed: ${c.dependency}, which ${c.service} depends on, ${c.reason}`,
    fix: `Fix ${c.dependency} first; \`draft up --service ${c.dependency}\` retries it alone.`,
  }),
  SERVICES_FAILED: (c: {failed: readonly string[]; total: number}): Advice => ({
    message: `${c.failed.length} of ${c.total} services did not deploy: ${list(c.failed)}`,
    fix: 'See each service\'s error above; the others are deployed. Fix and run `draft up` again (unchanged services are not touched).',
  }),
  SNAPSHOT_INVALID: (c: {file: string; reason: string}): Advice => ({
    message: `${c.file} is not a dashboard snapshot: ${c.reason}`,
    fix: 'Give the JSON file that the dashboard\'s Save snapshot wrote (under .draft/snapshots/ of the app), as it was saved.',
  }),
  CLUSTER_BUILDER_NEEDS_REGISTRY: (c: {context: string}): Advice => ({
    message: `the cluster builder pushes what it builds to a registry, and none is set for context "${c.context}"`,
    fix: 'Set `registry` in draft.toml or pass --registry HOST[:PORT][/NAMESPACE] (a registry the cluster can pull from), or build on this machine with --builder local.',
  }),
  BUILDER_FORBIDDEN: (c: {namespace: string; user: string; verb: string}): Advice => ({
    message: `${c.user} may not ${c.verb} in namespace "${c.namespace}", which the cluster builder needs`,
    fix: `Ask a cluster admin for a Role in "${c.namespace}" that allows create, get, patch and delete on namespaces (or an existing namespace), statefulsets, serviceaccounts, secrets and persistentvolumeclaims, get and list on pods and events, and create on pods/exec (src/cluster-builder/README.md lists it); or set namespace in [cluster-builder] of draft.toml to one you may use; or build on this machine with --builder local.`,
  }),
  BUILDER_NOT_READY: (c: {namespace: string; cause: 'image-pull' | 'resources' | 'security-policy' | 'crashed' | 'container-config' | 'timeout'; pod?: string; detail: string; image: string; rootless: boolean; details?: string[]}): Advice => {
    const what = {
      'image-pull': `the cluster cannot pull its image ${c.image}`,
      resources: 'no node has room for it',
      'security-policy': "the cluster's security policy refused its pod",
      crashed: 'buildkitd does not stay up',
      'container-config': 'its container cannot be created',
      timeout: 'it is still not Ready',
    }[c.cause]
    const fix = {
      'image-pull': `Make ${c.image} pullable from the nodes (a mirror or registry they reach, with an image pull secret), or set image in [cluster-builder] of draft.toml to a copy that is.`,
      resources: 'Lower cpu or memory in [cluster-builder] of draft.toml, free or add capacity, or raise the namespace\'s quota.',
      'security-policy': c.rootless
        ? `The rootless builder needs seccomp and AppArmor "Unconfined" (Pod Security level "privileged" in "${c.namespace}": \`kubectl label namespace ${c.namespace} pod-security.kubernetes.io/enforce=privileged\`); ask a cluster admin to allow it there, or build on this machine with --builder local.`
        : `rootless = false runs a privileged pod; ask a cluster admin to allow it in "${c.namespace}", use the default rootless = true, or build on this machine with --builder local.`,
      crashed: c.rootless
        ? 'Its last lines are above. When rootless mode cannot start (user namespaces off on the nodes, newuidmap not permitted), set rootless = false in [cluster-builder] where privileged pods are allowed, or build with --builder local.'
        : 'Its last lines are above; `draft builder status` shows the pod. Fix what they say, or delete the builder (`draft builder delete`) and let the next up create it again.',
      'container-config': `Check the pod with \`kubectl -n ${c.namespace} describe pod ${c.pod ?? ''}\`; \`draft builder delete\` lets the next up create the builder again.`,
      timeout: `See \`draft builder status\` and \`kubectl -n ${c.namespace} describe pod ${c.pod ?? ''}\`, then run again.`,
    }[c.cause]
    return {message: `the cluster builder in namespace "${c.namespace}" is not Ready: ${what}${c.detail ? ` (${c.detail})` : ''}`, fix}
  },
  BUILDER_LOST: (c: {namespace: string; pod: string; reason: string}): Advice => ({
    message: `the builder pod ${c.pod} (namespace "${c.namespace}") went away during the build: ${c.reason}`,
    fix: 'This build is lost; run again (with --watch, the next save does): draft waits until the builder is back. If it keeps happening, `draft builder status` shows why (eviction, out of memory: set memory in [cluster-builder]).',
  }),
  BUILDER_REGISTRY_UNREACHABLE: (c: {registry: string; namespace: string; reason: string; hostNetwork: boolean}): Advice => ({
    message: `the builder in the cluster cannot reach registry ${c.registry}: ${c.reason}`,
    fix: c.hostNetwork
      ? `The builder pushes from the node it runs on; make ${c.registry} reachable from there, or set registry to an address the cluster reaches.`
      : `The builder pushes from inside the cluster, where ${/^(localhost|127\.|\[::1\])/.test(c.registry) ? `${c.registry} is the builder pod itself` : `${c.registry} is not reachable`}. Set registry to an address pods reach (a registry Service, or its cluster-side name), or set host-network = true in [cluster-builder] when the registry listens on the node.`,
  }),
  BUILDER_STILL_THERE: (c: {what: string; seconds: number}): Advice => ({
    message: `${c.what} is still there after ${c.seconds}s`,
    fix: 'Something holds it (a finalizer, a volume that is not released): `kubectl get all,pvc -n NAMESPACE` shows what; run the command again once it is gone.',
  }),
  BUILDER_EXEC_FAILED: (c: {namespace: string; pod: string; reason: string}): Advice => ({
    message: `the builder pod ${c.pod} (namespace "${c.namespace}") could not run the build: ${c.reason}`,
    fix: 'The builder image needs sh, tar, sha256sum and buildctl (the official moby/buildkit images have them); check image in [cluster-builder], or `draft builder delete` and run again.',
  }),
} as const

export type ErrorCode = keyof typeof catalogue
export type ErrorContext<C extends ErrorCode> = Parameters<(typeof catalogue)[C]>[0]

/**
 * A failure with its advice. The message names the file and line itself when there is one (the
 * catalogue above writes them into it), so it reads whole wherever it is shown: the command's error,
 * a failed watch cycle, a JSON line. `location` is the same place as data, for --json and editors;
 * renderers do not print it again.
 */
export class DraftError<C extends ErrorCode = ErrorCode> extends Error {
  readonly code: C
  readonly fix: string
  readonly context: ErrorContext<C>
  readonly location?: SourceLocation

  constructor(code: C, context: ErrorContext<C>, options: {cause?: unknown; location?: SourceLocation} = {}) {
    const advice = (catalogue[code] as (c: ErrorContext<C>) => Advice)(context)
    super(advice.message, {cause: options.cause})
    this.name = 'DraftError'
    this.code = code
    this.fix = advice.fix
    this.context = context
    this.location = options.location
  }

  toJSON(): {code: string; message: string; fix: string; file?: string; line?: number; details?: string[]} {
    const details = (this.context as {details?: string[]}).details
    return {
      code: this.code,
      message: this.message,
      fix: this.fix,
      ...(details?.length ? {details} : {}),
      ...(this.location ? {file: this.location.file, line: this.location.line} : {}),
    }
  }
}

export const isDraftError = (error: unknown): error is DraftError =>
  error instanceof DraftError

/**
 * An error as the event stream carries it: a DraftError's code, message and fix, or INTERNAL for
 * anything else (a bug). One function, so a stage's failure and a watch cycle's failure read alike.
 */
export function describeError(error: unknown): {code: string; message: string; fix: string; details?: string[]; step?: string} {
  if (error instanceof DraftError) {
    const {details, step} = error.context as {details?: string[]; step?: unknown}
    return {code: error.code, message: error.message, fix: error.fix, ...(details ? {details} : {}), ...(error.code === 'BUILD_FAILED' && typeof step === 'string' ? {step} : {})}
  }
  return {code: 'INTERNAL', message: error instanceof Error ? error.message : String(error), fix: 'This is a bug in draft: please report it with the output above.'}
}
