#!/usr/bin/env node
// The published entry point: oclif finds the compiled commands through package.json "oclif".
import {execute} from '@oclif/core'

await execute({dir: import.meta.url})
