// Copies what tsc does not: the plain SQL migrations, next to the compiled migrator.
import { cpSync, mkdirSync } from 'node:fs'
mkdirSync('dist/store/migrations', { recursive: true })
cpSync('src/store/migrations', 'dist/store/migrations', { recursive: true })
