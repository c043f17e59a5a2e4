/**
 * Seeds and run counts of the fuzzer. Fixed by default so that CI runs the same inputs every
 * time and a red build reproduces on a laptop; PARLEY_FUZZ_SEED picks other inputs and
 * PARLEY_FUZZ_RUNS multiplies how many (docs/testing.md).
 */
import fc from 'fast-check'

function envInt(name: string, dflt: number): number {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return dflt
  const n = Number(raw)
  if (!Number.isSafeInteger(n)) throw new Error(`${name} must be an integer, got ${JSON.stringify(raw)}`)
  return n
}

export const FUZZ_SEED = envInt('PARLEY_FUZZ_SEED', 20_240_917)
/** A multiplier, not a count: each property keeps its own proportion of the budget. */
export const FUZZ_RUNS = envInt('PARLEY_FUZZ_RUNS', 1)

/**
 * Each property gets its own seed, derived from the global one and its name, so adding an
 * operation (or a property) does not change the inputs every other property draws.
 */
export function seedFor(name: string): number {
  let h = 2166136261 ^ FUZZ_SEED
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619)
  return h | 0
}

export const reproduceHint = (name: string) =>
  `reproduce with PARLEY_FUZZ_SEED=${FUZZ_SEED} PARLEY_FUZZ_RUNS=${FUZZ_RUNS} npx vitest run test/fuzz -t ${JSON.stringify(name)}`

/**
 * Runs one async property with the derived seed and `runs × PARLEY_FUZZ_RUNS` runs. A failure
 * names the seed and how to run it again in front of fast-check's own (shrunk) counterexample.
 */
export async function fuzz<T>(name: string, arb: fc.Arbitrary<T>, check: (value: T) => Promise<void>, runs: number): Promise<number> {
  const seed = seedFor(name)
  const numRuns = Math.max(1, runs * FUZZ_RUNS)
  try {
    // Shrinking repeats requests; bound it so a failure is reported in seconds, not minutes.
    await fc.assert(fc.asyncProperty(arb, check), { seed, numRuns, interruptAfterTimeLimit: 45_000 * FUZZ_RUNS })
  } catch (err) {
    const e = err as Error
    e.message = `${name}: property failed (property seed ${seed}); ${reproduceHint(name)}\n${e.message}`
    throw e
  }
  return numRuns
}

/** Vitest timeout for a test running fuzz properties: above the properties' own time limit. */
export const fuzzTimeout = (properties = 1) => 60_000 * FUZZ_RUNS * properties
