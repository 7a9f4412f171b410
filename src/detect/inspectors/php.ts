import type {Inspector} from '../facts.js'

export const phpInspector: Inspector = {
  name: 'php',
  inspect() {
    return {}
  },
}
