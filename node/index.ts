// The node package's public surface: start a node, and the types around it.
import './polyfills.js'
export { createNode, type ShardsigNode, type CreateNodeOptions } from './node.js'
export type { NodeConfig } from './config/index.js'
export { generateNodeIdentity, writeIdentityFile, readIdentityFile, NodeIdentity } from './identity.js'
