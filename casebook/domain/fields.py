"""Chinese labels and help text for every input field of the acts, and labels for their coded values.

The pages build each act's form from its input schema; this is where a field name becomes what a person
reads. A unit test checks that every field of every act schema has a label here.
"""

from __future__ import annotations

from casebook.domain.vocabulary import (
    CASE_SOURCES,
    DECLINE_GROUNDS,
    INVESTIGATION_ACT_KINDS,
    REMEDY_CONCLUSIONS,
    REMEDY_KINDS,
    SERVICE_METHODS,
)

from .evidence import EVIDENCE_KINDS
from .identifiers import ID_KINDS
from .lifecycle import DECISION_KINDS, PENALTY_KINDS
from .rules.model import CIRCUMSTANCES, FACTS

# field name -> (label, help text; "" when the label says it all)
FIELD_LABELS: dict[str, tuple[str, str]] = {
    "id_number": ("证件号码", "自然人填所选证件的号码（居民身份证号按国家标准校验），单位填统一社会信用代码"),
    "id_kind": ("证件类型", "自然人默认居民身份证；持护照、通行证等证件的，须同时填写出生日期（行政处罚法第三十条）"),
    "birth_date": ("出生日期", "证件号码不载明出生日期时填写（护照、通行证、外国人永久居留身份证等）；居民身份证、港澳台居民居住证不必填写"),
    "legal_representative": ("法定代表人（负责人）", ""),
    "act_id": ("待确认的执法行为", "本案中等待您确认（会签）的笔录、证据或决定"),
    "interviewee": ("被询问人", "询问笔录所载的被询问人"),
    "on_site_person": ("现场负责人或在场人", "现场检查笔录所载的在场人"),
    "name": ("姓名", ""),
    "gender": ("性别", ""),
    "resident_id": ("居民身份证号", ""),
    "phone": ("联系电话", ""),
    "address": ("住址", ""),
    "employer": ("工作单位", ""),
    "position": ("职务或与当事人关系", ""),
    "absent": ("缺席人员", "缺席人员及原因"),
    "acted_on": ("取证日期", ""),
    "amount": ("缴纳金额（元）", ""),
    "approved_at": ("批准时刻", "起算24小时移送时限；不填则为当前时刻"),
    "assigned_on": ("指派日期", ""),
    "attendees": ("参加人员", "每行一人，可写作“姓名（职务）”，不少于三人"),
    "basis": ("处罚依据", "法律、法规、规章的名称及条款"),
    "cause": ("案由", ""),
    "chair": ("主持人", "“姓名（职务）”"),
    "chair_id": ("听证主持人", "不得由本案调查人员担任（行政处罚法第六十四条第四项）"),
    "checklist": ("审核内容", "七项审核内容逐项填写"),
    "circumstances": ("情节", "裁量时考虑的情节"),
    "clerk": ("记录员", ""),
    "closed_on": ("结案日期", "不填则为今天"),
    "code": ("事项编码", "现行裁量基准的违法行为事项编码"),
    "collected_by": ("提取人", "提取证据的执法人员（不少于两人）"),
    "collected_on": ("提取日期", ""),
    "conclusion": ("讨论结论", ""),
    # 行政处罚法 第七十三条: 行政复议、行政诉讼 and the 加处罚款 not counted meanwhile
    "authority": ("复议机关或者人民法院", "受理行政复议申请的机关，或者受理起诉的人民法院"),
    "remedy_case_no": ("复议或者诉讼案号", "复议机关或者人民法院已受理并告知案号的，填写"),
    "concluded_on": ("终结日期", "复议决定书送达之日、裁判发生法律效力之日，或者准予撤回申请、撤诉之日；次日起恢复计算加处罚款"
                                "（行政处罚法第七十三条）"),
    "outcome": ("终结方式", "复议决定、裁判的结果，或者驳回、撤回申请（撤诉）等"),
    "document_no": ("文书文号", "复议决定书或者裁判文书的文号"),
    "confiscated_amount": ("没收金额（元）", ""),
    "content": ("内容", ""),
    "correction_order": ("责令改正", "责令改正的内容与期限（不予处罚时必填）"),
    "decided_on": ("决定日期", ""),
    "decision": ("公安机关决定", ""),
    "description": ("描述", ""),
    "deviation_reason": ("偏离裁量基准的理由", "处罚超出裁量阶次或减轻处罚的理由"),
    "device": ("记录设备", "音像记录的设备名称或编号"),
    "discovered_on": ("发现日期", ""),
    # 行政处罚法 第二十八至三十六条 (Issue 12)
    "act_started_on": ("违法行为发生日期", "连续或者继续状态的，填开始日期（行政处罚法第三十六条）"),
    "act_ended_on": ("违法行为终了日期", "连续或者继续状态的违法行为终了之日"),
    "act_continuing": ("违法行为仍在持续", "仍处于连续或者继续状态、尚未终了的，勾选此项"),
    "long_limitation_reason": ("追责时效五年的说明", "涉及公民生命健康安全、金融安全且有危害后果的，写明情况"),
    "minor_leniency": ("未成年人从轻、减轻说明", "当事人已满十四周岁不满十八周岁的，写明从轻或者减轻的情况（第三十条）"),
    "same_act_reason": ("再次罚款的理由", "当事人同一违法行为已被罚款的，不得再次罚款；确属不同行为的写明理由（第二十九条）"),
    "gains_reason": ("未没收违法所得的理由", "依法应当退赔等不予没收或者未全部没收的理由（第二十八条）"),
    "ground_evidence": ("法定情节的证据", "每一法定情节所依据的证据编号（第三十一至三十三条）"),
    "draft_decision": ("拟作出的处理决定", "决定书草稿"),
    "education_note": ("教育情况", "对当事人进行教育的情况（不予处罚时必填）"),
    "ended_at": ("结束时间", ""),
    "execution_note": ("执行情况", ""),
    "exemption_code": ("免罚清单事项编码", "适用的免罚清单事项"),
    "facts_text": ("案件事实", ""),
    "filed_on": ("立案日期", ""),
    "fine_amount": ("罚款金额（元）", ""),
    "form_no": ("决定书编号", "预先编号的当场处罚决定书"),
    "formed_on": ("成立日期", ""),
    "goods_value": ("货值金额（元）", ""),
    "ground": ("不予立案的理由类别", ""),
    "hearing_transcript": ("听证笔录", "经过听证的填写"),
    "handed_over_on": ("移交日期", "移交涉案物品和材料、办结交接手续的日期；应当自接到立案通知书之日起3日内（国务院令第310号第十二条）"),
    "held_on": ("举行日期", ""),
    "illegal_gains": ("违法所得（元）", ""),
    "inspection_report": ("检验报告或鉴定结论", ""),
    "investigation_report": ("调查终结报告", ""),
    "is_recording": ("音像记录", "全过程记录的音像资料"),
    "item_list": ("涉案物品清单", ""),
    "items": ("涉案物品及材料清单", "移交公安机关的涉案物品以及与案件有关的其他材料"),
    "kind": ("类别", ""),
    "lead_officer_id": ("主办人", "须是承办执法人员之一"),
    "materials": ("移送材料", "国务院令第310号第六条的五项材料"),
    "method": ("送达方式", ""),
    "note": ("备注", ""),
    "notice_on": ("收到通知日期", "收到立案或不予立案通知书的日期"),
    "notice_served_on": ("听证通知送达日期", "应在举行七个工作日前送达"),
    "officer_ids": ("执法人员", "不少于两人，须持有当日有效的执法证"),
    "ok": ("通过", ""),
    "opinion": ("审核意见", ""),
    "opinion_text": ("审核意见书正文", ""),
    "opinions": ("讨论意见", "按“姓名：发言”逐行记录"),
    "other_materials": ("其他有关材料", ""),
    "paid_on": ("缴纳日期", ""),
    "party_id": ("当事人", ""),
    "party_id_number": ("当事人证件号码", "当事人不属于本机关时，填写其完整的身份证号或统一社会信用代码"),
    "party_signed": ("当事人已签收", ""),
    "penalty_kinds": ("处罚种类", ""),
    "place": ("地点", ""),
    "police_agency": ("公安机关", "同级公安机关"),
    "procuratorate": ("人民检察院", "抄送的同级人民检察院"),
    "reason": ("理由", ""),
    "reasons": ("理由", ""),
    "receipt_no": ("票据号", ""),
    "receipt_on": ("签收日期", ""),
    "receiver": ("公安机关接收人", "办理交接手续的公安机关人员"),
    "received_on": ("收到日期", ""),
    "recorded_by_id": ("记录人", "音像记录的执法人员"),
    "recorded_on": ("备案日期", ""),
    "recorder": ("记录人", "默认录入本记录的人员"),
    "recording_ended_at": ("录制结束时间", ""),
    "recording_started_at": ("录制开始时间", ""),
    "referral_letter": ("涉嫌犯罪案件移送书", ""),
    "refusal_note": ("拒签说明", "当事人拒绝签收的，在决定书上注明"),
    "report": ("报告", ""),
    "reported_on": ("报告日期", ""),
    "reporter": ("汇报人", ""),
    "requested_on": ("申请日期", ""),
    "returned_on": ("退回日期", ""),
    "review_opinion": ("复核意见", "对陈述申辩的复核（行政处罚法第四十五条）"),
    "reviewed_on": ("审核日期", ""),
    "reviewer_id": ("法制审核人员", "须取得法律职业资格，且不是本案执法人员"),
    "sales_amount": ("销售金额（元）", ""),
    "scheduled_on": ("原定听证日期", ""),
    "sent_on": ("抄送日期", ""),
    "sent_to": ("抄送机关", "应当同时抄送公安机关和人民检察院"),
    "served_on": ("送达日期", ""),
    "source": ("案件来源", ""),
    "speaker": ("发言人", ""),
    "speeches": ("逐人发言", ""),
    "started_at": ("开始时间", ""),
    "submitted_on": ("提交日期", ""),
    "summary": ("摘要", ""),
    "title": ("名称", ""),
    "transcript_summary": ("听证情况", "按“姓名：发言”逐行记录的，听证笔录按发言顺序列出"),
    "transferred_at": ("移送时刻", ""),
    "turnover": ("营业额（元）", ""),
    "advertising_fee": ("广告费用（元）", ""),
    "no_exemption_reason": ("不予免罚的理由", "当事人符合免罚清单、首违不罚或行政处罚法第三十三条的条件而仍予罚款的，写明理由（执法监督的问题模型据此核查）"),
    "uncomputable_fact": ("无法计算的事实", "经调查确实无法计算的，选择该事实并写明理由（不要填0）；裁量基准按法律规定的无法计算时的幅度确定，没有规定的不得处罚款"),
    "uncomputable_reason": ("无法计算的理由", "如账簿缺失、进销价格无法核实等（行政处罚法第四十条）"),
    "violation_code": ("裁量基准事项编码", "适用的裁量基准事项"),
    "violations": ("违法行为", ""),
    "waived_on": ("放弃日期", ""),
}

