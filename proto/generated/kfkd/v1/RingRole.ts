// Original file: kfkd.proto


/**
 * A worker's place in a ring step. The step's gradient is summed through
 * the workers instead of at the coordinator, and the parameters travel the
 * same way:
 * - the workers of the ring are ordered by the first batch position of
 * their rows, the order in which the coordinator sums a star step's parts,
 * so both give the same sum, bit for bit;
 * - the coordinator sends every worker its Task first, then the parameter
 * chunks (when the task's parameters_version is new) to the first worker
 * only; each worker keeps them and forwards them, chunk by chunk as they
 * arrive, to the next (Peer.Pass);
 * - the first worker sends its loss and gradient sums to the second, which
 * adds its own (float32, element by element, chunk by chunk) and passes
 * the running sum on; the last worker Reports the ring's sum to the
 * coordinator as the result of its own task (TaskResult.count =
 * total_count, the rows of the whole ring).
 * The coordinator's link so carries one parameter vector out and one
 * gradient in per step, whatever the number of workers. A validation round
 * (PART_VALID tasks) goes the same way without a gradient: the running sum
 * is the loss sums and counts alone (no GradientChunks), so it too sends the
 * parameters out once. A ring round that
 * fails (a worker lost, a peer unreachable, the step's deadline) is
 * computed again in the next round; nothing of it reaches the parameters.
 */
export interface RingRole {
  /**
   * Identifies the ring round: the same in every task of the ring, new for
   * every round.
   */
  'ringId'?: (number);
  /**
   * 0-based place in the ring, and the ring's length.
   */
  'position'?: (number);
  'size'?: (number);
  /**
   * The next worker's id and Peer address; empty for the last worker.
   */
  'nextWorker'?: (string);
  'nextAddress'?: (string);
  /**
   * Rows of the whole ring.
   */
  'totalCount'?: (number);
}

/**
 * A worker's place in a ring step. The step's gradient is summed through
 * the workers instead of at the coordinator, and the parameters travel the
 * same way:
 * - the workers of the ring are ordered by the first batch position of
 * their rows, the order in which the coordinator sums a star step's parts,
 * so both give the same sum, bit for bit;
 * - the coordinator sends every worker its Task first, then the parameter
 * chunks (when the task's parameters_version is new) to the first worker
 * only; each worker keeps them and forwards them, chunk by chunk as they
 * arrive, to the next (Peer.Pass);
 * - the first worker sends its loss and gradient sums to the second, which
 * adds its own (float32, element by element, chunk by chunk) and passes
 * the running sum on; the last worker Reports the ring's sum to the
 * coordinator as the result of its own task (TaskResult.count =
 * total_count, the rows of the whole ring).
 * The coordinator's link so carries one parameter vector out and one
 * gradient in per step, whatever the number of workers. A validation round
 * (PART_VALID tasks) goes the same way without a gradient: the running sum
 * is the loss sums and counts alone (no GradientChunks), so it too sends the
 * parameters out once. A ring round that
 * fails (a worker lost, a peer unreachable, the step's deadline) is
 * computed again in the next round; nothing of it reaches the parameters.
 */
export interface RingRole__Output {
  /**
   * Identifies the ring round: the same in every task of the ring, new for
   * every round.
   */
  'ringId': (number);
  /**
   * 0-based place in the ring, and the ring's length.
   */
  'position': (number);
  'size': (number);
  /**
   * The next worker's id and Peer address; empty for the last worker.
   */
  'nextWorker': (string);
  'nextAddress': (string);
  /**
   * Rows of the whole ring.
   */
  'totalCount': (number);
}
