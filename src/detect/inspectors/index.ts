import type {Facts, Inspector} from '../facts.js'
import type {Snapshot} from '../snapshot.js'
import {dotnetInspector} from './dotnet.js'
import {goInspector} from './go.js'
import {gradleInspector} from './gradle.js'
import {javaInspector} from './java.js'
import {nodeInspector} from './node.js'
import {phpInspector} from './php.js'
import {procfileInspector} from './procfile.js'
import {pythonInspector} from './python.js'
import {rubyInspector} from './ruby.js'
import {rustInspector} from './rust.js'
import {settingsInspector} from './settings.js'

/**
 * Every built-in inspector. Packs refer to their facts as `inspector.fact` (e.g. `node.port`). The
 * last ones are not about one ecosystem: settings (declared outside the code) and the Procfile.
 */
export const INSPECTORS: readonly Inspector[] = [nodeInspector, javaInspector, gradleInspector, goInspector, rustInspector, dotnetInspector, pythonInspector, rubyInspector, phpInspector, settingsInspector, procfileInspector]

export function inspectAll(snapshot: Snapshot, inspectors: readonly Inspector[] = INSPECTORS): Facts {
  const facts: Facts = {}
  for (const inspector of inspectors) {
    for (const [name, value] of Object.entries(inspector.inspect(snapshot))) facts[`${inspector.name}.${name}`] = value
  }
  return facts
}
