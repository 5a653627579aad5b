#!/usr/bin/env node
// `airlock hook` runs before every tool call a coding agent makes: start it without the rest of the CLI.
if (process.argv[2] === 'hook') await import('../dist/doors/hook/main.js');
else await import('../dist/cli/main.js');
