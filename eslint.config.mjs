import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['resources/**', 'dist/**', 'node_modules/**', '.demo/**', '.test-output/**', 'examples/**', 'docs/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  // The library and the nodes are linted with the types: promises, any and needless casts.
  {
    files: ['lib/**/*.ts', 'nodes/**/*.ts'],
    extends: [tseslint.configs.recommendedTypeCheckedOnly],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
  },
  {
    // Node-RED's admin routes are Express handlers, which ignore what they return: the async
    // Test connection route answers its own failures inside its try.
    files: ['nodes/**/*.ts'],
    rules: { '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }] },
  },
  {
    // The editor's shared code runs in the browser, next to Node-RED's editor.
    files: ['editor/**/*.js'],
    languageOptions: { sourceType: 'script', globals: { window: 'readonly', RED: 'readonly', $: 'readonly' } },
    rules: {
      // ES5 for the editor: catch needs a name, and jQuery callbacks need `this` kept.
      '@typescript-eslint/no-unused-vars': ['error', { caughtErrors: 'none', args: 'none' }],
      '@typescript-eslint/no-this-alias': 'off',
    },
  },
  {
    files: ['scripts/**/*.js', '.ci/**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', __dirname: 'readonly', process: 'readonly', console: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
