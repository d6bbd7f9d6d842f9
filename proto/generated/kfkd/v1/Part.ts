// Original file: kfkd.proto

export const Part = {
  PART_UNSPECIFIED: 'PART_UNSPECIFIED',
  PART_TRAIN: 'PART_TRAIN',
  PART_VALID: 'PART_VALID',
} as const;

export type Part =
  | 'PART_UNSPECIFIED'
  | 0
  | 'PART_TRAIN'
  | 1
  | 'PART_VALID'
  | 2

export type Part__Output = typeof Part[keyof typeof Part]
