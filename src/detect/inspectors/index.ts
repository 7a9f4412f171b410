import type {Facts, Inspector} from '../facts.js'
import type {Snapshot} from '../snapshot.js'
import {dotnetInspector} from './dotnet.js'
import {goInspector} from './go.js'
import {gradleInspector} from './gradle.js'
import {javaInspector} from './java.js'
import {nodeInspector} from './node.js'
import {phpInspector} from './php.js'
import {pythonInspector} from './python.js'
import {rubyInspector} from './ruby.js'
import {rustInspector} from './rust.js'

/** Every built-in inspector. Packs refer to their facts as `inspector.fact` (e.g. `node.port`). */
export const INSPECTORS: readonly Inspector[] = [nodeInspector, javaInspector, gradleInspector, goInspector, rustInspector, dotnetInspector, pythonInspector, rubyInspector, phpInspector]

export function inspectAll(snapshot: Snapshot, inspectors: readonly Inspector[] = INSPECTORS): Facts {
  const facts: Facts = {}
  for (const inspector of inspectors) {
    for (const [name, value] of Object.entries(inspector.inspect(snapshot))) facts[`${inspector.name}.${name}`] = value
  }
  return facts
}