# The supplement a document may need beyond the case record (文书: what the officer writes on it).
DOCUMENT_FIELD_LABELS: dict[str, tuple[str, str]] = {
    "officers": ("承办人员", ""), "start": ("开始时间", ""), "end": ("结束时间", ""), "on_site_person": ("现场负责人", ""),
    "recusal_answer": ("是否申请回避", "当事人对回避的答复"), "confirmation": ("当事人核对意见", "如“以上笔录已看过，与所说一致”"),
    "signature": ("签名", "当事人签名情况"), "interviewee": ("被询问人", ""), "qa": ("问答", "JSON：[{\"q\": \"问\", \"a\": \"答\"}]"),
    "approved_by": ("批准人", ""), "storage_place": ("保存地点", ""), "storage_method": ("保存方式", ""),
    "items": ("物品清单", "JSON 列表"), "violated_provision": ("违反的规定", "法律、法规、规章的名称及条款"),
    "requirements": ("改正要求", ""), "consequence": ("逾期不改正的后果", ""), "criminal_check": ("涉嫌犯罪审查情况", ""),
    "contact": ("联系人及电话", ""), "hearing_at": ("听证时间", ""), "public": ("公开举行", ""), "entries": ("听证记录", "JSON 列表"),
    "decided_at": ("决定时间", ""), "handed_over_at": ("交付时间", ""), "correction": ("责令改正", ""), "education": ("教育情况", ""),
    "warning": ("警示", ""), "recipient": ("接收机关", ""), "suspected_offence": ("涉嫌罪名", ""),
    "criminal_provision": ("刑法条款", ""), "served_at": ("送达时间", ""), "received_at": ("签收时间", ""),
    "summary": ("摘要", ""),
}

