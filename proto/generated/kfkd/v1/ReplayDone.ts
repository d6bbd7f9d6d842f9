// Original file: kfkd.proto


/**
 * The replay is over; what follows is live.
 */
export interface ReplayDone {
}

/**
 * The replay is over; what follows is live.
 */
export interface ReplayDone__Output {
}
