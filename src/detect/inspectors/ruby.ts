import type {Inspector} from '../facts.js'

export const rubyInspector: Inspector = {
  name: 'ruby',
  inspect() {
    return {}
  },
}
