import { hookMain } from './command.js';

await hookMain(process.argv.slice(3));
