// A small reader of the Prometheus text exposition format (version 0.0.4),
// enough for tests to compare scrapes: samples with their labels, and the TYPE
// of each metric family. prom-client has no parser of its own.

export interface Sample { name: string, labels: Record<string, string>, value: number }
export interface Scrape { samples: Sample[], types: Map<string, string> }

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+-?\d+)?$/

export function parsePrometheusText (text: string): Scrape {
  const samples: Sample[] = []
  const types = new Map<string, string>()
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim()
    if (line === '') continue
    if (line.startsWith('#')) {
      const type = /^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/.exec(line)
      if (type !== null) types.set(type[1]!, type[2]!)
      else if (!line.startsWith('# HELP ')) throw new Error(`line ${i + 1}: unknown comment ${JSON.stringify(line)}`)
      continue
    }
    const m = SAMPLE.exec(line)
    if (m === null) throw new Error(`line ${i + 1}: not a sample: ${JSON.stringify(line)}`)
    samples.push({ name: m[1]!, labels: m[3] === undefined ? {} : parseLabels(m[3], i + 1), value: parseValue(m[4]!, i + 1) })
  }
  return { samples, types }
}

function parseValue (text: string, line: number): number {
  if (text === '+Inf') return Infinity
  if (text === '-Inf') return -Infinity
  const v = Number(text)
  if (text !== 'NaN' && Number.isNaN(v)) throw new Error(`line ${line}: bad value ${text}`)
  return v
}

/** `a="x",b="y\"z"` with the format's escapes (\\, \", \n). */
function parseLabels (text: string, line: number): Record<string, string> {
  const labels: Record<string, string> = {}
  let rest = text
  while (rest.length > 0) {
    const m = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/.exec(rest)
    if (m === null) throw new Error(`line ${line}: bad labels ${JSON.stringify(text)}`)
    labels[m[1]!] = m[2]!.replace(/\\(.)/g, (_, c: string) => c === 'n' ? '\n' : c)
    rest = rest.slice(m[0].length)
  }
  return labels
}

/** The sum of the samples named `name` whose labels include `labels`; 0 when there is none. */
export function valueOf (scrape: Scrape, name: string, labels: Record<string, string> = {}): number {
  return scrape.samples
    .filter(s => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0)
}

/** Whether a sample of that name (and those labels) exists at all. */
export function has (scrape: Scrape, name: string, labels: Record<string, string> = {}): boolean {
  return scrape.samples.some(s => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
}

export async function scrape (baseUrl: string, signal: AbortSignal = AbortSignal.timeout(30_000)): Promise<Scrape> {
  const res = await fetch(`${baseUrl}/metrics`, { signal })
  if (res.status !== 200) throw new Error(`${baseUrl}/metrics answered ${res.status}: ${await res.text()}`)
  return parsePrometheusText(await res.text())
}
