import babelParser from '@babel/eslint-parser';
import reactHooks from 'eslint-plugin-react-hooks';

/**
 * The layering, stated as import rules. Each layer lists the folders its files may not import
 * from; a specifier counts by the top-level folders it climbs into ("../../runner/…").
 *
 * TypeScript is parsed by Babel's parser: TypeScript 7 has no JavaScript API, so
 * typescript-eslint cannot run. The rules need no types, only the import specifiers.
 */
const LAYERS = [
  {
    files: ['runner/runtime/**'],
    // Every relative import that leaves the folder: the runtime has no subfolders.
    forbid: /^\.\.\//u,
    message: 'runner/runtime imports nothing of the project',
  },
  {
    files: ['schemas/**'],
    forbid: /^(\.\.\/)+(runner|designer)\//u,
    message: 'schemas/ imports nothing of runner/ or designer/',
  },
  {
    files: ['designer/**'],
    forbid: /^(\.\.\/)+(runner|bench|test|examples)\//u,
    message: 'designer/ imports only schemas/ of the rest of the project',
  },
  {
    files: ['runner/cluster/**'],
    forbid: /^\.\.\/server\//u,
    message: 'runner/cluster does not import runner/server (shared names live in runner/sessions)',
  },
  {
    files: ['runner/tools/**'],
    forbid: /^\.\.\/agents\//u,
    message: 'runner/tools does not import runner/agents (agents use tools, not the other way round)',
  },
];

const parse = (plugins) => ({
  parser: babelParser,
  parserOptions: {
    requireConfigFile: false,
    babelOptions: { babelrc: false, configFile: false, parserOpts: { plugins } },
  },
});

export default [
  // Comments that switch off a rule this config does not turn on (yet) are not errors.
  { linterOptions: { reportUnusedDisableDirectives: 'off' } },
  { ignores: ['node_modules/**', 'dist/**', 'data/**', '**/*.js'] },
  { files: ['**/*.ts'], languageOptions: parse(['typescript']) },
  { files: ['**/*.tsx'], languageOptions: parse(['typescript', 'jsx']) },
  // Hooks are called unconditionally. Dependency lists are not checked yet: a few memos key on
  // chosen fields on purpose; the designer's code marks where.
  { files: ['designer/**'], plugins: { 'react-hooks': reactHooks }, rules: { 'react-hooks/rules-of-hooks': 'error' } },
  ...LAYERS.map(({ files, forbid, message }) => ({
    files,
    rules: { 'no-restricted-imports': ['error', { patterns: [{ regex: forbid.source, message }] }] },
  })),
];
