// ESLint flat config: typescript-eslint recommended, and the layer arrows of the house style.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', '.venv/**', 'native/build/**', 'test/fixtures/**', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['src/**/*.ts', 'webview/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'vscode', message: 'Only extension/ may import vscode.' }], patterns: ['**/extension/**'] }],
    },
  },
  {
    files: ['webview/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'vscode', message: 'The webview talks to the host only through src/protocol.' }], patterns: ['**/extension/**', '**/backends/**', '**/debugAdapter/**', '**/rpc/**', '**/inspector/**', '**/pairing/**', '**/leaks/**', '**/transport/**', '**/engine/**', '**/cli/**'] }],
    },
  },
  {
    files: ['extension/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['**/webview/**'] }],
    },
  },
);
