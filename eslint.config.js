// One lint configuration for the whole workspace; each project runs `eslint src`.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/.test-output/**'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    // Type-aware rules: each project's tsconfig (found per file) gives them the types.
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
    },
  },
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
