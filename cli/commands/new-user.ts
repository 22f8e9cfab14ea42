// `shardsig new-user`: deal a fresh key through the network's committee
// leaders and write the key file a later `sign` needs.
import { ed25519 } from '@noble/curves/ed25519.js'
import { parseArgs } from 'node:util'
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { DEFAULT_POLICY, KEY_SCHEMES, PolicySchema, KeySchemeSchema, type KeyRecord, type Policy } from '../../protocols/wire/key-record.js'
import { dealThrough, newUser, NewUserFailedError, type CommitteeOutcome, type NewUserResult, type PreparedKey } from '../client/new-user.js'
import { DkgAttemptsExhaustedError, newUserDkg, type NewUserDkgResult } from '../client/new-user-dkg.js'
import { keyFileOf, writeKeyFile } from '../key-file.js'
import { envNode, UsageError, type Io } from '../io.js'
import { TRUST_OPTIONS, trustFromFlags } from '../trust-flags.js'
import { genesisDigest as digestOf } from '../../protocols/wire/genesis.js'

export const NEW_USER_USAGE = `usage: shardsig new-user [options]

Deals a new key split across the network's committees; no node ever holds it.
With --dkg the nodes generate it (one dealer per committee): nobody, this
client included, ever holds the key.

  --node URL               any node's HTTP URL (default $SHARDSIG_NODE or http://127.0.0.1:7201)
  --scheme S               ed25519 | secp256k1 (BIP340) | ecdsa-secp256k1 (Ethereum; signing is not
                           built yet) (default ed25519)
  --dkg                    generate the key by distributed key generation instead of dealing it here
  --exclude-dealer PEERID  (with --dkg) a node not to use as a dealer; repeatable
  --genesis-digest HEX     refuse to deal unless the node serves this genesis (from your operator);
                           over https:// also what every node's certificate is pinned from
  --genesis FILE           the same with a genesis file you hold (its digest; its fingerprints pinned)
  --tls-fingerprint HEX    https:// without a digest: the entry node's certificate fingerprint
                           (the network is then the one that node serves)
  --out FILE               key file to write, mode 0600 (default <keyId>.key.json)
  --force                  overwrite --out if it exists
  --export-secret          also write the whole private key into the key file
  --max-message-bytes N    policy: largest message the key signs (default ${DEFAULT_POLICY.maxMessageBytes})
  --message-prefix HEX     policy: every message must start with these bytes
  --rate-per-minute N      policy: most signatures per minute (default ${DEFAULT_POLICY.ratePerMinute})
  --bundles-only DIR       deal and write DIR/bundle-<committee>.json and the key file, send nothing
                           (then POST each bundle to its committee's leader yourself, e.g. with curl)
  --json                   print {keyId, scheme, groupPublicKey, address (ecdsa-secp256k1), keyFile, committees}
                           on stdout only

The key file records the genesis digest; later commands trust an https:// network by it.`

