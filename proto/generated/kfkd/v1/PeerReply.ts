// Original file: kfkd.proto


export interface PeerReply {
}

export interface PeerReply__Output {
}
