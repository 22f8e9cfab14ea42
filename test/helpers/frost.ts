// The Frost tests use unless they compare backends: one on the `auto` backend (each addon that
// loads, noble for the other scheme), as a node gets by default. Tests that compare backends make
// their own with createFrost(selectBackend(...)).
import { createFrost, selectBackend, type Frost } from '../../protocols/frost/index.js'

export const testFrost: Frost = createFrost(selectBackend('auto'))
