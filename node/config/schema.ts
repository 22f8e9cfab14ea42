// The node's configuration: what a config file, the environment and flags may
// set, validated once. Paths in a config file are relative to that file.
import { z } from 'zod'
import type { BackendPreference } from '../../protocols/frost/index.js'

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

/** A token bucket: `ratePerS` requests a second, at most `burst` at once (protocols/limits/token-bucket.ts). */
export const QuotaRateSchema = z.strictObject({
  ratePerS: z.number().positive().max(1_000_000),
  burst: z.int().min(1).max(10_000_000)
})

export const NodeConfigFileSchema = z.strictObject({
  nodeId: z.string().min(1),
  /** Folder for the store; the identity file defaults to `<dataDir>/identity.json`. */
  dataDir: z.string().min(1),
  genesis: z.string().min(1),
  identityFile: z.string().min(1).optional(),
  passphraseFile: z.string().min(1).optional(),
  listen: z.strictObject({
    p2p: z.array(z.string().startsWith('/')).min(1),
    http: z.strictObject({
      host: z.string().min(1).default('127.0.0.1'),
      port: z.int().min(0).max(65535)
    })
  }),
  logLevel: z.enum(LOG_LEVELS).default('info'),
  /**
   * A new node that no epoch of `genesis` names yet: it starts as a joining node and
   * becomes a member when an operator's update adding it is activated. `genesis` is
   * then the network's active genesis (docs/runbook.md, adding a node).
   */
  join: z.boolean().default(false),
  /**
   * Serve the HTTP API over HTTPS with this certificate (PEM) and its private key:
   * PEM (PKCS#8 or SEC1), or sealed under the node's passphrase as `shardsig-node init`
   * writes it. Required when the genesis lists a tlsFingerprint for this node, and then
   * the certificate must have exactly that fingerprint (docs/decisions/0015-https.md).
   */
  tls: z.strictObject({ cert: z.string().min(1), key: z.string().min(1) }).optional(),
  /** Operator limits; each defaults to its constant in protocols/constants.ts. */
  limits: z.strictObject({
    /** Unfinished sign requests this node holds as a manager before it answers 429 (MAX_PENDING_REQUESTS_PER_CM). */
    maxPendingSignRequests: z.int().min(1).max(100_000).optional(),
    /** The share of those one owner key may hold, (0, 1] (OWNER_SHARE_OF_PENDING_SIGN_REQUESTS). */
    ownerShareOfPendingSignRequests: z.number().gt(0).max(1).optional(),
    /** HTTP quotas (docs/protocols/http.md#quotas). */
    http: z.strictObject({
      /**
       * Key clients by the last address in X-Forwarded-For (the one the operator's
       * proxy appended) instead of the socket's. Only behind a proxy that every
       * request passes: anyone else can write the header. Default false.
       */
      trustForwardedFor: z.boolean().optional(),
      /** Per client address, by class of route (HTTP_CLIENT_QUOTAS). */
      perClient: z.strictObject({
        sign: QuotaRateSchema.optional(),
        read: QuotaRateSchema.optional(),
        keys: QuotaRateSchema.optional(),
        operator: QuotaRateSchema.optional()
      }).optional(),
      /** Per owner key, once its signature verified (HTTP_OWNER_QUOTAS). */
      perOwner: z.strictObject({
        sign: QuotaRateSchema.optional(),
        delete: QuotaRateSchema.optional()
      }).optional()
    }).optional()
  }).optional()
})

export type NodeConfigFile = z.infer<typeof NodeConfigFileSchema>
/** A config file as written (defaults may be left out). */
export type NodeConfigFileInput = z.input<typeof NodeConfigFileSchema>

/** The resolved configuration `createNode` takes: absolute paths, the passphrase read. */
export interface NodeConfig {
  nodeId: string
  dataDir: string
  genesisPath: string
  identityFile: string
  passphrase: string
  listen: { p2p: string[], http: { host: string, port: number } }
  logLevel: typeof LOG_LEVELS[number]
  /** See NodeConfigFileSchema.join. */
  join?: boolean
  /** See NodeConfigFileSchema.tls; absolute paths. */
  tls?: { certFile: string, keyFile: string }
  limits: NodeLimits
  /** FROST's group libraries (env SHARDSIG_CRYPTO_BACKEND; node/crypto-backend.ts); absent: `auto`. */
  cryptoBackend?: BackendPreference
}

/** `limits` of the config file, every field optional. */
export type NodeLimits = NonNullable<NodeConfigFile['limits']>
