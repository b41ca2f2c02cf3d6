#!/usr/bin/env node
// Thin launcher: `npm install` (the prepare script) compiles and bundles the CLI into dist/bin.
import { main } from "../dist/bin/main.js";

process.exitCode = await main(process.argv);
