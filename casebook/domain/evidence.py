"""Evidence kinds (行政处罚法 第四十六条)."""

EVIDENCE_KINDS = {
    "documentary": "书证",
    "physical": "物证",
    "audio_visual": "视听资料",
    "electronic_data": "电子数据",
    "witness_testimony": "证人证言",
    "party_statement": "当事人陈述",
    "expert_opinion": "鉴定意见",
    "inspection_record": "勘验笔录、现场笔录",
}
