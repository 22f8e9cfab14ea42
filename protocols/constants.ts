// Every protocol id, topic, timeout and size limit of shardsig, imported from
// here; each group is a file of protocols/constants/. Units are in the names;
// change a value there and nowhere else. docs/protocols/constants.md is made
// from these files in this order (test/helpers/constants-page.ts).
export * from './constants/network.js'
export * from './constants/keys.js'
export * from './constants/sign.js'
export * from './constants/ecdsa.js'
export * from './constants/retention.js'
export * from './constants/quotas.js'
export * from './constants/status.js'
