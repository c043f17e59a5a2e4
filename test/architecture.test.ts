import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { parseCircular, parseDependencyTree } from 'dpdm'

const ROOT = fileURLToPath(new URL('..', import.meta.url))

/**
 * No import cycles, type-only imports included: a cycle makes load order decide what a module
 * sees at start-up, and even a type-only one ties two modules so that neither can move or be
 * read without the other. The usual way out is a small module both import (src/ops/actor.ts,
 * src/conversations/posting-rule.ts).
 */
describe('architecture', () => {
  it('has no import cycle in src/ or the SDK (packages/client/src/)', async () => {
    const tree = await parseDependencyTree(['src/**/*.ts', 'packages/client/src/**/*.ts'], {
      context: ROOT,
      cwd: ROOT,
      tsconfig: `${ROOT}tsconfig.json`,
      // Type-only imports count: no `transform` (which would erase them before the analysis).
      transform: false,
      skipDynamicImports: false,
    })
    // Modules outside the scan (node_modules) are not followed, so only our own cycles show.
    expect(Object.keys(tree).some((f) => f.startsWith('src/ops/'))).toBe(true)
    expect(parseCircular(tree).map((cycle) => cycle.join(' -> '))).toEqual([])
  }, 60_000)
})
