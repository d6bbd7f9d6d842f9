/**
 * The tutorial's nets as plain, JSON-serialisable data (see types.ts):
 *  - types.ts        the spec types (layers, training, specialist info)
 *  - catalogue.ts    net1..net7, final and the test-size nets
 *  - specialists.ts  the six specialists and specialists for any keypoint group
 *  - shapes.ts       validation of a spec and its per-layer shapes
 *  - by-name.ts      netSpec(name): a catalogue net or '<net>-specialist-<n>'
 */
export * from './types.ts';
export { TUTORIAL_PATIENCE, knownNetNames } from './catalogue.ts';
export * from './specialists.ts';
export * from './shapes.ts';
export * from './by-name.ts';
