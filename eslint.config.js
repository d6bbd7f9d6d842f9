// One lint configuration for the whole workspace; each project runs `eslint src`.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/.test-output/**'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-console': 'error',
    },
  },
  {
    // Command-line entry points own the terminal.
    files: ['apps/*/src/**/*.ts', 'apps/*/bin/**/*.js', 'bench/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
);