# Per act, where a generic name needs a more precise label.
ACT_FIELD_LABELS: dict[tuple[str, str], tuple[str, str]] = {
    ("file", "opinion"): ("立案审批意见", ""),
    ("record_investigation_act", "kind"): ("取证方式", ""),
    ("record_investigation_act", "summary"): ("取证情况", ""),
    ("propose_penalty", "kind"): ("处理意见", ""),
    ("decide", "kind"): ("处理决定", ""),
    ("register_party", "kind"): ("当事人类别", ""),
    ("register_party", "name"): ("当事人名称或姓名", ""),
    ("add_evidence", "kind"): ("证据种类", ""),
    ("add_evidence", "title"): ("证据名称", ""),
    ("close_investigation", "report"): ("调查终结报告", ""),
    ("submit_referral_report", "report"): ("专案组书面报告", ""),
    ("close", "summary"): ("结案报告", ""),
    ("decline_to_file", "reason"): ("不予立案的理由", ""),
    ("record_statement", "content"): ("陈述申辩内容", ""),
    ("record_waiver", "note"): ("放弃的书面材料说明", ""),
    ("record_remedy_filed", "kind"): ("救济方式", ""),
    ("record_remedy_filed", "filed_on"): ("申请复议或者起诉日期",
                                          "不早于处罚决定书送达之日；自该日起至复议、诉讼终结之日不计算加处罚款（行政处罚法第七十三条）"),
}

