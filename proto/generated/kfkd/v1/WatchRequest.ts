// Original file: kfkd.proto


export interface WatchRequest {
}

export interface WatchRequest__Output {
}
