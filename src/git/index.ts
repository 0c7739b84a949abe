export * from './runner.js'
