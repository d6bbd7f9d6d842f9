// Original file: kfkd.proto


export interface ReportReply {
}

export interface ReportReply__Output {
}