# The codes' labels come from the one vocabulary; a select shows 「其他」 where a document says nothing.
ACT_KIND_LABELS = {**INVESTIGATION_ACT_KINDS, "other": "其他"}
SERVICE_METHOD_LABELS = SERVICE_METHODS
DECLINE_GROUND_LABELS = {**DECLINE_GROUNDS, "other": "其他"}
CASE_SOURCE_LABELS = CASE_SOURCES

# Coded values -> Chinese, for selects and checkboxes; by field where the same code means different things.
CHOICE_LABELS: dict[str, dict[str, str]] = {
    "penalty_kinds": PENALTY_KINDS,
    "circumstances": CIRCUMSTANCES,
    "method": SERVICE_METHOD_LABELS,
    "ground": DECLINE_GROUND_LABELS,
    "source": CASE_SOURCE_LABELS,
    "opinion": {"approved": "同意", "returned": "存在问题（退回）"},
    "decision": {"filed": "立案", "declined": "不予立案"},
    "sent_to": {"police": "公安机关", "procuratorate": "人民检察院"},
    "outcome": REMEDY_CONCLUSIONS,
}
KIND_LABELS_BY_ACT: dict[str, dict[str, str]] = {
    "record_investigation_act": ACT_KIND_LABELS,
    "propose_penalty": DECISION_KINDS,
    "decide": DECISION_KINDS,
    "add_evidence": EVIDENCE_KINDS,
    "register_party": {"person": "自然人", "organization": "法人或其他组织"},
    "record_remedy_filed": REMEDY_KINDS,
}
CHOICE_LABELS["id_kind"] = ID_KINDS
CHOICE_LABELS["uncomputable_fact"] = FACTS


def field_label(name: str, act: str | None = None) -> tuple[str, str]:
    """(label, help) of an input field, precise for the act (or document: "doc:<type>") where it needs to be."""
    if act and act.startswith("doc:") and name in DOCUMENT_FIELD_LABELS:
        return DOCUMENT_FIELD_LABELS[name]
    return ACT_FIELD_LABELS.get((act or "", name)) or FIELD_LABELS.get(name) or DOCUMENT_FIELD_LABELS.get(name) or (name, "")


def choice_labels(name: str, act: str | None = None) -> dict[str, str]:
    if name == "kind" and act in KIND_LABELS_BY_ACT:
        return KIND_LABELS_BY_ACT[act]
    return CHOICE_LABELS.get(name, {})
