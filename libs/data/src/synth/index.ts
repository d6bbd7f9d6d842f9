// The embedded default data set: procedurally drawn faces with exact keypoints.
export { renderFace } from './render-face.ts';
export {
  synthesize,
  rowRng,
  ALWAYS_LABELLED_COLUMNS,
  DEFAULT_LABEL_ALL_FRACTION,
  type SynthesizeOptions,
  type SyntheticSet,
} from './synthesize.ts';
export { synthesizeLookup, type LookupOptions } from './lookup.ts';
export { DEFAULT_POSE_RANGE, CENTRED_POSE_RANGE, type PoseRange } from './sample-face.ts';