export async function runNewUser (argv: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      node: { type: 'string' },
      scheme: { type: 'string', default: 'ed25519' },
      out: { type: 'string' },
      force: { type: 'boolean', default: false },
      'export-secret': { type: 'boolean', default: false },
      'max-message-bytes': { type: 'string' },
      'message-prefix': { type: 'string' },
      'rate-per-minute': { type: 'string' },
      json: { type: 'boolean', default: false },
      'bundles-only': { type: 'string' },
      ...TRUST_OPTIONS,
      dkg: { type: 'boolean', default: false },
      'exclude-dealer': { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' }
    }
  })
  if (values.help === true) { io.out(NEW_USER_USAGE); return 0 }
  const scheme = KeySchemeSchema.safeParse(values.scheme)
  if (!scheme.success) throw new UsageError(`--scheme must be one of ${KEY_SCHEMES.join(', ')}, got ${values.scheme}`)
  const policy = parsePolicy(values)
  const node = values.node ?? envNode(io) ?? 'http://127.0.0.1:7201'

  const owner = ed25519.utils.randomSecretKey()
  const bundlesDir = values['bundles-only']
  const dkg = values.dkg === true
  if (dkg && values['export-secret'] === true) throw new UsageError('--export-secret cannot go with --dkg: a DKG key exists nowhere whole, not even here')
  if (dkg && bundlesDir !== undefined) throw new UsageError('--bundles-only cannot go with --dkg: the bundles come from the nodes\' transcript')
  if (!dkg && values['exclude-dealer'] !== undefined) throw new UsageError('--exclude-dealer needs --dkg')
  const trusted = await trustFromFlags(values, node, io)
  // Deal only against the genesis the user pinned, when they pinned one.
  const genesisDigest = values['genesis-digest']?.toLowerCase() ?? (values.genesis !== undefined && trusted.genesis !== undefined ? digestOf(trusted.genesis) : undefined)
  if (bundlesDir !== undefined) {
    const dealt = await dealThrough({ node, scheme: scheme.data, ownerSecretKey: owner, policy, signal: io.signal, genesisDigest })
    await mkdir(bundlesDir, { recursive: true })
    for (const b of dealt.bundles) await writeFile(join(bundlesDir, `bundle-${b.committee}.json`), JSON.stringify(b) + '\n')
    const keyFilePath = values.out ?? `${dealt.record.keyId}.key.json`
    await writeKeyFile(keyFilePath, keyFileOf(dealt.record, node, owner, values['export-secret'] === true ? dealt.secret : undefined), values.force === true)
    io.out(values.json === true
      ? JSON.stringify({ keyId: dealt.record.keyId, scheme: dealt.record.scheme, groupPublicKey: dealt.record.groupPublicKey, ...addressOf(dealt.record), keyFile: keyFilePath, bundles: dealt.bundles.map(b => join(bundlesDir, `bundle-${b.committee}.json`)) })
      : `key ${dealt.record.keyId}: wrote ${dealt.bundles.length} bundles to ${bundlesDir} and the key file ${keyFilePath}; nothing was sent`)
    return 0
  }
  io.progress(dkg ? `generating a ${scheme.data} key by DKG through ${node} ...` : `dealing a ${scheme.data} key through ${node} ...`)
  const autoNamed = values.out === undefined
  let keyFilePath = values.out
  let result: NewUserResult | NewUserDkgResult
  const common = {
    node,
    scheme: scheme.data,
    ownerSecretKey: owner,
    policy,
    signal: io.signal,
    genesisDigest,
    // The owner key exists nowhere else: save it before any bundle leaves this machine.
    beforeSend: async (prepared: PreparedKey) => {
      if (autoNamed) keyFilePath = `${prepared.record.keyId}.key.json`
      await writeKeyFile(keyFilePath!, keyFileOf(prepared.record, node, owner, values['export-secret'] === true ? prepared.secret : undefined), values.force === true)
    },
    onCommittee: (c: CommitteeOutcome) => { io.progress(describeCommittee(c)) },
    onProgress: (line: string) => { io.progress(line) }
  }
  try {
    result = dkg
      ? await newUserDkg({
        ...common,
        excludeDealers: values['exclude-dealer'],
        // A DKG key given up on (a dealer's sub-shares were refused) will never sign: drop its key file.
        onAbandon: async prepared => { if (autoNamed) await rm(`${prepared.record.keyId}.key.json`, { force: true }) }
      })
      : await newUser(common)
  } catch (err) {
    // A key that did not reach tc committees cannot sign: its key file would only mislead.
    if ((err instanceof NewUserFailedError || err instanceof DkgAttemptsExhaustedError) && keyFilePath !== undefined) await rm(keyFilePath, { force: true })
    throw err
  }
  const { record } = result
  const generated = 'dkg' in result ? (result as NewUserDkgResult) : undefined

  const committees = result.committees.map(c => ({ committee: c.committee, receipts: c.response?.receipts.length ?? 0, error: c.error }))
  if (values.json === true) {
    io.out(JSON.stringify({
      keyId: record.keyId, scheme: record.scheme, groupPublicKey: record.groupPublicKey, ...addressOf(record), keyFile: keyFilePath, committees,
      ...(generated !== undefined ? { dkg: { session: generated.dkg.session, dealers: generated.dkg.dealers, excluded: generated.excluded } } : {})
    }))
  } else {
    io.out(`key ${record.keyId} (${record.scheme}) confirmed by ${result.confirmedCommittees} of ${record.params.committees} committees (${record.params.tc} needed to sign)`)
    io.out(`group public key ${record.groupPublicKey}`)
    if (record.address !== undefined) io.out(`Ethereum address ${record.address}`)
    if (generated !== undefined) io.out(`generated by DKG session ${generated.dkg.session}: dealers ${generated.dkg.dealers.join(', ')}`)
    io.out(`key file ${keyFilePath}${values['export-secret'] === true ? ' (includes the exported private key)' : ''}`)
  }
  return 0
}

/** `{address}` for a key whose record carries one (ecdsa-secp256k1), else nothing: the --json outputs. */
function addressOf (record: KeyRecord): { address?: string } {
  return record.address !== undefined ? { address: record.address } : {}
}

function describeCommittee (c: CommitteeOutcome): string {
  if (c.response === null) return `  committee ${c.committee}: failed: ${c.error ?? 'unknown'}`
  const failed = c.response.failures.map(f => `member ${f.member} ${f.code}`).join(', ')
  return `  committee ${c.committee}: ${c.response.receipts.length} receipts via ${c.via ?? '?'}${failed === '' ? '' : ` (${failed})`}`
}

function parsePolicy (values: Record<string, string | string[] | boolean | undefined>): Policy {
  const int = (name: string): number | undefined => {
    const v = values[name]
    if (typeof v !== 'string') return undefined
    if (!/^\d+$/.test(v)) throw new UsageError(`--${name} must be a whole number, got ${v}`)
    return Number(v)
  }
  const prefix = values['message-prefix']
  const parsed = PolicySchema.safeParse({
    maxMessageBytes: int('max-message-bytes') ?? DEFAULT_POLICY.maxMessageBytes,
    ratePerMinute: int('rate-per-minute') ?? DEFAULT_POLICY.ratePerMinute,
    ...(typeof prefix === 'string' ? { messagePrefix: prefix.toLowerCase().replace(/^0x/, '') } : {})
  })
  if (!parsed.success) throw new UsageError(`bad policy: ${parsed.error.issues.map(i => `${i.path.join('.')}: ${i.message}`).join('; ')}`)
  return parsed.data
}
