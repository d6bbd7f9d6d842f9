// Original file: kfkd.proto


/**
 * The job this session computed for ended or needs fewer workers; sent at a
 * step boundary (no task of this session outstanding), then the stream ends.
 * The worker joins again at once, without backoff, and the coordinator
 * welcomes it into the job that needs it (with that job's net).
 */
export interface Moved {
  'reason'?: (string);
}

/**
 * The job this session computed for ended or needs fewer workers; sent at a
 * step boundary (no task of this session outstanding), then the stream ends.
 * The worker joins again at once, without backoff, and the coordinator
 * welcomes it into the job that needs it (with that job's net).
 */
export interface Moved__Output {
  'reason': (string);
}
