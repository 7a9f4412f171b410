// Turns the API server's OpenAPI v2 document into the JSON schema layout kubeconform expects
// (<version>-standalone[-strict]/<kind>-<group>-<version>.json), so kubeconform works offline.
// Usage: node openapi-to-jsonschema.mjs openapi-v2.json OUT_DIR KUBE_VERSION
import {mkdirSync, readFileSync, symlinkSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

const [input, outDir, kubeVersion] = process.argv.slice(2)
if (!input || !outDir || !kubeVersion) {
  console.error('usage: openapi-to-jsonschema.mjs OPENAPI_V2_JSON OUT_DIR KUBE_VERSION')
  process.exit(2)
}
const doc = JSON.parse(readFileSync(input, 'utf8'))
const defs = doc.definitions ?? {}

// Values the API accepts in two shapes, which OpenAPI v2 writes as plain strings.
const special = {
  'io.k8s.apimachinery.pkg.util.intstr.IntOrString': {oneOf: [{type: 'string'}, {type: 'integer'}, {type: 'null'}]},
  'io.k8s.apimachinery.pkg.api.resource.Quantity': {oneOf: [{type: 'string'}, {type: 'number'}, {type: 'null'}]},
}

function convert(node, strict) {
  if (node === null || typeof node !== 'object') return node
  if (Array.isArray(node)) return node.map((n) => convert(n, strict))
  if (node.$ref) return {$ref: node.$ref}
  if (node.format === 'int-or-string') return special['io.k8s.apimachinery.pkg.util.intstr.IntOrString']
  const out = {}
  for (const [k, v] of Object.entries(node)) {
    if (k === 'properties') {
      out.properties = Object.fromEntries(Object.entries(v).map(([p, s]) => [p, convert(s, strict)]))
    } else if (k === 'items' || k === 'additionalProperties' || k === 'allOf' || k === 'oneOf' || k === 'anyOf') {
      out[k] = convert(v, strict)
    } else if (k === 'type' && typeof v === 'string') {
      // Helm charts render empty values as null; the API server accepts null for optional fields.
      out.type = [v, 'null']
    } else {
      out[k] = v
    }
  }
  if (strict && node.properties && node.additionalProperties === undefined && !node['x-kubernetes-preserve-unknown-fields']) {
    out.additionalProperties = false
  }
  return out
}

// The definitions a schema reaches through $ref, so each file stands alone.
function reachable(name, seen = new Set()) {
  if (seen.has(name)) return seen
  seen.add(name)
  const walk = (n) => {
    if (n === null || typeof n !== 'object') return
    if (Array.isArray(n)) return n.forEach(walk)
    if (typeof n.$ref === 'string') reachable(n.$ref.replace('#/definitions/', ''), seen)
    Object.values(n).forEach(walk)
  }
  walk(defs[name])
  return seen
}

let count = 0
for (const strict of [false, true]) {
  const dir = join(outDir, `master-standalone${strict ? '-strict' : ''}`)
  mkdirSync(dir, {recursive: true})
  for (const [name, def] of Object.entries(defs)) {
    const gvks = def['x-kubernetes-group-version-kind']
    if (!Array.isArray(gvks)) continue
    const definitions = {}
    for (const r of reachable(name)) {
      if (defs[r]) definitions[r] = special[r] ?? convert(defs[r], strict)
    }
    const schema = {$schema: 'http://json-schema.org/schema#', ...convert(def, strict), definitions}
    for (const {group, version, kind} of gvks) {
      const suffix = group ? `-${group.split('.')[0].toLowerCase()}-${version}` : `-${version}`
      writeFileSync(join(dir, `${kind.toLowerCase()}${suffix}.json`), JSON.stringify(schema))
      count++
    }
  }
  // kubeconform's -kubernetes-version defaults to "master"; an explicit version finds the same files.
  symlinkSync(`master-standalone${strict ? '-strict' : ''}`, join(outDir, `${kubeVersion}-standalone${strict ? '-strict' : ''}`))
}
console.log(`wrote ${count} schemas for Kubernetes ${kubeVersion}`)
