// Checks that two ends' pair keys work together: one DKLs23 multiplication in each direction
// (protocols/ecdsa/multiplication.ts), c + d = a·b for random inputs.
import { randomBytes } from 'node:crypto'
import { taggedHash, utf8 } from '../../protocols/ecdsa/hash.js'
import { MUL_INPUTS, mulAliceRespond, mulBobFinish, mulBobStart } from '../../protocols/ecdsa/multiplication.js'
import { add, mul, randomScalar } from '../../protocols/ecdsa/scalar.js'
import type { PairKeys } from '../../protocols/ecdsa/sign.js'

const random = (n: number): Uint8Array => new Uint8Array(randomBytes(n))

/** Whether `x` (as Alice) and `y` (as Bob) multiply correctly, and the other way round. */
export function pairMultiplies (x: PairKeys, y: PairKeys, label = 'pair-test'): boolean {
  const once = (alice: PairKeys, bob: PairKeys, tag: string): boolean => {
    const sid = taggedHash('test/mul-sid', [utf8(label), utf8(tag), random(16)])
    const a = Array.from({ length: MUL_INPUTS }, () => randomScalar(random))
    const start = mulBobStart(bob.bob, sid, random)
    const answer = mulAliceRespond(alice.alice, sid, a, start.message, random)
    const d = mulBobFinish(bob.bob, sid, start.keep, answer.message)
    return a.every((ak, k) => add(answer.c[k]!, d[k]!) === mul(ak, start.b))
  }
  return once(x, y, 'x-alice') && once(y, x, 'y-alice')
}
