#!/usr/bin/env bash
# The desktop VS Code (Electron) suite: runs where @vscode/test-electron can download a VS Code build; where none
# can be downloaded (this workplace reaches package registries only) it says so and does not fail `npm test`.
set -uo pipefail
cd "$(dirname "$0")/../../.."
node out/test/e2e/electron/runTests.js
