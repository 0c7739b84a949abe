import { defineConfig, globalIgnores } from 'eslint/config'
import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import jest from 'eslint-plugin-jest'
import prettier from 'eslint-config-prettier'

export default defineConfig(
  globalIgnores([
    'dist/',
    'coverage/',
    'node_modules/',
    '__tests__/fixtures/',
    '.tmp/',
    'bench-results/'
  ]),
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ['__tests__/**/*.ts'],
    extends: [jest.configs['flat/recommended']],
    rules: { 'jest/no-conditional-expect': 'off', 'jest/expect-expect': 'off' }
  },
  {
    files: ['scripts/**/*.{js,mjs}', '*.js'],
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly' }
    }
  },
  prettier
)
