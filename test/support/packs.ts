import {CHART_DEFAULTS, type Pack} from '../../src/pack-model/manifest.js'

/** A pack built in memory, for tests of scoring and variables that must not depend on the built-ins. */
export function fakePack(overrides: Partial<Pack> & {name: string}): Pack {
  return {
    version: '1.0.0',
    description: `${overrides.name} test pack`,
    dir: `/packs/${overrides.name}`,
    source: 'builtin',
    languages: [],
    languageWeight: 50,
    requires: [],
    rules: [],
    variables: {port: {type: 'port', description: 'port', default: 8080, derivedFrom: []}},
    files: {},
    chart: CHART_DEFAULTS,
    systemPackages: [],
    fixtures: [],
    ...overrides,
  }
}
