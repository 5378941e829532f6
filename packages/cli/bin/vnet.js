#!/usr/bin/env node
// The published CLI runs its built JavaScript; `npm ci` in the repository builds it (prepare).
import '../dist/cli.js';
